#define _POSIX_C_SOURCE 200809L
/* Agent checkpoints: exact resume after pg_agent_train (REINFORCE,
** REINFORCE with baseline, one-step actor-critic, PAAC, PPO) and in the
** host-driven loop, memory/file/callback round trips, borrowed nets, bad
** states and arguments, every corruption class (truncation, bit flips,
** hand-edited sections with valid CRCs), allocation failures during load,
** injected write failures, and pg_policy_from_agent. */
#include "testutil.h"
#include "testutil_io.h"

#include "pg_serial.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static pg_agent *make_agent(pg_ctx *ctx, pg_algorithm algo, const char *env_name) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, env_name, 1, &env), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, algo, env, 16, 1, &a), PG_OK);
  if (algo == PG_ALGO_PAAC) ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4), PG_OK);
  if (algo == PG_ALGO_PPO) { /* 4 slots x 16 steps, 2 passes of 2 minibatches, KL stop */
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 16), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_PPO_EPOCHS, 2), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_MINIBATCHES, 2), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_TARGET_KL, 0.05), PG_OK);
  }
  pg_env_destroy(env);
  return a;
}

static pg_env *cartpole(pg_ctx *ctx, uint64_t seed) {
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", seed, &env), PG_OK);
  return env;
}

static unsigned char *save_mem(const pg_agent *a, size_t *size) {
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  size_t got = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, buf, *size, &got), PG_OK);
  ck_assert_uint_eq(got, *size);
  return buf;
}

static pg_agent *load_mem(pg_ctx *ctx, const unsigned char *buf, size_t size) {
  pg_agent *b = NULL;
  pg_status st = pg_agent_load_memory(ctx, buf, size, &b);
  ck_assert_msg(st == PG_OK, "load: %s", pg_ctx_last_error(ctx));
  return b;
}

static void assert_same_net(pg_net *x, pg_net *y) {
  size_t nx, ny;
  ck_assert_int_eq(pg_net_param_count(x, &nx), PG_OK);
  ck_assert_int_eq(pg_net_param_count(y, &ny), PG_OK);
  ck_assert_uint_eq(nx, ny);
  float *px = malloc(nx * sizeof *px), *py = malloc(ny * sizeof *py);
  ck_assert_int_eq(pg_net_get_params(x, 0, nx, px), PG_OK);
  ck_assert_int_eq(pg_net_get_params(y, 0, ny, py), PG_OK);
  ck_assert(memcmp(px, py, nx * sizeof *px) == 0);
  free(px);
  free(py);
}

/* Same parameters, counters and statistics, and the same checkpoint bytes
** (which also covers optimizer state, parameters and the random stream). */
static void assert_same_agent(pg_agent *a, pg_agent *b) {
  pg_net *na, *nb;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &na), PG_OK);
  ck_assert_int_eq(pg_agent_get_net(b, 0, &nb), PG_OK);
  assert_same_net(na, nb);
  if (pg_agent_get_net(a, 1, &na) == PG_OK) {
    ck_assert_int_eq(pg_agent_get_net(b, 1, &nb), PG_OK);
    assert_same_net(na, nb);
  }
  static const pg_stat stats[] = {PG_STAT_EPISODES,    PG_STAT_LAST_RETURN, PG_STAT_LAST_LENGTH,
                                  PG_STAT_MEAN_RETURN_100, PG_STAT_TOTAL_STEPS, PG_STAT_UPDATES,
                                  PG_STAT_POLICY_LOSS, PG_STAT_VALUE_LOSS,  PG_STAT_ENTROPY,
                                  PG_STAT_LEARNING_RATE};
  for (size_t i = 0; i < sizeof stats / sizeof *stats; i++) {
    double x, y;
    ck_assert_int_eq(pg_agent_get_stat(a, stats[i], &x), PG_OK);
    ck_assert_int_eq(pg_agent_get_stat(b, stats[i], &y), PG_OK);
    ck_assert_msg(memcmp(&x, &y, sizeof x) == 0, "stat %d: %.17g vs %.17g", (int)stats[i], x, y);
  }
  size_t sa, sb;
  unsigned char *ba = save_mem(a, &sa), *bb = save_mem(b, &sb);
  ck_assert_uint_eq(sa, sb);
  ck_assert(memcmp(ba, bb, sa) == 0);
  free(ba);
  free(bb);
}

/* ---- exact resume after pg_agent_train ------------------------------------- */

/* the last two: PPO and PAAC with observation normalization (ONRM) */
static const pg_algorithm resume_algos[] = {PG_ALGO_REINFORCE,          PG_ALGO_ACTOR_CRITIC,
                                            PG_ALGO_PAAC,               PG_ALGO_REINFORCE_BASELINE,
                                            PG_ALGO_PPO,                PG_ALGO_PPO,
                                            PG_ALGO_PAAC};
enum { N_RESUME = sizeof resume_algos / sizeof *resume_algos, FIRST_NORM = 5 };

