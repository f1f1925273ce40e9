/* REINFORCE (the lecture's Algorithm 13.3 without gamma^t) and REINFORCE
** with baseline (Algorithm 13.4). Each slot records its episode; when it
** ends, pg_agent_update computes G_t = sum_k gamma^(k-t-1) R_k backwards and
** takes one optimizer step on the summed loss
**   sum_t -(G_t - b(S_t)) log pi(A_t|S_t)  [+ sum_t 0.5 (G_t - v(S_t))^2]
** (b = 0 without baseline). With plain SGD this is the lecture's per-step
** update with all T increments evaluated at the episode's parameters and
** applied together. PG_PARAM_PER_STEP_UPDATES = 1 runs the lecture's loop
** exactly instead: one optimizer step per t = 0..T-1, in order, delta from
** the current w (needed when alpha_w * T is large: the summed value update
** then overshoots). Truncated episodes are treated like ended ones (pure
** Monte Carlo, no bootstrap).
**
** Episode buffer: each slot starts with room for MAX_EPISODE_STEPS steps
** (1024 when 0) and doubles when an episode longer than any seen so far
** arrives (the only allocation on the step path; it stops once the longest
** episode has been seen). */
#include "agents/pg_agent_internal.h"

#include <string.h>

/* One slot's episode: a one-slot rollout buffer that grows. */
typedef struct episode {
  pg__rollout rb;
  bool ended;
} episode;

typedef struct rf_state {
  size_t n;
  episode *ep;
  bool baseline;
} rf_state;

static void st_free(pg_ctx *ctx, rf_state *s) {
  if (!s) return;
  for (size_t i = 0; s->ep && i < s->n; i++) pg__rollout_free(ctx, &s->ep[i].rb);
  pg__free(ctx, s->ep);
  pg__free(ctx, s);
}

static pg_status rf_setup(pg_agent *a) {
  pg_ctx *ctx = a->ctx;
  size_t n = a->n_slots, cap = pg__pz(a, PG_PARAM_MAX_EPISODE_STEPS);
  if (cap == 0 || cap > 1024 * 1024) cap = 1024;
  rf_state *s = pg__calloc(ctx, 1, sizeof *s);
  if (s) {
    s->n = n;
    s->baseline = a->ops->needs_value;
    s->ep = pg__calloc(ctx, n, sizeof *s->ep);
  }
  bool ok = s && s->ep;
  for (size_t i = 0; ok && i < n; i++)
    ok = pg__rollout_init(ctx, &s->ep[i].rb, 1, cap, a->obs_size, a->action_len,
                          a->discrete ? a->n_actions : 0, 0) == PG_OK;
  if (!ok) {
    st_free(ctx, s);
    return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_step: out of memory for the episode buffers");
  }
  st_free(ctx, a->algo);
  a->algo = s;
  return PG_OK;
}

static pg_status rf_record(pg_agent *a, const float *obs, const uint8_t *mask,
                           const float *actions, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  (void)next_obs;
  rf_state *s = a->algo;
  for (size_t i = 0; i < s->n; i++) {
    pg__rollout *rb = &s->ep[i].rb;
    if (rb->t == rb->cap && pg__rollout_grow(a->ctx, rb, 2 * rb->cap) != PG_OK)
      return pg__fail(a->ctx, PG_ERR_NOMEM,
                      "pg_agent_report: out of memory growing the episode buffer: the step "
                      "still awaits its report");
  }
  for (size_t i = 0; i < s->n; i++) {
    pg__rollout_record_slot(&s->ep[i].rb, i, obs, mask, actions, rewards, term, trunc);
    s->ep[i].ended = term[i] || trunc[i];
  }
  return PG_OK;
}

/* One slot: the step's observation goes straight into the episode's next
** row (growing the buffer first when it is full; NULL when that fails: the
** agent's own copy is used and record reports the failure). Several slots
** have one buffer each, so no one place holds a step's rows. */
static float *rf_step_obs(pg_agent *a) {
  rf_state *s = a->algo;
  if (!s || s->n != 1) return NULL;
  pg__rollout *rb = &s->ep[0].rb;
  if (rb->t == rb->cap && pg__rollout_grow(a->ctx, rb, 2 * rb->cap) != PG_OK) return NULL;
  return pg__rollout_step_obs(rb);
}

