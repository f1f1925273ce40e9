/* Agents: parameters, bad input, hand-computed updates, n-step returns,
** learning on CartPole with fixed seeds, threads, no allocation per step. */
#include "testutil.h"

#include "agents/pg_agent_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static pg_agent *make_agent(pg_ctx *ctx, pg_algorithm algo, const char *env_name,
                            pg_env **out_env, int units) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, env_name, 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, units, units ? 1 : 0, &a), PG_OK);
  *out_env = env;
  return a;
}

START_TEST(test_params) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *env;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env, 16);
  double v, lo, hi;
  ck_assert_int_eq(pg_agent_get_param(a, PG_PARAM_NUM_ENVS, &v), PG_OK);
  ck_assert(v == 32);
  ck_assert_int_eq(pg_agent_get_param(a, PG_PARAM_LR, &v), PG_OK);
  ck_assert(fabs(v - 0.005) < 1e-12);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 16), PG_OK);
  ck_assert_int_eq(pg_agent_get_param(a, PG_PARAM_LR, &v), PG_OK); /* follows n_e */
  ck_assert(fabs(v - 0.0025) < 1e-12);
  ck_assert_int_eq(pg_agent_set_param_by_name(a, "entropy_beta", 0.02), PG_OK);
  ck_assert_int_eq(pg_agent_get_param(a, PG_PARAM_ENTROPY_BETA, &v), PG_OK);
  ck_assert(v == 0.02);
  ck_assert_int_eq(pg_agent_set_param_by_name(a, "nope", 1), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "nope"));
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_GAMMA, 1.5), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_GAMMA, NAN), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 2.5), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_HOGWILD, 1), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_agent_set_param(a, (pg_param)999, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_param_bounds(a, PG_PARAM_GAMMA, &lo, &hi), PG_OK);
  ck_assert(lo == 0 && hi == 1);
  ck_assert_int_eq(pg_agent_param_bounds(a, PG_PARAM_GAMMA, NULL, &hi), PG_ERR_INVALID_ARG);
  pg_param p;
  ck_assert_int_eq(pg_param_from_name("t_max", &p), PG_OK);
  ck_assert_int_eq(p, PG_PARAM_T_MAX);
  ck_assert_str_eq(pg_param_name(PG_PARAM_CLIP_NORM), "clip_norm");
  ck_assert_ptr_null(pg_param_name((pg_param)999));
  ck_assert_str_eq(pg_algorithm_name(PG_ALGO_PAAC), "paac");
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_EPISODES, &v), PG_OK);
  ck_assert(v == 0);
  ck_assert_int_eq(pg_agent_get_stat(a, (pg_stat)999, &v), PG_ERR_INVALID_ARG);
  pg_agent_destroy(a);
  pg_env_destroy(env);

  a = make_agent(ctx, PG_ALGO_ACTOR_CRITIC, "CartPole-v1", &env, 16);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 2), PG_ERR_OUT_OF_RANGE);
  pg_net *vn = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 1, &vn), PG_OK);
  ck_assert_ptr_nonnull(vn);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  a = make_agent(ctx, PG_ALGO_REINFORCE, "CartPole-v1", &env, 16);
  ck_assert_int_eq(pg_agent_get_net(a, 1, &vn), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_VALUE_LR, 0.1), PG_ERR_UNSUPPORTED);
  pg_agent *b = NULL;
  /* Q-learning needs a discrete action space. */
  pg_env *cont = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &cont), PG_OK);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_ASYNC_N_STEP_Q, cont, 8, 1, &b),
                   PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(b);
  pg_env_destroy(cont);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, (pg_algorithm)77, env, 8, 1, &b),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 8, 99, &b),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_null(b);
  pg_agent_destroy(a);
  pg_agent_destroy(NULL);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

START_TEST(test_host_loop_bad_input) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *env;
  pg_agent *a = make_agent(ctx, PG_ALGO_REINFORCE, "CartPole-v1", &env, 8);
  float obs[4] = {0.01f, 0.0f, 0.02f, 0.0f}, act[1], r = 1.0f;
  int32_t te = 0, tr = 0, upd = 7;
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK); /* no data */
  ck_assert_int_eq(upd, 0);
  ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, obs, 4), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_agent_step(a, NULL, 4, NULL, 0, act, 1), PG_ERR_INVALID_ARG);
  float bad[4] = {0.0f, NAN, 0.0f, 0.0f};
  ck_assert_int_eq(pg_agent_step(a, bad, 4, NULL, 0, act, 1), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_step"));
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_OK);
  ck_assert(act[0] == 0.0f || act[0] == 1.0f);
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_ERR_BAD_STATE); /* not reported */
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_ERR_BAD_STATE);
  float nan_r = NAN;
  /* a rejected report consumes nothing: the step still awaits its report */
  ck_assert_int_eq(pg_agent_report(a, &nan_r, &te, &tr, 1, obs, 4), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_ERR_BAD_STATE);
  int32_t two = 2;
  ck_assert_int_eq(pg_agent_report(a, &r, &two, &tr, 1, obs, 4), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, NULL, 4), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, obs, 4), PG_OK);
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_OK);
  te = 1;
  ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, obs, 4), PG_OK);
  /* the episode ended: REINFORCE must learn before the next step */
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
  ck_assert_int_eq(upd, 1);
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
  ck_assert_int_eq(upd, 0);
  double eps;
  pg_agent_get_stat(a, PG_STAT_EPISODES, &eps);
  ck_assert(eps == 1);
  uint8_t mask[2] = {0, 0};
  ck_assert_int_eq(pg_agent_act(a, obs, 4, mask, 2, 1, act, 1), PG_ERR_INVALID_ARG);
  mask[1] = 1;
  ck_assert_int_eq(pg_agent_act(a, obs, 4, mask, 2, 1, act, 1), PG_OK);
  ck_assert(act[0] == 1.0f);
  ck_assert_int_eq(pg_agent_train(a, env, -1, NULL, NULL), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_agent_evaluate(a, env, 0, 1, NULL, NULL), PG_ERR_OUT_OF_RANGE);
  pg_env *pend = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &pend), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, pend, 10, NULL, NULL), PG_ERR_SHAPE);
  pg_env_destroy(pend);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* The agent's checkpoint (between steps), malloc'd. */
