/* A layer kind defined in this file alone, registered through the op table
** (pg__layer_kind_register), goes through every path dense goes through:
** build, finalize, forward, backward, train with an optimizer, save,
** reload, act as a policy. A second, stateful kind (a running sum over
** time) drives the time-major sequence path and its reset. Nothing in
** lib/ knows either kind. */
#include "testutil.h"

#include "nn/pg_nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the toy kind: y = s(a ⊙ x + c) elementwise, s = tanh or identity ----
** settings[0] = 1 squashes with tanh. Blocks: a (in), c (in). Its record:
** the squash flag, then a magic word so a short or long record is caught. */
#define TOY_KIND 1000u
#define TOY_MAGIC 0x70797421u

static const char *toy_setup(pg__layer *l) {
  if (l->settings[0] > 1) return "squash is 0 or 1";
  l->out_shape = l->in_shape;
  return NULL;
}
static size_t toy_block_size(const pg__layer *l, size_t b) { return l->in; }
static void toy_init_block(const pg__layer *l, size_t b, float *p, pg__rng *rng) {
  for (size_t i = 0; i < l->in; i++)
    p[i] = b == 0 ? (float)(1.0 + 0.1 * (pg__rng_uniform(rng) - 0.5)) : 0.0f;
}
static size_t toy_scratch(const pg__layer *l, bool training) {
  return training ? 4 : 1;
}
static void toy_forward(const pg__layer *l, const float *p, const float *x, float *y,
                        size_t n, float *scratch) {
  for (size_t r = 0; r < n; r++)
    for (size_t i = 0; i < l->in; i++) {
      float v = p[i] * x[r * l->in + i] + p[l->in + i];
      y[r * l->in + i] = l->settings[0] ? tanhf(v) : v;
    }
}
static void toy_backward(const pg__layer *l, const float *p, const float *x, const float *y,
                         float *dy, float *dx, float *g, size_t n, float *scratch) {
  for (size_t r = 0; r < n; r++)
    for (size_t i = 0; i < l->in; i++) {
      size_t k = r * l->in + i;
      float d = l->settings[0] ? dy[k] * (1.0f - y[k] * y[k]) : dy[k];
      g[i] += d * x[k];
      g[l->in + i] += d;
      if (dx) dx[k] += d * p[i];
    }
}
static void toy_write_arch(pg__writer *w, const pg__layer *l) {
  pg__w_u32(w, l->settings[0]);
  pg__w_u32(w, TOY_MAGIC);
}
static const char *toy_read_arch(pg__reader *r, pg__layer *l) {
  l->settings[0] = pg__r_u32(r);
  return pg__r_u32(r) == TOY_MAGIC ? NULL : "bad toy magic";
}

static const pg__layer_ops toy_ops = {
    .kind = TOY_KIND,
    .name = "toy",
    .setup = toy_setup,
    .n_blocks = 2,
    .block_size = toy_block_size,
    .init_block = toy_init_block,
    .scratch_floats = toy_scratch,
    .forward = toy_forward,
    .backward = toy_backward,
    .write_arch = toy_write_arch,
    .read_arch = toy_read_arch,
};

/* ---- the stateful kind: y_t = x_t + y_{t-1} per sequence (no parameters) - */
#define SUM_KIND 1001u

