#define _POSIX_C_SOURCE 200809L
/* A new algorithm touches nothing else: this file alone adds a toy
** algorithm -- GAE(lambda) advantage actor-critic over n slots x t_max steps
** with acting-time values and log-probabilities -- through the agent vtable
** (pg__algo_ops), and trains it through both loops: the library-driven
** pg_agent_train and the host-driven pg_agent_step / pg_agent_report /
** pg_agent_update. It uses only the internal building blocks: the rollout
** buffer (records, bootstrap rows, GAE), the loss over rows (pg_loss_desc)
** and the one apply point. Also the rollout buffer's returns: GAE with
** lambda = 1 and lambda = 0 against n-step returns and TD errors, and the
** apply point's gradient-reduce hook. */
#include "testutil.h"

#include "agents/pg_agent_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the toy algorithm ---------------------------------------------------- */

typedef struct toy_state {
  pg__rollout rb;
  double max_logp_err; /* |log pi at acting time - at update|, before the step */
  uint64_t updates;
} toy_state;

static pg_status toy_setup(pg_agent *a) {
  toy_state *s = pg__calloc(a->ctx, 1, sizeof *s);
  if (!s || pg__rollout_init(a->ctx, &s->rb, a->n_slots, pg__pz(a, PG_PARAM_T_MAX), a->obs_size,
                             a->action_len, a->discrete ? a->n_actions : 0,
                             PG__RB_BOOT_ROWS | PG__RB_ACTING) != PG_OK) {
    pg__free(a->ctx, s);
    return pg__fail(a->ctx, PG_ERR_NOMEM, "toy: out of memory");
  }
  if (a->algo) {
    pg__rollout_free(a->ctx, &((toy_state *)a->algo)->rb);
    pg__free(a->ctx, a->algo);
  }
  a->algo = s;
  return PG_OK;
}

static pg_status toy_record(pg_agent *a, const float *obs, const uint8_t *mask,
                            const float *actions, const float *rewards, const int32_t *term,
                            const int32_t *trunc, const float *next_obs) {
  toy_state *s = a->algo;
  pg__rollout_record(&s->rb, obs, mask, actions, rewards, term, trunc, next_obs, a->pend_value,
                     a->pend_logp);
  return PG_OK;
}

static bool toy_due(const pg_agent *a) {
  const toy_state *s = a->algo;
  return s && s->rb.t == s->rb.cap;
}

static pg_status toy_update(pg_agent *a) {
  toy_state *s = a->algo;
  pg__rollout *rb = &s->rb;
  size_t n = rb->n, R = n * rb->cap;
  pg__agent_values(a, rb->boot_obs, n + rb->n_trunc, rb->boot_v);
  pg__rollout_scatter_boot(rb);
  pg__gae(rb->cap, n, (float)pg__p(a, PG_PARAM_GAMMA), 0.9f, rb->rew, rb->value, rb->term,
          rb->trunc, rb->boot, rb->boot_v, rb->adv, rb->ret);
  pg__agent_zero_grads(a);
  pg__net_out o;
  pg__net_forward(a->net, rb->obs, R, rb->any_mask ? rb->mask : NULL, &o);
  double pl = 0.0;
  for (size_t r = 0; r < R; r++) {
    double lp = pg__agent_row_log_prob(a, &o, r, rb->act + r * a->action_len);
    double err = fabs(lp - (double)rb->logp[r]);
    if (err > s->max_logp_err) s->max_logp_err = err;
    pl -= (double)rb->adv[r] * lp;
  }
  pg_loss_desc L = {sizeof(pg_loss_desc), 1.0f / (float)R, 1.0f,
                    (float)pg__p(a, PG_PARAM_ENTROPY_BETA), 0.5f, 0.0f,
                    rb->act, rb->adv, rb->ret, NULL, NULL};
  (void)pg__net_backward(a->net, R, &L);
  pg__rollout_clear(rb);
  s->updates++;
  return pg__agent_apply(a, "pg_agent_update", a->total_steps, pl / (double)R, 0.0, 0.0, NULL);
}

static void toy_clear(pg_agent *a) {
  toy_state *s = a->algo;
  if (s) pg__rollout_clear(&s->rb);
}

static void toy_teardown(pg_agent *a) {
  toy_state *s = a->algo;
  if (!s) return;
  pg__rollout_free(a->ctx, &s->rb);
  pg__free(a->ctx, s);
  a->algo = NULL;
}

