/* Trains REINFORCE, REINFORCE with baseline and one-step actor-critic on
** CartPole-v1 with the library-driven loop, printing one progress line per
** report, until the mean of the last 100 episodes reaches 475 (or a budget
** of 400k steps), then evaluates greedily.
**
** usage: cartpole [seed] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

static int progress(void *user, pg_agent *agent) {
  const char *name = user;
  double steps, episodes, mean, sps;
  pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(agent, PG_STAT_EPISODES, &episodes);
  pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean);
  pg_agent_get_stat(agent, PG_STAT_STEPS_PER_SECOND, &sps);
  printf("%-18s steps %7.0f  episodes %5.0f  mean return (last 100) %6.1f  %8.0f steps/s\n",
         name, steps, episodes, mean, sps);
  fflush(stdout);
  return episodes >= 100 && mean >= 475.0;
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  const pg_algorithm algos[3] = {PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE,
                                 PG_ALGO_ACTOR_CRITIC};
  int failures = 0;
  for (int i = 0; i < 3; i++) {
    pg_ctx *ctx = NULL;
    pg_env *env = NULL;
    pg_agent *agent = NULL;
    const char *name = pg_algorithm_name(algos[i]);
    pg_status st = pg_ctx_create(NULL, NULL, &ctx);
    if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
    if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", seed, &env);
    if (st == PG_OK) st = pg_agent_create_for_env(ctx, algos[i], env, 64, 1, &agent);
    if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 20000);
    if (st == PG_OK) st = pg_agent_train(agent, env, 400000, progress, (void *)name);
    double mean = 0.0;
    if (st == PG_OK) st = pg_agent_evaluate(agent, env, 20, 1, &mean, NULL);
    if (st != PG_OK) {
      fprintf(stderr, "%s: %s\n", name, pg_ctx_last_error(ctx));
      failures++;
    } else {
      printf("%-18s greedy evaluation (20 episodes): %.1f\n", name, mean);
    }
    pg_agent_destroy(agent);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
  return failures ? 1 : 0;
}
