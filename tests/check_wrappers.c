/* Environment wrappers (lib/env/wrap*.c): frame stacking, action repeat
** with the max over the last two frames, grayscale + resize; composition,
** clones in a threaded vec env, error propagation, ownership, and no
** allocation on the step path. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A host env whose frames are known: an H x W x 3 image (or a vector of
** H*W*3 floats); frame t (t = 0 at reset) has value t + i/100 at element i
** when (i + t) is even and 0 otherwise (it flickers), the reward is the
** action, and the episode terminates at t = 5. fail_at_step > 0 makes that
** step's callback fail. */
enum { H = 2, W = 3, C = 3, SIZE = H * W * C, LAST_T = 5 };

typedef struct counter_env {
  int t, fail_at_step;
} counter_env;

static float frame_value(int t, int i) { return (i + t) % 2 == 0 ? (float)t + (float)i / 100.0f : 0.0f; }

static void frame(int t, float *obs) {
  for (int i = 0; i < SIZE; i++) obs[i] = frame_value(t, i);
}

static int counter_reset(void *user, uint64_t seed, float *obs) {
  (void)seed;
  counter_env *e = user;
  e->t = 0;
  frame(0, obs);
  return 0;
}

static int counter_step(void *user, const float *action, float *obs, float *reward,
                        int32_t *terminated, int32_t *truncated) {
  counter_env *e = user;
  if (++e->t == e->fail_at_step) return 7;
  frame(e->t, obs);
  *reward = action[0];
  *terminated = e->t == LAST_T;
  *truncated = 0;
  return 0;
}

static int counter_close(void *user) {
  free(user);
  return 0;
}

static int counter_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index, (void)seed;
  const counter_env *proto = factory_user;
  counter_env *e = calloc(1, sizeof *e);
  if (!e) return 1;
  e->fail_at_step = proto->fail_at_step;
  *out = e;
  return 0;
}

static pg_env *counter(pg_ctx *ctx, int image, int fail_at_step) {
  counter_env *e = calloc(1, sizeof *e);
  ck_assert_ptr_nonnull(e);
  e->fail_at_step = fail_at_step;
  pg_env_vtable vt = {sizeof vt, counter_reset, counter_step, counter_close, NULL,
                      counter_create, NULL, NULL};
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, e, "counter", SIZE, PG_ACTION_DISCRETE, 3, &env),
                   PG_OK);
  if (image) ck_assert_int_eq(pg_env_set_observation_image(env, H, W, C), PG_OK);
  return env;
}

static void step(pg_env *env, float action, float *obs, size_t len, float *r, int32_t *te,
                 int32_t *tr) {
  ck_assert_int_eq(pg_env_step(env, &action, 1, obs, len, r, te, tr), PG_OK);
}

START_TEST(test_frame_stack_image_and_vector) {
  pg_test_alloc counter_alloc = {0};
  pg_ctx *ctx = pg_test_ctx(&counter_alloc);
  for (int image = 0; image <= 1; image++) {
    pg_env *env = NULL;
    ck_assert_int_eq(pg_env_wrap_frame_stack(counter(ctx, image, 0), 3, &env), PG_OK);
    ck_assert_str_eq(pg_env_get_name(env), "FrameStack(counter)");
    int32_t size = 0, h = 0, w = 0, c = 0;
    pg_env_get_observation_size(env, &size);
    pg_env_get_observation_image(env, &h, &w, &c);
    ck_assert_int_eq(size, 3 * SIZE);
    if (image) {
      ck_assert_int_eq(h, H);
      ck_assert_int_eq(w, W);
      ck_assert_int_eq(c, 3 * C);
    } else {
      ck_assert_int_eq(c, 0);
    }
    float obs[3 * SIZE], r = 0;
    int32_t te = 0, tr = 0;
    for (int episode = 0; episode < 2; episode++) {
      ck_assert_int_eq(pg_env_reset(env, obs, 3 * SIZE), PG_OK);
      for (int t = 0; t <= LAST_T; t++) {
        if (t > 0) step(env, 1, obs, 3 * SIZE, &r, &te, &tr);
        /* Frame j (oldest first) is frame max(0, t - 2 + j). */
        for (int j = 0; j < 3; j++) {
          int ft = t - 2 + j < 0 ? 0 : t - 2 + j;
          for (int i = 0; i < SIZE; i++) {
            int at = image ? (i / C * 3 + j) * C + i % C : j * SIZE + i;
            ck_assert_float_eq(obs[at], frame_value(ft, i));
          }
        }
      }
      ck_assert_int_eq(te, 1);
    }
    pg_env_destroy(env); /* destroys the counter too */
  }
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter_alloc.live_blocks, 0);
}
END_TEST

