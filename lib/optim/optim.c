/* Optimizer update rules over flat arrays, and the pg_optim handle. */
#include "optim/pg_optim.h"
#include "nn/pg_nn.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* ---- pure update rules (loops written for the vectorizer) --------------- */

void pg__sgd_step(size_t n, float *restrict params, const float *restrict grads,
                  float lr) {
  for (size_t i = 0; i < n; i++) params[i] -= lr * grads[i];
}

void pg__momentum_step(size_t n, float *restrict params, const float *restrict grads,
                       float *restrict v, float lr, float mu) {
  for (size_t i = 0; i < n; i++) {
    v[i] = mu * v[i] + grads[i];
    params[i] -= lr * v[i];
  }
}

/* d = sqrt(d) elementwise. GCC keeps sqrtf scalar (it may set errno), so
** x86 uses the SIMD square root directly; it is exact like sqrtf. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void sqrt_avx512(float *d, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(d + i, _mm512_sqrt_ps(_mm512_loadu_ps(d + i)));
  for (; i < n; i++) d[i] = sqrtf(d[i]);
}

static void sqrt_block(float *d, size_t n) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    sqrt_avx512(d, n);
    return;
  }
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(d + i, _mm_sqrt_ps(_mm_loadu_ps(d + i)));
  for (; i < n; i++) d[i] = sqrtf(d[i]);
}
#else
static void sqrt_block(float *d, size_t n) {
  for (size_t i = 0; i < n; i++) d[i] = sqrtf(d[i]);
}
#endif

enum { BLOCK = 256 };

void pg__rmsprop_step(size_t n, float *restrict params, const float *restrict grads,
                      float *restrict sq, float lr, float decay, float eps) {
  const float keep = 1.0f - decay;
  float d[BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
    float *restrict p = params + i0, *restrict s = sq + i0;
    const float *restrict g = grads + i0;
    for (size_t i = 0; i < m; i++) {
      s[i] = decay * s[i] + keep * g[i] * g[i];
      d[i] = s[i] + eps;
    }
    sqrt_block(d, m);
    for (size_t i = 0; i < m; i++) p[i] -= lr * g[i] / d[i];
  }
}

void pg__adam_step(size_t n, float *restrict params, const float *restrict grads,
                   float *restrict m, float *restrict v, float lr, float b1, float b2,
                   float eps, uint64_t t) {
  const float c1 = (float)(1.0 / (1.0 - pow((double)b1, (double)t)));
  const float c2 = (float)(1.0 / (1.0 - pow((double)b2, (double)t)));
  float d[BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t k = n - i0 < BLOCK ? n - i0 : BLOCK;
    float *restrict p = params + i0, *restrict mm = m + i0, *restrict vv = v + i0;
    const float *restrict g = grads + i0;
    for (size_t i = 0; i < k; i++) {
      mm[i] = b1 * mm[i] + (1.0f - b1) * g[i];
      vv[i] = b2 * vv[i] + (1.0f - b2) * g[i] * g[i];
      d[i] = vv[i] * c2;
    }
    sqrt_block(d, k);
    for (size_t i = 0; i < k; i++) p[i] -= lr * (mm[i] * c1) / (d[i] + eps);
  }
}

/* ---- the handle ---------------------------------------------------------- */

/* Held for about a microsecond, so spinning beats sleeping; one cache line
** each so that neighbouring stripes' locks do not share one. */
typedef struct stripe_lock {
  pthread_spinlock_t l;
  char pad[64 - sizeof(pthread_spinlock_t)];
} stripe_lock;

struct pg_optim {
  pg_ctx *ctx;
  pg_net *net;
  pg_optim_kind kind;
  double hp[PG_OPTIM_CLIP_NORM + 1]; /* indexed by pg_optim_param */
  uint64_t t;                        /* steps taken (Adam's bias correction) */
  size_t n;
  float *s1, *s2;                    /* momentum / square average / Adam m, v */
  pthread_mutex_t *mu;               /* points at lock (lockable via const) */
  pthread_mutex_t lock;              /* hyperparameters, t */
  /* Parameters and state are updated and read stripe by stripe, each under
  ** its own lock, so concurrent workers (A3C) pipeline through the update
  ** instead of queueing for all of it; every element still changes under a
  ** lock, so there is no data race. */
  size_t n_stripes;
  stripe_lock *stripe;
};

enum { STRIPE = 1024 }; /* floats per stripe */

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
  for (size_t i = 0; i < o->n_stripes; i++)
    if (pthread_spin_init(&o->stripe[i].l, PTHREAD_PROCESS_PRIVATE) != 0) {
      while (i--) pthread_spin_destroy(&o->stripe[i].l);
      pthread_mutex_destroy(&o->lock);
      return -1;
    }
  return 0;
}

