/* Bounce: a paddle-and-ball game on a 10 x 10 board with 2 object channels
** (HWC): channel 0 is the paddle (3 cells of the bottom row), channel 1 the
** ball (1.0) and the cell it came from (0.5), so one frame shows which way
** it moves. The ball starts in a random column of the top row, moving down
** and diagonally (left or right at random); it bounces off the side walls
** and the top. The paddle moves left (0), stays (1) or right (2) before the
** ball moves. A ball about to enter the bottom row over the paddle bounces
** back up for +1 (off the paddle's left cell it goes left, off its right
** cell right, off the middle it keeps its direction); one that misses it
** ends the episode with -1. Five hits end the episode (terminated). */
#include "builtin.h"


enum { ROWS = 10, COLS = 10, CHANNELS = 2, HITS_TO_WIN = 5 };

typedef struct bounce_game {
  pg__builtin_head head;
  int32_t ball_x, ball_y, dx, dy, prev_x, prev_y, paddle_x, hits;
} bounce_game;

static void observe(const bounce_game *g, float *obs) {
  const pg__builtin_head *h = &g->head;
  pg__pixels_clear(h, obs, ROWS * COLS * CHANNELS);
  for (int32_t x = g->paddle_x - 1; x <= g->paddle_x + 1; x++)
    pg__pixel_set(h, obs, (size_t)(((ROWS - 1) * COLS + x) * CHANNELS), 1.0f);
  pg__pixel_set(h, obs, (size_t)((g->prev_y * COLS + g->prev_x) * CHANNELS + 1), 0.5f);
  pg__pixel_set(h, obs, (size_t)((g->ball_y * COLS + g->ball_x) * CHANNELS + 1), 1.0f);
}

static int bounce_reset(void *user, uint64_t seed, float *obs) {
  bounce_game *g = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  g->ball_x = (int32_t)pg__rng_below(&r, COLS);
  g->ball_y = 0;
  g->dx = pg__rng_below(&r, 2) ? 1 : -1;
  g->dy = 1;
  g->prev_x = g->ball_x;
  g->prev_y = g->ball_y;
  g->paddle_x = COLS / 2;
  g->hits = 0;
  observe(g, obs);
  return 0;
}

static int bounce_step(void *user, const float *action, float *obs, float *reward,
                       int32_t *terminated, int32_t *truncated) {
  (void)truncated;
  bounce_game *g = user;
  g->paddle_x = pg__grid_move(g->paddle_x, action[0], 1, COLS - 2);
  g->prev_x = g->ball_x;
  g->prev_y = g->ball_y;
  int32_t x = g->ball_x + g->dx;
  if (x < 0 || x > COLS - 1) {
    g->dx = -g->dx;
    x = g->ball_x + g->dx;
  }
  int32_t y = g->ball_y + g->dy;
  *reward = 0.0f;
  if (y < 0) {
    g->dy = 1;
    y = 1;
  } else if (y == ROWS - 1) {
    int32_t off = x - g->paddle_x;
    if (off >= -1 && off <= 1) {
      *reward = 1.0f;
      g->hits++;
      g->dy = -1;
      y = ROWS - 3;
      if (off != 0) g->dx = off;
      x = g->ball_x + g->dx; /* leaves the paddle in its new direction */
      if (x < 0 || x > COLS - 1) {
        g->dx = -g->dx;
        x = g->ball_x + g->dx;
      }
    } else {
      *reward = -1.0f;
    }
  }
  g->ball_x = x;
  g->ball_y = y;
  *terminated = *reward < 0.0f || g->hits == HITS_TO_WIN;
  observe(g, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_bounce = {
    "Bounce", ROWS * COLS * CHANNELS, ROWS, COLS, CHANNELS, PG_ACTION_DISCRETE, 3, 0.0f, 0.0f,
    0, sizeof(bounce_game), bounce_reset, bounce_step};
