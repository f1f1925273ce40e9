/* The built-in pixel games Bounce and Dodge (lib/env/builtin_bounce.c,
** builtin_dodge.c): shapes, reference dynamics from scripted actions, and
** the hand-written policies of bench/pixel_policies.h well above random
** (the baselines of docs/ENVIRONMENTS.md); a policy acting on the bytes of
** a screen (pg_policy_act_u8). */
#include "testutil.h"

#include "pixel_policies.h"

#include <string.h>

enum { N = 10 };

static pg_env *game(pg_ctx *ctx, const char *name, uint64_t seed, int32_t c) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, name, seed, &env), PG_OK);
  int32_t h = 0, w = 0, ch = 0, size = 0;
  pg_env_get_observation_image(env, &h, &w, &ch);
  pg_env_get_observation_size(env, &size);
  ck_assert_int_eq(h, N);
  ck_assert_int_eq(w, N);
  ck_assert_int_eq(ch, c);
  ck_assert_int_eq(size, N * N * c);
  return env;
}

/* The ball's cell (channel 1 == 1.0) of a Bounce frame. */
static void ball(const float *obs, int *x, int *y) {
  *x = *y = -1;
  for (int r = 0; r < N; r++) {
    int b = pixel_find(obs, N, 2, r, 1, 1.0f);
    if (b >= 0) *x = b, *y = r;
  }
}

START_TEST(test_bounce_dynamics) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = game(ctx, "Bounce", 4, 2);
  float obs[N * N * 2], r = 0, stay = 1;
  int32_t te = 0, tr = 0;
  ck_assert_int_eq(pg_env_reset(env, obs, sizeof obs / sizeof obs[0]), PG_OK);
  /* The paddle covers columns 4..6 of the bottom row; the ball is in row 0. */
  for (int x = 0; x < N; x++)
    ck_assert_float_eq(obs[((N - 1) * N + x) * 2], x >= 4 && x <= 6 ? 1.0f : 0.0f);
  int x0, y0, x1, y1;
  ball(obs, &x0, &y0);
  ck_assert_int_eq(y0, 0);
  /* Each step it moves one row down and one column sideways (bouncing off
  ** the side walls), leaving 0.5 where it was. */
  ck_assert_int_eq(pg_env_step(env, &stay, 1, obs, N * N * 2, &r, &te, &tr), PG_OK);
  ball(obs, &x1, &y1);
  ck_assert_int_eq(y1, 1);
  ck_assert_int_eq(x1 > x0 ? x1 - x0 : x0 - x1, 1);
  ck_assert_float_eq(obs[(y0 * N + x0) * 2 + 1], 0.5f);
  /* Standing still, the ball either bounces off the paddle (+1, it rises)
  ** or is missed (-1, terminated). Episodes end; rewards are -1, 0 or +1. */
  int hits = 0, steps = 1;
  while (!te && steps < 500) {
    int bx, by;
    ball(obs, &bx, &by);
    ck_assert_int_eq(pg_env_step(env, &stay, 1, obs, N * N * 2, &r, &te, &tr), PG_OK);
    steps++;
    int nx, ny;
    ball(obs, &nx, &ny);
    if (r > 0) {
      hits++;
      ck_assert_int_eq(by, N - 2);
      ck_assert_int_eq(ny, N - 3);
      ck_assert_int_ge(nx, 3 - 1); /* off the paddle at 4..6, one column aside */
      ck_assert_int_le(nx, 7 + 1);
    } else if (r < 0) {
      ck_assert_int_eq(ny, N - 1);
      ck_assert_int_eq(te, 1);
    } else {
      ck_assert_int_eq(ny > by ? ny - by : by - ny, 1);
    }
  }
  ck_assert_int_eq(te, 1);
  ck_assert_int_le(hits, 5);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_dodge_dynamics) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_env *env = game(ctx, "Dodge", 2, 1);
  uint64_t cap = 0;
  pg_env_get_max_episode_steps(env, &cap);
  ck_assert_uint_eq(cap, 100);
  float obs[N * N], prev[N * N], r = 0;
  int32_t te = 0, tr = 0;
  ck_assert_int_eq(pg_env_reset(env, obs, N * N), PG_OK);
  ck_assert_float_eq(obs[(N - 1) * N + 5], 1.0f); /* the player starts in column 5 */
  double total = 0;
  int steps = 0;
  while (!te && !tr) {
    memcpy(prev, obs, sizeof obs);
    float a = (float)pixel_dodge_policy(obs, N, N, 1);
    ck_assert_int_eq(pg_env_step(env, &a, 1, obs, N * N, &r, &te, &tr), PG_OK);
    steps++;
    total += r;
    /* Rocks fall one row per step: rows 1..8 are the previous rows 0..7. */
    for (int y = 1; y < N - 1; y++)
      for (int x = 0; x < N; x++)
        ck_assert_float_eq(obs[y * N + x], prev[(y - 1) * N + x] == 0.5f ? 0.5f : 0.0f);
    /* +1 exactly when a rock left the bottom row. */
    ck_assert_float_eq(r, pixel_find(prev, N, 1, N - 1, 0, 0.5f) >= 0 ? 1.0f : 0.0f);
  }
  ck_assert_int_eq(tr, 1); /* the hand-written policy survives to the cap */
  ck_assert_int_eq(steps, 100);
  ck_assert_double_gt(total, 30);
  /* Standing still under the rocks ends soon. */
  ck_assert_int_eq(pg_env_reset(env, obs, N * N), PG_OK);
  te = tr = 0;
  steps = 0;
  for (float stay = 1; !te && !tr; steps++)
    ck_assert_int_eq(pg_env_step(env, &stay, 1, obs, N * N, &r, &te, &tr), PG_OK);
  ck_assert_int_eq(te, 1);
  ck_assert_float_eq(r, 0.0f);
  ck_assert_float_eq(obs[(N - 1) * N + 5], 1.0f); /* drawn under the rock */
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* The documented baselines, on fewer episodes: hand-written far above
** random (docs/ENVIRONMENTS.md has the 1000-episode figures). */
START_TEST(test_baselines) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  double random = 0, hand = 0;
  ck_assert_int_eq(pixel_policy_mean(ctx, "Bounce", pixel_random_policy, 300, 1, &random), 0);
  ck_assert_int_eq(pixel_policy_mean(ctx, "Bounce", pixel_bounce_policy, 300, 1, &hand), 0);
  ck_assert_double_lt(random, 0.0);
  ck_assert_double_eq(hand, 5.0);
  ck_assert_int_eq(pixel_policy_mean(ctx, "Dodge", pixel_random_policy, 300, 1, &random), 0);
  ck_assert_int_eq(pixel_policy_mean(ctx, "Dodge", pixel_dodge_policy, 300, 1, &hand), 0);
  ck_assert_double_lt(random, 8.0);
  ck_assert_double_gt(hand, 40.0);
  ck_assert_int_eq(pixel_policy_mean(ctx, "Catch", pixel_catch_policy, 100, 1, &hand), 0);
  ck_assert_double_eq(hand, 1.0);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A policy acts the same on bytes as on the floats bytes / 255. */
