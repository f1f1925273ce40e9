/* Running normalization statistics (lib/agents/pg_agent_internal.h,
** pg__moments): the mean and variance of a stream of vectors, merged batch by
** batch (Chan et al.'s parallel update), as the reward scaling of PPO uses
** them (the spread of the discounted return). No allocation. */
#include "agents/pg_agent_internal.h"

#include <math.h>

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

void pg__moments_update(pg__moments *m, const double *x, size_t n) {
  if (n == 0) return;
  double nb = (double)n, na = m->count, tot = na + nb;
  for (size_t j = 0; j < m->dim; j++) {
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i * m->dim + j];
    double mb = s / nb;
    for (size_t i = 0; i < n; i++) {
      double d = x[i * m->dim + j] - mb;
      ss += d * d;
    }
    double delta = mb - m->mean[j];
    m->mean[j] += delta * nb / tot;
    m->m2[j] += ss + delta * delta * na * nb / tot;
  }
  m->count = tot;
}

double pg__moments_std(const pg__moments *m, size_t j) {
  return sqrt(m->m2[j] / m->count + 1e-8);
}
