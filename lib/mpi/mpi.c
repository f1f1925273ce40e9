/* libpolicygrad_mpi: synchronous data-parallel training over MPI
** (policygrad_mpi.h, docs/MPI.md). Built on the public API only: the
** agent's gradient-reduce hook (pg_agent_set_grad_reduce) averages each
** update's gradients over the ranks. Every buffer is allocated at attach;
** the reduction itself allocates nothing. */
#include "policygrad_mpi.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_BLOCKS = 2, MSG_SIZE = 512 };

/* Statistics reduced over the ranks, in the order of the reduction buffer. */
static const pg_stat SUMMED[] = {PG_STAT_EPISODES, PG_STAT_TOTAL_STEPS,
                                 PG_STAT_STEPS_PER_SECOND};
static const pg_stat AVERAGED[] = {PG_STAT_LAST_RETURN, PG_STAT_LAST_LENGTH,
                                   PG_STAT_POLICY_LOSS, PG_STAT_VALUE_LOSS,
                                   PG_STAT_ENTROPY, PG_STAT_ELAPSED_SECONDS};
enum { N_SUMMED = sizeof SUMMED / sizeof SUMMED[0],
       N_AVERAGED = sizeof AVERAGED / sizeof AVERAGED[0],
       N_STATS = PG_STAT_LEARNING_RATE + 1 };

struct pg_mpi {
  pg_agent *agent;
  MPI_Comm comm; /* our duplicate of the host's communicator */
  int rank, size;
  uint32_t flags;
  int n_blocks;
  pg_net *nets[MAX_BLOCKS];
  size_t counts[MAX_BLOCKS]; /* floats per block */
  size_t total;              /* floats over all blocks */
  /* The reduction buffer: every block packed (total floats), so that one
  ** update costs one MPI_Allreduce; FIXED_ORDER gathers size * total here. */
  float *packed;
  float *gathered;
  float *scratch; /* parameters of the largest block, for hashing */
  float *pending[MAX_BLOCKS]; /* the agent's blocks of the update in progress */
  double stats[N_STATS];
  double comm_seconds;
  int64_t reductions;
  /* pg_mpi_train's progress wrapper */
  pg_progress_fn progress;
  void *progress_user;
  pg_status train_failure;
  char msg[MSG_SIZE];
};

static _Thread_local char thread_msg[MSG_SIZE];

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static pg_status fail_to(char *buf, pg_status st, const char *fmt, ...);

static pg_status fail_to(char *buf, pg_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, MSG_SIZE, fmt, ap);
  va_end(ap);
  return st;
}

const char *pg_mpi_last_error(const pg_mpi *mpi) { return mpi ? mpi->msg : thread_msg; }

/* ---- the parameters' hash ------------------------------------------------------ */

/* FNV-1a over the bytes of every block's parameters. */
static uint64_t params_hash(pg_mpi *m) {
  uint64_t h = 1469598103934665603ull;
  for (int b = 0; b < m->n_blocks; b++) {
    (void)pg_net_get_params(m->nets[b], 0, m->counts[b], m->scratch);
    const unsigned char *p = (const unsigned char *)m->scratch;
    for (size_t i = 0; i < m->counts[b] * sizeof(float); i++) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  }
  return h;
}

pg_status pg_mpi_check_params(pg_mpi *mpi) {
  if (!mpi) return PG_ERR_INVALID_ARG;
  uint64_t h = params_hash(mpi);
  /* One reduction gives both ends of the range: max(h) and max(~h) = ~min(h). */
  uint64_t mm[2] = {h, ~h};
  MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_UINT64_T, MPI_MAX, mpi->comm);
  uint64_t hi = mm[0], lo = ~mm[1];
  if (hi == lo) return PG_OK;
  return fail_to(mpi->msg, PG_ERR_BAD_STATE,
                 "pg_mpi_check_params: the parameters differ across the %d ranks after %.0f "
                 "updates (hashes from %016llx to %016llx; this rank %d: %016llx)",
                 mpi->size, mpi->stats[PG_STAT_UPDATES], (unsigned long long)lo,
                 (unsigned long long)hi, mpi->rank, (unsigned long long)h);
}

/* ---- the gradient reduction ---------------------------------------------------- */

