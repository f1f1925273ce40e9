/* The validated step path of pg_env: no allocation, errors into env->err. */
#include "env_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static pg_status env_fail(pg_env *env, pg_status st, const char *fmt, ...)
    PG__PRINTF(3, 4);

static pg_status env_fail(pg_env *env, pg_status st, const char *fmt, ...) {
  char what[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  env->err_status = st;
  if (env->in_reset)
    snprintf(env->err, sizeof env->err, "environment '%s' (reset for episode %llu): %s",
             env->name, (unsigned long long)env->resets + 1, what);
  else
    snprintf(env->err, sizeof env->err, "environment '%s' (episode %llu, step %llu): %s",
             env->name, (unsigned long long)env->resets, (unsigned long long)env->t + 1, what);
  return st;
}

pg_status pg__env_report(pg_env *env, const char *caller) {
  return pg__fail(env->ctx, env->err_status, "%s: %s", caller, env->err);
}

/* A callback's failure: a wrapper's is its inner env's, with that message. */
static pg_status callback_fail(pg_env *env, const char *what, int rc) {
  if (env->wrapper) {
    const pg__env_wrap *w = env->user;
    return env_fail(env, w->inner->err_status, "%s", w->inner->err);
  }
  return env_fail(env, PG_ERR_CALLBACK, "%s callback returned %d", what, rc);
}

static pg_status check_discrete(pg_env *env, float a) {
  if (!pg__finite_f(a)) return env_fail(env, PG_ERR_NUMERIC, "action is NaN or infinite");
  if (a != floorf(a) || a < 0.0f || a >= (float)env->n)
    return env_fail(env, PG_ERR_OUT_OF_RANGE, "action %g is not an integer in [0, %d)",
                    (double)a, (int)env->n);
  if (!env->mask[(int32_t)a])
    return env_fail(env, PG_ERR_OUT_OF_RANGE, "action %d is masked out", (int)a);
  return PG_OK;
}

pg_status pg__env_check_action(pg_env *env, const float *action) {
  if (env->state == PG__EP_NEED_RESET)
    return env_fail(env, PG_ERR_BAD_STATE, "step before reset (call reset first)");
  if (env->state == PG__EP_DONE)
    return env_fail(env, PG_ERR_BAD_STATE, "the episode has ended; call reset");
  if (env->kind == PG_ACTION_DISCRETE) return check_discrete(env, action[0]);
  for (int32_t i = 0; i < env->n; i++)
    if (!pg__finite_f(action[i]))
      return env_fail(env, PG_ERR_NUMERIC, "action[%d] is NaN or infinite", (int)i);
  return PG_OK;
}

/* Asks the host for the next step's mask into mask_tmp (all 1 if none). */
static pg_status fetch_mask(pg_env *env, const char *when) {
  if (env->kind != PG_ACTION_DISCRETE) return PG_OK;
  if (!env->vt.action_mask) {
    memset(env->mask_tmp, 1, (size_t)env->n);
    return PG_OK;
  }
  memset(env->mask_tmp, 0, (size_t)env->n);
  int rc = env->vt.action_mask(env->user, env->mask_tmp);
  if (rc != 0)
    return env_fail(env, PG_ERR_CALLBACK, "action_mask callback returned %d after %s", rc,
                    when);
  for (int32_t i = 0; i < env->n; i++)
    if (env->mask_tmp[i]) return PG_OK;
  return env_fail(env, PG_ERR_CALLBACK, "action_mask allows no action after %s", when);
}

static pg_status check_obs(pg_env *env, const char *who) {
  if (env->dtype == PG_OBS_UINT8) return PG_OK; /* every byte is a valid observation */
  for (int32_t i = 0; i < env->obs_size; i++)
    if (!pg__finite_f(env->obs_tmp[i]))
      return env_fail(env, PG_ERR_NUMERIC, "%s returned observation[%d] = %g", who, (int)i,
                      (double)env->obs_tmp[i]);
  return PG_OK;
}

/* Where a validated observation goes: the caller's floats or bytes (NULL:
** only env->obs). Bytes are only asked of a PG_OBS_UINT8 env. */
typedef struct obs_out {
  float *f;
  uint8_t *b;
} obs_out;

static void commit_obs(pg_env *env, obs_out out) {
  size_t n = (size_t)env->obs_size;
  if (env->dtype == PG_OBS_UINT8) {
    memcpy(env->obs_u8, env->obs_u8_tmp, n);
    if (out.b) memcpy(out.b, env->obs_u8, n);
    if (out.f) pg__bytes_to_unit(env->obs_u8, n, out.f);
  } else {
    memcpy(env->obs, env->obs_tmp, n * sizeof(float));
    if (out.f && out.f != env->obs) memcpy(out.f, env->obs, n * sizeof(float));
  }
  if (env->kind == PG_ACTION_DISCRETE) memcpy(env->mask, env->mask_tmp, (size_t)env->n);
}

static pg_status reset_to(pg_env *env, obs_out out) {
  uint64_t seed = pg__mix64(env->seed, env->resets);
  env->in_reset = 1;
  int rc = env->vt.reset(env->user, seed, env->obs_tmp);
  pg_status st = PG_OK;
  if (rc != 0) st = callback_fail(env, "reset", rc);
  if (st == PG_OK) st = check_obs(env, "reset");
  if (st == PG_OK) st = fetch_mask(env, "reset");
  env->in_reset = 0;
  if (st != PG_OK) {
    env->state = PG__EP_NEED_RESET;
    return st;
  }
  env->resets++;
  env->state = PG__EP_RUNNING;
  env->t = 0;
  env->ep_return = 0.0;
  commit_obs(env, out);
  return PG_OK;
}

pg_status pg__env_reset(pg_env *env, float *obs) { return reset_to(env, (obs_out){obs, NULL}); }

pg_status pg__env_reset_u8(pg_env *env, uint8_t *obs) {
  return reset_to(env, (obs_out){NULL, obs});
}

static const float *prepare_action(pg_env *env, const float *action) {
  if (env->kind == PG_ACTION_DISCRETE) return action;
  for (int32_t i = 0; i < env->n; i++) {
    float a = action[i];
    env->act_tmp[i] = a < env->low[i] ? env->low[i] : a > env->high[i] ? env->high[i] : a;
  }
  return env->act_tmp;
}

/* Calls the host's step and validates what comes back. */
static pg_status call_step(pg_env *env, const float *action, float *r, int32_t *te,
                           int32_t *tr) {
  int rc = env->vt.step(env->user, prepare_action(env, action), env->obs_tmp, r, te, tr);
  if (rc != 0) return callback_fail(env, "step", rc);
  if (!pg__finite_f(*r))
    return env_fail(env, PG_ERR_NUMERIC, "step returned reward %g", (double)*r);
  pg_status st = check_obs(env, "step");
  if (st != PG_OK) return st;
  *te = *te != 0;
  *tr = *tr != 0;
  if (env->max_steps && env->t + 1 >= env->max_steps) *tr = 1;
  if (!*te && !*tr) return fetch_mask(env, "step");
  return PG_OK;
}

static void finish_step(pg_env *env, float r, int32_t done) {
  env->t++;
  env->ep_return += (double)r;
  if (!done) return;
  env->state = PG__EP_DONE;
  env->episodes++;
  env->last_return = env->ep_return;
  env->last_length = env->t;
}

static pg_status step_to(pg_env *env, const float *action, obs_out out, float *reward,
                         int32_t *terminated, int32_t *truncated) {
  pg_status st = pg__env_check_action(env, action);
  if (st != PG_OK) return st;
  float r = 0.0f;
  int32_t te = 0, tr = 0;
  st = call_step(env, action, &r, &te, &tr);
  if (st != PG_OK) {
    env->state = PG__EP_NEED_RESET;
    return st;
  }
  commit_obs(env, out);
  finish_step(env, r, te || tr);
  if (reward) *reward = r;
  if (terminated) *terminated = te;
  if (truncated) *truncated = tr;
  return PG_OK;
}

pg_status pg__env_step(pg_env *env, const float *action, float *obs, float *reward,
                       int32_t *terminated, int32_t *truncated) {
  return step_to(env, action, (obs_out){obs, NULL}, reward, terminated, truncated);
}

pg_status pg__env_step_u8(pg_env *env, const float *action, uint8_t *obs, float *reward,
                          int32_t *terminated, int32_t *truncated) {
  return step_to(env, action, (obs_out){NULL, obs}, reward, terminated, truncated);
}

/* ---- public checked wrappers -------------------------------------------- */

pg_status pg__env_check_bytes(const pg_env *env, const char *fn) {
  if (env->dtype == PG_OBS_UINT8) return PG_OK;
  return pg__fail(env->ctx, PG_ERR_UNSUPPORTED,
                  "%s: environment '%s' has float observations (bytes need "
                  "pg_env_set_observation_dtype(env, PG_OBS_UINT8) before the first reset)",
                  fn, env->name);
}

/* The checks of the public reset (bytes: the _u8 variant). */
static pg_status check_reset(pg_env *env, const void *obs, size_t obs_len, bool bytes,
                             const char *fn) {
  if (!obs) return pg__fail(env->ctx, PG_ERR_INVALID_ARG, "%s: obs is NULL", fn);
  if (bytes && pg__env_check_bytes(env, fn) != PG_OK) return PG_ERR_UNSUPPORTED;
  if (obs_len != (size_t)env->obs_size)
    return pg__fail(env->ctx, PG_ERR_SHAPE, "%s: obs_len %zu != observation size %d", fn,
                    obs_len, (int)env->obs_size);
  return PG_OK;
}

pg_status pg_env_reset(pg_env *env, float *obs, size_t obs_len) {
  static const char *fn = "pg_env_reset";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_reset(env, obs, obs_len, false, fn);
  if (st != PG_OK) return st;
  if (pg__env_reset(env, obs) != PG_OK) return pg__env_report(env, fn);
  return PG_OK;
}

pg_status pg_env_reset_u8(pg_env *env, uint8_t *obs, size_t obs_len) {
  static const char *fn = "pg_env_reset_u8";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_reset(env, obs, obs_len, true, fn);
  if (st != PG_OK) return st;
  if (pg__env_reset_u8(env, obs) != PG_OK) return pg__env_report(env, fn);
  return PG_OK;
}

/* The checks of the public step (bytes: the _u8 variant). */
static pg_status check_step(pg_env *env, const float *action, size_t action_len,
                            const void *obs, size_t obs_len, const float *reward,
                            const int32_t *terminated, const int32_t *truncated, bool bytes,
                            const char *fn) {
  pg_ctx *ctx = env->ctx;
  if (!action || !obs || !reward || !terminated || !truncated)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn,
                    !action ? "action" : !obs ? "obs" : !reward ? "reward"
                    : !terminated ? "terminated" : "truncated");
  if (bytes && pg__env_check_bytes(env, fn) != PG_OK) return PG_ERR_UNSUPPORTED;
  if (action_len != (size_t)env->action_len)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: action_len %zu != %d floats per action", fn,
                    action_len, (int)env->action_len);
  if (obs_len != (size_t)env->obs_size)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: obs_len %zu != observation size %d", fn, obs_len,
                    (int)env->obs_size);
  return PG_OK;
}

pg_status pg_env_step(pg_env *env, const float *action, size_t action_len, float *obs,
                      size_t obs_len, float *reward, int32_t *terminated,
                      int32_t *truncated) {
  static const char *fn = "pg_env_step";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_step(env, action, action_len, obs, obs_len, reward, terminated,
                            truncated, false, fn);
  if (st != PG_OK) return st;
  if (pg__env_step(env, action, obs, reward, terminated, truncated) != PG_OK)
    return pg__env_report(env, fn);
  return PG_OK;
}

pg_status pg_env_step_u8(pg_env *env, const float *action, size_t action_len, uint8_t *obs,
                         size_t obs_len, float *reward, int32_t *terminated,
                         int32_t *truncated) {
  static const char *fn = "pg_env_step_u8";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_step(env, action, action_len, obs, obs_len, reward, terminated,
                            truncated, true, fn);
  if (st != PG_OK) return st;
  if (pg__env_step_u8(env, action, obs, reward, terminated, truncated) != PG_OK)
    return pg__env_report(env, fn);
  return PG_OK;
}