START_TEST(test_action_repeat_sums_and_maxes) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_wrap_action_repeat(counter(ctx, 1, 0), 4, &env), PG_OK);
  float obs[SIZE], r = 0;
  int32_t te = 0, tr = 0;
  ck_assert_int_eq(pg_env_reset(env, obs, SIZE), PG_OK);
  for (int i = 0; i < SIZE; i++) ck_assert_float_eq(obs[i], frame_value(0, i));
  step(env, 2, obs, SIZE, &r, &te, &tr); /* inner t = 1..4 */
  ck_assert_float_eq(r, 8.0f);
  ck_assert_int_eq(te, 0);
  for (int i = 0; i < SIZE; i++) {
    float a = frame_value(3, i), b = frame_value(4, i);
    ck_assert_float_eq(obs[i], a > b ? a : b); /* no element is 0: the flicker is gone */
    ck_assert_float_ne(obs[i], 0.0f);
  }
  step(env, 1, obs, SIZE, &r, &te, &tr); /* t = 5 ends it after one inner step */
  ck_assert_float_eq(r, 1.0f);
  ck_assert_int_eq(te, 1);
  for (int i = 0; i < SIZE; i++) ck_assert_float_eq(obs[i], frame_value(5, i));
  uint64_t episodes = 0, length = 0;
  pg_env_get_episode_stats(env, NULL, NULL, &episodes, NULL, &length);
  ck_assert_uint_eq(episodes, 1);
  ck_assert_uint_eq(length, 2); /* wrapper steps */
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* An RGB picture of 4 x 4 pixels with known values. */
static int picture_reset(void *user, uint64_t seed, float *obs) {
  (void)user, (void)seed;
  for (int p = 0; p < 16; p++) {
    obs[3 * p] = (float)p;             /* R */
    obs[3 * p + 1] = (float)(2 * p);   /* G */
    obs[3 * p + 2] = (float)(p % 4);   /* B */
  }
  return 0;
}

static int picture_step(void *user, const float *action, float *obs, float *reward,
                        int32_t *terminated, int32_t *truncated) {
  (void)action, (void)truncated;
  *reward = 0;
  *terminated = 1;
  return picture_reset(user, 0, obs);
}

static float gray_at(int y, int x) {
  int p = y * 4 + x;
  return 0.299f * (float)p + 0.587f * (float)(2 * p) + 0.114f * (float)(p % 4);
}

static pg_env *picture(pg_ctx *ctx, int channels) {
  pg_env_vtable vt = {sizeof vt, picture_reset, picture_step, NULL, NULL, NULL, NULL, NULL};
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, NULL, "picture", 48, PG_ACTION_DISCRETE, 2, &env),
                   PG_OK);
  if (channels == 3) ck_assert_int_eq(pg_env_set_observation_image(env, 4, 4, 3), PG_OK);
  if (channels == 1) ck_assert_int_eq(pg_env_set_observation_image(env, 4, 12, 1), PG_OK);
  return env;
}

