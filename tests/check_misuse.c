/* Misuse the library refuses instead of racing or freeing too early:
** reading or writing an asynchronous agent's parameters while its threads
** or worker handles write them (pg_agent_act, pg_agent_step,
** pg_agent_evaluate, pg_policy_from_agent, saving or forwarding its net:
** PG_ERR_BAD_STATE, and OK again afterwards), a parent destroyed before its
** workers (it lives on until the last one goes), and a borrowed net
** destroyed before its agent (the agent holds a reference). This program
** runs in the ThreadSanitizer stage (label threads). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pg_agent *a3c(pg_ctx *ctx, pg_env *env, int threads) {
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_A3C, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_THREADS, threads), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 20), PG_OK);
  return a;
}

enum { N_CALLS = 7 };

typedef struct probe {
  pg_env *env;
  int calls;
  pg_status st[N_CALLS];
  char msg[256];
} probe;

/* Every call that reads the shared parameters; their statuses into st. */
static void read_everything(pg_agent *a, pg_env *env, pg_status st[N_CALLS]) {
  float obs[4] = {0.01f, 0.0f, 0.0f, 0.0f}, act = -1.0f;
  st[0] = pg_agent_act(a, obs, 4, NULL, 0, 1, &act, 1);
  pg_policy *pol = NULL;
  st[1] = pg_policy_from_agent(a, &pol);
  if (pol) ck_assert_int_eq(st[1], PG_OK);
  pg_policy_destroy(pol);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  size_t n = 0;
  st[2] = pg_net_save_memory(net, NULL, 0, &n);
  st[3] = pg_net_forward(net, obs, 1, NULL);
  float p[4];
  st[4] = pg_net_get_params(net, 0, 4, p);
  double mean;
  st[5] = pg_agent_evaluate(a, env, 1, 1, &mean, NULL);
  st[6] = pg_agent_save_memory(a, NULL, 0, &n);
}

static int during_training(void *user, pg_agent *a) {
  probe *pr = user;
  if (pr->calls++ == 0) {
    read_everything(a, pr->env, pr->st);
    snprintf(pr->msg, sizeof pr->msg, "%s", pg_agent_last_error(a));
  }
  return 1; /* one probe is enough: stop */
}

static void expect_all(const pg_status st[N_CALLS], pg_status want, const char *when) {
  for (int i = 0; i < N_CALLS; i++)
    ck_assert_msg(st[i] == want, "%s: call %d gave %d, not %d", when, i, (int)st[i], (int)want);
}

/* From the progress callback of threaded training (TSan reported a torn
** snapshot: every call returned PG_OK). */
START_TEST(test_refused_while_training) {
  int threads = _i ? 2 : 1;
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  pg_agent *a = a3c(ctx, env, threads);
  probe pr;
  memset(&pr, 0, sizeof pr);
  pr.env = env;
  ck_assert_int_eq(pg_agent_train(a, env, 200000, during_training, &pr), PG_OK);
  ck_assert_int_ge(pr.calls, 1);
  expect_all(pr.st, PG_ERR_BAD_STATE, "during pg_agent_train");
  ck_assert_ptr_nonnull(strstr(pr.msg, "training"));
  pg_status after[N_CALLS];
  read_everything(a, env, after);
  expect_all(after, PG_OK, "after pg_agent_train");
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* While host worker handles live, the parent neither acts nor exports
** (the header forbade it, the library did it). */
START_TEST(test_refused_with_live_workers) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  pg_agent *a = a3c(ctx, env, 1), *w1 = NULL, *w2 = NULL;
  ck_assert_int_eq(pg_agent_create_worker(a, &w1), PG_OK);
  ck_assert_int_eq(pg_agent_create_worker(a, &w2), PG_OK);
  pg_status st[N_CALLS];
  read_everything(a, env, st);
  expect_all(st, PG_ERR_BAD_STATE, "two live workers");
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "worker"));
  float obs[4] = {0}, act;
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, &act, 1), PG_ERR_BAD_STATE);
  /* A worker acts on its own theta': allowed. */
  ck_assert_int_eq(pg_agent_act(w1, obs, 4, NULL, 0, 1, &act, 1), PG_OK);
  pg_agent_destroy(w1);
  read_everything(a, env, st);
  expect_all(st, PG_ERR_BAD_STATE, "one live worker");
  pg_agent_destroy(w2);
  read_everything(a, env, st);
  expect_all(st, PG_OK, "no worker");
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* One host-driven step of a worker (its report and update included). */
static void worker_steps(pg_agent *w, int n) {
  float obs[4] = {0.02f, 0.0f, 0.01f, 0.0f}, act, r = 1.0f;
  int32_t te = 0, tr = 0, up = 0;
  for (int i = 0; i < n; i++) {
    te = i % 5 == 4;
    ck_assert_int_eq(pg_agent_step(w, obs, 4, NULL, 0, &act, 1), PG_OK);
    ck_assert_int_eq(pg_agent_report(w, &r, &te, &tr, 1, obs, 4), PG_OK);
    ck_assert_int_eq(pg_agent_update(w, &up), PG_OK);
  }
}

/* Destroying the parent first was a heap use-after-free in the worker's
** destroy (its statistics fold into the parent): now the parent lives on,
** unusable to the caller, until its last worker goes. */
START_TEST(test_parent_destroyed_first) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  pg_agent *a = a3c(ctx, env, 1), *w1 = NULL, *w2 = NULL;
  ck_assert_int_eq(pg_agent_create_worker(a, &w1), PG_OK);
  ck_assert_int_eq(pg_agent_create_worker(a, &w2), PG_OK);
  worker_steps(w1, 12);
  pg_agent_destroy(a);
  worker_steps(w1, 12); /* the shared parameters are still there */
  worker_steps(w2, 12);
  pg_agent_destroy(w1);
  worker_steps(w2, 3);
  pg_agent_destroy(w2); /* frees the parent */
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

/* A net the caller built and passed to pg_agent_create, destroyed before
** the agent: the agent keeps it alive (it was a use-after-free). */
START_TEST(test_borrowed_net_destroyed_first) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *net = NULL, *vnet = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 64, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  ck_assert_int_eq(pg_net_create(ctx, 4, 64, 2, &vnet), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(vnet, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(vnet, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(vnet), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, net, vnet, &a), PG_OK);
  pg_net_destroy(net);
  pg_net_destroy(vnet);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 200, NULL, NULL), PG_OK);
  pg_net *mine = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &mine), PG_OK);
  size_t n;
  ck_assert_int_eq(pg_net_save_memory(mine, NULL, 0, &n), PG_OK);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("misuse");
  TCase *tc = tcase_create("misuse");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_refused_while_training, 0, 2);
  tcase_add_test(tc, test_refused_with_live_workers);
  tcase_add_test(tc, test_parent_destroyed_first);
  tcase_add_test(tc, test_borrowed_net_destroyed_first);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
