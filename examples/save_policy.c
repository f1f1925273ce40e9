/* Trains PAAC (32 environments, t_max 5; as examples/demo.c) on the built-in CartPole-v1, then saves the
** acting part of its network as a policy checkpoint (play it with
** examples/play_policy.c).
** usage: save_policy [file (cartpole.pgck)] [steps (1000000)] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "cartpole.pgck";
  long steps = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_policy *policy = NULL;
  double mean = 0.0;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 128, 1, &agent);
  if (st == PG_OK) st = pg_agent_train(agent, env, steps, NULL, NULL);
  if (st == PG_OK) st = pg_agent_evaluate(agent, env, 10, 1, &mean, NULL);
  if (st == PG_OK) st = pg_policy_from_agent(agent, &policy); /* a copy of the acting part */
  if (st == PG_OK) st = pg_policy_save_file(policy, path);
  if (st != PG_OK) {
    fprintf(stderr, "save_policy: %s\n", pg_ctx_last_error(ctx));
  } else {
    printf("trained %ld steps, greedy mean return %.1f; saved %s\n", steps, mean, path);
  }
  pg_policy_destroy(policy);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
