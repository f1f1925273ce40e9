/* Trains A3C with 2 worker threads on CartPole-v1 (pg_agent_train starts
** and joins the threads; the progress callback runs on this thread), then
** evaluates greedily. The async Q methods train the same way: pass
** async_n_step_q (or async_one_step_q, async_one_step_sarsa) as the second
** argument; judge those by the greedy evaluation (docs/ASYNC.md).
**
** usage: a3c_cartpole [seed] [algorithm-name] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int progress(void *user, pg_agent *agent) {
  (void)user;
  double steps, episodes, mean, sps;
  pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(agent, PG_STAT_EPISODES, &episodes);
  pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean);
  pg_agent_get_stat(agent, PG_STAT_STEPS_PER_SECOND, &sps);
  printf("steps %7.0f  episodes %5.0f  mean return (last 100) %6.1f  %8.0f steps/s\n", steps,
         episodes, mean, sps);
  fflush(stdout);
  return episodes >= 100 && mean >= 475.0;
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  pg_algorithm algo = PG_ALGO_A3C;
  for (int a = PG_ALGO_A3C; argc > 2 && a <= PG_ALGO_ASYNC_N_STEP_Q; a++)
    if (strcmp(argv[2], pg_algorithm_name((pg_algorithm)a)) == 0) algo = (pg_algorithm)a;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", seed, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, algo, env, 64, 2, &agent);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_NUM_THREADS, 2);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 20000);
  if (st == PG_OK) st = pg_agent_train(agent, env, 1000000, progress, NULL);
  double mean = 0.0;
  if (st == PG_OK) st = pg_agent_evaluate(agent, env, 100, 1, &mean, NULL);
  if (st == PG_OK)
    printf("%s: greedy evaluation (100 episodes): %.1f\n", pg_algorithm_name(algo), mean);
  else
    fprintf(stderr, "a3c_cartpole: %s\n", pg_ctx_last_error(ctx));
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
