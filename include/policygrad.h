/** @file
** libpolicygrad: policy-gradient reinforcement learning in C.
**
** This is the whole public API. Conventions that hold for every function:
**
** - Objects are opaque handles created from a pg_ctx and freed with their
**   pg_*_destroy function; destroying NULL is a harmless no-op.
** - Every function that can fail returns a pg_status. PG_OK is 0. On failure
**   the handle is left exactly as it was before the call, and a message that
**   describes the failure is available from pg_ctx_last_error() on the
**   context the handle was created from ("the context's message").
** - A context and every handle created from it may be used by one thread at
**   a time; separate contexts are independent. The library has no mutable
**   global state. Functions that start internal threads say so.
** - Output goes into caller buffers whose lengths are passed explicitly.
** - Declarations between PG_CDEF_BEGIN and PG_CDEF_END use only plain C types
**   (no macros except PG_API, no varargs, no structs by value) so that
**   Python ctypes and LuaJIT ffi.cdef can take them as they are.
**
** The ABI rules (what may change, how structs and options grow) are in
** docs/ABI.md. The HTML API reference is generated from this file's
** comments (CMake target docs, -DPG_WITH_DOXYGEN=ON): every public
** declaration has a plain-text comment that opens with a slash and two
** stars, enum values and struct members a trailing one marked with a "<".
*/
#ifndef POLICYGRAD_H_7F3A91
#define POLICYGRAD_H_7F3A91

#include <stddef.h>
#include <stdint.h>

/** The version of this header: MAJOR, MINOR and PATCH, the number
** MAJOR*10000 + MINOR*100 + PATCH and the string "MAJOR.MINOR.PATCH".
** Compare with pg_version_number() to detect a library that does not match.
** @{ */
#define PG_VERSION_MAJOR 0
#define PG_VERSION_MINOR 1
#define PG_VERSION_PATCH 0
#define PG_VERSION_NUMBER \
  (PG_VERSION_MAJOR * 10000 + PG_VERSION_MINOR * 100 + PG_VERSION_PATCH)
#define PG_VERSION_STRING "0.1.0"
/** @} */

/** @def PG_API
** Marks the exported functions: default visibility with GCC and Clang; on
** Windows dllexport when building the library (PG_BUILDING_SHARED) and
** dllimport when using the DLL (PG_USING_SHARED, set by the CMake package).
** Bindings that read this header drop it. */
#if defined(PG_BUILDING_SHARED) && defined(PG_USING_SHARED)
#error "define at most one of PG_BUILDING_SHARED and PG_USING_SHARED"
#endif
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(PG_BUILDING_SHARED)
#define PG_API __declspec(dllexport)
#elif defined(PG_USING_SHARED)
#define PG_API __declspec(dllimport)
#else
#define PG_API
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define PG_API __attribute__((visibility("default")))
#else
#define PG_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* PG_CDEF_BEGIN */

/* ======================================================================== */
/** @defgroup pg_core Core: status codes, version, context, allocator, random numbers
** @{ */

/** Status codes. The numbers are ABI: never renumbered, never reused. */
typedef enum pg_status {
  PG_OK = 0,               /**< success */
  PG_ERR_INVALID_ARG = 1,  /**< NULL pointer, bad size, bad enum value       */
  PG_ERR_NOMEM = 2,        /**< the allocator returned NULL                   */
  PG_ERR_BAD_STATE = 3,    /**< call not allowed in the handle's state        */
  PG_ERR_UNSUPPORTED = 4,  /**< option or feature not available here          */
  PG_ERR_OUT_OF_RANGE = 5, /**< a number outside its documented bounds        */
  PG_ERR_CALLBACK = 6,     /**< a host callback returned non-zero             */
  PG_ERR_NUMERIC = 7,      /**< NaN or Inf in input, or a diverging update    */
  PG_ERR_IO = 8,           /**< a file could not be read or written           */
  PG_ERR_FORMAT = 9,       /**< a checkpoint is corrupt or not ours           */
  PG_ERR_VERSION = 10,     /**< a newer format or an incompatible header      */
  PG_ERR_SHAPE = 11,       /**< sizes that do not match the handle's shapes   */
  PG_ERR_THREAD = 12,      /**< a thread or lock could not be created         */
  PG_ERR_INTERNAL = 99,    /**< a bug in libpolicygrad: please report it      */
  PG_STATUS_FORCE_INT = 0x7fffffff
} pg_status;

/** The opaque handles of every component, declared up front so that each
** section can refer to the others.
** @{ */
typedef struct pg_ctx pg_ctx;
typedef struct pg_rng pg_rng;
typedef struct pg_net pg_net;
typedef struct pg_optim pg_optim;
typedef struct pg_env pg_env;
typedef struct pg_vec_env pg_vec_env;
typedef struct pg_agent pg_agent;
/** @} */

/** Static English text for a status code; never NULL, even for unknown codes.
** Thread-safe. */
PG_API const char *pg_status_string(pg_status status);

/** The library's version as MAJOR*10000 + MINOR*100 + PATCH, and as the string
** "MAJOR.MINOR.PATCH". Compare with PG_VERSION_NUMBER to detect a header that
** does not match the library. Thread-safe; the string is static.
** @{ */
PG_API uint32_t pg_version_number(void);
PG_API const char *pg_version_string(void);
/** @} */

/** A static, human-readable list of build options (compiler, SIMD flags,
** sanitizers, BLAS). Thread-safe. */
PG_API const char *pg_build_info(void);

/** The allocator hook, in the style of lua_Alloc. The library calls it for
** every allocation it makes:
**   new_size > 0, ptr == NULL : allocate new_size bytes (old_size is 0);
**   new_size > 0, ptr != NULL : resize a block of old_size bytes;
**   new_size == 0             : free ptr (a block of old_size bytes), return NULL.
** Returning NULL for an allocation makes the calling function fail with
** PG_ERR_NOMEM and leave everything as it was. Blocks must be aligned for any
** C type (as malloc does). The hook is called on every thread the library
** uses for that context (including internal worker threads), so it must be
** thread-safe if the agents' threads are enabled. */
typedef void *(*pg_alloc_fn)(void *user, void *ptr, size_t old_size,
                             size_t new_size);

/** The root handle. It owns the allocator, the last-error message and the
** default seed. Every other handle is created from a context and keeps it
** alive: pg_ctx_destroy() on a context with live handles only marks it, and
** it is freed when its last handle is destroyed (so garbage-collected
** bindings may free in any order). */
typedef struct pg_ctx pg_ctx;

/** Creates a context. alloc may be NULL for the C library's malloc/free;
** alloc_user is passed to alloc unchanged. *out is set to NULL on failure.
** Errors: PG_ERR_INVALID_ARG (out NULL), PG_ERR_NOMEM. */
PG_API pg_status pg_ctx_create(pg_alloc_fn alloc, void *alloc_user,
                               pg_ctx **out);

/** Destroys a context (see pg_ctx above for contexts with live handles). */
PG_API void pg_ctx_destroy(pg_ctx *ctx);

/** The detailed message of the last failing call on this context or on any
** handle created from it; "" after a successful pg_ctx_clear_error() or when
** nothing has failed. Owned by the context; valid until the next call that
** fails on it. Never NULL: a NULL ctx gives a static message. */
PG_API const char *pg_ctx_last_error(const pg_ctx *ctx);

/** The status of the last failing call on this context (PG_OK if none). */
PG_API pg_status pg_ctx_last_status(const pg_ctx *ctx);

/** Forgets the last error. */
PG_API void pg_ctx_clear_error(pg_ctx *ctx);

/** The default seed used by handles created from this context when no seed
** is given (initially 0).
** @{ */
PG_API pg_status pg_ctx_set_seed(pg_ctx *ctx, uint64_t seed);
PG_API pg_status pg_ctx_get_seed(pg_ctx *ctx, uint64_t *out_seed);
/** @} */

/** Bytes the context's handles hold right now through the allocator. */
PG_API pg_status pg_ctx_memory_in_use(pg_ctx *ctx, uint64_t *out_bytes);

/** A seeded pseudo-random stream (xoshiro256**). The pair (seed, stream)
** selects the stream: streams of one seed are statistically independent, so
** worker k of an agent uses stream k. Not thread-safe: one stream per thread. */
typedef struct pg_rng pg_rng;

/** Creates the stream (seed, stream) in *out (NULL on failure). Errors:
** PG_ERR_INVALID_ARG (ctx or out NULL), PG_ERR_NOMEM. */
PG_API pg_status pg_rng_create(pg_ctx *ctx, uint64_t seed, uint64_t stream,
                               pg_rng **out);
/** Frees the stream. NULL is a no-op. */
PG_API void pg_rng_destroy(pg_rng *rng);
/** Re-seeds in place. */
PG_API pg_status pg_rng_seed(pg_rng *rng, uint64_t seed, uint64_t stream);
/** Creates an independent child stream number `stream` of this stream's
** current state; the parent is not advanced. */
PG_API pg_status pg_rng_split(const pg_rng *rng, uint64_t stream, pg_rng **out);
/** The next 64 random bits. */
PG_API pg_status pg_rng_next_u64(pg_rng *rng, uint64_t *out);
/** Uniform in [0, 1). */
PG_API pg_status pg_rng_uniform(pg_rng *rng, double *out);
/** Standard normal. */
PG_API pg_status pg_rng_normal(pg_rng *rng, double *out);

/** @} */

/* ======================================================================== */
/** @defgroup pg_nn Networks (pg_net)
** @{ */
/* PG_SECTION_NN */

/** A feed-forward network: a trunk of dense layers on a flat input of
** input_dim floats, then heads on the trunk's output. Build it with
** pg_net_create, pg_net_add_* and pg_net_finalize; finalize allocates every
** buffer for max_batch rows, after which forward, backward and optimizer
** steps never allocate. Separate policy and value towers are simply two
** nets. A net and its optimizers are used by one thread at a time. */
typedef struct pg_net pg_net;

/** Activation of a dense layer. Numbers are ABI. */
typedef enum pg_activation {
  PG_ACTIVATION_LINEAR = 0,       /**< identity */
  PG_ACTIVATION_RELU = 1,         /**< max(0, x) */
  PG_ACTIVATION_TANH = 2,         /**< tanh(x) */
  PG_ACTIVATION_SIGMOID = 3,      /**< 1 / (1 + exp(-x)) */
  PG_ACTIVATION_FORCE_INT = 0x7fffffff
} pg_activation;

/** Weight initializer (biases start at 0). The weights are multiplied by the
** layer's gain; orthogonal with gain 0.01 for a policy head and 1.0 for a
** value head is the common practice. Numbers are ABI. */
typedef enum pg_init {
  PG_INIT_GLOROT_UNIFORM = 1, /**< U(+-gain*sqrt(6/(in+out)))            */
  PG_INIT_HE_UNIFORM = 2,     /**< U(+-gain*sqrt(6/in))                  */
  PG_INIT_ORTHOGONAL = 3,     /**< gain * a random (semi-)orthogonal matrix */
  PG_INIT_FORCE_INT = 0x7fffffff
} pg_init;

/** What pg_net_get_output copies. Per-row sizes come from
** pg_net_output_size. Numbers are ABI. */
typedef enum pg_net_output {
  PG_NET_OUTPUT_LOGITS = 1,    /**< categorical head, n_actions per row     */
  PG_NET_OUTPUT_PROBS = 2,     /**< softmax, 0 where masked                 */
  PG_NET_OUTPUT_LOG_PROBS = 3, /**< log-softmax, -INFINITY where masked     */
  PG_NET_OUTPUT_ENTROPY = 4,   /**< policy entropy (nats), 1 per row        */
  PG_NET_OUTPUT_MEAN = 5,      /**< Gaussian head, action_dim per row       */
  PG_NET_OUTPUT_LOG_STD = 6,   /**< Gaussian head, action_dim (not per row; per row with a state-dependent std) */
  PG_NET_OUTPUT_VALUE = 7,     /**< value head, 1 per row                   */
  PG_NET_OUTPUT_Q = 8,         /**< Q head, n_actions per row               */
  PG_NET_OUTPUT_FORCE_INT = 0x7fffffff
} pg_net_output;

