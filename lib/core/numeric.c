/* Numeric helpers over float arrays shared by lib/nn and lib/optim. */
#include "pg_internal.h"

#include <math.h>

double pg__grad_norm(const float *g, size_t n) {
  double acc[8] = {0}; /* independent lanes: vectorizes without reassociation */
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t l = 0; l < 8; l++) acc[l] += (double)g[i + l] * (double)g[i + l];
  double s = 0.0;
  for (; i < n; i++) s += (double)g[i] * (double)g[i];
  for (size_t l = 0; l < 8; l++) s += acc[l];
  return sqrt(s);
}

void pg__scale(float *g, size_t n, float s) {
  for (size_t i = 0; i < n; i++) g[i] *= s;
}

void pg__bytes_to_unit(const uint8_t *bytes, size_t n, float *out) {
  for (size_t i = 0; i < n; i++) out[i] = (float)bytes[i] * (1.0f / 255.0f);
}
