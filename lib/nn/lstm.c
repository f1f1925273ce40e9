/* The LSTM layer kind: a stateful trunk layer with input, forget and
** output gates and a cell (no peepholes), trained by truncated
** backpropagation through time over the rows of one forward.
**
**   z = x·Wx + h'·Wh + b        (4u wide: i, f, g, o; h', c' the previous state)
**   i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
**   c = f∘c' + i∘g              h = o∘tanh(c) = y
**
** settings[0] = units u; blocks Wx (in x 4u), Wh (u x 4u), b (4u), each
** row-major with the gates side by side in the order i, f, g, o. Wx is
** drawn by the layer's initializer and gain, Wh orthogonal (gain 1), b is
** 0 except the forget gate's, 1 (the usual practice: remember by default).
**
** State per sequence: h (u), c (u) and a "fresh" flag that reset_state
** sets; the step after a reset starts from zero and back-propagation does
** not cross it. Each row also needs values cached for backward_seq (gates,
** cell, previous state, gradient work): they live in the same state
** buffer, the cache of row r in the slice of sequence r (a net's state has
** max_batch slices and a forward at most max_batch rows). A net forwards
** into l->y at some row offset (pg__net_forward_rows stacks the steps of a
** segment); the offset is y - l->y. A policy (l->y NULL) acts from row 0
** and never runs backward. */
#include "nn/pg_nn.h"

#include <math.h>
#include <string.h>

#define MAX_UNITS ((uint32_t)1 << 16)

/* Offsets inside one slice of the state buffer, in floats. */
typedef struct lstm_layout {
  size_t u;        /* units */
  size_t h, c;     /* sequence state: h, c (u each) */
  size_t fresh;    /* sequence state: 1 after a reset, 0 once stepped */
  size_t gates;    /* row cache: i, f, g, o after their nonlinearity (4u) */
  size_t cell;     /* row cache: c of the row (u) */
  size_t hprev;    /* row cache: h' (u) */
  size_t cprev;    /* row cache: c' (u) */
  size_t dz;       /* row cache: dL/dz (4u), backward work */
  size_t dc;       /* row cache: dL/dc carried from the next step (u) */
  size_t linked;   /* row cache: 1 when h', c' are the previous row's state */
  size_t slice;    /* floats per slice */
} lstm_layout;

static lstm_layout layout_of(const pg__layer *l) {
  lstm_layout o;
  size_t u = l->settings[0];
  o.u = u;
  o.h = 0;
  o.c = u;
  o.fresh = 2 * u;
  o.gates = 2 * u + 1;
  o.cell = o.gates + 4 * u;
  o.hprev = o.cell + u;
  o.cprev = o.hprev + u;
  o.dz = o.cprev + u;
  o.dc = o.dz + 4 * u;
  o.linked = o.dc + u;
  o.slice = o.linked + 1;
  return o;
}

/* ---- shape, blocks, record ---------------------------------------------- */

static const char *lstm_setup(pg__layer *l) {
  uint32_t units = l->settings[0];
  if (units == 0 || units > MAX_UNITS) return "units not in [1, 65536]";
  for (size_t i = 1; i < PG__LAYER_SETTINGS; i++)
    if (l->settings[i]) return "unused settings are not zero";
  if (l->act != PG_ACTIVATION_LINEAR) return "an LSTM has no activation setting";
  if (l->init < PG_INIT_GLOROT_UNIFORM || l->init > PG_INIT_ORTHOGONAL)
    return "unknown initializer";
  if (!pg__finite_f(l->gain) || l->gain < 0.0f) return "gain is not finite and >= 0";
  l->out_shape = pg__shape_flat(units);
  return NULL;
}

static size_t lstm_block_size(const pg__layer *l, size_t block) {
  size_t u4 = 4 * (size_t)l->settings[0];
  return block == 0 ? l->in * u4 : block == 1 ? (size_t)l->settings[0] * u4 : u4;
}