/** The loss whose gradient pg_net_backward computes over a batch of n rows
** (the rows of the last forward). Caller-filled; set struct_size to
** sizeof(pg_loss_desc). With w_i = weights[i] (1 when weights is NULL):
** @verbatim
**   L = scale * sum_i w_i * ( policy_coef  * -advantages[i] * log pi(a_i|s_i)
**                           - entropy_coef * H(pi(.|s_i))
**                           + value_coef   * (returns[i] - v(s_i))^2
**                           + q_coef       * (q_targets[i] - Q(s_i, a_i))^2 )
** @endverbatim
** e.g. scale = 1/(n_envs*t_max) for A3C's averaging. The policy terms use
** the categorical or Gaussian head. A term whose coefficient is 0 is
** skipped and its arrays may be NULL. actions holds n floats (exact integer
** indices) for a discrete head, n*action_dim for a Gaussian head; the Q
** term uses the same discrete actions. */
typedef struct pg_loss_desc {
  uint32_t struct_size;     /**< sizeof(pg_loss_desc) as compiled */
  float scale;              /**< factor on the whole loss */
  float policy_coef;        /**< weight of the policy-gradient term */
  float entropy_coef;       /**< weight of the entropy bonus */
  float value_coef;         /**< weight of the value term */
  float q_coef;             /**< weight of the Q term */
  const float *actions;     /**< the actions taken (see above) */
  const float *advantages;  /**< n: advantages of the policy term */
  const float *returns;     /**< n: value targets */
  const float *q_targets;   /**< n: targets for Q(s_i, a_i) */
  const float *weights;     /**< n per-row weights, or NULL */
} pg_loss_desc;

/** Starts a network on inputs of input_dim floats, for batches of up to
** max_batch rows; seed drives the initializers. *out is NULL on failure.
** Errors: PG_ERR_INVALID_ARG (ctx or out NULL, a size 0 or above 2^24),
** PG_ERR_NOMEM. */
PG_API pg_status pg_net_create(pg_ctx *ctx, size_t input_dim, size_t max_batch,
                               uint64_t seed, pg_net **out);

/** Destroys a net. If optimizers bound to it are alive it is freed when the
** last of them is destroyed (so bindings may free in any order). */
PG_API void pg_net_destroy(pg_net *net);

/** Appends a dense layer of `units` outputs to the trunk. Only before the
** first head and before pg_net_finalize (else PG_ERR_BAD_STATE). gain >= 0.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_OUT_OF_RANGE (gain), PG_ERR_BAD_STATE,
** PG_ERR_UNSUPPORTED (more than 32 layers and heads). */
PG_API pg_status pg_net_add_dense(pg_net *net, size_t units,
                                  pg_activation activation, pg_init init,
                                  double gain);

/** Padding of a conv2d layer. Numbers are ABI. */
typedef enum pg_padding {
  PG_PADDING_VALID = 0, /**< no padding: out = (in - kernel) / stride + 1 */
  PG_PADDING_SAME = 1,  /**< zero padding: out = ceil(in / stride); the odd
                             row/column of padding goes to the bottom/right */
  PG_PADDING_FORCE_INT = 0x7fffffff
} pg_padding;

/** Starts a network on image inputs: each row is height x width x channels
** floats, stored HWC (pixel (y, x) channel c at (y*width + x)*channels + c),
** the layout of pg_env_set_observation_image; input_dim is their product.
** Otherwise as pg_net_create (conv2d layers need such a net). *out is NULL
** on failure. Errors: PG_ERR_INVALID_ARG (ctx or out NULL, a size 0, the
** image or max_batch above 2^24 floats), PG_ERR_NOMEM. */
PG_API pg_status pg_net_create_image(pg_ctx *ctx, size_t height, size_t width,
                                     size_t channels, size_t max_batch,
                                     uint64_t seed, pg_net **out);

/** Appends a 2-D convolution to the trunk: `filters` kernels of
** kernel_h x kernel_w over all input channels, moved by `stride` in both
** directions, with `padding`, a bias per filter and `activation`. Its input
** is the image of pg_net_create_image or the previous conv2d's output
** (out_h x out_w x filters, HWC). The weights are initialised as a
** (kernel_h*kernel_w*channels) x filters matrix with `init` and gain >= 0.
** Only before the first head, a flatten or a dense layer, and before
** pg_net_finalize. Forward and backward allocate nothing (the net's
** scratch holds one image's patches). Errors: PG_ERR_INVALID_ARG (net
** NULL, input not an image, a size 0 or above its bound: filters 65536,
** kernel and stride 255; a kernel larger than the input with valid
** padding; unknown padding, activation or initializer), PG_ERR_OUT_OF_RANGE
** (gain), PG_ERR_BAD_STATE (finalized, or after a head), PG_ERR_UNSUPPORTED
** (more than 32 layers and heads). */
PG_API pg_status pg_net_add_conv2d(pg_net *net, size_t filters, size_t kernel_h,
                                   size_t kernel_w, size_t stride,
                                   pg_padding padding, pg_activation activation,
                                   pg_init init, double gain);

/** Appends a flatten layer: the trunk's image output read as one vector of
** the same floats in the same order (dense layers and heads do this
** implicitly; flatten states it in the architecture). No parameters.
** Errors: PG_ERR_INVALID_ARG (net NULL), PG_ERR_BAD_STATE (finalized, or
** after a head), PG_ERR_UNSUPPORTED (more than 32 layers and heads). */
PG_API pg_status pg_net_add_flatten(pg_net *net);

/** Appends an LSTM layer of `units` cells to the trunk (input, forget and
** output gates; the forget-gate bias starts at 1; the input weights are
** drawn by `init` times gain, the recurrent ones orthogonal). A net with
** an LSTM keeps a state (h, c) per sequence, up to max_batch sequences,
** all zero after pg_net_finalize: pg_net_forward runs one step of n
** sequences, pg_net_forward_seq several steps, pg_net_reset_state clears
** sequences, and pg_net_backward back-propagates through the steps of the
** last forward (truncated there, and cut at resets). Same rules and errors
** as pg_net_add_dense. Since 0.2.0. */
PG_API pg_status pg_net_add_lstm(pg_net *net, size_t units, pg_init init,
                                 double gain);

/** @name Heads
** Heads on the trunk's output (the input itself when the trunk is empty);
** at most one of each kind, before pg_net_finalize. Errors as for
** pg_net_add_dense.
** @{ */
/** Categorical policy over n_actions >= 2 actions: a linear layer giving
** logits, then softmax (with the optional mask of pg_net_forward). */
PG_API pg_status pg_net_add_categorical_head(pg_net *net, size_t n_actions,
                                             pg_init init, double gain);
/** Diagonal Gaussian policy over action_dim continuous dimensions: a linear
** layer giving the mean, and a learned state-independent log standard
** deviation starting at log_std_init (finite, within [-20, 5]). */
PG_API pg_status pg_net_add_gaussian_head(pg_net *net, size_t action_dim,
                                          pg_init init, double gain,
                                          double log_std_init);
/** Diagonal Gaussian policy whose spread depends on the state: a linear
** layer giving the mean, and a second linear layer on the trunk's output
** giving z, bounded smoothly per row to log-std = log_std_min +
** (log_std_max - log_std_min) * (tanh(z) + 1) / 2 (gradients follow the
** tanh; -20 <= log_std_min < log_std_max <= 5). The second layer's weights
** are drawn like the mean's (init, gain) and its bias is set so that the
** log-std starts near log_std_init (in [log_std_min, log_std_max]; moved
** just inside). PG_NET_OUTPUT_LOG_STD is then n rows of action_dim.
** Nets, policies and agents holding it are saved in format version 5
** (older libraries refuse the files); pg_policy_export_c refuses it
** (PG_ERR_UNSUPPORTED). Agents leave it out of PG_PARAM_LOG_STD_MIN/MAX
** (it is bounded here) and PG_PARAM_LOG_STD_INIT sets its bias. Errors
** as pg_net_add_gaussian_head, plus PG_ERR_OUT_OF_RANGE for the bounds
** and log_std_init. Since 0.2.0. */
PG_API pg_status pg_net_add_gaussian_head_state_std(pg_net *net, size_t action_dim,
                                                    pg_init init, double gain,
                                                    double log_std_init,
                                                    double log_std_min,
                                                    double log_std_max);
/** State value v(s): a linear layer to one output. */
PG_API pg_status pg_net_add_value_head(pg_net *net, pg_init init, double gain);
/** Q-values, one per action. */
PG_API pg_status pg_net_add_q_head(pg_net *net, size_t n_actions, pg_init init,
                                   double gain);
/** @} */

/** Allocates parameters, gradients and every work buffer, and initialises the
** parameters. Needs at least one head. Errors: PG_ERR_BAD_STATE (no head,
** already finalized), PG_ERR_NOMEM (the net stays unfinalized). */
PG_API pg_status pg_net_finalize(pg_net *net);

/** A new net with the same architecture, max_batch and parameters and zeroed
** gradients (e.g. an A3C worker's copy). Errors: PG_ERR_INVALID_ARG,
** PG_ERR_BAD_STATE (not finalized), PG_ERR_NOMEM. */
PG_API pg_status pg_net_clone(const pg_net *net, pg_net **out);

/** Sizes: floats per input row; the largest batch; the parameter count
** (gradients have as many). Errors: PG_ERR_INVALID_ARG, PG_ERR_BAD_STATE
** (param count before finalize).
** @{ */
PG_API pg_status pg_net_input_size(const pg_net *net, size_t *out);
PG_API pg_status pg_net_max_batch(const pg_net *net, size_t *out);
PG_API pg_status pg_net_param_count(const pg_net *net, size_t *out);
/** @} */

/** Floats per row of an output (for LOG_STD: its total size, or per row
** with a state-dependent std); 0 when the net has no such head. */
PG_API pg_status pg_net_output_size(const pg_net *net, pg_net_output which,
                                    size_t *out);

/** Copies parameters [offset, offset+count) to out / from in (finite values
** only). Setting parameters invalidates the last forward. Errors:
** PG_ERR_INVALID_ARG, PG_ERR_OUT_OF_RANGE (range), PG_ERR_NUMERIC (set),
** PG_ERR_BAD_STATE (not finalized).
** @{ */
PG_API pg_status pg_net_get_params(const pg_net *net, size_t offset,
                                   size_t count, float *out);
PG_API pg_status pg_net_set_params(pg_net *net, size_t offset, size_t count,
                                   const float *in);
/** @} */
/** The same for the gradient buffer.
** @{ */
PG_API pg_status pg_net_get_grads(const pg_net *net, size_t offset,
                                  size_t count, float *out);
PG_API pg_status pg_net_set_grads(pg_net *net, size_t offset, size_t count,
                                  const float *in);
/** @} */
/** theta_dst <- theta_src. The nets must have the same architecture
** (else PG_ERR_SHAPE). */
PG_API pg_status pg_net_copy_params(pg_net *dst, const pg_net *src);
/** Re-draws every parameter from the initializers with a new seed. */
PG_API pg_status pg_net_init_params(pg_net *net, uint64_t seed);
/** Sets the gradient buffer to zero (gradients accumulate otherwise). */
PG_API pg_status pg_net_zero_grads(pg_net *net);

/** Runs the net on n rows (1 <= n <= max_batch) of input_size floats, row
** after row, and keeps the activations for pg_net_backward. mask is NULL
** (all allowed) or n*n_actions bytes for the categorical head, nonzero =
** allowed, at least one allowed per row. Errors: PG_ERR_INVALID_ARG,
** PG_ERR_OUT_OF_RANGE (n), PG_ERR_NUMERIC (NaN/Inf input, or a head
** output that came out NaN/Inf: inputs too large for the parameters),
** PG_ERR_BAD_STATE (not finalized). */
PG_API pg_status pg_net_forward(pg_net *net, const float *inputs, size_t n,
                                const uint8_t *mask);

/** Runs the net over a time-major batch of n_seq sequences of `steps`
** steps each (row t*n_seq + s is step t of sequence s; steps*n_seq <=
** max_batch): each sequence starts from its recurrent state and leaves it
** updated, and pg_net_backward then back-propagates through time over the
** same rows. A net without recurrent layers computes what pg_net_forward
** computes on the rows. Same errors as pg_net_forward. One thread at a
** time per net. Since 0.2.0. */
PG_API pg_status pg_net_forward_seq(pg_net *net, const float *inputs,
                                    size_t steps, size_t n_seq,
                                    const uint8_t *mask);

/** Resets the recurrent state of sequences [first, first + count) to its
** start (zero): call it where an episode ends. A no-op for nets without
** recurrent layers. Errors: PG_ERR_INVALID_ARG (net NULL),
** PG_ERR_BAD_STATE (not finalized), PG_ERR_OUT_OF_RANGE (beyond
** max_batch). Since 0.2.0. */
PG_API pg_status pg_net_reset_state(pg_net *net, size_t first, size_t count);

