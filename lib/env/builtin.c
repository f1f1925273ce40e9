/* Built-in tasks by name, with the factory and close callbacks they share. */
#include "builtin.h"

#include <string.h>

static const pg__builtin_spec *const builtins[] = {
    &pg__builtin_short_corridor, &pg__builtin_cartpole, &pg__builtin_cartpole_continuous,
    &pg__builtin_acrobot,        &pg__builtin_mountain_car, &pg__builtin_pendulum,
    &pg__builtin_catch,
    &pg__builtin_cartpole_positions, &pg__builtin_cue_corridor,
    &pg__builtin_bounce, &pg__builtin_dodge,
};
enum { N_BUILTINS = (int)(sizeof builtins / sizeof builtins[0]) };

/* The tasks that take options in their creation name. */
static const struct {
  const pg__builtin_spec *spec;
  pg__builtin_configure_fn configure;
} configurable[] = {{&pg__builtin_cue_corridor, pg__cue_corridor_configure}};

static pg__builtin_configure_fn configure_of(const pg__builtin_spec *spec) {
  for (size_t i = 0; i < sizeof configurable / sizeof configurable[0]; i++)
    if (configurable[i].spec == spec) return configurable[i].configure;
  return NULL;
}

const char *pg_env_builtin_name(int32_t index) {
  if (index < 0 || index >= N_BUILTINS) return NULL;
  return builtins[index]->name;
}

static void *new_instance(pg_ctx *ctx, const pg__builtin_spec *spec) {
  pg__builtin_head *h = pg__calloc(ctx, 1, spec->state_size);
  if (!h) return NULL;
  h->ctx = ctx;
  h->spec = spec;
  return h;
}

/* Factory: a sibling of factory_user. Fails only when out of memory. */
static int builtin_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index;
  (void)seed; /* each reset receives its own seed */
  const pg__builtin_head *h = factory_user;
  pg__builtin_head *sibling = new_instance(h->ctx, h->spec);
  if (sibling) {
    sibling->option = h->option;
    sibling->bytes = h->bytes;
  }
  *out = sibling;
  return *out ? 0 : 1;
}

static bool builtin_set_bytes(void *user, bool bytes) {
  pg__builtin_head *h = user;
  if (!h->spec->obs_c) return !bytes; /* vector tasks: floats only */
  h->bytes = bytes;
  return true;
}

static int builtin_close(void *user) {
  pg__builtin_head *h = user;
  pg__free(h->ctx, h);
  return 0;
}

static void apply_spec(pg_env *env, const pg__builtin_spec *spec, uint64_t seed) {
  env->builtin = 1;
  env->builtin_set_bytes = builtin_set_bytes;
  env->obs_h = spec->obs_h;
  env->obs_w = spec->obs_w;
  env->obs_c = spec->obs_c;
  env->max_steps = spec->max_steps;
  env->seed = seed;
  if (spec->kind == PG_ACTION_CONTINUOUS) {
    for (int32_t i = 0; i < spec->n; i++) {
      env->low[i] = spec->low;
      env->high[i] = spec->high;
    }
  }
}

pg_status pg_env_create_builtin(pg_ctx *ctx, const char *name, uint64_t seed, pg_env **out) {
  static const char *fn = "pg_env_create_builtin";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!name) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: name is NULL", fn);
  /* "Name" or "Name:options" (tasks with a configure callback) */
  const char *colon = strchr(name, ':');
  size_t base = colon ? (size_t)(colon - name) : strlen(name);
  const pg__builtin_spec *spec = NULL;
  for (int i = 0; i < N_BUILTINS; i++)
    if (strlen(builtins[i]->name) == base && strncmp(builtins[i]->name, name, base) == 0)
      spec = builtins[i];
  if (!spec)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: no built-in environment named '%.64s' (see pg_env_builtin_name)", fn,
                    name);
  pg__builtin_configure_fn configure = configure_of(spec);
  if (colon && !configure)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: '%s' takes no options (given '%.64s')", fn,
                    spec->name, colon + 1);
  void *state = new_instance(ctx, spec);
  if (!state) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  uint64_t max_steps = spec->max_steps;
  const char *why = colon ? configure(state, colon + 1, &max_steps) : NULL;
  if (why) {
    pg__free(ctx, state);
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: '%.64s': %s", fn, name, why);
  }
  pg_env_vtable vt = {sizeof vt, spec->reset, spec->step, builtin_close, NULL, builtin_create,
                      NULL,      NULL};
  pg_env *env = NULL;
  pg_status st = pg_env_create(ctx, &vt, state, colon ? name : spec->name, spec->obs_size,
                               spec->kind, spec->n, &env);
  if (st != PG_OK) {
    pg__free(ctx, state);
    return pg__fail(ctx, st, "%s: out of memory", fn);
  }
  apply_spec(env, spec, seed);
  env->max_steps = max_steps;
  *out = env;
  return PG_OK;
}
