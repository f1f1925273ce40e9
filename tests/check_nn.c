/* Networks: gradients against a double-precision reference, outputs,
** initializers, argument checks, allocation failures, no allocation after
** setup, sampling helpers. */
#include "testutil.h"

#include "nn/pg_nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093453

/* ---- a net described for the reference implementation ------------------ */

typedef struct spec {
  size_t in, n_dense, units[4];
  pg_activation act[4];
  size_t cat, gauss, q; /* head sizes; 0 = absent */
  int value;
  int state_std; /* the Gaussian log-std a bounded output per row */
} spec;

/* The bounds of the state-dependent log-std in these tests. */
#define STD_LO (-2.0)
#define STD_HI 1.0

static pg_net *build(pg_ctx *ctx, const spec *s, size_t max_batch, uint64_t seed) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, s->in, max_batch, seed, &net), PG_OK);
  for (size_t i = 0; i < s->n_dense; i++)
    ck_assert_int_eq(pg_net_add_dense(net, s->units[i], s->act[i], PG_INIT_GLOROT_UNIFORM, 1.0),
                     PG_OK);
  if (s->cat)
    ck_assert_int_eq(pg_net_add_categorical_head(net, s->cat, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  if (s->gauss && s->state_std)
    ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, s->gauss, PG_INIT_GLOROT_UNIFORM,
                                                        1.0, -0.3, STD_LO, STD_HI),
                     PG_OK);
  else if (s->gauss)
    ck_assert_int_eq(pg_net_add_gaussian_head(net, s->gauss, PG_INIT_GLOROT_UNIFORM, 1.0, -0.3),
                     PG_OK);
  if (s->value) ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  if (s->q) ck_assert_int_eq(pg_net_add_q_head(net, s->q, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}


/* y[out] = x[in]·W + b with params at *p (advanced). */
static void ref_dense(const double **p, const double *x, size_t in, size_t out, double *y) {
  const double *w = *p, *b = w + in * out;
  for (size_t j = 0; j < out; j++) {
    double z = b[j];
    for (size_t k = 0; k < in; k++) z += x[k] * w[k * out + j];
    y[j] = z;
  }
  *p = b + out;
}

/* Outputs of one row, for comparing forward passes. */
typedef struct ref_row {
  double logits[16], logp[16], mean[8], log_std[8], value, q[16], entropy;
} ref_row;

/* The loss of pg_loss_desc over n rows, in double. */
static double ref_loss(const spec *s, const double *params, const float *x, size_t n,
                       const uint8_t *mask, const pg_loss_desc *l, ref_row *rows) {
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    double h[64], t[64];
    size_t w = s->in;
    for (size_t k = 0; k < w; k++) h[k] = x[i * s->in + k];
    const double *p = params;
    for (size_t d = 0; d < s->n_dense; d++) {
      ref_dense(&p, h, w, s->units[d], t);
      w = s->units[d];
      for (size_t k = 0; k < w; k++) h[k] = pg_test_activation_d(s->act[d], t[k]);
    }
    ref_row r;
    memset(&r, 0, sizeof r);
    double c = (double)l->scale * (l->weights ? (double)l->weights[i] : 1.0);
    if (s->cat) {
      const uint8_t *m = mask ? mask + i * s->cat : NULL;
      ref_dense(&p, h, w, s->cat, r.logits);
      double mx = -INFINITY, sum = 0;
      for (size_t j = 0; j < s->cat; j++)
        if (!m || m[j]) mx = fmax(mx, r.logits[j]);
      for (size_t j = 0; j < s->cat; j++)
        if (!m || m[j]) sum += exp(r.logits[j] - mx);
      for (size_t j = 0; j < s->cat; j++) {
        r.logp[j] = (!m || m[j]) ? r.logits[j] - mx - log(sum) : -INFINITY;
        if (!m || m[j]) r.entropy -= exp(r.logp[j]) * r.logp[j];
      }
      if (l->policy_coef != 0)
        total -= c * l->policy_coef * l->advantages[i] * r.logp[(size_t)l->actions[i]];
      total -= c * l->entropy_coef * r.entropy;
    }
    if (s->gauss) {
      ref_dense(&p, h, w, s->gauss, r.mean);
      if (s->state_std) {
        ref_dense(&p, h, w, s->gauss, r.log_std);
        for (size_t d = 0; d < s->gauss; d++)
          r.log_std[d] = STD_LO + (STD_HI - STD_LO) * (tanh(r.log_std[d]) + 1) / 2;
      } else {
        for (size_t d = 0; d < s->gauss; d++) r.log_std[d] = p[d];
        p += s->gauss;
      }
      double lp = 0;
      for (size_t d = 0; d < s->gauss; d++) {
        double ls = r.log_std[d];
        r.entropy += ls + 0.5 * (1 + LOG_2PI);
        if (l->policy_coef != 0) {
          double u = (l->actions[i * s->gauss + d] - r.mean[d]) / exp(ls);
          lp += -0.5 * u * u - ls - 0.5 * LOG_2PI;
        }
      }
      total -= c * l->policy_coef * l->advantages[i] * lp;
      total -= c * l->entropy_coef * r.entropy;
    }
    if (s->value) {
      ref_dense(&p, h, w, 1, &r.value);
      if (l->value_coef != 0) total += c * l->value_coef * pow(l->returns[i] - r.value, 2);
    }
    if (s->q) {
      ref_dense(&p, h, w, s->q, r.q);
      if (l->q_coef != 0)
        total += c * l->q_coef * pow(l->q_targets[i] - r.q[(size_t)l->actions[i]], 2);
    }
    if (rows) rows[i] = r;
  }
  return total;
}

