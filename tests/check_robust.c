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

/* Gradients of 1e25: RMSProp's and Adam's squared averages would overflow
** to Inf while the parameters stay finite (the step g / sqrt(Inf) is 0).
** Refused; the next small step equals a fresh optimizer's. */
START_TEST(test_overflowing_optim_statistics_are_refused) {
  pg_optim_kind kind = _i == 0 ? PG_OPTIM_RMSPROP : PG_OPTIM_ADAM;
  pg_ctx *ctx = new_ctx();
  pg_net *net = NULL, *ref = NULL;
  tiny_net(ctx, false, &net);
  tiny_net(ctx, false, &ref);
  pg_optim *o = NULL, *ro = NULL;
  ck_assert_int_eq(pg_optim_create(net, kind, &o), PG_OK);
  ck_assert_int_eq(pg_optim_create(ref, kind, &ro), PG_OK);
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
  float *g = malloc(np * sizeof *g), *p1 = malloc(np * sizeof *g), *p2 = malloc(np * sizeof *g);
  ck_assert(g && p1 && p2);
  ck_assert_int_eq(pg_net_get_params(net, 0, np, p1), PG_OK);
  ck_assert_int_eq(pg_net_set_params(ref, 0, np, p1), PG_OK);
  for (size_t i = 0; i < np; i++) g[i] = 1e25f;
  ck_assert_int_eq(pg_net_set_grads(net, 0, np, g), PG_OK);
  ck_assert_int_eq(pg_optim_step(o, NULL), PG_ERR_NUMERIC);
  for (size_t i = 0; i < np; i++) g[i] = 0.01f * (float)(i % 7) - 0.03f;
  ck_assert_int_eq(pg_net_set_grads(net, 0, np, g), PG_OK);
  ck_assert_int_eq(pg_net_set_grads(ref, 0, np, g), PG_OK);
  ck_assert_int_eq(pg_optim_step(o, NULL), PG_OK);
  ck_assert_int_eq(pg_optim_step(ro, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_params(net, 0, np, p1), PG_OK);
  ck_assert_int_eq(pg_net_get_params(ref, 0, np, p2), PG_OK);
  ck_assert(memcmp(p1, p2, np * sizeof *p1) == 0);
  free(g);
  free(p1);
  free(p2);
  pg_optim_destroy(o);
  pg_optim_destroy(ro);
  pg_net_destroy(net);
  pg_net_destroy(ref);
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

/* The agent's checkpoint bytes (a step must not be pending). */
static unsigned char *agent_bytes(pg_agent *a, size_t *size) {
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  ck_assert_ptr_nonnull(buf);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, *size, size), PG_OK);
  return buf;
}

static void assert_same_bytes(pg_agent *a, const unsigned char *before, size_t size) {
  size_t size2 = 0;
  unsigned char *after = agent_bytes(a, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(before, after, size) == 0);
  free(after);
}

/* A refused first step (the lazy set-up) and a refused later step (the
** observation normalization's moments) leave the checkpoint as it was:
** REINFORCE, PAAC with normalization, PPO with normalization. */
static const pg_algorithm refused_step_algos[] = {PG_ALGO_REINFORCE, PG_ALGO_PAAC, PG_ALGO_PPO};

START_TEST(test_refused_step_changes_nothing) {
  pg_ctx *ctx = new_ctx();
  pg_net *cn = NULL; /* tiny_net's, with a value head for the actor-critics */
  ck_assert_int_eq(pg_net_create(ctx, 2, 4, 1, &cn), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(cn, 4, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(cn, 3, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (_i > 0) ck_assert_int_eq(pg_net_add_value_head(cn, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(cn), PG_OK);
  pg_agent *ag = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, refused_step_algos[_i], cn, NULL, &ag), PG_OK);
  if (_i > 0) ck_assert_int_eq(pg_agent_set_param(ag, PG_PARAM_NORM_OBS, 1), PG_OK);
  size_t slots = 0;
  ck_assert_int_eq(pg_agent_get_shape(ag, NULL, NULL, NULL, &slots), PG_OK);
  float *obs = calloc(2 * slots, sizeof *obs), *act = calloc(slots, sizeof *act);
  float *rew = calloc(slots, sizeof *rew);
  int32_t *flags = calloc(slots, sizeof *flags);
  ck_assert(obs && act && rew && flags);
  for (size_t i = 0; i < 2 * slots; i++) obs[i] = 0.5f + 0.25f * (float)i;
  /* one good step and report when the parameters are finite */
  ck_assert_int_eq(pg_agent_step(ag, obs, 2 * slots, NULL, 0, act, slots), PG_OK);
  ck_assert_int_eq(pg_agent_report(ag, rew, flags, flags, slots, obs, 2 * slots), PG_OK);
  /* parameters that overflow every output: each step is refused */
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(cn, &np), PG_OK);
  float *hp = malloc(np * sizeof *hp);
  ck_assert_ptr_nonnull(hp);
  for (size_t i = 0; i < np; i++) hp[i] = 3e38f;
  ck_assert_int_eq(pg_net_set_params(cn, 0, np, hp), PG_OK);
  size_t size = 0;
  unsigned char *before = agent_bytes(ag, &size);
  ck_assert_int_eq(pg_agent_step(ag, obs, 2 * slots, NULL, 0, act, slots), PG_ERR_NUMERIC);
  assert_same_bytes(ag, before, size);
  free(before);
  /* a fresh agent on those parameters: the refused first step sets nothing up */
  pg_agent *fresh = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, refused_step_algos[_i], cn, NULL, &fresh), PG_OK);
  if (_i > 0) ck_assert_int_eq(pg_agent_set_param(fresh, PG_PARAM_NORM_OBS, 1), PG_OK);
  before = agent_bytes(fresh, &size);
  ck_assert_int_eq(pg_agent_step(fresh, obs, 2 * slots, NULL, 0, act, slots), PG_ERR_NUMERIC);
  assert_same_bytes(fresh, before, size);
  free(before);
  free(hp);
  free(obs);
  free(act);
  free(rew);
  free(flags);
  pg_agent_destroy(fresh);
  pg_agent_destroy(ag);
  pg_net_destroy(cn);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Rewards of 1e30 without clipping: gradients whose squares overflow
