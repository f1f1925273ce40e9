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
#include "pg_serial.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- layer kinds: the operator table (lib/nn/arch.c, dense.c) -----------
** Every layer is one kind, described by a pg__layer_ops table (in the
** spirit of kann's kad_op list): the shapes it maps between, its parameter
** blocks and their initializers, its kernel scratch, its per-sequence state
** and reset, forward and backward over a batch (and over a time-major batch
** of sequences for stateful kinds), and its own record in the saved
** architecture. The net, the policy, the loaders and the inference engine
** only ever call through the table, so a new kind touches nothing else
** (docs/NETWORKS.md, "Adding a layer kind"). */
#define PG__SHAPE_MAX_RANK 3
#define PG__LAYER_MAX_BLOCKS 4
#define PG__LAYER_SETTINGS 8
#define PG__NET_MAX_LAYERS 32

/* A tensor shape per row: rank 1 (features) or rank 3 (height, width,
** channels: HWC, the layout of pg_env_set_observation_image) for spatial
** kinds. Rows are stored densely, row-major. */
typedef struct pg__shape {
  uint32_t rank;
  uint32_t dim[PG__SHAPE_MAX_RANK];
} pg__shape;

/* Floats in one row of shape s. */
size_t pg__shape_size(const pg__shape *s);
/* The rank-1 shape of n features. */
pg__shape pg__shape_flat(size_t n);

/* The one layer-kind enumeration. The numbers are saved in the ARCH
** section (format version 2) and are never reused. */
typedef enum pg__layer_kind {
  PG__LAYER_DENSE = 1,
  PG__LAYER_CONV2D = 2,   /* lib/nn/conv2d.c */
  PG__LAYER_LSTM = 4,     /* lib/nn/lstm.c */
  PG__LAYER_FLATTEN = 6,  /* lib/nn/flatten.c */
  PG__LAYER_LOG_STD = 7,  /* lib/nn/log_std.c: a state-dependent Gaussian log-std */
  /* other numbers below 1000: reserved for in-tree kinds. */
  PG__LAYER_KIND_EXT_MIN = 1000 /* from here: kinds registered on a ctx */
} pg__layer_kind;

/* The role of a layer in its net: a trunk layer or one of the heads. The
** numbers are saved (format version 1 stored them as the layer "kind"). */
typedef enum pg__layer_role {
  PG__ROLE_TRUNK = 0,
  PG__HEAD_CATEGORICAL = 1,
  PG__HEAD_GAUSSIAN = 2,
  PG__HEAD_VALUE = 3,
  PG__HEAD_Q = 4,
  PG__HEAD_LOG_STD = 5, /* the Gaussian head's per-row log-std (a PG__LAYER_LOG_STD) */
  PG__HEAD_KINDS = 6 /* array size for per-role tables */
} pg__layer_role;

typedef struct pg__layer pg__layer;
typedef struct pg__layer_ops pg__layer_ops;
typedef struct pg__csrc pg__csrc;

struct pg__layer {
  const pg__layer_ops *ops;
  uint32_t role;             /* pg__layer_role */
  /* Settings: written by the builder or by ops->read_arch, checked by
  ** ops->setup. act/init/gain are the common ones (dense reads all three);
  ** settings[] holds kind-specific integers (units, kernel, stride, ...). */
  pg_activation act;
  pg_init init;
  float gain;
  uint32_t settings[PG__LAYER_SETTINGS];
  /* Derived by pg__netdef_push (setup) and pg__netdef_layout. */
  pg__shape in_shape, out_shape;
  size_t in, out;            /* floats per row of in_shape / out_shape */
  size_t param_off, n_params;
  /* Buffers (a pg_net's; NULL in a pg_policy). */
  float *y;                  /* output activations, max_batch*out */
  float *state;              /* per-sequence state, max_batch*state floats */
};

struct pg__layer_ops {
  uint32_t kind;             /* pg__layer_kind */
  const char *name;
  /* Checks l's settings against l->in_shape and sets l->out_shape.
  ** Returns NULL when they are valid, else a short reason ("units 0"). */
  const char *(*setup)(pg__layer *l);
  /* Parameter blocks (at most PG__LAYER_MAX_BLOCKS), stored one after the
  ** other in the layer's slice of the net's flat array. */
  size_t n_blocks;
  size_t (*block_size)(const pg__layer *l, size_t block);
  /* Initialises one block; blocks are initialised in order from one rng
  ** stream per layer. */
  void (*init_block)(const pg__layer *l, size_t block, float *p, pg__rng *rng);
  /* Kernel scratch floats for forward only (training false) or for forward
  ** and backward. */
  size_t (*scratch_floats)(const pg__layer *l, bool training);
  /* Per-sequence state floats (NULL: stateless) and its reset. */
  size_t (*state_floats)(const pg__layer *l);
  void (*reset_state)(const pg__layer *l, float *state);
  /* y[n*out] = f(x[n*in]); scratch holds scratch_floats(l, .) floats. */
  void (*forward)(const pg__layer *l, const float *params, const float *x,
                  float *y, size_t n, float *scratch);
  /* dy[n*out] holds dL/dy on entry and may be overwritten. Adds dL/dθ to
  ** grads; adds dL/dx to dx unless dx is NULL (first layer). */
  void (*backward)(const pg__layer *l, const float *params, const float *x,
                   const float *y, float *dy, float *dx, float *grads,
                   size_t n, float *scratch);
  /* Stateful kinds only (NULL otherwise): the same over a time-major batch
  ** of n_seq sequences of steps rows each (row t*n_seq + s is step t of
  ** sequence s), starting from and updating state[n_seq * state_floats]. */
  void (*forward_seq)(const pg__layer *l, const float *params, const float *x,
                      float *y, size_t steps, size_t n_seq, float *state,
                      float *scratch);
  void (*backward_seq)(const pg__layer *l, const float *params, const float *x,
                       const float *y, float *dy, float *dx, float *grads,
                       size_t steps, size_t n_seq, float *scratch);
  /* The kind's record in ARCH: write_arch writes the settings; read_arch
  ** reads exactly what write_arch wrote (the body length is checked by the
  ** caller) and returns NULL or a reason. setup runs after read_arch. */
  void (*write_arch)(pg__writer *w, const pg__layer *l);
  const char *(*read_arch)(pg__reader *r, pg__layer *l);
  /* Optional: C source export (lib/nn/export.c, pg_policy_export_c). NULL:
  ** the kind cannot be exported (PG_ERR_UNSUPPORTED). See pg__csrc. */
  void (*emit_c)(pg__csrc *src, int part, const pg__layer *l, size_t index,
                 const float *params, const char *x, const char *y);
};

/* Finds a kind: the built-in ones, then those registered on ctx. NULL when
** unknown. */
const pg__layer_ops *pg__layer_kind_find(const pg_ctx *ctx, uint32_t kind);
/* Registers a layer kind on ctx (kind >= PG__LAYER_KIND_EXT_MIN, every
** callback but forward_seq/backward_seq/state_floats/reset_state set): nets
** of that context can then add, save and load layers of it. The table must
** outlive the context. Call before other threads use ctx. PG_ERR_INVALID_ARG
** (bad table), PG_ERR_BAD_STATE (kind taken), PG_ERR_UNSUPPORTED (full). */
pg_status pg__layer_kind_register(pg_ctx *ctx, const pg__layer_ops *ops);

/* ---- the architecture: layers, roles, parameter layout (lib/nn/arch.c) --
** What a pg_net and a pg_policy are built from, and what ARCH records. */
typedef struct pg__netdef {
  pg__shape input;
  size_t input_dim;          /* pg__shape_size(&input) */
  size_t max_batch;
  uint64_t seed;
  float log_std_init;        /* the Gaussian head's log-std block */
  size_t n_trunk, n_layers;  /* layers[0, n_trunk) trunk, then the heads */
  pg__layer layers[PG__NET_MAX_LAYERS];
  int head[PG__HEAD_KINDS];  /* layer index of each head role, or -1 */
  size_t log_std_off;        /* offset of the log-std block (Gaussian without
                                a PG__HEAD_LOG_STD layer; 0 with one) */
  size_t n_params;
} pg__netdef;

/* An empty architecture on rank-1 input of input_dim features. */
void pg__netdef_init(pg__netdef *d, size_t input_dim, size_t max_batch,
                     uint64_t seed);
/* Appends layer l (ops and settings filled, role set) reading the trunk's
** output; runs ops->setup and the role rules (trunk before heads, one head
** per role, one policy head, head widths, linear heads). Returns NULL, or a
** reason and d unchanged. */
const char *pg__netdef_push(pg__netdef *d, const pg__layer *l);
/* Assigns parameter offsets (layer blocks in order, the log-std block right
** after the Gaussian head) and sets d->n_params. */
void pg__netdef_layout(pg__netdef *d);
/* Output shape of the trunk (the input's when there is no trunk). */
size_t pg__netdef_trunk_dim(const pg__netdef *d);
/* Largest kernel scratch any layer needs, floats. */
size_t pg__netdef_scratch(const pg__netdef *d, bool training);
/* Floats of per-sequence state over all layers. */
size_t pg__netdef_state_floats(const pg__netdef *d);
/* Fills params (d->n_params floats) from seed: one stream per layer, the
** log-std block set to log_std_init. */
void pg__netdef_init_params(const pg__netdef *d, float *params, uint64_t seed);
/* Sets the Gaussian head's starting spread to log-std v in params: the
** log-std block, or for a state-dependent log-std the bias of its layer
** (so that the bounded output is v where the weights contribute nothing;
** v is moved just inside the bounds). No-op without a Gaussian head. */
void pg__netdef_set_log_std(const pg__netdef *d, float *params, double v);
/* Whether d's Gaussian head has a state-dependent log-std layer. */
bool pg__netdef_state_std(const pg__netdef *d);
/* The format version files holding d must carry: PG__FORMAT_VERSION_BASE,
** or 5 with a state-dependent log-std (older readers must refuse them). */
uint32_t pg__netdef_file_version(const pg__netdef *d);
/* Same kinds, shapes and settings (a parameter copy is meaningful). */
bool pg__netdef_same(const pg__netdef *a, const pg__netdef *b);

/* ---- the ARCH and PARM sections (lib/nn/arch.c, docs/FORMAT.md) --------- */
#define PG__TAG_ARCH PG__TAG('A', 'R', 'C', 'H')
#define PG__TAG_PARM PG__TAG('P', 'A', 'R', 'M')
typedef struct pg__param_block {
  const float *params;
  size_t count;
} pg__param_block;
/* Section bodies (pg__body_fn): obj is a pg__netdef / a pg__param_block.
** ARCH is written in the current format version. */
void pg__arch_write(pg__writer *w, const void *netdef);
void pg__params_write(pg__writer *w, const void *block);
/* Parses and validates an ARCH body of a file of format `version` into d
** (kinds looked up on ctx), laid out. check_batch: also bound max_batch
** times the widths (a net's buffers). PG_ERR_FORMAT naming fname. */
/* The most floats a loaded net's buffers besides its parameters may take
** (activations, back-propagation, state, kernel scratch; docs/FORMAT.md,
** "Memory budget"): 2^24 plus 64 per parameter, which the PARM section
** carries, so the bound stays proportional to the file's size. */
uint64_t pg__net_load_buffer_limit(size_t n_params);
pg_status pg__arch_read(pg_ctx *ctx, const char *fname, uint32_t version,
                        pg__reader *body, bool check_batch, pg__netdef *d);
/* Validates a PARM body against n_params and copies the (finite) floats
** into dst (n_params floats). */
pg_status pg__params_read(pg_ctx *ctx, const char *fname, pg__reader *body,
                          size_t n_params, float *dst);
/* Finds the ARCH and PARM sections of a checkpoint image (header already
** read), and the ONRM and SQSH sections of a policy (onrm / sqsh non-NULL:
** the body, or ->p NULL when the image has none; NULL: skipped as
** unknown); unknown sections are skipped; trailing bytes are an error. */
#define PG__TAG_ONRM PG__TAG('O', 'N', 'R', 'M')
#define PG__TAG_SQSH PG__TAG('S', 'Q', 'S', 'H')
pg_status pg__net_sections(pg_ctx *ctx, const char *fname, pg__reader *r,
                           uint32_t n_sections, pg__reader *arch,
                           pg__reader *parm, pg__reader *onrm, pg__reader *sqsh);
/* The SQSH body (docs/FORMAT.md), shared by policy and agent files: u32
** version 1, u32 dim, dim f32 lows, dim f32 highs (finite, low < high).
** pg__squash_write's obj is a pg__squash_rec; pg__squash_read checks a
** body against dim and fills bounds (2*dim floats), PG_ERR_FORMAT /
** PG_ERR_VERSION with a message naming fn. */
typedef struct pg__squash_rec {
  const float *bounds;
  size_t dim;
} pg__squash_rec;
void pg__squash_write(pg__writer *w, const void *obj);
pg_status pg__squash_read(pg_ctx *ctx, const char *fn, pg__reader *body, size_t dim,
                          float *bounds);

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
  const float *log_std;      /* row i at i*log_std_stride */
  size_t log_std_stride;     /* 0: one vector of parameters for every row;
                                action_dim: per row (a state-dependent std) */
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

/* Appends a trunk layer of any kind (ops registered or built in; settings
** and act/init/gain in *settings, the rest ignored) before finalize: the
** path pg_net_add_dense takes. Records and returns PG_ERR_BAD_STATE,
** PG_ERR_UNSUPPORTED or PG_ERR_INVALID_ARG (with the kind's reason). */
pg_status pg__net_add_layer(pg_net *net, const char *fname,
                            const pg__layer_ops *ops, const pg__layer *settings);
/* The architecture of a net (valid for the net's lifetime). */
const pg__netdef *pg__net_def(const pg_net *net);

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
/* The net's parameters and gradients as one flat block each: *params and
** *grads (count floats, contiguous, in the order of pg_net_get_params)
** stay valid for the net's lifetime. Any out pointer may be NULL. For
** optimizers that work on flat float blocks. */
void pg__net_param_block(pg_net *net, float **params, float **grads,
                         size_t *count);
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
/* Forward over a time-major batch of n_seq sequences of `steps` steps each
** (row t*n_seq + s is step t of sequence s; steps*n_seq <= max_batch),
** for nets with stateful layers: each sequence starts from its state and
** leaves it updated; a backward then runs through time over the same rows.
** Stateless nets give the same as pg__net_forward on the rows. (Row-wise
** forwards count as one step of n sequences.) */
void pg__net_forward_seq(pg_net *net, const float *x, size_t steps, size_t n_seq,
                         const uint8_t *mask, pg__net_out *out);
/* Resets the per-sequence state of sequences [first, first+count) of every
** stateful layer (first + count <= max_batch); no-op for stateless nets. */
void pg__net_reset_state(pg_net *net, size_t first, size_t count);
/* True when some layer keeps per-sequence state. */
bool pg__net_stateful(const pg_net *net);
/* Floats of the per-sequence state of sequences [0, count) over all
** stateful layers, and a copy of it into buf (save) or back (restore):
** an agent keeps its slots' state around a forward that must not advance
** it (bootstrap values). */
size_t pg__net_state_size(const pg_net *net, size_t count);
void pg__net_state_copy(pg_net *net, float *buf, size_t count, bool save);
/* Changes with every forward and whenever the cached forward is dropped
** (parameters written, 0 then): equal stamps around an interval mean
** nothing touched the net's activation rows in between. */
uint64_t pg__net_forward_stamp(const pg_net *net);
/* The outputs of the last forward (out->n is 0 before any). */
void pg__net_outputs(const pg_net *net, pg__net_out *out);
/* Whether rows [row0, row0 + n) of o's heads (probabilities, Gaussian
** means, values, Q-values) are all finite: every act and forward path
** checks this before it uses or returns an output (PG_ERR_NUMERIC). */
bool pg__net_out_finite(const pg__net_out *o, size_t row0, size_t n);

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
** summed over rows; n*action_dim per row with a state-dependent log-std),
** d_value (n), d_q (n*n_q). Adds dL/dθ to the grads.
** The arrays may be overwritten. For losses pg_loss_desc cannot express. */
void pg__net_backward_heads(pg_net *net, size_t n, float *d_logits,
                            float *d_mean, float *d_log_std,
                            float *d_value, float *d_q);

