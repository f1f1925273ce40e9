#define _POSIX_C_SOURCE 200809L
/* PPO (lib/agents/ppo.c): the loss gradient against central finite
** differences (categorical and Gaussian heads, rows in both clipped regions
** of the surrogate, inside the clip range, with and without the value clip
** active, entropy bonus on; Gaussian also tanh-squashed, PG_PARAM_SQUASH,
** the rows' actions the pre-squash u as the rollout keeps them), a short
** CartPole learning run, threaded env stepping giving the same agent as one thread, and GAE(lambda)
** for PAAC (lambda = 1 is the n-step return, bit for bit), the Gaussian
** spread's controls (log_std_init / _max), and the host-driven loop with
** masks and observation normalization (the rollout's rows, bootstrap rows
** and acting-time log-probabilities under moving statistics). PPO's exact resume
** and its exported policy: tests/check_io_agent.c. */
#include "testutil.h"

#include "agents/pg_agent_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 8, OBS = 3 };

/* continuous: 1 = a Gaussian head, 2 = one with a state-dependent log-std. */
static pg_net *small_net(pg_ctx *ctx, int continuous) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, OBS, 64, 3, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 6, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (continuous == 2)
    ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, PG_INIT_ORTHOGONAL, 0.5, -0.3,
                                                        -2.0, 1.0),
                     PG_OK);
  else if (continuous)
    ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 0.5, -0.3), PG_OK);
  else
    ck_assert_int_eq(pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

typedef struct fd_case {
  float obs[ROWS * OBS], act[ROWS * 2], old_lp[ROWS], old_v[ROWS], adv[ROWS], ret[ROWS];
  float w[ROWS], tgt[ROWS];
} fd_case;

static double loss_at(pg_agent *a, fd_case *c, double sums[4]) {
  pg__ppo_rows rows = {c->obs, NULL, c->act, c->old_lp, c->old_v, c->adv, c->ret};
  return pg__ppo_loss_grads(a, &rows, ROWS, 1.0f / ROWS, c->w, c->tgt, sums);
}

START_TEST(test_loss_gradient_matches_finite_differences) {
  int continuous = _i >= 1, squash = _i == 2; /* _i == 3: a state-dependent log-std */
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = small_net(ctx, _i == 3 ? 2 : continuous);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PPO, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_ENTROPY_BETA, 0.05), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_VALUE_COEF, 0.5), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_VALUE_CLIP, 0.1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SQUASH, squash), PG_OK);
  fd_case c;
  memset(&c, 0, sizeof c);
  for (int i = 0; i < ROWS * OBS; i++) c.obs[i] = (float)sin(1.7 * i + 0.3);
  size_t al = continuous ? 2 : 1;
  for (int j = 0; j < ROWS; j++) {
    if (continuous) {
      double reach = squash ? 3.0 : 1.0; /* u past tanh's linear range */
      c.act[j * 2] = (float)(0.4 * reach * cos(j));
      c.act[j * 2 + 1] = (float)(0.6 * reach * sin(2.0 * j));
    } else {
      c.act[j] = (float)(j % 3);
    }
  }
  /* Acting-time log-probabilities: current ones shifted so that the ratio
  ** lands in each region: rho = exp(-shift) in {1.6, 0.6, 1.05, 0.97}, with
  ** A > 0 and A < 0 (rho 1.6, A > 0 and rho 0.6, A < 0: clipped, no policy
  ** gradient; rho 1.6, A < 0 and rho 0.6, A > 0: unclipped minimum). */
  pg__net_out o;
  pg__net_forward(net, c.obs, ROWS, NULL, &o);
  static const double rho[4] = {1.6, 0.6, 1.05, 0.97};
  for (int j = 0; j < ROWS; j++) {
    double lp = pg__agent_row_log_prob(a, &o, (size_t)j, c.act + (size_t)j * al);
    c.old_lp[j] = (float)(lp - log(rho[j % 4]));
    c.adv[j] = (j / 4) % 2 ? -0.8f - 0.1f * (float)j : 0.7f + 0.1f * (float)j;
    /* values: half the rows moved past the value clip (their clipped loss
    ** is the larger: no value gradient), half within it */
    float v = o.value[j];
    c.ret[j] = v + (j % 2 ? 0.5f : -0.4f);
    c.old_v[j] = j % 3 == 0 ? v + (j % 2 ? -0.3f : 0.3f) : v - 0.02f;
  }
  double sums[4] = {0};
  pg__agent_zero_grads(a);
  (void)loss_at(a, &c, sums);
  size_t np = pg__net_param_count(net);
  float *g = malloc(np * sizeof *g);
  memcpy(g, pg__net_grads(net), np * sizeof *g);
  /* one row in each clipped region, and some value rows clipped */
  int zero_w = 0, own_tgt = 0;
  for (int j = 0; j < ROWS; j++) {
    zero_w += c.w[j] == 0.0f;
    own_tgt += c.tgt[j] != c.ret[j];
  }
  ck_assert_int_eq(zero_w, 2); /* rho 1.6 with A > 0, rho 0.6 with A < 0 */
  ck_assert_int_eq(own_tgt, 3); /* rows 0, 3, 6 */
  ck_assert(sums[2] > 0.0);
  float *p = pg__net_params(net);
  for (size_t k = 0; k < np; k++) {
    float keep = p[k];
    double h = 1e-3, s2[4] = {0};
    p[k] = keep + (float)h;
    pg__net_params_changed(net);
    double up = loss_at(a, &c, s2);
    p[k] = keep - (float)h;
    pg__net_params_changed(net);
    double down = loss_at(a, &c, s2);
    p[k] = keep;
    pg__net_params_changed(net);
    double fd = (up - down) / (2.0 * h), err = fabs(fd - (double)g[k]);
    double tol = 2e-3 + 2e-2 * fabs(fd);
    ck_assert_msg(err <= tol, "param %zu: backward %.6g, finite difference %.6g", k,
                  (double)g[k], fd);
  }
  free(g);
  pg_agent_destroy(a);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_learns_cartpole) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 1), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_PPO, env, 64, 2, &a), PG_OK);
  pg_test_threshold th = {195.0, 0};
  ck_assert_int_eq(pg_agent_train(a, env, 300000, pg_test_stop_at_threshold, &th), PG_OK);
  double mean = 0.0, steps = 0.0;
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean), PG_OK);
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
  ck_assert_msg(th.hit, "PPO: mean return %.1f after %.0f steps", mean, steps);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* PPO on a caller-built net whose Gaussian head has a state-dependent