static void lstm_init_block(const pg__layer *l, size_t block, float *p, pg__rng *rng) {
  size_t u = l->settings[0];
  if (block == 0) {
    pg__init_weights(p, l->in, 4 * u, l->init, (double)l->gain, rng);
  } else if (block == 1) {
    pg__init_weights(p, u, 4 * u, PG_INIT_ORTHOGONAL, 1.0, rng);
  } else {
    memset(p, 0, 4 * u * sizeof *p);
    for (size_t j = 0; j < u; j++) p[u + j] = 1.0f; /* forget gate */
  }
}

/* The GEMM pack buffer, plus room for Wx transposed when training. */
static size_t lstm_scratch(const pg__layer *l, bool training) {
  return PG__GEMM_PACK + (training ? l->in * 4 * (size_t)l->settings[0] : 0);
}

static size_t lstm_state_floats(const pg__layer *l) { return layout_of(l).slice; }

static void lstm_reset_state(const pg__layer *l, float *state) {
  lstm_layout o = layout_of(l);
  memset(state, 0, 2 * o.u * sizeof *state);
  state[o.fresh] = 1.0f;
}

static void lstm_write_arch(pg__writer *w, const pg__layer *l) {
  pg__w_u32(w, l->settings[0]);
  pg__w_u32(w, (uint32_t)l->init);
  pg__w_f32(w, l->gain);
}

static const char *lstm_read_arch(pg__reader *r, pg__layer *l) {
  l->settings[0] = pg__r_u32(r);
  l->init = (pg_init)pg__r_u32(r);
  l->gain = pg__r_f32(r);
  l->act = PG_ACTIVATION_LINEAR;
  return NULL; /* lstm_setup checks the values */
}

/* ---- forward ------------------------------------------------------------ */

static void lstm_forward_seq(const pg__layer *l, const float *params, const float *x,
                             float *y, size_t steps, size_t n_seq, float *state,
                             float *scratch) {
  const lstm_layout o = layout_of(l);
  const size_t u = o.u, u4 = 4 * u, in = l->in, sf = o.slice, n = steps * n_seq;
  const float *wx = params, *wh = params + in * u4, *b = wh + u * u4;
  const size_t row0 = l->y ? (size_t)(y - l->y) / u : 0;
  float *cache = state + row0 * sf; /* row r's cache: cache + r*sf */
  /* z = b + x·Wx for every row at once, then + h'·Wh step by step. */
  for (size_t r = 0; r < n; r++) memcpy(cache + r * sf + o.gates, b, u4 * sizeof *b);
  pg__gemm(n, u4, in, x, in, 1, wx, u4, cache + o.gates, sf, scratch);
  for (size_t t = 0; t < steps; t++) {
    float *rows = cache + t * n_seq * sf;
    for (size_t s = 0; s < n_seq; s++) {
      float *st = state + s * sf, *rc = rows + s * sf;
      memcpy(rc + o.hprev, st + o.h, u * sizeof *st);
      memcpy(rc + o.cprev, st + o.c, u * sizeof *st);
      rc[o.linked] = (st[o.fresh] == 0.0f && row0 + t * n_seq + s >= n_seq) ? 1.0f : 0.0f;
      st[o.fresh] = 0.0f;
    }
    pg__gemm(n_seq, u4, u, rows + o.hprev, sf, 1, wh, u4, rows + o.gates, sf, scratch);
    for (size_t s = 0; s < n_seq; s++) {
      float *st = state + s * sf, *rc = rows + s * sf;
      float *gi = rc + o.gates, *gf = gi + u, *gg = gf + u, *go = gg + u;
      float *yr = y + (t * n_seq + s) * u;
      pg__sigmoid_inplace(gi, 2 * u); /* i and f */
      pg__tanh_inplace(gg, u);
      pg__sigmoid_inplace(go, u);
      for (size_t j = 0; j < u; j++) {
        float c = gf[j] * rc[o.cprev + j] + gi[j] * gg[j];
        rc[o.cell + j] = c;
        st[o.c + j] = c;
        yr[j] = c; /* tanh below */
      }
      pg__tanh_inplace(yr, u);
      for (size_t j = 0; j < u; j++) {
        yr[j] *= go[j];
        st[o.h + j] = yr[j];
      }
    }
  }
}

/* ---- backward through time ------------------------------------------------ */

