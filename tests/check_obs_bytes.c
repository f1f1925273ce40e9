/* Byte observations end to end (pg_env_set_observation_dtype, PG_OBS_UINT8):
** host and built-in envs that write bytes, the _u8 stepping functions of
** envs, wrappers and vec envs, float readers seeing byte / 255, argument
** errors, no allocation on the step path, and agents that learn from bytes
** exactly as from the same values in floats (PAAC, fixed seed). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

enum { GRID_H = 10, GRID_W = 5, GRID = GRID_H * GRID_W };

static pg_ctx *new_ctx(uint64_t seed) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, seed), PG_OK);
  return ctx;
}

static pg_env *catch_bytes(pg_ctx *ctx, uint64_t seed) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", seed, &env), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(env, PG_OBS_UINT8), PG_OK);
  return env;
}

/* The test's own scaling, written out (not the library's). */
static void scale(const uint8_t *b, size_t n, float *out) {
  for (size_t i = 0; i < n; i++) out[i] = (float)b[i] * (1.0f / 255.0f);
}

/* A host env over a byte env `inner` (one the test owns per instance):
** bytes passes its bytes through (a host byte env); otherwise it scales
** them itself into floats (the float twin). */
typedef struct twin {
  pg_ctx *ctx;
  pg_env *inner;
  int bytes;
} twin;

static int twin_reset(void *user, uint64_t seed, float *obs) {
  twin *t = user;
  uint8_t b[GRID];
  (void)seed; /* the inner env runs its own episode seeds */
  if (pg_env_reset_u8(t->inner, b, GRID) != PG_OK) return 1;
  if (t->bytes)
    memcpy((uint8_t *)obs, b, GRID);
  else
    scale(b, GRID, obs);
  return 0;
}

static int twin_step(void *user, const float *action, float *obs, float *reward,
                     int32_t *terminated, int32_t *truncated) {
  twin *t = user;
  uint8_t b[GRID];
  if (pg_env_step_u8(t->inner, action, 1, b, GRID, reward, terminated, truncated) != PG_OK)
    return 1;
  if (t->bytes)
    memcpy((uint8_t *)obs, b, GRID);
  else
    scale(b, GRID, obs);
  return 0;
}

static int twin_close(void *user) {
  twin *t = user;
  pg_env_destroy(t->inner);
  free(t);
  return 0;
}

static twin *twin_new(pg_ctx *ctx, uint64_t seed, int bytes) {
  twin *t = calloc(1, sizeof *t);
  t->ctx = ctx;
  t->inner = catch_bytes(ctx, seed);
  t->bytes = bytes;
  return t;
}

static int twin_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  const twin *t = factory_user;
  *out = twin_new(t->ctx, seed + 1000u * (uint64_t)(index + 1), t->bytes);
  return 0;
}

static pg_env *twin_env(pg_ctx *ctx, int bytes) {
  pg_env_vtable vt = {sizeof vt, twin_reset, twin_step, twin_close, NULL, twin_create,
                      NULL, NULL};
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create(ctx, &vt, twin_new(ctx, 5, bytes), bytes ? "bytes" : "floats",
                                 GRID, PG_ACTION_DISCRETE, 3, &env),
                   PG_OK);
  ck_assert_int_eq(pg_env_set_observation_image(env, GRID_H, GRID_W, 1), PG_OK);
  if (bytes) ck_assert_int_eq(pg_env_set_observation_dtype(env, PG_OBS_UINT8), PG_OK);
  return env;
}