static bool rf_due(const pg_agent *a) {
  const rf_state *s = a->algo;
  for (size_t i = 0; s && i < s->n; i++)
    if (s->ep[i].ended) return true;
  return false;
}

static pg_status rf_learn(pg_agent *a, pg__rollout *e) {
  size_t len = e->t;
  pg__episode_returns(len, pg__p(a, PG_PARAM_GAMMA), e->rew, e->ret);
  rf_state *s = a->algo;
  double pl = 0.0, vl = 0.0, ent = 0.0;
  if (pg__p(a, PG_PARAM_PER_STEP_UPDATES) != 0.0) {
    /* the lecture's loop: one step per t, delta with the current w */
    size_t os = a->obs_size, al = a->action_len, k = a->n_actions;
    pg_status st = PG_OK;
    for (size_t t = 0; t < len && st == PG_OK; t++) {
      pg__agent_zero_grads(a);
      pg__agent_ac_grads(a, e->obs + t * os, a->discrete ? e->mask + t * k : NULL,
                         e->act + t * al, e->ret + t, e->adv + t, 1, 1.0f, s->baseline, &pl,
                         &vl, &ent);
      st = pg__agent_apply(a, "pg_agent_update", a->total_steps, pl / (double)(t + 1), vl / (double)(t + 1),
                           ent / (double)(t + 1), NULL);
    }
    return st;
  }
  pg__agent_zero_grads(a);
  pg__agent_ac_grads(a, e->obs, a->discrete ? e->mask : NULL, e->act, e->ret, e->adv, len,
                     1.0f, s->baseline, &pl, &vl, &ent);
  double n = (double)len;
  return pg__agent_apply(a, "pg_agent_update", a->total_steps, pl / n, vl / n, ent / n, NULL);
}

static pg_status rf_update(pg_agent *a) {
  rf_state *s = a->algo;
  pg_status st = PG_OK;
  for (size_t i = 0; i < s->n; i++) {
    episode *e = &s->ep[i];
    if (!e->ended) continue;
    if (st == PG_OK && e->rb.t) st = rf_learn(a, &e->rb);
    pg__rollout_clear(&e->rb);
    e->ended = false;
  }
  return st;
}

static void rf_clear(pg_agent *a) {
  rf_state *s = a->algo;
  for (size_t i = 0; s && i < s->n; i++) {
    pg__rollout_clear(&s->ep[i].rb);
    s->ep[i].ended = false;
  }
}

static void rf_teardown(pg_agent *a) {
  st_free(a->ctx, a->algo);
  a->algo = NULL;
}

static const pg__param_default RF_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},         {PG_PARAM_LR, 0.01},
    {PG_PARAM_ENTROPY_BETA, 0.0},   {PG_PARAM_CLIP_NORM, 0.0},
    {PG_PARAM_NUM_ENVS, 1},         {PG_PARAM_PER_STEP_UPDATES, 0},
    PG__PARAMS_OPTIM(PG_OPTIM_ADAM, 1e-8, 0), PG__PARAMS_LOOP(1), {(pg_param)0, 0}};

static const pg__param_default RFB_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},         {PG_PARAM_LR, 0.01},
    {PG_PARAM_VALUE_LR, 0.01},      {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.0},   {PG_PARAM_CLIP_NORM, 0.0},
    {PG_PARAM_NUM_ENVS, 1},         {PG_PARAM_PER_STEP_UPDATES, 0},
    PG__PARAMS_OPTIM(PG_OPTIM_ADAM, 1e-8, 0), PG__PARAMS_LOOP(1), {(pg_param)0, 0}};

#define RF_OPS                                                                          \
  .setup = rf_setup, .record = rf_record, .step_obs = rf_step_obs, .update_due = rf_due, \
  .update = rf_update,                                                                   \
  .clear = rf_clear, .teardown = rf_teardown

const pg__algo_ops pg__reinforce_ops = {
    .name = "reinforce", .algorithm = PG_ALGO_REINFORCE, .params = RF_PARAMS, RF_OPS};

const pg__algo_ops pg__reinforce_baseline_ops = {.name = "reinforce_baseline",
                                                 .algorithm = PG_ALGO_REINFORCE_BASELINE,
                                                 .traits = PG__TRAIT_SEPARATE_VALUE,
                                                 .params = RFB_PARAMS,
                                                 .needs_value = true,
                                                 RF_OPS};