** log-std: LOG_STD_INIT sets the bias of the log-std layer (the agent's
** clamp leaves it alone), and it learns CartPoleContinuous-v1 to a mean
** return of 195 within 200k steps (seed 1). */
START_TEST(test_state_std_learns_cartpole_continuous) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 1), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPoleContinuous-v1", 1, &env), PG_OK);
  pg_net *net = NULL, *vnet = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 2048, 11, &net), PG_OK);
  ck_assert_int_eq(pg_net_create(ctx, 4, 2048, 12, &vnet), PG_OK);
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(pg_net_add_dense(net, 64, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.414),
                     PG_OK);
    ck_assert_int_eq(pg_net_add_dense(vnet, 64, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.414),
                     PG_OK);
  }
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 1, PG_INIT_ORTHOGONAL, 0.01, 0.0,
                                                      -3.0, 1.0),
                   PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(vnet, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  ck_assert_int_eq(pg_net_finalize(vnet), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PPO, net, vnet, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_INIT, -1.0), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_MAX, -2.0), PG_OK); /* not applied */
  ck_assert_int_eq(pg_agent_train(a, env, 4, NULL, NULL), PG_OK);
  const pg__netdef *d = pg__net_def(net);
  const pg__layer *l = &d->layers[d->head[PG__HEAD_LOG_STD]];
  const float *bias = pg__net_params(net) + l->param_off + l->in * l->out;
  ck_assert_float_eq_tol(bias[0], (float)atanh(2.0 * (-1.0 + 3.0) / 4.0 - 1.0), 1e-6f);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_MAX, 2.0), PG_OK);
  pg_test_threshold th = {195.0, 0};
  ck_assert_int_eq(pg_agent_train(a, env, 200000, pg_test_stop_at_threshold, &th), PG_OK);
  double mean = 0.0, steps = 0.0;
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean), PG_OK);
  ck_assert_int_eq(pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
  ck_assert_msg(th.hit, "PPO, state-dependent std: mean return %.1f after %.0f steps", mean,
                steps);
  fprintf(stderr, "state-dependent std: mean return %.1f after %.0f steps\n", mean, steps);
  /* the agent file round-trips it (its nets in format version 5) */
  size_t size = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, size, &size), PG_OK);
  pg_agent *b = NULL;
  ck_assert_int_eq(pg_agent_load_memory(ctx, buf, size, &b), PG_OK);
  pg_net *bn = NULL;
  ck_assert_int_eq(pg_agent_get_net(b, 0, &bn), PG_OK);
  size_t np = pg__net_param_count(net);
  ck_assert_uint_eq(pg__net_param_count(bn), np);
  ck_assert(memcmp(pg__net_params(net), pg__net_params(bn), np * sizeof(float)) == 0);
  ck_assert(pg__netdef_state_std(pg__net_def(bn)));
  const float obs[4] = {0.01f, -0.2f, 0.03f, 0.1f};
  float act_a[1], act_b[1];
  ck_assert_int_eq(pg_agent_act(a, obs, 4, NULL, 0, 0, act_a, 1), PG_OK);
  ck_assert_int_eq(pg_agent_act(b, obs, 4, NULL, 0, 0, act_b, 1), PG_OK);
  ck_assert(act_a[0] == act_b[0]);
  pg_policy *pol = NULL; /* the exported policy acts as the agent does */
  pg_policy_session *ps = NULL;
  ck_assert_int_eq(pg_policy_from_agent(a, &pol), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &ps), PG_OK);
  ck_assert_int_eq(pg_policy_act(ps, obs, 4, NULL, 0, 1, act_b, 1), PG_OK);
  ck_assert_int_eq(pg_agent_act(a, obs, 4, NULL, 0, 1, act_a, 1), PG_OK);
  ck_assert(act_a[0] == act_b[0]);
  pg_policy_session_destroy(ps);
  pg_policy_destroy(pol);
  free(buf);
  pg_agent_destroy(b);
  pg_agent_destroy(a);
  pg_net_destroy(net);
  pg_net_destroy(vnet);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* The policy net's parameters after training an agent of algo for env_name
