/* Built outside the source tree against an installed libpolicygrad: checks
** that header and library agree, then trains a few steps on CartPole-v1. */
#include <policygrad.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (pg_version_number() != PG_VERSION_NUMBER ||
      strcmp(pg_version_string(), PG_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", PG_VERSION_STRING, pg_version_string());
    return 1;
  }
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  double steps = 0.0, episodes = 0.0;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE_BASELINE, env, 16, 1, &agent);
  if (st == PG_OK) st = pg_agent_train(agent, env, 2000, NULL, NULL);
  if (st == PG_OK) st = pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps);
  if (st == PG_OK) st = pg_agent_get_stat(agent, PG_STAT_EPISODES, &episodes);
  if (st != PG_OK) fprintf(stderr, "error: %s\n", ctx ? pg_ctx_last_error(ctx) : "no context");
  else printf("libpolicygrad %s linked: CartPole-v1, %.0f steps, %.0f episodes\n",
              pg_version_string(), steps, episodes);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK && steps >= 2000.0 && episodes >= 1.0 ? 0 : 1;
}
