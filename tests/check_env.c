/* Environments: built-in tasks against reference trajectories, the host
** vtable, validation, the vectorized stepper (1 and 2+ threads), episode
** statistics and allocation failures. Uses threads (pg_vec_env with
** n_threads > 1). */
#include "testutil.h"

#include "env/pg_env_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/env_refs.h"

/* ---- a scripted host environment, written against the public header ---- */

typedef struct host {
  int32_t index;
  uint64_t seed;
  int32_t t;
  float pos;
  int fail_step;  /* step callback fails at this step (0 = never) */
  int fail_reset; /* reset callback fails */
  int nan_step;   /* observation NaN at this step */
  int nan_reward; /* reward NaN at this step */
  int use_mask;   /* action 2 is masked out on odd steps */
  int empty_mask; /* the mask allows nothing */
  int fail_create;
  int *closed;    /* counts close calls */
  const pthread_t *caller; /* with foreign: steps on other threads are counted */
  atomic_int *foreign;
} host;

static int host_reset(void *user, uint64_t seed, float *obs) {
  host *h = user;
  if (h->fail_reset) return 7;
  h->seed = seed;
  h->t = 0;
  h->pos = (float)(seed % 5);
  obs[0] = h->pos;
  obs[1] = (float)h->index;
  obs[2] = 0.0f;
  return 0;
}

static int host_step(void *user, const float *action, float *obs, float *reward,
                     int32_t *terminated, int32_t *truncated) {
  host *h = user;
  if (h->foreign && !pthread_equal(pthread_self(), *h->caller))
    atomic_fetch_add_explicit(h->foreign, 1, memory_order_relaxed);
  h->t++;
  if (h->fail_step == h->t) return -3;
  int a = (int)action[0];
  h->pos += (float)(a - 1) + 0.25f;
  obs[0] = h->pos;
  obs[1] = (float)h->index;
  obs[2] = h->nan_step == h->t ? NAN : (float)h->t;
  *reward = h->nan_reward == h->t ? NAN : 0.5f * (float)a + (float)h->index;
  *terminated = h->pos >= 6.0f;
  *truncated = h->t >= 5 ? 7 : 0; /* any nonzero means 1 */
  return 0;
}

static int host_close(void *user) {
  host *h = user;
  if (h->closed) (*h->closed)++;
  free(h);
  return 0;
}

static int host_mask(void *user, uint8_t *mask) {
  host *h = user;
  mask[0] = mask[1] = (uint8_t)!h->empty_mask;
  mask[2] = (uint8_t)(!h->empty_mask && !(h->use_mask && h->t % 2 == 1));
  return 0;
}

static int host_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  const host *parent = factory_user;
  if (parent->fail_create) return 42;
  host *h = malloc(sizeof *h);
  if (!h) return 1;
  *h = *parent;
  h->index = index;
  h->seed = seed;
  *out = h;
  return 0;
}

static const pg_env_vtable host_vt = {sizeof(pg_env_vtable), host_reset, host_step,
                                      host_close,            host_mask,  host_create,
                                      NULL,                  NULL};

static host *new_host(int *closed) {
  host *h = calloc(1, sizeof *h);
  ck_assert_ptr_nonnull(h);
  h->closed = closed;
  return h;
}

static pg_env *make_host_env(pg_ctx *ctx, host *h) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, "host", 3, PG_ACTION_DISCRETE, 3, &env), PG_OK);
  return env;
}

/* ---- built-ins ----------------------------------------------------------- */

/* CueCorridor's length in the creation name: at each length a policy that
** remembers the cue gets +1 after length + 1 steps, one that answers the
** other way -1; the time limit follows; siblings made by the factory (a
** vec env) keep the length; bad options are refused with a message. */
static void cue_episode(pg_env *env, int32_t length, int remember) {
  float obs[3];
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  ck_assert(obs[0] == 1.0f || obs[0] == -1.0f);
  float cue = obs[0], reward = 0.0f;
  int32_t te = 0, tr = 0, steps = 0;
  while (!te && !tr) {
    ck_assert_float_eq(obs[1], (float)steps / (float)length);
    ck_assert_float_eq(obs[2], steps == length ? 1.0f : 0.0f);
    float a = (cue > 0.0f) == (remember != 0) ? 1.0f : 0.0f;
    ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &reward, &te, &tr), PG_OK);
    steps++;
    if (!te) ck_assert_float_eq(reward, 0.0f);
  }
  ck_assert_int_eq(te, 1);
  ck_assert_int_eq(steps, length + 1);
  ck_assert_float_eq(reward, remember ? 1.0f : -1.0f);
}

START_TEST(test_cue_corridor_lengths) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  static const int32_t lengths[] = {1, 3, 6, 20, 1000};
  for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
    char name[64];
    snprintf(name, sizeof name, "CueCorridor:length=%d", (int)lengths[i]);
    pg_env *env = NULL;
    ck_assert_int_eq(pg_env_create_builtin(ctx, name, 7, &env), PG_OK);
    ck_assert_str_eq(pg_env_get_name(env), name);
    uint64_t cap = 0;
    ck_assert_int_eq(pg_env_get_max_episode_steps(env, &cap), PG_OK);
    ck_assert_uint_eq(cap, (uint64_t)lengths[i] + 1);
    for (int e = 0; e < 4; e++) cue_episode(env, lengths[i], e % 2 == 0);
    /* the factory's instances have the same length */
    pg_vec_env *vec = NULL;
    ck_assert_int_eq(pg_vec_env_create(env, 2, 1, 3, &vec), PG_OK);
    float obs[6];
    ck_assert_int_eq(pg_vec_env_reset(vec, obs, 6), PG_OK);
    for (int32_t t = 0; t < lengths[i]; t++) {
      float act[2] = {0.0f, 0.0f}, rew[2];
      int32_t te[2], tr[2];
      ck_assert_int_eq(pg_vec_env_step(vec, act, 2, obs, 6, rew, te, tr, NULL), PG_OK);
      ck_assert(!te[0] && !te[1]);
    }
    ck_assert_float_eq(obs[2], 1.0f);
    ck_assert_float_eq(obs[5], 1.0f);
    pg_vec_env_destroy(vec);
    pg_env_destroy(env);
  }
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CueCorridor", 7, &env), PG_OK);
  uint64_t cap = 0;
  ck_assert_int_eq(pg_env_get_max_episode_steps(env, &cap), PG_OK);
  ck_assert_uint_eq(cap, 7);
  cue_episode(env, 6, 1);
  pg_env_destroy(env);
  static const char *bad[] = {"CueCorridor:length=0", "CueCorridor:length=1001",
                              "CueCorridor:length=", "CueCorridor:length=5x",
                              "CueCorridor:size=5", "CartPole-v1:length=5"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    env = NULL;
    ck_assert_int_eq(pg_env_create_builtin(ctx, bad[i], 7, &env), PG_ERR_INVALID_ARG);
    ck_assert_ptr_null(env);
    ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), strchr(bad[i], ':') + 1));
  }
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST


START_TEST(test_builtin_names_and_spaces) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  static const struct {
    const char *name;
    int32_t obs, kind, n;
  } want[] = {{"ShortCorridor", 1, PG_ACTION_DISCRETE, 2},
              {"CartPole-v1", 4, PG_ACTION_DISCRETE, 2},
              {"CartPoleContinuous-v1", 4, PG_ACTION_CONTINUOUS, 1},
              {"Acrobot-v1", 6, PG_ACTION_DISCRETE, 3},
              {"MountainCar-v0", 2, PG_ACTION_DISCRETE, 3},
              {"Pendulum-v1", 3, PG_ACTION_CONTINUOUS, 1},
              {"Catch", 50, PG_ACTION_DISCRETE, 3},
              {"CartPolePositions-v1", 2, PG_ACTION_DISCRETE, 2},
              {"CueCorridor", 3, PG_ACTION_DISCRETE, 2},
              {"Bounce", 200, PG_ACTION_DISCRETE, 3},
              {"Dodge", 100, PG_ACTION_DISCRETE, 3}};
  int count = 0;
  while (pg_env_builtin_name(count)) count++;
  ck_assert_int_eq(count, (int)(sizeof want / sizeof *want));
  ck_assert_ptr_null(pg_env_builtin_name(-1));
  for (int i = 0; i < count; i++) {
    ck_assert_str_eq(pg_env_builtin_name(i), want[i].name);
    pg_env *env = NULL;
    ck_assert_int_eq(pg_env_create_builtin(ctx, want[i].name, 1, &env), PG_OK);
    ck_assert_str_eq(pg_env_get_name(env), want[i].name);
    int32_t obs, n, h, w, c;
    pg_action_kind kind;
    ck_assert_int_eq(pg_env_get_observation_size(env, &obs), PG_OK);
    ck_assert_int_eq(pg_env_get_action_space(env, &kind, &n), PG_OK);
    ck_assert_int_eq(obs, want[i].obs);
    ck_assert_int_eq((int)kind, want[i].kind);
    ck_assert_int_eq(n, want[i].n);
    ck_assert_int_eq(pg_env_get_observation_image(env, &h, &w, &c), PG_OK);
    if (strcmp(want[i].name, "Catch") == 0) {
      ck_assert(h == 10 && w == 5 && c == 1);
    } else if (strcmp(want[i].name, "Bounce") == 0 || strcmp(want[i].name, "Dodge") == 0) {
      ck_assert(h == 10 && w == 10 && h * w * c == obs); /* check_pixel_games */
    } else {
      ck_assert(h == 0 && w == 0 && c == 0);
    }
    pg_env_destroy(env);
  }
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &env), PG_OK);
  float lo, hi;
  ck_assert_int_eq(pg_env_get_action_bounds(env, &lo, &hi, 1), PG_OK);
  ck_assert(lo == -2.0f && hi == 2.0f);
  uint64_t cap;
  ck_assert_int_eq(pg_env_get_max_episode_steps(env, &cap), PG_OK);
  ck_assert_uint_eq(cap, 200);
  pg_env_destroy(env);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v0", 1, &env), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(env);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "CartPole-v0"));
  ck_assert_int_eq(pg_env_create_builtin(ctx, NULL, 1, &env), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_create_builtin(NULL, "Catch", 1, &env), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", 1, NULL), PG_ERR_INVALID_ARG);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

static void assert_obs_eq(const float *got, const float *want, int n, const char *what, int ep,
                          int t) {
  for (int i = 0; i < n; i++) {
    double tol = 1e-5 * (1.0 + fabs((double)want[i]));
    ck_assert_msg(fabs((double)got[i] - (double)want[i]) <= tol,
                  "%s episode %d step %d obs[%d]: got %.9g want %.9g", what, ep, t, i,
                  (double)got[i], (double)want[i]);
  }
}

/* Replays one reference case: resets, every observation, reward and flag,
** and the episode statistics. */
static void replay(pg_ctx *ctx, const env_ref *ref) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, ref->env, ref->seed, &env), PG_OK);
  const float *obs_row = ref->obs, *act = ref->actions, *rew = ref->rewards;
  const int *flags = ref->flags;
  size_t os = (size_t)ref->obs_size;
  float obs[64];
  for (int ep = 0; ep < ref->episodes; ep++) {
    ck_assert_int_eq(pg_env_reset(env, obs, os), PG_OK);
    assert_obs_eq(obs, obs_row, ref->obs_size, ref->env, ep, 0);
    obs_row += os;
    double ret = 0;
    for (int t = 1; t <= ref->ep_len[ep]; t++) {
      float r;
      int32_t te, tr;
      ck_assert_int_eq(pg_env_step(env, act++, 1, obs, os, &r, &te, &tr), PG_OK);
      assert_obs_eq(obs, obs_row, ref->obs_size, ref->env, ep, t);
      ck_assert_msg(fabsf(r - *rew) <= 1e-5f * (1.0f + fabsf(*rew)), "%s reward step %d", ref->env, t);
      ck_assert_msg(te + 2 * tr == *flags, "%s ep %d step %d: flags %d+2*%d, want %d", ref->env, ep, t,
                    te, tr, *flags);
      ret += (double)r;
      obs_row += os;
      rew++;
      flags++;
    }
    double last_return;
    uint64_t episodes, last_len;
    ck_assert_int_eq(pg_env_get_episode_stats(env, NULL, NULL, &episodes, &last_return, &last_len), PG_OK);
    ck_assert_uint_eq(episodes, (uint64_t)ep + 1);
    ck_assert_uint_eq(last_len, (uint64_t)ref->ep_len[ep]);
    ck_assert_double_eq_tol(last_return, ret, 1e-9);
  }
  pg_env_destroy(env);
}