static unsigned char *agent_bytes(pg_agent *a, size_t *n) {
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, n), PG_OK);
  unsigned char *b = malloc(*n);
  ck_assert_ptr_nonnull(b);
  ck_assert_int_eq(pg_agent_save_memory(a, b, *n, n), PG_OK);
  return b;
}

static void assert_msg(pg_ctx *ctx, const char *want) {
  ck_assert_msg(strstr(pg_ctx_last_error(ctx), want) != NULL, "message '%s' lacks '%s'",
                pg_ctx_last_error(ctx), want);
}

/* Wrong lengths give PG_ERR_SHAPE with a message naming the function, the
** argument, the expected and the given length, and leave the agent as it
** was: agent b gets every bad call before its good ones and must act and
** save exactly like its twin a, which never sees them. 2 slots, PAAC. */
START_TEST(test_host_loop_lengths) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *env_a, *env_b;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env_a, 8);
  pg_agent *b = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env_b, 8);
  pg_agent *both[2] = {a, b};
  for (int k = 0; k < 2; k++) {
    ck_assert_int_eq(pg_agent_set_param(both[k], PG_PARAM_NUM_ENVS, 2), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(both[k], PG_PARAM_T_MAX, 3), PG_OK);
  }
  float obs[8], act_a[2], act_b[3], rew[2] = {1.0f, 0.5f}, x[4] = {0.1f, 0.0f, -0.1f, 0.2f}, y[2];
  int32_t te[2] = {0, 0}, tr[2] = {0, 0}, ua, ub;
  uint8_t mask[4] = {1, 0, 1, 1};
  for (int t = 0; t < 10; t++) {
    for (int i = 0; i < 8; i++) obs[i] = 0.05f * (float)((t * 8 + i) % 7) - 0.15f;
    const uint8_t *m = t % 3 == 1 ? mask : NULL;
    size_t ml = m ? 4 : 0;
    /* step: each length wrong in turn */
    ck_assert_int_eq(pg_agent_step(b, obs, 7, m, ml, act_b, 2), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_step: obs_len is 7, expected 8 (2 slots x 4)");
    ck_assert_int_eq(pg_agent_step(b, obs, 4, m, ml, act_b, 2), PG_ERR_SHAPE);
    ck_assert_int_eq(pg_agent_step(b, obs, 8, mask, 3, act_b, 2), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_step: mask_len is 3, expected 4 (2 slots x 2)");
    ck_assert_int_eq(pg_agent_step(b, obs, 8, mask, 0, act_b, 2), PG_ERR_SHAPE);
    ck_assert_int_eq(pg_agent_step(b, obs, 8, m, ml, act_b, 3), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_step: actions_len is 3, expected 2 (2 slots x 1)");
    ck_assert_int_eq(pg_agent_step(b, obs, 8, m, ml, act_b, 1), PG_ERR_SHAPE);
    /* act: one row */
    ck_assert_int_eq(pg_agent_act(b, x, 8, NULL, 0, 1, y, 1), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_act: obs_len is 8, expected 4 (1 row x 4)");
    ck_assert_int_eq(pg_agent_act(b, x, 4, mask, 4, 1, y, 1), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_act: mask_len is 4, expected 2 (1 row x 2)");
    ck_assert_int_eq(pg_agent_act(b, x, 4, NULL, 0, 1, y, 2), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_act: action_len is 2, expected 1 (1 row x 1)");
    /* the good step; mask_len is ignored without a mask */
    act_b[2] = -7.0f;
    ck_assert_int_eq(pg_agent_step(a, obs, 8, m, ml, act_a, 2), PG_OK);
    ck_assert_int_eq(pg_agent_step(b, obs, 8, m, m ? ml : 99, act_b, 2), PG_OK);
    ck_assert(act_a[0] == act_b[0] && act_a[1] == act_b[1]);
    ck_assert(act_b[2] == -7.0f); /* nothing written past actions_len */
    if (m) ck_assert(act_b[0] == 0.0f);
    /* report: n and next_obs_len wrong; the step still awaits its report */
    te[0] = t % 4 == 3;
    tr[1] = t % 5 == 4;
    ck_assert_int_eq(pg_agent_report(b, rew, te, tr, 1, obs, 8), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_report: n is 1, expected 2");
    ck_assert_int_eq(pg_agent_report(b, rew, te, tr, 3, obs, 8), PG_ERR_SHAPE);
    ck_assert_int_eq(pg_agent_report(b, rew, te, tr, 2, obs, 4), PG_ERR_SHAPE);
    assert_msg(ctx, "pg_agent_report: next_obs_len is 4, expected 8 (2 slots x 4)");
    ck_assert_int_eq(pg_agent_report(b, rew, te, tr, 2, obs, 9), PG_ERR_SHAPE);
    ck_assert_int_eq(pg_agent_step(b, obs, 8, NULL, 0, act_b, 2), PG_ERR_BAD_STATE);
    ck_assert_int_eq(pg_agent_report(a, rew, te, tr, 2, obs, 8), PG_OK);
    ck_assert_int_eq(pg_agent_report(b, rew, te, tr, 2, obs, 8), PG_OK);
    ck_assert_int_eq(pg_agent_update(a, &ua), PG_OK);
    ck_assert_int_eq(pg_agent_update(b, &ub), PG_OK);
    ck_assert_int_eq(ua, ub);
  }
  double steps, updates;
  pg_agent_get_stat(b, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(b, PG_STAT_UPDATES, &updates);
  ck_assert(steps == 20 && updates == 3);
  size_t na, nb;
  unsigned char *ba = agent_bytes(a, &na), *bb = agent_bytes(b, &nb);
  ck_assert_uint_eq(na, nb);
  ck_assert(memcmp(ba, bb, na) == 0);
  free(ba);
  free(bb);
  /* still usable: inference and library-driven training */
  ck_assert_int_eq(pg_agent_act(b, x, 4, mask, 2, 1, y, 1), PG_OK);
  ck_assert(y[0] == 0.0f);
  ck_assert_int_eq(pg_agent_train(b, env_b, 200, NULL, NULL), PG_OK);
  pg_agent_destroy(a);
  pg_agent_destroy(b);
  pg_env_destroy(env_a);
  pg_env_destroy(env_b);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* pg_agent_get_shape: the sizes of the host-driven calls; n_slots follows
** PG_PARAM_NUM_ENVS before the next step. */
START_TEST(test_agent_get_shape) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *env;
  size_t os = 0, al = 0, na = 0, ns = 0;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env, 8);
  ck_assert_int_eq(pg_agent_get_shape(a, &os, &al, &na, &ns), PG_OK);
  ck_assert(os == 4 && al == 1 && na == 2 && ns == 32);
  ck_assert_int_eq(pg_agent_get_shape(a, NULL, NULL, NULL, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_get_shape(NULL, &os, &al, &na, &ns), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 3), PG_OK);
  ns = 0;
  ck_assert_int_eq(pg_agent_get_shape(a, NULL, NULL, NULL, &ns), PG_OK);
  ck_assert_uint_eq(ns, 3);
  float obs[12] = {0}, act[3], rew[3] = {1, 1, 1};
  int32_t te[3] = {0}, tr[3] = {0};
  ck_assert_int_eq(pg_agent_step(a, obs, 12, NULL, 0, act, 3), PG_OK);
  ck_assert_int_eq(pg_agent_report(a, rew, te, tr, 3, obs, 12), PG_OK);
  ck_assert_int_eq(pg_agent_get_shape(a, NULL, NULL, NULL, &ns), PG_OK);
  ck_assert_uint_eq(ns, 3);
  ck_assert_int_eq(pg_agent_update(a, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 2), PG_OK); /* drops the segment */
  ck_assert_int_eq(pg_agent_get_shape(a, NULL, NULL, NULL, &ns), PG_OK);
  ck_assert_uint_eq(ns, 2);
  ck_assert_int_eq(pg_agent_step(a, obs, 12, NULL, 0, act, 3), PG_ERR_SHAPE);
  assert_msg(ctx, "obs_len is 12, expected 8 (2 slots x 4)");
  ck_assert_int_eq(pg_agent_step(a, obs, 8, NULL, 0, act, 2), PG_OK);
  ck_assert_int_eq(pg_agent_report(a, rew, te, tr, 2, obs, 8), PG_OK);
  pg_agent_destroy(a);
  pg_env_destroy(env);

  /* continuous: action_len = the dimension, no mask (n_actions 0) */
  a = make_agent(ctx, PG_ALGO_REINFORCE, "Pendulum-v1", &env, 8);
  ck_assert_int_eq(pg_agent_get_shape(a, &os, &al, &na, &ns), PG_OK);
  ck_assert(os == 3 && al == 1 && na == 0 && ns == 1);
  float o3[3] = {0.1f, 0.2f, 0.3f}, u[1];
  uint8_t one = 1;
  ck_assert_int_eq(pg_agent_act(a, o3, 3, &one, 1, 1, u, 1), PG_ERR_INVALID_ARG);
  assert_msg(ctx, "a mask needs a discrete policy");
  ck_assert_int_eq(pg_agent_act(a, o3, 3, NULL, 0, 1, u, 1), PG_OK);
  ck_assert_int_eq(pg_agent_step(a, o3, 3, NULL, 0, u, 1), PG_OK);
  pg_agent_destroy(a);
  pg_env_destroy(env);

  /* Q-values: a discrete action space like a categorical policy */
  a = make_agent(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, "CartPole-v1", &env, 8);
  ck_assert_int_eq(pg_agent_get_shape(a, &os, &al, &na, &ns), PG_OK);
  ck_assert(os == 4 && al == 1 && na == 2 && ns == 1);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* A linear softmax policy on the constant observation [1] (Example 13.1's
** features): logits = W*1 + b, so both W and b get the gradient. */
static pg_net *linear_policy(pg_ctx *ctx, bool value) {
  pg_net *n = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 1, 64, 1, &n), PG_OK);
  if (value)
    ck_assert_int_eq(pg_net_add_value_head(n, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  else
    ck_assert_int_eq(pg_net_add_categorical_head(n, 2, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(n), PG_OK);
  return n;
}

/* The hand-checked agents: the linear policy and value nets above with fixed
** parameters, plain SGD with rates at and aw, discount g. The nets are
** borrowed: the caller destroys them after the agent. */
static const float hand_p0[4] = {0.1f, -0.2f, 0.05f, 0.0f}, hand_w0[2] = {0.3f, 0.2f};

static pg_agent *hand_agent(pg_ctx *ctx, pg_algorithm algo, double at, double aw, double g,
                            pg_net **pn, pg_net **vn) {
  *pn = linear_policy(ctx, false);
  *vn = linear_policy(ctx, true);
  ck_assert_int_eq(pg_net_set_params(*pn, 0, 4, hand_p0), PG_OK);
  ck_assert_int_eq(pg_net_set_params(*vn, 0, 2, hand_w0), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, algo, *pn, *vn, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, at), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_VALUE_LR, aw), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_GAMMA, g), PG_OK);
  return a;
}

START_TEST(test_reinforce_baseline_hand_step) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  const double at = 0.125, aw = 0.25, g = 0.5;
  pg_net *pn, *vn;
  pg_agent *a = hand_agent(ctx, PG_ALGO_REINFORCE_BASELINE, at, aw, g, &pn, &vn);
  const float *p0 = hand_p0, *w0 = hand_w0;
  float obs[1] = {1.0f}, act[3];
  float rew[3] = {-1.0f, 2.0f, 0.5f};
  for (int t = 0; t < 3; t++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 1, NULL, 0, &act[t], 1), PG_OK);
    int32_t te = t == 2, tr = 0;
    ck_assert_int_eq(pg_agent_report(a, &rew[t], &te, &tr, 1, obs, 1), PG_OK);
  }
  int32_t upd = 0;
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
  ck_assert_int_eq(upd, 1);
  /* by hand: G_t, delta_t = G_t - v, theta += at*sum delta_t*(onehot - p),
  ** w += aw*sum delta_t*x (x = 1 for both W and b) */
  double z0 = p0[0] + p0[2], z1 = p0[1] + p0[3];
  double pr1 = 1.0 / (1.0 + exp(z0 - z1)), pr[2] = {1.0 - pr1, pr1};
  double v = (double)w0[0] + (double)w0[1], G = 0.0, dth[2] = {0, 0}, dw = 0.0;
  for (int t = 2; t >= 0; t--) {
    G = rew[t] + g * G;
    double d = G - v;
    dw += d;
    for (int k = 0; k < 2; k++) dth[k] += d * (((int)act[t] == k) - pr[k]);
  }
  float p1[4], w1[2];
  ck_assert_int_eq(pg_net_get_params(pn, 0, 4, p1), PG_OK);
  ck_assert_int_eq(pg_net_get_params(vn, 0, 2, w1), PG_OK);
  for (int k = 0; k < 2; k++) {
    ck_assert_double_eq_tol(p1[k], p0[k] + at * dth[k], 1e-5);     /* W */
    ck_assert_double_eq_tol(p1[2 + k], p0[2 + k] + at * dth[k], 1e-5); /* b */
    ck_assert_double_eq_tol(w1[k], w0[k] + aw * dw, 1e-5);
  }
  pg_agent_destroy(a);
  pg_net_destroy(pn);
  pg_net_destroy(vn);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* Plain REINFORCE (Alg. 13.3 without gamma^t) on the linear softmax policy:
** G_t by hand, then theta += alpha * G_t * (onehot(A_t) - p) * x for each t,
** either summed at the episode's parameters (default) or applied one t at a
** time with p recomputed after each step (per_step_updates = 1). */
static void reinforce_hand_step(int per_step) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_net *pn = linear_policy(ctx, false);
  float p0[4] = {0.2f, -0.1f, -0.05f, 0.1f};
  ck_assert_int_eq(pg_net_set_params(pn, 0, 4, p0), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_REINFORCE, pn, NULL, &a), PG_OK);
  const double al = 0.25, g = 0.5;
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, al), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_GAMMA, g), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_PER_STEP_UPDATES, per_step), PG_OK);
  float obs[1] = {1.0f}, act[3];
  float rew[3] = {1.0f, -2.0f, 3.0f};
  for (int t = 0; t < 3; t++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 1, NULL, 0, &act[t], 1), PG_OK);
    int32_t te = t == 2, tr = 0;
    ck_assert_int_eq(pg_agent_report(a, &rew[t], &te, &tr, 1, obs, 1), PG_OK);
  }
  int32_t upd = 0;
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
  ck_assert_int_eq(upd, 1);
  double G[3], acc = 0.0;
  for (int t = 2; t >= 0; t--) G[t] = acc = rew[t] + g * acc;
  double W[2] = {p0[0], p0[1]}, b[2] = {p0[2], p0[3]}, dW[2] = {0, 0};
  for (int t = 0; t < 3; t++) {
    double z0 = W[0] + b[0], z1 = W[1] + b[1];
    double pr1 = 1.0 / (1.0 + exp(z0 - z1)), pr[2] = {1.0 - pr1, pr1};
    for (int k = 0; k < 2; k++) {
      double d = al * G[t] * (((int)act[t] == k) - pr[k]);
      if (per_step) {
        W[k] += d;
        b[k] += d;
      } else {
        dW[k] += d;
      }
    }
  }
  float p1[4];
  ck_assert_int_eq(pg_net_get_params(pn, 0, 4, p1), PG_OK);
  for (int k = 0; k < 2; k++) {
    ck_assert_double_eq_tol(p1[k], W[k] + dW[k], 1e-5);
    ck_assert_double_eq_tol(p1[2 + k], b[k] + dW[k], 1e-5);
  }
  pg_agent_destroy(a);
  pg_net_destroy(pn);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}

