/* The network: buffers over its architecture (arch.c), forward through the
** inference engine (engine.c), backward through the heads and the shared
** trunk (the losses are in loss.c), gradient utilities. No argument checks
** here: the public wrappers in net_api.c do them. */
#include "nn/net_impl.h"

#include <math.h>
#include <string.h>


/* ---- lifetime and layout ------------------------------------------------ */

void pg__net_retain(pg_net *net) { atomic_fetch_add(&net->refs, 1); }

void pg__net_add_writers(pg_net *net, int delta) { atomic_fetch_add(&net->writers, delta); }

pg_status pg__net_check_idle(const pg_net *net, pg_ctx *ctx, const char *fn) {
  if (atomic_load(&net->writers) == 0) return PG_OK;
  return pg__fail(ctx, PG_ERR_BAD_STATE,
                  "%s: worker threads of an asynchronous agent are writing this net's "
                  "parameters (pg_agent_train running, or live pg_agent_create_worker "
                  "handles): call it after pg_agent_train returns and the workers are "
                  "destroyed (docs/ASYNC.md)", fn);
}

void pg__net_release(pg_net *net) {
  if (atomic_fetch_sub(&net->refs, 1) != 1) return;
  pg_ctx *ctx = net->ctx;
  pg__free(ctx, net->block);
  pg__free(ctx, net);
  pg__ctx_release(ctx);
}

size_t pg__net_trunk_dim(const pg_net *net) { return pg__netdef_trunk_dim(&net->def); }

static const float *trunk_out(const pg_net *net) {
  return net->def.n_trunk ? net->def.layers[net->def.n_trunk - 1].y : net->x0;
}

/* Assigns every buffer from base (NULL: only counts); returns floats. */
static size_t net_layout(pg_net *net, float *base) {
  pg__netdef *d = &net->def;
  size_t off = 0, mb = d->max_batch, maxw = d->input_dim;
#define TAKE(ptr, count)                       \
  do {                                         \
    (ptr) = base ? base + off : NULL;          \
    off += pg__round16(count);                 \
  } while (0)
  TAKE(net->params, d->n_params);
  TAKE(net->grads, d->n_params);
  TAKE(net->x0, mb * d->input_dim);
  for (size_t i = 0; i < d->n_layers; i++) {
    pg__layer *l = &d->layers[i];
    TAKE(l->y, mb * l->out);
    size_t sf = l->ops->state_floats ? l->ops->state_floats(l) : 0;
    l->state = NULL;
    if (sf) TAKE(l->state, mb * sf);
    maxw = l->out > maxw ? l->out : maxw;
    maxw = l->in > maxw ? l->in : maxw;
  }
  for (int h = 0; h < PG__HEAD_KINDS; h++) {
    net->dhead[h] = NULL;
    if (d->head[h] >= 0) TAKE(net->dhead[h], mb * d->layers[d->head[h]].out);
  }
  size_t na = pg__net_head_dim(net, PG__HEAD_CATEGORICAL);
  size_t ad = pg__net_head_dim(net, PG__HEAD_GAUSSIAN);
  TAKE(net->probs, mb * (na ? na : 1));
  TAKE(net->logp, mb * (na ? na : 1));
  TAKE(net->entropy, mb);
  TAKE(net->dlogstd, ad ? ad : 1);
  TAKE(net->dbuf[0], mb * maxw);
  TAKE(net->dbuf[1], mb * maxw);
  TAKE(net->scratch, pg__netdef_scratch(d, true));
#undef TAKE
  return off;
}

size_t pg__net_buffer_floats(pg_net *net) {
  pg__netdef_layout(&net->def);
  return net_layout(net, NULL) - 2 * pg__round16(net->def.n_params);
}

/* Allocates and lays out the buffers (zeroed); params are not initialised. */
pg_status pg__net_alloc(pg_net *net) {
  pg__netdef_layout(&net->def);
  size_t floats = net_layout(net, NULL) + 16; /* +16: 64-byte alignment */
  float *block = pg__calloc(net->ctx, floats, sizeof(float));
  if (!block) return PG_ERR_NOMEM;
  uintptr_t addr = (uintptr_t)block;
  float *base = block + ((64 - (addr & 63)) & 63) / sizeof(float);
  net->block = block;
  net_layout(net, base);
  net->stateful = pg__netdef_state_floats(&net->def) > 0;
  net->ready = true;
  net->fwd_n = 0;
  pg__net_reset_state(net, 0, net->def.max_batch);
  return PG_OK;
}