START_TEST(test_policy_acts_on_bytes) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create_image(ctx, N, N, 1, 1, 5, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_conv2d(net, 4, 3, 3, 2, PG_PADDING_SAME, PG_ACTIVATION_RELU,
                                     PG_INIT_GLOROT_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 3, PG_INIT_GLOROT_UNIFORM, 1), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_policy *policy = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &policy), PG_OK);
  pg_policy_session *a = NULL, *b = NULL;
  ck_assert_int_eq(pg_policy_session_create(policy, 9, &a), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(policy, 9, &b), PG_OK);
  uint8_t bytes[N * N];
  float floats[N * N], fa = 0, fb = 0;
  for (int k = 0; k < 40; k++) {
    for (int i = 0; i < N * N; i++) {
      bytes[i] = (uint8_t)((i * 37 + k * 11) % 256);
      floats[i] = (float)bytes[i] / 255.0f;
    }
    int32_t det = k % 2;
    ck_assert_int_eq(pg_policy_act(a, floats, N * N, NULL, 0, det, &fa, 1), PG_OK);
    ck_assert_int_eq(pg_policy_act_u8(b, bytes, N * N, NULL, 0, det, &fb, 1), PG_OK);
    ck_assert_float_eq(fa, fb);
  }
  ck_assert_int_eq(pg_policy_act_u8(NULL, bytes, N * N, NULL, 0, 1, &fb, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act_u8(b, NULL, N * N, NULL, 0, 1, &fb, 1), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_act_u8(b, bytes, N * N - 1, NULL, 0, 1, &fb, 1), PG_ERR_SHAPE);
  ck_assert_str_eq(pg_policy_session_last_error(b),
                   "pg_policy_act_u8: obs_len 99 bytes, the policy takes 100");
  uint8_t none[3] = {0, 0, 0};
  ck_assert_int_eq(pg_policy_act_u8(b, bytes, N * N, none, 3, 1, &fb, 1), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_policy_session_last_error(b), "pg_policy_act_u8: the mask"));
  pg_policy_session_destroy(a);
  pg_policy_session_destroy(b);
  pg_policy_destroy(policy);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

static Suite *pixel_games_suite(void) {
  Suite *s = suite_create("pixel_games");
  TCase *tc = tcase_create("pixel_games");
  tcase_add_test(tc, test_bounce_dynamics);
  tcase_add_test(tc, test_dodge_dynamics);
  tcase_add_test(tc, test_baselines);
  tcase_add_test(tc, test_policy_acts_on_bytes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(pixel_games_suite()); }