/** Copies an output of the last forward (n rows of pg_net_output_size
** floats; for LOG_STD just its size, unless the std is state-dependent)
** into out, which holds out_len floats.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_SHAPE (out_len too small),
** PG_ERR_UNSUPPORTED (no such head), PG_ERR_BAD_STATE (no forward yet). */
PG_API pg_status pg_net_get_output(const pg_net *net, pg_net_output which,
                                   float *out, size_t out_len);

/** log pi(a_i|s_i) for the n rows of the last forward into out[n]; actions
** as in pg_loss_desc. Errors as pg_net_get_output, plus PG_ERR_OUT_OF_RANGE
** for an invalid or masked discrete action. */
PG_API pg_status pg_net_log_prob(const pg_net *net, const float *actions,
                                 size_t n, float *out);

/** Adds the gradient of the loss in *loss over the n rows of the last
** forward (n must equal that forward's n) to the gradient buffer, in one
** pass over the shared trunk; *out_loss (may be NULL) gets L. Inputs are
** checked first (sizes, finite values, actions valid and allowed); on error
** nothing changes. Errors: PG_ERR_INVALID_ARG, PG_ERR_VERSION (struct_size),
** PG_ERR_OUT_OF_RANGE (actions), PG_ERR_NUMERIC, PG_ERR_UNSUPPORTED (a term
** without its head), PG_ERR_BAD_STATE (no matching forward). */
PG_API pg_status pg_net_backward(pg_net *net, const pg_loss_desc *loss,
                                 size_t n, double *out_loss);

/** @} */

/* ======================================================================== */
/** @defgroup pg_optim Optimizers (pg_optim)
** @{ */
/* PG_SECTION_OPTIM */

/** An optimizer bound to one finalized net: it owns state sized to the net's
** parameter count and updates the net's parameters from its gradients.
** The net stays alive while an optimizer is bound to it. */
typedef struct pg_optim pg_optim;

/** Numbers are ABI. */
typedef enum pg_optim_kind {
  PG_OPTIM_SGD = 1,     /**< p -= lr*v, v = momentum*v + g (v = g if 0)    */
  PG_OPTIM_RMSPROP = 2, /**< s = decay*s + (1-decay)*g^2; p -= lr*g/sqrt(s+eps) */
  PG_OPTIM_ADAM = 3,    /**< bias-corrected; p -= lr*mhat/(sqrt(vhat)+eps)  */
  PG_OPTIM_KIND_FORCE_INT = 0x7fffffff
} pg_optim_kind;

/** Hyperparameters. Numbers are ABI: never renumbered. Defaults in brackets:
** LR            [0, 10]      [SGD 0.01, RMSProp 7e-4, Adam 1e-3]
** DECAY         RMSProp, [0, 1)            [0.99]
** EPSILON       RMSProp/Adam, > 0          [RMSProp 1e-5, Adam 1e-8]
** MOMENTUM      SGD, [0, 1)                [0]
** BETA1, BETA2  Adam, [0, 1)               [0.9, 0.999]
** CLIP_NORM     >= 0: clip the gradients' global L2 norm to this before each
**               step; 0 = off                                     [0] */
typedef enum pg_optim_param {
  PG_OPTIM_LR = 1,                /**< learning rate */
  PG_OPTIM_DECAY = 2,             /**< RMSProp decay */
  PG_OPTIM_EPSILON = 3,           /**< RMSProp/Adam epsilon */
  PG_OPTIM_MOMENTUM = 4,          /**< SGD momentum */
  PG_OPTIM_BETA1 = 5,
  PG_OPTIM_BETA2 = 6,
  PG_OPTIM_CLIP_NORM = 7,         /**< global gradient-norm clip; 0 = off */
  PG_OPTIM_PARAM_FORCE_INT = 0x7fffffff
} pg_optim_param;

/** Creates an optimizer of the given kind for a finalized net. Errors:
** PG_ERR_INVALID_ARG, PG_ERR_BAD_STATE (net not finalized), PG_ERR_NOMEM,
** PG_ERR_THREAD. */
PG_API pg_status pg_optim_create(pg_net *net, pg_optim_kind kind,
                                 pg_optim **out);
/** Destroys an optimizer (and its net, if the net was destroyed before and
** this was the last optimizer bound to it). NULL is a no-op. */
PG_API void pg_optim_destroy(pg_optim *optim);

/** Sets / reads a hyperparameter; may be called at any moment (e.g. to
** anneal the learning rate). Errors: PG_ERR_INVALID_ARG (unknown param,
** NULL out), PG_ERR_UNSUPPORTED (not used by this kind),
** PG_ERR_OUT_OF_RANGE (value outside the bounds above or not finite).
** @{ */
PG_API pg_status pg_optim_set_param(pg_optim *optim, pg_optim_param param,
                                    double value);
PG_API pg_status pg_optim_get_param(const pg_optim *optim,
                                    pg_optim_param param, double *out);
/** @} */

/** The parameter for a name: "lr", "decay", "epsilon", "momentum", "beta1",
** "beta2", "clip_norm". Thread-safe. Errors: PG_ERR_INVALID_ARG (NULL or
** unknown name; nothing is recorded as there is no context). */
PG_API pg_status pg_optim_param_from_name(const char *name,
                                          pg_optim_param *out);

/** One update of the net's parameters from its gradient buffer (clipped
** first when CLIP_NORM > 0; the clipping is applied to the gradient
** buffer). Gradients are not zeroed. *out_grad_norm (may be NULL) gets the
** norm before clipping. Never allocates. Errors: PG_ERR_INVALID_ARG,
** PG_ERR_NUMERIC (non-finite gradients, or a step that would make a
** parameter or one of the optimizer's statistics NaN or Inf: nothing is
** changed, not even the clipping). */
PG_API pg_status pg_optim_step(pg_optim *optim, double *out_grad_norm);

/** Forgets the optimizer's state (moments, step count). */
PG_API pg_status pg_optim_reset(pg_optim *optim);

/** @} */

/* ======================================================================== */
/** @defgroup pg_env Environments (pg_env)
** An environment (pg_env) wraps one instance of a task: either a host's own
** simulation, described by a pg_env_vtable of callbacks, or a built-in task
** (pg_env_create_builtin). The library validates every action before a
** callback sees it and every observation and reward after, keeps episode
** statistics, applies an optional step cap, and makes more instances
** through the vtable's factory (pg_env_clone, pg_vec_env_create).
** docs/ENVIRONMENTS.md is the guide.
**
** Semantics (Gymnasium's): terminated = a true terminal state (no
** bootstrap); truncated = a time limit or other outside cut (bootstrap from
** the observation returned); both may be 1. The observation returned with
** either flag is the real final one, never a reset one. After an episode
** ends, pg_env_step gives PG_ERR_BAD_STATE until pg_env_reset.
**
** Threads: each instance's callbacks are only ever called on one thread at
** a time. Different instances may be called from different threads when
** the caller asks for threads (pg_vec_env_create with n_threads > 1, or an
** agent's worker threads). Python and Lua hosts should use 1 thread.
** @{ */
/* PG_SECTION_ENV */

/** Action kinds. Numbers are ABI. */
typedef enum pg_action_kind {
  PG_ACTION_DISCRETE = 0,   /**< n choices; an action is 1 float holding the
                               integer index exactly                       */
  PG_ACTION_CONTINUOUS = 1, /**< a box of dimension d: d floats in [low,high] */
  PG_ACTION_KIND_FORCE_INT = 0x7fffffff
} pg_action_kind;

/** Callbacks. `user` is the instance's user pointer. Each returns 0 on
** success; any other value makes the calling pg_ function fail with
** PG_ERR_CALLBACK (message naming the environment and the step).
**
** reset: start an episode with this seed (derived by the library from the
**   env's seed and its reset count) and write obs_size floats into obs.
** step: apply the action (validated: a discrete action is an allowed
**   integer index in [0,n); a continuous one is finite and already clipped
**   to [low,high]), write the next observation, the reward and the flags
**   (each 0 or 1; the library has set all three to 0 before the call).
** close: release the instance (return value ignored).
** action_mask: write n_actions bytes (nonzero = allowed) for the next step;
**   called after every successful reset and step of a discrete env that
**   did not end the episode. At least one action must be allowed.
** create (factory): make instance `index` seeded with `seed`, a sibling of
**   the instance whose user pointer is passed as factory_user, and store
**   its user pointer in *instance_user.
** release: free the vtable's `shared` data (a model every instance reads)
**   once the original env and all its clones are destroyed (return value
**   ignored).
** @{ */
typedef int (*pg_env_reset_fn)(void *user, uint64_t seed, float *obs);
typedef int (*pg_env_step_fn)(void *user, const float *action, float *obs,
                              float *reward, int32_t *terminated,
                              int32_t *truncated);
typedef int (*pg_env_close_fn)(void *user);
typedef int (*pg_env_action_mask_fn)(void *user, uint8_t *mask);
typedef int (*pg_env_create_fn)(void *factory_user, int32_t index,
                                uint64_t seed, void **instance_user);
typedef int (*pg_env_release_fn)(void *shared);
/** @} */

/** The callbacks of a host environment. Set struct_size to
** sizeof(pg_env_vtable) as compiled; the library copies
** min(struct_size, its own size) bytes at creation and treats absent
** members as NULL, so members are only ever appended. reset and step are
** required; the others may be NULL. */
typedef struct pg_env_vtable {
  uint32_t struct_size;              /**< sizeof(pg_env_vtable) as compiled */
  pg_env_reset_fn reset;             /**< required */
  pg_env_step_fn step;               /**< required */
  pg_env_close_fn close;             /**< may be NULL */
  pg_env_action_mask_fn action_mask; /**< may be NULL: every action allowed */
  pg_env_create_fn create;           /**< may be NULL: no clones, one slot */
  /** Data shared by the original env and every clone (a simulator's model);
  ** the library only hands it to release. May be NULL. */
  void *shared;
  /** May be NULL. Called once, with `shared`, after the last of the
  ** original and its clones is destroyed, in whatever order and on
  ** whichever thread destroys that last one (see pg_env_create). */
  pg_env_release_fn release;
} pg_env_vtable;

/** Creates an environment on a host's callbacks. name (may be NULL: "env")
** is copied (up to 63 bytes) and used in messages. obs_size > 0 floats per
** observation (a vector; see pg_env_set_observation_image). action_kind and
** action_n: the number of choices (discrete, >= 1) or the dimension
** (continuous, >= 1; bounds default to [-1, 1]). The vtable is copied.
** Ownership: on success the env owns `user` in the sense that destroying
** the env calls vtable->close(user); on failure close is not called and
** user stays the caller's. Likewise vtable->shared: on success the env and
** its clones own it together and the last one destroyed calls
** vtable->release(shared) after its own close; on failure release is not
** called. With release set, the clones and the original may be destroyed
** on different threads (the count is atomic). The env has no step cap (see
** pg_env_set_max_episode_steps) and its seed is the context's seed.
** Errors: PG_ERR_INVALID_ARG (NULL ctx/vtable/out, missing reset or step,
** struct_size too small for them, bad kind), PG_ERR_OUT_OF_RANGE (sizes),
** PG_ERR_NOMEM. *out is NULL on failure. */
PG_API pg_status pg_env_create(pg_ctx *ctx, const pg_env_vtable *vtable,
                               void *user, const char *name,
                               int32_t obs_size, pg_action_kind action_kind,
                               int32_t action_n, pg_env **out);

/** Creates a built-in task by name (see pg_env_builtin_name and
** docs/ENVIRONMENTS.md): "ShortCorridor", "CartPole-v1",
** "CartPoleContinuous-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1",
** "Catch", "CartPolePositions-v1", "CueCorridor", "Bounce", "Dodge" (pixel
** games). A task that takes
** options reads them after a colon: "CueCorridor:length=N" (N in [1, 1000],
** 6 by default); the env's name is then the name as given. Its step cap is
** the task's time limit. Errors: PG_ERR_INVALID_ARG (NULL or unknown name,
** an option the task does not take or a bad value), PG_ERR_NOMEM. */
PG_API pg_status pg_env_create_builtin(pg_ctx *ctx, const char *name,
                                       uint64_t seed, pg_env **out);

/** Name of built-in task number index (0, 1, ...), or NULL past the end.
** Thread-safe; the strings are static. */
PG_API const char *pg_env_builtin_name(int32_t index);

