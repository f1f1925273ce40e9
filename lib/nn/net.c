/* The network: layer list, buffers, forward and backward through the heads
** and the shared trunk, losses, and distribution helpers. No argument
** checks here: the public wrappers in net_api.c do them. */
#include "nn/net_impl.h"

#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093453

/* ---- lifetime and layout ------------------------------------------------ */

void pg__net_retain(pg_net *net) { atomic_fetch_add(&net->refs, 1); }

void pg__net_release(pg_net *net) {
  if (atomic_fetch_sub(&net->refs, 1) != 1) return;
  pg_ctx *ctx = net->ctx;
  pg__free(ctx, net->block);
  pg__free(ctx, net);
  pg__ctx_release(ctx);
}

size_t pg__net_trunk_dim(const pg_net *net) {
  return net->n_trunk ? net->layers[net->n_trunk - 1].out : net->input_dim;
}

static const float *trunk_out(const pg_net *net) {
  return net->n_trunk ? net->layers[net->n_trunk - 1].y : net->x0;
}

static size_t layer_params(const pg_net *net, size_t i) {
  const pg__layer *l = &net->layers[i];
  size_t n = l->ops->param_count(l);
  if (net->head[PG__HEAD_GAUSSIAN] == (int)i) n += l->out; /* log-std */
  return n;
}


/* Assigns every buffer from base (NULL: only counts); returns floats. */
static size_t net_layout(pg_net *net, float *base) {
  size_t off = 0, mb = net->max_batch, maxw = net->input_dim, maxio = 0;
#define TAKE(ptr, count)                       \
  do {                                         \
    (ptr) = base ? base + off : NULL;          \
    off += pg__round16(count);                     \
  } while (0)
  TAKE(net->params, net->n_params);
  TAKE(net->grads, net->n_params);
  TAKE(net->x0, mb * net->input_dim);
  for (size_t i = 0; i < net->n_layers; i++) {
    pg__layer *l = &net->layers[i];
    TAKE(l->y, mb * l->out);
    maxw = l->out > maxw ? l->out : maxw;
    maxio = l->in * l->out > maxio ? l->in * l->out : maxio;
  }
  for (int h = 0; h < PG__HEAD_KINDS; h++) {
    net->dhead[h] = NULL;
    if (net->head[h] >= 0) TAKE(net->dhead[h], mb * net->layers[net->head[h]].out);
  }
  size_t na = net->head[PG__HEAD_CATEGORICAL] >= 0
                  ? net->layers[net->head[PG__HEAD_CATEGORICAL]].out : 1;
  size_t ad = net->head[PG__HEAD_GAUSSIAN] >= 0
                  ? net->layers[net->head[PG__HEAD_GAUSSIAN]].out : 1;
  TAKE(net->probs, mb * na);
  TAKE(net->logp, mb * na);
  TAKE(net->entropy, mb);
  TAKE(net->dlogstd, ad);
  TAKE(net->dbuf[0], mb * maxw);
  TAKE(net->dbuf[1], mb * maxw);
  TAKE(net->scratch, PG__GEMM_PACK + maxio);
#undef TAKE
  return off;
}

/* Allocates and lays out the buffers (zeroed); params are not initialised. */
pg_status pg__net_alloc(pg_net *net) {
  size_t off = 0;
  for (size_t i = 0; i < net->n_layers; i++) {
    net->layers[i].param_off = off;
    net->layers[i].n_params = layer_params(net, i);
    off += net->layers[i].n_params;
  }
  net->n_params = off;
  size_t floats = net_layout(net, NULL) + 16; /* +16: 64-byte alignment */
  float *block = pg__calloc(net->ctx, floats, sizeof(float));
  if (!block) return PG_ERR_NOMEM;
  uintptr_t addr = (uintptr_t)block;
  float *base = block + ((64 - (addr & 63)) & 63) / sizeof(float);
  net->block = block;
  net_layout(net, base);
  net->ready = true;
  net->fwd_n = 0;
  return PG_OK;
}