static float frand(pg__rng *r, float lo, float hi) {
  return lo + (hi - lo) * pg__rng_uniformf(r);
}

/* Random inputs, mask (when masked), actions (allowed), and targets. */
typedef struct batch {
  size_t n;
  float x[64 * 8], actions[64 * 4], adv[64], ret[64], qt[64], w[64];
  uint8_t mask[64 * 8];
} batch;

static void make_batch(const spec *s, size_t n, bool masked, uint64_t seed, batch *b) {
  pg__rng r;
  pg__rng_seed(&r, seed, 99);
  b->n = n;
  for (size_t i = 0; i < n * s->in; i++) b->x[i] = frand(&r, -1.5f, 1.5f);
  size_t k = s->cat ? s->cat : s->q;
  for (size_t i = 0; i < n; i++) {
    b->adv[i] = frand(&r, -2, 2);
    b->ret[i] = frand(&r, -1, 1);
    b->qt[i] = frand(&r, -1, 1);
    b->w[i] = frand(&r, 0.2f, 1.5f);
    if (s->gauss) {
      for (size_t d = 0; d < s->gauss; d++) b->actions[i * s->gauss + d] = frand(&r, -1, 1);
      continue;
    }
    uint8_t *m = b->mask + i * (k ? k : 1);
    for (size_t j = 0; j < k; j++) m[j] = !masked || pg__rng_below(&r, 3) != 0;
    size_t a = pg__rng_below(&r, (uint32_t)(k ? k : 1));
    if (k) m[a] = 1;
    b->actions[i] = (float)a;
  }
}

static void net_params_d(pg_net *net, double *p, size_t *np) {
  size_t n = 0;
  ck_assert_int_eq(pg_net_param_count(net, &n), PG_OK);
  float *f = malloc(n * sizeof *f);
  ck_assert_int_eq(pg_net_get_params(net, 0, n, f), PG_OK);
  for (size_t i = 0; i < n; i++) p[i] = f[i];
  free(f);
  *np = n;
}

/* Analytic gradients (float, from pg_net_backward) against central finite
** differences of the double reference, for every parameter. */
static void grad_check(const spec *s, size_t n, bool masked, const pg_loss_desc *l0,
                       uint64_t seed) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = build(ctx, s, 64, seed);
  static batch b;
  make_batch(s, n, masked, seed, &b);
  pg_loss_desc l = *l0;
  l.actions = b.actions;
  l.advantages = b.adv;
  l.returns = b.ret;
  l.q_targets = b.qt;
  const uint8_t *mask = masked ? b.mask : NULL;
  ck_assert_int_eq(pg_net_forward(net, b.x, n, mask), PG_OK);
  ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
  double loss = 0;
  ck_assert_int_eq(pg_net_backward(net, &l, n, &loss), PG_OK);

  static double p[20000];
  static float g[20000];
  size_t np;
  net_params_d(net, p, &np);
  ck_assert_uint_le(np, 20000);
  ck_assert_int_eq(pg_net_get_grads(net, 0, np, g), PG_OK);
  double ref = ref_loss(s, p, b.x, n, mask, &l, NULL);
  ck_assert_msg(pg_test_rel_err(loss, ref) < 1e-5, "loss %g vs reference %g", loss, ref);
  double worst = 0;
  size_t nonzero = 0;
  for (size_t k = 0; k < np; k++) {
    const double eps = 1e-6, keep = p[k];
    p[k] = keep + eps;
    double lp = ref_loss(s, p, b.x, n, mask, &l, NULL);
    p[k] = keep - eps;
    double lm = ref_loss(s, p, b.x, n, mask, &l, NULL);
    p[k] = keep;
    double fd = (lp - lm) / (2 * eps);
    double err = fabs(fd - g[k]) / fmax(fabs(fd) + fabs(g[k]), 1e-4);
    worst = fmax(worst, err);
    nonzero += fabs(fd) > 1e-6;
    ck_assert_msg(err < 1e-3, "param %zu of %zu: analytic %.9g, finite difference %.9g", k, np,
                  (double)g[k], fd);
  }
  ck_assert_uint_gt(nonzero, np / 4); /* the check is not vacuous */
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}

static pg_loss_desc loss_desc(float scale, float pc, float ec, float vc, float qc) {
  pg_loss_desc l;
  memset(&l, 0, sizeof l);
  l.struct_size = sizeof l;
  l.scale = scale;
  l.policy_coef = pc;
  l.entropy_coef = ec;
  l.value_coef = vc;
  l.q_coef = qc;
  return l;
}