static const char *sum_setup(pg__layer *l) {
  l->out_shape = l->in_shape;
  return NULL;
}
static size_t sum_block_size(const pg__layer *l, size_t b) { return 0; }
static void sum_init_block(const pg__layer *l, size_t b, float *p, pg__rng *rng) {}
static size_t sum_scratch(const pg__layer *l, bool training) {
  return 0;
}
static size_t sum_state(const pg__layer *l) { return l->in; }
static void sum_reset(const pg__layer *l, float *state) {
  memset(state, 0, l->in * sizeof *state);
}
static void sum_forward_seq(const pg__layer *l, const float *p, const float *x, float *y,
                            size_t steps, size_t n_seq, float *state, float *scratch) {
  for (size_t t = 0; t < steps; t++)
    for (size_t s = 0; s < n_seq; s++)
      for (size_t i = 0; i < l->in; i++) {
        size_t k = (t * n_seq + s) * l->in + i;
        state[s * l->in + i] += x[k];
        y[k] = state[s * l->in + i];
      }
}
static void sum_backward_seq(const pg__layer *l, const float *p, const float *x,
                             const float *y, float *dy, float *dx, float *g, size_t steps,
                             size_t n_seq, float *scratch) {
  if (!dx) return;
  const size_t w = n_seq * l->in; /* dL/dx_t = sum over t' >= t of dL/dy_t' */
  for (size_t t = steps; t-- > 0;) {
    for (size_t k = 0; k < w; k++) {
      if (t + 1 < steps) dy[t * w + k] += dy[(t + 1) * w + k];
      dx[t * w + k] += dy[t * w + k];
    }
  }
}
static void sum_forward(const pg__layer *l, const float *p, const float *x, float *y, size_t n,
                        float *scratch) {
  ck_abort_msg("a stateful kind is run through forward_seq");
}
static void sum_backward(const pg__layer *l, const float *p, const float *x, const float *y,
                         float *dy, float *dx, float *g, size_t n, float *scratch) {
  ck_abort_msg("a stateful kind is run through backward_seq");
}
static void sum_write_arch(pg__writer *w, const pg__layer *l) {}
static const char *sum_read_arch(pg__reader *r, pg__layer *l) { return NULL; }

static const pg__layer_ops sum_ops = {
    .kind = SUM_KIND,
    .name = "running-sum",
    .setup = sum_setup,
    .n_blocks = 0,
    .block_size = sum_block_size,
    .init_block = sum_init_block,
    .scratch_floats = sum_scratch,
    .state_floats = sum_state,
    .reset_state = sum_reset,
    .forward = sum_forward,
    .backward = sum_backward,
    .forward_seq = sum_forward_seq,
    .backward_seq = sum_backward_seq,
    .write_arch = sum_write_arch,
    .read_arch = sum_read_arch,
};

/* ---- helpers ------------------------------------------------------------- */

static pg__layer toy_settings(uint32_t squash) {
  pg__layer s;
  memset(&s, 0, sizeof s);
  s.settings[0] = squash;
  return s;
}

