/* pg_env: a validated wrapper around one environment instance. */
#include "env_impl.h"

#include <stdio.h>
#include <string.h>

/* ---- creation ----------------------------------------------------------- */


/* One block: the struct, then floats, then mask bytes. */
static pg_env *env_alloc(pg_ctx *ctx, int32_t obs_size, pg_action_kind kind,
                         int32_t n) {
  size_t nf = 2 * (size_t)obs_size + (kind == PG_ACTION_CONTINUOUS ? 3 * (size_t)n : 0);
  size_t nb = kind == PG_ACTION_DISCRETE ? 2 * (size_t)n : 0;
  size_t head = pg__round16(sizeof(pg_env));
  pg_env *env = pg__calloc(ctx, 1, head + nf * sizeof(float) + nb);
  if (!env) return NULL;
  float *f = (float *)(void *)((char *)env + head);
  env->obs = f;
  env->obs_tmp = f + obs_size;
  env->obs_u8 = (uint8_t *)env->obs;
  env->obs_u8_tmp = (uint8_t *)env->obs_tmp;
  f += 2 * (size_t)obs_size;
  if (kind == PG_ACTION_CONTINUOUS) {
    env->low = f;
    env->high = f + n;
    env->act_tmp = f + 2 * (size_t)n;
    for (int32_t i = 0; i < n; i++) {
      env->low[i] = -1.0f;
      env->high[i] = 1.0f;
    }
  } else {
    env->mask = (uint8_t *)(f);
    env->mask_tmp = env->mask + n;
    memset(env->mask, 1, (size_t)n);
  }
  return env;
}

static void env_init(pg_env *env, pg_ctx *ctx, const pg_env_vtable *vt,
                     void *user, const char *name) {
  size_t sz = vt->struct_size < sizeof env->vt ? vt->struct_size : sizeof env->vt;
  memcpy(&env->vt, vt, sz); /* the rest stays zero (NULL) */
  env->vt.struct_size = (uint32_t)sizeof env->vt;
  env->ctx = ctx;
  env->user = user;
  snprintf(env->name, sizeof env->name, "%s", name ? name : "env");
  env->seed = ctx->seed;
  env->state = PG__EP_NEED_RESET;
}

static pg_status check_create_args(pg_ctx *ctx, const pg_env_vtable *vt,
                                   int32_t obs_size, pg_action_kind kind,
                                   int32_t n) {
  static const char *fn = "pg_env_create";
  if (!vt) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: vtable is NULL", fn);
  size_t need = offsetof(pg_env_vtable, step) + sizeof(pg_env_step_fn);
  if (vt->struct_size < need)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: vtable->struct_size %u is too small (at least %zu)", fn,
                    (unsigned)vt->struct_size, need);
  if (!vt->reset || !vt->step)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: vtable->%s is NULL", fn,
                    vt->reset ? "step" : "reset");
  if (kind != PG_ACTION_DISCRETE && kind != PG_ACTION_CONTINUOUS)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: bad action_kind %d", fn, (int)kind);
  if (obs_size < 1 || obs_size > (1 << 26))
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: obs_size %d not in [1, 2^26]", fn,
                    (int)obs_size);
  if (n < 1 || n > (1 << 20))
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: action_n %d not in [1, 2^20]", fn,
                    (int)n);
  return PG_OK;
}

pg_status pg_env_create(pg_ctx *ctx, const pg_env_vtable *vtable, void *user,
                        const char *name, int32_t obs_size,
                        pg_action_kind action_kind, int32_t action_n,
                        pg_env **out) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "pg_env_create: out is NULL");
  *out = NULL;
  pg_status st = check_create_args(ctx, vtable, obs_size, action_kind, action_n);
  if (st != PG_OK) return st;
  pg_env *env = env_alloc(ctx, obs_size, action_kind, action_n);
  if (!env) return pg__fail(ctx, PG_ERR_NOMEM, "pg_env_create: out of memory");
  env_init(env, ctx, vtable, user, name);
  if (env->vt.release) {
    env->shared_refs = pg__calloc(ctx, 1, sizeof *env->shared_refs);
    if (!env->shared_refs) {
      pg__free(ctx, env);
      return pg__fail(ctx, PG_ERR_NOMEM, "pg_env_create: out of memory");
    }
    atomic_init(&env->shared_refs->n, 1);
  }
  env->obs_size = obs_size;
  env->kind = action_kind;
  env->n = action_n;
  env->action_len = action_kind == PG_ACTION_DISCRETE ? 1 : action_n;
  pg__ctx_retain(ctx);
  *out = env;
  return PG_OK;
}

