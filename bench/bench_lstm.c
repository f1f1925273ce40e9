/* LSTM figures (docs/RESULTS.md, docs/PERFORMANCE.md).
**
**   bench_lstm time            LSTM forward + backward over a segment:
**                              batch 32, 256 units, t = 5 and 20
**   bench_lstm learn TASK STEPS [SEEDS [paac|a3c]]
**                              recurrent PAAC (dense 64 -> LSTM 64) against
**                              feed-forward PAAC (dense 64 -> dense 64), the
**                              same budget of STEPS environment steps, on a
**                              built-in task (CueCorridor,
**                              CartPolePositions-v1); prints the final
**                              mean-100 return per seed.
**   bench_lstm learn CartPolePositions-v1 2000000 5 paac preset=positions
**                              issue 16's bar (docs/RESULTS.md, "Memory").
**
** bench/bench_lstm_torch.py times the same segment with torch.nn.LSTM.
** Timings are CPU time of the thread; on a shared machine compare runs
** made back to back. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "nn/pg_nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: the figure that holds on a loaded machine (the
** same clock as bench/bench_lstm_torch.py's time.thread_time). */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int check(pg_status st, pg_ctx *ctx, const char *what) {
  if (st == PG_OK) return 0;
  fprintf(stderr, "%s: %s (%s)\n", what, pg_status_string(st), ctx ? pg_ctx_last_error(ctx) : "");
  exit(1);
}

static void time_segment(pg_ctx *ctx, size_t T) {
  enum { BATCH = 32, UNITS = 256, IN = 256 };
  pg_net *net = NULL;
  check(pg_net_create(ctx, IN, BATCH * T, 1, &net), ctx, "pg_net_create");
  check(pg_net_add_lstm(net, UNITS, PG_INIT_GLOROT_UNIFORM, 1.0), ctx, "pg_net_add_lstm");
  check(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), ctx, "value head");
  check(pg_net_finalize(net), ctx, "pg_net_finalize");
  size_t rows = BATCH * T;
  float *x = malloc(rows * IN * sizeof *x), *ret = malloc(rows * sizeof *ret);
  for (size_t i = 0; i < rows * IN; i++) x[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (size_t i = 0; i < rows; i++) ret[i] = (float)(i % 3) - 1.0f;
  pg_loss_desc L;
  memset(&L, 0, sizeof L);
  L.struct_size = sizeof L;
  L.scale = 1.0f / (float)rows;
  L.value_coef = 1.0f;
  L.returns = ret;
  double best_f = 1e30, best_b = 1e30;
  for (int rep = 0; rep < 20; rep++) {
    check(pg_net_reset_state(net, 0, BATCH), ctx, "reset");
    double t0 = now();
    check(pg_net_forward_seq(net, x, T, BATCH, NULL), ctx, "forward_seq");
    double t1 = now();
    check(pg_net_zero_grads(net), ctx, "zero_grads");
    check(pg_net_backward(net, &L, rows, NULL), ctx, "backward");
    double t2 = now();
    if (t1 - t0 < best_f) best_f = t1 - t0;
    if (t2 - t1 < best_b) best_b = t2 - t1;
  }
  printf("lstm batch %d units %d input %d t %zu: forward %.3f ms, backward %.3f ms, "
         "total %.3f ms (best of 20, one thread)\n",
         BATCH, UNITS, IN, T, 1e3 * best_f, 1e3 * best_b, 1e3 * (best_f + best_b));
  free(x);
  free(ret);
  pg_net_destroy(net);
}

/* A learning run's settings: the network and the agent's parameters. */
typedef struct learn_cfg {
  bool a3c;
  int envs, tmax, units, threads, dense, curve, first, eval, norm, optim, anneal_budget;
  double lr, beta, clip, gamma, value_coef, gain, scale, anneal, obs_clip, lambda;
  const char *log; /* log=PREFIX: PREFIX-recurrent-seedN.csv / -ff-, training logs */
} learn_cfg;

static void learn_defaults(learn_cfg *c, bool a3c) {
  c->a3c = a3c;
  c->envs = a3c ? 1 : 16;
  c->tmax = 5;
  c->units = 64;
  c->threads = 4;
  c->dense = 1;
  c->curve = 0;
  c->first = 1;
  c->eval = 0;
  c->norm = 0;
  c->optim = 0;
  c->anneal_budget = 0;
  c->log = NULL;
  c->obs_clip = -1.0;
  c->lambda = -1.0;
  c->gain = 1.0;
  c->scale = 0.0;
  c->anneal = -1.0;
  c->lr = c->beta = c->clip = c->gamma = c->value_coef = -1.0; /* -1: the algorithm's default */
}