/* input 3 -> toy(tanh) -> dense 8 tanh -> toy(linear) -> categorical 2 + value */
static pg_net *toy_net(pg_ctx *ctx, uint64_t seed) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 16, seed, &net), PG_OK);
  pg__layer s1 = toy_settings(1), s0 = toy_settings(0);
  ck_assert_int_eq(pg__net_add_layer(net, "t", &toy_ops, &s1), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg__net_add_layer(net, "t", &toy_ops, &s0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.1), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static void inputs(float *x, size_t n) {
  for (size_t r = 0; r < n; r++)
    for (size_t j = 0; j < 3; j++) x[r * 3 + j] = (float)sin(1.3 * (double)(r * 3 + j));
}

static unsigned char *save(pg_net *net, size_t *size) {
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  ck_assert_int_eq(pg_net_save_memory(net, buf, *size, size), PG_OK);
  return buf;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_register) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 4, 1, &net), PG_OK);
  pg__layer s = toy_settings(0);
  /* Not registered on this context yet. */
  ck_assert_int_eq(pg__net_add_layer(net, "t", &toy_ops, &s), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg__layer_kind_register(ctx, &toy_ops), PG_OK);
  ck_assert_int_eq(pg__layer_kind_register(ctx, &toy_ops), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg__layer_kind_register(ctx, NULL), PG_ERR_INVALID_ARG);
  pg__layer_ops bad = toy_ops;
  bad.kind = PG__LAYER_DENSE; /* the built-in range */
  ck_assert_int_eq(pg__layer_kind_register(ctx, &bad), PG_ERR_INVALID_ARG);
  bad = toy_ops;
  bad.kind = 1500;
  bad.forward = NULL;
  ck_assert_int_eq(pg__layer_kind_register(ctx, &bad), PG_ERR_INVALID_ARG);
  bad = sum_ops;
  bad.kind = 1501;
  bad.backward_seq = NULL; /* half a stateful kind */
  ck_assert_int_eq(pg__layer_kind_register(ctx, &bad), PG_ERR_INVALID_ARG);
  ck_assert_ptr_eq(pg__layer_kind_find(ctx, TOY_KIND), &toy_ops);
  ck_assert_ptr_eq(pg__layer_kind_find(ctx, PG__LAYER_DENSE), &pg__dense_ops);
  ck_assert_ptr_null(pg__layer_kind_find(ctx, 4242));
  /* The kind's own checks reach the caller, and a failed add changes nothing. */
  s.settings[0] = 7;
  ck_assert_int_eq(pg__net_add_layer(net, "t", &toy_ops, &s), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "squash"));
  ck_assert_uint_eq(pg__net_def(net)->n_layers, 0);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_toy_kind_lifecycle) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg__layer_kind_register(ctx, &toy_ops), PG_OK);
  pg_net *net = toy_net(ctx, 5);
  const pg__netdef *d = pg__net_def(net);
  ck_assert_ptr_eq(d->layers[0].ops, &toy_ops);
  ck_assert_uint_eq(d->layers[0].param_off, 0);
  ck_assert_uint_eq(d->layers[0].n_params, 6);              /* a and c */
  ck_assert_uint_eq(d->layers[2].n_params, 16);             /* over the 8 dense units */
  size_t count;
  ck_assert_int_eq(pg_net_param_count(net, &count), PG_OK);
  ck_assert_uint_eq(count, 6 + (3 * 8 + 8) + 16 + (8 * 2 + 2) + (8 + 1));

  /* Gradients of the toy blocks agree with finite differences. */
  float x[16 * 3];
  inputs(x, 4);
  float acts[4] = {0, 1, 1, 0}, adv[4] = {1.0f, -0.5f, 0.7f, 0.2f}, ret[4] = {1, 0, -1, 0.5f};
  pg_loss_desc L;
  memset(&L, 0, sizeof L);
  L.struct_size = sizeof L;
  L.scale = 1.0f;
  L.policy_coef = 1.0f;
  L.value_coef = 0.5f;
  L.actions = acts;
  L.advantages = adv;
  L.returns = ret;
  double loss;
  ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
  ck_assert_int_eq(pg_net_forward(net, x, 4, NULL), PG_OK);
  ck_assert_int_eq(pg_net_backward(net, &L, 4, &loss), PG_OK);
  float *g = malloc(count * sizeof *g), *p = malloc(count * sizeof *p);
  ck_assert_int_eq(pg_net_get_grads(net, 0, count, g), PG_OK);
  ck_assert_int_eq(pg_net_get_params(net, 0, count, p), PG_OK);
  size_t probe[] = {0, 2, 4, 5, 6 + 32, 6 + 32 + 3, 6 + 32 + 12};
  for (size_t q = 0; q < sizeof probe / sizeof probe[0]; q++) {
    size_t i = probe[q];
    double lv[2];
    for (int sgn = 0; sgn < 2; sgn++) {
      float v = p[i] + (sgn ? -1e-3f : 1e-3f);
      ck_assert_int_eq(pg_net_set_params(net, i, 1, &v), PG_OK);
      ck_assert_int_eq(pg_net_forward(net, x, 4, NULL), PG_OK);
      ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
      ck_assert_int_eq(pg_net_backward(net, &L, 4, &lv[sgn]), PG_OK);
    }
    ck_assert_int_eq(pg_net_set_params(net, i, 1, &p[i]), PG_OK);
    double fd = (lv[0] - lv[1]) / 2e-3;
    ck_assert_msg(fabs(fd - (double)g[i]) < 2e-3 * (1.0 + fabs(fd)), "param %zu: %g vs %g", i,
                  fd, (double)g[i]);
  }

  /* Train: the loss falls and the toy blocks move. */
  pg_optim *opt = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_ADAM, &opt), PG_OK);
  ck_assert_int_eq(pg_optim_set_param(opt, PG_OPTIM_LR, 0.01), PG_OK);
  L.policy_coef = 0.0f; /* regress the values: a loss that can reach 0 */
  double first = 0.0, last = 0.0;
  for (int it = 0; it < 200; it++) {
    ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
    ck_assert_int_eq(pg_net_forward(net, x, 4, NULL), PG_OK);
    ck_assert_int_eq(pg_net_backward(net, &L, 4, &last), PG_OK);
    if (it == 0) first = last;
    ck_assert_int_eq(pg_optim_step(opt, NULL), PG_OK);
  }
  ck_assert_msg(last < 0.1 * first, "loss %g -> %g", first, last);
  float *p2 = malloc(count * sizeof *p2);
  ck_assert_int_eq(pg_net_get_params(net, 0, count, p2), PG_OK);
  ck_assert(memcmp(p, p2, 6 * sizeof *p) != 0);
  pg_optim_destroy(opt);

  /* Save, reload: the same parameters and outputs; the record is v2. */
  size_t size;
  unsigned char *buf = save(net, &size);
  pg_net *back = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  ck_assert_ptr_eq(pg__net_def(back)->layers[2].ops, &toy_ops);
  ck_assert_uint_eq(pg__net_def(back)->layers[0].settings[0], 1);
  ck_assert_uint_eq(pg__net_def(back)->layers[2].settings[0], 0);
  ck_assert_int_eq(pg_net_get_params(back, 0, count, p), PG_OK);
  ck_assert(memcmp(p, p2, count * sizeof *p) == 0);
  float o1[8], o2[8];
  ck_assert_int_eq(pg_net_forward(net, x, 4, NULL), PG_OK);
  ck_assert_int_eq(pg_net_forward(back, x, 4, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, o1, 8), PG_OK);
  ck_assert_int_eq(pg_net_get_output(back, PG_NET_OUTPUT_PROBS, o2, 8), PG_OK);
  ck_assert(memcmp(o1, o2, sizeof o1) == 0);

  /* Act: from the net, and from the saved bytes as a policy. */
  pg_policy *pol = NULL, *pol2 = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &pol2), PG_OK);
  pg_policy_session *s1 = NULL, *s2 = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 3, &s1), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(pol2, 3, &s2), PG_OK);
  for (size_t r = 0; r < 4; r++) {
    float a1, a2;
    ck_assert_int_eq(pg_policy_act(s1, x + r * 3, 3, NULL, 0, 1, &a1, 1), PG_OK);
    ck_assert_float_eq(a1, o1[2 * r + 1] > o1[2 * r] ? 1.0f : 0.0f); /* greedy = argmax */
    for (int t = 0; t < 5; t++) {
      ck_assert_int_eq(pg_policy_act(s1, x + r * 3, 3, NULL, 0, 0, &a1, 1), PG_OK);
      ck_assert_int_eq(pg_policy_act(s2, x + r * 3, 3, NULL, 0, 0, &a2, 1), PG_OK);
      ck_assert_float_eq(a1, a2);
    }
  }
  /* The policy saves its toy layers too. */
  size_t psize;
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &psize), PG_OK);
  unsigned char *pbuf = malloc(psize);
  ck_assert_int_eq(pg_policy_save_memory(pol, pbuf, psize, &psize), PG_OK);
  pg_policy *pol3 = NULL;
  ck_assert_int_eq(pg_policy_load_memory(ctx, pbuf, psize, &pol3), PG_OK);
  pg_policy_destroy(pol3);

  /* A context that does not know the kind refuses the file, by name. */
  pg_ctx *other = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &other), PG_OK);
  pg_net *none = NULL;
  ck_assert_int_eq(pg_net_load_memory(other, buf, size, &none), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(other), "unknown kind 1000"));
  ck_assert_ptr_null(none);
  pg_ctx_destroy(other);

  free(pbuf);
  free(buf);
  free(g);
  free(p);
  free(p2);
  pg_policy_session_destroy(s1);
  pg_policy_session_destroy(s2);
  pg_policy_destroy(pol);
  pg_policy_destroy(pol2);
  pg_net_destroy(back);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A corrupt toy record is refused with the kind's reason. */
