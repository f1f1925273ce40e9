/* The flatten layer kind: an image row (height x width x channels) read as
** one vector of the same floats, in the same order. No parameters; the
** forward is a copy and the backward adds dy to dx. Dense layers and heads
** read any input shape as flat already: flatten makes the step explicit
** in an architecture (and in its saved record). */
#include "nn/pg_nn.h"

#include <string.h>

static const char *flatten_setup(pg__layer *l) {
  for (size_t i = 0; i < PG__LAYER_SETTINGS; i++)
    if (l->settings[i]) return "flatten takes no settings";
  if (l->act != PG_ACTIVATION_LINEAR) return "flatten has no activation";
  l->out_shape = pg__shape_flat(l->in);
  return NULL;
}

static size_t flatten_block_size(const pg__layer *l, size_t block) {
  (void)l;
  (void)block;
  return 0;
}

static void flatten_init_block(const pg__layer *l, size_t block, float *p, pg__rng *rng) {
  (void)l;
  (void)block;
  (void)p;
  (void)rng;
}

static size_t flatten_scratch(const pg__layer *l, bool training) {
  (void)l;
  (void)training;
  return 0;
}

static void flatten_forward(const pg__layer *l, const float *params, const float *x,
                            float *y, size_t n, float *scratch) {
  (void)params;
  (void)scratch;
  memcpy(y, x, n * l->in * sizeof *y);
}

static void flatten_backward(const pg__layer *l, const float *params, const float *x,
                             const float *y, float *dy, float *dx, float *grads,
                             size_t n, float *scratch) {
  (void)params;
  (void)x;
  (void)y;
  (void)grads;
  (void)scratch;
  if (!dx) return;
  for (size_t i = 0; i < n * l->in; i++) dx[i] += dy[i];
}

/* The record is empty: the shape follows from the input. */
static void flatten_write_arch(pg__writer *w, const pg__layer *l) {
  (void)w;
  (void)l;
}

static const char *flatten_read_arch(pg__reader *r, pg__layer *l) {
  (void)r;
  (void)l;
  return NULL;
}

const pg__layer_ops pg__flatten_ops = {
    .kind = PG__LAYER_FLATTEN,
    .name = "flatten",
    .setup = flatten_setup,
    .n_blocks = 0,
    .block_size = flatten_block_size,
    .init_block = flatten_init_block,
    .scratch_floats = flatten_scratch,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .write_arch = flatten_write_arch,
    .read_arch = flatten_read_arch,
};
