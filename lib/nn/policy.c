/* pg_policy: an immutable acting network (trunk + one policy or Q head)
** and pg_policy_session, the per-thread workspace that acts with it.
** Acting reads only the policy and writes only the session, so sessions of
** one policy may act concurrently; nothing is allocated per call. */
#include "nn/pg_nn.h"
#include "pg_serial.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct pg_policy {
  pg_ctx *ctx;
  _Atomic int refs;            /* the owner + one per session */
  pg__arch arch;               /* trunk + the acting head (saved as is) */
  uint32_t head_kind;          /* PG__LAYER_CATEGORICAL / GAUSSIAN / Q */
  size_t n_layers, n_trunk, input_dim, head_dim, max_width;
  pg__layer layers[PG__ARCH_MAX_LAYERS];
  size_t n_params;
  float *params;
};

struct pg_policy_session {
  pg_policy *policy;
  pg__rng rng;
  float *buf[2];               /* max_width floats each: activations */
  float *probs;                /* head_dim floats */
  float *pack;                 /* the GEMM kernel's scratch */
  char err[256];
};

static void policy_release(pg_policy *p) {
  if (atomic_fetch_sub(&p->refs, 1) != 1) return;
  pg_ctx *ctx = p->ctx;
  pg__free(ctx, p->params);
  pg__free(ctx, p);
  pg__ctx_release(ctx);
}

/* Parameter offset of every layer of a (validated) arch, in net layout. */
static void arch_offsets(const pg__arch *a, size_t *off, size_t *in_dim) {
  size_t o = 0, in = a->input_dim, trunk = a->input_dim;
  for (uint32_t i = 0; i < a->n_layers; i++) {
    const pg__arch_layer *l = &a->layer[i];
    size_t lin = i < a->n_trunk ? in : trunk;
    off[i] = o;
    in_dim[i] = lin;
    o += lin * l->units + l->units + (l->kind == PG__LAYER_GAUSSIAN ? l->units : 0);
    if (i < a->n_trunk) in = trunk = l->units;
  }
}

/* A policy from a full architecture and its parameters (net layout). */
static pg_status policy_build(pg_ctx *ctx, const char *fn, const pg__arch *src,
                              const float *src_params, pg_policy **out) {
  int head = -1;
  for (uint32_t i = src->n_trunk; i < src->n_layers; i++)
    if (src->layer[i].kind == PG__LAYER_CATEGORICAL || src->layer[i].kind == PG__LAYER_GAUSSIAN)
      head = (int)i;
  if (head < 0)
    for (uint32_t i = src->n_trunk; i < src->n_layers; i++)
      if (src->layer[i].kind == PG__LAYER_Q) head = (int)i;
  if (head < 0)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: the net has no categorical, Gaussian or Q head to act with", fn);
  size_t off[PG__ARCH_MAX_LAYERS], in[PG__ARCH_MAX_LAYERS];
  arch_offsets(src, off, in);
  pg_policy *p = pg__calloc(ctx, 1, sizeof *p);
  if (!p) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  p->ctx = ctx;
  atomic_init(&p->refs, 1);
  p->arch = *src;
  p->arch.max_batch = 1;
  p->arch.seed = 0;
  p->arch.n_layers = src->n_trunk + 1;
  p->arch.layer[src->n_trunk] = src->layer[head];
  for (uint32_t i = p->arch.n_layers; i < PG__ARCH_MAX_LAYERS; i++)
    memset(&p->arch.layer[i], 0, sizeof p->arch.layer[i]);
  p->head_kind = src->layer[head].kind;
  if (p->head_kind != PG__LAYER_GAUSSIAN) p->arch.log_std_init = 0.0f;
  p->n_trunk = src->n_trunk;
  p->n_layers = src->n_trunk + 1;
  p->input_dim = src->input_dim;
  p->max_width = 1;
  size_t total = 0;
  for (size_t i = 0; i < p->n_layers; i++) {
    size_t si = i < p->n_trunk ? i : (size_t)head;
    const pg__arch_layer *al = &src->layer[si];
    pg__layer *l = &p->layers[i];
    l->ops = &pg__dense_ops;
    l->in = in[si];
    l->out = al->units;
    l->act = (pg_activation)al->activation;
    l->init = (pg_init)al->init;
    l->gain = al->gain;
    l->param_off = total;
    l->n_params = in[si] * al->units + al->units + (al->kind == PG__LAYER_GAUSSIAN ? al->units : 0);
    total += l->n_params;
    if (l->out > p->max_width) p->max_width = l->out;
  }
  p->head_dim = p->layers[p->n_trunk].out;
  p->n_params = total;
  p->params = pg__calloc(ctx, total, sizeof(float));
  if (!p->params) {
    pg__free(ctx, p);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for %zu parameters", fn, total);
  }
  for (size_t i = 0; i < p->n_layers; i++) {
    size_t si = i < p->n_trunk ? i : (size_t)head;
    memcpy(p->params + p->layers[i].param_off, src_params + off[si],
           p->layers[i].n_params * sizeof(float));
  }
  pg__ctx_retain(ctx);
  *out = p;
  return PG_OK;
}

