/*
** Optimizers: pure update functions over flat float arrays, and the
** internal entry points of the pg_optim handle that the agents use.
**
** A3C pattern: the shared net has one pg_optim (RMSProp with shared
** statistics); each worker owns a pg__net_clone of it, computes gradients
** into its clone, then calls pg__optim_apply_shared(shared_optim,
** worker_grads) and pg__optim_read_params(shared_optim, worker_params).
** Both work stripe by stripe (1024 parameters each), every stripe under its
** own lock, so any number of workers may call them concurrently without a
** data race, and two workers' updates pipeline through the stripes instead
** of queueing for the whole vector. Nothing here allocates.
*/
#ifndef PG_OPTIM_H
#define PG_OPTIM_H

#include "pg_internal.h"

#include <stddef.h>
#include <stdint.h>

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

/* The bound net (not retained by these calls). */
pg_net *pg__optim_net(pg_optim *opt);

/* The learning rate, read and written under the optimizer's lock, so an
** annealing thread may call these while workers step. */
double pg__optim_lr(pg_optim *opt);
void pg__optim_set_lr(pg_optim *opt, double lr);

/* One step on the bound net's params from `grads` (param-count floats;
** typically the net's own grad buffer or a worker clone's). Clips grads
** in place first when CLIP_NORM > 0, outside the lock. Returns the norm
** before clipping, or -1 when CLIP_NORM is 0 (the norm is then not
** computed: agents clip jointly over their nets before calling this).
** Thread-safe: each stripe of the update runs under its lock, so several
** threads may apply their gradients to one shared parameter set and one
** shared set of statistics concurrently. Does not check for NaN
** (pg_optim_step does). */
double pg__optim_apply_shared(pg_optim *opt, float *grads);
/* The same, then θ' ← θ into dst (param-count floats) stripe by stripe
** while each stripe is locked and in cache: an A3C worker's update and
** re-synchronisation in one pass. dst must not be the bound net's params. */
double pg__optim_apply_shared_read(pg_optim *opt, float *grads, float *dst);

/* Copies the bound net's params into dst (param-count floats), each stripe
** under its lock: a worker's θ' ← θ. Every stripe is from one whole update;
** different stripes may be from consecutive updates of other workers (as
** in the paper's lock-free setting, but without data races). */
void pg__optim_read_params(pg_optim *opt, float *dst);

/* The optimizer's state for agent checkpoints (lib/agents/agent_io.c): its
** kind, its statistics (*out_count floats: n for SGD's momentum and
** RMSProp's square average, 2n for Adam: m then v) and Adam's step count
** (*out_t; 0 for the others). Both pointers stay valid until destroy. Not
** locked: only while no other thread uses the optimizer. */
float *pg__optim_state(pg_optim *opt, pg_optim_kind *out_kind, size_t *out_count,
                       uint64_t **out_t);

#endif /* PG_OPTIM_H */
