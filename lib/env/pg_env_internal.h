/*
** Environments, internal view for the agents. Everything here skips the
** public argument checks (NULLs, buffer lengths) but still validates what
** crosses the host boundary: actions before a callback, observations,
** rewards and flags after it, and the episode state machine.
**
** Errors: the pg__env_* functions record their message in the env's own
** buffer (env->err, safe on any thread) and return the status; call
** pg__env_report(env, "pg_agent_train") on the owning thread to copy it into
** the context's message. A failed step/reset leaves the caller's buffers
** untouched.
**
** Threads: an env may be used on any one thread at a time. pg__vec_env_*
** run instances on the vec env's own threads.
*/
#ifndef PG_ENV_INTERNAL_H
#define PG_ENV_INTERNAL_H

#include "pg_internal.h"

/* struct pg_env is private to lib/env (lib/env/env_impl.h): the agents
** reach an environment only through the functions below. */

/* Read-only views of an env. */
pg_ctx *pg__env_ctx(const pg_env *env);
const char *pg__env_name(const pg_env *env);
int32_t pg__env_obs_size(const pg_env *env);
pg_action_kind pg__env_kind(const pg_env *env);
int32_t pg__env_n(const pg_env *env); /* choices (discrete) or dimension */
/* The next step's action mask (n bytes), or NULL when the env gives none
** (continuous, or no action_mask callback). Valid until the next step. */
const uint8_t *pg__env_mask(const pg_env *env);
/* Whether env has a factory (pg_env_vtable.create), so pg_env_clone can
** make the instances that several slots or workers need. */
bool pg__env_has_factory(const pg_env *env);
/* The episode step cap (0 = none), as pg_agent_train and pg_agent_evaluate
** override it for their duration. */
uint64_t pg__env_max_steps(const pg_env *env);
void pg__env_set_max_steps(pg_env *env, uint64_t max_steps);

/* Copies env->err into the context's message, prefixed with `caller`, and
** returns env->err_status. */
pg_status pg__env_report(pg_env *env, const char *caller);

/* Validates an action for the next step of env (state, NaN/Inf, integer
** index in range and allowed by the mask) without stepping. */
pg_status pg__env_check_action(pg_env *env, const float *action);

/* Reset / step with validation (see the public pg_env_reset/pg_env_step).
** obs may be NULL (then read env->obs); reward, terminated and truncated
** may be NULL. */
pg_status pg__env_reset(pg_env *env, float *obs);
pg_status pg__env_step(pg_env *env, const float *action, float *obs,
                       float *reward, int32_t *terminated,
                       int32_t *truncated);

/* As pg__env_reset / pg__env_step for an env of PG_OBS_UINT8, the
** observation as bytes (obs may be NULL as above). */
pg_status pg__env_reset_u8(pg_env *env, uint8_t *obs);
pg_status pg__env_step_u8(pg_env *env, const float *action, uint8_t *obs,
                          float *reward, int32_t *terminated, int32_t *truncated);
pg_obs_dtype pg__env_dtype(const pg_env *env);

/* Instances: pg_env_clone/pg_env_destroy are the internal API too (clone on
** the owning thread; the clone may then live on a worker thread).
** Per-worker seeds: pg__mix64(seed, worker). */

/* ---- vectorized stepper (pg_vec_env) ------------------------------------ */

/* Instance i of vec (0 <= i < n): read its spaces, mask, obs and episode
** statistics; do not step it directly. */
int32_t pg__vec_env_size(const pg_vec_env *vec);
pg_env *pg__vec_env_instance(const pg_vec_env *vec, int32_t i);

/* As pg_vec_env_reset / pg_vec_env_step without the length checks; errors
** are recorded in the context with `caller` as prefix. */
pg_status pg__vec_env_reset(pg_vec_env *vec, const char *caller, float *obs);
pg_status pg__vec_env_step(pg_vec_env *vec, const char *caller,
                           const float *actions, float *obs, float *rewards,
                           int32_t *terminated, int32_t *truncated,
                           float *final_obs);

/* The same for a vec env of PG_OBS_UINT8, observations as bytes. */
pg_status pg__vec_env_reset_u8(pg_vec_env *vec, const char *caller, uint8_t *obs);
pg_status pg__vec_env_step_u8(pg_vec_env *vec, const char *caller, const float *actions,
                              uint8_t *obs, float *rewards, int32_t *terminated,
                              int32_t *truncated, uint8_t *final_obs);

/* How vec's jobs are run, for tests: mode < 0 chooses by measurement (the
** default), 0 always on the caller's thread alone, > 0 always spread over
** its threads. No effect with one thread. Caller's thread, between jobs. */
void pg__vec_env_force_mode(pg_vec_env *vec, int mode);

#endif /* PG_ENV_INTERNAL_H */
