/* The host-driven loop: per-slot buffers and the lazy set-up before the
** first step (pg__agent_prepare), acting, and the step / report / update
** entry points with their public argument checks (pg_agent_step,
** pg_agent_report, pg_agent_update, pg_agent_act, pg_agent_get_shape). The
** library-driven loops (train.c, async_train.c) drive the same internal
** entry points. */
#include "agents/pg_agent_internal.h"

#include <string.h>

/* ---- setup ---------------------------------------------------------------------- */

/* The per-slot buffers in the order pg__agent_prepare builds them: swaps
** them with buf (a second swap puts them back). */
static void swap_slot_buffers(pg_agent *a, void *buf[8]) {
  void *cur[8] = {a->actions,   a->pend_obs,   a->mask_buf,  a->ep_return,
                  a->ep_length, a->pend_value, a->pend_logp, a->norm_slots};
  a->actions = buf[0];
  a->pend_obs = buf[1];
  a->mask_buf = buf[2];
  a->ep_return = buf[3];
  a->ep_length = buf[4];
  a->pend_value = buf[5];
  a->pend_logp = buf[6];
  a->norm_slots = buf[7];
  memcpy(buf, cur, sizeof cur);
}

/* A check that pg__agent_prepare runs on the new buffers (installed for
** the call, n_slots set, the step cache off) before anything is committed;
** it must leave the agent as it found it. */
typedef pg_status (*prepare_check)(pg_agent *a, const void *arg);

/* (Re)allocates the per-slot buffers, the optimizers and the algorithm's
** rollout. Transactional: everything new is built first, then check (if
** any) runs on the new buffers, and the algorithm's setup (which swaps its
** own buffers in only when it succeeds) is the last step that can fail; on
** failure the agent is as it was. */
static pg_status prepare_checked(pg_agent *a, const char *fn, prepare_check check,
                                 const void *arg) {
  if (!a->dirty) return PG_OK;
  if (pg__params_check_rows(a, PG_ERR_OUT_OF_RANGE, fn) != PG_OK) return PG_ERR_OUT_OF_RANGE;
  pg_ctx *ctx = a->ctx;
  size_t n = pg__pz(a, PG_PARAM_NUM_ENVS);
  bool acting = (a->ops->traits & PG__TRAIT_ACTING) != 0;
  /* the per-slot buffers, in the order of swap_slot_buffers */
  void *buf[8] = {pg__calloc(ctx, n * a->action_len, sizeof(float)),
                  pg__calloc(ctx, n * a->obs_size, sizeof(float)),
                  a->discrete ? pg__calloc(ctx, n * a->n_actions, 1) : NULL,
                  pg__calloc(ctx, n, sizeof(double)),
                  pg__calloc(ctx, n, sizeof(uint64_t)),
                  acting ? pg__calloc(ctx, n, sizeof(float)) : NULL,
                  acting ? pg__calloc(ctx, n, sizeof(float)) : NULL,
                  a->onorm ? pg__calloc(ctx, n * a->obs_size, sizeof(float)) : NULL};
  const bool need[8] = {true, true, a->discrete, true, true, acting, acting, a->onorm != NULL};
  pg_status st = PG_OK;
  for (int i = 0; i < 8 && st == PG_OK; i++)
    if (need[i] && !buf[i]) st = pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for %zu slots", fn, n);
  /* an asynchronous worker updates through its root's optimizers: none of its own */
  pg_optim *opt = NULL, *vopt = NULL;
  if (st == PG_OK && a->root == a) st = pg__agent_make_optim(a, fn, &opt, &vopt);
  size_t old_n = a->n_slots;
  if (st == PG_OK && check) {
    bool cache = a->step_cache;
    swap_slot_buffers(a, buf);
    a->n_slots = n;
    a->step_cache = false;
    st = check(a, arg);
    a->step_cache = cache;
    a->n_slots = old_n;
    swap_slot_buffers(a, buf);
  }
  if (st == PG_OK) {
    a->n_slots = n;
    st = a->ops->setup(a);
    if (st != PG_OK) a->n_slots = old_n;
  }
  if (st != PG_OK) {
    for (int i = 0; i < 8; i++) pg__free(ctx, buf[i]);
    pg_optim_destroy(opt);
    pg_optim_destroy(vopt);
    return st;
  }
  if (a->root == a) pg__agent_commit_optim(a, opt, vopt);
  swap_slot_buffers(a, buf);
  for (int i = 0; i < 8; i++) pg__free(ctx, buf[i]); /* the old ones */
  a->dirty = false;
  return PG_OK;
}

