/* The dense layer kind (y = act(x·W + b), W stored in x out row-major; any
** input shape is read as a flat row) and the weight initializers. The
** kernel scratch holds the GEMM pack buffer followed, when training, by
** room for W transposed. */
#include "nn/pg_nn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_UNITS ((uint32_t)1 << 24)

/* ---- shape, blocks, record ---------------------------------------------- */

static const char *dense_setup(pg__layer *l) {
  uint32_t units = l->settings[0];
  if (units == 0 || units > MAX_UNITS) return "units not in [1, 2^24]";
  for (size_t i = 1; i < PG__LAYER_SETTINGS; i++)
    if (l->settings[i]) return "unused settings are not zero";
  if ((unsigned)l->act > PG_ACTIVATION_SIGMOID) return "unknown activation";
  if (l->init < PG_INIT_GLOROT_UNIFORM || l->init > PG_INIT_ORTHOGONAL)
    return "unknown initializer";
  if (!pg__finite_f(l->gain) || l->gain < 0.0f) return "gain is not finite and >= 0";
  l->out_shape = pg__shape_flat(units);
  return NULL;
}

/* Block 0: W (in x out); block 1: b (out). */
static size_t dense_block_size(const pg__layer *l, size_t block) {
  return block == 0 ? l->in * l->out : l->out;
}

static size_t dense_scratch(const pg__layer *l, bool training) {
  return PG__GEMM_PACK + (training ? l->in * l->out : 0);
}

static void dense_write_arch(pg__writer *w, const pg__layer *l) {
  pg__w_u32(w, l->settings[0]);
  pg__w_u32(w, (uint32_t)l->act);
  pg__w_u32(w, (uint32_t)l->init);
  pg__w_f32(w, l->gain);
}

static const char *dense_read_arch(pg__reader *r, pg__layer *l) {
  l->settings[0] = pg__r_u32(r);
  l->act = (pg_activation)pg__r_u32(r);
  l->init = (pg_init)pg__r_u32(r);
  l->gain = pg__r_f32(r);
  return NULL; /* dense_setup checks the values */
}

/* ---- initializers ------------------------------------------------------- */

static void init_uniform(float *w, size_t count, double limit, pg__rng *rng) {
  for (size_t i = 0; i < count; i++)
    w[i] = (float)((2.0 * pg__rng_uniform(rng) - 1.0) * limit);
}

/* Vector v of length len at stride s: v -= (v·u) u for each earlier unit
** vector u, then normalise; done twice for float accuracy. */
static void gs_one(float *w, size_t v, size_t len, size_t vs, size_t es,
                   pg__rng *rng) {
  for (int pass = 0; pass < 2; pass++) {
    for (size_t u = 0; u < v; u++) {
      double dot = 0.0;
      for (size_t e = 0; e < len; e++)
        dot += (double)w[v * vs + e * es] * (double)w[u * vs + e * es];
      for (size_t e = 0; e < len; e++)
        w[v * vs + e * es] -= (float)(dot * (double)w[u * vs + e * es]);
    }
    double nrm = 0.0;
    for (size_t e = 0; e < len; e++)
      nrm += (double)w[v * vs + e * es] * (double)w[v * vs + e * es];
    if (nrm < 1e-20) { /* (measure zero) restart from a fresh draw */
      for (size_t e = 0; e < len; e++)
        w[v * vs + e * es] = (float)pg__rng_normal(rng);
      pass = -1;
      continue;
    }
    double inv = 1.0 / sqrt(nrm);
    for (size_t e = 0; e < len; e++)
      w[v * vs + e * es] = (float)((double)w[v * vs + e * es] * inv);
  }
}

/* A random rows x cols matrix with orthonormal rows (rows <= cols) or
** columns, from Gram-Schmidt on Gaussian vectors, in place. */
static void init_orthogonal(float *w, size_t rows, size_t cols, double gain,
                            pg__rng *rng) {
  for (size_t i = 0; i < rows * cols; i++) w[i] = (float)pg__rng_normal(rng);
  bool by_rows = rows <= cols;
  size_t nvec = by_rows ? rows : cols, len = by_rows ? cols : rows;
  size_t vs = by_rows ? cols : 1, es = by_rows ? 1 : cols;
  for (size_t v = 0; v < nvec; v++) gs_one(w, v, len, vs, es, rng);
  for (size_t i = 0; i < rows * cols; i++) w[i] = (float)((double)w[i] * gain);
}

