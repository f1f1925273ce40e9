/* The MPI component under mpirun (label mpi; plain C, no Check: Check's
** fork mode does not mix with MPI). Usage: check_mpi CASE, every rank:
**   identity   PAAC and PPO on CartPole-v1 and Acrobot-v1 with PG_MPI_CHECK_PARAMS:
**              the parameters stay hash-identical after every update, the
**              ranks' seeds differ, the statistics are reduced
**   fixed      PG_MPI_FIXED_ORDER gives bitwise the parameters of one
**              process (rank 0, two threads) that sums the same gradients
**              in rank order
**   resume     rank 0 saves, the checkpoint loads on 1 rank and on all
**              ranks, training resumes with identical parameters
**   errors     argument checks and their messages
** Exit status 0 on success; a failure prints "check_mpi: rank R: ..." and
** aborts the job. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policygrad_mpi.h"

static int g_rank;

#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "check_mpi: rank %d: %s:%d: %s: ", g_rank, __FILE__, \
              __LINE__, #cond);                                            \
      fprintf(stderr, __VA_ARGS__);                                        \
      fputc('\n', stderr);                                                 \
      MPI_Abort(MPI_COMM_WORLD, 1);                                        \
    }                                                                      \
  } while (0)

#define OK(call, agent)                                                            \
  do {                                                                             \
    pg_status st_ = (call);                                                        \
    CHECK(st_ == PG_OK, "status %d: %s", (int)st_, (agent) ? pg_agent_last_error(agent) : ""); \
  } while (0)

static pg_agent *make_agent_for(pg_ctx *ctx, pg_algorithm algo, const char *task,
                                pg_env **out_env, uint64_t seed) {
  OK(pg_env_create_builtin(ctx, task, seed, out_env), NULL);
  pg_agent *a = NULL;
  OK(pg_agent_create_for_env(ctx, algo, *out_env, 32, 1, &a), NULL);
  OK(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4), a);
  OK(pg_agent_set_param(a, PG_PARAM_SEED, (double)seed), a);
  return a;
}

static pg_agent *make_agent(pg_ctx *ctx, const char *task, pg_env **out_env, uint64_t seed) {
  return make_agent_for(ctx, PG_ALGO_PAAC, task, out_env, seed);
}

static uint64_t hash_net(pg_net *net) {
  size_t n = 0;
  pg_net_param_count(net, &n);
  float *p = malloc(n * sizeof *p);
  pg_net_get_params(net, 0, n, p);
  uint64_t h = 1469598103934665603ull;
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n * sizeof *p; i++) h = (h ^ b[i]) * 1099511628211ull;
  free(p);
  return h;
}

static uint64_t hash_agent(pg_agent *a) {
  pg_net *net = NULL;
  pg_agent_get_net(a, 0, &net);
  return hash_net(net);
}

static int count_progress(void *user, pg_agent *agent) {
  (void)agent;
  ++*(int *)user;
  return 0;
}

/* ---- identity ------------------------------------------------------------------ */

