/* A3C throughput: environment steps per second of pg_agent_train on
** CartPole-v1 with 1 and 2 worker threads (lock mode and Hogwild), and the
** ratio. A fixed number of steps per run (learning included: the same
** algorithm, just timed); the best of `reps` runs is printed. Output is
** pasted into docs/PERFORMANCE.md ("Asynchronous agents (bench_a3c)").
**
** usage: bench_a3c [steps] [reps]
**
** Learning mode (docs/RESULTS.md, "Asynchronous methods"):
**   bench_a3c learn ALGO BUDGET SEED... [name=value...]
** ALGO is a3c, q1, sarsa or nq; each seed trains on CartPole-v1 with the
** library defaults (64x2 trunk, 2 threads) plus the name=value parameters
** (pg_param_from_name names; units=N and layers=N set the trunk), for at
** most BUDGET steps (A3C stops once its 100-episode training mean reaches
** 475), then plays 100 greedy episodes. One line per seed: steps, wall
** time, greedy mean, training mean. */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int stop_at_475(void *user, pg_agent *a) {
  double mean = 0.0, episodes = 0.0;
  (void)user;
  pg_agent_get_stat(a, PG_STAT_EPISODES, &episodes);
  pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean);
  return episodes >= 100.0 && mean >= 475.0;
}

static int learn(int argc, char **argv) {
  static const struct {
    const char *name;
    pg_algorithm algo;
  } algos[] = {{"a3c", PG_ALGO_A3C},
               {"q1", PG_ALGO_ASYNC_ONE_STEP_Q},
               {"sarsa", PG_ALGO_ASYNC_ONE_STEP_SARSA},
               {"nq", PG_ALGO_ASYNC_N_STEP_Q}};
  if (argc < 4) return 2;
  int ai = -1;
  for (int i = 0; i < 4; i++)
    if (!strcmp(argv[1], algos[i].name)) ai = i;
  long budget = atol(argv[2]);
  if (ai < 0 || budget < 1) return 2;
  int units = 64, layers = 2;
  for (int i = 3; i < argc; i++) {
    if (!strncmp(argv[i], "units=", 6)) units = atoi(argv[i] + 6);
    if (!strncmp(argv[i], "layers=", 7)) layers = atoi(argv[i] + 7);
  }
  int a3c = algos[ai].algo == PG_ALGO_A3C;
  for (int i = 3; i < argc; i++) {
    if (strchr(argv[i], '=')) continue;
    long seed = atol(argv[i]);
    pg_ctx *ctx = NULL;
    pg_env *env = NULL;
    pg_agent *a = NULL;
    pg_status st = pg_ctx_create(NULL, NULL, &ctx);
    if (st == PG_OK) st = pg_ctx_set_seed(ctx, (uint64_t)seed);
    if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
    if (st == PG_OK) st = pg_agent_create_for_env(ctx, algos[ai].algo, env, units, layers, &a);
    for (int j = 3; j < argc && st == PG_OK; j++) {
      char name[64];
      const char *eq = strchr(argv[j], '=');
      pg_param p;
      if (!eq || (size_t)(eq - argv[j]) >= sizeof name) continue;
      memcpy(name, argv[j], (size_t)(eq - argv[j]));
      name[eq - argv[j]] = 0;
      if (!strcmp(name, "units") || !strcmp(name, "layers")) continue;
      st = pg_param_from_name(name, &p);
      if (st == PG_OK) st = pg_agent_set_param(a, p, atof(eq + 1));
    }
    double t0 = now();
    if (st == PG_OK) st = pg_agent_train(a, env, budget, a3c ? stop_at_475 : NULL, NULL);
    double dt = now() - t0, steps = 0.0, mean = 0.0, greedy = 0.0;
    if (st == PG_OK) st = pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps);
    if (st == PG_OK) st = pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean);
    if (st == PG_OK) st = pg_agent_evaluate(a, env, 100, 1, &greedy, NULL);
    if (st != PG_OK) {
      fprintf(stderr, "bench_a3c: seed %ld: %s\n", seed, pg_ctx_last_error(ctx));
      return 1;
    }
    printf("%s seed %ld: %.0fk steps %.1f s greedy100 %.0f train100 %.0f%s\n", argv[1], seed,
           steps / 1000.0, dt, greedy, mean, a3c && mean >= 475.0 ? " solved" : "");
    fflush(stdout);
    pg_agent_destroy(a);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "learn")) return learn(argc - 1, argv + 1);
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