** RMSProp's and Adam's float statistics while the parameters would stay
** finite. Each such update is refused and changes nothing, so a
** checkpoint never holds a non-finite statistic and always loads
** (found by fuzz_api). */
static const pg_algorithm overflow_algos[] = {PG_ALGO_REINFORCE, PG_ALGO_PAAC, PG_ALGO_PPO,
                                              PG_ALGO_A3C, PG_ALGO_ASYNC_N_STEP_Q};

START_TEST(test_overflowing_statistics_are_refused) {
  pg_ctx *ctx = new_ctx();
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, overflow_algos[_i], env, 8, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_CLIP_NORM, 0.0), PG_OK);
  if (overflow_algos[_i] == PG_ALGO_PAAC || overflow_algos[_i] == PG_ALGO_PPO)
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 1), PG_OK);
  float obs[4] = {0.01f, -0.02f, 0.03f, 0.01f}, act[1], rew[1] = {1e30f};
  int refused = 0;
  for (int t = 0; t < 300; t++) {
    ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_OK);
    int32_t term[1] = {t % 4 == 3}, trunc[1] = {0};
    ck_assert_int_eq(pg_agent_report(a, rew, term, trunc, 1, obs, 4), PG_OK);
    pg_net *net = NULL;
    size_t np = 0;
    ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
    ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
    float *before = malloc(np * sizeof *before), *after = malloc(np * sizeof *after);
    ck_assert(before && after);
    ck_assert_int_eq(pg_net_get_params(net, 0, np, before), PG_OK);
    int32_t updated = 0;
    pg_status st = pg_agent_update(a, &updated);
    if (st == PG_ERR_NUMERIC) {
      refused++;
      ck_assert_int_eq(pg_net_get_params(net, 0, np, after), PG_OK);
      ck_assert(memcmp(before, after, np * sizeof *after) == 0);
    } else {
      ck_assert_int_eq(st, PG_OK);
    }
    free(before);
    free(after);
    size_t size = 0;
    /* whatever happened, the checkpoint loads */
    unsigned char *now = agent_bytes(a, &size);
    pg_agent *b = NULL;
    ck_assert_msg(pg_agent_load_memory(ctx, now, size, &b) == PG_OK, "%s", pg_ctx_last_error(ctx));
    pg_agent_destroy(b);
    free(now);
  }
  if (overflow_algos[_i] != PG_ALGO_PPO) ck_assert_int_gt(refused, 0); /* PPO normalizes */
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- the bad-argument sweep ----------------------------------------------------
** Every public function that takes a handle, first with a NULL handle
** (PG_ERR_INVALID_ARG, no crash), then on a live handle with NULL pointers
** and zero numbers (an error or a harmless PG_OK, never a crash or
** PG_ERR_INTERNAL). The calls were listed from include/policygrad.h. */
static void sweep_null_handles(void) {
  ck_assert_msg(pg_rng_seed(NULL, (uint64_t)0, (uint64_t)0) == PG_ERR_INVALID_ARG, "pg_rng_seed");
  ck_assert_msg(pg_rng_split(NULL, (uint64_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_rng_split");
  ck_assert_msg(pg_rng_next_u64(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_rng_next_u64");
  ck_assert_msg(pg_rng_uniform(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_rng_uniform");
  ck_assert_msg(pg_rng_normal(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_rng_normal");
  ck_assert_msg(pg_net_add_dense(NULL, (size_t)0, (pg_activation)0, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_dense");
  ck_assert_msg(pg_net_add_conv2d(NULL, (size_t)0, (size_t)0, (size_t)0, (size_t)0, (pg_padding)0, (pg_activation)0, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_conv2d");
  ck_assert_msg(pg_net_add_flatten(NULL) == PG_ERR_INVALID_ARG, "pg_net_add_flatten");
  ck_assert_msg(pg_net_add_lstm(NULL, (size_t)0, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_lstm");
  ck_assert_msg(pg_net_add_categorical_head(NULL, (size_t)0, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_categorical_head");
  ck_assert_msg(pg_net_add_gaussian_head(NULL, (size_t)0, (pg_init)0, (double)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_gaussian_head");
  ck_assert_msg(pg_net_add_value_head(NULL, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_value_head");
  ck_assert_msg(pg_net_add_q_head(NULL, (size_t)0, (pg_init)0, (double)0) == PG_ERR_INVALID_ARG, "pg_net_add_q_head");
  ck_assert_msg(pg_net_finalize(NULL) == PG_ERR_INVALID_ARG, "pg_net_finalize");
  ck_assert_msg(pg_net_clone(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_clone");
  ck_assert_msg(pg_net_input_size(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_input_size");
  ck_assert_msg(pg_net_max_batch(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_max_batch");
  ck_assert_msg(pg_net_param_count(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_param_count");
  ck_assert_msg(pg_net_output_size(NULL, (pg_net_output)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_output_size");
  ck_assert_msg(pg_net_get_params(NULL, (size_t)0, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_get_params");
  ck_assert_msg(pg_net_set_params(NULL, (size_t)0, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_set_params");
  ck_assert_msg(pg_net_get_grads(NULL, (size_t)0, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_get_grads");
  ck_assert_msg(pg_net_set_grads(NULL, (size_t)0, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_set_grads");
  ck_assert_msg(pg_net_copy_params(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_copy_params");
  ck_assert_msg(pg_net_init_params(NULL, (uint64_t)0) == PG_ERR_INVALID_ARG, "pg_net_init_params");
  ck_assert_msg(pg_net_zero_grads(NULL) == PG_ERR_INVALID_ARG, "pg_net_zero_grads");
  ck_assert_msg(pg_net_forward(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_forward");
  ck_assert_msg(pg_net_forward_seq(NULL, NULL, (size_t)0, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_forward_seq");
  ck_assert_msg(pg_net_reset_state(NULL, (size_t)0, (size_t)0) == PG_ERR_INVALID_ARG, "pg_net_reset_state");
  ck_assert_msg(pg_net_get_output(NULL, (pg_net_output)0, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_net_get_output");
  ck_assert_msg(pg_net_log_prob(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_log_prob");
  ck_assert_msg(pg_net_backward(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_backward");
  ck_assert_msg(pg_optim_create(NULL, (pg_optim_kind)0, NULL) == PG_ERR_INVALID_ARG, "pg_optim_create");
  ck_assert_msg(pg_optim_set_param(NULL, (pg_optim_param)0, (double)0) == PG_ERR_INVALID_ARG, "pg_optim_set_param");
  ck_assert_msg(pg_optim_get_param(NULL, (pg_optim_param)0, NULL) == PG_ERR_INVALID_ARG, "pg_optim_get_param");
  ck_assert_msg(pg_optim_step(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_optim_step");
  ck_assert_msg(pg_optim_reset(NULL) == PG_ERR_INVALID_ARG, "pg_optim_reset");
  ck_assert_msg(pg_env_clone(NULL, (int32_t)0, (uint64_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_env_clone");
  ck_assert_msg(pg_env_set_observation_image(NULL, (int32_t)0, (int32_t)0, (int32_t)0) == PG_ERR_INVALID_ARG, "pg_env_set_observation_image");
  ck_assert_msg(pg_env_set_action_bounds(NULL, NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_env_set_action_bounds");
  ck_assert_msg(pg_env_set_max_episode_steps(NULL, (uint64_t)0) == PG_ERR_INVALID_ARG, "pg_env_set_max_episode_steps");
  ck_assert_msg(pg_env_get_max_episode_steps(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_get_max_episode_steps");
  ck_assert_msg(pg_env_set_seed(NULL, (uint64_t)0) == PG_ERR_INVALID_ARG, "pg_env_set_seed");
  (void)pg_env_get_name(NULL);
  ck_assert_msg(pg_env_get_observation_size(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_get_observation_size");
  ck_assert_msg(pg_env_get_observation_image(NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_get_observation_image");
  ck_assert_msg(pg_env_get_action_space(NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_get_action_space");
  ck_assert_msg(pg_env_get_action_bounds(NULL, NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_env_get_action_bounds");
  ck_assert_msg(pg_env_get_action_mask(NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_env_get_action_mask");
  ck_assert_msg(pg_env_reset(NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_env_reset");
  ck_assert_msg(pg_env_step(NULL, NULL, (size_t)0, NULL, (size_t)0, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_step");
  ck_assert_msg(pg_env_get_episode_stats(NULL, NULL, NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_env_get_episode_stats");
  ck_assert_msg(pg_vec_env_create(NULL, (int32_t)0, (int32_t)0, (uint64_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_vec_env_create");
  ck_assert_msg(pg_vec_env_get_size(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_vec_env_get_size");
  ck_assert_msg(pg_vec_env_reset(NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_vec_env_reset");
  ck_assert_msg(pg_vec_env_step(NULL, NULL, (size_t)0, NULL, (size_t)0, NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_vec_env_step");
  ck_assert_msg(pg_vec_env_get_action_mask(NULL, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_vec_env_get_action_mask");
  ck_assert_msg(pg_vec_env_get_episode_stats(NULL, (int32_t)0, NULL, NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_vec_env_get_episode_stats");
  ck_assert_msg(pg_agent_set_param(NULL, (pg_param)0, (double)0) == PG_ERR_INVALID_ARG, "pg_agent_set_param");
  ck_assert_msg(pg_agent_get_param(NULL, (pg_param)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_get_param");
  ck_assert_msg(pg_agent_set_param_by_name(NULL, NULL, (double)0) == PG_ERR_INVALID_ARG, "pg_agent_set_param_by_name");
  ck_assert_msg(pg_agent_param_bounds(NULL, (pg_param)0, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_param_bounds");
  ck_assert_msg(pg_agent_get_stat(NULL, (pg_stat)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_get_stat");
  ck_assert_msg(pg_agent_get_net(NULL, (int32_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_get_net");
  ck_assert_msg(pg_agent_set_grad_reduce(NULL, (pg_grad_reduce_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_set_grad_reduce");
  ck_assert_msg(pg_agent_step(NULL, NULL, (size_t)0, NULL, (size_t)0, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_agent_step");
  ck_assert_msg(pg_agent_report(NULL, NULL, NULL, NULL, (size_t)0, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_agent_report");
  ck_assert_msg(pg_agent_update(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_update");
  ck_assert_msg(pg_agent_reset_state(NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_agent_reset_state");
  ck_assert_msg(pg_agent_act(NULL, NULL, (size_t)0, NULL, (size_t)0, (int32_t)0, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_agent_act");
  ck_assert_msg(pg_agent_get_shape(NULL, NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_get_shape");
  ck_assert_msg(pg_agent_create_worker(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_create_worker");
  (void)pg_agent_last_error(NULL);
  ck_assert_msg(pg_agent_train(NULL, NULL, (int64_t)0, (pg_progress_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_train");
  ck_assert_msg(pg_agent_evaluate(NULL, NULL, (int32_t)0, (int32_t)0, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_evaluate");
  ck_assert_msg(pg_agent_set_log_callback(NULL, (pg_log_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_set_log_callback");
  ck_assert_msg(pg_agent_set_log_file(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_set_log_file");
  ck_assert_msg(pg_net_save_file(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_net_save_file");
  ck_assert_msg(pg_net_save_cb(NULL, (pg_write_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_save_cb");
  ck_assert_msg(pg_net_save_memory(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_net_save_memory");
  ck_assert_msg(pg_agent_save_file(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_agent_save_file");
  ck_assert_msg(pg_agent_save_cb(NULL, (pg_write_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_save_cb");
  ck_assert_msg(pg_agent_save_memory(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_agent_save_memory");
  ck_assert_msg(pg_policy_from_net(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_policy_from_net");
  ck_assert_msg(pg_policy_from_agent(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_policy_from_agent");
  ck_assert_msg(pg_policy_save_file(NULL, NULL) == PG_ERR_INVALID_ARG, "pg_policy_save_file");
  ck_assert_msg(pg_policy_save_cb(NULL, (pg_write_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_policy_save_cb");
  ck_assert_msg(pg_policy_save_memory(NULL, NULL, (size_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_policy_save_memory");
  ck_assert_msg(pg_policy_get_shape(NULL, NULL, NULL, NULL, NULL) == PG_ERR_INVALID_ARG, "pg_policy_get_shape");
  ck_assert_msg(pg_policy_session_create(NULL, (uint64_t)0, NULL) == PG_ERR_INVALID_ARG, "pg_policy_session_create");
  ck_assert_msg(pg_policy_session_reset(NULL) == PG_ERR_INVALID_ARG, "pg_policy_session_reset");
  ck_assert_msg(pg_policy_session_seed(NULL, (uint64_t)0, (uint64_t)0) == PG_ERR_INVALID_ARG, "pg_policy_session_seed");
  ck_assert_msg(pg_policy_act(NULL, NULL, (size_t)0, NULL, (size_t)0, (int32_t)0, NULL, (size_t)0) == PG_ERR_INVALID_ARG, "pg_policy_act");
  (void)pg_policy_session_last_error(NULL);
  ck_assert_msg(pg_policy_export_c(NULL, NULL, NULL, NULL, (uint32_t)0) == PG_ERR_INVALID_ARG, "pg_policy_export_c");
  ck_assert_msg(pg_policy_export_c_cb(NULL, NULL, (int32_t)0, (uint32_t)0, (pg_write_fn)0, NULL) == PG_ERR_INVALID_ARG, "pg_policy_export_c_cb");
  ck_assert_msg(pg_agent_export_c(NULL, NULL, NULL, NULL, (uint32_t)0) == PG_ERR_INVALID_ARG, "pg_agent_export_c");
}

/* Each call on a live handle with NULL pointers and zero numbers. */
static void sweep_null_arguments(pg_net *net, pg_agent *agent, pg_optim *opt, pg_env *env,
                                 pg_vec_env *vec, pg_policy *pol, pg_policy_session *sess,
                                 pg_rng *rng) {
  ck_assert_msg(pg_rng_seed(rng, (uint64_t)0, (uint64_t)0) != PG_ERR_INTERNAL, "pg_rng_seed");
  ck_assert_msg(pg_rng_split(rng, (uint64_t)0, NULL) != PG_ERR_INTERNAL, "pg_rng_split");
  ck_assert_msg(pg_rng_next_u64(rng, NULL) != PG_ERR_INTERNAL, "pg_rng_next_u64");
  ck_assert_msg(pg_rng_uniform(rng, NULL) != PG_ERR_INTERNAL, "pg_rng_uniform");
  ck_assert_msg(pg_rng_normal(rng, NULL) != PG_ERR_INTERNAL, "pg_rng_normal");
  ck_assert_msg(pg_net_add_dense(net, (size_t)0, (pg_activation)0, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_dense");
  ck_assert_msg(pg_net_add_conv2d(net, (size_t)0, (size_t)0, (size_t)0, (size_t)0, (pg_padding)0, (pg_activation)0, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_conv2d");
  ck_assert_msg(pg_net_add_flatten(net) != PG_ERR_INTERNAL, "pg_net_add_flatten");
  ck_assert_msg(pg_net_add_lstm(net, (size_t)0, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_lstm");
  ck_assert_msg(pg_net_add_categorical_head(net, (size_t)0, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_categorical_head");
  ck_assert_msg(pg_net_add_gaussian_head(net, (size_t)0, (pg_init)0, (double)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_gaussian_head");
  ck_assert_msg(pg_net_add_value_head(net, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_value_head");
  ck_assert_msg(pg_net_add_q_head(net, (size_t)0, (pg_init)0, (double)0) != PG_ERR_INTERNAL, "pg_net_add_q_head");
  ck_assert_msg(pg_net_finalize(net) != PG_ERR_INTERNAL, "pg_net_finalize");
  ck_assert_msg(pg_net_clone(net, NULL) != PG_ERR_INTERNAL, "pg_net_clone");
  ck_assert_msg(pg_net_input_size(net, NULL) != PG_ERR_INTERNAL, "pg_net_input_size");
  ck_assert_msg(pg_net_max_batch(net, NULL) != PG_ERR_INTERNAL, "pg_net_max_batch");
  ck_assert_msg(pg_net_param_count(net, NULL) != PG_ERR_INTERNAL, "pg_net_param_count");
  ck_assert_msg(pg_net_output_size(net, (pg_net_output)0, NULL) != PG_ERR_INTERNAL, "pg_net_output_size");
  ck_assert_msg(pg_net_get_params(net, (size_t)0, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_get_params");
  ck_assert_msg(pg_net_set_params(net, (size_t)0, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_set_params");
  ck_assert_msg(pg_net_get_grads(net, (size_t)0, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_get_grads");
  ck_assert_msg(pg_net_set_grads(net, (size_t)0, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_set_grads");
  ck_assert_msg(pg_net_copy_params(net, NULL) != PG_ERR_INTERNAL, "pg_net_copy_params");
  ck_assert_msg(pg_net_init_params(net, (uint64_t)0) != PG_ERR_INTERNAL, "pg_net_init_params");
  ck_assert_msg(pg_net_zero_grads(net) != PG_ERR_INTERNAL, "pg_net_zero_grads");
  ck_assert_msg(pg_net_forward(net, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_forward");
  ck_assert_msg(pg_net_forward_seq(net, NULL, (size_t)0, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_forward_seq");
  ck_assert_msg(pg_net_reset_state(net, (size_t)0, (size_t)0) != PG_ERR_INTERNAL, "pg_net_reset_state");
  ck_assert_msg(pg_net_get_output(net, (pg_net_output)0, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_net_get_output");
  ck_assert_msg(pg_net_log_prob(net, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_log_prob");
  ck_assert_msg(pg_net_backward(net, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_backward");
  ck_assert_msg(pg_optim_create(net, (pg_optim_kind)0, NULL) != PG_ERR_INTERNAL, "pg_optim_create");
  ck_assert_msg(pg_optim_set_param(opt, (pg_optim_param)0, (double)0) != PG_ERR_INTERNAL, "pg_optim_set_param");
  ck_assert_msg(pg_optim_get_param(opt, (pg_optim_param)0, NULL) != PG_ERR_INTERNAL, "pg_optim_get_param");
  ck_assert_msg(pg_optim_step(opt, NULL) != PG_ERR_INTERNAL, "pg_optim_step");
  ck_assert_msg(pg_optim_reset(opt) != PG_ERR_INTERNAL, "pg_optim_reset");
  ck_assert_msg(pg_env_clone(env, (int32_t)0, (uint64_t)0, NULL) != PG_ERR_INTERNAL, "pg_env_clone");
  ck_assert_msg(pg_env_set_observation_image(env, (int32_t)0, (int32_t)0, (int32_t)0) != PG_ERR_INTERNAL, "pg_env_set_observation_image");
  ck_assert_msg(pg_env_set_action_bounds(env, NULL, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_env_set_action_bounds");
  ck_assert_msg(pg_env_set_max_episode_steps(env, (uint64_t)0) != PG_ERR_INTERNAL, "pg_env_set_max_episode_steps");
  ck_assert_msg(pg_env_get_max_episode_steps(env, NULL) != PG_ERR_INTERNAL, "pg_env_get_max_episode_steps");
  ck_assert_msg(pg_env_set_seed(env, (uint64_t)0) != PG_ERR_INTERNAL, "pg_env_set_seed");
  (void)pg_env_get_name(env);
  ck_assert_msg(pg_env_get_observation_size(env, NULL) != PG_ERR_INTERNAL, "pg_env_get_observation_size");
  ck_assert_msg(pg_env_get_observation_image(env, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_env_get_observation_image");
  ck_assert_msg(pg_env_get_action_space(env, NULL, NULL) != PG_ERR_INTERNAL, "pg_env_get_action_space");
  ck_assert_msg(pg_env_get_action_bounds(env, NULL, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_env_get_action_bounds");
  ck_assert_msg(pg_env_get_action_mask(env, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_env_get_action_mask");
  ck_assert_msg(pg_env_reset(env, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_env_reset");
  ck_assert_msg(pg_env_step(env, NULL, (size_t)0, NULL, (size_t)0, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_env_step");
  ck_assert_msg(pg_env_get_episode_stats(env, NULL, NULL, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_env_get_episode_stats");
  ck_assert_msg(pg_vec_env_create(env, (int32_t)0, (int32_t)0, (uint64_t)0, NULL) != PG_ERR_INTERNAL, "pg_vec_env_create");
  ck_assert_msg(pg_vec_env_get_size(vec, NULL) != PG_ERR_INTERNAL, "pg_vec_env_get_size");
  ck_assert_msg(pg_vec_env_reset(vec, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_vec_env_reset");
  ck_assert_msg(pg_vec_env_step(vec, NULL, (size_t)0, NULL, (size_t)0, NULL, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_vec_env_step");
  ck_assert_msg(pg_vec_env_get_action_mask(vec, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_vec_env_get_action_mask");
  ck_assert_msg(pg_vec_env_get_episode_stats(vec, (int32_t)0, NULL, NULL, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_vec_env_get_episode_stats");
  ck_assert_msg(pg_agent_set_param(agent, (pg_param)0, (double)0) != PG_ERR_INTERNAL, "pg_agent_set_param");
  ck_assert_msg(pg_agent_get_param(agent, (pg_param)0, NULL) != PG_ERR_INTERNAL, "pg_agent_get_param");
  ck_assert_msg(pg_agent_set_param_by_name(agent, NULL, (double)0) != PG_ERR_INTERNAL, "pg_agent_set_param_by_name");
  ck_assert_msg(pg_agent_param_bounds(agent, (pg_param)0, NULL, NULL) != PG_ERR_INTERNAL, "pg_agent_param_bounds");
  ck_assert_msg(pg_agent_get_stat(agent, (pg_stat)0, NULL) != PG_ERR_INTERNAL, "pg_agent_get_stat");
  ck_assert_msg(pg_agent_get_net(agent, (int32_t)0, NULL) != PG_ERR_INTERNAL, "pg_agent_get_net");
  ck_assert_msg(pg_agent_set_grad_reduce(agent, (pg_grad_reduce_fn)0, NULL) != PG_ERR_INTERNAL, "pg_agent_set_grad_reduce");
  ck_assert_msg(pg_agent_step(agent, NULL, (size_t)0, NULL, (size_t)0, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_agent_step");
  ck_assert_msg(pg_agent_report(agent, NULL, NULL, NULL, (size_t)0, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_agent_report");
  ck_assert_msg(pg_agent_update(agent, NULL) != PG_ERR_INTERNAL, "pg_agent_update");
  ck_assert_msg(pg_agent_reset_state(agent, (size_t)0) != PG_ERR_INTERNAL, "pg_agent_reset_state");
  ck_assert_msg(pg_agent_act(agent, NULL, (size_t)0, NULL, (size_t)0, (int32_t)0, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_agent_act");
  ck_assert_msg(pg_agent_get_shape(agent, NULL, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_agent_get_shape");
  ck_assert_msg(pg_agent_create_worker(agent, NULL) != PG_ERR_INTERNAL, "pg_agent_create_worker");
  (void)pg_agent_last_error(agent);
  ck_assert_msg(pg_agent_train(agent, NULL, (int64_t)0, (pg_progress_fn)0, NULL) != PG_ERR_INTERNAL, "pg_agent_train");
  ck_assert_msg(pg_agent_evaluate(agent, NULL, (int32_t)0, (int32_t)0, NULL, NULL) != PG_ERR_INTERNAL, "pg_agent_evaluate");
  ck_assert_msg(pg_agent_set_log_callback(agent, (pg_log_fn)0, NULL) != PG_ERR_INTERNAL, "pg_agent_set_log_callback");
  ck_assert_msg(pg_agent_set_log_file(agent, NULL) != PG_ERR_INTERNAL, "pg_agent_set_log_file");
  ck_assert_msg(pg_net_save_file(net, NULL) != PG_ERR_INTERNAL, "pg_net_save_file");
  ck_assert_msg(pg_net_save_cb(net, (pg_write_fn)0, NULL) != PG_ERR_INTERNAL, "pg_net_save_cb");
  ck_assert_msg(pg_net_save_memory(net, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_net_save_memory");
  ck_assert_msg(pg_agent_save_file(agent, NULL) != PG_ERR_INTERNAL, "pg_agent_save_file");
  ck_assert_msg(pg_agent_save_cb(agent, (pg_write_fn)0, NULL) != PG_ERR_INTERNAL, "pg_agent_save_cb");
  ck_assert_msg(pg_agent_save_memory(agent, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_agent_save_memory");
  ck_assert_msg(pg_policy_from_net(net, NULL) != PG_ERR_INTERNAL, "pg_policy_from_net");
  ck_assert_msg(pg_policy_from_agent(agent, NULL) != PG_ERR_INTERNAL, "pg_policy_from_agent");
  ck_assert_msg(pg_policy_save_file(pol, NULL) != PG_ERR_INTERNAL, "pg_policy_save_file");
  ck_assert_msg(pg_policy_save_cb(pol, (pg_write_fn)0, NULL) != PG_ERR_INTERNAL, "pg_policy_save_cb");
  ck_assert_msg(pg_policy_save_memory(pol, NULL, (size_t)0, NULL) != PG_ERR_INTERNAL, "pg_policy_save_memory");
  ck_assert_msg(pg_policy_get_shape(pol, NULL, NULL, NULL, NULL) != PG_ERR_INTERNAL, "pg_policy_get_shape");
  ck_assert_msg(pg_policy_session_create(pol, (uint64_t)0, NULL) != PG_ERR_INTERNAL, "pg_policy_session_create");
  ck_assert_msg(pg_policy_session_reset(sess) != PG_ERR_INTERNAL, "pg_policy_session_reset");
  ck_assert_msg(pg_policy_session_seed(sess, (uint64_t)0, (uint64_t)0) != PG_ERR_INTERNAL, "pg_policy_session_seed");
  ck_assert_msg(pg_policy_act(sess, NULL, (size_t)0, NULL, (size_t)0, (int32_t)0, NULL, (size_t)0) != PG_ERR_INTERNAL, "pg_policy_act");
  (void)pg_policy_session_last_error(sess);
  ck_assert_msg(pg_policy_export_c(pol, NULL, NULL, NULL, (uint32_t)0) != PG_ERR_INTERNAL, "pg_policy_export_c");
  ck_assert_msg(pg_policy_export_c_cb(pol, NULL, (int32_t)0, (uint32_t)0, (pg_write_fn)0, NULL) != PG_ERR_INTERNAL, "pg_policy_export_c_cb");
  ck_assert_msg(pg_agent_export_c(agent, NULL, NULL, NULL, (uint32_t)0) != PG_ERR_INTERNAL, "pg_agent_export_c");
}

/* ... and with every buffer a zeroed scratch block and every number 1. */
static void sweep_small_arguments(pg_net *net, pg_agent *agent, pg_optim *opt, pg_env *env,
                                  pg_vec_env *vec, pg_policy *pol, pg_policy_session *sess,
                                  pg_rng *rng) {
  static double scratch_block[1024];
  memset(scratch_block, 0, sizeof scratch_block);
  void *scratch = scratch_block;
  ck_assert_msg(pg_rng_seed(rng, (uint64_t)1, (uint64_t)1) != PG_ERR_INTERNAL, "pg_rng_seed");
  ck_assert_msg(pg_rng_split(rng, (uint64_t)1, NULL) != PG_ERR_INTERNAL, "pg_rng_split");
  ck_assert_msg(pg_rng_next_u64(rng, (uint64_t *)scratch) != PG_ERR_INTERNAL, "pg_rng_next_u64");
  ck_assert_msg(pg_rng_uniform(rng, (double *)scratch) != PG_ERR_INTERNAL, "pg_rng_uniform");
  ck_assert_msg(pg_rng_normal(rng, (double *)scratch) != PG_ERR_INTERNAL, "pg_rng_normal");
  ck_assert_msg(pg_net_add_dense(net, (size_t)1, (pg_activation)1, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_dense");
  ck_assert_msg(pg_net_add_conv2d(net, (size_t)1, (size_t)1, (size_t)1, (size_t)1, (pg_padding)1, (pg_activation)1, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_conv2d");
  ck_assert_msg(pg_net_add_flatten(net) != PG_ERR_INTERNAL, "pg_net_add_flatten");
  ck_assert_msg(pg_net_add_lstm(net, (size_t)1, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_lstm");
  ck_assert_msg(pg_net_add_categorical_head(net, (size_t)1, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_categorical_head");
  ck_assert_msg(pg_net_add_gaussian_head(net, (size_t)1, (pg_init)1, (double)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_gaussian_head");
  ck_assert_msg(pg_net_add_value_head(net, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_value_head");
  ck_assert_msg(pg_net_add_q_head(net, (size_t)1, (pg_init)1, (double)1) != PG_ERR_INTERNAL, "pg_net_add_q_head");
  ck_assert_msg(pg_net_finalize(net) != PG_ERR_INTERNAL, "pg_net_finalize");
  ck_assert_msg(pg_net_clone(net, NULL) != PG_ERR_INTERNAL, "pg_net_clone");
  ck_assert_msg(pg_net_input_size(net, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_net_input_size");
  ck_assert_msg(pg_net_max_batch(net, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_net_max_batch");
  ck_assert_msg(pg_net_param_count(net, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_net_param_count");
  ck_assert_msg(pg_net_output_size(net, (pg_net_output)1, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_net_output_size");
  ck_assert_msg(pg_net_get_params(net, (size_t)1, (size_t)1, (float *)scratch) != PG_ERR_INTERNAL, "pg_net_get_params");
  ck_assert_msg(pg_net_set_params(net, (size_t)1, (size_t)1, (const float *)scratch) != PG_ERR_INTERNAL, "pg_net_set_params");
  ck_assert_msg(pg_net_get_grads(net, (size_t)1, (size_t)1, (float *)scratch) != PG_ERR_INTERNAL, "pg_net_get_grads");
  ck_assert_msg(pg_net_set_grads(net, (size_t)1, (size_t)1, (const float *)scratch) != PG_ERR_INTERNAL, "pg_net_set_grads");
  ck_assert_msg(pg_net_copy_params(net, NULL) != PG_ERR_INTERNAL, "pg_net_copy_params");
  ck_assert_msg(pg_net_init_params(net, (uint64_t)1) != PG_ERR_INTERNAL, "pg_net_init_params");
  ck_assert_msg(pg_net_zero_grads(net) != PG_ERR_INTERNAL, "pg_net_zero_grads");
  ck_assert_msg(pg_net_forward(net, (const float *)scratch, (size_t)1, (const uint8_t *)scratch) != PG_ERR_INTERNAL, "pg_net_forward");
  ck_assert_msg(pg_net_forward_seq(net, (const float *)scratch, (size_t)1, (size_t)1, (const uint8_t *)scratch) != PG_ERR_INTERNAL, "pg_net_forward_seq");
  ck_assert_msg(pg_net_reset_state(net, (size_t)1, (size_t)1) != PG_ERR_INTERNAL, "pg_net_reset_state");
  ck_assert_msg(pg_net_get_output(net, (pg_net_output)1, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_net_get_output");
  ck_assert_msg(pg_net_log_prob(net, (const float *)scratch, (size_t)1, (float *)scratch) != PG_ERR_INTERNAL, "pg_net_log_prob");
  ck_assert_msg(pg_net_backward(net, NULL, (size_t)1, (double *)scratch) != PG_ERR_INTERNAL, "pg_net_backward");
  ck_assert_msg(pg_optim_create(net, (pg_optim_kind)1, NULL) != PG_ERR_INTERNAL, "pg_optim_create");
  ck_assert_msg(pg_optim_set_param(opt, (pg_optim_param)1, (double)1) != PG_ERR_INTERNAL, "pg_optim_set_param");
  ck_assert_msg(pg_optim_get_param(opt, (pg_optim_param)1, (double *)scratch) != PG_ERR_INTERNAL, "pg_optim_get_param");
  ck_assert_msg(pg_optim_step(opt, (double *)scratch) != PG_ERR_INTERNAL, "pg_optim_step");
  ck_assert_msg(pg_optim_reset(opt) != PG_ERR_INTERNAL, "pg_optim_reset");
  ck_assert_msg(pg_env_clone(env, (int32_t)1, (uint64_t)1, NULL) != PG_ERR_INTERNAL, "pg_env_clone");
  ck_assert_msg(pg_env_set_observation_image(env, (int32_t)1, (int32_t)1, (int32_t)1) != PG_ERR_INTERNAL, "pg_env_set_observation_image");
  ck_assert_msg(pg_env_set_action_bounds(env, (const float *)scratch, (const float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_env_set_action_bounds");
  ck_assert_msg(pg_env_set_max_episode_steps(env, (uint64_t)1) != PG_ERR_INTERNAL, "pg_env_set_max_episode_steps");
  ck_assert_msg(pg_env_get_max_episode_steps(env, (uint64_t *)scratch) != PG_ERR_INTERNAL, "pg_env_get_max_episode_steps");
  ck_assert_msg(pg_env_set_seed(env, (uint64_t)1) != PG_ERR_INTERNAL, "pg_env_set_seed");
  (void)pg_env_get_name(env);
  ck_assert_msg(pg_env_get_observation_size(env, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_env_get_observation_size");
  ck_assert_msg(pg_env_get_observation_image(env, (int32_t *)scratch, (int32_t *)scratch, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_env_get_observation_image");
  ck_assert_msg(pg_env_get_action_space(env, (pg_action_kind *)scratch, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_env_get_action_space");
  ck_assert_msg(pg_env_get_action_bounds(env, (float *)scratch, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_env_get_action_bounds");
  ck_assert_msg(pg_env_get_action_mask(env, (uint8_t *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_env_get_action_mask");
  ck_assert_msg(pg_env_reset(env, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_env_reset");
  ck_assert_msg(pg_env_step(env, (const float *)scratch, (size_t)1, (float *)scratch, (size_t)1, (float *)scratch, (int32_t *)scratch, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_env_step");
  ck_assert_msg(pg_env_get_episode_stats(env, (double *)scratch, (uint64_t *)scratch, (uint64_t *)scratch, (double *)scratch, (uint64_t *)scratch) != PG_ERR_INTERNAL, "pg_env_get_episode_stats");
  ck_assert_msg(pg_vec_env_create(env, (int32_t)1, (int32_t)1, (uint64_t)1, NULL) != PG_ERR_INTERNAL, "pg_vec_env_create");
  ck_assert_msg(pg_vec_env_get_size(vec, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_vec_env_get_size");
  ck_assert_msg(pg_vec_env_reset(vec, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_vec_env_reset");
  ck_assert_msg(pg_vec_env_step(vec, (const float *)scratch, (size_t)1, (float *)scratch, (size_t)1, (float *)scratch, (int32_t *)scratch, (int32_t *)scratch, (float *)scratch) != PG_ERR_INTERNAL, "pg_vec_env_step");
  ck_assert_msg(pg_vec_env_get_action_mask(vec, (uint8_t *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_vec_env_get_action_mask");
  ck_assert_msg(pg_vec_env_get_episode_stats(vec, (int32_t)1, (double *)scratch, (uint64_t *)scratch, (uint64_t *)scratch, (double *)scratch, (uint64_t *)scratch) != PG_ERR_INTERNAL, "pg_vec_env_get_episode_stats");
  ck_assert_msg(pg_agent_set_param(agent, (pg_param)1, (double)1) != PG_ERR_INTERNAL, "pg_agent_set_param");
  ck_assert_msg(pg_agent_get_param(agent, (pg_param)1, (double *)scratch) != PG_ERR_INTERNAL, "pg_agent_get_param");
  ck_assert_msg(pg_agent_set_param_by_name(agent, (const char *)scratch, (double)1) != PG_ERR_INTERNAL, "pg_agent_set_param_by_name");
  ck_assert_msg(pg_agent_param_bounds(agent, (pg_param)1, (double *)scratch, (double *)scratch) != PG_ERR_INTERNAL, "pg_agent_param_bounds");
  ck_assert_msg(pg_agent_get_stat(agent, (pg_stat)1, (double *)scratch) != PG_ERR_INTERNAL, "pg_agent_get_stat");
  ck_assert_msg(pg_agent_get_net(agent, (int32_t)1, NULL) != PG_ERR_INTERNAL, "pg_agent_get_net");
  ck_assert_msg(pg_agent_set_grad_reduce(agent, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_agent_set_grad_reduce");
  ck_assert_msg(pg_agent_step(agent, (const float *)scratch, (size_t)1, (const uint8_t *)scratch, (size_t)1, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_agent_step");
  ck_assert_msg(pg_agent_report(agent, (const float *)scratch, (const int32_t *)scratch, (const int32_t *)scratch, (size_t)1, (const float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_agent_report");
  ck_assert_msg(pg_agent_update(agent, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_agent_update");
  ck_assert_msg(pg_agent_reset_state(agent, (size_t)1) != PG_ERR_INTERNAL, "pg_agent_reset_state");
  ck_assert_msg(pg_agent_act(agent, (const float *)scratch, (size_t)1, (const uint8_t *)scratch, (size_t)1, (int32_t)1, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_agent_act");
  ck_assert_msg(pg_agent_get_shape(agent, (size_t *)scratch, (size_t *)scratch, (size_t *)scratch, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_agent_get_shape");
  ck_assert_msg(pg_agent_create_worker(agent, NULL) != PG_ERR_INTERNAL, "pg_agent_create_worker");
  (void)pg_agent_last_error(agent);
  ck_assert_msg(pg_agent_train(agent, NULL, (int64_t)1, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_agent_train");
  ck_assert_msg(pg_agent_evaluate(agent, NULL, (int32_t)1, (int32_t)1, (double *)scratch, (double *)scratch) != PG_ERR_INTERNAL, "pg_agent_evaluate");
  ck_assert_msg(pg_agent_set_log_callback(agent, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_agent_set_log_callback");
  ck_assert_msg(pg_net_save_cb(net, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_net_save_cb");
  ck_assert_msg(pg_net_save_memory(net, (void *)scratch, (size_t)1, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_net_save_memory");
  ck_assert_msg(pg_agent_save_cb(agent, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_agent_save_cb");
  ck_assert_msg(pg_agent_save_memory(agent, (void *)scratch, (size_t)1, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_agent_save_memory");
  ck_assert_msg(pg_policy_from_net(net, NULL) != PG_ERR_INTERNAL, "pg_policy_from_net");
  ck_assert_msg(pg_policy_from_agent(agent, NULL) != PG_ERR_INTERNAL, "pg_policy_from_agent");
  ck_assert_msg(pg_policy_save_cb(pol, NULL, (void *)scratch) != PG_ERR_INTERNAL, "pg_policy_save_cb");
  ck_assert_msg(pg_policy_save_memory(pol, (void *)scratch, (size_t)1, (size_t *)scratch) != PG_ERR_INTERNAL, "pg_policy_save_memory");
  ck_assert_msg(pg_policy_get_shape(pol, (size_t *)scratch, (size_t *)scratch, (size_t *)scratch, (int32_t *)scratch) != PG_ERR_INTERNAL, "pg_policy_get_shape");
  ck_assert_msg(pg_policy_session_create(pol, (uint64_t)1, NULL) != PG_ERR_INTERNAL, "pg_policy_session_create");
  ck_assert_msg(pg_policy_session_reset(sess) != PG_ERR_INTERNAL, "pg_policy_session_reset");
  ck_assert_msg(pg_policy_session_seed(sess, (uint64_t)1, (uint64_t)1) != PG_ERR_INTERNAL, "pg_policy_session_seed");
  ck_assert_msg(pg_policy_act(sess, (const float *)scratch, (size_t)1, (const uint8_t *)scratch, (size_t)1, (int32_t)1, (float *)scratch, (size_t)1) != PG_ERR_INTERNAL, "pg_policy_act");
  (void)pg_policy_session_last_error(sess);
}

START_TEST(test_bad_argument_sweep) {
  sweep_null_handles();
  pg_ctx *ctx = new_ctx();
  pg_env *env = NULL;
  pg_agent *agent = reinforce_agent(ctx, &env);
  pg_net *net = NULL;
  tiny_net(ctx, false, &net);
  pg_optim *opt = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_ADAM, &opt), PG_OK);
  pg_vec_env *vec = NULL;
  ck_assert_int_eq(pg_vec_env_create(env, 2, 1, 1, &vec), PG_OK);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  pg_policy_session *sess = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &sess), PG_OK);
  pg_rng *rng = NULL;
  ck_assert_int_eq(pg_rng_create(ctx, 1, 0, &rng), PG_OK);
  sweep_null_arguments(net, agent, opt, env, vec, pol, sess, rng);
  sweep_small_arguments(net, agent, opt, env, vec, pol, sess, rng);
  pg_rng_destroy(rng);
  pg_policy_session_destroy(sess);
  pg_policy_destroy(pol);
  pg_vec_env_destroy(vec);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

Suite *robust_suite(void) {
  Suite *s = suite_create("robust");
  TCase *tc = tcase_create("refusals");
  tcase_add_test(tc, test_rejected_terminal_report_keeps_the_episode_end);
  tcase_add_test(tc, test_learning_rate_is_bounded);
  tcase_add_test(tc, test_diverging_optim_step_changes_nothing);
  tcase_add_loop_test(tc, test_overflowing_optim_statistics_are_refused, 0, 2);
  tcase_add_test(tc, test_non_finite_outputs_are_refused);
  tcase_add_loop_test(tc, test_refused_step_changes_nothing, 0,
                      (int)(sizeof refused_step_algos / sizeof *refused_step_algos));
  tcase_add_loop_test(tc, test_overflowing_statistics_are_refused, 0,
                      (int)(sizeof overflow_algos / sizeof *overflow_algos));
  tcase_add_test(tc, test_bad_argument_sweep);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(robust_suite()); }
