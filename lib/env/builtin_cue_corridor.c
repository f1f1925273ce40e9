/* CueCorridor: a memory task. The first observation shows a cue (left or
** right, drawn per episode from the reset seed); then the agent walks a
** corridor of `length` steps seeing no cue, and at its end chooses:
** action 0 = left, 1 = right. The right choice gives +1, the wrong one -1,
** and the episode terminates; walking gives 0 whatever the action.
** Observation [cue, progress, at_end]: cue = -1 (left) or +1 (right) on
** the first step only, 0 after; progress = steps walked / length; at_end
** = 1 where the choice is made. A policy without memory guesses: its best
** expected return is 0; one that remembers gets 1.
**
** The length is 6 by default; "CueCorridor:length=N" (N in [1, 1000])
** creates a corridor of N steps, with the time limit N + 1. */
#include "builtin.h"

#include <stdlib.h>
#include <string.h>

#define CUE_CORRIDOR_LENGTH 6
#define CUE_CORRIDOR_MAX_LENGTH 1000

typedef struct cue_corridor {
  pg__builtin_head head; /* head.option: the length, 0 = CUE_CORRIDOR_LENGTH */
  int32_t pos;  /* steps walked, 0 .. length */
  int32_t cue;  /* 0 = left, 1 = right */
} cue_corridor;

static int32_t length_of(const cue_corridor *c) {
  return c->head.option ? c->head.option : CUE_CORRIDOR_LENGTH;
}

static void observe(const cue_corridor *c, float *obs) {
  obs[0] = c->pos == 0 ? (c->cue ? 1.0f : -1.0f) : 0.0f;
  obs[1] = (float)c->pos / (float)length_of(c);
  obs[2] = c->pos == length_of(c) ? 1.0f : 0.0f;
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
  if (c->pos == length_of(c)) {
    *reward = (action[0] == 1.0f) == (c->cue == 1) ? 1.0f : -1.0f;
    *terminated = 1;
  } else {
    c->pos++;
  }
  observe(c, obs);
  return 0;
}

/* "length=N": the corridor's length and the time limit N + 1. */
const char *pg__cue_corridor_configure(void *state, const char *options, uint64_t *max_steps) {
  static const char key[] = "length=";
  cue_corridor *c = state;
  if (strncmp(options, key, sizeof key - 1) != 0)
    return "the option is length=N (N in [1, 1000])";
  const char *digits = options + sizeof key - 1;
  char *end = NULL;
  long n = strtol(digits, &end, 10);
  if (end == digits || *end != '\0' || n < 1 || n > CUE_CORRIDOR_MAX_LENGTH)
    return "length=N needs a whole number N in [1, 1000]";
  c->head.option = (int32_t)n;
  *max_steps = (uint64_t)n + 1;
  return NULL;
}

const pg__builtin_spec pg__builtin_cue_corridor = {
    "CueCorridor", 3, 0, 0, 0, PG_ACTION_DISCRETE, 2, 0.0f, 0.0f, CUE_CORRIDOR_LENGTH + 1,
    sizeof(cue_corridor), cue_reset, cue_step};