pg_status pg__agent_prepare(pg_agent *a, const char *fn) {
  return prepare_checked(a, fn, NULL, NULL);
}

/* ---- acting ------------------------------------------------------------------------ */

/* pg__agent_act_rows_at on observations already normalized (when the
** agent normalizes). */
static bool act_rows_normalized(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                                bool deterministic, float *actions, size_t row0);

bool pg__agent_act_rows(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                        bool deterministic, float *actions) {
  if (!pg__agent_act_rows_at(a, obs, mask, n, deterministic, actions, 0)) return false;
  pg__agent_env_actions(a, actions, n, actions); /* squashed, with PG_PARAM_SQUASH */
  return true;
}

bool pg__agent_act_rows_at(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                           bool deterministic, float *actions, size_t row0) {
  if (!pg__obs_norm_on(a))
    return act_rows_normalized(a, obs, mask, n, deterministic, actions, row0);
  size_t os = a->obs_size, k = a->n_actions;
  pg__rng rng = a->rng; /* restored when an output is not finite */
  for (size_t off = 0; off < n; off += PG__NORM_ROWS) {
    size_t m = n - off < PG__NORM_ROWS ? n - off : PG__NORM_ROWS;
    pg__obs_norm_apply(a, obs + off * os, m, a->onorm->rows);
    if (!act_rows_normalized(a, a->onorm->rows, mask ? mask + off * k : NULL, m, deterministic,
                             actions + off * a->action_len, row0)) {
      a->rng = rng;
      return false;
    }
  }
  return true;
}

static bool act_rows_normalized(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                                bool deterministic, float *actions, size_t row0) {
  size_t mb = pg__net_max_batch(a->net), os = a->obs_size, k = a->n_actions;
  if (row0 + n > mb) row0 = 0;
  pg__rng rng = a->rng; /* restored when an output is not finite */
  for (size_t off = 0; off < n; off += mb) {
    size_t m = n - off < mb ? n - off : mb;
    pg__net_out o;
    const uint8_t *mk = mask ? mask + off * k : NULL;
    pg__net_forward_rows(a->net, obs + off * os, row0, m, mk, &o);
    if (!pg__net_out_finite(&o, 0, m)) {
      a->rng = rng;
      return false;
    }
    for (size_t j = 0; j < m; j++) {
      float *act = actions + (off + j) * a->action_len;
      if (o.q) { /* async Q methods: greedy, or epsilon-greedy when learning */
        const uint8_t *mr = mk ? mk + j * k : NULL;
        act[0] = (float)(deterministic ? pg__argmax(o.q + j * k, mr, k)
                                       : a->ops->act_q(a, o.q + j * k, mr));
      } else if (a->discrete) {
        const float *p = o.probs + j * k;
        act[0] = (float)(deterministic ? pg__argmax(p, mk ? mk + j * k : NULL, k)
                                       : pg__sample_categorical(p, k, &a->rng));
      } else if (deterministic) {
        memcpy(act, o.mean + j * k, k * sizeof(float));
      } else {
        pg__sample_gaussian(o.mean + j * k, o.log_std + j * o.log_std_stride, k, &a->rng, act);
      }
      if (a->capturing) {
        a->pend_logp[off + j] = o.q ? 0.0f : (float)pg__agent_row_log_prob(a, &o, j, act);
        a->pend_value[off + j] = o.value ? o.value[j] : 0.0f;
      }
      if (!pg__all_finite(act, a->action_len) ||
          (a->capturing && !pg__all_finite(a->pend_logp + off + j, 1))) {
        a->rng = rng;
        return false;
      }
    }
  }
  return true;
}