START_TEST(test_grayscale_resize_area_and_bilinear) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  float obs[16];
  /* Area 4x4 -> 2x2: the mean of each 2x2 block. */
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(picture(ctx, 3), 2, 2, PG_RESAMPLE_AREA, &env),
                   PG_OK);
  int32_t h = 0, w = 0, c = 0;
  pg_env_get_observation_image(env, &h, &w, &c);
  ck_assert_int_eq(h * 100 + w * 10 + c, 221);
  ck_assert_int_eq(pg_env_reset(env, obs, 4), PG_OK);
  for (int oy = 0; oy < 2; oy++)
    for (int ox = 0; ox < 2; ox++) {
      float want = (gray_at(2 * oy, 2 * ox) + gray_at(2 * oy, 2 * ox + 1) +
                    gray_at(2 * oy + 1, 2 * ox) + gray_at(2 * oy + 1, 2 * ox + 1)) / 4;
      ck_assert_float_eq_tol(obs[oy * 2 + ox], want, 1e-4f);
    }
  pg_env_destroy(env);
  /* Area 4x4 -> 3x3 keeps the image's mean (partial pixels weighted). */
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(picture(ctx, 3), 3, 3, PG_RESAMPLE_AREA, &env),
                   PG_OK);
  ck_assert_int_eq(pg_env_reset(env, obs, 9), PG_OK);
  double mean_in = 0, mean_out = 0;
  for (int p = 0; p < 16; p++) mean_in += (double)gray_at(p / 4, p % 4) / 16;
  for (int p = 0; p < 9; p++) mean_out += (double)obs[p] / 9;
  ck_assert_double_eq_tol(mean_out, mean_in, 1e-4);
  pg_env_destroy(env);
  /* Bilinear 4x4 -> 2x2 samples between the pixels: here the block means. */
  ck_assert_int_eq(
      pg_env_wrap_grayscale_resize(picture(ctx, 3), 2, 2, PG_RESAMPLE_BILINEAR, &env), PG_OK);
  ck_assert_int_eq(pg_env_reset(env, obs, 4), PG_OK);
  ck_assert_float_eq_tol(obs[3], (gray_at(2, 2) + gray_at(2, 3) + gray_at(3, 2) + gray_at(3, 3)) / 4,
                         1e-4f);
  pg_env_destroy(env);
  /* Bilinear 4x4 -> 8x8: the corners repeat the edge pixels. */
  ck_assert_int_eq(
      pg_env_wrap_grayscale_resize(picture(ctx, 3), 8, 8, PG_RESAMPLE_BILINEAR, &env), PG_OK);
  float big[64];
  ck_assert_int_eq(pg_env_reset(env, big, 64), PG_OK);
  ck_assert_float_eq_tol(big[0], gray_at(0, 0), 1e-4f);
  ck_assert_float_eq_tol(big[63], gray_at(3, 3), 1e-4f);
  pg_env_destroy(env);
  /* One channel: resized as it is. */
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(picture(ctx, 1), 1, 1, PG_RESAMPLE_AREA, &env),
                   PG_OK);
  ck_assert_int_eq(pg_env_reset(env, obs, 1), PG_OK);
  double sum = 0;
  for (int p = 0; p < 16; p++) sum += p + 2 * p + p % 4;
  ck_assert_double_eq_tol((double)obs[0], sum / 48, 1e-4);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_arguments_and_failures_leave_env) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *inner = picture(ctx, 0), *out = (pg_env *)1;
  ck_assert_int_eq(pg_env_wrap_frame_stack(NULL, 2, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_wrap_frame_stack(inner, 2, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_wrap_frame_stack(inner, 0, &out), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(pg_env_wrap_frame_stack(inner, 65, &out), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_env_wrap_action_repeat(inner, 0, &out), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "repeat = 0"));
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(inner, 2, 2, PG_RESAMPLE_AREA, &out),
                   PG_ERR_SHAPE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "no image"));
  pg_env *rgb = picture(ctx, 3);
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(rgb, 2, 2, (pg_resample)0, &out),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(rgb, 0, 2, PG_RESAMPLE_AREA, &out),
                   PG_ERR_OUT_OF_RANGE);
  /* The failed calls left inner the caller's, usable. */
  float obs[48], r;
  int32_t te, tr;
  ck_assert_int_eq(pg_env_reset(inner, obs, 48), PG_OK);
  step(inner, 0, obs, 48, &r, &te, &tr);
  /* An env belongs to one wrapper. */
  pg_env *a = NULL, *b = NULL;
  ck_assert_int_eq(pg_env_wrap_frame_stack(inner, 2, &a), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(inner, 2, &b), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "already belongs to a wrapper"));
  /* No factory inside: no clones. */
  ck_assert_int_eq(pg_env_clone(a, 0, 1, &b), PG_ERR_UNSUPPORTED);
  pg_env_destroy(a);
  pg_env_destroy(rgb);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_inner_failure_is_reported) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *stack = NULL, *env = NULL;
  ck_assert_int_eq(pg_env_wrap_frame_stack(counter(ctx, 1, 2), 2, &stack), PG_OK);
  ck_assert_int_eq(pg_env_wrap_action_repeat(stack, 1, &env), PG_OK);
  float obs[2 * SIZE], r = 0, a = 0;
  int32_t te = 0, tr = 0;
  ck_assert_int_eq(pg_env_reset(env, obs, 2 * SIZE), PG_OK);
  step(env, 0, obs, 2 * SIZE, &r, &te, &tr);
  float before = obs[0];
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 2 * SIZE, &r, &te, &tr), PG_ERR_CALLBACK);
  const char *msg = pg_ctx_last_error(ctx);
  ck_assert_msg(strstr(msg, "ActionRepeat(FrameStack(counter))") &&
                    strstr(msg, "environment 'counter'") &&
                    strstr(msg, "step callback returned 7"),
                "message: %s", msg);
  ck_assert_float_eq(obs[0], before); /* the caller's buffer untouched */
  ck_assert_int_eq(pg_env_step(env, &a, 1, obs, 2 * SIZE, &r, &te, &tr), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_env_reset(env, obs, 2 * SIZE), PG_OK); /* recovers */
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Catch -> action repeat 2 -> frame stack 4 in a vec env: the same rows for
** 1 and 3 threads, and no allocation once it runs. */
static void run_vec(int32_t threads, float *rows, long *allocs_in_steps) {
  pg_test_alloc counting = {0};
  pg_ctx *ctx = pg_test_ctx(&counting);
  pg_env *game = NULL, *rep = NULL, *stack = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", 3, &game), PG_OK);
  ck_assert_int_eq(pg_env_wrap_action_repeat(game, 2, &rep), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(rep, 4, &stack), PG_OK);
  int32_t h = 0, w = 0, c = 0;
  pg_env_get_observation_image(stack, &h, &w, &c);
  ck_assert_int_eq(h * 100 + w * 10 + c, 1054);
  pg_vec_env *vec = NULL;
  ck_assert_int_eq(pg_vec_env_create(stack, 3, threads, 9, &vec), PG_OK);
  pg_env_destroy(stack);
  enum { N = 3, OBS = 200 };
  float obs[N * OBS], fin[N * OBS], rw[N], act[N];
  int32_t te[N], tr[N];
  ck_assert_int_eq(pg_vec_env_reset(vec, obs, N * OBS), PG_OK);
  long before = counting.calls;
  for (int t = 0; t < 20; t++) {
    for (int i = 0; i < N; i++) act[i] = (float)((t + i) % 3);
    ck_assert_int_eq(pg_vec_env_step(vec, act, N, obs, N * OBS, rw, te, tr, fin), PG_OK);
    memcpy(rows + (size_t)t * N * OBS, obs, sizeof obs);
  }
  *allocs_in_steps = counting.calls - before;
  pg_vec_env_destroy(vec);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counting.live_blocks, 0);
}

