/* n-step advantage actor-critic over n slots x t_max steps: one-step
** actor-critic (the lecture's Algorithm 13.5: t_max = 1, one slot by
** default) and PAAC (Clemente et al., Algorithm 1: n_e = 32 slots,
** t_max = 5). Per update:
**   R = V(s_{t_max+1}) per slot (bootstrap rows, one batched forward);
**   going back, R = r + gamma*R, cut at terminated (R = 0 before adding r)
**   and at truncated steps (R = V(true final obs of that step));
**   loss = 1/(n*t_max) sum [ -(R - V(s)) log pi(a|s) - beta H + c (R - V)^2 ].
** All buffers are allocated in setup; record and update never allocate. */
#include "agents/pg_agent_internal.h"

#include <string.h>

typedef struct ac_state {
  size_t n, T, t;       /* slots, t_max, steps recorded in the segment */
  bool any_mask;
  float *obs, *act, *rew, *ret, *adv;   /* rows t*n + i */
  int32_t *term, *trunc;
  uint8_t *mask;
  float *boot_obs;      /* [n last next_obs][k truncated final obs] */
  float *boot_v;        /* values of boot_obs rows */
  float *boot_trunc;    /* per row: V(final obs) when truncated */
  size_t *trunc_row;    /* row of the j-th truncated final obs */
  size_t n_trunc;
  /* Forward reuse (shared trunk, rows fit in the net's max batch): step t
  ** is forwarded into rows [t*n, (t+1)*n) of the net, the update forwards
  ** only the bootstrap rows (after row n*T) and back-propagates over the
  ** kept rows. cache_ok: every step of the segment was forwarded there and
  ** nothing touched the net since (stamp: after the last step's forward). */
  bool cache, cache_ok;
  uint64_t stamp;
} ac_state;

static void st_free(pg_ctx *ctx, ac_state *s) {
  if (!s) return;
  void *p[] = {s->obs, s->act, s->rew, s->ret, s->adv, s->term, s->trunc, s->mask,
               s->boot_obs, s->boot_v, s->boot_trunc, s->trunc_row};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pg__free(ctx, p[i]);
  pg__free(ctx, s);
}

static pg_status ac_setup(pg_agent *a) {
  pg_ctx *ctx = a->ctx;
  size_t n = a->n_slots, T = pg__pz(a, PG_PARAM_T_MAX), R = n * T;
  size_t os = a->obs_size;
  ac_state *s = pg__calloc(ctx, 1, sizeof *s);
  bool ok = s != NULL;
  if (ok) {
    s->n = n;
    s->T = T;
    s->obs = pg__malloc(ctx, R * os * sizeof(float));
    s->act = pg__malloc(ctx, R * a->action_len * sizeof(float));
    s->rew = pg__malloc(ctx, R * sizeof(float));
    s->ret = pg__malloc(ctx, R * sizeof(float));
    s->adv = pg__malloc(ctx, R * sizeof(float));
    s->term = pg__malloc(ctx, R * sizeof(int32_t));
    s->trunc = pg__malloc(ctx, R * sizeof(int32_t));
    if (a->discrete) s->mask = pg__malloc(ctx, R * a->n_actions);
    s->boot_obs = pg__malloc(ctx, (n + R) * os * sizeof(float));
    s->boot_v = pg__malloc(ctx, (n + R) * sizeof(float));
    s->boot_trunc = pg__calloc(ctx, R, sizeof(float));
    s->trunc_row = pg__malloc(ctx, R * sizeof(size_t));
    ok = s->obs && s->act && s->rew && s->ret && s->adv && s->term && s->trunc &&
         (!a->discrete || s->mask) && s->boot_obs && s->boot_v && s->boot_trunc && s->trunc_row;
  }
  if (!ok) {
    st_free(ctx, s);
    return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_step: out of memory for the rollout buffers");
  }
  st_free(ctx, a->algo);
  a->algo = s;
  s->cache = !a->vnet && 2 * R + n <= pg__net_max_batch(a->net);
  a->step_cache = s->cache;
  a->step_row0 = 0;
  return PG_OK;
}

static pg_status ac_record(pg_agent *a, const float *obs, const uint8_t *mask,
                           const float *actions, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  ac_state *s = a->algo;
  size_t n = s->n, t = s->t, os = a->obs_size, k = a->n_actions, r0 = t * n;
  memcpy(s->obs + r0 * os, obs, n * os * sizeof(float));
  memcpy(s->act + r0 * a->action_len, actions, n * a->action_len * sizeof(float));
  memcpy(s->rew + r0, rewards, n * sizeof(float));
  memcpy(s->term + r0, term, n * sizeof(int32_t));
  memcpy(s->trunc + r0, trunc, n * sizeof(int32_t));
  if (a->discrete) {
    if (mask) {
      memcpy(s->mask + r0 * k, mask, n * k);
      s->any_mask = true;
    } else {
      memset(s->mask + r0 * k, 1, n * k);
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!trunc[i] || term[i]) continue;
    memcpy(s->boot_obs + (n + s->n_trunc) * os, next_obs + i * os, os * sizeof(float));
    s->trunc_row[s->n_trunc++] = r0 + i;
  }
  if (t + 1 == s->T) memcpy(s->boot_obs, next_obs, n * os * sizeof(float));
  if (s->cache) {
    s->cache_ok = (t == 0 || (s->cache_ok && a->step_stamp0 == s->stamp)) &&
                  a->step_row0 == r0;
    s->stamp = a->step_stamp;
    a->step_row0 = t + 1 < s->T ? r0 + n : 0;
  }
  s->t = t + 1;
  return PG_OK;
}