void pg__init_weights(float *w, size_t in, size_t out, pg_init init,
                      double gain, pg__rng *rng) {
  switch (init) {
  case PG_INIT_HE_UNIFORM:
    init_uniform(w, in * out, gain * sqrt(6.0 / (double)in), rng);
    break;
  case PG_INIT_ORTHOGONAL:
    init_orthogonal(w, in, out, gain, rng);
    break;
  case PG_INIT_GLOROT_UNIFORM:
  default:
    init_uniform(w, in * out, gain * sqrt(6.0 / (double)(in + out)), rng);
    break;
  }
}

static void dense_init_block(const pg__layer *l, size_t block, float *p, pg__rng *rng) {
  if (block == 0) pg__init_weights(p, l->in, l->out, l->init, (double)l->gain, rng);
  else memset(p, 0, l->out * sizeof *p);
}

/* ---- activations -------------------------------------------------------- */

void pg__activate(pg_activation act, float *y, size_t count) {
  switch (act) {
  case PG_ACTIVATION_RELU:
    for (size_t i = 0; i < count; i++) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
    break;
  case PG_ACTIVATION_TANH:
    pg__tanh_inplace(y, count);
    break;
  case PG_ACTIVATION_SIGMOID:
    pg__sigmoid_inplace(y, count);
    break;
  default:
    break;
  }
}

/* dy *= act'(z), written in terms of the output y = act(z). */
void pg__activate_backward(pg_activation act, const float *y, float *dy,
                           size_t count) {
  switch (act) {
  case PG_ACTIVATION_RELU:
    for (size_t i = 0; i < count; i++) dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    break;
  case PG_ACTIVATION_TANH:
    for (size_t i = 0; i < count; i++) dy[i] *= 1.0f - y[i] * y[i];
    break;
  case PG_ACTIVATION_SIGMOID:
    for (size_t i = 0; i < count; i++) dy[i] *= y[i] * (1.0f - y[i]);
    break;
  default:
    break;
  }
}

/* ---- forward / backward ------------------------------------------------- */

static void dense_forward(const pg__layer *l, const float *params,
                          const float *x, float *y, size_t n, float *scratch) {
  const size_t in = l->in, out = l->out;
  const float *w = params, *b = params + in * out;
  for (size_t i = 0; i < n; i++) memcpy(y + i * out, b, out * sizeof *y);
  pg__gemm(n, out, in, x, in, 1, w, out, y, out, scratch);
  pg__activate(l->act, y, n * out);
}

static void dense_backward(const pg__layer *l, const float *params,
                           const float *x, const float *y, float *dy,
                           float *dx, float *grads, size_t n,
                           float *scratch) {
  const size_t in = l->in, out = l->out;
  float *gw = grads, *gb = grads + in * out;
  pg__activate_backward(l->act, y, dy, n * out);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < out; j++) gb[j] += dy[i * out + j];
  /* Large layers over a batch (the dense layer after a conv trunk): both
  ** products through the packed GEMM, W^T read through strides; the
  ** scratch for W transposed holds its work area. */
  if (n > 8 && PG__GEMM_PACK + in * out >= PG__GEMM_PACKED_WORK) {
    pg__gemm_packed(in, out, n, x, 1, in, dy, out, 1, gw, out, scratch);
    if (dx) pg__gemm_packed(n, in, out, dy, out, 1, params, 1, out, dx, in, scratch);
    return;
  }
  pg__gemm(in, out, n, x, 1, in, dy, out, gw, out, scratch);
  /* Few rows (per-step and t_max-sized updates): one pass over W per row
  ** beats transposing W first. */
  if (dx && n <= 8) {
    for (size_t i = 0; i < n; i++) pg__gemv_rows(in, out, params, dy + i * out, dx + i * in);
  } else if (dx) {
    float *wt = scratch + PG__GEMM_PACK;
    pg__transpose(params, in, out, wt);
    pg__gemm(n, in, out, dy, out, 1, wt, in, dx, in, scratch);
  }
}

