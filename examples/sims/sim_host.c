/* Helpers of the simulator hosts (see sim_host.h). */
#include "sim_host.h"

#include <stdio.h>
#include <time.h>

double sim_uniform(uint64_t *s, double lo, double hi) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return lo + (hi - lo) * (double)(z >> 11) * 0x1.0p-53;
}

double sim_now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double sim_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

pg_status sim_host_env_create(pg_ctx *ctx, const pg_env_vtable *vt, void *shared, void *user,
                              const sim_env_spec *spec, uint64_t seed, pg_env **out,
                              char *err, size_t err_len) {
  pg_env *env = NULL;
  *out = NULL;
  pg_env_vtable with_shared = *vt;
  with_shared.shared = shared;
  pg_status st = pg_env_create(ctx, &with_shared, user, spec->name, spec->obs_size, spec->kind,
                               spec->n, &env);
  if (st != PG_OK) { /* the library called neither close nor release */
    if (err) snprintf(err, err_len, "%s", pg_ctx_last_error(ctx));
    if (vt->close) vt->close(user);
    if (vt->release) vt->release(shared);
    return st;
  }
  if (spec->low) st = pg_env_set_action_bounds(env, spec->low, spec->high, (size_t)spec->n);
  if (st == PG_OK) st = pg_env_set_max_episode_steps(env, spec->max_steps);
  if (st == PG_OK) st = pg_env_set_seed(env, seed);
  if (st != PG_OK) {
    if (err) snprintf(err, err_len, "%s", pg_ctx_last_error(ctx));
    pg_env_destroy(env); /* closes the instance and releases the shared data */
    return st;
  }
  *out = env;
  return PG_OK;
}
