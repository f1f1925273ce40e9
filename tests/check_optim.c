/* Optimizers: each update against a step computed by hand, clipping,
** hyperparameters, argument checks, allocation, and the thread-safe shared
** apply used by A3C. */
#include "testutil.h"

#include "nn/pg_nn.h"
#include "optim/pg_optim.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define NP_MAX 256

/* A small finalized net: 3 -> 4 (tanh) -> value. 21 parameters. */
static pg_net *small_net(pg_ctx *ctx) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 7, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static size_t count(pg_net *net) {
  size_t n = 0;
  ck_assert_int_eq(pg_net_param_count(net, &n), PG_OK);
  return n;
}

/* Deterministic gradients for step s. */
static void make_grads(float *g, size_t n, int s) {
  for (size_t i = 0; i < n; i++) g[i] = (float)(sin(1.0 + (double)i * 0.7 + s * 1.3) * 0.5);
}

typedef struct fixture {
  pg_test_alloc counter;
  pg_ctx *ctx;
  pg_net *net;
  pg_optim *opt;
  size_t n;
  double p[NP_MAX]; /* reference parameters, in double */
} fixture;

static void setup(fixture *f, pg_optim_kind kind) {
  memset(f, 0, sizeof *f);
  f->ctx = pg_test_ctx(&f->counter);
  f->net = small_net(f->ctx);
  f->n = count(f->net);
  ck_assert_int_eq(pg_optim_create(f->net, kind, &f->opt), PG_OK);
  float p[NP_MAX];
  ck_assert_int_eq(pg_net_get_params(f->net, 0, f->n, p), PG_OK);
  for (size_t i = 0; i < f->n; i++) f->p[i] = p[i];
}

static void teardown(fixture *f) {
  pg_optim_destroy(f->opt);
  pg_net_destroy(f->net);
  pg_ctx_destroy(f->ctx);
  ck_assert_int_eq(f->counter.live_blocks, 0);
}

/* Sets the net's gradients to step s's and takes one optimizer step. */
static void step_with(fixture *f, int s, float *g) {
  make_grads(g, f->n, s);
  ck_assert_int_eq(pg_net_set_grads(f->net, 0, f->n, g), PG_OK);
  ck_assert_int_eq(pg_optim_step(f->opt, NULL), PG_OK);
}

static void expect_params(fixture *f, double tol) {
  float p[NP_MAX];
  ck_assert_int_eq(pg_net_get_params(f->net, 0, f->n, p), PG_OK);
  for (size_t i = 0; i < f->n; i++)
    ck_assert_msg(fabs(p[i] - f->p[i]) <= tol * (1 + fabs(f->p[i])),
                  "param %zu: %.9g, by hand %.9g", i, (double)p[i], f->p[i]);
}

START_TEST(test_sgd) {
  fixture f;
  setup(&f, PG_OPTIM_SGD);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 0.1), PG_OK);
  float g[NP_MAX];
  for (int s = 0; s < 3; s++) {
    step_with(&f, s, g);
    for (size_t i = 0; i < f.n; i++) f.p[i] -= 0.1 * g[i];
    expect_params(&f, 1e-6);
  }
  /* Annealing: the rate is read at every step. */
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 0.025), PG_OK);
  step_with(&f, 9, g);
  for (size_t i = 0; i < f.n; i++) f.p[i] -= 0.025 * g[i];
  expect_params(&f, 1e-6);
  teardown(&f);
}
END_TEST

START_TEST(test_momentum) {
  fixture f;
  setup(&f, PG_OPTIM_SGD);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 0.05), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_MOMENTUM, 0.9), PG_OK);
  double v[NP_MAX] = {0};
  float g[NP_MAX];
  for (int s = 0; s < 4; s++) {
    step_with(&f, s, g);
    for (size_t i = 0; i < f.n; i++) {
      v[i] = 0.9 * v[i] + g[i];
      f.p[i] -= 0.05 * v[i];
    }
    expect_params(&f, 1e-6);
  }
  teardown(&f);
}
END_TEST

START_TEST(test_rmsprop) {
  fixture f;
  setup(&f, PG_OPTIM_RMSPROP);
  double d, e;
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_DECAY, &d), PG_OK);
  ck_assert_double_eq(d, 0.99);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 0.01), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_EPSILON, 0.1), PG_OK);
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_EPSILON, &e), PG_OK);
  double sq[NP_MAX] = {0};
  float g[NP_MAX];
  for (int s = 0; s < 4; s++) {
    step_with(&f, s, g);
    for (size_t i = 0; i < f.n; i++) {
      sq[i] = 0.99 * sq[i] + 0.01 * g[i] * g[i];
      f.p[i] -= 0.01 * g[i] / sqrt(sq[i] + 0.1);
    }
    expect_params(&f, 1e-6);
  }
  /* Reset forgets the statistics. */
  ck_assert_int_eq(pg_optim_reset(f.opt), PG_OK);
  step_with(&f, 7, g);
  for (size_t i = 0; i < f.n; i++) f.p[i] -= 0.01 * g[i] / sqrt(0.01 * g[i] * g[i] + 0.1);
  expect_params(&f, 1e-6);
  teardown(&f);
}
END_TEST

