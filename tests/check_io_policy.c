/* pg_policy: export from a net, load from net and policy checkpoints,
** deterministic actions equal the training net's, seeded sampling, masks,
** argument errors, no allocation per act, and two threads acting on one
** policy (this program runs in the ThreadSanitizer stage). */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pg_net *make_net(pg_ctx *ctx, int kind) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 16, 7, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 32, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 16, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0), PG_OK);
  if (kind == 0) ck_assert_int_eq(pg_net_add_categorical_head(net, 5, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (kind == 1)
    ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 1.0, -1.0), PG_OK);
  if (kind == 2) ck_assert_int_eq(pg_net_add_q_head(net, 4, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static void obs_row(int i, float o[4]) {
  for (int j = 0; j < 4; j++) o[j] = (float)sin(0.7 * i + 1.3 * j) * 2.0f;
}

/* Deterministic action of row i from the training net. */
static void net_action(pg_net *net, int kind, int i, float *a) {
  float o[4];
  obs_row(i, o);
  ck_assert_int_eq(pg_net_forward(net, o, 1, NULL), PG_OK);
  if (kind == 1) {
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_MEAN, a, 2), PG_OK);
    return;
  }
  float v[5];
  size_t k = kind == 0 ? 5 : 4;
  ck_assert_int_eq(pg_net_get_output(net, kind == 0 ? PG_NET_OUTPUT_LOGITS : PG_NET_OUTPUT_Q, v, k),
                   PG_OK);
  size_t best = 0;
  for (size_t j = 1; j < k; j++)
    if (v[j] > v[best]) best = j;
  a[0] = (float)best;
}

START_TEST(test_matches_net) {
  int kind = _i;
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *net = make_net(ctx, kind);
  pg_policy *from_net = NULL, *from_net_file = NULL, *from_policy_file = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &from_net), PG_OK);
  size_t n;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &n), PG_OK);
  unsigned char *nb = malloc(n);
  ck_assert_int_eq(pg_net_save_memory(net, nb, n, &n), PG_OK);
  ck_assert_int_eq(pg_policy_load_memory(ctx, nb, n, &from_net_file), PG_OK);
  size_t pn;
  ck_assert_int_eq(pg_policy_save_memory(from_net, NULL, 0, &pn), PG_OK);
  ck_assert_uint_lt(pn, n); /* the value head is dropped */
  unsigned char *pb = malloc(pn);
  ck_assert_int_eq(pg_policy_save_memory(from_net, pb, pn, &pn), PG_OK);
  ck_assert_int_eq(pg_policy_load_memory(ctx, pb, pn, &from_policy_file), PG_OK);
  size_t obs, asz, na;
  int32_t ak;
  ck_assert_int_eq(pg_policy_get_shape(from_policy_file, &obs, &asz, &na, &ak), PG_OK);
  ck_assert_uint_eq(obs, 4);
  ck_assert_uint_eq(asz, kind == 1 ? 2 : 1);
  ck_assert_uint_eq(na, kind == 0 ? 5 : kind == 2 ? 4 : 0);
  ck_assert_int_eq(ak, kind == 1 ? PG_ACTION_CONTINUOUS : PG_ACTION_DISCRETE);
  pg_policy *pols[3] = {from_net, from_net_file, from_policy_file};
  pg_policy_session *ses[3];
  for (int p = 0; p < 3; p++) ck_assert_int_eq(pg_policy_session_create(pols[p], 1, &ses[p]), PG_OK);
  long calls_before = al.calls;
  for (int i = 0; i < 50; i++) {
    float want[2], got[2];
    net_action(net, kind, i, want);
    float o[4];
    obs_row(i, o);
    for (int p = 0; p < 3; p++) {
      ck_assert_int_eq(pg_policy_act(ses[p], o, 4, NULL, 0, 1, got, 2), PG_OK);
      ck_assert(memcmp(want, got, asz * sizeof(float)) == 0);
    }
  }
  ck_assert_int_eq(al.calls, calls_before); /* no allocation per act */
  /* Training the net afterwards does not change an exported policy. */
  float zero[4096] = {0};
  ck_assert_int_eq(pg_net_set_params(net, 0, 64, zero), PG_OK);
  float o[4], a1[2], a2[2];
  obs_row(3, o);
  ck_assert_int_eq(pg_policy_act(ses[0], o, 4, NULL, 0, 1, a1, 2), PG_OK);
  ck_assert_int_eq(pg_policy_act(ses[2], o, 4, NULL, 0, 1, a2, 2), PG_OK);
  ck_assert(memcmp(a1, a2, asz * sizeof(float)) == 0);
  /* Destroy order: policies before their sessions is fine. */
  for (int p = 0; p < 3; p++) pg_policy_destroy(pols[p]);
  for (int p = 0; p < 3; p++) pg_policy_session_destroy(ses[p]);
  free(nb);
  free(pb);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