/** Creates instance `index` (>= 0) of the same task through the vtable's
** create callback, seeded with seed, with the same spaces, bounds, name and
** step cap. The clone owns its user pointer (closed on destroy) and may be
** used on another thread than env, and shares env's vtable->shared (see
** pg_env_create): a failed clone leaves the count unchanged. Errors:
** PG_ERR_INVALID_ARG,
** PG_ERR_OUT_OF_RANGE (index < 0), PG_ERR_UNSUPPORTED (no create callback),
** PG_ERR_CALLBACK (create failed), PG_ERR_NOMEM. */
PG_API pg_status pg_env_clone(pg_env *env, int32_t index, uint64_t seed,
                              pg_env **out);

/** Calls close(user) (if any) and frees the env; if it was the last of an
** original and its clones, then calls release(shared) (if any). NULL is a
** no-op. */
PG_API void pg_env_destroy(pg_env *env);

/* ---- spaces and settings (setters only before the first reset) ---------- */

/** Declares the observation an h x w x c image stored HWC (row-major, channel
** fastest), for convolutional networks; h*w*c must equal the obs size.
** Errors: PG_ERR_OUT_OF_RANGE, PG_ERR_SHAPE, PG_ERR_BAD_STATE (after the
** first reset). */
PG_API pg_status pg_env_set_observation_image(pg_env *env, int32_t h,
                                              int32_t w, int32_t c);

/** Element types of an observation. Numbers are ABI. */
typedef enum pg_obs_dtype {
  PG_OBS_FLOAT32 = 0, /**< floats (the default) */
  PG_OBS_UINT8 = 1,   /**< bytes 0..255 (pixels); a float reader sees byte / 255 */
  PG_OBS_DTYPE_FORCE_INT = 0x7fffffff
} pg_obs_dtype;

/** Declares the element type of the observation (before the first reset).
** With PG_OBS_UINT8 the reset and step callbacks write obs_size bytes
** (0..255) where their `obs` argument points (cast it to uint8_t *; the
** float pointer type stays for ABI reasons), the library keeps bytes, pg_env_reset_u8 / pg_env_step_u8
** and pg_vec_env_reset_u8 / pg_vec_env_step_u8 hand them on unchanged, and
** the float functions (pg_env_reset, pg_env_step, pg_vec_env_*, the agents'
** loops) give each byte b as (float)b * (1.0f / 255.0f), the scaling of
** pg_policy_act_u8. The built-in pixel games (Catch, Bounce, Dodge) then
** draw a cell of value v as the byte v * 255 rounded (0.5 becomes 128).
** Clones and wrappers take the dtype of the env they are made from.
** Errors: PG_ERR_INVALID_ARG (unknown dtype), PG_ERR_UNSUPPORTED (a wrapper,
** or a built-in task that is not a pixel game), PG_ERR_BAD_STATE (after
** the first reset). Since 0.2.0. */
PG_API pg_status pg_env_set_observation_dtype(pg_env *env, pg_obs_dtype dtype);
/** The observation's element type (PG_OBS_FLOAT32 unless declared). */
PG_API pg_status pg_env_get_observation_dtype(const pg_env *env,
                                              pg_obs_dtype *out_dtype);

/** Bounds of a continuous action: len = the action dimension, each low[i] <
** high[i], all finite. Actions are clipped to them before step sees them.
** Errors: PG_ERR_UNSUPPORTED (discrete), PG_ERR_SHAPE, PG_ERR_NUMERIC,
** PG_ERR_OUT_OF_RANGE, PG_ERR_BAD_STATE (after the first reset). */
PG_API pg_status pg_env_set_action_bounds(pg_env *env, const float *low,
                                          const float *high, size_t len);

/** Step cap: an episode reaching max_steps steps is truncated (truncated =
** 1 on that step). 0 = no cap. May be called at any time; it applies from
** the next step. Clones and vec-env instances take the value at creation.
** @{ */
PG_API pg_status pg_env_set_max_episode_steps(pg_env *env, uint64_t max_steps);
PG_API pg_status pg_env_get_max_episode_steps(pg_env *env, uint64_t *out);
/** @} */

/** Re-seeds: the next reset starts the env's episode-seed sequence again
** (episode k gets a seed mixed from (seed, k)). Any time. */
PG_API pg_status pg_env_set_seed(pg_env *env, uint64_t seed);

/** The env's name; never NULL ("" for a NULL env). */
PG_API const char *pg_env_get_name(const pg_env *env);
/** Floats per observation. */
PG_API pg_status pg_env_get_observation_size(const pg_env *env,
                                             int32_t *out_size);
/** Image shape, or 0, 0, 0 for a plain vector observation. */
PG_API pg_status pg_env_get_observation_image(const pg_env *env,
                                              int32_t *out_h, int32_t *out_w,
                                              int32_t *out_c);
/** Kind and n (choices for discrete, dimension for continuous). Floats per
** action are 1 (discrete) or n (continuous). */
PG_API pg_status pg_env_get_action_space(const pg_env *env,
                                         pg_action_kind *out_kind,
                                         int32_t *out_n);
/** Bounds of a continuous action (len = dimension); PG_ERR_UNSUPPORTED for
** a discrete env. */
PG_API pg_status pg_env_get_action_bounds(const pg_env *env, float *low,
                                          float *high, size_t len);
/** The mask for the next step (len = n actions; all 1 without an
** action_mask callback or before the first reset). PG_ERR_UNSUPPORTED for
** a continuous env. */
PG_API pg_status pg_env_get_action_mask(const pg_env *env, uint8_t *mask,
                                        size_t len);

/* ---- stepping ------------------------------------------------------------ */

/** Starts an episode and writes its first observation (obs_len = obs size).
** Errors: PG_ERR_INVALID_ARG, PG_ERR_SHAPE, PG_ERR_CALLBACK, PG_ERR_NUMERIC
** (NaN/Inf in the observation): the env then still needs a reset. */
PG_API pg_status pg_env_reset(pg_env *env, float *obs, size_t obs_len);

/** One step: action_len floats (1 for discrete, the dimension for
** continuous) in; the next observation, the reward and both flags out.
** Errors (the message names the environment, episode and step):
** PG_ERR_BAD_STATE (no reset yet, or the episode ended), PG_ERR_SHAPE,
** PG_ERR_NUMERIC (NaN/Inf action: nothing happens; NaN/Inf observation or
** reward from the callback: the episode is abandoned and needs a reset),
** PG_ERR_OUT_OF_RANGE (discrete action not an integer in [0,n) or masked
** out: nothing happens), PG_ERR_CALLBACK (the episode is abandoned).
** Outputs are written only on success. */
PG_API pg_status pg_env_step(pg_env *env, const float *action,
                             size_t action_len, float *obs, size_t obs_len,
                             float *reward, int32_t *terminated,
                             int32_t *truncated);

/** pg_env_reset and pg_env_step for an env that declares PG_OBS_UINT8:
** obs receives obs_len = obs size bytes, as the callbacks wrote them.
** Errors: those of pg_env_reset / pg_env_step, and PG_ERR_UNSUPPORTED for
** an env with float observations (nothing happens). Since 0.2.0.
** @{ */
PG_API pg_status pg_env_reset_u8(pg_env *env, uint8_t *obs, size_t obs_len);
PG_API pg_status pg_env_step_u8(pg_env *env, const float *action,
                                size_t action_len, uint8_t *obs, size_t obs_len,
                                float *reward, int32_t *terminated,
                                int32_t *truncated);
/** @} */

/** Episode statistics (any pointer may be NULL): the running episode's
** return and length, the number of finished episodes (ended by terminated
** or truncated), and the last finished episode's return and length. */
PG_API pg_status pg_env_get_episode_stats(const pg_env *env,
                                          double *out_return,
                                          uint64_t *out_length,
                                          uint64_t *out_episodes,
                                          double *out_last_return,
                                          uint64_t *out_last_length);

/* ---- wrappers: an environment made from an environment ------------------ */

/** How pg_env_wrap_grayscale_resize resamples an image. */
typedef enum pg_resample {
  PG_RESAMPLE_AREA = 1,     /**< mean of the covered input area (downsampling) */
  PG_RESAMPLE_BILINEAR = 2, /**< bilinear, pixel centres aligned, edges repeated */
  PG_RESAMPLE_FORCE_INT = 0x7fffffff
} pg_resample;

/** Frame stacking: *out is an environment whose observation is env's last k
** observations (1 <= k <= 64), oldest first; every reset fills all k with
** the reset observation. An image h x w x c becomes h x w x (k*c) (pixel
** p's channels: frame 0's c channels, then frame 1's, ...); a vector of n
** floats becomes k*n floats. Actions, masks, bounds and rewards are env's.
** Wrappers compose (a wrapper is an env) and save nothing in checkpoints.
** Ownership: on success *out owns env (destroying *out destroys env; do
** not use, reset or destroy env afterwards); on failure env stays the
** caller's, unchanged. Each reset of *out resets env with *out's episode
** seed. With a factory on env, *out has one too: its clones wrap clones
** of env (pg_env_clone, pg_vec_env_create, several slots). Threads: as
** env. Errors: PG_ERR_INVALID_ARG (NULL env or out), PG_ERR_OUT_OF_RANGE
** (k, or k times the observation above 2^26 floats), PG_ERR_BAD_STATE (env
** already belongs to a wrapper), PG_ERR_NOMEM. */
PG_API pg_status pg_env_wrap_frame_stack(pg_env *env, int32_t k, pg_env **out);

/** Action repeat: one step of *out is up to `repeat` (1..64) steps of env
** with the same action, fewer when the episode ends or env's mask stops
** allowing the action; the reward is their sum, and the observation the
** element-wise maximum of env's last two observations (only the last after
** a single step), as Atari preprocessing does against flicker. Shapes are
** env's. Ownership, seeds, clones, threads: as pg_env_wrap_frame_stack.
** Errors: PG_ERR_INVALID_ARG (NULL env or out), PG_ERR_OUT_OF_RANGE
** (repeat), PG_ERR_BAD_STATE (env already belongs to a wrapper),
** PG_ERR_NOMEM. */
PG_API pg_status pg_env_wrap_action_repeat(pg_env *env, int32_t repeat, pg_env **out);

/** Grayscale and resize: env's image (h x w x 3 RGB, or h x w x 1) becomes
** one luminance channel, 0.299 R + 0.587 G + 0.114 B, resampled to height x
** width with `method`; *out declares the height x width x 1 image.
** Ownership, seeds, clones, threads: as pg_env_wrap_frame_stack. Errors:
** PG_ERR_INVALID_ARG (NULL env or out, unknown method), PG_ERR_SHAPE (env
** declares no image, or one with another channel count),
** PG_ERR_OUT_OF_RANGE (height or width < 1, height*width > 2^24),
** PG_ERR_BAD_STATE (env already belongs to a wrapper), PG_ERR_NOMEM. */
PG_API pg_status pg_env_wrap_grayscale_resize(pg_env *env, int32_t height,
                                              int32_t width, pg_resample method,
                                              pg_env **out);

/* ---- vectorized stepping ------------------------------------------------- */

/** n instances of env's task stepped together with same-step auto-reset.
** Instance i is pg_env_clone(env, i, seed mixed from (seed, i)); env itself
** is not used afterwards and may be destroyed. n_threads (1..n; larger
** values are reduced to n) is the number of threads stepping instances: the
** caller's plus n_threads - 1 persistent worker threads started here;
** results are identical for every n_threads. With n_threads > 1 the
** context's allocator and the env's callbacks are called on worker threads
** (one thread per instance at a time). Errors: as pg_env_clone, plus
** PG_ERR_OUT_OF_RANGE (n < 1 or n > 4096 (PG_PARAM_NUM_ENVS's bound), n
** times the observation and action floats over 2^28, n_threads < 1),
** PG_ERR_THREAD. */
PG_API pg_status pg_vec_env_create(pg_env *env, int32_t n, int32_t n_threads,
                                   uint64_t seed, pg_vec_env **out);

/** Joins the threads, destroys the instances (closing their user
** pointers). NULL is a no-op. */
PG_API void pg_vec_env_destroy(pg_vec_env *vec);

/** The number of instances n. */
PG_API pg_status pg_vec_env_get_size(const pg_vec_env *vec, int32_t *out_n);

/** Resets every instance: obs receives n rows of obs_size floats. */
PG_API pg_status pg_vec_env_reset(pg_vec_env *vec, float *obs,
                                  size_t obs_len);