/* ---- the inference engine (lib/nn/engine.c) ------------------------------
** Pure forward kernels over an architecture, the softmax and the sampling:
** pg_net's forward and pg_policy's act both run through these. */
/* Runs every layer of d over steps*n_seq rows of x (time-major; a plain
** batch is steps = 1): layer i writes ys[i]; trunk layers read the previous
** output, heads the trunk's. states: NULL when d has no stateful layer,
** else per-layer state pointers (n_seq sequences; NULL for stateless
** layers). scratch: pg__netdef_scratch(d, .) floats. */
void pg__nn_forward(const pg__netdef *d, const float *params, const float *x,
                    size_t steps, size_t n_seq, float *const *ys,
                    float *const *states, float *scratch);
/* Observation normalization as agents and policies apply it (one
** definition, so that a policy acts bit for bit as the agent it came from):
** out = clamp((x - mean) * scale, -clip, clip) per component, over rows rows
** of dim floats (out may equal x). mean and scale: dim floats each; clip > 0.
** The C export writes the same expression (lib/nn/export.c). */
void pg__obs_normalize(const float *mean, const float *scale, float clip, const float *x,
                       size_t rows, size_t dim, float *out);
/* Masked softmax of one row of k logits: p (0 where masked) and, unless
** lp is NULL, log p (-INFINITY where masked); returns the entropy. At
** least one action must be allowed. */
float pg__softmax_row(const float *z, const uint8_t *mask, size_t k, float *p,
                      float *lp);