static const pg__param_default TOY_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},          {PG_PARAM_LR, 0.01},
    {PG_PARAM_ENTROPY_BETA, 0.01},   {PG_PARAM_CLIP_NORM, 1.0},
    {PG_PARAM_T_MAX, 8},             {PG_PARAM_NUM_ENVS, 4},
    {PG_PARAM_NUM_THREADS, 1},       {PG_PARAM_SEED, 0},
    {PG_PARAM_OPTIMIZER, PG_OPTIM_ADAM}, {PG_PARAM_OPTIM_EPSILON, 1e-8},
    {PG_PARAM_LR_ANNEAL_STEPS, 0},   {PG_PARAM_DETERMINISTIC, 0},
    {PG_PARAM_REPORT_INTERVAL, 0},   {PG_PARAM_MAX_EPISODE_STEPS, 0},
    {(pg_param)0, 0}};

static const pg__param_bound TOY_BOUNDS[] = {{PG_PARAM_T_MAX, 2.0, 64.0}, {(pg_param)0, 0, 0}};

static const pg__algo_ops TOY_OPS = {.name = "toy_gae",
                                     .traits = PG__TRAIT_ACTING,
                                     .params = TOY_PARAMS,
                                     .bounds = TOY_BOUNDS,
                                     .needs_value = true,
                                     .setup = toy_setup,
                                     .record = toy_record,
                                     .update_due = toy_due,
                                     .update = toy_update,
                                     .clear = toy_clear,
                                     .teardown = toy_teardown};

/* ---- helpers ---------------------------------------------------------------- */

static pg_net *toy_net(pg_ctx *ctx) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 256, 5, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 32, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static double stat(pg_agent *a, pg_stat s) {
  double v = -1.0;
  ck_assert_int_eq(pg_agent_get_stat(a, s, &v), PG_OK);
  return v;
}

static float param0(pg_net *net) {
  float p = 0.0f;
  ck_assert_int_eq(pg_net_get_params(net, 0, 1, &p), PG_OK);
  return p;
}

/* A toy agent on a fresh net (*net: borrowed by the agent, destroyed by the
** caller). */
static pg_agent *toy_agent(pg_ctx *ctx, pg_net **net) {
  *net = toy_net(ctx);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg__agent_create_ops(ctx, &TOY_OPS, *net, NULL, &a), PG_OK);
  return a;
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(test_toy_through_the_library_loop) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_net *net = NULL;
  pg_agent *a = toy_agent(ctx, &net);
  /* the registry's names and the toy's own bounds and parameters */
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 1), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 5), PG_OK);
  ck_assert_int_eq(pg_agent_set_param_by_name(a, "gamma", 0.98), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_HOGWILD, 1), PG_ERR_UNSUPPORTED);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  float p_before = param0(net);
  pg_status st = pg_agent_train(a, env, 20000, NULL, NULL);
  ck_assert_msg(st == PG_OK, "%s", pg_ctx_last_error(ctx));
  toy_state *s = a->algo;
  ck_assert_double_ge(stat(a, PG_STAT_TOTAL_STEPS), 20000.0);
  ck_assert_uint_eq(s->updates, 20000 / (4 * 5)); /* 4 slots x t_max 5 */
  ck_assert_double_eq(stat(a, PG_STAT_UPDATES), (double)s->updates);
  ck_assert(param0(net) != p_before);
  /* the acting-time log-probabilities are those of the update's forward */
  ck_assert_double_lt(s->max_logp_err, 1e-4);
  ck_assert(isfinite(stat(a, PG_STAT_POLICY_LOSS)));
  /* it learns: better than a random policy's ~22 */
  double mean = 0.0, sd = 0.0;
  ck_assert_int_eq(pg_agent_evaluate(a, env, 10, 1, &mean, &sd), PG_OK);
  ck_assert_double_gt(mean, 40.0);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

START_TEST(test_toy_through_the_host_loop) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_net *net = NULL;
  pg_agent *a = toy_agent(ctx, &net);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 2), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 4), PG_OK);
  enum { N = 2 };
  pg_env *env[N];
  float obs[N * 4], next[N * 4], act[N], rew[N];
  int32_t te[N], tr[N];
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", (uint64_t)(10 + i), &env[i]), PG_OK);
    ck_assert_int_eq(pg_env_reset(env[i], obs + 4 * i, 4), PG_OK);
  }
  int updates = 0;
  for (int step = 0; step < 400; step++) {
    ck_assert_int_eq(pg_agent_step(a, obs, sizeof obs / sizeof *obs, NULL, 0, act, N), PG_OK);
    for (int i = 0; i < N; i++) {
      float a1 = act[i];
      ck_assert(a1 == 0.0f || a1 == 1.0f);
      ck_assert_int_eq(pg_env_step(env[i], &a1, 1, next + 4 * i, 4, &rew[i], &te[i], &tr[i]),
                       PG_OK);
    }
    ck_assert_int_eq(pg_agent_report(a, rew, te, tr, N, next, sizeof next / sizeof *next), PG_OK);
    int32_t updated = 0;
    ck_assert_int_eq(pg_agent_update(a, &updated), PG_OK);
    updates += updated;
    ck_assert_int_eq(updated, (step + 1) % 4 == 0);
    for (int i = 0; i < N; i++) {
      if (te[i] || tr[i]) ck_assert_int_eq(pg_env_reset(env[i], obs + 4 * i, 4), PG_OK);
      else memcpy(obs + 4 * i, next + 4 * i, 4 * sizeof(float));
    }
  }
  ck_assert_int_eq(updates, 100);
  ck_assert_double_eq(stat(a, PG_STAT_UPDATES), 100.0);
  ck_assert_double_eq(stat(a, PG_STAT_TOTAL_STEPS), 800.0);
  ck_assert_double_lt(((toy_state *)a->algo)->max_logp_err, 1e-4);
  pg_agent_destroy(a);
  for (int i = 0; i < N; i++) pg_env_destroy(env[i]);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}
