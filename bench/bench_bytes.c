/* Byte observations against floats: an 84 x 84 grayscale host game (a
** 6 x 6 block moving on a dark screen, drawn whole at every step), frame-
** stacked to 84 x 84 x 4, in a vec env of 32 instances on 1 thread:
** pg_vec_env_step_u8 on the PG_OBS_UINT8 game against pg_vec_env_step on
** the same game in floats, and a PAAC host loop (pg_agent_step_u8 /
** pg_agent_report_u8 against pg_agent_step / pg_agent_report) on a small
** dense net, so the figures show what the observations cost rather than the
** net. Prints the observation memory of one 32 x 5 rollout each way. Figures
** go into docs/PERFORMANCE.md ("Byte observations"). */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include "bench_slow_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE = 84, PIXELS = SIDE * SIDE, STACK = 4, OBS = PIXELS * STACK, NE = 32, T_MAX = 5 };

static void check(pg_status st, pg_ctx *ctx) {
  if (st != PG_OK) {
    fprintf(stderr, "bench_bytes: %s\n", pg_ctx_last_error(ctx));
    exit(1);
  }
}

typedef struct block_game {
  int bytes;
  int x, y, dx, dy, t;
  uint64_t rng;
} block_game;

static void draw(const block_game *g, float *obs) {
  uint8_t *b = (uint8_t *)obs;
  if (g->bytes)
    memset(b, 16, PIXELS);
  else
    for (int i = 0; i < PIXELS; i++) obs[i] = 16.0f / 255.0f;
  for (int y = g->y; y < g->y + 6; y++)
    for (int x = g->x; x < g->x + 6; x++) {
      if (g->bytes)
        b[y * SIDE + x] = 255;
      else
        obs[y * SIDE + x] = 1.0f;
    }
}

static int game_reset(void *user, uint64_t seed, float *obs) {
  block_game *g = user;
  g->rng = seed | 1;
  g->x = (int)(seed % 70) + 4;
  g->y = (int)((seed >> 8) % 70) + 4;
  g->dx = g->dy = 1;
  g->t = 0;
  draw(g, obs);
  return 0;
}

static int game_step(void *user, const float *action, float *obs, float *reward,
                     int32_t *terminated, int32_t *truncated) {
  block_game *g = user;
  g->dx = (int)action[0] - 1 ? (int)action[0] - 1 : g->dx;
  g->x += g->dx;
  g->y += g->dy;
  if (g->x < 0 || g->x > SIDE - 6) g->dx = -g->dx, g->x += 2 * g->dx;
  if (g->y < 0 || g->y > SIDE - 6) g->dy = -g->dy, g->y += 2 * g->dy;
  *reward = g->x > SIDE / 2 ? 1.0f : 0.0f;
  *terminated = 0;
  *truncated = ++g->t >= 200;
  draw(g, obs);
  return 0;
}

static int game_close(void *user) {
  free(user);
  return 0;
}

static int game_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index;
  (void)seed;
  block_game *g = calloc(1, sizeof *g);
  if (!g) return 1;
  g->bytes = ((const block_game *)factory_user)->bytes;
  *out = g;
  return 0;
}

static pg_env *make_game(pg_ctx *ctx, int bytes) {
  block_game *g = calloc(1, sizeof *g);
  g->bytes = bytes;
  pg_env_vtable vt = {sizeof vt, game_reset, game_step, game_close, NULL, game_create, NULL,
                      NULL};
  pg_env *env = NULL, *stacked = NULL;
  check(pg_env_create(ctx, &vt, g, bytes ? "Block-u8" : "Block", PIXELS, PG_ACTION_DISCRETE, 3,
                      &env),
        ctx);
  check(pg_env_set_observation_image(env, SIDE, SIDE, 1), ctx);
  if (bytes) check(pg_env_set_observation_dtype(env, PG_OBS_UINT8), ctx);
  check(pg_env_wrap_frame_stack(env, STACK, &stacked), ctx);
  return stacked;
}

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 16;
}