static void identity_on(pg_ctx *ctx, pg_algorithm algo, const char *task, int size) {
  pg_env *env = NULL;
  /* Different initial parameters per rank: attach must copy rank 0's. */
  pg_agent *a = make_agent_for(ctx, algo, task, &env, 7 + (uint64_t)g_rank);
  OK(pg_agent_set_param(a, PG_PARAM_SEED, 7), a);
  OK(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 400), a);
  pg_mpi *m = NULL;
  pg_status st = pg_mpi_attach(a, MPI_COMM_WORLD, PG_MPI_CHECK_PARAMS, &m);
  CHECK(st == PG_OK, "%s", pg_mpi_last_error(NULL));
  double seed = 0, seeds[64];
  OK(pg_agent_get_param(a, PG_PARAM_SEED, &seed), a);
  MPI_Allgather(&seed, 1, MPI_DOUBLE, seeds, 1, MPI_DOUBLE, MPI_COMM_WORLD);
  for (int r = 0; r < size && r < 64; r++)
    for (int q = r + 1; q < size && q < 64; q++)
      CHECK(seeds[r] != seeds[q], "ranks %d and %d share the seed %.0f", r, q, seeds[r]);
  int reports = 0;
  st = pg_mpi_train(m, env, 4000, count_progress, &reports);
  CHECK(st == PG_OK, "%s", pg_mpi_last_error(m));
  CHECK(reports == 10, "%d progress reports for 4000 steps every 400", reports);
  OK(pg_mpi_check_params(m), a);
  /* the same hash computed here, compared over the ranks */
  unsigned long long h = hash_agent(a), lo = 0, hi = 0;
  MPI_Allreduce(&h, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&h, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  CHECK(lo == hi, "%s: parameter hashes differ", task);
  double steps = 0, updates = 0, local_updates = 0, comm = 0;
  int64_t reductions = 0;
  OK(pg_mpi_get_stat(m, PG_STAT_TOTAL_STEPS, &steps), a);
  OK(pg_mpi_get_stat(m, PG_STAT_UPDATES, &updates), a);
  OK(pg_agent_get_stat(a, PG_STAT_UPDATES, &local_updates), a);
  OK(pg_mpi_get_comm_time(m, &comm, &reductions), a);
  CHECK(steps == 4000.0 * size, "%s: total steps %.0f over %d ranks", task, steps, size);
  /* PAAC: one reduction per update; PPO: one per minibatch step. */
  CHECK(updates == local_updates && updates > 0 &&
            (algo == PG_ALGO_PPO ? (double)reductions >= updates : (double)reductions == updates),
        "%s %s: %.0f updates, %lld reductions", pg_algorithm_name(algo), task, updates,
        (long long)reductions);
  if (algo == PG_ALGO_PAAC)
    CHECK(updates == 4000 / (4 * 5), "%s: %.0f updates (t_max 5, 4 envs)", task, updates);
  if (g_rank == 0)
    printf("identity %s %s: %d ranks, %.0f updates, params identical, %.1f us per reduction\n",
           pg_algorithm_name(algo), task, size, updates, 1e6 * comm / (double)reductions);
  pg_mpi_detach(m);
  pg_agent_destroy(a);
  pg_env_destroy(env);
}

/* ---- fixed order vs one process ----------------------------------------------- */

enum { FIX_RANKS = 2, FIX_STEPS = 600 };

typedef struct replica {
  pthread_barrier_t barrier;
  float *grads[FIX_RANKS];
  size_t n;
} replica;

typedef struct worker {
  replica *rep;
  int index;
  pg_agent *agent;
  pg_env *env;
  pg_status st;
} worker;

/* One process summing the two "ranks'" gradients in rank order, as
** PG_MPI_FIXED_ORDER does: (g0 + g1) * (1 / 2). */
static pg_status replica_reduce(void *user, int32_t block, int32_t n_blocks, float *grads,
                                size_t n) {
  worker *w = user;
  replica *rep = w->rep;
  (void)block;
  (void)n_blocks;
  rep->grads[w->index] = grads;
  rep->n = n;
  pthread_barrier_wait(&rep->barrier);
  static float sum[1 << 16];
  if (w->index == 0) {
    float scale = 1.0f / (float)FIX_RANKS;
    for (size_t i = 0; i < n; i++) {
      float s = rep->grads[0][i];
      for (int r = 1; r < FIX_RANKS; r++) s += rep->grads[r][i];
      sum[i] = s * scale;
    }
  }
  pthread_barrier_wait(&rep->barrier);
  memcpy(grads, sum, n * sizeof(float));
  pthread_barrier_wait(&rep->barrier);
  return PG_OK;
}

static void *replica_thread(void *p) {
  worker *w = p;
  w->st = pg_agent_train(w->agent, w->env, FIX_STEPS, NULL, NULL);
  return NULL;
}