END_TEST

/* The apply point's gradient-reduce hook (where multi-process training sums
** gradients): called once per gradient block and update, before clipping;
** a failing reduction skips the update and leaves the parameters alone. */
typedef struct reduce_log {
  long calls;
  size_t n;
  pg_status fail_with;
} reduce_log;

static pg_status count_reduce(void *user, float *grads, size_t n) {
  reduce_log *log = user;
  log->calls++;
  log->n = n;
  for (size_t i = 0; i < n; i++) grads[i] *= 2.0f; /* two identical "processes" summed */
  return log->fail_with;
}

START_TEST(test_gradient_reduce_hook) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  pg_agent *a = toy_agent(ctx, &net);
  reduce_log log = {0, 0, PG_OK};
  a->grad_reduce = count_reduce;
  a->grad_reduce_user = &log;
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 400, NULL, NULL), PG_OK);
  ck_assert_int_eq(log.calls, (long)stat(a, PG_STAT_UPDATES)); /* one block: shared trunk */
  ck_assert_int_eq(log.calls, 400 / (4 * 8));
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
  ck_assert_uint_eq(log.n, np);
  /* a failing reduction: the update is skipped, the parameters stay */
  log.fail_with = PG_ERR_IO;
  float before = param0(net);
  double updates = stat(a, PG_STAT_UPDATES);
  ck_assert_int_eq(pg_agent_train(a, env, 64, NULL, NULL), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "gradient reduction"));
  ck_assert(param0(net) == before);
  ck_assert_double_eq(stat(a, PG_STAT_UPDATES), updates);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_incomplete_ops_refused) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = toy_net(ctx);
  pg__algo_ops bad = TOY_OPS;
  bad.update = NULL;
  pg_agent *a = NULL;
  ck_assert_int_eq(pg__agent_create_ops(ctx, &bad, net, NULL, &a), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(a);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* GAE(1) = n-step returns - V; GAE(0) = one-step TD errors; both cut at
** terminations and bootstrapped at truncations. */
START_TEST(test_gae_limits) {
  enum { T = 5, N = 2, R = T * N };
  const float rew[R] = {1, 0.5f, -1, 2, 0.25f, 1, 3, -2, 1, 1};
  const float v[R] = {0.3f, -0.2f, 0.7f, 0.1f, 0.0f, 0.4f, -0.5f, 0.2f, 0.9f, 0.6f};
  const int32_t term[R] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  const int32_t trunc[R] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
  float boot_trunc[R] = {0}, boot_last[N] = {0.8f, -0.3f};
  boot_trunc[4] = 1.5f;
  const float gamma = 0.9f;
  float ret[R], adv[R], gret[R];
  pg__nstep_returns(T, N, gamma, rew, term, trunc, boot_trunc, boot_last, ret);
  pg__gae(T, N, gamma, 1.0f, rew, v, term, trunc, boot_trunc, boot_last, adv, gret);
  for (int r = 0; r < R; r++) {
    ck_assert_float_eq_tol(adv[r], ret[r] - v[r], 1e-5f);
    ck_assert_float_eq_tol(gret[r], ret[r], 1e-5f);
  }
  pg__gae(T, N, gamma, 0.0f, rew, v, term, trunc, boot_trunc, boot_last, adv, gret);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < N; i++) {
      int r = t * N + i;
      float next_v = t + 1 < T ? v[r + N] : boot_last[i];
      if (term[r]) next_v = 0.0f;
      else if (trunc[r]) next_v = boot_trunc[r];
      ck_assert_float_eq_tol(adv[r], rew[r] + gamma * next_v - v[r], 1e-5f);
    }
}
END_TEST

int main(void) {
  Suite *s = suite_create("toy_algorithm");
  TCase *tc = tcase_create("vtable");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_toy_through_the_library_loop);
  tcase_add_test(tc, test_toy_through_the_host_loop);
  tcase_add_test(tc, test_gradient_reduce_hook);
  tcase_add_test(tc, test_incomplete_ops_refused);
  tcase_add_test(tc, test_gae_limits);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