/* Averages packed over the ranks in place: one MPI_Allreduce, or the
** gathered rows summed in rank order (PG_MPI_FIXED_ORDER). */
static void average_packed(pg_mpi *m) {
  size_t n = m->total;
  float scale = 1.0f / (float)m->size;
  if (m->flags & PG_MPI_FIXED_ORDER) {
    MPI_Allgather(m->packed, (int)n, MPI_FLOAT, m->gathered, (int)n, MPI_FLOAT, m->comm);
    for (size_t i = 0; i < n; i++) {
      float s = m->gathered[i];
      for (int r = 1; r < m->size; r++) s += m->gathered[(size_t)r * n + i];
      m->packed[i] = s * scale;
    }
  } else {
    MPI_Allreduce(MPI_IN_PLACE, m->packed, (int)n, MPI_FLOAT, MPI_SUM, m->comm);
    for (size_t i = 0; i < n; i++) m->packed[i] *= scale;
  }
}

/* The agent's hook: blocks arrive in order; the last one triggers the
** reduction of all of them (packed), whose results go back in place. The
** parameters are checked here too: at the first block of update k they
** are the result of update k-1 (pg_mpi_train checks the last one). */
static pg_status reduce_hook(void *user, int32_t block, int32_t n_blocks, float *grads,
                             size_t n) {
  pg_mpi *m = user;
  if (n_blocks != m->n_blocks || block < 0 || block >= n_blocks || n != m->counts[block])
    return fail_to(m->msg, PG_ERR_SHAPE,
                   "pg_mpi: gradient block %d of %d has %zu floats; attached with %d block(s) "
                   "(re-attach after changing the nets)", (int)block, (int)n_blocks, n,
                   m->n_blocks);
  if (block == 0 && (m->flags & PG_MPI_CHECK_PARAMS)) {
    pg_status st = pg_mpi_check_params(m);
    if (st != PG_OK) return st;
  }
  size_t off = block == 0 ? 0 : m->counts[0];
  memcpy(m->packed + off, grads, n * sizeof(float));
  m->pending[block] = grads;
  if (block + 1 < n_blocks) return PG_OK;
  double t0 = MPI_Wtime();
  average_packed(m);
  for (int b = 0, o = 0; b < n_blocks; o += (int)m->counts[b], b++)
    memcpy(m->pending[b], m->packed + o, m->counts[b] * sizeof(float));
  m->comm_seconds += MPI_Wtime() - t0;
  m->reductions++;
  return PG_OK;
}

/* ---- attach / detach ----------------------------------------------------------- */

/* Collective: the status of every rank, worst (largest) first; 0 = PG_OK. */
static pg_status agree(MPI_Comm comm, pg_status st) {
  int v = (int)st;
  MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, comm);
  return (pg_status)v;
}

/* 64-bit mix (splitmix64's finalizer). */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static void free_buffers(pg_mpi *m) {
  free(m->packed);
  free(m->gathered);
  free(m->scratch);
}

/* Re-seeds this rank's streams, then copies rank 0's parameters to every
** rank (after the seed, in case re-seeding touches the nets). */
static pg_status synchronize(pg_mpi *m) {
  double seed = 0.0, updates = 0.0;
  (void)pg_agent_get_param(m->agent, PG_PARAM_SEED, &seed);
  (void)pg_agent_get_stat(m->agent, PG_STAT_UPDATES, &updates);
  /* Rank 0 of a fresh run keeps its seed; the others (and every rank of a
  ** resumed run) draw new streams. Seeds stay below 2^53 (a double). */
  /* Every rank takes part in every broadcast, even after a failure here. */
  pg_status failed = PG_OK;
  if (m->rank != 0 || updates > 0.0) {
    uint64_t s = mix64((uint64_t)seed ^ mix64((uint64_t)m->rank + 1) ^
                       mix64((uint64_t)updates * 0x9e3779b97f4a7c15ull));
    failed = pg_agent_set_param(m->agent, PG_PARAM_SEED, (double)(s >> 11));
    if (failed != PG_OK)
      fail_to(thread_msg, failed, "pg_mpi_attach: cannot re-seed rank %d: %s", m->rank,
              pg_agent_last_error(m->agent));
  }
  for (int b = 0; b < m->n_blocks; b++) {
    (void)pg_net_get_params(m->nets[b], 0, m->counts[b], m->scratch);
    MPI_Bcast(m->scratch, (int)m->counts[b], MPI_FLOAT, 0, m->comm);
    pg_status st = pg_net_set_params(m->nets[b], 0, m->counts[b], m->scratch);
    if (st != PG_OK && failed == PG_OK)
      failed = fail_to(thread_msg, st, "pg_mpi_attach: cannot copy rank 0's parameters: %s",
                       pg_agent_last_error(m->agent));
  }
  return failed;
}

