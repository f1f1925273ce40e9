/* Shared by the bench programs: a clock, "seconds per call, best of 3
** rounds", and the timed calls of a network (a forward; a training step). */
#ifndef PG_BENCH_COMMON_H
#define PG_BENCH_COMMON_H

#include "nn/pg_nn.h"
#include "optim/pg_optim.h"

#include <stdlib.h>
#include <time.h>

#ifdef PG_HAVE_OPENBLAS
#include <cblas.h>
#endif

/* Seconds on clock `id` (CLOCK_MONOTONIC: wall time; CLOCK_THREAD_CPUTIME_ID:
** this thread's CPU time, which waiting for a core on a shared machine does
** not inflate). */
static inline double bench_seconds(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef void (*bench_fn)(void *user);

/* Seconds per call of fn on clock id: calls it `batch` times at a time until
** min_seconds have passed; the best of 3 such rounds. */
static inline double bench_best_time(bench_fn fn, void *user, clockid_t id, int batch,
                                     double min_seconds) {
  double best = 1e30;
  for (int round = 0; round < 3; round++) {
    long reps = 0;
    double t0 = bench_seconds(id), t;
    do {
      for (int i = 0; i < batch; i++) fn(user);
      reps += batch;
      t = bench_seconds(id) - t0;
    } while (t < min_seconds);
    if (t / (double)reps < best) best = t / (double)reps;
  }
  return best;
}

/* One network's timed calls; the first member of a program's job, so the
** job can be passed to bench_forward / bench_train. */
typedef struct bench_step {
  pg_net *net;
  pg_optim *opt;
  const float *x;
  size_t n;
  pg_loss_desc loss;
} bench_step;

/* A forward over the n rows of x. */
static inline void bench_forward(void *user) {
  bench_step *j = user;
  pg__net_forward(j->net, j->x, j->n, NULL, NULL);
}

/* Forward, backward of the loss and one optimizer step. */
static inline void bench_train(void *user) {
  bench_step *j = user;
  pg__net_forward(j->net, j->x, j->n, NULL, NULL);
  pg__net_zero_grads(j->net);
  pg__net_backward(j->net, j->n, &j->loss);
  pg_optim_step(j->opt, NULL);
}

/* OpenBLAS comparisons run on one thread, as the library's kernels do
** (the variable is read at load time, hence the call as well). */
static inline void bench_single_thread_blas(void) {
#ifdef PG_HAVE_OPENBLAS
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  openblas_set_num_threads(1);
#endif
}

#endif
