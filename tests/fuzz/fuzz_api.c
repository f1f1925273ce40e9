/* libFuzzer harness: the input is a random sequence of calls on one small
** agent (step, report, update, save + load, act, set_param, a short train).
** Oracles, besides no crash, leak or sanitizer report:
**   - a call that fails (step, report, act, set_param, save, load) leaves
**     the agent as it was: its statistics and checkpoint bytes are equal
**     before and after, and a pending step stays pending;
**   - an action returned with PG_OK is finite;
**   - each accepted report of a learning step adds its slots to the
**     step count and its ended slots to the episode count (synchronous
**     algorithms), counts never go down;
**   - save -> load -> save gives the same bytes.
** Build: cmake -DPG_FUZZ=ON with clang (target fuzz_api); .ci/fuzz.sh runs
** it briefly, tests/fuzz/long.sh for millions of executions;
** fuzz_api_replay replays tests/fuzz/corpus_api in every build. */
#include <policygrad.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The context of the input being run, for the message of a failed check. */
static pg_ctx *g_ctx;

#define CHECK(c)                                                                    \
  do {                                                                              \
    if (!(c)) {                                                                     \
      fprintf(stderr, "fuzz_api: line %d: %s (last error: %s)\n", __LINE__, #c,     \
              g_ctx ? pg_ctx_last_error(g_ctx) : "");                              \
      abort();                                                                      \
    }                                                                               \
  } while (0)

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static uint8_t byte(input *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}

/* A float from one byte: small values, and the edge cases. */
static float value(input *in) {
  uint8_t b = byte(in);
  switch (b) {
  case 250: return NAN;
  case 251: return INFINITY;
  case 252: return -INFINITY;
  case 253: return 3e38f;
  case 254: return -3e38f;
  case 255: return 1e-40f;
  default: return (float)((int)b - 125) / 32.0f;
  }
}

static const double param_values[] = {0.0,  1.0, 2.0,   3.0,     0.5, 0.99,   1e-3,
                                      -1.0, NAN, 1e300, INFINITY, 7.0, 1e-40, 11.0};

enum { MAXN = 8, MAXOBS = 8 };

typedef struct state {
  pg_ctx *ctx;
  pg_agent *a;
  bool pending, async;
  bool pending_recorded;
  double episodes, steps;
} state;

typedef struct snapshot {
  double stats[6];
  unsigned char *bytes;
  size_t size;
} snapshot;

static void snap(state *s, snapshot *out) {
  for (int i = 0; i < 6; i++) {
    out->stats[i] = 0.0;
    CHECK(pg_agent_get_stat(s->a, (pg_stat)(PG_STAT_EPISODES + i), &out->stats[i]) == PG_OK);
  }
  out->bytes = NULL;
  out->size = 0;
  if (pg_agent_save_memory(s->a, NULL, 0, &out->size) != PG_OK) return; /* step pending */
  out->bytes = malloc(out->size);
  CHECK(out->bytes && pg_agent_save_memory(s->a, out->bytes, out->size, &out->size) == PG_OK);
}

static void same_and_free(snapshot *x, snapshot *y) {
  for (int i = 0; i < 6; i++)
    CHECK(memcmp(&x->stats[i], &y->stats[i], sizeof(double)) == 0);
  CHECK(x->size == y->size && (!x->size || memcmp(x->bytes, y->bytes, x->size) == 0));
  free(x->bytes);
  free(y->bytes);
}

static void shape(state *s, size_t *os, size_t *al, size_t *n) {
  CHECK(pg_agent_get_shape(s->a, os, al, NULL, n) == PG_OK);
}

static pg_status op_step(state *s, input *in) {
  size_t os, al, n;
  shape(s, &os, &al, &n);
  if (n > MAXN || os > MAXOBS) return PG_OK;
  float obs[MAXN * MAXOBS], act[MAXN * MAXOBS];
  for (size_t i = 0; i < n * os; i++) obs[i] = value(in);
  double det = 0.0;
  CHECK(pg_agent_get_param(s->a, PG_PARAM_DETERMINISTIC, &det) == PG_OK);
  pg_status st = pg_agent_step(s->a, obs, n * os, NULL, 0, act, n * al);
  if (st == PG_OK) {
    CHECK(!s->pending);
    for (size_t i = 0; i < n * al; i++) CHECK(isfinite(act[i]));
    s->pending = true;
    s->pending_recorded = det == 0.0;
  }
  return st;
}

static pg_status op_report(state *s, input *in) {
  size_t os, al, n;
  shape(s, &os, &al, &n);
  if (n > MAXN || os > MAXOBS) return PG_OK;
  float rew[MAXN], next[MAXN * MAXOBS];
  int32_t te[MAXN], tr[MAXN];
  size_t ended = 0;
  for (size_t i = 0; i < n; i++) {
    rew[i] = value(in);
    uint8_t f = byte(in);
    te[i] = f % 5 == 1 ? 1 : f % 5 == 4 ? 2 : 0; /* 2: invalid */
    tr[i] = f % 7 == 3;
    ended += te[i] || tr[i];
  }
  for (size_t i = 0; i < n * os; i++) next[i] = value(in);
  double ep0, st0;
  CHECK(pg_agent_get_stat(s->a, PG_STAT_EPISODES, &ep0) == PG_OK);
  CHECK(pg_agent_get_stat(s->a, PG_STAT_TOTAL_STEPS, &st0) == PG_OK);
  pg_status st = pg_agent_report(s->a, rew, te, tr, n, next, n * os);
  if (st == PG_OK) {
    CHECK(s->pending);
    s->pending = false;
    double ep1, st1;
    CHECK(pg_agent_get_stat(s->a, PG_STAT_EPISODES, &ep1) == PG_OK);
    CHECK(pg_agent_get_stat(s->a, PG_STAT_TOTAL_STEPS, &st1) == PG_OK);
    if (!s->async) {
      CHECK(ep1 == ep0 + (double)ended);
      CHECK(st1 == st0 + (s->pending_recorded ? (double)n : 0.0));
    }
  }
  return st;
}