START_TEST(test_adam) {
  fixture f;
  setup(&f, PG_OPTIM_ADAM);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 0.01), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_BETA1, 0.8), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_BETA2, 0.95), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_EPSILON, 1e-6), PG_OK);
  double m[NP_MAX] = {0}, v[NP_MAX] = {0};
  float g[NP_MAX];
  for (int t = 1; t <= 5; t++) {
    step_with(&f, t, g);
    for (size_t i = 0; i < f.n; i++) {
      m[i] = 0.8 * m[i] + 0.2 * g[i];
      v[i] = 0.95 * v[i] + 0.05 * g[i] * g[i];
      double mh = m[i] / (1 - pow(0.8, t)), vh = v[i] / (1 - pow(0.95, t));
      f.p[i] -= 0.01 * mh / (sqrt(vh) + 1e-6);
    }
    expect_params(&f, 2e-6);
  }
  teardown(&f);
}
END_TEST

START_TEST(test_clipping) {
  fixture f;
  setup(&f, PG_OPTIM_SGD);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, 1.0), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_CLIP_NORM, 0.5), PG_OK);
  float g[NP_MAX], gc[NP_MAX];
  make_grads(g, f.n, 0);
  double norm = 0;
  for (size_t i = 0; i < f.n; i++) norm += (double)g[i] * g[i];
  norm = sqrt(norm);
  ck_assert(norm > 0.5);
  ck_assert_int_eq(pg_net_set_grads(f.net, 0, f.n, g), PG_OK);
  double reported = 0;
  ck_assert_int_eq(pg_optim_step(f.opt, &reported), PG_OK);
  ck_assert_double_eq_tol(reported, norm, 1e-5);
  for (size_t i = 0; i < f.n; i++) f.p[i] -= g[i] * 0.5 / norm;
  expect_params(&f, 1e-6);
  ck_assert_int_eq(pg_net_get_grads(f.net, 0, f.n, gc), PG_OK); /* clipped in place */
  for (size_t i = 0; i < f.n; i++) ck_assert_double_eq_tol(gc[i], g[i] * 0.5 / norm, 1e-6);
  /* Below the threshold nothing is scaled. */
  for (size_t i = 0; i < f.n; i++) g[i] *= 0.01f;
  ck_assert_int_eq(pg_net_set_grads(f.net, 0, f.n, g), PG_OK);
  ck_assert_int_eq(pg_optim_step(f.opt, &reported), PG_OK);
  for (size_t i = 0; i < f.n; i++) f.p[i] -= g[i];
  expect_params(&f, 1e-6);
  teardown(&f);
}
END_TEST

START_TEST(test_pure_functions) {
  float p[5] = {1, 2, 3, 4, 5}, g[5] = {0.5f, -1, 2, 0, 1}, s[5] = {0}, m[5] = {0};
  pg__rmsprop_step(5, p, g, s, 0.1f, 0.99f, 1e-5f);
  for (int i = 0; i < 5; i++) {
    double sq = 0.01 * g[i] * g[i];
    ck_assert_double_eq_tol(s[i], sq, 1e-6 * sq + 1e-12);
    ck_assert_double_eq_tol(p[i], (i + 1) - 0.1 * g[i] / sqrt(sq + 1e-5), 1e-5);
  }
  float q[5] = {1, 2, 3, 4, 5};
  memset(s, 0, sizeof s);
  pg__adam_step(5, q, g, m, s, 0.1f, 0.9f, 0.999f, 1e-8f, 1);
  for (int i = 0; i < 5; i++) /* first Adam step moves by lr*sign(g) */
    ck_assert_double_eq_tol(q[i], (i + 1) - (g[i] > 0 ? 0.1 : g[i] < 0 ? -0.1 : 0), 1e-5);
  float r[2] = {1, 1}, rg[2] = {1, -1}, v[2] = {0, 0};
  pg__momentum_step(2, r, rg, v, 0.5f, 0.9f);
  pg__momentum_step(2, r, rg, v, 0.5f, 0.9f);
  ck_assert_float_eq_tol(r[0], 1 - 0.5f - 0.5f * 1.9f, 1e-6f);
  pg__sgd_step(2, r, rg, 1.0f);
  ck_assert_float_eq_tol(r[1], 1 + 0.5f + 0.5f * 1.9f + 1, 1e-6f);
}
END_TEST