/* The error of an act whose outputs were not finite. */
static pg_status act_numeric(pg_agent *a, const char *fn) {
  return pg__fail(a->ctx, PG_ERR_NUMERIC,
                  "%s: the policy's output is NaN or Inf (non-finite parameters, or an "
                  "observation too large for them): nothing changed", fn);
}

static pg_status check_obs_mask(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                                const char *fn) {
  if (!pg__all_finite(obs, n * a->obs_size))
    return pg__fail(a->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in the observation", fn);
  if (!mask) return PG_OK;
  if (!a->discrete)
    return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: a mask needs a discrete policy", fn);
  for (size_t i = 0; i < n; i++) {
    size_t on = 0;
    for (size_t j = 0; j < a->n_actions; j++) on += mask[i * a->n_actions + j] != 0;
    if (!on)
      return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: mask row %zu allows no action", fn, i);
  }
  return PG_OK;
}

/* The acting of a step on the n_slots rows of obs (normalized into
** norm_slots first when the agent normalizes; *obs then points there):
** a->actions, and when recording the log-probabilities and values. False
** when an output is not finite (the random stream is then as it was). */
static bool act_step(pg_agent *a, const float **obs, const uint8_t *mask, bool record) {
  size_t n = a->n_slots;
  if (pg__obs_norm_on(a)) {
    pg__obs_norm_apply(a, *obs, n, a->norm_slots);
    *obs = a->norm_slots;
  }
  a->capturing = record && a->pend_logp;
  bool ok;
  if (record && a->step_cache) {
    uint64_t stamp0 = pg__net_forward_stamp(a->net);
    ok = act_rows_normalized(a, *obs, mask, n, false, a->actions, a->step_row0);
    if (ok) {
      a->step_stamp0 = stamp0;
      a->step_stamp = pg__net_forward_stamp(a->net);
    }
  } else {
    ok = act_rows_normalized(a, *obs, mask, n, !record, a->actions, 0);
  }
  if (ok && a->capturing && a->vnet) {
    pg__agent_values(a, *obs, n, a->pend_value);
    ok = pg__all_finite(a->pend_value, n);
  }
  a->capturing = false;
  return ok;
}

/* The first step's set-up acts on the new buffers before it commits: a
** step refused for its outputs sets nothing up. */
typedef struct {
  const float *obs;
  const uint8_t *mask;
  bool record;
  const char *fn;
} step_trial;

static pg_status act_step_trial(pg_agent *a, const void *arg) {
  const step_trial *t = arg;
  const float *obs = t->obs;
  /* a recurrent net's slot states, kept around the trial forward */
  size_t keep = pg__net_stateful(a->net) ? pg__net_state_size(a->net, a->n_slots) : 0;
  float *kept = keep ? pg__malloc(a->ctx, keep * sizeof(float)) : NULL;
  if (keep && !kept)
    return pg__fail(a->ctx, PG_ERR_NOMEM, "%s: out of memory for the recurrent state", t->fn);
  if (kept) pg__net_state_copy(a->net, kept, a->n_slots, true);
  pg__rng rng = a->rng; /* the step itself draws these numbers again */
  bool ok = act_step(a, &obs, t->mask, t->record);
  a->rng = rng;
  if (kept) pg__net_state_copy(a->net, kept, a->n_slots, false);
  pg__free(a->ctx, kept);
  return ok ? PG_OK : act_numeric(a, t->fn);
}

pg_status pg__agent_step(pg_agent *a, const float *obs, const uint8_t *mask, float *actions,
                         bool record) {
  static const char *fn = "pg_agent_step";
  if (a->phase == PG__PHASE_STEPPED)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: the previous step was not reported (call pg_agent_report; a "
                    "rejected report leaves the step pending)", fn);
  size_t rows = a->dirty ? pg__pz(a, PG_PARAM_NUM_ENVS) : a->n_slots;
  /* the input first: a refused step does not even set the agent up */
  pg_status st = check_obs_mask(a, obs, mask, rows, fn);
  if (st != PG_OK) return st;
  /* merged when learning, before acting; taken back when the step is refused */
  bool merged = record && pg__obs_norm_on(a);
  if (merged) {
    pg__obs_norm_mark(a->onorm);
    pg__obs_norm_merge(a->onorm, obs, rows);
  }
  const step_trial trial = {obs, mask, record, fn};
  st = prepare_checked(a, fn, act_step_trial, &trial);
  if (st == PG_OK && record && a->ops->update_due(a))
    st = pg__fail(a->ctx, PG_ERR_BAD_STATE, "%s: an update is due: call pg_agent_update", fn);
  if (st == PG_OK && !act_step(a, &obs, mask, record)) st = act_numeric(a, fn);
  if (st != PG_OK) {
    if (merged) pg__obs_norm_undo(a->onorm);
    return st;
  }
  size_t n = a->n_slots;
  pg__agent_env_actions(a, a->actions, n, actions); /* a->actions keeps u for the rollout */
  /* the observations' one copy into the rollout (or the agent's own) */
  a->step_obs = record && a->ops->step_obs ? a->ops->step_obs(a) : NULL;
  if (!a->step_obs) a->step_obs = a->pend_obs;
  memcpy(a->step_obs, obs, n * a->obs_size * sizeof(float));
  a->have_mask = mask != NULL;
  if (mask) memcpy(a->mask_buf, mask, n * a->n_actions);
  a->recorded = record;
  a->phase = PG__PHASE_STEPPED;
  return PG_OK;
}

pg_status pg__agent_report(pg_agent *a, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  static const char *fn = "pg_agent_report";
  size_t n = a->n_slots;
  /* Everything is checked before anything is consumed: a rejected report
  ** leaves the step pending, and the same report corrected succeeds. */
  pg_status st = PG_OK;
  for (size_t i = 0; i < n && st == PG_OK; i++)
    if ((term[i] != 0 && term[i] != 1) || (trunc[i] != 0 && trunc[i] != 1))
      st = pg__fail(a->ctx, PG_ERR_INVALID_ARG,
                    "%s: slot %zu: flags must be 0 or 1: the step still awaits its report", fn, i);
  if (st == PG_OK && !pg__all_finite(rewards, n))
    st = pg__fail(a->ctx, PG_ERR_NUMERIC,
                  "%s: NaN or Inf reward: the step still awaits its report", fn);
  if (st == PG_OK && !pg__all_finite(next_obs, n * a->obs_size))
    st = pg__fail(a->ctx, PG_ERR_NUMERIC,
                  "%s: NaN or Inf in next_obs: the step still awaits its report", fn);
  if (st == PG_OK && a->recorded && pg__obs_norm_on(a)) { /* bootstrap rows as the step's */
    pg__obs_norm_apply(a, next_obs, n, a->norm_slots);
    next_obs = a->norm_slots;
  }
  /* record validates and allocates (if at all) before it writes anything */
  if (st == PG_OK && a->recorded)
    st = a->ops->record(a, a->step_obs, a->have_mask ? a->mask_buf : NULL, a->actions, rewards,
                        term, trunc, next_obs);
  if (st != PG_OK) return st;
  a->phase = PG__PHASE_READY;
  if (a->recorded) a->total_steps += n;
  for (size_t i = 0; i < n; i++) {
    a->ep_return[i] += (double)rewards[i];
    a->ep_length[i]++;
    if (term[i] || trunc[i]) pg__agent_episode_end(a, i);
  }
  return PG_OK;
}

pg_status pg__agent_update(pg_agent *a, const char *fn, int32_t *out_updated) {
  if (out_updated) *out_updated = 0;
  if (a->phase == PG__PHASE_STEPPED)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE, "%s: report the last step first", fn);
  if (a->dirty || !a->ops->update_due(a)) return PG_OK;
  pg_status st = a->ops->update(a);
  if (st != PG_OK) return st;
  a->updates++;
  if (out_updated) *out_updated = 1;
  return PG_OK;
}

