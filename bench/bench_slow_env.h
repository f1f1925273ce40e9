/* A host environment that burns a fixed amount of CPU per step: a stand-in
** for a simulator in the throughput benches (bench_mpi, bench_scaling). A
** random walk with 4 observations and 2 actions, truncated after 200 steps;
** pg_env_clone / pg_vec_env_create copy the step cost from the prototype.
** Public API only. */
#ifndef PG_BENCH_SLOW_ENV_H
#define PG_BENCH_SLOW_ENV_H

#include <policygrad.h>

#include <stdlib.h>
#include <time.h>

enum { SLOW_OBS = 4, SLOW_EPISODE = 200 };

typedef struct slow_env {
  uint64_t state;
  int t;
  double step_seconds; /* CPU burnt per step */
  float x[SLOW_OBS];
} slow_env;

static inline double slow_env_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline float slow_env_unit(slow_env *e) {
  e->state = e->state * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((e->state >> 40) & 0xffffff) / 16777216.0f - 0.5f;
}

static inline int slow_env_reset(void *user, uint64_t seed, float *obs) {
  slow_env *e = user;
  e->state = seed | 1;
  e->t = 0;
  for (int i = 0; i < SLOW_OBS; i++) obs[i] = e->x[i] = slow_env_unit(e);
  return 0;
}

static inline int slow_env_step(void *user, const float *action, float *obs, float *reward,
                                int32_t *terminated, int32_t *truncated) {
  slow_env *e = user;
  double until = slow_env_now() + e->step_seconds;
  while (slow_env_now() < until) {
  } /* the simulator's work */
  float push = action[0] > 0.5f ? 0.1f : -0.1f;
  for (int i = 0; i < SLOW_OBS; i++)
    obs[i] = e->x[i] = 0.9f * e->x[i] + push + 0.1f * slow_env_unit(e);
  *reward = 1.0f - (e->x[0] > 0 ? e->x[0] : -e->x[0]);
  *truncated = ++e->t >= SLOW_EPISODE;
  (void)terminated;
  return 0;
}

static inline int slow_env_close(void *user) {
  free(user);
  return 0;
}

/* factory_user is the prototype's slow_env: its step cost is copied. */
static inline int slow_env_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index;
  slow_env *e = calloc(1, sizeof *e);
  if (!e) return 1;
  e->state = seed | 1;
  e->step_seconds = ((const slow_env *)factory_user)->step_seconds;
  *out = e;
  return 0;
}

/* A slow environment named `name` costing step_seconds per step; NULL on
** failure (the reason is in ctx). */
static inline pg_env *slow_env_make(pg_ctx *ctx, const char *name, double step_seconds,
                                    uint64_t seed) {
  pg_env_vtable vt = {.struct_size = sizeof vt, .reset = slow_env_reset, .step = slow_env_step,
                      .close = slow_env_close, .create = slow_env_create};
  slow_env proto = {.step_seconds = step_seconds};
  void *user = NULL;
  if (slow_env_create(&proto, 0, seed, &user)) return NULL;
  pg_env *env = NULL;
  if (pg_env_create(ctx, &vt, user, name, SLOW_OBS, PG_ACTION_DISCRETE, 2, &env) != PG_OK) {
    free(user);
    return NULL;
  }
  return env;
}

#endif