/* The vectorized tanh and sigmoid against double-precision libm over a
** dense grid, the tails, signed zeros, infinities and NaN. */
START_TEST(test_activation_accuracy) {
  enum { N = 400001 };
  static float t[N], g[N];
  for (int i = 0; i < N; i++) t[i] = g[i] = -20.0f + 40.0f * (float)i / (float)(N - 1);
  pg__tanh_inplace(t, N);
  pg__sigmoid_inplace(g, N);
  double worst_t = 0, worst_g = 0;
  for (int i = 0; i < N; i++) {
    double x = (double)(-20.0f + 40.0f * (float)i / (float)(N - 1));
    double et = fabs(t[i] - tanh(x)), eg = fabs(g[i] - 1.0 / (1.0 + exp(-x)));
    double rt = et / fmax(fabs(tanh(x)), 1e-30), rg = eg / fmax(1.0 / (1.0 + exp(-x)), 1e-30);
    if (rt > worst_t) worst_t = rt;
    if (rg > worst_g) worst_g = rg;
  }
  ck_assert_msg(worst_t < 5e-7, "tanh relative error %g", worst_t);
  ck_assert_msg(worst_g < 5e-7, "sigmoid relative error %g", worst_g);
  float sp[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-6f, INFINITY, -INFINITY, NAN, 100.0f, -100.0f};
  float st[10], sg[10];
  memcpy(st, sp, sizeof st);
  memcpy(sg, sp, sizeof sg);
  pg__tanh_inplace(st, 10);
  pg__sigmoid_inplace(sg, 10);
  ck_assert(st[0] == 0.0f && !signbit(st[0]) && st[1] == 0.0f && signbit(st[1]));
  ck_assert_float_eq(st[2], 1e-30f);
  ck_assert_float_eq(st[3], -1e-30f);
  ck_assert_float_eq_tol(st[4], 1e-6f, 1e-12f);
  ck_assert(st[5] == 1.0f && st[6] == -1.0f && isnan(st[7]));
  ck_assert(st[8] == 1.0f && st[9] == -1.0f);
  ck_assert_float_eq(sg[0], 0.5f);
  ck_assert(sg[5] == 1.0f && sg[6] >= 0.0f && sg[6] < 1e-37f && isnan(sg[7]));
  ck_assert(sg[8] == 1.0f && sg[9] < 1e-37f);
}
END_TEST

START_TEST(test_grad_activations) {
  /* _i: the activation under test, on both trunk layers. */
  pg_activation a = (pg_activation)_i;
  spec s = {.in = 3, .n_dense = 2, .units = {6, 5}, .act = {a, a}, .value = 1};
  pg_loss_desc l = loss_desc(0.5f, 0, 0, 1.0f, 0);
  grad_check(&s, 7, false, &l, 11 + (uint64_t)_i);
}
END_TEST

START_TEST(test_grad_categorical) {
  spec s = {.in = 4, .n_dense = 1, .units = {8}, .act = {PG_ACTIVATION_TANH}, .cat = 5};
  pg_loss_desc pol = loss_desc(1.0f, 1.0f, 0, 0, 0);
  grad_check(&s, 9, false, &pol, 3);
  pg_loss_desc ent = loss_desc(1.0f, 0, 0.3f, 0, 0);
  grad_check(&s, 9, false, &ent, 4);
  pg_loss_desc both = loss_desc(0.25f, 1.0f, 0.05f, 0, 0);
  grad_check(&s, 9, true, &both, 5); /* masked */
}
END_TEST

START_TEST(test_grad_gaussian) {
  spec s = {.in = 3, .n_dense = 1, .units = {7}, .act = {PG_ACTIVATION_TANH}, .gauss = 2};
  pg_loss_desc pol = loss_desc(1.0f, 1.0f, 0, 0, 0);
  grad_check(&s, 6, false, &pol, 6);
  pg_loss_desc both = loss_desc(0.5f, 1.0f, 0.1f, 0, 0);
  grad_check(&s, 6, false, &both, 7);
}
END_TEST

/* The state-dependent log-std: its tanh bound, per-row log-probability and
** entropy, with a value head after it on the shared trunk. */
START_TEST(test_grad_gaussian_state_std) {
  spec s = {.in = 3, .n_dense = 1, .units = {7}, .act = {PG_ACTIVATION_TANH}, .gauss = 2,
            .value = 1, .state_std = 1};
  pg_loss_desc pol = loss_desc(1.0f, 1.0f, 0, 0.5f, 0);
  grad_check(&s, 6, false, &pol, 16);
  pg_loss_desc ent = loss_desc(0.7f, 0, 0.3f, 0, 0);
  grad_check(&s, 5, false, &ent, 17);
  pg_loss_desc both = loss_desc(0.5f, 1.0f, 0.1f, 0, 0);
  grad_check(&s, 6, false, &both, 18);
}
END_TEST

/* pg_net_add_gaussian_head_state_std's checks: a refused call adds nothing
** (the mean head it would add first included). */
START_TEST(test_state_std_bad_args) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 0, &net), PG_OK);
  const pg_init o = PG_INIT_ORTHOGONAL;
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(NULL, 2, o, 0.01, 0, -1, 1),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.01, 0, 1, -1),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.01, 0, -21, 1),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.01, 0, -1, NAN),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.01, 1.5, -1, 1),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 0, o, 0.01, 0, -1, 1),
                   PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_net_add_gaussian_head_state_std"));
  ck_assert_int_eq(pg_net_finalize(net), PG_ERR_BAD_STATE); /* still no head */
  ck_assert_int_eq(pg_net_add_categorical_head(net, 3, o, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.01, 0, -1, 1),
                   PG_ERR_BAD_STATE); /* one policy head */
  ck_assert_uint_eq(pg__net_def(net)->n_layers, 1);
  pg_net_destroy(net);
  /* a net with it: the log-std at the start is log_std_init in every row
  ** when the weights draw zero (gain 0), and inside the bounds */
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 0, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 5, PG_ACTIVATION_TANH, o, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.0, -0.7, -3, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, o, 0.0, -0.7, -3, 1),
                   PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  size_t w = 0;
  ck_assert_int_eq(pg_net_output_size(net, PG_NET_OUTPUT_LOG_STD, &w), PG_OK);
  ck_assert_uint_eq(w, 2);
  float ls[8];
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOG_STD, ls, 8), PG_ERR_BAD_STATE);
  const float x[12] = {0.5f, -1, 2, 0, 0, 0, 3, 1, -2, 0.1f, 0.2f, 0.3f};
  ck_assert_int_eq(pg_net_forward(net, x, 4, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOG_STD, ls, 8), PG_OK);
  for (int i = 0; i < 8; i++) ck_assert_float_eq_tol(ls[i], -0.7f, 1e-5f);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