START_TEST(test_host_env_bytes) {
  pg_ctx *ctx = new_ctx(1);
  pg_env *b = twin_env(ctx, 1), *f = twin_env(ctx, 0);
  pg_obs_dtype dt = PG_OBS_FLOAT32;
  ck_assert_int_eq(pg_env_get_observation_dtype(b, &dt), PG_OK);
  ck_assert_int_eq(dt, PG_OBS_UINT8);
  ck_assert_int_eq(pg_env_get_observation_dtype(f, &dt), PG_OK);
  ck_assert_int_eq(dt, PG_OBS_FLOAT32);
  uint8_t ob[GRID];
  float of[GRID], obf[GRID], scaled[GRID];
  ck_assert_int_eq(pg_env_reset_u8(b, ob, GRID), PG_OK);
  ck_assert_int_eq(pg_env_reset(f, of, GRID), PG_OK);
  scale(ob, GRID, scaled);
  ck_assert_int_eq(memcmp(scaled, of, sizeof of), 0);
  /* the float reader of the byte env sees the same floats */
  pg_env *b2 = twin_env(ctx, 1);
  ck_assert_int_eq(pg_env_reset(b2, obf, GRID), PG_OK);
  ck_assert_int_eq(memcmp(obf, of, sizeof of), 0);
  int32_t te = 0, tr = 0, te2 = 0, tr2 = 0, nonzero = 0;
  float r = 0, r2 = 0, a = 0;
  for (int t = 0; t < 30; t++) {
    a = (float)(t % 3);
    if (te || tr) {
      ck_assert_int_eq(pg_env_reset_u8(b, ob, GRID), PG_OK);
      ck_assert_int_eq(pg_env_reset(f, of, GRID), PG_OK);
    } else {
      ck_assert_int_eq(pg_env_step_u8(b, &a, 1, ob, GRID, &r, &te, &tr), PG_OK);
      ck_assert_int_eq(pg_env_step(f, &a, 1, of, GRID, &r2, &te2, &tr2), PG_OK);
      ck_assert_float_eq(r, r2);
      ck_assert_int_eq(te, te2);
    }
    scale(ob, GRID, scaled);
    ck_assert_int_eq(memcmp(scaled, of, sizeof of), 0);
    for (int i = 0; i < GRID; i++) nonzero += ob[i] == 255;
  }
  ck_assert_int_gt(nonzero, 0);
  pg_env_destroy(b);
  pg_env_destroy(b2);
  pg_env_destroy(f);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_argument_errors) {
  pg_ctx *ctx = new_ctx(1);
  pg_env *f = NULL, *cp = NULL, *w = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Catch", 1, &f), PG_OK);
  uint8_t ob[GRID];
  float a = 1, r;
  int32_t te, tr;
  /* bytes from a float env: refused, nothing happens */
  ck_assert_int_eq(pg_env_reset_u8(f, ob, GRID), PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "has float observations"));
  ck_assert_int_eq(pg_env_step_u8(f, &a, 1, ob, GRID, &r, &te, &tr), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_env_set_observation_dtype(NULL, PG_OBS_UINT8), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_set_observation_dtype(f, (pg_obs_dtype)7), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_get_observation_dtype(f, NULL), PG_ERR_INVALID_ARG);
  /* a vector task has no bytes; a wrapper takes its inner env's dtype */
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &cp), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(cp, PG_OBS_UINT8), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_env_set_observation_dtype(f, PG_OBS_UINT8), PG_OK);
  ck_assert_int_eq(pg_env_wrap_frame_stack(f, 2, &w), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(w, PG_OBS_FLOAT32), PG_ERR_UNSUPPORTED);
  pg_obs_dtype dt = PG_OBS_FLOAT32;
  ck_assert_int_eq(pg_env_get_observation_dtype(w, &dt), PG_OK);
  ck_assert_int_eq(dt, PG_OBS_UINT8);
  uint8_t two[2 * GRID];
  ck_assert_int_eq(pg_env_reset_u8(w, NULL, 2 * GRID), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_env_reset_u8(w, two, GRID), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_step_u8(w, &a, 1, two, 2 * GRID, &r, &te, &tr), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_env_reset_u8(w, two, 2 * GRID), PG_OK);
  ck_assert_int_eq(pg_env_step_u8(w, &a, 1, two, 2 * GRID - 1, &r, &te, &tr), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_env_step_u8(w, &a, 1, two, 2 * GRID, NULL, &te, &tr), PG_ERR_INVALID_ARG);
  /* the dtype is set before the first reset */
  pg_env *g = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Dodge", 1, &g), PG_OK);
  float og[100];
  ck_assert_int_eq(pg_env_reset(g, og, 100), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(g, PG_OBS_UINT8), PG_ERR_BAD_STATE);
  pg_env_destroy(g);
  pg_env_destroy(w);
  pg_env_destroy(cp);
  pg_ctx_destroy(ctx);
}
END_TEST

/* byte b drawn for a cell of value v: b == v * 255 rounded */
static void expect_drawn(const uint8_t *b, const float *f, size_t n) {
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(b[i], (int)(f[i] * 255.0f + 0.5f));
}

/* A built-in pixel game in bytes and in floats, wrapped by `wrap` (or
** not), stepped with the same actions: bytes are the floats drawn. */
typedef pg_status (*wrap_fn)(pg_env *env, pg_env **out);
static pg_status stack4(pg_env *e, pg_env **out) { return pg_env_wrap_frame_stack(e, 4, out); }
static pg_status repeat3(pg_env *e, pg_env **out) { return pg_env_wrap_action_repeat(e, 3, out); }

