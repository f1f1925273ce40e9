/*
** Internal services shared by every component. Names shared between files
** start with pg__ (two underscores); the linker version script exports only
** pg_[a-z]*, so none of these leave the shared library.
*/
#ifndef PG_INTERNAL_H
#define PG_INTERNAL_H

#include "policygrad.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define PG__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PG__LIKELY(x) __builtin_expect(!!(x), 1)
#define PG__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PG__PRINTF(f, a)
#define PG__LIKELY(x) (x)
#define PG__UNLIKELY(x) (x)
#endif

#define PG__ERRMSG_SIZE 512
/* Room for layer kinds registered on one context (see ext_layer_kinds). */
#define PG__CTX_LAYER_KINDS 8

struct pg_ctx {
  pg_alloc_fn alloc;
  void *alloc_user;
  uint64_t seed;
  _Atomic int64_t live_handles; /* handles created from this context */
  _Atomic int64_t bytes_in_use;
  atomic_bool closed;           /* pg_ctx_destroy() was called */
  pg_status last_status;
  char last_error[PG__ERRMSG_SIZE];
  /* Layer kinds registered on this context from outside lib/nn (lib/nn's
  ** pg__layer_kind_register owns them; core only keeps the pointers). */
  const void *ext_layer_kinds[PG__CTX_LAYER_KINDS];
  size_t n_ext_layer_kinds;
};

/* ---- errors --------------------------------------------------------------
** pg__fail records status and a printf-style message in the context and
** returns status, so a failing path reads: return pg__fail(ctx, st, "...").
** ctx may be NULL (nothing is recorded). */
pg_status pg__fail(pg_ctx *ctx, pg_status status, const char *fmt, ...)
    PG__PRINTF(3, 4);
pg_status pg__vfail(pg_ctx *ctx, pg_status status, const char *fmt,
                    va_list ap) PG__PRINTF(3, 0);
/* Appends ", item" (or "item" first) to the list in buf (size bytes, used
** so far *used) for messages that name the valid choices; stops when full. */
void pg__list_append(char *buf, size_t size, size_t *used, const char *item);

/* ---- memory --------------------------------------------------------------
** Every allocation goes through the context's hook. Blocks carry a small
** header with their size, so pg__free needs only the pointer. All return
** NULL on failure without recording a message (callers add context).
** pg__calloc checks count*size for overflow and zeroes the block. */
void *pg__malloc(pg_ctx *ctx, size_t size);
void *pg__calloc(pg_ctx *ctx, size_t count, size_t size);
void pg__free(pg_ctx *ctx, void *ptr);
/* Allocate-or-fail helpers that record PG_ERR_NOMEM with `what`. */
pg_status pg__alloc_array(pg_ctx *ctx, void *out_ptr, size_t count,
                          size_t size, const char *what);

/* ---- handle lifetime -----------------------------------------------------
** Every handle created from a context calls pg__ctx_retain on success and
** pg__ctx_release when destroyed; the context is freed when it was closed
** and its last handle goes. */
void pg__ctx_retain(pg_ctx *ctx);
void pg__ctx_release(pg_ctx *ctx);

/* ---- random numbers ------------------------------------------------------
** Value type embedded in handles (no allocation). */
typedef struct pg__rng {
  uint64_t s[4];
} pg__rng;

void pg__rng_seed(pg__rng *r, uint64_t seed, uint64_t stream);
uint64_t pg__rng_next(pg__rng *r);
/* Uniform double in [0,1) from the top 53 bits. */
double pg__rng_uniform(pg__rng *r);
/* Uniform float in [0,1) from the top 24 bits. */
float pg__rng_uniformf(pg__rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t pg__rng_below(pg__rng *r, uint32_t n);
/* Standard normal (Box-Muller; no cached second value, so the state alone
** determines the stream). */
double pg__rng_normal(pg__rng *r);
/* A 64-bit mix of (a, b): used to derive seeds for sub-streams. */
uint64_t pg__mix64(uint64_t a, uint64_t b);

/* ---- numeric helpers ----------------------------------------------------- */
static inline bool pg__finite_f(float x) {
  return x == x && x - x == 0.0f; /* false for NaN and +-Inf */
}
bool pg__all_finite(const float *x, size_t n);
/* out[i] = bytes[i] / 255 as (float)b * (1.0f / 255.0f): the one scaling of
** byte observations (environments, pg_policy_act_u8). */
void pg__bytes_to_unit(const uint8_t *bytes, size_t n, float *out);
/* Global L2 norm of g[0..n), computed in double; NaN or Inf when g holds
** one (so it doubles as the finiteness check). Shared by lib/nn and the
** optimizers' clipping in lib/optim (lib/core/numeric.c). */
double pg__grad_norm(const float *g, size_t n);
/* g *= s. */
void pg__scale(float *g, size_t n, float s);
static inline double pg__clamp(double x, double lo, double hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}
/* n rounded up to a multiple of 16 (float-buffer alignment in arenas). */
static inline size_t pg__round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* The CPU's hint inside a polling loop (x86 pause, AArch64 yield): lets the
** sibling hyperthread run and saves power; a no-op elsewhere. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PG__CPU_RELAX() _mm_pause()
#elif defined(__aarch64__) && defined(__GNUC__)
#define PG__CPU_RELAX() __asm__ __volatile__("yield")
#else
#define PG__CPU_RELAX() ((void)0)
#endif

#endif /* PG_INTERNAL_H */
