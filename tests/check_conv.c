/* conv2d and flatten layers: gradients against finite differences of a
** double-precision reference (odd shapes: non-square, stride > 1, same
** padding, one channel, batch 1), argument checks, save/reload and
** pg_policy acting identically, and no allocation after finalize. */
#include "nn/pg_nn.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Sanitizer builds (PG_SLOW_BUILD, testutil.h) run the learning tests on a short budget
** without the threshold (the conv GEMMs are some 50 times slower there). */

/* One architecture: an image, conv layers, an optional flatten, a dense
** layer (units 0: none), then a value head and, when cat > 0, a categorical
** head. */
typedef struct conv_spec {
  size_t filters, kh, kw, stride;
  pg_padding pad;
  pg_activation act;
} conv_spec;

typedef struct spec {
  size_t h, w, c;
  size_t n_conv;
  conv_spec conv[3];
  bool flatten;
  size_t units;
  size_t cat;
} spec;

static pg_net *build(pg_ctx *ctx, const spec *s, size_t max_batch, uint64_t seed) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, s->h, s->w, s->c, max_batch, seed, &net), PG_OK);
  for (size_t i = 0; i < s->n_conv; i++) {
    const conv_spec *c = &s->conv[i];
    ck_assert_int_eq(pg_net_add_conv2d(net, c->filters, c->kh, c->kw, c->stride, c->pad, c->act,
                                       PG_INIT_GLOROT_UNIFORM, 1.0),
                     PG_OK);
  }
  if (s->flatten) ck_assert_int_eq(pg_net_add_flatten(net), PG_OK);
  if (s->units)
    ck_assert_int_eq(pg_net_add_dense(net, s->units, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0),
                     PG_OK);
  if (s->cat) ck_assert_int_eq(pg_net_add_categorical_head(net, s->cat, PG_INIT_ORTHOGONAL, 1.0),
                               PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

/* ---- the double reference ------------------------------------------------ */


static void axis_d(size_t in, size_t k, size_t s, pg_padding pad, size_t *out, size_t *p0) {
  if (pad == PG_PADDING_SAME) {
    *out = (in + s - 1) / s;
    size_t need = (*out - 1) * s + k;
    *p0 = need > in ? (need - in) / 2 : 0;
  } else {
    *out = (in - k) / s + 1;
    *p0 = 0;
  }
}

/* Direct convolution (no im2col): x h*w*c HWC -> y oh*ow*f; returns the
** parameters used. */
static size_t conv_d(const conv_spec *cs, const double *p, const double *x, size_t h, size_t w,
                     size_t c, double *y, size_t *oh, size_t *ow) {
  size_t pt, pl;
  axis_d(h, cs->kh, cs->stride, cs->pad, oh, &pt);
  axis_d(w, cs->kw, cs->stride, cs->pad, ow, &pl);
  const size_t F = cs->filters, K = cs->kh * cs->kw * c;
  const double *W = p, *b = p + K * F;
  for (size_t oy = 0; oy < *oh; oy++)
    for (size_t ox = 0; ox < *ow; ox++)
      for (size_t f = 0; f < F; f++) {
        double z = b[f];
        for (size_t ky = 0; ky < cs->kh; ky++)
          for (size_t kx = 0; kx < cs->kw; kx++) {
            long iy = (long)(oy * cs->stride + ky) - (long)pt;
            long ix = (long)(ox * cs->stride + kx) - (long)pl;
            if (iy < 0 || ix < 0 || iy >= (long)h || ix >= (long)w) continue;
            for (size_t ch = 0; ch < c; ch++)
              z += x[((size_t)iy * w + (size_t)ix) * c + ch] * W[((ky * cs->kw + kx) * c + ch) * F + f];
          }
        y[(oy * *ow + ox) * F + f] = pg_test_activation_d(cs->act, z);
      }
  return K * F + F;
}

/* value_coef * sum_i (ret_i - v(x_i))^2 over n rows, in double. */
static double ref_loss(const spec *s, const double *p, const float *x, size_t n,
                       const float *ret) {
  static double a[2][4096];
  double loss = 0;
  for (size_t i = 0; i < n; i++) {
    size_t h = s->h, w = s->w, c = s->c, off = 0, dim = h * w * c;
    for (size_t k = 0; k < dim; k++) a[0][k] = x[i * dim + k];
    int cur = 0;
    for (size_t l = 0; l < s->n_conv; l++) {
      size_t oh, ow;
      off += conv_d(&s->conv[l], p + off, a[cur], h, w, c, a[!cur], &oh, &ow);
      cur = !cur;
      h = oh, w = ow, c = s->conv[l].filters, dim = h * w * c;
    }
    if (s->units) {
      for (size_t u = 0; u < s->units; u++) {
        double z = p[off + dim * s->units + u];
        for (size_t k = 0; k < dim; k++) z += a[cur][k] * p[off + k * s->units + u];
        a[!cur][u] = tanh(z);
      }
      off += dim * s->units + s->units;
      cur = !cur;
      dim = s->units;
    }
    if (s->cat) off += dim * s->cat + s->cat;
    double v = p[off + dim];
    for (size_t k = 0; k < dim; k++) v += a[cur][k] * p[off + k];
    double e = (double)ret[i] - v;
    loss += e * e;
  }
  return loss;
}

static float frand(pg__rng *r, float lo, float hi) {
  return lo + (hi - lo) * (float)pg__rng_uniform(r);
}

/* ---- gradient checks ------------------------------------------------------ */

/* Checks every `every`-th parameter (1: all of them). */
static void grad_check_every(const spec *s, size_t n, uint64_t seed, size_t every) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = build(ctx, s, 8, seed);
  size_t dim = s->h * s->w * s->c;
  float *x = malloc(n * dim * sizeof *x), ret[8];
  pg__rng r;
  pg__rng_seed(&r, seed, 5);
  for (size_t k = 0; k < n * dim; k++) x[k] = frand(&r, -1, 1);
  for (size_t i = 0; i < n; i++) ret[i] = frand(&r, -2, 2);
  pg_loss_desc l;
  memset(&l, 0, sizeof l);
  l.struct_size = sizeof l;
  l.scale = 1;
  l.value_coef = 1;
  l.returns = ret;
  ck_assert_int_eq(pg_net_forward(net, x, n, NULL), PG_OK);
  ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
  double loss = 0;
  ck_assert_int_eq(pg_net_backward(net, &l, n, &loss), PG_OK);
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
  float *pf = malloc(np * sizeof *pf), *g = malloc(np * sizeof *g);
  double *p = malloc(np * sizeof *p);
  ck_assert_int_eq(pg_net_get_params(net, 0, np, pf), PG_OK);
  ck_assert_int_eq(pg_net_get_grads(net, 0, np, g), PG_OK);
  for (size_t k = 0; k < np; k++) p[k] = pf[k];
  double ref = ref_loss(s, p, x, n, ret);
  ck_assert_msg(pg_test_rel_err(loss, ref) < 1e-5, "loss %g vs reference %g", loss, ref);
  size_t nonzero = 0, checked = 0;
  for (size_t k = 0; k < np; k += every, checked++) {
    const double eps = 1e-6, keep = p[k];
    p[k] = keep + eps;
    double lp = ref_loss(s, p, x, n, ret);
    p[k] = keep - eps;
    double lm = ref_loss(s, p, x, n, ret);
    p[k] = keep;
    double fd = (lp - lm) / (2 * eps);
    double err = fabs(fd - g[k]) / fmax(fabs(fd) + fabs(g[k]), 1e-4);
    nonzero += fabs(fd) > 1e-6;
    ck_assert_msg(err < 1e-3, "param %zu of %zu: analytic %.9g, finite difference %.9g", k, np,
                  (double)g[k], fd);
  }
  ck_assert_uint_gt(nonzero, checked / 2); /* the check is not vacuous */
  free(x), free(pf), free(g), free(p);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}