static void compare_game(const char *name, wrap_fn wrap) {
  pg_ctx *ctx = new_ctx(1);
  pg_env *b = NULL, *f = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, name, 3, &b), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, name, 3, &f), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(b, PG_OBS_UINT8), PG_OK);
  if (wrap) {
    pg_env *wb = NULL, *wf = NULL;
    ck_assert_int_eq(wrap(b, &wb), PG_OK);
    ck_assert_int_eq(wrap(f, &wf), PG_OK);
    b = wb;
    f = wf;
  }
  int32_t n = 0;
  ck_assert_int_eq(pg_env_get_observation_size(b, &n), PG_OK);
  uint8_t *ob = malloc((size_t)n);
  float *of = malloc((size_t)n * sizeof(float));
  ck_assert_int_eq(pg_env_reset_u8(b, ob, (size_t)n), PG_OK);
  ck_assert_int_eq(pg_env_reset(f, of, (size_t)n), PG_OK);
  expect_drawn(ob, of, (size_t)n);
  int32_t te = 0, tr = 0, te2, tr2;
  float r, r2;
  for (int t = 0; t < 60; t++) {
    float a = (float)((t * 7) % 3);
    if (te || tr) {
      ck_assert_int_eq(pg_env_reset_u8(b, ob, (size_t)n), PG_OK);
      ck_assert_int_eq(pg_env_reset(f, of, (size_t)n), PG_OK);
      te = tr = 0;
    } else {
      ck_assert_int_eq(pg_env_step_u8(b, &a, 1, ob, (size_t)n, &r, &te, &tr), PG_OK);
      ck_assert_int_eq(pg_env_step(f, &a, 1, of, (size_t)n, &r2, &te2, &tr2), PG_OK);
      ck_assert_float_eq(r, r2);
      ck_assert_int_eq(te, te2);
      ck_assert_int_eq(tr, tr2);
    }
    expect_drawn(ob, of, (size_t)n);
  }
  free(ob);
  free(of);
  pg_env_destroy(b);
  pg_env_destroy(f);
  pg_ctx_destroy(ctx);
}

START_TEST(test_builtin_games_bytes) {
  compare_game("Catch", NULL);
  compare_game("Bounce", NULL);
  compare_game("Dodge", NULL);
}
END_TEST

START_TEST(test_wrappers_bytes) {
  compare_game("Bounce", stack4);
  compare_game("Dodge", repeat3);
  /* grayscale-resize: bytes resampled in 0..255 and rounded, within one
  ** step of the float image drawn */
  pg_ctx *ctx = new_ctx(1);
  pg_env *b = NULL, *f = NULL, *wb = NULL, *wf = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Dodge", 3, &b), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Dodge", 3, &f), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(b, PG_OBS_UINT8), PG_OK);
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(b, 7, 7, PG_RESAMPLE_AREA, &wb), PG_OK);
  ck_assert_int_eq(pg_env_wrap_grayscale_resize(f, 7, 7, PG_RESAMPLE_AREA, &wf), PG_OK);
  uint8_t ob[49];
  float of[49];
  ck_assert_int_eq(pg_env_reset_u8(wb, ob, 49), PG_OK);
  ck_assert_int_eq(pg_env_reset(wf, of, 49), PG_OK);
  int lit = 0;
  for (int i = 0; i < 49; i++) {
    int want = (int)(of[i] * 255.0f + 0.5f);
    ck_assert_int_le(ob[i] > want ? ob[i] - want : want - ob[i], 1);
    lit += ob[i] > 0;
  }
  ck_assert_int_gt(lit, 0);
  pg_env_destroy(wb);
  pg_env_destroy(wf);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_vec_env_bytes) {
  pg_test_alloc counter;
  pg_ctx *ctx = pg_test_ctx(&counter);
  enum { NE = 4, OS = 200 };
  pg_env *b = NULL, *f = NULL;
  pg_vec_env *vb = NULL, *vf = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Bounce", 3, &b), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Bounce", 3, &f), PG_OK);
  ck_assert_int_eq(pg_env_set_observation_dtype(b, PG_OBS_UINT8), PG_OK);
  ck_assert_int_eq(pg_vec_env_create(b, NE, 2, 9, &vb), PG_OK);
  ck_assert_int_eq(pg_vec_env_create(f, NE, 1, 9, &vf), PG_OK);
  pg_env_destroy(b);
  pg_env_destroy(f);
  static uint8_t ob[NE * OS], fin_b[NE * OS];
  static float of[NE * OS], fin_f[NE * OS], of2[NE * OS];
  float act[NE], rb[NE], rf[NE];
  int32_t teb[NE], trb[NE], tef[NE], trf[NE];
  ck_assert_int_eq(pg_vec_env_step_u8(vb, act, NE, ob, NE * OS, rb, teb, trb, NULL),
                   PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_vec_env_reset_u8(vb, ob, NE * OS - 1), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_vec_env_reset_u8(vf, ob, NE * OS), PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_vec_env_reset_u8(vb, ob, NE * OS), PG_OK);
  ck_assert_int_eq(pg_vec_env_reset(vf, of, NE * OS), PG_OK);
  expect_drawn(ob, of, NE * OS);
  long calls = counter.calls;
  int ended = 0;
  for (int t = 0; t < 80; t++) {
    for (int i = 0; i < NE; i++) act[i] = (float)((t + i) % 3);
    ck_assert_int_eq(pg_vec_env_step_u8(vb, act, NE, ob, NE * OS, rb, teb, trb, fin_b), PG_OK);
    ck_assert_int_eq(pg_vec_env_step(vf, act, NE, of, NE * OS, rf, tef, trf, fin_f), PG_OK);
    expect_drawn(ob, of, NE * OS);
    for (int i = 0; i < NE; i++) {
      ck_assert_float_eq(rb[i], rf[i]);
      ck_assert_int_eq(teb[i], tef[i]);
      if (teb[i] || trb[i]) {
        expect_drawn(fin_b + i * OS, fin_f + i * OS, OS);
        ended++;
      }
    }
  }
  ck_assert_int_gt(ended, 0);
  ck_assert_int_eq(counter.calls, calls); /* no allocation on the step path */
  /* the float reader of the byte vec env */
  ck_assert_int_eq(pg_vec_env_reset(vb, of2, NE * OS), PG_OK);
  ck_assert_int_eq(pg_vec_env_reset(vf, of, NE * OS), PG_OK);
  for (int i = 0; i < NE * OS; i++)
    ck_assert_int_eq((int)(of2[i] * 255.0f + 0.5f), (int)(of[i] * 255.0f + 0.5f));
  pg_vec_env_destroy(vb);
  pg_vec_env_destroy(vf);
  pg_ctx_destroy(ctx);
}
END_TEST

