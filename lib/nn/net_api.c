/* Public pg_net functions: every argument is checked here before the
** internal functions of net.c run, so a failed call changes nothing. */
#include "nn/net_impl.h"

#include <math.h>
#include <string.h>

#define MAX_DIM ((size_t)1 << 24)

static bool finite_d(double x) { return x == x && x - x == 0.0; }

/* ---- construction ------------------------------------------------------- */

/* A net on input of `input` (checked by the callers, rank 1 or 3). */
static pg_status create_net(pg_ctx *ctx, const char *fn, const pg__shape *input,
                            size_t max_batch, uint64_t seed, pg_net **out) {
  if (max_batch == 0 || max_batch > MAX_DIM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: max_batch %zu not in [1, 2^24]", fn,
                    max_batch);
  pg_net *net = pg__calloc(ctx, 1, sizeof *net);
  if (!net) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  net->ctx = ctx;
  atomic_init(&net->refs, 1);
  pg__netdef_init(&net->def, pg__shape_size(input), max_batch, seed);
  net->def.input = *input;
  pg__ctx_retain(ctx);
  *out = net;
  return PG_OK;
}

pg_status pg_net_create(pg_ctx *ctx, size_t input_dim, size_t max_batch,
                        uint64_t seed, pg_net **out) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "pg_net_create: out is NULL");
  *out = NULL;
  if (input_dim == 0 || input_dim > MAX_DIM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "pg_net_create: input_dim %zu not in [1, 2^24]", input_dim);
  pg__shape input = pg__shape_flat(input_dim);
  return create_net(ctx, "pg_net_create", &input, max_batch, seed, out);
}

pg_status pg_net_create_image(pg_ctx *ctx, size_t height, size_t width, size_t channels,
                              size_t max_batch, uint64_t seed, pg_net **out) {
  static const char fn[] = "pg_net_create_image";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (height == 0 || width == 0 || channels == 0 || height > MAX_DIM || width > MAX_DIM ||
      channels > MAX_DIM || height * width > MAX_DIM || height * width * channels > MAX_DIM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: image %zu x %zu x %zu: every size must be >= 1 and the image at "
                    "most 2^24 floats", fn, height, width, channels);
  pg__shape input;
  memset(&input, 0, sizeof input);
  input.rank = 3;
  input.dim[0] = (uint32_t)height;
  input.dim[1] = (uint32_t)width;
  input.dim[2] = (uint32_t)channels;
  return create_net(ctx, fn, &input, max_batch, seed, out);
}

void pg_net_destroy(pg_net *net) {
  if (net) pg__net_release(net);
}

/* Checks shared by the add_* functions. */
static pg_status check_add(pg_net *net, const char *fn, size_t units,
                           pg_init init, double gain) {
  if (net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net is already finalized", fn);
  if (net->def.n_layers >= PG__NET_MAX_LAYERS)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: more than %d layers and heads",
                    fn, PG__NET_MAX_LAYERS);
  if (units == 0 || units > MAX_DIM)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: size %zu not in [1, 2^24]", fn, units);
  if (init < PG_INIT_GLOROT_UNIFORM || init > PG_INIT_ORTHOGONAL)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: unknown initializer %d", fn, (int)init);
  if (!finite_d(gain) || gain < 0.0)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE, "%s: gain %g is not finite and >= 0",
                    fn, gain);
  return PG_OK;
}

/* Appends a layer of any kind and role; the kind's own checks give
** PG_ERR_INVALID_ARG with its reason. */
static pg_status push_layer(pg_net *net, const char *fn, const pg__layer_ops *ops,
                            uint32_t role, const pg__layer *settings) {
  pg__layer l;
  memset(&l, 0, sizeof l);
  l.ops = ops;
  l.role = role;
  l.act = settings->act;
  l.init = settings->init;
  l.gain = settings->gain;
  memcpy(l.settings, settings->settings, sizeof l.settings);
  const char *why = pg__netdef_push(&net->def, &l);
  if (why) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: %s layer: %s", fn, ops->name, why);
  return PG_OK;
}

static pg__layer dense_settings(size_t units, pg_activation act, pg_init init, double gain) {
  pg__layer l;
  memset(&l, 0, sizeof l);
  l.settings[0] = (uint32_t)units;
  l.act = act;
  l.init = init;
  l.gain = (float)gain;
  return l;
}