START_TEST(test_reference_trajectories) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  for (size_t i = 0; i < sizeof env_refs / sizeof *env_refs; i++) replay(ctx, &env_refs[i]);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* Runs `steps` steps of a builtin with a fixed action pattern, resetting at
** episode ends; writes every observation into out. */
static void run_pattern(pg_env *env, int steps, float *out, size_t os) {
  float *o = out;
  ck_assert_int_eq(pg_env_reset(env, o, os), PG_OK);
  for (int t = 0; t < steps; t++) {
    float a = (float)((t * 7 / 3) % 2), r;
    int32_t te, tr;
    float *next = o + os;
    ck_assert_int_eq(pg_env_step(env, &a, 1, next, os, &r, &te, &tr), PG_OK);
    if (te || tr) ck_assert_int_eq(pg_env_reset(env, next, os), PG_OK);
    o = next;
  }
}

START_TEST(test_deterministic_per_seed) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  enum { STEPS = 200 };
  static float a[(STEPS + 1) * 4], b[(STEPS + 1) * 4], c[(STEPS + 1) * 4];
  pg_env *e1, *e2, *e3;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 99, &e1), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 99, &e2), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 100, &e3), PG_OK);
  run_pattern(e1, STEPS, a, 4);
  run_pattern(e2, STEPS, b, 4);
  run_pattern(e3, STEPS, c, 4);
  ck_assert_mem_eq(a, b, sizeof a);
  ck_assert(memcmp(a, c, sizeof a) != 0);
  /* Re-seeding restarts the sequence of episode seeds. */
  ck_assert_int_eq(pg_env_set_seed(e3, 99), PG_OK);
  run_pattern(e3, STEPS, c, 4);
  ck_assert_mem_eq(a, c, sizeof a);
  /* A clone with the same seed plays the same episodes. */
  pg_env *cl;
  ck_assert_int_eq(pg_env_clone(e1, 3, 99, &cl), PG_OK);
  run_pattern(cl, STEPS, c, 4);
  ck_assert_mem_eq(a, c, sizeof a);
  pg_env_destroy(cl);
  pg_env_destroy(e1);
  pg_env_destroy(e2);
  pg_env_destroy(e3);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Sutton & Barto: v(p) = (2p - 4) / (p (1 - p)); at p* = 2 - sqrt 2 it is
** about -11.66. A Monte-Carlo estimate over 4000 episodes. */
START_TEST(test_short_corridor_value) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env;
  pg_rng *rng;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "ShortCorridor", 1, &env), PG_OK);
  ck_assert_int_eq(pg_rng_create(ctx, 5, 0, &rng), PG_OK);
  const double p = 2.0 - sqrt(2.0);
  float obs;
  for (int ep = 0; ep < 4000; ep++) {
    ck_assert_int_eq(pg_env_reset(env, &obs, 1), PG_OK);
    ck_assert(obs == 1.0f);
    int32_t te = 0, tr = 0;
    while (!te && !tr) {
      double u;
      pg_rng_uniform(rng, &u);
      float a = u < p ? 1.0f : 0.0f, r;
      ck_assert_int_eq(pg_env_step(env, &a, 1, &obs, 1, &r, &te, &tr), PG_OK);
      ck_assert(r == -1.0f);
    }
    ck_assert_int_eq(tr, 0);
  }
  /* Mean return from the statistics: (sum of lengths) via the last ones is
  ** not kept, so recompute with a second pass over the counter. */
  uint64_t episodes;
  ck_assert_int_eq(pg_env_get_episode_stats(env, NULL, NULL, &episodes, NULL, NULL), PG_OK);
  ck_assert_uint_eq(episodes, 4000);
  pg_rng_destroy(rng);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_short_corridor_mean_return) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env;
  pg_rng *rng;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "ShortCorridor", 2, &env), PG_OK);
  ck_assert_int_eq(pg_rng_create(ctx, 6, 0, &rng), PG_OK);
  const double p = 2.0 - sqrt(2.0);
  double sum = 0;
  float obs;
  const int n = 4000;
  for (int ep = 0; ep < n; ep++) {
    pg_env_reset(env, &obs, 1);
    int32_t te = 0, tr = 0;
    while (!te && !tr) {
      double u;
      pg_rng_uniform(rng, &u);
      float a = u < p ? 1.0f : 0.0f, r;
      pg_env_step(env, &a, 1, &obs, 1, &r, &te, &tr);
    }
    double last;
    pg_env_get_episode_stats(env, NULL, NULL, NULL, &last, NULL);
    sum += last;
  }
  double v = (2 * p - 4) / (p * (1 - p));
  ck_assert_double_eq_tol(v, -11.657, 0.01);
  ck_assert_double_eq_tol(sum / n, v, 0.5);
  /* A policy that always goes left never ends: truncated at the cap. */
  ck_assert_int_eq(pg_env_set_max_episode_steps(env, 25), PG_OK);
  pg_env_reset(env, &obs, 1);
  int32_t te = 0, tr = 0;
  int steps = 0;
  while (!te && !tr) {
    float a = 0.0f, r;
    ck_assert_int_eq(pg_env_step(env, &a, 1, &obs, 1, &r, &te, &tr), PG_OK);
    steps++;
  }
  ck_assert_int_eq(steps, 25);
  ck_assert(tr == 1 && te == 0);
  pg_rng_destroy(rng);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- host environments ------------------------------------------------------ */

START_TEST(test_host_env_lifecycle) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  int closed = 0;
  pg_env *env = make_host_env(ctx, new_host(&closed));
  float obs[3], r;
  int32_t te, tr;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  /* Masks: all allowed after reset (t = 0 is even). */
  uint8_t mask[3];
  ck_assert_int_eq(pg_env_get_action_mask(env, mask, 3), PG_OK);
  ck_assert(mask[0] && mask[1] && mask[2]);
  float a = 1.0f;
  for (int t = 1; t <= 5; t++) {
    ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
    ck_assert(r == 0.5f);
    ck_assert_int_eq(te, 0);
    ck_assert_int_eq(tr, t == 5); /* the host's 7 is normalised to 1 */
  }
  double ret, last;
  uint64_t len, eps, last_len;
  ck_assert_int_eq(pg_env_get_episode_stats(env, &ret, &len, &eps, &last, &last_len), PG_OK);
  ck_assert(ret == 2.5 && len == 5 && eps == 1 && last == 2.5 && last_len == 5);
  /* A step cap set by the caller truncates too. */
  ck_assert_int_eq(pg_env_set_max_episode_steps(env, 2), PG_OK);
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(tr, 0);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(tr, 1);
  /* Clones own their user pointers; destroy closes each once. */
  pg_env *c1, *c2;
  ck_assert_int_eq(pg_env_clone(env, 1, 5, &c1), PG_OK);
  ck_assert_int_eq(pg_env_clone(c1, 2, 6, &c2), PG_OK);
  ck_assert_str_eq(pg_env_get_name(c2), "host");
  ck_assert_int_eq(pg_env_reset(c2, obs, 3), PG_OK);
  ck_assert(obs[1] == 2.0f);
  pg_env_destroy(env);
  ck_assert_int_eq(closed, 1);
  pg_env_destroy(c1);
  pg_env_destroy(c2);
  ck_assert_int_eq(closed, 3);
  pg_env_destroy(NULL);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* An older caller's vtable (struct_size without `create`): the member is
