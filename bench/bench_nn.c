/* bench_nn: forward, forward + backward + optimizer step, per call and in
** GFLOP/s, for the networks of docs/PERFORMANCE.md; with OpenBLAS, the same
** matrix products through cblas_sgemm on one thread for comparison. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, setenv */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef PG_HAVE_OPENBLAS
#include <cblas.h>
#endif

typedef struct shape {
  const char *name;
  size_t in, hidden, n_hidden; /* in -> hidden x n_hidden */
  int small_heads;             /* 2 logits + 1 value, else a 256-wide Q head */
  size_t head_out;
} shape;

/* Seconds per call (this thread's CPU time, which waiting for a core on a
** shared machine does not inflate): 16 calls at a time until 0.2 s have
** passed, best of 3 rounds. */
static double time_it(bench_fn fn, void *user) {
  return bench_best_time(fn, user, CLOCK_THREAD_CPUTIME_ID, 16, 0.2);
}

typedef struct job {
  bench_step step; /* first: the job is passed to bench_forward / bench_train */
#ifdef PG_HAVE_OPENBLAS
  size_t dims[8][2]; /* (in, out) of each dense product */
  size_t n_layers;
  float *a, *b, *c;
#endif
} job;

#ifdef PG_HAVE_OPENBLAS
/* The products of forward and backward (no dx for the first layer). */
static void run_blas(void *user) {
  job *j = user;
  const int n = (int)j->step.n;
  for (size_t l = 0; l < j->n_layers; l++) {
    int in = (int)j->dims[l][0], out = (int)j->dims[l][1];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, out, in, 1.0f, j->a, in, j->b,
                out, 0.0f, j->c, out);
  }
  for (size_t l = j->n_layers; l-- > 0;) {
    int in = (int)j->dims[l][0], out = (int)j->dims[l][1];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, n, 1.0f, j->a, in, j->c,
                out, 1.0f, j->b, out);
    if (l > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, in, out, 1.0f, j->c, out, j->b,
                  out, 0.0f, j->a, in);
  }
}
#endif

static pg_net *build(pg_ctx *ctx, const shape *s, size_t max_batch) {
  pg_net *net = NULL;
  if (pg_net_create(ctx, s->in, max_batch, 1, &net) != PG_OK) return NULL;
  for (size_t i = 0; i < s->n_hidden; i++)
    pg_net_add_dense(net, s->hidden, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.41421356);
  if (s->small_heads) {
    pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01);
    pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0);
  } else {
    pg_net_add_q_head(net, s->head_out, PG_INIT_ORTHOGONAL, 1.0);
  }
  if (pg_net_finalize(net) != PG_OK) {
    pg_net_destroy(net);
    return NULL;
  }
  return net;
}

static void bench_shape(pg_ctx *ctx, const shape *s, size_t n) {
  pg_net *net = build(ctx, s, n);
  pg_optim *opt = NULL;
  if (!net || pg_optim_create(net, PG_OPTIM_RMSPROP, &opt) != PG_OK) {
    fprintf(stderr, "bench_nn: setup failed: %s\n", pg_ctx_last_error(ctx));
    exit(1);
  }
  float *x = malloc(n * s->in * sizeof *x), *targets = malloc(n * sizeof *targets);
  float *actions = malloc(n * sizeof *actions);
  for (size_t i = 0; i < n * s->in; i++) x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
  for (size_t i = 0; i < n; i++) {
    targets[i] = 0.5f;
    actions[i] = (float)(i % 2);
  }
  job j = {.step = {.net = net, .opt = opt, .x = x, .n = n}};
  j.step.loss = (pg_loss_desc){.struct_size = sizeof(pg_loss_desc), .scale = 1.0f / (float)n,
                          .actions = actions, .advantages = targets, .returns = targets,
                          .q_targets = targets};
  if (s->small_heads) {
    j.step.loss.policy_coef = 1.0f;
    j.step.loss.entropy_coef = 0.01f;
    j.step.loss.value_coef = 0.5f;
  } else {
    j.step.loss.q_coef = 1.0f;
  }
  /* Multiply-adds of the dense products, per row. */
  double fwd_macs = 0, first = (double)(s->in * s->hidden);
  size_t nl = s->n_hidden + 1, w = s->in;
  for (size_t i = 0; i < s->n_hidden; i++, w = s->hidden) fwd_macs += (double)(w * s->hidden);
  size_t head = s->small_heads ? 3 : s->head_out;
  fwd_macs += (double)(w * head);
  double fwd_flops = 2.0 * fwd_macs * (double)n;
  double train_flops = fwd_flops * 3.0 - 2.0 * first * (double)n;

  double tf = time_it(bench_forward, &j), tt = time_it(bench_train, &j);
  printf("%-22s batch %3zu  forward %9.2f us (%6.2f GFLOP/s)  fwd+bwd+step %9.2f us "
         "(%6.2f GFLOP/s)",
         s->name, n, tf * 1e6, fwd_flops / tf * 1e-9, tt * 1e6, train_flops / tt * 1e-9);
  if (n == 1) printf("  [forward %.3f us/layer]", tf * 1e6 / (double)nl);
#ifdef PG_HAVE_OPENBLAS
  size_t maxw = s->in > s->hidden ? s->in : s->hidden;
  maxw = maxw > head ? maxw : head;
  /* The same layer shapes as the products counted above. */
  w = s->in;
  for (size_t i = 0; i < s->n_hidden; i++, w = s->hidden) j.dims[i][0] = w, j.dims[i][1] = s->hidden;
  j.dims[s->n_hidden][0] = w, j.dims[s->n_hidden][1] = head;
  j.n_layers = nl;
  j.a = calloc(n * maxw + maxw * maxw, sizeof(float));
  j.b = calloc(maxw * maxw + n * maxw, sizeof(float));
  j.c = calloc(n * maxw + maxw * maxw, sizeof(float));
  double tb = time_it(run_blas, &j);
  printf("  | OpenBLAS sgemm %9.2f us (%6.2f GFLOP/s), ours/OpenBLAS %.2f", tb * 1e6,
         train_flops / tb * 1e-9, tb / tt);
  free(j.a), free(j.b), free(j.c);
#endif
  printf("\n");
  free(x), free(targets), free(actions);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
}

/* usage: bench_nn [small|wide] (default: both) */
int main(int argc, char **argv) {
  const char *which = argc > 1 ? argv[1] : "";
  bench_single_thread_blas();
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  printf("bench_nn (%s)\n", pg_build_info());
  const shape small = {"4-128-128-(2+1)", 4, 128, 2, 1, 0};
  const shape wide = {"256-256-256-256", 256, 256, 2, 0, 256};
  const size_t small_batches[] = {1, 32, 256}, wide_batches[] = {32, 256};
  for (size_t i = 0; i < 3 && strcmp(which, "wide"); i++)
    bench_shape(ctx, &small, small_batches[i]);
  for (size_t i = 0; i < 2 && strcmp(which, "small"); i++)
    bench_shape(ctx, &wide, wide_batches[i]);
  pg_ctx_destroy(ctx);
  return 0;
}