/* ---- public host-driven loop ------------------------------------------------------ */

/* The slots the next pg_agent_step takes: after a structural change the
** buffers are (re)sized to PG_PARAM_NUM_ENVS by pg__agent_prepare. */
static size_t expected_slots(const pg_agent *a) {
  return a->dirty ? pg__pz(a, PG_PARAM_NUM_ENVS) : a->n_slots;
}

/* PG_ERR_SHAPE unless given == rows * per; unit names the rows. */
static pg_status check_len(pg_agent *a, const char *fn, const char *arg, size_t given,
                           size_t rows, const char *unit, size_t per) {
  if (given == rows * per) return PG_OK;
  /* The usual cause: one row for an agent with several slots (PAAC: 32). */
  const char *hint = rows > 1 && given == per && strcmp(unit, "slot") == 0
                         ? ": one row per slot (PG_PARAM_NUM_ENVS; set it to 1 for a single "
                           "environment, pg_agent_get_shape gives the sizes)"
                         : "";
  return pg__fail(a->ctx, PG_ERR_SHAPE, "%s: %s is %zu, expected %zu (%zu %s%s x %zu)%s", fn, arg,
                  given, rows * per, rows, unit, rows == 1 ? "" : "s", per, hint);
}

/* obs/mask/action lengths of rows rows. A mask on a continuous policy is
** left to check_obs_mask (PG_ERR_INVALID_ARG). */
static pg_status check_step_lens(pg_agent *a, const char *fn, size_t rows, const char *unit,
                                 size_t obs_len, const uint8_t *mask, size_t mask_len,
                                 const char *act_arg, size_t act_len) {
  pg_status st = check_len(a, fn, "obs_len", obs_len, rows, unit, a->obs_size);
  if (st == PG_OK && mask && a->discrete)
    st = check_len(a, fn, "mask_len", mask_len, rows, unit, a->n_actions);
  if (st == PG_OK) st = check_len(a, fn, act_arg, act_len, rows, unit, a->action_len);
  return st;
}