START_TEST(test_wrapped_vec_env_threads_and_no_allocation) {
  static float one[20 * 3 * 200], three[20 * 3 * 200];
  long allocs1 = -1, allocs3 = -1;
  run_vec(1, one, &allocs1);
  run_vec(3, three, &allocs3);
  ck_assert_int_eq(memcmp(one, three, sizeof one), 0);
  ck_assert_int_eq(allocs1, 0);
  ck_assert_int_eq(allocs3, 0);
}
END_TEST

/* A continuous env keeps its bounds; an agent trains on a wrapped pixel
** game (several slots: clones of the wrapper). */
START_TEST(test_bounds_and_agent_on_wrapped_env) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *pend = NULL, *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &pend), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(pend, 2, &env), PG_OK);
  float lo = 0, hi = 0;
  ck_assert_int_eq(pg_env_get_action_bounds(env, &lo, &hi, 1), PG_OK);
  ck_assert_float_eq(lo, -2.0f);
  ck_assert_float_eq(hi, 2.0f);
  pg_env_destroy(env);
  pg_env *game = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Bounce", 1, &game), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(game, 2, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, PG_ALGO_PAAC, env, PG_TRUNK_SMALL, &a),
                   PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, PG_SLOW_BUILD ? 300 : 2000, NULL, NULL), PG_OK);
  double episodes = 0;
  pg_agent_get_stat(a, PG_STAT_EPISODES, &episodes);
  ck_assert_double_gt(episodes, PG_SLOW_BUILD ? 1 : 10);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Conv agents on a wrapped pixel game: what pg_agent_train allocates does
