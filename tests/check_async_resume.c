#define _POSIX_C_SOURCE 200809L
/* Asynchronous agents save and resume: the shared parameters theta (and the
** value net), the shared optimizer's statistics, the counters, the
** statistics window, the Q methods' target network and exploration. With
** one worker thread training is deterministic, so an agent loaded from a
** mid-training checkpoint continues exactly as the original does; with two
** it resumes from the saved counters. Worker handles and agents with live
** workers are refused. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pg_agent *make(pg_ctx *ctx, pg_algorithm algo, int threads) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_THREADS, threads), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SEED, 21), PG_OK);
  if (algo != PG_ALGO_A3C)
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_TARGET_INTERVAL, 300), PG_OK);
  pg_env_destroy(env);
  return a;
}

static void train(pg_ctx *ctx, pg_agent *a, uint64_t env_seed, int64_t steps) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", env_seed, &env), PG_OK);
  pg_status st = pg_agent_train(a, env, steps, NULL, NULL);
  ck_assert_msg(st == PG_OK, "train: %s", pg_ctx_last_error(ctx));
  pg_env_destroy(env);
}

static unsigned char *save(pg_agent *a, size_t *size) {
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, *size, size), PG_OK);
  return buf;
}

static double stat(pg_agent *a, pg_stat s) {
  double v = -1.0;
  ck_assert_int_eq(pg_agent_get_stat(a, s, &v), PG_OK);
  return v;
}

static void assert_same_params(pg_agent *a, pg_agent *b, int which) {
  pg_net *x = NULL, *y = NULL;
  if (pg_agent_get_net(a, which, &x) != PG_OK) return;
  ck_assert_int_eq(pg_agent_get_net(b, which, &y), PG_OK);
  size_t n = 0, m = 0;
  ck_assert_int_eq(pg_net_param_count(x, &n), PG_OK);
  ck_assert_int_eq(pg_net_param_count(y, &m), PG_OK);
  ck_assert_uint_eq(n, m);
  float *px = malloc(n * sizeof *px), *py = malloc(n * sizeof *py);
  ck_assert_int_eq(pg_net_get_params(x, 0, n, px), PG_OK);
  ck_assert_int_eq(pg_net_get_params(y, 0, n, py), PG_OK);
  ck_assert_msg(memcmp(px, py, n * sizeof *px) == 0, "net %d differs after resume", which);
  free(px);
  free(py);
}

static const pg_algorithm EXACT[] = {PG_ALGO_A3C, PG_ALGO_ASYNC_ONE_STEP_Q,
                                     PG_ALGO_ASYNC_N_STEP_Q};

/* One worker: the loaded agent and the original continue identically. */
START_TEST(test_resume_exact) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make(ctx, EXACT[_i], 1);
  train(ctx, a, 5, 3000);
  size_t size = 0;
  unsigned char *buf = save(a, &size);
  pg_agent *b = NULL;
  pg_status st = pg_agent_load_memory(ctx, buf, size, &b);
  ck_assert_msg(st == PG_OK, "load: %s", pg_ctx_last_error(ctx));
  ck_assert_double_eq(stat(b, PG_STAT_TOTAL_STEPS), stat(a, PG_STAT_TOTAL_STEPS));
  ck_assert_double_eq(stat(b, PG_STAT_UPDATES), stat(a, PG_STAT_UPDATES));
  ck_assert_double_eq(stat(b, PG_STAT_EPISODES), stat(a, PG_STAT_EPISODES));
  ck_assert_double_eq(stat(b, PG_STAT_MEAN_RETURN_100), stat(a, PG_STAT_MEAN_RETURN_100));
  double v = 0.0;
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_SEED, &v), PG_OK);
  ck_assert_double_eq(v, 21.0);
  train(ctx, a, 9, 3000);
  train(ctx, b, 9, 3000);
  assert_same_params(a, b, 0);
  assert_same_params(a, b, 1);
  ck_assert_double_eq(stat(b, PG_STAT_TOTAL_STEPS), stat(a, PG_STAT_TOTAL_STEPS));
  ck_assert_double_eq(stat(b, PG_STAT_UPDATES), stat(a, PG_STAT_UPDATES));
  ck_assert_double_eq(stat(b, PG_STAT_MEAN_RETURN_100), stat(a, PG_STAT_MEAN_RETURN_100));
  /* the checkpoint of the continued copy is the original's, byte for byte */
  size_t sa = 0, sb = 0;
  unsigned char *ba = save(a, &sa), *bb = save(b, &sb);
  ck_assert_uint_eq(sa, sb);
  ck_assert(memcmp(ba, bb, sa) == 0);
  free(ba);
  free(bb);
  free(buf);
  pg_agent_destroy(a);
  pg_agent_destroy(b);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Two workers, through a file: training resumes from the saved counters. */
START_TEST(test_resume_threads_file) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make(ctx, PG_ALGO_A3C, 2);
  train(ctx, a, 5, 4000);
  char path[256];
  snprintf(path, sizeof path, "%s/pg_async_resume_%ld.pgck",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
  ck_assert_int_eq(pg_agent_save_file(a, path), PG_OK);
  pg_agent *b = NULL;
  pg_status st = pg_agent_load_file(ctx, path, &b);
  ck_assert_msg(st == PG_OK, "load: %s", pg_ctx_last_error(ctx));
  unlink(path);
  double steps = stat(a, PG_STAT_TOTAL_STEPS), updates = stat(a, PG_STAT_UPDATES);
  ck_assert_double_ge(steps, 4000.0);
  ck_assert_double_eq(stat(b, PG_STAT_TOTAL_STEPS), steps);
  ck_assert_double_eq(stat(b, PG_STAT_UPDATES), updates);
  double v = 0.0;
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_NUM_THREADS, &v), PG_OK);
  ck_assert_double_eq(v, 2.0);
  assert_same_params(a, b, 0);
  train(ctx, b, 6, 4000);
  ck_assert_double_ge(stat(b, PG_STAT_TOTAL_STEPS), steps + 4000.0);
  ck_assert_double_gt(stat(b, PG_STAT_UPDATES), updates);
  pg_agent_destroy(a);
  pg_agent_destroy(b);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_refused_states) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make(ctx, PG_ALGO_A3C, 1);
  pg_agent *w = NULL;
  ck_assert_int_eq(pg_agent_create_worker(a, &w), PG_OK);
  size_t size = 0;
  ck_assert_int_eq(pg_agent_save_memory(w, NULL, 0, &size), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "worker handles"));
  pg_agent_destroy(w);
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &size), PG_OK);
  pg_agent_destroy(a);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("async_resume");
  TCase *tc = tcase_create("resume");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_resume_exact, 0, (int)(sizeof EXACT / sizeof *EXACT));
  tcase_add_test(tc, test_resume_threads_file);
  tcase_add_test(tc, test_refused_states);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
