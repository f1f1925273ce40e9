/* pg_agent_train for the asynchronous family: num_threads workers, each
** with its own environment clone, worker 0 on the caller's thread (which
** also runs the progress callback), Hogwild mode of the shared optimizers
** for the call when asked. Workers, their buffers and environment clones
** are all made on the calling thread before any worker thread starts. */
#include "agents/pg_async.h"

#include <string.h>
#include <time.h>

static const char *const TRAIN = "pg_agent_train";

/* ---- pg_agent_train: threads and the monitor ------------------------------------ */

typedef struct trainer trainer;

typedef struct wslot {
  trainer *tr;
  pg_agent *w;
  pg_env *env;
  bool own_env, started, env_err;
  uint32_t since_check;
  pthread_t th;
  pg_status st;
  float *obs, *next, *act, *rew;
  int32_t *te, *tru;
  uint8_t *mask;
} wslot;

struct trainer {
  pg_agent *P;
  pg__async_shared *sh;
  int64_t budget;
  _Atomic int64_t claimed;
  atomic_bool stop;
  _Atomic int done;
  pg_progress_fn progress;
  void *user;
  uint64_t next_report, last_episodes;
  double t0;
  bool solo; /* one worker: progress is checked after every step */
};

/* With several workers the caller's own worker (worker 0) checks for a due
** report every this many of its steps. */
enum { REPORT_CHECK_STEPS = 32 };

/* On the caller's thread: refresh the parent's statistics and call the
** progress callback when due; 1 = stop. */
static int maybe_report(trainer *tr) {
  pg_agent *P = tr->P;
  pg__async_fold_stats(P);
  P->train_elapsed = pg__now() - tr->t0;
  if (!tr->progress) return 0;
  uint64_t every = pg__pz(P, PG_PARAM_REPORT_INTERVAL);
  bool due = every ? P->total_steps >= tr->next_report : P->episodes != tr->last_episodes;
  if (!due) return 0;
  while (every && tr->next_report <= P->total_steps) tr->next_report += every;
  tr->last_episodes = P->episodes;
  return tr->progress(tr->user, P) != 0;
}

static void run_worker(wslot *ws, bool inline_progress) {
  trainer *tr = ws->tr;
  pg_agent *w = ws->w;
  pg_env *env = ws->env;
  size_t k = w->n_actions;
  const uint8_t *env_mask = w->discrete ? pg__env_mask(env) : NULL;
  bool masked = env_mask != NULL;
  pg_status st = pg__env_reset(env, ws->obs);
  if (st != PG_OK) ws->env_err = true;
  while (st == PG_OK && !atomic_load_explicit(&tr->stop, memory_order_relaxed)) {
    if (atomic_fetch_add_explicit(&tr->claimed, 1, memory_order_relaxed) >= tr->budget) break;
    if (masked) memcpy(ws->mask, env_mask, k);
    st = pg__agent_step(w, ws->obs, masked ? ws->mask : NULL, ws->act, true);
    if (st != PG_OK) break;
    st = pg__env_step(env, ws->act, ws->next, ws->rew, ws->te, ws->tru);
    if (st != PG_OK) {
      w->phase = PG__PHASE_READY;
      ws->env_err = true;
      break;
    }
    st = pg__agent_report(w, ws->rew, ws->te, ws->tru, ws->next);
    if (st == PG_OK) st = pg__agent_update(w, TRAIN, NULL);
    if (st != PG_OK) break;
    if (ws->te[0] || ws->tru[0]) {
      st = pg__env_reset(env, ws->obs);
      if (st != PG_OK) ws->env_err = true;
    } else { /* the next observation is the next step's: swap, no copy */
      float *t = ws->obs;
      ws->obs = ws->next;
      ws->next = t;
    }
    if (inline_progress && (tr->solo || ++ws->since_check % REPORT_CHECK_STEPS == 0) &&
        maybe_report(tr)) {
      atomic_store(&tr->stop, true);
      break;
    }
  }
  ws->st = st;
  if (st != PG_OK) atomic_store(&tr->stop, true);
  atomic_fetch_add(&tr->done, 1);
}

static void *worker_main(void *arg) {
  unsigned fz = pg__ftz_enter();
  run_worker(arg, false);
  pg__ftz_leave(fz);
  return NULL;
}

static void slot_free(pg_ctx *ctx, wslot *ws) {
  pg_agent_destroy(ws->w);
  if (ws->own_env) pg_env_destroy(ws->env);
  void *p[] = {ws->obs, ws->next, ws->act, ws->rew, ws->te, ws->tru, ws->mask};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pg__free(ctx, p[i]);
}

static pg_status slot_alloc(pg_agent *P, wslot *ws) {
  pg_ctx *ctx = P->ctx;
  size_t os = P->obs_size;
  ws->obs = pg__malloc(ctx, os * sizeof(float));
  ws->next = pg__malloc(ctx, os * sizeof(float));
  ws->act = pg__malloc(ctx, P->action_len * sizeof(float));
  ws->rew = pg__malloc(ctx, sizeof(float));
  ws->te = pg__malloc(ctx, sizeof(int32_t));
  ws->tru = pg__malloc(ctx, sizeof(int32_t));
  if (P->discrete) ws->mask = pg__malloc(ctx, P->n_actions);
  if (!ws->obs || !ws->next || !ws->act || !ws->rew || !ws->te || !ws->tru ||
      (P->discrete && !ws->mask))
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", TRAIN);
  return PG_OK;
}

