/* pg_policy: an immutable acting network (trunk + one policy or Q head)
** and pg_policy_session, the per-thread workspace that acts with it.
** Acting reads only the policy and writes only the session, so sessions of
** one policy may act concurrently; nothing is allocated per call. A policy
** with recurrent layers (LSTM) keeps their state in each session: one
** sequence, carried from one pg_policy_act to the next until
** pg_policy_session_reset. A policy exported from an agent with observation
** normalization carries the agent's frozen mean and scale and applies them
** (pg__obs_normalize) before the forward: the ONRM section of its file.
** One from an agent with PG_PARAM_SQUASH squashes its Gaussian actions into
** the agent's bounds (pg__squash_actions, after sampling or the mean): the
** SQSH section. */
#include "nn/pg_nn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct pg_policy {
  pg_ctx *ctx;
  _Atomic int refs;            /* the owner + one per session */
  pg__netdef def;              /* trunk + the acting head (saved as is) */
  uint32_t head_kind;          /* PG__HEAD_CATEGORICAL / GAUSSIAN / Q */
  size_t head_dim, max_width, scratch;
  size_t state_floats;         /* recurrent state of one sequence, all layers */
  float *params;
  float *norm;                 /* NULL, or input_dim means then input_dim scales */
  float norm_clip;
  float *squash;               /* NULL, or head_dim lows then head_dim highs */
};

struct pg_policy_session {
  pg_policy *policy;
  pg__rng rng;
  float *buf[2];               /* max_width floats each: activations */
  float *log_std;              /* head_dim: a state-dependent log-std's output */
  float *probs;                /* head_dim floats */
  float *scratch;              /* the layers' forward scratch */
  float *state;                /* state_floats: the recurrent layers' state */
  float *xin;                  /* input_dim: the normalized observation, or NULL */
  float *obs_bytes;            /* input_dim: pg_policy_act_u8's scaled bytes */
  float *state_keep;           /* state_floats: the state before an act, for its rollback */
  char err[256];
};

static void policy_release(pg_policy *p) {
  if (atomic_fetch_sub(&p->refs, 1) != 1) return;
  pg_ctx *ctx = p->ctx;
  pg__free(ctx, p->params);
  pg__free(ctx, p->norm);
  pg__free(ctx, p->squash);
  pg__free(ctx, p);
  pg__ctx_release(ctx);
}

/* A policy from a full architecture (laid out) and its parameters. */
/* The layer a policy acts with: src's categorical, Gaussian or Q head (-1: none). */
static int acting_head(const pg__netdef *src) {
  return src->head[PG__HEAD_CATEGORICAL] >= 0 ? src->head[PG__HEAD_CATEGORICAL]
         : src->head[PG__HEAD_GAUSSIAN] >= 0  ? src->head[PG__HEAD_GAUSSIAN]
                                              : src->head[PG__HEAD_Q];
}

/* p's parameters from src's (the architecture p was built from): the trunk,
** the acting head and, for a Gaussian head, the log-std block or the
** state-dependent log-std layer (right after the acting head in p). */
static void copy_params(pg_policy *p, const pg__netdef *src, const float *src_params) {
  const pg__netdef *d = &p->def;
  int head = acting_head(src);
  for (size_t i = 0; i < d->n_layers; i++) {
    size_t k = i < d->n_trunk ? i : i == d->n_trunk ? (size_t)head : (size_t)src->head[PG__HEAD_LOG_STD];
    const pg__layer *from = &src->layers[k];
    memcpy(p->params + d->layers[i].param_off, src_params + from->param_off,
           from->n_params * sizeof(float));
  }
  if (p->head_kind == PG__HEAD_GAUSSIAN && !pg__netdef_state_std(d))
    memcpy(p->params + d->log_std_off, src_params + src->log_std_off,
           p->head_dim * sizeof(float));
}