START_TEST(test_grad_value_and_q) {
  spec s = {.in = 5, .n_dense = 1, .units = {6}, .act = {PG_ACTIVATION_RELU}, .q = 4};
  pg_loss_desc q = loss_desc(1.0f, 0, 0, 0, 1.0f);
  grad_check(&s, 8, false, &q, 8);
  spec v = {.in = 2, .n_dense = 0, .value = 1}; /* head directly on the input */
  pg_loss_desc vl = loss_desc(1.0f, 0, 0, 0.5f, 0);
  grad_check(&v, 5, false, &vl, 9);
}
END_TEST

/* Every term at once on a shared trunk, masked, with per-row weights. */
START_TEST(test_grad_combined_shared_trunk) {
  spec s = {.in = 4,
            .n_dense = 2,
            .units = {9, 7},
            .act = {PG_ACTIVATION_RELU, PG_ACTIVATION_TANH},
            .cat = 4,
            .value = 1,
            .q = 4};
  pg_loss_desc l = loss_desc(1.0f / 12, 1.0f, 0.01f, 0.5f, 0.7f);
  static batch b;
  make_batch(&s, 12, true, 21, &b);
  l.weights = b.w; /* the same rows as grad_check's batch (same seed) */
  grad_check(&s, 12, true, &l, 21);
}
END_TEST

/* Forward outputs match the reference, across kernel paths (1 row and
** blocks of rows, ragged and K > 256 panels). */
START_TEST(test_forward_matches_reference) {
  spec s = {.in = 7, .n_dense = 2, .units = {45, 33},
            .act = {PG_ACTIVATION_RELU, PG_ACTIVATION_SIGMOID}, .cat = 3, .value = 1};
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = build(ctx, &s, 64, 5);
  static batch b;
  make_batch(&s, 13, true, 5, &b);
  static double p[20000];
  size_t np;
  net_params_d(net, p, &np);
  pg_loss_desc l = loss_desc(1, 0, 0, 0, 0);
  ref_row rows[13];
  ref_loss(&s, p, b.x, 13, b.mask, &l, rows);
  for (size_t n = 1; n <= 13; n += 12) {
    ck_assert_int_eq(pg_net_forward(net, b.x, n, b.mask), PG_OK);
    float probs[13 * 3], logp[13 * 3], v[13], ent[13];
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, probs, 39), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOG_PROBS, logp, 39), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v, 13), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_ENTROPY, ent, 13), PG_OK);
    for (size_t i = 0; i < n; i++) {
      double sum = 0;
      for (size_t j = 0; j < 3; j++) {
        sum += probs[i * 3 + j];
        if (!b.mask[i * 3 + j]) {
          ck_assert_float_eq(probs[i * 3 + j], 0.0f);
          ck_assert(isinf(logp[i * 3 + j]) && logp[i * 3 + j] < 0);
        } else {
          ck_assert_double_eq_tol(logp[i * 3 + j], rows[i].logp[j], 1e-5);
        }
      }
      ck_assert_double_eq_tol(sum, 1.0, 1e-6);
      ck_assert_double_eq_tol(v[i], rows[i].value, 1e-5);
      ck_assert_double_eq_tol(ent[i], rows[i].entropy, 1e-5);
    }
  }
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Large shapes through every GEMM path: forward and backward in float
** against double sums, rows one at a time and all at once. */
START_TEST(test_gemm_shapes) {
  /* the last four: the skinny-N paths (heads) and their fallbacks */
  const size_t shapes[][3] = {{1, 1, 1},     {5, 33, 300},  {37, 70, 257}, {4, 32, 256},
                              {9, 65, 3},    {160, 2, 128}, {128, 3, 161}, {7, 8, 1100},
                              {1030, 8, 5}};
  pg__rng r;
  pg__rng_seed(&r, 1, 2);
  for (size_t t = 0; t < sizeof shapes / sizeof *shapes; t++) {
    size_t M = shapes[t][0], N = shapes[t][1], K = shapes[t][2];
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B);
    float *C = calloc(M * N, sizeof *C), *pack = malloc(PG__GEMM_PACK * sizeof *pack);
    float *AT = malloc(M * K * sizeof *AT), *C2 = calloc(M * N, sizeof *C2);
    for (size_t i = 0; i < M * K; i++) A[i] = frand(&r, -1, 1);
    for (size_t i = 0; i < K * N; i++) B[i] = frand(&r, -1, 1);
    pg__transpose(A, M, K, AT);
    pg__gemm(M, N, K, A, K, 1, B, N, C, N, pack);
    pg__gemm(M, N, K, AT, 1, M, B, N, C2, N, pack); /* A read transposed */
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < N; j++) {
        double ref = 0;
        for (size_t k = 0; k < K; k++) ref += (double)A[i * K + k] * B[k * N + j];
        ck_assert_double_eq_tol(C[i * N + j], ref, 1e-4);
        ck_assert_double_eq_tol(C2[i * N + j], ref, 1e-4);
      }
    free(A), free(B), free(C), free(pack), free(AT), free(C2);
  }
}
END_TEST

