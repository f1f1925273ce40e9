/* The state-dependent log-std layer of a Gaussian head (role
** PG__HEAD_LOG_STD): a dense affine map z = x·W + b of the trunk's output,
** bounded smoothly into [lo, hi] by
**   y = lo + (hi - lo) * (tanh(z) + 1) / 2,
** so dy/dz = (hi - lo) / 2 * (1 - tanh(z)^2) never vanishes as a clamp's
** would. settings[0] = units (the action dimension), settings[1..2] = the
** f32 bits of lo and hi; the blocks, initializers and kernels are dense's
** (lib/nn/dense.c), with a linear activation. The C export (emit_c) writes
** dense's data and call, then the bound, for the sampling path only. */
#include "nn/pg_nn.h"

#include <math.h>
#include <string.h>

#define BOUND_MIN (-20.0f)
#define BOUND_MAX 5.0f

static float setting_f32(const pg__layer *l, size_t i) {
  float v;
  memcpy(&v, &l->settings[i], sizeof v);
  return v;
}

void pg__log_std_set_bounds(pg__layer *l, float lo, float hi) {
  memcpy(&l->settings[1], &lo, sizeof lo);
  memcpy(&l->settings[2], &hi, sizeof hi);
}

void pg__log_std_bounds(const pg__layer *l, float *lo, float *hi) {
  *lo = setting_f32(l, 1);
  *hi = setting_f32(l, 2);
}

/* The dense layer l stands for (same shapes, no bound settings). */
static pg__layer as_dense(const pg__layer *l) {
  pg__layer d = *l;
  memset(&d.settings[1], 0, sizeof d.settings - sizeof d.settings[0]);
  d.act = PG_ACTIVATION_LINEAR;
  return d;
}

static const char *log_std_setup(pg__layer *l) {
  float lo = setting_f32(l, 1), hi = setting_f32(l, 2);
  if (!pg__finite_f(lo) || !pg__finite_f(hi) || lo < BOUND_MIN || hi > BOUND_MAX || !(lo < hi))
    return "log-std bounds not finite with -20 <= min < max <= 5";
  for (size_t i = 3; i < PG__LAYER_SETTINGS; i++)
    if (l->settings[i]) return "unused settings are not zero";
  if (l->act != PG_ACTIVATION_LINEAR) return "the activation must be linear";
  pg__layer d = as_dense(l);
  const char *why = pg__dense_ops.setup(&d);
  if (!why) l->out_shape = d.out_shape;
  return why;
}

static size_t log_std_block_size(const pg__layer *l, size_t block) {
  return pg__dense_ops.block_size(l, block);
}

static void log_std_init_block(const pg__layer *l, size_t block, float *p, pg__rng *rng) {
  pg__dense_ops.init_block(l, block, p, rng);
}

static size_t log_std_scratch(const pg__layer *l, bool training) {
  return pg__dense_ops.scratch_floats(l, training);
}

static void log_std_forward(const pg__layer *l, const float *params, const float *x, float *y,
                            size_t n, float *scratch) {
  pg__dense_ops.forward(l, params, x, y, n, scratch);
  const double lo = (double)setting_f32(l, 1), half = 0.5 * ((double)setting_f32(l, 2) - lo);
  for (size_t i = 0; i < n * l->out; i++) y[i] = (float)(lo + half * (tanh((double)y[i]) + 1.0));
}

static void log_std_backward(const pg__layer *l, const float *params, const float *x,
                             const float *y, float *dy, float *dx, float *grads, size_t n,
                             float *scratch) {
  const double lo = (double)setting_f32(l, 1), half = 0.5 * ((double)setting_f32(l, 2) - lo);
  for (size_t i = 0; i < n * l->out; i++) {
    double t = ((double)y[i] - lo) / half - 1.0; /* tanh(z) */
    dy[i] = (float)((double)dy[i] * half * (1.0 - t * t));
  }
  pg__dense_ops.backward(l, params, x, y, dy, dx, grads, n, scratch);
}

double pg__log_std_bias_for(const pg__layer *l, double v) {
  const double lo = (double)setting_f32(l, 1), hi = (double)setting_f32(l, 2);
  double t = 2.0 * (v - lo) / (hi - lo) - 1.0;
  const double edge = 0.999; /* v at a bound: just inside, a finite bias */
  t = t < -edge ? -edge : t > edge ? edge : t;
  return atanh(t);
}

static void log_std_write_arch(pg__writer *w, const pg__layer *l) {
  pg__w_u32(w, l->settings[0]);
  pg__w_u32(w, (uint32_t)l->init);
  pg__w_f32(w, l->gain);
  pg__w_f32(w, setting_f32(l, 1));
  pg__w_f32(w, setting_f32(l, 2));
}

static const char *log_std_read_arch(pg__reader *r, pg__layer *l) {
  l->settings[0] = pg__r_u32(r);
  l->init = (pg_init)pg__r_u32(r);
  l->gain = pg__r_f32(r);
  float lo = pg__r_f32(r), hi = pg__r_f32(r);
  l->act = PG_ACTIVATION_LINEAR;
  pg__log_std_set_bounds(l, lo, hi);
  return NULL; /* log_std_setup checks the values */
}

/* ---- C export --------------------------------------------------------------
** The bound as log_std_forward computes it: libm's tanh in double, lo and
** half exact doubles, no contraction. Only act_sample reads the log-std, so
** all of it (helper, data, call) lies inside $P_NO_SAMPLING guards: the
** helper's here, the others the frame's (lib/nn/export.c), which
** also provides <math.h>. The matrix product is dense's: the Gaussian
** mean head is a dense layer, so its helper is already in the output. */
static const char log_std_c_helper[] =
    "#ifndef $P_NO_SAMPLING\n"
    "static $P_EXACT void $p_log_std_bound(float *y, int n, double lo, double half) {\n"
    "  $P_NO_CONTRACT\n"
    "  int i;\n"
    "  for (i = 0; i < n; i++) y[i] = (float)(lo + half * (tanh((double)y[i]) + 1.0));\n"
    "}\n"
    "#endif\n\n";

static void log_std_emit_c(pg__csrc *s, int part, const pg__layer *l, size_t index,
                           const float *params, const char *x, const char *y) {
  if (part == PG__EMIT_HELPERS) {
    pg__csrc_text(s, log_std_c_helper);
    return;
  }
  pg__layer d = as_dense(l);
  pg__dense_ops.emit_c(s, part, &d, index, params, x, y);
  if (part != PG__EMIT_FORWARD) return;
  const double lo = (double)setting_f32(l, 1), half = 0.5 * ((double)setting_f32(l, 2) - lo);
  char lo_lit[40], half_lit[40];
  pg__csrc_hex_double(lo, lo_lit, sizeof lo_lit);
  pg__csrc_hex_double(half, half_lit, sizeof half_lit);
  pg__csrc_printf(s, "  %s_log_std_bound(%s, %zu, %s, %s);\n", s->prefix, y, l->out, lo_lit,
                  half_lit);
}

const pg__layer_ops pg__log_std_ops = {
    .kind = PG__LAYER_LOG_STD,
    .name = "log_std",
    .setup = log_std_setup,
    .n_blocks = 2,
    .block_size = log_std_block_size,
    .init_block = log_std_init_block,
    .scratch_floats = log_std_scratch,
    .forward = log_std_forward,
    .backward = log_std_backward,
    .write_arch = log_std_write_arch,
    .read_arch = log_std_read_arch,
    .emit_c = log_std_emit_c,
};