pg_status pg_policy_from_net(const pg_net *net, pg_policy **out) {
  static const char fn[] = "pg_policy_from_net";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = pg__net_ctx(net);
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!pg__net_ready(net))
    return pg__fail(ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  pg__arch a;
  pg__net_arch(net, &a);
  return policy_build(ctx, fn, &a, pg__net_params((pg_net *)(uintptr_t)net), out);
}

void pg_policy_destroy(pg_policy *policy) {
  if (policy) policy_release(policy);
}

/* ---- load / save ---------------------------------------------------------- */

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

static pg_status policy_from_image(pg_ctx *ctx, const char *fn, const void *data,
                                   size_t size, pg_policy **out) {
  pg__reader r;
  pg__r_init(&r, data, size);
  uint32_t kind, n_sections;
  pg_status st = pg__r_header(ctx, fn, &r, &kind, &n_sections);
  if (st != PG_OK) return st;
  if (kind != PG__KIND_NET && kind != PG__KIND_POLICY)
    FAIL("%s: checkpoint kind %u is neither a policy nor a net", fn, kind);
  pg__reader ra, rp;
  st = pg__net_sections(ctx, fn, &r, n_sections, &ra, &rp);
  if (st != PG_OK) return st;
  pg__arch a;
  size_t n_params;
  st = pg__arch_read(ctx, fn, &ra, false, &a, &n_params);
  if (st != PG_OK) return st;
  if (kind == PG__KIND_POLICY &&
      (a.n_layers != a.n_trunk + 1 || a.layer[a.n_trunk].kind == PG__LAYER_VALUE))
    FAIL("%s: a policy checkpoint must have exactly one policy or Q head", fn);
  if (rp.left < 8 || (rp.left - 8) / 4 != n_params)
    FAIL("%s: PARM section of %zu bytes cannot hold %zu parameters", fn, rp.left, n_params);
  float *tmp = pg__calloc(ctx, n_params, sizeof(float));
  if (!tmp) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  st = pg__params_read(ctx, fn, &rp, n_params, tmp);
  if (st == PG_OK) st = policy_build(ctx, fn, &a, tmp, out);
  pg__free(ctx, tmp);
  return st;
}

static pg_status policy_loader(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                            void *out) {
  return policy_from_image(ctx, fn, data, size, out);
}

pg_status pg_policy_load_memory(pg_ctx *ctx, const void *data, size_t size, pg_policy **out) {
  if (out) *out = NULL;
  return pg__load_memory(ctx, "pg_policy_load_memory", data, size, policy_loader, out);
}

pg_status pg_policy_load_file(pg_ctx *ctx, const char *path, pg_policy **out) {
  if (out) *out = NULL;
  return pg__load_file(ctx, "pg_policy_load_file", path, policy_loader, out);
}