static pg_status attach_local(pg_mpi *m, pg_agent *agent) {
  m->agent = agent;
  m->n_blocks = 0;
  for (int b = 0; b < MAX_BLOCKS; b++) {
    pg_net *net = NULL;
    if (pg_agent_get_net(agent, b, &net) != PG_OK) break;
    m->nets[b] = net;
    (void)pg_net_param_count(net, &m->counts[b]);
    m->n_blocks++;
  }
  m->total = m->counts[0] + (m->n_blocks > 1 ? m->counts[1] : 0);
  if (m->total == 0 || m->total > (size_t)INT_MAX / (size_t)m->size)
    return fail_to(thread_msg, PG_ERR_OUT_OF_RANGE,
                   "pg_mpi_attach: %zu parameters over %d ranks: MPI counts are ints (at most "
                   "%d floats per rank)", m->total, m->size, INT_MAX / m->size);
  size_t biggest = m->counts[0] > m->counts[1] ? m->counts[0] : m->counts[1];
  m->packed = malloc(m->total * sizeof(float));
  m->scratch = malloc(biggest * sizeof(float));
  if (m->flags & PG_MPI_FIXED_ORDER)
    m->gathered = malloc(m->total * (size_t)m->size * sizeof(float));
  if (!m->packed || !m->scratch || ((m->flags & PG_MPI_FIXED_ORDER) && !m->gathered))
    return fail_to(thread_msg, PG_ERR_NOMEM, "pg_mpi_attach: out of memory for %zu floats",
                   m->total * (size_t)m->size);
  pg_status st = pg_agent_set_grad_reduce(agent, reduce_hook, m);
  if (st != PG_OK)
    return fail_to(thread_msg, st, "pg_mpi_attach: %s", pg_agent_last_error(agent));
  return PG_OK;
}

pg_status pg_mpi_attach(pg_agent *agent, MPI_Comm comm, uint32_t flags, pg_mpi **out) {
  static const char *fn = "pg_mpi_attach";
  if (out) *out = NULL;
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  if (!inited || finalized)
    return fail_to(thread_msg, PG_ERR_INVALID_ARG,
                   "%s: MPI is not initialized (call MPI_Init first, MPI_Finalize after)", fn);
  if (!agent || !out || comm == MPI_COMM_NULL)
    return fail_to(thread_msg, PG_ERR_INVALID_ARG, "%s: %s is NULL", fn,
                   !agent ? "agent" : !out ? "out" : "comm");
  if (flags & ~(uint32_t)(PG_MPI_CHECK_PARAMS | PG_MPI_FIXED_ORDER))
    return fail_to(thread_msg, PG_ERR_INVALID_ARG,
                   "%s: unknown flag bits 0x%x (PG_MPI_CHECK_PARAMS | PG_MPI_FIXED_ORDER)", fn,
                   (unsigned)flags);
  pg_mpi *m = calloc(1, sizeof *m);
  if (!m) return fail_to(thread_msg, PG_ERR_NOMEM, "%s: out of memory", fn);
  MPI_Comm_dup(comm, &m->comm);
  MPI_Comm_rank(m->comm, &m->rank);
  MPI_Comm_size(m->comm, &m->size);
  m->flags = flags;
  thread_msg[0] = '\0';
  pg_status st = attach_local(m, agent);
  /* Every rank must hold the same shapes before any parameter moves. */
  unsigned long long shape[2] = {(unsigned long long)m->total, (unsigned long long)m->n_blocks};
  unsigned long long hi[2] = {0, 0};
  MPI_Allreduce(shape, hi, 2, MPI_UNSIGNED_LONG_LONG, MPI_MAX, m->comm);
  if (st == PG_OK && (hi[0] != shape[0] || hi[1] != shape[1]))
    st = fail_to(thread_msg, PG_ERR_SHAPE,
                 "%s: rank %d's agent has %llu parameters in %llu block(s), another rank's "
                 "%llu in %llu: create the same agent on every rank", fn, m->rank, shape[0],
                 shape[1], hi[0], hi[1]);
  st = agree(m->comm, st);
  if (st == PG_OK) st = agree(m->comm, synchronize(m));
  if (st != PG_OK) {
    if (!thread_msg[0])
      fail_to(thread_msg, st, "%s: attaching failed on another rank (status %d)", fn, (int)st);
    (void)pg_agent_set_grad_reduce(agent, NULL, NULL);
    free_buffers(m);
    MPI_Comm_free(&m->comm);
    free(m);
    return st;
  }
  *out = m;
  return PG_OK;
}

