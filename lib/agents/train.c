/* The library-driven loop (pg_agent_train) and pg_agent_evaluate. The
** generic loop drives the same internal step/report/update as the host
** loop, over the caller's env (one slot) or a pg_vec_env of NUM_ENVS
** instances stepped by NUM_THREADS threads. Buffers are allocated once per
** call; the loop itself does not allocate. */
#include "agents/pg_agent_internal.h"
#include "agents/pg_train_log.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct loop {
  pg_agent *a;
  pg_progress_fn progress;
  void *user;
  uint64_t next_report, last_episodes;
  double t0;
} loop;

/* Calls the progress callback when due; returns 1 to stop. */
static int maybe_report(loop *L) {
  pg_agent *a = L->a;
  a->train_elapsed = pg__now() - L->t0;
  if (!L->progress) return 0;
  uint64_t every = (uint64_t)pg__p(a, PG_PARAM_REPORT_INTERVAL);
  bool due = every ? a->total_steps >= L->next_report : a->episodes != L->last_episodes;
  if (!due) return 0;
  while (every && L->next_report <= a->total_steps) L->next_report += every;
  L->last_episodes = a->episodes;
  return L->progress(L->user, a) != 0;
}

typedef struct bufs {
  float *obs, *next, *fin, *rew, *act;
  int32_t *te, *tr;
  uint8_t *mask;
} bufs;

static void bufs_free(pg_ctx *ctx, bufs *b) {
  pg__free(ctx, b->obs);
  pg__free(ctx, b->next);
  pg__free(ctx, b->fin);
  pg__free(ctx, b->rew);
  pg__free(ctx, b->act);
  pg__free(ctx, b->te);
  pg__free(ctx, b->tr);
  pg__free(ctx, b->mask);
}

static pg_status bufs_alloc(pg_agent *a, size_t n, bufs *b) {
  pg_ctx *ctx = a->ctx;
  size_t os = a->obs_size;
  b->obs = pg__malloc(ctx, n * os * sizeof(float));
  b->next = pg__malloc(ctx, n * os * sizeof(float));
  b->fin = pg__malloc(ctx, n * os * sizeof(float));
  b->rew = pg__malloc(ctx, n * sizeof(float));
  b->act = pg__malloc(ctx, n * a->action_len * sizeof(float));
  b->te = pg__malloc(ctx, n * sizeof(int32_t));
  b->tr = pg__malloc(ctx, n * sizeof(int32_t));
  if (a->discrete) b->mask = pg__malloc(ctx, n * a->n_actions);
  if (!b->obs || !b->next || !b->fin || !b->rew || !b->act || !b->te || !b->tr ||
      (a->discrete && !b->mask)) {
    bufs_free(ctx, b);
    return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_train: out of memory");
  }
  return PG_OK;
}

/* Runs the loop with env's episode cap replaced by MAX_EPISODE_STEPS when
** that is set. */
static uint64_t cap_episodes(pg_agent *a, pg_env *env) {
  uint64_t cap = pg__pz(a, PG_PARAM_MAX_EPISODE_STEPS), old_cap = pg__env_max_steps(env);
  if (cap) pg__env_set_max_steps(env, cap);
  return old_cap;
}

/* One slot on the caller's env. */
static pg_status train_single(loop *L, pg_env *env, int64_t max_steps, bufs *b) {
  static const char *fn = "pg_agent_train";
  pg_agent *a = L->a;
  bool masked = a->discrete && pg__env_mask(env);
  pg_status st = pg__env_reset(env, b->obs);
  if (st != PG_OK) return pg__env_report(env, fn);
  for (int64_t s = 0; s < max_steps; s++) {
    if (masked) memcpy(b->mask, pg__env_mask(env), a->n_actions);
    st = pg__agent_step(a, b->obs, masked ? b->mask : NULL, b->act, true);
    if (st != PG_OK) return st;
    st = pg__env_step(env, b->act, b->next, b->rew, b->te, b->tr);
    if (st != PG_OK) {
      a->phase = PG__PHASE_READY;
      return pg__env_report(env, fn);
    }
    st = pg__agent_report(a, b->rew, b->te, b->tr, b->next);
    if (st == PG_OK) st = pg__agent_update(a, fn, NULL);
    if (st != PG_OK) return st;
    if (b->te[0] || b->tr[0]) {
      st = pg__env_reset(env, b->obs);
      if (st != PG_OK) return pg__env_report(env, fn);
    } else { /* the next observation is the next step's: swap, no copy */
      float *t = b->obs;
      b->obs = b->next;
      b->next = t;
    }
    if (maybe_report(L)) break;
  }
  return PG_OK;
}