static void policy_ckpt(pg__writer *w, const void *obj) {
  const pg_policy *p = obj;
  pg__param_block b = {p->params, p->n_params};
  pg__w_header(w, PG__KIND_POLICY, 2);
  pg__w_section(w, PG__TAG_ARCH, pg__arch_write, &p->arch);
  pg__w_section(w, PG__TAG_PARM, pg__params_write, &b);
}

pg_status pg_policy_save_file(const pg_policy *policy, const char *path) {
  static const char fn[] = "pg_policy_save_file";
  if (!policy) return PG_ERR_INVALID_ARG;
  if (!path) return pg__fail(policy->ctx, PG_ERR_INVALID_ARG, "%s: path is NULL", fn);
  return pg__ckpt_save_file(policy->ctx, fn, policy_ckpt, policy, path, NULL);
}

pg_status pg_policy_save_cb(const pg_policy *policy, pg_write_fn write, void *user) {
  static const char fn[] = "pg_policy_save_cb";
  if (!policy) return PG_ERR_INVALID_ARG;
  if (!write) return pg__fail(policy->ctx, PG_ERR_INVALID_ARG, "%s: write is NULL", fn);
  return pg__ckpt_save_cb(policy->ctx, fn, policy_ckpt, policy, write, user);
}

pg_status pg_policy_save_memory(const pg_policy *policy, void *buf, size_t capacity,
                                size_t *out_size) {
  static const char fn[] = "pg_policy_save_memory";
  if (!policy) return PG_ERR_INVALID_ARG;
  if (!out_size)
    return pg__fail(policy->ctx, PG_ERR_INVALID_ARG, "%s: out_size is NULL", fn);
  return pg__ckpt_save_memory(policy->ctx, fn, policy_ckpt, policy, buf, capacity, out_size);
}

pg_status pg_policy_get_shape(const pg_policy *policy, size_t *out_obs_size,
                              size_t *out_action_size, size_t *out_n_actions,
                              int32_t *out_action_kind) {
  if (!policy) return PG_ERR_INVALID_ARG;
  bool gauss = policy->head_kind == PG__LAYER_GAUSSIAN;
  if (out_obs_size) *out_obs_size = policy->input_dim;
  if (out_action_size) *out_action_size = gauss ? policy->head_dim : 1;
  if (out_n_actions) *out_n_actions = gauss ? 0 : policy->head_dim;
  if (out_action_kind) *out_action_kind = gauss ? PG_ACTION_CONTINUOUS : PG_ACTION_DISCRETE;
  return PG_OK;
}

/* ---- sessions ------------------------------------------------------------- */


pg_status pg_policy_session_create(pg_policy *policy, uint64_t seed,
                                   pg_policy_session **out) {
  static const char fn[] = "pg_policy_session_create";
  if (!policy) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = policy->ctx;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  size_t floats = 2 * pg__round16(policy->max_width) + pg__round16(policy->head_dim) + PG__GEMM_PACK;
  size_t head = pg__round16(sizeof(pg_policy_session));
  pg_policy_session *s = pg__calloc(ctx, 1, head + floats * sizeof(float));
  if (!s) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  float *f = (float *)(void *)((unsigned char *)s + head);
  s->policy = policy;
  s->buf[0] = f;
  s->buf[1] = f + pg__round16(policy->max_width);
  s->probs = s->buf[1] + pg__round16(policy->max_width);
  s->pack = s->probs + pg__round16(policy->head_dim);
  pg__rng_seed(&s->rng, seed, 0);
  atomic_fetch_add(&policy->refs, 1);
  *out = s;
  return PG_OK;
}

void pg_policy_session_destroy(pg_policy_session *session) {
  if (!session) return;
  pg_policy *p = session->policy;
  pg__free(p->ctx, session);
  policy_release(p);
}

pg_status pg_policy_session_seed(pg_policy_session *session, uint64_t seed, uint64_t stream) {
  if (!session) return PG_ERR_INVALID_ARG;
  pg__rng_seed(&session->rng, seed, stream);
  return PG_OK;
}

