/* Learning from pixels: PAAC and A3C with a conv trunk
** (pg_agent_create_for_env_trunk) on the built-in pixel games, learned from
** their image observations: Catch (10 x 5 x 1), Bounce (10 x 10 x 2) and
** Dodge (10 x 10 x 1). Per seed: train until the 100-episode training mean
** reaches the task's threshold or the step budget is spent, then play 100
** greedy episodes. One line per seed: the untrained policy's mean (200
** sampled episodes), steps, wall time, training mean, greedy mean; then the
** count of seeds at the threshold (docs/RESULTS.md).
**
** usage: bench_conv_learn [paac|a3c] [budget] [seeds] [small|nips|nature] [TASK] [84x84x4]
**                         [name=value ...]
** With 84x84x4 the game goes through the wrappers first: grayscale and
** bilinear resize to 84 x 84, then a stack of 4 frames (the Atari input of
** the nips and nature trunks; 1-channel games only). name=value sets an
** agent parameter by its pg_param_from_name name (lr=0.001, clip_norm=0.5,
** num_threads=1, ...); curve=N prints the training mean and the entropy
** every N steps; separate=1 (small trunk only) trains a policy net and a
** value net of their own, each with the small trunk, as A3C's trunk
** constructor first built them (docs/RESULTS.md, "Pixel games").
**        bench_conv_learn baselines [episodes]
** The second form prints each game's random-policy and hand-written-policy
** means (bench/pixel_policies.h; docs/ENVIRONMENTS.md). */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pixel_policies.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The progress callback: stop at the threshold; with curve > 0 also print
** the training mean every `curve` steps. */
typedef struct progress {
  double threshold, curve, next;
} progress;

static int stop_at(void *user, pg_agent *a) {
  progress *p = user;
  double mean = 0.0, episodes = 0.0, steps = 0.0, ent = 0.0;
  pg_agent_get_stat(a, PG_STAT_EPISODES, &episodes);
  pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean);
  if (p->curve > 0.0) {
    pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps);
    pg_agent_get_stat(a, PG_STAT_ENTROPY, &ent);
    if (steps >= p->next) {
      printf("  %8.0f steps  %6.0f episodes  mean-100 %7.3f  entropy %.3f\n", steps, episodes,
             mean, ent);
      fflush(stdout);
      while (p->next <= steps) p->next += p->curve;
    }
  }
  return episodes >= 100.0 && mean >= p->threshold;
}

static void fail(pg_ctx *ctx) {
  fprintf(stderr, "bench_conv_learn: %s\n", pg_ctx_last_error(ctx));
  exit(1);
}

/* The pixel games, the training mean that counts as learned, and the
** hand-written policy. */
static const struct pixel_task {
  const char *name;
  double threshold;
  pixel_policy_fn policy;
} tasks[] = {
    {"Catch", 0.9, pixel_catch_policy},
    {"Bounce", 4.0, pixel_bounce_policy},
    {"Dodge", 30.0, pixel_dodge_policy},
};
enum { N_TASKS = (int)(sizeof tasks / sizeof tasks[0]) };

/* *env -> grayscale 84 x 84 (bilinear) -> 4 stacked frames; on failure
** *env is still the unwrapped game. */
static pg_status wrap_atari(pg_env **env) {
  pg_env *gray = NULL, *stacked = NULL;
  pg_status st = pg_env_wrap_grayscale_resize(*env, 84, 84, PG_RESAMPLE_BILINEAR, &gray);
  if (st != PG_OK) return st;
  *env = gray;
  st = pg_env_wrap_frame_stack(gray, 4, &stacked);
  if (st == PG_OK) *env = stacked;
  return st;
}