void pg__net_init_params(pg_net *net, uint64_t seed) {
  for (size_t i = 0; i < net->n_layers; i++) {
    const pg__layer *l = &net->layers[i];
    pg__rng rng;
    pg__rng_seed(&rng, seed, i + 1); /* per layer: heads don't shift the trunk */
    float *p = net->params + l->param_off;
    l->ops->init(l, p, &rng);
    if (net->head[PG__HEAD_GAUSSIAN] == (int)i) {
      float *ls = p + l->ops->param_count(l);
      for (size_t d = 0; d < l->out; d++) ls[d] = net->log_std_init;
    }
  }
  net->fwd_n = 0;
}

pg_status pg__net_clone(const pg_net *src, pg_net **out) {
  *out = NULL;
  pg_net *net = pg__malloc(src->ctx, sizeof *net);
  if (!net) return pg__fail(src->ctx, PG_ERR_NOMEM, "pg_net_clone: out of memory");
  memcpy(net, src, sizeof *net);
  atomic_init(&net->refs, 1);
  net->block = NULL;
  if (pg__net_alloc(net) != PG_OK) {
    pg__free(src->ctx, net);
    return pg__fail(src->ctx, PG_ERR_NOMEM, "pg_net_clone: out of memory for buffers");
  }
  memcpy(net->params, src->params, net->n_params * sizeof(float));
  pg__ctx_retain(net->ctx);
  *out = net;
  return PG_OK;
}

/* ---- accessors ---------------------------------------------------------- */

bool pg__net_ready(const pg_net *net) { return net->ready; }
pg_ctx *pg__net_ctx(const pg_net *net) { return net->ctx; }
size_t pg__net_input_dim(const pg_net *net) { return net->input_dim; }
size_t pg__net_max_batch(const pg_net *net) { return net->max_batch; }
size_t pg__net_param_count(const pg_net *net) { return net->n_params; }
float *pg__net_params(pg_net *net) { return net->params; }
float *pg__net_grads(pg_net *net) { return net->grads; }
void pg__net_params_changed(pg_net *net) { net->fwd_n = 0; }

size_t pg__net_head_dim(const pg_net *net, int kind) {
  return net->head[kind] >= 0 ? net->layers[net->head[kind]].out : 0;
}
size_t pg__net_n_actions(const pg_net *net) {
  return pg__net_head_dim(net, PG__HEAD_CATEGORICAL);
}
size_t pg__net_n_q(const pg_net *net) { return pg__net_head_dim(net, PG__HEAD_Q); }
size_t pg__net_action_dim(const pg_net *net) {
  return pg__net_head_dim(net, PG__HEAD_GAUSSIAN);
}
bool pg__net_has_value(const pg_net *net) { return net->head[PG__HEAD_VALUE] >= 0; }

const float *pg__net_log_std(const pg_net *net) {
  int h = net->head[PG__HEAD_GAUSSIAN];
  if (h < 0) return NULL;
  const pg__layer *l = &net->layers[h];
  return net->params + l->param_off + l->ops->param_count(l);
}

void pg__net_zero_grads(pg_net *net) {
  memset(net->grads, 0, net->n_params * sizeof(float));
}

void pg__net_copy_params(pg_net *dst, const pg_net *src) {
  memcpy(dst->params, src->params, dst->n_params * sizeof(float));
  dst->fwd_n = 0;
}

/* ---- forward ------------------------------------------------------------ */

/* Masked softmax of one row: probabilities, log-probabilities, entropy. */
static float softmax_row(const float *z, const uint8_t *m, size_t k, float *p,
                         float *lp) {
  float mx = -INFINITY;
  for (size_t j = 0; j < k; j++)
    if ((!m || m[j]) && z[j] > mx) mx = z[j];
  double sum = 0.0;
  for (size_t j = 0; j < k; j++)
    if (!m || m[j]) sum += exp((double)(z[j] - mx));
  const double lse = (double)mx + log(sum);
  double h = 0.0;
  for (size_t j = 0; j < k; j++) {
    if (m && !m[j]) {
      p[j] = 0.0f;
      lp[j] = -INFINITY;
      continue;
    }
    double l = (double)z[j] - lse;
    lp[j] = (float)l;
    p[j] = (float)exp(l);
    h -= exp(l) * l;
  }
  return (float)h;
}