void pg_env_destroy(pg_env *env) {
  if (!env) return;
  pg_ctx *ctx = env->ctx;
  if (env->vt.close) (void)env->vt.close(env->user);
  pg__env_shared_refs *refs = env->shared_refs;
  if (refs && atomic_fetch_sub(&refs->n, 1) == 1) {
    (void)env->vt.release(env->vt.shared);
    pg__free(ctx, refs);
  }
  pg__free(ctx, env);
  pg__ctx_release(ctx);
}

static void copy_spaces(pg_env *dst, const pg_env *src) {
  dst->obs_h = src->obs_h;
  dst->obs_w = src->obs_w;
  dst->obs_c = src->obs_c;
  dst->dtype = src->dtype;
  dst->max_steps = src->max_steps;
  dst->builtin = src->builtin;
  dst->builtin_set_bytes = src->builtin_set_bytes;
  dst->wrapper = src->wrapper;
  memcpy(dst->name, src->name, sizeof dst->name);
  if (src->kind == PG_ACTION_CONTINUOUS) {
    memcpy(dst->low, src->low, (size_t)src->n * sizeof(float));
    memcpy(dst->high, src->high, (size_t)src->n * sizeof(float));
  }
}

pg_status pg_env_clone(pg_env *env, int32_t index, uint64_t seed, pg_env **out) {
  static const char *fn = "pg_env_clone";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = env->ctx;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (index < 0)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: index %d < 0", fn, (int)index);
  if (!env->vt.create)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: environment '%s' has no create (factory) callback", fn, env->name);
  pg_env *c = env_alloc(ctx, env->obs_size, env->kind, env->n);
  if (!c) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  void *user = NULL;
  int rc = env->vt.create(env->user, index, seed, &user);
  if (rc != 0) {
    pg__free(ctx, c);
    if (env->wrapper && ctx->last_status != PG_OK)
      return ctx->last_status; /* the inner clone's message */
    if (env->builtin) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    return pg__fail(ctx, PG_ERR_CALLBACK,
                    "%s: environment '%s': create callback returned %d for instance %d",
                    fn, env->name, rc, (int)index);
  }
  env_init(c, ctx, &env->vt, user, NULL);
  c->obs_size = env->obs_size;
  c->kind = env->kind;
  c->n = env->n;
  c->action_len = env->action_len;
  copy_spaces(c, env);
  c->seed = seed;
  c->shared_refs = env->shared_refs;
  if (c->shared_refs) atomic_fetch_add(&c->shared_refs->n, 1);
  pg__ctx_retain(ctx);
  *out = c;
  return PG_OK;
}

/* ---- setters and getters ------------------------------------------------ */

static pg_status require_fresh(pg_env *env, const char *fn) {
  if (env->state != PG__EP_NEED_RESET || env->resets != 0 || env->episodes != 0)
    return pg__fail(env->ctx, PG_ERR_BAD_STATE,
                    "%s: environment '%s' was already reset; set spaces before the first reset",
                    fn, env->name);
  return PG_OK;
}