pg_status pg__net_add_layer(pg_net *net, const char *fn, const pg__layer_ops *ops,
                            const pg__layer *settings) {
  if (net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net is already finalized", fn);
  if (net->def.n_layers >= PG__NET_MAX_LAYERS)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: more than %d layers and heads",
                    fn, PG__NET_MAX_LAYERS);
  if (net->def.n_layers > net->def.n_trunk)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE,
                    "%s: trunk layers must come before the heads", fn);
  if (pg__layer_kind_find(net->ctx, ops->kind) != ops)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED,
                    "%s: layer kind %u ('%s') is not registered on this context", fn,
                    (unsigned)ops->kind, ops->name);
  return push_layer(net, fn, ops, PG__ROLE_TRUNK, settings);
}

/* check_add for a trunk layer with an activation (dense, conv2d). */
static pg_status check_add_trunk(pg_net *net, const char *fn, const char *kind, size_t units,
                                 pg_activation activation, pg_init init, double gain) {
  pg_status st = check_add(net, fn, units, init, gain);
  if (st != PG_OK) return st;
  if (net->def.n_layers > net->def.n_trunk)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: %s layers must come before the heads", fn,
                    kind);
  if (activation < PG_ACTIVATION_LINEAR || activation > PG_ACTIVATION_SIGMOID)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: unknown activation %d", fn,
                    (int)activation);
  return PG_OK;
}

pg_status pg_net_add_dense(pg_net *net, size_t units, pg_activation activation,
                           pg_init init, double gain) {
  static const char fn[] = "pg_net_add_dense";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = check_add_trunk(net, fn, "dense", units, activation, init, gain);
  if (st != PG_OK) return st;
  pg__layer s = dense_settings(units, activation, init, gain);
  return push_layer(net, fn, &pg__dense_ops, PG__ROLE_TRUNK, &s);
}

pg_status pg_net_add_conv2d(pg_net *net, size_t filters, size_t kernel_h, size_t kernel_w,
                            size_t stride, pg_padding padding, pg_activation activation,
                            pg_init init, double gain) {
  static const char fn[] = "pg_net_add_conv2d";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = check_add_trunk(net, fn, "conv2d", filters, activation, init, gain);
  if (st != PG_OK) return st;
  if (padding != PG_PADDING_VALID && padding != PG_PADDING_SAME)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: unknown padding %d", fn, (int)padding);
  if (kernel_h == 0 || kernel_w == 0 || kernel_h > 255 || kernel_w > 255 || stride == 0 ||
      stride > 255)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG,
                    "%s: kernel %zu x %zu, stride %zu: each must be in [1, 255]", fn, kernel_h,
                    kernel_w, stride);
  pg__layer s = dense_settings(filters, activation, init, gain);
  s.settings[1] = (uint32_t)kernel_h;
  s.settings[2] = (uint32_t)kernel_w;
  s.settings[3] = (uint32_t)stride;
  s.settings[4] = (uint32_t)padding;
  return push_layer(net, fn, &pg__conv2d_ops, PG__ROLE_TRUNK, &s);
}

pg_status pg_net_add_flatten(pg_net *net) {
  if (!net) return PG_ERR_INVALID_ARG;
  pg__layer s;
  memset(&s, 0, sizeof s);
  return pg__net_add_layer(net, "pg_net_add_flatten", &pg__flatten_ops, &s);
}

pg_status pg_net_add_lstm(pg_net *net, size_t units, pg_init init, double gain) {
  static const char fn[] = "pg_net_add_lstm";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = check_add(net, fn, units, init, gain);
  if (st != PG_OK) return st;
  if (net->def.n_layers > net->def.n_trunk)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: LSTM layers must come before the heads",
                    fn);
  pg__layer s = dense_settings(units, PG_ACTIVATION_LINEAR, init, gain);
  return push_layer(net, fn, &pg__lstm_ops, PG__ROLE_TRUNK, &s);
}

