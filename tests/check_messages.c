/* The messages of a new user's first mistakes say what went wrong and what
** to do (pg_ctx_last_error), and the failing call changes nothing. */
#include "testutil.h"

#include <string.h>

/* A host game of 4 observation floats and 2 actions that ends after 3
** steps, without a factory (no create callback). */
static int game_reset(void *user, uint64_t seed, float *obs) {
  (void)user;
  (void)seed;
  memset(obs, 0, 4 * sizeof *obs);
  return 0;
}

static int game_step(void *user, const float *action, float *obs, float *reward,
                     int32_t *terminated, int32_t *truncated) {
  int *t = user;
  (void)action;
  (void)truncated;
  memset(obs, 0, 4 * sizeof *obs);
  *reward = 1.0f;
  *terminated = ++*t % 3 == 0;
  return 0;
}

static int game_steps;

static pg_env *host_game(pg_ctx *ctx) {
  pg_env_vtable vt = {sizeof vt, game_reset, game_step, NULL, NULL, NULL, NULL, NULL};
  pg_env *env = NULL;
  game_steps = 0;
  ck_assert_int_eq(pg_env_create(ctx, &vt, &game_steps, "mygame", 4, PG_ACTION_DISCRETE, 2, &env),
                   PG_OK);
  return env;
}

/* The last message contains every phrase of the NULL-terminated list. */
static void assert_says(pg_ctx *ctx, const char *const *phrases) {
  const char *msg = pg_ctx_last_error(ctx);
  for (; *phrases; phrases++)
    ck_assert_msg(strstr(msg, *phrases) != NULL, "message '%s' lacks '%s'", msg, *phrases);
}

/* A fresh context and a built-in task of it. */
static pg_ctx *ctx_with_builtin(const char *name, pg_env **env) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, name, 1, env), PG_OK);
  return ctx;
}

static pg_agent *agent_for(pg_ctx *ctx, pg_algorithm algo, const pg_env *env) {
  pg_agent *agent = NULL;
  ck_assert_msg(pg_agent_create_for_env(ctx, algo, env, 8, 1, &agent) == PG_OK, "%s",
                pg_ctx_last_error(ctx));
  return agent;
}

