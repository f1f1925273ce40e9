/* The asynchronous framework shared by A3C and the async Q family: worker
** handles, segment recording, the shared update (lock or Hogwild), the
** target network, statistics, and pg_agent_train's worker threads.
** docs/ASYNC.md explains the design. Nothing here allocates after setup:
** workers, their buffers and environment clones are all made on the
** calling thread before any worker thread starts. */
#include "agents/pg_async.h"

#include <math.h>
#include <string.h>
#include <time.h>

static const char *const TRAIN = "pg_agent_train";

static bool is_async(const pg_agent *a) { return (a->ops->traits & PG__TRAIT_ASYNC) != 0; }
static bool is_q(const pg_agent *a) { return (a->ops->traits & PG__TRAIT_Q_HEAD) != 0; }

/* ---- exploration of the Q methods' workers --------------------------------- */

double pg__async_epsilon(double final_eps, double anneal_steps, uint64_t T) {
  if (!(anneal_steps > 0.0)) return final_eps;
  double f = (double)T / anneal_steps;
  if (f > 1.0) f = 1.0;
  return 1.0 + (final_eps - 1.0) * f;
}

double pg__async_draw_final_eps(pg__rng *rng) {
  double u = pg__rng_uniform(rng);
  return u < 0.4 ? 0.1 : u < 0.7 ? 0.01 : 0.5;
}


pg_agent *pg__async_root(pg_agent *a) {
  const pg__async *s = a->algo;
  return s && s->parent ? s->parent : a;
}

/* ---- shared state -------------------------------------------------------- */

static void shared_free(pg_ctx *ctx, pg__async_shared *sh) {
  if (!sh) return;
  pthread_mutex_destroy(&sh->mu);
  pg__free(ctx, sh->target);
  pg_net_destroy(sh->proto);
  pg_net_destroy(sh->vproto);
  pg__free(ctx, sh);
}

static pg_status shared_new(pg_agent *a, pg__async_shared **out) {
  pg_ctx *ctx = a->ctx;
  pg__async_shared *sh = pg__calloc(ctx, 1, sizeof *sh);
  if (!sh) return PG_ERR_NOMEM;
  if (pthread_mutex_init(&sh->mu, NULL) != 0) {
    pg__free(ctx, sh);
    return PG_ERR_THREAD;
  }
  atomic_init(&sh->T, a->total_steps);
  atomic_init(&sh->episodes, a->episodes);
  atomic_init(&sh->live_workers, 0);
  atomic_init(&sh->training, false);
  atomic_init(&sh->target_version, 1);
  sh->updates = a->updates;
  /* a loaded parent's statistics carry on */
  sh->last_return = a->last_return;
  sh->last_length = a->last_length;
  memcpy(sh->ring, a->ring, sizeof sh->ring);
  sh->ring_n = a->ring_n;
  sh->ring_pos = a->ring_pos;
  size_t np = pg__net_param_count(a->net);
  pg_status st = pg__net_clone(a->net, &sh->proto);
  if (st == PG_OK && a->vnet) st = pg__net_clone(a->vnet, &sh->vproto);
  if (st == PG_OK && is_q(a)) {
    sh->target = pg__malloc(ctx, np * sizeof(float));
    if (!sh->target) st = PG_ERR_NOMEM;
    else memcpy(sh->target, pg__net_params(a->net), np * sizeof(float));
  }
  if (st != PG_OK) {
    shared_free(ctx, sh);
    return st;
  }
  *out = sh;
  return PG_OK;
}

/* ---- segment buffers -------------------------------------------------------- */

