/* The pg_optim handle: one update rule and its state on one flat parameter
** block (lib/optim/pg_optim.h), its hyperparameters and schedule, the
** striped locks that let several threads update one block, and the
** Hogwild variant on atomic floats. */
#include "optim/pg_optim.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

/* Held for about a microsecond, so spinning beats sleeping; one cache line
** each so that neighbouring stripes' locks do not share one. A waiter spins
** (with the CPU's pause hint) for STRIPE_SPINS tries, then yields its core
** between tries: when threads outnumber cores, the holder may have been
** preempted, and spinning would only keep it off the core (a plain spin
** lock cost lock-mode A3C +50 % CPU per step at 4 threads on 2 cores). */
typedef struct stripe_lock {
  atomic_int held;
  char pad[64 - sizeof(atomic_int)];
} stripe_lock;

enum { STRIPE_SPINS = 128 };

static void stripe_lock_take(stripe_lock *l) {
  for (int tries = 0;; tries++) {
    if (!atomic_load_explicit(&l->held, memory_order_relaxed) &&
        !atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
      return;
    if (tries < STRIPE_SPINS)
      PG__CPU_RELAX();
    else
      sched_yield();
  }
}

static void stripe_lock_give(stripe_lock *l) {
  atomic_store_explicit(&l->held, 0, memory_order_release);
}

struct pg_optim {
  pg_ctx *ctx;
  pg_optim_kind kind;
  double hp[PG_OPTIM_CLIP_NORM + 1]; /* indexed by pg_optim_param */
  double anneal_steps;               /* lr schedule (pg__lr_schedule) */
  uint64_t t;                        /* steps taken (Adam's bias correction) */
  size_t n;
  float *params, *grads;             /* the block (not owned) */
  pg__block_owner owner;
  float *s1, *s2;                    /* momentum / square average / Adam m, v */
  pthread_mutex_t *mu;               /* points at lock (lockable via const) */
  pthread_mutex_t lock;              /* hyperparameters, t */
  /* Parameters and state are updated and read stripe by stripe, each under
  ** its own lock, so concurrent workers (A3C) pipeline through the update
  ** instead of queueing for all of it; every element still changes under a
  ** lock, so there is no data race. */
  size_t n_stripes;
  stripe_lock *stripe;
  /* Hogwild: the parameters and RMSProp statistics as float bit patterns,
  ** accessed with relaxed atomics only (while hw_on). */
  _Atomic uint32_t *hw_theta, *hw_sq;
  void *hw_theta_mem, *hw_sq_mem; /* the same blocks, for pg__free */
  atomic_bool hw_on;
};

enum { STRIPE = 1024 }; /* floats per stripe */

/* The largest learning rate pg_optim_set_param accepts (the agents'
** PG_PARAM_LR has the same bound). */
#define PG__OPTIM_MAX_LR 10.0

static const char *const param_names[PG_OPTIM_CLIP_NORM + 1] = {
    NULL, "lr", "decay", "epsilon", "momentum", "beta1", "beta2", "clip_norm"};

static bool param_applies(pg_optim_kind kind, pg_optim_param p) {
  switch (p) {
  case PG_OPTIM_LR:
  case PG_OPTIM_CLIP_NORM: return true;
  case PG_OPTIM_DECAY: return kind == PG_OPTIM_RMSPROP;
  case PG_OPTIM_EPSILON: return kind != PG_OPTIM_SGD;
  case PG_OPTIM_MOMENTUM: return kind == PG_OPTIM_SGD;
  case PG_OPTIM_BETA1:
  case PG_OPTIM_BETA2: return kind == PG_OPTIM_ADAM;
  default: return false;
  }
}

static void set_defaults(pg_optim *o) {
  double *hp = o->hp;
  memset(hp, 0, sizeof o->hp);
  hp[PG_OPTIM_LR] = o->kind == PG_OPTIM_SGD ? 0.01 : o->kind == PG_OPTIM_RMSPROP ? 7e-4 : 1e-3;
  hp[PG_OPTIM_DECAY] = 0.99;
  hp[PG_OPTIM_EPSILON] = o->kind == PG_OPTIM_RMSPROP ? 1e-5 : 1e-8;
  hp[PG_OPTIM_BETA1] = 0.9;
  hp[PG_OPTIM_BETA2] = 0.999;
}

/* Initialises the main lock and the stripe locks; undoes itself on failure. */
static int init_locks(pg_optim *o) {
  if (pthread_mutex_init(&o->lock, NULL) != 0) return -1;
  for (size_t i = 0; i < o->n_stripes; i++) atomic_init(&o->stripe[i].held, 0);
  return 0;
}

pg_status pg__optim_create(pg_ctx *ctx, pg_optim_kind kind, const pg__optim_block *block,
                           const pg__block_owner *owner, const char *fn, pg_optim **out) {
  *out = NULL;
  if (kind < PG_OPTIM_SGD || kind > PG_OPTIM_ADAM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: unknown optimizer kind %d", fn, (int)kind);
  size_t n = block->n;
  pg_optim *o = pg__calloc(ctx, 1, sizeof *o);
  if (!o) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  o->s1 = pg__calloc(ctx, kind == PG_OPTIM_ADAM ? 2 * n : n, sizeof(float));
  if (!o->s1) {
    pg__free(ctx, o);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the state", fn);
  }
  o->n_stripes = (n + STRIPE - 1) / STRIPE;
  o->stripe = pg__calloc(ctx, o->n_stripes, sizeof *o->stripe);
  if (!o->stripe) {
    pg__free(ctx, o->s1);
    pg__free(ctx, o);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the locks", fn);
  }
  if (init_locks(o) != 0) {
    pg__free(ctx, o->stripe);
    pg__free(ctx, o->s1);
    pg__free(ctx, o);
    return pg__fail(ctx, PG_ERR_THREAD, "%s: cannot create a mutex", fn);
  }
  o->mu = &o->lock;
  o->s2 = kind == PG_OPTIM_ADAM ? o->s1 + n : NULL;
  o->ctx = ctx;
  o->params = block->params;
  o->grads = block->grads;
  if (owner) o->owner = *owner;
  o->kind = kind;
  o->n = n;
  atomic_init(&o->hw_on, false);
  set_defaults(o);
  pg__ctx_retain(ctx);
  *out = o;
  return PG_OK;
}

void pg_optim_destroy(pg_optim *optim) {
  if (!optim) return;
  pg_ctx *ctx = optim->ctx;
  pg__block_owner owner = optim->owner;
  pthread_mutex_destroy(&optim->lock);
  pg__free(ctx, optim->hw_theta_mem);
  pg__free(ctx, optim->hw_sq_mem);
  pg__free(ctx, optim->stripe);
  pg__free(ctx, optim->s1);
  pg__free(ctx, optim);
  if (owner.release) owner.release(owner.obj);
  pg__ctx_release(ctx);
}

pg_status pg_optim_param_from_name(const char *name, pg_optim_param *out) {
  if (!name || !out) return PG_ERR_INVALID_ARG;
  for (int p = PG_OPTIM_LR; p <= PG_OPTIM_CLIP_NORM; p++)
    if (strcmp(name, param_names[p]) == 0) {
      *out = (pg_optim_param)p;
      return PG_OK;
    }
  return PG_ERR_INVALID_ARG;
}

static pg_status check_param(const pg_optim *o, const char *fn, pg_optim_param p) {
  if (p < PG_OPTIM_LR || p > PG_OPTIM_CLIP_NORM)
    return pg__fail(o->ctx, PG_ERR_INVALID_ARG, "%s: unknown parameter %d", fn, (int)p);
  if (!param_applies(o->kind, p))
    return pg__fail(o->ctx, PG_ERR_UNSUPPORTED, "%s: '%s' does not apply to this optimizer",
                    fn, param_names[p]);
  return PG_OK;
}

static bool in_bounds(pg_optim_param p, double v) {
  if (!(v == v && v - v == 0.0)) return false;
  switch (p) {
  case PG_OPTIM_EPSILON: return v > 0.0;
  case PG_OPTIM_DECAY:
  case PG_OPTIM_MOMENTUM:
  case PG_OPTIM_BETA1:
  case PG_OPTIM_BETA2: return v >= 0.0 && v < 1.0;
  case PG_OPTIM_LR: return v >= 0.0 && v <= PG__OPTIM_MAX_LR;
  default: return v >= 0.0; /* CLIP_NORM */
  }
}

pg_status pg_optim_set_param(pg_optim *optim, pg_optim_param param, double value) {
  static const char fn[] = "pg_optim_set_param";
  if (!optim) return PG_ERR_INVALID_ARG;
  pg_status st = check_param(optim, fn, param);
  if (st != PG_OK) return st;
  if (!in_bounds(param, value))
    return pg__fail(optim->ctx, PG_ERR_OUT_OF_RANGE, "%s: %s = %g is out of bounds%s", fn,
                    param_names[param], value,
                    param == PG_OPTIM_LR ? " (a learning rate is in [0, 10])" : "");
  pthread_mutex_lock(optim->mu);
  optim->hp[param] = value;
  pthread_mutex_unlock(optim->mu);
  return PG_OK;
}

pg_status pg_optim_get_param(const pg_optim *optim, pg_optim_param param, double *out) {
  static const char fn[] = "pg_optim_get_param";
  if (!optim) return PG_ERR_INVALID_ARG;
  pg_status st = check_param(optim, fn, param);
  if (st != PG_OK) return st;
  if (!out) return pg__fail(optim->ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  pthread_mutex_lock(optim->mu);
  *out = optim->hp[param];
  pthread_mutex_unlock(optim->mu);
  return PG_OK;
}

pg_status pg_optim_reset(pg_optim *optim) {
  if (!optim) return PG_ERR_INVALID_ARG;
  pthread_mutex_lock(optim->mu);
  for (size_t i = 0; i < optim->n_stripes; i++) stripe_lock_take(&optim->stripe[i]);
  memset(optim->s1, 0, (optim->s2 ? 2 : 1) * optim->n * sizeof(float));
  optim->t = 0;
  for (size_t i = optim->n_stripes; i-- > 0;) stripe_lock_give(&optim->stripe[i]);
  pthread_mutex_unlock(optim->mu);
  return PG_OK;
}

/* ---- the learning rate ------------------------------------------------------ */

double pg__optim_lr(pg_optim *opt) {
  pthread_mutex_lock(opt->mu);
  double lr = opt->hp[PG_OPTIM_LR];
  pthread_mutex_unlock(opt->mu);
  return lr;
}

void pg__optim_set_lr(pg_optim *opt, double lr) {
  pthread_mutex_lock(opt->mu);
  opt->hp[PG_OPTIM_LR] = lr;
  pthread_mutex_unlock(opt->mu);
}

void pg__optim_set_schedule(pg_optim *opt, double anneal_steps) {
  pthread_mutex_lock(opt->mu);
  opt->anneal_steps = anneal_steps;
  pthread_mutex_unlock(opt->mu);
}

double pg__optim_lr_at(pg_optim *opt, uint64_t step) {
  pthread_mutex_lock(opt->mu);
  double lr = pg__lr_schedule(opt->hp[PG_OPTIM_LR], opt->anneal_steps, step);
  pthread_mutex_unlock(opt->mu);
  return lr;
}

/* ---- stepping ------------------------------------------------------------ */

/* m elements of one update of kind with hyperparameters hp, rate lr and
** Adam step t on parameters p and state s1/s2 (s2: Adam only). */
static void step_block(pg_optim_kind kind, const double *hp, float lr, uint64_t t,
                       const float *g, size_t m, float *p, float *s1, float *s2) {
  switch (kind) {
  case PG_OPTIM_SGD:
    if (hp[PG_OPTIM_MOMENTUM] > 0.0)
      pg__momentum_step(m, p, g, s1, lr, (float)hp[PG_OPTIM_MOMENTUM]);
    else
      pg__sgd_step(m, p, g, lr);
    break;
  case PG_OPTIM_RMSPROP:
    pg__rmsprop_step(m, p, g, s1, lr, (float)hp[PG_OPTIM_DECAY], (float)hp[PG_OPTIM_EPSILON]);
    break;
  default:
    pg__adam_step(m, p, g, s1, s2, lr, (float)hp[PG_OPTIM_BETA1], (float)hp[PG_OPTIM_BETA2],
                  (float)hp[PG_OPTIM_EPSILON], t);
    break;
  }
}

/* Elements [i0, i1) of one update; the caller holds the stripe's lock. */
static void step_range(pg_optim *o, const double *hp, float lr, uint64_t t, const float *g,
                       size_t i0, size_t i1) {
  step_block(o->kind, hp, lr, t, g + i0, i1 - i0, o->params + i0, o->s1 + i0,
             o->s2 ? o->s2 + i0 : NULL);
}

/* Whether the update would leave the parameters and the optimizer's state
** finite: each stripe is stepped on a copy on the stack (no allocation),
** the block is untouched. Run before the real update so that a diverging
** step changes nothing. Not for Hogwild mode. */
static bool step_stays_finite(pg_optim *o, const double *hp, float lr, uint64_t t,
                              const float *g, float clip) {
  float p[STRIPE], s1[STRIPE], s2[STRIPE], gs[STRIPE];
  bool ok = true;
  for (size_t k = 0; k < o->n_stripes && ok; k++) {
    size_t i0 = k * STRIPE, m = i0 + STRIPE < o->n ? STRIPE : o->n - i0;
    memcpy(gs, g + i0, m * sizeof *gs);
    if (clip != 1.0f) pg__scale(gs, m, clip);
    stripe_lock_take(&o->stripe[k]);
    memcpy(p, o->params + i0, m * sizeof *p);
    memcpy(s1, o->s1 + i0, m * sizeof *s1);
    if (o->s2) memcpy(s2, o->s2 + i0, m * sizeof *s2);
    stripe_lock_give(&o->stripe[k]);
    step_block(o->kind, hp, lr, t, gs, m, p, s1, o->s2 ? s2 : NULL);
    ok = pg__all_finite(p, m) && pg__all_finite(s1, m) && (!o->s2 || pg__all_finite(s2, m));
  }
  return ok;
}

bool pg__optim_trial_at(pg_optim *opt, const float *grads, uint64_t step) {
  double hp[PG_OPTIM_CLIP_NORM + 1];
  pthread_mutex_lock(opt->mu);
  memcpy(hp, opt->hp, sizeof hp);
  double lr = pg__lr_schedule(hp[PG_OPTIM_LR], opt->anneal_steps, step);
  uint64_t t = opt->kind == PG_OPTIM_ADAM ? opt->t + 1 : 0;
  pthread_mutex_unlock(opt->mu);
  return step_stays_finite(opt, hp, (float)lr, t, grads, 1.0f);
}

static inline uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
static inline float u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* RMSProp on the Hogwild arrays; then theta' <- theta into dst.
**
** Two builds of the same semantics, Hogwild's racy writes: no lock and no
** read-modify-write instruction, so a step that races with another
** worker's on the same element may be overwritten (lost) and a reader may
** see a vector half-way through an update; an aligned float is not torn
** on x86-64 or AArch64 in practice, vector moves included.
** - ThreadSanitizer builds (and PG_HOGWILD_ATOMIC): every shared access is
**   a relaxed atomic load or store, a block of HW_BLOCK at a time into local
**   arrays, the ordinary RMSProp rule on those, and back. Well-defined C11;
**   TSan is silent.
** - Otherwise: the ordinary vectorized RMSProp rule straight on the shared
**   arrays, as in lock mode but without the locks: a plain racy write (a
**   data race in C11 terms, kept out of the TSan build on purpose). It
**   saves the four scalar atomic copies per element, about a fifth of an
**   A3C worker's time on CartPole (docs/PERFORMANCE.md). */
#if !defined(PG_HOGWILD_ATOMIC)
#if defined(__SANITIZE_THREAD__)
#define PG_HOGWILD_ATOMIC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PG_HOGWILD_ATOMIC 1
#endif
#endif
#endif

enum { HW_BLOCK = 256 };
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(float), "Hogwild arrays hold floats");

static void hogwild_step(pg_optim *o, const float *g, float lr, float decay, float eps,
                         float *dst) {
#ifdef PG_HOGWILD_ATOMIC
  float theta[HW_BLOCK], sq[HW_BLOCK];
  for (size_t i0 = 0; i0 < o->n; i0 += HW_BLOCK) {
    const size_t m = o->n - i0 < HW_BLOCK ? o->n - i0 : HW_BLOCK;
    _Atomic uint32_t *at = o->hw_theta + i0, *as = o->hw_sq + i0;
    for (size_t i = 0; i < m; i++) {
      theta[i] = u2f(atomic_load_explicit(&at[i], memory_order_relaxed));
      sq[i] = u2f(atomic_load_explicit(&as[i], memory_order_relaxed));
    }
    pg__rmsprop_step(m, theta, g + i0, sq, lr, decay, eps);
    for (size_t i = 0; i < m; i++) {
      atomic_store_explicit(&as[i], f2u(sq[i]), memory_order_relaxed);
      atomic_store_explicit(&at[i], f2u(theta[i]), memory_order_relaxed);
    }
    if (dst) memcpy(dst + i0, theta, m * sizeof *dst);
  }
#else
  float *theta = o->hw_theta_mem, *sq = o->hw_sq_mem;
  for (size_t i0 = 0; i0 < o->n; i0 += HW_BLOCK) {
    const size_t m = o->n - i0 < HW_BLOCK ? o->n - i0 : HW_BLOCK;
    pg__rmsprop_step(m, theta + i0, g + i0, sq + i0, lr, decay, eps);
    if (dst) memcpy(dst + i0, theta + i0, m * sizeof *dst);
  }
#endif
}

/* One update at the rate of `step` (or the base rate when use_schedule is
** false): a snapshot of the hyperparameters (and Adam's step number) under
** the main lock, then the stripes in order, each under its lock; with dst,
** each updated stripe is copied there while still locked and in cache (an
** A3C worker's theta' <- theta after its update). */
static void step_striped(pg_optim *o, const float *g, bool use_schedule, uint64_t step,
                         float *dst) {
  double hp[PG_OPTIM_CLIP_NORM + 1];
  pthread_mutex_lock(o->mu);
  memcpy(hp, o->hp, sizeof hp);
  double lr = use_schedule ? pg__lr_schedule(hp[PG_OPTIM_LR], o->anneal_steps, step)
                           : hp[PG_OPTIM_LR];
  if (atomic_load_explicit(&o->hw_on, memory_order_acquire)) {
    pthread_mutex_unlock(o->mu);
    hogwild_step(o, g, (float)lr, (float)hp[PG_OPTIM_DECAY], (float)hp[PG_OPTIM_EPSILON], dst);
    return;
  }
  uint64_t t = o->kind == PG_OPTIM_ADAM ? ++o->t : 0; /* t: Adam's only */
  if (o->owner.changed) o->owner.changed(o->owner.obj);
  pthread_mutex_unlock(o->mu);
  for (size_t k = 0; k < o->n_stripes; k++) {
    size_t i0 = k * STRIPE, i1 = i0 + STRIPE < o->n ? i0 + STRIPE : o->n;
    stripe_lock_take(&o->stripe[k]);
    step_range(o, hp, (float)lr, t, g, i0, i1);
    if (dst) memcpy(dst + i0, o->params + i0, (i1 - i0) * sizeof *dst);
    stripe_lock_give(&o->stripe[k]);
  }
}

void pg__optim_apply_at(pg_optim *opt, const float *grads, uint64_t step, float *dst) {
  step_striped(opt, grads, true, step, dst);
}

/* The clip factor for gradients of norm `norm` (1: no clipping). */
static float clip_scale(pg_optim *opt, double norm) {
  pthread_mutex_lock(opt->mu);
  double clip = opt->hp[PG_OPTIM_CLIP_NORM];
  pthread_mutex_unlock(opt->mu);
  return clip > 0.0 && norm > clip ? (float)(clip / norm) : 1.0f;
}

/* Clips (outside the lock: grads belong to the caller) and steps. */
static void apply_with_norm(pg_optim *opt, float *grads, double norm, float *dst) {
  float c = clip_scale(opt, norm);
  if (c != 1.0f) pg__scale(grads, opt->n, c);
  step_striped(opt, grads, false, 0, dst);
}

double pg__optim_apply_shared_read(pg_optim *opt, float *grads, float *dst) {
  pthread_mutex_lock(opt->mu);
  double clip = opt->hp[PG_OPTIM_CLIP_NORM];
  pthread_mutex_unlock(opt->mu);
  double norm = clip > 0.0 ? pg__grad_norm(grads, opt->n) : -1.0;
  apply_with_norm(opt, grads, norm, dst);
  return norm;
}

double pg__optim_apply_shared(pg_optim *opt, float *grads) {
  return pg__optim_apply_shared_read(opt, grads, NULL);
}

void pg__optim_read_params(pg_optim *opt, float *dst) {
  if (atomic_load_explicit(&opt->hw_on, memory_order_acquire)) {
    for (size_t i = 0; i < opt->n; i++)
      dst[i] = u2f(atomic_load_explicit(&opt->hw_theta[i], memory_order_relaxed));
    return;
  }
  const float *p = opt->params;
  for (size_t k = 0; k < opt->n_stripes; k++) {
    size_t i0 = k * STRIPE, m = i0 + STRIPE < opt->n ? STRIPE : opt->n - i0;
    stripe_lock_take(&opt->stripe[k]);
    memcpy(dst + i0, p + i0, m * sizeof *dst);
    stripe_lock_give(&opt->stripe[k]);
  }
}

pg_status pg_optim_step(pg_optim *optim, double *out_grad_norm) {
  if (!optim) return PG_ERR_INVALID_ARG;
  float *g = optim->grads;
  if (!g)
    return pg__fail(optim->ctx, PG_ERR_BAD_STATE,
                    "pg_optim_step: this optimizer has no gradient buffer of its own");
  double norm = pg__grad_norm(g, optim->n);
  if (!(norm - norm == 0.0))
    return pg__fail(optim->ctx, PG_ERR_NUMERIC, "pg_optim_step: NaN or Inf in the gradients");
  if (!atomic_load_explicit(&optim->hw_on, memory_order_acquire)) {
    /* the update on a copy first: a step that would make a parameter
    ** non-finite changes nothing (not even the clipped gradients) */
    double hp[PG_OPTIM_CLIP_NORM + 1];
    pthread_mutex_lock(optim->mu);
    memcpy(hp, optim->hp, sizeof hp);
    uint64_t t = optim->kind == PG_OPTIM_ADAM ? optim->t + 1 : 0;
    pthread_mutex_unlock(optim->mu);
    if (!step_stays_finite(optim, hp, (float)hp[PG_OPTIM_LR], t, g, clip_scale(optim, norm)))
      return pg__fail(optim->ctx, PG_ERR_NUMERIC,
                      "pg_optim_step: the update would make parameters NaN or Inf (learning "
                      "rate %g): nothing changed", hp[PG_OPTIM_LR]);
  }
  apply_with_norm(optim, g, norm, NULL);
  if (out_grad_norm) *out_grad_norm = norm;
  return PG_OK;
}

/* ---- Hogwild ---------------------------------------------------------------- */

pg_status pg__optim_hogwild_begin(pg_optim *o, const char *fn) {
  if (o->kind != PG_OPTIM_RMSPROP)
    return pg__fail(o->ctx, PG_ERR_UNSUPPORTED, "%s: hogwild = 1 needs the RMSProp optimizer",
                    fn);
  size_t n = o->n;
  if (!o->hw_theta) {
    void *m1 = pg__malloc(o->ctx, n * sizeof(_Atomic uint32_t));
    void *m2 = pg__malloc(o->ctx, n * sizeof(_Atomic uint32_t));
    if (!m1 || !m2) {
      pg__free(o->ctx, m1);
      pg__free(o->ctx, m2);
      return pg__fail(o->ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    }
    o->hw_theta_mem = m1;
    o->hw_sq_mem = m2;
    o->hw_theta = m1;
    o->hw_sq = m2;
    for (size_t i = 0; i < n; i++) atomic_init(&o->hw_sq[i], f2u(0.0f));
  }
  for (size_t i = 0; i < n; i++) atomic_init(&o->hw_theta[i], f2u(o->params[i]));
  atomic_store(&o->hw_on, true);
  return PG_OK;
}

void pg__optim_hogwild_end(pg_optim *o) {
  if (!atomic_load(&o->hw_on)) return;
  atomic_store(&o->hw_on, false);
  for (size_t i = 0; i < o->n; i++)
    o->params[i] = u2f(atomic_load_explicit(&o->hw_theta[i], memory_order_relaxed));
  if (o->owner.changed) o->owner.changed(o->owner.obj);
}

float *pg__optim_state(pg_optim *opt, pg_optim_kind *out_kind, size_t *out_count,
                       uint64_t **out_t) {
  *out_kind = opt->kind;
  *out_count = (opt->s2 ? 2 : 1) * opt->n;
  *out_t = &opt->t;
  return opt->s1;
}
