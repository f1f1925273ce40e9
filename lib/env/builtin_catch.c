/* Catch (as bsuite's catch): a 10 x 5 board, 1 channel. A ball starts in a
** random column of the top row and falls one row per step; the paddle starts
** in the middle of the bottom row and moves left (0), stays (1) or right (2).
** When the ball reaches the bottom row the episode terminates with +1 if the
** paddle is under it, else -1; every other step gives 0. */
#include "builtin.h"


enum { ROWS = 10, COLS = 5 };

typedef struct catch_game {
  pg__builtin_head head;
  int32_t ball_x, ball_y, paddle_x;
} catch_game;

static void observe(const catch_game *c, float *obs) {
  pg__pixels_clear(&c->head, obs, ROWS * COLS);
  pg__pixel_set(&c->head, obs, (size_t)(c->ball_y * COLS + c->ball_x), 1.0f);
  pg__pixel_set(&c->head, obs, (size_t)((ROWS - 1) * COLS + c->paddle_x), 1.0f);
}

static int catch_reset(void *user, uint64_t seed, float *obs) {
  catch_game *c = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  c->ball_x = (int32_t)pg__rng_below(&r, COLS);
  c->ball_y = 0;
  c->paddle_x = COLS / 2;
  observe(c, obs);
  return 0;
}

static int catch_step(void *user, const float *action, float *obs, float *reward,
                      int32_t *terminated, int32_t *truncated) {
  (void)truncated;
  catch_game *c = user;
  c->paddle_x = pg__grid_move(c->paddle_x, action[0], 0, COLS - 1);
  c->ball_y++;
  *terminated = c->ball_y == ROWS - 1;
  *reward = !*terminated ? 0.0f : c->paddle_x == c->ball_x ? 1.0f : -1.0f;
  observe(c, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_catch = {
    "Catch", ROWS * COLS, ROWS, COLS, 1, PG_ACTION_DISCRETE, 3, 0.0f, 0.0f, 0,
    sizeof(catch_game), catch_reset, catch_step};
