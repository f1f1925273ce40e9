#define _POSIX_C_SOURCE 200809L
/* Agent checkpoints written by libpolicygrad 0.1.0 (tests/data/fixtures-0.1.0,
** made by make_agent_fixtures.c there before the agents were restructured) still
** load: algorithm, the parameters the caller had set, counters and the
** optimizer state come back, the agent trains on from there, and a checkpoint
** of the loaded agent loads again. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixture folder: PG_FIXTURE_DIR, else next to this source file. */
static void fixture_path(const char *algo, char *out, size_t cap) {
  const char *dir = getenv("PG_FIXTURE_DIR");
  char here[512];
  if (!dir) {
    snprintf(here, sizeof here, "%s", __FILE__);
    char *slash = strrchr(here, '/');
    if (slash) *slash = '\0';
    else snprintf(here, sizeof here, ".");
    size_t len = strlen(here);
    snprintf(here + len, sizeof here - len, "/data/fixtures-0.1.0");
    dir = here;
  }
  snprintf(out, cap, "%s/agent-%s.pgck", dir, algo);
}

static const pg_algorithm ALGOS[] = {PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE,
                                     PG_ALGO_ACTOR_CRITIC, PG_ALGO_PAAC};

static double param(pg_agent *a, pg_param p) {
  double v = -1.0;
  ck_assert_int_eq(pg_agent_get_param(a, p, &v), PG_OK);
  return v;
}

static double stat(pg_agent *a, pg_stat s) {
  double v = -1.0;
  ck_assert_int_eq(pg_agent_get_stat(a, s, &v), PG_OK);
  return v;
}

START_TEST(test_load_and_continue) {
  pg_algorithm algo = ALGOS[_i];
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  char path[600];
  fixture_path(pg_algorithm_name(algo), path, sizeof path);
  pg_agent *a = NULL;
  pg_status st = pg_agent_load_file(ctx, path, &a);
  ck_assert_msg(st == PG_OK, "%s: %s", path, pg_ctx_last_error(ctx));
  /* what make_agent_fixtures.c set */
  ck_assert_double_eq(param(a, PG_PARAM_GAMMA), 0.98);
  ck_assert_double_eq(param(a, PG_PARAM_SEED), 11.0);
  ck_assert_double_eq(param(a, PG_PARAM_CLIP_NORM), 5.0);
  double kind = algo == PG_ALGO_REINFORCE_BASELINE ? PG_OPTIM_RMSPROP
                : algo == PG_ALGO_ACTOR_CRITIC     ? PG_OPTIM_SGD
                : algo == PG_ALGO_PAAC             ? PG_OPTIM_RMSPROP
                                                   : PG_OPTIM_ADAM;
  ck_assert_double_eq(param(a, PG_PARAM_OPTIMIZER), kind);
  if (algo == PG_ALGO_PAAC) {
    ck_assert_double_eq(param(a, PG_PARAM_NUM_ENVS), 4.0);
    /* PAAC's lr follows num_envs unless the caller set it */
    ck_assert_double_eq(param(a, PG_PARAM_LR), 0.0007 * 4);
  }
  double steps = stat(a, PG_STAT_TOTAL_STEPS);
  ck_assert(steps >= 1000.0);
  ck_assert(stat(a, PG_STAT_UPDATES) >= 1.0);
  ck_assert(stat(a, PG_STAT_EPISODES) >= 1.0);

  /* trains on from the loaded state */
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  st = pg_agent_train(a, env, 2000, NULL, NULL);
  ck_assert_msg(st == PG_OK, "train: %s", pg_ctx_last_error(ctx));
  ck_assert(stat(a, PG_STAT_TOTAL_STEPS) >= steps + 2000.0);

  /* and saves in the current format, which loads again */
  size_t size = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_OK);
  void *buf = malloc(size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, size, &size), PG_OK);
  pg_agent *b = NULL;
  st = pg_agent_load_memory(ctx, buf, size, &b);
  ck_assert_msg(st == PG_OK, "reload: %s", pg_ctx_last_error(ctx));
  ck_assert_double_eq(param(b, PG_PARAM_GAMMA), 0.98);
  ck_assert_double_eq(stat(b, PG_STAT_TOTAL_STEPS), stat(a, PG_STAT_TOTAL_STEPS));
  /* user-set parameters stay user-set: changing num_envs leaves PAAC's lr */
  if (algo == PG_ALGO_PAAC) {
    ck_assert_int_eq(pg_agent_set_param(b, PG_PARAM_LR, 0.01), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(b, PG_PARAM_NUM_ENVS, 8), PG_OK);
    ck_assert_double_eq(param(b, PG_PARAM_LR), 0.01);
  }
  free(buf);
  pg_agent_destroy(b);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("agent_compat");
  TCase *tc = tcase_create("fixtures-0.1.0");
  tcase_add_loop_test(tc, test_load_and_continue, 0, (int)(sizeof ALGOS / sizeof *ALGOS));
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
