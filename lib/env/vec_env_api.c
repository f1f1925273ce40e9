/* Public checked wrappers of pg_vec_env. */
#include "env_impl.h"

#include <string.h>

static pg_status check_len(pg_ctx *ctx, const char *fn, const char *what, const void *p,
                           size_t len, size_t want) {
  if (!p) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn, what);
  if (len != want)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: %s length %zu != %zu", fn, what, len, want);
  return PG_OK;
}

static pg_ctx *vctx(const pg_vec_env *vec) { return pg__vec_env_instance(vec, 0)->ctx; }

pg_status pg_vec_env_get_size(const pg_vec_env *vec, int32_t *out_n) {
  if (!vec) return PG_ERR_INVALID_ARG;
  if (!out_n) return pg__fail(vctx(vec), PG_ERR_INVALID_ARG, "pg_vec_env_get_size: out_n is NULL");
  *out_n = pg__vec_env_size(vec);
  return PG_OK;
}

pg_status pg_vec_env_reset(pg_vec_env *vec, float *obs, size_t obs_len) {
  static const char *fn = "pg_vec_env_reset";
  if (!vec) return PG_ERR_INVALID_ARG;
  pg_env *e0 = pg__vec_env_instance(vec, 0);
  size_t n = (size_t)pg__vec_env_size(vec);
  pg_status st = check_len(e0->ctx, fn, "obs", obs, obs_len, n * (size_t)e0->obs_size);
  if (st != PG_OK) return st;
  return pg__vec_env_reset(vec, fn, obs);
}

pg_status pg_vec_env_reset_u8(pg_vec_env *vec, uint8_t *obs, size_t obs_len) {
  static const char *fn = "pg_vec_env_reset_u8";
  if (!vec) return PG_ERR_INVALID_ARG;
  pg_env *e0 = pg__vec_env_instance(vec, 0);
  size_t n = (size_t)pg__vec_env_size(vec);
  pg_status st = pg__env_check_bytes(e0, fn);
  if (st == PG_OK) st = check_len(e0->ctx, fn, "obs", obs, obs_len, n * (size_t)e0->obs_size);
  if (st != PG_OK) return st;
  return pg__vec_env_reset_u8(vec, fn, obs);
}

/* The checks of the public step (bytes: the _u8 variant). */
static pg_status check_step(const pg_vec_env *vec, const char *fn, const float *actions,
                            size_t actions_len, const void *obs, size_t obs_len,
                            const float *rewards, const int32_t *terminated,
                            const int32_t *truncated, bool bytes) {
  pg_env *e0 = pg__vec_env_instance(vec, 0);
  pg_ctx *ctx = e0->ctx;
  size_t n = (size_t)pg__vec_env_size(vec);
  pg_status st = bytes ? pg__env_check_bytes(e0, fn) : PG_OK;
  if (st == PG_OK)
    st = check_len(ctx, fn, "actions", actions, actions_len, n * (size_t)e0->action_len);
  if (st == PG_OK) st = check_len(ctx, fn, "obs", obs, obs_len, n * (size_t)e0->obs_size);
  if (st != PG_OK) return st;
  if (!rewards || !terminated || !truncated)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn,
                    !rewards ? "rewards" : !terminated ? "terminated" : "truncated");
  return PG_OK;
}

pg_status pg_vec_env_step(pg_vec_env *vec, const float *actions, size_t actions_len,
                          float *obs, size_t obs_len, float *rewards, int32_t *terminated,
                          int32_t *truncated, float *final_obs) {
  static const char *fn = "pg_vec_env_step";
  if (!vec) return PG_ERR_INVALID_ARG;
  pg_status st = check_step(vec, fn, actions, actions_len, obs, obs_len, rewards, terminated,
                            truncated, false);
  if (st != PG_OK) return st;
  return pg__vec_env_step(vec, fn, actions, obs, rewards, terminated, truncated, final_obs);
}

pg_status pg_vec_env_step_u8(pg_vec_env *vec, const float *actions, size_t actions_len,
                             uint8_t *obs, size_t obs_len, float *rewards,
                             int32_t *terminated, int32_t *truncated, uint8_t *final_obs) {
  static const char *fn = "pg_vec_env_step_u8";
  if (!vec) return PG_ERR_INVALID_ARG;
  pg_status st = check_step(vec, fn, actions, actions_len, obs, obs_len, rewards, terminated,
                            truncated, true);
  if (st != PG_OK) return st;
  return pg__vec_env_step_u8(vec, fn, actions, obs, rewards, terminated, truncated, final_obs);
}

pg_status pg_vec_env_get_action_mask(const pg_vec_env *vec, uint8_t *masks, size_t len) {
  static const char *fn = "pg_vec_env_get_action_mask";
  if (!vec) return PG_ERR_INVALID_ARG;
  pg_env *e0 = pg__vec_env_instance(vec, 0);
  if (e0->kind != PG_ACTION_DISCRETE)
    return pg__fail(e0->ctx, PG_ERR_UNSUPPORTED, "%s: '%s' has continuous actions", fn,
                    e0->name);
  int32_t n = pg__vec_env_size(vec);
  pg_status st = check_len(e0->ctx, fn, "masks", masks, len, (size_t)n * (size_t)e0->n);
  if (st != PG_OK) return st;
  for (int32_t i = 0; i < n; i++)
    memcpy(masks + (size_t)i * (size_t)e0->n, pg__vec_env_instance(vec, i)->mask,
           (size_t)e0->n);
  return PG_OK;
}

pg_status pg_vec_env_get_episode_stats(const pg_vec_env *vec, int32_t index,
                                       double *out_return, uint64_t *out_length,
                                       uint64_t *out_episodes, double *out_last_return,
                                       uint64_t *out_last_length) {
  if (!vec) return PG_ERR_INVALID_ARG;
  if (index < 0 || index >= pg__vec_env_size(vec))
    return pg__fail(vctx(vec), PG_ERR_OUT_OF_RANGE,
                    "pg_vec_env_get_episode_stats: index %d not in [0, %d)", (int)index,
                    (int)pg__vec_env_size(vec));
  return pg_env_get_episode_stats(pg__vec_env_instance(vec, index), out_return, out_length,
                                  out_episodes, out_last_return, out_last_length);
}
