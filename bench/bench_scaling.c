/* Thread scaling (docs/PERFORMANCE.md, "Thread scaling (bench_scaling)"):
** env steps per second of pg_agent_train at 1, 2, 4, 8, 16 threads and
** the ratio to 1 thread, laid out as Table 2 of Mnih et al. (2016),
** "Asynchronous Methods for Deep Reinforcement Learning" (one row per
** method, one column per thread count). The methods: A3C (lock and Hogwild
** modes) and asynchronous n-step Q on CartPole-v1 (64x2 ReLU nets, the
** library defaults otherwise), and PAAC (n_e = 32, 128-unit trunk) with n_w
** worker threads on CartPole-v1 and on a host environment that burns 5 us
** of CPU per step. Learning is included (the same algorithm, just timed).
**
** Thread counts: powers of two up to the machine's online cores, plus one
** oversubscribed column (the next power of two); `max_threads` overrides
** the largest. Beside wall-clock steps/s it prints the CPU time per million
** steps (getrusage, all threads) and the load average, since on a shared
** machine the wall clock measures the neighbours as much as the library.
**
** usage: bench_scaling [steps] [max_threads] [label]
** (label: only the methods whose label contains it, e.g. Hogwild or PAAC) */
#define _DEFAULT_SOURCE /* getloadavg */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include "bench_slow_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { MAX_COLS = 8 };

typedef struct method {
  const char *label;
  pg_algorithm algo;
  int hogwild;
  double env_step_seconds; /* 0: CartPole-v1, else the slow host env */
  long steps_scale;        /* steps = base * steps_scale / 4 */
} method;

static const method METHODS[] = {
    {"A3C (lock)", PG_ALGO_A3C, 0, 0, 4},
    {"A3C (Hogwild)", PG_ALGO_A3C, 1, 0, 4},
    {"n-step Q", PG_ALGO_ASYNC_N_STEP_Q, 0, 0, 4},
    {"PAAC, CartPole (n_w)", PG_ALGO_PAAC, 0, 0, 16},
    {"PAAC, 5 us env (n_w)", PG_ALGO_PAAC, 0, 5e-6, 2},
};

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

typedef struct sample {
  double steps_per_s, cpu_s_per_mstep;
} sample;

static sample run(const method *m, int threads, long steps) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, 1);
  if (st == PG_OK) {
    if (m->env_step_seconds > 0)
      st = (env = slow_env_make(ctx, "Slow", m->env_step_seconds, 1)) ? PG_OK : PG_ERR_INTERNAL;
    else
      st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  }
  int paac = m->algo == PG_ALGO_PAAC;
  if (st == PG_OK)
    st = pg_agent_create_for_env(ctx, m->algo, env, paac ? 128 : 64, paac ? 1 : 2, &a);
  if (st == PG_OK && paac) st = pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 32);
  if (st == PG_OK) st = pg_agent_set_param(a, PG_PARAM_NUM_THREADS, threads);
  if (st == PG_OK && m->hogwild) st = pg_agent_set_param(a, PG_PARAM_HOGWILD, 1);
  if (st == PG_OK) st = pg_agent_train(a, env, steps / 10, NULL, NULL); /* warm-up */
  double t0 = slow_env_now(), c0 = cpu_seconds();
  if (st == PG_OK) st = pg_agent_train(a, env, steps, NULL, NULL);
  double dt = slow_env_now() - t0, dc = cpu_seconds() - c0;
  if (st != PG_OK) {
    fprintf(stderr, "bench_scaling: %s, %d threads: %s\n", m->label, threads,
            pg_ctx_last_error(ctx));
    exit(1);
  }
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  sample s = {(double)steps / dt, dc * 1e6 / (double)steps};
  return s;
}

int main(int argc, char **argv) {
  long base = argc > 1 ? atol(argv[1]) : 200000;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int max_threads = argc > 2 ? atoi(argv[2]) : 0;
  if (base < 1000 || cores < 1) {
    fprintf(stderr, "usage: bench_scaling [steps >= 1000] [max_threads]\n");
    return 2;
  }
  int cols[MAX_COLS], n_cols = 0;
  for (int t = 1; n_cols < MAX_COLS; t *= 2) {
    if (max_threads > 0 && t > max_threads) break;
    cols[n_cols++] = t;
    if (max_threads <= 0 && t > cores) break; /* the oversubscribed column */
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  printf("bench_scaling (%s): %ld online cores, load average %.2f %.2f %.2f at the start\n",
         pg_build_info(), cores, load[0], load[1], load[2]);
  const size_t n_methods = sizeof METHODS / sizeof *METHODS;
  sample res[sizeof METHODS / sizeof *METHODS][MAX_COLS];
  double load_after[sizeof METHODS / sizeof *METHODS];
  const char *only = argc > 3 ? argv[3] : "";
  for (size_t i = 0; i < n_methods; i++) {
    if (!strstr(METHODS[i].label, only)) {
      for (int c = 0; c < n_cols; c++) res[i][c].steps_per_s = res[i][c].cpu_s_per_mstep = 0;
      load_after[i] = 0;
      continue;
    }
    long steps = base * METHODS[i].steps_scale / 4;
    for (int c = 0; c < n_cols; c++) res[i][c] = run(&METHODS[i], cols[c], steps);
    getloadavg(load, 1);
    load_after[i] = load[0];
  }
  printf("\nenv steps/s (CPU s per million steps, all threads)\n\n| method |");
  for (int c = 0; c < n_cols; c++) printf(" %d thread%s |", cols[c], cols[c] > 1 ? "s" : "");
  printf(" load after |\n|---|");
  for (int c = 0; c <= n_cols; c++) printf("---:|");
  printf("\n");
  for (size_t i = 0; i < n_methods; i++) {
    if (res[i][0].steps_per_s <= 0) continue; /* not selected */
    printf("| %s |", METHODS[i].label);
    for (int c = 0; c < n_cols; c++)
      printf(" %.0f k (%.2f) |", res[i][c].steps_per_s / 1e3, res[i][c].cpu_s_per_mstep);
    printf(" %.1f |\n", load_after[i]);
  }
  printf("\nspeed-up over 1 thread (Table 2's layout)\n\n| method |");
  for (int c = 0; c < n_cols; c++) printf(" %d |", cols[c]);
  printf("\n|---|");
  for (int c = 0; c < n_cols; c++) printf("---:|");
  printf("\n");
  for (size_t i = 0; i < n_methods; i++) {
    if (res[i][0].steps_per_s <= 0) continue;
    printf("| %s |", METHODS[i].label);
    for (int c = 0; c < n_cols; c++)
      printf(" %.2f |", res[i][c].steps_per_s / res[i][0].steps_per_s);
    printf("\n");
  }
  return 0;
}
