/* Environment throughput: CartPole-v1 steps per second through the checked
** public API, for one instance (pg_env_step) and vectorized (pg_vec_env_step,
** n = 32, 1 and 2 threads). Actions are pseudo-random; ended episodes are
** reset (the vec env does it itself). Figures go into docs/PERFORMANCE.md. */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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

/* n_actions: 2 for CartPole, 3 for Acrobot; obs_size at most 6. */
static double bench_vec(pg_ctx *ctx, const char *name, int threads, long calls) {
  pg_env *env;
  pg_vec_env *vec;
  check(pg_env_create_builtin(ctx, name, 1, &env), ctx);
  int32_t os, n_actions;
  pg_action_kind kind;
  check(pg_env_get_observation_size(env, &os), ctx);
  check(pg_env_get_action_space(env, &kind, &n_actions), ctx);
  check(pg_vec_env_create(env, N, threads, 1, &vec), ctx);
  static float obs[N * 6], fin[N * 6], rew[N], act[N];
  int32_t te[N], tr[N];
  size_t olen = (size_t)N * (size_t)os;
  uint32_t s = 1;
  check(pg_vec_env_reset(vec, obs, olen), ctx);
  double t0 = now();
  for (long c = 0; c < calls; c++) {
    for (int i = 0; i < N; i++) act[i] = (float)(lcg(&s) % (uint32_t)n_actions);
    check(pg_vec_env_step(vec, act, N, obs, olen, rew, te, tr, fin), ctx);
  }
  double dt = now() - t0;
  pg_vec_env_destroy(vec);
  pg_env_destroy(env);
  return (double)calls * N / dt;
}

int main(int argc, char **argv) {
  double scale = argc > 1 ? atof(argv[1]) : 1.0; /* e.g. 0.1 for a quick run */
  pg_ctx *ctx;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  long single = (long)(1e7 * scale), calls = (long)(1.5e5 * scale);
  printf("bench_env: CartPole-v1, %s\n", pg_build_info());
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
  pg_ctx_destroy(ctx);
  return 0;
}
