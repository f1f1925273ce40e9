/* Training logs: pg_agent_set_log_callback, pg_agent_set_log_file and the
** progress-callback wrapper that writes one CSV row per report of
** pg_agent_train (see pg_train_log.h for how it is hooked in). Rows are
** formatted into a buffer of the log state, read through the public
** pg_agent_get_stat, and written by one write(2) each for files: nothing
** is allocated per row. */
#include "agents/pg_train_log.h"

#include "pg_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { LOG_LINE_MAX = 512 };

struct pg__train_log {
  pg_log_fn fn;   /* the sink: the caller's callback, or file_sink */
  void *user;
  int fd;         /* the file, or -1 */
  int err;        /* errno of the last failed write to the file */
  char *path;     /* owned copy for messages; NULL for a callback */
  bool busy;      /* a pg_agent_train is using this log */
  char line[LOG_LINE_MAX];
};

static const char LOG_HEADER[] =
    "steps,episodes,mean_return_100,last_return,policy_loss,value_loss,entropy,"
    "learning_rate,steps_per_second,wall_seconds\n";

/* ---- number formatting ----------------------------------------------------- */

void pg__train_log_c_number(char *s) {
  char *w = s;
  bool in_run = false;
  for (const char *r = s; *r; r++) {
    char c = *r;
    bool keep = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'n' ||
                c == 'a' || c == 'i' || c == 'f';
    if (keep) {
      *w++ = c;
      in_run = false;
    } else if (!in_run) {
      *w++ = '.';
      in_run = true;
    }
  }
  *w = '\0';
}

typedef struct row_writer {
  char *p, *end;
} row_writer;

static void put_text(row_writer *w, const char *text) {
  size_t n = strlen(text);
  if (n > (size_t)(w->end - w->p)) n = (size_t)(w->end - w->p);
  memcpy(w->p, text, n);
  w->p += n;
}

/* One field and its separator; applies = false leaves the field empty. */
static void put_number(row_writer *w, double v, bool integer, bool applies, bool last) {
  char num[48] = "";
  if (applies) {
    if (integer)
      snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    else
      snprintf(num, sizeof num, "%.9g", v);
    pg__train_log_c_number(num); /* snprintf follows LC_NUMERIC */
  }
  put_text(w, num);
  put_text(w, last ? "\n" : ",");
}

static double stat_of(pg_agent *a, pg_stat s) {
  double v = 0.0;
  (void)pg_agent_get_stat(a, s, &v);
  return v;
}

/* The row of the agent's statistics now; returns its length. */
static size_t format_row(pg_agent *a, char *line, size_t cap) {
  row_writer w = {line, line + cap - 1}; /* room for the NUL */
  bool q = (a->ops->traits & PG__TRAIT_Q_HEAD) != 0;
  bool episodes = stat_of(a, PG_STAT_EPISODES) > 0.0;
  bool updated = stat_of(a, PG_STAT_UPDATES) > 0.0;
  put_number(&w, stat_of(a, PG_STAT_TOTAL_STEPS), true, true, false);
  put_number(&w, stat_of(a, PG_STAT_EPISODES), true, true, false);
  put_number(&w, stat_of(a, PG_STAT_MEAN_RETURN_100), false, episodes, false);
  put_number(&w, stat_of(a, PG_STAT_LAST_RETURN), false, episodes, false);
  put_number(&w, stat_of(a, PG_STAT_POLICY_LOSS), false, updated && !q, false);
  put_number(&w, stat_of(a, PG_STAT_VALUE_LOSS), false,
             updated && a->algorithm != PG_ALGO_REINFORCE, false);
  put_number(&w, stat_of(a, PG_STAT_ENTROPY), false, updated && !q, false);
  put_number(&w, stat_of(a, PG_STAT_LEARNING_RATE), false, true, false);
  put_number(&w, stat_of(a, PG_STAT_STEPS_PER_SECOND), false, true, false);
  put_number(&w, stat_of(a, PG_STAT_ELAPSED_SECONDS), false, true, true);
  *w.p = '\0';
  return (size_t)(w.p - line);
}

/* ---- the state ----------------------------------------------------------- */

static void log_free(pg_ctx *ctx, struct pg__train_log *L) {
  if (!L) return;
  if (L->fd >= 0) (void)close(L->fd);
  pg__free(ctx, L->path);
  pg__free(ctx, L);
}

/* Makes L (NULL = none) the agent's log and frees the previous one. */
static void log_install(pg_agent *a, struct pg__train_log *L) {
  struct pg__train_log *old = a->train_log;
  a->train_log = L;
  log_free(a->ctx, old);
}

static struct pg__train_log *log_new(pg_ctx *ctx) {
  struct pg__train_log *L = pg__calloc(ctx, 1, sizeof *L);
  if (L) L->fd = -1;
  return L;
}