** (16 units, 1 layer) for steps steps with two parameters set first (a
** parameter 0 is skipped); *count floats, the caller frees them. */
static float *trained_params(pg_algorithm algo, const char *env_name, uint64_t seed,
                             const pg_param *params, const double *values, int64_t steps,
                             size_t *count) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, env_name, seed, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  for (int i = 0; i < 2; i++)
    if (params[i]) ck_assert_int_eq(pg_agent_set_param(a, params[i], values[i]), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, steps, NULL, NULL), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  ck_assert_int_eq(pg_net_param_count(net, count), PG_OK);
  float *p = malloc(*count * sizeof *p);
  ck_assert_int_eq(pg_net_get_params(net, 0, *count, p), PG_OK);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return p;
}

/* Threaded environment stepping (a pg_vec_env of 4 clones on 2 threads)
** gives the same agent as one thread: the threads only step the envs. */
START_TEST(test_threads_same_result) {
  const pg_param params[2] = {PG_PARAM_T_MAX, PG_PARAM_NUM_THREADS};
  const double one[2] = {32, 1}, two[2] = {32, 2};
  size_t n1, n2;
  float *p1 = trained_params(PG_ALGO_PPO, "Acrobot-v1", 4, params, one, 1280, &n1);
  float *p2 = trained_params(PG_ALGO_PPO, "Acrobot-v1", 4, params, two, 1280, &n2);
  ck_assert_uint_eq(n1, n2);
  ck_assert(memcmp(p1, p2, n1 * sizeof *p1) == 0);
  free(p1);
  free(p2);
}
END_TEST