void pg__net_forward_rows(pg_net *net, const float *x, size_t row0, size_t n,
                          const uint8_t *mask, pg__net_out *out) {
  const size_t id = net->input_dim;
  memcpy(net->x0 + row0 * id, x, n * id * sizeof(float));
  const float *h = net->x0 + row0 * id;
  const size_t td = pg__net_trunk_dim(net);
  for (size_t i = 0; i < net->n_layers; i++) {
    const pg__layer *l = &net->layers[i];
    const float *in = i < net->n_trunk ? h : trunk_out(net) + row0 * td;
    float *y = l->y + row0 * l->out;
    l->ops->forward(l, net->params + l->param_off, in, y, n, net->scratch);
    if (i < net->n_trunk) h = y;
  }
  int c = net->head[PG__HEAD_CATEGORICAL];
  if (c >= 0) {
    size_t k = net->layers[c].out;
    for (size_t i = row0; i < row0 + n; i++)
      net->entropy[i] = softmax_row(net->layers[c].y + i * k,
                                    mask ? mask + (i - row0) * k : NULL, k,
                                    net->probs + i * k, net->logp + i * k);
  }
  if (net->head[PG__HEAD_GAUSSIAN] >= 0) {
    float e = (float)pg__gaussian_entropy(pg__net_log_std(net), pg__net_action_dim(net));
    for (size_t i = row0; i < row0 + n; i++) net->entropy[i] = e;
  }
  net->fwd_n = row0 + n;
  net->fwd_stamp++;
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
  if (out->entropy) out->entropy += row0;
  if (out->value) out->value += row0;
  if (out->q) out->q += row0 * out->n_q;
}

void pg__net_forward(pg_net *net, const float *x, size_t n,
                     const uint8_t *mask, pg__net_out *out) {
  pg__net_forward_rows(net, x, 0, n, mask, out);
}

uint64_t pg__net_forward_stamp(const pg_net *net) {
  return net->fwd_n ? net->fwd_stamp : 0;
}

static const float *head_y(const pg_net *net, int kind) {
  return net->head[kind] >= 0 ? net->layers[net->head[kind]].y : NULL;
}

void pg__net_outputs(const pg_net *net, pg__net_out *out) {
  memset(out, 0, sizeof *out);
  out->n = net->fwd_n;
  out->trunk = trunk_out(net);
  out->trunk_dim = pg__net_trunk_dim(net);
  if (net->head[PG__HEAD_CATEGORICAL] >= 0) {
    out->n_actions = pg__net_n_actions(net);
    out->logits = head_y(net, PG__HEAD_CATEGORICAL);
    out->probs = net->probs;
    out->log_probs = net->logp;
    out->entropy = net->entropy;
  }
  if (net->head[PG__HEAD_GAUSSIAN] >= 0) {
    out->action_dim = pg__net_action_dim(net);
    out->mean = head_y(net, PG__HEAD_GAUSSIAN);
    out->log_std = pg__net_log_std(net);
    out->entropy = net->entropy;
  }
  out->value = head_y(net, PG__HEAD_VALUE);
  if (net->head[PG__HEAD_Q] >= 0) {
    out->n_q = pg__net_n_q(net);
    out->q = head_y(net, PG__HEAD_Q);
  }
}

/* ---- backward ----------------------------------------------------------- */

static void head_backward(pg_net *net, int kind, size_t n, float *d, float *dtrunk) {
  if (!d || net->head[kind] < 0) return;
  const pg__layer *l = &net->layers[net->head[kind]];
  l->ops->backward(l, net->params + l->param_off, trunk_out(net), l->y, d, dtrunk,
                   net->grads + l->param_off, n, net->scratch);
}