static pg_status policy_build(pg_ctx *ctx, const char *fn, const pg__netdef *src,
                              const float *src_params, pg_policy **out) {
  int head = acting_head(src);
  if (head < 0)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: the net has no categorical, Gaussian or Q head to act with", fn);
  pg_policy *p = pg__calloc(ctx, 1, sizeof *p);
  if (!p) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  p->ctx = ctx;
  atomic_init(&p->refs, 1);
  pg__netdef *d = &p->def;
  pg__netdef_init(d, src->input_dim, 1, 0);
  d->input = src->input;
  for (size_t i = 0; i < src->n_trunk; i++) (void)pg__netdef_push(d, &src->layers[i]);
  (void)pg__netdef_push(d, &src->layers[head]); /* valid in src: valid here */
  if (pg__netdef_state_std(src)) (void)pg__netdef_push(d, &src->layers[src->head[PG__HEAD_LOG_STD]]);
  p->head_kind = src->layers[head].role;
  if (p->head_kind == PG__HEAD_GAUSSIAN) d->log_std_init = src->log_std_init;
  pg__netdef_layout(d);
  p->max_width = 1;
  for (size_t i = 0; i < d->n_layers; i++)
    if (d->layers[i].out > p->max_width) p->max_width = d->layers[i].out;
  p->head_dim = d->layers[d->n_trunk].out;
  p->scratch = pg__netdef_scratch(d, false);
  p->state_floats = pg__netdef_state_floats(d);
  p->params = pg__calloc(ctx, d->n_params ? d->n_params : 1, sizeof(float));
  if (!p->params) {
    size_t n = d->n_params;
    pg__free(ctx, p);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for %zu parameters", fn, n);
  }
  copy_params(p, src, src_params);
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
  pg_status st = pg__net_check_idle(net, ctx, fn);
  if (st != PG_OK) return st;
  return policy_build(ctx, fn, pg__net_def(net), pg__net_params((pg_net *)(uintptr_t)net),
                      out);
}

void pg__policy_refresh(pg_policy *policy, const pg_net *net) {
  copy_params(policy, pg__net_def(net), pg__net_params((pg_net *)(uintptr_t)net));
}

void pg_policy_destroy(pg_policy *policy) {
  if (policy) policy_release(policy);
}

/* ---- load / save ---------------------------------------------------------- */

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

/* ONRM (docs/FORMAT.md): u32 version 1, u32 dim (= the input size), f32
** clip > 0, dim f32 means, dim f32 scales > 0, all finite. */
static void onrm_write(pg__writer *w, const void *obj) {
  const pg_policy *p = obj;
  size_t dim = p->def.input_dim;
  pg__w_u32(w, 1u);
  pg__w_u32(w, (uint32_t)dim);
  pg__w_f32(w, p->norm_clip);
  pg__w_f32s(w, p->norm, 2 * dim);
}

static pg_status onrm_read(pg_ctx *ctx, const char *fn, pg__reader *r, pg_policy *p) {
  size_t dim = p->def.input_dim;
  uint32_t version = pg__r_u32(r), n = pg__r_u32(r);
  float clip = pg__r_f32(r);
  if (r->bad) FAIL("%s: ONRM section too short", fn);
  if (version != 1)
    return pg__fail(ctx, PG_ERR_VERSION, "%s: ONRM section version %u is not 1", fn, version);
  if (n != dim || r->left != 2 * dim * sizeof(float))
    FAIL("%s: ONRM: %u components in %zu bytes for a policy of %zu inputs", fn, n, r->left,
         dim);
  if (!(clip > 0.0f) || !pg__finite_f(clip)) FAIL("%s: ONRM: clip %g is not > 0", fn, (double)clip);
  float *v = pg__calloc(ctx, 2 * dim, sizeof(float));
  if (!v) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  (void)pg__r_f32s(r, v, 2 * dim);
  for (size_t i = 0; i < 2 * dim; i++)
    if (!pg__finite_f(v[i]) || (i >= dim && !(v[i] > 0.0f))) {
      double bad = (double)v[i];
      pg__free(ctx, v);
      FAIL("%s: ONRM: %s %zu (%g) is not a finite%s number", fn, i < dim ? "mean" : "scale",
           i % dim, bad, i < dim ? "" : ", positive");
    }
  p->norm = v;
  p->norm_clip = clip;
  return PG_OK;
}