static pg_status add_head(pg_net *net, const char *fn, int kind, size_t units,
                          pg_init init, double gain) {
  pg_status st = check_add(net, fn, units, init, gain);
  if (st != PG_OK) return st;
  const int *head = net->def.head;
  if (head[kind] >= 0)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net already has this head", fn);
  bool policy = kind == PG__HEAD_CATEGORICAL || kind == PG__HEAD_GAUSSIAN;
  if (policy && (head[PG__HEAD_CATEGORICAL] >= 0 || head[PG__HEAD_GAUSSIAN] >= 0))
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net already has a policy head", fn);
  pg__layer s = dense_settings(units, PG_ACTIVATION_LINEAR, init, gain);
  return push_layer(net, fn, &pg__dense_ops, (uint32_t)kind, &s);
}

pg_status pg_net_add_categorical_head(pg_net *net, size_t n_actions, pg_init init,
                                      double gain) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (n_actions < 2)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG,
                    "pg_net_add_categorical_head: n_actions %zu < 2", n_actions);
  return add_head(net, "pg_net_add_categorical_head", PG__HEAD_CATEGORICAL, n_actions,
                  init, gain);
}

pg_status pg_net_add_gaussian_head(pg_net *net, size_t action_dim, pg_init init,
                                   double gain, double log_std_init) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!finite_d(log_std_init) || log_std_init < -20.0 || log_std_init > 5.0)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                    "pg_net_add_gaussian_head: log_std_init %g not in [-20, 5]", log_std_init);
  pg_status st = add_head(net, "pg_net_add_gaussian_head", PG__HEAD_GAUSSIAN, action_dim,
                          init, gain);
  if (st == PG_OK) net->def.log_std_init = (float)log_std_init;
  return st;
}

pg_status pg_net_add_gaussian_head_state_std(pg_net *net, size_t action_dim, pg_init init,
                                             double gain, double log_std_init,
                                             double log_std_min, double log_std_max) {
  static const char fn[] = "pg_net_add_gaussian_head_state_std";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!finite_d(log_std_min) || !finite_d(log_std_max) || log_std_min < -20.0 ||
      log_std_max > 5.0 || !(log_std_min < log_std_max))
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: log-std bounds [%g, %g] not within [-20, 5] with min < max", fn,
                    log_std_min, log_std_max);
  if (!finite_d(log_std_init) || log_std_init < log_std_min || log_std_init > log_std_max)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE, "%s: log_std_init %g not in [%g, %g]", fn,
                    log_std_init, log_std_min, log_std_max);
  if (!net->ready && net->def.n_layers + 2 > PG__NET_MAX_LAYERS)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: more than %d layers and heads", fn,
                    PG__NET_MAX_LAYERS);
  pg_status st = add_head(net, fn, PG__HEAD_GAUSSIAN, action_dim, init, gain);
  if (st != PG_OK) return st;
  pg__layer s = dense_settings(action_dim, PG_ACTIVATION_LINEAR, init, gain);
  pg__log_std_set_bounds(&s, (float)log_std_min, (float)log_std_max);
  st = push_layer(net, fn, &pg__log_std_ops, PG__HEAD_LOG_STD, &s);
  if (st != PG_OK) { /* the mean head goes again: the net is as it was */
    net->def.head[PG__HEAD_GAUSSIAN] = -1;
    net->def.n_layers--;
    return st;
  }
  net->def.log_std_init = (float)log_std_init;
  return PG_OK;
}

pg_status pg_net_add_value_head(pg_net *net, pg_init init, double gain) {
  if (!net) return PG_ERR_INVALID_ARG;
  return add_head(net, "pg_net_add_value_head", PG__HEAD_VALUE, 1, init, gain);
}

pg_status pg_net_add_q_head(pg_net *net, size_t n_actions, pg_init init, double gain) {
  if (!net) return PG_ERR_INVALID_ARG;
  return add_head(net, "pg_net_add_q_head", PG__HEAD_Q, n_actions, init, gain);
}

pg_status pg_net_finalize(pg_net *net) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "pg_net_finalize: already finalized");
  if (net->def.n_layers == net->def.n_trunk)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "pg_net_finalize: the net has no head");
  if (pg__net_alloc(net) != PG_OK)
    return pg__fail(net->ctx, PG_ERR_NOMEM, "pg_net_finalize: out of memory for buffers");
  pg__net_init_params(net, net->def.seed);
  return PG_OK;
}

pg_status pg_net_clone(const pg_net *net, pg_net **out) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_clone: out is NULL");
  *out = NULL;
  if (!net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "pg_net_clone: the net is not finalized");
  pg_status st = pg__net_check_idle(net, net->ctx, "pg_net_clone");
  if (st != PG_OK) return st;
  return pg__net_clone(net, out);
}

