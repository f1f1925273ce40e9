/* MPI benchmark (docs/MPI.md, docs/PERFORMANCE.md): PAAC's training
** throughput over the ranks of MPI_COMM_WORLD, each rank stepping its own
** environments (weak scaling: the same work per rank), and the time spent
** in the gradient reduction per update. Run it once per rank count:
**   mpirun -np 1 bench_mpi [steps per rank] [envs per rank]
**   mpirun -np 2 bench_mpi ...
** Two environments: CartPole-v1 (well under 1 us per step) and a host
** environment that spends 50 us of CPU per step (a stand-in for a
** simulator). Prints one markdown row per environment on rank 0.
** Figures on a shared machine are noisy: compare runs made back to back. */
#define _POSIX_C_SOURCE 200809L
#include <policygrad_mpi.h>

#include "bench_slow_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static pg_env *make_env(pg_ctx *ctx, int slow, uint64_t seed) {
  pg_env *env = NULL;
  if (!slow) {
    if (pg_env_create_builtin(ctx, "CartPole-v1", seed, &env) != PG_OK) return NULL;
    return env;
  }
  return slow_env_make(ctx, "Slow50us", 50e-6, seed);
}

/* ---- one measurement ------------------------------------------------------------- */

static int bench(pg_ctx *ctx, int slow, int64_t steps, int envs, int rank, int size) {
  pg_env *env = make_env(ctx, slow, 1 + (uint64_t)rank);
  pg_agent *agent = NULL;
  pg_mpi *mpi = NULL;
  if (!env || pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 128, 1, &agent) != PG_OK ||
      pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, envs) != PG_OK) {
    fprintf(stderr, "bench_mpi: %s\n", pg_ctx_last_error(ctx));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  if (pg_mpi_attach(agent, MPI_COMM_WORLD, 0, &mpi) != PG_OK) {
    fprintf(stderr, "bench_mpi: %s\n", pg_mpi_last_error(NULL));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = now();
  if (pg_mpi_train(mpi, env, steps, NULL, NULL) != PG_OK) {
    fprintf(stderr, "bench_mpi: %s\n", pg_mpi_last_error(mpi));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  double wall = now() - t0, comm = 0.0, updates = 0.0, total = 0.0, comm_max = 0.0;
  int64_t reductions = 0;
  pg_mpi_get_comm_time(mpi, &comm, &reductions);
  pg_mpi_get_stat(mpi, PG_STAT_UPDATES, &updates);
  pg_mpi_get_stat(mpi, PG_STAT_TOTAL_STEPS, &total);
  MPI_Reduce(&comm, &comm_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  /* the pure allreduce of this gradient size, without waiting for a slower rank */
  pg_net *net = NULL;
  size_t n = 0;
  pg_agent_get_net(agent, 0, &net);
  pg_net_param_count(net, &n);
  float *buf = calloc(n, sizeof *buf);
  int reps = 200;
  MPI_Barrier(MPI_COMM_WORLD);
  double a0 = now();
  for (int i = 0; i < reps && buf; i++)
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  double allreduce = (now() - a0) / reps;
  free(buf);
  if (rank == 0)
    printf("| %s | %d | %d | %.0f | %.0f | %.0f | %.1f | %.1f | %zu |\n",
           slow ? "Slow50us" : "CartPole-v1", size, envs, total / wall, updates,
           1e6 * wall / updates, 1e6 * comm_max / (double)(reductions ? reductions : 1),
           1e6 * allreduce, n);
  fflush(stdout);
  pg_mpi_detach(mpi);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  return 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t steps = argc > 1 ? strtoll(argv[1], NULL, 10) : 200000;
  int envs = argc > 2 ? atoi(argv[2]) : 16;
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) MPI_Abort(MPI_COMM_WORLD, 1);
  if (rank == 0 && (argc < 4 || strcmp(argv[3], "noheader"))) {
    printf("| env | ranks | envs/rank | env steps/s (all ranks) | updates | wall us/update | "
           "reduce us/update (max rank) | bare allreduce us | floats |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
  }
  bench(ctx, 0, steps, envs, rank, size);
  bench(ctx, 1, steps / 20, envs, rank, size);
  pg_ctx_destroy(ctx);
  MPI_Finalize();
  return 0;
}
