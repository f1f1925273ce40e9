/*
** The asynchronous family (Mnih et al., 2016): A3C (Algorithm S3), async
** one-step Q-learning (Algorithm 1), one-step Sarsa and n-step Q-learning
** (Algorithm S2). docs/ASYNC.md is the guide.
**
** Every async pg_agent -- the parent made by pg_agent_create*, and each
** worker made by pg_agent_create_worker or by pg_agent_train for its
** threads -- has a pg__async as its a->algo: the per-thread state (segment
** buffers, epsilon, local target copy) and a pointer to the parent's
** pg__async_shared (global step counter T, statistics, target network
** theta^-, the Hogwild arrays). A worker's a->net is its theta' (a clone of
** the parent's theta); the parent's a->net is theta itself.
**
** Generic flow (agent.c): pg__agent_step acts on a->net (theta'); record
** stores the row, counts T and posts finished episodes; update_due after
** t_max rows or at an episode end; update computes the gradients into
** theta' and pg__async_apply applies them to the shared theta (optimizer
** lock, or Hogwild atomics) and re-reads theta' <- theta.
*/
#ifndef PG_ASYNC_H
#define PG_ASYNC_H

#include "agents/pg_agent_internal.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct pg__async_shared {
  pthread_mutex_t mu;           /* statistics, target writes, hogwild setup */
  _Atomic uint64_t T;           /* global steps (all threads, all calls) */
  _Atomic uint64_t episodes;    /* finished episodes (also under mu) */
  _Atomic int live_workers;     /* host worker handles alive */
  atomic_bool training;         /* pg_agent_train runs on the parent */
  /* statistics, under mu */
  uint64_t updates, last_length;
  double last_return, pl, vl, ent;
  double ring[PG__RING];
  int ring_n, ring_pos;
  uint64_t next_index;          /* index of the next host worker */
  /* private clones of theta (and the value net) that nobody trains:
  ** workers are cloned from them under mu, never from the live theta */
  pg_net *proto, *vproto;
  /* target network theta^- (Q methods): params, under mu; version bumps
  ** after every refresh so that workers re-copy it */
  float *target;
  _Atomic uint64_t target_version;
  /* (Hogwild: a mode of the parent's optimizers, lib/optim) */
} pg__async_shared;

typedef struct pg__async {
  pg_agent *parent;             /* NULL for the parent itself */
  pg__async_shared *sh;         /* the parent's (owned by the parent) */
  bool internal;                /* a pg_agent_train thread's worker */
  bool counted;                 /* counted in sh->live_workers */
  uint64_t index;
  pg_ctx *err_ctx;              /* worker: its own message buffer */
  /* segment: up to T (t_max; +1 for Sarsa) rows of one slot */
  size_t T;
  pg__rollout rb;
  /* episode bookkeeping for the shared statistics */
  double ep_ret;
  uint64_t ep_len;
  /* epsilon-greedy (Q methods) */
  double eps_final;
  pg_net *tgt;                  /* local copy of theta^- (own forward buffers) */
  uint64_t tgt_version;
  /* A3C-LSTM: the recurrent state at the segment's start, then room to
  ** keep the acting state while the segment is replayed (2 x state_len). */
  float *rec_state;
  size_t state_len;
} pg__async;

/* Traits of a's algorithm. */
static inline bool pg__is_async(const pg_agent *a) { return (a->ops->traits & PG__TRAIT_ASYNC) != 0; }
static inline bool pg__async_is_q(const pg_agent *a) {
  return (a->ops->traits & PG__TRAIT_Q_HEAD) != 0;
}

/* ---- async_common.c ---- */
/* epsilon at global step T: linear from 1 to final over anneal steps. */
double pg__async_epsilon(double final_eps, double anneal_steps, uint64_t T);
/* A worker's final epsilon: 0.1, 0.01, 0.5 with probabilities 0.4, 0.3, 0.3. */
double pg__async_draw_final_eps(pg__rng *rng);
pg_agent *pg__async_root(pg_agent *a);
pg_status pg__async_setup(pg_agent *a);
pg_status pg__async_record(pg_agent *a, const float *obs, const uint8_t *mask,
                           const float *actions, const float *rewards,
                           const int32_t *term, const int32_t *trunc,
                           const float *next_obs);
bool pg__async_due(const pg_agent *a);
float *pg__async_step_obs(pg_agent *a);
void pg__async_clear(pg_agent *a);
void pg__async_teardown(pg_agent *a);
/* Copies the shared statistics into the parent's fields (parent's thread). */
void pg__async_fold_stats(pg_agent *P);

/* Counts delta writers of the parent's nets (its training threads, its live
** worker handles): public calls on them refuse meanwhile (lib/nn/pg_nn.h). */
void pg__async_writers(pg_agent *P, int delta);

/* ---- async_workers.c ---- */
/* A worker of parent P (internal: one of pg_agent_train's; index and seed
** pick its random stream): theta' cloned from the shared prototype and read
** from the shared parameters. */
pg_status pg__async_worker_new(pg_agent *P, bool internal, uint64_t index, uint64_t seed,
                               const char *fn, pg_agent **out);

/* ---- async_train.c ---- */
pg_status pg__async_train(pg_agent *a, pg_env *env, int64_t max_steps,
                          pg_progress_fn progress, void *user);
/* Checkpoints: the ops' check_save, save_state and load_state. */
pg_status pg__async_check_save(const pg_agent *a, const char *fn);
void pg__async_save_state(pg__writer *w, const void *agent);
pg_status pg__async_load_state(pg_agent *a, const char *fn, pg__reader *r);
/* The apply point (pg__agent_apply) at global step T, then the shared
** statistics of the update. */
pg_status pg__async_apply(pg_agent *a, const char *fn, double pl, double vl,
                          double ent);
/* Refreshes the worker's local theta^- if the shared one changed. */
void pg__async_target_sync(pg_agent *a);

/* ---- a3c.c ---- */
pg_status pg__a3c_update(pg_agent *a);
extern const pg__algo_ops pg__a3c_ops, pg__a3c_worker_ops;

/* ---- async_q.c ---- */
pg_status pg__async_q_update(pg_agent *a);
/* epsilon-greedy action on one row of Q-values (mask may be NULL). */
uint32_t pg__async_q_act(pg_agent *a, const float *q, const uint8_t *mask);
extern const pg__algo_ops pg__async_q1_ops, pg__async_q1_worker_ops;
extern const pg__algo_ops pg__async_sarsa_ops, pg__async_sarsa_worker_ops;
extern const pg__algo_ops pg__async_qn_ops, pg__async_qn_worker_ops;

#endif /* PG_ASYNC_H */