/* ---- sizes and parameters ----------------------------------------------- */

/* Finalized, and no asynchronous writer running (the parameters and the
** forward buffers are only then the caller's to read or write). */
static pg_status need_ready(const pg_net *net, const char *fn) {
  if (!net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  return pg__net_check_idle(net, net->ctx, fn);
}

pg_status pg_net_input_size(const pg_net *net, size_t *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_input_size: out is NULL");
  *out = net->def.input_dim;
  return PG_OK;
}

pg_status pg_net_max_batch(const pg_net *net, size_t *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_max_batch: out is NULL");
  *out = net->def.max_batch;
  return PG_OK;
}

pg_status pg_net_param_count(const pg_net *net, size_t *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_param_count: out is NULL");
  if (!net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "pg_net_param_count: the net is not finalized");
  *out = net->def.n_params;
  return PG_OK;
}

enum { EITHER_POLICY_HEAD = PG__HEAD_KINDS };

/* Head kind of an output, or -1 for an unknown enum value. */
static int output_head(pg_net_output which) {
  switch (which) {
  case PG_NET_OUTPUT_LOGITS:
  case PG_NET_OUTPUT_PROBS:
  case PG_NET_OUTPUT_LOG_PROBS: return PG__HEAD_CATEGORICAL;
  case PG_NET_OUTPUT_MEAN:
  case PG_NET_OUTPUT_LOG_STD: return PG__HEAD_GAUSSIAN;
  case PG_NET_OUTPUT_VALUE: return PG__HEAD_VALUE;
  case PG_NET_OUTPUT_Q: return PG__HEAD_Q;
  case PG_NET_OUTPUT_ENTROPY: return EITHER_POLICY_HEAD;
  default: return -1;
  }
}

static size_t output_width(const pg_net *net, int kind) {
  if (kind == EITHER_POLICY_HEAD)
    return net->def.head[PG__HEAD_CATEGORICAL] >= 0 || net->def.head[PG__HEAD_GAUSSIAN] >= 0;
  return pg__net_head_dim(net, kind);
}

pg_status pg_net_output_size(const pg_net *net, pg_net_output which, size_t *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_output_size: out is NULL");
  int kind = output_head(which);
  if (kind < 0)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "pg_net_output_size: unknown output %d",
                    (int)which);
  *out = output_width(net, kind);
  return PG_OK;
}

static pg_status check_range(const pg_net *net, const char *fn, size_t offset,
                             size_t count, const void *buf) {
  pg_status st = need_ready(net, fn);
  if (st != PG_OK) return st;
  if (!buf) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: buffer is NULL", fn);
  if (offset > net->def.n_params || count > net->def.n_params - offset)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: range [%zu, %zu+%zu) exceeds the %zu parameters", fn, offset,
                    offset, count, net->def.n_params);
  return PG_OK;
}

static pg_status get_range(const pg_net *net, const char *fn, const float *src,
                           size_t offset, size_t count, float *out) {
  pg_status st = check_range(net, fn, offset, count, out);
  if (st != PG_OK) return st;
  memcpy(out, src + offset, count * sizeof *out);
  return PG_OK;
}

static pg_status set_range(pg_net *net, const char *fn, float *dst, size_t offset,
                           size_t count, const float *in) {
  pg_status st = check_range(net, fn, offset, count, in);
  if (st != PG_OK) return st;
  if (!pg__all_finite(in, count))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in the values", fn);
  memcpy(dst + offset, in, count * sizeof *in);
  return PG_OK;
}

pg_status pg_net_get_params(const pg_net *net, size_t offset, size_t count, float *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  return get_range(net, "pg_net_get_params", net->params, offset, count, out);
}

pg_status pg_net_set_params(pg_net *net, size_t offset, size_t count, const float *in) {
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = set_range(net, "pg_net_set_params", net->params, offset, count, in);
  if (st == PG_OK) net->fwd_n = 0;
  return st;
}

pg_status pg_net_get_grads(const pg_net *net, size_t offset, size_t count, float *out) {
  if (!net) return PG_ERR_INVALID_ARG;
  return get_range(net, "pg_net_get_grads", net->grads, offset, count, out);
}

