/* Refusals that change nothing: a rejected report keeps its step, and
** non-finite values (learning rates, diverging optimizer steps, outputs of
** a forward or an act) give PG_ERR_NUMERIC instead of silently wrong
** numbers. (NaN statistics in a checkpoint: check_io_agent.c.) */
#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static pg_ctx *new_ctx(void) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  return ctx;
}

static pg_agent *reinforce_agent(pg_ctx *ctx, pg_env **env) {
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, *env, 8, 1, &a), PG_OK);
  return a;
}

/* 20 steps in two episodes of 10; a NaN reward on the first terminal step,
** then the same report corrected: two episodes, two updates. */
START_TEST(test_rejected_terminal_report_keeps_the_episode_end) {
  pg_ctx *ctx = new_ctx();
  pg_env *env = NULL;
  pg_agent *a = reinforce_agent(ctx, &env);
  float obs[4] = {0.01f, 0.0f, -0.02f, 0.0f}, act[1];
  int updates = 0;
  for (int s = 0; s < 20; s++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_OK);
    float r = 1.0f, nan_r = NAN;
    int32_t te = s % 10 == 9, tr = 0, two = 2;
    if (te) {
      ck_assert_int_eq(pg_agent_report(a, &nan_r, &te, &tr, 1, obs, 4), PG_ERR_NUMERIC);
      ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "still awaits its report"));
      ck_assert_int_eq(pg_agent_report(a, &r, &two, &tr, 1, obs, 4), PG_ERR_INVALID_ARG);
      ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_ERR_BAD_STATE);
    }
    ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, obs, 4), PG_OK);
    int32_t u = 0;
    ck_assert_int_eq(pg_agent_update(a, &u), PG_OK);
    updates += u;
  }
  double eps = 0, len = 0, steps = 0;
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_EPISODES, &eps), PG_OK);
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_LAST_LENGTH, &len), PG_OK);
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
  ck_assert(eps == 2.0 && len == 10.0 && steps == 20.0);
  ck_assert_int_eq(updates, 2);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

static void tiny_net(pg_ctx *ctx, bool gaussian, pg_net **out) {
  ck_assert_int_eq(pg_net_create(ctx, 2, 4, 1, out), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(*out, 4, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (gaussian)
    ck_assert_int_eq(pg_net_add_gaussian_head(*out, 1, PG_INIT_ORTHOGONAL, 1.0, 0.0), PG_OK);
  else
    ck_assert_int_eq(pg_net_add_categorical_head(*out, 3, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(*out), PG_OK);
}

/* SGD at the largest learning rate accepted. */
static pg_optim *sgd_at_max_rate(pg_net *net) {
  pg_optim *o = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_SGD, &o), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(o, PG_OPTIM_LR, 10.0), PG_OK);
  return o;
}

START_TEST(test_learning_rate_is_bounded) {
  pg_ctx *ctx = new_ctx();
  pg_net *net = NULL;
  tiny_net(ctx, false, &net);
  pg_optim *o = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_SGD, &o), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(o, PG_OPTIM_LR, 1e38), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_optim_set_param(o, PG_OPTIM_LR, 1e300), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "[0, 10]"));
  ck_assert_int_eq(pg_optim_set_param(o, PG_OPTIM_LR, 10.0), PG_OK);
  pg_optim_destroy(o);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A step that would make the parameters non-finite is refused and changes
