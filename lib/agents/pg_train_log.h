/*
** Training logs (train_log.c): one CSV row per progress report of
** pg_agent_train, to a caller's pg_log_fn or to a file.
**
** The hook is one wrapper around the caller's progress callback, installed
** at pg_agent_train's entry (pg__train_log_begin) and undone after the
** algorithm's loop (pg__train_log_end), so the per-algorithm loops know
** nothing about logs. The state hangs off pg_agent.train_log (NULL = no
** log) and is freed by pg__train_log_free from pg_agent_destroy.
*/
#ifndef PG_TRAIN_LOG_H
#define PG_TRAIN_LOG_H

#include "agents/pg_agent_internal.h"

/* One pg_agent_train call's view of the log (on the caller's stack). */
typedef struct pg__train_log_run {
  struct pg__train_log *log; /* NULL: the agent does not log */
  pg_progress_fn progress;   /* the caller's callback and user pointer */
  void *user;
  int sink_rc;               /* non-zero: the sink stopped training */
  uint64_t stop_step;        /* total steps at that row */
} pg__train_log_run;

/* At pg_agent_train's entry: when the agent logs, replaces *progress and
** *user by the logging wrapper (which writes a row, then calls the
** caller's callback) and marks the log busy. Never fails. */
void pg__train_log_begin(pg_agent *a, pg__train_log_run *run, pg_progress_fn *progress,
                         void **user);

/* After the algorithm's loop: st, or PG_ERR_CALLBACK / PG_ERR_IO (with the
** message recorded) when the log's sink stopped training. */
pg_status pg__train_log_end(pg_agent *a, pg__train_log_run *run, pg_status st);

/* pg_agent_destroy: closes the file and frees the state. */
void pg__train_log_free(pg_agent *a);

/* White-box (tests): rewrites, in place, a number printed by snprintf in
** any locale into the C locale's form: every run of bytes other than
** digits, signs, 'e' and the letters of "nan"/"inf" (the locale's
** decimal point, possibly several bytes) becomes one '.'. */
void pg__train_log_c_number(char *s);

#endif /* PG_TRAIN_LOG_H */