static void grad_check(const spec *s, size_t n, uint64_t seed) { grad_check_every(s, n, seed, 1); }

/* Non-square image and kernel, stride 2, same padding, then a valid conv
** reading the first one's output (its input gradient is checked too). */
START_TEST(test_grad_two_convs_same_then_valid) {
  spec s = {.h = 7, .w = 5, .c = 3, .n_conv = 2,
            .conv = {{4, 3, 2, 2, PG_PADDING_SAME, PG_ACTIVATION_TANH},
                     {3, 2, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_SIGMOID}},
            .flatten = true};
  grad_check(&s, 3, 1);
}
END_TEST

/* One channel, batch 1, same padding at stride 1 with a 3x3 kernel. */
START_TEST(test_grad_one_channel_batch_one) {
  spec s = {.h = 6, .w = 9, .c = 1, .n_conv = 2,
            .conv = {{2, 3, 3, 1, PG_PADDING_SAME, PG_ACTIVATION_TANH},
                     {2, 1, 3, 2, PG_PADDING_SAME, PG_ACTIVATION_LINEAR}}};
  grad_check(&s, 1, 2);
}
END_TEST

/* Stride 3 with an uneven split of same padding, a kernel covering the
** whole input (valid, 1x1 output), a dense layer and two heads. */
START_TEST(test_grad_stride3_and_full_kernel) {
  spec s = {.h = 9, .w = 8, .c = 2, .n_conv = 2,
            .conv = {{3, 4, 3, 3, PG_PADDING_SAME, PG_ACTIVATION_TANH},
                     {5, 3, 3, 1, PG_PADDING_VALID, PG_ACTIVATION_TANH}},
            .flatten = true, .units = 4, .cat = 3};
  grad_check(&s, 2, 3);
}
END_TEST