/* key=value overrides: envs, tmax, units, threads, lr, beta, clip, gamma,
** vcoef, anneal (PG_PARAM_LR_ANNEAL_STEPS); dense (1: a dense ReLU layer before the LSTM / the second dense
** layer, 0: none), gain (times the first layer's initializer gain) and
** curve (N > 0: the mean-100 return every N steps on stderr), scale (S >
** 0: the task's observations times S, the last one times 10 S: a fixed
** scale for CartPolePositions' [x, theta]) and first (the first seed; the
** seeds are first .. first + SEEDS - 1), eval (N > 0: after training, the
** mean return of N greedy episodes too, in brackets), norm (1:
** PG_PARAM_NORM_OBS; PAAC only), oclip (PG_PARAM_OBS_CLIP), lambda
** (PG_PARAM_GAE_LAMBDA), optim (PG_PARAM_OPTIMIZER, a pg_optim_kind) and
** preset=NAME (below); log=PREFIX writes each run's training log
** (pg_agent_set_log_file; a row every `curve` steps, else every episode)
** to PREFIX-recurrent-seedN.csv or PREFIX-ff-seedN.csv. */
/* preset=positions: the settings that meet issue 16's bar on
** CartPolePositions-v1 with recurrent PAAC (docs/RESULTS.md, "Memory"):
** observation normalization, 32 slots, GAE lambda 0.95, the LSTM of 128
** units straight on the observations (no dense layer before it), lr 0.005
** annealed to 0 over the whole budget. A3C has no observation
** normalization: there the preset scales the observations on the host
** (scale=2), keeps one slot per worker and takes lr 0.002 (each worker's
** update is one slot's segment, not 32 slots' mean). Options after it
** override it. */
static void learn_preset(learn_cfg *c, const char *name) {
  if (strcmp(name, "positions") != 0) {
    fprintf(stderr, "bench_lstm: unknown preset '%s' (known: positions)\n", name);
    exit(2);
  }
  if (c->a3c) c->scale = 2.0;
  else {
    c->norm = 1;
    c->envs = 32;
  }
  c->lambda = 0.95;
  c->dense = 0;
  c->units = 128;
  c->lr = c->a3c ? 0.002 : 0.005;
  c->anneal_budget = 1;
}

static void learn_option(learn_cfg *c, const char *arg) {
  if (strncmp(arg, "preset=", 7) == 0) {
    learn_preset(c, arg + 7);
    return;
  }
  if (strncmp(arg, "log=", 4) == 0) {
    c->log = arg + 4;
    return;
  }
  const char *eq = strchr(arg, '=');
  if (!eq) {
    fprintf(stderr, "bench_lstm: option '%s' is not key=value\n", arg);
    exit(2);
  }
  size_t k = (size_t)(eq - arg);
  double v = atof(eq + 1);
  struct { const char *key; int *i; double *d; } keys[] = {
      {"envs", &c->envs, NULL},   {"tmax", &c->tmax, NULL},       {"units", &c->units, NULL},
      {"threads", &c->threads, NULL}, {"lr", NULL, &c->lr},       {"beta", NULL, &c->beta},
      {"clip", NULL, &c->clip},   {"gamma", NULL, &c->gamma},     {"vcoef", NULL, &c->value_coef},
      {"dense", &c->dense, NULL}, {"gain", NULL, &c->gain},       {"curve", &c->curve, NULL},
      {"scale", NULL, &c->scale}, {"anneal", NULL, &c->anneal},   {"first", &c->first, NULL},
      {"eval", &c->eval, NULL},   {"norm", &c->norm, NULL},       {"oclip", NULL, &c->obs_clip},
      {"lambda", NULL, &c->lambda}, {"optim", &c->optim, NULL}};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if (strlen(keys[i].key) != k || strncmp(keys[i].key, arg, k) != 0) continue;
    if (keys[i].i) *keys[i].i = (int)v;
    else *keys[i].d = v;
    if (keys[i].d == &c->anneal) c->anneal_budget = 0;
    return;
  }
  fprintf(stderr, "bench_lstm: unknown option '%s'\n", arg);
  exit(2);
}

/* The task with its observations scaled by fixed factors (host-side
** preprocessing: each instance wraps a built-in of its own). */
typedef struct scaled_env {
  pg_env *inner;
  int32_t obs;
  double scale;
  const char *task;
  pg_ctx *ctx;
} scaled_env;

