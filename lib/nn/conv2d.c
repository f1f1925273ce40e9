/* The conv2d layer kind: a 2-D convolution over an image row stored
** height x width x channels (HWC, the layout of pg_env_set_observation_image),
** lowered to the GEMM of kernels.c through im2col, one image at a time:
**   col[P x K] = patches of x (P = out_h*out_w, K = kh*kw*in_c),
**   y[P x F]   = act(col . W + b)          (W is K x F, row-major),
** so the output is again HWC (out_h x out_w x filters). Backward per image:
**   gW += col^T . dy,  gb += sum dy,  dcol = dy . W^T,  dx += col2im(dcol).
** Padding "valid" (no padding) or "same" (out = ceil(in / stride), the
** padding split with the extra row/column at the bottom/right, as in
** TensorFlow). The scratch holds the GEMM pack buffer and one image's
** columns, plus W transposed when training; nothing is allocated here. */
#include "nn/pg_nn.h"

#include <string.h>

#define MAX_FILTERS ((uint32_t)1 << 16)
#define MAX_KERNEL 255u
#define MAX_STRIDE 255u

enum { S_FILTERS, S_KH, S_KW, S_STRIDE, S_PADDING, S_USED };

/* The geometry of one layer, derived from its settings and input shape. */
typedef struct geom {
  size_t in_h, in_w, in_c, kh, kw, stride, out_h, out_w, filters;
  size_t pad_top, pad_left;
  size_t P, K; /* output positions, patch length */
} geom;

/* Output size along one axis and the leading padding; false when the
** kernel does not fit (valid padding). */
static bool axis(size_t in, size_t k, size_t s, uint32_t padding, size_t *out,
                 size_t *pad0) {
  if (padding == PG_PADDING_SAME) {
    *out = (in + s - 1) / s;
    size_t need = (*out - 1) * s + k;
    *pad0 = need > in ? (need - in) / 2 : 0;
    return true;
  }
  if (k > in) return false;
  *out = (in - k) / s + 1;
  *pad0 = 0;
  return true;
}

static geom geometry(const pg__layer *l) {
  geom g;
  g.in_h = l->in_shape.dim[0];
  g.in_w = l->in_shape.dim[1];
  g.in_c = l->in_shape.dim[2];
  g.filters = l->settings[S_FILTERS];
  g.kh = l->settings[S_KH];
  g.kw = l->settings[S_KW];
  g.stride = l->settings[S_STRIDE];
  (void)axis(g.in_h, g.kh, g.stride, l->settings[S_PADDING], &g.out_h, &g.pad_top);
  (void)axis(g.in_w, g.kw, g.stride, l->settings[S_PADDING], &g.out_w, &g.pad_left);
  g.P = g.out_h * g.out_w;
  g.K = g.kh * g.kw * g.in_c;
  return g;
}

/* ---- shape, blocks, record ---------------------------------------------- */