/* ---- initializers -------------------------------------------------------- */

START_TEST(test_initializers) {
  pg__rng r;
  pg__rng_seed(&r, 3, 0);
  static float w[64 * 48];
  const size_t dims[][2] = {{64, 48}, {48, 64}, {16, 16}};
  for (size_t t = 0; t < 3; t++) {
    size_t in = dims[t][0], out = dims[t][1];
    pg__init_weights(w, in, out, PG_INIT_ORTHOGONAL, 0.5, &r);
    /* Columns (in >= out) or rows orthogonal with norm gain. */
    bool cols = in >= out;
    size_t nv = cols ? out : in, len = cols ? in : out;
    for (size_t a = 0; a < nv; a++)
      for (size_t b2 = 0; b2 < nv; b2++) {
        double dot = 0;
        for (size_t e = 0; e < len; e++) {
          double x = cols ? w[e * out + a] : w[a * out + e];
          double y = cols ? w[e * out + b2] : w[b2 * out + e];
          dot += x * y;
        }
        ck_assert_double_eq_tol(dot, a == b2 ? 0.25 : 0.0, 1e-5);
      }
  }
  pg__init_weights(w, 30, 20, PG_INIT_GLOROT_UNIFORM, 2.0, &r);
  double lim = 2.0 * sqrt(6.0 / 50), mx = 0;
  for (size_t i = 0; i < 600; i++) mx = fmax(mx, fabs(w[i]));
  ck_assert(mx <= lim && mx > 0.9 * lim);
  pg__init_weights(w, 30, 20, PG_INIT_HE_UNIFORM, 1.0, &r);
  lim = sqrt(6.0 / 30), mx = 0;
  for (size_t i = 0; i < 600; i++) mx = fmax(mx, fabs(w[i]));
  ck_assert(mx <= lim && mx > 0.9 * lim);
}
END_TEST

/* Seeded: the same seed gives the same parameters, biases start at zero,
** the policy head's gain scales its weights, log-std starts where asked. */
START_TEST(test_init_seeded_and_gains) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *a[3];
  for (int t = 0; t < 3; t++) {
    ck_assert_int_eq(pg_net_create(ctx, 4, 8, t < 2 ? 42 : 43, &a[t]), PG_OK);
    ck_assert_int_eq(pg_net_add_dense(a[t], 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, sqrt(2.0)), PG_OK);
    ck_assert_int_eq(pg_net_add_gaussian_head(a[t], 2, PG_INIT_ORTHOGONAL, 0.01, -0.5), PG_OK);
    ck_assert_int_eq(pg_net_add_value_head(a[t], PG_INIT_ORTHOGONAL, 1.0), PG_OK);
    ck_assert_int_eq(pg_net_finalize(a[t]), PG_OK);
  }
  size_t n;
  ck_assert_int_eq(pg_net_param_count(a[0], &n), PG_OK);
  ck_assert_uint_eq(n, 4 * 16 + 16 + 16 * 2 + 2 + 2 + 16 + 1);
  float p0[200], p1[200], p2[200];
  pg_net_get_params(a[0], 0, n, p0);
  pg_net_get_params(a[1], 0, n, p1);
  pg_net_get_params(a[2], 0, n, p2);
  ck_assert_mem_eq(p0, p1, n * sizeof *p0);
  ck_assert(memcmp(p0, p2, n * sizeof *p0) != 0);
  for (size_t j = 0; j < 16; j++) ck_assert_float_eq(p0[64 + j], 0.0f);
  const float *head = p0 + 80;
  for (size_t j = 0; j < 32; j++) ck_assert(fabsf(head[j]) <= 0.0101f);
  ck_assert_float_eq(p0[80 + 32 + 2], -0.5f);
  ck_assert_float_eq(p0[80 + 32 + 3], -0.5f);
  float ls[2];
  ck_assert_int_eq(pg_net_get_output(a[0], PG_NET_OUTPUT_LOG_STD, ls, 2), PG_OK);
  ck_assert_float_eq(ls[0], -0.5f);
  /* Re-initialising with the same seed restores the parameters. */
  float z[200] = {0};
  ck_assert_int_eq(pg_net_set_params(a[0], 0, n, z), PG_OK);
  ck_assert_int_eq(pg_net_init_params(a[0], 42), PG_OK);
  pg_net_get_params(a[0], 0, n, p1);
  ck_assert_mem_eq(p0, p1, n * sizeof *p0);
  for (int t = 0; t < 3; t++) pg_net_destroy(a[t]);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* ---- parameters, clones, accumulation ----------------------------------- */