static void scale_obs(const scaled_env *e, float *obs) {
  for (int32_t i = 0; i < e->obs; i++)
    obs[i] *= (float)(e->scale * (i == e->obs - 1 ? 10.0 : 1.0));
}

static int scaled_reset(void *user, uint64_t seed, float *obs) {
  scaled_env *e = user;
  if (pg_env_set_seed(e->inner, seed) != PG_OK) return 1;
  if (pg_env_reset(e->inner, obs, (size_t)e->obs) != PG_OK) return 1;
  scale_obs(e, obs);
  return 0;
}

static int scaled_step(void *user, const float *action, float *obs, float *reward,
                       int32_t *terminated, int32_t *truncated) {
  scaled_env *e = user;
  if (pg_env_step(e->inner, action, 1, obs, (size_t)e->obs, reward, terminated, truncated) !=
      PG_OK)
    return 1;
  scale_obs(e, obs);
  return 0;
}

static int scaled_close(void *user) {
  scaled_env *e = user;
  pg_env_destroy(e->inner);
  free(e);
  return 0;
}

static scaled_env *scaled_new(const scaled_env *proto) {
  scaled_env *e = malloc(sizeof *e);
  if (!e) return NULL;
  *e = *proto;
  if (pg_env_create_builtin(e->ctx, e->task, 1, &e->inner) != PG_OK) {
    free(e);
    return NULL;
  }
  return e;
}

static int scaled_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index;
  (void)seed;
  *out = scaled_new(factory_user);
  return *out ? 0 : 1;
}

static pg_env *make_env(pg_ctx *ctx, const char *task, uint64_t seed, double scale) {
  pg_env *env = NULL;
  check(pg_env_create_builtin(ctx, task, seed, &env), ctx, "env");
  if (scale <= 0.0) return env;
  int32_t obs = 0, n = 0;
  pg_action_kind kind;
  uint64_t cap = 0;
  check(pg_env_get_observation_size(env, &obs), ctx, "obs");
  check(pg_env_get_action_space(env, &kind, &n), ctx, "actions");
  check(pg_env_get_max_episode_steps(env, &cap), ctx, "cap");
  pg_env_destroy(env);
  scaled_env proto = {NULL, obs, scale, task, ctx};
  scaled_env *e = scaled_new(&proto);
  if (!e) exit(1);
  pg_env_vtable vt = {sizeof vt, scaled_reset, scaled_step, scaled_close, NULL, scaled_create,
                      NULL, NULL};
  check(pg_env_create(ctx, &vt, e, "scaled", obs, kind, n, &env), ctx, "env");
  check(pg_env_set_max_episode_steps(env, cap), ctx, "cap");
  check(pg_env_set_seed(env, seed), ctx, "seed");
  return env;
}

static int print_curve(void *user, pg_agent *agent) {
  (void)user;
  double steps = 0.0, mean = 0.0;
  pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps);
  pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean);
  fprintf(stderr, "  %.0f steps: mean-100 %.1f\n", steps, mean);
  return 0;
}

static void set_if(pg_agent *agent, pg_ctx *ctx, pg_param p, double v) {
  if (v >= 0.0) check(pg_agent_set_param(agent, p, v), ctx, "set_param");
}