static int baselines(int episodes) {
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  printf("bench_conv_learn baselines: mean return over %d episodes, seed 1\n", episodes);
  printf("%-8s %10s %12s %10s\n", "task", "random", "hand-written", "threshold");
  for (int t = 0; t < N_TASKS; t++) {
    double random = 0, hand = 0;
    if (pixel_policy_mean(ctx, tasks[t].name, pixel_random_policy, episodes, 1, &random) != 0 ||
        pixel_policy_mean(ctx, tasks[t].name, tasks[t].policy, episodes, 1, &hand) != 0)
      fail(ctx);
    printf("%-8s %10.3f %12.3f %10.2f\n", tasks[t].name, random, hand, tasks[t].threshold);
  }
  pg_ctx_destroy(ctx);
  return 0;
}

/* The small trunk (PG_TRUNK_SMALL's layers) with a policy head, a value
** head or both: separate=1 builds A3C's former layout from two of them. */
static pg_status small_net(pg_ctx *ctx, const pg_env *env, uint64_t seed, int policy,
                           int value, pg_net **out) {
  int32_t h = 0, w = 0, c = 0, n = 0;
  pg_action_kind kind;
  (void)pg_env_get_observation_image(env, &h, &w, &c);
  pg_status st = pg_env_get_action_space(env, &kind, &n);
  if (st == PG_OK) st = pg_net_create_image(ctx, (size_t)h, (size_t)w, (size_t)c, 512, seed, out);
  if (st != PG_OK) return st;
  st = pg_net_add_conv2d(*out, 16, 3, 3, 1, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                         PG_INIT_HE_UNIFORM, 1.0);
  if (st == PG_OK)
    st = pg_net_add_conv2d(*out, 32, 3, 3, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                           PG_INIT_HE_UNIFORM, 1.0);
  if (st == PG_OK) st = pg_net_add_flatten(*out);
  if (st == PG_OK) st = pg_net_add_dense(*out, 128, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0);
  if (st == PG_OK && policy)
    st = pg_net_add_categorical_head(*out, (size_t)n, PG_INIT_ORTHOGONAL, 0.01);
  if (st == PG_OK && value) st = pg_net_add_value_head(*out, PG_INIT_ORTHOGONAL, 1.0);
  if (st == PG_OK) st = pg_net_finalize(*out);
  if (st != PG_OK) {
    pg_net_destroy(*out);
    *out = NULL;
  }
  return st;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "baselines") == 0)
    return baselines(argc > 2 ? atoi(argv[2]) > 0 ? atoi(argv[2]) : 1000 : 1000);
  /* positional arguments, then name=value options */
  const char *pos[6] = {"paac", "200000", "5", "small", "Catch", NULL};
  int npos = 0, first_opt = argc, bad = 0;
  for (int i = 1; i < argc; i++) {
    if (strchr(argv[i], '=')) {
      if (first_opt == argc) first_opt = i;
    } else if (first_opt < argc || npos >= 6) {
      bad = 1;
    } else {
      pos[npos++] = argv[i];
    }
  }
  const char *algo_name = pos[0];
  long budget = atol(pos[1]);
  int seeds = atoi(pos[2]);
  const char *trunk_name = pos[3];
  pg_algorithm algo = strcmp(algo_name, "a3c") == 0 ? PG_ALGO_A3C : PG_ALGO_PAAC;
  pg_trunk trunk = PG_TRUNK_SMALL;
  for (int t = PG_TRUNK_NIPS; t <= PG_TRUNK_SMALL; t++)
    if (strcmp(trunk_name, pg_trunk_name((pg_trunk)t)) == 0) trunk = (pg_trunk)t;
  const struct pixel_task *task = NULL;
  for (int t = 0; t < N_TASKS; t++)
    if (strcmp(pos[4], tasks[t].name) == 0) task = &tasks[t];
  int atari = pos[5] && strcmp(pos[5], "84x84x4") == 0;
  double curve = 0.0;
  int separate = 0;
  for (int i = first_opt; i < argc; i++) {
    if (strncmp(argv[i], "curve=", 6) == 0) curve = atof(argv[i] + 6);
    if (strncmp(argv[i], "separate=", 9) == 0) separate = atoi(argv[i] + 9);
  }
  if (budget < 1 || seeds < 1 || !task || (pos[5] && !atari) || bad ||
      (separate && (trunk != PG_TRUNK_SMALL || atari))) {
    fprintf(stderr, "usage: bench_conv_learn [paac|a3c] [budget] [seeds] [small|nips|nature] "
                    "[Catch|Bounce|Dodge] [84x84x4] [name=value ...]\n"
                    "       bench_conv_learn baselines [episodes]\n");
    return 2;
  }
  printf("bench_conv_learn: %s, %s trunk%s, %s pixels%s, budget %ld steps, threshold %.2f",
         pg_algorithm_name(algo), pg_trunk_name(trunk), separate ? " (policy and value nets apart)" : "",
         task->name, atari ? " resized to 84x84, 4 stacked" : "", budget, task->threshold);
  for (int i = first_opt; i < argc; i++) printf(" %s", argv[i]);
  printf("\n");
  int reached = 0;
  for (int seed = 1; seed <= seeds; seed++) {
    pg_ctx *ctx = NULL;
    pg_env *env = NULL;
    pg_agent *a = NULL;
    pg_net *net = NULL, *vnet = NULL;
    if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
    if (pg_ctx_set_seed(ctx, (uint64_t)seed) != PG_OK ||
        pg_env_create_builtin(ctx, task->name, (uint64_t)seed, &env) != PG_OK ||
        (atari && wrap_atari(&env) != PG_OK))
      fail(ctx);
    if (separate) {
      if (small_net(ctx, env, 2 * (uint64_t)seed, 1, 0, &net) != PG_OK ||
          small_net(ctx, env, 2 * (uint64_t)seed + 1, 0, 1, &vnet) != PG_OK ||
          pg_agent_create(ctx, algo, net, vnet, &a) != PG_OK)
        fail(ctx);
    } else if (pg_agent_create_for_env_trunk(ctx, algo, env, trunk, &a) != PG_OK) {
      fail(ctx);
    }
    for (int i = first_opt; i < argc; i++) {
      char name[64];
      size_t len = (size_t)(strchr(argv[i], '=') - argv[i]);
      if (len >= sizeof name) fail(ctx);
      memcpy(name, argv[i], len);
      name[len] = 0;
      if (strcmp(name, "curve") == 0 || strcmp(name, "separate") == 0) continue;
      if (pg_agent_set_param_by_name(a, name, atof(argv[i] + len + 1)) != PG_OK) fail(ctx);
    }
    double steps = 0, mean = 0, greedy = 0, untrained = 0;
    progress prog = {task->threshold, curve, curve};
    /* The untrained policy (policy head gain 0.01: near uniform), sampled. */
    if (pg_agent_evaluate(a, env, 200, 0, &untrained, NULL) != PG_OK) fail(ctx);
    double t0 = now();
    if (pg_agent_train(a, env, budget, stop_at, &prog) != PG_OK) fail(ctx);
    double dt = now() - t0;
    pg_agent_get_stat(a, PG_STAT_TOTAL_STEPS, &steps);
    pg_agent_get_stat(a, PG_STAT_MEAN_RETURN_100, &mean);
    if (pg_agent_evaluate(a, env, 100, 1, &greedy, NULL) != PG_OK) fail(ctx);
    reached += mean >= task->threshold;
    printf("seed %d: untrained %+.3f  %8.0f steps %7.1f s  training mean %.3f  greedy mean %.3f\n",
           seed, untrained, steps, dt, mean, greedy);
    fflush(stdout);
    pg_agent_destroy(a);
    pg_net_destroy(net);
    pg_net_destroy(vnet);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
  printf("%d of %d seeds reached a training mean of %.2f\n", reached, seeds, task->threshold);
  return 0;
}