START_TEST(test_reinforce_hand_step) { reinforce_hand_step(0); }
END_TEST
START_TEST(test_reinforce_hand_step_per_step) { reinforce_hand_step(1); }
END_TEST

/* One-step actor-critic (Alg. 13.5 without I) on linear nets of a scalar
** observation x: logits_k = W_k x + b_k, v(x) = w x + c, plain SGD. Three
** steps, each learned at once with the parameters left by the previous one:
** t=0 x=0.5 -> 2 (running: delta = r + gamma v(2) - v(0.5)), t=1 x=2 -> -1
** truncated (delta = r + gamma v(-1), bootstrapped from the true final obs),
** t=2 x=1.5 -> 3 terminated (delta = r - v(1.5), v(terminal) = 0). Then
** theta += a_t delta (onehot - p) [x, 1], w += a_w delta [x, 1]. */
START_TEST(test_actor_critic_hand_step) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  const double at = 0.125, aw = 0.25, g = 0.75;
  pg_net *pn, *vn;
  pg_agent *a = hand_agent(ctx, PG_ALGO_ACTOR_CRITIC, at, aw, g, &pn, &vn);
  const float *p0 = hand_p0, *w0 = hand_w0;
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_ENTROPY_BETA, 0.0), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_CLIP_NORM, 0.0), PG_OK);
  const float xs[3] = {0.5f, 2.0f, 1.5f}, xn[3] = {2.0f, -1.0f, 3.0f};
  const float rew[3] = {1.0f, -0.5f, 2.0f};
  const int32_t te[3] = {0, 0, 1}, tr[3] = {0, 1, 0};
  double W[2] = {p0[0], p0[1]}, B[2] = {p0[2], p0[3]}, w = w0[0], cb = w0[1];
  for (int t = 0; t < 3; t++) {
    float act = -1.0f;
    ck_assert_int_eq(pg_agent_step(a, &xs[t], 1, NULL, 0, &act, 1), PG_OK);
    ck_assert_int_eq(pg_agent_report(a, &rew[t], &te[t], &tr[t], 1, &xn[t], 1), PG_OK);
    int32_t upd = 0;
    ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
    ck_assert_int_eq(upd, 1);
    double x = xs[t], z0 = W[0] * x + B[0], z1 = W[1] * x + B[1];
    double pr1 = 1.0 / (1.0 + exp(z0 - z1)), pr[2] = {1.0 - pr1, pr1};
    double vnext = te[t] ? 0.0 : w * xn[t] + cb;
    double delta = rew[t] + g * vnext - (w * x + cb);
    for (int k = 0; k < 2; k++) {
      double d = at * delta * (((int)act == k) - pr[k]);
      W[k] += d * x;
      B[k] += d;
    }
    w += aw * delta * x;
    cb += aw * delta;
    float p1[4], w1[2];
    ck_assert_int_eq(pg_net_get_params(pn, 0, 4, p1), PG_OK);
    ck_assert_int_eq(pg_net_get_params(vn, 0, 2, w1), PG_OK);
    for (int k = 0; k < 2; k++) {
      ck_assert_double_eq_tol(p1[k], W[k], 1e-5);
      ck_assert_double_eq_tol(p1[2 + k], B[k], 1e-5);
    }
    ck_assert_double_eq_tol(w1[0], w, 1e-5);
    ck_assert_double_eq_tol(w1[1], cb, 1e-5);
  }
  pg_agent_destroy(a);
  pg_net_destroy(pn);
  pg_net_destroy(vn);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