pg_status pg_net_set_grads(pg_net *net, size_t offset, size_t count, const float *in) {
  if (!net) return PG_ERR_INVALID_ARG;
  return set_range(net, "pg_net_set_grads", net->grads, offset, count, in);
}

pg_status pg_net_copy_params(pg_net *dst, const pg_net *src) {
  if (!dst) return PG_ERR_INVALID_ARG;
  if (!src) return pg__fail(dst->ctx, PG_ERR_INVALID_ARG, "pg_net_copy_params: src is NULL");
  pg_status st = need_ready(dst, "pg_net_copy_params");
  if (st != PG_OK) return st;
  if (!src->ready)
    return pg__fail(dst->ctx, PG_ERR_BAD_STATE, "pg_net_copy_params: src is not finalized");
  if ((st = pg__net_check_idle(src, dst->ctx, "pg_net_copy_params (src)")) != PG_OK) return st;
  if (!pg__netdef_same(&dst->def, &src->def))
    return pg__fail(dst->ctx, PG_ERR_SHAPE,
                    "pg_net_copy_params: the nets have different architectures");
  if (dst != src) pg__net_copy_params(dst, src);
  return PG_OK;
}

pg_status pg_net_init_params(pg_net *net, uint64_t seed) {
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = need_ready(net, "pg_net_init_params");
  if (st != PG_OK) return st;
  pg__net_init_params(net, seed);
  return PG_OK;
}

pg_status pg_net_zero_grads(pg_net *net) {
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = need_ready(net, "pg_net_zero_grads");
  if (st != PG_OK) return st;
  pg__net_zero_grads(net);
  return PG_OK;
}

/* ---- forward and outputs ------------------------------------------------ */

static pg_status check_rows(const pg_net *net, const char *fn, size_t n) {
  if (n == 0 || n > net->def.max_batch)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE, "%s: n = %zu rows not in [1, max_batch = %zu]",
                    fn, n, net->def.max_batch);
  return PG_OK;
}

/* Checks of a forward over n rows (inputs finite, every mask row allowing
** an action). */
static pg_status check_forward(pg_net *net, const char *fn, const float *inputs, size_t n,
                               const uint8_t *mask) {
  pg_status st = need_ready(net, fn);
  if (st != PG_OK) return st;
  if (!inputs) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: inputs is NULL", fn);
  if ((st = check_rows(net, fn, n)) != PG_OK) return st;
  if (!pg__all_finite(inputs, n * net->def.input_dim))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in the inputs", fn);
  size_t k = pg__net_n_actions(net);
  if (mask && k) {
    for (size_t i = 0; i < n; i++) {
      bool any = false;
      for (size_t j = 0; j < k; j++) any |= mask[i * k + j] != 0;
      if (!any)
        return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: mask row %zu allows no action",
                        fn, i);
    }
  }
  return PG_OK;
}

/* PG_ERR_NUMERIC when a head output of the forward o is NaN or Inf. */
static pg_status outputs_finite(pg_net *net, const char *fn, const pg__net_out *o) {
  if (pg__net_out_finite(o, 0, o->n)) return PG_OK;
  return pg__fail(net->ctx, PG_ERR_NUMERIC,
                  "%s: the outputs are NaN or Inf (non-finite parameters, or inputs too large "
                  "for them)", fn);
}

pg_status pg_net_forward(pg_net *net, const float *inputs, size_t n, const uint8_t *mask) {
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = check_forward(net, "pg_net_forward", inputs, n, mask);
  if (st != PG_OK) return st;
  pg__net_out o;
  pg__net_forward(net, inputs, n, mask, &o);
  return outputs_finite(net, "pg_net_forward", &o);
}

pg_status pg_net_forward_seq(pg_net *net, const float *inputs, size_t steps, size_t n_seq,
                             const uint8_t *mask) {
  static const char fn[] = "pg_net_forward_seq";
  if (!net) return PG_ERR_INVALID_ARG;
  if (steps == 0 || n_seq == 0 || steps > net->def.max_batch / n_seq)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: steps %zu x n_seq %zu rows not in [1, max_batch = %zu]", fn, steps,
                    n_seq, net->def.max_batch);
  pg_status st = check_forward(net, fn, inputs, steps * n_seq, mask);
  if (st != PG_OK) return st;
  pg__net_out o;
  pg__net_forward_seq(net, inputs, steps, n_seq, mask, &o);
  return outputs_finite(net, fn, &o);
}

