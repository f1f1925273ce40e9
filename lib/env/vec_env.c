/* pg_vec_env: n instances stepped together with same-step auto-reset, on the
** caller's thread plus a pool of persistent worker threads. Results do not
** depend on the number of threads, nor on which thread steps an instance:
** every instance only touches its own rows, and each instance is called on
** one thread at a time (jobs never overlap).
**
** The hand-off (docs/PERFORMANCE.md, "Environments"):
** - Two ways to run a job: the caller steps every instance itself
**   ("inline"), or worker t steps its fixed range of instances while the
**   caller steps the first ("parallel"). The vec env times both on the
**   wall clock (a running average of each) and uses the faster: for 32
**   CartPole steps (about 2 us) handing half to another core costs more
**   than it saves, and on a machine with no idle core every hand-off waits
**   for the scheduler. It re-tries the other way now and then (PROBE_JOBS
**   jobs every `probe_every` jobs, which doubles, up to PROBE_MAX, each
**   time the probe loses), so it follows a change in the env's cost or the
**   machine's load.
** - Idle threads poll (with the CPU's pause hint) for at most SPIN_NS, then
**   sleep on a condition variable; a warm hand-off is a store and a
**   cache-line transfer.
** - With more threads than online cores nobody polls: a polling thread
**   would take the core the thread it waits for needs. */
#define _POSIX_C_SOURCE 200809L
#include "env_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  SPIN_NS = 50000,    /* polling bound before sleeping */
  POLLS_PER_CLOCK = 64,
  PROBE_JOBS = 8,     /* jobs run the other way per probe */
  PROBE_FIRST = 16,   /* jobs before the first probe, and after a switch */
  PROBE_MAX = 16384   /* longest interval between probes */
};

/* How jobs run: chosen by measurement, or forced (pg__vec_env_force_mode). */
enum { MODE_INLINE = 0, MODE_PARALLEL = 1 };

enum job_kind { JOB_RESET = 1, JOB_STEP = 2 };

typedef struct worker {
  pg_vec_env *vec;
  int32_t tid;
} worker;

struct pg_vec_env {
  pg_ctx *ctx;
  int32_t n, n_threads, obs_size, action_len;
  pg_env **inst;
  pg_status *status;       /* per instance, of the last job */
  int broken;              /* 1: needs pg_vec_env_reset */
  /* job arguments */
  enum job_kind job;
  const float *actions;
  float *obs, *rewards, *final_obs;
  uint8_t *obs_u8, *final_u8; /* the byte job's rows (obs NULL then) */
  int32_t *terminated, *truncated;
  /* thread pool */
  worker *workers;
  pthread_t *threads;
  int32_t n_started;       /* worker threads running */
  int sync_ready;          /* mutex and condition variables initialised */
  pthread_mutex_t mu;
  pthread_cond_t start_cv, done_cv;
  _Atomic uint64_t generation; /* written under mu; polled without it */
  _Atomic int32_t pending;     /* workers still running the current job */
  atomic_int shutdown;
  int64_t spin_ns;             /* SPIN_NS, or 0 when oversubscribed */
  /* the mode choice (caller's thread only) */
  int mode;                    /* MODE_INLINE or MODE_PARALLEL: the faster so far */
  int forced;                  /* -1: measured; else the mode to use */
  int64_t wall_ns[2];          /* running average of a job's wall time per mode */
  int64_t probe_every, until_probe;
  int probing;                 /* jobs left in the current probe */
};

/* ---- per-instance work -------------------------------------------------- */

/* Instance i's reset into its row of the job's floats or bytes. */
static pg_status reset_one(pg_vec_env *v, int32_t i) {
  size_t row = (size_t)i * (size_t)v->obs_size;
  return v->obs ? pg__env_reset(v->inst[i], v->obs + row)
                : pg__env_reset_u8(v->inst[i], v->obs_u8 + row);
}

static pg_status step_one(pg_vec_env *v, int32_t i) {
  pg_env *e = v->inst[i];
  size_t os = (size_t)v->obs_size, row = (size_t)i * os;
  const float *act = v->actions + (size_t)i * (size_t)v->action_len;
  int32_t *te = v->terminated + i, *tr = v->truncated + i;
  pg_status st = v->obs ? pg__env_step(e, act, v->obs + row, v->rewards + i, te, tr)
                        : pg__env_step_u8(e, act, v->obs_u8 + row, v->rewards + i, te, tr);
  if (st != PG_OK || !(*te || *tr)) return st;
  if (v->final_obs) memcpy(v->final_obs + row, v->obs + row, os * sizeof(float));
  if (v->final_u8) memcpy(v->final_u8 + row, v->obs_u8 + row, os);
  return reset_one(v, i);
}