/* Hogwild mode of the shared optimizers for one pg_agent_train call. */
static pg_status hogwild_on(pg_agent *P) {
  pg_status st = pg__optim_hogwild_begin(P->opt, TRAIN);
  if (st == PG_OK && P->vopt) {
    st = pg__optim_hogwild_begin(P->vopt, TRAIN);
    if (st != PG_OK) pg__optim_hogwild_end(P->opt);
  }
  return st;
}

static void hogwild_off(pg_agent *P) {
  pg__optim_hogwild_end(P->opt);
  if (P->vopt) pg__optim_hogwild_end(P->vopt);
  pg__net_params_changed(P->net);
  if (P->vnet) pg__net_params_changed(P->vnet);
}

pg_status pg__async_train(pg_agent *P, pg_env *env, int64_t max_steps, pg_progress_fn progress,
                          void *user) {
  pg__async *ps = P->algo;
  if (ps->parent)
    return pg__fail(P->ctx, PG_ERR_BAD_STATE,
                    "%s: a worker handle does not train: drive it with pg_agent_step, "
                    "pg_agent_report and pg_agent_update", TRAIN);
  pg__async_shared *sh = ps->sh;
  if (atomic_load(&sh->live_workers) > 0)
    return pg__fail(P->ctx, PG_ERR_BAD_STATE,
                    "%s: destroy the agent's worker handles first", TRAIN);
  size_t n = pg__pz(P, PG_PARAM_NUM_THREADS);
  if (n < 1) n = 1;
  wslot *slots = pg__calloc(P->ctx, n, sizeof *slots);
  if (!slots) return pg__fail(P->ctx, PG_ERR_NOMEM, "%s: out of memory", TRAIN);
  trainer tr = {0};
  tr.P = P;
  tr.sh = sh;
  tr.budget = max_steps;
  atomic_init(&tr.claimed, 0);
  atomic_init(&tr.stop, false);
  atomic_init(&tr.done, 0);
  tr.progress = progress;
  tr.user = user;
  pg__async_fold_stats(P);
  tr.next_report = P->total_steps + pg__pz(P, PG_PARAM_REPORT_INTERVAL);
  tr.last_episodes = P->episodes;
  uint64_t cap = pg__pz(P, PG_PARAM_MAX_EPISODE_STEPS), old_cap = pg__env_max_steps(env);
  if (cap) pg__env_set_max_steps(env, cap);
  pg__rng rng = P->rng; /* the random stream advances only when the run starts */
  uint64_t base = pg__rng_next(&rng);
  pg_status st = PG_OK;
  if (pg__p(P, PG_PARAM_HOGWILD) != 0.0) st = hogwild_on(P);
  for (size_t i = 0; i < n && st == PG_OK; i++) {
    wslot *ws = &slots[i];
    ws->tr = &tr;
    st = slot_alloc(P, ws);
    if (st == PG_OK) st = pg__async_worker_new(P, true, i, base, TRAIN, &ws->w);
    if (st == PG_OK && n > 1) {
      st = pg_env_clone(env, (int32_t)i, pg__mix64(base, i), &ws->env);
      if (st != PG_OK) st = pg__fail(P->ctx, st, "%s: %s", TRAIN, pg_ctx_last_error(pg__env_ctx(env)));
      ws->own_env = st == PG_OK;
    } else {
      ws->env = env;
    }
  }
  if (st == PG_OK) {
    P->rng = rng;
    pg__train_begin(P);
  }
  atomic_store(&sh->training, true);
  pg__async_writers(P, 1);
  tr.t0 = pg__now();
  /* The caller's thread runs worker 0 (and the progress callback); workers
  ** 1..n-1 get threads of their own. */
  tr.solo = n == 1;
  size_t started = 0;
  for (size_t i = 1; i < n && st == PG_OK; i++) {
    if (pthread_create(&slots[i].th, NULL, worker_main, &slots[i]) != 0) {
      atomic_store(&tr.stop, true);
      st = pg__fail(P->ctx, PG_ERR_THREAD, "%s: cannot start worker thread %zu", TRAIN, i);
      break;
    }
    slots[i].started = true;
    started++;
  }
  if (st == PG_OK) run_worker(&slots[0], true);
  /* Worker 0 is done: keep reporting until the others are. */
  while ((size_t)atomic_load(&tr.done) < started + (st == PG_OK)) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    if (!atomic_load(&tr.stop) && maybe_report(&tr)) atomic_store(&tr.stop, true);
  }
  for (size_t i = 1; i < n; i++)
    if (slots[i].started) pthread_join(slots[i].th, NULL);
  atomic_store(&sh->training, false);
  pg__async_writers(P, -1);
  hogwild_off(P);
  pg__async_fold_stats(P);
  if (P->train_begun) P->train_elapsed = pg__now() - tr.t0;
  for (size_t i = 0; i < n && st == PG_OK; i++) {
    wslot *ws = &slots[i];
    if (ws->st == PG_OK) continue;
    if (ws->env_err) {
      st = pg__env_report(ws->env, TRAIN);
      if (pg__env_ctx(ws->env) != P->ctx)
        (void)pg__fail(P->ctx, st, "%s", pg_ctx_last_error(pg__env_ctx(ws->env)));
    } else {
      st = pg__fail(P->ctx, ws->st, "%s: worker %zu: %s", TRAIN, i,
                    pg_ctx_last_error(ws->w->ctx));
    }
  }
  for (size_t i = 0; i < n; i++) slot_free(P->ctx, &slots[i]);
  pg__free(P->ctx, slots);
  pg__env_set_max_steps(env, old_cap);
  return st;
}