START_TEST(test_resume_train) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_agent *a = make_agent(ctx, resume_algos[_i], "CartPole-v1");
  if (_i >= FIRST_NORM) ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NORM_OBS, 1), PG_OK);
  pg_env *env = cartpole(ctx, 3);
  ck_assert_int_eq(pg_agent_train(a, env, 600, NULL, NULL), PG_OK);
  size_t size;
  unsigned char *buf = save_mem(a, &size);
  ck_assert(memcmp(buf, "PGCK\2\0\0\0\3\0\0\0", 12) == 0);
  pg_agent *b = load_mem(ctx, buf, size);
  /* Loading then saving gives the same bytes. */
  size_t size2;
  unsigned char *buf2 = save_mem(b, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(buf, buf2, size) == 0);
  double v;
  ck_assert_int_eq(pg_agent_get_stat(b, PG_STAT_TOTAL_STEPS, &v), PG_OK);
  ck_assert(v >= 600);
  /* Why two fresh envs with one seed make the runs comparable:
  ** pg_agent_train starts by clearing the agent's partial episodes and
  ** resetting the env (one slot), and the env's k-th episode is seeded from
  ** (env seed, k). With several slots (PAAC) it builds a pg_vec_env of
  ** clones seeded from the agent's own random stream, which the checkpoint
  ** holds. So A continuing on env A2 and B on env B2 (same seed, both new)
  ** see identical environment sequences exactly when their state is
  ** identical. */
  pg_env *ea = cartpole(ctx, 11), *eb = cartpole(ctx, 11);
  ck_assert_int_eq(pg_agent_train(a, ea, 700, NULL, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_train(b, eb, 700, NULL, NULL), PG_OK);
  assert_same_agent(a, b);
  ck_assert_int_eq(pg_agent_get_stat(b, PG_STAT_UPDATES, &v), PG_OK);
  ck_assert(v > 10);
  free(buf);
  free(buf2);
  pg_agent_destroy(a);
  pg_agent_destroy(b);
  pg_env_destroy(env);
  pg_env_destroy(ea);
  pg_env_destroy(eb);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

/* ---- exact resume in the host-driven loop -------------------------------------- */

typedef struct host {
  pg_agent *agent;
  pg_env *env;
  float obs[4], next[4], act[1], rew[1];
  int32_t te[1], tr[1];
} host;

/* One frame: step, env step, report, update; resets on an episode end.
** Returns 1 when the frame ended an episode. */
static int frame(host *h, int32_t *updated) {
  ck_assert_int_eq(pg_agent_step(h->agent, h->obs, 4, NULL, 0, h->act, 1), PG_OK);
  ck_assert_int_eq(pg_env_step(h->env, h->act, 1, h->next, 4, h->rew, h->te, h->tr), PG_OK);
  ck_assert_int_eq(pg_agent_report(h->agent, h->rew, h->te, h->tr, 1, h->next, 4), PG_OK);
  ck_assert_int_eq(pg_agent_update(h->agent, updated), PG_OK);
  if (h->te[0] || h->tr[0]) {
    ck_assert_int_eq(pg_env_reset(h->env, h->obs, 4), PG_OK);
    return 1;
  }
  memcpy(h->obs, h->next, sizeof h->obs);
  return 0;
}

START_TEST(test_resume_host_loop) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  host h = {make_agent(ctx, PG_ALGO_ACTOR_CRITIC, "CartPole-v1"), cartpole(ctx, 7), {0}, {0},
            {0}, {0}, {0}, {0}};
  ck_assert_int_eq(pg_env_reset(h.env, h.obs, 4), PG_OK);
  /* Save at an episode boundary, after its update. */
  int32_t up;
  int steps = 0;
  while (!(frame(&h, &up) && steps >= 150)) steps++;
  size_t size;
  unsigned char *buf = save_mem(h.agent, &size);
  host g = {load_mem(ctx, buf, size), cartpole(ctx, 9), {0}, {0}, {0}, {0}, {0}, {0}};
  pg_env_destroy(h.env);
  h.env = cartpole(ctx, 9);
  ck_assert_int_eq(pg_env_reset(h.env, h.obs, 4), PG_OK);
  ck_assert_int_eq(pg_env_reset(g.env, g.obs, 4), PG_OK);
  int episodes = 0;
  for (int t = 0; t < 400; t++) {
    int32_t u1, u2;
    episodes += frame(&h, &u1);
    frame(&g, &u2);
    ck_assert_msg(h.act[0] == g.act[0], "step %d: action %g vs %g", t, (double)h.act[0],
                  (double)g.act[0]);
    ck_assert_int_eq(u1, u2);
    ck_assert_int_eq(u1, 1);
  }
  ck_assert_int_ge(episodes, 2);
  assert_same_agent(h.agent, g.agent);
  /* Inference on fixed observations agrees too. */
  for (int i = 0; i < 10; i++) {
    float o[4] = {0.1f * (float)i, -0.05f * (float)i, 0.02f, -0.3f + 0.07f * (float)i}, x, y;
    ck_assert_int_eq(pg_agent_act(h.agent, o, 4, NULL, 0, 1, &x, 1), PG_OK);
    ck_assert_int_eq(pg_agent_act(g.agent, o, 4, NULL, 0, 1, &y, 1), PG_OK);
    ck_assert(x == y);
  }
  free(buf);
  pg_agent_destroy(h.agent);
  pg_agent_destroy(g.agent);
  pg_env_destroy(h.env);
  pg_env_destroy(g.env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

/* ---- file, callback, borrowed nets, an untrained agent ------------------------ */

typedef struct cb_sink {
  unsigned char *buf;
  size_t n, cap;
  int calls, fail_on;
} cb_sink;

static int sink_write(void *user, const void *data, size_t size) {
  cb_sink *s = user;
  if (++s->calls == s->fail_on) return 3;
  ck_assert_uint_le(s->n + size, s->cap);
  memcpy(s->buf + s->n, data, size);
  s->n += size;
  return 0;
}

static char *tmp_path(const char *name) {
  static char path[300];
  snprintf(path, sizeof path, "%s/check_io_agent_%ld_%s",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid(), name);
  return path;
}

START_TEST(test_file_cb_borrowed) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  /* Borrowed nets: the caller's, not the agent's. */
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 64, 5, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_agent *a = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PAAC, net, NULL, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 2), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_OPTIMIZER, PG_OPTIM_SGD), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_SEED, 1234), PG_OK);
  /* An agent that has never stepped (no optimizer yet) round-trips too. */
  size_t size;
  unsigned char *fresh = save_mem(a, &size);
  pg_agent *b = load_mem(ctx, fresh, size);
  double v;
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_OPTIMIZER, &v), PG_OK);
  ck_assert(v == PG_OPTIM_SGD);
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_LR, &v), PG_OK);
  ck_assert(v == 0.00015625 * 2); /* derived, not user-set: still follows num_envs */
  ck_assert_int_eq(pg_agent_set_param(b, PG_PARAM_NUM_ENVS, 4), PG_OK);
  ck_assert_int_eq(pg_agent_get_param(b, PG_PARAM_LR, &v), PG_OK);
  ck_assert(v == 0.00015625 * 4);
  pg_agent_destroy(b);
  free(fresh);

  pg_env *env = cartpole(ctx, 2);
  ck_assert_int_eq(pg_agent_train(a, env, 100, NULL, NULL), PG_OK);
  unsigned char *ref = save_mem(a, &size);
  cb_sink s = {malloc(size), 0, size, 0, 0};
  ck_assert_int_eq(pg_agent_save_cb(a, sink_write, &s), PG_OK);
  ck_assert_uint_eq(s.n, size);
  ck_assert(memcmp(s.buf, ref, size) == 0);
  s.n = 0;
  s.calls = 0;
  s.fail_on = 1;
  ck_assert_int_eq(pg_agent_save_cb(a, sink_write, &s), PG_ERR_CALLBACK);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_save_cb"));
  const char *path = tmp_path("a.pgck");
  ck_assert_int_eq(pg_agent_save_file(a, path), PG_OK);
  ck_assert_int_eq(pg_agent_load_file(ctx, path, &b), PG_OK);
  unlink(path);
  /* The loaded agent owns new nets. */
  pg_net *bn = NULL;
  ck_assert_int_eq(pg_agent_get_net(b, 0, &bn), PG_OK);
  ck_assert_ptr_ne(bn, net);
  assert_same_agent(a, b);
  pg_env *ea = cartpole(ctx, 4), *eb = cartpole(ctx, 4);
  ck_assert_int_eq(pg_agent_train(a, ea, 100, NULL, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_train(b, eb, 100, NULL, NULL), PG_OK);
  assert_same_agent(a, b);
  pg_agent_destroy(b); /* frees its own nets only */
  pg_agent_destroy(a);
  ck_assert_int_eq(pg_net_forward(net, (const float[4]){0}, 1, NULL), PG_OK);
  pg_net_destroy(net);
  free(s.buf);
  free(ref);
  pg_env_destroy(env);
  pg_env_destroy(ea);
  pg_env_destroy(eb);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

/* ---- states and arguments ---------------------------------------------------- */

/* A never-stepped agent of each algorithm: save -> load -> save gives the
** same bytes, and the loaded agent is not set up either (PPO's loader ran
** the first step's set-up for its return statistics, so the copy saved
** optimizer sections the original did not have; found by fuzz_api). */
static const pg_algorithm fresh_algos[] = {
    PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE, PG_ALGO_ACTOR_CRITIC,
    PG_ALGO_PAAC,      PG_ALGO_PPO,                PG_ALGO_A3C,
    PG_ALGO_ASYNC_ONE_STEP_Q, PG_ALGO_ASYNC_ONE_STEP_SARSA, PG_ALGO_ASYNC_N_STEP_Q};

START_TEST(test_fresh_round_trip) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make_agent(ctx, fresh_algos[_i], "CartPole-v1");
  size_t sa = 0, sb = 0;
  unsigned char *ba = save_mem(a, &sa);
  pg_agent *b = load_mem(ctx, ba, sa);
  unsigned char *bb = save_mem(b, &sb);
  ck_assert_msg(sa == sb && memcmp(ba, bb, sa) == 0, "%s: %zu bytes saved, %zu after a load",
                pg_algorithm_name(fresh_algos[_i]), sa, sb);
  free(ba);
  free(bb);
  pg_agent_destroy(b);
  pg_agent_destroy(a);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_states_and_args) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make_agent(ctx, PG_ALGO_ACTOR_CRITIC, "CartPole-v1"), *out = (pg_agent *)&a;
  size_t need = 0, got = 0;
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &need), PG_OK);
  unsigned char small[16];
  memset(small, 0xAB, sizeof small);
  ck_assert_int_eq(pg_agent_save_memory(a, small, sizeof small, &got), PG_ERR_SHAPE);
  ck_assert_uint_eq(got, need);
  ck_assert_uint_eq(small[0], 0xAB);
  ck_assert_int_eq(pg_agent_save_memory(a, small, 16, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_memory(NULL, small, 16, &got), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_cb(a, NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_cb(NULL, sink_write, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_file(a, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_file(a, ""), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_file(NULL, "x"), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_save_file(a, "/nonexistent/dir/a.pgck"), PG_ERR_IO);
  ck_assert_int_eq(pg_agent_load_memory(ctx, NULL, 0, &out), PG_ERR_FORMAT);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(pg_agent_load_memory(ctx, NULL, 5, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_load_memory(ctx, small, 16, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_load_memory(NULL, small, 16, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_load_file(ctx, NULL, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_load_file(ctx, "/nonexistent/dir/a.pgck", &out), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_load_file"));
  ck_assert_int_eq(pg_policy_from_agent(NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_from_agent(a, NULL), PG_ERR_INVALID_ARG);

  /* Between steps only; not with an update due. */
  float obs[4] = {0}, act[1], r[1] = {1};
  int32_t te[1] = {0}, tr[1] = {0};
  ck_assert_int_eq(pg_agent_step(a, obs, 4, NULL, 0, act, 1), PG_OK);
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &got), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_report"));
  ck_assert_int_eq(pg_agent_report(a, r, te, tr, 1, obs, 4), PG_OK);
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &got), PG_ERR_BAD_STATE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_update"));
  ck_assert_int_eq(pg_agent_update(a, NULL), PG_OK);
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &got), PG_OK);

  /* Kinds: a net checkpoint is not an agent, and the other way round. */
  pg_net *net = NULL;
  ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
  size_t nsz;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &nsz), PG_OK);
  unsigned char *nb = malloc(nsz);
  ck_assert_int_eq(pg_net_save_memory(net, nb, nsz, &nsz), PG_OK);
  ck_assert_int_eq(pg_agent_load_memory(ctx, nb, nsz, &out), PG_ERR_FORMAT);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_agent_load_memory"));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "not an agent"));
  size_t asz;
  unsigned char *ab = save_mem(a, &asz);
  pg_net *nout = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, ab, asz, &nout), PG_ERR_FORMAT);
  pg_policy *pout = NULL;
  ck_assert_int_eq(pg_policy_load_memory(ctx, ab, asz, &pout), PG_ERR_FORMAT);
  free(nb);
  free(ab);
  pg_agent_destroy(a);

  /* Asynchronous agents: saved since 0.2.0 (tests/check_a3c.c resumes
  ** them), and exportable. */
  static const pg_algorithm async_algos[] = {PG_ALGO_A3C, PG_ALGO_ASYNC_ONE_STEP_Q};
  for (int i = 0; i < 2; i++) {
    a = make_agent(ctx, async_algos[i], "CartPole-v1");
    ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &got), PG_OK);
    pg_policy *pol = NULL;
    pg_policy_session *ses = NULL;
    ck_assert_int_eq(pg_policy_from_agent(a, &pol), PG_OK);
    ck_assert_int_eq(pg_policy_session_create(pol, 1, &ses), PG_OK);
    float o[4] = {0.1f, 0.2f, -0.3f, 0.05f}, x, y;
    ck_assert_int_eq(pg_agent_act(a, o, 4, NULL, 0, 1, &x, 1), PG_OK);
    ck_assert_int_eq(pg_policy_act(ses, o, 4, NULL, 0, 1, &y, 1), PG_OK);
    ck_assert(x == y);
    pg_policy_session_destroy(ses);
    pg_policy_destroy(pol);
    pg_agent_destroy(a);
  }
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- corruption ------------------------------------------------------------------ */

