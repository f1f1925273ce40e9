/* Environment throughput: CartPole-v1 steps per second through the checked
** public API, for one instance (pg_env_step) and vectorized (pg_vec_env_step,
** n = 32, 1 and 2 threads); Acrobot-v1 the same; n = 8 CartPoles on 1 to 8
** threads (more threads than cores: the oversubscribed case); and n = 8 of
** a host env costing 20 us per step on 1, 2 and 4 threads, where worker
** threads pay. Actions are pseudo-random; ended episodes are reset (the
** vec env does it itself). The load average is printed at the start.
** Figures go into docs/PERFORMANCE.md. */
#define _DEFAULT_SOURCE /* getloadavg */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include "bench_slow_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { return slow_env_now(); }

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 16;
}

static void check(pg_status st, pg_ctx *ctx) {
  if (st != PG_OK) {
    fprintf(stderr, "bench_env: %s\n", pg_ctx_last_error(ctx));
    exit(1);
  }
}

static double bench_single(pg_ctx *ctx, long steps) {
  pg_env *env;
  check(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), ctx);
  float obs[4], r;
  int32_t te, tr;
  uint32_t s = 1;
  check(pg_env_reset(env, obs, 4), ctx);
  double t0 = now();
  for (long i = 0; i < steps; i++) {
    float a = (float)(lcg(&s) & 1);
    check(pg_env_step(env, &a, 1, obs, 4, &r, &te, &tr), ctx);
    if (te || tr) check(pg_env_reset(env, obs, 4), ctx);
  }
  double dt = now() - t0;
  pg_env_destroy(env);
  return (double)steps / dt;
}

enum { N = 32 };

/* n <= N instances of env (not consumed), obs_size at most 6. */
static double bench_vec_of(pg_ctx *ctx, pg_env *env, int n, int threads, long calls) {
  pg_vec_env *vec;
  int32_t os, n_actions;
  pg_action_kind kind;
  check(pg_env_get_observation_size(env, &os), ctx);
  check(pg_env_get_action_space(env, &kind, &n_actions), ctx);
  check(pg_vec_env_create(env, n, threads, 1, &vec), ctx);
  static float obs[N * 6], fin[N * 6], rew[N], act[N];
  int32_t te[N], tr[N];
  size_t olen = (size_t)n * (size_t)os;
  uint32_t s = 1;
  check(pg_vec_env_reset(vec, obs, olen), ctx);
  double t0 = now();
  for (long c = 0; c < calls; c++) {
    for (int i = 0; i < n; i++) act[i] = (float)(lcg(&s) % (uint32_t)n_actions);
    check(pg_vec_env_step(vec, act, (size_t)n, obs, olen, rew, te, tr, fin), ctx);
  }
  double dt = now() - t0;
  pg_vec_env_destroy(vec);
  return (double)calls * n / dt;
}

static double bench_vec(pg_ctx *ctx, const char *name, int threads, long calls) {
  pg_env *env;
  check(pg_env_create_builtin(ctx, name, 1, &env), ctx);
  double r = bench_vec_of(ctx, env, N, threads, calls);
  pg_env_destroy(env);
  return r;
}

int main(int argc, char **argv) {
  double scale = argc > 1 ? atof(argv[1]) : 1.0; /* e.g. 0.1 for a quick run */
  pg_ctx *ctx;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  long single = (long)(1e7 * scale), calls = (long)(1.5e5 * scale);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  printf("bench_env: CartPole-v1, %s; load average %.2f %.2f %.2f\n", pg_build_info(), load[0],
         load[1], load[2]);
  bench_single(ctx, single / 10); /* warm-up */
  printf("  single instance (pg_env_step):           %8.2f M steps/s\n",
         bench_single(ctx, single) / 1e6);
  for (int threads = 1; threads <= 2; threads++)
    printf("  vectorized n=%d, %d thread%s (pg_vec_env_step): %8.2f M steps/s\n", N, threads,
           threads > 1 ? "s" : " ", bench_vec(ctx, "CartPole-v1", threads, calls) / 1e6);
  /* A costlier step (rk4) for comparison: where worker threads start to pay. */
  printf("bench_env: Acrobot-v1\n");
  for (int threads = 1; threads <= 2; threads++)
    printf("  vectorized n=%d, %d thread%s (pg_vec_env_step): %8.2f M steps/s\n", N, threads,
           threads > 1 ? "s" : " ", bench_vec(ctx, "Acrobot-v1", threads, calls / 4) / 1e6);
  pg_env *env;
  check(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), ctx);
  printf("bench_env: CartPole-v1, n=8\n");
  for (int threads = 1; threads <= 8; threads *= 2)
    printf("  vectorized n=8, %d thread%s  (pg_vec_env_step): %8.2f M steps/s\n", threads,
           threads > 1 ? "s" : " ", bench_vec_of(ctx, env, 8, threads, calls * 4) / 1e6);
  pg_env_destroy(env);
  env = slow_env_make(ctx, "Slow20us", 20e-6, 1);
  if (!env) check(PG_ERR_NOMEM, ctx);
  printf("bench_env: a host env costing 20 us per step, n=8\n");
  for (int threads = 1; threads <= 4; threads *= 2)
    printf("  vectorized n=8, %d thread%s  (pg_vec_env_step): %8.2f k steps/s\n", threads,
           threads > 1 ? "s" : " ", bench_vec_of(ctx, env, 8, threads, calls / 50) / 1e3);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return 0;
}
