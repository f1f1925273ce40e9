/* Asynchronous worker handles: pg_agent_create_worker, and the workers of
** pg_agent_train's threads (pg__async_worker_new). A worker is an agent of
** its own (its own context for messages, theta' a clone of the parent's
** net) whose root is the parent: its updates go to the shared parameters. */
#include "agents/pg_async.h"

#include <string.h>


/* ---- workers ------------------------------------------------------------------------ */

pg_status pg__async_worker_new(pg_agent *P, bool internal, uint64_t index, uint64_t seed,
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
  if (pg__async_is_q(P)) s->eps_final = pg__async_draw_final_eps(&w->rng);
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
  if (!pg__is_async(agent))
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
    st = pg__async_worker_new(agent, false, index, (uint64_t)pg__p(agent, PG_PARAM_SEED), fn, &w);
    if (st != PG_OK) { /* the index stays free for the retry */
      pthread_mutex_lock(&s->sh->mu);
      if (s->sh->next_index == index + 1) s->sh->next_index = index;
      pthread_mutex_unlock(&s->sh->mu);
    } else {
      ((pg__async *)w->algo)->counted = true;
      atomic_fetch_add(&s->sh->live_workers, 1);
      pg__async_writers(agent, 1);
      pg__agent_hold(agent); /* a destroyed parent lives on until its last worker goes */
      *out_worker = w;
    }
  }
  pg__ftz_leave(fz);
  return st;
}