pg_status pg__policy_set_obs_norm(pg_policy *p, const char *fn, const float *mean,
                                  const float *scale, float clip) {
  size_t dim = p->def.input_dim;
  float *v = pg__calloc(p->ctx, 2 * dim, sizeof(float));
  if (!v) return pg__fail(p->ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  memcpy(v, mean, dim * sizeof(float));
  memcpy(v + dim, scale, dim * sizeof(float));
  pg__free(p->ctx, p->norm);
  p->norm = v;
  p->norm_clip = clip;
  return PG_OK;
}

const float *pg__policy_obs_norm(const pg_policy *p, float *clip) {
  *clip = p->norm_clip;
  return p->norm;
}

/* SQSH (docs/FORMAT.md): u32 version 1, u32 dim, dim f32 lows, dim f32
** highs, finite, each low < its high. */
void pg__squash_write(pg__writer *w, const void *obj) {
  const pg__squash_rec *q = obj;
  pg__w_u32(w, 1u);
  pg__w_u32(w, (uint32_t)q->dim);
  pg__w_f32s(w, q->bounds, 2 * q->dim);
}

pg_status pg__squash_read(pg_ctx *ctx, const char *fn, pg__reader *r, size_t dim,
                          float *bounds) {
  uint32_t version = pg__r_u32(r), n = pg__r_u32(r);
  if (r->bad) FAIL("%s: SQSH section too short", fn);
  if (version != 1)
    return pg__fail(ctx, PG_ERR_VERSION, "%s: SQSH section version %u is not 1", fn, version);
  if (n != dim || r->left != 2 * dim * sizeof(float))
    FAIL("%s: SQSH: %u dimensions in %zu bytes for %zu action dimensions", fn, n, r->left, dim);
  (void)pg__r_f32s(r, bounds, 2 * dim); /* the caller's buffer: discarded on failure */
  for (size_t i = 0; i < dim; i++)
    if (!pg__finite_f(bounds[i]) || !pg__finite_f(bounds[dim + i]) ||
        !(bounds[i] < bounds[dim + i]))
      FAIL("%s: SQSH: dimension %zu's bounds [%g, %g] are not finite with low < high", fn, i,
           (double)bounds[i], (double)bounds[dim + i]);
  return PG_OK;
}

pg_status pg__policy_set_squash(pg_policy *p, const char *fn, const float *bounds) {
  float *v = pg__calloc(p->ctx, 2 * p->head_dim, sizeof(float));
  if (!v) return pg__fail(p->ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  memcpy(v, bounds, 2 * p->head_dim * sizeof(float));
  pg__free(p->ctx, p->squash);
  p->squash = v;
  return PG_OK;
}

const float *pg__policy_squash(const pg_policy *p) { return p->squash; }

/* A policy's SQSH body read into it (a Gaussian policy only). */
static pg_status sqsh_read(pg_ctx *ctx, const char *fn, pg__reader *r, pg_policy *p) {
  if (p->head_kind != PG__HEAD_GAUSSIAN)
    FAIL("%s: SQSH section in a policy without a Gaussian head", fn);
  float *v = pg__calloc(ctx, 2 * p->head_dim, sizeof(float));
  if (!v) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  pg_status st = pg__squash_read(ctx, fn, r, p->head_dim, v);
  if (st != PG_OK) {
    pg__free(ctx, v);
    return st;
  }
  p->squash = v;
  return PG_OK;
}

static pg_status policy_from_image(pg_ctx *ctx, const char *fn, const void *data,
                                   size_t size, pg_policy **out) {
  pg__reader r;
  pg__r_init(&r, data, size);
  uint32_t version, kind, n_sections;
  pg_status st = pg__r_header_version(ctx, fn, &r, &version, &kind, &n_sections);
  if (st != PG_OK) return st;
  if (kind != PG__KIND_NET && kind != PG__KIND_POLICY)
    FAIL("%s: checkpoint kind %u is neither a policy nor a net", fn, kind);
  pg__reader ra, rp, rn, rq;
  bool pol = kind == PG__KIND_POLICY;
  st = pg__net_sections(ctx, fn, &r, n_sections, &ra, &rp, pol ? &rn : NULL, pol ? &rq : NULL);
  if (st != PG_OK) return st;
  if (pol && rn.p && version < 3)
    FAIL("%s: an ONRM section needs format version 3 (the file says %u)", fn, version);
  if (pol && rq.p && version < 4)
    FAIL("%s: an SQSH section needs format version 4 (the file says %u)", fn, version);
  pg__netdef *a = pg__malloc(ctx, sizeof *a);
  if (!a) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  float *tmp = NULL;
  st = pg__arch_read(ctx, fn, version, &ra, false, a);
  if (st == PG_OK && kind == PG__KIND_POLICY &&
      (a->n_layers != a->n_trunk + 1 + pg__netdef_state_std(a) || a->head[PG__HEAD_VALUE] >= 0))
    st = pg__fail(ctx, PG_ERR_FORMAT,
                  "%s: a policy checkpoint must have exactly one policy or Q head", fn);
  if (st == PG_OK && (rp.left < 8 || (rp.left - 8) / 4 != a->n_params))
    st = pg__fail(ctx, PG_ERR_FORMAT, "%s: PARM section of %zu bytes cannot hold %zu parameters",
                  fn, rp.left, a->n_params);
  if (st == PG_OK && !(tmp = pg__calloc(ctx, a->n_params ? a->n_params : 1, sizeof(float))))
    st = pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  if (st == PG_OK) st = pg__params_read(ctx, fn, &rp, a->n_params, tmp);
  if (st == PG_OK) st = policy_build(ctx, fn, a, tmp, out);
  if (st == PG_OK && pol && (rn.p || rq.p)) {
    if (rn.p) st = onrm_read(ctx, fn, &rn, *out);
    if (st == PG_OK && rq.p) st = sqsh_read(ctx, fn, &rq, *out);
    if (st != PG_OK) {
      pg_policy_destroy(*out);
      *out = NULL;
    }
  }
  pg__free(ctx, tmp);
  pg__free(ctx, a);
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
  pg__param_block b = {p->params, p->def.n_params};
  /* sections an older reader must not skip: version 3 (ONRM), 4 (SQSH) */
  /* ... and 5 (a state-dependent log-std layer) */
  uint32_t n = 2u + (p->norm != NULL) + (p->squash != NULL);
  uint32_t version = p->squash ? 4u : p->norm ? 3u : PG__FORMAT_VERSION_BASE;
  uint32_t arch_version = pg__netdef_file_version(&p->def);
  pg__w_header_version(w, arch_version > version ? arch_version : version, PG__KIND_POLICY, n);
  pg__w_section(w, PG__TAG_ARCH, pg__arch_write, &p->def);
  pg__w_section(w, PG__TAG_PARM, pg__params_write, &b);
  if (p->norm) pg__w_section(w, PG__TAG_ONRM, onrm_write, p);
  pg__squash_rec q = {p->squash, p->head_dim};
  if (p->squash) pg__w_section(w, PG__TAG_SQSH, pg__squash_write, &q);
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
  bool gauss = policy->head_kind == PG__HEAD_GAUSSIAN;
  if (out_obs_size) *out_obs_size = policy->def.input_dim;
  if (out_action_size) *out_action_size = gauss ? policy->head_dim : 1;
  if (out_n_actions) *out_n_actions = gauss ? 0 : policy->head_dim;
  if (out_action_kind) *out_action_kind = gauss ? PG_ACTION_CONTINUOUS : PG_ACTION_DISCRETE;
  return PG_OK;
}

/* ---- sessions ------------------------------------------------------------- */


/* Each recurrent layer's state pointer in the session (NULL for the others)
** into states; returns whether there is any. */
static bool session_states(pg_policy_session *s, float **states) {
  const pg__netdef *d = &s->policy->def;
  size_t off = 0;
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    states[i] = l->ops->state_floats ? s->state + off : NULL;
    off += l->ops->state_floats ? l->ops->state_floats(l) : 0;
  }
  return off > 0;
}

/* The start of an episode: every recurrent layer's state reset. */
static void session_reset(pg_policy_session *s) {
  float *states[PG__NET_MAX_LAYERS];
  if (!session_states(s, states)) return;
  const pg__netdef *d = &s->policy->def;
  for (size_t i = 0; i < d->n_layers; i++)
    if (states[i]) d->layers[i].ops->reset_state(&d->layers[i], states[i]);
}

pg_status pg_policy_session_create(pg_policy *policy, uint64_t seed,
                                   pg_policy_session **out) {
  static const char fn[] = "pg_policy_session_create";
  if (!policy) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx = policy->ctx;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  size_t floats = 2 * pg__round16(policy->max_width) + 2 * pg__round16(policy->head_dim) +
                  pg__round16(policy->scratch) + 2 * pg__round16(policy->state_floats) +
                  pg__round16(policy->def.input_dim) +
                  (policy->norm ? policy->def.input_dim : 0);
  size_t head = pg__round16(sizeof(pg_policy_session));
  pg_policy_session *s = pg__calloc(ctx, 1, head + floats * sizeof(float));
  if (!s) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  float *f = (float *)(void *)((unsigned char *)s + head);
  s->policy = policy;
  s->buf[0] = f;
  s->buf[1] = f + pg__round16(policy->max_width);
  s->probs = s->buf[1] + pg__round16(policy->max_width);
  s->log_std = s->probs + pg__round16(policy->head_dim);
  s->scratch = s->log_std + pg__round16(policy->head_dim);
  s->state = s->scratch + pg__round16(policy->scratch);
  s->state_keep = s->state + pg__round16(policy->state_floats);
  s->obs_bytes = s->state_keep + pg__round16(policy->state_floats);
  s->xin = policy->norm ? s->obs_bytes + pg__round16(policy->def.input_dim) : NULL;
  pg__rng_seed(&s->rng, seed, 0);
  session_reset(s);
  atomic_fetch_add(&policy->refs, 1);
  *out = s;
  return PG_OK;
}

pg_status pg_policy_session_reset(pg_policy_session *session) {
  if (!session) return PG_ERR_INVALID_ARG;
  session_reset(session);
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

/* pg_policy_act's checks and forward; fn names the public caller. */
static pg_status policy_act(pg_policy_session *s, const char *fn, const float *obs,
                            size_t obs_len, const uint8_t *mask, size_t mask_len,
                            int32_t deterministic, float *action, size_t action_len) {
  const pg_policy *p = s->policy;
  bool gauss = p->head_kind == PG__HEAD_GAUSSIAN;
  size_t asize = gauss ? p->head_dim : 1;
  if (!obs) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: obs is NULL", fn);
  if (!action) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: action is NULL", fn);
  if (obs_len != p->def.input_dim)
    return sess_fail(s, PG_ERR_SHAPE, "%s: obs_len %zu, the policy takes %zu", fn, obs_len,
                     p->def.input_dim);
  if (action_len < asize)
    return sess_fail(s, PG_ERR_SHAPE, "%s: action_len %zu < action size %zu", fn,
                     action_len, asize);
  if (deterministic != 0 && deterministic != 1)
    return sess_fail(s, PG_ERR_INVALID_ARG, "%s: deterministic is %d, not 0 or 1", fn,
                     (int)deterministic);
  if (!deterministic && p->head_kind == PG__HEAD_Q)
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

  const pg__netdef *d = &p->def;
  float *ys[PG__NET_MAX_LAYERS];
  for (size_t i = 0; i < d->n_layers; i++) ys[i] = s->buf[i & 1];
  bool state_std = pg__netdef_state_std(d);
  if (state_std) ys[d->head[PG__HEAD_LOG_STD]] = s->log_std; /* the trunk's output stays */
  float *states[PG__NET_MAX_LAYERS];
  bool recurrent = session_states(s, states);
  if (p->norm) {
    pg__obs_normalize(p->norm, p->norm + obs_len, p->norm_clip, obs, 1, obs_len, s->xin);
    obs = s->xin;
  }
  /* a non-finite output changes nothing: the state and the stream roll back */
  if (recurrent) memcpy(s->state_keep, s->state, p->state_floats * sizeof(float));
  pg__rng rng = s->rng;
  pg__nn_forward(d, p->params, obs, 1, 1, ys, recurrent ? states : NULL, s->scratch);
  const float *y = ys[d->n_trunk];
  bool ok = pg__all_finite(y, p->head_dim) && (!state_std || pg__all_finite(s->log_std, p->head_dim));
  if (ok) {
    const float *log_std = !gauss ? NULL : state_std ? s->log_std : p->params + d->log_std_off;
    pg__nn_act(p->head_kind, y, log_std, p->head_dim, mask, deterministic != 0, &s->rng,
               s->probs, action);
    if (p->squash) pg__squash_actions(action, p->squash, p->head_dim, action);
    ok = pg__all_finite(action, asize); /* finite logits give finite probabilities */
  }
  if (!ok) {
    if (recurrent) memcpy(s->state, s->state_keep, p->state_floats * sizeof(float));
    s->rng = rng;
    return sess_fail(s, PG_ERR_NUMERIC,
                     "%s: the policy's output is NaN or Inf (the observation is too large for "
                     "its parameters): nothing changed", fn);
  }
  return PG_OK;
}

pg_status pg_policy_act(pg_policy_session *s, const float *obs, size_t obs_len,
                        const uint8_t *mask, size_t mask_len, int32_t deterministic,
                        float *action, size_t action_len) {
  if (!s) return PG_ERR_INVALID_ARG;
  return policy_act(s, "pg_policy_act", obs, obs_len, mask, mask_len, deterministic, action,
                    action_len);
}

pg_status pg_policy_act_u8(pg_policy_session *s, const uint8_t *obs, size_t obs_len,
                           const uint8_t *mask, size_t mask_len, int32_t deterministic,
                           float *action, size_t action_len) {
  static const char fn[] = "pg_policy_act_u8";
  if (!s) return PG_ERR_INVALID_ARG;
  size_t n = s->policy->def.input_dim;
  if (!obs) return sess_fail(s, PG_ERR_INVALID_ARG, "%s: obs is NULL", fn);
  if (obs_len != n)
    return sess_fail(s, PG_ERR_SHAPE, "%s: obs_len %zu bytes, the policy takes %zu", fn,
                     obs_len, n);
  pg__bytes_to_unit(obs, n, s->obs_bytes);
  return policy_act(s, fn, s->obs_bytes, n, mask, mask_len, deterministic, action, action_len);
}

/* ---- for the C export (lib/nn/export.c) ----------------------------------- */

const pg__netdef *pg__policy_parts(const pg_policy *p, const float **params,
                                   uint32_t *head_role, pg_ctx **ctx) {
  *params = p->params;
  *head_role = p->head_kind;
  *ctx = p->ctx;
  return &p->def;
}
