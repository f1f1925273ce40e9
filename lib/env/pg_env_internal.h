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

#include <stdatomic.h>

enum { PG__ENV_NAME_MAX = 64, PG__ENV_ERR_MAX = 384 };

/* Episode state machine. */
typedef enum pg__ep_state {
  PG__EP_NEED_RESET = 0, /* never reset, or the last episode was abandoned */
  PG__EP_RUNNING = 1,
  PG__EP_DONE = 2        /* ended by terminated/truncated; reset next */
} pg__ep_state;

/* The count of live envs sharing vt.shared (an original and its clones);
** only allocated when vt.release is set. */
typedef struct pg__env_shared_refs {
  _Atomic int32_t n;
} pg__env_shared_refs;

struct pg_env {
  pg_ctx *ctx;
  pg_env_vtable vt;      /* full copy; absent members NULL */
  void *user;            /* closed with vt.close on destroy */
  pg__env_shared_refs *shared_refs; /* NULL without vt.release */
  int builtin;           /* 1 for built-ins: a failing create means NOMEM */
  char name[PG__ENV_NAME_MAX];

  /* spaces (read freely; change only through the setters) */
  int32_t obs_size;
  int32_t obs_h, obs_w, obs_c; /* 0,0,0 for a vector observation */
  pg_action_kind kind;
  int32_t n;             /* choices (discrete) or dimension (continuous) */
  int32_t action_len;    /* floats per action: 1 or n */
  float *low, *high;     /* continuous bounds (n each); NULL if discrete */
  uint8_t *mask;         /* next step's mask (n); NULL if continuous */

  /* episode */
  uint64_t max_steps;    /* 0 = no cap */
  uint64_t seed;         /* episode k is reset with pg__mix64(seed, k) */
  uint64_t resets;       /* successful resets since seeding */
  pg__ep_state state;
  uint64_t t;            /* steps in the running episode */
  double ep_return;
  uint64_t episodes;     /* finished episodes */
  double last_return;
  uint64_t last_length;
  float *obs;            /* the current observation (obs_size) */

  /* scratch for the step path (no allocation per step) */
  float *obs_tmp, *act_tmp;
  uint8_t *mask_tmp;
  int in_reset;          /* 1 while the reset callbacks run (messages) */
  pg_status err_status;
  char err[PG__ENV_ERR_MAX];
};

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

/* Instances: pg_env_clone/pg_env_destroy are the internal API too (clone on
** the owning thread; the clone may then live on a worker thread).
** Per-worker seeds: pg__mix64(seed, worker). */

/* ---- vectorized stepper (pg_vec_env) ------------------------------------ */
struct pg_vec_env;

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

#endif /* PG_ENV_INTERNAL_H */