/* The action of one row of a head's output y (k wide) for head role
** (categorical: index, sampled from the masked softmax or the argmax;
** Gaussian: mean, or mean + exp(log_std)·N(0,1); Q: argmax). probs: k
** floats of scratch. */
void pg__nn_act(uint32_t role, const float *y, const float *log_std, size_t k,
                const uint8_t *mask, bool deterministic, pg__rng *rng,
                float *probs, float *action);

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
/* tanh-squashed Gaussian actions: bounds holds d lows then d highs (NULL:
** [-1, 1]); out[i] = low + (tanh(u[i]) + 1)/2 * (high - low) (out may be u).
** pg__squash_log_det is sum_i log da_i/du_i, in the stable form
** log((high - low)/2) + 2*(log 2 - u - softplus(-2u)): the squashed
** log-probability is pg__gaussian_log_prob(mean, log_std, u) minus it. */
void pg__squash_actions(const float *u, const float *bounds, size_t d, float *out);
double pg__squash_log_det(const float *u, const float *bounds, size_t d);
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
/* The same product with B(k,n) = B[k*b_rs + n*b_cs] too, both operands
** packed: for the larger products of the conv layers (lowered patches,
** weight gradients over a batch, products with W transposed) where
** pg__gemm's panel would be half empty or a transposition would cost a
** copy. work holds PG__GEMM_PACKED_WORK floats. Each element of C gets
** the same sum whatever M and N are. No allocation; one thread per call,
** any number of concurrent calls on distinct work areas. */
#define PG__GEMM_PACKED_MR 6
#define PG__GEMM_PACKED_NR 16
#define PG__GEMM_PACKED_KC 256
#define PG__GEMM_PACKED_MC 96
#define PG__GEMM_PACKED_NC 256
#define PG__GEMM_PACKED_WORK \
  (PG__GEMM_PACKED_KC * (PG__GEMM_PACKED_NC + PG__GEMM_PACKED_MC))
