/* CueCorridor: a memory task. The first observation shows a cue (left or
** right, drawn per episode from the reset seed); then the agent walks a
** corridor of CUE_CORRIDOR_LENGTH steps seeing no cue, and at its end
** chooses: action 0 = left, 1 = right. The right choice gives +1, the
** wrong one -1, and the episode terminates; walking gives 0 whatever the
** action. Observation [cue, progress, at_end]: cue = -1 (left) or +1
** (right) on the first step only, 0 after; progress = steps walked /
** length; at_end = 1 where the choice is made. A policy without memory
** guesses: its best expected return is 0; one that remembers gets 1. */
#include "builtin.h"

#define CUE_CORRIDOR_LENGTH 6

typedef struct cue_corridor {
  pg__builtin_head head;
  int32_t pos;  /* steps walked, 0 .. CUE_CORRIDOR_LENGTH */
  int32_t cue;  /* 0 = left, 1 = right */
} cue_corridor;

static void observe(const cue_corridor *c, float *obs) {
  obs[0] = c->pos == 0 ? (c->cue ? 1.0f : -1.0f) : 0.0f;
  obs[1] = (float)c->pos / (float)CUE_CORRIDOR_LENGTH;
  obs[2] = c->pos == CUE_CORRIDOR_LENGTH ? 1.0f : 0.0f;
}

static int cue_reset(void *user, uint64_t seed, float *obs) {
  cue_corridor *c = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  c->pos = 0;
  c->cue = pg__rng_uniform(&r) < 0.5 ? 0 : 1;
  observe(c, obs);
  return 0;
}

static int cue_step(void *user, const float *action, float *obs, float *reward,
                    int32_t *terminated, int32_t *truncated) {
  (void)truncated;
  cue_corridor *c = user;
  *reward = 0.0f;
  *terminated = 0;
  if (c->pos == CUE_CORRIDOR_LENGTH) {
    *reward = (action[0] == 1.0f) == (c->cue == 1) ? 1.0f : -1.0f;
    *terminated = 1;
  } else {
    c->pos++;
  }
  observe(c, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_cue_corridor = {
    "CueCorridor", 3, 0, 0, 0, PG_ACTION_DISCRETE, 2, 0.0f, 0.0f, CUE_CORRIDOR_LENGTH + 1,
    sizeof(cue_corridor), cue_reset, cue_step};