const char *pg_policy_session_last_error(const pg_policy_session *session) {
  return session ? session->err : "pg_policy_session_last_error: session is NULL";
}

static pg_status sess_fail(pg_policy_session *s, pg_status st, const char *fmt, ...)
    PG__PRINTF(3, 4);
static pg_status sess_fail(pg_policy_session *s, pg_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
  return st;
}

pg_status pg_policy_act(pg_policy_session *s, const float *obs, size_t obs_len,
                        const uint8_t *mask, size_t mask_len, int32_t deterministic,
                        float *action, size_t action_len) {
  static const char fn[] = "pg_policy_act";
  if (!s) return PG_ERR_INVALID_ARG;
  const pg_policy *p = s->policy;
  bool gauss = p->head_kind == PG__LAYER_GAUSSIAN;
  size_t asize = gauss ? p->head_dim : 1;
  if (!obs) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: obs is NULL", fn);
  if (!action) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: action is NULL", fn);
  if (obs_len != p->input_dim)
    return sess_fail(s, PG_ERR_SHAPE, "%s: obs_len %zu, the policy takes %zu", fn, obs_len,
                     p->input_dim);
  if (action_len < asize)
    return sess_fail(s, PG_ERR_SHAPE, "%s: action_len %zu < action size %zu", fn,
                     action_len, asize);
  if (deterministic != 0 && deterministic != 1)
    return sess_fail(s, PG_ERR_INVALID_ARG, "%s: deterministic is %d, not 0 or 1", fn,
                     (int)deterministic);
  if (!deterministic && p->head_kind == PG__LAYER_Q)
    return sess_fail(s, PG_ERR_UNSUPPORTED,
                     "%s: a Q-value policy only acts greedily (deterministic = 1)", fn);
  if (mask) {
    if (gauss)
      return sess_fail(s, PG_ERR_INVALID_ARG, "%s: a mask needs a discrete policy", fn);
    if (mask_len != p->head_dim)
      return sess_fail(s, PG_ERR_SHAPE, "%s: mask_len %zu, the policy has %zu actions", fn,
                       mask_len, p->head_dim);
    bool any = false;
    for (size_t j = 0; j < mask_len; j++) any |= mask[j] != 0;
    if (!any) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: the mask allows no action", fn);
  }
  if (!pg__all_finite(obs, obs_len))
    return sess_fail(s, PG_ERR_NUMERIC, "%s: the observation has NaN or Inf", fn);

  const float *x = obs;
  for (size_t i = 0; i < p->n_trunk; i++) {
    const pg__layer *l = &p->layers[i];
    l->ops->forward(l, p->params + l->param_off, x, s->buf[i & 1], 1, s->pack);
    x = s->buf[i & 1];
  }
  const pg__layer *h = &p->layers[p->n_trunk];
  float *y = s->buf[p->n_trunk & 1];
  h->ops->forward(h, p->params + h->param_off, x, y, 1, s->pack);
  const size_t k = p->head_dim;
  if (gauss) {
    if (deterministic) memcpy(action, y, k * sizeof *action);
    else pg__sample_gaussian(y, p->params + h->param_off + h->in * k + k, k, &s->rng, action);
  } else if (deterministic) {
    action[0] = (float)pg__argmax(y, mask, k);
  } else { /* masked softmax, as the training net computes it */
    float mx = -INFINITY;
    for (size_t j = 0; j < k; j++)
      if ((!mask || mask[j]) && y[j] > mx) mx = y[j];
    double sum = 0.0;
    for (size_t j = 0; j < k; j++)
      if (!mask || mask[j]) sum += exp((double)(y[j] - mx));
    const double lse = (double)mx + log(sum);
    for (size_t j = 0; j < k; j++)
      s->probs[j] = (mask && !mask[j]) ? 0.0f : (float)exp((double)y[j] - lse);
    action[0] = (float)pg__sample_categorical(s->probs, k, &s->rng);
  }
  return PG_OK;
}
