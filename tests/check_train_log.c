/* Training logs (pg_agent_set_log_callback / pg_agent_set_log_file): the
** header and one row per report with the figures of pg_agent_get_stat,
** empty fields where a figure does not apply, every algorithm family
** (including the threaded A3C), a sink that stops training, bad paths and
** arguments, allocation failures, no allocation per row, rows on disk as
** they are written, locale-independent numbers. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include "testutil_io.h"

#include "agents/pg_train_log.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { FIELDS = 10, MAX_LINES = 4096 };

static const char *HEADER =
    "steps,episodes,mean_return_100,last_return,policy_loss,value_loss,entropy,"
    "learning_rate,steps_per_second,wall_seconds\n";

/* A pg_log_fn that keeps the lines (and can fail at a given line). */
typedef struct lines {
  char *text[MAX_LINES];
  int n;
  int fail_at; /* 1-based line whose call returns fail_rc; 0 = never */
  int fail_rc;
  int bad_len; /* a line whose len or NUL terminator is wrong */
} lines;

static int keep_line(void *user, const char *line, size_t len) {
  lines *L = user;
  if (strlen(line) != len || len == 0 || line[len - 1] != '\n') L->bad_len++;
  if (L->n + 1 == L->fail_at) {
    L->n++;
    return L->fail_rc;
  }
  ck_assert_int_lt(L->n, MAX_LINES);
  L->text[L->n++] = strdup(line);
  return 0;
}

static void lines_free(lines *L) {
  for (int i = 0; i < L->n; i++) free(L->text[i]);
  L->n = 0;
}

/* Splits a row (ending in '\n') at commas into f[FIELDS]; returns the count. */
static int split(const char *row, char f[][48]) {
  int n = 0;
  size_t k = 0;
  for (const char *p = row; *p; p++) {
    if (*p == ',' || *p == '\n') {
      if (n < FIELDS) f[n][k] = '\0';
      n++;
      k = 0;
    } else if (n < FIELDS && k < 47) {
      f[n][k++] = *p;
    }
  }
  return n;
}

static double stat(pg_agent *a, pg_stat s) {
  double v = -1.0;
  ck_assert_int_eq(pg_agent_get_stat(a, s, &v), PG_OK);
  return v;
}

/* A field equals the statistic to %.9g precision, or is empty. */
static void field_is(const char *field, double want, int applies) {
  if (!applies) {
    ck_assert_msg(field[0] == '\0', "field '%s' should be empty", field);
    return;
  }
  ck_assert_msg(field[0] != '\0', "field empty, expected %.9g", want);
  char *end = NULL;
  double got = strtod(field, &end);
  ck_assert_msg(*end == '\0', "field '%s' is not a number", field);
  ck_assert_msg(fabs(got - want) <= 1e-8 * fmax(1.0, fabs(want)), "field '%s' != %.17g", field,
                want);
}

/* The progress callback: the row just written matches the statistics. */
typedef struct checker {
  lines *log;
  int calls;
  pg_algorithm algo;
  const char *path; /* also: the file holds header + every row so far */
} checker;

