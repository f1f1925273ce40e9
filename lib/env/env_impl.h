/* struct pg_env: private to lib/env. Code outside lib/env sees an opaque
** handle and the functions of pg_env_internal.h (a ctest test checks that no
** file outside lib/env includes this header). */
#ifndef PG_ENV_IMPL_H
#define PG_ENV_IMPL_H

#include "pg_env_internal.h"

enum { PG__ENV_NAME_MAX = 64, PG__ENV_ERR_MAX = 384 };

/* Episode state machine. */
typedef enum pg__ep_state {
  PG__EP_NEED_RESET = 0, /* never reset, or the last episode was abandoned */
  PG__EP_RUNNING = 1,
  PG__EP_DONE = 2        /* ended by terminated/truncated; reset next */
} pg__ep_state;

struct pg_env {
  pg_ctx *ctx;
  pg_env_vtable vt;      /* full copy; absent members NULL */
  void *user;            /* closed with vt.close on destroy */
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

#endif /* PG_ENV_IMPL_H */