void pg__gemm_packed(size_t M, size_t N, size_t K, const float *A, size_t a_rs,
                     size_t a_cs, const float *B, size_t b_rs, size_t b_cs,
                     float *C, size_t ldc, float *work);
/* B (K x N, strides as above) as pg__gemm_packed packs it: ceil(N/16)
** panels of K x 16 floats (zero-padded), panel j at packed + j*16*K. */
void pg__gemm_pack_b(const float *B, size_t b_rs, size_t b_cs, size_t K, size_t N,
                     float *packed);
/* One tile of a convolution lowered without columns: for r < mr and j < nr,
** C[r*ldc + j] += sum over ky < kh, t < rowlen of
** rows[r][ky*row_stride + t] * P[ky*rowlen + t][j], P one panel of
** pg__gemm_pack_b (K = kh*rowlen). All six rows are read (repeat one for
** r >= mr). Sums in pg__gemm_packed's order when K <= PG__GEMM_PACKED_KC. */
void pg__conv_tile(size_t kh, size_t rowlen, size_t row_stride,
                   const float *const rows[PG__GEMM_PACKED_MR], const float *packed,
                   float *C, size_t ldc, size_t mr, size_t nr);
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

/* ---- dense (lib/nn/dense.c) ------------------------------------------------
** y = act(x·W + b): settings[0] = units; blocks W (in x out, row-major)
** and b (out). Its scratch is PG__GEMM_PACK floats, plus in*out for the
** transposed weights when training. */
extern const pg__layer_ops pg__dense_ops;
/* Fills w (in x out) from the initializer scaled by gain. */
void pg__init_weights(float *w, size_t in, size_t out, pg_init init,
                      double gain, pg__rng *rng);
