/* The README's headline demo: PAAC (n_e = 32 CartPole-v1 instances, t_max =
** 5, a 4-128 tanh trunk with policy and value heads, RMSProp) learns
** CartPole-v1, printing one progress line per report, then plays 20
** episodes greedily. Exits 0 when the evaluation reaches 475.
**
** usage: demo [seed] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

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
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", seed, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 128, 1, &agent);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 20000);
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
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK && mean >= 475.0 ? 0 : 1;
}