START_TEST(test_sampling) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  pg_policy_session *a = NULL, *b = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 99, &a), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(pol, 99, &b), PG_OK);
  float o[4] = {0.1f, 0.2f, 0.3f, 0.4f}, x, y;
  int counts[5] = {0};
  const uint8_t mask[5] = {1, 0, 1, 0, 1};
  for (int i = 0; i < 2000; i++) {
    ck_assert_int_eq(pg_policy_act(a, o, 4, mask, 5, 0, &x, 1), PG_OK);
    ck_assert_int_eq(pg_policy_act(b, o, 4, mask, 5, 0, &y, 1), PG_OK);
    ck_assert(x == y); /* same seed, same stream */
    counts[(int)x]++;
  }
  ck_assert_int_eq(counts[1] + counts[3], 0);
  ck_assert_int_gt(counts[0], 0);
  ck_assert_int_gt(counts[2], 0);
  ck_assert_int_gt(counts[4], 0);
  ck_assert_int_eq(pg_policy_act(a, o, 4, mask, 5, 1, &x, 1), PG_OK);
  ck_assert(mask[(int)x]);
  ck_assert_int_eq(pg_policy_session_seed(b, 5, 1), PG_OK);
  pg_policy_session_destroy(a);
  pg_policy_session_destroy(b);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_errors) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 2), *vonly = NULL;
  pg_policy *pol = NULL, *bad = (pg_policy *)&ctx;
  ck_assert_int_eq(pg_net_create(ctx, 3, 1, 0, &vonly), PG_OK);
  ck_assert_int_eq(pg_policy_from_net(vonly, &bad), PG_ERR_BAD_STATE);
  ck_assert_ptr_null(bad);
  ck_assert_int_eq(pg_net_add_value_head(vonly, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(vonly), PG_OK);
  ck_assert_int_eq(pg_policy_from_net(vonly, &bad), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_policy_from_net"));
  ck_assert_int_eq(pg_policy_from_net(NULL, &bad), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_from_net(net, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  pg_policy_session *s = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 0, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_session_create(NULL, 0, &s), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_session_create(pol, 0, &s), PG_OK);
  float o[4] = {0}, a = -1, nan_o[4] = {0, NAN, 0, 0};
  uint8_t none[4] = {0}, m3[3] = {1, 1, 1};
  ck_assert_int_eq(pg_policy_act(s, o, 4, NULL, 0, 0, &a, 1), PG_ERR_UNSUPPORTED); /* Q: greedy only */
  ck_assert_ptr_nonnull(strstr(pg_policy_session_last_error(s), "pg_policy_act"));
  ck_assert_int_eq(pg_policy_act(s, o, 3, NULL, 0, 1, &a, 1), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_policy_act(s, o, 4, NULL, 0, 1, &a, 0), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_policy_act(s, o, 4, m3, 3, 1, &a, 1), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_policy_act(s, o, 4, none, 4, 1, &a, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act(s, nan_o, 4, NULL, 0, 1, &a, 1), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_policy_act(s, NULL, 4, NULL, 0, 1, &a, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act(s, o, 4, NULL, 0, 1, NULL, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act(s, o, 4, NULL, 0, 2, &a, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act(NULL, o, 4, NULL, 0, 1, &a, 1), PG_ERR_INVALID_ARG);
  ck_assert(a == -1.0f); /* failed calls write nothing */
  ck_assert_int_eq(pg_policy_act(s, o, 4, NULL, 0, 1, &a, 1), PG_OK);
  ck_assert_int_eq(pg_policy_get_shape(NULL, NULL, NULL, NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_save_file(pol, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_save_cb(pol, NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_load_file(ctx, "/nonexistent/p.pgck", &bad), PG_ERR_IO);
  ck_assert_ptr_null(bad);
  /* A net file whose only head is a value head is not a policy. */
  size_t n;
  ck_assert_int_eq(pg_net_save_memory(vonly, NULL, 0, &n), PG_OK);
  unsigned char *b = malloc(n);
  ck_assert_int_eq(pg_net_save_memory(vonly, b, n, &n), PG_OK);
  ck_assert_int_eq(pg_policy_load_memory(ctx, b, n, &bad), PG_ERR_UNSUPPORTED);
  free(b);
  pg_policy_destroy(NULL);
  pg_policy_session_destroy(NULL);
  pg_policy_session_destroy(s);
  pg_policy_destroy(pol);
  pg_net_destroy(vonly);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- two threads, one read-only policy ------------------------------------ */
typedef struct worker {
  pg_policy_session *s;
  int det;
  float out[400];
  pg_status st;
} worker;

static void *run_worker(void *arg) {
  worker *w = arg;
  w->st = PG_OK;
  for (int i = 0; i < 200 && w->st == PG_OK; i++) {
    float o[4];
    obs_row(i, o);
    w->st = pg_policy_act(w->s, o, 4, NULL, 0, w->det, &w->out[2 * i], 2);
  }
  return NULL;
}

START_TEST(test_two_threads) {
  int kind = _i; /* categorical, Gaussian */
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, kind);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  worker w[2], ref[2];
  for (int t = 0; t < 2; t++) {
    memset(&w[t], 0, sizeof w[t]);
    memset(&ref[t], 0, sizeof ref[t]);
    w[t].det = ref[t].det = t; /* one samples, one acts greedily */
    ck_assert_int_eq(pg_policy_session_create(pol, 11 + (uint64_t)t, &w[t].s), PG_OK);
    ck_assert_int_eq(pg_policy_session_create(pol, 11 + (uint64_t)t, &ref[t].s), PG_OK);
    run_worker(&ref[t]); /* single-threaded reference */
  }
  pthread_t th[2];
  for (int t = 0; t < 2; t++) ck_assert_int_eq(pthread_create(&th[t], NULL, run_worker, &w[t]), 0);
  for (int t = 0; t < 2; t++) ck_assert_int_eq(pthread_join(th[t], NULL), 0);
  for (int t = 0; t < 2; t++) {
    ck_assert_int_eq(w[t].st, PG_OK);
    ck_assert(memcmp(w[t].out, ref[t].out, sizeof w[t].out) == 0);
    pg_policy_session_destroy(w[t].s);
    pg_policy_session_destroy(ref[t].s);
  }
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("io_policy");
  TCase *tc = tcase_create("policy");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_matches_net, 0, 3);
  tcase_add_test(tc, test_sampling);
  tcase_add_test(tc, test_errors);
  tcase_add_loop_test(tc, test_two_threads, 0, 2);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