static bool ac_due(const pg_agent *a) {
  const ac_state *s = a->algo;
  return s && s->t == s->T;
}

static pg_status ac_update(pg_agent *a) {
  ac_state *s = a->algo;
  size_t n = s->n, R = n * s->T;
  bool cached = s->cache && s->cache_ok && pg__net_forward_stamp(a->net) == s->stamp;
  if (cached) { /* the bootstrap rows after the segment's kept rows */
    pg__net_out o;
    pg__net_forward_rows(a->net, s->boot_obs, R, n + s->n_trunc, NULL, &o);
    memcpy(s->boot_v, o.value, (n + s->n_trunc) * sizeof(float));
  } else {
    pg__agent_values(a, s->boot_obs, n + s->n_trunc, s->boot_v);
  }
  for (size_t j = 0; j < s->n_trunc; j++) s->boot_trunc[s->trunc_row[j]] = s->boot_v[n + j];
  pg__nstep_returns(s->T, n, (float)pg__p(a, PG_PARAM_GAMMA), s->rew, s->term, s->trunc,
                    s->boot_trunc, s->boot_v, s->ret);
  double pl = 0.0, vl = 0.0, ent = 0.0;
  pg__agent_zero_grads(a);
  if (cached)
    pg__agent_ac_grads_cached(a, s->act, s->ret, s->adv, R, 1.0f / (float)R, &pl, &vl, &ent);
  else
    pg__agent_ac_grads(a, s->obs, s->any_mask ? s->mask : NULL, s->act, s->ret, s->adv, R,
                       1.0f / (float)R, true, &pl, &vl, &ent);
  s->t = 0;
  s->cache_ok = false;
  a->step_row0 = 0;
  s->n_trunc = 0;
  s->any_mask = false;
  return pg__agent_apply(a, "pg_agent_update", a->total_steps, pl / (double)R, vl / (double)R,
                         ent / (double)R, NULL);
}

static void ac_clear(pg_agent *a) {
  ac_state *s = a->algo;
  if (!s) return;
  s->t = 0;
  s->n_trunc = 0;
  s->any_mask = false;
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
    {PG_PARAM_GAMMA, 0.99},       {PG_PARAM_LR, 0.0003},
    {PG_PARAM_VALUE_LR, 0.005},   {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.0}, {PG_PARAM_CLIP_NORM, 0.0},
    {PG_PARAM_T_MAX, 1},          {PG_PARAM_NUM_ENVS, 1},
    {PG_PARAM_NUM_THREADS, 1},    {PG_PARAM_SEED, 0},
    {PG_PARAM_OPTIMIZER, PG_OPTIM_ADAM}, {PG_PARAM_RMSPROP_DECAY, 0.99},
    {PG_PARAM_OPTIM_EPSILON, 1e-8}, {PG_PARAM_LR_ANNEAL_STEPS, 0},
    {PG_PARAM_DETERMINISTIC, 0},  {PG_PARAM_REPORT_INTERVAL, 0},
    {PG_PARAM_MAX_EPISODE_STEPS, 0}, {(pg_param)0, 0}};

static const pg__param_default PAAC_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},       {PG_PARAM_LR, 0.0224},
    {PG_PARAM_VALUE_LR, 0.0224},  {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.01}, {PG_PARAM_CLIP_NORM, 0.5},
    {PG_PARAM_T_MAX, 5},          {PG_PARAM_NUM_ENVS, 32},
    {PG_PARAM_NUM_THREADS, 1},    {PG_PARAM_SEED, 0},
    {PG_PARAM_OPTIMIZER, PG_OPTIM_RMSPROP}, {PG_PARAM_RMSPROP_DECAY, 0.99},
    {PG_PARAM_OPTIM_EPSILON, 1e-5}, {PG_PARAM_LR_ANNEAL_STEPS, 0},
    {PG_PARAM_DETERMINISTIC, 0},  {PG_PARAM_REPORT_INTERVAL, 0},
    {PG_PARAM_MAX_EPISODE_STEPS, 0}, {(pg_param)0, 0}};

#define AC_OPS                                                                          \
  .needs_value = true, .setup = ac_setup, .record = ac_record, .update_due = ac_due,     \
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
                                   .params = PAAC_PARAMS,
                                   .lr_per_env = 0.0007,
                                   AC_OPS};
