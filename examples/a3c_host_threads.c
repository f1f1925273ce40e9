/* Host-driven A3C: the host runs its own threads, each with its own
** simulation (here a CartPole-v1 instance per thread), and drives one
** worker handle per thread with pg_agent_step / pg_agent_report /
** pg_agent_update. The environment belongs to the thread, so its
** callbacks only ever run there. Workers are created and destroyed on the
** main thread; the parent's statistics include every worker's once they
** are destroyed.
**
** usage: a3c_host_threads [threads] [steps-per-thread] */
#include <policygrad.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sim_thread {
  pg_agent *worker;
  pg_env *env; /* the thread's own simulation */
  long steps;
  pg_status status;
} sim_thread;

static void *sim_main(void *arg) {
  sim_thread *t = arg;
  float obs[4], next[4], action[1], reward;
  int32_t terminated, truncated;
  pg_status st = pg_env_reset(t->env, obs, 4);
  for (long s = 0; s < t->steps && st == PG_OK; s++) {
    st = pg_agent_step(t->worker, obs, 4, NULL, 0, action, 1);
    if (st == PG_OK) st = pg_env_step(t->env, action, 1, next, 4, &reward, &terminated, &truncated);
    if (st == PG_OK) st = pg_agent_report(t->worker, &reward, &terminated, &truncated, 1, next, 4);
    if (st == PG_OK) st = pg_agent_update(t->worker, NULL);
    if (st == PG_OK && (terminated || truncated))
      st = pg_env_reset(t->env, obs, 4);
    else
      memcpy(obs, next, sizeof obs);
  }
  t->status = st;
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2;
  long steps = argc > 2 ? atol(argv[2]) : 200000;
  if (n < 1 || n > 64 || steps < 1) return 2;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, 1);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  if (st == PG_OK) st = pg_agent_create_for_env(ctx, PG_ALGO_A3C, env, 64, 2, &agent);
  sim_thread *t = calloc((size_t)n, sizeof *t);
  pthread_t *th = calloc((size_t)n, sizeof *th);
  int made = 0;
  for (; st == PG_OK && t && th && made < n; made++) {
    t[made].steps = steps;
    st = pg_agent_create_worker(agent, &t[made].worker);
    if (st == PG_OK) st = pg_env_clone(env, made, 100 + (uint64_t)made, &t[made].env);
    if (st != PG_OK) {
      pg_agent_destroy(t[made].worker);
      break;
    }
  }
  if (st != PG_OK || !t || !th) {
    fprintf(stderr, "a3c_host_threads: %s\n", pg_ctx_last_error(ctx));
    return 1;
  }
  for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, sim_main, &t[i]);
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < n; i++) {
    double episodes, mean;
    pg_agent_get_stat(t[i].worker, PG_STAT_EPISODES, &episodes);
    pg_agent_get_stat(t[i].worker, PG_STAT_MEAN_RETURN_100, &mean);
    printf("thread %d: %s, %.0f episodes, mean return (last 100) %.1f\n", i,
           t[i].status == PG_OK ? "ok" : pg_agent_last_error(t[i].worker), episodes, mean);
    pg_agent_destroy(t[i].worker);
    pg_env_destroy(t[i].env);
  }
  double total, mean = 0.0;
  pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &total);
  st = pg_agent_evaluate(agent, env, 20, 1, &mean, NULL);
  printf("all threads: %.0f steps; greedy evaluation (20 episodes): %.1f\n", total, mean);
  free(t);
  free(th);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