/* The public step's checks, before anything happens. */
static pg_status check_step(pg_agent *agent, const char *fn, const void *obs, size_t obs_len,
                            const uint8_t *mask, size_t mask_len, const float *actions,
                            size_t actions_len) {
  if (!obs || !actions)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: obs or actions is NULL", fn);
  pg_status st = check_step_lens(agent, fn, expected_slots(agent), "slot", obs_len, mask,
                                 mask_len, "actions_len", actions_len);
  if (st == PG_OK) st = pg__agent_check_idle(agent, fn);
  return st;
}

static pg_status step_floats(pg_agent *agent, const float *obs, const uint8_t *mask,
                             float *actions) {
  unsigned fz = pg__ftz_enter();
  bool learn = pg__p(agent, PG_PARAM_DETERMINISTIC) == 0.0;
  pg_status st = pg__agent_step(agent, obs, mask, actions, learn);
  pg__ftz_leave(fz);
  return st;
}

pg_status pg_agent_step(pg_agent *agent, const float *obs, size_t obs_len, const uint8_t *mask,
                        size_t mask_len, float *actions, size_t actions_len) {
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_status st =
      check_step(agent, "pg_agent_step", obs, obs_len, mask, mask_len, actions, actions_len);
  return st == PG_OK ? step_floats(agent, obs, mask, actions) : st;
}