static void run_instances(pg_vec_env *v, int32_t lo, int32_t hi) {
  for (int32_t i = lo; i < hi; i++)
    v->status[i] = v->job == JOB_RESET ? reset_one(v, i) : step_one(v, i);
}

static int32_t range_start(const pg_vec_env *v, int32_t tid) {
  return (int32_t)((int64_t)v->n * tid / v->n_threads);
}

static void run_range(pg_vec_env *v, int32_t tid) {
  run_instances(v, range_start(v, tid), range_start(v, tid + 1));
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Polls until done(v) holds or the spin bound passes; returns done(v). */
static int poll_until(pg_vec_env *v, int (*done)(pg_vec_env *, uint64_t), uint64_t arg) {
  if (v->spin_ns <= 0) return done(v, arg);
  int64_t until = now_ns() + v->spin_ns;
  for (;;) {
    for (int i = 0; i < POLLS_PER_CLOCK; i++) {
      if (done(v, arg)) return 1;
      PG__CPU_RELAX();
    }
    if (now_ns() > until) return done(v, arg);
  }
}

/* ---- thread pool -------------------------------------------------------- */

static int job_posted(pg_vec_env *v, uint64_t seen) {
  return atomic_load_explicit(&v->shutdown, memory_order_acquire) ||
         atomic_load_explicit(&v->generation, memory_order_acquire) != seen;
}

/* Waits for a job newer than `seen`: polls, then sleeps. Returns the new
** generation, or 0 at shutdown. */
static uint64_t wait_job(pg_vec_env *v, uint64_t seen) {
  if (!poll_until(v, job_posted, seen)) {
    pthread_mutex_lock(&v->mu);
    while (!job_posted(v, seen)) pthread_cond_wait(&v->start_cv, &v->mu);
    pthread_mutex_unlock(&v->mu);
  }
  if (atomic_load_explicit(&v->shutdown, memory_order_acquire)) return 0;
  return atomic_load_explicit(&v->generation, memory_order_acquire);
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pg_vec_env *v = w->vec;
  uint64_t seen = 0;
  while ((seen = wait_job(v, seen)) != 0) {
    run_range(v, w->tid);
    if (atomic_fetch_sub_explicit(&v->pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&v->mu);
      pthread_cond_signal(&v->done_cv);
      pthread_mutex_unlock(&v->mu);
    }
  }
  return NULL;
}

static int workers_done(pg_vec_env *v, uint64_t unused) {
  (void)unused;
  return atomic_load_explicit(&v->pending, memory_order_acquire) == 0;
}

static void wait_done(pg_vec_env *v) {
  if (poll_until(v, workers_done, 0)) return;
  pthread_mutex_lock(&v->mu);
  while (!workers_done(v, 0)) pthread_cond_wait(&v->done_cv, &v->mu);
  pthread_mutex_unlock(&v->mu);
}

/* wall_ns[mode] += (sample - wall_ns[mode]) / 4, the first sample as it
** is: the averages follow the env's cost and the machine's load within a
** few jobs. */
static void note_wall(pg_vec_env *v, int mode, int64_t ns) {
  int64_t *w = &v->wall_ns[mode];
  *w = *w == 0 ? ns : *w + (ns - *w) / 4;
}

static void run_parallel(pg_vec_env *v) {
  atomic_store_explicit(&v->pending, v->n_threads - 1, memory_order_relaxed);
  pthread_mutex_lock(&v->mu);
  atomic_fetch_add_explicit(&v->generation, 1, memory_order_release);
  pthread_cond_broadcast(&v->start_cv);
  pthread_mutex_unlock(&v->mu);
  run_range(v, 0);
  wait_done(v);
}

/* The mode of the next job: the faster one, except during a probe of the
** other. After a probe the faster mode is kept; a probe that lost doubles
** the interval to the next one. */
static int next_mode(pg_vec_env *v) {
  if (v->forced >= 0) return v->forced;
  if (v->probing > 0) {
    if (--v->probing > 0) return !v->mode;
    int other = !v->mode;
    if (v->wall_ns[other] < v->wall_ns[v->mode]) {
      v->mode = other;
      v->probe_every = PROBE_FIRST;
    } else if (v->probe_every < PROBE_MAX) {
      v->probe_every *= 2;
    }
    v->until_probe = v->probe_every;
    return v->mode;
  }
  if (--v->until_probe <= 0) {
    v->probing = PROBE_JOBS;
    v->wall_ns[!v->mode] = 0; /* measured afresh */
    return !v->mode;
  }
  return v->mode;
}

static void run_job(pg_vec_env *v) {
  if (v->n_threads == 1) {
    run_range(v, 0);
    return;
  }
  int mode = next_mode(v);
  /* a probe's first job also wakes the workers or fills the caches: not timed */
  int timed = v->probing != PROBE_JOBS;
  int64_t t0 = now_ns();
  if (mode == MODE_PARALLEL)
    run_parallel(v);
  else
    run_instances(v, 0, v->n);
  if (timed) note_wall(v, mode, now_ns() - t0);
}

void pg__vec_env_force_mode(pg_vec_env *vec, int mode) {
  vec->forced = mode < 0 ? -1 : mode > 0 ? MODE_PARALLEL : MODE_INLINE;
}

static void stop_threads(pg_vec_env *v) {
  if (!v->sync_ready) return;
  pthread_mutex_lock(&v->mu);
  atomic_store(&v->shutdown, 1);
  pthread_cond_broadcast(&v->start_cv);
  pthread_mutex_unlock(&v->mu);
  for (int32_t t = 0; t < v->n_started; t++) pthread_join(v->threads[t], NULL);
  v->n_started = 0;
  pthread_cond_destroy(&v->done_cv);
  pthread_cond_destroy(&v->start_cv);
  pthread_mutex_destroy(&v->mu);
  v->sync_ready = 0;
}

static pg_status init_sync(pg_vec_env *v) {
  if (pthread_mutex_init(&v->mu, NULL) != 0) return PG_ERR_THREAD;
  if (pthread_cond_init(&v->start_cv, NULL) != 0) {
    pthread_mutex_destroy(&v->mu);
    return PG_ERR_THREAD;
  }
  if (pthread_cond_init(&v->done_cv, NULL) != 0) {
    pthread_cond_destroy(&v->start_cv);
    pthread_mutex_destroy(&v->mu);
    return PG_ERR_THREAD;
  }
  v->sync_ready = 1;
  return PG_OK;
}

static pg_status start_threads(pg_vec_env *v) {
  if (v->n_threads == 1) return PG_OK;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  v->spin_ns = cores > 0 && v->n_threads > cores ? 0 : SPIN_NS;
  v->mode = MODE_PARALLEL;
  v->forced = -1;
  v->probe_every = v->until_probe = PROBE_FIRST;
  if (init_sync(v) != PG_OK)
    return pg__fail(v->ctx, PG_ERR_THREAD, "pg_vec_env_create: cannot create a lock");
  for (int32_t t = 1; t < v->n_threads; t++) {
    v->workers[t].vec = v;
    v->workers[t].tid = t;
    if (pthread_create(&v->threads[t - 1], NULL, worker_main, &v->workers[t]) != 0)
      return pg__fail(v->ctx, PG_ERR_THREAD, "pg_vec_env_create: cannot start thread %d",
                      (int)t);
    v->n_started++;
  }
  return PG_OK;
}

/* ---- creation ----------------------------------------------------------- */

void pg_vec_env_destroy(pg_vec_env *vec) {
  if (!vec) return;
  pg_ctx *ctx = vec->ctx;
  stop_threads(vec);
  if (vec->inst)
    for (int32_t i = 0; i < vec->n; i++) pg_env_destroy(vec->inst[i]);
  pg__free(ctx, vec->inst);
  pg__free(ctx, vec->status);
  pg__free(ctx, vec->workers);
  pg__free(ctx, vec->threads);
  pg__free(ctx, vec);
  pg__ctx_release(ctx);
}

static pg_status alloc_arrays(pg_vec_env *v) {
  static const char *fn = "pg_vec_env_create";
  pg_ctx *ctx = v->ctx;
  v->inst = pg__calloc(ctx, (size_t)v->n, sizeof *v->inst);
  v->status = pg__calloc(ctx, (size_t)v->n, sizeof *v->status);
  v->workers = pg__calloc(ctx, (size_t)v->n_threads, sizeof *v->workers);
  if (v->n_threads > 1) v->threads = pg__calloc(ctx, (size_t)v->n_threads - 1, sizeof *v->threads);
  if (!v->inst || !v->status || !v->workers || (v->n_threads > 1 && !v->threads))
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  return PG_OK;
}

static pg_status make_instances(pg_vec_env *v, pg_env *env, uint64_t seed) {
  for (int32_t i = 0; i < v->n; i++) {
    pg_status st = pg_env_clone(env, i, pg__mix64(seed, (uint64_t)i), &v->inst[i]);
    if (st != PG_OK) return pg__fail(v->ctx, st, "pg_vec_env_create: instance %d: %s", (int)i,
                                     pg_ctx_last_error(v->ctx));
  }
  return PG_OK;
}

/* The most instances (an agent's PG_PARAM_NUM_ENVS bound) and floats per step. */
#define PG__VEC_ENV_MAX 4096
#define PG__VEC_ENV_FLOATS ((uint64_t)1 << 28)

pg_status pg_vec_env_create(pg_env *env, int32_t n, int32_t n_threads, uint64_t seed,
                            pg_vec_env **out) {
  static const char *fn = "pg_vec_env_create";
  if (!env) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = env->ctx;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (n < 1 || n_threads < 1)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: n = %d and n_threads = %d must be >= 1", fn,
                    (int)n, (int)n_threads);
  /* Bounded as an agent's num_envs, and the step arrays to 1 GiB of floats
  ** (docs/FORMAT.md, "Memory budget"). */
  if (n > PG__VEC_ENV_MAX ||
      (uint64_t)n * (uint64_t)(env->obs_size + env->action_len) > PG__VEC_ENV_FLOATS)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: n = %d instances of %d observation floats: n must be <= %d and "
                    "n x (observation + action floats) <= 2^28",
                    fn, (int)n, (int)env->obs_size, PG__VEC_ENV_MAX);
  if (!env->vt.create)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: environment '%s' has no create (factory) callback", fn, env->name);
  pg_vec_env *v = pg__calloc(ctx, 1, sizeof *v);
  if (!v) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  v->ctx = ctx;
  v->n = n;
  v->n_threads = n_threads < n ? n_threads : n;
  v->obs_size = env->obs_size;
  v->action_len = env->action_len;
  v->broken = 1;
  pg__ctx_retain(ctx);
  pg_status st = alloc_arrays(v);
  if (st == PG_OK) st = make_instances(v, env, seed);
  if (st == PG_OK) st = start_threads(v);
  if (st != PG_OK) {
    pg_vec_env_destroy(v);
    return st;
  }
  *out = v;
  return PG_OK;
}

