/* Hand-written policies for the built-in pixel games (Catch, Bounce, Dodge)
** that read only the observation, and the episode loop that scores them
** against a uniformly random policy: the baselines of docs/ENVIRONMENTS.md.
** Shared by bench/bench_conv_learn.c (which prints them) and
** tests/check_pixel_games.c (which checks them). Header-only, public API. */
#ifndef PG_PIXEL_POLICIES_H
#define PG_PIXEL_POLICIES_H

#include <policygrad.h>

#include <stdlib.h>
#include <string.h>

/* An action (0 left, 1 stay, 2 right) from an observation of h x w x c. */
typedef int (*pixel_policy_fn)(const float *obs, int h, int w, int c);

/* Column of the first cell of row y, channel ch, equal to value; -1 if none. */
static inline int pixel_find(const float *obs, int w, int c, int y, int ch, float value) {
  for (int x = 0; x < w; x++)
    if (obs[(y * w + x) * c + ch] == value) return x;
  return -1;
}

static inline int pixel_toward(int from, int to) { return to < from ? 0 : to > from ? 2 : 1; }

/* Catch: move under the ball. */
static inline int pixel_catch_policy(const float *obs, int h, int w, int c) {
  int paddle = pixel_find(obs, w, c, h - 1, 0, 1.0f);
  for (int y = 0; y < h - 1; y++) {
    int ball = pixel_find(obs, w, c, y, 0, 1.0f);
    if (ball >= 0) return pixel_toward(paddle, ball);
  }
  return 1;
}

/* Bounce: follow the ball's path (from its cell and the cell it came from)
** through the wall bounces to the column where it meets the bottom row,
** and move the paddle's middle there. */
static inline int pixel_bounce_policy(const float *obs, int h, int w, int c) {
  int paddle = pixel_find(obs, w, c, h - 1, 0, 1.0f) + 1;
  int x = -1, y = -1, px = -1, py = -1;
  for (int r = 0; r < h; r++) {
    int b = pixel_find(obs, w, c, r, 1, 1.0f), p = pixel_find(obs, w, c, r, 1, 0.5f);
    if (b >= 0) x = b, y = r;
    if (p >= 0) px = p, py = r;
  }
  if (x < 0) return 1;
  int dx = px < 0 || px == x ? 1 : x > px ? 1 : -1;
  int dy = py < 0 || py == y ? 1 : y > py ? 1 : -1;
  for (int guard = 0; guard < 4 * h && !(dy > 0 && y == h - 2); guard++) {
    if (x + dx < 0 || x + dx > w - 1) dx = -dx;
    x += dx;
    y += dy;
    if (y < 0) dy = 1, y = 1;
  }
  if (x + dx < 0 || x + dx > w - 1) dx = -dx;
  return pixel_toward(paddle, x + dx);
}

/* Dodge: stay unless a rock falls on the player next step or the player
** would walk into one; then the first safe side. */
static inline int pixel_dodge_policy(const float *obs, int h, int w, int c) {
  int player = pixel_find(obs, w, c, h - 1, 0, 1.0f);
  int falling = pixel_find(obs, w, c, h - 2, 0, 0.5f);
  int leaving = pixel_find(obs, w, c, h - 1, 0, 0.5f);
  int above = pixel_find(obs, w, c, h - 3, 0, 0.5f);
  static const int order[3] = {1, 0, 2};
  int fallback = 1;
  for (int i = 0; i < 3; i++) {
    int to = player + order[i] - 1;
    if (to < 0 || to > w - 1 || to == falling || to == leaving) continue;
    if (to != above) return order[i];
    fallback = order[i];
  }
  return fallback;
}

static inline int pixel_random_policy(const float *obs, int h, int w, int c) {
  (void)obs, (void)h, (void)w, (void)c;
  return rand() % 3;
}

/* Mean undiscounted return of policy over `episodes` episodes of the
** built-in `task` (seeded with seed; rand() seeded too). Returns 0, or -1
** with the context's message on an error. */
static inline int pixel_policy_mean(pg_ctx *ctx, const char *task, pixel_policy_fn policy,
                                    int episodes, uint64_t seed, double *out_mean) {
  pg_env *env = NULL;
  int32_t size = 0, h = 0, w = 0, c = 0;
  if (pg_env_create_builtin(ctx, task, seed, &env) != PG_OK) return -1;
  pg_env_get_observation_size(env, &size);
  pg_env_get_observation_image(env, &h, &w, &c);
  float *obs = malloc(sizeof(float) * (size_t)size);
  if (!obs) {
    pg_env_destroy(env);
    return -1;
  }
  srand((unsigned)seed);
  double total = 0.0;
  int rc = 0;
  for (int e = 0; e < episodes && rc == 0; e++) {
    int32_t te = 0, tr = 0;
    if (pg_env_reset(env, obs, (size_t)size) != PG_OK) rc = -1;
    while (rc == 0 && !te && !tr) {
      float action = (float)policy(obs, h, w, c), reward = 0.0f;
      if (pg_env_step(env, &action, 1, obs, (size_t)size, &reward, &te, &tr) != PG_OK) rc = -1;
      total += reward;
    }
  }
  free(obs);
  pg_env_destroy(env);
  *out_mean = total / episodes;
  return rc;
}

#endif /* PG_PIXEL_POLICIES_H */
