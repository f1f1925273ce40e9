/* Dodge: a dodging game on a 10 x 10 grayscale board (1 channel): the
** player (1.0) on the bottom row moves left (0), stays (1) or right (2);
** rocks (0.5) fall one row per step, and each step a new rock appears in a
** random column of the top row with probability 1/2 (at most one per
** row). The player moves first, then the rocks fall. A rock that leaves the
** board past the player gives +1; a rock that lands on the player, or a
** player who steps under a rock on the bottom row, ends the episode
** (terminated, reward 0). The task's time limit is 100 steps. */
#include "builtin.h"

#include <string.h>

enum { ROWS = 10, COLS = 10, NO_ROCK = -1 };

typedef struct dodge_game {
  pg__builtin_head head;
  pg__rng rng;
  int32_t player_x;
  int32_t rock_x[ROWS]; /* the rock's column in each row, or NO_ROCK */
} dodge_game;

static void observe(const dodge_game *g, float *obs) {
  pg__pixels_clear(&g->head, obs, ROWS * COLS);
  for (int32_t y = 0; y < ROWS; y++)
    if (g->rock_x[y] != NO_ROCK)
      pg__pixel_set(&g->head, obs, (size_t)(y * COLS + g->rock_x[y]), 0.5f);
  pg__pixel_set(&g->head, obs, (size_t)((ROWS - 1) * COLS + g->player_x), 1.0f);
}

static int32_t spawn(dodge_game *g) {
  return pg__rng_below(&g->rng, 2) ? (int32_t)pg__rng_below(&g->rng, COLS) : NO_ROCK;
}

static int dodge_reset(void *user, uint64_t seed, float *obs) {
  dodge_game *g = user;
  pg__rng_seed(&g->rng, seed, 0);
  g->player_x = COLS / 2;
  for (int32_t y = 0; y < ROWS; y++) g->rock_x[y] = NO_ROCK;
  g->rock_x[0] = spawn(g);
  observe(g, obs);
  return 0;
}

static int dodge_step(void *user, const float *action, float *obs, float *reward,
                      int32_t *terminated, int32_t *truncated) {
  (void)truncated;
  dodge_game *g = user;
  g->player_x = pg__grid_move(g->player_x, action[0], 0, COLS - 1);
  int32_t leaving = g->rock_x[ROWS - 1];
  int32_t hit = leaving == g->player_x;
  *reward = leaving != NO_ROCK && !hit ? 1.0f : 0.0f;
  memmove(g->rock_x + 1, g->rock_x, sizeof(int32_t) * (ROWS - 1));
  g->rock_x[0] = spawn(g);
  if (g->rock_x[ROWS - 1] == g->player_x) hit = 1;
  *terminated = hit;
  observe(g, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_dodge = {
    "Dodge", ROWS * COLS, ROWS, COLS, 1, PG_ACTION_DISCRETE, 3, 0.0f, 0.0f, 100,
    sizeof(dodge_game), dodge_reset, dodge_step};