static const char *conv_setup(pg__layer *l) {
  const uint32_t *s = l->settings;
  if (l->in_shape.rank != 3)
    return "the input is not an image (create the net with pg_net_create_image, and put "
           "conv2d layers before any flatten or dense layer)";
  if (s[S_FILTERS] == 0 || s[S_FILTERS] > MAX_FILTERS) return "filters not in [1, 65536]";
  if (s[S_KH] == 0 || s[S_KH] > MAX_KERNEL || s[S_KW] == 0 || s[S_KW] > MAX_KERNEL)
    return "kernel size not in [1, 255]";
  if (s[S_STRIDE] == 0 || s[S_STRIDE] > MAX_STRIDE) return "stride not in [1, 255]";
  if (s[S_PADDING] != PG_PADDING_VALID && s[S_PADDING] != PG_PADDING_SAME)
    return "unknown padding";
  for (size_t i = S_USED; i < PG__LAYER_SETTINGS; i++)
    if (s[i]) return "unused settings are not zero";
  if ((unsigned)l->act > PG_ACTIVATION_SIGMOID) return "unknown activation";
  if (l->init < PG_INIT_GLOROT_UNIFORM || l->init > PG_INIT_ORTHOGONAL)
    return "unknown initializer";
  if (!pg__finite_f(l->gain) || l->gain < 0.0f) return "gain is not finite and >= 0";
  size_t oh, ow, pad;
  if (!axis(l->in_shape.dim[0], s[S_KH], s[S_STRIDE], s[S_PADDING], &oh, &pad) ||
      !axis(l->in_shape.dim[1], s[S_KW], s[S_STRIDE], s[S_PADDING], &ow, &pad))
    return "the kernel is larger than the input with valid padding";
  uint64_t k = (uint64_t)s[S_KH] * s[S_KW] * l->in_shape.dim[2];
  if (k > ((uint64_t)1 << 20) || (uint64_t)oh * ow * k > ((uint64_t)1 << 26))
    return "the patches of one image exceed 2^26 floats";
  memset(&l->out_shape, 0, sizeof l->out_shape);
  l->out_shape.rank = 3;
  l->out_shape.dim[0] = (uint32_t)oh;
  l->out_shape.dim[1] = (uint32_t)ow;
  l->out_shape.dim[2] = s[S_FILTERS];
  return NULL;
}

/* Block 0: W (K x F, K ordered kernel row, kernel column, input channel);
** block 1: b (F). */
static size_t conv_block_size(const pg__layer *l, size_t block) {
  geom g = geometry(l);
  return block == 0 ? g.K * g.filters : g.filters;
}

static size_t chunk_images(const geom *g);

/* Filters rounded up to whole panels of the packed W. */
static size_t panel_cols(size_t filters) {
  const size_t nr = PG__GEMM_PACKED_NR;
  return (filters + nr - 1) / nr * nr;
}

/* The packed GEMM's work area, then forward: W packed and six lowered
** patches; backward: the columns of one chunk of images. */
static size_t conv_scratch(const pg__layer *l, bool training) {
  geom g = geometry(l);
  size_t fwd = pg__round16(g.K * panel_cols(g.filters)) + PG__GEMM_PACKED_MR * g.K;
  size_t bwd = training ? chunk_images(&g) * g.P * g.K : 0;
  return PG__GEMM_PACKED_WORK + (fwd > bwd ? fwd : bwd);
}

/* W is initialised as a K x F matrix: fan-in K = kh*kw*in_c, fan-out F. */
static void conv_init_block(const pg__layer *l, size_t block, float *p, pg__rng *rng) {
  geom g = geometry(l);
  if (block == 0) pg__init_weights(p, g.K, g.filters, l->init, (double)l->gain, rng);
  else memset(p, 0, g.filters * sizeof *p);
}

static void conv_write_arch(pg__writer *w, const pg__layer *l) {
  for (size_t i = 0; i < S_USED; i++) pg__w_u32(w, l->settings[i]);
  pg__w_u32(w, (uint32_t)l->act);
  pg__w_u32(w, (uint32_t)l->init);
  pg__w_f32(w, l->gain);
}

static const char *conv_read_arch(pg__reader *r, pg__layer *l) {
  for (size_t i = 0; i < S_USED; i++) l->settings[i] = pg__r_u32(r);
  l->act = (pg_activation)pg__r_u32(r);
  l->init = (pg_init)pg__r_u32(r);
  l->gain = pg__r_f32(r);
  return NULL; /* conv_setup checks the values */
}

/* ---- im2col / col2im ---------------------------------------------------- */

