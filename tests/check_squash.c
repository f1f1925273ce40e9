#define _POSIX_C_SOURCE 200809L
/* tanh-squashed Gaussian actions (PG_PARAM_SQUASH, PPO and PAAC): the
** log-probability correction against the derivative of the squash by
** central finite differences in double (and against the naive
** log(1 - tanh^2) form, finite where that one is not); the host-driven
** step hands the environment squash(u) inside the env's bounds while the
** agent keeps u; the deterministic action is squash(mean); a policy made
** from the agent, its saved file (format version 4, SQSH) and a reloaded
** agent act alike; squash off gives the plain mean and a version-2 file;
** a bare net's agent squashes into [-1, 1]; discrete agents and A3C refuse
** the option. PPO's loss gradient with squash on (the corrected
** log-probability in the ratio): tests/check_ppo.c; the C export compiled
** and compared bit for bit: tests/export/ (pendulum_squash). */
#include "testutil.h"

#include "agents/pg_agent_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a(u) in double, as docs/AGENTS.md defines it */
static double squash_d(double u, double lo, double hi) {
  return lo + (tanh(u) + 1.0) * 0.5 * (hi - lo);
}

START_TEST(test_log_det_matches_finite_differences) {
  static const float bounds[6] = {-2.0f, 0.0f, -1.0f, 2.0f, 5.0f, 3.0f};
  static const double us[] = {-3.1, -1.2, -0.4, 0.0, 0.25, 0.9, 2.2, 4.0};
  for (size_t k = 0; k < sizeof us / sizeof *us; k++) {
    float u[3] = {(float)us[k], (float)(0.5 * us[k]), (float)(-us[k])};
    double got = pg__squash_log_det(u, bounds, 3), want = 0.0, naive = 0.0;
    for (size_t i = 0; i < 3; i++) {
      double lo = bounds[i], hi = bounds[3 + i], x = (double)u[i], h = 1e-5;
      double fd = (squash_d(x + h, lo, hi) - squash_d(x - h, lo, hi)) / (2.0 * h);
      want += log(fd);
      naive += log(0.5 * (hi - lo)) + log(1.0 - tanh(x) * tanh(x));
    }
    ck_assert_msg(fabs(got - want) < 1e-6 * (1.0 + fabs(want)),
                  "u %g: log det %.12g, finite differences %.12g", us[k], got, want);
    ck_assert_msg(fabs(got - naive) < 1e-9 * (1.0 + fabs(naive)), "u %g: %.12g vs %.12g",
                  us[k], got, naive);
    /* the actions themselves: inside the bounds, equal to the double form */
    float a[3];
    pg__squash_actions(u, bounds, 3, a);
    for (size_t i = 0; i < 3; i++) {
      ck_assert(a[i] >= bounds[i] && a[i] <= bounds[3 + i]);
      ck_assert_float_eq(a[i], (float)squash_d((double)u[i], bounds[i], bounds[3 + i]));
    }
  }
  /* far in the tails: 1 - tanh^2 is 0 in double, the stable form is finite */
  float far[2] = {40.0f, -40.0f};
  ck_assert(isinf(log(1.0 - tanh(40.0) * tanh(40.0))));
  double ld = pg__squash_log_det(far, NULL, 2);
  ck_assert_msg(isfinite(ld) && fabs(ld - 2.0 * (2.0 * log(2.0) - 80.0)) < 1e-9, "%.17g", ld);
}
END_TEST

static pg_agent *squash_agent(pg_ctx *ctx, pg_env *env, pg_algorithm algo) {
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 2), PG_OK);
  if (algo == PG_ALGO_PPO) ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 16), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, 1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_INIT, 0.5), PG_OK);
  return a;
}

/* The policy's deterministic action for obs (a fresh session each call). */
static float policy_action(pg_policy *p, const float *obs) {
  pg_policy_session *s = NULL;
  ck_assert_int_eq(pg_policy_session_create(p, 7, &s), PG_OK);
  float y = NAN;
  ck_assert_int_eq(pg_policy_act(s, obs, 3, NULL, 0, 1, &y, 1), PG_OK);
  pg_policy_session_destroy(s);
  return y;
}

