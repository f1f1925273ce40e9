/* The asynchronous framework shared by A3C and the async Q family: the
** shared state, segment recording, the shared update through the apply
** point, the target network, statistics, exploration and checkpoints.
** Worker handles: async_workers.c; pg_agent_train's threads:
** async_train.c. docs/ASYNC.md explains the design. Nothing here allocates
** after setup. */
#include "agents/pg_async.h"

#include <math.h>
#include <string.h>
#include <time.h>


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
  if (st == PG_OK && pg__async_is_q(a)) {
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

/* Transactional like every set-up: the handle's state, the shared state,
** the segment, the target copy and the recurrent state are built aside and
** put in place only when all of them exist; on failure a->algo is as it
** was (NULL before the first step). */
pg_status pg__async_setup(pg_agent *a) {
  static const char *fn = "pg_agent_step";
  pg_ctx *ctx = a->ctx;
  if (a->n_slots != 1)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s runs one environment per worker: num_envs must be 1 (use "
                    "num_threads or pg_agent_create_worker)", fn, a->ops->name);
  /* up to t_max rows, one more for Sarsa's row that waits for its next action */
  size_t T = pg__pz(a, PG_PARAM_T_MAX);
  bool recurrent = pg__net_stateful(a->net);
  /* A3C-LSTM replays the segment (t_max steps and the bootstrap row) */
  if (recurrent && T + 1 > pg__net_max_batch(a->net))
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: a recurrent net needs max_batch >= t_max + 1 = %zu", fn, T + 1);
  pg__async *s = a->algo, *fresh = NULL;
  if (!s) {
    s = fresh = pg__calloc(ctx, 1, sizeof *s);
    if (!s) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  pg__async_shared *sh = NULL; /* a new shared state (the parent's first set-up) */
  pg_status st = PG_OK;
  if (!s->parent && !s->sh) {
    st = shared_new(a, &sh);
    if (st != PG_OK) {
      pg__free(ctx, fresh);
      return pg__fail(ctx, st, "%s: %s for the shared state", fn,
                      st == PG_ERR_NOMEM ? "out of memory" : "cannot create a mutex");
    }
  }
  pg__async_shared *live = sh ? sh : s->sh;
  pg__rollout rb;
  pg_net *tgt = NULL;
  float *rs = NULL;
  size_t len = recurrent ? pg__net_state_size(a->net, 1) : 0;
  st = pg__rollout_init(ctx, &rb, 1, T + 1, a->obs_size, a->action_len,
                        a->discrete ? a->n_actions : 0, PG__RB_NEXT);
  if (st == PG_OK && pg__async_is_q(a) && !s->tgt) {
    pthread_mutex_lock(&live->mu);
    st = pg__net_clone(live->proto, &tgt);
    pthread_mutex_unlock(&live->mu);
  }
  if (st == PG_OK && recurrent) {
    rs = pg__calloc(ctx, 2 * len, sizeof(float));
    if (!rs) st = PG_ERR_NOMEM;
  }
  if (st != PG_OK) {
    pg__rollout_free(ctx, &rb);
    pg_net_destroy(tgt);
    shared_free(ctx, sh);
    pg__free(ctx, fresh);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the segment", fn);
  }
  /* commit */
  a->algo = s;
  if (sh) {
    s->sh = sh;
    if (pg__async_is_q(a)) s->eps_final = pg__async_draw_final_eps(&a->rng);
  }
  if (tgt) {
    s->tgt = tgt;
    s->tgt_version = 0;
  }
  if (rs) {
    pg__free(ctx, s->rec_state);
    s->rec_state = rs;
    s->state_len = len;
    pg__net_state_copy(a->net, s->rec_state, 1, true);
  }
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
  if (s->rec_state) pg__net_state_copy(a->net, s->rec_state, 1, true); /* the next segment's start */
}

/* Copies the shared statistics into the parent's fields (parent's thread). */
void pg__async_fold_stats(pg_agent *P) {
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

void pg__async_writers(pg_agent *P, int delta) {
  pg__net_add_writers(P->net, delta);
  if (P->vnet) pg__net_add_writers(P->vnet, delta);
}

void pg__async_teardown(pg_agent *a) {
  pg__async *s = a->algo;
  if (!s) return;
  pg_ctx *ctx = a->ctx;
  pg__rollout_free(ctx, &s->rb);
  pg__free(ctx, s->rec_state);
  pg_net_destroy(s->tgt);
  if (s->parent) {
    /* the context is freed by pg_agent_destroy's final release */
    pg_ctx_destroy(s->err_ctx);
    if (s->counted) {
      atomic_fetch_sub(&s->sh->live_workers, 1);
      pg__async_fold_stats(s->parent);
      pg__async_writers(s->parent, -1);
      pg__agent_unhold(s->parent); /* last use of the parent: it may go now */
    }
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
                    "(the step still awaits its report)");
  pg__rollout_record(&s->rb, obs, mask, actions, rewards, term, trunc, next_obs, NULL, NULL);
  s->ep_ret += (double)rewards[0];
  s->ep_len++;
  uint64_t T = atomic_fetch_add_explicit(&sh->T, 1, memory_order_relaxed) + 1;
  if (term[0] || trunc[0]) post_episode(s);
  if (pg__async_is_q(a)) {
    uint64_t every = pg__pz(a, PG_PARAM_TARGET_INTERVAL);
    if (every && T % every == 0) refresh_target(a);
  }
  return PG_OK;
}

float *pg__async_step_obs(pg_agent *a) {
  pg__async *s = a->algo;
  return s ? pg__rollout_step_obs(&s->rb) : NULL;
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
  size_t want = has_state && pg__async_is_q(a) ? pg__net_param_count(a->net) : 0;
  if (has_state > 1 || count != want || r->left != want * 4 || !(eps >= 0.0 && eps <= 1.0))
    return pg__fail(ctx, PG_ERR_FORMAT,
                    "%s: ALGO: state %u, epsilon %g and %llu target values (%zu bytes) do not "
                    "fit this agent", fn, has_state, eps, (unsigned long long)count, r->left);
  if (!has_state) return PG_OK;
  /* the shared state as the first step would make it (from the loaded
  ** parameters), then the saved parts; the segment waits for the first step
  ** (the agent is dirty), which also refuses a num_envs other than 1 */
  pg__async *s = a->algo;
  if (!s) {
    s = pg__calloc(ctx, 1, sizeof *s);
    if (!s) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    a->algo = s; /* a failed load destroys the agent, and with it s */
  }
  if (!s->sh) {
    pg_status st = shared_new(a, &s->sh);
    if (st != PG_OK)
      return pg__fail(ctx, st, "%s: %s for the shared state", fn,
                      st == PG_ERR_NOMEM ? "out of memory" : "cannot create a mutex");
  }
  s->eps_final = eps;
  if (want) {
    pg__r_f32s(r, s->sh->target, want);
    if (!pg__all_finite(s->sh->target, want))
      return pg__fail(ctx, PG_ERR_FORMAT, "%s: ALGO: the target network is not finite", fn);
    atomic_fetch_add(&s->sh->target_version, 1);
  }
  return PG_OK;
}