static void expect_load_fails(const unsigned char *buf, size_t size, pg_status want,
                              const char *what, const char *needle) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_agent *out = (pg_agent *)&al;
  pg_status st = pg_agent_load_memory(ctx, buf, size, &out);
  ck_assert_msg(st == want, "%s: status %d (%s), want %d", what, (int)st,
                pg_ctx_last_error(ctx), (int)want);
  ck_assert_ptr_null(out);
  const char *msg = pg_ctx_last_error(ctx);
  ck_assert_msg(strstr(msg, "pg_agent_load_memory") != NULL, "%s: message '%s'", what, msg);
  if (needle) ck_assert_msg(strstr(msg, needle) != NULL, "%s: message '%s'", what, msg);
  ck_assert_int_eq(al.live_blocks, 1); /* the context only */
  pg_ctx_destroy(ctx);
}

static unsigned char *trained_ckpt(pg_algorithm algo, size_t *size) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make_agent(ctx, algo, "CartPole-v1");
  pg_env *env = cartpole(ctx, 1);
  ck_assert_int_eq(pg_agent_train(a, env, 60, NULL, NULL), PG_OK);
  unsigned char *buf = save_mem(a, size);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return buf;
}

START_TEST(test_truncated_and_bit_flips) {
  size_t size;
  unsigned char *buf = trained_ckpt(PG_ALGO_ACTOR_CRITIC, &size);
  char what[64];
  for (size_t n = 0; n < size; n += (n < 64 ? 1 : 7)) {
    snprintf(what, sizeof what, "truncated to %zu", n);
    expect_load_fails(buf, n, PG_ERR_FORMAT, what, NULL);
  }
  expect_load_fails(buf, size - 1, PG_ERR_FORMAT, "one byte short", NULL);
  unsigned char *longer = malloc(size + 1);
  memcpy(longer, buf, size);
  longer[size] = 0;
  expect_load_fails(longer, size + 1, PG_ERR_FORMAT, "trailing byte", "after the last");
  free(longer);
  for (size_t i = 0; i < size; i += (i < 64 ? 1 : 5)) {
    int bit = (int)(i % 8);
    buf[i] ^= (unsigned char)(1u << bit);
    snprintf(what, sizeof what, "byte %zu bit %d", i, bit);
    pg_status want = (i >= 4 && i < 8) ? PG_ERR_VERSION : PG_ERR_FORMAT;
    if (i >= 4 && i < 8 && (buf[4] | buf[5] | buf[6] | buf[7]) == 0) want = PG_ERR_FORMAT;
    expect_load_fails(buf, size, want, what, NULL);
    buf[i] ^= (unsigned char)(1u << bit);
  }
  buf[0] = 'X';
  expect_load_fails(buf, size, PG_ERR_FORMAT, "wrong magic", "magic");
  buf[0] = 'P';
  buf[4] = PG__FORMAT_VERSION + 1; /* a newer version, header CRC fixed up */
  uint32_t c = pg__crc32(0, buf, 20);
  for (int i = 0; i < 4; i++) buf[20 + i] = (unsigned char)(c >> (8 * i));
  expect_load_fails(buf, size, PG_ERR_VERSION, "version 3", "newer");
  free(buf);
}
END_TEST