void pg__net_backward_heads(pg_net *net, size_t n, float *d_logits,
                            float *d_mean, const float *d_log_std,
                            float *d_value, float *d_q) {
  float *cur = net->dbuf[0], *nxt = net->dbuf[1];
  float *dtrunk = net->n_trunk ? cur : NULL;
  if (dtrunk) memset(dtrunk, 0, n * pg__net_trunk_dim(net) * sizeof(float));
  head_backward(net, PG__HEAD_CATEGORICAL, n, d_logits, dtrunk);
  head_backward(net, PG__HEAD_GAUSSIAN, n, d_mean, dtrunk);
  head_backward(net, PG__HEAD_VALUE, n, d_value, dtrunk);
  head_backward(net, PG__HEAD_Q, n, d_q, dtrunk);
  if (d_log_std && net->head[PG__HEAD_GAUSSIAN] >= 0) {
    float *g = net->grads + (pg__net_log_std(net) - net->params);
    for (size_t d = 0; d < pg__net_action_dim(net); d++) g[d] += d_log_std[d];
  }
  for (size_t i = net->n_trunk; i-- > 0;) {
    const pg__layer *l = &net->layers[i];
    const float *x = i ? net->layers[i - 1].y : net->x0;
    float *dx = i ? nxt : NULL;
    if (dx) memset(dx, 0, n * l->in * sizeof(float));
    l->ops->backward(l, net->params + l->param_off, x, l->y, cur, dx,
                     net->grads + l->param_off, n, net->scratch);
    float *t = cur;
    cur = nxt;
    nxt = t;
  }
}

static double row_coef(const pg_loss_desc *loss, size_t i) {
  return (double)loss->scale * (loss->weights ? (double)loss->weights[i] : 1.0);
}

/* dL/dlogits of the policy-gradient and entropy terms; returns their loss. */
static double categorical_terms(pg_net *net, size_t n, const pg_loss_desc *loss,
                                float *dl) {
  const size_t k = pg__net_n_actions(net);
  double total = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *p = net->probs + i * k, *lp = net->logp + i * k;
    float *d = dl + i * k;
    const double c = row_coef(loss, i);
    for (size_t j = 0; j < k; j++) d[j] = 0.0f;
    if (loss->policy_coef != 0.0f) {
      size_t a = (size_t)loss->actions[i];
      double g = c * (double)loss->policy_coef * (double)loss->advantages[i];
      total -= g * (double)lp[a];
      for (size_t j = 0; j < k; j++) d[j] = (float)(g * (double)p[j]);
      d[a] = (float)(g * ((double)p[a] - 1.0));
    }
    if (loss->entropy_coef != 0.0f) {
      double cb = c * (double)loss->entropy_coef, h = (double)net->entropy[i];
      total -= cb * h;
      for (size_t j = 0; j < k; j++)
        if (p[j] > 0.0f) d[j] += (float)(cb * (double)p[j] * ((double)lp[j] + h));
    }
  }
  return total;
}

static double gaussian_terms(pg_net *net, size_t n, const pg_loss_desc *loss,
                             float *dm, float *dls) {
  const size_t dim = pg__net_action_dim(net);
  const float *mean = head_y(net, PG__HEAD_GAUSSIAN), *ls = pg__net_log_std(net);
  double total = 0.0;
  for (size_t d = 0; d < dim; d++) dls[d] = 0.0f;
  for (size_t i = 0; i < n; i++) {
    const double c = row_coef(loss, i);
    if (dm && loss->policy_coef != 0.0f) {
      double g = c * (double)loss->policy_coef * (double)loss->advantages[i], lp = 0.0;
      for (size_t d = 0; d < dim; d++) {
        double sd = exp((double)ls[d]);
        double u = ((double)loss->actions[i * dim + d] - (double)mean[i * dim + d]) / sd;
        lp += -0.5 * u * u - (double)ls[d] - 0.5 * LOG_2PI;
        dm[i * dim + d] = (float)(-g * u / sd);
        dls[d] += (float)(-g * (u * u - 1.0));
      }
      total -= g * lp;
    }
    if (loss->entropy_coef != 0.0f) {
      double cb = c * (double)loss->entropy_coef;
      total -= cb * (double)net->entropy[i];
      for (size_t d = 0; d < dim; d++) dls[d] -= (float)cb;
    }
  }
  return total;
}

static double value_term(pg_net *net, size_t n, const pg_loss_desc *loss, float *dv) {
  const float *v = head_y(net, PG__HEAD_VALUE);
  double total = 0.0;
  for (size_t i = 0; i < n; i++) {
    double c = row_coef(loss, i) * (double)loss->value_coef;
    double diff = (double)loss->returns[i] - (double)v[i];
    total += c * diff * diff;
    dv[i] = (float)(-2.0 * c * diff);
  }
  return total;
}