START_TEST(test_nstep_returns) {
  /* 3 steps x 3 slots, gamma 0.5: slot 0 runs through (bootstrap 10), slot
  ** 1 terminates at t=1 (then a new episode, bootstrap 4), slot 2 is
  ** truncated at t=0 (V(final) = 8), then terminates at t=2. */
  float r[9] = {1, 2, 3, 1, 1, 1, 2, 2, 2};
  int32_t te[9] = {0, 0, 0, 0, 1, 0, 0, 0, 1}, tr[9] = {0, 0, 1, 0, 0, 0, 0, 0, 0};
  float bt[9] = {0, 0, 8, 0, 0, 0, 0, 0, 0}, bl[3] = {10, 4, 99}, R[9];
  pg__nstep_returns(3, 3, 0.5f, r, te, tr, bt, bl, R);
  float want[9] = {3.25f, 2.5f, 7, 4.5f, 1, 2, 7, 4, 2};
  for (int i = 0; i < 9; i++) ck_assert_float_eq_tol(R[i], want[i], 1e-6f);
}
END_TEST

/* Scripted transitions through the host loop: reward 1 per step, obs [t];
** the episode ends at t = 1 (truncated, or terminated when `term`), so
** R_1 = 1 + gamma*V(final obs 2) or 1; R_2 = 1 + gamma*V(3); R_0 = 1 +
** gamma*R_1. Checked through PG_STAT_VALUE_LOSS = mean (R_t - V(s_t))^2 with
** lr 0 (parameters unchanged). */
static void paac_bootstrap(int term) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_net *n = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 1, 64, 1, &n), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(n, 2, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(n, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(n), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PAAC, n, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 3), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_GAMMA, 0.5), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, 0.0), PG_OK);
  float o[4] = {0, 1, 2, 3}, act, rew = 1.0f, V[4];
  ck_assert_int_eq(pg_net_forward(n, o, 4, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(n, PG_NET_OUTPUT_VALUE, V, 4), PG_OK);
  for (int t = 0; t < 3; t++) {
    ck_assert_int_eq(pg_agent_step(a, &o[t], 1, NULL, 0, &act, 1), PG_OK);
    int32_t te = t == 1 && term, tr = t == 1 && !term;
    ck_assert_int_eq(pg_agent_report(a, &rew, &te, &tr, 1, &o[t + 1], 1), PG_OK);
  }
  int32_t upd;
  ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
  ck_assert_int_eq(upd, 1);
  double R2 = 1 + 0.5 * V[3], R1 = term ? 1.0 : 1 + 0.5 * V[2], R0 = 1 + 0.5 * R1;
  double want = ((R0 - V[0]) * (R0 - V[0]) + (R1 - V[1]) * (R1 - V[1]) +
                 (R2 - V[2]) * (R2 - V[2])) / 3.0, got;
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_VALUE_LOSS, &got), PG_OK);
  ck_assert_double_eq_tol(got, want, 1e-5 * (1 + want));
  pg_agent_destroy(a);
  pg_net_destroy(n);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}