pg_status pg_optim_create(pg_net *net, pg_optim_kind kind, pg_optim **out) {
  static const char fn[] = "pg_optim_create";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = pg__net_ctx(net);
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (kind < PG_OPTIM_SGD || kind > PG_OPTIM_ADAM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: unknown optimizer kind %d", fn, (int)kind);
  if (!pg__net_ready(net))
    return pg__fail(ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  size_t n = pg__net_param_count(net);
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
  o->net = net;
  o->kind = kind;
  o->n = n;
  set_defaults(o);
  pg__net_retain(net);
  pg__ctx_retain(ctx);
  *out = o;
  return PG_OK;
}

void pg_optim_destroy(pg_optim *optim) {
  if (!optim) return;
  pg_ctx *ctx = optim->ctx;
  pg_net *net = optim->net;
  pthread_mutex_destroy(&optim->lock);
  for (size_t i = 0; i < optim->n_stripes; i++) pthread_spin_destroy(&optim->stripe[i].l);
  pg__free(ctx, optim->stripe);
  pg__free(ctx, optim->s1);
  pg__free(ctx, optim);
  pg__net_release(net);
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
  default: return v >= 0.0; /* LR, CLIP_NORM */
  }
}

pg_status pg_optim_set_param(pg_optim *optim, pg_optim_param param, double value) {
  static const char fn[] = "pg_optim_set_param";
  if (!optim) return PG_ERR_INVALID_ARG;
  pg_status st = check_param(optim, fn, param);
  if (st != PG_OK) return st;
  if (!in_bounds(param, value))
    return pg__fail(optim->ctx, PG_ERR_OUT_OF_RANGE, "%s: %s = %g is out of bounds", fn,
                    param_names[param], value);
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
  for (size_t i = 0; i < optim->n_stripes; i++) pthread_spin_lock(&optim->stripe[i].l);
  memset(optim->s1, 0, (optim->s2 ? 2 : 1) * optim->n * sizeof(float));
  optim->t = 0;
  for (size_t i = optim->n_stripes; i-- > 0;) pthread_spin_unlock(&optim->stripe[i].l);
  pthread_mutex_unlock(optim->mu);
  return PG_OK;
}

/* ---- stepping ------------------------------------------------------------ */

pg_net *pg__optim_net(pg_optim *opt) { return opt->net; }

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

/* Elements [i0, i1) of one update with hyperparameters hp and Adam step t;
** the caller holds the stripe's lock. */
static void step_range(pg_optim *o, const double *hp, uint64_t t, const float *g,
                       size_t i0, size_t i1) {
  float *p = pg__net_params(o->net) + i0;
  const size_t m = i1 - i0;
  const float lr = (float)hp[PG_OPTIM_LR];
  g += i0;
  switch (o->kind) {
  case PG_OPTIM_SGD:
    if (hp[PG_OPTIM_MOMENTUM] > 0.0)
      pg__momentum_step(m, p, g, o->s1 + i0, lr, (float)hp[PG_OPTIM_MOMENTUM]);
    else
      pg__sgd_step(m, p, g, lr);
    break;
  case PG_OPTIM_RMSPROP:
    pg__rmsprop_step(m, p, g, o->s1 + i0, lr, (float)hp[PG_OPTIM_DECAY],
                     (float)hp[PG_OPTIM_EPSILON]);
    break;
  default:
    pg__adam_step(m, p, g, o->s1 + i0, o->s2 + i0, lr, (float)hp[PG_OPTIM_BETA1],
                  (float)hp[PG_OPTIM_BETA2], (float)hp[PG_OPTIM_EPSILON], t);
    break;
  }
}

/* One update: a snapshot of the hyperparameters (and Adam's step number)
** under the main lock, then the stripes in order, each under its lock;
** with dst, each updated stripe is copied there while still locked and in
** cache (an A3C worker's θ' ← θ after its update). */
static void step_striped(pg_optim *o, const float *g, float *dst) {
  double hp[PG_OPTIM_CLIP_NORM + 1];
  pthread_mutex_lock(o->mu);
  memcpy(hp, o->hp, sizeof hp);
  uint64_t t = o->kind == PG_OPTIM_ADAM ? ++o->t : 0; /* t: Adam's only */
  pg__net_params_changed(o->net);
  pthread_mutex_unlock(o->mu);
  for (size_t k = 0; k < o->n_stripes; k++) {
    size_t i0 = k * STRIPE, i1 = i0 + STRIPE < o->n ? i0 + STRIPE : o->n;
    pthread_spin_lock(&o->stripe[k].l);
    step_range(o, hp, t, g, i0, i1);
    if (dst) memcpy(dst + i0, pg__net_params(o->net) + i0, (i1 - i0) * sizeof *dst);
    pthread_spin_unlock(&o->stripe[k].l);
  }
}

/* Clips (outside the lock: grads belong to the caller) and steps. */
static void apply_with_norm(pg_optim *opt, float *grads, double norm, float *dst) {
  pthread_mutex_lock(opt->mu);
  double clip = opt->hp[PG_OPTIM_CLIP_NORM];
  pthread_mutex_unlock(opt->mu);
  if (clip > 0.0 && norm > clip) pg__scale(grads, opt->n, (float)(clip / norm));
  step_striped(opt, grads, dst);
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
  const float *p = pg__net_params(opt->net);
  for (size_t k = 0; k < opt->n_stripes; k++) {
    size_t i0 = k * STRIPE, m = i0 + STRIPE < opt->n ? STRIPE : opt->n - i0;
    pthread_spin_lock(&opt->stripe[k].l);
    memcpy(dst + i0, p + i0, m * sizeof *dst);
    pthread_spin_unlock(&opt->stripe[k].l);
  }
}

pg_status pg_optim_step(pg_optim *optim, double *out_grad_norm) {
  if (!optim) return PG_ERR_INVALID_ARG;
  float *g = pg__net_grads(optim->net);
  double norm = pg__grad_norm(g, optim->n);
  if (!(norm - norm == 0.0))
    return pg__fail(optim->ctx, PG_ERR_NUMERIC, "pg_optim_step: NaN or Inf in the gradients");
  apply_with_norm(optim, g, norm, NULL);
  if (out_grad_norm) *out_grad_norm = norm;
  return PG_OK;
}

float *pg__optim_state(pg_optim *opt, pg_optim_kind *out_kind, size_t *out_count,
                       uint64_t **out_t) {
  *out_kind = opt->kind;
  *out_count = (opt->s2 ? 2 : 1) * opt->n;
  *out_t = &opt->t;
  return opt->s1;
}