/* The patch of output position (oy, ox): c[(ky*kw + kx)*C + ch] =
** x[iy][ix][ch], 0 outside the image. A run of kernel columns that lies
** inside the image is one memcpy. */
static void im2col_row(const geom *g, const float *x, size_t oy, size_t ox, float *c) {
  const size_t C = g->in_c, rowlen = g->kw * C;
  const long x0 = (long)(ox * g->stride) - (long)g->pad_left;
  for (size_t ky = 0; ky < g->kh; ky++, c += rowlen) {
    const long iy = (long)(oy * g->stride + ky) - (long)g->pad_top;
    if (iy < 0 || iy >= (long)g->in_h) {
      memset(c, 0, rowlen * sizeof *c);
      continue;
    }
    const float *src = x + (size_t)iy * g->in_w * C;
    if (x0 >= 0 && x0 + (long)g->kw <= (long)g->in_w) {
      memcpy(c, src + (size_t)x0 * C, rowlen * sizeof *c);
      continue;
    }
    for (size_t kx = 0; kx < g->kw; kx++) {
      const long ix = x0 + (long)kx;
      if (ix < 0 || ix >= (long)g->in_w) memset(c + kx * C, 0, C * sizeof *c);
      else memcpy(c + kx * C, src + (size_t)ix * C, C * sizeof *c);
    }
  }
}

/* col[p*K + k]: the patches of every output position p of one image. */
static void im2col(const geom *g, const float *x, float *col) {
  for (size_t oy = 0; oy < g->out_h; oy++)
    for (size_t ox = 0; ox < g->out_w; ox++)
      im2col_row(g, x, oy, ox, col + (oy * g->out_w + ox) * g->K);
}

/* dx[iy][ix][c] += dcol at every patch position that read x[iy][ix][c]. */
static void col2im(const geom *g, const float *dcol, float *dx) {
  const size_t C = g->in_c;
  for (size_t oy = 0; oy < g->out_h; oy++)
    for (size_t ox = 0; ox < g->out_w; ox++) {
      const float *c = dcol + (oy * g->out_w + ox) * g->K;
      const long x0 = (long)(ox * g->stride) - (long)g->pad_left;
      for (size_t ky = 0; ky < g->kh; ky++, c += g->kw * C) {
        const long iy = (long)(oy * g->stride + ky) - (long)g->pad_top;
        if (iy < 0 || iy >= (long)g->in_h) continue;
        float *dst = dx + (size_t)iy * g->in_w * C;
        for (size_t kx = 0; kx < g->kw; kx++) {
          const long ix = x0 + (long)kx;
          if (ix < 0 || ix >= (long)g->in_w) continue;
          float *d = dst + (size_t)ix * C;
          const float *s = c + kx * C;
          for (size_t ch = 0; ch < C; ch++) d[ch] += s[ch];
        }
      }
    }
}

/* ---- forward / backward ------------------------------------------------- */

/* Images lowered together in backward: as many as fit COL_BUDGET floats
** of columns (at least one), so that each product runs over several
** images' patches at once. */
#define COL_BUDGET ((size_t)1 << 16)

static size_t chunk_images(const geom *g) {
  size_t per = g->P * g->K;
  return per >= COL_BUDGET ? 1 : COL_BUDGET / per;
}

/* The patch of position p starts at x when it lies inside the image (no
** padding read); NULL otherwise. */
static const float *patch_in_place(const geom *g, const float *x, size_t p) {
  const size_t oy = p / g->out_w, ox = p % g->out_w;
  const long iy = (long)(oy * g->stride) - (long)g->pad_top;
  const long ix = (long)(ox * g->stride) - (long)g->pad_left;
  if (iy < 0 || ix < 0 || iy + (long)g->kh > (long)g->in_h || ix + (long)g->kw > (long)g->in_w)
    return NULL;
  return x + ((size_t)iy * g->in_w + (size_t)ix) * g->in_c;
}