void pg__net_reset_state(pg_net *net, size_t first, size_t count) {
  for (size_t i = 0; i < net->def.n_layers; i++) {
    const pg__layer *l = &net->def.layers[i];
    if (!l->state) continue;
    size_t sf = l->ops->state_floats(l);
    for (size_t s = first; s < first + count; s++) l->ops->reset_state(l, l->state + s * sf);
  }
}

size_t pg__net_state_size(const pg_net *net, size_t count) {
  return pg__netdef_state_floats(&net->def) * count;
}

void pg__net_state_copy(pg_net *net, float *buf, size_t count, bool save) {
  for (size_t i = 0; i < net->def.n_layers; i++) {
    const pg__layer *l = &net->def.layers[i];
    if (!l->state) continue;
    size_t len = l->ops->state_floats(l) * count;
    if (save) memcpy(buf, l->state, len * sizeof *buf);
    else memcpy(l->state, buf, len * sizeof *buf);
    buf += len;
  }
}

bool pg__net_stateful(const pg_net *net) { return net->stateful; }

void pg__net_init_params(pg_net *net, uint64_t seed) {
  pg__netdef_init_params(&net->def, net->params, seed);
  net->fwd_n = 0;
}

pg_status pg__net_clone(const pg_net *src, pg_net **out) {
  *out = NULL;
  pg_net *net = pg__malloc(src->ctx, sizeof *net);
  if (!net) return pg__fail(src->ctx, PG_ERR_NOMEM, "pg_net_clone: out of memory");
  memcpy(net, src, sizeof *net);
  atomic_init(&net->refs, 1);
  atomic_init(&net->writers, 0);
  net->block = NULL;
  if (pg__net_alloc(net) != PG_OK) {
    pg__free(src->ctx, net);
    return pg__fail(src->ctx, PG_ERR_NOMEM, "pg_net_clone: out of memory for buffers");
  }
  memcpy(net->params, src->params, net->def.n_params * sizeof(float));
  pg__ctx_retain(net->ctx);
  *out = net;
  return PG_OK;
}

/* ---- accessors ---------------------------------------------------------- */

bool pg__net_ready(const pg_net *net) { return net->ready; }
pg_ctx *pg__net_ctx(const pg_net *net) { return net->ctx; }
const pg__netdef *pg__net_def(const pg_net *net) { return &net->def; }
size_t pg__net_input_dim(const pg_net *net) { return net->def.input_dim; }
size_t pg__net_max_batch(const pg_net *net) { return net->def.max_batch; }
size_t pg__net_param_count(const pg_net *net) { return net->def.n_params; }
float *pg__net_params(pg_net *net) { return net->params; }
float *pg__net_grads(pg_net *net) { return net->grads; }
void pg__net_params_changed(pg_net *net) { net->fwd_n = 0; }

void pg__net_param_block(pg_net *net, float **params, float **grads,
                         size_t *count) {
  if (params) *params = net->params;
  if (grads) *grads = net->grads;
  if (count) *count = net->def.n_params;
}

size_t pg__net_head_dim(const pg_net *net, int kind) {
  return net->def.head[kind] >= 0 ? net->def.layers[net->def.head[kind]].out : 0;
}
size_t pg__net_n_actions(const pg_net *net) {
  return pg__net_head_dim(net, PG__HEAD_CATEGORICAL);
}
size_t pg__net_n_q(const pg_net *net) { return pg__net_head_dim(net, PG__HEAD_Q); }
size_t pg__net_action_dim(const pg_net *net) {
  return pg__net_head_dim(net, PG__HEAD_GAUSSIAN);
}
bool pg__net_has_value(const pg_net *net) { return net->def.head[PG__HEAD_VALUE] >= 0; }

const float *pg__net_log_std(const pg_net *net) {
  if (net->def.head[PG__HEAD_GAUSSIAN] < 0) return NULL;
  return pg__netdef_state_std(&net->def) ? pg__net_head_y(net, PG__HEAD_LOG_STD)
                                         : net->params + net->def.log_std_off;
}

size_t pg__net_log_std_stride(const pg_net *net) {
  return pg__netdef_state_std(&net->def) ? pg__net_action_dim(net) : 0;
}

const float *pg__net_head_y(const pg_net *net, int kind) {
  return net->def.head[kind] >= 0 ? net->def.layers[net->def.head[kind]].y : NULL;
}

void pg__net_zero_grads(pg_net *net) {
  memset(net->grads, 0, net->def.n_params * sizeof(float));
}

void pg__net_copy_params(pg_net *dst, const pg_net *src) {
  memcpy(dst->params, src->params, dst->def.n_params * sizeof(float));
  dst->fwd_n = 0;
}

