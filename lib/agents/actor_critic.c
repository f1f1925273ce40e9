/* n-step advantage actor-critic over n slots x t_max steps: one-step
** actor-critic (the lecture's Algorithm 13.5: t_max = 1, one slot by
** default) and PAAC (Clemente et al., Algorithm 1: n_e = 32 slots,
** t_max = 5). Per update:
**   R = V(s_{t_max+1}) per slot (bootstrap rows, one batched forward);
**   going back, R = r + gamma*R, cut at terminated (R = 0 before adding r)
**   and at truncated steps (R = V(true final obs of that step));
**   loss = 1/(n*t_max) sum [ -(R - V(s)) log pi(a|s) - beta H + c (R - V)^2 ].
** With GAE_LAMBDA < 1 (PAAC), R is the lambda-return instead: GAE(lambda)
** advantages over V at the current parameters, plus V.
** All buffers are allocated in setup; record and update never allocate. */
#include "agents/pg_agent_internal.h"

#include <string.h>

typedef struct ac_state {
  pg__rollout rb;       /* n slots x t_max steps, with bootstrap rows */
  /* Forward reuse (shared trunk, rows fit in the net's max batch): step t
  ** is forwarded into rows [t*n, (t+1)*n) of the net, the update forwards
  ** only the bootstrap rows (after row n*T) and back-propagates over the
  ** kept rows. cache_ok: every step of the segment was forwarded there and
  ** nothing touched the net since (stamp: after the last step's forward). */
  bool cache, cache_ok;
  uint64_t stamp;
  /* Recurrent nets: the slots' state kept aside while the bootstrap rows
  ** are forwarded (they must not advance it). */
  float *saved_state;
} ac_state;

static void st_free(pg_ctx *ctx, ac_state *s) {
  if (!s) return;
  pg__rollout_free(ctx, &s->rb);
  pg__free(ctx, s->saved_state);
  pg__free(ctx, s);
}

static pg_status ac_setup(pg_agent *a) {
  pg_ctx *ctx = a->ctx;
  size_t n = a->n_slots, T = pg__pz(a, PG_PARAM_T_MAX), R = n * T;
  ac_state *s = pg__calloc(ctx, 1, sizeof *s);
  if (!s || pg__rollout_init(ctx, &s->rb, n, T, a->obs_size, a->action_len,
                             a->discrete ? a->n_actions : 0, PG__RB_BOOT_ROWS) != PG_OK) {
    pg__free(ctx, s);
    return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_step: out of memory for the rollout buffers");
  }
  s->cache = !a->vnet && 2 * R + n <= pg__net_max_batch(a->net);
  if (pg__net_stateful(a->net)) {
    /* Back-propagation through time needs the segment's own forwards. */
    if (!s->cache) {
      st_free(ctx, s);
      return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                      "pg_agent_step: a recurrent net needs max_batch >= 2 * num_envs * t_max "
                      "+ num_envs = %zu", 2 * R + n);
    }
    s->saved_state = pg__malloc(ctx, pg__net_state_size(a->net, n) * sizeof(float));
    if (!s->saved_state) {
      st_free(ctx, s);
      return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_step: out of memory for the recurrent state");
    }
  }
  st_free(ctx, a->algo);
  a->algo = s;
  a->step_cache = s->cache;
  a->step_row0 = 0;
  return PG_OK;
}

static pg_status ac_record(pg_agent *a, const float *obs, const uint8_t *mask,
                           const float *actions, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  ac_state *s = a->algo;
  size_t t = s->rb.t, r0 = t * s->rb.n;
  pg__rollout_record(&s->rb, obs, mask, actions, rewards, term, trunc, next_obs, NULL, NULL);
  if (s->cache) {
    s->cache_ok = (t == 0 || (s->cache_ok && a->step_stamp0 == s->stamp)) &&
                  a->step_row0 == r0;
    s->stamp = a->step_stamp;
    a->step_row0 = t + 1 < s->rb.cap ? r0 + s->rb.n : 0;
  }
  return PG_OK;
}

static float *ac_step_obs(pg_agent *a) { return pg__rollout_step_obs(&((ac_state *)a->algo)->rb); }

static bool ac_due(const pg_agent *a) {
  const ac_state *s = a->algo;
  return s && s->rb.t == s->rb.cap;
}

