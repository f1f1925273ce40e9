/* The framing of a PGCK checkpoint image (docs/FORMAT.md), for tests and
** fuzzers that edit checkpoints: a 24-byte header (magic, version, kind,
** section count, flags, CRC-32 of the first 20 bytes), then sections of
** u32 tag, u64 body length, body, CRC-32 of (tag, length, body). Header
** only, no library internals: pgck_crc32 is the format's CRC (zlib's). */
#ifndef PGCK_FRAME_H
#define PGCK_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PGCK_HEADER 24u
#define PGCK_MAX_SECTIONS 64

typedef struct pgck_section {
  size_t at;   /* offset of the tag */
  size_t body; /* offset of the body */
  size_t len;  /* body bytes */
  uint32_t tag;
} pgck_section;

static inline uint32_t pgck_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void pgck_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t pgck_crc32(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++) crc = crc >> 1 ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/* Splits an image into its sections: their count (at most max), or -1 when
** the header or a frame does not fit (trailing bytes are ignored). */
static inline int pgck_sections(const uint8_t *data, size_t size, pgck_section *out, int max) {
  if (size < PGCK_HEADER || memcmp(data, "PGCK", 4) != 0) return -1;
  size_t at = PGCK_HEADER;
  int n = 0;
  while (at + 16 <= size && n < max) {
    uint64_t len = (uint64_t)pgck_get_u32(data + at + 4) |
                   (uint64_t)pgck_get_u32(data + at + 8) << 32;
    if (len > size - at - 16) return -1;
    out[n].at = at;
    out[n].body = at + 12;
    out[n].len = (size_t)len;
    out[n].tag = pgck_get_u32(data + at);
    n++;
    at += 16 + (size_t)len;
  }
  return n;
}

/* Rewrites a section's length field and CRC after its body changed. */
static inline void pgck_fix_section(uint8_t *data, const pgck_section *s) {
  uint64_t len = s->len;
  pgck_put_u32(data + s->at + 4, (uint32_t)len);
  pgck_put_u32(data + s->at + 8, (uint32_t)(len >> 32));
  pgck_put_u32(data + s->body + s->len, pgck_crc32(0, data + s->at, 12 + s->len));
}

/* Rewrites the header's section count and CRC. */
static inline void pgck_fix_header(uint8_t *data, uint32_t n_sections) {
  pgck_put_u32(data + 12, n_sections);
  pgck_put_u32(data + 20, pgck_crc32(0, data, 20));
}

/* The section with this tag (four characters), or NULL. */
static inline pgck_section *pgck_find(pgck_section *s, int n, const char *tag) {
  for (int i = 0; i < n; i++)
    if (s[i].tag == pgck_get_u32((const uint8_t *)tag)) return &s[i];
  return NULL;
}

#endif