** not grow with the run (set-up only; nothing per step or update). */
static void train_allocations_flat(pg_algorithm algo) {
  pg_test_alloc c = {0};
  pg_ctx *ctx = pg_test_ctx(&c);
  pg_env *game = NULL, *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Dodge", 1, &game), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(game, 2, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env_trunk(ctx, algo, env, PG_TRUNK_SMALL, &a), PG_OK);
  long scale = PG_SLOW_BUILD ? 1 : 4; /* sanitizer builds: shorter runs */
  ck_assert_int_eq(pg_agent_train(a, env, 50 * (uint64_t)scale, NULL, NULL), PG_OK); /* set-up */
  long before = c.calls;
  ck_assert_int_eq(pg_agent_train(a, env, 100 * (uint64_t)scale, NULL, NULL), PG_OK);
  long short_run = c.calls - before;
  before = c.calls;
  ck_assert_int_eq(pg_agent_train(a, env, 500 * (uint64_t)scale, NULL, NULL), PG_OK);
  ck_assert_int_eq(c.calls - before, short_run);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(c.live_blocks, 0);
}

START_TEST(test_conv_agents_allocate_nothing_per_step) {
  train_allocations_flat(PG_ALGO_PAAC);
  train_allocations_flat(PG_ALGO_A3C);
}
END_TEST

/* Catch -> grayscale 20x10 -> repeat 2 -> stack 3, cloned and stepped:
** every allocation can fail, with PG_ERR_NOMEM and nothing leaked (a
** failed wrap leaves its inner env the caller's, destroyed here). */
static pg_status wrap_chain(pg_ctx *ctx, void *user) {
  (void)user;
  pg_env *env = NULL, *next = NULL, *clone = NULL;
  pg_status st = pg_env_create_builtin(ctx, "Catch", 1, &env);
  if (st != PG_OK) return st;
  if ((st = pg_env_wrap_grayscale_resize(env, 20, 10, PG_RESAMPLE_AREA, &next)) == PG_OK) {
    env = next;
    if ((st = pg_env_wrap_action_repeat(env, 2, &next)) == PG_OK) {
      env = next;
      if ((st = pg_env_wrap_frame_stack(env, 3, &next)) == PG_OK) env = next;
    }
  }
  if (st == PG_OK) st = pg_env_clone(env, 1, 2, &clone);
  if (st == PG_OK) {
    float obs[600], a = 1, r;
    int32_t te, tr;
    st = pg_env_reset(clone, obs, 600);
    if (st == PG_OK) st = pg_env_step(clone, &a, 1, obs, 600, &r, &te, &tr);
  }
  pg_env_destroy(clone);
  pg_env_destroy(env);
  return st;
}

START_TEST(test_every_allocation_can_fail) {
  ck_assert_int_gt(pg_test_every_alloc_fails(wrap_chain, NULL), 8);
}
END_TEST

static Suite *wrappers_suite(void) {
  Suite *s = suite_create("wrappers");
  TCase *tc = tcase_create("wrappers");
  tcase_set_timeout(tc, 120); /* the agents train a few thousand conv steps */
  tcase_add_test(tc, test_frame_stack_image_and_vector);
  tcase_add_test(tc, test_action_repeat_sums_and_maxes);
  tcase_add_test(tc, test_grayscale_resize_area_and_bilinear);
  tcase_add_test(tc, test_arguments_and_failures_leave_env);
  tcase_add_test(tc, test_inner_failure_is_reported);
  tcase_add_test(tc, test_wrapped_vec_env_threads_and_no_allocation);
  tcase_add_test(tc, test_bounds_and_agent_on_wrapped_env);
  tcase_add_test(tc, test_conv_agents_allocate_nothing_per_step);
  tcase_add_test(tc, test_every_allocation_can_fail);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(wrappers_suite()); }