/** Steps every instance: actions holds n rows of action floats; obs n rows
** of obs_size; rewards, terminated and truncated n entries. An instance
** whose episode ended is reset at once: obs gets the new episode's first
** observation, final_obs (may be NULL; n rows, only ended rows written) the
** true final one, and the flags say how it ended. No allocation.
** Errors: PG_ERR_BAD_STATE (before pg_vec_env_reset, or after a failed
** step), PG_ERR_SHAPE, PG_ERR_NUMERIC / PG_ERR_OUT_OF_RANGE (bad action:
** nothing is stepped), PG_ERR_CALLBACK / PG_ERR_NUMERIC from an instance
** (the message names the lowest failing instance; the vec env then needs
** pg_vec_env_reset). */
PG_API pg_status pg_vec_env_step(pg_vec_env *vec, const float *actions,
                                 size_t actions_len, float *obs,
                                 size_t obs_len, float *rewards,
                                 int32_t *terminated, int32_t *truncated,
                                 float *final_obs);

/** pg_vec_env_reset and pg_vec_env_step for an env that declares
** PG_OBS_UINT8: obs (and final_obs, may be NULL) hold n rows of obs size
** bytes. No allocation. Errors: as the float functions, and
** PG_ERR_UNSUPPORTED for float observations. Since 0.2.0.
** @{ */
PG_API pg_status pg_vec_env_reset_u8(pg_vec_env *vec, uint8_t *obs,
                                     size_t obs_len);
PG_API pg_status pg_vec_env_step_u8(pg_vec_env *vec, const float *actions,
                                    size_t actions_len, uint8_t *obs,
                                    size_t obs_len, float *rewards,
                                    int32_t *terminated, int32_t *truncated,
                                    uint8_t *final_obs);
/** @} */

/** Masks for the next step: n rows of n_actions bytes (discrete only). */
PG_API pg_status pg_vec_env_get_action_mask(const pg_vec_env *vec,
                                            uint8_t *masks, size_t len);

/** Episode statistics of instance index, as pg_env_get_episode_stats. */
PG_API pg_status pg_vec_env_get_episode_stats(const pg_vec_env *vec,
                                              int32_t index,
                                              double *out_return,
                                              uint64_t *out_length,
                                              uint64_t *out_episodes,
                                              double *out_last_return,
                                              uint64_t *out_last_length);

/** @} */

/* ======================================================================== */
/** @defgroup pg_agent Agents (pg_agent)
** @{ */
/* PG_SECTION_AGENT */

/** An agent: one learning algorithm with its rollout buffers, optimizer(s)
** and random stream. Networks are either built and owned by the agent
** (pg_agent_create_for_env) or supplied by the caller (pg_agent_create),
** in which case they are shared: the agent holds a reference, so the
** caller may destroy them before the agent, and the agent changes their
** parameters when it learns. The agent always owns its optimizers. */
typedef struct pg_agent pg_agent;

/** Algorithms. Numbers are ABI. */
typedef enum pg_algorithm {
  PG_ALGO_REINFORCE = 1,          /**< Monte-Carlo policy gradient            */
  PG_ALGO_REINFORCE_BASELINE = 2, /**< REINFORCE with a learned v(s) baseline */
  PG_ALGO_ACTOR_CRITIC = 3,       /**< one-step actor-critic                  */
  PG_ALGO_PAAC = 4,               /**< parallel advantage actor-critic        */
  PG_ALGO_A3C = 5,                /**< asynchronous advantage actor-critic    */
  PG_ALGO_ASYNC_ONE_STEP_Q = 6,   /**< asynchronous one-step Q-learning       */
  PG_ALGO_ASYNC_ONE_STEP_SARSA = 7, /**< asynchronous one-step Sarsa */
  PG_ALGO_ASYNC_N_STEP_Q = 8,     /**< asynchronous n-step Q-learning */
  PG_ALGO_PPO = 9,                /**< proximal policy optimization (clipped surrogate, GAE) */
  PG_ALGORITHM_FORCE_INT = 0x7fffffff
} pg_algorithm;

/** Static name of an algorithm ("reinforce", "paac", ...); never NULL. */
PG_API const char *pg_algorithm_name(pg_algorithm algorithm);

/** Hyperparameters, set with pg_agent_set_param or by name. Numbers are ABI.
** Each agent accepts the ones its algorithm uses (others give
** PG_ERR_UNSUPPORTED); bounds come from pg_agent_param_bounds. The defaults
** and bounds of every algorithm are tabled in docs/AGENTS.md. */
typedef enum pg_param {
  PG_PARAM_GAMMA = 1,             /**< discount                               */
  PG_PARAM_LR = 2,                /**< alpha_theta: policy / shared-net rate  */
  PG_PARAM_VALUE_LR = 3,          /**< alpha_w: separate value net rate       */
  PG_PARAM_ENTROPY_BETA = 4,      /**< entropy bonus weight                   */
  PG_PARAM_VALUE_COEF = 5,        /**< value-loss weight on a shared trunk    */
  PG_PARAM_CLIP_NORM = 6,         /**< global gradient-norm clip; 0 = off     */
  PG_PARAM_T_MAX = 7,             /**< steps per update segment               */
  PG_PARAM_NUM_ENVS = 8,          /**< environments stepped together (n_e)    */
  PG_PARAM_NUM_THREADS = 9,       /**< worker threads (n_w, A3C workers)      */
  PG_PARAM_SEED = 10,             /**< re-seeds the agent's random streams    */
  PG_PARAM_OPTIMIZER = 11,        /**< a pg_optim_kind value                  */
  PG_PARAM_RMSPROP_DECAY = 12,    /**< RMSProp decay */
  PG_PARAM_OPTIM_EPSILON = 13,    /**< optimizer epsilon */
  PG_PARAM_LR_ANNEAL_STEPS = 14,  /**< lr: linear decay to 0 over N steps; 0 = off */
  PG_PARAM_DETERMINISTIC = 15,    /**< 1: pg_agent_step acts greedily, no learning record */
  PG_PARAM_REPORT_INTERVAL = 16,  /**< pg_agent_train progress every N steps; 0 = every episode */
  PG_PARAM_PER_STEP_UPDATES = 17, /**< REINFORCE: 1 = one step per t as in the lecture's loop; 0 = one per episode (summed) */
  PG_PARAM_EVAL_MAX_EPISODE_STEPS = 18, /**< pg_agent_evaluate: episode cap when neither max_episode_steps nor the env sets one; 0 = none */
  PG_PARAM_EPSILON_ANNEAL_STEPS = 20, /**< async Q: epsilon 1 -> final over N */
  PG_PARAM_TARGET_INTERVAL = 21,  /**< async Q: target network refresh (steps)*/
  PG_PARAM_HOGWILD = 22,          /**< async: 1 = lock-free atomic updates    */
  PG_PARAM_MAX_EPISODE_STEPS = 23, /**< train/evaluate step cap; 0 = env's own */
  PG_PARAM_GAE_LAMBDA = 24,       /**< GAE lambda of the advantages; 1 = n-step returns */
  PG_PARAM_PPO_EPOCHS = 25,       /**< PPO: passes over each rollout */
  PG_PARAM_MINIBATCHES = 26,      /**< PPO: shuffled minibatches per pass */
  PG_PARAM_CLIP_RANGE = 27,       /**< PPO: surrogate clip epsilon of the ratio */
  PG_PARAM_VALUE_CLIP = 28,       /**< PPO: value change clip around the acting-time value; 0 = off */
  PG_PARAM_TARGET_KL = 29,        /**< PPO: stop the update's passes above this approximate KL; 0 = off */
  PG_PARAM_NORM_ADVANTAGES = 30,  /**< PPO: 1 = advantages normalized per minibatch to mean 0, std 1 */
  PG_PARAM_NORM_REWARD = 31,      /**< PPO: 1 = rewards scaled by the running std of the discounted return */
  PG_PARAM_NORM_OBS = 32,         /**< PPO, PAAC: 1 = observations normalized by their running mean and std (saved, exported with the policy) */
  PG_PARAM_OBS_CLIP = 33,         /**< PPO, PAAC: normalized observations clipped to [-obs_clip, obs_clip] */
  PG_PARAM_LOG_STD_INIT = 34,     /**< PPO, PAAC, Gaussian policies: setting it writes every log-std parameter of the head (the spread restarts there) */
  PG_PARAM_LOG_STD_MIN = 35,      /**< PPO, PAAC, Gaussian policies: lower bound of the log-std parameters, enforced after every optimizer step */
  PG_PARAM_LOG_STD_MAX = 36,      /**< PPO, PAAC, Gaussian policies: upper bound of the log-std parameters (an entropy bonus cannot widen the spread past it) */
  PG_PARAM_SQUASH = 37,           /**< PPO, PAAC, Gaussian policies: 1 = actions tanh-squashed into the action bounds, log-probability corrected (saved, exported with the policy) */
  PG_PARAM_FORCE_INT = 0x7fffffff
} pg_param;

/** Name <-> number for bindings and config files ("gamma", "lr", ...).
** pg_param_name returns NULL for an unknown value.
** @{ */
PG_API pg_status pg_param_from_name(const char *name, pg_param *out);
PG_API const char *pg_param_name(pg_param param);
/** @} */

/** The bounds of a parameter for an algorithm, without an agent (like
** ZSTD_cParam_getBounds): the values pg_agent_set_param accepts on an
** agent of that algorithm (an integer parameter also needs an integer).
** Thread-safe, no allocation, no context (so no message): returns
** PG_ERR_INVALID_ARG for an unknown algorithm or parameter or a NULL
** pointer, PG_ERR_UNSUPPORTED when the algorithm does not use the
** parameter. Since 0.2.0. */
PG_API pg_status pg_param_get_bounds(pg_algorithm algorithm, pg_param param,
                                     double *out_low, double *out_high);
/** The value a new agent of the algorithm starts with (for PG_PARAM_SEED:
** 0, a new agent takes its context's seed). Defaults that follow other
** parameters (optim_epsilon follows optimizer, PAAC's lr follows num_envs)
** are given for the other parameters' defaults. Thread-safe, no context;
** errors as pg_param_get_bounds. Since 0.2.0. */
PG_API pg_status pg_param_get_default(pg_algorithm algorithm, pg_param param,
                                      double *out_value);
/** The component a parameter configures: "returns", "loss", "optimizer",
** "rollout", "loop", "agent" or "exploration" (static text, docs/AGENTS.md),
** or NULL for an unknown parameter. Thread-safe. Since 0.2.0. */
PG_API const char *pg_param_component(pg_param param);

/** Statistics read with pg_agent_get_stat (in progress callbacks, or any
** time). Numbers are ABI. */
typedef enum pg_stat {
  PG_STAT_EPISODES = 1,           /**< finished episodes                      */
  PG_STAT_LAST_RETURN = 2,        /**< undiscounted return of the last one    */
  PG_STAT_LAST_LENGTH = 3,        /**< its length in steps */
  PG_STAT_MEAN_RETURN_100 = 4,    /**< mean return of the last <=100 episodes */
  PG_STAT_TOTAL_STEPS = 5,        /**< environment steps learned from         */
  PG_STAT_UPDATES = 6,            /**< parameter updates                      */
  PG_STAT_STEPS_PER_SECOND = 7,   /**< during the current pg_agent_train      */
  PG_STAT_POLICY_LOSS = 8,        /**< of the last update                     */
  PG_STAT_VALUE_LOSS = 9,         /**< of the last update */
  PG_STAT_ENTROPY = 10,           /**< mean policy entropy of the last update */
  PG_STAT_ELAPSED_SECONDS = 11,   /**< wall time of the current pg_agent_train*/
  PG_STAT_LEARNING_RATE = 12,     /**< current (annealed) policy rate         */
  PG_STAT_FORCE_INT = 0x7fffffff
} pg_stat;

/** Creates an agent with networks it builds and owns, sized for env's spaces:
** hidden_layers dense layers of hidden_units (ReLU, orthogonal init) as a
** trunk with the heads the algorithm needs: a separate value network of
** the same shape for REINFORCE with baseline and one-step actor-critic (the
** lecture's theta and w), a value head on the shared trunk for PAAC.
** Buffers hold 512 rows (larger batches are processed in chunks). env is
** only read for its spaces; it is not kept.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_OUT_OF_RANGE, PG_ERR_UNSUPPORTED
** (algorithm/space combination), PG_ERR_NOMEM. */
PG_API pg_status pg_agent_create_for_env(pg_ctx *ctx, pg_algorithm algorithm,
                                         const pg_env *env,
                                         int32_t hidden_units,
                                         int32_t hidden_layers,
                                         pg_agent **out);