/* PAAC with gae_lambda = 1 trains exactly as before (n-step returns); a
** lambda below 1 changes the updates. */
START_TEST(test_paac_gae_lambda) {
  const pg_param lam[2] = {PG_PARAM_NUM_ENVS, PG_PARAM_GAE_LAMBDA};
  const double v_one[2] = {4, 1.0}, v_09[2] = {4, 0.9};
  const pg_param envs[2] = {PG_PARAM_NUM_ENVS, (pg_param)0};
  size_t n0, n1, n2;
  float *p0 = trained_params(PG_ALGO_PAAC, "CartPole-v1", 2, envs, v_one, 2000, &n0);
  float *p1 = trained_params(PG_ALGO_PAAC, "CartPole-v1", 2, lam, v_one, 2000, &n1);
  float *p2 = trained_params(PG_ALGO_PAAC, "CartPole-v1", 2, lam, v_09, 2000, &n2);
  ck_assert(n0 == n1 && n1 == n2);
  ck_assert(memcmp(p0, p1, n0 * sizeof *p0) == 0);
  ck_assert(memcmp(p0, p2, n0 * sizeof *p0) != 0);
  free(p0);
  free(p1);
  free(p2);
}
END_TEST

/* The Gaussian spread's controls (PPO, PAAC): log_std_init is where the
** head's log-std starts (before the first update), log_std_max caps what a
** large entropy bonus does to it (without the cap it climbs past it), and
** a discrete agent refuses them. */
static float max_log_std(pg_agent *a, float *first) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  const pg__netdef *d = pg__net_def(net);
  ck_assert_int_ge(d->head[PG__HEAD_GAUSSIAN], 0);
  const float *ls = pg__net_params(net) + d->log_std_off;
  if (first) *first = ls[0];
  return ls[0];
}

static pg_agent *gaussian_agent(pg_ctx *ctx, pg_env *env, pg_algorithm algo) {
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  if (algo == PG_ALGO_PAAC) ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4), PG_OK);
  else ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 32), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, 0.01), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_ENTROPY_BETA, 8.0), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_INIT, -1.0), PG_OK);
  return a;
}

START_TEST(test_log_std_controls) {
  pg_algorithm algo = _i ? PG_ALGO_PAAC : PG_ALGO_PPO;
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 2, &env), PG_OK);
  /* capped: the log-std starts at -1 and ends on the cap */
  pg_agent *a = gaussian_agent(ctx, env, algo);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_MAX, -0.5), PG_OK);
  ck_assert_float_eq(max_log_std(a, NULL), 0.0f); /* create_for_env's start */
  ck_assert_int_eq(pg_agent_train(a, env, 4, NULL, NULL), PG_OK); /* no update yet */
  ck_assert_float_eq(max_log_std(a, NULL), -1.0f);
  ck_assert_int_eq(pg_agent_train(a, env, 6000, NULL, NULL), PG_OK);
  ck_assert_float_eq(max_log_std(a, NULL), -0.5f);
  /* set while learning: written at once */
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_INIT, -2.0), PG_OK);
  ck_assert_float_eq(max_log_std(a, NULL), -2.0f);
  pg_agent_destroy(a);
  /* uncapped (the default bound 2): the same bonus widens it past -0.5 */
  a = gaussian_agent(ctx, env, algo);
  ck_assert_int_eq(pg_agent_train(a, env, 6000, NULL, NULL), PG_OK);
  ck_assert_msg(max_log_std(a, NULL) > -0.5f, "log-std %g", (double)max_log_std(a, NULL));
  pg_agent_destroy(a);
  pg_env_destroy(env);
  /* a discrete agent keeps the defaults */
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 2, &env), PG_OK);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_INIT, -1.0), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_agent_last_error(a), "Gaussian"));
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LOG_STD_MAX, 2.0), PG_OK); /* the default */
  double v = 1.0;
  ck_assert_int_eq(pg_agent_get_param(a, PG_PARAM_LOG_STD_INIT, &v), PG_OK);
  ck_assert(v == 0.0);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Uniform in [0, 1) from a 64-bit LCG. */