pg_status pg__async_setup(pg_agent *a) {
  static const char *fn = "pg_agent_step";
  pg_ctx *ctx = a->ctx;
  if (a->n_slots != 1)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s runs one environment per worker: num_envs must be 1 (use "
                    "num_threads or pg_agent_create_worker)", fn, a->ops->name);
  pg__async *s = a->algo;
  if (!s) {
    s = pg__calloc(ctx, 1, sizeof *s);
    if (!s) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    a->algo = s;
  }
  if (!s->parent && !s->sh) {
    pg_status st = shared_new(a, &s->sh);
    if (st != PG_OK)
      return pg__fail(ctx, st, "%s: %s for the shared state", fn,
                      st == PG_ERR_NOMEM ? "out of memory" : "cannot create a mutex");
    if (is_q(a)) s->eps_final = pg__async_draw_final_eps(&a->rng);
  }
  /* up to t_max rows, one more for Sarsa's row that waits for its next action */
  size_t T = pg__pz(a, PG_PARAM_T_MAX);
  pg__rollout rb;
  pg_status st = pg__rollout_init(ctx, &rb, 1, T + 1, a->obs_size, a->action_len,
                                  a->discrete ? a->n_actions : 0, PG__RB_NEXT);
  if (st == PG_OK && is_q(a) && !s->tgt) {
    pthread_mutex_lock(&s->sh->mu);
    st = pg__net_clone(s->sh->proto, &s->tgt);
    pthread_mutex_unlock(&s->sh->mu);
    if (st != PG_OK) pg__rollout_free(ctx, &rb);
    s->tgt_version = 0;
  }
  if (st != PG_OK) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the segment", fn);
  pg__rollout_free(ctx, &s->rb);
  s->rb = rb;
  s->T = T;
  return PG_OK;
}

void pg__async_clear(pg_agent *a) {
  pg__async *s = a->algo;
  if (!s) return;
  pg__rollout_clear(&s->rb);
  s->ep_ret = 0.0;
  s->ep_len = 0;
}

/* Copies the shared statistics into the parent's fields (parent's thread). */
static void fold_stats(pg_agent *P) {
  pg__async *s = P->algo;
  if (!s || !s->sh) return;
  pg__async_shared *sh = s->sh;
  pthread_mutex_lock(&sh->mu);
  P->total_steps = atomic_load_explicit(&sh->T, memory_order_relaxed);
  P->updates = sh->updates;
  if (P->episodes != atomic_load_explicit(&sh->episodes, memory_order_relaxed)) {
    P->episodes = atomic_load_explicit(&sh->episodes, memory_order_relaxed);
    P->last_return = sh->last_return;
    P->last_length = sh->last_length;
    memcpy(P->ring, sh->ring, sizeof P->ring);
    P->ring_n = sh->ring_n;
    P->ring_pos = sh->ring_pos;
  }
  P->policy_loss = sh->pl;
  P->value_loss = sh->vl;
  P->entropy = sh->ent;
  pthread_mutex_unlock(&sh->mu);
}

void pg__async_teardown(pg_agent *a) {
  pg__async *s = a->algo;
  if (!s) return;
  pg_ctx *ctx = a->ctx;
  pg__rollout_free(ctx, &s->rb);
  pg_net_destroy(s->tgt);
  if (s->parent) {
    if (s->counted) {
      atomic_fetch_sub(&s->sh->live_workers, 1);
      fold_stats(s->parent);
    }
    /* the context is freed by pg_agent_destroy's final release */
    pg_ctx_destroy(s->err_ctx);
  } else {
    shared_free(ctx, s->sh);
  }
  pg__free(ctx, s);
  a->algo = NULL;
}

/* ---- theta' <- theta, the target network ------------------------------------ */

static void refresh_target(pg_agent *a) {
  pg__async *s = a->algo;
  pg__async_shared *sh = s->sh;
  pg_agent *P = pg__async_root(a);
  pthread_mutex_lock(&sh->mu);
  if (P == a) /* the parent acting alone: theta is its own net */
    memcpy(sh->target, pg__net_params(P->net), pg__net_param_count(P->net) * sizeof(float));
  else
    pg__optim_read_params(P->opt, sh->target);
  atomic_fetch_add_explicit(&sh->target_version, 1, memory_order_release);
  pthread_mutex_unlock(&sh->mu);
}