/* Hand-edited checkpoints: split into sections, patch, rebuild with valid
** CRCs. */
typedef struct sec {
  uint32_t tag;
  unsigned char *body;
  size_t len;
} sec;
typedef struct ckpt {
  uint32_t kind, n_hdr;
  int n;
  sec s[16];
} ckpt;

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void putf64(unsigned char *p, double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  put64(p, u);
}

/* Patches the kind of a nested net checkpoint and fixes its header CRC. */
static void set_inner_kind(sec *s, uint32_t kind) {
  put32(s->body + 8, kind);
  put32(s->body + 20, pg__crc32(0, s->body, 20));
}

static void split(const unsigned char *buf, size_t size, ckpt *c) {
  memset(c, 0, sizeof *c);
  c->kind = le32(buf + 8);
  c->n = (int)le32(buf + 12);
  c->n_hdr = (uint32_t)c->n;
  size_t p = 24;
  for (int i = 0; i < c->n; i++) {
    c->s[i].tag = le32(buf + p);
    c->s[i].len = (size_t)le32(buf + p + 4);
    /* 64 bytes of zeroed slack: a case that lengthens a section (the "long
    ** AGNT" case) CRCs defined bytes */
    c->s[i].body = calloc(1, c->s[i].len + 64);
    memcpy(c->s[i].body, buf + p + 12, c->s[i].len);
    p += 12 + c->s[i].len + 4;
  }
  ck_assert_uint_eq(p, size);
}

