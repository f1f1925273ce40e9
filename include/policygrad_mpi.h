/* policygrad_mpi.h: synchronous data-parallel training over MPI (docs/MPI.md).
**
** An optional component in its own library, libpolicygrad_mpi (pkg-config
** policygrad-mpi, CMake target policygrad::policygrad_mpi); the core
** library does not link MPI. The host owns MPI: it calls MPI_Init before
** and MPI_Finalize after, and passes its communicator (the library works on
** a duplicate, so its messages never mix with the host's).
**
** Every rank creates the same agent (same algorithm, nets, parameters such
** as num_envs and t_max) and its own environment, then calls
** pg_mpi_attach: rank 0's parameters are copied to every rank, each rank's
** random streams are re-seeded apart, and the agent's gradient-reduce hook
** (pg_agent_set_grad_reduce) averages each update's gradients over the
** ranks with one MPI_Allreduce into a buffer allocated at attach. Every
** rank then applies the same optimizer step, so the parameters stay
** identical. All functions marked "collective" must be called by every
** rank of the communicator, in the same order.
*/
#ifndef POLICYGRAD_MPI_H_5C2E07
#define POLICYGRAD_MPI_H_5C2E07

#include <mpi.h>

#include "policygrad.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @defgroup pg_mpi Data-parallel training over MPI (policygrad_mpi.h)
** @{ */

/** A data-parallel binding of one agent to one communicator (opaque). */
typedef struct pg_mpi pg_mpi;

/** Options of pg_mpi_attach (bits; 0 = the defaults). */
typedef enum pg_mpi_flag {
  /** Debug: after every update, check that the parameters are
  ** hash-identical on every rank (one extra small MPI_Allreduce per
  ** update); a mismatch fails the update with PG_ERR_BAD_STATE. */
  PG_MPI_CHECK_PARAMS = 1,
  /** Fixed reduction order: the gradients are gathered (MPI_Allgather) and
  ** summed on every rank in rank order 0, 1, ..., so the result is
  ** bitwise the same on every rank and equal to one process that sums the
  ** same gradients in that order. Costs size x the gradient memory and
  ** traffic; the default is one MPI_Allreduce. */
  PG_MPI_FIXED_ORDER = 2,
  /** Not a flag: keeps the enum 32 bits wide. */
  PG_MPI_FLAG_FORCE_INT = 0x7fffffff
} pg_mpi_flag;

/** Attaches agent to comm (collective). Broadcasts rank 0's parameters to
** every rank, re-seeds each rank's random streams (PG_PARAM_SEED mixed
** with the rank and the update count, so a resumed run draws new streams),
** allocates the reduction buffers and installs the agent's gradient-reduce
** hook. The agent stays owned by the caller and must outlive the binding;
** destroy the binding first (pg_mpi_detach). Threading: one thread per
** rank drives the agent and the binding.
** @param agent a synchronous agent (PAAC, actor-critic, REINFORCE...)
** @param comm the host's communicator (duplicated; the host keeps its own)
** @param flags pg_mpi_flag bits, 0 for the defaults
** @param out receives the binding; NULL on failure
** @return PG_OK; PG_ERR_INVALID_ARG (NULL agent or out, MPI not
**   initialized, unknown flag bits), PG_ERR_UNSUPPORTED (asynchronous
**   algorithm), PG_ERR_SHAPE (the ranks' agents differ in their parameter
**   counts), PG_ERR_OUT_OF_RANGE (a block over INT_MAX floats),
**   PG_ERR_NOMEM. The message: pg_mpi_last_error(NULL). */
PG_API pg_status pg_mpi_attach(pg_agent *agent, MPI_Comm comm, uint32_t flags, pg_mpi **out);

/** Removes the hook from the agent and frees the binding (collective: it
** frees the duplicated communicator). NULL is a no-op.
** @param mpi the binding, or NULL */
PG_API void pg_mpi_detach(pg_mpi *mpi);

/** pg_agent_train on every rank (collective): max_steps is per rank. The
** progress callback is called on every rank at the same points (every
** PG_PARAM_REPORT_INTERVAL steps, which must then be > 0) after the
** statistics were reduced, so pg_mpi_get_stat reads the figures of all
** ranks; training stops on every rank when it returns non-zero on any
** rank. With PG_MPI_CHECK_PARAMS the parameters are checked once more at
** the end. A rank whose environment fails stops alone and the others
** wait for it in the next reduction: call MPI_Abort on such an error.
** @param mpi the binding
** @param env this rank's environment (seeded apart from the other ranks')
** @param max_steps environment steps of this rank
** @param progress called on every rank, or NULL
** @param user passed to progress
** @return PG_OK or pg_agent_train's status; PG_ERR_INVALID_ARG (NULL
**   mpi, progress with a report interval of 0), PG_ERR_BAD_STATE (the
**   parameters differ across ranks) */
PG_API pg_status pg_mpi_train(pg_mpi *mpi, pg_env *env, int64_t max_steps,
                              pg_progress_fn progress, void *user);

/** Reduces the statistics over the ranks now (collective); pg_mpi_train
** does so before each progress call.
** @param mpi the binding
** @return PG_OK; PG_ERR_INVALID_ARG */
PG_API pg_status pg_mpi_reduce_stats(pg_mpi *mpi);

/** A statistic over all ranks, as of the last reduction: the sum over the
** ranks for PG_STAT_EPISODES, PG_STAT_TOTAL_STEPS and
** PG_STAT_STEPS_PER_SECOND; for PG_STAT_MEAN_RETURN_100 the mean over
** every rank's last <= 100 episodes (each rank's mean weighted by its
** count); the mean over the ranks for the others (losses, entropy, last
** return and length); PG_STAT_UPDATES and PG_STAT_LEARNING_RATE are the
** same on every rank. Not collective.
** @param mpi the binding
** @param stat the statistic
** @param out_value receives it
** @return PG_OK; PG_ERR_INVALID_ARG (NULL argument, unknown stat) */
PG_API pg_status pg_mpi_get_stat(const pg_mpi *mpi, pg_stat stat, double *out_value);

/** Checks now that the parameters are bitwise identical on every rank
** (collective: a 64-bit hash of every parameter block, compared with one
** MPI_Allreduce).
** @param mpi the binding
** @return PG_OK; PG_ERR_BAD_STATE when they differ (the message names the
**   hashes' range); PG_ERR_INVALID_ARG */
PG_API pg_status pg_mpi_check_params(pg_mpi *mpi);

/** Saves the agent's checkpoint from rank 0 (collective; the other ranks
** write nothing) with pg_agent_save_file; every rank returns rank 0's
** status. The parameters are identical on every rank, so the checkpoint
** resumes on any number of ranks (pg_mpi_load_file).
** @param mpi the binding
** @param path the file, significant on rank 0 only
** @return rank 0's status of pg_agent_save_file; PG_ERR_INVALID_ARG */
PG_API pg_status pg_mpi_save_file(pg_mpi *mpi, const char *path);

/** Loads an agent checkpoint on every rank (collective): rank 0 reads the
** file and broadcasts its bytes; each rank makes its own agent with
** pg_agent_load_memory. Attach it with pg_mpi_attach afterwards.
** @param ctx this rank's context
** @param comm the host's communicator
** @param path the file, significant on rank 0 only
** @param out receives the agent (owned by the caller); NULL on failure
** @return PG_OK; the status of the read on rank 0 (PG_ERR_IO) or of
**   pg_agent_load_memory; PG_ERR_INVALID_ARG; PG_ERR_NOMEM. The message:
**   pg_mpi_last_error(NULL). */
PG_API pg_status pg_mpi_load_file(pg_ctx *ctx, MPI_Comm comm, const char *path,
                                  pg_agent **out);

/** This rank and the number of ranks of the binding's communicator.
** @param mpi the binding
** @param out_rank receives the rank (may be NULL)
** @param out_size receives the number of ranks (may be NULL)
** @return PG_OK; PG_ERR_INVALID_ARG */
PG_API pg_status pg_mpi_get_rank(const pg_mpi *mpi, int32_t *out_rank, int32_t *out_size);

/** Time spent in the gradient reduction (the MPI calls and the copies
** around them) since attach, on this rank, and the number of reductions.
** @param mpi the binding
** @param out_seconds receives the seconds (may be NULL)
** @param out_reductions receives the count (may be NULL)
** @return PG_OK; PG_ERR_INVALID_ARG */
PG_API pg_status pg_mpi_get_comm_time(const pg_mpi *mpi, double *out_seconds,
                                      int64_t *out_reductions);

/** The message of the last failed call on mpi, or for mpi NULL the last
** failed pg_mpi_attach / pg_mpi_load_file of the calling thread. Never
** NULL; "" if none. Owned by the library.
** @param mpi the binding, or NULL
** @return the message */
PG_API const char *pg_mpi_last_error(const pg_mpi *mpi);

/** @} */

#ifdef __cplusplus
}
#endif
#endif /* POLICYGRAD_MPI_H_5C2E07 */