void pg__async_target_sync(pg_agent *a) {
  pg__async *s = a->algo;
  pg__async_shared *sh = s->sh;
  if (atomic_load_explicit(&sh->target_version, memory_order_acquire) == s->tgt_version) return;
  pthread_mutex_lock(&sh->mu);
  memcpy(pg__net_params(s->tgt), sh->target, pg__net_param_count(s->tgt) * sizeof(float));
  s->tgt_version = atomic_load_explicit(&sh->target_version, memory_order_relaxed);
  pthread_mutex_unlock(&sh->mu);
  pg__net_params_changed(s->tgt);
}

/* ---- recording ------------------------------------------------------------------ */

static void post_episode(pg__async *s) {
  pg__async_shared *sh = s->sh;
  pthread_mutex_lock(&sh->mu);
  sh->last_return = s->ep_ret;
  sh->last_length = s->ep_len;
  sh->ring[sh->ring_pos] = s->ep_ret;
  sh->ring_pos = (sh->ring_pos + 1) % PG__RING;
  if (sh->ring_n < PG__RING) sh->ring_n++;
  atomic_fetch_add_explicit(&sh->episodes, 1, memory_order_relaxed);
  pthread_mutex_unlock(&sh->mu);
  s->ep_ret = 0.0;
  s->ep_len = 0;
}

pg_status pg__async_record(pg_agent *a, const float *obs, const uint8_t *mask,
                           const float *actions, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  pg__async *s = a->algo;
  pg__async_shared *sh = s->sh;
  if (!s->parent && atomic_load(&sh->live_workers) > 0)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "pg_agent_report: the agent has live worker handles: learn through them "
                    "(the step is dropped)");
  pg__rollout_record(&s->rb, obs, mask, actions, rewards, term, trunc, next_obs, NULL, NULL);
  s->ep_ret += (double)rewards[0];
  s->ep_len++;
  uint64_t T = atomic_fetch_add_explicit(&sh->T, 1, memory_order_relaxed) + 1;
  if (term[0] || trunc[0]) post_episode(s);
  if (is_q(a)) {
    uint64_t every = pg__pz(a, PG_PARAM_TARGET_INTERVAL);
    if (every && T % every == 0) refresh_target(a);
  }
  return PG_OK;
}

bool pg__async_due(const pg_agent *a) {
  const pg__async *s = a->algo;
  if (!s || !s->rb.t) return false;
  const pg__rollout *rb = &s->rb;
  size_t full = a->ops->traits & PG__TRAIT_NEXT_ACTION ? s->T + 1 : s->T;
  return rb->t >= full || rb->term[rb->t - 1] || rb->trunc[rb->t - 1];
}

/* ---- the shared update -------------------------------------------------------- */

pg_status pg__async_apply(pg_agent *a, const char *fn, double pl, double vl, double ent) {
  pg__async *s = a->algo;
  pg__async_shared *sh = s->sh;
  uint64_t T = atomic_load_explicit(&sh->T, memory_order_relaxed);
  bool stepped = false;
  pg_status st = pg__agent_apply(a, fn, T, pl, vl, ent, &stepped);
  if (stepped) {
    pthread_mutex_lock(&sh->mu);
    sh->updates++;
    sh->pl = pl;
    sh->vl = vl;
    sh->ent = ent;
    pthread_mutex_unlock(&sh->mu);
  }
  return st;
}

/* ---- workers ------------------------------------------------------------------------ */

