#define _POSIX_C_SOURCE 200809L
/* The parameter registry without a handle: pg_param_get_bounds,
** pg_param_get_default and pg_param_component agree, for every algorithm
** and every parameter, with what an agent of that algorithm reports
** (pg_agent_param_bounds, pg_agent_get_param, PG_ERR_UNSUPPORTED). */
#include "testutil.h"

#include <string.h>

static const pg_algorithm ALGOS[] = {PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE,
                                     PG_ALGO_ACTOR_CRITIC, PG_ALGO_PAAC, PG_ALGO_A3C,
                                     PG_ALGO_ASYNC_ONE_STEP_Q, PG_ALGO_ASYNC_ONE_STEP_SARSA,
                                     PG_ALGO_ASYNC_N_STEP_Q};

START_TEST(test_agrees_with_agents) {
  pg_algorithm algo = ALGOS[_i];
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 8, 1, &a), PG_OK);
  int used = 0;
  for (int p = 1; p < 64; p++) {
    const char *name = pg_param_name((pg_param)p);
    double lo = -1, hi = -1, alo = -2, ahi = -2, def = -1, cur = -2;
    pg_status st = pg_param_get_bounds(algo, (pg_param)p, &lo, &hi);
    pg_status ast = pg_agent_param_bounds(a, (pg_param)p, &alo, &ahi);
    pg_status dst = pg_param_get_default(algo, (pg_param)p, &def);
    if (!name) {
      ck_assert_int_eq(st, PG_ERR_INVALID_ARG);
      ck_assert_int_eq(dst, PG_ERR_INVALID_ARG);
      ck_assert_ptr_null(pg_param_component((pg_param)p));
      continue;
    }
    ck_assert_ptr_nonnull(pg_param_component((pg_param)p));
    ck_assert_msg(st == ast, "%s / %s: %d vs agent %d", pg_algorithm_name(algo), name, st, ast);
    ck_assert_int_eq(dst, st);
    if (st != PG_OK) {
      ck_assert_int_eq(st, PG_ERR_UNSUPPORTED);
      continue;
    }
    used++;
    ck_assert_double_eq(lo, alo);
    ck_assert_double_eq(hi, ahi);
    ck_assert(lo <= def && def <= hi);
    ck_assert_int_eq(pg_agent_get_param(a, (pg_param)p, &cur), PG_OK);
    if (p != PG_PARAM_SEED) ck_assert_msg(def == cur, "%s / %s: default %g, agent %g",
                                          pg_algorithm_name(algo), name, def, cur);
  }
  ck_assert_int_ge(used, 12);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_bad_arguments) {
  double lo, hi, v;
  ck_assert_int_eq(pg_param_get_bounds(PG_ALGO_PAAC, PG_PARAM_GAMMA, NULL, &hi), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_bounds(PG_ALGO_PAAC, PG_PARAM_GAMMA, &lo, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_bounds((pg_algorithm)0, PG_PARAM_GAMMA, &lo, &hi),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_bounds((pg_algorithm)99, PG_PARAM_GAMMA, &lo, &hi),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_default(PG_ALGO_PAAC, PG_PARAM_GAMMA, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_default(PG_ALGO_PAAC, (pg_param)19, &v), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_param_get_bounds(PG_ALGO_ACTOR_CRITIC, PG_PARAM_T_MAX, &lo, &hi), PG_OK);
  ck_assert_double_eq(lo, 1.0);
  ck_assert_double_eq(hi, 1.0); /* one-step: narrower than the registry's [1, 4096] */
  ck_assert_int_eq(pg_param_get_default(PG_ALGO_PAAC, PG_PARAM_LR, &v), PG_OK);
  ck_assert_double_eq(v, 0.00015625 * 32);
  ck_assert_int_eq(pg_param_get_default(PG_ALGO_REINFORCE, PG_PARAM_OPTIM_EPSILON, &v), PG_OK);
  ck_assert_double_eq(v, 1e-8); /* follows the default optimizer, Adam */
  ck_assert_int_eq(pg_param_get_bounds(PG_ALGO_REINFORCE, PG_PARAM_HOGWILD, &lo, &hi),
                   PG_ERR_UNSUPPORTED);
  ck_assert_str_eq(pg_param_component(PG_PARAM_LR), "optimizer");
  ck_assert_str_eq(pg_param_component(PG_PARAM_GAMMA), "returns");
  ck_assert_str_eq(pg_param_component(PG_PARAM_ENTROPY_BETA), "loss");
  ck_assert_ptr_null(pg_param_component((pg_param)0));
}
END_TEST

int main(void) {
  Suite *s = suite_create("param_registry");
  TCase *tc = tcase_create("registry");
  tcase_add_loop_test(tc, test_agrees_with_agents, 0, (int)(sizeof ALGOS / sizeof *ALGOS));
  tcase_add_test(tc, test_bad_arguments);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