static double lcg_uniform(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(*s >> 11) / 9007199254740992.0;
}
#define UNIFORM() lcg_uniform(&rng)

/* PPO in the host-driven loop on a masked task with far-from-zero
** observations: obs = (50 + 10 u, 50 + 10 w), 4 actions of which a random
** mask allows 0, 1 and one of 2 / 3; reward 1 for action 0 when u > 0.5,
** for action 1 otherwise (one-step episodes). A masked action is never
** taken; with norm_obs the agent learns it, and its normalization
** statistics converge to the observations' mean. */
START_TEST(test_host_loop_masked_normalized) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 3), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 2, 64, 5, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.4), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 4, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PPO, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NORM_OBS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 32), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_LR, 0.003), PG_OK);
  enum { N = 4 };
  float obs[N * 2], act[N], rew[N], next[N * 2];
  uint8_t mask[N * 4];
  int32_t term[N], trunc[N] = {0};
  uint64_t rng = 12345;
  int masked_taken = 0, updates = 0;
  for (int t = 0; t < 3000; t++) {
    for (int i = 0; i < N; i++) {
      obs[i * 2] = (float)(50.0 + 10.0 * UNIFORM());
      obs[i * 2 + 1] = (float)(50.0 + 10.0 * UNIFORM());
      int third = UNIFORM() < 0.5 ? 2 : 3;
      for (int k = 0; k < 4; k++) mask[i * 4 + k] = k < 2 || k == third;
    }
    ck_assert_int_eq(pg_agent_step(a, obs, sizeof obs / sizeof *obs, mask, sizeof mask, act, N),
                     PG_OK);
    for (int i = 0; i < N; i++) {
      int want = obs[i * 2] > 55.0f ? 0 : 1;
      masked_taken += !mask[i * 4 + (int)act[i]];
      rew[i] = (int)act[i] == want ? 1.0f : 0.0f;
      term[i] = 1;
    }
    memcpy(next, obs, sizeof next);
    ck_assert_int_eq(pg_agent_report(a, rew, term, trunc, N, next, sizeof next / sizeof *next),
                     PG_OK);
    int32_t up = 0;
    ck_assert_int_eq(pg_agent_update(a, &up), PG_OK);
    updates += up;
  }
  ck_assert_int_eq(masked_taken, 0);
  ck_assert_int_gt(updates, 80);
  const pg__obs_norm *z = a->onorm;
  ck_assert(fabs(z->mean[0] - 55.0) < 0.5 && fabs(z->mean[1] - 55.0) < 0.5);
  int right = 0;
  for (int t = 0; t < 200; t++) {
    float o[2], x;
    o[0] = (float)(50.0 + 10.0 * UNIFORM());
    o[1] = (float)(50.0 + 10.0 * UNIFORM());
    uint8_t m[4] = {1, 1, 0, 1};
    ck_assert_int_eq(pg_agent_act(a, o, 2, m, 4, 1, &x, 1), PG_OK);
    right += (int)x == (o[0] > 55.0f ? 0 : 1);
  }
#undef UNIFORM
  ck_assert_msg(right >= 180, "%d of 200 greedy actions right", right);
  pg_agent_destroy(a);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* With norm_obs, the rollout keeps each step's rows normalized with the