static pg_status worker_new(pg_agent *P, bool internal, uint64_t index, uint64_t seed,
                            const char *fn, pg_agent **out) {
  pg_ctx *pctx = P->ctx;
  pg__async *ps = P->algo;
  pg__async_shared *sh = ps->sh;
  pg_ctx *ectx = NULL;
  if (pg_ctx_create(pctx->alloc, pctx->alloc_user, &ectx) != PG_OK)
    return pg__fail(pctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  ectx->seed = pctx->seed;
  pg_agent *w = pg__calloc(ectx, 1, sizeof *w);
  pg__async *s = w ? pg__calloc(ectx, 1, sizeof *s) : NULL;
  if (!s) {
    pg__free(ectx, w);
    pg_ctx_destroy(ectx);
    return pg__fail(pctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  pg__ctx_retain(ectx);
  w->ctx = ectx;
  w->algorithm = P->algorithm;
  w->ops = P->ops->worker_ops;
  w->own_nets = true;
  w->obs_size = P->obs_size;
  w->discrete = P->discrete;
  w->n_actions = P->n_actions;
  w->action_len = P->action_len;
  if (pg__params_alloc(w) != PG_OK) {
    pg__free(ectx, s);
    pg__free(ectx, w);
    pg__ctx_release(ectx);
    pg_ctx_destroy(ectx);
    return pg__fail(pctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  size_t end = pg__param_end();
  memcpy(w->param, P->param, end * sizeof *w->param);
  memcpy(w->user_set, P->user_set, end);
  w->root = P;
  w->dirty = true;
  pg__rng_seed(&w->rng, seed, index + 1);
  s->parent = P;
  s->sh = sh;
  s->internal = internal;
  s->index = index;
  s->err_ctx = ectx;
  if (is_q(P)) s->eps_final = pg__async_draw_final_eps(&w->rng);
  w->algo = s;
  pthread_mutex_lock(&sh->mu);
  pg_status st = pg__net_clone(sh->proto, &w->net);
  if (st == PG_OK && sh->vproto) st = pg__net_clone(sh->vproto, &w->vnet);
  pthread_mutex_unlock(&sh->mu);
  if (st == PG_OK) st = pg__agent_prepare(w, fn);
  if (st != PG_OK) {
    pg_agent_destroy(w);
    return pg__fail(pctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  pg__agent_pull_params(w);
  *out = w;
  return PG_OK;
}

pg_status pg_agent_create_worker(pg_agent *agent, pg_agent **out_worker) {
  static const char *fn = "pg_agent_create_worker";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_worker) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_worker is NULL", fn);
  *out_worker = NULL;
  if (!is_async(agent))
    return pg__fail(agent->ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s has no workers (asynchronous algorithms only)", fn, agent->ops->name);
  pg__async *s = agent->algo;
  if (s && s->parent)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG,
                    "%s: agent is a worker handle: pass its parent", fn);
  if (s && s->sh && atomic_load(&s->sh->training))
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE, "%s: the agent is training", fn);
  if (agent->phase != PG__PHASE_READY)
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE,
                    "%s: a host-driven step awaits pg_agent_report", fn);
  unsigned fz = pg__ftz_enter();
  pg_status st = pg__agent_prepare(agent, fn);
  if (st == PG_OK) {
    s = agent->algo;
    pthread_mutex_lock(&s->sh->mu);
    uint64_t index = s->sh->next_index++;
    pthread_mutex_unlock(&s->sh->mu);
    pg_agent *w = NULL;
    st = worker_new(agent, false, index, (uint64_t)pg__p(agent, PG_PARAM_SEED), fn, &w);
    if (st == PG_OK) {
      ((pg__async *)w->algo)->counted = true;
      atomic_fetch_add(&s->sh->live_workers, 1);
      *out_worker = w;
    }
  }
  pg__ftz_leave(fz);
  return st;
}

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
  fold_stats(P);
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
  size_t os = w->obs_size, k = w->n_actions;
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
    } else {
      memcpy(ws->obs, ws->next, os * sizeof(float));
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
  fold_stats(P);
  tr.next_report = P->total_steps + pg__pz(P, PG_PARAM_REPORT_INTERVAL);
  tr.last_episodes = P->episodes;
  uint64_t cap = pg__pz(P, PG_PARAM_MAX_EPISODE_STEPS), old_cap = pg__env_max_steps(env);
  if (cap) pg__env_set_max_steps(env, cap);
  uint64_t base = pg__rng_next(&P->rng);
  pg_status st = PG_OK;
  if (pg__p(P, PG_PARAM_HOGWILD) != 0.0) st = hogwild_on(P);
  for (size_t i = 0; i < n && st == PG_OK; i++) {
    wslot *ws = &slots[i];
    ws->tr = &tr;
    st = slot_alloc(P, ws);
    if (st == PG_OK) st = worker_new(P, true, i, base, TRAIN, &ws->w);
    if (st == PG_OK && n > 1) {
      st = pg_env_clone(env, (int32_t)i, pg__mix64(base, i), &ws->env);
      if (st != PG_OK) st = pg__fail(P->ctx, st, "%s: %s", TRAIN, pg_ctx_last_error(pg__env_ctx(env)));
      ws->own_env = st == PG_OK;
    } else {
      ws->env = env;
    }
  }
  atomic_store(&sh->training, true);
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
  hogwild_off(P);
  fold_stats(P);
  P->train_elapsed = pg__now() - tr.t0;
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

/* ---- checkpoints (agent_io.c's ALGO section) --------------------------------------
** Body: u32 version (1), u32 has_state (0: never stepped), f64 the parent's
** final epsilon, u64 count, count f32: the target network theta^- (Q
** methods; 0 for A3C). The shared parameters, the shared optimizer's
** statistics and the counters are the agent's NETP/NETV, OPTP/OPTV and STAT
** sections. Hogwild's own RMSProp statistics are not saved. */

pg_status pg__async_check_save(const pg_agent *a, const char *fn) {
  const pg__async *s = a->algo;
  if (s && s->parent)
    return pg__fail(a->ctx, PG_ERR_UNSUPPORTED, "%s: a worker handle is not saved: save its parent",
                    fn);
  if (s && s->sh && atomic_load(&s->sh->training))
    return pg__fail(a->ctx, PG_ERR_BAD_STATE, "%s: the agent is training", fn);
  if (s && s->sh && atomic_load(&s->sh->live_workers) > 0)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: the agent has live worker handles: destroy them before saving", fn);
  return PG_OK;
}

void pg__async_save_state(pg__writer *w, const void *agent) {
  const pg_agent *a = agent;
  const pg__async *s = a->algo;
  const float *target = s && s->sh ? s->sh->target : NULL;
  uint64_t count = target ? pg__net_param_count(a->net) : 0;
  pg__w_u32(w, 1u);
  pg__w_u32(w, s && s->sh ? 1u : 0u);
  pg__w_f64(w, s ? s->eps_final : 0.0);
  pg__w_u64(w, count);
  if (count) pg__w_f32s(w, target, (size_t)count);
}

pg_status pg__async_load_state(pg_agent *a, const char *fn, pg__reader *r) {
  pg_ctx *ctx = a->ctx;
  uint32_t version = pg__r_u32(r), has_state = pg__r_u32(r);
  double eps = pg__r_f64(r);
  uint64_t count = pg__r_u64(r);
  if (r->bad) return pg__fail(ctx, PG_ERR_FORMAT, "%s: ALGO section too short", fn);
  if (version != 1)
    return pg__fail(ctx, PG_ERR_VERSION, "%s: ALGO section version %u is not 1", fn, version);
  size_t want = has_state && is_q(a) ? pg__net_param_count(a->net) : 0;
  if (has_state > 1 || count != want || r->left != want * 4 || !(eps >= 0.0 && eps <= 1.0))
    return pg__fail(ctx, PG_ERR_FORMAT,
                    "%s: ALGO: state %u, epsilon %g and %llu target values (%zu bytes) do not "
                    "fit this agent", fn, has_state, eps, (unsigned long long)count, r->left);
  if (!has_state) return PG_OK;
  /* the shared state as the first step would make it, then the saved parts */
  pg_status st = pg__agent_prepare(a, fn);
  if (st != PG_OK) return st;
  pg__async *s = a->algo;
  s->eps_final = eps;
  if (want) {
    pg__r_f32s(r, s->sh->target, want);
    if (!pg__all_finite(s->sh->target, want))
      return pg__fail(ctx, PG_ERR_FORMAT, "%s: ALGO: the target network is not finite", fn);
    atomic_fetch_add(&s->sh->target_version, 1);
  }
  return PG_OK;
}

const char *pg_agent_last_error(const pg_agent *agent) {
  if (!agent) return "no agent (NULL pg_agent)";
  return pg_ctx_last_error(agent->ctx);
}
