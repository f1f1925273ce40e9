/* Wrappers: an env made from an env. The shared part of every wrapper
** (wrap_*.c): creation around an inner env, which the wrapper then owns,
** close, clones (the inner env's clone inside a copy of the wrapper), the
** inner env's action mask, and resetting/stepping the inner env. */
#include "env_impl.h"

#include <stdio.h>
#include <string.h>

static void wrap_free(pg__env_wrap *w) {
  if (w->ops->fini) w->ops->fini(w);
  pg_env_destroy(w->inner);
  pg__free(w->ctx, w);
}

static int wrap_close(void *user) {
  wrap_free(user);
  return 0;
}

static int wrap_action_mask(void *user, uint8_t *mask) {
  const pg__env_wrap *w = user;
  memcpy(mask, w->inner->mask, (size_t)w->inner->n);
  return 0;
}

/* A copy of proto around inner, with its buffers; NULL (message in the
** context) on failure, inner then still the caller's. */
static pg__env_wrap *wrap_new(const pg__env_wrap *proto, pg_env *inner, const char *fn) {
  pg_ctx *ctx = inner->ctx;
  pg__env_wrap *w = pg__malloc(ctx, proto->ops->state_size);
  if (!w) {
    pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    return NULL;
  }
  memcpy(w, proto, proto->ops->state_size);
  w->ctx = ctx;
  w->inner = inner;
  if (w->ops->init(w) != 0) {
    pg__free(ctx, w);
    pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    return NULL;
  }
  return w;
}

/* Factory: the inner env's clone `index` in a copy of the wrapper. */
static int wrap_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  const pg__env_wrap *proto = factory_user;
  pg_env *inner = NULL;
  if (pg_env_clone(proto->inner, index, seed, &inner) != PG_OK) return 1;
  inner->wrapped = 1;
  pg__env_wrap *w = wrap_new(proto, inner, "pg_env_clone");
  if (!w) {
    pg_env_destroy(inner);
    return 1;
  }
  *out = w;
  return 0;
}

pg_status pg__env_wrap_create(pg_env *inner, const pg__env_wrap *proto, int32_t obs_size,
                              int32_t h, int32_t w, int32_t c, const char *fn, pg_env **out) {
  pg_ctx *ctx = inner->ctx;
  if (inner->wrapped)
    return pg__fail(ctx, PG_ERR_BAD_STATE,
                    "%s: environment '%s' already belongs to a wrapper", fn, inner->name);
  pg__env_wrap *state = wrap_new(proto, inner, fn);
  if (!state) return ctx->last_status;
  pg_env_vtable vt = {sizeof vt,
                      state->ops->reset,
                      state->ops->step,
                      wrap_close,
                      inner->vt.action_mask ? wrap_action_mask : NULL,
                      inner->vt.create ? wrap_create : NULL,
                      NULL,
                      NULL};
  char name[PG__ENV_NAME_MAX];
  snprintf(name, sizeof name, "%s(%.40s)", state->ops->kind, inner->name);
  pg_env *env = NULL;
  pg_status st = pg_env_create(ctx, &vt, state, name, obs_size, inner->kind, inner->n, &env);
  if (st != PG_OK) {
    if (state->ops->fini) state->ops->fini(state);
    pg__free(ctx, state);
    return st;
  }
  env->wrapper = 1;
  env->dtype = inner->dtype;
  env->obs_h = h;
  env->obs_w = w;
  env->obs_c = c;
  env->seed = inner->seed;
  if (inner->kind == PG_ACTION_CONTINUOUS) {
    memcpy(env->low, inner->low, (size_t)inner->n * sizeof(float));
    memcpy(env->high, inner->high, (size_t)inner->n * sizeof(float));
  }
  inner->wrapped = 1;
  *out = env;
  return PG_OK;
}

int pg__env_wrap_reset_inner(pg__env_wrap *w, uint64_t seed) {
  w->inner->seed = seed;
  w->inner->resets = 0;
  return pg__env_reset(w->inner, NULL) == PG_OK ? 0 : 1;
}

int pg__env_wrap_step_inner(pg__env_wrap *w, const float *action, float *reward,
                            int32_t *terminated, int32_t *truncated) {
  return pg__env_step(w->inner, action, NULL, reward, terminated, truncated) == PG_OK ? 0 : 1;
}

/* Checks shared by the public wrapper constructors. */
pg_status pg__env_wrap_check(pg_env *inner, pg_env **out, const char *fn) {
  if (!inner) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(inner->ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  return PG_OK;
}