START_TEST(test_toy_record_checked) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg__layer_kind_register(ctx, &toy_ops), PG_OK);
  pg_net *net = toy_net(ctx, 9);
  size_t size;
  unsigned char *buf = save(net, &size);
  unsigned char magic[4] = {0x21, 0x74, 0x79, 0x70};
  unsigned char *at = NULL;
  for (size_t i = 0; i + 4 <= size && !at; i++)
    if (memcmp(buf + i, magic, 4) == 0) at = buf + i;
  ck_assert_ptr_nonnull(at);
  at[0] ^= 1;
  /* Fix the ARCH section's CRC: it is the first section after the header. */
  size_t body = 24 + 12;
  uint64_t len = 0;
  for (int i = 0; i < 8; i++) len |= (uint64_t)buf[24 + 4 + i] << (8 * i);
  uint32_t crc = pg__crc32(0, buf + 24, 12 + (size_t)len);
  for (int i = 0; i < 4; i++) buf[body + len + (size_t)i] = (unsigned char)(crc >> (8 * i));
  pg_net *out = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "bad toy magic"));
  free(buf);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* The stateful kind: time-major forward from each sequence's state, reset,
** backward through time (checked by finite differences), save and load;
** a policy needs a policy head (this net has only a value head). */
START_TEST(test_stateful_kind) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg__layer_kind_register(ctx, &sum_ops), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 8, 4, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 2, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  pg__layer s;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(pg__net_add_layer(net, "t", &sum_ops, &s), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  const pg__netdef *d = pg__net_def(net);
  ck_assert_uint_eq(pg__netdef_state_floats(d), 2);

  enum { T = 3, B = 2 };
  float x[T * B * 3];
  inputs(x, T * B);
  pg__net_out o;
  pg__net_reset_state(net, 0, B);
  pg__net_forward_seq(net, x, T, B, NULL, &o);
  ck_assert_uint_eq(o.n, T * B);
  /* The running sum: step t of sequence s adds the dense output of row t*B+s. */
  const float *dense_y = d->layers[0].y, *sum_y = d->layers[1].y;
  for (size_t sq = 0; sq < B; sq++) {
    float acc[2] = {0, 0};
    for (size_t t = 0; t < T; t++)
      for (size_t i = 0; i < 2; i++) {
        acc[i] += dense_y[(t * B + sq) * 2 + i];
        ck_assert_float_eq_tol(sum_y[(t * B + sq) * 2 + i], acc[i], 1e-6f);
      }
  }
  float v_first[T * B];
  memcpy(v_first, o.value, sizeof v_first);
  /* Without a reset the sequences continue from their state... */
  pg__net_forward_seq(net, x, T, B, NULL, &o);
  ck_assert(o.value[0] != v_first[0]);
  /* ...and after one they start again. */
  pg__net_reset_state(net, 0, B);
  pg__net_forward_seq(net, x, T, B, NULL, &o);
  ck_assert(memcmp(o.value, v_first, sizeof v_first) == 0);

  /* Backward through time against finite differences on the dense weights. */
  float ret[T * B] = {1, -1, 0.5f, 0.25f, -0.5f, 2};
  pg_loss_desc L;
  memset(&L, 0, sizeof L);
  L.struct_size = sizeof L;
  L.scale = 1.0f;
  L.value_coef = 1.0f;
  L.returns = ret;
  pg__net_zero_grads(net);
  double loss = pg__net_backward(net, T * B, &L);
  ck_assert(loss > 0.0);
  size_t n = pg__net_param_count(net);
  float *p = pg__net_params(net), *g = malloc(n * sizeof *g);
  memcpy(g, pg__net_grads(net), n * sizeof *g);
  for (size_t i = 0; i < 3 * 2 + 2; i++) {
    double lv[2];
    float keep = p[i];
    for (int sgn = 0; sgn < 2; sgn++) {
      p[i] = keep + (sgn ? -1e-3f : 1e-3f);
      pg__net_params_changed(net);
      pg__net_reset_state(net, 0, B);
      pg__net_forward_seq(net, x, T, B, NULL, NULL);
      pg__net_zero_grads(net);
      lv[sgn] = pg__net_backward(net, T * B, &L);
    }
    p[i] = keep;
    double fd = (lv[0] - lv[1]) / 2e-3;
    ck_assert_msg(fabs(fd - (double)g[i]) < 2e-3 * (1.0 + fabs(fd)), "param %zu: %g vs %g", i,
                  fd, (double)g[i]);
  }

  /* Saved and loaded, the stateful net computes the same sequence. */
  size_t size;
  unsigned char *buf = save(net, &size);
  pg_net *back = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  pg__net_forward_seq(back, x, T, B, NULL, &o); /* fresh state after loading */
  ck_assert(memcmp(o.value, v_first, sizeof v_first) == 0);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(pol);
  free(buf);
  free(g);
  pg_net_destroy(back);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_kind");
  TCase *tc = tcase_create("kinds");
  tcase_add_test(tc, test_register);
  tcase_add_test(tc, test_toy_kind_lifecycle);
  tcase_add_test(tc, test_toy_record_checked);
  tcase_add_test(tc, test_stateful_kind);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
