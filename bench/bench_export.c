/* bench_export: the C export (pg_policy_export_c) of a 4->64->64->2 and a
** 256->256->256->8 categorical policy: the generated object's code size
** (text + rodata, from size(1)) and its deterministic act latency beside
** pg_policy_act's, one observation per call, best of 3 rounds of 0.2 s.
** The generated file is compiled with $CC (default cc) -O2 -std=c99, with
** <PREFIX>_FUSED and -mfma when this library fuses (pg_export_c_fused_mode),
** into a shared object loaded with dlopen, so both run in one process.
** Figures: docs/PERFORMANCE.md "C export (bench_export)".
**
** usage: bench_export [work dir, default bench_export.d] */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef int (*act_fn)(void *self, const float *obs, float *action);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void need(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "bench_export: %s failed\n", what);
    exit(1);
  }
}

/* Seconds per call of act over 64 rotating observations. */
static double per_call(act_fn act, void *self, const float *obs, size_t in) {
  double best = 1e30;
  float action = 0.0f, sink = 0.0f;
  for (int round = 0; round < 3; round++) {
    long calls = 0;
    double t0 = now(), t;
    do {
      for (size_t i = 0; i < 64; i++, calls++) {
        need(act(self, obs + i * in, &action) == 0, "act");
        sink += action;
      }
      t = now() - t0;
    } while (t < 0.2);
    if (t / (double)calls < best) best = t / (double)calls;
  }
  if (sink < 0.0f) printf("(%g)\n", (double)sink);
  return best;
}

typedef struct lib_act {
  pg_policy_session *s;
  size_t in;
} lib_act;

static int act_library(void *self, const float *obs, float *action) {
  lib_act *a = self;
  return pg_policy_act(a->s, obs, a->in, NULL, 0, 1, action, 1) == PG_OK ? 0 : 1;
}

typedef int (*gen_act_fn)(const float *obs, const unsigned char *mask, float *action);

static int act_generated(void *self, const float *obs, float *action) {
  gen_act_fn fn;
  memcpy(&fn, self, sizeof fn); /* (a data pointer holding a function pointer) */
  return fn(obs, NULL, action);
}

/* text + rodata bytes of an object, from size -A. */
static long object_bytes(const char *obj) {
  char cmd[1024], line[256];
  snprintf(cmd, sizeof cmd, "size -A '%s'", obj);
  FILE *p = popen(cmd, "r");
  need(p != NULL, "size");
  long total = 0;
  while (fgets(line, sizeof line, p)) {
    char name[128];
    long bytes;
    if (sscanf(line, "%127s %ld", name, &bytes) == 2 &&
        (strncmp(name, ".text", 5) == 0 || strncmp(name, ".rodata", 7) == 0))
      total += bytes;
  }
  need(pclose(p) == 0, "size -A");
  return total;
}

static void bench(pg_ctx *ctx, const char *dir, size_t in, size_t hidden, size_t n_actions) {
  pg_net *net = NULL;
  pg_policy *pol = NULL;
  lib_act la = {NULL, in};
  need(pg_net_create(ctx, in, 1, 1, &net) == PG_OK, "create");
  need(pg_net_add_dense(net, hidden, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0) == PG_OK &&
           pg_net_add_dense(net, hidden, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0) == PG_OK &&
           pg_net_add_categorical_head(net, n_actions, PG_INIT_ORTHOGONAL, 0.01) == PG_OK &&
           pg_net_finalize(net) == PG_OK,
       "net");
  need(pg_policy_from_net(net, &pol) == PG_OK && pg_policy_session_create(pol, 1, &la.s) == PG_OK,
       "policy");

  char h[512], c[512], o[512], so[512], cmd[4096];
  snprintf(h, sizeof h, "%s/pol%zu.h", dir, hidden);
  snprintf(c, sizeof c, "%s/pol%zu.c", dir, hidden);
  snprintf(o, sizeof o, "%s/pol%zu.o", dir, hidden);
  snprintf(so, sizeof so, "%s/pol%zu.so", dir, hidden);
  need(pg_policy_export_c(pol, "pol", h, c, 0) == PG_OK, pg_ctx_last_error(ctx));
  const char *cc = getenv("CC") ? getenv("CC") : "cc";
  int fused = (int)pg_export_c_fused_mode();
  const char *flags = fused ? "-O3 -std=c99 -DPOL_FUSED=1 -mfma" : "-O3 -std=c99";
  snprintf(cmd, sizeof cmd, "%s %s -fPIC -c '%s' -o '%s' && %s %s -fPIC -shared '%s' -o '%s'",
           cc, flags, c, o, cc, flags, c, so);
  need(system(cmd) == 0, cmd);
  void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  need(lib != NULL, dlerror());
  void *sym = dlsym(lib, "pol_act");
  need(sym != NULL, "dlsym pol_act");
  gen_act_fn fn;
  memcpy(&fn, &sym, sizeof fn);

  float *obs = malloc(64 * in * sizeof *obs);
  need(obs != NULL, "malloc");
  for (size_t i = 0; i < 64 * in; i++) obs[i] = (float)sin(0.37 * (double)i);
  double t_lib = per_call(act_library, &la, obs, in);
  double t_gen = per_call(act_generated, &fn, obs, in);
  struct stat st;
  need(stat(c, &st) == 0, "stat");
  printf("%zu->%zu->%zu->%zu  source %8lld bytes  object text+rodata %8ld bytes  "
         "pg_policy_act %7.2f us  exported %7.2f us\n",
         in, hidden, hidden, n_actions, (long long)st.st_size, object_bytes(o), t_lib * 1e6,
         t_gen * 1e6);
  free(obs);
  dlclose(lib);
  pg_policy_session_destroy(la.s);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "bench_export.d";
  (void)mkdir(dir, 0755);
  pg_ctx *ctx = NULL;
  need(pg_ctx_create(NULL, NULL, &ctx) == PG_OK, "context");
  printf("bench_export (compiler: %s, fused mode %d)\n", getenv("CC") ? getenv("CC") : "cc",
         (int)pg_export_c_fused_mode());
  bench(ctx, dir, 4, 64, 2);
  bench(ctx, dir, 256, 256, 8);
  pg_ctx_destroy(ctx);
  return 0;
}