/* NUM_ENVS slots on a vec env with same-step auto-reset. */
static pg_status train_vec(loop *L, pg_vec_env *vec, int64_t max_steps, bufs *b) {
  static const char *fn = "pg_agent_train";
  pg_agent *a = L->a;
  size_t n = a->n_slots, os = a->obs_size;
  bool masked = a->discrete && pg__env_mask(pg__vec_env_instance(vec, 0));
  pg_status st = pg__vec_env_reset(vec, fn, b->obs);
  if (st != PG_OK) return st;
  for (int64_t s = 0; s < max_steps; s += (int64_t)n) {
    if (masked)
      for (size_t i = 0; i < n; i++)
        memcpy(b->mask + i * a->n_actions, pg__env_mask(pg__vec_env_instance(vec, (int32_t)i)),
               a->n_actions);
    st = pg__agent_step(a, b->obs, masked ? b->mask : NULL, b->act, true);
    if (st != PG_OK) return st;
    st = pg__vec_env_step(vec, fn, b->act, b->next, b->rew, b->te, b->tr, b->fin);
    if (st != PG_OK) {
      a->phase = PG__PHASE_READY;
      return st;
    }
    /* report wants the true final observation of ended slots */
    for (size_t i = 0; i < n; i++)
      if (b->te[i] || b->tr[i]) memcpy(b->obs + i * os, b->fin + i * os, os * sizeof(float));
      else memcpy(b->obs + i * os, b->next + i * os, os * sizeof(float));
    st = pg__agent_report(a, b->rew, b->te, b->tr, b->obs);
    if (st == PG_OK) st = pg__agent_update(a, fn, NULL);
    if (st != PG_OK) return st;
    float *t = b->obs;
    b->obs = b->next;
    b->next = t;
    if (maybe_report(L)) break;
  }
  return PG_OK;
}

void pg__train_begin(pg_agent *a) {
  a->ops->clear(a);
  for (size_t i = 0; i < a->n_slots; i++) {
    a->ep_return[i] = 0.0;
    a->ep_length[i] = 0;
  }
  a->train_steps0 = a->total_steps;
  a->train_elapsed = 0.0;
  a->train_begun = true;
}

pg_status pg__train_generic(pg_agent *a, pg_env *env, int64_t max_steps,
                            pg_progress_fn progress, void *user) {
  static const char *fn = "pg_agent_train";
  size_t n = a->n_slots;
  bufs b = {0};
  pg_status st = bufs_alloc(a, n, &b);
  if (st != PG_OK) return st;
  pg_vec_env *vec = NULL;
  if (n > 1) { /* the random stream advances only when the run starts */
    pg__rng rng = a->rng;
    st = pg_vec_env_create(env, (int32_t)n, (int32_t)pg__p(a, PG_PARAM_NUM_THREADS),
                           pg__rng_next(&rng), &vec);
    if (st != PG_OK) {
      bufs_free(a->ctx, &b);
      return pg__fail(a->ctx, st, "%s: %s", fn, pg_ctx_last_error(a->ctx));
    }
    a->rng = rng;
  }
  pg__train_begin(a);
  loop L = {a, progress, user, 0, a->episodes, pg__now()};
  L.next_report = a->total_steps + (uint64_t)pg__p(a, PG_PARAM_REPORT_INTERVAL);
  uint64_t old_cap = cap_episodes(a, env);
  st = n == 1 ? train_single(&L, env, max_steps, &b) : train_vec(&L, vec, max_steps, &b);
  pg_vec_env_destroy(vec);
  pg__env_set_max_steps(env, old_cap);
  a->train_elapsed = pg__now() - L.t0;
  bufs_free(a->ctx, &b);
  return st;
}