void pg_mpi_detach(pg_mpi *mpi) {
  if (!mpi) return;
  (void)pg_agent_set_grad_reduce(mpi->agent, NULL, NULL);
  free_buffers(mpi);
  MPI_Comm_free(&mpi->comm);
  free(mpi);
}

/* ---- statistics ---------------------------------------------------------------- */

pg_status pg_mpi_reduce_stats(pg_mpi *mpi) {
  if (!mpi) return PG_ERR_INVALID_ARG;
  pg_agent *a = mpi->agent;
  double buf[N_SUMMED + N_AVERAGED + 2], v = 0.0;
  size_t k = 0;
  for (size_t i = 0; i < N_SUMMED; i++, k++) {
    (void)pg_agent_get_stat(a, SUMMED[i], &v);
    buf[k] = v;
  }
  for (size_t i = 0; i < N_AVERAGED; i++, k++) {
    (void)pg_agent_get_stat(a, AVERAGED[i], &v);
    buf[k] = v / mpi->size;
  }
  /* mean-100: sum of returns and count of this rank's last <= 100 episodes */
  double episodes = 0.0, mean100 = 0.0;
  (void)pg_agent_get_stat(a, PG_STAT_EPISODES, &episodes);
  (void)pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean100);
  double count = episodes < 100.0 ? episodes : 100.0;
  buf[k++] = mean100 * count;
  buf[k++] = count;
  MPI_Allreduce(MPI_IN_PLACE, buf, (int)k, MPI_DOUBLE, MPI_SUM, mpi->comm);
  k = 0;
  for (size_t i = 0; i < N_SUMMED; i++) mpi->stats[SUMMED[i]] = buf[k++];
  for (size_t i = 0; i < N_AVERAGED; i++) mpi->stats[AVERAGED[i]] = buf[k++];
  mpi->stats[PG_STAT_MEAN_RETURN_100] = buf[k + 1] > 0.0 ? buf[k] / buf[k + 1] : 0.0;
  (void)pg_agent_get_stat(a, PG_STAT_UPDATES, &mpi->stats[PG_STAT_UPDATES]);
  (void)pg_agent_get_stat(a, PG_STAT_LEARNING_RATE, &mpi->stats[PG_STAT_LEARNING_RATE]);
  return PG_OK;
}

pg_status pg_mpi_get_stat(const pg_mpi *mpi, pg_stat stat, double *out_value) {
  if (!mpi || !out_value) return PG_ERR_INVALID_ARG;
  if ((int)stat < 1 || (int)stat >= N_STATS) return PG_ERR_INVALID_ARG; /* no message: const */
  *out_value = mpi->stats[stat];
  return PG_OK;
}

pg_status pg_mpi_get_rank(const pg_mpi *mpi, int32_t *out_rank, int32_t *out_size) {
  if (!mpi) return PG_ERR_INVALID_ARG;
  if (out_rank) *out_rank = mpi->rank;
  if (out_size) *out_size = mpi->size;
  return PG_OK;
}

pg_status pg_mpi_get_comm_time(const pg_mpi *mpi, double *out_seconds, int64_t *out_reductions) {
  if (!mpi) return PG_ERR_INVALID_ARG;
  if (out_seconds) *out_seconds = mpi->comm_seconds;
  if (out_reductions) *out_reductions = mpi->reductions;
  return PG_OK;
}

/* ---- training ------------------------------------------------------------------ */

/* Called on every rank at the same step counts: reduce, ask the host, agree. */
static int train_progress(void *user, pg_agent *agent) {
  (void)agent;
  pg_mpi *m = user;
  (void)pg_mpi_reduce_stats(m);
  int stop = m->progress(m->progress_user, m->agent) != 0;
  MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, m->comm);
  return stop;
}

pg_status pg_mpi_train(pg_mpi *mpi, pg_env *env, int64_t max_steps, pg_progress_fn progress,
                       void *user) {
  static const char *fn = "pg_mpi_train";
  if (!mpi) return PG_ERR_INVALID_ARG;
  double every = 0.0;
  (void)pg_agent_get_param(mpi->agent, PG_PARAM_REPORT_INTERVAL, &every);
  if (progress && every <= 0.0)
    return fail_to(mpi->msg, PG_ERR_INVALID_ARG,
                   "%s: progress is called at the same step counts on every rank: set "
                   "PG_PARAM_REPORT_INTERVAL > 0 (it is 0: every episode)", fn);
  mpi->progress = progress;
  mpi->progress_user = user;
  pg_status st = pg_agent_train(mpi->agent, env, max_steps, progress ? train_progress : NULL, mpi);
  if (st != PG_OK)
    fail_to(mpi->msg, st, "%s: rank %d: %s", fn, mpi->rank, pg_agent_last_error(mpi->agent));
  (void)pg_mpi_reduce_stats(mpi);
  if (st == PG_OK && (mpi->flags & PG_MPI_CHECK_PARAMS)) st = pg_mpi_check_params(mpi);
  return st;
}