/* ReLU on a kernel wider than tall, stride 2 valid padding, more filters
** than input channels. */
START_TEST(test_grad_relu_valid_stride2) {
  spec s = {.h = 8, .w = 11, .c = 2, .n_conv = 1,
            .conv = {{6, 2, 5, 2, PG_PADDING_VALID, PG_ACTIVATION_RELU}}, .flatten = true};
  grad_check(&s, 4, 4);
}
END_TEST

/* The output shapes of the nips and nature networks on 84x84x4. */
START_TEST(test_atari_shapes) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, 84, 84, 4, 2, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 32, 8, 8, 4, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 64, 4, 4, 2, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 64, 3, 3, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1.0), PG_OK);
  const pg__netdef *d = pg__net_def(net);
  ck_assert_uint_eq(d->layers[0].out, 20 * 20 * 32);
  ck_assert_uint_eq(d->layers[1].out, 9 * 9 * 64);
  ck_assert_uint_eq(d->layers[2].out, 7 * 7 * 64);
  ck_assert_int_eq(pg_net_add_flatten(net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 512, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 6, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(net, &np), PG_OK);
  /* 8*8*4*32+32 + 4*4*32*64+64 + 3*3*64*64+64 + 3136*512+512 + 512*6+6 */
  ck_assert_uint_eq(np, 8224u + 32832u + 36928u + 1606144u + 3078u);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Layers wider than the kernels' tiles: 20 and 33 filters (whole and
** partial 16-wide panels), patches of 320 floats (more than one 256-deep
** block of the packed GEMM), output positions not a multiple of six,
** padded tiles; every 23rd parameter against finite differences. */
START_TEST(test_grad_wide_layers) {
  spec s = {.h = 13, .w = 11, .c = 5, .n_conv = 2,
            .conv = {{20, 4, 4, 2, PG_PADDING_SAME, PG_ACTIVATION_TANH},
                     {33, 4, 4, 1, PG_PADDING_VALID, PG_ACTIVATION_TANH}},
            .flatten = true};
  grad_check_every(&s, 2, 6, 23);
}
END_TEST