/* y = act(y) in place; dy *= act'(.) given the activation's output y. */
void pg__activate(pg_activation act, float *y, size_t count);
void pg__activate_backward(pg_activation act, const float *y, float *dy,
                           size_t count);

/* ---- conv2d and flatten (lib/nn/conv2d.c, flatten.c) ---------------------
** conv2d on an HWC image: settings filters, kernel_h, kernel_w, stride,
** padding (pg_padding); blocks W (kh*kw*in_c x filters, row-major) and b
** (filters); output out_h x out_w x filters. flatten: the image as one
** vector (no settings, no parameters). */
extern const pg__layer_ops pg__conv2d_ops;
extern const pg__layer_ops pg__flatten_ops;

/* ---- the state-dependent log-std (lib/nn/log_std.c) ------------------------
** A Gaussian head's per-row log-std: dense's blocks and kernels, bounded by
** lo + (hi - lo) * (tanh(z) + 1) / 2. settings[0] = units, settings[1..2]
** the f32 bits of lo and hi (set and read with the helpers below). */
extern const pg__layer_ops pg__log_std_ops;
void pg__log_std_set_bounds(pg__layer *l, float lo, float hi);
void pg__log_std_bounds(const pg__layer *l, float *lo, float *hi);
/* The bias whose bounded output is v (moved just inside [lo, hi]). */
double pg__log_std_bias_for(const pg__layer *l, double v);