** ignored even if the memory after it holds a pointer. */
START_TEST(test_vtable_struct_size) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  int closed = 0;
  pg_env_vtable vt = host_vt;
  vt.struct_size = (uint32_t)offsetof(pg_env_vtable, create);
  pg_env *env = NULL, *cl = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, new_host(&closed), "old", 3, PG_ACTION_DISCRETE, 3, &env), PG_OK);
  ck_assert_int_eq(pg_env_clone(env, 0, 1, &cl), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(cl);
  pg_vec_env *vec = NULL;
  ck_assert_int_eq(pg_vec_env_create(env, 2, 1, 1, &vec), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(vec);
  pg_env_destroy(env);
  ck_assert_int_eq(closed, 1);
  /* Too small for step: rejected; so are missing callbacks. */
  host *h = new_host(&closed);
  vt.struct_size = (uint32_t)offsetof(pg_env_vtable, step);
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "x", 3, PG_ACTION_DISCRETE, 3, &env), PG_ERR_INVALID_ARG);
  vt = host_vt;
  vt.step = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "x", 3, PG_ACTION_DISCRETE, 3, &env), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_create(ctx, NULL, h, "x", 3, PG_ACTION_DISCRETE, 3, &env), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, "x", 0, PG_ACTION_DISCRETE, 3, &env), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, "x", 3, PG_ACTION_DISCRETE, 0, &env), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, "x", 3, (pg_action_kind)5, 3, &env), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, "x", 3, PG_ACTION_DISCRETE, 3, NULL), PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(env);
  ck_assert_int_eq(closed, 1); /* a failed create does not close */
  free(h);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_setters) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env = NULL;
  host *h = new_host(NULL);
  ck_assert_int_eq(pg_env_create(ctx, &host_vt, h, NULL, 12, PG_ACTION_CONTINUOUS, 2, &env), PG_OK);
  ck_assert_str_eq(pg_env_get_name(env), "env");
  ck_assert_int_eq(pg_env_set_observation_image(env, 2, 3, 3), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_set_observation_image(env, 0, 3, 4), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_env_set_observation_image(env, 2, 3, 2), PG_OK);
  int32_t ih, iw, ic;
  pg_env_get_observation_image(env, &ih, &iw, &ic);
  ck_assert(ih == 2 && iw == 3 && ic == 2);
  float lo[2] = {-1, 0}, hi[2] = {1, 5}, glo[2], ghi[2];
  ck_assert_int_eq(pg_env_get_action_bounds(env, glo, ghi, 2), PG_OK);
  ck_assert(glo[0] == -1.0f && ghi[1] == 1.0f); /* default [-1, 1] */
  ck_assert_int_eq(pg_env_set_action_bounds(env, lo, hi, 1), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_set_action_bounds(env, hi, lo, 2), PG_ERR_OUT_OF_RANGE);
  float bad[2] = {NAN, 0};
  ck_assert_int_eq(pg_env_set_action_bounds(env, bad, hi, 2), PG_ERR_NUMERIC);
  ck_assert_int_eq(pg_env_set_action_bounds(env, NULL, hi, 2), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_set_action_bounds(env, lo, hi, 2), PG_OK);
  ck_assert_int_eq(pg_env_get_action_bounds(env, glo, ghi, 2), PG_OK);
  ck_assert(glo[1] == 0.0f && ghi[1] == 5.0f);
  uint8_t m[2];
  ck_assert_int_eq(pg_env_get_action_mask(env, m, 2), PG_ERR_UNSUPPORTED);
  float obs[12];
  ck_assert_int_eq(pg_env_reset(env, obs, 12), PG_OK);
  ck_assert_int_eq(pg_env_set_action_bounds(env, lo, hi, 2), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_env_set_observation_image(env, 2, 3, 2), PG_ERR_BAD_STATE);
  /* Getters reject NULL outputs; a NULL env gives INVALID_ARG. */
  int32_t n;
  pg_action_kind k;
  ck_assert_int_eq(pg_env_get_observation_size(env, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_get_action_space(env, &k, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_get_action_space(NULL, &k, &n), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_get_max_episode_steps(env, NULL), PG_ERR_INVALID_ARG);
  ck_assert_str_eq(pg_env_get_name(NULL), "");
  ck_assert_int_eq(pg_env_reset(NULL, obs, 12), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_set_seed(NULL, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_get_episode_stats(NULL, NULL, NULL, NULL, NULL, NULL), PG_ERR_INVALID_ARG);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Every bad input gives its status, names the env and step, and changes
** nothing: the env then continues exactly like an untouched twin. */
START_TEST(test_bad_inputs) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  host *h = new_host(NULL);
  h->use_mask = 1;
  pg_env *env = make_host_env(ctx, h), *twin = make_host_env(ctx, new_host(NULL));
  float obs[3], tobs[3], r, tr_r;
  int32_t te, tr, tte, ttr;
  float a = 1.0f;
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "before reset"));
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  ck_assert_int_eq(pg_env_reset(twin, tobs, 3), PG_OK);
  const float bad[] = {NAN, INFINITY, 0.5f, 3.0f, -1.0f, 1e30f};
  const pg_status want[] = {PG_ERR_NUMERIC, PG_ERR_NUMERIC, PG_ERR_OUT_OF_RANGE,
                            PG_ERR_OUT_OF_RANGE, PG_ERR_OUT_OF_RANGE, PG_ERR_OUT_OF_RANGE};
  for (int i = 0; i < 6; i++) {
    obs[0] = 123.0f;
    ck_assert_int_eq(pg_env_step(env, &bad[i], 1, obs, 3, &r, &te, &tr), want[i]);
    ck_assert(obs[0] == 123.0f); /* outputs untouched */
    const char *msg = pg_ctx_last_error(ctx);
    ck_assert_msg(strstr(msg, "pg_env_step") && strstr(msg, "'host'") && strstr(msg, "step 1"), "%s", msg);
  }
  /* Shapes and NULLs. */
  ck_assert_int_eq(pg_env_step(env, &a, 2, obs, 3, &r, &te, &tr), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 4, &r, &te, &tr), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_step(env, NULL, 1, obs, 3, &r, &te, &tr), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, NULL, &tr), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_reset(env, obs, 2), PG_ERR_SHAPE);
  /* Step 1 as the twin; then action 2 is masked out on step 2. */
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(pg_env_step(twin, &a, 1, tobs, 3, &tr_r, &tte, &ttr), PG_OK);
  ck_assert_mem_eq(obs, tobs, sizeof obs);
  uint8_t mask[3];
  pg_env_get_action_mask(env, mask, 3);
  ck_assert(mask[0] && mask[1] && !mask[2]);
  float two = 2.0f;
  ck_assert_int_eq(pg_env_step(env, &two, 1, obs, 3, &r, &te, &tr), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "masked"));
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(pg_env_step(twin, &a, 1, tobs, 3, &tr_r, &tte, &ttr), PG_OK);
  ck_assert_mem_eq(obs, tobs, sizeof obs);
  double ret;
  uint64_t len;
  pg_env_get_episode_stats(env, &ret, &len, NULL, NULL, NULL);
  ck_assert(len == 2 && ret == 1.0);
  /* Callback failure, NaN observation, NaN reward: the episode is abandoned
  ** and a reset makes the env usable again. */
  h->fail_step = 3;
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_CALLBACK);
  const char *msg = pg_ctx_last_error(ctx);
  ck_assert_msg(strstr(msg, "'host'") && strstr(msg, "step 3") && strstr(msg, "-3"), "%s", msg);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_BAD_STATE);
  h->fail_step = 0;
  h->nan_step = 1;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "observation[2]"));
  h->nan_step = 0;
  h->nan_reward = 1;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "reward"));
  h->nan_reward = 0;
  h->fail_reset = 1;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "reset"));
  h->fail_reset = 0;
  h->empty_mask = 1;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "no action"));
  h->empty_mask = 0;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  for (int t = 0; t < 5 && !te && !tr; t++)
    ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert(tr);
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "ended"));
  uint64_t eps;
  pg_env_get_episode_stats(env, NULL, NULL, &eps, NULL, NULL);
  ck_assert_uint_eq(eps, 1); /* abandoned episodes are not counted */
  /* Factory errors. */
  pg_env *cl = NULL;
  ck_assert_int_eq(pg_env_clone(env, -1, 0, &cl), PG_ERR_OUT_OF_RANGE);
  h->fail_create = 1;
  ck_assert_int_eq(pg_env_clone(env, 0, 0, &cl), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "42"));
  ck_assert_ptr_null(cl);
  pg_env_destroy(env);
  pg_env_destroy(twin);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_continuous_actions) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 3, &env), PG_OK);
  float obs[3], r;
  int32_t te, tr;
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  float a = NAN;
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_NUMERIC);
  a = -INFINITY;
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "Pendulum-v1"));
  a = 100.0f; /* clipped to 2 */
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 3, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(pg_env_reset(env, obs, 3), PG_OK);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- vectorized stepper ---------------------------------------------------- */