/* ---- stepping ----------------------------------------------------------- */

int32_t pg__vec_env_size(const pg_vec_env *vec) { return vec->n; }

pg_env *pg__vec_env_instance(const pg_vec_env *vec, int32_t i) { return vec->inst[i]; }

/* Reports the lowest failing instance after a job. */
static pg_status job_result(pg_vec_env *v, const char *caller) {
  for (int32_t i = 0; i < v->n; i++) {
    if (v->status[i] == PG_OK) continue;
    v->broken = 1;
    pg_env *e = v->inst[i];
    return pg__fail(v->ctx, v->status[i], "%s: instance %d: %s", caller, (int)i, e->err);
  }
  v->broken = 0;
  return PG_OK;
}

/* A job's observation rows: floats or bytes (the other NULL). */
typedef struct rows_out {
  float *obs, *final_obs;
  uint8_t *obs_u8, *final_u8;
} rows_out;

static void set_rows(pg_vec_env *vec, rows_out rows) {
  vec->obs = rows.obs;
  vec->final_obs = rows.final_obs;
  vec->obs_u8 = rows.obs_u8;
  vec->final_u8 = rows.final_u8;
}

pg_status pg__vec_env_reset(pg_vec_env *vec, const char *caller, float *obs) {
  vec->job = JOB_RESET;
  set_rows(vec, (rows_out){obs, NULL, NULL, NULL});
  run_job(vec);
  return job_result(vec, caller);
}