/* The packed GEMM of the conv layers on shapes around its blocks (6 x 16
** tiles, 256-deep and 96/256-wide blocks), with A and B each read plain
** or transposed through strides, against double sums; and a convolution
** tile against the same product on lowered rows. */
START_TEST(test_gemm_packed_shapes) {
  const size_t shapes[][3] = {{1, 1, 1},    {6, 16, 256}, {7, 17, 257}, {97, 33, 600},
                              {5, 300, 40}, {200, 5, 3},  {13, 260, 513}};
  pg__rng r;
  pg__rng_seed(&r, 8, 1);
  float *work = malloc(PG__GEMM_PACKED_WORK * sizeof *work);
  for (size_t t = 0; t < sizeof shapes / sizeof *shapes; t++) {
    const size_t M = shapes[t][0], N = shapes[t][1], K = shapes[t][2];
    float *A = malloc(M * K * sizeof *A), *AT = malloc(M * K * sizeof *AT);
    float *B = malloc(K * N * sizeof *B), *BT = malloc(K * N * sizeof *BT);
    float *C = malloc(M * N * sizeof *C);
    for (size_t i = 0; i < M * K; i++) A[i] = frand(&r, -1, 1);
    for (size_t i = 0; i < K * N; i++) B[i] = frand(&r, -1, 1);
    pg__transpose(A, M, K, AT);
    pg__transpose(B, K, N, BT);
    for (int v = 0; v < 4; v++) {
      for (size_t i = 0; i < M * N; i++) C[i] = 0.5f;
      const float *a = v & 1 ? AT : A, *b = v & 2 ? BT : B;
      pg__gemm_packed(M, N, K, a, v & 1 ? 1 : K, v & 1 ? M : 1, b, v & 2 ? 1 : N,
                      v & 2 ? K : 1, C, N, work);
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
          double ref = 0.5;
          for (size_t k = 0; k < K; k++) ref += (double)A[i * K + k] * B[k * N + j];
          ck_assert_msg(fabs(C[i * N + j] - ref) < 1e-4, "%zux%zux%zu variant %d: C[%zu][%zu] %g, "
                        "expected %g", M, N, K, v, i, j, (double)C[i * N + j], ref);
        }
    }
    free(A), free(AT), free(B), free(BT), free(C);
  }
  /* a tile of 4 rows of 3 runs of 40, 23 columns, against the product */
  enum { KH = 3, RUN = 40, KK = KH * RUN, NN = 23, STRIDE = 100 };
  static float img[6 * KH * STRIDE], lowered[6 * KK], w[KK * NN], packed[KK * 32];
  static float c1[6 * NN], c2[6 * NN];
  for (size_t i = 0; i < sizeof img / sizeof *img; i++) img[i] = frand(&r, -1, 1);
  for (size_t i = 0; i < KK * NN; i++) w[i] = frand(&r, -1, 1);
  const float *rows[PG__GEMM_PACKED_MR];
  for (size_t q = 0; q < PG__GEMM_PACKED_MR; q++) {
    rows[q] = img + (q < 4 ? q : 0) * KH * STRIDE;
    for (size_t ky = 0; ky < KH; ky++)
      memcpy(lowered + q * KK + ky * RUN, rows[q] + ky * STRIDE, RUN * sizeof *lowered);
  }
  pg__gemm_pack_b(w, NN, 1, KK, NN, packed);
  pg__conv_tile(KH, RUN, STRIDE, rows, packed, c1, NN, 4, 16);
  pg__conv_tile(KH, RUN, STRIDE, rows, packed + 16 * KK, c1 + 16, NN, 4, NN - 16);
  pg__gemm_packed(4, NN, KK, lowered, KK, 1, w, NN, 1, c2, NN, work);
  for (size_t i = 0; i < 6 * NN; i++) ck_assert_float_eq(c1[i], c2[i]); /* same sums, bit for bit */
  free(work);
}
END_TEST

/* A batch gives each row of the conv trunk exactly what the row gives
** alone (the conv kernels' sums do not depend on the batch), padded and
** not. */
START_TEST(test_rows_do_not_depend_on_batch) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  spec s = {.h = 21, .w = 17, .c = 4, .n_conv = 2,
            .conv = {{18, 5, 4, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU},
                     {32, 3, 3, 2, PG_PADDING_VALID, PG_ACTIVATION_TANH}},
            .flatten = true, .cat = 5};
  enum { N = 7 };
  pg_net *net = build(ctx, &s, N, 9);
  const size_t dim = s.h * s.w * s.c;
  float *x = malloc(N * dim * sizeof *x);
  pg__rng r;
  pg__rng_seed(&r, 9, 9);
  for (size_t i = 0; i < N * dim; i++) x[i] = frand(&r, 0, 1);
  pg__net_out out;
  pg__net_forward(net, x, N, NULL, &out);
  const size_t td = out.trunk_dim;
  ck_assert_uint_eq(td, 5 * 4 * 32);
  float *all = malloc(N * td * sizeof *all);
  memcpy(all, out.trunk, N * td * sizeof *all);
  for (size_t i = 0; i < N; i++) {
    pg__net_forward(net, x + i * dim, 1, NULL, &out);
    ck_assert_mem_eq(out.trunk, all + i * td, td * sizeof *all);
  }
  free(x), free(all);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ARCH of the nips net at a given max_batch, read back with the loader's
** activation check: PG_OK or its status. */
typedef struct arch_buf {
  unsigned char bytes[4096];
  size_t used;
} arch_buf;

static int arch_sink(void *user, const void *data, size_t size) {
  arch_buf *b = user;
  if (b->used + size > sizeof b->bytes) return 1;
  memcpy(b->bytes + b->used, data, size);
  b->used += size;
  return 0;
}

static pg_status load_nips_arch(pg_ctx *ctx, size_t max_batch) {
  const spec nips = {.h = 84, .w = 84, .c = 4, .n_conv = 2,
                     .conv = {{16, 8, 8, 4, PG_PADDING_VALID, PG_ACTIVATION_RELU},
                              {32, 4, 4, 2, PG_PADDING_VALID, PG_ACTIVATION_RELU}},
                     .flatten = true, .units = 256, .cat = 6};
  pg_net *net = build(ctx, &nips, 1, 1);
  pg__netdef d = *pg__net_def(net);
  pg_net_destroy(net);
  d.max_batch = max_batch;
  static arch_buf buf;
  buf.used = 0;
  pg__writer w;
  pg__w_init(&w, arch_sink, &buf);
  pg__arch_write(&w, &d);
  ck_assert(pg__w_flush(&w));
  pg__reader r;
  pg__r_init(&r, buf.bytes, buf.used);
  static pg__netdef back;
  return pg__arch_read(ctx, "load_nips_arch", PG__FORMAT_VERSION, &r, true, &back);
}