/* y = act(patches . W + b) without columns: W is packed once, then each
** tile of six output positions reads its patches from the image itself
** (pg__conv_tile), or from six lowered rows when one of them touches the
** padding. */
static void conv_forward(const pg__layer *l, const float *params, const float *x,
                         float *y, size_t n, float *scratch) {
  const geom g = geometry(l);
  const size_t F = g.filters, K = g.K, MR = PG__GEMM_PACKED_MR;
  const size_t rowlen = g.kw * g.in_c, image_row = g.in_w * g.in_c;
  const float *b = params + K * F;
  float *wp = scratch + PG__GEMM_PACKED_WORK, *tmp = wp + pg__round16(K * panel_cols(F));
  pg__gemm_pack_b(params, F, 1, K, F, wp);
  for (size_t p = 0; p < n * g.P; p++) memcpy(y + p * F, b, F * sizeof *y);
  for (size_t i = 0; i < n; i++) {
    const float *xi = x + i * l->in;
    float *yi = y + i * l->out;
    for (size_t p0 = 0; p0 < g.P; p0 += MR) {
      const size_t mr = g.P - p0 < MR ? g.P - p0 : MR;
      const float *rows[PG__GEMM_PACKED_MR];
      size_t stride = image_row;
      for (size_t r = 0; r < MR && stride; r++) {
        rows[r] = patch_in_place(&g, xi, p0 + (r < mr ? r : 0));
        if (!rows[r]) stride = 0;
      }
      if (!stride) { /* lowered rows, kh runs of rowlen one after the other */
        stride = rowlen;
        for (size_t r = 0; r < MR; r++) {
          const size_t p = p0 + (r < mr ? r : 0);
          im2col_row(&g, xi, p / g.out_w, p % g.out_w, tmp + r * K);
          rows[r] = tmp + r * K;
        }
      }
      for (size_t j = 0; j < F; j += PG__GEMM_PACKED_NR)
        pg__conv_tile(g.kh, rowlen, stride, rows, wp + j * K, yi + p0 * F + j, F, mr,
                      F - j < PG__GEMM_PACKED_NR ? F - j : PG__GEMM_PACKED_NR);
    }
  }
  pg__activate(l->act, y, n * l->out);
}

/* Per chunk of images: gW += col^T . dy (one product over all their
** patches), and unless dx is NULL (the first layer: nobody needs the
** observation's gradient) dcol = dy . W^T, read through strides, and
** dx += col2im(dcol). */
static void conv_backward(const pg__layer *l, const float *params, const float *x,
                          const float *y, float *dy, float *dx, float *grads,
                          size_t n, float *scratch) {
  const geom g = geometry(l);
  const size_t F = g.filters, chunk = chunk_images(&g);
  float *gw = grads, *gb = grads + g.K * F;
  float *col = scratch + PG__GEMM_PACKED_WORK;
  pg__activate_backward(l->act, y, dy, n * l->out);
  for (size_t p = 0; p < n * g.P; p++)
    for (size_t f = 0; f < F; f++) gb[f] += dy[p * F + f];
  for (size_t i0 = 0; i0 < n; i0 += chunk) {
    const size_t c = n - i0 < chunk ? n - i0 : chunk, rows = c * g.P;
    const float *dyc = dy + i0 * l->out;
    for (size_t i = 0; i < c; i++) im2col(&g, x + (i0 + i) * l->in, col + i * g.P * g.K);
    pg__gemm_packed(g.K, F, rows, col, 1, g.K, dyc, F, 1, gw, F, scratch);
    if (!dx) continue;
    memset(col, 0, rows * g.K * sizeof *col); /* now dcol */
    pg__gemm_packed(rows, g.K, F, dyc, F, 1, params, 1, F, col, g.K, scratch);
    for (size_t i = 0; i < c; i++) col2im(&g, col + i * g.P * g.K, dx + (i0 + i) * l->in);
  }
}

const pg__layer_ops pg__conv2d_ops = {
    .kind = PG__LAYER_CONV2D,
    .name = "conv2d",
    .setup = conv_setup,
    .n_blocks = 2,
    .block_size = conv_block_size,
    .init_block = conv_init_block,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
    .write_arch = conv_write_arch,
    .read_arch = conv_read_arch,
};
