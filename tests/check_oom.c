/* The OOM driver, in SQLite's manner, over the public entry points that
** work on an existing handle and can allocate: for each case the handle is
** built (no failure), its observable state is taken (checkpoint bytes,
** statistics, environment counters, outputs), then the call runs with the
** k-th allocation failing, k = 1, 2, ... until it succeeds. After each
** failure the state must be byte for byte what it was, and a retry plus a
** fixed continuation must end exactly where an uninterrupted run ends. */
#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the handles of one case ------------------------------------------------ */

enum { OUT_MAX = 64 };

typedef struct fixture {
  pg_test_alloc fa;
  pg_ctx *ctx;
  pg_env *env;
  pg_agent *agent, *worker, *made_agent;
  pg_net *net, *made_net;
  pg_optim *opt;
  pg_policy *policy, *made_policy;
  pg_policy_session *sess, *made_sess;
  pg_vec_env *vec;
  pg_env *made_env;
  pg_algorithm algo;
  int variant;
  bool pending;          /* the agent has a step awaiting its report */
  float obs[8 * OUT_MAX], act[OUT_MAX], out[OUT_MAX];
  long log_lines;        /* lines the log callback received */
  char path[2][96];      /* files a case writes (removed by fixture_free) */
  unsigned char *blob;   /* a checkpoint the case loads */
  size_t blob_size;
} fixture;

/* A growable byte string of observed state. */
typedef struct snap {
  unsigned char *p;
  size_t n, cap;
} snap;

static void snap_put(snap *s, const void *data, size_t n) {
  if (s->n + n > s->cap) {
    s->cap = (s->n + n) * 2 + 256;
    s->p = realloc(s->p, s->cap);
    ck_assert_ptr_nonnull(s->p);
  }
  memcpy(s->p + s->n, data, n);
  s->n += n;
}

static void snap_agent(snap *s, pg_agent *a, bool timing) {
  if (!a) return;
  for (int st = PG_STAT_EPISODES; st <= PG_STAT_LEARNING_RATE; st++) {
    if (!timing && (st == PG_STAT_STEPS_PER_SECOND || st == PG_STAT_ELAPSED_SECONDS)) continue;
    double v = 0.0;
    (void)pg_agent_get_stat(a, (pg_stat)st, &v);
    snap_put(s, &v, sizeof v);
  }
  size_t shape[4] = {0};
  (void)pg_agent_get_shape(a, &shape[0], &shape[1], &shape[2], &shape[3]);
  snap_put(s, shape, sizeof shape);
  size_t size = 0;
  if (pg_agent_save_memory(a, NULL, 0, &size) != PG_OK) return; /* a step is pending */
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_agent_save_memory(a, buf, size, &size), PG_OK);
  snap_put(s, buf, size);
  free(buf);
}

static void snap_net(snap *s, const pg_net *net) {
  if (!net) return;
  size_t size = 0;
  if (pg_net_save_memory(net, NULL, 0, &size) != PG_OK) return; /* not finalized */
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_net_save_memory(net, buf, size, &size), PG_OK);
  snap_put(s, buf, size);
  free(buf);
  size_t np = 0;
  (void)pg_net_param_count(net, &np);
  float *g = malloc(np * sizeof *g);
  ck_assert_int_eq(pg_net_get_grads(net, 0, np, g), PG_OK);
  snap_put(s, g, np * sizeof *g);
  free(g);
}

static void snap_env(snap *s, const pg_env *env) {
  if (!env) return;
  double r = 0, lr = 0;
  uint64_t len = 0, eps = 0, ll = 0;
  ck_assert_int_eq(pg_env_get_episode_stats(env, &r, &len, &eps, &lr, &ll), PG_OK);
  double v[5] = {r, (double)len, (double)eps, lr, (double)ll};
  snap_put(s, v, sizeof v);
}