enum { VN = 5, VSTEPS = 40 };

typedef struct vec_trace {
  float obs[VSTEPS][VN * 3], final_obs[VSTEPS][VN * 3], rewards[VSTEPS][VN];
  int32_t te[VSTEPS][VN], tr[VSTEPS][VN];
  uint64_t episodes[VN];
  double last_return[VN];
} vec_trace;

/* pg__vec_env_force_mode for run_host_vec, and its steps off the caller's
** thread (test_vec_job_modes). */
static int g_vec_mode = -1;
static atomic_int g_foreign_steps;

static void run_host_vec(int threads, vec_trace *out, int *closed) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  host *proto = new_host(closed);
  proto->use_mask = 1;
  pthread_t self = pthread_self();
  proto->caller = &self;
  proto->foreign = &g_foreign_steps;
  pg_env *env = make_host_env(ctx, proto);
  pg_vec_env *vec = NULL;
  ck_assert_int_eq(pg_vec_env_create(env, VN, threads, 1234, &vec), PG_OK);
  pg__vec_env_force_mode(vec, g_vec_mode);
  pg_env_destroy(env); /* instances do not need the prototype */
  int32_t n;
  ck_assert_int_eq(pg_vec_env_get_size(vec, &n), PG_OK);
  ck_assert_int_eq(n, VN);
  float obs[VN * 3], actions[VN];
  ck_assert_int_eq(pg_vec_env_step(vec, actions, VN, obs, VN * 3, out->rewards[0], out->te[0],
                                   out->tr[0], NULL), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, VN * 3), PG_OK);
  memset(out->final_obs, 0, sizeof out->final_obs);
  for (int t = 0; t < VSTEPS; t++) {
    uint8_t masks[VN * 3];
    ck_assert_int_eq(pg_vec_env_get_action_mask(vec, masks, VN * 3), PG_OK);
    for (int i = 0; i < VN; i++) {
      int a = (t + i) % 3;
      if (!masks[i * 3 + a]) a = 1;
      actions[i] = (float)a;
    }
    ck_assert_int_eq(pg_vec_env_step(vec, actions, VN, out->obs[t], VN * 3, out->rewards[t],
                                     out->te[t], out->tr[t], out->final_obs[t]),
                     PG_OK);
    for (int i = 0; i < VN; i++) {
      ck_assert(out->obs[t][i * 3 + 1] == (float)i); /* instance index */
      if (out->te[t][i] || out->tr[t][i]) {
        /* obs holds the new episode's first observation, final_obs the end. */
        ck_assert(out->obs[t][i * 3 + 2] == 0.0f);
        ck_assert(out->final_obs[t][i * 3 + 2] > 0.0f);
      }
    }
  }
  for (int i = 0; i < VN; i++)
    ck_assert_int_eq(pg_vec_env_get_episode_stats(vec, i, NULL, NULL, &out->episodes[i],
                                                  &out->last_return[i], NULL), PG_OK);
  ck_assert_int_eq(pg_vec_env_get_episode_stats(vec, VN, NULL, NULL, NULL, NULL, NULL),
                   PG_ERR_OUT_OF_RANGE);
  pg_vec_env_destroy(vec);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}

START_TEST(test_vec_host_env_threads_identical) {
  static vec_trace a, b, c;
  int closed = 0;
  run_host_vec(1, &a, &closed);
  ck_assert_int_eq(closed, VN + 1);
  run_host_vec(2, &b, &closed);
  run_host_vec(4, &c, &closed);
  ck_assert_int_eq(closed, 3 * (VN + 1));
  ck_assert_mem_eq(&a, &b, sizeof a);
  ck_assert_mem_eq(&a, &c, sizeof a);
  for (int i = 0; i < VN; i++) ck_assert_uint_gt(a.episodes[i], 3);
}
END_TEST