START_TEST(test_params_clone_copy) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  spec s = {.in = 3, .n_dense = 1, .units = {5}, .act = {PG_ACTIVATION_RELU}, .cat = 3, .value = 1};
  pg_net *a = build(ctx, &s, 4, 1), *b = build(ctx, &s, 4, 2), *c = NULL;
  size_t n;
  pg_net_param_count(a, &n);
  ck_assert_int_eq(pg_net_clone(a, &c), PG_OK);
  float pa[100], pb[100], pc[100];
  pg_net_get_params(a, 0, n, pa);
  pg_net_get_params(c, 0, n, pc);
  ck_assert_mem_eq(pa, pc, n * sizeof *pa);
  ck_assert_int_eq(pg_net_copy_params(b, a), PG_OK);
  pg_net_get_params(b, 0, n, pb);
  ck_assert_mem_eq(pa, pb, n * sizeof *pa);
  /* Index ranges. */
  float seg[3] = {1, 2, 3}, back[3];
  ck_assert_int_eq(pg_net_set_params(b, n - 3, 3, seg), PG_OK);
  ck_assert_int_eq(pg_net_get_params(b, n - 3, 3, back), PG_OK);
  ck_assert_mem_eq(seg, back, sizeof seg);
  ck_assert_int_eq(pg_net_get_params(b, n - 2, 3, back), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_get_params(b, SIZE_MAX, 2, back), PG_ERR_OUT_OF_RANGE);
  /* Clones compute the same outputs; gradients accumulate. */
  float x[6] = {0.1f, -0.2f, 0.3f, 0.5f, 0.4f, -0.9f}, act[2] = {0, 2}, adv[2] = {1, -1};
  pg_loss_desc l = loss_desc(1, 1, 0.1f, 0, 0);
  l.actions = act;
  l.advantages = adv;
  float g1[100], g2[100], o1[6], o2[6];
  ck_assert_int_eq(pg_net_forward(a, x, 2, NULL), PG_OK);
  ck_assert_int_eq(pg_net_forward(c, x, 2, NULL), PG_OK);
  pg_net_get_output(a, PG_NET_OUTPUT_LOGITS, o1, 6);
  pg_net_get_output(c, PG_NET_OUTPUT_LOGITS, o2, 6);
  ck_assert_mem_eq(o1, o2, sizeof o1);
  ck_assert_int_eq(pg_net_backward(a, &l, 2, NULL), PG_OK);
  pg_net_get_grads(a, 0, n, g1);
  ck_assert_int_eq(pg_net_backward(a, &l, 2, NULL), PG_OK);
  pg_net_get_grads(a, 0, n, g2);
  for (size_t i = 0; i < n; i++) ck_assert_float_eq_tol(g2[i], 2 * g1[i], 1e-6f);
  ck_assert_int_eq(pg_net_zero_grads(a), PG_OK);
  pg_net_get_grads(a, 0, n, g2);
  for (size_t i = 0; i < n; i++) ck_assert_float_eq(g2[i], 0.0f);
  /* Different architectures do not copy. */
  spec s2 = s;
  s2.units[0] = 6;
  pg_net *d = build(ctx, &s2, 4, 1);
  ck_assert_int_eq(pg_net_copy_params(d, a), PG_ERR_SHAPE);
  /* Destroying the context first is fine. */
  pg_ctx_destroy(ctx);
  pg_net_destroy(a), pg_net_destroy(b), pg_net_destroy(c), pg_net_destroy(d);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* ---- bad arguments leave the net unchanged ------------------------------ */

static void snapshot(pg_net *net, float *p, size_t n) {
  ck_assert_int_eq(pg_net_get_params(net, 0, n, p), PG_OK);
}