static void fixed_order(pg_ctx *ctx, int size) {
  CHECK(size == FIX_RANKS, "the fixed-order case runs on %d ranks", FIX_RANKS);
  pg_env *env = NULL;
  pg_agent *a = make_agent(ctx, "CartPole-v1", &env, 11);
  OK(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD), a);
  pg_mpi *m = NULL;
  pg_status st = pg_mpi_attach(a, MPI_COMM_WORLD, PG_MPI_FIXED_ORDER, &m);
  CHECK(st == PG_OK, "%s", pg_mpi_last_error(NULL));
  double seed = 0, seeds[FIX_RANKS];
  OK(pg_agent_get_param(a, PG_PARAM_SEED, &seed), a);
  MPI_Gather(&seed, 1, MPI_DOUBLE, seeds, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  st = pg_mpi_train(m, env, FIX_STEPS, NULL, NULL);
  CHECK(st == PG_OK, "%s", pg_mpi_last_error(m));
  OK(pg_mpi_check_params(m), a);
  uint64_t h_mpi = hash_agent(a);
  if (g_rank == 0) {
    /* The same two ranks as threads of this process. */
    replica rep;
    pthread_barrier_init(&rep.barrier, NULL, FIX_RANKS);
    worker w[FIX_RANKS];
    pthread_t t[FIX_RANKS];
    for (int r = 0; r < FIX_RANKS; r++) {
      w[r] = (worker){&rep, r, NULL, NULL, PG_OK};
      w[r].agent = make_agent(ctx, "CartPole-v1", &w[r].env, 11);
      OK(pg_agent_set_param(w[r].agent, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD), w[r].agent);
      OK(pg_agent_set_param(w[r].agent, PG_PARAM_SEED, seeds[r]), w[r].agent);
      OK(pg_agent_set_grad_reduce(w[r].agent, replica_reduce, &w[r]), w[r].agent);
    }
    for (int r = 0; r < FIX_RANKS; r++) pthread_create(&t[r], NULL, replica_thread, &w[r]);
    for (int r = 0; r < FIX_RANKS; r++) pthread_join(t[r], NULL);
    for (int r = 0; r < FIX_RANKS; r++) {
      CHECK(w[r].st == PG_OK, "replica %d: %s", r, pg_agent_last_error(w[r].agent));
      CHECK(hash_agent(w[r].agent) == h_mpi,
            "replica %d's parameters differ from the MPI run's (fixed order)", r);
      pg_agent_destroy(w[r].agent);
      pg_env_destroy(w[r].env);
    }
    pthread_barrier_destroy(&rep.barrier);
    printf("fixed order: %d ranks give bitwise the parameters of one process summing in rank "
           "order\n", size);
  }
  pg_mpi_detach(m);
  pg_agent_destroy(a);
  pg_env_destroy(env);
}

/* ---- checkpoint and resume ------------------------------------------------------ */

static void resume(pg_ctx *ctx, const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/check_mpi_resume.pgck", dir);
  pg_env *env = NULL;
  pg_agent *a = make_agent(ctx, "CartPole-v1", &env, 5);
  pg_mpi *m = NULL;
  CHECK(pg_mpi_attach(a, MPI_COMM_WORLD, PG_MPI_CHECK_PARAMS, &m) == PG_OK, "%s",
        pg_mpi_last_error(NULL));
  CHECK(pg_mpi_train(m, env, 800, NULL, NULL) == PG_OK, "%s", pg_mpi_last_error(m));
  CHECK(pg_mpi_save_file(m, path) == PG_OK, "%s", pg_mpi_last_error(m));
  uint64_t saved = hash_agent(a);
  double updates = 0;
  pg_agent_get_stat(a, PG_STAT_UPDATES, &updates);
  pg_mpi_detach(m);
  pg_agent_destroy(a);
  /* on one rank */
  MPI_Comm solo;
  MPI_Comm_split(MPI_COMM_WORLD, g_rank == 0 ? 0 : MPI_UNDEFINED, 0, &solo);
  if (g_rank == 0) {
    pg_agent *b = NULL;
    CHECK(pg_mpi_load_file(ctx, solo, path, &b) == PG_OK, "%s", pg_mpi_last_error(NULL));
    CHECK(hash_agent(b) == saved, "the checkpoint loaded on 1 rank has other parameters");
    pg_mpi *mb = NULL;
    CHECK(pg_mpi_attach(b, solo, 0, &mb) == PG_OK, "%s", pg_mpi_last_error(NULL));
    CHECK(pg_mpi_train(mb, env, 200, NULL, NULL) == PG_OK, "%s", pg_mpi_last_error(mb));
    pg_mpi_detach(mb);
    pg_agent_destroy(b);
    MPI_Comm_free(&solo);
  }
  /* on every rank: resumes with identical parameters and new streams */
  pg_agent *c = NULL;
  CHECK(pg_mpi_load_file(ctx, MPI_COMM_WORLD, path, &c) == PG_OK, "%s", pg_mpi_last_error(NULL));
  CHECK(hash_agent(c) == saved, "the checkpoint loaded on rank %d has other parameters", g_rank);
  double resumed = 0;
  pg_agent_get_stat(c, PG_STAT_UPDATES, &resumed);
  CHECK(resumed == updates, "%.0f updates after loading, %.0f saved", resumed, updates);
  pg_mpi *mc = NULL;
  CHECK(pg_mpi_attach(c, MPI_COMM_WORLD, PG_MPI_CHECK_PARAMS, &mc) == PG_OK, "%s",
        pg_mpi_last_error(NULL));
  CHECK(pg_mpi_train(mc, env, 400, NULL, NULL) == PG_OK, "%s", pg_mpi_last_error(mc));
  pg_mpi_detach(mc);
  pg_agent_destroy(c);
  /* a missing file: every rank fails with rank 0's status */
  pg_agent *d = NULL;
  pg_status st = pg_mpi_load_file(ctx, MPI_COMM_WORLD, "/nonexistent/dir/x.pgck", &d);
  CHECK(st == PG_ERR_IO && d == NULL, "status %d", (int)st);
  CHECK(strstr(pg_mpi_last_error(NULL), g_rank == 0 ? "cannot open" : "rank 0") != NULL, "%s",
        pg_mpi_last_error(NULL));
  pg_env_destroy(env);
  if (g_rank == 0) remove(path);
  if (g_rank == 0) printf("resume: saved on rank 0, resumed on 1 rank and on all ranks\n");
}