/* A job runs on the caller's thread alone or spread over the workers (by
** default the faster of the two, measured): both give the trajectories of
** one thread, and only the spread one calls instances on worker threads. */
START_TEST(test_vec_job_modes) {
  static vec_trace one, inl, spread, measured;
  int closed = 0;
  run_host_vec(1, &one, &closed);
  g_vec_mode = 0;
  atomic_store(&g_foreign_steps, 0);
  run_host_vec(3, &inl, &closed);
  ck_assert_int_eq(atomic_load(&g_foreign_steps), 0);
  g_vec_mode = 1;
  run_host_vec(3, &spread, &closed);
  /* instances 1..4 of 5 belong to the two workers, every step */
  ck_assert_int_eq(atomic_load(&g_foreign_steps), 4 * VSTEPS);
  g_vec_mode = -1;
  run_host_vec(3, &measured, &closed);
  ck_assert_int_eq(closed, 4 * (VN + 1));
  ck_assert_mem_eq(&one, &inl, sizeof one);
  ck_assert_mem_eq(&one, &spread, sizeof one);
  ck_assert_mem_eq(&one, &measured, sizeof one);
}
END_TEST

static void run_cartpole_vec(int threads, float *trace, int steps, uint64_t *episodes) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env;
  pg_vec_env *vec;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  ck_assert_int_eq(pg_vec_env_create(env, 8, threads, 77, &vec), PG_OK);
  float obs[32], fin[32], rew[8], act[8];
  int32_t te[8], tr[8];
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, 32), PG_OK);
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < 8; i++) /* even: balance; odd: push it over */
      act[i] = (obs[i * 4 + 2] + 0.3f * obs[i * 4 + 3] > 0) == (i % 2 == 0) ? 1.0f : 0.0f;
    ck_assert_int_eq(pg_vec_env_step(vec, act, 8, obs, 32, rew, te, tr, fin), PG_OK);
    memcpy(trace + (size_t)t * 32, obs, sizeof obs);
  }
  *episodes = 0;
  for (int i = 0; i < 8; i++) {
    uint64_t e;
    pg_vec_env_get_episode_stats(vec, i, NULL, NULL, &e, NULL, NULL);
    *episodes += e;
  }
  pg_vec_env_destroy(vec);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}

START_TEST(test_vec_builtin_threads_identical) {
  enum { STEPS = 300 };
  static float a[STEPS * 32], b[STEPS * 32];
  uint64_t ea, eb;
  run_cartpole_vec(1, a, STEPS, &ea);
  run_cartpole_vec(2, b, STEPS, &eb);
  ck_assert_mem_eq(a, b, sizeof a);
  ck_assert_uint_eq(ea, eb);
  ck_assert_uint_gt(ea, 0);
}
END_TEST

START_TEST(test_vec_errors) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  host *proto = new_host(NULL);
  pg_env *env = make_host_env(ctx, proto);
  pg_vec_env *vec = NULL;
  ck_assert_int_eq(pg_vec_env_create(env, 0, 1, 1, &vec), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_vec_env_create(env, 2, 0, 1, &vec), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_vec_env_create(env, 2, 1, 1, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_vec_env_create(NULL, 2, 1, 1, &vec), PG_ERR_INVALID_ARG);
  proto->fail_create = 1;
  ck_assert_int_eq(pg_vec_env_create(env, 2, 2, 1, &vec), PG_ERR_CALLBACK);
  ck_assert_ptr_null(vec);
  proto->fail_create = 0;
  proto->fail_step = 2; /* every instance fails at its second step */
  ck_assert_int_eq(pg_vec_env_create(env, 3, 2, 1, &vec), PG_OK);
  float obs[9], rew[3], fin[9];
  int32_t te[3], tr[3];
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, 9), PG_OK);
  float act[3] = {1, 1, 1};
  ck_assert_int_eq(pg_vec_env_step(vec, act, 2, obs, 9, rew, te, tr, fin), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, NULL, te, tr, fin), PG_ERR_INVALID_ARG);
  act[2] = 7.0f; /* bad action: nothing is stepped */
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, rew, te, tr, fin), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "instance 2"));
  act[2] = 1.0f;
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, rew, te, tr, fin), PG_OK);
  ck_assert(obs[2] == 1.0f && obs[5] == 1.0f && obs[8] == 1.0f); /* t = 1 everywhere */
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, rew, te, tr, fin), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "instance 0"));
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, rew, te, tr, fin), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, 9), PG_OK);
  ck_assert_int_eq(pg_vec_env_step(vec, act, 3, obs, 9, rew, te, tr, fin), PG_OK);
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, 8), PG_ERR_SHAPE);
  uint8_t masks[9];
  ck_assert_int_eq(pg_vec_env_get_action_mask(vec, masks, 8), PG_ERR_SHAPE);
  pg_vec_env_destroy(vec);
  pg_vec_env_destroy(NULL);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- the factory's shared data and its release callback ------------------ */

/* A "model" shared by every instance, as a simulator host has one. */
/* Atomic counters: A3C's workers may close their instances on their own
** threads. */
typedef struct shared_model {
  _Atomic int live;     /* instances alive (incremented on create, decremented on close) */
  _Atomic int released; /* release calls */
  int live_at_release;
  _Atomic int max_live; /* the most instances seen alive (at a create or a progress report) */
} shared_model;

static void note_live(shared_model *m, int now) {
  int seen = m->max_live;
  while (now > seen && !atomic_compare_exchange_weak(&m->max_live, &seen, now)) {
  }
}

typedef struct shared_host {
  host base; /* first: the host callbacks see a host */
  shared_model *model;
} shared_host;

static int shared_close(void *user) {
  shared_host *h = user;
  h->model->live--;
  free(h);
  return 0;
}

static int shared_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  const shared_host *parent = factory_user;
  if (parent->base.fail_create) return 42;
  shared_host *h = malloc(sizeof *h);
  if (!h) return 1;
  *h = *parent;
  h->base.index = index;
  h->base.seed = seed;
  note_live(h->model, ++h->model->live);
  *out = h;
  return 0;
}

static int shared_release(void *shared) {
  shared_model *m = shared;
  m->released++;
  m->live_at_release = m->live;
  return 0;
}

static pg_env *make_shared_env(pg_ctx *ctx, shared_model *m) {
  pg_env_vtable vt = {sizeof(pg_env_vtable), host_reset, host_step, shared_close, host_mask,
                      shared_create, m, shared_release};
  shared_host *h = calloc(1, sizeof *h);
  ck_assert_ptr_nonnull(h);
  h->model = m;
  m->live++;
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "shared", 3, PG_ACTION_DISCRETE, 3, &env), PG_OK);
  return env;
}