START_TEST(test_bad_args) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(NULL, 3, 4, 0, &net), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 0, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_create(ctx, 0, 4, 0, &net), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_create(ctx, 3, 0, 0, &net), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(net);
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 0, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(NULL, 4, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_dense(net, 0, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_dense(net, 4, (pg_activation)9, PG_INIT_GLOROT_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_RELU, (pg_init)0, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, NAN), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, -1), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_net_add_dense"));
  ck_assert_int_eq(pg_net_finalize(net), PG_ERR_BAD_STATE); /* no head */
  ck_assert_int_eq(pg_net_forward(net, (float[3]){0}, 1, NULL), PG_ERR_BAD_STATE);
  size_t n;
  ck_assert_int_eq(pg_net_param_count(net, &n), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 1, PG_INIT_ORTHOGONAL, 0.01), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 0.01, 100), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 0.01), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 0.01, 0), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_RELU, PG_INIT_GLOROT_UNIFORM, 1), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_add_q_head(net, 3, PG_INIT_ORTHOGONAL, 1), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_param_count(net, &n), PG_OK);
  float before[100], after[100];
  snapshot(net, before, n);

  float x[12] = {0.5f, 0.1f, -0.3f, 1, 2, 3, 0, 0, 0, 1, 1, 1};
  float out[16];
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, out, 16), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_forward(net, NULL, 1, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_forward(net, x, 0, NULL), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_forward(net, x, 5, NULL), PG_ERR_OUT_OF_RANGE); /* > max_batch */
  x[4] = NAN;
  ck_assert_int_eq(pg_net_forward(net, x, 2, NULL), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_net_forward"));
  x[4] = INFINITY;
  ck_assert_int_eq(pg_net_forward(net, x, 2, NULL), PG_ERR_NUMERIC);
  x[4] = 2;
  uint8_t bad_mask[6] = {1, 0, 1, 0, 0, 0};
  ck_assert_int_eq(pg_net_forward(net, x, 2, bad_mask), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, out, 16), PG_ERR_BAD_STATE);
  uint8_t mask[6] = {1, 0, 1, 0, 1, 1};
  ck_assert_int_eq(pg_net_forward(net, x, 2, mask), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, out, 5), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_Q, out, 16), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_net_get_output(net, (pg_net_output)99, out, 16), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, NULL, 16), PG_ERR_INVALID_ARG);

  /* Backward: every bad input is refused and nothing changes. */
  float act[2] = {1, 2}, adv[2] = {1, 1}, ret[2] = {0, 0};
  pg_loss_desc l = loss_desc(1, 1, 0.1f, 0.5f, 0);
  l.actions = act, l.advantages = adv, l.returns = ret;
  float g0[100], g1[100];
  pg_net_get_grads(net, 0, n, g0);
  ck_assert_int_eq(pg_net_backward(net, NULL, 2, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_OUT_OF_RANGE); /* action 1 masked */
  act[0] = 0;
  ck_assert_int_eq(pg_net_backward(net, &l, 1, NULL), PG_ERR_BAD_STATE); /* rows differ */
  ck_assert_int_eq(pg_net_backward(net, &l, 9, NULL), PG_ERR_OUT_OF_RANGE);
  act[1] = 2.5f;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_OUT_OF_RANGE);
  act[1] = 3;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_OUT_OF_RANGE);
  act[1] = 2;
  adv[1] = NAN;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_NUMERIC);
  adv[1] = 1;
  l.returns = NULL;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_INVALID_ARG);
  l.returns = ret;
  l.q_coef = 1;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_UNSUPPORTED);
  l.q_coef = 0;
  l.scale = INFINITY;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_NUMERIC);
  l.scale = 1;
  l.struct_size = 0;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_VERSION);
  pg_net_get_grads(net, 0, n, g1);
  ck_assert_mem_eq(g0, g1, n * sizeof *g0);
  /* A shorter struct (older caller): members past struct_size read as zero. */
  float zeros[2] = {0, 0};
  l.weights = zeros;
  l.struct_size = (uint32_t)offsetof(pg_loss_desc, weights);
  double loss = 1;
  ck_assert_int_eq(pg_net_backward(net, &l, 2, &loss), PG_OK);
  l.struct_size = sizeof l;
  l.weights = NULL;
  float lp[2], ent[2], v[2];
  ck_assert_int_eq(pg_net_log_prob(net, act, 2, lp), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_ENTROPY, ent, 2), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v, 2), PG_OK);
  ck_assert_double_eq_tol(loss, -(lp[0] + lp[1]) - 0.1 * (ent[0] + ent[1]) +
                                    0.5 * (v[0] * v[0] + v[1] * v[1]), 1e-5);
  act[0] = 1;
  ck_assert_int_eq(pg_net_log_prob(net, act, 2, lp), PG_ERR_OUT_OF_RANGE);

  /* Parameters: bad ranges and NaN refused. */
  float nanv[2] = {1, NAN};
  ck_assert_int_eq(pg_net_set_params(net, 0, 2, nanv), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_net_set_params(net, n, 1, nanv), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_set_params(net, 0, 1, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_copy_params(net, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_clone(net, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_clone(NULL, NULL), PG_ERR_INVALID_ARG);
  snapshot(net, after, n);
  ck_assert_mem_eq(before, after, n * sizeof *before);
  /* Setting parameters invalidates the forward. */
  ck_assert_int_eq(pg_net_set_params(net, 0, 1, after), PG_OK);
  ck_assert_int_eq(pg_net_backward(net, &l, 2, NULL), PG_ERR_BAD_STATE);

  pg_net_destroy(NULL);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* ---- allocation --------------------------------------------------------- */

static pg_status make_net(pg_ctx *ctx, void *user) {
  (void)user;
  pg_net *net = NULL, *clone = NULL;
  pg_status st = pg_net_create(ctx, 4, 8, 1, &net);
  if (st != PG_OK) return st;
  pg_net_add_dense(net, 16, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.0);
  pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 0.01);
  pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0);
  st = pg_net_finalize(net);
  if (st == PG_OK) st = pg_net_clone(net, &clone);
  if (st != PG_OK) ck_assert_ptr_null(clone);
  ck_assert_int_eq(pg_ctx_last_status(ctx), st == PG_OK ? PG_OK : PG_ERR_NOMEM);
  pg_net_destroy(clone);
  pg_net_destroy(net);
  return st;
}

START_TEST(test_every_alloc_fails_cleanly) {
  long n = pg_test_every_alloc_fails(make_net, NULL);
  ck_assert_int_eq(n, 4);
}
END_TEST

START_TEST(test_no_allocation_after_setup) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  spec s = {.in = 6, .n_dense = 2, .units = {32, 32},
            .act = {PG_ACTIVATION_RELU, PG_ACTIVATION_TANH}, .cat = 4, .value = 1, .q = 4};
  pg_net *net = build(ctx, &s, 64, 1);
  static batch b;
  make_batch(&s, 64, true, 3, &b);
  pg_loss_desc l = loss_desc(1, 1, 0.01f, 0.5f, 1);
  l.actions = b.actions, l.advantages = b.adv, l.returns = b.ret, l.q_targets = b.qt;
  long calls = counter.calls;
  for (size_t n = 1; n <= 64; n *= 4) {
    ck_assert_int_eq(pg_net_forward(net, b.x, n, b.mask), PG_OK);
    ck_assert_int_eq(pg_net_backward(net, &l, n, NULL), PG_OK);
    pg__net_out o;
    pg__net_forward(net, b.x, n, NULL, &o);
    pg__net_zero_grads(net);
    pg__net_backward(net, n, &l);
  }
  ck_assert_int_eq(counter.calls, calls);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- internal helpers ---------------------------------------------------- */

START_TEST(test_sampling_helpers) {
  pg__rng r;
  pg__rng_seed(&r, 7, 0);
  const float probs[4] = {0.1f, 0.0f, 0.6f, 0.3f};
  int counts[4] = {0};
  for (int i = 0; i < 20000; i++) counts[pg__sample_categorical(probs, 4, &r)]++;
  ck_assert_int_eq(counts[1], 0);
  ck_assert_int_lt(abs(counts[2] - 12000), 400);
  ck_assert_int_lt(abs(counts[0] - 2000), 250);
  const float v[4] = {1, 5, 3, 5};
  const uint8_t m[4] = {1, 0, 1, 1};
  ck_assert_uint_eq(pg__argmax(v, NULL, 4), 1);
  ck_assert_uint_eq(pg__argmax(v, m, 4), 3);
  const float mean[2] = {1, -2}, ls[2] = {0, -1};
  double s0 = 0, s1 = 0;
  for (int i = 0; i < 20000; i++) {
    float a[2];
    pg__sample_gaussian(mean, ls, 2, &r, a);
    s0 += a[0], s1 += (a[1] + 2) * (a[1] + 2);
  }
  ck_assert_double_eq_tol(s0 / 20000, 1.0, 0.03);
  ck_assert_double_eq_tol(s1 / 20000, exp(-2.0), 0.01);
  const float a0[2] = {1, -2};
  ck_assert_double_eq_tol(pg__gaussian_log_prob(mean, ls, a0, 2), -LOG_2PI + 1, 1e-9);
  ck_assert_double_eq_tol(pg__gaussian_entropy(ls, 2), 1 + LOG_2PI - 1, 1e-9);
  const float p2[2] = {0.5f, 0.5f}, lp2[2] = {logf(0.5f), logf(0.5f)};
  ck_assert_double_eq_tol(pg__categorical_entropy(p2, lp2, 2), log(2.0), 1e-6);
  float g[3] = {3, 4, 0};
  ck_assert_double_eq_tol(pg__clip_global_norm(g, 3, 1.0), 5.0, 1e-9);
  ck_assert_double_eq_tol(pg__grad_norm(g, 3), 1.0, 1e-6);
  ck_assert_double_eq_tol(pg__clip_global_norm(g, 3, 2.0), 1.0, 1e-6);
  ck_assert_float_eq_tol(g[0], 0.6f, 1e-6f);
}
END_TEST

/* The internal forward reports every head's output. */
START_TEST(test_internal_outputs) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  spec s = {.in = 2, .n_dense = 1, .units = {8}, .act = {PG_ACTIVATION_TANH}, .gauss = 3, .value = 1};
  pg_net *net = build(ctx, &s, 4, 1);
  float x[4] = {1, 2, 3, 4};
  pg__net_out o;
  pg__net_forward(net, x, 2, NULL, &o);
  ck_assert_uint_eq(o.n, 2);
  ck_assert_uint_eq(o.action_dim, 3);
  ck_assert_ptr_nonnull(o.mean);
  ck_assert_ptr_nonnull(o.value);
  ck_assert_ptr_null(o.probs);
  ck_assert_float_eq(o.log_std[0], -0.3f);
  ck_assert_double_eq_tol(o.entropy[1], pg__gaussian_entropy(o.log_std, 3), 1e-6);
  ck_assert_uint_eq(o.trunk_dim, 8);
  pg_net *c = NULL;
  ck_assert_int_eq(pg__net_clone(net, &c), PG_OK);
  ck_assert_uint_eq(pg__net_param_count(c), pg__net_param_count(net));
  float *pp = NULL, *gp = NULL;
  size_t pn = 0;
  pg__net_param_block(c, &pp, &gp, &pn);
  ck_assert_ptr_eq(pp, pg__net_params(c));
  ck_assert_ptr_eq(gp, pg__net_grads(c));
  ck_assert_uint_eq(pn, pg__net_param_count(c));
  pg_net_destroy(c);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

static Suite *nn_suite(void) {
  Suite *s = suite_create("nn");
  TCase *tc = tcase_create("nn");
  tcase_add_loop_test(tc, test_grad_activations, PG_ACTIVATION_LINEAR, PG_ACTIVATION_SIGMOID + 1);
  tcase_add_test(tc, test_activation_accuracy);
  tcase_add_test(tc, test_grad_categorical);
  tcase_add_test(tc, test_grad_gaussian);
  tcase_add_test(tc, test_grad_gaussian_state_std);
  tcase_add_test(tc, test_state_std_bad_args);
  tcase_add_test(tc, test_grad_value_and_q);
  tcase_add_test(tc, test_grad_combined_shared_trunk);
  tcase_add_test(tc, test_forward_matches_reference);
  tcase_add_test(tc, test_gemm_shapes);
  tcase_add_test(tc, test_initializers);
  tcase_add_test(tc, test_init_seeded_and_gains);
  tcase_add_test(tc, test_params_clone_copy);
  tcase_add_test(tc, test_bad_args);
  tcase_add_test(tc, test_every_alloc_fails_cleanly);
  tcase_add_test(tc, test_no_allocation_after_setup);
  tcase_add_test(tc, test_sampling_helpers);
  tcase_add_test(tc, test_internal_outputs);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(nn_suite()); }