/* The loader's activation budget (2^24 floats + 64 per parameter) takes a
** nips net saved at PAAC-sized batches (64 envs x t_max 8 and more, once
** refused above 418) and still refuses a batch beyond it. */
START_TEST(test_load_budget_takes_large_batches) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(load_nips_arch(ctx, 512), PG_OK);
  ck_assert_int_eq(load_nips_arch(ctx, 1501), PG_OK);
  ck_assert_int_eq(load_nips_arch(ctx, 1502), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "exceeds the load limit"));
  /* and a whole file of such a net loads: the loader's check of the true
  ** buffer size takes it too (same budget, docs/FORMAT.md) */
  const spec nips = {.h = 84, .w = 84, .c = 4, .n_conv = 2,
                     .conv = {{16, 8, 8, 4, PG_PADDING_VALID, PG_ACTIVATION_RELU},
                              {32, 4, 4, 2, PG_PADDING_VALID, PG_ACTIVATION_RELU}},
                     .flatten = true, .units = 256, .cat = 6};
  pg_net *net = build(ctx, &nips, 512, 1), *back = NULL;
  size_t size = 0;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &size), PG_OK);
  void *bytes = malloc(size);
  ck_assert_ptr_nonnull(bytes);
  ck_assert_int_eq(pg_net_save_memory(net, bytes, size, &size), PG_OK);
  ck_assert_msg(pg_net_load_memory(ctx, bytes, size, &back) == PG_OK, "%s",
                pg_ctx_last_error(ctx));
  pg_net_destroy(back);
  pg_net_destroy(net);
  free(bytes);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- argument checks -------------------------------------------------------- */

START_TEST(test_arguments) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, 0, 4, 1, 2, 1, &net), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(net);
  ck_assert_int_eq(pg_net_create_image(ctx, 4096, 4096, 2, 2, 1, &net), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_create_image(ctx, 4, 4, 1, 2, 1, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(NULL, 1, 1, 1, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_flatten(NULL), PG_ERR_INVALID_ARG);

  /* A flat net has no image to convolve. */
  ck_assert_int_eq(pg_net_create(ctx, 16, 2, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "not an image"));
  pg_net_destroy(net);

  ck_assert_int_eq(pg_net_create_image(ctx, 5, 6, 2, 2, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 0, 2, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 0, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 0, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, (pg_padding)7, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, PG_PADDING_VALID, (pg_activation)9,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, -1), PG_ERR_OUT_OF_RANGE);
  /* 6 rows of kernel on 5 rows of image: only with same padding. */
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 6, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "larger than the input"));
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 6, 2, 1, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_flatten(net), PG_OK);
  /* After flatten the trunk is a vector again. */
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_flatten(net), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 2, 2, 2, 1, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_ERR_BAD_STATE);
  size_t in = 0;
  ck_assert_int_eq(pg_net_input_size(net, &in), PG_OK);
  ck_assert_uint_eq(in, 5 * 6 * 2);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- save, reload, policy ---------------------------------------------------- */

static const spec act_spec = {.h = 10, .w = 12, .c = 3, .n_conv = 2,
                              .conv = {{8, 3, 3, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU},
                                       {8, 3, 3, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU}},
                              .flatten = true, .units = 16, .cat = 4};