/* "4 observation floats and 2 discrete actions" for messages. */
static void describe_spaces(char *out, size_t size, size_t obs_size, bool discrete, size_t n) {
  snprintf(out, size, "%zu observation float%s and %s%zu%s", obs_size, obs_size == 1 ? "" : "s",
           discrete ? "" : "a ", n, discrete ? (n == 1 ? " discrete action" : " discrete actions")
                                              : "-dimensional continuous action");
}

/* PG_ERR_SHAPE unless env has the spaces the agent was made for. */
static pg_status check_env_spaces(pg_agent *a, const pg_env *env, const char *fn) {
  bool discrete = pg__env_kind(env) == PG_ACTION_DISCRETE;
  size_t obs_size = (size_t)pg__env_obs_size(env), n = (size_t)pg__env_n(env);
  if (obs_size == a->obs_size && discrete == a->discrete && n == a->n_actions) return PG_OK;
  char have[96], want[96];
  describe_spaces(have, sizeof have, obs_size, discrete, n);
  describe_spaces(want, sizeof want, a->obs_size, a->discrete, a->n_actions);
  return pg__fail(a->ctx, PG_ERR_SHAPE,
                  "%s: environment '%s' has %s, but the agent was made for %s: use an agent "
                  "made for this environment (pg_agent_create_for_env)",
                  fn, pg__env_name(env), have, want);
}

/* Several slots (pg_vec_env) or several async workers each need their own
** instance of env, made by its factory: say so before training starts. */
static pg_status check_env_factory(pg_agent *a, const pg_env *env, const char *fn) {
  if (pg__env_has_factory(env)) return PG_OK;
  bool async = (a->ops->traits & PG__TRAIT_ASYNC) != 0;
  pg_param which = async ? PG_PARAM_NUM_THREADS : PG_PARAM_NUM_ENVS;
  int n = (int)pg__p(a, which);
  if (n <= 1) return PG_OK;
  const char *param = async ? "PG_PARAM_NUM_THREADS" : "PG_PARAM_NUM_ENVS";
  return pg__fail(a->ctx, PG_ERR_UNSUPPORTED,
                  "%s: %s %s %d environments at once (%s = %d), but environment '%s' has no "
                  "factory to make them: set %s to 1 or give the environment a factory "
                  "(pg_env_vtable.create), see docs/ENVIRONMENTS.md",
                  fn, a->ops->name, async ? "runs its workers on" : "steps", n, param, n,
                  pg__env_name(env), param);
}

pg_status pg_agent_train(pg_agent *agent, pg_env *env, int64_t max_steps,
                         pg_progress_fn progress, void *user) {
  static const char *fn = "pg_agent_train";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = agent->ctx;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  if (max_steps < 0)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: max_steps = %lld must be >= 0", fn,
                    (long long)max_steps);
  if (agent->phase != PG__PHASE_READY)
    return pg__fail(ctx, PG_ERR_BAD_STATE, "%s: a host-driven step awaits pg_agent_report", fn);
  pg_status chk = check_env_spaces(agent, env, fn);
  if (chk == PG_OK) chk = check_env_factory(agent, env, fn);
  if (chk != PG_OK) return chk;
  unsigned fz = pg__ftz_enter();
  pg_status st = pg__agent_prepare(agent, fn);
  if (st == PG_OK) {
    /* the implementation calls pg__train_begin once its set-up succeeded;
    ** before that nothing of the agent changes */
    agent->train_begun = false;
    pg__train_log_run log; /* a log wraps the progress callback */
    pg__train_log_begin(agent, &log, &progress, &user);
    st = agent->ops->train ? agent->ops->train(agent, env, max_steps, progress, user)
                           : pg__train_generic(agent, env, max_steps, progress, user);
    st = pg__train_log_end(agent, &log, st);
    if (agent->train_begun) {
      agent->ops->clear(agent);
      agent->phase = PG__PHASE_READY;
    }
    agent->train_begun = false;
  }
  pg__ftz_leave(fz);
  return st;
}

