/* xoshiro256** streams seeded through SplitMix64, plus the public pg_rng. */
#include "pg_internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t pg__mix64(uint64_t a, uint64_t b) {
  uint64_t x = a ^ (b * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
  splitmix64(&x);
  return splitmix64(&x);
}

void pg__rng_seed(pg__rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = pg__mix64(seed, stream);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t pg__rng_next(pg__rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double pg__rng_uniform(pg__rng *r) {
  return (double)(pg__rng_next(r) >> 11) * 0x1.0p-53;
}

float pg__rng_uniformf(pg__rng *r) {
  return (float)(pg__rng_next(r) >> 40) * 0x1.0p-24f;
}

uint32_t pg__rng_below(pg__rng *r, uint32_t n) {
  /* Lemire's multiply-and-reject method. */
  uint64_t m = (uint64_t)(uint32_t)(pg__rng_next(r) >> 32) * n;
  uint32_t low = (uint32_t)m;
  if (low < n) {
    uint32_t threshold = (uint32_t)(-n) % n;
    while (low < threshold) {
      m = (uint64_t)(uint32_t)(pg__rng_next(r) >> 32) * n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

double pg__rng_normal(pg__rng *r) {
  double u1 = 1.0 - pg__rng_uniform(r); /* (0, 1] so log is finite */
  double u2 = pg__rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- public handle ------------------------------------------------------ */

struct pg_rng {
  pg_ctx *ctx;
  pg__rng state;
};

pg_status pg_rng_create(pg_ctx *ctx, uint64_t seed, uint64_t stream,
                        pg_rng **out) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "pg_rng_create: out is NULL");
  *out = NULL;
  pg_rng *rng = pg__malloc(ctx, sizeof *rng);
  if (!rng) return pg__fail(ctx, PG_ERR_NOMEM, "pg_rng_create: out of memory");
  rng->ctx = ctx;
  pg__rng_seed(&rng->state, seed, stream);
  pg__ctx_retain(ctx);
  *out = rng;
  return PG_OK;
}

void pg_rng_destroy(pg_rng *rng) {
  if (!rng) return;
  pg_ctx *ctx = rng->ctx;
  pg__free(ctx, rng);
  pg__ctx_release(ctx);
}

pg_status pg_rng_seed(pg_rng *rng, uint64_t seed, uint64_t stream) {
  if (!rng) return PG_ERR_INVALID_ARG;
  pg__rng_seed(&rng->state, seed, stream);
  return PG_OK;
}

pg_status pg_rng_split(const pg_rng *rng, uint64_t stream, pg_rng **out) {
  if (!rng) return PG_ERR_INVALID_ARG;
  const uint64_t *s = rng->state.s;
  uint64_t seed = pg__mix64(pg__mix64(s[0], s[1]), pg__mix64(s[2], s[3]));
  return pg_rng_create(rng->ctx, seed, stream, out);
}

pg_status pg_rng_next_u64(pg_rng *rng, uint64_t *out) {
  if (!rng) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(rng->ctx, PG_ERR_INVALID_ARG, "pg_rng_next_u64: out is NULL");
  *out = pg__rng_next(&rng->state);
  return PG_OK;
}

pg_status pg_rng_uniform(pg_rng *rng, double *out) {
  if (!rng) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(rng->ctx, PG_ERR_INVALID_ARG, "pg_rng_uniform: out is NULL");
  *out = pg__rng_uniform(&rng->state);
  return PG_OK;
}

pg_status pg_rng_normal(pg_rng *rng, double *out) {
  if (!rng) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(rng->ctx, PG_ERR_INVALID_ARG, "pg_rng_normal: out is NULL");
  *out = pg__rng_normal(&rng->state);
  return PG_OK;
}
