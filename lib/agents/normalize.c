/* Running normalization statistics (lib/agents/pg_agent_internal.h,
** pg__moments): the mean and variance of a stream of vectors, merged batch by
** batch (Chan et al.'s parallel update), as the reward scaling of PPO uses
** them (the spread of the discounted return), and the agents' observation
** normalization built on them (PG_PARAM_NORM_OBS: statistics, acting-time
** snapshot, checkpoint section). No allocation after pg__obs_norm_create. */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>

void pg__moments_init(pg__moments *m, size_t dim, double *mean, double *m2) {
  m->dim = dim;
  m->mean = mean;
  m->m2 = m2;
  /* a tiny prior of mean 0, variance 1 keeps the first batches finite */
  m->count = 1e-4;
  for (size_t j = 0; j < dim; j++) {
    mean[j] = 0.0;
    m2[j] = m->count;
  }
}

/* Rows of doubles (x) or of floats (xf). */
static void moments_merge(pg__moments *m, const double *x, const float *xf, size_t n) {
#define X(i) (x ? x[(i) * m->dim + j] : (double)xf[(i) * m->dim + j])
  if (n == 0) return;
  double nb = (double)n, na = m->count, tot = na + nb;
  for (size_t j = 0; j < m->dim; j++) {
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) s += X(i);
    double mb = s / nb;
    for (size_t i = 0; i < n; i++) {
      double d = X(i) - mb;
      ss += d * d;
    }
    double delta = mb - m->mean[j];
    m->mean[j] += delta * nb / tot;
    m->m2[j] += ss + delta * delta * na * nb / tot;
  }
  m->count = tot;
#undef X
}

void pg__moments_update(pg__moments *m, const double *x, size_t n) {
  moments_merge(m, x, NULL, n);
}

void pg__moments_update_f(pg__moments *m, const float *x, size_t n) {
  moments_merge(m, NULL, x, n);
}

double pg__moments_std(const pg__moments *m, size_t j) {
  return sqrt(m->m2[j] / m->count + 1e-8);
}

/* ---- observation normalization ------------------------------------------------ */

pg_status pg__obs_norm_create(pg_agent *a) {
  a->onorm = NULL;
  if (!pg__ops_accepts(a->ops, PG_PARAM_NORM_OBS)) return PG_OK;
  size_t d = a->obs_size, head = pg__round16(sizeof(pg__obs_norm));
  size_t bytes = head + 4 * d * sizeof(double) + (2 + PG__NORM_ROWS) * d * sizeof(float);
  pg__obs_norm *z = pg__calloc(a->ctx, 1, bytes);
  if (!z) return PG_ERR_NOMEM;
  unsigned char *p = (unsigned char *)z + head;
  z->mean = (double *)(void *)p;
  z->m2 = z->mean + d;
  z->saved_mean = z->m2 + d;
  z->saved_m2 = z->saved_mean + d;
  z->mean_f = (float *)(void *)(z->saved_m2 + d);
  z->scale_f = z->mean_f + d;
  z->rows = z->scale_f + d;
  pg__moments_init(&z->m, d, z->mean, z->m2);
  pg__obs_norm_merge(z, NULL, 0);
  a->onorm = z;
  return PG_OK;
}

void pg__obs_norm_free(pg_agent *a) {
  pg__free(a->ctx, a->onorm);
  a->onorm = NULL;
  pg__free(a->ctx, a->norm_slots);
  a->norm_slots = NULL;
}

bool pg__obs_norm_on(const pg_agent *a) {
  return a->onorm && pg__p(a, PG_PARAM_NORM_OBS) != 0.0;
}

void pg__obs_norm_merge(pg__obs_norm *z, const float *obs, size_t rows) {
  if (rows) pg__moments_update_f(&z->m, obs, rows);
  for (size_t j = 0; j < z->m.dim; j++) {
    z->mean_f[j] = (float)z->mean[j];
    z->scale_f[j] = (float)(1.0 / pg__moments_std(&z->m, j));
  }
}

void pg__obs_norm_mark(pg__obs_norm *z) {
  size_t d = z->m.dim;
  memcpy(z->saved_mean, z->mean, d * sizeof(double));
  memcpy(z->saved_m2, z->m2, d * sizeof(double));
  z->saved_count = z->m.count;
}

void pg__obs_norm_undo(pg__obs_norm *z) {
  size_t d = z->m.dim;
  memcpy(z->mean, z->saved_mean, d * sizeof(double));
  memcpy(z->m2, z->saved_m2, d * sizeof(double));
  z->m.count = z->saved_count;
  pg__obs_norm_merge(z, NULL, 0);
}

void pg__obs_norm_apply(const pg_agent *a, const float *obs, size_t rows, float *out) {
  const pg__obs_norm *z = a->onorm;
  pg__obs_normalize(z->mean_f, z->scale_f, (float)pg__p(a, PG_PARAM_OBS_CLIP), obs, rows,
                    a->obs_size, out);
}

/* ONRM body (docs/FORMAT.md): u32 version 1, u32 dim, f64 count, dim f64
** means, dim f64 m2 (sums of squared deviations). */
void pg__obs_norm_write(pg__writer *w, const void *agent) {
  const pg_agent *a = agent;
  const pg__obs_norm *z = a->onorm;
  pg__w_u32(w, 1u);
  pg__w_u32(w, (uint32_t)z->m.dim);
  pg__w_f64(w, z->m.count);
  for (size_t j = 0; j < z->m.dim; j++) pg__w_f64(w, z->mean[j]);
  for (size_t j = 0; j < z->m.dim; j++) pg__w_f64(w, z->m2[j]);
}

pg_status pg__obs_norm_read(pg_agent *a, const char *fn, pg__reader *r) {
  pg__obs_norm *z = a->onorm;
  uint32_t version = pg__r_u32(r), dim = pg__r_u32(r);
  double count = pg__r_f64(r);
  if (r->bad) return pg__fail(a->ctx, PG_ERR_FORMAT, "%s: ONRM section too short", fn);
  if (version != 1)
    return pg__fail(a->ctx, PG_ERR_VERSION, "%s: ONRM section version %u is not 1", fn, version);
  if (!z)
    return pg__fail(a->ctx, PG_ERR_FORMAT, "%s: ONRM section for '%s', which does not normalize",
                    fn, a->ops->name);
  if (dim != z->m.dim || r->left != 2 * (size_t)dim * 8)
    return pg__fail(a->ctx, PG_ERR_FORMAT,
                    "%s: ONRM: %u components in %zu bytes for %zu observation floats", fn, dim,
                    r->left, z->m.dim);
  if (!(count > 0.0 && count < 1e300))
    return pg__fail(a->ctx, PG_ERR_FORMAT, "%s: ONRM: count %g is not valid", fn, count);
  pg__reader peek = *r;
  for (size_t i = 0; i < 2 * (size_t)dim; i++) {
    double v = pg__r_f64(&peek);
    if (!isfinite(v) || (i >= dim && !(v >= 0.0 && v < 1e300)))
      return pg__fail(a->ctx, PG_ERR_FORMAT, "%s: ONRM: %s %zu (%g) is not valid", fn,
                      i < dim ? "mean" : "m2", i % dim, v);
  }
  z->m.count = count;
  for (size_t j = 0; j < dim; j++) z->mean[j] = pg__r_f64(r);
  for (size_t j = 0; j < dim; j++) z->m2[j] = pg__r_f64(r);
  pg__obs_norm_merge(z, NULL, 0);
  return PG_OK;
}