/* Everything observable of f's handles. timing: include the wall-time
** statistics (equal before and after a failed call; not across runs). */
static snap take(fixture *f, bool timing) {
  long saved = f->fa.fail_at;
  f->fa.fail_at = 0;
  snap s = {0};
  snap_agent(&s, f->agent, timing);
  snap_agent(&s, f->worker, timing);
  snap_net(&s, f->net);
  snap_env(&s, f->env);
  if (f->vec)
    for (int32_t i = 0; i < 2; i++) {
      double r = 0, lr = 0;
      uint64_t len = 0, eps = 0, ll = 0;
      ck_assert_int_eq(pg_vec_env_get_episode_stats(f->vec, i, &r, &len, &eps, &lr, &ll), PG_OK);
      double v[5] = {r, (double)len, (double)eps, lr, (double)ll};
      snap_put(&s, v, sizeof v);
    }
  if (f->policy) {
    size_t size = 0;
    ck_assert_int_eq(pg_policy_save_memory(f->policy, NULL, 0, &size), PG_OK);
    unsigned char *buf = malloc(size);
    ck_assert_int_eq(pg_policy_save_memory(f->policy, buf, size, &size), PG_OK);
    snap_put(&s, buf, size);
    free(buf);
  }
  snap_put(&s, &f->pending, sizeof f->pending);
  snap_put(&s, &f->log_lines, sizeof f->log_lines);
  f->fa.fail_at = saved;
  return s;
}

static void snap_free(snap *s) { free(s->p); }

/* ---- building blocks ---------------------------------------------------------- */

static void make_env(fixture *f, const char *name) {
  ck_assert_int_eq(pg_env_create_builtin(f->ctx, name, 7, &f->env), PG_OK);
}

static void make_agent(fixture *f, pg_algorithm algo, const char *env) {
  make_env(f, env);
  ck_assert_int_eq(pg_agent_create_for_env(f->ctx, algo, f->env, 8, 1, &f->agent), PG_OK);
  if (algo == PG_ALGO_PAAC) ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_NUM_ENVS, 2), PG_OK);
  if (algo == PG_ALGO_PPO) {
    ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_T_MAX, 8), PG_OK);
    ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_NUM_ENVS, 2), PG_OK);
  }
}

static size_t slots(fixture *f) {
  size_t n = 1;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, NULL, NULL, NULL, &n), PG_OK);
  return n;
}

/* The host loop on f's env for `steps` steps (every slot sees the same
** env: enough to drive the agent deterministically), reporting a pending
** step first. */
static void host_run(fixture *f, int steps) {
  pg_agent *a = f->worker ? f->worker : f->agent;
  size_t n = slots(f), os = 0, al = 0;
  ck_assert_int_eq(pg_agent_get_shape(a, &os, &al, NULL, NULL), PG_OK);
  float obs[64], next[64], rew[8];
  int32_t te[8], tr[8];
  ck_assert_int_eq(pg_env_reset(f->env, obs, os), PG_OK);
  for (size_t i = 1; i < n; i++) memcpy(obs + i * os, obs, os * sizeof *obs);
  for (int s = 0; s < steps; s++) {
    if (!f->pending)
      ck_assert_msg(pg_agent_step(a, obs, n * os, NULL, 0, f->act, n * al) == PG_OK, "%s",
                    pg_agent_last_error(a));
    f->pending = false;
    ck_assert_int_eq(pg_env_step(f->env, f->act, al, next, os, &rew[0], &te[0], &tr[0]), PG_OK);
    for (size_t i = 1; i < n; i++) {
      memcpy(next + i * os, next, os * sizeof *next);
      rew[i] = rew[0];
      te[i] = te[0];
      tr[i] = tr[0];
    }
    ck_assert_msg(pg_agent_report(a, rew, te, tr, n, next, n * os) == PG_OK, "%s",
                  pg_agent_last_error(a));
    ck_assert_int_eq(pg_agent_update(a, NULL), PG_OK);
    if (te[0] || tr[0]) {
      ck_assert_int_eq(pg_env_reset(f->env, obs, os), PG_OK);
      for (size_t i = 1; i < n; i++) memcpy(obs + i * os, obs, os * sizeof *obs);
    } else {
      memcpy(obs, next, n * os * sizeof *obs);
    }
  }
}

static void fill_obs(fixture *f, size_t n) {
  for (size_t i = 0; i < n; i++) f->obs[i] = 0.01f * (float)((i * 7) % 11) - 0.05f;
}

/* ---- the cases -------------------------------------------------------------------
** setup builds the handles (no failure), op is the call under test, finish
** continues deterministically (with the successful op's results). */

typedef struct oom_case {
  const char *name;
  void (*setup)(fixture *f);
  pg_status (*op)(fixture *f);
  void (*finish)(fixture *f);
  /* threads interleave: a retry cannot be compared with another run */
  bool racy;
} oom_case;

static const pg_algorithm all_algos[] = {
    PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE, PG_ALGO_ACTOR_CRITIC, PG_ALGO_PAAC,
    PG_ALGO_A3C,       PG_ALGO_ASYNC_ONE_STEP_Q,           PG_ALGO_ASYNC_ONE_STEP_SARSA,  PG_ALGO_ASYNC_N_STEP_Q,
    PG_ALGO_PPO};