static void lstm_backward_seq(const pg__layer *l, const float *params, const float *x,
                              const float *y, float *dy, float *dx, float *grads,
                              size_t steps, size_t n_seq, float *scratch) {
  (void)y;
  const lstm_layout o = layout_of(l);
  const size_t u = o.u, u4 = 4 * u, in = l->in, sf = o.slice, n = steps * n_seq;
  const float *wx = params, *wh = params + in * u4;
  float *gwx = grads, *gwh = grads + in * u4, *gb = gwh + u * u4;
  float *cache = l->state; /* a backward covers rows [0, n) */
  for (size_t t = steps; t-- > 0;) {
    for (size_t s = 0; s < n_seq; s++) {
      const size_t r = t * n_seq + s;
      float *rc = cache + r * sf;
      const float *gi = rc + o.gates, *gf = gi + u, *gg = gf + u, *go = gg + u;
      float *dzi = rc + o.dz, *dzf = dzi + u, *dzg = dzf + u, *dzo = dzg + u;
      const float *dh = dy + r * u;
      const bool next_linked = t + 1 < steps && cache[(r + n_seq) * sf + o.linked] != 0.0f;
      const float *dc_next = next_linked ? cache + (r + n_seq) * sf + o.dc : NULL;
      for (size_t j = 0; j < u; j++) {
        float tc = tanhf(rc[o.cell + j]);
        float dc = dh[j] * go[j] * (1.0f - tc * tc) + (dc_next ? dc_next[j] : 0.0f);
        dzo[j] = dh[j] * tc * go[j] * (1.0f - go[j]);
        dzi[j] = dc * gg[j] * gi[j] * (1.0f - gi[j]);
        dzg[j] = dc * gi[j] * (1.0f - gg[j] * gg[j]);
        dzf[j] = dc * rc[o.cprev + j] * gf[j] * (1.0f - gf[j]);
        rc[o.dc + j] = dc * gf[j]; /* dL/dc' for the previous step */
      }
      /* dL/dh' = dz·Whᵀ goes into the previous step's dL/dy when linked. */
      if (t > 0 && rc[o.linked] != 0.0f)
        pg__gemv_rows(u, u4, wh, rc + o.dz, dy + (r - n_seq) * u);
    }
  }
  for (size_t r = 0; r < n; r++) {
    const float *dz = cache + r * sf + o.dz;
    for (size_t j = 0; j < u4; j++) gb[j] += dz[j];
  }
  pg__gemm(in, u4, n, x, 1, in, cache + o.dz, sf, gwx, u4, scratch);
  pg__gemm(u, u4, n, cache + o.hprev, 1, sf, cache + o.dz, sf, gwh, u4, scratch);
  if (dx) {
    float *wt = scratch + PG__GEMM_PACK;
    pg__transpose(wx, in, u4, wt);
    pg__gemm(n, in, u4, cache + o.dz, sf, 1, wt, in, dx, in, scratch);
  }
}

/* Row-wise calls do not happen for a stateful kind (the engine and the net
** take the _seq members); as one step of n sequences they would be: */
static void lstm_forward(const pg__layer *l, const float *params, const float *x,
                         float *y, size_t n, float *scratch) {
  lstm_forward_seq(l, params, x, y, 1, n, l->state, scratch);
}

static void lstm_backward(const pg__layer *l, const float *params, const float *x,
                          const float *y, float *dy, float *dx, float *grads,
                          size_t n, float *scratch) {
  lstm_backward_seq(l, params, x, y, dy, dx, grads, 1, n, scratch);
}

const pg__layer_ops pg__lstm_ops = {
    .kind = PG__LAYER_LSTM,
    .name = "lstm",
    .setup = lstm_setup,
    .n_blocks = 3,
    .block_size = lstm_block_size,
    .init_block = lstm_init_block,
    .scratch_floats = lstm_scratch,
    .state_floats = lstm_state_floats,
    .reset_state = lstm_reset_state,
    .forward = lstm_forward,
    .backward = lstm_backward,
    .forward_seq = lstm_forward_seq,
    .backward_seq = lstm_backward_seq,
    .write_arch = lstm_write_arch,
    .read_arch = lstm_read_arch,
};