/* Passes the header line to the new log's sink. */
static int write_header(struct pg__train_log *L) {
  memcpy(L->line, LOG_HEADER, sizeof LOG_HEADER);
  return L->fn(L->user, L->line, sizeof LOG_HEADER - 1);
}

static int file_sink(void *user, const char *line, size_t len) {
  struct pg__train_log *L = user;
  if (pg__fd_write_all(L->fd, line, len) == 0) return 0;
  L->err = errno ? errno : EIO;
  return -1;
}

static bool is_worker(pg_agent *a) {
  return a->root != a;
}

/* The start of both setters: may the agent's log change now? off (a NULL
** fn or path) turns logging off. *done: the call has nothing left to do. */
static pg_status setter_start(pg_agent *a, const char *fn, bool off, bool *done) {
  *done = true;
  if (is_worker(a))
    return pg__fail(a->ctx, PG_ERR_UNSUPPORTED,
                    "%s: a worker handle does not train: set the log on its parent agent "
                    "(whose rows count every worker's steps)", fn);
  if (a->train_log && a->train_log->busy)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: pg_agent_train is writing this log: change it after that call returns",
                    fn);
  if (off) log_install(a, NULL);
  *done = off;
  return PG_OK;
}

pg_status pg_agent_set_log_callback(pg_agent *agent, pg_log_fn fn, void *user) {
  static const char *fname = "pg_agent_set_log_callback";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = agent->ctx;
  bool done;
  pg_status st = setter_start(agent, fname, !fn, &done);
  if (done) return st;
  struct pg__train_log *L = log_new(ctx);
  if (!L) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fname);
  L->fn = fn;
  L->user = user;
  int rc = write_header(L);
  if (rc != 0) {
    log_free(ctx, L);
    return pg__fail(ctx, PG_ERR_CALLBACK,
                    "%s: the log callback returned %d for the header line; the log is unchanged",
                    fname, rc);
  }
  log_install(agent, L);
  return PG_OK;
}

pg_status pg_agent_set_log_file(pg_agent *agent, const char *path) {
  static const char *fname = "pg_agent_set_log_file";
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = agent->ctx;
  bool done;
  pg_status st = setter_start(agent, fname, !path, &done);
  if (done) return st;
  if (!path[0]) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: path is empty", fname);
  struct pg__train_log *L = log_new(ctx);
  size_t n = strlen(path) + 1;
  if (L) L->path = pg__malloc(ctx, n);
  if (!L || !L->path) {
    log_free(ctx, L);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fname);
  }
  memcpy(L->path, path, n);
  L->fn = file_sink;
  L->user = L;
  char msg[128];
  L->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (L->fd < 0) {
    pg__errno_text(errno, msg, sizeof msg);
    log_free(ctx, L);
    return pg__fail(ctx, PG_ERR_IO, "%s: cannot create '%s': %s; the log is unchanged", fname,
                    path, msg);
  }
  if (write_header(L) != 0) {
    pg__errno_text(L->err, msg, sizeof msg);
    log_free(ctx, L);
    return pg__fail(ctx, PG_ERR_IO, "%s: cannot write to '%s': %s; the log is unchanged", fname,
                    path, msg);
  }
  log_install(agent, L);
  return PG_OK;
}

void pg__train_log_free(pg_agent *a) { log_install(a, NULL); }

/* ---- the hook in pg_agent_train ------------------------------------------- */

static int log_progress(void *user, pg_agent *agent) {
  pg__train_log_run *run = user;
  struct pg__train_log *L = run->log;
  size_t len = format_row(agent, L->line, sizeof L->line);
  int rc = L->fn(L->user, L->line, len);
  if (rc != 0) {
    run->sink_rc = rc;
    run->stop_step = agent->total_steps;
    return 1;
  }
  return run->progress ? run->progress(run->user, agent) : 0;
}

void pg__train_log_begin(pg_agent *a, pg__train_log_run *run, pg_progress_fn *progress,
                         void **user) {
  run->log = a->train_log;
  run->progress = *progress;
  run->user = *user;
  run->sink_rc = 0;
  run->stop_step = 0;
  if (!run->log) return;
  run->log->busy = true;
  *progress = log_progress;
  *user = run;
}

pg_status pg__train_log_end(pg_agent *a, pg__train_log_run *run, pg_status st) {
  struct pg__train_log *L = run->log;
  if (!L) return st;
  L->busy = false;
  if (run->sink_rc == 0 || st != PG_OK) return st;
  unsigned long long step = (unsigned long long)run->stop_step;
  if (L->path) {
    char msg[128];
    pg__errno_text(L->err, msg, sizeof msg);
    return pg__fail(a->ctx, PG_ERR_IO,
                    "pg_agent_train: cannot write the training log '%s': %s; training stopped "
                    "at step %llu", L->path, msg, step);
  }
  return pg__fail(a->ctx, PG_ERR_CALLBACK,
                  "pg_agent_train: the log callback returned %d; training stopped at step %llu",
                  run->sink_rc, step);
}