static int file_lines(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  int n = 0, c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

static int check_row(void *user, pg_agent *a) {
  checker *c = user;
  c->calls++;
  if (c->path) ck_assert_int_eq(file_lines(c->path), 1 + c->calls);
  if (!c->log) return 0;
  ck_assert_int_eq(c->log->n, 1 + c->calls);
  char f[FIELDS][48];
  ck_assert_int_eq(split(c->log->text[c->log->n - 1], f), FIELDS);
  int episodes = stat(a, PG_STAT_EPISODES) > 0, updated = stat(a, PG_STAT_UPDATES) > 0;
  int q = c->algo >= PG_ALGO_ASYNC_ONE_STEP_Q;
  field_is(f[0], stat(a, PG_STAT_TOTAL_STEPS), 1);
  field_is(f[1], stat(a, PG_STAT_EPISODES), 1);
  field_is(f[2], stat(a, PG_STAT_MEAN_RETURN_100), episodes);
  field_is(f[3], stat(a, PG_STAT_LAST_RETURN), episodes);
  field_is(f[4], stat(a, PG_STAT_POLICY_LOSS), updated && !q);
  field_is(f[5], stat(a, PG_STAT_VALUE_LOSS), updated && c->algo != PG_ALGO_REINFORCE);
  field_is(f[6], stat(a, PG_STAT_ENTROPY), updated && !q);
  field_is(f[7], stat(a, PG_STAT_LEARNING_RATE), 1);
  field_is(f[8], stat(a, PG_STAT_STEPS_PER_SECOND), 1);
  field_is(f[9], stat(a, PG_STAT_ELAPSED_SECONDS), 1);
  return 0;
}

/* A context (counting into `counter` when not NULL), CartPole-v1 and an
** agent of algo on it (16 units). */
static pg_agent *open_counted(pg_algorithm algo, pg_test_alloc *counter, pg_ctx **ctx,
                              pg_env **env) {
  if (counter) *ctx = pg_test_ctx(counter);
  else ck_assert_int_eq(pg_ctx_create(NULL, NULL, ctx), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(*ctx, "CartPole-v1", 1, env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(*ctx, algo, *env, 16, 1, &a), PG_OK);
  return a;
}

/* The same on a plain context, reporting every `interval` steps. */
static pg_agent *open_agent(pg_algorithm algo, double interval, pg_ctx **ctx, pg_env **env) {
  pg_agent *a = open_counted(algo, NULL, ctx, env);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, interval), PG_OK);
  return a;
}

static void close_agent(pg_agent *a, pg_env *env, pg_ctx *ctx) {
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

/* Every algorithm: header, one row per report, values of pg_agent_get_stat. */
START_TEST(test_rows_match_stats) {
  pg_algorithm algo = (pg_algorithm)(PG_ALGO_REINFORCE + _i);
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  /* REINFORCE reports every episode (interval 0), the others every 1000 steps */
  pg_agent *a = open_agent(algo, algo == PG_ALGO_REINFORCE ? 0 : 1000, &ctx, &env);
  int async = algo >= PG_ALGO_A3C;
  if (async) ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_THREADS, 2), PG_OK);
  lines L = {0};
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &L), PG_OK);
  ck_assert_int_eq(L.n, 1);
  ck_assert_str_eq(L.text[0], HEADER);
  checker c = {&L, 0, algo, NULL};
  ck_assert_int_eq(pg_agent_train(a, env, async ? 20000 : 6000, check_row, &c), PG_OK);
  /* async: worker 0 checks for a due report every 32 of its steps, and a
  ** report missed while it runs is not made up */
  ck_assert_int_ge(c.calls, 5);
  ck_assert_int_eq(L.n, 1 + c.calls);
  ck_assert_int_eq(L.bad_len, 0);
  /* steps increase from row to row */
  double prev = -1;
  for (int i = 1; i < L.n; i++) {
    double s = strtod(L.text[i], NULL);
    ck_assert(s > prev);
    prev = s;
  }
  /* without a progress callback the rows still come */
  int before = L.n;
  ck_assert_int_eq(pg_agent_train(a, env, async ? 10000 : 3000, NULL, NULL), PG_OK);
  ck_assert_int_gt(L.n, before);
  /* off: no more rows */
  ck_assert_int_eq(pg_agent_set_log_callback(a, NULL, NULL), PG_OK);
  before = L.n;
  ck_assert_int_eq(pg_agent_train(a, env, 3000, NULL, NULL), PG_OK);
  ck_assert_int_eq(L.n, before);
  lines_free(&L);
  close_agent(a, env, ctx);
}
END_TEST

/* Before the first episode / update the returns and losses are empty. */
START_TEST(test_empty_fields_early) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_REINFORCE_BASELINE, 1, &ctx, &env);
  lines L = {0};
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &L), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 2, NULL, NULL), PG_OK);
  ck_assert_int_eq(L.n, 3);
  /* steps 1, no episode, no update yet: only the rate, speed and time */
  ck_assert_msg(strncmp(L.text[1], "1,0,,,,,,", 9) == 0, "row: %s", L.text[1]);
  char f[FIELDS][48];
  ck_assert_int_eq(split(L.text[1], f), FIELDS);
  field_is(f[7], stat(a, PG_STAT_LEARNING_RATE), 1);
  lines_free(&L);
  close_agent(a, env, ctx);
}
END_TEST

