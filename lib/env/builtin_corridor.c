/* ShortCorridor: Sutton & Barto (2018), Example 13.1. States 0..3, start in
** 0, terminal 3; action 0 = left, 1 = right; state 1 reverses the actions;
** moving left in state 0 stays there; reward -1 per step. The agent cannot
** tell the states apart: the observation is always [1]. */
#include "builtin.h"

typedef struct corridor {
  pg__builtin_head head;
  int32_t pos;
} corridor;

static int corridor_reset(void *user, uint64_t seed, float *obs) {
  (void)seed;
  corridor *c = user;
  c->pos = 0;
  obs[0] = 1.0f;
  return 0;
}

static int corridor_step(void *user, const float *action, float *obs, float *reward,
                         int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the 1000-step cap is the env's step cap */
  corridor *c = user;
  int32_t move = action[0] == 1.0f ? 1 : -1;
  if (c->pos == 1) move = -move;
  c->pos += move;
  if (c->pos < 0) c->pos = 0;
  *terminated = c->pos == 3;
  *reward = -1.0f;
  obs[0] = 1.0f;
  return 0;
}

const pg__builtin_spec pg__builtin_short_corridor = {
    "ShortCorridor", 1, 0, 0, 0, PG_ACTION_DISCRETE, 2, 0.0f, 0.0f, 1000,
    sizeof(corridor), corridor_reset, corridor_step};