enum { N_ALGOS = sizeof all_algos / sizeof all_algos[0] };

/* The observation the step cases act on (the env is not touched by op_step). */
static void first_obs(fixture *f) {
  size_t n = slots(f), os = 0;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, &os, NULL, NULL, NULL), PG_OK);
  ck_assert_int_eq(pg_env_reset(f->env, f->obs, os), PG_OK);
  for (size_t i = 1; i < n; i++) memcpy(f->obs + i * os, f->obs, os * sizeof *f->obs);
}
static void setup_fresh(fixture *f) {
  make_agent(f, f->algo, "CartPole-v1");
  first_obs(f);
}
static void setup_trained(fixture *f) {
  make_agent(f, f->algo, "CartPole-v1");
  host_run(f, 30);
  first_obs(f);
}
/* a structural change after learning: the next step sets up again */
static void setup_reshaped(fixture *f) {
  setup_trained(f);
  ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_OPTIMIZER, PG_OPTIM_ADAM), PG_OK);
  if (f->algo != PG_ALGO_REINFORCE && f->algo != PG_ALGO_REINFORCE_BASELINE)
    (void)pg_agent_set_param(f->agent, PG_PARAM_T_MAX, 3); /* where there is one */
  first_obs(f);
}

static pg_status op_step(fixture *f) {
  size_t n = slots(f), os = 0, al = 0;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, &os, &al, NULL, NULL), PG_OK);
  pg_status st = pg_agent_step(f->agent, f->obs, n * os, NULL, 0, f->act, n * al);
  f->pending = st == PG_OK;
  return st;
}
static void finish_run(fixture *f) { host_run(f, 40); }
/* the same step from bytes: its first call allocates the byte buffers */
static pg_status op_step_u8(fixture *f) {
  size_t n = slots(f), os = 0, al = 0;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, &os, &al, NULL, NULL), PG_OK);
  uint8_t bytes[8 * OUT_MAX];
  ck_assert_uint_le(n * os, sizeof bytes);
  for (size_t i = 0; i < n * os; i++) bytes[i] = (uint8_t)(37 * i + 11);
  pg_status st = pg_agent_step_u8(f->agent, bytes, n * os, NULL, 0, f->act, n * al);
  f->pending = st == PG_OK;
  return st;
}

static pg_status op_train(fixture *f) { return pg_agent_train(f->agent, f->env, 60, NULL, NULL); }
static bool is_async(pg_algorithm algo) {
  return algo >= PG_ALGO_A3C && algo <= PG_ALGO_ASYNC_N_STEP_Q;
}
/* an asynchronous agent trains on one thread, the caller's: deterministic */
static void one_thread(fixture *f) {
  if (is_async(f->algo))
    ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_NUM_THREADS, 1), PG_OK);
}
static void setup_train_one(fixture *f) {
  setup_trained(f);
  one_thread(f);
}
static void setup_train_threads(fixture *f) {
  setup_trained(f);
  ck_assert_int_eq(pg_agent_set_param(f->agent, PG_PARAM_NUM_THREADS, 2), PG_OK);
}
static void finish_train_one(fixture *f) {
  one_thread(f); /* threads interleave: the continuation runs one */
  host_run(f, 20);
}

static pg_status op_evaluate(fixture *f) {
  double mean = 0.0; /* kept in out (compared with the uninterrupted run), bytes copied: aligned */
  pg_status st = pg_agent_evaluate(f->agent, f->env, 2, 0, &mean, NULL);
  if (st == PG_OK) memcpy(f->out, &mean, sizeof mean);
  return st;
}

static pg_status op_save(fixture *f) {
  size_t size = 0;
  pg_status st = pg_agent_save_memory(f->agent, NULL, 0, &size);
  if (st != PG_OK) return st;
  free(f->blob);
  f->blob = malloc(size);
  f->blob_size = size;
  return pg_agent_save_memory(f->agent, f->blob, size, &f->blob_size);
}

static void setup_saved(fixture *f) {
  setup_trained(f);
  ck_assert_int_eq(op_save(f), PG_OK);
}
static pg_status op_load(fixture *f) {
  return pg_agent_load_memory(f->ctx, f->blob, f->blob_size, &f->made_agent);
}
static void finish_load(fixture *f) {
  /* the loaded agent continues as the original does */
  pg_agent_destroy(f->agent);
  f->agent = f->made_agent;
  f->made_agent = NULL;
  host_run(f, 30);
}