** statistics it acted with (merged before acting, moving every step), the
** bootstrap rows (a truncated slot's, the last step's next_obs) with that
** step's statistics too, and the acting-time log-probabilities and values
** are those of the stored rows: the first minibatch's ratio is exactly 1. */
START_TEST(test_normalized_rows_are_acting_time_rows) {
  enum { N = 3, T = 6, TRUNC_STEP = 2, TRUNC_SLOT = 1 };
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 5), PG_OK);
  pg_net *net = small_net(ctx, 0);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PPO, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NORM_OBS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, N), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, T), PG_OK);
  const float clip = (float)pg__p(a, PG_PARAM_OBS_CLIP);
  float obs[N * OBS], next[N * OBS], act[N], rew[N] = {0}, want[N * OBS];
  float mean[T][OBS], scale[T][OBS];
  int32_t term[N] = {0}, trunc[N];
  uint64_t rng = 99;
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < N * OBS; i++) {
      obs[i] = (float)(100.0 + 20.0 * lcg_uniform(&rng));
      next[i] = obs[i] + 5.0f;
    }
    ck_assert_int_eq(pg_agent_step(a, obs, N * OBS, NULL, 0, act, N), PG_OK);
    const pg__rollout *rb = a->algo; /* the first member of PPO's state */
    memcpy(mean[t], a->onorm->mean_f, sizeof mean[t]);
    memcpy(scale[t], a->onorm->scale_f, sizeof scale[t]);
    pg__obs_normalize(mean[t], scale[t], clip, obs, N, OBS, want);
    ck_assert(memcmp(rb->obs + (size_t)t * N * OBS, want, sizeof want) == 0);
    for (int i = 0; i < N; i++) trunc[i] = t == TRUNC_STEP && i == TRUNC_SLOT;
    ck_assert_int_eq(pg_agent_report(a, rew, term, trunc, N, next, N * OBS), PG_OK);
    pg__obs_normalize(mean[t], scale[t], clip, next, N, OBS, want);
    if (t == TRUNC_STEP) {
      ck_assert_uint_eq(rb->n_trunc, 1);
      ck_assert(memcmp(rb->boot_obs + N * OBS, want + TRUNC_SLOT * OBS, OBS * sizeof(float)) == 0);
    }
    if (t == T - 1) ck_assert(memcmp(rb->boot_obs, want, sizeof want) == 0);
  }
  /* the statistics moved: the first rows differ from the last step's normalization */
  ck_assert(memcmp(mean[0], mean[T - 1], sizeof mean[0]) != 0);
  const pg__rollout *rb = a->algo;
  pg__net_out o;
  pg__net_forward(a->net, rb->obs, (size_t)N * T, NULL, &o);
  for (size_t r = 0; r < (size_t)N * T; r++) {
    ck_assert_float_eq_tol(pg__agent_row_log_prob(a, &o, r, rb->act + r), rb->logp[r], 1e-6);
    ck_assert_float_eq_tol(o.value[r], rb->value[r], 1e-6);
  }
  int32_t up = 0;
  ck_assert_int_eq(pg_agent_update(a, &up), PG_OK);
  ck_assert_int_eq(up, 1);
  pg_agent_destroy(a);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ppo");
  TCase *tc = tcase_create("ppo");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_loss_gradient_matches_finite_differences, 0, 4);
  tcase_add_test(tc, test_learns_cartpole);
  tcase_add_test(tc, test_state_std_learns_cartpole_continuous);
  tcase_add_test(tc, test_paac_gae_lambda);
  tcase_add_test(tc, test_threads_same_result);
  tcase_add_loop_test(tc, test_log_std_controls, 0, 2);
  tcase_add_test(tc, test_host_loop_masked_normalized);
  tcase_add_test(tc, test_normalized_rows_are_acting_time_rows);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