/** As pg_agent_create_for_env, with a recurrent trunk: hidden_layers dense
** ReLU layers of hidden_units (0 layers: none), then an LSTM of lstm_units
** (pg_net_add_lstm), then one net with the policy and value heads (the
** state is the trunk's, so A3C gets no separate value net here). Only the
** recurrent algorithms, PG_ALGO_PAAC (one state per environment slot) and
** PG_ALGO_A3C (A3C-LSTM, a state per worker). The net holds 1024 rows:
** recurrent PAAC needs 2 * num_envs * t_max + num_envs of them (32
** environments: t_max <= 15). The agent owns its net; env is only read for
** its spaces. Errors: PG_ERR_INVALID_ARG (NULL arguments, unknown
** algorithm), PG_ERR_OUT_OF_RANGE (hidden_layers not in [0, 8],
** hidden_units or lstm_units not in [1, 4096]), PG_ERR_UNSUPPORTED (an
** algorithm that trains no recurrent net, or the action space),
** PG_ERR_NOMEM. Since 0.2.0. */
PG_API pg_status pg_agent_create_for_env_lstm(pg_ctx *ctx, pg_algorithm algorithm,
                                              const pg_env *env, int32_t hidden_units,
                                              int32_t hidden_layers, int32_t lstm_units,
                                              pg_agent **out);

/** Convolutional trunks that pg_agent_create_for_env_trunk builds for an
** environment's image observation (ReLU, He-uniform weights, then one
** dense ReLU layer; kernels k x k with stride s written k/s). Numbers are
** ABI. */
typedef enum pg_trunk {
  PG_TRUNK_NIPS = 1,   /**< A3C's "nips" net: 16 8/4, 32 4/2 (valid), dense 256 */
  PG_TRUNK_NATURE = 2, /**< DQN's "nature" net: 32 8/4, 64 4/2, 64 3/1 (valid), dense 512 */
  PG_TRUNK_SMALL = 3,  /**< for 10x10 .. 20x20 grids: 16 3/1, 32 3/2 (same padding), dense 128 */
  PG_TRUNK_FORCE_INT = 0x7fffffff
} pg_trunk;

/** The preset's name ("nips", "nature", "small"), or NULL for an unknown
** value. Static storage; thread-safe. */
PG_API const char *pg_trunk_name(pg_trunk trunk);

/** As pg_agent_create_for_env, with the trunk `trunk` built on env's image
** observation (pg_env_set_observation_image; the built-in Catch declares
** 10 x 5 x 1) in place of the dense layers: every net the algorithm needs
** (policy, value, shared or separate, or Q) gets that trunk and its own
** heads; A3C gets one net with the policy and the value head on the trunk
** (the layout of Mnih et al.'s conv nets). The agent owns its nets.
** Errors: PG_ERR_INVALID_ARG (NULL
** arguments, unknown trunk or algorithm), PG_ERR_SHAPE (env declares no
** image, or the image is too small for the trunk's kernels, e.g. nips and
** nature need at least 36 x 36), PG_ERR_UNSUPPORTED, PG_ERR_NOMEM. */
PG_API pg_status pg_agent_create_for_env_trunk(pg_ctx *ctx, pg_algorithm algorithm,
                                               const pg_env *env, pg_trunk trunk,
                                               pg_agent **out);

/** As pg_agent_create_for_env, with the caller's net as the architecture:
** the agent builds and owns new nets with template_net's input shape (flat
** or an image) and trunk layers (kinds and settings; its heads, parameters
** and max_batch are not used), adds the heads the algorithm needs for
** env's spaces (as pg_agent_create_for_env_trunk: A3C on an image input
** gets one net with both heads), and draws fresh weights from the
** context's seed.
** template_net (finalized or not, of the same context) is only read during
** the call; the caller still owns it. A template with an LSTM (e.g. conv
** layers, dense 256, LSTM 256: A3C-LSTM on images) gives a recurrent
** agent as pg_agent_create_for_env_lstm does (PAAC or A3C, one net with
** both heads, 1024 rows). Errors: PG_ERR_INVALID_ARG (NULL
** arguments, another context, unknown algorithm), PG_ERR_SHAPE (the
** template's input size is not env's observation size),
** PG_ERR_UNSUPPORTED, PG_ERR_NOMEM. */
PG_API pg_status pg_agent_create_from_template(pg_ctx *ctx, pg_algorithm algorithm,
                                               const pg_env *env,
                                               const pg_net *template_net,
                                               pg_agent **out);

/** Creates an agent on caller-built networks (shared, see pg_agent).
** net carries the policy head (categorical or Gaussian), or Q-values for
** the async Q algorithms; the value estimate comes from value_net's value
** head if value_net is not NULL, else from a value head on net.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_SHAPE (heads missing or mismatched),
** PG_ERR_NOMEM. */
PG_API pg_status pg_agent_create(pg_ctx *ctx, pg_algorithm algorithm,
                                 pg_net *net, pg_net *value_net,
                                 pg_agent **out);

/** Destroys the agent and what it owns (joins its threads). NULL is a no-op. */
PG_API void pg_agent_destroy(pg_agent *agent);

/** Sets a hyperparameter (docs/AGENTS.md has each algorithm's parameters,
** defaults and bounds). Structural ones (t_max, num_envs, optimizer) only
** while no step awaits pg_agent_report. Errors: PG_ERR_INVALID_ARG
** (unknown param), PG_ERR_UNSUPPORTED (not used by this algorithm),
** PG_ERR_OUT_OF_RANGE (outside pg_agent_param_bounds, or not an integer
** for an integer parameter), PG_ERR_NUMERIC (NaN), PG_ERR_BAD_STATE. */
PG_API pg_status pg_agent_set_param(pg_agent *agent, pg_param param,
                                    double value);
/** Reads a hyperparameter's current value. Errors as pg_agent_set_param. */
PG_API pg_status pg_agent_get_param(pg_agent *agent, pg_param param,
                                    double *out_value);
/** pg_agent_set_param with the parameter's name ("gamma", "lr", ...); an
** unknown name gives PG_ERR_INVALID_ARG with a message listing the names
** this algorithm takes. */
PG_API pg_status pg_agent_set_param_by_name(pg_agent *agent, const char *name,
                                            double value);
/** The bounds [*out_low, *out_high] of a parameter for this algorithm. */
PG_API pg_status pg_agent_param_bounds(pg_agent *agent, pg_param param,
                                       double *out_low, double *out_high);
/** Reads a statistic (any time; see pg_stat). Errors: PG_ERR_INVALID_ARG
** (unknown stat, NULL out_value). */
PG_API pg_status pg_agent_get_stat(pg_agent *agent, pg_stat stat,
                                   double *out_value);

/** The agent's networks: which = 0 for the policy (or Q) network, 1 for the
** separate value network (PG_ERR_UNSUPPORTED if there is none). The handle
** stays owned by whoever owned it. */
PG_API pg_status pg_agent_get_net(pg_agent *agent, int32_t which,
                                  pg_net **out_net);

/** Gradient-reduce hook of an agent's apply point (docs/ARCHITECTURE.md,
** step 7): called on the thread that runs the update, once per gradient
** block and update, in block order (block 0 = the policy or shared net,
** block 1 = the separate value net when there is one; n_blocks is 1 or 2),
** when the block's n gradients are complete and before they are clipped
** and applied. It may rewrite grads in place (sum or average them across
** processes: policygrad_mpi.h does so with MPI_Allreduce). It must not call
** back into the agent. Return PG_OK, or another status to skip the update
** (the parameters stay as they were; pg_agent_update then fails with the
** message "the gradient reduction failed").
** @param user the pointer given to pg_agent_set_grad_reduce
** @param block index of this block, 0 .. n_blocks - 1
** @param n_blocks number of gradient blocks of the agent
** @param grads the block's gradients, n floats, owned by the agent
** @param n number of floats in grads
** @return PG_OK to apply the update, another status to skip it */
typedef pg_status (*pg_grad_reduce_fn)(void *user, int32_t block, int32_t n_blocks,
                                       float *grads, size_t n);

/** Installs (fn not NULL) or removes (fn NULL) the agent's gradient-reduce
** hook; user is passed to fn and stays owned by the caller (it must outlive
** the agent's updates). Threading: call it while the agent is not
** updating (not from its callbacks). Synchronous algorithms only: the
** asynchronous ones (PG_ALGO_A3C and later) update shared parameters from
** several threads and give PG_ERR_UNSUPPORTED, as do worker handles.
** @param agent the agent
** @param fn the hook, or NULL for none (one process, the default)
** @param user passed to fn
** @return PG_OK; PG_ERR_INVALID_ARG (agent NULL), PG_ERR_UNSUPPORTED */
PG_API pg_status pg_agent_set_grad_reduce(pg_agent *agent, pg_grad_reduce_fn fn,
                                          void *user);

/* ---- host-driven loop -------------------------------------------------- */

/** The host-driven loop. Per frame: pg_agent_step -> apply the actions in your simulation ->
** pg_agent_report -> pg_agent_update. All arrays hold one row per
** environment slot (n = PG_PARAM_NUM_ENVS slots, 1 by default), and every
** length is the exact number of elements passed: a length that differs
** from what the agent expects gives PG_ERR_SHAPE (the message names the
** argument, the expected and the given length) and leaves the agent as it
** was. pg_agent_get_shape gives the sizes.
**
** pg_agent_step: obs is obs_len = n*obs_size floats; mask is NULL (then
** mask_len is ignored, pass 0) or mask_len = n*n_actions bytes (nonzero =
** allowed; discrete policies only); actions receives actions_len =
** n*action_len floats (a discrete action is its index as a float;
** action_len is 1 for discrete spaces). Samples when training, acts
** greedily when PG_PARAM_DETERMINISTIC is 1. PG_ERR_BAD_STATE if the
** previous step was not reported, or an update is due and pg_agent_update
** has not been called. PG_ERR_NUMERIC for a NaN/Inf observation or when
** an output (probabilities, mean, value, Q-values, the action or its
** log-probability) comes out NaN/Inf; PG_ERR_NOMEM from the set-up of the
** first step after a structural change. Every failure leaves the agent as
** it was (no step pending, random stream unchanged). */
PG_API pg_status pg_agent_step(pg_agent *agent, const float *obs,
                               size_t obs_len, const uint8_t *mask,
                               size_t mask_len, float *actions,
                               size_t actions_len);

/** Reports the outcome of the last pg_agent_step: rewards, terminated and
** truncated flags, n of each (n = the number of slots), and next_obs
** (next_obs_len = n*obs_size floats): the observation after the action;
** for an ended episode the true final observation (truncated episodes
** bootstrap from it). A slot whose episode ended starts a new episode at
** its next pg_agent_step. Everything is checked before anything is
** used: a NaN/Inf reward or observation (PG_ERR_NUMERIC), a flag not 0/1
** (PG_ERR_INVALID_ARG), a wrong length (PG_ERR_SHAPE) or PG_ERR_NOMEM
** consumes nothing, and the step still awaits its report: report it again
** with corrected values. */
PG_API pg_status pg_agent_report(pg_agent *agent, const float *rewards,
                                 const int32_t *terminated,
                                 const int32_t *truncated, size_t n,
                                 const float *next_obs, size_t next_obs_len);

/** pg_agent_step and pg_agent_report on byte observations (obs_len and
** next_obs_len = n*obs_size bytes): each byte b is learned and acted on as
** (float)b * (1.0f / 255.0f), what an env of PG_OBS_UINT8 gives a float
** reader, so a byte host trains exactly as a float host of the same
** values; observation normalization (PG_PARAM_NORM_OBS) applies after that
** scaling. Steps and reports of either kind may be mixed. The agent keeps
** its rollout in floats; the first byte call for a number of slots
** allocates the scaled rows (PG_ERR_NOMEM, nothing changed), later calls
** allocate nothing. Errors, threads and ownership: as pg_agent_step /
** pg_agent_report. Since 0.2.0.
** @{ */
PG_API pg_status pg_agent_step_u8(pg_agent *agent, const uint8_t *obs,
                                  size_t obs_len, const uint8_t *mask,
                                  size_t mask_len, float *actions,
                                  size_t actions_len);
PG_API pg_status pg_agent_report_u8(pg_agent *agent, const float *rewards,
                                    const int32_t *terminated,
                                    const int32_t *truncated, size_t n,
                                    const uint8_t *next_obs,
                                    size_t next_obs_len);
/** @} */