START_TEST(test_paac_bootstrap_truncated) { paac_bootstrap(0); }
END_TEST
START_TEST(test_paac_bootstrap_terminated) { paac_bootstrap(1); }
END_TEST


static void learns(pg_algorithm algo, int units, double threshold, long budget) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_ctx_set_seed(ctx, 1);
  pg_env *env;
  pg_agent *a = make_agent(ctx, algo, "CartPole-v1", &env, units);
  pg_test_threshold l = {threshold, 0};
  ck_assert_int_eq(pg_agent_train(a, env, budget, pg_test_stop_at_threshold, &l), PG_OK);
  double m;
  pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &m);
  ck_assert_msg(l.hit, "%s reached only %.1f", pg_algorithm_name(algo), m);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

START_TEST(test_learn_reinforce) { learns(PG_ALGO_REINFORCE, 64, 150, 150000); }
END_TEST
START_TEST(test_learn_baseline) { learns(PG_ALGO_REINFORCE_BASELINE, 64, 150, 150000); }
END_TEST
START_TEST(test_learn_actor_critic) { learns(PG_ALGO_ACTOR_CRITIC, 64, 150, 150000); }
END_TEST
START_TEST(test_learn_paac) { learns(PG_ALGO_PAAC, 64, 200, 600000); } /* ~200k steps at lr 0.005 */
END_TEST

