/* Prints, for a few 64-bit seeds, what the library derives from them: the
** first observations of built-in tasks (as float bit patterns) and the seeds
** it hands to a host environment's reset and create callbacks. The Python
** and Lua binding suites run this program (its path comes from ctest in
** PG_SEED_REPLAY), do the same through their binding and compare the text
** line for line, so a seed rounded anywhere on the way (a Lua number is a
** double: exact only up to 2^53) shows up as a differing line.
**
** Output, one record per line, all numbers in lower-case hex (seeds 16
** digits, floats as their 8-digit IEEE-754 bit pattern):
**   seed S                                  (the seeds, in order)
**   builtin NAME S RESET OBS0 OBS1 ...      (Env.builtin(NAME, S), reset RESET = 0, 1)
**   host S RESET SEED                       (host env, set_seed(S): reset seeds)
**   ctx S SEED                              (host env of a context seeded S: first reset seed)
**   clone S INDEX create SEED reset SEED    (clone(INDEX, S): factory seed, first reset seed)
**   vec S INDEX create SEED reset SEED      (vec env of 3 seeded S, after one reset)
** Exit status 0, or 1 with a message on stderr if a call fails. */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INSTANCES 8

/* What the callbacks saw: one record per host instance. */
typedef struct recorder {
  int32_t index;        /* -1 for the instance made by pg_env_create */
  uint64_t create_seed; /* the seed given to the create callback */
  uint64_t reset_seeds[4];
  int n_resets;
} recorder;

static recorder g_instances[MAX_INSTANCES];
static int g_n_instances;

static recorder *new_recorder(int32_t index, uint64_t seed) {
  if (g_n_instances == MAX_INSTANCES) return NULL;
  recorder *r = &g_instances[g_n_instances++];
  memset(r, 0, sizeof *r);
  r->index = index;
  r->create_seed = seed;
  return r;
}

static int rec_reset(void *user, uint64_t seed, float *obs) {
  recorder *r = user;
  if (r->n_resets < 4) r->reset_seeds[r->n_resets] = seed;
  r->n_resets++;
  obs[0] = 0.0f;
  return 0;
}

static int rec_step(void *user, const float *action, float *obs, float *reward,
                    int32_t *terminated, int32_t *truncated) {
  obs[0] = 0.0f;
  *reward = 0.0f;
  *terminated = 1;
  return 0;
}

static int rec_create(void *factory_user, int32_t index, uint64_t seed, void **instance_user) {
  recorder *r = new_recorder(index, seed);
  *instance_user = r;
  return r ? 0 : 1;
}

static const uint64_t SEEDS[] = {
    0xFEDCBA9876543210u, 0xFFFFFFFFFFFFFFFFu, 0x8000000000000001u,
    0x0020000000000001u, /* 2^53 + 1: the first integer a double cannot hold */
    12345u, 0u,
};
static const char *const TASKS[] = {"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0"};

static pg_ctx *g_ctx;

static void check(pg_status st, const char *what) {
  if (st == PG_OK) return;
  fprintf(stderr, "seed_replay: %s failed: %s (%s)\n", what, pg_status_string(st),
          g_ctx ? pg_ctx_last_error(g_ctx) : "");
  exit(1);
}

static unsigned long long u64(uint64_t v) { return (unsigned long long)v; }

static void print_obs(const char *task, uint64_t seed, int reset, const float *obs, int32_t n) {
  printf("builtin %s %016llx %d", task, u64(seed), reset);
  for (int32_t i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &obs[i], sizeof bits);
    printf(" %08lx", (unsigned long)bits);
  }
  printf("\n");
}

static void replay_builtins(uint64_t seed) {
  for (size_t t = 0; t < sizeof TASKS / sizeof *TASKS; t++) {
    pg_env *env = NULL;
    int32_t n = 0;
    float obs[16];
    check(pg_env_create_builtin(g_ctx, TASKS[t], seed, &env), "pg_env_create_builtin");
    check(pg_env_get_observation_size(env, &n), "pg_env_get_observation_size");
    if (n > 16) check(PG_ERR_SHAPE, "observation size");
    for (int k = 0; k < 2; k++) {
      check(pg_env_reset(env, obs, (size_t)n), "pg_env_reset");
      print_obs(TASKS[t], seed, k, obs, n);
    }
    pg_env_destroy(env);
  }
}

static pg_env *host_env(pg_ctx *ctx) {
  static const pg_env_vtable vt = {sizeof(pg_env_vtable), rec_reset, rec_step, NULL, NULL,
                                   rec_create, NULL, NULL};
  pg_env *env = NULL;
  recorder *r = new_recorder(-1, 0);
  if (!r) check(PG_ERR_NOMEM, "recorder");
  check(pg_env_create(ctx, &vt, r, "replay", 1, PG_ACTION_DISCRETE, 2, &env), "pg_env_create");
  return env;
}

static void replay_host(uint64_t seed) {
  float obs[3];
  g_n_instances = 0;
  pg_env *env = host_env(g_ctx);
  check(pg_env_set_seed(env, seed), "pg_env_set_seed");
  for (int k = 0; k < 2; k++) {
    check(pg_env_reset(env, obs, 1), "pg_env_reset");
    printf("host %016llx %d %016llx\n", u64(seed), k, u64(g_instances[0].reset_seeds[k]));
  }

  pg_env *clone = NULL;
  check(pg_env_clone(env, 3, seed, &clone), "pg_env_clone");
  check(pg_env_reset(clone, obs, 1), "pg_env_reset (clone)");
  recorder *c = &g_instances[g_n_instances - 1];
  printf("clone %016llx %d create %016llx reset %016llx\n", u64(seed), (int)c->index,
         u64(c->create_seed), u64(c->reset_seeds[0]));
  pg_env_destroy(clone);

  int first = g_n_instances;
  pg_vec_env *vec = NULL;
  check(pg_vec_env_create(env, 3, 1, seed, &vec), "pg_vec_env_create");
  check(pg_vec_env_reset(vec, obs, 3), "pg_vec_env_reset");
  for (int i = first; i < g_n_instances; i++)
    printf("vec %016llx %d create %016llx reset %016llx\n", u64(seed), (int)g_instances[i].index,
           u64(g_instances[i].create_seed), u64(g_instances[i].reset_seeds[0]));
  pg_vec_env_destroy(vec);
  pg_env_destroy(env);

  pg_ctx *ctx = NULL;
  check(pg_ctx_create(NULL, NULL, &ctx), "pg_ctx_create");
  check(pg_ctx_set_seed(ctx, seed), "pg_ctx_set_seed");
  g_n_instances = 0;
  env = host_env(ctx);
  check(pg_env_reset(env, obs, 1), "pg_env_reset (context seed)");
  printf("ctx %016llx %016llx\n", u64(seed), u64(g_instances[0].reset_seeds[0]));
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

int main(void) {
  check(pg_ctx_create(NULL, NULL, &g_ctx), "pg_ctx_create");
  for (size_t s = 0; s < sizeof SEEDS / sizeof *SEEDS; s++) printf("seed %016llx\n", u64(SEEDS[s]));
  for (size_t s = 0; s < sizeof SEEDS / sizeof *SEEDS; s++) {
    replay_builtins(SEEDS[s]);
    replay_host(SEEDS[s]);
  }
  pg_ctx_destroy(g_ctx);
  return fflush(stdout) == 0 ? 0 : 1;
}
