/* bench_conv: the A3C "nips" network (84x84x4 -> 16 8x8/4 -> 32 4x4/2 ->
** dense 256 -> 6 logits + value, ReLU) at batch 32 and 160 (PAAC's
** n_e * t_max): forward, and forward + backward + RMSProp step, in frames/s
** and GFLOP/s. Beside it, on one thread, the same matrix products (per
** image for the convolutions; lowering excluded) through the library's
** kernels the layers use and, with OpenBLAS, through cblas_sgemm.
** "bench_conv N train|forward" runs only that part for three seconds (for
** perf record).
** Then it runs bench/bench_conv_torch.py (the same network in PyTorch on
** one thread) with $PG_TORCH_PYTHON, else /usr/bin/python3 (Debian's
** python3-torch), so that all figures come from one run; the script
** prints a note and the run goes on when torch is absent. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, setenv */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PG_HAVE_OPENBLAS
#include <cblas.h>
#endif

/* CPU time of this thread (bench_common.h): on a shared machine, waiting for
** a core is not counted (cache sharing still is). Every timed call runs on
** this thread (OpenBLAS is set to one thread). */
static double time_it(bench_fn fn, void *user) {
  return bench_best_time(fn, user, CLOCK_THREAD_CPUTIME_ID, 1, 0.5);
}

/* One matrix product C[M x N] (+)= op(A) . op(B) of the training step,
** repeated `times` per batch. trans: 0 = A.B, 1 = A^T.B, 2 = A.B^T.
** packed: the layers run it through pg__gemm_packed (the conv layers and
** the dense layer's backward), else through pg__gemm. */
typedef struct product {
  size_t M, N, K;
  int trans;
  size_t times;
  bool packed;
} product;

typedef struct job {
  bench_step step; /* first: the job is passed to bench_forward / bench_train */
  product prod[16];
  size_t n_prod;
  float *a, *b, *c, *pack, *work;
} job;

/* The products through the library's kernels, as the layers call them
** (A^T and B^T through strides; for pg__gemm, B^T as a plain product: the
** dense layer's transposition of W for few rows is not counted). */
static void run_ours(void *user) {
  job *j = user;
  for (size_t p = 0; p < j->n_prod; p++) {
    const product *q = &j->prod[p];
    const size_t a_rs = q->trans == 1 ? 1 : q->K, a_cs = q->trans == 1 ? q->M : 1;
    for (size_t t = 0; t < q->times; t++) {
      if (q->packed)
        pg__gemm_packed(q->M, q->N, q->K, j->a, a_rs, a_cs, j->b, q->trans == 2 ? 1 : q->N,
                        q->trans == 2 ? q->K : 1, j->c, q->N, j->work);
      else
        pg__gemm(q->M, q->N, q->K, j->a, a_rs, a_cs, j->b, q->N, j->c, q->N, j->pack);
    }
  }
}

#ifdef PG_HAVE_OPENBLAS
static void run_blas(void *user) {
  job *j = user;
  for (size_t p = 0; p < j->n_prod; p++) {
    const product *q = &j->prod[p];
    const int M = (int)q->M, N = (int)q->N, K = (int)q->K;
    for (size_t t = 0; t < q->times; t++) {
      if (q->trans == 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, j->a, K, j->b, N,
                    1.0f, j->c, N);
      else if (q->trans == 1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.0f, j->a, M, j->b, N,
                    1.0f, j->c, N);
      else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, j->a, K, j->b, K,
                    1.0f, j->c, N);
    }
  }
}
#endif

static pg_net *build_nips(pg_ctx *ctx, size_t max_batch) {
  pg_net *net = NULL;
  if (pg_net_create_image(ctx, 84, 84, 4, max_batch, 1, &net) != PG_OK) return NULL;
  pg_net_add_conv2d(net, 16, 8, 8, 4, PG_PADDING_VALID, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM,
                    1.0);
  pg_net_add_conv2d(net, 32, 4, 4, 2, PG_PADDING_VALID, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM,
                    1.0);
  pg_net_add_flatten(net);
  pg_net_add_dense(net, 256, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0);
  pg_net_add_categorical_head(net, 6, PG_INIT_ORTHOGONAL, 0.01);
  pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0);
  if (pg_net_finalize(net) != PG_OK) {
    pg_net_destroy(net);
    return NULL;
  }
  return net;
}

static void add_prod(job *j, size_t M, size_t N, size_t K, int trans, size_t times,
                     bool packed) {
  j->prod[j->n_prod++] = (product){M, N, K, trans, times, packed};
}

/* Profiling mode (bench_conv N train|forward): only that part, for about
** three seconds of CPU time, nothing printed but the time per call. */
static void profile_only(job *j, const char *what) {
  bench_fn fn = strcmp(what, "forward") == 0 ? bench_forward : bench_train;
  struct timespec t0, t1;
  size_t reps = 0;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  do {
    fn(j);
    reps++;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  } while ((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) < 3.0);
  double t = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("%s batch %zu: %.3f ms per call (%zu calls)\n", what, j->step.n, t / (double)reps * 1e3,
         reps);
}