START_TEST(test_params_and_names) {
  fixture f;
  setup(&f, PG_OPTIM_RMSPROP);
  double v;
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_LR, &v), PG_OK);
  ck_assert_double_eq(v, 7e-4);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_MOMENTUM, 0.5), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_BETA1, 0.5), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_optim_set_param(f.opt, (pg_optim_param)0, 0.5), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_set_param(f.opt, (pg_optim_param)99, 0.5), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, -1), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, NAN), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_LR, INFINITY), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_DECAY, 1.0), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_EPSILON, 0.0), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(f.opt, PG_OPTIM_CLIP_NORM, -0.1), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(f.ctx), "pg_optim_set_param"));
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_LR, &v), PG_OK);
  ck_assert_double_eq(v, 7e-4); /* unchanged by the failures */
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_LR, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_get_param(NULL, PG_OPTIM_LR, &v), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_set_param(NULL, PG_OPTIM_LR, 1), PG_ERR_INVALID_ARG);
  const char *names[] = {"lr", "decay", "epsilon", "momentum", "beta1", "beta2", "clip_norm"};
  for (int i = 0; i < 7; i++) {
    pg_optim_param p = (pg_optim_param)0;
    ck_assert_int_eq(pg_optim_param_from_name(names[i], &p), PG_OK);
    ck_assert_int_eq(p, i + 1);
  }
  pg_optim_param p;
  ck_assert_int_eq(pg_optim_param_from_name("LR ", &p), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_param_from_name(NULL, &p), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_param_from_name("lr", NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(PG_OPTIM_LR, 1);
  ck_assert_int_eq(PG_OPTIM_CLIP_NORM, 7);
  ck_assert_int_eq(pg__optim_lr(f.opt) == 7e-4, 1);
  pg__optim_set_lr(f.opt, 1e-3);
  ck_assert_int_eq(pg_optim_get_param(f.opt, PG_OPTIM_LR, &v), PG_OK);
  ck_assert_double_eq(v, 1e-3);
  teardown(&f);
}
END_TEST

START_TEST(test_bad_args) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_optim *o = NULL;
  ck_assert_int_eq(pg_optim_create(NULL, PG_OPTIM_SGD, &o), PG_ERR_INVALID_ARG);
  pg_net *raw = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 2, 2, 0, &raw), PG_OK);
  ck_assert_int_eq(pg_optim_create(raw, PG_OPTIM_SGD, &o), PG_ERR_BAD_STATE);
  pg_net_destroy(raw);
  pg_net *net = small_net(ctx);
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_SGD, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_create(net, (pg_optim_kind)0, &o), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_create(net, (pg_optim_kind)4, &o), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(o);
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_ADAM, &o), PG_OK);
  ck_assert_int_eq(pg_optim_step(NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_optim_reset(NULL), PG_ERR_INVALID_ARG);
  /* NaN gradients: refused, parameters bit-identical. */
  size_t n = count(net);
  float before[NP_MAX], after[NP_MAX], g[NP_MAX] = {0};
  pg_net_get_params(net, 0, n, before);
  float *grads = pg__net_grads(net);
  grads[3] = NAN;
  ck_assert_int_eq(pg_optim_step(o, NULL), PG_ERR_NUMERIC);
  grads[3] = INFINITY;
  ck_assert_int_eq(pg_optim_step(o, NULL), PG_ERR_NUMERIC);
  pg_net_get_params(net, 0, n, after);
  ck_assert_mem_eq(before, after, n * sizeof *before);
  ck_assert_int_eq(pg_net_set_grads(net, 0, n, g), PG_OK);
  pg_optim_destroy(NULL);
  /* The net may be destroyed before its optimizer. */
  pg_net_destroy(net);
  ck_assert_int_eq(pg_optim_step(o, NULL), PG_OK);
  pg_optim_destroy(o);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

static pg_status make_optims(pg_ctx *ctx, void *user) {
  (void)user;
  pg_net *net = NULL;
  pg_status st = pg_net_create(ctx, 3, 4, 1, &net);
  if (st != PG_OK) return st;
  pg_net_add_dense(net, 8, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1);
  pg_net_add_q_head(net, 2, PG_INIT_GLOROT_UNIFORM, 1);
  st = pg_net_finalize(net);
  for (int k = PG_OPTIM_SGD; k <= PG_OPTIM_ADAM && st == PG_OK; k++) {
    pg_optim *o = NULL;
    st = pg_optim_create(net, (pg_optim_kind)k, &o);
    if (st != PG_OK) ck_assert_ptr_null(o);
    pg_optim_destroy(o);
  }
  pg_net_destroy(net);
  return st;
}

START_TEST(test_every_alloc_fails_cleanly) {
  /* The net makes 2 allocations; each of the 3 optimizers 3 (the handle,
  ** its state, its stripe locks). */
  ck_assert_int_eq(pg_test_every_alloc_fails(make_optims, NULL), 2 + 3 * 3);
}
END_TEST

START_TEST(test_no_allocation_in_step) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = small_net(ctx);
  pg_optim *o[3];
  for (int k = 0; k < 3; k++) {
    ck_assert_int_eq(pg_optim_create(net, (pg_optim_kind)(k + 1), &o[k]), PG_OK);
    ck_assert_int_eq(pg_optim_set_param(o[k], PG_OPTIM_CLIP_NORM, 0.1), PG_OK);
  }
  ck_assert_int_eq(pg_optim_set_param(o[0], PG_OPTIM_MOMENTUM, 0.9), PG_OK);
  float g[NP_MAX], dst[NP_MAX];
  size_t n = count(net);
  make_grads(g, n, 1);
  long calls = counter.calls;
  for (int s = 0; s < 5; s++)
    for (int k = 0; k < 3; k++) {
      ck_assert_int_eq(pg_net_set_grads(net, 0, n, g), PG_OK);
      ck_assert_int_eq(pg_optim_step(o[k], NULL), PG_OK);
      pg__optim_apply_shared(o[k], g);
      pg__optim_read_params(o[k], dst);
    }
  ck_assert_int_eq(counter.calls, calls);
  for (int k = 0; k < 3; k++) pg_optim_destroy(o[k]);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- A3C-style sharing ---------------------------------------------------- */

typedef struct worker {
  pg_optim *shared;
  pg_net *local; /* the worker's clone: θ' and its own gradients */
  int id, steps;
} worker;

static void *worker_main(void *arg) {
  worker *w = arg;
  size_t n = pg__net_param_count(w->local);
  float *g = pg__net_grads(w->local);
  for (int s = 0; s < w->steps; s++) {
    pg__optim_read_params(w->shared, pg__net_params(w->local)); /* θ' ← θ */
    pg__net_params_changed(w->local);
    for (size_t i = 0; i < n; i++) g[i] = 0.001f * (float)(w->id + 1);
    pg__optim_apply_shared(w->shared, g);
  }
  return NULL;
}

static void run_workers(pg_optim_kind kind, int nthreads, int steps, double *out_delta) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = small_net(ctx);
  pg_optim *o = NULL;
  ck_assert_int_eq(pg_optim_create(net, kind, &o), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(o, PG_OPTIM_LR, 1.0), PG_OK);
  size_t n = count(net);
  float p0[NP_MAX], p1[NP_MAX];
  pg_net_get_params(net, 0, n, p0);
  worker w[8];
  pthread_t th[8];
  for (int t = 0; t < nthreads; t++) {
    w[t] = (worker){.shared = o, .id = t, .steps = steps};
    ck_assert_int_eq(pg_net_clone(net, &w[t].local), PG_OK);
  }
  for (int t = 0; t < nthreads; t++)
    ck_assert_int_eq(pthread_create(&th[t], NULL, worker_main, &w[t]), 0);
  /* Meanwhile the main thread anneals the rate (the same value). */
  for (int i = 0; i < 100; i++) pg__optim_set_lr(o, pg__optim_lr(o));
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  pg_net_get_params(net, 0, n, p1);
  *out_delta = p0[0] - p1[0];
  for (size_t i = 1; i < n; i++) /* every parameter moved the same way */
    ck_assert_float_eq_tol(p0[i] - p1[i], (float)*out_delta, 1e-4f);
  for (int t = 0; t < nthreads; t++) pg_net_destroy(w[t].local);
  pg_optim_destroy(o);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}