/* ---- forward ------------------------------------------------------------ */

/* The engine's forward on rows [row0, row0 + steps*n_seq), then the policy
** head's softmax / entropy. */
static void forward_rows(pg_net *net, const float *x, size_t row0, size_t steps,
                         size_t n_seq, const uint8_t *mask) {
  const pg__netdef *d = &net->def;
  const size_t id = d->input_dim, n = steps * n_seq;
  memcpy(net->x0 + row0 * id, x, n * id * sizeof(float));
  float *ys[PG__NET_MAX_LAYERS], *states[PG__NET_MAX_LAYERS];
  for (size_t i = 0; i < d->n_layers; i++) {
    ys[i] = d->layers[i].y + row0 * d->layers[i].out;
    states[i] = d->layers[i].state;
  }
  pg__nn_forward(d, net->params, net->x0 + row0 * id, steps, n_seq, ys,
                 net->stateful ? states : NULL, net->scratch);
  int c = d->head[PG__HEAD_CATEGORICAL];
  if (c >= 0) {
    size_t k = d->layers[c].out;
    for (size_t i = row0; i < row0 + n; i++)
      net->entropy[i] = pg__softmax_row(d->layers[c].y + i * k,
                                        mask ? mask + (i - row0) * k : NULL, k,
                                        net->probs + i * k, net->logp + i * k);
  }
  if (d->head[PG__HEAD_GAUSSIAN] >= 0) {
    const float *ls = pg__net_log_std(net);
    const size_t stride = pg__net_log_std_stride(net), k = pg__net_action_dim(net);
    for (size_t i = row0; i < row0 + n; i++)
      net->entropy[i] = (float)pg__gaussian_entropy(ls + i * stride, k);
  }
  /* Rows stacked by several calls keep one time-major shape when each call
  ** appends whole steps of the same sequences (an agent forwarding a
  ** segment step by step); a call writing into that prefix cuts it there.
  ** Rows written after that prefix (an agent's bootstrap rows) keep it. */
  const size_t prefix = net->fwd_steps * net->fwd_seqs;
  if (row0 == 0) {
    net->fwd_steps = steps;
    net->fwd_seqs = n_seq;
  } else if (net->fwd_steps && row0 == prefix && n_seq == net->fwd_seqs) {
    net->fwd_steps += steps;
  } else if (row0 < prefix) {
    net->fwd_steps = row0 / net->fwd_seqs; /* whole steps before row0 stay */
  }
  net->fwd_n = row0 + n;
  net->fwd_stamp++;
}

/* out (when not NULL) for rows [row0, row0+n) of the last forward. */
static void outputs_from(const pg_net *net, size_t row0, size_t n, pg__net_out *out) {
  if (!out) return;
  pg__net_outputs(net, out);
  out->n = n;
  out->trunk += row0 * out->trunk_dim;
  if (out->logits) {
    out->logits += row0 * out->n_actions;
    out->probs += row0 * out->n_actions;
    out->log_probs += row0 * out->n_actions;
  }
  if (out->mean) out->mean += row0 * out->action_dim;
  if (out->log_std) out->log_std += row0 * out->log_std_stride;
  if (out->entropy) out->entropy += row0;
  if (out->value) out->value += row0;
  if (out->q) out->q += row0 * out->n_q;
}

void pg__net_forward_rows(pg_net *net, const float *x, size_t row0, size_t n,
                          const uint8_t *mask, pg__net_out *out) {
  forward_rows(net, x, row0, 1, n, mask);
  outputs_from(net, row0, n, out);
}

void pg__net_forward(pg_net *net, const float *x, size_t n,
                     const uint8_t *mask, pg__net_out *out) {
  pg__net_forward_rows(net, x, 0, n, mask, out);
}

void pg__net_forward_seq(pg_net *net, const float *x, size_t steps, size_t n_seq,
                         const uint8_t *mask, pg__net_out *out) {
  forward_rows(net, x, 0, steps, n_seq, mask);
  outputs_from(net, 0, steps * n_seq, out);
}

uint64_t pg__net_forward_stamp(const pg_net *net) {
  return net->fwd_n ? net->fwd_stamp : 0;
}