static void bench_batch(pg_ctx *ctx, size_t n, const char *only) {
  pg_net *net = build_nips(ctx, n);
  pg_optim *opt = NULL;
  if (!net || pg_optim_create(net, PG_OPTIM_RMSPROP, &opt) != PG_OK) {
    fprintf(stderr, "bench_conv: setup failed: %s\n", pg_ctx_last_error(ctx));
    exit(1);
  }
  const size_t in = 84 * 84 * 4;
  float *x = malloc(n * in * sizeof *x), *adv = malloc(n * sizeof *adv);
  float *actions = malloc(n * sizeof *actions);
  for (size_t i = 0; i < n * in; i++) x[i] = (float)((i * 37) % 101) / 101.0f;
  for (size_t i = 0; i < n; i++) adv[i] = 0.5f, actions[i] = (float)(i % 6);
  job j = {.step = {.net = net, .opt = opt, .x = x, .n = n}};
  j.step.loss = (pg_loss_desc){.struct_size = sizeof(pg_loss_desc), .scale = 1.0f / (float)n,
                          .policy_coef = 1.0f, .entropy_coef = 0.01f, .value_coef = 0.5f,
                          .actions = actions, .advantages = adv, .returns = adv};
  /* conv1: P 400, K 256, F 16; conv2: P 81, K 256, F 32; dense 2592 -> 256;
  ** heads 256 -> 7. Forward: y = col.W; backward: gW = col^T.dy, and
  ** dcol = dy.W^T except for the first layer. */
  add_prod(&j, 400, 16, 256, 0, n, true);
  add_prod(&j, 81, 32, 256, 0, n, true);
  add_prod(&j, n, 256, 2592, 0, 1, false);
  add_prod(&j, n, 7, 256, 0, 1, false);
  const double fwd_macs = 400.0 * 16 * 256 + 81.0 * 32 * 256 + 2592.0 * 256 + 256.0 * 7;
  add_prod(&j, 256, 16, 400, 1, n, true);
  add_prod(&j, 256, 32, 81, 1, n, true);
  add_prod(&j, 81, 256, 32, 2, n, true);
  add_prod(&j, 2592, 256, n, 1, 1, n > 8);
  add_prod(&j, n, 2592, 256, 2, 1, n > 8);
  add_prod(&j, 256, 7, n, 1, 1, false);
  add_prod(&j, n, 256, 7, 2, 1, false);
  const double first = 400.0 * 16 * 256;
  const double fwd_flops = 2.0 * fwd_macs * (double)n;
  const double train_flops = (3.0 * fwd_macs - first) * 2.0 * (double)n;
  j.a = calloc(2592 * 256 + 4096 * 256, sizeof(float));
  j.b = calloc(2592 * 256 + 4096 * 256, sizeof(float));
  j.c = calloc(2592 * 256 + 4096 * 256, sizeof(float));
  j.pack = calloc(PG__GEMM_PACK, sizeof(float));
  j.work = calloc(PG__GEMM_PACKED_WORK, sizeof(float));
  if (only) {
    profile_only(&j, only);
    goto done;
  }

  double tf = time_it(bench_forward, &j), tt = time_it(bench_train, &j);
  double tg = time_it(run_ours, &j);
  printf("nips 84x84x4 batch %3zu  forward %8.2f ms %7.0f frames/s %6.2f GFLOP/s  |  "
         "fwd+bwd+RMSProp %8.2f ms %7.0f frames/s %6.2f GFLOP/s\n",
         n, tf * 1e3, (double)n / tf, fwd_flops / tf * 1e-9, tt * 1e3, (double)n / tt,
         train_flops / tt * 1e-9);
  printf("  the same GEMMs, no im2col:  library kernels %8.2f ms %6.2f GFLOP/s", tg * 1e3,
         train_flops / tg * 1e-9);
#ifdef PG_HAVE_OPENBLAS
  double tb = time_it(run_blas, &j);
  printf("  |  OpenBLAS sgemm (1 thread) %8.2f ms %6.2f GFLOP/s  (training step / sgemm "
         "time %.2f)", tb * 1e3, train_flops / tb * 1e-9, tt / tb);
#else
  printf("  |  OpenBLAS: not built (PG_HAVE_OPENBLAS off)");
#endif
  printf("\n");
done:
  free(j.a), free(j.b), free(j.c), free(j.pack), free(j.work);
  free(x), free(adv), free(actions);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
}

int main(int argc, char **argv) {
  bench_single_thread_blas();
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  printf("bench_conv (%s)\n", pg_build_info());
  if (argc > 1) {
    bench_batch(ctx, (size_t)strtoul(argv[1], NULL, 10), argc > 2 ? argv[2] : NULL);
  } else {
    bench_batch(ctx, 32, NULL);
    bench_batch(ctx, 160, NULL);
  }
  pg_ctx_destroy(ctx);
#ifdef PG_BENCH_TORCH_SCRIPT
  if (argc <= 1) {
    const char *py = getenv("PG_TORCH_PYTHON");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' '%s'", py && *py ? py : "/usr/bin/python3",
             PG_BENCH_TORCH_SCRIPT);
    fflush(stdout);
    if (system(cmd) != 0) printf("bench_conv_torch: could not run %s\n", cmd);
  }
#endif
  return 0;
}
