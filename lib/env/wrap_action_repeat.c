/* Action repeat: one wrapper step is up to `repeat` steps of the inner env
** with the same action (fewer if the episode ends, or if the inner env's
** mask stops allowing the action); the reward is their sum and the
** observation the element-wise maximum of the last two inner observations
** (the last one alone after a single inner step), which shows objects that
** an Atari-style renderer draws only every other frame. Bytes
** (PG_OBS_UINT8) stay bytes. */
#include "env_impl.h"

#include <string.h>

typedef struct action_repeat {
  pg__env_wrap base;
  int32_t repeat;
  void *prev; /* the inner observation before the last inner step */
} action_repeat;

static int repeat_init(pg__env_wrap *w) {
  action_repeat *r = (action_repeat *)w;
  r->prev = pg__calloc(w->ctx, (size_t)w->inner->obs_size, pg__env_obs_elem(w->inner));
  return r->prev ? 0 : 1;
}

static void repeat_fini(pg__env_wrap *w) {
  action_repeat *r = (action_repeat *)w;
  pg__free(w->ctx, r->prev);
}

static int repeat_reset(void *user, uint64_t seed, float *obs) {
  action_repeat *r = user;
  if (pg__env_wrap_reset_inner(&r->base, seed) != 0) return 1;
  const pg_env *in = r->base.inner;
  memcpy(obs, in->obs, (size_t)in->obs_size * pg__env_obs_elem(in));
  return 0;
}

static int repeat_step(void *user, const float *action, float *obs, float *reward,
                       int32_t *terminated, int32_t *truncated) {
  action_repeat *r = user;
  const pg_env *in = r->base.inner;
  size_t n = (size_t)in->obs_size;
  float total = 0.0f;
  int32_t steps = 0, te = 0, tr = 0;
  while (steps < r->repeat && !te && !tr) {
    if (steps > 0 && in->kind == PG_ACTION_DISCRETE && in->vt.action_mask &&
        !in->mask[(int32_t)action[0]])
      break;
    memcpy(r->prev, in->obs, n * pg__env_obs_elem(in));
    float rw = 0.0f;
    if (pg__env_wrap_step_inner(&r->base, action, &rw, &te, &tr) != 0) return 1;
    total += rw;
    steps++;
  }
  if (in->dtype == PG_OBS_UINT8) {
    const uint8_t *prev = r->prev, *last = in->obs_u8;
    uint8_t *out = (uint8_t *)obs;
    for (size_t i = 0; i < n; i++) out[i] = steps > 1 && prev[i] > last[i] ? prev[i] : last[i];
  } else {
    const float *prev = r->prev, *last = in->obs;
    for (size_t i = 0; i < n; i++) obs[i] = steps > 1 && prev[i] > last[i] ? prev[i] : last[i];
  }
  *reward = total;
  *terminated = te;
  *truncated = tr;
  return 0;
}

static const pg__env_wrap_ops action_repeat_ops = {
    "ActionRepeat", sizeof(action_repeat), repeat_init, repeat_fini, repeat_reset, repeat_step};

pg_status pg_env_wrap_action_repeat(pg_env *env, int32_t repeat, pg_env **out) {
  static const char *fn = "pg_env_wrap_action_repeat";
  pg_status st = pg__env_wrap_check(env, out, fn);
  if (st != PG_OK) return st;
  if (repeat < 1 || repeat > 64)
    return pg__fail(env->ctx, PG_ERR_OUT_OF_RANGE, "%s: repeat = %d not in [1, 64]", fn,
                    (int)repeat);
  action_repeat proto = {{0}, repeat, NULL};
  proto.base.ops = &action_repeat_ops;
  return pg__env_wrap_create(env, &proto.base, env->obs_size, env->obs_h, env->obs_w,
                             env->obs_c, fn, out);
}