static void ckpt_free(ckpt *c) {
  for (int i = 0; i < c->n; i++) free(c->s[i].body);
}

static sec *find(ckpt *c, const char *tag) {
  uint32_t t = PG__TAG(tag[0], tag[1], tag[2], tag[3]);
  for (int i = 0; i < c->n; i++)
    if (c->s[i].tag == t) return &c->s[i];
  ck_abort_msg("no section %s", tag);
  return NULL;
}

static void drop(ckpt *c, const char *tag) {
  sec *s = find(c, tag);
  free(s->body);
  int i = (int)(s - c->s);
  memmove(&c->s[i], &c->s[i + 1], (size_t)(c->n - i - 1) * sizeof *s);
  c->n--;
  c->n_hdr--;
}

static void raw_body(pg__writer *w, const void *obj) {
  const sec *s = obj;
  pg__w_bytes(w, s->body, s->len);
}

static void ckpt_write(pg__writer *w, const void *obj) {
  const ckpt *c = obj;
  pg__w_header(w, c->kind, c->n_hdr);
  for (int i = 0; i < c->n; i++) pg__w_section(w, c->s[i].tag, raw_body, &c->s[i]);
}

static void rebuilt_case(const ckpt *c, pg_status want, const char *what, const char *needle) {
  size_t size = (size_t)pg__ckpt_size(ckpt_write, c), got;
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg__ckpt_save_memory(NULL, "t", ckpt_write, c, buf, size, &got), PG_OK);
  if (want == PG_OK) {
    pg_ctx *ctx = NULL;
    ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
    pg_agent *a = NULL;
    ck_assert_msg(pg_agent_load_memory(ctx, buf, size, &a) == PG_OK, "%s: %s", what,
                  pg_ctx_last_error(ctx));
    pg_agent_destroy(a);
    pg_ctx_destroy(ctx);
  } else {
    expect_load_fails(buf, size, want, what, needle);
  }
  free(buf);
}

static unsigned char *g_ac, *g_paac;
static size_t g_ac_size, g_paac_size;

