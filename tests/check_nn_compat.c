/* Checkpoints written by release 0.1.0 (format version 1, the files in
** tests/data/fixtures-0.1.0) load and act as they did: every net output on
** the fixture inputs and every policy action (sampled and greedy) equals
** what 0.1.0 computed (expected_nn.h). A fixture re-saved by this library
** (format version 2) reloads to the same parameters and the same outputs. */
#include "testutil.h"

#include "nn/pg_nn.h"
#include "pg_serial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/fixtures-0.1.0/expected_nn.h"

#ifndef PG_FIXTURES_DIR
#error "PG_FIXTURES_DIR (tests/data/fixtures-0.1.0) must be defined by the build"
#endif

#define ROWS 3
#define STEPS 16
#define N_OUT 8

/* The inputs make_fixtures.c used. */
static float input_value(size_t row, size_t j) {
  return (float)sin(0.7 * (double)(row * 13 + j) + 0.3) * 1.5f;
}

static const pg_net_output outputs[N_OUT] = {
    PG_NET_OUTPUT_LOGITS, PG_NET_OUTPUT_PROBS, PG_NET_OUTPUT_LOG_PROBS, PG_NET_OUTPUT_ENTROPY,
    PG_NET_OUTPUT_MEAN,   PG_NET_OUTPUT_LOG_STD, PG_NET_OUTPUT_VALUE, PG_NET_OUTPUT_Q};

typedef struct fixture {
  const char *id;            /* net-<id>.pgn, policy-<id>.pgp */
  size_t input_dim;
  const float *out[N_OUT];   /* in the order of outputs[] */
  size_t out_len[N_OUT];     /* 1 with a 0 entry: the output is absent */
  const float *actions;      /* NULL: no policy fixture */
  size_t n_actions;
} fixture;