/* The float rows that byte observations are scaled into (byte / 255, as
** an env of PG_OBS_UINT8 gives them to float readers) for `rows` slots:
** allocated by the first byte step or report that needs them, kept after.
** On failure nothing changes. */
static pg_status byte_rows(pg_agent *a, size_t rows, const char *fn) {
  size_t need = rows * a->obs_size;
  if (a->u8_rows_cap >= need) return PG_OK;
  float *obs = pg__malloc(a->ctx, need * sizeof(float));
  float *next = pg__malloc(a->ctx, need * sizeof(float));
  if (!obs || !next) {
    pg__free(a->ctx, obs);
    pg__free(a->ctx, next);
    return pg__fail(a->ctx, PG_ERR_NOMEM, "%s: out of memory for %zu rows of bytes scaled", fn,
                    rows);
  }
  pg__free(a->ctx, a->u8_obs);
  pg__free(a->ctx, a->u8_next);
  a->u8_obs = obs;
  a->u8_next = next;
  a->u8_rows_cap = need;
  return PG_OK;
}

pg_status pg_agent_step_u8(pg_agent *agent, const uint8_t *obs, size_t obs_len,
                           const uint8_t *mask, size_t mask_len, float *actions,
                           size_t actions_len) {
  static const char *fn = "pg_agent_step_u8";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_status st = check_step(agent, fn, obs, obs_len, mask, mask_len, actions, actions_len);
  if (st == PG_OK) st = byte_rows(agent, expected_slots(agent), fn);
  if (st != PG_OK) return st;
  pg__bytes_to_unit(obs, obs_len, agent->u8_obs);
  return step_floats(agent, agent->u8_obs, mask, actions);
}

/* The public report's checks, before anything happens. */
static pg_status check_report(pg_agent *agent, const char *fn, const float *rewards,
                              const int32_t *terminated, const int32_t *truncated, size_t n,
                              const void *next_obs, size_t next_obs_len) {
  if (agent->phase != PG__PHASE_STEPPED)
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE, "%s: no step to report (call pg_agent_step first)",
                    fn);
  if (!rewards || !terminated || !truncated || !next_obs)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG,
                    "%s: rewards, terminated, truncated or next_obs is NULL", fn);
  size_t slots = agent->n_slots; /* a step is pending: not dirty */
  if (n != slots)
    return pg__fail(agent->ctx, PG_ERR_SHAPE, "%s: n is %zu, expected %zu (the number of slots)",
                    fn, n, slots);
  return check_len(agent, fn, "next_obs_len", next_obs_len, slots, "slot", agent->obs_size);
}

pg_status pg_agent_report(pg_agent *agent, const float *rewards, const int32_t *terminated,
                          const int32_t *truncated, size_t n, const float *next_obs,
                          size_t next_obs_len) {
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_status st = check_report(agent, "pg_agent_report", rewards, terminated, truncated, n,
                              next_obs, next_obs_len);
  if (st != PG_OK) return st;
  return pg__agent_report(agent, rewards, terminated, truncated, next_obs);
}

pg_status pg_agent_report_u8(pg_agent *agent, const float *rewards, const int32_t *terminated,
                             const int32_t *truncated, size_t n, const uint8_t *next_obs,
                             size_t next_obs_len) {
  static const char *fn = "pg_agent_report_u8";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_status st =
      check_report(agent, fn, rewards, terminated, truncated, n, next_obs, next_obs_len);
  if (st == PG_OK) st = byte_rows(agent, n, fn);
  if (st != PG_OK) return st;
  pg__bytes_to_unit(next_obs, next_obs_len, agent->u8_next);
  return pg__agent_report(agent, rewards, terminated, truncated, agent->u8_next);
}

pg_status pg_agent_update(pg_agent *agent, int32_t *out_updated) {
  if (!agent) return PG_ERR_INVALID_ARG;
  unsigned fz = pg__ftz_enter();
  pg_status st = pg__agent_update(agent, "pg_agent_update", out_updated);
  pg__ftz_leave(fz);
  return st;
}