/* One case: a fresh split of the base checkpoint, `edit`, then the check. */
#define CASE(base, edit, want, what, needle)                     \
  do {                                                           \
    ckpt c;                                                      \
    split(g_##base, g_##base##_size, &c);                        \
    edit;                                                        \
    rebuilt_case(&c, want, what, needle);                        \
    ckpt_free(&c);                                               \
  } while (0)

START_TEST(test_crafted) {
  g_ac = trained_ckpt(PG_ALGO_ACTOR_CRITIC, &g_ac_size);
  g_paac = trained_ckpt(PG_ALGO_PAAC, &g_paac_size);
  /* The order in the files (part of the documented layout). */
  ckpt c0;
  split(g_ac, g_ac_size, &c0);
  ck_assert_int_eq(c0.n, 8);
  static const char *order[] = {"AGNT", "NETP", "NETV", "PARS", "RNGS", "STAT", "OPTP", "OPTV"};
  for (int i = 0; i < 8; i++)
    ck_assert_uint_eq(c0.s[i].tag, PG__TAG(order[i][0], order[i][1], order[i][2], order[i][3]));
  ckpt_free(&c0);

  CASE(ac, (void)0, PG_OK, "rebuilt unchanged", NULL);
  CASE(ac, (c.s[c.n].tag = PG__TAG('X', 'T', 'R', 'A'), c.s[c.n].body = malloc(4),
            c.s[c.n].len = 4, memset(c.s[c.n].body, 7, 4), c.n++, c.n_hdr++),
       PG_OK, "unknown section skipped", NULL);
  /* kind and framing */
  CASE(ac, c.kind = 1, PG_ERR_FORMAT, "net kind", "not an agent");
  CASE(ac, c.kind = 2, PG_ERR_FORMAT, "policy kind", "policy");
  CASE(ac, c.n_hdr = 9, PG_ERR_FORMAT, "section count too high", NULL);
  CASE(ac, c.n_hdr = 0xFFFFFFFFu, PG_ERR_FORMAT, "absurd section count", NULL);
  CASE(ac, c.n_hdr = 7, PG_ERR_FORMAT, "section count too low", "after the last");
  static const char *required[] = {"AGNT", "NETP", "PARS", "RNGS", "STAT"};
  for (int i = 0; i < 5; i++) CASE(ac, drop(&c, required[i]), PG_ERR_FORMAT, required[i], required[i]);
  CASE(ac, drop(&c, "NETV"), PG_ERR_FORMAT, "no NETV", "NETV");
  CASE(ac, drop(&c, "OPTV"), PG_ERR_FORMAT, "no OPTV", "OPTV");
  CASE(ac, (drop(&c, "OPTV"), drop(&c, "OPTP")), PG_ERR_FORMAT, "no optimizer state", "OPTP");
  CASE(ac, (c.s[c.n] = c.s[3], c.s[c.n].body = malloc(c.s[3].len), memcpy(c.s[c.n].body,
            c.s[3].body, c.s[3].len), c.n++, c.n_hdr++), PG_ERR_FORMAT, "duplicate PARS",
       "duplicate");
  /* AGNT */
  CASE(ac, put32(find(&c, "AGNT")->body, 99), PG_ERR_FORMAT, "unknown algorithm", "algorithm");
  CASE(ac, put32(find(&c, "AGNT")->body, 0), PG_ERR_FORMAT, "algorithm 0", "algorithm");
  CASE(ac, put32(find(&c, "AGNT")->body, PG_ALGO_A3C), PG_ERR_UNSUPPORTED, "a3c", "a3c");
  CASE(ac, put32(find(&c, "AGNT")->body + 4, 4), PG_ERR_VERSION, "feature bit", "newer");
  CASE(ac, put32(find(&c, "AGNT")->body + 4, 2), PG_ERR_FORMAT, "squash bit without SQSH",
       "SQSH section missing");
  CASE(ac, put32(find(&c, "AGNT")->body + 4, 1), PG_ERR_FORMAT, "normalization bit, no ONRM",
       "ONRM");
  CASE(ac, put32(find(&c, "AGNT")->body + 8, 1), PG_ERR_FORMAT, "1 net with NETV", "NETV");
  CASE(ac, put32(find(&c, "AGNT")->body + 8, 3), PG_ERR_FORMAT, "3 nets", "networks");
  CASE(ac, put32(find(&c, "AGNT")->body + 12, 7), PG_ERR_FORMAT, "optimizer kind 7", NULL);
  CASE(ac, put32(find(&c, "AGNT")->body + 12, 0), PG_ERR_FORMAT, "kind 0 with OPTP", "OPTP");
  CASE(ac, put32(find(&c, "AGNT")->body + 12, PG_OPTIM_RMSPROP), PG_ERR_FORMAT,
       "AGNT and OPTP disagree", "AGNT says");
  CASE(ac, find(&c, "AGNT")->len = 12, PG_ERR_FORMAT, "short AGNT", "AGNT");
  CASE(ac, find(&c, "AGNT")->len = 20, PG_ERR_FORMAT, "long AGNT", "AGNT");
  /* STAT: 4 u64 counters, f64 last return, the losses, u32 window size and
  ** position, the window: NaN anywhere is refused, an infinite loss is not */
  CASE(ac, putf64(find(&c, "STAT")->body + 32, NAN), PG_ERR_FORMAT, "NaN last return", "STAT");
  CASE(ac, putf64(find(&c, "STAT")->body + 40, NAN), PG_ERR_FORMAT, "NaN policy loss", "STAT");
  CASE(ac, putf64(find(&c, "STAT")->body + 56, NAN), PG_ERR_FORMAT, "NaN entropy", "STAT");
  CASE(ac, putf64(find(&c, "STAT")->body + 72, NAN), PG_ERR_FORMAT, "NaN in the window", "window");
  CASE(ac, putf64(find(&c, "STAT")->body + 40, INFINITY), PG_OK, "infinite policy loss", NULL);
  /* algorithm and nets that do not fit: REINFORCE uses no value net */
  CASE(ac, put32(find(&c, "AGNT")->body, PG_ALGO_REINFORCE), PG_ERR_FORMAT,
       "reinforce with a value net", "networks");
  /* PAAC's single net as actor-critic without NETV: no value source? It has
  ** a value head, so the algorithm check passes; the parameters do not. */
  CASE(paac, put32(find(&c, "AGNT")->body, PG_ALGO_ACTOR_CRITIC), PG_ERR_FORMAT,
       "paac parameters under actor-critic", "PARS");
  /* NETP / NETV */
  CASE(ac, find(&c, "NETP")->len -= 4, PG_ERR_FORMAT, "truncated NETP", "NETP");
  CASE(ac, set_inner_kind(find(&c, "NETP"), 2), PG_ERR_FORMAT, "NETP holds a policy kind",
       "not a net");
  CASE(ac, set_inner_kind(find(&c, "NETV"), 3), PG_ERR_FORMAT, "NETV holds an agent kind",
       "NETV");
  CASE(ac, find(&c, "NETP")->body[30] ^= 1, PG_ERR_FORMAT, "NETP inner CRC", "NETP");
  CASE(ac, (find(&c, "NETP")->tag = PG__TAG('N', 'E', 'T', 'X'),
            find(&c, "NETV")->tag = PG__TAG('N', 'E', 'T', 'P'),
            find(&c, "NETX")->tag = PG__TAG('N', 'E', 'T', 'V')),
       PG_ERR_FORMAT, "nets swapped", "networks");
  /* PARS: entries are (u32 id, f64 value) after (u32 user_set, u32 count) */
  CASE(ac, putf64(find(&c, "PARS")->body + 8 + 4, 2.0), PG_ERR_FORMAT, "gamma 2", "gamma");
  CASE(ac, putf64(find(&c, "PARS")->body + 8 + 4, NAN), PG_ERR_FORMAT, "gamma NaN", "gamma");
  CASE(ac, put32(find(&c, "PARS")->body + 8, 30), PG_ERR_FORMAT, "unknown parameter", "30");
  CASE(ac, put32(find(&c, "PARS")->body + 8, PG_PARAM_HOGWILD), PG_ERR_FORMAT,
       "parameter not used by the algorithm", "actor_critic");
  CASE(ac, put32(find(&c, "PARS")->body + 8 + 12, PG_PARAM_GAMMA), PG_ERR_FORMAT,
       "parameter twice", "twice");
  CASE(ac, put32(find(&c, "PARS")->body + 4, 0xFFFFFFFFu), PG_ERR_FORMAT, "absurd count",
       "PARS");
  CASE(ac, put32(find(&c, "PARS")->body, 1u << PG_PARAM_HOGWILD), PG_ERR_FORMAT,
       "user-set bit of a missing parameter", "user-set");
  CASE(ac, (put32(find(&c, "PARS")->body + 4, 0), find(&c, "PARS")->len = 8), PG_OK,
       "no parameters: defaults", NULL);
  /* RNGS, STAT */
  CASE(ac, memset(find(&c, "RNGS")->body, 0, 32), PG_ERR_FORMAT, "zero stream", "RNGS");
  CASE(ac, find(&c, "RNGS")->len = 24, PG_ERR_FORMAT, "short stream", "RNGS");
  CASE(ac, put32(find(&c, "STAT")->body + 64, 101), PG_ERR_FORMAT, "window 101", "STAT");
  CASE(ac, put32(find(&c, "STAT")->body + 68, 100), PG_ERR_FORMAT, "position 100", "STAT");
  CASE(ac, find(&c, "STAT")->len -= 8, PG_ERR_FORMAT, "window short", "STAT");
  /* OPTP: u32 kind, u32 0, u64 t, u64 count, floats */
  CASE(ac, (put64(find(&c, "OPTP")->body + 16, le32(find(&c, "OPTP")->body + 16) - 1),
            find(&c, "OPTP")->len -= 4),
       PG_ERR_FORMAT, "optimizer state one short", "parameters need");
  CASE(ac, (put64(find(&c, "OPTV")->body + 16, le32(find(&c, "OPTV")->body + 16) + 1),
            find(&c, "OPTV")->len += 4),
       PG_ERR_FORMAT, "optimizer state one long", "parameters need");
  CASE(ac, put64(find(&c, "OPTP")->body + 16, (uint64_t)1 << 62), PG_ERR_FORMAT,
       "absurd optimizer state", "OPTP");
  CASE(ac, find(&c, "OPTP")->len -= 4, PG_ERR_FORMAT, "optimizer floats missing", "OPTP");
  CASE(ac, put32(find(&c, "OPTP")->body + 24, 0x7fc00000u), PG_ERR_FORMAT, "NaN m", "OPTP");
  CASE(ac, put32(find(&c, "OPTP")->body + find(&c, "OPTP")->len - 4, 0xbf800000u),
       PG_ERR_FORMAT, "negative Adam v", "non-negative");
  CASE(ac, put32(find(&c, "OPTP")->body + 24, 0xbf800000u), PG_OK, "negative Adam m", NULL);
  CASE(paac, put32(find(&c, "OPTP")->body + 24, 0xbf800000u), PG_ERR_FORMAT,
       "negative RMSProp square", "non-negative");
  CASE(paac, put64(find(&c, "OPTP")->body + 8, 5), PG_ERR_FORMAT, "step count without Adam",
       "step count");
  CASE(ac, put32(find(&c, "OPTP")->body + 4, 1), PG_ERR_FORMAT, "reserved field", "OPTP");
  free(g_ac);
  free(g_paac);
}
END_TEST
#undef CASE

/* ---- allocation failures ----------------------------------------------------- */

static unsigned char *g_ckpt;
static size_t g_ckpt_size;
static char g_path[300];

static pg_status op_load(pg_ctx *ctx, void *user) {
  int which = *(int *)user;
  pg_agent *a = NULL;
  pg_policy *pol = NULL;
  pg_status st = which == 0 ? pg_agent_load_memory(ctx, g_ckpt, g_ckpt_size, &a)
                            : pg_agent_load_file(ctx, g_path, &a);
  if (st != PG_OK) ck_assert_ptr_null(a);
  if (st == PG_OK && which == 1) {
    st = pg_agent_save_file(a, g_path); /* the temporary name */
    if (st == PG_OK) st = pg_policy_from_agent(a, &pol);
    if (st != PG_OK) ck_assert_ptr_null(pol);
  }
  pg_policy_destroy(pol);
  pg_agent_destroy(a);
  return st;
}

START_TEST(test_every_alloc_fails) {
  g_ckpt = trained_ckpt(_i == 2 ? PG_ALGO_PAAC : PG_ALGO_ACTOR_CRITIC, &g_ckpt_size);
  snprintf(g_path, sizeof g_path, "%s", tmp_path("alloc.pgck"));
  FILE *f = fopen(g_path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(g_ckpt, 1, g_ckpt_size, f), g_ckpt_size);
  fclose(f);
  int which = _i == 2 ? 0 : _i;
  long n = pg_test_every_alloc_fails(op_load, &which);
  ck_assert_int_ge(n, 5);
  unlink(g_path);
  free(g_ckpt);
}
END_TEST

/* ---- atomic saves --------------------------------------------------------------- */

static pg_status save_agent(const void *agent, const char *path) {
  return pg_agent_save_file(agent, path);
}

START_TEST(test_atomic_save) {
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_agent");
  char path[300];
  snprintf(path, sizeof path, "%s/agent.pgck", dir);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_agent *a = make_agent(ctx, PG_ALGO_ACTOR_CRITIC, "CartPole-v1"), *back = NULL;
  pg_env *env = cartpole(ctx, 1);
  ck_assert_int_eq(pg_agent_save_file(a, path), PG_OK);
  size_t s1;
  unsigned char *v1 = save_mem(a, &s1);
  ck_assert_int_eq(pg_agent_train(a, env, 50, NULL, NULL), PG_OK); /* a different v2 */
  pg_test_save_under_faults(save_agent, a, path);
  ck_assert_int_eq(pg_agent_load_file(ctx, path, &back), PG_OK);
  size_t sb;
  unsigned char *bb = save_mem(back, &sb);
  ck_assert_uint_eq(sb, s1); /* the driver put v1 back */
  ck_assert(memcmp(bb, v1, s1) == 0);
  free(bb);
  pg_agent_destroy(back);
  back = NULL;
  ck_assert_int_eq(pg_agent_save_file(a, path), PG_OK);
  ck_assert_int_eq(pg_agent_load_file(ctx, path, &back), PG_OK);
  assert_same_agent(a, back);
  ck_assert_int_eq(pg_test_count_entries(dir), 1);
  pg_agent_destroy(back);
  unlink(path);
  rmdir(dir);
  free(v1);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- export for inference ---------------------------------------------------- */

START_TEST(test_policy_from_agent) {
  /* 0: actor-critic, discrete; 1: REINFORCE, Gaussian; 2: PPO (reward scaling on), Gaussian;
  ** 3, 4: PPO with observation normalization, Gaussian and discrete: the
  ** policy, and the policy saved and loaded again (an ONRM section, format
  ** version 3), act as the agent */
  int continuous = _i > 0 && _i < 4, norm = _i >= 3;
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  const char *name = continuous ? "Pendulum-v1" : "CartPole-v1";
  static const pg_algorithm algos[] = {PG_ALGO_ACTOR_CRITIC, PG_ALGO_REINFORCE, PG_ALGO_PPO,
                                       PG_ALGO_PPO, PG_ALGO_PPO};
  pg_agent *a = make_agent(ctx, algos[_i], name);
  if (norm) {
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NORM_OBS, 1), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_OBS_CLIP, 1.5), PG_OK); /* clips some */
  }
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, name, 3, &env), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 400, NULL, NULL), PG_OK);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_agent(a, &pol), PG_OK);
  if (norm) { /* the file round trip: version 3 with ONRM, acting the same (below) */
    size_t size = 0;
    ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &size), PG_OK);
    unsigned char *buf = malloc(size);
    ck_assert_int_eq(pg_policy_save_memory(pol, buf, size, &size), PG_OK);
    ck_assert_uint_eq(buf[4], 3);
    pg_policy *again = NULL;
    ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &again), PG_OK);
    free(buf);
    pg_policy_destroy(pol);
    pol = again;
    /* without normalization the same net acts differently somewhere */
    pg_net *net = NULL;
    ck_assert_int_eq(pg_agent_get_net(a, 0, &net), PG_OK);
    pg_policy *plain = NULL;
    ck_assert_int_eq(pg_policy_from_net(net, &plain), PG_OK);
    pg_policy_session *ps = NULL;
    ck_assert_int_eq(pg_policy_session_create(plain, 1, &ps), PG_OK);
    int differ = 0;
    for (int i = 0; i < 50; i++) {
      float o[4], x[2], y[2];
      for (int j = 0; j < 4; j++) o[j] = (float)sin(0.7 * i + 1.3 * j) * 2.0f;
      size_t os = continuous ? 3 : 4, as = continuous ? 1 : 1;
      ck_assert_int_eq(pg_agent_act(a, o, os, NULL, 0, 1, x, as), PG_OK);
      ck_assert_int_eq(pg_policy_act(ps, o, os, NULL, 0, 1, y, 2), PG_OK);
      differ += memcmp(x, y, as * sizeof(float)) != 0;
    }
    ck_assert(differ > 0);
    pg_policy_session_destroy(ps);
    pg_policy_destroy(plain);
  }
  size_t obs_size, act_size;
  ck_assert_int_eq(pg_policy_get_shape(pol, &obs_size, &act_size, NULL, NULL), PG_OK);
  ck_assert_uint_eq(obs_size, continuous ? 3 : 4);
  pg_policy_session *ses = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &ses), PG_OK);
  for (int i = 0; i < 50; i++) {
    float o[4], want[2], got[2];
    for (size_t j = 0; j < obs_size; j++) o[j] = (float)sin(0.7 * i + 1.3 * (double)j) * 2.0f;
    ck_assert_int_eq(pg_agent_act(a, o, obs_size, NULL, 0, 1, want, act_size), PG_OK);
    ck_assert_int_eq(pg_policy_act(ses, o, obs_size, NULL, 0, 1, got, 2), PG_OK);
    ck_assert(memcmp(want, got, act_size * sizeof(float)) == 0);
  }
  /* A copy: training on does not change it; the agent may go first. */
  float o[4] = {0.3f, -0.2f, 0.1f, 0.05f}, before[2], after[2];
  ck_assert_int_eq(pg_policy_act(ses, o, obs_size, NULL, 0, 1, before, 2), PG_OK);
  ck_assert_int_eq(pg_agent_train(a, env, 200, NULL, NULL), PG_OK);
  pg_agent_destroy(a);
  ck_assert_int_eq(pg_policy_act(ses, o, obs_size, NULL, 0, 1, after, 2), PG_OK);
  ck_assert(memcmp(before, after, act_size * sizeof(float)) == 0);
  pg_policy_session_destroy(ses);
  pg_policy_destroy(pol);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("io_agent");
  TCase *tc = tcase_create("io_agent");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_resume_train, 0, N_RESUME);
  tcase_add_test(tc, test_resume_host_loop);
  tcase_add_test(tc, test_file_cb_borrowed);
  tcase_add_loop_test(tc, test_fresh_round_trip, 0, sizeof fresh_algos / sizeof *fresh_algos);
  tcase_add_test(tc, test_states_and_args);
  tcase_add_test(tc, test_truncated_and_bit_flips);
  tcase_add_test(tc, test_crafted);
  tcase_add_loop_test(tc, test_every_alloc_fails, 0, 3);
  tcase_add_test(tc, test_atomic_save);
  tcase_add_loop_test(tc, test_policy_from_agent, 0, 5);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
