/* The README's headline demo: PAAC (n_e = 32 CartPole-v1 instances, t_max =
** 5, a 4-128 tanh trunk with policy and value heads, RMSProp) learns
** CartPole-v1, printing one progress line per report, then plays 20
** episodes greedily. Exits 0 when the evaluation reaches 475.
** Its training log (CSV, one row per report) goes to demo_log.csv next to
** the program, or to the path given; the last line says where and how to
** plot it with examples/plot_curves.py.
**
** usage: demo [seed] [log.csv] */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PG_PLOT_SCRIPT /* set by examples/CMakeLists.txt to the source tree's copy */
#define PG_PLOT_SCRIPT "examples/plot_curves.py"
#endif

/* An absolute path: `name` in the folder of `program` (argv[0]), or
** `given` made absolute. Returns 0 if it does not fit. */
static int log_path(const char *program, const char *given, const char *name, char *out,
                    size_t size) {
  char rel[4096];
  if (given) {
    snprintf(rel, sizeof rel, "%s", given);
  } else {
    const char *slash = strrchr(program, '/');
    int dir = slash ? (int)(slash - program) : 0;
    snprintf(rel, sizeof rel, "%.*s%s%s", dir, program, slash ? "/" : "", name);
  }
  if (rel[0] == '/') return snprintf(out, size, "%s", rel) < (int)size;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return 0;
  const char *r = strncmp(rel, "./", 2) == 0 ? rel + 2 : rel;
  return snprintf(out, size, "%s/%s", cwd, r) < (int)size;
}

/* A path as one shell word (single-quoted unless plain). */
static void print_word(const char *s) {
  if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:,") ==
      strlen(s)) {
    fputs(s, stdout);
    return;
  }
  putchar('\'');
  for (; *s; s++)
    if (*s == '\'') fputs("'\\''", stdout);
    else putchar(*s);
  putchar('\'');
}

static int progress(void *user, pg_agent *agent) {
  (void)user;
  double steps, episodes, mean, sps;
  pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(agent, PG_STAT_EPISODES, &episodes);
  pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean);
  pg_agent_get_stat(agent, PG_STAT_STEPS_PER_SECOND, &sps);
  printf("steps %8.0f  episodes %6.0f  mean return (last 100) %6.1f  %9.0f steps/s\n", steps,
         episodes, mean, sps);
  fflush(stdout);
  return episodes >= 100 && mean >= 475.0; /* solved: stop */
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  char log[4096] = "", png[4200] = "";
  if (!log_path(argv[0], argc > 2 ? argv[2] : NULL, "demo_log.csv", log, sizeof log))
    log[0] = '\0';
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", seed, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 128, 1, &agent);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 20000);
  if (st == PG_OK && log[0] && pg_agent_set_log_file(agent, log) != PG_OK) {
    fprintf(stderr, "demo: no training log: %s\n", pg_ctx_last_error(ctx));
    log[0] = '\0'; /* train anyway */
  }
  printf("PAAC on CartPole-v1: 32 environments, t_max 5, RMSProp lr 0.0224, seed %llu\n",
         (unsigned long long)seed);
  if (st == PG_OK) st = pg_agent_train(agent, env, 2000000, progress, NULL);
  double mean = 0.0, sd = 0.0, secs = 0.0;
  if (st == PG_OK) st = pg_agent_get_stat(agent, PG_STAT_ELAPSED_SECONDS, &secs);
  if (st == PG_OK) st = pg_agent_evaluate(agent, env, 20, 1, &mean, &sd);
  if (st != PG_OK) {
    fprintf(stderr, "demo: %s\n", pg_ctx_last_error(ctx));
  } else {
    printf("trained in %.2f s; greedy evaluation over 20 episodes: %.1f +- %.1f (max 500)\n",
           secs, mean, sd);
  }
  pg_agent_destroy(agent); /* closes the log */
  agent = NULL;
  if (log[0]) {
    size_t n = strlen(log); /* x_log.csv or x.csv -> x_curve.png */
    if (n > 4 && strcmp(log + n - 4, ".csv") == 0) n -= 4;
    if (n > 4 && strncmp(log + n - 4, "_log", 4) == 0) n -= 4;
    snprintf(png, sizeof png, "%.*s_curve.png", (int)n, log);
    printf("training log: ");
    print_word(log);
    printf("; plot it: python3 ");
    print_word(PG_PLOT_SCRIPT);
    putchar(' ');
    print_word(log);
    printf(" -o ");
    print_word(png);
    putchar('\n');
  }
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK && mean >= 475.0 ? 0 : 1;
}
