/*
** Optimizers on flat float blocks: the update rules, gradient clipping, the
** learning-rate schedule, and the pg_optim handle that binds one rule and its
** state to one parameter block. lib/optim depends on lib/core only: it knows
** nothing of networks. A block is a params array and a grads array of n
** floats that somebody else owns; the owner may ask to be told after each
** update (pg__block_owner.changed) and kept alive (retain in the binder,
** release at destroy). The public pg_optim_create(pg_net *) is such a binder
** (lib/agents/optim_net.c).
**
** A3C pattern: the shared parameters have one pg_optim (RMSProp with shared
** statistics); each worker owns a copy, computes gradients into its own
** buffer, then calls pg__optim_apply_at(shared, worker_grads, T, worker_params):
** the update and the worker's theta' <- theta in one pass. It works stripe
** by stripe (1024 parameters each), every stripe under its own lock, so any
** number of workers may call it concurrently without a data race, and two
** workers' updates pipeline through the stripes instead of queueing for the
** whole vector. The Hogwild variant (pg__optim_hogwild_begin) keeps the
** parameters and RMSProp statistics as atomic floats instead: no locks,
** relaxed loads and stores only (a concurrent step may be lost). Nothing
** here allocates after creation except pg__optim_hogwild_begin the first
** time.
*/
#ifndef PG_OPTIM_H
#define PG_OPTIM_H

#include "pg_internal.h"

#include <stddef.h>
#include <stdint.h>

/* ---- update rules (pure functions over flat arrays) ---------------------- */

/* p -= lr*g */
void pg__sgd_step(size_t n, float *params, const float *grads, float lr);
/* v = mu*v + g; p -= lr*v */
void pg__momentum_step(size_t n, float *params, const float *grads, float *v,
                       float lr, float mu);
/* sq = decay*sq + (1-decay)*g^2; p -= lr*g/sqrt(sq + eps) (A3C's form). */
void pg__rmsprop_step(size_t n, float *params, const float *grads, float *sq,
                      float lr, float decay, float eps);
/* m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; with t >= 1 the step number,
** p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps). */
void pg__adam_step(size_t n, float *params, const float *grads, float *m,
                   float *v, float lr, float b1, float b2, float eps,
                   uint64_t t);

/* ---- gradient clipping and the learning-rate schedule -------------------- */

/* The global norm over k gradient blocks (grads[i] of n[i] floats); when it
** is finite and above max_norm > 0, every block is scaled so that it is
** max_norm. Returns the norm before clipping (NaN/Inf if a gradient is not
** finite: nothing is scaled then). max_norm <= 0: no clipping. */
double pg__clip_blocks(float *const *grads, const size_t *n, size_t k,
                       double max_norm);
/* The learning rate at step `step` of a linear schedule from lr down to 0
** over anneal_steps steps (constant lr when anneal_steps <= 0). The one
** place where an annealed rate is computed. */
double pg__lr_schedule(double lr, double anneal_steps, uint64_t step);

/* ---- the handle on a block ----------------------------------------------- */

typedef struct pg__optim_block {
  float *params;  /* n floats, updated in place */
  float *grads;   /* n floats, read by pg_optim_step (may be NULL otherwise) */
  size_t n;
} pg__optim_block;

/* Who owns a block: `changed` is called (under the optimizer's lock) when an
** update starts changing params, `release` once at pg_optim_destroy. Either
** may be NULL. */
typedef struct pg__block_owner {
  void *obj;
  void (*changed)(void *obj);
  void (*release)(void *obj);
} pg__block_owner;

/* An optimizer of `kind` on block (n >= 1; not copied: the arrays must
** outlive the optimizer, which owner->release may ensure). owner may be
** NULL. Errors (recorded in ctx with fn in front): PG_ERR_INVALID_ARG for an
** unknown kind, PG_ERR_NOMEM, PG_ERR_THREAD. Three allocations: the handle,
** its state, its stripe locks. */
pg_status pg__optim_create(pg_ctx *ctx, pg_optim_kind kind,
                           const pg__optim_block *block,
                           const pg__block_owner *owner, const char *fn,
                           pg_optim **out);

/* The base learning rate (PG_OPTIM_LR), read and written under the
** optimizer's lock, so another thread may call these while workers step. */
double pg__optim_lr(pg_optim *opt);
void pg__optim_set_lr(pg_optim *opt, double lr);
/* The schedule: the rate of an update at step T is
** pg__lr_schedule(lr, anneal_steps, T). 0 (the default) = constant. */
void pg__optim_set_schedule(pg_optim *opt, double anneal_steps);
/* The rate an update at step T would use. */
double pg__optim_lr_at(pg_optim *opt, uint64_t step);

/* One update of the block from grads (n floats; the caller's, e.g. a
** worker's) at schedule step `step`, without clipping (the caller clips,
** jointly over its blocks, with pg__clip_blocks). With dst (n floats, not
** the block's params), each updated stripe is copied there while still
** locked and in cache: an A3C worker's update and theta' <- theta in one
** pass. Thread-safe (stripe locks, or atomics in Hogwild mode). Does not
** check for NaN. */
void pg__optim_apply_at(pg_optim *opt, const float *grads, uint64_t step,
                        float *dst);
/* Whether pg__optim_apply_at(opt, grads, step, ...) would leave the
** parameters and the optimizer's statistics finite; the update runs on
** copies on the stack, the block is untouched. Not in Hogwild mode. */
bool pg__optim_trial_at(pg_optim *opt, const float *grads, uint64_t step);
/* The same at the base rate, clipping grads in place first when
** PG_OPTIM_CLIP_NORM > 0 (outside the lock). Returns the norm before
** clipping, or -1 when CLIP_NORM is 0 (the norm is then not computed). */
double pg__optim_apply_shared(pg_optim *opt, float *grads);
double pg__optim_apply_shared_read(pg_optim *opt, float *grads, float *dst);

/* Copies the block's params into dst (n floats), each stripe under its lock
** (or from the atomic copy in Hogwild mode): a worker's theta' <- theta.
** Every stripe is from one whole update; different stripes may be from
** consecutive updates of other workers (as in the paper's lock-free
** setting, but without data races). */
void pg__optim_read_params(pg_optim *opt, float *dst);

/* Hogwild mode (RMSProp only, PG_ERR_UNSUPPORTED otherwise; PG_ERR_NOMEM):
** from begin to end, updates and reads go to an atomic copy of the params
** and to RMSProp statistics of their own (kept across begin/end pairs),
** with relaxed atomic loads and stores only, block by block (no
** read-modify-write): a step that races with another worker's on the same
** element may be lost, as in Hogwild's racy writes. end
** copies the parameters back (and tells the owner). Call both while no
** other thread uses the optimizer. */
pg_status pg__optim_hogwild_begin(pg_optim *opt, const char *fn);
void pg__optim_hogwild_end(pg_optim *opt);

/* The optimizer's state for agent checkpoints (lib/agents/agent_io.c): its
** kind, its statistics (*out_count floats: n for SGD's momentum and
** RMSProp's square average, 2n for Adam: m then v) and Adam's step count
** (*out_t; 0 for the others). Both pointers stay valid until destroy. Not
** locked: only while no other thread uses the optimizer. */
float *pg__optim_state(pg_optim *opt, pg_optim_kind *out_kind, size_t *out_count,
                       uint64_t **out_t);

#endif /* PG_OPTIM_H */
