/* A short training run that writes its CSV log, for the plotting test
** (tests/check_plot_curves.py): trains `algorithm` (a pg_algorithm_name,
** e.g. "paac") on CartPole-v1 for `steps` steps with a report every
** steps/40 and logs to `out.csv`.
**
** usage: train_log_writer algorithm steps out.csv [seed] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int algorithm_by_name(const char *name, pg_algorithm *out) {
  for (int a = PG_ALGO_REINFORCE; a <= PG_ALGO_ASYNC_N_STEP_Q; a++)
    if (strcmp(pg_algorithm_name((pg_algorithm)a), name) == 0) {
      *out = (pg_algorithm)a;
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  pg_algorithm algo;
  if (argc < 4 || !algorithm_by_name(argv[1], &algo)) {
    fprintf(stderr, "usage: train_log_writer algorithm steps out.csv [seed]\n");
    return 2;
  }
  long long steps = strtoll(argv[2], NULL, 10);
  uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", seed, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, algo, env, 64, 1, &agent);
  if (st == PG_OK)
    st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, (double)(steps / 40 > 0 ? steps / 40 : 1));
  if (st == PG_OK) st = pg_agent_set_log_file(agent, argv[3]);
  if (st == PG_OK) st = pg_agent_train(agent, env, steps, NULL, NULL);
  if (st != PG_OK) fprintf(stderr, "train_log_writer: %s\n", pg_ctx_last_error(ctx));
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