pg_status pg_net_reset_state(pg_net *net, size_t first, size_t count) {
  static const char fn[] = "pg_net_reset_state";
  if (!net) return PG_ERR_INVALID_ARG;
  pg_status st = need_ready(net, fn);
  if (st != PG_OK) return st;
  if (first > net->def.max_batch || count > net->def.max_batch - first)
    return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: sequences [%zu, %zu + %zu) not within max_batch = %zu", fn, first,
                    first, count, net->def.max_batch);
  pg__net_reset_state(net, first, count);
  return PG_OK;
}

static pg_status need_forward(const pg_net *net, const char *fn) {
  pg_status st = need_ready(net, fn);
  if (st != PG_OK) return st;
  if (net->fwd_n == 0)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE,
                    "%s: no forward since the net was set up or its parameters changed", fn);
  return PG_OK;
}

pg_status pg_net_get_output(const pg_net *net, pg_net_output which, float *out,
                            size_t out_len) {
  static const char fn[] = "pg_net_get_output";
  if (!net) return PG_ERR_INVALID_ARG;
  int kind = output_head(which);
  if (kind < 0)
    return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: unknown output %d", fn, (int)which);
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  /* a log-std block is a parameter; a state-dependent one an output per row */
  bool block = which == PG_NET_OUTPUT_LOG_STD && !pg__netdef_state_std(&net->def);
  pg_status st = block ? need_ready(net, fn) : need_forward(net, fn);
  if (st != PG_OK) return st;
  size_t w = output_width(net, kind);
  if (w == 0)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: the net has no head for output %d", fn,
                    (int)which);
  size_t rows = block ? 1 : net->fwd_n;
  if (out_len < rows * w)
    return pg__fail(net->ctx, PG_ERR_SHAPE, "%s: out_len %zu < %zu", fn, out_len, rows * w);
  pg__net_out o;
  pg__net_outputs(net, &o);
  const float *src = NULL;
  switch (which) {
  case PG_NET_OUTPUT_LOGITS: src = o.logits; break;
  case PG_NET_OUTPUT_PROBS: src = o.probs; break;
  case PG_NET_OUTPUT_LOG_PROBS: src = o.log_probs; break;
  case PG_NET_OUTPUT_ENTROPY: src = o.entropy; break;
  case PG_NET_OUTPUT_MEAN: src = o.mean; break;
  case PG_NET_OUTPUT_LOG_STD: src = o.log_std; break;
  case PG_NET_OUTPUT_VALUE: src = o.value; break;
  default: src = o.q; break;
  }
  memcpy(out, src, rows * w * sizeof *out);
  return PG_OK;
}

/* Discrete actions: exact integers in [0, k), and allowed by the last
** forward's mask when logp is given. */
static pg_status check_discrete(const pg_net *net, const char *fn, const float *a,
                                size_t n, size_t k, const float *logp) {
  for (size_t i = 0; i < n; i++) {
    float x = a[i];
    if (!(x >= 0.0f && x < (float)k && x == floorf(x)))
      return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE,
                      "%s: action %g of row %zu is not an index in [0, %zu)", fn,
                      (double)x, i, k);
    if (logp && logp[i * k + (size_t)x] == -INFINITY)
      return pg__fail(net->ctx, PG_ERR_OUT_OF_RANGE, "%s: action %zu of row %zu is masked",
                      fn, (size_t)x, i);
  }
  return PG_OK;
}

/* The policy head's actions for n rows: present and valid. */
static pg_status check_policy_actions(const pg_net *net, const char *fn, const float *a,
                                      size_t n) {
  if (!a) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: actions is NULL", fn);
  if (net->def.head[PG__HEAD_CATEGORICAL] >= 0)
    return check_discrete(net, fn, a, n, pg__net_n_actions(net), net->logp);
  if (!pg__all_finite(a, n * pg__net_action_dim(net)))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in the actions", fn);
  return PG_OK;
}

static bool has_policy(const pg_net *net) {
  return net->def.head[PG__HEAD_CATEGORICAL] >= 0 || net->def.head[PG__HEAD_GAUSSIAN] >= 0;
}

