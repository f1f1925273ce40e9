/* The built-in tasks: each is a vtable-style pair of callbacks over an
** instance struct that starts with pg__builtin_head. builtin.c supplies the
** factory (create) and close callbacks and the name table. */
#ifndef PG_ENV_BUILTIN_H
#define PG_ENV_BUILTIN_H

#include "env_impl.h"

#include <string.h>

#define PG__PI 3.14159265358979323846

typedef struct pg__builtin_spec pg__builtin_spec;

struct pg__builtin_spec {
  const char *name;
  int32_t obs_size;
  int32_t obs_h, obs_w, obs_c; /* 0,0,0 unless an image */
  pg_action_kind kind;
  int32_t n;
  float low, high;             /* continuous bounds, the same for every dim */
  uint64_t max_steps;          /* the task's time limit; 0 = none */
  size_t state_size;           /* bytes of the instance struct */
  pg_env_reset_fn reset;
  pg_env_step_fn step;
};

/* First member of every built-in instance struct. */
typedef struct pg__builtin_head {
  pg_ctx *ctx;
  const pg__builtin_spec *spec;
  int32_t option; /* set by spec->configure (0: the default); copied to siblings */
  bool bytes;     /* a pixel game drawing PG_OBS_UINT8 bytes; copied to siblings */
} pg__builtin_head;

/* The pixel games draw their board through these: obs holds n floats, or n
** bytes when h->bytes (a cell of value v in [0, 1] is the byte v * 255
** rounded). */
static inline void pg__pixels_clear(const pg__builtin_head *h, float *obs, size_t n) {
  memset(obs, 0, h->bytes ? n : n * sizeof(float));
}
static inline void pg__pixel_set(const pg__builtin_head *h, float *obs, size_t i, float v) {
  if (h->bytes)
    ((uint8_t *)obs)[i] = (uint8_t)(v * 255.0f + 0.5f);
  else
    obs[i] = v;
}

/* numpy's uniform(low, high): low + (high - low) * u with u in [0, 1). */
static inline double pg__uniform(pg__rng *r, double low, double high) {
  return low + (high - low) * pg__rng_uniform(r);
}

/* The grid games' move: x shifted by action - 1 (0 left, 1 stay, 2 right),
** clipped to [lo, hi]. */
static inline int32_t pg__grid_move(int32_t x, float action, int32_t lo, int32_t hi) {
  int32_t to = x + (int32_t)action - 1;
  return to < lo ? lo : to > hi ? hi : to;
}

extern const pg__builtin_spec pg__builtin_short_corridor;
extern const pg__builtin_spec pg__builtin_cartpole;
extern const pg__builtin_spec pg__builtin_cartpole_continuous;
extern const pg__builtin_spec pg__builtin_acrobot;
extern const pg__builtin_spec pg__builtin_mountain_car;
extern const pg__builtin_spec pg__builtin_pendulum;
extern const pg__builtin_spec pg__builtin_catch;
extern const pg__builtin_spec pg__builtin_cartpole_positions;
extern const pg__builtin_spec pg__builtin_cue_corridor;
extern const pg__builtin_spec pg__builtin_bounce;
extern const pg__builtin_spec pg__builtin_dodge;

/* Options in a creation name ("Name:key=value") for a fresh instance of a
** task that takes them (the table in builtin.c): sets head->option (and
** *max_steps when the task's time limit follows it); returns NULL, or why
** the options are refused. */
typedef const char *(*pg__builtin_configure_fn)(void *state, const char *options,
                                                uint64_t *max_steps);
const char *pg__cue_corridor_configure(void *state, const char *options, uint64_t *max_steps);

#endif /* PG_ENV_BUILTIN_H */
