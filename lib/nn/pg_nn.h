/*
** Networks: the internal API the agents use directly (no argument checks;
** the public pg_net_* wrappers in net_api.c check and then call these).
**
** A pg_net is a trunk of layers followed by one or more heads reading the
** trunk's output. Parameters and gradients are two flat float arrays of
** pg__net_param_count() floats each; gradients accumulate (+=) until
** pg__net_zero_grads(). Every buffer is allocated by pg__net_finalize() for
** max_batch rows, so forward, backward and the helpers below never allocate.
**
** Usage by an agent, per update:
**   pg__net_forward(net, x, n, mask, &out);      // cache activations
**   ... sample with out.probs / out.mean, read out.value ...
**   pg__net_zero_grads(net);
**   pg__net_backward(net, n, &loss_desc);        // grads += dL/dθ
**   pg__clip_global_norm(...); optimizer step (lib/optim/pg_optim.h)
** A net is used by one thread at a time; clones are independent.
*/
#ifndef PG_NN_H
#define PG_NN_H

#include "pg_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- layers (the extension point for conv / LSTM later) ----------------
** A layer maps n rows of `in` features to n rows of `out` features. Its
** parameters are the slice params[param_off .. param_off+n_params). */
typedef struct pg__layer pg__layer;

typedef struct pg__layer_ops {
  const char *name;
  size_t (*param_count)(const pg__layer *l);
  void (*init)(const pg__layer *l, float *params, pg__rng *rng);
  /* y[n*out] = f(x[n*in]); scratch is the net's kernel scratch. */
  void (*forward)(const pg__layer *l, const float *params, const float *x,
                  float *y, size_t n, float *scratch);
  /* dy[n*out] holds dL/dy on entry and may be overwritten. Adds dL/dθ to
  ** grads; writes dL/dx to dx unless dx is NULL (first layer). */
  void (*backward)(const pg__layer *l, const float *params, const float *x,
                   const float *y, float *dy, float *dx, float *grads,
                   size_t n, float *scratch);
} pg__layer_ops;

struct pg__layer {
  const pg__layer_ops *ops;
  size_t in, out;          /* features per row */
  pg_activation act;
  pg_init init;
  float gain;
  size_t param_off, n_params;
  float *y;                /* output activations, max_batch*out */
};

/* ---- forward outputs ------------------------------------------------------
** Pointers into the net's buffers, valid until the next forward on the net.
** Row i of a head output starts at i*dim. Absent heads give NULL and 0. */
typedef struct pg__net_out {
  size_t n;                  /* rows of the last forward */
  size_t n_actions;          /* categorical head: actions per row */
  const float *logits;       /* n*n_actions (masked entries unchanged) */
  const float *probs;        /* n*n_actions, 0 exactly where masked */
  const float *log_probs;    /* n*n_actions, -INFINITY where masked */
  const float *entropy;      /* n: policy entropy per row (categorical or Gaussian) */
  size_t action_dim;         /* Gaussian head: dimensions of an action */
  const float *mean;         /* n*action_dim */
  const float *log_std;      /* action_dim (state-independent parameters) */
  const float *value;        /* n: value head */
  size_t n_q;                /* Q head: actions per row */
  const float *q;            /* n*n_q */
  const float *trunk;        /* n*trunk_dim: the trunk's output features */
  size_t trunk_dim;
} pg__net_out;

/* ---- construction ------------------------------------------------------- */
/* A new net with src's architecture, max_batch and parameters, fresh
** buffers and zeroed gradients (e.g. an A3C worker's θ'). Records
** PG_ERR_NOMEM on failure; *out is NULL then. */
pg_status pg__net_clone(const pg_net *src, pg_net **out);

/* True once finalized (buffers allocated). */
bool pg__net_ready(const pg_net *net);
pg_ctx *pg__net_ctx(const pg_net *net);
size_t pg__net_input_dim(const pg_net *net);
size_t pg__net_max_batch(const pg_net *net);
/* Number of actions of the categorical (or Q) head, the Gaussian head's
** action dimension; 0 when absent. */
size_t pg__net_n_actions(const pg_net *net);
size_t pg__net_n_q(const pg_net *net);
size_t pg__net_action_dim(const pg_net *net);
bool pg__net_has_value(const pg_net *net);

/* ---- parameters and gradients ------------------------------------------- */
size_t pg__net_param_count(const pg_net *net);
float *pg__net_params(pg_net *net);
float *pg__net_grads(pg_net *net);
void pg__net_zero_grads(pg_net *net);
/* θ_dst ← θ_src; both nets have the same architecture. */
void pg__net_copy_params(pg_net *dst, const pg_net *src);
/* Call after writing params directly: forgets the cached forward so a
** backward without a new forward is refused by the public API. */
void pg__net_params_changed(pg_net *net);
/* Re-initialises every parameter from `seed` (same draw as at finalize). */
void pg__net_init_params(pg_net *net, uint64_t seed);

/* ---- forward / backward --------------------------------------------------
** Forward on n <= max_batch rows of input_dim floats; mask is NULL or
** n*n_actions bytes (nonzero = allowed, at least one allowed per row) for
** the categorical head. Fills *out when out is not NULL. */
void pg__net_forward(pg_net *net, const float *x, size_t n,
                     const uint8_t *mask, pg__net_out *out);