START_TEST(test_save_reload_and_policy_act_identically) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = build(ctx, &act_spec, 4, 9);
  enum { N = 4, DIM = 10 * 12 * 3 };
  static float x[N * DIM];
  pg__rng r;
  pg__rng_seed(&r, 3, 0);
  for (size_t k = 0; k < N * DIM; k++) x[k] = frand(&r, 0, 1);
  float p1[N * 4], p2[N * 4], v1[N], v2[N];
  ck_assert_int_eq(pg_net_forward(net, x, N, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_PROBS, p1, N * 4), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v1, N), PG_OK);

  static unsigned char buf[1 << 16];
  size_t size = 0;
  ck_assert_int_eq(pg_net_save_memory(net, buf, sizeof buf, &size), PG_OK);
  pg_net *back = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  ck_assert_int_eq(pg_net_forward(back, x, N, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(back, PG_NET_OUTPUT_PROBS, p2, N * 4), PG_OK);
  ck_assert_int_eq(pg_net_get_output(back, PG_NET_OUTPUT_VALUE, v2, N), PG_OK);
  ck_assert_mem_eq(p1, p2, sizeof p1);
  ck_assert_mem_eq(v1, v2, sizeof v1);
  ck_assert(pg__netdef_same(pg__net_def(net), pg__net_def(back)));

  /* A policy acts with the argmax of the same probabilities. */
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(back, &pol), PG_OK);
  pg_policy_session *ses = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &ses), PG_OK);
  long calls = counter.calls;
  for (size_t i = 0; i < N; i++) {
    float a = -1;
    ck_assert_int_eq(pg_policy_act(ses, x + i * DIM, DIM, NULL, 0, 1, &a, 1), PG_OK);
    size_t best = 0;
    for (size_t j = 1; j < 4; j++)
      if (p1[i * 4 + j] > p1[i * 4 + best]) best = j;
    ck_assert_float_eq(a, (float)best);
  }
  ck_assert_int_eq(counter.calls, calls);
  /* A truncated record is refused with a message. */
  pg_net *bad = NULL;
  ck_assert_int_ne(pg_net_load_memory(ctx, buf, size - 9, &bad), PG_OK);
  ck_assert_ptr_null(bad);
  pg_policy_session_destroy(ses);
  pg_policy_destroy(pol);
  pg_net_destroy(back);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* Forward, backward and RMSProp steps on a conv net allocate nothing. */
/* Forward, backward and RMSProp steps at batch 1 to 16 on the net of s
** (4 actions) allocate nothing. */
static void no_allocation_steps(const spec *s) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = build(ctx, s, 16, 2);
  pg_optim *opt = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_RMSPROP, &opt), PG_OK);
  enum { N = 16 };
  const size_t dim = s->h * s->w * s->c;
  float *x = malloc(N * dim * sizeof *x);
  float actions[N], adv[N], ret[N];
  pg__rng r;
  pg__rng_seed(&r, 4, 0);
  for (size_t k = 0; k < N * dim; k++) x[k] = frand(&r, 0, 1);
  for (size_t i = 0; i < N; i++) actions[i] = (float)(i % 4), adv[i] = frand(&r, -1, 1),
                                 ret[i] = frand(&r, -1, 1);
  pg_loss_desc l;
  memset(&l, 0, sizeof l);
  l.struct_size = sizeof l;
  l.scale = 1.0f / N, l.policy_coef = 1, l.entropy_coef = 0.01f, l.value_coef = 0.5f;
  l.actions = actions, l.advantages = adv, l.returns = ret;
  long calls = counter.calls;
  for (size_t n = 1; n <= N; n *= 2) {
    ck_assert_int_eq(pg_net_forward(net, x, n, NULL), PG_OK);
    ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
    ck_assert_int_eq(pg_net_backward(net, &l, n, NULL), PG_OK);
    ck_assert_int_eq(pg_optim_step(opt, NULL), PG_OK);
  }
  ck_assert_int_eq(counter.calls, calls);
  free(x);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}

/* The small net, and a nips-shaped one whose backward lowers its images
** in chunks of four and whose dense layer (512 x 320) takes the packed
** backward. */
START_TEST(test_no_allocation_after_finalize) {
  no_allocation_steps(&act_spec);
  const spec nips_like = {.h = 36, .w = 36, .c = 4, .n_conv = 2,
                          .conv = {{16, 8, 8, 4, PG_PADDING_VALID, PG_ACTIVATION_RELU},
                                   {32, 4, 4, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU}},
                          .flatten = true, .units = 320, .cat = 4};
  no_allocation_steps(&nips_like);
}
END_TEST

/* A conv net learns to tell a bright left half from a bright right half. */
START_TEST(test_learns_left_right) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  spec s = {.h = 8, .w = 8, .c = 1, .n_conv = 1,
            .conv = {{4, 3, 3, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU}}, .flatten = true};
  pg_net *net = build(ctx, &s, 32, 5);
  pg_optim *opt = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_ADAM, &opt), PG_OK);
  static float x[32 * 64];
  float ret[32];
  pg__rng r;
  pg__rng_seed(&r, 6, 0);
  pg_loss_desc l;
  memset(&l, 0, sizeof l);
  l.struct_size = sizeof l;
  l.scale = 1.0f / 32, l.value_coef = 1, l.returns = ret;
  double loss = 0;
  for (int it = 0; it < 300; it++) {
    for (size_t i = 0; i < 32; i++) {
      int side = (int)pg__rng_below(&r, 2);
      ret[i] = side ? 1.0f : -1.0f;
      for (size_t k = 0; k < 64; k++)
        x[i * 64 + k] = frand(&r, 0, 0.3f) + (((k % 8) >= 4) == side ? 0.7f : 0.0f);
    }
    ck_assert_int_eq(pg_net_forward(net, x, 32, NULL), PG_OK);
    ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
    ck_assert_int_eq(pg_net_backward(net, &l, 32, &loss), PG_OK);
    ck_assert_int_eq(pg_optim_step(opt, NULL), PG_OK);
  }
  ck_assert_msg(loss < 0.05, "loss %g after 300 steps", loss);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- agents on image observations ------------------------------------------ */