static pg_status op_policy_from_agent(fixture *f) {
  return pg_policy_from_agent(f->agent, &f->made_policy);
}
static void finish_policy(fixture *f) {
  pg_policy *p = f->made_policy ? f->made_policy : f->policy;
  pg_policy_session *s = NULL;
  ck_assert_int_eq(pg_policy_session_create(p, 3, &s), PG_OK);
  size_t os = 0;
  ck_assert_int_eq(pg_policy_get_shape(p, &os, NULL, NULL, NULL), PG_OK);
  fill_obs(f, os);
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(pg_policy_act(s, f->obs, os, NULL, 0, 1, &f->out[i], 1), PG_OK);
  pg_policy_session_destroy(s);
  pg_policy_destroy(f->made_policy);
  f->made_policy = NULL;
}

static pg_status op_create_worker(fixture *f) { return pg_agent_create_worker(f->agent, &f->worker); }
static void finish_worker(fixture *f) { host_run(f, 20); }

static pg_status op_act(fixture *f) {
  size_t os = 0, al = 0;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, &os, &al, NULL, NULL), PG_OK);
  fill_obs(f, os);
  return pg_agent_act(f->agent, f->obs, os, NULL, 0, 0, f->out, al);
}

/* nets, policies, optimizers */
static void setup_net(fixture *f) {
  ck_assert_int_eq(pg_net_create(f->ctx, 4, 8, 5, &f->net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(f->net, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0),
                   PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(f->net, 3, PG_INIT_ORTHOGONAL, 0.1), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(f->net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
}
static void setup_net_ready(fixture *f) {
  setup_net(f);
  ck_assert_int_eq(pg_net_finalize(f->net), PG_OK);
}
static pg_status op_finalize(fixture *f) { return pg_net_finalize(f->net); }
static pg_status op_forward(fixture *f) {
  fill_obs(f, 4 * 4);
  return pg_net_forward(f->net, f->obs, 4, NULL);
}
static pg_status op_backward(fixture *f) {
  ck_assert_int_eq(op_forward(f), PG_OK);
  float act[4] = {0, 1, 2, 1}, adv[4] = {1, -1, 0.5f, 2}, ret[4] = {1, 0, 1, 0};
  pg_loss_desc d = {sizeof d, 1.0f, 1.0f, 0.01f, 0.5f, 0.0f, act, adv, ret, NULL, NULL};
  double loss = 0;
  return pg_net_backward(f->net, &d, 4, &loss);
}
static pg_status op_net_save(fixture *f) {
  size_t size = 0;
  ck_assert_int_eq(pg_net_save_memory(f->net, NULL, 0, &size), PG_OK);
  free(f->blob);
  f->blob = malloc(size);
  return pg_net_save_memory(f->net, f->blob, size, &f->blob_size);
}
static pg_status op_net_clone(fixture *f) { return pg_net_clone(f->net, &f->made_net); }
static pg_status op_policy_from_net(fixture *f) { return pg_policy_from_net(f->net, &f->made_policy); }
static pg_status op_optim_create(fixture *f) {
  return pg_optim_create(f->net, PG_OPTIM_ADAM, &f->opt);
}
static void finish_net(fixture *f) {
  /* a forward, a backward and (with an optimizer) three steps */
  pg_optim *o = f->opt;
  if (!o) ck_assert_int_eq(pg_optim_create(f->net, PG_OPTIM_ADAM, &o), PG_OK);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(pg_net_zero_grads(f->net), PG_OK);
    ck_assert_int_eq(op_backward(f), PG_OK);
    ck_assert_int_eq(pg_optim_step(o, NULL), PG_OK);
  }
  if (o != f->opt) pg_optim_destroy(o);
  if (f->made_net) {
    pg_net_destroy(f->made_net);
    f->made_net = NULL;
  }
  pg_policy_destroy(f->made_policy);
  f->made_policy = NULL;
}
static void setup_optim(fixture *f) {
  setup_net_ready(f);
  ck_assert_int_eq(pg_optim_create(f->net, PG_OPTIM_RMSPROP, &f->opt), PG_OK);
  ck_assert_int_eq(op_backward(f), PG_OK);
}
static pg_status op_optim_step(fixture *f) { return pg_optim_step(f->opt, NULL); }

static void setup_policy(fixture *f) {
  setup_net_ready(f);
  ck_assert_int_eq(pg_policy_from_net(f->net, &f->policy), PG_OK);
}
static pg_status op_session(fixture *f) {
  return pg_policy_session_create(f->policy, 11, &f->made_sess);
}
static void setup_session(fixture *f) {
  setup_policy(f);
  ck_assert_int_eq(pg_policy_session_create(f->policy, 11, &f->sess), PG_OK);
}
static pg_status op_policy_act(fixture *f) {
  fill_obs(f, 4);
  return pg_policy_act(f->sess ? f->sess : f->made_sess, f->obs, 4, NULL, 0, 0, f->out, 1);
}
static pg_status op_policy_save(fixture *f) {
  size_t size = 0;
  ck_assert_int_eq(pg_policy_save_memory(f->policy, NULL, 0, &size), PG_OK);
  free(f->blob);
  f->blob = malloc(size);
  return pg_policy_save_memory(f->policy, f->blob, size, &f->blob_size);
}
static void finish_session(fixture *f) {
  pg_policy_session *s = f->sess ? f->sess : f->made_sess;
  for (int i = 1; i < 6; i++) {
    fill_obs(f, 4);
    f->obs[0] = (float)i * 0.1f;
    ck_assert_int_eq(pg_policy_act(s, f->obs, 4, NULL, 0, 0, &f->out[i], 1), PG_OK);
  }
  pg_policy_session_destroy(f->made_sess);
  f->made_sess = NULL;
}

/* environments */
static void setup_env(fixture *f) {
  make_env(f, "CartPole-v1");
  ck_assert_int_eq(pg_env_reset(f->env, f->obs, 4), PG_OK);
}
static pg_status op_env_clone(fixture *f) { return pg_env_clone(f->env, 1, 9, &f->made_env); }
static pg_status op_vec_create(fixture *f) { return pg_vec_env_create(f->env, 2, 1, 9, &f->vec); }
static void setup_vec(fixture *f) {
  setup_env(f);
  ck_assert_int_eq(pg_vec_env_create(f->env, 2, 1, 9, &f->vec), PG_OK);
}
static pg_status op_vec_reset(fixture *f) { return pg_vec_env_reset(f->vec, f->obs, 8); }
static pg_status op_vec_step(fixture *f) {
  float a[2] = {0, 1}, r[2], fin[8];
  int32_t te[2], tr[2];
  ck_assert_int_eq(pg_vec_env_reset(f->vec, f->obs, 8), PG_OK);
  return pg_vec_env_step(f->vec, a, 2, f->obs, 8, r, te, tr, fin);
}
static void finish_env(fixture *f) {
  if (f->made_env) {
    float o[4], r;
    int32_t te, tr;
    ck_assert_int_eq(pg_env_reset(f->made_env, o, 4), PG_OK);
    float a = 1;
    ck_assert_int_eq(pg_env_step(f->made_env, &a, 1, o, 4, &r, &te, &tr), PG_OK);
    memcpy(f->out, o, sizeof o);
    pg_env_destroy(f->made_env);
    f->made_env = NULL;
  }
  if (f->vec) {
    float a[2] = {1, 0}, r[2], fin[8];
    int32_t te[2], tr[2];
    ck_assert_int_eq(pg_vec_env_reset(f->vec, f->obs, 8), PG_OK);
    for (int i = 0; i < 5; i++)
      ck_assert_int_eq(pg_vec_env_step(f->vec, a, 2, f->obs, 8, r, te, tr, fin), PG_OK);
    memcpy(f->out, f->obs, 8 * sizeof *f->obs);
  }
}


/* update, parameters, logs and the C export on a trained agent */

/* Steps and reports (no update) until an update is due: the next step is
** refused with PG_ERR_BAD_STATE (and changes nothing). */
static void setup_update_due(fixture *f) {
  setup_trained(f);
  size_t n = slots(f), os = 0, al = 0;
  ck_assert_int_eq(pg_agent_get_shape(f->agent, &os, &al, NULL, NULL), PG_OK);
  float next[64], rew[8];
  int32_t te[8], tr[8];
  for (int s = 0; s < 2000; s++) {
    pg_status st = pg_agent_step(f->agent, f->obs, n * os, NULL, 0, f->act, n * al);
    if (st == PG_ERR_BAD_STATE) return;
    ck_assert_msg(st == PG_OK, "%s", pg_agent_last_error(f->agent));
    ck_assert_int_eq(pg_env_step(f->env, f->act, al, next, os, &rew[0], &te[0], &tr[0]), PG_OK);
    for (size_t i = 0; i < n; i++) {
      memcpy(next + i * os, next, os * sizeof *next);
      rew[i] = rew[0];
      te[i] = te[0];
      tr[i] = tr[0];
    }
    ck_assert_int_eq(pg_agent_report(f->agent, rew, te, tr, n, next, n * os), PG_OK);
    if (te[0] || tr[0]) first_obs(f);
    else memcpy(f->obs, next, n * os * sizeof *next);
  }
  ck_abort_msg("no update came due in 2000 steps");
}
static pg_status op_update(fixture *f) {
  int32_t updated = 0;
  pg_status st = pg_agent_update(f->agent, &updated);
  if (st == PG_OK) ck_assert_int_eq(updated, 1);
  return st;
}

static pg_status op_set_lr(fixture *f) { return pg_agent_set_param(f->agent, PG_PARAM_LR, 3e-3); }
static pg_status op_set_optimizer(fixture *f) {
  return pg_agent_set_param(f->agent, PG_PARAM_OPTIMIZER, PG_OPTIM_ADAM);
}

static int count_lines(void *user, const char *line, size_t len) {
  (void)line;
  (void)len;
  ((fixture *)user)->log_lines++;
  return 0;
}
static void temp_path(fixture *f, int i, const char *what) {
  snprintf(f->path[i], sizeof f->path[i], "check_oom_%ld_%s", (long)getpid(), what);
}
/* a callback log is set: a failed replacement must leave it in place */
static void setup_logging(fixture *f) {
  setup_train_one(f);
  ck_assert_int_eq(pg_agent_set_log_callback(f->agent, count_lines, f), PG_OK);
  temp_path(f, 0, "log.csv");
}
static pg_status op_log_file(fixture *f) { return pg_agent_set_log_file(f->agent, f->path[0]); }
static pg_status op_log_callback(fixture *f) {
  return pg_agent_set_log_callback(f->agent, count_lines, f);
}
/* A hash of the log file without each row's last two fields (steps per
** second and wall seconds: they differ between runs). */
static unsigned log_hash(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  char line[512];
  unsigned h = 1;
  while (fgets(line, sizeof line, fp)) {
    char *cut = strrchr(line, ',');
    if (cut) *cut = '\0';
    cut = strrchr(line, ',');
    if (cut) *cut = '\0';
    for (const char *c = line; *c; c++) h = h * 31u + (unsigned char)*c;
    h = h * 31u + '\n';
  }
  fclose(fp);
  return h;
}
/* a short training through the log; the lines it got (callback) or the
** file's rows (file) are the result */
static void finish_log(fixture *f) {
  ck_assert_int_eq(pg_agent_train(f->agent, f->env, 30, NULL, NULL), PG_OK);
  unsigned h = f->path[0][0] ? log_hash(f->path[0]) : 0;
  f->out[0] = (float)f->log_lines;
  memcpy(&f->out[1], &h, sizeof h);
}

/* The bytes of the files a case wrote (none: nothing). */
static void read_paths(fixture *f) {
  unsigned sum[2] = {0, 0};
  for (int i = 0; i < 2; i++) {
    FILE *fp = f->path[i][0] ? fopen(f->path[i], "rb") : NULL;
    if (!fp) continue;
    for (int c; (c = fgetc(fp)) != EOF;) sum[i] = sum[i] * 31u + (unsigned)c;
    fclose(fp);
  }
  memcpy(f->out + 2, sum, sizeof sum);
}
static void setup_export_agent(fixture *f) {
  setup_trained(f);
  temp_path(f, 0, "agent.h");
  temp_path(f, 1, "agent.c");
}
static pg_status op_agent_export(fixture *f) {
  return pg_agent_export_c(f->agent, "oom_agent", f->path[0], f->path[1], 0);
}
static void finish_export_agent(fixture *f) {
  read_paths(f);
  host_run(f, 20);
}
static void setup_export_policy(fixture *f) {
  setup_policy(f);
  temp_path(f, 0, "policy.h");
  temp_path(f, 1, "policy.c");
}
static pg_status op_policy_export(fixture *f) {
  return pg_policy_export_c(f->policy, "oom_policy", f->path[0], f->path[1], 0);
}
static void finish_export_policy(fixture *f) {
  read_paths(f);
  finish_policy(f);
}

/* one case per algorithm (index / N_ALGOS picks the case kind) */
static const oom_case agent_cases[] = {
    {"first step", setup_fresh, op_step, finish_run, false},
    {"step after learning and a structural change", setup_reshaped, op_step, finish_run, false},
    {"first step from bytes", setup_fresh, op_step_u8, finish_run, false},
    {"step from bytes after learning", setup_trained, op_step_u8, finish_run, false},
    {"train", setup_train_one, op_train, finish_train_one, false},
    {"evaluate", setup_trained, op_evaluate, finish_run, false},
    {"save", setup_trained, op_save, finish_run, false},
    {"load", setup_saved, op_load, finish_load, false},
    {"policy from agent", setup_trained, op_policy_from_agent, finish_policy, false},
    {"act", setup_trained, op_act, finish_run, false},
    {"update", setup_update_due, op_update, finish_run, false},
    {"set a learning rate", setup_trained, op_set_lr, finish_run, false},
    {"set the optimizer", setup_trained, op_set_optimizer, finish_run, false},
    {"log file over a callback", setup_logging, op_log_file, finish_log, false},
    {"log callback over a callback", setup_logging, op_log_callback, finish_log, false},
    {"agent export C", setup_export_agent, op_agent_export, finish_export_agent, false},
};
enum { N_AGENT_CASES = sizeof agent_cases / sizeof agent_cases[0] };

static const oom_case other_cases[] = {
    {"net finalize", setup_net, op_finalize, finish_net, false},
    {"net forward", setup_net_ready, op_forward, finish_net, false},
    {"net backward", setup_net_ready, op_backward, finish_net, false},
    {"net save", setup_net_ready, op_net_save, finish_net, false},
    {"net clone", setup_net_ready, op_net_clone, finish_net, false},
    {"policy from net", setup_net_ready, op_policy_from_net, finish_net, false},
    {"optim create", setup_net_ready, op_optim_create, finish_net, false},
    {"optim step", setup_optim, op_optim_step, finish_net, false},
    {"policy session", setup_policy, op_session, finish_session, false},
    {"policy act", setup_session, op_policy_act, finish_session, false},
    {"policy save", setup_policy, op_policy_save, finish_policy, false},
    {"policy export C", setup_export_policy, op_policy_export, finish_export_policy, false},
    {"env clone", setup_env, op_env_clone, finish_env, false},
    {"vec env create", setup_env, op_vec_create, finish_env, false},
    {"vec env reset", setup_vec, op_vec_reset, finish_env, false},
    {"vec env step", setup_vec, op_vec_step, finish_env, false},
};
enum { N_OTHER_CASES = sizeof other_cases / sizeof other_cases[0] };

static const oom_case async_cases[] = {
    {"create worker", setup_trained, op_create_worker, finish_worker, false},
    {"train with 2 threads", setup_train_threads, op_train, finish_train_one, true},
};

/* ---- the driver ------------------------------------------------------------------ */

static void fixture_free(fixture *f) {
  pg_agent_destroy(f->worker);
  pg_agent_destroy(f->made_agent);
  pg_agent_destroy(f->agent);
  pg_policy_session_destroy(f->sess);
  pg_policy_session_destroy(f->made_sess);
  pg_policy_destroy(f->policy);
  pg_policy_destroy(f->made_policy);
  pg_optim_destroy(f->opt);
  pg_net_destroy(f->made_net);
  pg_net_destroy(f->net);
  pg_vec_env_destroy(f->vec);
  pg_env_destroy(f->made_env);
  pg_env_destroy(f->env);
  free(f->blob);
  for (int i = 0; i < 2; i++)
    if (f->path[i][0]) (void)remove(f->path[i]);
  pg_ctx_destroy(f->ctx);
  ck_assert_msg(f->fa.live_blocks == 0, "%ld blocks leaked", f->fa.live_blocks);
}

static void fixture_init(fixture *f, pg_algorithm algo) {
  memset(f, 0, sizeof *f);
  f->ctx = pg_test_ctx(&f->fa);
  ck_assert_int_eq(pg_ctx_set_seed(f->ctx, 1234), PG_OK);
  f->algo = algo;
}

/* The state at the end of an uninterrupted run: setup, op, finish. */
static snap reference(const oom_case *c, pg_algorithm algo) {
  fixture f;
  fixture_init(&f, algo);
  c->setup(&f);
  ck_assert_msg(c->op(&f) == PG_OK, "%s: %s", c->name, pg_ctx_last_error(f.ctx));
  c->finish(&f);
  snap s = take(&f, false);
  snap_put(&s, f.out, sizeof f.out);
  fixture_free(&f);
  return s;
}

static bool same(const snap *a, const snap *b) {
  if (a->n == b->n && memcmp(a->p, b->p, a->n) == 0) return true;
  size_t i = 0;
  while (i < a->n && i < b->n && a->p[i] == b->p[i]) i++;
  fprintf(stderr, "snapshots differ: %zu and %zu bytes, first at %zu\n", a->n, b->n, i);
  return false;
}

/* Returns the number of allocations of the successful call. */
static long drive(const oom_case *c, pg_algorithm algo) {
  snap ref = reference(c, algo);
  const char *an = algo ? pg_algorithm_name(algo) : "-";
  for (long k = 1; k < 100000; k++) {
    fixture f;
    fixture_init(&f, algo);
    c->setup(&f);
    snap before = take(&f, true);
    long base = f.fa.calls;
    f.fa.fail_at = base + k;
    pg_status st = c->op(&f);
    long made = f.fa.calls - base;
    f.fa.fail_at = 0;
    if (made < k) { /* no allocation failed: the call must have succeeded */
      ck_assert_msg(st == PG_OK, "%s (%s): status %d without a failure: %s", c->name, an,
                    (int)st, pg_ctx_last_error(f.ctx));
    } else {
      ck_assert_msg(st == PG_ERR_NOMEM, "%s (%s): allocation %ld failed, status %d (%s)",
                    c->name, an, k, (int)st, pg_ctx_last_error(f.ctx));
      snap after = take(&f, true);
      ck_assert_msg(same(&before, &after),
                    "%s (%s): allocation %ld failed and the state changed", c->name, an, k);
      snap_free(&after);
      ck_assert_msg(c->op(&f) == PG_OK, "%s (%s): the retry after allocation %ld failed: %s",
                    c->name, an, k, pg_ctx_last_error(f.ctx));
    }
    c->finish(&f);
    snap end = take(&f, false);
    snap_put(&end, f.out, sizeof f.out);
    ck_assert_msg(c->racy || same(&end, &ref),
                  "%s (%s): after allocation %ld failed, the retry ends elsewhere than an "
                  "uninterrupted run", c->name, an, k);
    snap_free(&end);
    snap_free(&before);
    fixture_free(&f);
    if (made < k) {
      snap_free(&ref);
      return made;
    }
  }
  ck_abort_msg("%s: the call never completed", c->name);
  return -1;
}

START_TEST(test_agent_entry_points) {
  const oom_case *c = &agent_cases[_i / N_ALGOS];
  pg_algorithm algo = all_algos[_i % N_ALGOS];
  long n = drive(c, algo);
  (void)n;
}
END_TEST

START_TEST(test_other_entry_points) {
  long n = drive(&other_cases[_i], 0);
  (void)n;
}
END_TEST

START_TEST(test_async_entry_points) {
  static const pg_algorithm algos[] = {PG_ALGO_A3C, PG_ALGO_ASYNC_ONE_STEP_Q};
  long n = drive(&async_cases[_i / 2], algos[_i % 2]);
  ck_assert_int_gt(n, 0);
}
END_TEST

/* The regressions the driver was written for, stated directly. */
START_TEST(test_first_step_nomem_changes_nothing) {
  /* the lazy first step of A3C: a failure while building the shared state
  ** used to leave the handle's state allocated */
  for (long k = 1; k < 40; k++) {
    fixture f;
    fixture_init(&f, PG_ALGO_A3C);
    setup_fresh(&f);
    f.fa.fail_at = f.fa.calls + k;
    pg_status st = op_step(&f);
    f.fa.fail_at = 0;
    if (st == PG_OK) {
      fixture_free(&f);
      break;
    }
    ck_assert_int_eq(st, PG_ERR_NOMEM);
    /* nothing was set up: a never-stepped agent saves no optimizer and no state */
    size_t size = 0, fresh_size = 0;
    ck_assert_int_eq(pg_agent_save_memory(f.agent, NULL, 0, &size), PG_OK);
    pg_agent *g = NULL;
    ck_assert_int_eq(pg_agent_create_for_env(f.ctx, PG_ALGO_A3C, f.env, 8, 1, &g), PG_OK);
    ck_assert_int_eq(pg_agent_save_memory(g, NULL, 0, &fresh_size), PG_OK);
    ck_assert_uint_eq(size, fresh_size);
    pg_agent_destroy(g);
    fixture_free(&f);
  }
}
END_TEST

Suite *oom_suite(void) {
  Suite *s = suite_create("oom");
  TCase *tc = tcase_create("entry points");
  tcase_set_timeout(tc, 600);
  tcase_add_loop_test(tc, test_agent_entry_points, 0, N_ALGOS * N_AGENT_CASES);
  tcase_add_loop_test(tc, test_other_entry_points, 0, N_OTHER_CASES);
  tcase_add_loop_test(tc, test_async_entry_points, 0, 4);
  tcase_add_test(tc, test_first_step_nomem_changes_nothing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(oom_suite()); }