/** Learns if the algorithm's update point has been reached (episode end for
** REINFORCE, every step for one-step actor-critic, every t_max steps for
** PAAC); *out_updated (may be NULL) is set to 1 if it did, else 0. A
** diverging update (NaN/Inf gradients, or a step that would make a
** parameter or an optimizer statistic NaN/Inf) gives PG_ERR_NUMERIC and
** leaves the parameters and the optimizers as they were. */
PG_API pg_status pg_agent_update(pg_agent *agent, int32_t *out_updated);

/** Recurrent agents (a net with an LSTM, PG_ALGO_PAAC): resets the state
** of one slot, for a host that restarts that slot's episode without
** reporting its end (a reported terminated or truncated step resets it
** already). A no-op for feed-forward nets. Writes only the agent; one
** thread at a time per agent. Errors: PG_ERR_INVALID_ARG (agent NULL),
** PG_ERR_OUT_OF_RANGE (slot >= the number of slots). Since 0.2.0. */
PG_API pg_status pg_agent_reset_state(pg_agent *agent, size_t slot);

/** Acts on one observation without recording anything (inference):
** deterministic = 1 for argmax / Gaussian mean. Lengths as for one slot of
** pg_agent_step: obs_len = obs_size, mask NULL or mask_len = n_actions,
** action_len = the action length; others give PG_ERR_SHAPE. An agent with
** a recurrent (LSTM) net keeps one state for pg_agent_act, its own (apart
** from the slots' of pg_agent_step, which acting leaves as they are):
** carried from one call to the next, zero at the agent's creation, reset
** with pg_agent_reset_act_state at the start of each episode. It acts with
** the current parameters (a copy made at each call, into memory the first
** call allocates: PG_ERR_NOMEM there); one thread at a time per agent. The
** act state is not saved in checkpoints. A NaN/Inf output (probabilities,
** mean, Q-values or the action, as in pg_agent_step) gives PG_ERR_NUMERIC
** with the agent's stream unchanged. */
PG_API pg_status pg_agent_act(pg_agent *agent, const float *obs,
                              size_t obs_len, const uint8_t *mask,
                              size_t mask_len, int32_t deterministic,
                              float *action, size_t action_len);

/** Recurrent agents: starts a new episode for pg_agent_act (its state back
** to zero; the slots' states are not touched). A no-op for feed-forward
** nets and before the first pg_agent_act. Writes only the agent; one
** thread at a time per agent. Errors: PG_ERR_INVALID_ARG (agent NULL).
** Since 0.2.0. */
PG_API pg_status pg_agent_reset_act_state(pg_agent *agent);

/** The sizes of the host-driven calls, to size their buffers: floats per
** observation; floats per action (1 for discrete policies, the dimension
** for Gaussian ones); mask length per slot = number of discrete actions
** (0 for a continuous policy); and the number of slots the next
** pg_agent_step takes (PG_PARAM_NUM_ENVS; it changes when that parameter
** is set). Any output pointer may be NULL. */
PG_API pg_status pg_agent_get_shape(pg_agent *agent, size_t *out_obs_size,
                                    size_t *out_action_len,
                                    size_t *out_n_actions,
                                    size_t *out_n_slots);

/* ---- asynchronous workers (A3C and the async Q methods) ---------------- */

/** Creates a worker handle of an asynchronous agent (PG_ALGO_A3C and the
** async Q algorithms) for a host that runs its own threads, each with its
** own simulation: drive each worker with pg_agent_step / pg_agent_report /
** pg_agent_update on one thread; the environment is yours, so its
** callbacks only run on that thread. A worker shares the parent's
** parameters theta, optimizer statistics, global step counter and target
** network, and owns its theta' (re-read from theta after each of its
** updates), segment buffers and random stream (seed, worker index).
** Workers of one agent may run concurrently (docs/ASYNC.md).
** Threading: create and destroy workers (pg_agent_destroy) on the thread
** that owns the parent; a parent destroyed before its workers is freed
** with its last worker. While workers are alive the parent refuses to
** learn or act, and everything that reads theta, which workers write:
** pg_agent_train, pg_agent_step, pg_agent_report, pg_agent_act,
** pg_agent_evaluate, pg_policy_from_agent, saving, and the pg_net_* calls
** on its nets give PG_ERR_BAD_STATE (as during a threaded pg_agent_train,
** its progress callback included).
** Parameters: taken from the parent at creation (set them on the parent;
** the worker's own set/get give PG_ERR_UNSUPPORTED). Statistics: a
** worker's are its own; the parent's include every worker's once the
** worker is destroyed. pg_agent_get_net(worker, 0) is its theta'.
** Errors: a worker records its messages in its own buffer, never in the
** shared context (so workers never race on it): read them with
** pg_agent_last_error(worker). Errors here: PG_ERR_INVALID_ARG (worker
** passed as parent), PG_ERR_UNSUPPORTED (not an async algorithm),
** PG_ERR_BAD_STATE (training, or a step awaits its report), PG_ERR_NOMEM,
** PG_ERR_THREAD. */
PG_API pg_status pg_agent_create_worker(pg_agent *agent,
                                        pg_agent **out_worker);

/** The message of the last failed call on this agent handle: a worker's
** own message buffer for worker handles, else pg_ctx_last_error of the
** agent's context. Never NULL; "" if none; owned by the handle. */
PG_API const char *pg_agent_last_error(const pg_agent *agent);

/* ---- library-driven loop -------------------------------------------- */

/** Progress callback: return 0 to continue, non-zero to stop training.
** Read figures with pg_agent_get_stat(agent, ...). Called on the thread that
** called pg_agent_train. */
typedef int (*pg_progress_fn)(void *user, pg_agent *agent);

/** Trains on env (instances for several slots or workers are made with the
** environment's factory) for max_steps environment steps, or until
** progress returns non-zero (progress may be NULL). Runs internal threads
** when PG_PARAM_NUM_THREADS > 1. Errors from the environment stop training
** with their status; the agent stays usable. */
PG_API pg_status pg_agent_train(pg_agent *agent, pg_env *env,
                                int64_t max_steps, pg_progress_fn progress,
                                void *user);

/** Plays `episodes` episodes on env without learning and writes the mean and
** standard deviation of their undiscounted returns (either pointer may be
** NULL). deterministic = 1 for greedy actions. Episodes end at the step cap
** PG_PARAM_MAX_EPISODE_STEPS, else at env's own, else at
** PG_PARAM_EVAL_MAX_EPISODE_STEPS (default 100000; 0 = none, and then an
** episode that never terminates never returns); a capped episode counts
** with the return it reached. */
PG_API pg_status pg_agent_evaluate(pg_agent *agent, pg_env *env,
                                   int32_t episodes, int32_t deterministic,
                                   double *out_mean, double *out_std);

/* ---- training logs (CSV) --------------------------------------------- */

/** A sink for training-log lines (docs/AGENTS.md, "Training logs").
**
** Called with one CSV line: `line` holds `len` bytes ending in a newline and is
** NUL-terminated after them; it belongs to the agent and is valid only
** during the call. The first line is the header, the others are rows.
** Return 0 to continue; non-zero stops pg_agent_train, which then returns
** PG_ERR_CALLBACK (or makes pg_agent_set_log_callback fail for the header).
** Called on the thread that called pg_agent_train or
** pg_agent_set_log_callback, never on a library thread. */
typedef int (*pg_log_fn)(void *user, const char *line, size_t len);

/** Sends the agent's training log to a callback.
**
** The header line is passed to `fn` during this call; then pg_agent_train
** passes one row per progress report (the PG_PARAM_REPORT_INTERVAL cadence,
** whether or not a progress callback was given), before calling the
** progress callback. Columns, in this order: steps, episodes,
** mean_return_100, last_return, policy_loss, value_loss, entropy,
** learning_rate, steps_per_second, wall_seconds: the figures of
** pg_agent_get_stat at that moment, numbers with '.' as the decimal point
** whatever the locale ("%.9g"). A field is empty where a figure does not
** apply: returns before the first finished episode, losses and entropy
** before the first update, value_loss for REINFORCE without baseline,
** policy_loss and entropy for the async Q methods (whose TD loss is
** value_loss).
**
** fn NULL turns logging off. Replaces a log set before (closing its file).
** Ownership: `user` is borrowed and must stay valid while the log is set.
** Threading: as any call on the agent. A worker handle
** (pg_agent_create_worker) does not train: set the log on its parent,
** whose rows count every worker's steps and episodes. The log is not part
** of agent checkpoints.
** Errors (the agent's log is then as before): PG_ERR_INVALID_ARG (agent
** NULL), PG_ERR_UNSUPPORTED (a worker handle), PG_ERR_BAD_STATE (called
** from a callback of a pg_agent_train that is logging), PG_ERR_CALLBACK
** (fn returned non-zero for the header), PG_ERR_NOMEM. */
PG_API pg_status pg_agent_set_log_callback(pg_agent *agent, pg_log_fn fn,
                                           void *user);

/** Writes the agent's training log to a CSV file.
**
** The file is created or truncated and its header line written during
** this call; pg_agent_train then appends one row per progress report
** (columns as for pg_agent_set_log_callback). Each line is handed to the
** operating system as it is written (no buffering in the process), so the
** rows written survive a crash of the program. Several pg_agent_train
** calls append to the same file. The file is closed when logging is turned
** off (path NULL), replaced, or the agent is destroyed.
** A failed write stops pg_agent_train with PG_ERR_IO (the message names
** the path and the system's reason).
** Threading, workers and errors as for pg_agent_set_log_callback, and:
** PG_ERR_INVALID_ARG (path empty), PG_ERR_IO (the file cannot be created
** or written: the message names the path and the reason). */
PG_API pg_status pg_agent_set_log_file(pg_agent *agent, const char *path);

/** @} */

/* ======================================================================== */
/** @defgroup pg_io Persistence and inference (pg_*_save / pg_*_load / pg_policy)
** Checkpoints use one portable binary format (docs/FORMAT.md): a header with
** magic "PGCK" and a format version, then sections with their lengths and a
** CRC-32 each; every field is little-endian, floats are stored as their
** IEEE-754 bits, so a file written on one machine loads on any other.
** Loading never trusts a length field: a truncated, corrupt, foreign or
** absurd file gives PG_ERR_FORMAT, a newer format PG_ERR_VERSION, and the
** output handle stays NULL; nothing leaks.
**
** Saving to a path writes a temporary file in the same folder, flushes it
** to disk (fsync) and renames it over the path, so a crash or a failed
** write leaves the previous file intact. The new file keeps the mode of the
** file it replaces (a new one gets 0666 less the umask). A path that is a
** symbolic link is followed to the file it names, which is replaced (the
** link stays a link); a loop of links gives PG_ERR_IO.
** @{ */
/* PG_SECTION_IO */

/** A sink for checkpoint bytes (engines with their own file systems): called
** several times per save with consecutive pieces; return 0 to continue,
** non-zero to abort the save (the save then returns PG_ERR_CALLBACK). */
typedef int (*pg_write_fn)(void *user, const void *data, size_t size);

/** Saves a finalized net (architecture, max_batch, seed, parameters; not
** gradients or optimizer state) to a file (atomically, see above), to a
** callback, or to memory. pg_net_save_memory: with buf NULL it only sets
** *out_size to the bytes needed and returns PG_OK; with buf not NULL and
** capacity < the size needed it sets *out_size, writes nothing and returns
** PG_ERR_SHAPE; otherwise it writes *out_size bytes. The net is only read.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_BAD_STATE (not finalized), PG_ERR_IO
** (file), PG_ERR_CALLBACK, PG_ERR_NOMEM (file: the temporary name).
** @{ */
PG_API pg_status pg_net_save_file(const pg_net *net, const char *path);
PG_API pg_status pg_net_save_cb(const pg_net *net, pg_write_fn write,
                                void *user);
PG_API pg_status pg_net_save_memory(const pg_net *net, void *buf,
                                    size_t capacity, size_t *out_size);
/** @} */

/** Loads a net saved by pg_net_save_* into a new finalized handle *out (NULL
** on failure), with zeroed gradients. data is only read during the call.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_IO, PG_ERR_FORMAT, PG_ERR_VERSION,
** PG_ERR_NOMEM.
** @{ */
PG_API pg_status pg_net_load_file(pg_ctx *ctx, const char *path,
                                  pg_net **out);
PG_API pg_status pg_net_load_memory(pg_ctx *ctx, const void *data,
                                    size_t size, pg_net **out);
/** @} */

