/* The optimizers' update rules over flat arrays (loops written for the
** vectorizer), global-norm clipping over several blocks, and the
** learning-rate schedule. Pure functions: no state, no locks. */
#include "optim/pg_optim.h"

#include <math.h>
#include <string.h>

void pg__sgd_step(size_t n, float *restrict params, const float *restrict grads,
                  float lr) {
  for (size_t i = 0; i < n; i++) params[i] -= lr * grads[i];
}

void pg__momentum_step(size_t n, float *restrict params, const float *restrict grads,
                       float *restrict v, float lr, float mu) {
  for (size_t i = 0; i < n; i++) {
    v[i] = mu * v[i] + grads[i];
    params[i] -= lr * v[i];
  }
}

/* d = sqrt(d) elementwise. GCC keeps sqrtf scalar (it may set errno), so
** x86 uses the SIMD square root directly; it is exact like sqrtf. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void sqrt_avx512(float *d, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(d + i, _mm512_sqrt_ps(_mm512_loadu_ps(d + i)));
  for (; i < n; i++) d[i] = sqrtf(d[i]);
}

static void sqrt_block(float *d, size_t n) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    sqrt_avx512(d, n);
    return;
  }
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(d + i, _mm_sqrt_ps(_mm_loadu_ps(d + i)));
  for (; i < n; i++) d[i] = sqrtf(d[i]);
}
#else
static void sqrt_block(float *d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = sqrtf(d[i]);
}
#endif

enum { BLOCK = 256 };

void pg__rmsprop_step(size_t n, float *restrict params, const float *restrict grads,
                      float *restrict sq, float lr, float decay, float eps) {
  const float keep = 1.0f - decay;
  float d[BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
    float *restrict p = params + i0, *restrict s = sq + i0;
    const float *restrict g = grads + i0;
    for (size_t i = 0; i < m; i++) {
      s[i] = decay * s[i] + keep * g[i] * g[i];
      d[i] = s[i] + eps;
    }
    sqrt_block(d, m);
    for (size_t i = 0; i < m; i++) p[i] -= lr * g[i] / d[i];
  }
}

void pg__adam_step(size_t n, float *restrict params, const float *restrict grads,
                   float *restrict m, float *restrict v, float lr, float b1, float b2,
                   float eps, uint64_t t) {
  const float c1 = (float)(1.0 / (1.0 - pow((double)b1, (double)t)));
  const float c2 = (float)(1.0 / (1.0 - pow((double)b2, (double)t)));
  float d[BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t k = n - i0 < BLOCK ? n - i0 : BLOCK;
    float *restrict p = params + i0, *restrict mm = m + i0, *restrict vv = v + i0;
    const float *restrict g = grads + i0;
    for (size_t i = 0; i < k; i++) {
      mm[i] = b1 * mm[i] + (1.0f - b1) * g[i];
      vv[i] = b2 * vv[i] + (1.0f - b2) * g[i] * g[i];
      d[i] = vv[i] * c2;
    }
    sqrt_block(d, k);
    for (size_t i = 0; i < k; i++) p[i] -= lr * (mm[i] * c1) / (d[i] + eps);
  }
}

/* ---- clipping and the schedule ------------------------------------------ */

double pg__clip_blocks(float *const *grads, const size_t *n, size_t k, double max_norm) {
  double sq = 0.0;
  for (size_t i = 0; i < k; i++) {
    double m = pg__grad_norm(grads[i], n[i]);
    sq += m * m;
  }
  double norm = sqrt(sq);
  if (isfinite(norm) && max_norm > 0.0 && norm > max_norm)
    for (size_t i = 0; i < k; i++) pg__scale(grads[i], n[i], (float)(max_norm / norm));
  return norm;
}

double pg__lr_schedule(double lr, double anneal_steps, uint64_t step) {
  if (anneal_steps > 0.0) {
    double f = 1.0 - (double)step / anneal_steps;
    lr *= f > 0.0 ? f : 0.0;
  }
  return lr;
}