static pg_status ac_update(pg_agent *a) {
  ac_state *s = a->algo;
  pg__rollout *rb = &s->rb;
  size_t n = rb->n, R = n * rb->cap, nb = n + rb->n_trunc;
  bool cached = s->cache && s->cache_ok && pg__net_forward_stamp(a->net) == s->stamp;
  if (s->saved_state && !cached) {
    pg__rollout_clear(rb);
    s->cache_ok = false;
    a->step_row0 = 0;
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "pg_agent_update: the recurrent net was run between the steps of the "
                    "segment (pg_agent_evaluate?): the segment is dropped");
  }
  if (cached) { /* the bootstrap rows after the segment's kept rows */
    pg__net_out o;
    /* A recurrent net: V(s_T) from each slot's state, which stays as it is
    ** (s_T is the next step's input); a truncated episode's final
    ** observation from a fresh state (its state was reset). */
    if (s->saved_state) {
      pg__net_state_copy(a->net, s->saved_state, n, true);
      pg__net_reset_state(a->net, n, nb - n);
    }
    pg__net_forward_rows(a->net, rb->boot_obs, R, nb, NULL, &o);
    memcpy(rb->boot_v, o.value, nb * sizeof(float));
    if (s->saved_state) pg__net_state_copy(a->net, s->saved_state, n, false);
  } else {
    pg__agent_values(a, rb->boot_obs, nb, rb->boot_v);
  }
  pg__rollout_scatter_boot(rb);
  float gamma = (float)pg__p(a, PG_PARAM_GAMMA), lambda = (float)pg__p(a, PG_PARAM_GAE_LAMBDA);
  if (lambda < 1.0f) { /* lambda-returns: GAE(lambda) over V at the current parameters */
    if (cached) {
      pg__net_out o;
      pg__net_outputs(a->net, &o);
      memcpy(rb->adv, o.value, R * sizeof(float));
    } else {
      pg__agent_values(a, rb->obs, R, rb->adv);
    }
    pg__gae(rb->cap, n, gamma, lambda, rb->rew, rb->adv, rb->term, rb->trunc, rb->boot,
            rb->boot_v, rb->adv, rb->ret);
  } else {
    pg__nstep_returns(rb->cap, n, gamma, rb->rew, rb->term, rb->trunc, rb->boot, rb->boot_v,
                      rb->ret);
  }
  double pl = 0.0, vl = 0.0, ent = 0.0;
  pg__agent_zero_grads(a);
  if (cached)
    pg__agent_ac_grads_cached(a, rb->act, rb->ret, rb->adv, R, 1.0f / (float)R, &pl, &vl, &ent);
  else
    pg__agent_ac_grads(a, rb->obs, rb->any_mask ? rb->mask : NULL, rb->act, rb->ret, rb->adv, R,
                       1.0f / (float)R, true, &pl, &vl, &ent);
  pg__rollout_clear(rb);
  s->cache_ok = false;
  a->step_row0 = 0;
  return pg__agent_apply(a, "pg_agent_update", a->total_steps, pl / (double)R, vl / (double)R,
                         ent / (double)R, NULL);
}

static void ac_clear(pg_agent *a) {
  ac_state *s = a->algo;
  if (!s) return;
  pg__rollout_clear(&s->rb);
  s->cache_ok = false;
  a->step_row0 = 0;
}

static void ac_teardown(pg_agent *a) {
  st_free(a->ctx, a->algo);
  a->algo = NULL;
  a->step_cache = false;
  a->step_row0 = 0;
}

/* One-step AC: alpha_theta 3e-4 (Adam). At 1e-3 the per-step policy steps on
** the large |delta| of terminal/early steps (v-hat still far off) saturated
** the softmax in 2 of 5 CartPole seeds (return ~9, entropy 0, no recovery);
** 3e-4 solved 10 of 10 seeds (docs/AGENTS.md, docs/RESULTS.md). */
static const pg__param_default AC_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},         {PG_PARAM_LR, 0.0003},
    {PG_PARAM_VALUE_LR, 0.005},     {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.0},   {PG_PARAM_CLIP_NORM, 0.0},
    {PG_PARAM_T_MAX, 1},            {PG_PARAM_NUM_ENVS, 1},
    PG__PARAMS_OPTIM(PG_OPTIM_ADAM, 1e-8, 0), PG__PARAMS_LOOP(1), {(pg_param)0, 0}};

static const pg__param_default PAAC_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},         {PG_PARAM_LR, 0.005},
    {PG_PARAM_VALUE_LR, 0.0224},    {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.01},  {PG_PARAM_CLIP_NORM, 0.5},
    {PG_PARAM_T_MAX, 5},            {PG_PARAM_NUM_ENVS, 32},
    {PG_PARAM_GAE_LAMBDA, 1.0},
    {PG_PARAM_NORM_OBS, 0},         {PG_PARAM_OBS_CLIP, 10.0},
    {PG_PARAM_LOG_STD_INIT, 0.0},   {PG_PARAM_LOG_STD_MIN, -20.0},
    {PG_PARAM_LOG_STD_MAX, 2.0},    {PG_PARAM_SQUASH, 0},
    PG__PARAMS_OPTIM(PG_OPTIM_RMSPROP, 1e-5, 0), PG__PARAMS_LOOP(1), {(pg_param)0, 0}};

#define AC_OPS                                                                          \
  .needs_value = true, .setup = ac_setup, .record = ac_record, .step_obs = ac_step_obs,  \
  .update_due = ac_due,                                                                  \
  .update = ac_update, .clear = ac_clear, .teardown = ac_teardown

/* One-step: the lecture's Algorithm 13.5 updates after every step. */
static const pg__param_bound AC_BOUNDS[] = {{PG_PARAM_T_MAX, 1.0, 1.0}, {(pg_param)0, 0, 0}};

const pg__algo_ops pg__actor_critic_ops = {.name = "actor_critic",
                                           .bounds = AC_BOUNDS,
                                           .algorithm = PG_ALGO_ACTOR_CRITIC,
                                           .traits = PG__TRAIT_SEPARATE_VALUE,
                                           .params = AC_PARAMS,
                                           AC_OPS};

const pg__algo_ops pg__paac_ops = {.name = "paac",
                                   .algorithm = PG_ALGO_PAAC,
                                   .traits = PG__TRAIT_RECURRENT,
                                   .params = PAAC_PARAMS,
                                   /* 0.005 at 32 slots (docs/TUNING.md; the
                                   ** lecture's 0.0007 collapses on Acrobot) */
                                   .lr_per_env = 0.00015625,
                                   AC_OPS};