START_TEST(test_agent_policy_export_act_alike) {
  pg_algorithm algo = _i ? PG_ALGO_PAAC : PG_ALGO_PPO;
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 3, &env), PG_OK); /* [-2, 2] */
  pg_agent *a = squash_agent(ctx, env, algo);
  /* host-driven steps: the env gets squash(u) in [-2, 2]; the agent keeps u */
  float obs[6] = {1.0f, 0.0f, 0.3f, -0.6f, 0.8f, -4.0f}, act[2], rew[2] = {-1.0f, -2.0f};
  int32_t term[2] = {0, 0}, trunc[2] = {0, 0};
  int outside = 0;
  for (int t = 0; t < 40; t++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 6, NULL, 0, act, 2), PG_OK);
    for (int i = 0; i < 2; i++) {
      float want;
      pg__squash_actions(a->actions + i, a->squash_bounds, 1, &want);
      ck_assert_float_eq(act[i], want);
      ck_assert(act[i] >= -2.0f && act[i] <= 2.0f);
      outside += fabsf(a->actions[i]) > 1.0f; /* u beyond [-1, 1]: not clipped */
    }
    ck_assert_int_eq(pg_agent_report(a, rew, term, trunc, 2, obs, 6), PG_OK);
    int32_t updated = 0;
    ck_assert_int_eq(pg_agent_update(a, &updated), PG_OK);
  }
  ck_assert_int_gt(outside, 0);
  ck_assert_int_eq(pg_agent_train(a, env, 600, NULL, NULL), PG_OK);

  /* deterministic: squash(mean) */
  const float *o0 = obs + 3;
  float y = NAN, mean = NAN, want;
  ck_assert_int_eq(pg_agent_act(a, o0, 3, NULL, 0, 1, &y, 1), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  ck_assert_int_eq(pg_net_forward(net, o0, 1, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_MEAN, &mean, 1), PG_OK);
  pg__squash_actions(&mean, a->squash_bounds, 1, &want);
  ck_assert_float_eq(y, want);

  /* the policy, its file and a reloaded agent act the same */
  pg_policy *p = NULL, *back = NULL;
  ck_assert_int_eq(pg_policy_from_agent(a, &p), PG_OK);
  ck_assert_float_eq(policy_action(p, o0), y);
  size_t size = 0;
  ck_assert_int_eq(pg_policy_save_memory(p, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(p, buf, size, &size), PG_OK);
  ck_assert_uint_eq(buf[4], 4); /* format version 4: older readers refuse it */
  ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &back), PG_OK);
  ck_assert_float_eq(policy_action(back, o0), y);
  pg_policy_destroy(back);
  free(buf);

  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_OK);
  buf = malloc(size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, size, &size), PG_OK);
  pg_agent *b = NULL;
  ck_assert_int_eq(pg_agent_load_memory(ctx, buf, size, &b), PG_OK);
  double v = 0.0;
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_SQUASH, &v), PG_OK);
  ck_assert(v == 1.0);
  ck_assert_float_eq(b->squash_bounds[0], -2.0f);
  ck_assert_float_eq(b->squash_bounds[1], 2.0f);
  float yb = NAN;
  ck_assert_int_eq(pg_agent_act(b, o0, 3, NULL, 0, 1, &yb, 1), PG_OK);
  ck_assert_float_eq(yb, y);
  pg_agent_destroy(b);
  free(buf);

  pg_policy_destroy(p);

  /* squash off: the plain Gaussian action, and a version-2 policy file */
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, 0), PG_OK);
  ck_assert_int_eq(pg_agent_act(a, o0, 3, NULL, 0, 1, &y, 1), PG_OK);
  ck_assert_float_eq(y, mean);
  ck_assert_int_eq(pg_policy_from_agent(a, &p), PG_OK);
  unsigned char head[24];
  ck_assert_int_eq(pg_policy_save_memory(p, NULL, 0, &size), PG_OK);
  buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(p, buf, size, &size), PG_OK);
  memcpy(head, buf, sizeof head);
  ck_assert_uint_eq(head[4], 2);
  free(buf);
  pg_policy_destroy(p);
  pg_agent_destroy(a);
  pg_env_destroy(env);

  /* a discrete agent refuses the option */
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, 1), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_agent_last_error(a), "Gaussian"));
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A bare net's agent squashes into [-1, 1]; A3C does not take the
** option. */
START_TEST(test_default_bounds_and_algorithms) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 8, 3, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 6, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 3.0, 0.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PPO, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, 1), PG_OK);
  float obs[3] = {5.0f, -4.0f, 3.0f}, y[2];
  ck_assert_int_eq(pg_agent_act(a, obs, 3, NULL, 0, 1, y, 2), PG_OK);
  for (int i = 0; i < 2; i++) ck_assert(y[i] >= -1.0f && y[i] <= 1.0f);
  /* the bounds are [-1, 1]: no SQSH section in the agent's file */
  size_t size = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, size, &size), PG_OK);
  for (size_t i = 0; i + 4 <= size; i++) ck_assert(memcmp(buf + i, "SQSH", 4) != 0);
  pg_agent *b = NULL;
  ck_assert_int_eq(pg_agent_load_memory(ctx, buf, size, &b), PG_OK);
  float yb[2];
  ck_assert_int_eq(pg_agent_act(b, obs, 3, NULL, 0, 1, yb, 2), PG_OK);
  ck_assert(memcmp(y, yb, sizeof y) == 0);
  pg_agent_destroy(b);
  free(buf);
  pg_agent_destroy(a);
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_A3C, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, 1), PG_ERR_UNSUPPORTED);
  pg_agent_destroy(a);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("squash");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_log_det_matches_finite_differences);
  tcase_add_loop_test(tc, test_agent_policy_export_act_alike, 0, 2);
  tcase_add_test(tc, test_default_bounds_and_algorithms);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
