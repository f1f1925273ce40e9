/* struct pg_env: private to lib/env. Code outside lib/env sees an opaque
** handle and the functions of pg_env_internal.h (a ctest test checks that no
** file outside lib/env includes this header). */
#ifndef PG_ENV_IMPL_H
#define PG_ENV_IMPL_H

#include "pg_env_internal.h"

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
  /* Built-ins (builtin.c): whether the task under user can draw bytes (the
  ** pixel games); if so it draws bytes (or floats) from now on. */
  bool (*builtin_set_bytes)(void *user, bool bytes);
  int wrapper;           /* 1 for wrappers (wrap.c): user is a pg__env_wrap */
  int wrapped;           /* 1 once a wrapper owns this env (wrap.c) */
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
  /* PG_OBS_UINT8: obs and obs_tmp hold bytes, seen through obs_u8 and
  ** obs_u8_tmp (the same storage) */
  pg_obs_dtype dtype;
  uint8_t *obs_u8, *obs_u8_tmp;

  /* scratch for the step path (no allocation per step) */
  float *obs_tmp, *act_tmp;
  uint8_t *mask_tmp;
  int in_reset;          /* 1 while the reset callbacks run (messages) */
  pg_status err_status;
  char err[PG__ENV_ERR_MAX];
};

/* Bytes or floats per observation element of env (1 or 4). */
static inline size_t pg__env_obs_elem(const pg_env *env) {
  return env->dtype == PG_OBS_UINT8 ? 1 : sizeof(float);
}

/* PG_ERR_UNSUPPORTED, with fn's message, unless env's observations are
** bytes (the _u8 functions). */
pg_status pg__env_check_bytes(const pg_env *env, const char *fn);


/* ---- wrappers: an env made from an env (wrap.c, wrap_*.c) ---------------
** A wrapper env's user pointer is a pg__env_wrap followed by the wrapper's
** own state; the wrapper owns `inner` (destroyed by its close) and resets
** it with the wrapper's episode seed. A failing wrapper callback leaves the
** inner env's message in inner->err, which step.c reports. */
typedef struct pg__env_wrap pg__env_wrap;

typedef struct pg__env_wrap_ops {
  const char *kind;           /* "FrameStack", ...: the name is kind(inner) */
  size_t state_size;          /* bytes of the wrapper struct (starts with pg__env_wrap) */
  /* Allocates the wrapper's buffers from w's parameters (set by a copy of
  ** the original's struct for a clone); 0 on success. */
  int (*init)(pg__env_wrap *w);
  void (*fini)(pg__env_wrap *w);
  pg_env_reset_fn reset;
  pg_env_step_fn step;
} pg__env_wrap_ops;

struct pg__env_wrap {
  pg_ctx *ctx;
  const pg__env_wrap_ops *ops;
  pg_env *inner;
};

/* Makes the wrapper env around inner with obs_size floats per observation
** from proto (a filled wrapper struct: its parameters; copied), taking
** inner over on success. Sets the image shape when h > 0. fn names the
** caller in messages. */
pg_status pg__env_wrap_create(pg_env *inner, const pg__env_wrap *proto, int32_t obs_size,
                              int32_t h, int32_t w, int32_t c, const char *fn, pg_env **out);
/* The argument checks every public wrapper constructor starts with (env
** and out not NULL; *out = NULL). */
pg_status pg__env_wrap_check(pg_env *inner, pg_env **out, const char *fn);
/* Resets w->inner for a wrapper episode with seed (its observation in
** w->inner->obs); 0 on success. */
int pg__env_wrap_reset_inner(pg__env_wrap *w, uint64_t seed);
/* Steps w->inner (its observation in w->inner->obs); 0 on success. */
int pg__env_wrap_step_inner(pg__env_wrap *w, const float *action, float *reward,
                            int32_t *terminated, int32_t *truncated);

#endif /* PG_ENV_IMPL_H */