pg_status pg__vec_env_reset_u8(pg_vec_env *vec, const char *caller, uint8_t *obs) {
  vec->job = JOB_RESET;
  set_rows(vec, (rows_out){NULL, NULL, obs, NULL});
  run_job(vec);
  return job_result(vec, caller);
}

static pg_status step_rows(pg_vec_env *vec, const char *caller, const float *actions,
                           rows_out rows, float *rewards, int32_t *terminated,
                           int32_t *truncated) {
  if (vec->broken)
    return pg__fail(vec->ctx, PG_ERR_BAD_STATE,
                    "%s: reset the vec env first (never reset, or a failed step)", caller);
  for (int32_t i = 0; i < vec->n; i++) {
    pg_env *e = vec->inst[i];
    if (pg__env_check_action(e, actions + (size_t)i * (size_t)vec->action_len) != PG_OK)
      return pg__fail(vec->ctx, e->err_status, "%s: instance %d: %s", caller, (int)i, e->err);
  }
  vec->job = JOB_STEP;
  vec->actions = actions;
  set_rows(vec, rows);
  vec->rewards = rewards;
  vec->terminated = terminated;
  vec->truncated = truncated;
  run_job(vec);
  return job_result(vec, caller);
}

pg_status pg__vec_env_step(pg_vec_env *vec, const char *caller, const float *actions,
                           float *obs, float *rewards, int32_t *terminated,
                           int32_t *truncated, float *final_obs) {
  return step_rows(vec, caller, actions, (rows_out){obs, final_obs, NULL, NULL}, rewards,
                   terminated, truncated);
}

pg_status pg__vec_env_step_u8(pg_vec_env *vec, const char *caller, const float *actions,
                              uint8_t *obs, float *rewards, int32_t *terminated,
                              int32_t *truncated, uint8_t *final_obs) {
  return step_rows(vec, caller, actions, (rows_out){NULL, NULL, obs, final_obs}, rewards,
                   terminated, truncated);
}
