/* The allocation-size oracle and the framing-keeping mutator of the
** checkpoint fuzzers (tests/fuzz/fuzz_load.c and its per-loader builds).
**
** Oracle: the fuzzed context's allocator hook tracks the bytes it holds;
** around each load it aborts when a single allocation or the peak held
** during the call exceeds the documented budget for an input of S bytes
** (docs/FORMAT.md, "Memory budget": per net 64 MiB of batch buffers plus
** 256 bytes per stored parameter (64 S), 2 x 4 bytes per stored parameter,
** optimizer state as stored, plus bookkeeping), here FUZZ_BUDGET(S) =
** 2 x (64 MiB + 1 MiB) + 72 S.
**
** Mutator (libFuzzer builds, PG_FUZZ_MUTATOR): most mutations edit one
** section's body (libFuzzer's own mutation, or an aligned u32 set to a
** boundary value such as 0, 4096, 65536 or 2^24 + 1) and then rewrite that
** section's length and CRC, so that the input still parses as frames and
** reaches the section parsers; the rest mutate the whole image. */
#ifndef FUZZ_ORACLE_H
#define FUZZ_ORACLE_H

#include "pgck_frame.h"

#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_BUDGET(S) (2 * ((size_t)65 << 20) + 72 * (size_t)(S))

typedef struct fuzz_oracle {
  size_t live, base, peak, budget;
  const char *what; /* the call being watched, NULL between calls */
} fuzz_oracle;

static void fuzz_over_budget(const fuzz_oracle *o, size_t bytes, const char *kind) {
  fprintf(stderr, "fuzz oracle: %s %zu bytes in %s exceeds the budget of %zu bytes\n", kind,
          bytes, o->what, o->budget);
  abort();
}

static void *fuzz_alloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  fuzz_oracle *o = user;
  if (new_size == 0) {
    o->live -= old_size;
    free(ptr);
    return NULL;
  }
  if (o->what && new_size > o->budget) fuzz_over_budget(o, new_size, "one allocation of");
  void *q = realloc(ptr, new_size);
  if (!q) return NULL;
  o->live += new_size - old_size;
  if (o->live > o->peak) o->peak = o->live;
  if (o->what && o->peak - o->base > o->budget) fuzz_over_budget(o, o->peak - o->base, "holding");
  return q;
}

/* Watches the next call (a load of `size` bytes). */
static void fuzz_watch(fuzz_oracle *o, const char *what, size_t size) {
  o->what = what;
  o->base = o->peak = o->live;
  o->budget = FUZZ_BUDGET(size);
}

static void fuzz_unwatch(fuzz_oracle *o) { o->what = NULL; }

#ifdef PG_FUZZ_MUTATOR
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static uint32_t fuzz_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  uint32_t rs = seed | 1u;
  pgck_section sec[PGCK_MAX_SECTIONS];
  int n = pgck_sections(data, size, sec, PGCK_MAX_SECTIONS);
  if (n <= 0 || fuzz_rand(&rs) % 8 == 0) return LLVMFuzzerMutate(data, size, max_size);
  pgck_section *s = &sec[fuzz_rand(&rs) % (uint32_t)n];
  size_t end = s->body + s->len + 4; /* the next frame starts here */
  size_t tail = size - end;
  if (fuzz_rand(&rs) % 3 == 0 && s->len >= 4) { /* a boundary value into an aligned u32 */
    static const uint32_t edge[] = {0u, 1u, 2u, 3u, 4u, 255u, 4096u, 4097u, 65536u, 65537u,
                                    1u << 20, 1u << 24, (1u << 24) + 1, 0x7FFFFFFFu,
                                    0x80000000u, 0xFFFFFFFFu};
    size_t at = s->body + 4 * (fuzz_rand(&rs) % (uint32_t)(s->len / 4));
    pgck_put_u32(data + at, edge[fuzz_rand(&rs) % (sizeof edge / sizeof edge[0])]);
    pgck_fix_section(data, s);
    return size;
  }
  /* libFuzzer's mutation of the body alone, the frames after it moved. */
  size_t room = max_size - (size - s->len);
  uint8_t *body = malloc(room ? room : 1);
  uint8_t *rest = malloc(tail ? tail : 1);
  if (!body || !rest) {
    free(body);
    free(rest);
    return size;
  }
  memcpy(body, data + s->body, s->len);
  memcpy(rest, data + end, tail);
  size_t len = s->len ? LLVMFuzzerMutate(body, s->len, room) : 0;
  memcpy(data + s->body, body, len);
  s->len = len;
  pgck_fix_section(data, s);
  memcpy(data + s->body + len + 4, rest, tail);
  free(body);
  free(rest);
  return s->body + len + 4 + tail;
}
#endif

#endif