** nothing; the next forward stays finite. */
START_TEST(test_diverging_optim_step_changes_nothing) {
  pg_ctx *ctx = new_ctx();
  pg_net *net = NULL;
  tiny_net(ctx, false, &net);
  pg_optim *o = sgd_at_max_rate(net);
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
  float *g = malloc(np * sizeof *g), *before = malloc(np * sizeof *g), *after = malloc(np * sizeof *g);
  for (size_t i = 0; i < np; i++) g[i] = 1e38f;
  ck_assert_int_eq(pg_net_set_grads(net, 0, np, g), PG_OK);
  ck_assert_int_eq(pg_net_get_params(net, 0, np, before), PG_OK);
  double norm = 0;
  ck_assert_int_eq(pg_optim_step(o, &norm), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_net_get_params(net, 0, np, after), PG_OK);
  ck_assert(memcmp(before, after, np * sizeof *g) == 0);
  ck_assert_int_eq(pg_net_get_grads(net, 0, np, after), PG_OK);
  ck_assert(memcmp(g, after, np * sizeof *g) == 0); /* not even clipped */
  float x[2] = {0.5f, -0.5f};
  ck_assert_int_eq(pg_net_forward(net, x, 1, NULL), PG_OK);
  /* a finite step still goes through */
  for (size_t i = 0; i < np; i++) g[i] = 0.01f;
  ck_assert_int_eq(pg_net_set_grads(net, 0, np, g), PG_OK);
  ck_assert_int_eq(pg_optim_step(o, &norm), PG_OK);
  free(g);
  free(before);
  free(after);
  pg_optim_destroy(o);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Non-finite parameters (written by the caller) or a huge observation:
** every act and forward path says so instead of returning garbage. */
START_TEST(test_non_finite_outputs_are_refused) {
  pg_ctx *ctx = new_ctx();
  /* Gaussian: an observation of +-3e38 overflows the mean */
  pg_net *gn = NULL;
  tiny_net(ctx, true, &gn);
  float huge[2] = {3e38f, -3e38f}, act[1] = {0};
  ck_assert_int_eq(pg_net_forward(gn, huge, 1, NULL), PG_ERR_NUMERIC);
  pg_policy *p = NULL;
  ck_assert_int_eq(pg_policy_from_net(gn, &p), PG_OK);
  pg_policy_session *s = NULL;
  ck_assert_int_eq(pg_policy_session_create(p, 1, &s), PG_OK);
  ck_assert_int_eq(pg_policy_act(s, huge, 2, NULL, 0, 0, act, 1), PG_ERR_NUMERIC);
  float ok_obs[2] = {0.1f, 0.2f}, a1[1], a2[1];
  ck_assert_int_eq(pg_policy_act(s, ok_obs, 2, NULL, 0, 0, a1, 1), PG_OK);
  /* the failed act left the stream as it was: a fresh session gives the same */
  pg_policy_session *s2 = NULL;
  ck_assert_int_eq(pg_policy_session_create(p, 1, &s2), PG_OK);
  ck_assert_int_eq(pg_policy_act(s2, ok_obs, 2, NULL, 0, 0, a2, 1), PG_OK);
  ck_assert(a1[0] == a2[0]);
  pg_policy_session_destroy(s2);
  pg_policy_session_destroy(s);
  pg_policy_destroy(p);
  /* an agent on that net: step and act refuse, the agent is unchanged */
  pg_agent *ag = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_REINFORCE, gn, NULL, &ag), PG_OK);
  ck_assert_int_eq(pg_agent_step(ag, huge, 2, NULL, 0, act, 1), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_agent_act(ag, huge, 2, NULL, 0, 0, act, 1), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_agent_step(ag, ok_obs, 2, NULL, 0, act, 1), PG_OK); /* not pending before */
  pg_agent_destroy(ag);
  pg_net_destroy(gn);
  /* categorical with NaN parameters: no silent last action */
  pg_net *cn = NULL;
  tiny_net(ctx, false, &cn);
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(cn, &np), PG_OK);
  float nanp = NAN;
  ck_assert_int_eq(pg_net_set_params(cn, 0, 1, &nanp), PG_ERR_NUMERIC); /* refused on the way in */
  /* huge finite parameters: the logits overflow, the probabilities are NaN */
  float *hp = malloc(np * sizeof *hp);
  for (size_t i = 0; i < np; i++) hp[i] = 3e38f;
  ck_assert_int_eq(pg_net_set_params(cn, 0, np, hp), PG_OK);
  free(hp);
  float big[2] = {1.0f, 1.0f};
  ck_assert_int_eq(pg_net_forward(cn, big, 1, NULL), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_REINFORCE, cn, NULL, &ag), PG_OK);
  ck_assert_int_eq(pg_agent_act(ag, big, 2, NULL, 0, 0, act, 1), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "NaN or Inf"));
  pg_agent_destroy(ag);
  pg_net_destroy(cn);
  pg_ctx_destroy(ctx);
}
END_TEST

Suite *robust_suite(void) {
  Suite *s = suite_create("robust");
  TCase *tc = tcase_create("refusals");
  tcase_add_test(tc, test_rejected_terminal_report_keeps_the_episode_end);
  tcase_add_test(tc, test_learning_rate_is_bounded);
  tcase_add_test(tc, test_diverging_optim_step_changes_nothing);
  tcase_add_test(tc, test_non_finite_outputs_are_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(robust_suite()); }