#define OUTS(p)                                                                         \
  {p##_logits, p##_probs, p##_log_probs, p##_entropy, p##_mean, p##_log_std, p##_value,  \
   p##_q},                                                                              \
  {sizeof p##_logits / 4, sizeof p##_probs / 4, sizeof p##_log_probs / 4,               \
   sizeof p##_entropy / 4, sizeof p##_mean / 4, sizeof p##_log_std / 4,                 \
   sizeof p##_value / 4, sizeof p##_q / 4}

static const fixture fixtures[] = {
    {"categorical-value", 4, OUTS(net_categorical_value), policy_categorical_value_actions,
     sizeof policy_categorical_value_actions / 4},
    {"gaussian-value", 3, OUTS(net_gaussian_value), policy_gaussian_value_actions,
     sizeof policy_gaussian_value_actions / 4},
    {"q", 5, OUTS(net_q), policy_q_actions, sizeof policy_q_actions / 4},
    {"no-trunk", 4, OUTS(net_no_trunk), policy_no_trunk_actions,
     sizeof policy_no_trunk_actions / 4},
    {"value", 2, OUTS(net_value), NULL, 0},
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static void path_of(char *buf, size_t cap, const char *prefix, const char *id, const char *ext) {
  snprintf(buf, cap, "%s/%s-%s.%s", PG_FIXTURES_DIR, prefix, id, ext);
}

/* Equal up to float rounding differences between kernel builds (this
** build's kernels give the 0.1.0 numbers exactly; other compilers and
** instruction sets may differ in the last bits). */
static void expect_close(const char *what, size_t i, float got, float want) {
  double tol = 1e-5 * (1.0 + fabs((double)want));
  if (isinf(want)) ck_assert_msg(got == want, "%s[%zu]: %a, want %a", what, i, got, want);
  else ck_assert_msg(fabs((double)got - (double)want) <= tol, "%s[%zu]: %a, want %a", what, i,
                     (double)got, (double)want);
}

static void expect_outputs(const fixture *f, pg_net *net) {
  float x[ROWS * 16], buf[ROWS * 16];
  for (size_t r = 0; r < ROWS; r++)
    for (size_t j = 0; j < f->input_dim; j++) x[r * f->input_dim + j] = input_value(r, j);
  ck_assert_int_eq(pg_net_forward(net, x, ROWS, NULL), PG_OK);
  for (int o = 0; o < N_OUT; o++) {
    size_t w;
    ck_assert_int_eq(pg_net_output_size(net, outputs[o], &w), PG_OK);
    size_t rows = outputs[o] == PG_NET_OUTPUT_LOG_STD ? 1 : ROWS;
    if (!w) {
      ck_assert_uint_eq(f->out_len[o], 1); /* absent in 0.1.0 too */
      continue;
    }
    ck_assert_uint_eq(f->out_len[o], rows * w);
    ck_assert_int_eq(pg_net_get_output(net, outputs[o], buf, sizeof buf / sizeof buf[0]), PG_OK);
    for (size_t i = 0; i < rows * w; i++) expect_close(f->id, i, buf[i], f->out[o][i]);
  }
}

static void expect_actions(const fixture *f, pg_policy *pol) {
  size_t obs, asize, nact;
  int32_t kind;
  ck_assert_int_eq(pg_policy_get_shape(pol, &obs, &asize, &nact, &kind), PG_OK);
  ck_assert_uint_eq(obs, f->input_dim);
  pg_policy_session *s = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 7, &s), PG_OK);
  float x[16], a[16];
  size_t n = 0;
  for (int det = 0; det < 2; det++) {
    for (int t = 0; t < (det ? ROWS : STEPS); t++) {
      for (size_t j = 0; j < obs; j++) x[j] = input_value((size_t)t % ROWS, j);
      pg_status st = pg_policy_act(s, x, obs, NULL, 0, det, a, asize);
      if (st == PG_ERR_UNSUPPORTED && !det) break; /* a Q policy acts only greedily */
      ck_assert_int_eq(st, PG_OK);
      for (size_t j = 0; j < asize; j++, n++) {
        ck_assert_uint_lt(n, f->n_actions);
        if (kind == PG_ACTION_DISCRETE) ck_assert_float_eq(a[j], f->actions[n]);
        else expect_close(f->id, n, a[j], f->actions[n]);
      }
    }
  }
  ck_assert_uint_eq(n, f->n_actions);
  pg_policy_session_destroy(s);
}

START_TEST(test_net_fixture) {
  const fixture *f = &fixtures[_i];
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  char path[512];
  path_of(path, sizeof path, "net", f->id, "pgn");
  pg_net *net = NULL;
  ck_assert_msg(pg_net_load_file(ctx, path, &net) == PG_OK, "%s: %s", path,
                pg_ctx_last_error(ctx));
  expect_outputs(f, net);
  if (f->actions) { /* a net file loads as a policy too */
    pg_policy *pol = NULL;
    ck_assert_int_eq(pg_policy_load_file(ctx, path, &pol), PG_OK);
    expect_actions(f, pol);
    pg_policy_destroy(pol);
    ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
    expect_actions(f, pol);
    pg_policy_destroy(pol);
  }

  /* Re-saved now: format version 2, same parameters, same outputs. */
  size_t size, count;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_net_save_memory(net, buf, size, &size), PG_OK);
  ck_assert_uint_eq(buf[4], PG__FORMAT_VERSION_BASE);
  ck_assert_uint_eq(PG__FORMAT_VERSION_BASE, 2);
  pg_net *again = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &again), PG_OK);
  ck_assert_int_eq(pg_net_param_count(net, &count), PG_OK);
  float *p1 = malloc(count * sizeof *p1), *p2 = malloc(count * sizeof *p2);
  ck_assert_int_eq(pg_net_get_params(net, 0, count, p1), PG_OK);
  ck_assert_int_eq(pg_net_get_params(again, 0, count, p2), PG_OK);
  ck_assert(memcmp(p1, p2, count * sizeof *p1) == 0);
  expect_outputs(f, again);
  ck_assert_int_eq(pg_net_copy_params(again, net), PG_OK); /* same architecture */
  free(p1);
  free(p2);
  free(buf);
  pg_net_destroy(again);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_policy_fixture) {
  const fixture *f = &fixtures[_i];
  if (!f->actions) return;
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  char path[512];
  path_of(path, sizeof path, "policy", f->id, "pgp");
  pg_policy *pol = NULL;
  ck_assert_msg(pg_policy_load_file(ctx, path, &pol) == PG_OK, "%s: %s", path,
                pg_ctx_last_error(ctx));
  expect_actions(f, pol);
  /* Re-saved in version 2, it acts the same. */
  size_t size;
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(pol, buf, size, &size), PG_OK);
  ck_assert_uint_eq(buf[4], PG__FORMAT_VERSION_BASE);
  pg_policy *again = NULL;
  ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &again), PG_OK);
  expect_actions(f, again);
  free(buf);
  pg_policy_destroy(again);
  pg_policy_destroy(pol);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_compat");
  TCase *tc = tcase_create("fixtures-0.1.0");
  tcase_add_loop_test(tc, test_net_fixture, 0, (int)N_FIXTURES);
  tcase_add_loop_test(tc, test_policy_fixture, 0, (int)N_FIXTURES);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