pg_status pg_env_set_observation_image(pg_env *env, int32_t h, int32_t w, int32_t c) {
  static const char *fn = "pg_env_set_observation_image";
  if (!env) return PG_ERR_INVALID_ARG;
  if (h < 1 || w < 1 || c < 1)
    return pg__fail(env->ctx, PG_ERR_OUT_OF_RANGE, "%s: h, w, c must be >= 1 (got %d, %d, %d)",
                    fn, (int)h, (int)w, (int)c);
  if ((int64_t)h * w * c != env->obs_size)
    return pg__fail(env->ctx, PG_ERR_SHAPE, "%s: %d x %d x %d != obs size %d", fn, (int)h,
                    (int)w, (int)c, (int)env->obs_size);
  pg_status st = require_fresh(env, fn);
  if (st != PG_OK) return st;
  env->obs_h = h;
  env->obs_w = w;
  env->obs_c = c;
  return PG_OK;
}

pg_status pg_env_set_observation_dtype(pg_env *env, pg_obs_dtype dtype) {
  static const char *fn = "pg_env_set_observation_dtype";
  if (!env) return PG_ERR_INVALID_ARG;
  if (dtype != PG_OBS_FLOAT32 && dtype != PG_OBS_UINT8)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG,
                    "%s: unknown dtype %d (PG_OBS_FLOAT32 or PG_OBS_UINT8)", fn, (int)dtype);
  if (env->wrapper)
    return pg__fail(env->ctx, PG_ERR_UNSUPPORTED,
                    "%s: '%s' is a wrapper: it takes the dtype of the env it wraps", fn,
                    env->name);
  pg_status st = require_fresh(env, fn);
  if (st != PG_OK || dtype == env->dtype) return st;
  if (env->builtin && !env->builtin_set_bytes(env->user, dtype == PG_OBS_UINT8))
    return pg__fail(env->ctx, PG_ERR_UNSUPPORTED,
                    "%s: the built-in '%s' is not a pixel game: its observation is floats", fn,
                    env->name);
  env->dtype = dtype;
  return PG_OK;
}

pg_status pg_env_get_observation_dtype(const pg_env *env, pg_obs_dtype *out_dtype) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (!out_dtype)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG,
                    "pg_env_get_observation_dtype: out_dtype is NULL");
  *out_dtype = env->dtype;
  return PG_OK;
}

static pg_status check_bounds(const pg_env *env, const float *low, const float *high,
                              size_t len, const char *fn) {
  pg_ctx *ctx = env->ctx;
  if (env->kind != PG_ACTION_CONTINUOUS)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED, "%s: '%s' has discrete actions", fn, env->name);
  if (!low || !high)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn, low ? "high" : "low");
  if (len != (size_t)env->n)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: len %zu != action dimension %d", fn, len,
                    (int)env->n);
  return PG_OK;
}

pg_status pg_env_set_action_bounds(pg_env *env, const float *low, const float *high,
                                   size_t len) {
  static const char *fn = "pg_env_set_action_bounds";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_bounds(env, low, high, len, fn);
  if (st != PG_OK) return st;
  for (size_t i = 0; i < len; i++) {
    if (!pg__finite_f(low[i]) || !pg__finite_f(high[i]))
      return pg__fail(env->ctx, PG_ERR_NUMERIC, "%s: bound %zu is NaN or infinite", fn, i);
    if (!(low[i] < high[i]))
      return pg__fail(env->ctx, PG_ERR_OUT_OF_RANGE, "%s: low[%zu] = %g >= high[%zu] = %g", fn,
                      i, (double)low[i], i, (double)high[i]);
  }
  st = require_fresh(env, fn);
  if (st != PG_OK) return st;
  memcpy(env->low, low, len * sizeof(float));
  memcpy(env->high, high, len * sizeof(float));
  return PG_OK;
}

pg_status pg_env_set_max_episode_steps(pg_env *env, uint64_t max_steps) {
  if (!env) return PG_ERR_INVALID_ARG;
  env->max_steps = max_steps;
  return PG_OK;
}

pg_status pg_env_get_max_episode_steps(pg_env *env, uint64_t *out) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (!out)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG, "pg_env_get_max_episode_steps: out is NULL");
  *out = env->max_steps;
  return PG_OK;
}

