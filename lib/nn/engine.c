/* The inference engine: the forward pass over an architecture, the masked
** softmax, and the sampling and log-density helpers. pg_net's forward
** (net.c) and pg_policy_act (policy.c) both run through here, so acting and
** training compute the same numbers. Pure functions: nothing is allocated
** and nothing but the output arguments is written. */
#include "nn/pg_nn.h"

#include <math.h>
#include <string.h>

#define LOG_2 0.6931471805599453
#define LOG_2PI 1.8378770664093453

/* ---- forward ------------------------------------------------------------ */

void pg__nn_forward(const pg__netdef *d, const float *params, const float *x,
                    size_t steps, size_t n_seq, float *const *ys,
                    float *const *states, float *scratch) {
  const size_t n = steps * n_seq;
  const float *h = x, *trunk = x;
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    const float *in = i < d->n_trunk ? h : trunk;
    const float *p = params + l->param_off;
    if (l->ops->forward_seq)
      l->ops->forward_seq(l, p, in, ys[i], steps, n_seq, states[i], scratch);
    else
      l->ops->forward(l, p, in, ys[i], n, scratch);
    if (i < d->n_trunk) h = trunk = ys[i];
  }
}

void pg__obs_normalize(const float *mean, const float *scale, float clip, const float *x,
                       size_t rows, size_t dim, float *out) {
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < dim; j++) {
      float d = x[i * dim + j] - mean[j];
      float y = d * scale[j];
      out[i * dim + j] = y < -clip ? -clip : y > clip ? clip : y;
    }
}

float pg__softmax_row(const float *z, const uint8_t *m, size_t k, float *p, float *lp) {
  float mx = -INFINITY;
  for (size_t j = 0; j < k; j++)
    if ((!m || m[j]) && z[j] > mx) mx = z[j];
  double sum = 0.0;
  for (size_t j = 0; j < k; j++)
    if (!m || m[j]) sum += exp((double)(z[j] - mx));
  const double lse = (double)mx + log(sum);
  double h = 0.0;
  for (size_t j = 0; j < k; j++) {
    if (m && !m[j]) {
      p[j] = 0.0f;
      if (lp) lp[j] = -INFINITY;
      continue;
    }
    double l = (double)z[j] - lse, e = exp(l);
    if (lp) lp[j] = (float)l;
    p[j] = (float)e;
    h -= e * l;
  }
  return (float)h;
}

void pg__nn_act(uint32_t role, const float *y, const float *log_std, size_t k,
                const uint8_t *mask, bool deterministic, pg__rng *rng, float *probs,
                float *action) {
  if (role == PG__HEAD_GAUSSIAN) {
    if (deterministic) memcpy(action, y, k * sizeof *action);
    else pg__sample_gaussian(y, log_std, k, rng, action);
  } else if (deterministic || role == PG__HEAD_Q) {
    action[0] = (float)pg__argmax(y, mask, k);
  } else {
    (void)pg__softmax_row(y, mask, k, probs, NULL);
    action[0] = (float)pg__sample_categorical(probs, k, rng);
  }
}

/* ---- distributions ------------------------------------------------------ */

uint32_t pg__sample_categorical(const float *probs, size_t k, pg__rng *rng) {
  double u = pg__rng_uniform(rng), cum = 0.0;
  uint32_t last = 0;
  for (size_t j = 0; j < k; j++) {
    if (probs[j] <= 0.0f) continue;
    cum += (double)probs[j];
    last = (uint32_t)j;
    if (u < cum) return last;
  }
  return last; /* rounding left u above the total */
}

uint32_t pg__argmax(const float *v, const uint8_t *mask, size_t k) {
  uint32_t best = 0;
  bool found = false;
  for (size_t j = 0; j < k; j++) {
    if (mask && !mask[j]) continue;
    if (!found || v[j] > v[best]) best = (uint32_t)j;
    found = true;
  }
  return best;
}

void pg__sample_gaussian(const float *mean, const float *log_std, size_t d,
                         pg__rng *rng, float *out) {
  for (size_t i = 0; i < d; i++)
    out[i] = (float)((double)mean[i] + exp((double)log_std[i]) * pg__rng_normal(rng));
}

double pg__gaussian_log_prob(const float *mean, const float *log_std,
                             const float *a, size_t d) {
  double lp = 0.0;
  for (size_t i = 0; i < d; i++) {
    double u = ((double)a[i] - (double)mean[i]) / exp((double)log_std[i]);
    lp += -0.5 * u * u - (double)log_std[i] - 0.5 * LOG_2PI;
  }
  return lp;
}

double pg__gaussian_entropy(const float *log_std, size_t d) {
  double h = 0.0;
  for (size_t i = 0; i < d; i++) h += (double)log_std[i] + 0.5 * (1.0 + LOG_2PI);
  return h;
}

void pg__squash_actions(const float *u, const float *bounds, size_t d, float *out) {
  for (size_t i = 0; i < d; i++) {
    double lo = bounds ? (double)bounds[i] : -1.0, hi = bounds ? (double)bounds[d + i] : 1.0;
    /* one operation per statement: no compiler fuses them, and the C
    ** export (lib/nn/export.c) repeats them bit for bit */
    double t = tanh((double)u[i]) + 1.0;
    double h = t * (0.5 * (hi - lo));
    double a = lo + h;
    out[i] = (float)(a < lo ? lo : a > hi ? hi : a);
  }
}

double pg__squash_log_det(const float *u, const float *bounds, size_t d) {
  double s = 0.0;
  for (size_t i = 0; i < d; i++) {
    double lo = bounds ? (double)bounds[i] : -1.0, hi = bounds ? (double)bounds[d + i] : 1.0;
    double x = (double)u[i], m2x = -2.0 * x;
    double softplus = m2x > 0.0 ? m2x + log1p(exp(-m2x)) : log1p(exp(m2x));
    s += log(0.5 * (hi - lo)) + 2.0 * (LOG_2 - x - softplus);
  }
  return s;
}

double pg__categorical_entropy(const float *probs, const float *log_probs, size_t k) {
  double h = 0.0;
  for (size_t j = 0; j < k; j++)
    if (probs[j] > 0.0f) h -= (double)probs[j] * (double)log_probs[j];
  return h;
}