static void paac_params_after(int threads, float *out, size_t *np) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_ctx_set_seed(ctx, 3);
  pg_env *env;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env, 16);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 8), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_THREADS, threads), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 4000, NULL, NULL), PG_OK);
  pg_net *n;
  pg_agent_get_net(a, 0, &n);
  pg_net_param_count(n, np);
  pg_net_get_params(n, 0, *np, out);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

/* PAAC keeps each step's forward for the update when the segment fits in
** the net's max batch. A net too small for that (re-forward path) must
** learn the same parameters, also when the host calls pg_agent_act in the
** middle of a segment (which overwrites the kept rows: the update must
** notice and re-forward). */
static void paac_host_params(size_t max_batch, int act_between, float *out, size_t *np) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_ctx_set_seed(ctx, 5);
  pg_net *n = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, max_batch, 9, &n), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(n, 16, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.4), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(n, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(n, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(n), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PAAC, n, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 5), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, 0.01), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 7, &env), PG_OK);
  float obs[4], next[4], act, r, probe[4] = {0.1f, 0.2f, -0.1f, 0.0f}, pa;
  int32_t te, tr, upd;
  ck_assert_int_eq(pg_env_reset(env, obs, 4), PG_OK);
  for (int s = 0; s < 600; s++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, &act, 1), PG_OK);
    ck_assert_int_eq(pg_env_step(env, &act, 1, next, 4, &r, &te, &tr), PG_OK);
    ck_assert_int_eq(pg_agent_report(a, &r, &te, &tr, 1, next, 4), PG_OK);
    if (act_between && s % 7 == 3)
      ck_assert_int_eq(pg_agent_act(a, probe, 4, NULL, 0, 1, &pa, 1), PG_OK);
    ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
    if (te || tr) ck_assert_int_eq(pg_env_reset(env, obs, 4), PG_OK);
    else memcpy(obs, next, sizeof obs);
  }
  pg_net_param_count(n, np);
  pg_net_get_params(n, 0, *np, out);
  pg_agent_destroy(a);
  pg_net_destroy(n);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

START_TEST(test_paac_forward_reuse) {
  static float kept[256], refw[256], mixed[256];
  size_t n1, n2, n3;
  paac_host_params(64, 0, kept, &n1); /* 2*5+1 rows fit: forwards kept */
  paac_host_params(8, 0, refw, &n2);  /* do not fit: re-forward */
  paac_host_params(64, 1, mixed, &n3);
  ck_assert_uint_eq(n1, n2);
  ck_assert_uint_le(n1, 256);
  for (size_t i = 0; i < n1; i++) {
    ck_assert_float_eq_tol(kept[i], refw[i], 1e-5f);
    ck_assert_float_eq_tol(mixed[i], refw[i], 1e-5f);
  }
}
END_TEST