static int stop_progress(void *user, pg_agent *a) {
  (void)a;
  (*(int *)user)++;
  return 0;
}

/* A non-zero return from the sink stops training with PG_ERR_CALLBACK. */
START_TEST(test_callback_stops_training) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_PAAC, 320, &ctx, &env);
  lines L = {.fail_at = 4, .fail_rc = 7}; /* header + 2 rows, then 7 */
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &L), PG_OK);
  int progress_calls = 0;
  ck_assert_int_eq(pg_agent_train(a, env, 100000, stop_progress, &progress_calls),
                   PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "log callback returned 7"));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_train"));
  ck_assert_int_eq(progress_calls, 2); /* not called for the refused row */
  double steps = stat(a, PG_STAT_TOTAL_STEPS);
  ck_assert(steps >= 960 && steps < 2000);
  /* the agent goes on training (the sink accepts again) */
  ck_assert_int_eq(pg_agent_train(a, env, 1000, NULL, NULL), PG_OK);
  ck_assert(stat(a, PG_STAT_TOTAL_STEPS) > steps);
  lines_free(&L);
  close_agent(a, env, ctx);
}
END_TEST

/* A refused header leaves the previous log in place. */
START_TEST(test_header_refused_keeps_log) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_ACTOR_CRITIC, 100, &ctx, &env);
  lines first = {0}, refusing = {.fail_at = 1, .fail_rc = -1};
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &first), PG_OK);
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &refusing), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "header"));
  ck_assert_int_eq(pg_agent_train(a, env, 500, NULL, NULL), PG_OK);
  ck_assert_int_eq(first.n, 6);
  ck_assert_int_eq(refusing.n, 1);
  lines_free(&first);
  close_agent(a, env, ctx);
}
END_TEST

/* Arguments: NULL agent, empty path, NULL = off, a worker handle. */
START_TEST(test_bad_arguments) {
  ck_assert_int_eq(pg_agent_set_log_callback(NULL, keep_line, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_set_log_file(NULL, "x.csv"), PG_ERR_INVALID_ARG);
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_A3C, 0, &ctx, &env);
  ck_assert_int_eq(pg_agent_set_log_file(a, ""), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "path is empty"));
  ck_assert_int_eq(pg_agent_set_log_file(a, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_set_log_callback(a, NULL, NULL), PG_OK);
  pg_agent *w = NULL;
  ck_assert_int_eq(pg_agent_create_worker(a, &w), PG_OK);
  ck_assert_int_eq(pg_agent_set_log_callback(w, keep_line, NULL), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_agent_last_error(w), "parent"));
  ck_assert_int_eq(pg_agent_set_log_file(w, "x.csv"), PG_ERR_UNSUPPORTED);
  pg_agent_destroy(w);
  close_agent(a, env, ctx);
}
END_TEST

/* A path that cannot be created: PG_ERR_IO naming it and the reason. */
START_TEST(test_bad_path) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_PAAC, 0, &ctx, &env);
  const char *missing = "/nonexistent-folder-of-pg/run.csv";
  ck_assert_int_eq(pg_agent_set_log_file(a, missing), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), missing));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), strerror(ENOENT)));
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "pg_log_dir");
  ck_assert_int_eq(pg_agent_set_log_file(a, dir), PG_ERR_IO); /* a folder */
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), dir));
  ck_assert_int_eq(pg_test_count_entries(dir), 0);
  /* the agent has no log and trains */
  ck_assert_int_eq(pg_agent_train(a, env, 500, NULL, NULL), PG_OK);
  ck_assert_int_eq(rmdir(dir), 0);
  close_agent(a, env, ctx);
}
END_TEST

static int count_fds(void) { return pg_test_count_entries("/proc/self/fd"); }