/* ---- C export ------------------------------------------------------------
** One row as dense_forward computes it: y = b, then pg__gemm's one-row path
** (gemv_row in kernels.c): four inputs at a time, c += (x0*w0 + x1*w1) +
** (x2*w2 + x3*w3) with the first product of each pair fused where the
** library fuses, then the remaining inputs one by one, c += x*w. */
static const char dense_c_helper[] =
    "static $P_EXACT void $p_dense(const float *w, const float *b, const float *x,\n"
    "                              float *y, int in, int out) {\n"
    "  $P_NO_CONTRACT\n"
    "  int j, k = 0;\n"
    "  for (j = 0; j < out; j++) y[j] = b[j];\n"
    "  for (; k + 4 <= in; k += 4, w += 4 * out) {\n"
    "    const float x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];\n"
    "    const float *w1 = w + out, *w2 = w1 + out, *w3 = w2 + out;\n"
    "    for (j = 0; j < out; j++) {\n"
    "      const float s01 = $P_FMA(x0, w[j], x1 * w1[j]);\n"
    "      const float s23 = $P_FMA(x2, w2[j], x3 * w3[j]);\n"
    "      y[j] = y[j] + (s01 + s23);\n"
    "    }\n"
    "  }\n"
    "  for (; k < in; k++, w += out) {\n"
    "    const float xk = x[k];\n"
    "    for (j = 0; j < out; j++) y[j] = $P_FMA(xk, w[j], y[j]);\n"
    "  }\n"
    "}\n\n";

/* With PG_EXPORT_C_INT8: W as int8 with a scale per output unit; y = b +
** s * (x . q), accumulated in float (approximate by design). */
static const char dense_c_helper_int8[] =
    "static void $p_dense_int8(const signed char *q, const float *scale, const float *b,\n"
    "                          const float *x, float *y, int in, int out) {\n"
    "  int j, k;\n"
    "  for (j = 0; j < out; j++) y[j] = 0.0f;\n"
    "  for (k = 0; k < in; k++, q += out) {\n"
    "    const float xk = x[k];\n"
    "    for (j = 0; j < out; j++) y[j] += xk * (float)q[j];\n"
    "  }\n"
    "  for (j = 0; j < out; j++) y[j] = b[j] + scale[j] * y[j];\n"
    "}\n\n";

static void dense_emit_c(pg__csrc *s, int part, const pg__layer *l, size_t index,
                         const float *params, const char *x, const char *y) {
  char name[32];
  const bool int8 = (s->flags & PG_EXPORT_C_INT8) != 0;
  if (part == PG__EMIT_HELPERS) {
    pg__csrc_text(s, int8 ? dense_c_helper_int8 : dense_c_helper);
  } else if (part == PG__EMIT_DATA) {
    snprintf(name, sizeof name, "l%zu_w", index);
    if (int8) pg__csrc_int8_columns(s, name, params, l->in, l->out);
    else pg__csrc_floats(s, name, params, l->in * l->out);
    snprintf(name, sizeof name, "l%zu_b", index);
    pg__csrc_floats(s, name, params + l->in * l->out, l->out);
  } else {
    if (int8)
      pg__csrc_printf(s, "  %s_dense_int8(%s_l%zu_w_q, %s_l%zu_w_s, %s_l%zu_b, %s, %s, %zu, %zu);\n",
                      s->prefix, s->prefix, index, s->prefix, index, s->prefix, index, x, y,
                      l->in, l->out);
    else
      pg__csrc_printf(s, "  %s_dense(%s_l%zu_w, %s_l%zu_b, %s, %s, %zu, %zu);\n", s->prefix,
                      s->prefix, index, s->prefix, index, x, y, l->in, l->out);
    pg__csrc_activation(s, l->act, y, l->out);
  }
}

const pg__layer_ops pg__dense_ops = {
    .kind = PG__LAYER_DENSE,
    .name = "dense",
    .setup = dense_setup,
    .n_blocks = 2,
    .block_size = dense_block_size,
    .init_block = dense_init_block,
    .scratch_floats = dense_scratch,
    .forward = dense_forward,
    .backward = dense_backward,
    .write_arch = dense_write_arch,
    .read_arch = dense_read_arch,
    .emit_c = dense_emit_c,
};