/* Forward on rows [row0, row0+n) of the activation buffers (row0+n <=
** max_batch), keeping the cached rows below row0 from earlier forwards at
** the same parameters: an agent can forward each step of a segment into its
** own rows and back-propagate over all of them without a second forward.
** out (when not NULL) points at row row0, out->n = n. Afterwards the last
** forward counts as row0+n rows (pg__net_outputs gives row 0). */
void pg__net_forward_rows(pg_net *net, const float *x, size_t row0, size_t n,
                          const uint8_t *mask, pg__net_out *out);
/* Changes with every forward and whenever the cached forward is dropped
** (parameters written, 0 then): equal stamps around an interval mean
** nothing touched the net's activation rows in between. */
uint64_t pg__net_forward_stamp(const pg_net *net);
/* The outputs of the last forward (out->n is 0 before any). */
void pg__net_outputs(const pg_net *net, pg__net_out *out);

/* Adds the gradient of the loss described by `loss` (see pg_loss_desc in
** policygrad.h) over the n rows of the last forward to the net's gradient
** buffer, in one backward pass through the shared trunk. Returns the loss.
** n must equal the last forward's n; terms with coefficient 0 are skipped
** and their arrays may be NULL. Discrete actions must be valid, allowed
** indices. */
double pg__net_backward(pg_net *net, size_t n, const pg_loss_desc *loss);

/* Lower-level backward: gradients of the loss with respect to the head
** outputs of the last forward (any may be NULL = zero): d_logits
** (n*n_actions), d_mean (n*action_dim), d_log_std (action_dim, already
** summed over rows), d_value (n), d_q (n*n_q). Adds dL/dθ to the grads.
** The arrays may be overwritten. For losses pg_loss_desc cannot express. */
void pg__net_backward_heads(pg_net *net, size_t n, float *d_logits,
                            float *d_mean, const float *d_log_std,
                            float *d_value, float *d_q);

/* ---- distributions (pure helpers on forward outputs) -------------------- */
/* Draws an action from probs[k] (masked actions have probability 0). */
uint32_t pg__sample_categorical(const float *probs, size_t k, pg__rng *rng);
/* Index of the largest v[i] among allowed actions (mask may be NULL);
** ties go to the lowest index. */
uint32_t pg__argmax(const float *v, const uint8_t *mask, size_t k);
/* out[d] = mean[d] + exp(log_std[d]) * N(0,1). */
void pg__sample_gaussian(const float *mean, const float *log_std, size_t d,
                         pg__rng *rng, float *out);
/* log π(a) of a diagonal Gaussian, and its entropy (nats). */
double pg__gaussian_log_prob(const float *mean, const float *log_std,
                             const float *a, size_t d);
double pg__gaussian_entropy(const float *log_std, size_t d);
/* Entropy of one row of probabilities / log-probabilities (masked entries
** with probability 0 contribute nothing). */
double pg__categorical_entropy(const float *probs, const float *log_probs,
                               size_t k);

/* ---- gradient utilities -------------------------------------------------- */
/* (pg__grad_norm and pg__scale: lib/core, pg_internal.h) */
/* Scales g so its global norm is at most max_norm (> 0); returns the norm
** before clipping. */
double pg__clip_global_norm(float *g, size_t n, double max_norm);

/* ---- kernels (lib/nn/kernels.c) ------------------------------------------
** C[M*ldc] += A·B where A(m,k) = A[m*a_rs + k*a_cs] and B is K rows of ldb
** floats (N used). pack holds PG__GEMM_PACK floats. No allocation;
** blocked for the cache and written for the auto-vectorizer. */
#define PG__GEMM_NR 32
#define PG__GEMM_KC 256
#define PG__GEMM_PACK (PG__GEMM_KC * PG__GEMM_NR)
void pg__gemm(size_t M, size_t N, size_t K, const float *A, size_t a_rs,
              size_t a_cs, const float *B, size_t ldb, float *C, size_t ldc,
              float *pack);
/* y[r] += sum_c M[r*cols + c] * x[c]: a product with M transposed that
** needs no transposition (used for few rows). */
void pg__gemv_rows(size_t rows, size_t cols, const float *M, const float *x,
                   float *y);
/* y = tanh(y) and y = 1/(1+exp(-y)) elementwise, vectorized; within a few
** float ulps of libm. */
void pg__tanh_inplace(float *y, size_t n);
void pg__sigmoid_inplace(float *y, size_t n);
/* dst[c*rows + r] = src[r*cols + c]. */
void pg__transpose(const float *src, size_t rows, size_t cols, float *dst);

/* ---- layer kinds (lib/nn/dense.c) ---------------------------------------- */
/* Dense: params are W (in x out, row-major) then b (out). Its kernel
** scratch is PG__GEMM_PACK floats followed by in*out floats. */
extern const pg__layer_ops pg__dense_ops;
/* Fills w (in x out) from the initializer scaled by gain. */
void pg__init_weights(float *w, size_t in, size_t out, pg_init init,
                      double gain, pg__rng *rng);
/* y = act(y) in place; dy *= act'(.) given the activation's output y. */
void pg__activate(pg_activation act, float *y, size_t count);
void pg__activate_backward(pg_activation act, const float *y, float *dy,
                           size_t count);

/* ---- lifetime ------------------------------------------------------------
** An optimizer retains its net; pg_net_destroy frees a net only once
** nothing retains it. */
void pg__net_retain(pg_net *net);
void pg__net_release(pg_net *net);

#endif /* PG_NN_H */