static pg_status op_act(state *s, input *in) {
  size_t os, al, n;
  shape(s, &os, &al, &n);
  if (os > MAXOBS) return PG_OK;
  float obs[MAXOBS], act[MAXOBS];
  for (size_t i = 0; i < os; i++) obs[i] = value(in);
  pg_status st = pg_agent_act(s->a, obs, os, NULL, 0, byte(in) & 1, act, al);
  if (st == PG_OK)
    for (size_t i = 0; i < al; i++) CHECK(isfinite(act[i]));
  return st;
}

static pg_status op_set_param(state *s, input *in) {
  pg_param p = (pg_param)(1 + byte(in) % 31);
  double v = param_values[byte(in) % (sizeof param_values / sizeof *param_values)];
  if (p == PG_PARAM_NUM_THREADS || p == PG_PARAM_REPORT_INTERVAL) return PG_OK;
  if ((p == PG_PARAM_NUM_ENVS || p == PG_PARAM_T_MAX) && v > MAXN) return PG_OK;
  return pg_agent_set_param(s->a, p, v);
}

/* save -> load -> save: equal bytes; the loaded agent replaces the old one
** when the input says so. */
static pg_status op_save_load(state *s, input *in) {
  size_t size = 0;
  pg_status st = pg_agent_save_memory(s->a, NULL, 0, &size);
  if (st != PG_OK) return st;
  unsigned char *b1 = malloc(size), *b2 = malloc(size);
  CHECK(b1 && b2 && pg_agent_save_memory(s->a, b1, size, &size) == PG_OK);
  pg_agent *b = NULL;
  CHECK(pg_agent_load_memory(s->ctx, b1, size, &b) == PG_OK);
  size_t size2 = 0;
  CHECK(pg_agent_save_memory(b, b2, size, &size2) == PG_OK);
  CHECK(size2 == size && memcmp(b1, b2, size) == 0);
  free(b1);
  free(b2);
  if (byte(in) & 1) {
    pg_agent_destroy(s->a);
    s->a = b;
  } else {
    pg_agent_destroy(b);
  }
  return PG_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  static const pg_algorithm algos[] = {PG_ALGO_REINFORCE, PG_ALGO_REINFORCE_BASELINE,
                                       PG_ALGO_ACTOR_CRITIC, PG_ALGO_PAAC, PG_ALGO_PPO,
                                       PG_ALGO_A3C, PG_ALGO_ASYNC_N_STEP_Q};
  uint8_t head = byte(&in);
  pg_algorithm algo = algos[head % (sizeof algos / sizeof *algos)];
  bool continuous = (head / 8) & 1 && algo != PG_ALGO_ASYNC_N_STEP_Q;
  state s = {0};
  CHECK(pg_ctx_create(NULL, NULL, &s.ctx) == PG_OK);
  g_ctx = s.ctx;
  CHECK(pg_ctx_set_seed(s.ctx, head) == PG_OK);
  pg_env *env = NULL;
  CHECK(pg_env_create_builtin(s.ctx, continuous ? "Pendulum-v1" : "CartPole-v1", 1, &env) ==
        PG_OK);
  CHECK(pg_agent_create_for_env(s.ctx, algo, env, 4, 1, &s.a) == PG_OK);
  s.async = algo == PG_ALGO_A3C || algo == PG_ALGO_ASYNC_N_STEP_Q;
  if (algo == PG_ALGO_PAAC || algo == PG_ALGO_PPO)
    CHECK(pg_agent_set_param(s.a, PG_PARAM_NUM_ENVS, 2) == PG_OK);
  if (algo == PG_ALGO_PPO) CHECK(pg_agent_set_param(s.a, PG_PARAM_T_MAX, 4) == PG_OK);
  for (int ops = 0; in.n && ops < 48; ops++) {
    uint8_t op = byte(&in) % 8;
    snapshot before, after;
    snap(&s, &before);
    bool was_pending = s.pending;
    pg_status st = PG_OK;
    bool check = true; /* update and train may drop data when they fail */
    switch (op) {
    case 0:
    case 1: st = op_step(&s, &in); break;
    case 2:
    case 3: st = op_report(&s, &in); break;
    case 4: st = pg_agent_update(s.a, NULL); check = false; break;
    case 5: st = op_act(&s, &in); break;
    case 6: st = byte(&in) & 1 ? op_set_param(&s, &in) : op_save_load(&s, &in); break;
    default:
      st = pg_agent_train(s.a, env, byte(&in) % 32, NULL, NULL);
      check = false;
      break;
    }
    CHECK(st != PG_ERR_INTERNAL);
    if (st != PG_OK) {
      CHECK(pg_ctx_last_error(s.ctx)[0] || pg_agent_last_error(s.a)[0]);
      CHECK(s.pending == was_pending);
      if (check) {
        snap(&s, &after);
        same_and_free(&before, &after);
        continue;
      }
    }
    free(before.bytes);
  }
  pg_agent_destroy(s.a);
  pg_env_destroy(env);
  pg_ctx_destroy(s.ctx);
  g_ctx = NULL;
  return 0;
}