/* ---- checkpoints --------------------------------------------------------------- */

pg_status pg_mpi_save_file(pg_mpi *mpi, const char *path) {
  if (!mpi) return PG_ERR_INVALID_ARG;
  int st = PG_OK;
  if (mpi->rank == 0) {
    st = path ? pg_agent_save_file(mpi->agent, path) : PG_ERR_INVALID_ARG;
    if (st != PG_OK)
      fail_to(mpi->msg, (pg_status)st, "pg_mpi_save_file: %s",
              path ? pg_agent_last_error(mpi->agent) : "path is NULL");
  }
  MPI_Bcast(&st, 1, MPI_INT, 0, mpi->comm);
  if (st != PG_OK && mpi->rank != 0)
    fail_to(mpi->msg, (pg_status)st, "pg_mpi_save_file: rank 0 could not save (status %d)", st);
  return (pg_status)st;
}

/* Rank 0: the file's bytes in *out (malloc'd), or a status. */
static pg_status read_whole(const char *path, unsigned char **out, long *out_size) {
  FILE *f = fopen(path, "rb");
  if (!f) return fail_to(thread_msg, PG_ERR_IO, "pg_mpi_load_file: cannot open '%s'", path);
  long size = -1;
  if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  if (size < 0 || size > INT_MAX || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return fail_to(thread_msg, PG_ERR_IO, "pg_mpi_load_file: cannot size '%s'", path);
  }
  unsigned char *buf = malloc(size ? (size_t)size : 1);
  if (!buf) {
    fclose(f);
    return fail_to(thread_msg, PG_ERR_NOMEM, "pg_mpi_load_file: out of memory for '%s'", path);
  }
  size_t got = fread(buf, 1, (size_t)size, f);
  fclose(f);
  if (got != (size_t)size) {
    free(buf);
    return fail_to(thread_msg, PG_ERR_IO, "pg_mpi_load_file: short read of '%s'", path);
  }
  *out = buf;
  *out_size = size;
  return PG_OK;
}

pg_status pg_mpi_load_file(pg_ctx *ctx, MPI_Comm comm, const char *path, pg_agent **out) {
  if (out) *out = NULL;
  if (!ctx || !out || comm == MPI_COMM_NULL)
    return fail_to(thread_msg, PG_ERR_INVALID_ARG, "pg_mpi_load_file: %s is NULL",
                   !ctx ? "ctx" : !out ? "out" : "comm");
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  thread_msg[0] = '\0';
  unsigned char *buf = NULL;
  long head[2] = {PG_OK, 0}; /* status, size */
  if (rank == 0)
    head[0] = path ? read_whole(path, &buf, &head[1])
                   : fail_to(thread_msg, PG_ERR_INVALID_ARG, "pg_mpi_load_file: path is NULL");
  MPI_Bcast(head, 2, MPI_LONG, 0, comm);
  pg_status st = (pg_status)head[0];
  if (st == PG_OK && rank != 0) {
    buf = malloc(head[1] ? (size_t)head[1] : 1);
    if (!buf) st = fail_to(thread_msg, PG_ERR_NOMEM, "pg_mpi_load_file: out of memory");
  }
  st = agree(comm, st);
  if (st == PG_OK) {
    MPI_Bcast(buf, (int)head[1], MPI_UNSIGNED_CHAR, 0, comm);
    st = pg_agent_load_memory(ctx, buf, (size_t)head[1], out);
    if (st != PG_OK)
      fail_to(thread_msg, st, "pg_mpi_load_file: %s", pg_ctx_last_error(ctx));
    st = agree(comm, st);
    if (st != PG_OK && *out) {
      pg_agent_destroy(*out);
      *out = NULL;
    }
  } else if (!thread_msg[0]) {
    fail_to(thread_msg, st, "pg_mpi_load_file: failed on rank 0 (status %d)", (int)st);
  }
  free(buf);
  return st;
}