/* ---- lifetime ------------------------------------------------------------
** An optimizer retains its net; pg_net_destroy frees a net only once
** nothing retains it. */
void pg__net_retain(pg_net *net);
void pg__net_release(pg_net *net);

/* ---- concurrent writers --------------------------------------------------
** An asynchronous agent counts the threads or worker handles that write a
** net's parameters while they may run (delta +1 / -1). While the count is
** not 0 every public function that reads or writes the parameters or the
** forward buffers refuses (pg__net_check_idle: PG_ERR_BAD_STATE recorded in
** ctx, with a message saying why and what to do) instead of reading a
** torn snapshot. */
void pg__net_add_writers(pg_net *net, int delta);
pg_status pg__net_check_idle(const pg_net *net, pg_ctx *ctx, const char *fn);

/* ---- C source export (lib/nn/export.c; text primitives lib/nn/csrc.c) -----
** pg_policy_export_c writes a policy as dependency-free C99. Each layer
** kind emits its own code through ops->emit_c, called with part
**   PG__EMIT_HELPERS once per kind present (l: its first layer): file-scope
**     functions the kind's forward calls, named <prefix>_<kind>_...;
**   PG__EMIT_DATA once per layer: its parameters as static const arrays,
**     named <prefix>_l<index>_<block> (pg__csrc_floats);
**   PG__EMIT_FORWARD once per layer: statements inside the forward function
**     computing one row into the float array named y from the one named x.
** The generated code must compute exactly what ops->forward computes for
** one row, operation by operation: use <PREFIX>_FMA(a, b, c) wherever the
** library's kernel may contract a*b + c (see the generated source), and
** pg__csrc_activation for the activations. Emission cannot fail: the
** exporter checks everything before it writes. */
enum { PG__EMIT_HELPERS = 1, PG__EMIT_DATA = 2, PG__EMIT_FORWARD = 3 };
enum {
  PG__CSRC_USES_RELU = 1u, PG__CSRC_USES_TANH = 2u, PG__CSRC_USES_SIGMOID = 4u,
  PG__CSRC_USES_ARGMAX = 8u
};
struct pg__csrc {
  pg__writer *w;
  char prefix[33];           /* as given: functions and arrays */
  char upper[33];            /* upper case: macros */
  uint32_t flags;            /* pg_export_c_flag: PG_EXPORT_C_INT8 */
  /* Shared generated helpers the emitted code calls (PG__CSRC_USES_*):
  ** pg__csrc_activation sets them; a kind calling <prefix>_tanh or
  ** <prefix>_sigmoid directly sets them itself, in every part. */
  unsigned uses;
};
/* Writes formatted text (each call at most 1023 bytes). */
void pg__csrc_printf(pg__csrc *s, const char *fmt, ...) PG__PRINTF(2, 3);
/* Writes text with "$p" replaced by the prefix and "$P" by the upper-case
** prefix. */
void pg__csrc_text(pg__csrc *s, const char *text);
/* An exact C99 hexadecimal literal of the finite double v ("-0x1.8p+1"),
** the same on every machine and C library; size 40 suffices. */
void pg__csrc_hex_double(double v, char *out, size_t size);
/* static const float <prefix>_<name>[n] = { exact hexadecimal literals }; */
void pg__csrc_floats(pg__csrc *s, const char *name, const float *v, size_t n);
/* With PG_EXPORT_C_INT8: the rows x cols matrix m (row-major) as
** static const signed char <prefix>_<name>_q[rows*cols] and one scale per
** column, static const float <prefix>_<name>_s[cols] (max |column| / 127),
** so that m[r][c] ~ q[r][c] * s[c]. */
void pg__csrc_int8_columns(pg__csrc *s, const char *name, const float *m, size_t rows,
                           size_t cols);