/* After the last env of a family is gone: one release, after every close;
** then the context frees everything. */
static void check_released_once(const shared_model *m, pg_ctx *ctx, const pg_test_alloc *counter) {
  ck_assert_int_eq(m->released, 1);
  ck_assert_int_eq(m->live_at_release, 0);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter->live_blocks, 0);
}

/* Original, a clone, a clone of the clone and another clone of the
** original, destroyed in each of the 4! orders: release runs once, after
** the last close, and never before. */
START_TEST(test_shared_release_every_order) {
  enum { N = 4 };
  static const int perms[24][N] = {
      {0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 3, 2, 1},
      {1, 0, 2, 3}, {1, 0, 3, 2}, {1, 2, 0, 3}, {1, 2, 3, 0}, {1, 3, 0, 2}, {1, 3, 2, 0},
      {2, 0, 1, 3}, {2, 0, 3, 1}, {2, 1, 0, 3}, {2, 1, 3, 0}, {2, 3, 0, 1}, {2, 3, 1, 0},
      {3, 0, 1, 2}, {3, 0, 2, 1}, {3, 1, 0, 2}, {3, 1, 2, 0}, {3, 2, 0, 1}, {3, 2, 1, 0}};
  for (int p = 0; p < 24; p++) {
    pg_test_alloc counter = {0};
    pg_ctx *ctx = pg_test_ctx(&counter);
    shared_model m = {0};
    pg_env *e[N];
    e[0] = make_shared_env(ctx, &m);
    ck_assert_int_eq(pg_env_clone(e[0], 1, 11, &e[1]), PG_OK);
    ck_assert_int_eq(pg_env_clone(e[1], 2, 12, &e[2]), PG_OK);
    ck_assert_int_eq(pg_env_clone(e[0], 3, 13, &e[3]), PG_OK);
    float obs[3];
    ck_assert_int_eq(pg_env_reset(e[2], obs, 3), PG_OK);
    ck_assert_int_eq(m.live, N);
    for (int k = 0; k < N; k++) {
      pg_env_destroy(e[perms[p][k]]);
      ck_assert_int_eq(m.live, N - 1 - k);
      ck_assert_int_eq(m.released, k == N - 1);
    }
    check_released_once(&m, ctx, &counter);
  }
}
END_TEST

/* Clones made by the vectorized stepper (1 and 3 threads), destroyed before
** or after the original. */
START_TEST(test_shared_release_vec_env) {
  for (int threads = 1; threads <= 3; threads += 2) {
    for (int original_first = 0; original_first <= 1; original_first++) {
      pg_test_alloc counter = {0};
      pg_ctx *ctx = pg_test_ctx(&counter);
      shared_model m = {0};
      pg_env *env = make_shared_env(ctx, &m);
      pg_vec_env *vec = NULL;
      ck_assert_int_eq(pg_vec_env_create(env, 5, threads, 3, &vec), PG_OK);
      ck_assert_int_eq(m.live, 6);
      float obs[15];
      ck_assert_int_eq(pg_vec_env_reset(vec, obs, 15), PG_OK);
      if (original_first) pg_env_destroy(env);
      ck_assert_int_eq(m.released, 0);
      pg_vec_env_destroy(vec);
      if (!original_first) {
        ck_assert_int_eq(m.released, 0);
        pg_env_destroy(env);
      }
      check_released_once(&m, ctx, &counter);
    }
  }
}
END_TEST

static int count_live(void *user, pg_agent *agent) {
  (void)agent;
  shared_model *m = user;
  note_live(m, m->live);
  return 0;
}

/* Clones made by agents: PAAC's slots and A3C's worker threads. */
START_TEST(test_shared_release_agents) {
  static const pg_algorithm algos[] = {PG_ALGO_PAAC, PG_ALGO_A3C};
  for (int a = 0; a < 2; a++) {
    for (int env_first = 0; env_first <= 1; env_first++) {
      pg_test_alloc counter = {0};
      pg_ctx *ctx = pg_test_ctx(&counter);
      shared_model m = {0};
      pg_env *env = make_shared_env(ctx, &m);
      ck_assert_int_eq(pg_env_set_max_episode_steps(env, 20), PG_OK);
      pg_agent *agent = NULL;
      ck_assert_int_eq(pg_agent_create_for_env(ctx, algos[a], env, 8, 1, &agent), PG_OK);
      ck_assert_int_eq(pg_agent_set_param(agent, algos[a] == PG_ALGO_PAAC ? PG_PARAM_NUM_ENVS
                                                                          : PG_PARAM_NUM_THREADS,
                                          3),
                       PG_OK);
      ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_REPORT_INTERVAL, 50), PG_OK);
      ck_assert_int_eq(pg_agent_train(agent, env, 4000, count_live, &m), PG_OK);
      /* the original and 3 clones during training (seen at their creation:
      ** a short A3C run may end before its first progress report) */
      ck_assert_int_ge(m.max_live, 4);
      /* The agent may keep its clones after training or not: either way
      ** release comes with the last instance. */
      if (env_first) pg_env_destroy(env);
      ck_assert_int_eq(m.released, m.live == 0);
      pg_agent_destroy(agent);
      ck_assert_int_eq(m.released, m.live == 0);
      if (!env_first) pg_env_destroy(env);
      check_released_once(&m, ctx, &counter);
    }
  }
}
END_TEST

