/* A3C throughput: environment steps per second of pg_agent_train on
** CartPole-v1 with 1 and 2 worker threads (lock mode and Hogwild), and the
** ratio. A fixed number of steps per run (learning included: the same
** algorithm, just timed); the best of `reps` runs is printed. Output is
** pasted into docs/PERFORMANCE.md ("Asynchronous agents (bench_a3c)").
**
** usage: bench_a3c [steps] [reps] */
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

static double run(int threads, int hogwild, long steps) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, 1);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_A3C, env, 64, 2, &a);
  if (st == PG_OK) st = pg_agent_set_param(a, PG_PARAM_NUM_THREADS, threads);
  if (st == PG_OK) st = pg_agent_set_param(a, PG_PARAM_HOGWILD, hogwild);
  double t0 = now();
  if (st == PG_OK) st = pg_agent_train(a, env, steps, NULL, NULL);
  double dt = now() - t0;
  if (st != PG_OK) {
    fprintf(stderr, "bench_a3c: %s\n", pg_ctx_last_error(ctx));
    exit(1);
  }
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return (double)steps / dt;
}

int main(int argc, char **argv) {
  long steps = argc > 1 ? atol(argv[1]) : 200000;
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  if (steps < 1 || reps < 1) return 2;
  printf("A3C on CartPole-v1, 64x2 ReLU trunk, t_max 5, %ld steps per run, best of %d\n", steps,
         reps);
  for (int hw = 0; hw <= 1; hw++) {
    double best[3] = {0, 0, 0};
    for (int r = 0; r < reps; r++)
      for (int t = 1; t <= 2; t++) {
        double sps = run(t, hw, steps);
        if (sps > best[t]) best[t] = sps;
      }
    printf("%-8s 1 thread %9.0f steps/s   2 threads %9.0f steps/s   ratio %.2fx\n",
           hw ? "hogwild" : "lock", best[1], best[2], best[2] / best[1]);
  }
  return 0;
}
