/*
** What the simulator hosts (examples/mujoco, examples/box2d) share: a
** seeded uniform generator, a monotonic clock, and the creation of an env
** whose vtable carries shared data, with the clean-up a failed creation
** needs. Not part of the library.
*/
#ifndef PG_EXAMPLES_SIM_HOST_H
#define PG_EXAMPLES_SIM_HOST_H

#include <policygrad.h>
#include <stddef.h>
#include <stdint.h>

/* A uniform number in [lo, hi) from a splitmix64 state (advanced). */
double sim_uniform(uint64_t *state, double lo, double hi);

/* Seconds of a monotonic clock. */
double sim_now_seconds(void);
/* CPU seconds used by the process (all its threads): the cost of work on a
** machine shared with other loads, where wall time is not. */
double sim_cpu_seconds(void);

/* The spaces and settings of a host env. low/high: continuous bounds (or
** NULL for the library's [-1, 1], and for discrete actions). */
typedef struct sim_env_spec {
  const char *name;
  int32_t obs_size;
  pg_action_kind kind;
  int32_t n;
  const float *low, *high;
  uint64_t max_steps;
} sim_env_spec;

/* pg_env_create with a copy of vt whose `shared` member is set to shared
** (user: the first instance), then its bounds, step cap and seed. On any
** failure the instance is closed and the shared data released here
** (vt->close(user), vt->release(shared)), err gets the library's message,
** and *out is NULL. */
pg_status sim_host_env_create(pg_ctx *ctx, const pg_env_vtable *vt, void *shared, void *user,
                              const sim_env_spec *spec, uint64_t seed, pg_env **out,
                              char *err, size_t err_len);

#endif