/* A file log: truncated, header at once, rows on disk as they are written
** (checked from the progress callback), appended by a second run, closed
** when replaced and at destroy. A write error stops training (PG_ERR_IO). */
START_TEST(test_file_log) {
  char dir[256], path[300], other[300];
  pg_test_make_tmpdir(dir, sizeof dir, "pg_log");
  snprintf(path, sizeof path, "%s/run.csv", dir);
  snprintf(other, sizeof other, "%s/other.csv", dir);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs("old contents\nmore\nand more\n", f);
  fclose(f);
  int fds0 = count_fds();
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_PAAC, 500, &ctx, &env);
  ck_assert_int_eq(pg_agent_set_log_file(a, path), PG_OK);
  ck_assert_int_eq(file_lines(path), 1);
  checker c = {NULL, 0, PG_ALGO_PAAC, path};
  ck_assert_int_eq(pg_agent_train(a, env, 5000, check_row, &c), PG_OK);
  ck_assert_int_ge(c.calls, 9);
  ck_assert_int_eq(file_lines(path), 1 + c.calls);
  ck_assert_int_eq(pg_agent_train(a, env, 1000, check_row, &c), PG_OK);
  ck_assert_int_eq(file_lines(path), 1 + c.calls);
  int rows = c.calls;
  /* replaced: the first file is closed and complete */
  ck_assert_int_eq(pg_agent_set_log_file(a, other), PG_OK);
  ck_assert_int_eq(count_fds(), fds0 + 1);
  f = fopen(path, "rb");
  char head[256];
  ck_assert_ptr_nonnull(fgets(head, sizeof head, f));
  fclose(f);
  ck_assert_str_eq(head, HEADER);
  ck_assert_int_eq(file_lines(path), 1 + rows);
  pg_agent_destroy(a);
  ck_assert_int_eq(count_fds(), fds0);
  ck_assert_int_eq(file_lines(other), 1);
  /* a full disk: /dev/full refuses every write, the header already */
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_log_file(a, "/dev/full"), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "/dev/full"));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), strerror(ENOSPC)));
  ck_assert_int_eq(count_fds(), fds0);
  /* a file that cannot grow past 200 bytes: the header and a row fit, then
  ** a write fails during training (this test runs in its own process) */
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit lim = {200, 200};
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 320), PG_OK);
  ck_assert_int_eq(pg_agent_set_log_file(a, path), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 100000, NULL, NULL), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "cannot write the training log"));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), path));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), strerror(EFBIG)));
  ck_assert(stat(a, PG_STAT_TOTAL_STEPS) < 2000);
  close_agent(a, env, ctx);
  ck_assert_int_eq(count_fds(), fds0);
  remove(path);
  remove(other);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static int change_log_inside(void *user, pg_agent *a) {
  pg_status *st = user;
  st[0] = pg_agent_set_log_file(a, NULL);
  st[1] = pg_agent_set_log_callback(a, keep_line, NULL);
  return 1;
}

/* The log cannot change under a pg_agent_train that writes it. */
START_TEST(test_busy_during_train) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_PAAC, 100, &ctx, &env);
  lines L = {0};
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &L), PG_OK);
  pg_status st[2] = {PG_OK, PG_OK};
  ck_assert_int_eq(pg_agent_train(a, env, 1000, change_log_inside, st), PG_OK);
  ck_assert_int_eq(st[0], PG_ERR_BAD_STATE);
  ck_assert_int_eq(st[1], PG_ERR_BAD_STATE);
  ck_assert_int_eq(L.n, 2);
  /* after the call the log can change again */
  ck_assert_int_eq(pg_agent_set_log_callback(a, NULL, NULL), PG_OK);
  lines_free(&L);
  close_agent(a, env, ctx);
}
END_TEST

static int ignore_line(void *user, const char *line, size_t len) {
  (void)user;
  (void)line;
  (void)len;
  return 0;
}

/* Every allocation of setting a log can fail cleanly. */
static pg_status log_op(pg_ctx *ctx, void *user) {
  const char *path = user;
  pg_env *env = NULL;
  pg_agent *a = NULL;
  pg_status st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 8, 1, &a);
  if (st == PG_OK) st = pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 64);
  if (st == PG_OK) st = pg_agent_set_log_callback(a, ignore_line, NULL);
  if (st == PG_OK) st = pg_agent_set_log_file(a, path);
  if (st == PG_OK) st = pg_agent_train(a, env, 256, NULL, NULL);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  return st;
}