/* Steps per second of the vec env, bytes or floats. */
static double bench_vec(pg_ctx *ctx, int bytes, long calls) {
  pg_env *env = make_game(ctx, bytes);
  pg_vec_env *vec = NULL;
  check(pg_vec_env_create(env, NE, 1, 1, &vec), ctx);
  pg_env_destroy(env);
  uint8_t *ob = malloc((size_t)NE * OBS);
  float *of = malloc((size_t)NE * OBS * sizeof(float)), act[NE], rew[NE];
  int32_t te[NE], tr[NE];
  uint32_t s = 1;
  if (bytes)
    check(pg_vec_env_reset_u8(vec, ob, (size_t)NE * OBS), ctx);
  else
    check(pg_vec_env_reset(vec, of, (size_t)NE * OBS), ctx);
  double t0 = slow_env_now();
  for (long c = 0; c < calls; c++) {
    for (int i = 0; i < NE; i++) act[i] = (float)(lcg(&s) % 3u);
    if (bytes)
      check(pg_vec_env_step_u8(vec, act, NE, ob, (size_t)NE * OBS, rew, te, tr, NULL), ctx);
    else
      check(pg_vec_env_step(vec, act, NE, of, (size_t)NE * OBS, rew, te, tr, NULL), ctx);
  }
  double dt = slow_env_now() - t0;
  pg_vec_env_destroy(vec);
  free(ob);
  free(of);
  return (double)calls * NE / dt;
}

/* Steps per second of PAAC's host loop on the vec env, bytes or floats. */
static double bench_agent(pg_ctx *ctx, int bytes, long calls) {
  pg_env *env = make_game(ctx, bytes);
  pg_agent *agent = NULL;
  check(pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 16, 1, &agent), ctx);
  check(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, NE), ctx);
  pg_vec_env *vec = NULL;
  check(pg_vec_env_create(env, NE, 1, 1, &vec), ctx);
  pg_env_destroy(env);
  size_t len = (size_t)NE * OBS;
  uint8_t *ob = malloc(len);
  float *of = malloc(len * sizeof(float)), act[NE], rew[NE];
  int32_t te[NE], tr[NE];
  if (bytes)
    check(pg_vec_env_reset_u8(vec, ob, len), ctx);
  else
    check(pg_vec_env_reset(vec, of, len), ctx);
  double t0 = slow_env_now();
  for (long c = 0; c < calls; c++) {
    /* (ended episodes would report their final frames; the bench reports
    ** the auto-reset ones, which costs the same) */
    if (bytes) {
      check(pg_agent_step_u8(agent, ob, len, NULL, 0, act, NE), ctx);
      check(pg_vec_env_step_u8(vec, act, NE, ob, len, rew, te, tr, NULL), ctx);
      check(pg_agent_report_u8(agent, rew, te, tr, NE, ob, len), ctx);
    } else {
      check(pg_agent_step(agent, of, len, NULL, 0, act, NE), ctx);
      check(pg_vec_env_step(vec, act, NE, of, len, rew, te, tr, NULL), ctx);
      check(pg_agent_report(agent, rew, te, tr, NE, of, len), ctx);
    }
    check(pg_agent_update(agent, NULL), ctx);
  }
  double dt = slow_env_now() - t0;
  pg_vec_env_destroy(vec);
  pg_agent_destroy(agent);
  free(ob);
  free(of);
  return (double)calls * NE / dt;
}

int main(int argc, char **argv) {
  double scale = argc > 1 ? atof(argv[1]) : 1.0; /* e.g. 0.1 for a quick run */
  pg_ctx *ctx;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  long calls = (long)(400 * scale) + 1;
  printf("bench_bytes: 84x84 game, frame stack 4, n = %d, 1 thread; %s\n", NE, pg_build_info());
  double rollout = (double)NE * T_MAX * OBS;
  printf("  one %d x %d rollout of observations: %.1f MB as floats, %.1f MB as bytes\n", NE,
         T_MAX, rollout * 4 / 1e6, rollout / 1e6);
  bench_vec(ctx, 1, calls / 10); /* warm-up */
  for (int bytes = 0; bytes < 2; bytes++)
    printf("  vec env step (%s):            %8.0f steps/s\n",
           bytes ? "pg_vec_env_step_u8" : "pg_vec_env_step   ", bench_vec(ctx, bytes, calls));
  for (int bytes = 0; bytes < 2; bytes++)
    printf("  PAAC host loop, dense 16 (%s): %8.0f steps/s\n", bytes ? "bytes " : "floats",
           bench_agent(ctx, bytes, calls / 2));
  pg_ctx_destroy(ctx);
  return 0;
}