static double q_term(pg_net *net, size_t n, const pg_loss_desc *loss, float *dq) {
  const size_t k = pg__net_n_q(net);
  const float *q = head_y(net, PG__HEAD_Q);
  double total = 0.0;
  memset(dq, 0, n * k * sizeof *dq);
  for (size_t i = 0; i < n; i++) {
    size_t a = (size_t)loss->actions[i];
    double c = row_coef(loss, i) * (double)loss->q_coef;
    double diff = (double)loss->q_targets[i] - (double)q[i * k + a];
    total += c * diff * diff;
    dq[i * k + a] = (float)(-2.0 * c * diff);
  }
  return total;
}

double pg__net_backward(pg_net *net, size_t n, const pg_loss_desc *loss) {
  float *dl = NULL, *dm = NULL, *dls = NULL, *dv = NULL, *dq = NULL;
  double total = 0.0;
  bool pol = loss->policy_coef != 0.0f, ent = loss->entropy_coef != 0.0f;
  if ((pol || ent) && net->head[PG__HEAD_CATEGORICAL] >= 0) {
    dl = net->dhead[PG__HEAD_CATEGORICAL];
    total += categorical_terms(net, n, loss, dl);
  } else if ((pol || ent) && net->head[PG__HEAD_GAUSSIAN] >= 0) {
    dm = pol ? net->dhead[PG__HEAD_GAUSSIAN] : NULL;
    dls = net->dlogstd;
    total += gaussian_terms(net, n, loss, dm, dls);
  }
  if (loss->value_coef != 0.0f && net->head[PG__HEAD_VALUE] >= 0) {
    dv = net->dhead[PG__HEAD_VALUE];
    total += value_term(net, n, loss, dv);
  }
  if (loss->q_coef != 0.0f && net->head[PG__HEAD_Q] >= 0) {
    dq = net->dhead[PG__HEAD_Q];
    total += q_term(net, n, loss, dq);
  }
  pg__net_backward_heads(net, n, dl, dm, dls, dv, dq);
  return total;
}

/* ---- distributions ------------------------------------------------------ */

uint32_t pg__sample_categorical(const float *probs, size_t k, pg__rng *rng) {
  double u = pg__rng_uniform(rng), cum = 0.0;
  uint32_t last = 0;
  for (size_t j = 0; j < k; j++) {
    if (probs[j] <= 0.0f) continue;
    cum += (double)probs[j];
    last = (uint32_t)j;
    if (u < cum) return last;
  }
  return last; /* rounding left u above the total */
}

uint32_t pg__argmax(const float *v, const uint8_t *mask, size_t k) {
  uint32_t best = 0;
  bool found = false;
  for (size_t j = 0; j < k; j++) {
    if (mask && !mask[j]) continue;
    if (!found || v[j] > v[best]) best = (uint32_t)j;
    found = true;
  }
  return best;
}

void pg__sample_gaussian(const float *mean, const float *log_std, size_t d,
                         pg__rng *rng, float *out) {
  for (size_t i = 0; i < d; i++)
    out[i] = (float)((double)mean[i] + exp((double)log_std[i]) * pg__rng_normal(rng));
}

double pg__gaussian_log_prob(const float *mean, const float *log_std,
                             const float *a, size_t d) {
  double lp = 0.0;
  for (size_t i = 0; i < d; i++) {
    double u = ((double)a[i] - (double)mean[i]) / exp((double)log_std[i]);
    lp += -0.5 * u * u - (double)log_std[i] - 0.5 * LOG_2PI;
  }
  return lp;
}

double pg__gaussian_entropy(const float *log_std, size_t d) {
  double h = 0.0;
  for (size_t i = 0; i < d; i++) h += (double)log_std[i] + 0.5 * (1.0 + LOG_2PI);
  return h;
}

double pg__categorical_entropy(const float *probs, const float *log_probs, size_t k) {
  double h = 0.0;
  for (size_t j = 0; j < k; j++)
    if (probs[j] > 0.0f) h -= (double)probs[j] * (double)log_probs[j];
  return h;
}

/* ---- gradient utilities ------------------------------------------------- */

double pg__clip_global_norm(float *g, size_t n, double max_norm) {
  double norm = pg__grad_norm(g, n);
  if (norm > max_norm) pg__scale(g, n, (float)(max_norm / norm));
  return norm;
}
