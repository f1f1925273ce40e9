/* Writes the agent checkpoints of this folder: one small agent per
** algorithm that 0.1.0 could save, trained briefly on CartPole-v1 with a
** few parameters set by the caller, so that their user-set bits and the
** optimizer state (Adam, RMSProp, SGD with momentum-free state) are in the
** file. The committed files were written by libpolicygrad 0.1.0 (commit
** 6d1f0f5, before the agents' restructuring); tests/check_agent_compat.c
** loads them and trains on. Not built by CMake: compile it by hand against
** a build tree, e.g.
**   cc -Iinclude make_agent_fixtures.c -Lbuild/ -lpolicygrad -o make_agent_fixtures
**   ./make_agent_fixtures tests/data/fixtures-0.1.0 */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                            \
  do {                                                                      \
    if ((x) != PG_OK) {                                                     \
      fprintf(stderr, "%s: %s\n", #x, pg_ctx_last_error(ctx));              \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

static void fixture(pg_ctx *ctx, const char *dir, pg_algorithm algo, const char *params,
                    long steps) {
  pg_env *env = NULL;
  pg_agent *a = NULL;
  CHECK(pg_env_create_builtin(ctx, "CartPole-v1", 7, &env));
  CHECK(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a));
  CHECK(pg_agent_set_param(a, PG_PARAM_SEED, 11));
  CHECK(pg_agent_set_param(a, PG_PARAM_GAMMA, 0.98));
  if (params[0] == 'r') CHECK(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_RMSPROP));
  if (params[0] == 's') CHECK(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD));
  if (params[0] == 'p') CHECK(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4));
  CHECK(pg_agent_set_param(a, PG_PARAM_CLIP_NORM, 5.0));
  CHECK(pg_agent_train(a, env, steps, NULL, NULL));
  char path[512];
  snprintf(path, sizeof path, "%s/agent-%s.pgck", dir, pg_algorithm_name(algo));
  CHECK(pg_agent_save_file(a, path));
  printf("%s\n", path);
  pg_agent_destroy(a);
  pg_env_destroy(env);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  fixture(ctx, dir, PG_ALGO_REINFORCE, "adam", 3000);
  fixture(ctx, dir, PG_ALGO_REINFORCE_BASELINE, "rmsprop", 3000);
  fixture(ctx, dir, PG_ALGO_ACTOR_CRITIC, "sgd", 1000);
  fixture(ctx, dir, PG_ALGO_PAAC, "paac", 4000);
  pg_ctx_destroy(ctx);
  return 0;
}
