/*
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
** docs/ABI.md.
*/
#ifndef POLICYGRAD_H_7F3A91
#define POLICYGRAD_H_7F3A91

#include <stddef.h>
#include <stdint.h>

#define PG_VERSION_MAJOR 0
#define PG_VERSION_MINOR 1
#define PG_VERSION_PATCH 0
#define PG_VERSION_NUMBER \
  (PG_VERSION_MAJOR * 10000 + PG_VERSION_MINOR * 100 + PG_VERSION_PATCH)
#define PG_VERSION_STRING "0.1.0"

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

/*==========================================================================
** Core: status codes, version, context, allocator, random numbers
**========================================================================*/

/* Status codes. The numbers are ABI: never renumbered, never reused. */
typedef enum pg_status {
  PG_OK = 0,
  PG_ERR_INVALID_ARG = 1,  /* NULL pointer, bad size, bad enum value       */
  PG_ERR_NOMEM = 2,        /* the allocator returned NULL                   */
  PG_ERR_BAD_STATE = 3,    /* call not allowed in the handle's state        */
  PG_ERR_UNSUPPORTED = 4,  /* option or feature not available here          */
  PG_ERR_OUT_OF_RANGE = 5, /* a number outside its documented bounds        */
  PG_ERR_CALLBACK = 6,     /* a host callback returned non-zero             */
  PG_ERR_NUMERIC = 7,      /* NaN or Inf in input, or a diverging update    */
  PG_ERR_IO = 8,           /* a file could not be read or written           */
  PG_ERR_FORMAT = 9,       /* a checkpoint is corrupt or not ours           */
  PG_ERR_VERSION = 10,     /* a newer format or an incompatible header      */
  PG_ERR_SHAPE = 11,       /* sizes that do not match the handle's shapes   */
  PG_ERR_THREAD = 12,      /* a thread or lock could not be created         */
  PG_ERR_INTERNAL = 99,    /* a bug in libpolicygrad: please report it      */
  PG_STATUS_FORCE_INT = 0x7fffffff
} pg_status;

/* Static English text for a status code; never NULL, even for unknown codes.
** Thread-safe. */
PG_API const char *pg_status_string(pg_status status);

/* The library's version as MAJOR*10000 + MINOR*100 + PATCH, and as the string
** "MAJOR.MINOR.PATCH". Compare with PG_VERSION_NUMBER to detect a header that
** does not match the library. Thread-safe; the string is static. */
PG_API uint32_t pg_version_number(void);
PG_API const char *pg_version_string(void);

/* A static, human-readable list of build options (compiler, SIMD flags,
** sanitizers, BLAS). Thread-safe. */
PG_API const char *pg_build_info(void);

/* The allocator hook, in the style of lua_Alloc. The library calls it for
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

/* The root handle. It owns the allocator, the last-error message and the
** default seed. Every other handle is created from a context and keeps it
** alive: pg_ctx_destroy() on a context with live handles only marks it, and
** it is freed when its last handle is destroyed (so garbage-collected
** bindings may free in any order). */
typedef struct pg_ctx pg_ctx;

/* Creates a context. alloc may be NULL for the C library's malloc/free;
** alloc_user is passed to alloc unchanged. *out is set to NULL on failure.
** Errors: PG_ERR_INVALID_ARG (out NULL), PG_ERR_NOMEM. */
PG_API pg_status pg_ctx_create(pg_alloc_fn alloc, void *alloc_user,
                               pg_ctx **out);

/* Destroys a context (see pg_ctx above for contexts with live handles). */
PG_API void pg_ctx_destroy(pg_ctx *ctx);

/* The detailed message of the last failing call on this context or on any
** handle created from it; "" after a successful pg_ctx_clear_error() or when
** nothing has failed. Owned by the context; valid until the next call that
** fails on it. Never NULL: a NULL ctx gives a static message. */
PG_API const char *pg_ctx_last_error(const pg_ctx *ctx);

/* The status of the last failing call on this context (PG_OK if none). */
PG_API pg_status pg_ctx_last_status(const pg_ctx *ctx);

/* Forgets the last error. */
PG_API void pg_ctx_clear_error(pg_ctx *ctx);

/* The default seed used by handles created from this context when no seed
** is given (initially 0). */
PG_API pg_status pg_ctx_set_seed(pg_ctx *ctx, uint64_t seed);
PG_API pg_status pg_ctx_get_seed(pg_ctx *ctx, uint64_t *out_seed);

/* Bytes the context's handles hold right now through the allocator. */
PG_API pg_status pg_ctx_memory_in_use(pg_ctx *ctx, uint64_t *out_bytes);

/* A seeded pseudo-random stream (xoshiro256**). The pair (seed, stream)
** selects the stream: streams of one seed are statistically independent, so
** worker k of an agent uses stream k. Not thread-safe: one stream per thread. */
typedef struct pg_rng pg_rng;

PG_API pg_status pg_rng_create(pg_ctx *ctx, uint64_t seed, uint64_t stream,
                               pg_rng **out);
PG_API void pg_rng_destroy(pg_rng *rng);
/* Re-seeds in place. */
PG_API pg_status pg_rng_seed(pg_rng *rng, uint64_t seed, uint64_t stream);
/* Creates an independent child stream number `stream` of this stream's
** current state; the parent is not advanced. */
PG_API pg_status pg_rng_split(const pg_rng *rng, uint64_t stream, pg_rng **out);
PG_API pg_status pg_rng_next_u64(pg_rng *rng, uint64_t *out);
/* Uniform in [0, 1). */
PG_API pg_status pg_rng_uniform(pg_rng *rng, double *out);
/* Standard normal. */
PG_API pg_status pg_rng_normal(pg_rng *rng, double *out);

/*==========================================================================
** Networks (pg_net)
**========================================================================*/
/* PG_SECTION_NN */

/*==========================================================================
** Optimizers (pg_optim)
**========================================================================*/
/* PG_SECTION_OPTIM */

/*==========================================================================
** Environments (pg_env)
**========================================================================*/
/* PG_SECTION_ENV */

/*==========================================================================
** Agents (pg_agent)
**========================================================================*/
/* PG_SECTION_AGENT */

/* PG_CDEF_END */

#ifdef __cplusplus
}
#endif

#endif /* POLICYGRAD_H_7F3A91 */