/* PAAC or A3C on `task` with an LSTM (recurrent) or a second dense layer;
** prints and returns the final mean-100 return. */
static double learn(const char *task, bool recurrent, long steps, uint64_t seed,
                    const learn_cfg *c) {
  pg_ctx *ctx = NULL;
  check(pg_ctx_create(NULL, NULL, &ctx), NULL, "pg_ctx_create");
  check(pg_ctx_set_seed(ctx, seed), ctx, "seed");
  pg_env *env = make_env(ctx, task, seed, c->scale);
  int32_t obs = 0, n = 0;
  pg_action_kind kind;
  check(pg_env_get_observation_size(env, &obs), ctx, "obs");
  check(pg_env_get_action_space(env, &kind, &n), ctx, "actions");
  const size_t H = (size_t)c->units, rows = 2 * (size_t)c->envs * (size_t)c->tmax + (size_t)c->envs;
  pg_net *net = NULL;
  check(pg_net_create(ctx, (size_t)obs, rows, seed, &net), ctx, "net");
  double g = c->gain;
  if (c->dense) {
    check(pg_net_add_dense(net, H, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, g * sqrt(2.0)), ctx,
          "dense");
    g = 1.0;
  }
  if (recurrent) check(pg_net_add_lstm(net, H, PG_INIT_GLOROT_UNIFORM, g), ctx, "lstm");
  else check(pg_net_add_dense(net, H, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, g * sqrt(2.0)), ctx,
             "dense");
  check(pg_net_add_categorical_head(net, (size_t)n, PG_INIT_ORTHOGONAL, 0.01), ctx, "head");
  check(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), ctx, "value");
  check(pg_net_finalize(net), ctx, "finalize");
  pg_agent *agent = NULL;
  check(pg_agent_create(ctx, c->a3c ? PG_ALGO_A3C : PG_ALGO_PAAC, net, NULL, &agent), ctx, "agent");
  check(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, c->envs), ctx, "num_envs");
  if (c->a3c) check(pg_agent_set_param(agent, PG_PARAM_NUM_THREADS, c->threads), ctx, "num_threads");
  check(pg_agent_set_param(agent, PG_PARAM_T_MAX, c->tmax), ctx, "t_max");
  if (c->optim > 0) check(pg_agent_set_param(agent, PG_PARAM_OPTIMIZER, c->optim), ctx, "optimizer");
  set_if(agent, ctx, PG_PARAM_LR, c->lr);
  set_if(agent, ctx, PG_PARAM_ENTROPY_BETA, c->beta);
  set_if(agent, ctx, PG_PARAM_CLIP_NORM, c->clip);
  set_if(agent, ctx, PG_PARAM_GAMMA, c->gamma);
  set_if(agent, ctx, PG_PARAM_VALUE_COEF, c->value_coef);
  set_if(agent, ctx, PG_PARAM_LR_ANNEAL_STEPS, c->anneal_budget ? (double)steps : c->anneal);
  if (c->norm) check(pg_agent_set_param(agent, PG_PARAM_NORM_OBS, 1.0), ctx, "norm_obs");
  set_if(agent, ctx, PG_PARAM_OBS_CLIP, c->obs_clip);
  set_if(agent, ctx, PG_PARAM_GAE_LAMBDA, c->lambda);
  if (c->curve > 0)
    check(pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, c->curve), ctx, "report_interval");
  if (c->log) {
    char path[512];
    snprintf(path, sizeof path, "%s-%s-seed%llu.csv", c->log, recurrent ? "recurrent" : "ff",
             (unsigned long long)seed);
    check(pg_agent_set_log_file(agent, path), ctx, "log");
  }
  check(pg_agent_train(agent, env, steps, c->curve > 0 ? print_curve : NULL, NULL), ctx, "train");
  double mean = 0.0, greedy = 0.0;
  check(pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean), ctx, "stat");
  printf(" %.2f", mean);
  if (c->eval > 0) {
    check(pg_agent_evaluate(agent, env, c->eval, 1, &greedy, NULL), ctx, "evaluate");
    printf(" [%.1f]", greedy);
  }
  pg_agent_destroy(agent);
  pg_net_destroy(net);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return mean;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "time") == 0) {
    pg_ctx *ctx = NULL;
    check(pg_ctx_create(NULL, NULL, &ctx), NULL, "pg_ctx_create");
    time_segment(ctx, 5);
    time_segment(ctx, 20);
    pg_ctx_destroy(ctx);
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "learn") == 0) {
    long steps = atol(argv[3]);
    int seeds = argc >= 5 ? atoi(argv[4]) : 5;
    bool a3c = argc >= 6 && strcmp(argv[5], "a3c") == 0;
    learn_cfg c;
    learn_defaults(&c, a3c);
    int which = 2; /* 0: recurrent only, 1: feed-forward only, 2: both */
    for (int i = 6; i < argc; i++) {
      if (strcmp(argv[i], "recurrent") == 0) which = 0;
      else if (strcmp(argv[i], "ff") == 0) which = 1;
      else learn_option(&c, argv[i]);
    }
    for (int r = 0; r < 2; r++) {
      if (which != 2 && which != r) continue;
      printf("%s (%d units) %s on %s, %ld steps, envs %d, t_max %d:",
             r == 0 ? "recurrent LSTM" : "feed-forward", c.units,
             a3c ? "A3C" : "PAAC", argv[2], steps, c.envs, c.tmax);
      for (int s = c.first; s < c.first + seeds; s++) {
        (void)learn(argv[2], r == 0, steps, (uint64_t)s, &c);
        fflush(stdout);
      }
      printf("\n");
    }
    return 0;
  }
  fprintf(stderr, "usage: bench_lstm time | bench_lstm learn TASK STEPS [SEEDS [paac|a3c "
                  "[recurrent|ff] [key=value ...]]]\n");
  return 2;
}