/* The parameters of an agent's policy net. */
static float *params_of(pg_agent *agent, size_t *n) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(agent, 0, &net), PG_OK);
  ck_assert_int_eq(pg_net_param_count(net, n), PG_OK);
  float *p = malloc(*n * sizeof(float));
  ck_assert_int_eq(pg_net_get_params(net, 0, *n, p), PG_OK);
  return p;
}

static pg_agent *paac(pg_ctx *ctx, const pg_env *env) {
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 16, 1, &agent), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, 4), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_SEED, 11), PG_OK);
  return agent;
}

/* PAAC trained by pg_agent_train on the byte env and on its float twin:
** the same parameters, bit for bit. */
START_TEST(test_paac_train_bytes_bit_identical) {
  float *p[2] = {NULL, NULL};
  size_t n[2] = {0, 0};
  double upd[2];
  for (int bytes = 0; bytes < 2; bytes++) {
    pg_ctx *ctx = new_ctx(7);
    pg_env *env = twin_env(ctx, bytes);
    pg_agent *agent = paac(ctx, env);
    ck_assert_int_eq(pg_agent_train(agent, env, 2000, NULL, NULL), PG_OK);
    ck_assert_int_eq(pg_agent_get_stat(agent, PG_STAT_UPDATES, &upd[bytes]), PG_OK);
    p[bytes] = params_of(agent, &n[bytes]);
    pg_agent_destroy(agent);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
  ck_assert_double_gt(upd[0], 50);
  ck_assert_double_eq(upd[0], upd[1]);
  ck_assert_uint_eq(n[0], n[1]);
  ck_assert_int_eq(memcmp(p[0], p[1], n[0] * sizeof(float)), 0);
  free(p[0]);
  free(p[1]);
}
END_TEST

/* The host loop: pg_agent_step_u8 / pg_agent_report_u8 on a byte vec env
** and pg_agent_step / pg_agent_report on the float twin learn the same
** parameters; after the first byte step nothing is allocated. */
START_TEST(test_paac_host_loop_bytes) {
  enum { NE = 4 };
  float *p[2] = {NULL, NULL};
  size_t n[2] = {0, 0};
  long step_allocs = -1;
  for (int bytes = 0; bytes < 2; bytes++) {
    pg_test_alloc counter;
    pg_ctx *ctx = pg_test_ctx(&counter);
    ck_assert_int_eq(pg_ctx_set_seed(ctx, 7), PG_OK);
    pg_env *env = twin_env(ctx, bytes);
    pg_agent *agent = paac(ctx, env);
    pg_vec_env *vec = NULL;
    ck_assert_int_eq(pg_vec_env_create(env, NE, 1, 3, &vec), PG_OK);
    static uint8_t ob[NE * GRID], nb[NE * GRID];
    static float of[NE * GRID], nf[NE * GRID], fin[NE * GRID];
    static uint8_t finb[NE * GRID];
    float act[NE], rew[NE];
    int32_t te[NE], tr[NE];
    if (bytes)
      ck_assert_int_eq(pg_vec_env_reset_u8(vec, ob, NE * GRID), PG_OK);
    else
      ck_assert_int_eq(pg_vec_env_reset(vec, of, NE * GRID), PG_OK);
    long calls = 0;
    for (int t = 0; t < 400; t++) {
      if (t == 1) calls = counter.calls;
      if (bytes) {
        ck_assert_int_eq(pg_agent_step_u8(agent, ob, NE * GRID, NULL, 0, act, NE), PG_OK);
        ck_assert_int_eq(pg_vec_env_step_u8(vec, act, NE, nb, NE * GRID, rew, te, tr, finb),
                         PG_OK);
        for (int i = 0; i < NE; i++)
          memcpy(ob + i * GRID, (te[i] || tr[i]) ? finb + i * GRID : nb + i * GRID, GRID);
        ck_assert_int_eq(pg_agent_report_u8(agent, rew, te, tr, NE, ob, NE * GRID), PG_OK);
        memcpy(ob, nb, sizeof nb);
      } else {
        ck_assert_int_eq(pg_agent_step(agent, of, NE * GRID, NULL, 0, act, NE), PG_OK);
        ck_assert_int_eq(pg_vec_env_step(vec, act, NE, nf, NE * GRID, rew, te, tr, fin), PG_OK);
        for (int i = 0; i < NE; i++)
          memcpy(of + i * GRID, (te[i] || tr[i]) ? fin + i * GRID : nf + i * GRID,
                 GRID * sizeof(float));
        ck_assert_int_eq(pg_agent_report(agent, rew, te, tr, NE, of, NE * GRID), PG_OK);
        memcpy(of, nf, sizeof nf);
      }
      ck_assert_int_eq(pg_agent_update(agent, NULL), PG_OK);
    }
    if (bytes) step_allocs = counter.calls - calls;
    p[bytes] = params_of(agent, &n[bytes]);
    if (bytes) { /* argument errors */
      ck_assert_int_eq(pg_agent_step_u8(agent, NULL, NE * GRID, NULL, 0, act, NE),
                       PG_ERR_INVALID_ARG);
      ck_assert_int_eq(pg_agent_step_u8(agent, ob, GRID, NULL, 0, act, NE), PG_ERR_SHAPE);
      ck_assert_int_eq(pg_agent_report_u8(agent, rew, te, tr, NE, ob, NE * GRID),
                       PG_ERR_BAD_STATE);
      ck_assert_int_eq(pg_agent_step_u8(agent, ob, NE * GRID, NULL, 0, act, NE), PG_OK);
      ck_assert_int_eq(pg_agent_report_u8(agent, rew, te, tr, NE, ob, NE * GRID - 1),
                       PG_ERR_SHAPE);
      ck_assert_int_eq(pg_agent_report_u8(agent, rew, te, tr, NE, NULL, NE * GRID),
                       PG_ERR_INVALID_ARG);
      ck_assert_int_eq(pg_agent_report_u8(agent, rew, te, tr, NE, ob, NE * GRID), PG_OK);
    }
    pg_vec_env_destroy(vec);
    pg_agent_destroy(agent);
    pg_env_destroy(env);
    pg_ctx_destroy(ctx);
  }
  ck_assert_int_eq(step_allocs, 0);
  ck_assert_uint_eq(n[0], n[1]);
  ck_assert_int_eq(memcmp(p[0], p[1], n[0] * sizeof(float)), 0);
  free(p[0]);
  free(p[1]);
}
END_TEST

static Suite *obs_bytes_suite(void) {
  Suite *s = suite_create("obs_bytes");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_host_env_bytes);
  tcase_add_test(tc, test_argument_errors);
  tcase_add_test(tc, test_builtin_games_bytes);
  tcase_add_test(tc, test_wrappers_bytes);
  tcase_add_test(tc, test_vec_env_bytes);
  tcase_add_test(tc, test_paac_train_bytes_bit_identical);
  tcase_add_test(tc, test_paac_host_loop_bytes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(obs_bytes_suite()); }