START_TEST(test_paac_threads_identical) {
  static float p1[4096], p2[4096];
  size_t n1, n2;
  paac_params_after(1, p1, &n1);
  paac_params_after(2, p2, &n2);
  ck_assert_uint_eq(n1, n2);
  ck_assert_uint_le(n1, 4096);
  ck_assert_int_eq(memcmp(p1, p2, n1 * sizeof(float)), 0);
}
END_TEST

START_TEST(test_no_alloc_per_step) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *env;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "CartPole-v1", &env, 16);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4), PG_OK);
  float obs[16] = {0}, act[4], rew[4] = {1, 1, 1, 1};
  int32_t te[4] = {0, 0, 0, 1}, tr[4] = {0, 1, 0, 0}, upd;
  ck_assert_int_eq(pg_agent_step(a, obs, 16, NULL, 0, act, 4), PG_OK); /* sets up */
  ck_assert_int_eq(pg_agent_report(a, rew, te, tr, 4, obs, 16), PG_OK);
  long before = c.calls;
  int updates = 0;
  for (int s = 0; s < 200; s++) {
    ck_assert_int_eq(pg_agent_update(a, &upd), PG_OK);
    updates += upd;
    ck_assert_int_eq(pg_agent_step(a, obs, 16, NULL, 0, act, 4), PG_OK);
    ck_assert_int_eq(pg_agent_report(a, rew, te, tr, 4, obs, 16), PG_OK);
  }
  ck_assert_int_eq(c.calls, before);
  ck_assert_int_ge(updates, 30);
  /* library-driven: the allocations of a call do not grow with its length */
  before = c.calls;
  ck_assert_int_eq(pg_agent_train(a, env, 1000, NULL, NULL), PG_OK);
  long short_run = c.calls - before;
  before = c.calls;
  ck_assert_int_eq(pg_agent_train(a, env, 20000, NULL, NULL), PG_OK);
  ck_assert_int_eq(c.calls - before, short_run);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* A host CartPole-like env whose step fails on a chosen call. */
typedef struct failing {
  int calls, fail_at;
  float x;
} failing;

static int f_reset(void *user, uint64_t seed, float *obs) {
  (void)seed;
  failing *f = user;
  f->x = 0.0f;
  obs[0] = 0.0f;
  return 0;
}

static int f_step(void *user, const float *action, float *obs, float *reward, int32_t *te,
                  int32_t *tr) {
  failing *f = user;
  if (++f->calls == f->fail_at) return -1;
  f->x += action[0] == 1.0f ? 1.0f : -1.0f;
  obs[0] = f->x;
  *reward = 1.0f;
  *te = fabsf(f->x) >= 3.0f;
  (void)tr;
  return 0;
}

START_TEST(test_train_callback_failure) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  failing f = {0, 500, 0.0f};
  pg_env_vtable vt = {sizeof vt, f_reset, f_step, NULL, NULL, NULL, NULL, NULL};
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, &f, "failing", 1, PG_ACTION_DISCRETE, 2, &env),
                   PG_OK);
  ck_assert_int_eq(pg_env_set_max_episode_steps(env, 50), PG_OK); /* greedy may oscillate */
  pg_agent *a = NULL;
  for (int algo = PG_ALGO_REINFORCE; algo <= PG_ALGO_ACTOR_CRITIC; algo++) {
    f.calls = 0;
    ck_assert_int_eq(pg_agent_create_for_env(ctx, (pg_algorithm)algo, env, 8, 1, &a), PG_OK);
    ck_assert_int_eq(pg_agent_train(a, env, 2000, NULL, NULL), PG_ERR_CALLBACK);
    ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_train"));
    /* usable afterwards: training continues */
    double e0, e1;
    pg_agent_get_stat(a, PG_STAT_EPISODES, &e0);
    ck_assert_int_eq(pg_agent_train(a, env, 2000, NULL, NULL), PG_OK);
    pg_agent_get_stat(a, PG_STAT_EPISODES, &e1);
    ck_assert(e1 > e0);
    double mean;
    ck_assert_int_eq(pg_agent_evaluate(a, env, 3, 1, &mean, NULL), PG_OK);
    pg_agent_destroy(a);
  }
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* An environment whose episodes end only when the agent says so: never
** terminated or truncated, no step cap, reward 1 per step. */
static int endless_reset(void *user, uint64_t seed, float *obs) {
  (void)user, (void)seed;
  obs[0] = 0.0f;
  return 0;
}

static int endless_step(void *user, const float *action, float *obs, float *reward,
                        int32_t *te, int32_t *tr) {
  (void)action, (void)te, (void)tr;
  long *steps = user;
  ++*steps;
  obs[0] = 0.0f;
  *reward = 1.0f;
  return 0;
}