/* Trains algo with the small conv trunk on Catch's 10x5x1 board until the
** 100-episode mean reaches threshold; returns the steps taken. */
static double train_catch(pg_algorithm algo, double threshold, long budget) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 1), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, algo, env, PG_TRUNK_SMALL, &a), PG_OK);
  pg_test_threshold stop = {threshold, 0};
  if (PG_SLOW_BUILD) budget = 2000;
  ck_assert_int_eq(pg_agent_train(a, env, budget, pg_test_stop_at_threshold, &stop), PG_OK);
  if (PG_SLOW_BUILD) stop.hit = 1;
  double steps = 0, mean = 0;
  pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean);
  ck_assert_msg(stop.hit, "%s: mean return %.3f after %.0f steps (threshold %.2f)",
                pg_algorithm_name(algo), mean, steps, threshold);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
  return steps;
}

/* Random play scores about -0.6 on Catch; these pass within seconds. */
START_TEST(test_paac_learns_catch_from_pixels) { train_catch(PG_ALGO_PAAC, 0.9, 80000); }
END_TEST

START_TEST(test_a3c_learns_catch_from_pixels) { train_catch(PG_ALGO_A3C, 0.8, 80000); }
END_TEST

START_TEST(test_agent_trunks_and_templates) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *pixels = NULL, *flat = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", 1, &pixels), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &flat), PG_OK);
  pg_agent *a = NULL;
  ck_assert_str_eq(pg_trunk_name(PG_TRUNK_NIPS), "nips");
  ck_assert_str_eq(pg_trunk_name(PG_TRUNK_NATURE), "nature");
  ck_assert_str_eq(pg_trunk_name(PG_TRUNK_SMALL), "small");
  ck_assert_ptr_null(pg_trunk_name((pg_trunk)0));
  /* No image declared; an image too small for the nips kernels; bad args. */
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_PAAC, flat, PG_TRUNK_SMALL, &a),
                   PG_ERR_SHAPE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "no image"));
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_PAAC, pixels, PG_TRUNK_NIPS, &a),
                   PG_ERR_SHAPE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "larger than the input"));
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_PAAC, pixels, (pg_trunk)9, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_PAAC, NULL, PG_TRUNK_SMALL, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(a);

  /* A template: the caller's architecture, fresh weights, the algorithm's
  ** heads (a separate value net for actor-critic). */
  pg_net *tmpl = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, 10, 5, 1, 1, 0, &tmpl), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(tmpl, 4, 3, 2, 1, PG_PADDING_SAME, PG_ACTIVATION_TANH,
                                     PG_INIT_GLOROT_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_flatten(tmpl), PG_OK);
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_PAAC, flat, tmpl, &a),
                   PG_ERR_SHAPE);
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_PAAC, pixels, NULL, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_ACTOR_CRITIC, pixels, tmpl, &a),
                   PG_OK);
  pg_net_destroy(tmpl); /* only read during the call */
  pg_net *pol = NULL, *val = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &pol), PG_OK);
  ck_assert_int_eq(pg_agent_get_net(a, 1, &val), PG_OK);
  ck_assert_ptr_nonnull(val);
  const pg__netdef *d = pg__net_def(pol);
  ck_assert_uint_eq(d->n_trunk, 2);
  ck_assert_ptr_eq(d->layers[0].ops, &pg__conv2d_ops);
  ck_assert_uint_eq(d->layers[0].out, 10 * 5 * 4);
  ck_assert_uint_eq(d->input.rank, 3);
  ck_assert_int_eq(pg_agent_train(a, pixels, 300, NULL, NULL), PG_OK);
  /* Saved and reloaded, the agent acts the same. */
  static unsigned char buf[1 << 18];
  size_t size = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, buf, sizeof buf, &size), PG_OK);
  pg_agent *b = NULL;
  ck_assert_int_eq(pg_agent_load_memory(ctx, buf, size, &b), PG_OK);
  double m1 = 0, m2 = 0;
  ck_assert_int_eq(pg_agent_evaluate(a, pixels, 5, 1, &m1, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_evaluate(b, pixels, 5, 1, &m2, NULL), PG_OK);
  ck_assert_double_eq(m1, m2);
  pg_agent_destroy(b);
  pg_agent_destroy(a);
  pg_env_destroy(pixels);
  pg_env_destroy(flat);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A3C on images gets one net with the policy and the value head on its conv
** trunk (the paper's layout; docs/RESULTS.md, "Pixel games": a separate
** value net of the same shape learned Bounce and Dodge far more slowly);
** on a dense trunk it keeps its separate value net, and so does one-step
** actor-critic on images (the test above). */
static void expect_shared(pg_agent *a) {
  pg_net *net = NULL, *val = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  ck_assert_int_eq(pg_agent_get_net(a, 1, &val), PG_ERR_UNSUPPORTED);
  const pg__netdef *d = pg__net_def(net);
  ck_assert_int_ge(d->head[PG__HEAD_CATEGORICAL], 0);
  ck_assert_int_ge(d->head[PG__HEAD_VALUE], 0);
  ck_assert_ptr_eq(d->layers[0].ops, &pg__conv2d_ops);
}

START_TEST(test_a3c_shares_its_image_trunk) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *pixels = NULL, *flat = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Bounce", 1, &pixels), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &flat), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_A3C, pixels, PG_TRUNK_SMALL, &a),
                   PG_OK);
  expect_shared(a);
  /* it learns through the shared net: a short run changes the value head */
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  const pg__netdef *d = pg__net_def(net);
  const pg__layer *vh = &d->layers[d->head[PG__HEAD_VALUE]];
  float before[129];
  ck_assert_uint_eq(vh->n_params, 129); /* dense 128, one output */
  memcpy(before, pg__net_params(net) + vh->param_off, sizeof before);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_THREADS, 1), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, pixels, 200, NULL, NULL), PG_OK);
  ck_assert_int_ne(memcmp(before, pg__net_params(net) + vh->param_off, sizeof before), 0);
  pg_agent_destroy(a);

  pg_net *tmpl = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, 10, 10, 2, 1, 0, &tmpl), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(tmpl, 4, 3, 3, 1, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                                     PG_INIT_HE_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(tmpl, 16, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_A3C, pixels, tmpl, &a), PG_OK);
  pg_net_destroy(tmpl);
  expect_shared(a);
  pg_agent_destroy(a);

  pg_net *val = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_A3C, flat, 16, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_get_net(a, 1, &val), PG_OK);
  ck_assert_ptr_nonnull(val);
  pg_agent_destroy(a);
  pg_env_destroy(pixels);
  pg_env_destroy(flat);
  pg_ctx_destroy(ctx);
}
END_TEST