/* Statements applying act to the n floats of array y in place, with the
** generated tanh/sigmoid that match pg__activate bit for bit. */
void pg__csrc_activation(pg__csrc *s, pg_activation act, const char *y, size_t n);
/* Re-copies a policy's parameters from the net it was made from by
** pg_policy_from_net (the same architecture, parameters since changed):
** an agent's own acting session follows its training (lib/agents/loop.c).
** No allocation; not while a session of the policy acts. */
void pg__policy_refresh(pg_policy *policy, const pg_net *net);
/* A policy's architecture, parameters, acting head role and context
** (lib/nn/policy.c). */
const pg__netdef *pg__policy_parts(const pg_policy *p, const float **params,
                                   uint32_t *head_role, pg_ctx **ctx);
/* A policy's observation normalization: NULL when it has none, else
** dim means followed by dim scales, and *clip (lib/nn/policy.c). */
const float *pg__policy_obs_norm(const pg_policy *p, float *clip);
/* Gives a policy fresh from pg_policy_from_net, before any session exists,
** the normalization mean/scale (input-size floats each, copied) and clip > 0
** (pg_policy_from_agent). PG_ERR_NOMEM with a message. */
pg_status pg__policy_set_obs_norm(pg_policy *p, const char *fn, const float *mean,
                                  const float *scale, float clip);
/* A policy's action squash (PG_PARAM_SQUASH): NULL when it has none, else
** dim lows followed by dim highs (lib/nn/policy.c). */
const float *pg__policy_squash(const pg_policy *p);
/* Gives a policy fresh from pg_policy_from_net (Gaussian head), before any
** session exists, the squash bounds (2*action_dim floats, copied).
** PG_ERR_NOMEM with a message. */
pg_status pg__policy_set_squash(pg_policy *p, const char *fn, const float *bounds);
/* How this build's kernels round a*b + c on this machine: 0 never fused,
** 1 fused where the kernels' expressions contract (lib/nn/kernels.c). */
int pg__nn_fused_mode(void);
/* ---- LSTM (lib/nn/lstm.c) ---------------------------------------------------
** A stateful trunk layer: settings[0] = units u; blocks Wx (in x 4u), Wh
** (u x 4u), b (4u), gates in the order input, forget, cell, output; the
** forget bias starts at 1. Truncated backpropagation through time over the
** rows of the last forward; a reset cuts the gradient. */
extern const pg__layer_ops pg__lstm_ops;

#endif /* PG_NN_H */