START_TEST(test_shared_apply_threads) {
  double d;
  /* SGD: the sum of all workers' gradients, whatever the interleaving. */
  run_workers(PG_OPTIM_SGD, 4, 200, &d);
  ck_assert_double_eq_tol(d, 200 * 0.001 * (1 + 2 + 3 + 4), 1e-3);
  /* Shared RMSProp statistics: finite and moving downhill. */
  run_workers(PG_OPTIM_RMSPROP, 4, 200, &d);
  ck_assert(d > 0 && isfinite(d));
}
END_TEST

static Suite *optim_suite(void) {
  Suite *s = suite_create("optim");
  TCase *tc = tcase_create("optim");
  tcase_add_test(tc, test_sgd);
  tcase_add_test(tc, test_momentum);
  tcase_add_test(tc, test_rmsprop);
  tcase_add_test(tc, test_adam);
  tcase_add_test(tc, test_clipping);
  tcase_add_test(tc, test_pure_functions);
  tcase_add_test(tc, test_params_and_names);
  tcase_add_test(tc, test_bad_args);
  tcase_add_test(tc, test_every_alloc_fails_cleanly);
  tcase_add_test(tc, test_no_allocation_in_step);
  tcase_add_test(tc, test_shared_apply_threads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(optim_suite()); }