/* ---- errors --------------------------------------------------------------------- */

static void errors(pg_ctx *ctx) {
  pg_mpi *m = (pg_mpi *)&m;
  CHECK(pg_mpi_attach(NULL, MPI_COMM_WORLD, 0, &m) == PG_ERR_INVALID_ARG && m == NULL, "NULL");
  CHECK(strstr(pg_mpi_last_error(NULL), "agent is NULL"), "%s", pg_mpi_last_error(NULL));
  pg_env *env = NULL;
  pg_agent *a = make_agent(ctx, "CartPole-v1", &env, 3);
  CHECK(pg_mpi_attach(a, MPI_COMM_WORLD, 0x100, &m) == PG_ERR_INVALID_ARG, "flags");
  CHECK(strstr(pg_mpi_last_error(NULL), "unknown flag"), "%s", pg_mpi_last_error(NULL));
  CHECK(pg_mpi_attach(a, MPI_COMM_WORLD, 0, &m) == PG_OK, "%s", pg_mpi_last_error(NULL));
  OK(pg_agent_set_param(a, PG_PARAM_REPORT_INTERVAL, 0), a);
  int n = 0;
  CHECK(pg_mpi_train(m, env, 100, count_progress, &n) == PG_ERR_INVALID_ARG, "interval 0");
  CHECK(strstr(pg_mpi_last_error(m), "PG_PARAM_REPORT_INTERVAL"), "%s", pg_mpi_last_error(m));
  double v = 0;
  CHECK(pg_mpi_get_stat(m, (pg_stat)99, &v) == PG_ERR_INVALID_ARG, "stat 99");
  CHECK(pg_mpi_get_stat(NULL, PG_STAT_EPISODES, &v) == PG_ERR_INVALID_ARG, "NULL mpi");
  CHECK(pg_mpi_train(NULL, env, 1, NULL, NULL) == PG_ERR_INVALID_ARG, "NULL mpi");
  pg_mpi_detach(m);
  pg_mpi_detach(NULL);
  /* an asynchronous algorithm is refused, with every rank agreeing */
  pg_agent *q = NULL;
  OK(pg_agent_create_for_env(ctx, PG_ALGO_A3C, env, 16, 1, &q), NULL);
  CHECK(pg_mpi_attach(q, MPI_COMM_WORLD, 0, &m) == PG_ERR_UNSUPPORTED && m == NULL, "a3c");
  CHECK(strstr(pg_mpi_last_error(NULL), "asynchronous"), "%s", pg_mpi_last_error(NULL));
  pg_agent_destroy(q);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  if (g_rank == 0) printf("errors: argument checks hold\n");
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *which = argc > 1 ? argv[1] : "identity";
  pg_ctx *ctx = NULL;
  OK(pg_ctx_create(NULL, NULL, &ctx), NULL);
  if (!strcmp(which, "identity")) {
    identity_on(ctx, PG_ALGO_PAAC, "CartPole-v1", size);
    identity_on(ctx, PG_ALGO_PAAC, "Acrobot-v1", size);
    identity_on(ctx, PG_ALGO_PPO, "CartPole-v1", size);
    identity_on(ctx, PG_ALGO_PPO, "Acrobot-v1", size);
  } else if (!strcmp(which, "fixed")) {
    fixed_order(ctx, size);
  } else if (!strcmp(which, "resume")) {
    resume(ctx, argc > 2 ? argv[2] : ".");
  } else if (!strcmp(which, "errors")) {
    errors(ctx);
  } else {
    CHECK(0, "unknown case '%s' (identity, fixed, resume, errors)", which);
  }
  pg_ctx_destroy(ctx);
  MPI_Finalize();
  return 0;
}