pg_status pg_env_set_seed(pg_env *env, uint64_t seed) {
  if (!env) return PG_ERR_INVALID_ARG;
  env->seed = seed;
  env->resets = 0;
  return PG_OK;
}

const char *pg_env_get_name(const pg_env *env) { return env ? env->name : ""; }

pg_status pg_env_get_observation_size(const pg_env *env, int32_t *out_size) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (!out_size)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG,
                    "pg_env_get_observation_size: out_size is NULL");
  *out_size = env->obs_size;
  return PG_OK;
}

pg_status pg_env_get_observation_image(const pg_env *env, int32_t *out_h, int32_t *out_w,
                                       int32_t *out_c) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (!out_h || !out_w || !out_c)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG,
                    "pg_env_get_observation_image: an out pointer is NULL");
  *out_h = env->obs_h;
  *out_w = env->obs_w;
  *out_c = env->obs_c;
  return PG_OK;
}

pg_status pg_env_get_action_space(const pg_env *env, pg_action_kind *out_kind,
                                  int32_t *out_n) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (!out_kind || !out_n)
    return pg__fail(env->ctx, PG_ERR_INVALID_ARG,
                    "pg_env_get_action_space: an out pointer is NULL");
  *out_kind = env->kind;
  *out_n = env->n;
  return PG_OK;
}

pg_status pg_env_get_action_bounds(const pg_env *env, float *low, float *high, size_t len) {
  if (!env) return PG_ERR_INVALID_ARG;
  pg_status st = check_bounds(env, low, high, len,
                              "pg_env_get_action_bounds");
  if (st != PG_OK) return st;
  memcpy(low, env->low, len * sizeof(float));
  memcpy(high, env->high, len * sizeof(float));
  return PG_OK;
}

pg_status pg_env_get_action_mask(const pg_env *env, uint8_t *mask, size_t len) {
  static const char *fn = "pg_env_get_action_mask";
  if (!env) return PG_ERR_INVALID_ARG;
  if (env->kind != PG_ACTION_DISCRETE)
    return pg__fail(env->ctx, PG_ERR_UNSUPPORTED, "%s: '%s' has continuous actions", fn,
                    env->name);
  if (!mask) return pg__fail(env->ctx, PG_ERR_INVALID_ARG, "%s: mask is NULL", fn);
  if (len != (size_t)env->n)
    return pg__fail(env->ctx, PG_ERR_SHAPE, "%s: len %zu != n actions %d", fn, len,
                    (int)env->n);
  memcpy(mask, env->mask, len);
  return PG_OK;
}

pg_status pg_env_get_episode_stats(const pg_env *env, double *out_return,
                                   uint64_t *out_length, uint64_t *out_episodes,
                                   double *out_last_return, uint64_t *out_last_length) {
  if (!env) return PG_ERR_INVALID_ARG;
  if (out_return) *out_return = env->ep_return;
  if (out_length) *out_length = env->t;
  if (out_episodes) *out_episodes = env->episodes;
  if (out_last_return) *out_last_return = env->last_return;
  if (out_last_length) *out_last_length = env->last_length;
  return PG_OK;
}

/* ---- views for the agents (pg_env_internal.h) ------------------------------- */

pg_ctx *pg__env_ctx(const pg_env *env) { return env->ctx; }
const char *pg__env_name(const pg_env *env) { return env->name; }
int32_t pg__env_obs_size(const pg_env *env) { return env->obs_size; }
pg_obs_dtype pg__env_dtype(const pg_env *env) { return env->dtype; }
pg_action_kind pg__env_kind(const pg_env *env) { return env->kind; }
int32_t pg__env_n(const pg_env *env) { return env->n; }
bool pg__env_has_factory(const pg_env *env) { return env->vt.create != NULL; }
const uint8_t *pg__env_mask(const pg_env *env) {
  return env->mask && env->vt.action_mask ? env->mask : NULL;
}
uint64_t pg__env_max_steps(const pg_env *env) { return env->max_steps; }
void pg__env_set_max_steps(pg_env *env, uint64_t max_steps) { env->max_steps = max_steps; }