/* ---- evaluation -------------------------------------------------------------------- */

pg_status pg_agent_evaluate(pg_agent *agent, pg_env *env, int32_t episodes,
                            int32_t deterministic, double *out_mean, double *out_std) {
  static const char *fn = "pg_agent_evaluate";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = agent->ctx;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  if (episodes < 1)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: episodes = %d must be >= 1", fn,
                    (int)episodes);
  if (deterministic != 0 && deterministic != 1)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: deterministic must be 0 or 1", fn);
  pg_status chk = check_env_spaces(agent, env, fn);
  if (chk == PG_OK) chk = pg__agent_check_idle(agent, fn);
  if (chk != PG_OK) return chk;
  size_t os = agent->obs_size;
  /* A recurrent net runs the episodes on sequence 0 from a fresh state;
  ** the slots' states are kept aside and put back afterwards, and the
  ** segment being collected is dropped (its forwards are overwritten). */
  size_t keep = pg__net_stateful(agent->net) ? pg__net_state_size(agent->net, agent->n_slots) : 0;
  float *obs = pg__malloc(ctx, (2 * os + agent->action_len + keep) * sizeof(float));
  uint8_t *mask = agent->discrete ? pg__malloc(ctx, agent->n_actions) : NULL;
  if (!obs || (agent->discrete && !mask)) {
    pg__free(ctx, obs);
    pg__free(ctx, mask);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  float *kept = obs + 2 * os + agent->action_len;
  size_t kept_seqs = keep ? agent->n_slots : 0;
  if (keep) pg__net_state_copy(agent->net, kept, kept_seqs, true);
  float *act = obs + 2 * os;
  bool masked = agent->discrete && pg__env_mask(env);
  uint64_t old_cap = cap_episodes(agent, env);
  /* An episode nothing caps may never end under a fixed policy (a greedy
  ** one that stands still): the evaluation's own cap then applies. */
  if (!pg__env_max_steps(env) && pg__pz(agent, PG_PARAM_EVAL_MAX_EPISODE_STEPS))
    pg__env_set_max_steps(env, pg__pz(agent, PG_PARAM_EVAL_MAX_EPISODE_STEPS));
  unsigned fz = pg__ftz_enter();
  double sum = 0.0, sq = 0.0;
  pg_status st = PG_OK;
  bool numeric = false;
  pg__rng rng = agent->rng; /* a failed evaluation leaves the stream as it was */
  for (int32_t e = 0; e < episodes && st == PG_OK && !numeric; e++) {
    double ret = 0.0;
    st = pg__env_reset(env, obs);
    pg__net_reset_state(agent->net, 0, 1);
    int32_t te = 0, tr = 0;
    while (st == PG_OK && !te && !tr) {
      if (masked) memcpy(mask, pg__env_mask(env), agent->n_actions);
      if (!pg__agent_act_rows(agent, obs, masked ? mask : NULL, 1, deterministic != 0, act)) {
        numeric = true;
        break;
      }
      float r = 0.0f;
      st = pg__env_step(env, act, obs, &r, &te, &tr);
      ret += (double)r;
    }
    sum += ret;
    sq += ret * ret;
  }
  pg__ftz_leave(fz);
  if (keep) {
    pg__net_state_copy(agent->net, kept, kept_seqs, false);
    if (agent->phase == PG__PHASE_READY && agent->algo) agent->ops->clear(agent);
  }
  pg__env_set_max_steps(env, old_cap);
  pg__free(ctx, obs);
  pg__free(ctx, mask);
  if (st != PG_OK || numeric) agent->rng = rng;
  if (numeric)
    return pg__fail(ctx, PG_ERR_NUMERIC,
                    "%s: the policy's output is NaN or Inf (non-finite parameters, or an "
                    "observation too large for them)", fn);
  if (st != PG_OK) return pg__env_report(env, fn);
  double mean = sum / episodes, var = sq / episodes - mean * mean;
  if (out_mean) *out_mean = mean;
  if (out_std) *out_std = sqrt(var > 0.0 ? var : 0.0);
  return PG_OK;
}