/** Saves a whole agent (kind "agent", docs/FORMAT.md): its network(s),
** optimizer state, every parameter (and which ones the caller set), step,
** episode and update counters, the last-100-returns window, the random
** stream and the algorithm, so that a loaded agent continues training
** exactly where this one stopped (same later updates for the same
** environment sequence). Allowed between steps (no pg_agent_step awaiting
** pg_agent_report, no update due: call pg_agent_update first). Partial
** episodes and rollout segments are not saved: the loaded agent starts a
** new episode in every slot (pg_agent_train does so anyway). Borrowed nets
** are saved like owned ones. The agent is only read; do not train it on
** another thread meanwhile. pg_agent_save_memory follows the size-query
** rules of pg_net_save_memory.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_BAD_STATE, PG_ERR_UNSUPPORTED (the
** asynchronous algorithms, PG_ALGO_A3C and later), PG_ERR_IO, PG_ERR_CALLBACK,
** PG_ERR_SHAPE (capacity), PG_ERR_NOMEM (file: the temporary name).
** @{ */
PG_API pg_status pg_agent_save_file(const pg_agent *agent, const char *path);
PG_API pg_status pg_agent_save_cb(const pg_agent *agent, pg_write_fn write,
                                  void *user);
PG_API pg_status pg_agent_save_memory(const pg_agent *agent, void *buf,
                                      size_t capacity, size_t *out_size);
/** @} */

/** Loads an agent saved by pg_agent_save_* into a new agent *out (NULL on
** failure) that owns new networks built from the file. The first
** pg_agent_step or pg_agent_train after loading allocates the rollout
** buffers. data is only read during the call.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_IO, PG_ERR_FORMAT (also a net or
** policy checkpoint, mismatched shapes or out-of-bounds parameters inside
** the file), PG_ERR_VERSION, PG_ERR_UNSUPPORTED (an algorithm this build
** cannot load), PG_ERR_NOMEM.
** @{ */
PG_API pg_status pg_agent_load_file(pg_ctx *ctx, const char *path,
                                    pg_agent **out);
PG_API pg_status pg_agent_load_memory(pg_ctx *ctx, const void *data,
                                      size_t size, pg_agent **out);
/** @} */

/* ---- inference ---------------------------------------------------------- */

/** A pg_policy is the acting part of a trained network (its trunk and its
** policy head: categorical, Gaussian, or Q-values acted on greedily),
** without gradients or training state. It is immutable once made, so any
** number of threads may act with it at once, each through its own
** pg_policy_session: the session holds the activations and the random
** stream, so acting allocates nothing and shares nothing mutable.
** Typical game use (docs/DEPLOYMENT.md): load the policy once, create one
** session per thread that acts (on the loading thread, or under the
** caller's lock), then call pg_policy_act from those threads freely. */
typedef struct pg_policy pg_policy;
/** A per-thread acting workspace of a pg_policy (pg_policy_session_create). */
typedef struct pg_policy_session pg_policy_session;

/** A policy from a finalized net's current parameters (copied: later
** training does not change it). Errors: PG_ERR_INVALID_ARG,
** PG_ERR_BAD_STATE (not finalized), PG_ERR_UNSUPPORTED (no categorical,
** Gaussian or Q head), PG_ERR_NOMEM. */
PG_API pg_status pg_policy_from_net(const pg_net *net, pg_policy **out);

/** A policy from an agent's policy network (copied, as pg_policy_from_net):
** its deterministic actions equal pg_agent_act(agent, ..., 1, ...). An
** agent with PG_PARAM_NORM_OBS = 1 gives the policy its observation
** normalization as it stands (mean, scale, clip; frozen from then on), which
** the policy's sessions, files and C export apply.
** The agent is only read; not while it trains on another thread. Errors:
** PG_ERR_INVALID_ARG, PG_ERR_UNSUPPORTED, PG_ERR_NOMEM. */
PG_API pg_status pg_policy_from_agent(const pg_agent *agent, pg_policy **out);

/** Loads a policy from a policy checkpoint (pg_policy_save_*) or a net
** checkpoint (pg_net_save_*). Errors as pg_net_load_*, plus
** PG_ERR_UNSUPPORTED (a net without a policy or Q head).
** @{ */
PG_API pg_status pg_policy_load_file(pg_ctx *ctx, const char *path,
                                     pg_policy **out);
PG_API pg_status pg_policy_load_memory(pg_ctx *ctx, const void *data,
                                       size_t size, pg_policy **out);
/** @} */

/** Saves a policy checkpoint (smaller than the net's: no value head, no
** training fields); same rules and errors as pg_net_save_*.
** @{ */
PG_API pg_status pg_policy_save_file(const pg_policy *policy,
                                     const char *path);
PG_API pg_status pg_policy_save_cb(const pg_policy *policy, pg_write_fn write,
                                   void *user);
PG_API pg_status pg_policy_save_memory(const pg_policy *policy, void *buf,
                                       size_t capacity, size_t *out_size);
/** @} */

/** Frees the policy once its last session is destroyed. NULL is a no-op. */
PG_API void pg_policy_destroy(pg_policy *policy);

/** Shapes: floats per observation; floats per action (1 for discrete
** policies, the dimension for Gaussian ones); mask length = number of
** discrete actions (0 for a Gaussian policy); action_kind is a
** pg_action_kind value. Any output pointer may be NULL. Thread-safe. */
PG_API pg_status pg_policy_get_shape(const pg_policy *policy,
                                     size_t *out_obs_size,
                                     size_t *out_action_size,
                                     size_t *out_n_actions,
                                     int32_t *out_action_kind);

/** A per-thread acting workspace with its own random stream (seed, stream
** 0). Retains the policy. Create sessions from one thread at a time (they
** record errors in the context); use each from one thread at a time.
** Errors: PG_ERR_INVALID_ARG, PG_ERR_NOMEM. */
PG_API pg_status pg_policy_session_create(pg_policy *policy, uint64_t seed,
                                          pg_policy_session **out);
/** Destroys a session and releases its policy. NULL is a no-op. */
PG_API void pg_policy_session_destroy(pg_policy_session *session);
/** Starts a new episode: the state of the policy's recurrent layers (LSTM)
** goes back to zero in this session (a session carries it from one
** pg_policy_act to the next). A no-op for feed-forward policies. Only the
** session is written. Errors: PG_ERR_INVALID_ARG (session NULL). Since
** 0.2.0. */
PG_API pg_status pg_policy_session_reset(pg_policy_session *session);
/** Re-seeds the session's stream: (seed, stream) as for pg_rng. */
PG_API pg_status pg_policy_session_seed(pg_policy_session *session,
                                        uint64_t seed, uint64_t stream);

/** One action for one observation (obs_len = observation size): sampled
** from the policy with the session's stream, or with deterministic = 1 the
** argmax of the logits (or Q-values) / the Gaussian mean. mask is NULL or
** mask_len = n_actions bytes (nonzero = allowed, at least one allowed;
** discrete policies only). action receives the action size floats (a
** discrete action is its index as a float); action_len >= that size.
** Never allocates. Safe to call concurrently on different sessions of one
** policy. Errors go to the session (pg_policy_session_last_error), not to
** the context: PG_ERR_INVALID_ARG, PG_ERR_SHAPE (lengths), PG_ERR_NUMERIC
** (NaN/Inf observation, or an output that came out NaN/Inf: the session's
** stream and recurrent state are then as before the call),
** PG_ERR_UNSUPPORTED (sampling from a Q policy). */
PG_API pg_status pg_policy_act(pg_policy_session *session, const float *obs,
                               size_t obs_len, const uint8_t *mask,
                               size_t mask_len, int32_t deterministic,
                               float *action, size_t action_len);

/** As pg_policy_act for an observation of obs_len = observation size bytes
** (a uint8 image as a game renders it): each byte b is fed as b / 255, so
** a policy trained on observations in [0, 1] acts on the screen's bytes
** directly. The session converts into its own buffer (allocated with the
** session: never allocates here). Threads and errors as pg_policy_act
** (PG_ERR_SHAPE names the byte count). */
PG_API pg_status pg_policy_act_u8(pg_policy_session *session,
                                  const uint8_t *obs, size_t obs_len,
                                  const uint8_t *mask, size_t mask_len,
                                  int32_t deterministic, float *action,
                                  size_t action_len);

/** The message of the session's last failed pg_policy_act ("" if none);
** owned by the session. Never NULL. */
PG_API const char *pg_policy_session_last_error(
    const pg_policy_session *session);

/* ---- export as C source -------------------------------------------------- */

/** Which text pg_policy_export_c_cb writes (docs/DEPLOYMENT.md). */
typedef enum pg_export_c_part {
  /** The header: sizes, return codes and the act prototypes. */
  PG_EXPORT_C_HEADER = 1,
  /** The source: weights, helpers and the act functions; it includes
  ** "prefix.h". */
  PG_EXPORT_C_SOURCE = 2,
  /** Both in one stb-style header: the implementation is compiled where
  ** PREFIX_IMPLEMENTATION is defined before the include. */
  PG_EXPORT_C_SINGLE = 3,
  /** Forces the enumeration to 32 bits. */
  PG_EXPORT_C_PART_FORCE_INT = 0x7fffffff
} pg_export_c_part;

/** Flags of the C export (bitwise or; 0 = exact float export). */
typedef enum pg_export_c_flag {
  /** Weights as int8 with one float scale per output unit (about a quarter
  ** of the rodata); biases stay float. Actions are then close to, not
  ** equal to, pg_policy_act's (docs/DEPLOYMENT.md gives the agreement rate
  ** and return measured on CartPole). */
  PG_EXPORT_C_INT8 = 1,
  /** Forces the enumeration to 32 bits. */
  PG_EXPORT_C_FLAG_FORCE_INT = 0x7fffffff
} pg_export_c_flag;

/** Writes the policy as dependency-free C99 source: the weights as static
** const arrays of exact hexadecimal literals, and
** `int prefix_act(obs, mask, action)` (deterministic: its action equals
** pg_policy_act's with deterministic = 1 bit for bit, see
** pg_export_c_fused_mode) and `prefix_act_sample(obs, mask, uniform,
** user, action)` with the caller's uniform random source. The generated
** code allocates nothing, has no mutable globals (thread-safe), is
** -Wall -Wextra -Wpedantic clean with GCC and clang, and compiles with
** -ffreestanding when PREFIX_NO_SAMPLING is defined. Two exports of one
** policy are byte-identical (no paths, no timestamps).
** prefix: a C identifier of 1 to 32 characters naming every generated
** symbol (macros use it in upper case: PREFIX_). header_path: the header; with
** source_path NULL it gets both parts as one stb-style header (see
** PG_EXPORT_C_SINGLE), else source_path gets the source, which includes
** the header by its file name. flags: 0, or PG_EXPORT_C_INT8 (then the
** actions are approximate). Each file is written atomically (as
** pg_net_save_file); the header is written first. The policy is only read;
** errors go to its context. Errors: PG_ERR_INVALID_ARG (prefix, paths),
** PG_ERR_UNSUPPORTED (a layer kind without a C emitter: the message names
** it), PG_ERR_NUMERIC (NaN/Inf parameters), PG_ERR_IO, PG_ERR_NOMEM. */
PG_API pg_status pg_policy_export_c(const pg_policy *policy,
                                    const char *prefix,
                                    const char *header_path,
                                    const char *source_path, uint32_t flags);

/** pg_policy_export_c to a callback: one part (a pg_export_c_part value)
** per call; the source part includes "prefix.h". Errors as
** pg_policy_export_c, plus PG_ERR_CALLBACK (write returned non-zero). */
PG_API pg_status pg_policy_export_c_cb(const pg_policy *policy,
                                       const char *prefix, int32_t part,
                                       uint32_t flags, pg_write_fn write,
                                       void *user);

/** pg_policy_export_c of the agent's policy (pg_policy_from_agent). The
** agent is only read (not while it trains on another thread); errors go to
** its context. */
PG_API pg_status pg_agent_export_c(const pg_agent *agent, const char *prefix,
                                   const char *header_path,
                                   const char *source_path, uint32_t flags);

/** The PREFIX_FUSED value with which exported code reproduces this
** library's pg_policy_act bit for bit on this machine: 0 (no fused
** multiply-add: CPUs without FMA instructions, or builds without the
** kernels' CPU dispatch) or 1 (fused where the kernels contract: CPUs with
** FMA). Thread-safe. */
PG_API int32_t pg_export_c_fused_mode(void);

/** @} */

/* PG_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif /* POLICYGRAD_H_7F3A91 */
