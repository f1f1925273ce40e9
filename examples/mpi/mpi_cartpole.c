/* Data-parallel PAAC on CartPole-v1 over MPI ranks (docs/MPI.md).
**
** Every rank steps 32 / size environments (at least 1); the gradients are
** averaged over the ranks at each update, so the run follows the learning
** curve of one process with 32 environments (the learning rate is set to
** that run's, 0.0007 x 32). Rank 0 prints the progress over all ranks and
** saves a checkpoint; a run started with the checkpoint's path resumes
** from it, on any number of ranks.
**
** usage: mpirun -np 2 mpi_cartpole [seed] [checkpoint] [max steps per rank]
** (as root add --allow-run-as-root; more ranks than cores: --oversubscribe)
** Exit status 0 when the mean return of the last 100 episodes over all
** ranks reached 475. */
#include <policygrad_mpi.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct run {
  pg_mpi *mpi;
  int rank;
  int solved;
} run;

/* Called on every rank with the statistics of all ranks. */
static int progress(void *user, pg_agent *agent) {
  (void)agent;
  run *r = user;
  double steps = 0, episodes = 0, mean = 0, sps = 0;
  pg_mpi_get_stat(r->mpi, PG_STAT_TOTAL_STEPS, &steps);
  pg_mpi_get_stat(r->mpi, PG_STAT_EPISODES, &episodes);
  pg_mpi_get_stat(r->mpi, PG_STAT_MEAN_RETURN_100, &mean);
  pg_mpi_get_stat(r->mpi, PG_STAT_STEPS_PER_SECOND, &sps);
  if (r->rank == 0) {
    printf("steps %8.0f  episodes %6.0f  mean return (last 100 per rank) %6.1f  %9.0f steps/s\n",
           steps, episodes, mean, sps);
    fflush(stdout);
  }
  r->solved = episodes >= 100 && mean >= 475.0;
  return r->solved;
}

static int fail(int rank, const char *what, const char *msg) {
  fprintf(stderr, "mpi_cartpole: rank %d: %s: %s\n", rank, what, msg);
  MPI_Abort(MPI_COMM_WORLD, 2);
  return 2;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  const char *checkpoint = argc > 2 && argv[2][0] ? argv[2] : NULL; /* "" = none */
  int64_t max_steps = argc > 3 ? strtoll(argv[3], NULL, 10) : 1000000;
  int envs = size < 32 ? 32 / size : 1;

  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return fail(rank, "context", "out of memory");
  pg_ctx_set_seed(ctx, seed);
  /* The environment's seed only names this rank's instance: pg_mpi_attach
  ** re-seeds the agent's streams (and with them its environments) per rank. */
  if (pg_env_create_builtin(ctx, "CartPole-v1", seed + (uint64_t)rank, &env) != PG_OK)
    return fail(rank, "environment", pg_ctx_last_error(ctx));
  FILE *f = checkpoint ? fopen(checkpoint, "rb") : NULL;
  int resume = f != NULL, any_resume = 0;
  if (f) fclose(f);
  MPI_Allreduce(&resume, &any_resume, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (any_resume) {
    if (pg_mpi_load_file(ctx, MPI_COMM_WORLD, checkpoint, &agent) != PG_OK)
      return fail(rank, "resume", pg_mpi_last_error(NULL));
    if (rank == 0) printf("resuming from %s on %d rank(s)\n", checkpoint, size);
  } else if (pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 128, 1, &agent) != PG_OK) {
    return fail(rank, "agent", pg_ctx_last_error(ctx));
  }
  pg_status st = pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, envs);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_LR, 0.0007 * 32);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_SEED, (double)seed);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 320 * envs);
  if (st != PG_OK) return fail(rank, "parameters", pg_agent_last_error(agent));

  run r = {NULL, rank, 0};
  if (pg_mpi_attach(agent, MPI_COMM_WORLD, 0, &r.mpi) != PG_OK)
    return fail(rank, "attach", pg_mpi_last_error(NULL));
  if (rank == 0)
    printf("PAAC on CartPole-v1: %d rank(s) x %d environments, seed %llu\n", size, envs,
           (unsigned long long)seed);
  if (pg_mpi_train(r.mpi, env, max_steps, progress, &r) != PG_OK)
    return fail(rank, "train", pg_mpi_last_error(r.mpi));
  double comm = 0, updates = 0;
  int64_t reductions = 0;
  pg_mpi_get_comm_time(r.mpi, &comm, &reductions);
  pg_mpi_get_stat(r.mpi, PG_STAT_UPDATES, &updates);
  if (checkpoint && pg_mpi_save_file(r.mpi, checkpoint) != PG_OK)
    return fail(rank, "save", pg_mpi_last_error(r.mpi));
  if (rank == 0) {
    printf("%s after %.0f updates; %.1f us per gradient reduction on rank 0%s%s\n",
           r.solved ? "solved" : "not solved", updates,
           reductions ? 1e6 * comm / (double)reductions : 0.0, checkpoint ? "; saved " : "",
           checkpoint ? checkpoint : "");
  }
  pg_mpi_detach(r.mpi);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  MPI_Finalize();
  return r.solved ? 0 : 1;
}