/* pg_agent_evaluate on an uncapped environment returns (it ran forever):
** its episodes end at eval_max_episode_steps, below max_episode_steps. */
START_TEST(test_evaluate_uncapped) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  long steps = 0;
  pg_env_vtable vt = {sizeof vt, endless_reset, endless_step, NULL, NULL, NULL, NULL, NULL};
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, &steps, "endless", 1, PG_ACTION_DISCRETE, 2, &env),
                   PG_OK);
  double def = 0.0;
  for (int algo = PG_ALGO_REINFORCE; algo <= PG_ALGO_PPO; algo++) {
    if (pg_param_get_default((pg_algorithm)algo, PG_PARAM_EVAL_MAX_EPISODE_STEPS, &def) ==
        PG_ERR_INVALID_ARG)
      continue; /* a number without an algorithm */
    ck_assert(def == 100000.0);
  }
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_ACTOR_CRITIC, env, 8, 1, &a), PG_OK);
  double mean = -1.0, sd = -1.0;
  ck_assert_int_eq(pg_agent_evaluate(a, env, 1, 1, &mean, &sd), PG_OK); /* the default */
  ck_assert(mean == 100000.0);
  ck_assert_int_eq(steps, 100000);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_EVAL_MAX_EPISODE_STEPS, 40), PG_OK);
  steps = 0;
  ck_assert_int_eq(pg_agent_evaluate(a, env, 3, 0, &mean, &sd), PG_OK);
  ck_assert(mean == 40.0 && sd == 0.0);
  ck_assert_int_eq(steps, 120);
  uint64_t cap = 1;
  ck_assert_int_eq(pg_env_get_max_episode_steps(env, &cap), PG_OK);
  ck_assert_uint_eq(cap, 0); /* the env's own cap is put back */
  /* The agent's and the env's caps come first. */
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_MAX_EPISODE_STEPS, 25), PG_OK);
  ck_assert_int_eq(pg_agent_evaluate(a, env, 1, 1, &mean, NULL), PG_OK);
  ck_assert(mean == 25.0);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_MAX_EPISODE_STEPS, 0), PG_OK);
  ck_assert_int_eq(pg_env_set_max_episode_steps(env, 30), PG_OK);
  ck_assert_int_eq(pg_agent_evaluate(a, env, 1, 1, &mean, NULL), PG_OK);
  ck_assert(mean == 30.0);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_EVAL_MAX_EPISODE_STEPS, -1), PG_ERR_OUT_OF_RANGE);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

static pg_status make_and_step(pg_ctx *ctx, void *user) {
  int algo = *(int *)user;
  pg_env *env = NULL;
  pg_agent *a = NULL;
  pg_status st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, (pg_algorithm)algo, env, 8, 1, &a);
  if (st == PG_OK) st = pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 2);
  float obs[8] = {0}, act[2], rew[2] = {1, 1};
  int32_t te[2] = {1, 0}, tr[2] = {0, 1};
  for (int s = 0; s < 6 && st == PG_OK; s++) {
    st = pg_agent_step(a, obs, 8, NULL, 0, act, 2);
    if (st == PG_OK) st = pg_agent_report(a, rew, te, tr, 2, obs, 8);
    if (st == PG_OK) st = pg_agent_update(a, NULL);
  }
  if (st == PG_OK) st = pg_agent_train(a, env, 100, NULL, NULL);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  return st;
}

START_TEST(test_every_alloc_fails) {
  for (int algo = PG_ALGO_REINFORCE; algo <= PG_ALGO_PAAC; algo++)
    ck_assert_int_gt(pg_test_every_alloc_fails(make_and_step, &algo), 5);
}
END_TEST

START_TEST(test_gaussian_paac_runs) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env;
  pg_agent *a = make_agent(ctx, PG_ALGO_PAAC, "Pendulum-v1", &env, 16);
  ck_assert_int_eq(pg_agent_train(a, env, 20000, NULL, NULL), PG_OK);
  double mean, u;
  ck_assert_int_eq(pg_agent_evaluate(a, env, 2, 0, &mean, NULL), PG_OK);
  ck_assert(isfinite(mean));
  pg_agent_get_stat(a, PG_STAT_UPDATES, &u);
  ck_assert(u >= 100);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("agents");
  TCase *tc = tcase_create("api");
  tcase_add_test(tc, test_params);
  tcase_add_test(tc, test_evaluate_uncapped);
  tcase_add_test(tc, test_host_loop_bad_input);
  tcase_add_test(tc, test_host_loop_lengths);
  tcase_add_test(tc, test_agent_get_shape);
  tcase_add_test(tc, test_reinforce_baseline_hand_step);
  tcase_add_test(tc, test_reinforce_hand_step);
  tcase_add_test(tc, test_reinforce_hand_step_per_step);
  tcase_add_test(tc, test_actor_critic_hand_step);
  tcase_add_test(tc, test_nstep_returns);
  tcase_add_test(tc, test_paac_bootstrap_truncated);
  tcase_add_test(tc, test_paac_bootstrap_terminated);
  tcase_add_test(tc, test_no_alloc_per_step);
  tcase_add_test(tc, test_train_callback_failure);
  tcase_add_test(tc, test_every_alloc_fails);
  suite_add_tcase(s, tc);
  TCase *tl = tcase_create("learning");
  tcase_set_timeout(tl, 120);
  tcase_add_test(tl, test_learn_reinforce);
  tcase_add_test(tl, test_learn_baseline);
  tcase_add_test(tl, test_learn_actor_critic);
  tcase_add_test(tl, test_learn_paac);
  tcase_add_test(tl, test_paac_threads_identical);
  tcase_add_test(tl, test_paac_forward_reuse);
  tcase_add_test(tl, test_gaussian_paac_runs);
  suite_add_tcase(s, tl);
  return pg_test_run_suite(s);
}