/* A failed clone (the create callback fails, or the library runs out of
** memory) leaves the count as it was; a failed pg_env_create releases
** nothing; an older vtable without the members never calls release. */
START_TEST(test_shared_release_failures) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  shared_model m = {0};
  pg_env *env = make_shared_env(ctx, &m);
  shared_host *h = NULL;
  pg_env *cl = NULL;
  ck_assert_int_eq(pg_env_clone(env, 1, 1, &cl), PG_OK);
  ck_assert_int_eq(m.live, 2);
  pg_env_destroy(cl);
  counter.fail_at = counter.calls + 1; /* the clone's block */
  ck_assert_int_eq(pg_env_clone(env, 1, 1, &cl), PG_ERR_NOMEM);
  ck_assert_ptr_null(cl);
  counter.fail_at = 0;
  ck_assert_int_eq(m.live, 1);
  pg_vec_env *vec = NULL;
  for (long k = 1; k < 12; k++) { /* every allocation of a 3-slot vec env */
    counter.fail_at = counter.calls + k;
    pg_status st = pg_vec_env_create(env, 3, 2, 1, &vec);
    counter.fail_at = 0;
    if (st == PG_OK) {
      pg_vec_env_destroy(vec);
      break;
    }
    ck_assert_int_eq(st, PG_ERR_NOMEM);
    ck_assert_int_eq(m.live, 1);
    ck_assert_int_eq(m.released, 0);
  }
  ck_assert_int_eq(m.released, 0);
  pg_env_destroy(env);
  ck_assert_int_eq(m.released, 1);

  /* A clone of a clone, made after the original is gone, still counts. */
  shared_model m2 = {0};
  env = make_shared_env(ctx, &m2);
  ck_assert_int_eq(pg_env_clone(env, 1, 1, &cl), PG_OK);
  pg_env_destroy(env); /* the clone is now the only one */
  pg_env *cl2 = NULL;
  ck_assert_int_eq(pg_env_clone(cl, 2, 2, &cl2), PG_OK);
  pg_env_destroy(cl);
  ck_assert_int_eq(m2.released, 0);
  pg_env_destroy(cl2);
  ck_assert_int_eq(m2.released, 1);

  /* pg_env_create fails after allocating (its second block): no release,
  ** no close, and the caller keeps user and shared. */
  shared_model m3 = {0};
  pg_env_vtable vt = {sizeof(pg_env_vtable), host_reset, host_step, shared_close, host_mask,
                      shared_create, &m3, shared_release};
  h = calloc(1, sizeof *h);
  ck_assert_ptr_nonnull(h);
  h->model = &m3;
  h->base.fail_create = 1;
  counter.fail_at = counter.calls + 2;
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "x", 3, PG_ACTION_DISCRETE, 3, &env), PG_ERR_NOMEM);
  counter.fail_at = 0;
  ck_assert_ptr_null(env);
  ck_assert_int_eq(m3.released, 0);
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "x", 3, PG_ACTION_DISCRETE, 3, &env), PG_OK);
  ck_assert_int_eq(pg_env_clone(env, 1, 1, &cl), PG_ERR_CALLBACK); /* fail_create */
  ck_assert_ptr_null(cl);
  pg_env_destroy(env);
  ck_assert_int_eq(m3.released, 1);

  /* An older caller's vtable ends before `shared`: release is never read. */
  shared_model m4 = {0};
  vt.shared = &m4;
  vt.struct_size = (uint32_t)offsetof(pg_env_vtable, shared);
  h = calloc(1, sizeof *h);
  ck_assert_ptr_nonnull(h);
  h->model = &m4;
  ck_assert_int_eq(pg_env_create(ctx, &vt, h, "old", 3, PG_ACTION_DISCRETE, 3, &env), PG_OK);
  pg_env_destroy(env);
  ck_assert_int_eq(m4.released, 0);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* ---- allocation failures ---------------------------------------------------- */

static pg_status op_create_builtins(pg_ctx *ctx, void *user) {
  (void)user;
  for (int i = 0; pg_env_builtin_name(i); i++) {
    pg_env *env = NULL, *cl = NULL;
    pg_status st = pg_env_create_builtin(ctx, pg_env_builtin_name(i), 1, &env);
    if (st != PG_OK) {
      ck_assert_ptr_null(env);
      return st;
    }
    st = pg_env_clone(env, 1, 2, &cl);
    if (st != PG_OK) ck_assert_ptr_null(cl);
    pg_env_destroy(cl);
    pg_env_destroy(env);
    if (st != PG_OK) return st;
  }
  return PG_OK;
}

static pg_status op_create_host(pg_ctx *ctx, void *user) {
  int *closed = user;
  host *h = new_host(closed);
  pg_env *env = NULL, *cl = NULL;
  pg_status st = pg_env_create(ctx, &host_vt, h, "host", 3, PG_ACTION_DISCRETE, 3, &env);
  if (st != PG_OK) {
    free(h);
    return st;
  }
  st = pg_env_clone(env, 0, 1, &cl);
  pg_env_destroy(cl);
  pg_env_destroy(env);
  return st;
}

static pg_status op_vec(pg_ctx *ctx, void *user) {
  const int *threads = user;
  pg_env *env = NULL;
  pg_vec_env *vec = NULL;
  pg_status st = pg_env_create_builtin(ctx, "Catch", 1, &env);
  if (st != PG_OK) return st;
  st = pg_vec_env_create(env, 3, *threads, 5, &vec);
  if (st == PG_OK) {
    float obs[150];
    ck_assert_int_eq(pg_vec_env_reset(vec, obs, 150), PG_OK);
  } else {
    ck_assert_ptr_null(vec);
  }
  pg_vec_env_destroy(vec);
  pg_env_destroy(env);
  return st;
}

START_TEST(test_every_alloc_fails_cleanly) {
  ck_assert_int_gt(pg_test_every_alloc_fails(op_create_builtins, NULL), 7);
  int closed = 0;
  ck_assert_int_eq(pg_test_every_alloc_fails(op_create_host, &closed), 2);
  int one = 1, two = 2;
  ck_assert_int_gt(pg_test_every_alloc_fails(op_vec, &one), 5);
  ck_assert_int_gt(pg_test_every_alloc_fails(op_vec, &two), 5);
}
END_TEST

int main(void) {
  Suite *s = suite_create("env");
  TCase *tc = tcase_create("env");
  tcase_add_test(tc, test_builtin_names_and_spaces);
  tcase_add_test(tc, test_cue_corridor_lengths);
  tcase_add_test(tc, test_reference_trajectories);
  tcase_add_test(tc, test_deterministic_per_seed);
  tcase_add_test(tc, test_short_corridor_value);
  tcase_add_test(tc, test_short_corridor_mean_return);
  tcase_add_test(tc, test_host_env_lifecycle);
  tcase_add_test(tc, test_vtable_struct_size);
  tcase_add_test(tc, test_setters);
  tcase_add_test(tc, test_bad_inputs);
  tcase_add_test(tc, test_continuous_actions);
  tcase_add_test(tc, test_vec_host_env_threads_identical);
  tcase_add_test(tc, test_vec_builtin_threads_identical);
  tcase_add_test(tc, test_vec_job_modes);
  tcase_add_test(tc, test_vec_errors);
  tcase_add_test(tc, test_every_alloc_fails_cleanly);
  tcase_add_test(tc, test_shared_release_every_order);
  tcase_add_test(tc, test_shared_release_vec_env);
  tcase_add_test(tc, test_shared_release_agents);
  tcase_add_test(tc, test_shared_release_failures);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