/* PAAC's 32 slots (and A3C's 2 workers) on a host env without a factory:
** the message names the parameter, the vtable member and the guide; after
** following its advice training works. */
START_TEST(test_many_instances_without_factory) {
  static const struct {
    pg_algorithm algo;
    pg_param param;
    const char *says[6];
  } cases[] = {
      {PG_ALGO_PAAC, PG_PARAM_NUM_ENVS,
       {"pg_agent_train: paac steps 32 environments at once", "'mygame' has no factory",
        "set PG_PARAM_NUM_ENVS to 1", "(pg_env_vtable.create)", "docs/ENVIRONMENTS.md", NULL}},
      {PG_ALGO_A3C, PG_PARAM_NUM_THREADS,
       {"pg_agent_train: a3c runs its workers on 2 environments", "'mygame' has no factory",
        "set PG_PARAM_NUM_THREADS to 1", "(pg_env_vtable.create)", "docs/ENVIRONMENTS.md", NULL}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pg_ctx *ctx = NULL;
    ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
    pg_env *env = host_game(ctx);
    pg_agent *agent = agent_for(ctx, cases[i].algo, env);
    ck_assert_int_eq(pg_agent_train(agent, env, 50, NULL, NULL), PG_ERR_UNSUPPORTED);
    assert_says(ctx, cases[i].says);
    ck_assert_int_eq(game_steps, 0); /* nothing ran */
    ck_assert_int_eq(pg_agent_set_param(agent, cases[i].param, 1), PG_OK);
    ck_assert_msg(pg_agent_train(agent, env, 50, NULL, NULL) == PG_OK, "%s",
                  pg_ctx_last_error(ctx));
    double steps = 0.0;
    ck_assert_int_eq(pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
    ck_assert(steps >= 45.0); /* async: a partial segment at the end is dropped */
    pg_agent_destroy(agent);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
}
END_TEST

/* An algorithm that cannot act in the environment's action space. */
START_TEST(test_q_learning_on_continuous_actions) {
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_ctx *ctx = ctx_with_builtin("Pendulum-v1", &env);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, env, 8, 1, &agent),
                   PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(agent);
  static const char *const says[] = {"pg_agent_create_for_env: the async Q methods",
                                     "discrete actions", "'Pendulum-v1' has continuous actions",
                                     "use PG_ALGO_A3C, PG_ALGO_PAAC", NULL};
  assert_says(ctx, says);
  ck_assert_ptr_null(strstr(pg_ctx_last_error(ctx), "pg_agent_create_for_env: pg_agent"));
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Training or evaluating on another environment than the agent's. */
START_TEST(test_other_environment) {
  pg_env *cartpole = NULL, *acrobot = NULL, *pendulum = NULL;
  pg_ctx *ctx = ctx_with_builtin("CartPole-v1", &cartpole);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Acrobot-v1", 1, &acrobot), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &pendulum), PG_OK);
  pg_agent *agent = agent_for(ctx, PG_ALGO_REINFORCE, cartpole);
  ck_assert_int_eq(pg_agent_train(agent, acrobot, 100, NULL, NULL), PG_ERR_SHAPE);
  static const char *const train_says[] = {
      "pg_agent_train: environment 'Acrobot-v1' has 6 observation floats and 3 discrete actions",
      "the agent was made for 4 observation floats and 2 discrete actions",
      "(pg_agent_create_for_env)", NULL};
  assert_says(ctx, train_says);
  ck_assert_int_eq(pg_agent_evaluate(agent, pendulum, 1, 1, NULL, NULL), PG_ERR_SHAPE);
  static const char *const eval_says[] = {
      "pg_agent_evaluate: environment 'Pendulum-v1' has 3 observation floats and a "
      "1-dimensional continuous action",
      NULL};
  assert_says(ctx, eval_says);
  double steps = -1.0;
  ck_assert_int_eq(pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
  ck_assert(steps == 0.0);
  pg_agent_destroy(agent);
  pg_env_destroy(cartpole);
  pg_env_destroy(acrobot);
  pg_env_destroy(pendulum);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Host-driven loop: one observation for PAAC's 32 slots; report first. */
START_TEST(test_host_loop_mistakes) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = host_game(ctx);
  pg_agent *agent = agent_for(ctx, PG_ALGO_PAAC, env);
  float obs[4] = {0}, action[1] = {0}, reward = 0.0f;
  int32_t term = 0, trunc = 0;
  ck_assert_int_eq(pg_agent_step(agent, obs, 4, NULL, 0, action, 1), PG_ERR_SHAPE);
  static const char *const step_says[] = {"pg_agent_step: obs_len is 4, expected 128 (32 slots x 4)",
                                          "one row per slot (PG_PARAM_NUM_ENVS",
                                          "set it to 1", "pg_agent_get_shape", NULL};
  assert_says(ctx, step_says);
  ck_assert_int_eq(pg_agent_report(agent, &reward, &term, &trunc, 1, obs, 4), PG_ERR_BAD_STATE);
  static const char *const report_says[] = {"pg_agent_report: no step to report",
                                            "call pg_agent_step first", NULL};
  assert_says(ctx, report_says);
  /* following the advice works */
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_step(agent, obs, 4, NULL, 0, action, 1), PG_OK);
  ck_assert_int_eq(pg_agent_report(agent, &reward, &term, &trunc, 1, obs, 4), PG_OK);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Names and numbers that do not exist, or that the algorithm does not use. */
START_TEST(test_unknown_names) {
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_ctx *ctx = ctx_with_builtin("CartPole-v1", &env);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, (pg_algorithm)42, env, 8, 1, &agent),
                   PG_ERR_INVALID_ARG);
  static const char *const algo_says[] = {
      "unknown algorithm 42", "(the algorithms: reinforce, reinforce_baseline, actor_critic, paac, "
      "a3c, async_one_step_q, async_one_step_sarsa, async_n_step_q, ppo)", NULL};
  assert_says(ctx, algo_says);
  agent = agent_for(ctx, PG_ALGO_REINFORCE, env);
  double lr_before = 0.0, lr_after = 0.0;
  ck_assert_int_eq(pg_agent_get_param(agent, PG_PARAM_LR, &lr_before), PG_OK);
  ck_assert_int_eq(pg_agent_set_param_by_name(agent, "learning_rate", 0.1), PG_ERR_INVALID_ARG);
  static const char *const name_says[] = {"unknown parameter name 'learning_rate'",
                                          "reinforce takes: gamma, lr, entropy_beta",
                                          "per_step_updates", NULL};
  assert_says(ctx, name_says);
  ck_assert_ptr_null(strstr(pg_ctx_last_error(ctx), "value_lr")); /* not REINFORCE's */
  ck_assert_int_eq(pg_agent_get_param(agent, PG_PARAM_LR, &lr_after), PG_OK);
  ck_assert(lr_after == lr_before);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_T_MAX, 5), PG_ERR_UNSUPPORTED);
  static const char *const param_says[] = {"reinforce does not use parameter 't_max'",
                                           "docs/AGENTS.md", NULL};
  assert_says(ctx, param_says);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

static Suite *messages_suite(void) {
  Suite *s = suite_create("messages");
  TCase *tc = tcase_create("first mistakes");
  tcase_add_test(tc, test_many_instances_without_factory);
  tcase_add_test(tc, test_q_learning_on_continuous_actions);
  tcase_add_test(tc, test_other_environment);
  tcase_add_test(tc, test_host_loop_mistakes);
  tcase_add_test(tc, test_unknown_names);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(messages_suite()); }
