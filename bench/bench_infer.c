/* bench_infer: per-call latency of pg_policy_act (deterministic and
** sampled, one observation) for a 4->64->64->2 and a 256->256->256->8
** categorical policy; the figures of docs/PERFORMANCE.md "Inference". */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check(pg_status st, const char *what) {
  if (st != PG_OK) {
    fprintf(stderr, "bench_infer: %s failed: %s\n", what, pg_status_string(st));
    exit(1);
  }
}

static void bench(pg_ctx *ctx, size_t in, size_t hidden, size_t n_actions) {
  pg_net *net = NULL;
  check(pg_net_create(ctx, in, 1, 1, &net), "create");
  check(pg_net_add_dense(net, hidden, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), "dense");
  check(pg_net_add_dense(net, hidden, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), "dense");
  check(pg_net_add_categorical_head(net, n_actions, PG_INIT_ORTHOGONAL, 0.01), "head");
  check(pg_net_finalize(net), "finalize");
  pg_policy *pol = NULL;
  pg_policy_session *s = NULL;
  check(pg_policy_from_net(net, &pol), "policy");
  check(pg_policy_session_create(pol, 1, &s), "session");
  float *obs = malloc(64 * in * sizeof *obs), action = 0, sink = 0;
  for (size_t i = 0; i < 64 * in; i++) obs[i] = (float)sin(0.37 * (double)i);
  for (int det = 1; det >= 0; det--) {
    double best = 1e30;
    for (int round = 0; round < 3; round++) {
      long reps = 0;
      double t0 = now(), t;
      do {
        for (int i = 0; i < 64; i++) {
          check(pg_policy_act(s, obs + (size_t)i * in, in, NULL, 0, det, &action, 1), "act");
          sink += action;
        }
        reps += 64;
        t = now() - t0;
      } while (t < 0.2);
      if (t / (double)reps < best) best = t / (double)reps;
    }
    printf("%zu->%zu->%zu->%zu  %-13s  %8.2f us/call  %10.0f calls/s\n", in, hidden, hidden,
           n_actions, det ? "deterministic" : "sampled", best * 1e6, 1.0 / best);
  }
  if (sink < 0) printf("(%g)\n", (double)sink);
  free(obs);
  pg_policy_session_destroy(s);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
}

int main(void) {
  pg_ctx *ctx = NULL;
  check(pg_ctx_create(NULL, NULL, &ctx), "ctx");
  printf("bench_infer (%s)\n", pg_build_info());
  bench(ctx, 4, 64, 2);
  bench(ctx, 256, 256, 8);
  pg_ctx_destroy(ctx);
  return 0;
}