static Suite *conv_suite(void) {
  Suite *s = suite_create("conv");
  TCase *tc = tcase_create("conv");
  tcase_set_timeout(tc, 60); /* the finite differences, on a loaded machine */
  tcase_add_test(tc, test_grad_two_convs_same_then_valid);
  tcase_add_test(tc, test_grad_one_channel_batch_one);
  tcase_add_test(tc, test_grad_stride3_and_full_kernel);
  tcase_add_test(tc, test_grad_relu_valid_stride2);
  tcase_add_test(tc, test_grad_wide_layers);
  tcase_add_test(tc, test_gemm_packed_shapes);
  tcase_add_test(tc, test_rows_do_not_depend_on_batch);
  tcase_add_test(tc, test_load_budget_takes_large_batches);
  tcase_add_test(tc, test_atari_shapes);
  tcase_add_test(tc, test_arguments);
  tcase_add_test(tc, test_save_reload_and_policy_act_identically);
  tcase_add_test(tc, test_no_allocation_after_finalize);
  tcase_add_test(tc, test_learns_left_right);
  suite_add_tcase(s, tc);
  TCase *learn = tcase_create("learn");
  tcase_set_timeout(learn, 120);
  tcase_add_test(learn, test_agent_trunks_and_templates);
  tcase_add_test(learn, test_a3c_shares_its_image_trunk);
  tcase_add_test(learn, test_paac_learns_catch_from_pixels);
  tcase_add_test(learn, test_a3c_learns_catch_from_pixels);
  suite_add_tcase(s, learn);
  return s;
}

int main(void) { return pg_test_run_suite(conv_suite()); }