void pg__net_outputs(const pg_net *net, pg__net_out *out) {
  memset(out, 0, sizeof *out);
  out->n = net->fwd_n;
  out->trunk = trunk_out(net);
  out->trunk_dim = pg__net_trunk_dim(net);
  if (net->def.head[PG__HEAD_CATEGORICAL] >= 0) {
    out->n_actions = pg__net_n_actions(net);
    out->logits = pg__net_head_y(net, PG__HEAD_CATEGORICAL);
    out->probs = net->probs;
    out->log_probs = net->logp;
    out->entropy = net->entropy;
  }
  if (net->def.head[PG__HEAD_GAUSSIAN] >= 0) {
    out->action_dim = pg__net_action_dim(net);
    out->mean = pg__net_head_y(net, PG__HEAD_GAUSSIAN);
    out->log_std = pg__net_log_std(net);
    out->log_std_stride = pg__net_log_std_stride(net);
    out->entropy = net->entropy;
  }
  out->value = pg__net_head_y(net, PG__HEAD_VALUE);
  if (net->def.head[PG__HEAD_Q] >= 0) {
    out->n_q = pg__net_n_q(net);
    out->q = pg__net_head_y(net, PG__HEAD_Q);
  }
}

bool pg__net_out_finite(const pg__net_out *o, size_t row0, size_t n) {
  bool ok = true;
  if (o->probs) ok = ok && pg__all_finite(o->probs + row0 * o->n_actions, n * o->n_actions);
  if (o->mean) ok = ok && pg__all_finite(o->mean + row0 * o->action_dim, n * o->action_dim);
  if (o->log_std && o->log_std_stride)
    ok = ok && pg__all_finite(o->log_std + row0 * o->log_std_stride, n * o->log_std_stride);
  if (o->value) ok = ok && pg__all_finite(o->value + row0, n);
  if (o->q) ok = ok && pg__all_finite(o->q + row0 * o->n_q, n * o->n_q);
  return ok;
}

/* ---- backward ----------------------------------------------------------- */

/* One layer's backward over the n rows of the last forward. */
static void layer_backward(pg_net *net, const pg__layer *l, const float *x, float *dy,
                           float *dx, size_t n) {
  const float *p = net->params + l->param_off;
  float *g = net->grads + l->param_off;
  if (l->ops->backward_seq) {
    /* Through time over the leading steps of the time-major shape that
    ** cover the n rows; else each row is a step of its own. */
    const size_t seqs = net->fwd_seqs;
    bool shaped = net->fwd_steps && n % seqs == 0 && n / seqs <= net->fwd_steps;
    l->ops->backward_seq(l, p, x, l->y, dy, dx, g, shaped ? n / seqs : 1, shaped ? seqs : n,
                         net->scratch);
  } else {
    l->ops->backward(l, p, x, l->y, dy, dx, g, n, net->scratch);
  }
}

static void head_backward(pg_net *net, int kind, size_t n, float *d, float *dtrunk) {
  if (!d || net->def.head[kind] < 0) return;
  layer_backward(net, &net->def.layers[net->def.head[kind]], trunk_out(net), d, dtrunk, n);
}

void pg__net_backward_heads(pg_net *net, size_t n, float *d_logits,
                            float *d_mean, float *d_log_std,
                            float *d_value, float *d_q) {
  const pg__netdef *def = &net->def;
  float *cur = net->dbuf[0], *nxt = net->dbuf[1];
  float *dtrunk = def->n_trunk ? cur : NULL;
  if (dtrunk) memset(dtrunk, 0, n * pg__net_trunk_dim(net) * sizeof(float));
  head_backward(net, PG__HEAD_CATEGORICAL, n, d_logits, dtrunk);
  head_backward(net, PG__HEAD_GAUSSIAN, n, d_mean, dtrunk);
  head_backward(net, PG__HEAD_VALUE, n, d_value, dtrunk);
  head_backward(net, PG__HEAD_Q, n, d_q, dtrunk);
  if (pg__netdef_state_std(def)) {
    head_backward(net, PG__HEAD_LOG_STD, n, d_log_std, dtrunk);
  } else if (d_log_std && def->head[PG__HEAD_GAUSSIAN] >= 0) {
    float *g = net->grads + def->log_std_off;
    for (size_t d = 0; d < pg__net_action_dim(net); d++) g[d] += d_log_std[d];
  }
  for (size_t i = def->n_trunk; i-- > 0;) {
    const pg__layer *l = &def->layers[i];
    const float *x = i ? def->layers[i - 1].y : net->x0;
    float *dx = i ? nxt : NULL;
    if (dx) memset(dx, 0, n * l->in * sizeof(float));
    layer_backward(net, l, x, cur, dx, n);
    float *t = cur;
    cur = nxt;
    nxt = t;
  }
}

/* ---- gradient utilities ------------------------------------------------- */

double pg__clip_global_norm(float *g, size_t n, double max_norm) {
  double norm = pg__grad_norm(g, n);
  if (norm > max_norm) pg__scale(g, n, (float)(max_norm / norm));
  return norm;
}