static pg_status check_same_rows(const pg_net *net, const char *fn, size_t n) {
  pg_status st = check_rows(net, fn, n);
  if (st != PG_OK) return st;
  if ((st = need_forward(net, fn)) != PG_OK) return st;
  if (n != net->fwd_n)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: n = %zu but the last forward had %zu rows",
                    fn, n, net->fwd_n);
  return PG_OK;
}

pg_status pg_net_log_prob(const pg_net *net, const float *actions, size_t n, float *out) {
  static const char fn[] = "pg_net_log_prob";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  pg_status st = check_same_rows(net, fn, n);
  if (st != PG_OK) return st;
  if (!has_policy(net))
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: the net has no policy head", fn);
  if ((st = check_policy_actions(net, fn, actions, n)) != PG_OK) return st;
  size_t k = pg__net_n_actions(net), d = pg__net_action_dim(net);
  const float *mean = d ? pg__net_head_y(net, PG__HEAD_GAUSSIAN) : NULL;
  for (size_t i = 0; i < n; i++)
    out[i] = k ? net->logp[i * k + (size_t)actions[i]]
               : (float)pg__gaussian_log_prob(mean + i * d,
                                              pg__net_log_std(net) + i * pg__net_log_std_stride(net),
                                              actions + i * d, d);
  return PG_OK;
}

/* ---- backward ----------------------------------------------------------- */

static pg_status need_finite(const pg_net *net, const char *fn, const float *x, size_t n,
                             const char *what) {
  if (!x) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn, what);
  if (!pg__all_finite(x, n))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in %s", fn, what);
  return PG_OK;
}

static pg_status check_loss(const pg_net *net, const pg_loss_desc *l, size_t n) {
  static const char fn[] = "pg_net_backward";
  pg_status st = PG_OK;
  float coefs[5] = {l->scale, l->policy_coef, l->entropy_coef, l->value_coef, l->q_coef};
  if (!pg__all_finite(coefs, 5))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf scale or coefficient", fn);
  if ((l->policy_coef != 0.0f || l->entropy_coef != 0.0f) && !has_policy(net))
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED,
                    "%s: policy or entropy term but the net has no policy head", fn);
  if (l->value_coef != 0.0f && net->def.head[PG__HEAD_VALUE] < 0)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: value term but no value head", fn);
  if (l->q_coef != 0.0f && net->def.head[PG__HEAD_Q] < 0)
    return pg__fail(net->ctx, PG_ERR_UNSUPPORTED, "%s: Q term but no Q head", fn);
  if (l->policy_coef != 0.0f) {
    if ((st = check_policy_actions(net, fn, l->actions, n)) != PG_OK) return st;
    if ((st = need_finite(net, fn, l->advantages, n, "advantages")) != PG_OK) return st;
  }
  if (l->value_coef != 0.0f &&
      (st = need_finite(net, fn, l->returns, n, "returns")) != PG_OK)
    return st;
  if (l->q_coef != 0.0f) {
    if (!l->actions) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: actions is NULL", fn);
    if ((st = check_discrete(net, fn, l->actions, n, pg__net_n_q(net), NULL)) != PG_OK)
      return st;
    if ((st = need_finite(net, fn, l->q_targets, n, "q_targets")) != PG_OK) return st;
  }
  if (l->weights && !pg__all_finite(l->weights, n))
    return pg__fail(net->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in weights", fn);
  return PG_OK;
}

pg_status pg_net_backward(pg_net *net, const pg_loss_desc *loss, size_t n,
                          double *out_loss) {
  static const char fn[] = "pg_net_backward";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!loss) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: loss is NULL", fn);
  if (loss->struct_size < sizeof(uint32_t))
    return pg__fail(net->ctx, PG_ERR_VERSION, "%s: loss->struct_size %u is too small",
                    fn, (unsigned)loss->struct_size);
  /* Members beyond the caller's struct_size read as zero (docs/ABI.md). */
  pg_loss_desc l;
  memset(&l, 0, sizeof l);
  memcpy(&l, loss, loss->struct_size < sizeof l ? loss->struct_size : sizeof l);
  pg_status st = check_same_rows(net, fn, n);
  if (st != PG_OK) return st;
  if ((st = check_loss(net, &l, n)) != PG_OK) return st;
  double v = pg__net_backward(net, n, &l);
  if (out_loss) *out_loss = v;
  return PG_OK;
}