/* pg_agent_act on a recurrent net: a policy session of the agent's own
** (made by the first call), its parameters re-copied from the net, acts
** and carries its state; the slots' states and a segment being collected
** are not touched. */
static pg_status act_recurrent(pg_agent *a, const float *obs, size_t obs_len,
                               const uint8_t *mask, size_t mask_len, int32_t deterministic,
                               float *action, size_t action_len) {
  static const char *fn = "pg_agent_act";
  if (!a->act_session) {
    pg_policy *p = NULL;
    pg_policy_session *s = NULL;
    uint64_t seed = pg__mix64((uint64_t)a->param[PG_PARAM_SEED], 0xac7);
    pg_status st = pg_policy_from_net(a->net, &p);
    if (st == PG_OK) st = pg_policy_session_create(p, seed, &s);
    if (st != PG_OK) {
      pg_policy_destroy(p);
      return pg__fail(a->ctx, st, "%s: the recurrent acting state: %s", fn,
                      pg_ctx_last_error(a->ctx));
    }
    a->act_policy = p;
    a->act_session = s;
  }
  unsigned fz = pg__ftz_enter();
  pg__policy_refresh(a->act_policy, a->net);
  if (pg__obs_norm_on(a)) { /* the policy is the bare net: normalize here, as the agent does */
    pg__obs_norm_apply(a, obs, 1, a->onorm->rows);
    obs = a->onorm->rows;
  }
  pg_status st = pg_policy_act(a->act_session, obs, obs_len, mask, mask ? mask_len : 0,
                               deterministic, action, action_len);
  pg__ftz_leave(fz);
  if (st != PG_OK)
    return pg__fail(a->ctx, st, "%s: %s", fn, pg_policy_session_last_error(a->act_session));
  pg__agent_env_actions(a, action, 1, action);
  return PG_OK;
}

pg_status pg_agent_reset_act_state(pg_agent *agent) {
  if (!agent) return PG_ERR_INVALID_ARG;
  if (agent->act_session) (void)pg_policy_session_reset(agent->act_session);
  return PG_OK;
}

pg_status pg_agent_act(pg_agent *agent, const float *obs, size_t obs_len, const uint8_t *mask,
                       size_t mask_len, int32_t deterministic, float *action, size_t action_len) {
  static const char *fn = "pg_agent_act";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!obs || !action)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: obs or action is NULL", fn);
  if (deterministic != 0 && deterministic != 1)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: deterministic must be 0 or 1", fn);
  pg_status st =
      check_step_lens(agent, fn, 1, "row", obs_len, mask, mask_len, "action_len", action_len);
  if (st == PG_OK) st = check_obs_mask(agent, obs, mask, 1, fn);
  if (st == PG_OK) st = pg__agent_check_idle(agent, fn);
  if (st != PG_OK) return st;
  if (pg__net_stateful(agent->net))
    return act_recurrent(agent, obs, obs_len, mask, mask_len, deterministic, action, action_len);
  unsigned fz = pg__ftz_enter();
  bool ok = pg__agent_act_rows(agent, obs, mask, 1, deterministic != 0, action);
  pg__ftz_leave(fz);
  return ok ? PG_OK : act_numeric(agent, fn);
}

pg_status pg_agent_reset_state(pg_agent *agent, size_t slot) {
  static const char *fn = "pg_agent_reset_state";
  if (!agent) return PG_ERR_INVALID_ARG;
  size_t slots = expected_slots(agent);
  if (slot >= slots)
    return pg__fail(agent->ctx, PG_ERR_OUT_OF_RANGE, "%s: slot %zu, the agent has %zu slot%s", fn,
                    slot, slots, slots == 1 ? "" : "s");
  /* (a recurrent net holds max_batch sequences; set-up refuses more slots) */
  if (slot < pg__net_max_batch(agent->net)) pg__net_reset_state(agent->net, slot, 1);
  return PG_OK;
}

pg_status pg_agent_get_shape(pg_agent *agent, size_t *out_obs_size, size_t *out_action_len,
                             size_t *out_n_actions, size_t *out_n_slots) {
  if (!agent) return PG_ERR_INVALID_ARG;
  if (out_obs_size) *out_obs_size = agent->obs_size;
  if (out_action_len) *out_action_len = agent->action_len;
  if (out_n_actions) *out_n_actions = agent->discrete ? agent->n_actions : 0;
  if (out_n_slots) *out_n_slots = expected_slots(agent);
  return PG_OK;
}