START_TEST(test_every_alloc_fails) {
  char dir[256], path[300];
  pg_test_make_tmpdir(dir, sizeof dir, "pg_log_nomem");
  snprintf(path, sizeof path, "%s/run.csv", dir);
  ck_assert_int_gt(pg_test_every_alloc_fails(log_op, path), 5);
  ck_assert_int_eq(file_lines(path), 1 + 4);
  remove(path);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Training with a log makes exactly the allocations training without one
** makes, however many rows it writes. */
static long train_allocations(int log) {
  pg_test_alloc fa = {0};
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_counted(PG_ALGO_PAAC, &fa, &ctx, &env);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 32), PG_OK);
  if (log) ck_assert_int_eq(pg_agent_set_log_callback(a, ignore_line, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 320, NULL, NULL), PG_OK); /* set up */
  long before = fa.calls;
  ck_assert_int_eq(pg_agent_train(a, env, 20000, NULL, NULL), PG_OK);
  long made = fa.calls - before;
  close_agent(a, env, ctx);
  return made;
}

START_TEST(test_no_allocation_per_row) {
  ck_assert_int_eq(train_allocations(1), train_allocations(0));
}
END_TEST

/* Numbers use '.' whatever LC_NUMERIC says. */
START_TEST(test_c_numbers) {
  char s[4][32] = {"3,25", "-1\331\2535e-07" /* U+066B, the Arabic decimal point */, "nan", "-inf"};
  for (int i = 0; i < 4; i++) pg__train_log_c_number(s[i]);
  ck_assert_str_eq(s[0], "3.25");
  ck_assert_str_eq(s[1], "-1.5e-07");
  ck_assert_str_eq(s[2], "nan");
  ck_assert_str_eq(s[3], "-inf");
  /* end to end in a locale with a decimal comma: the machine's, or one
  ** compiled with localedef into a scratch folder (LOCPATH) */
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
  int have = 0;
  for (int i = 0; names[i] && !have; i++) have = setlocale(LC_NUMERIC, names[i]) != NULL;
  char dir[256], cmd[600];
  dir[0] = '\0';
  if (!have) {
    pg_test_make_tmpdir(dir, sizeof dir, "pg_log_locale");
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1", dir);
    if (system(cmd) == 0 && setenv("LOCPATH", dir, 1) == 0)
      have = setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL;
  }
  if (have) {
    char probe[16];
    snprintf(probe, sizeof probe, "%.2f", 0.5);
    ck_assert_str_eq(probe, "0,50"); /* the locale is really in effect */
  }
  if (dir[0]) {
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
  }
  if (!have) return; /* no such locale here: only the rewrite above is checked */
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *a = open_agent(PG_ALGO_PAAC, 500, &ctx, &env);
  lines L = {0};
  ck_assert_int_eq(pg_agent_set_log_callback(a, keep_line, &L), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 2000, NULL, NULL), PG_OK);
  setlocale(LC_NUMERIC, "C");
  char f[FIELDS][48];
  for (int i = 1; i < L.n; i++) {
    ck_assert_int_eq(split(L.text[i], f), FIELDS);
    ck_assert_ptr_nonnull(strchr(f[9], '.'));
  }
  lines_free(&L);
  close_agent(a, env, ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("train_log");
  TCase *tc = tcase_create("api");
  /* every algorithm: REINFORCE .. ASYNC_N_STEP_Q */
  tcase_add_loop_test(tc, test_rows_match_stats, 0, PG_ALGO_ASYNC_N_STEP_Q - PG_ALGO_REINFORCE + 1);
  tcase_add_test(tc, test_empty_fields_early);
  tcase_add_test(tc, test_callback_stops_training);
  tcase_add_test(tc, test_header_refused_keeps_log);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_bad_path);
  tcase_add_test(tc, test_file_log);
  tcase_add_test(tc, test_busy_during_train);
  tcase_add_test(tc, test_every_alloc_fails);
  tcase_add_test(tc, test_no_allocation_per_row);
  tcase_add_test(tc, test_c_numbers);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
