/* The LSTM layer kind: gradients through time against finite differences
** (several segment lengths, state carried in from an earlier segment,
** resets inside the segment), step-by-step forwards equal to one sequence
** forward, resets, the forget-gate bias, argument checks, save and reload,
** and no allocation on forward and backward. */
#include "testutil.h"

#include "nn/pg_nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN 3
#define UNITS 4
#define ACTIONS 3
#define B 2

static pg_net *make_net(pg_ctx *ctx, size_t max_batch) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, IN, max_batch, 7, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 5, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(net, UNITS, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, ACTIONS, PG_INIT_GLOROT_UNIFORM, 1.0),
                   PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static void fill(float *x, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
}

/* A warm-up step (state carried into the segment), then T steps of B
** sequences forwarded step by step, sequence `reset_seq` reset before step
** `reset_at` (none when reset_at is 0); then the loss and its gradient.
** Truncated BPTT treats the carried-in state as a constant, so parameter
** `param` is moved by `delta` only after the warm-up. */
typedef struct segment {
  size_t T, reset_at, reset_seq;
  const float *warm, *x, *actions, *adv, *ret;
} segment;

static double run_segment(pg_net *net, const segment *sg, bool grads, size_t param,
                          float delta) {
  float *p = pg__net_params(net);
  const float keep = p[param];
  pg__net_reset_state(net, 0, B);
  pg__net_forward(net, sg->warm, B, NULL, NULL);
  p[param] = keep + delta;
  pg__net_params_changed(net);
  for (size_t t = 0; t < sg->T; t++) {
    if (sg->reset_at && t == sg->reset_at) pg__net_reset_state(net, sg->reset_seq, 1);
    pg__net_forward_rows(net, sg->x + t * B * IN, t * B, B, NULL, NULL);
  }
  pg_loss_desc L;
  memset(&L, 0, sizeof L);
  L.struct_size = sizeof L;
  L.scale = 1.0f;
  L.policy_coef = 1.0f;
  L.entropy_coef = 0.1f;
  L.value_coef = 0.5f;
  L.actions = sg->actions;
  L.advantages = sg->adv;
  L.returns = sg->ret;
  if (grads) pg__net_zero_grads(net);
  double loss = pg__net_backward(net, sg->T * B, &L);
  p[param] = keep;
  pg__net_params_changed(net);
  return loss;
}

static void grad_check(size_t T, size_t reset_at) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 32);
  float warm[B * IN], x[8 * B * IN], actions[8 * B], adv[8 * B], ret[8 * B];
  fill(warm, B * IN, 1);
  fill(x, T * B * IN, 2 + (unsigned)T);
  fill(adv, T * B, 3);
  fill(ret, T * B, 4);
  for (size_t i = 0; i < T * B; i++) actions[i] = (float)(i % ACTIONS);
  segment sg = {T, reset_at, 1, warm, x, actions, adv, ret};
  run_segment(net, &sg, true, 0, 0.0f);
  size_t n = pg__net_param_count(net);
  float *g = malloc(n * sizeof *g);
  memcpy(g, pg__net_grads(net), n * sizeof *g);
  double worst = 0.0;
  size_t worst_i = 0;
  for (size_t i = 0; i < n; i++) {
    const float h = 1e-2f;
    double lp = run_segment(net, &sg, false, i, h);
    double lm = run_segment(net, &sg, false, i, -h);
    double fd = (lp - lm) / (2.0 * (double)h);
    double err = fabs(fd - (double)g[i]) / (1e-2 + fabs(fd) + fabs((double)g[i]));
    if (getenv("PG_DEBUG_GRAD") && err > 1e-2) fprintf(stderr, "%zu: fd %g g %g\n", i, fd, (double)g[i]);
    if (err > worst) {
      worst = err;
      worst_i = i;
    }
  }
  if (getenv("PG_DEBUG_GRAD")) fprintf(stderr, "T %zu reset %zu worst %g\n", T, reset_at, worst);
  ck_assert_msg(worst < 5e-3, "T = %zu, reset at %zu: param %zu of %zu: relative error %g",
                T, reset_at, worst_i, n, worst);
  free(g);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}

START_TEST(test_grad_through_time) {
  grad_check(1, 0);
  grad_check(3, 0);
  grad_check(7, 0);
  grad_check(4, 2); /* sequence 1 reset before step 2 */
  grad_check(6, 1);
}
END_TEST

/* The same rows through one pg_net_forward_seq, through step-by-step
** forwards, and after a reset as a fresh net: identical numbers. */
START_TEST(test_forward_paths_and_reset) {
  enum { T = 5 };
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, T * B);
  float x[T * B * IN], v_seq[T * B], v_step[T * B];
  fill(x, sizeof x / sizeof x[0], 9);
  ck_assert_int_eq(pg_net_forward_seq(net, x, T, B, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v_seq, T * B), PG_OK);
  ck_assert_int_eq(pg_net_reset_state(net, 0, B), PG_OK);
  for (size_t t = 0; t < T; t++) {
    ck_assert_int_eq(pg_net_forward(net, x + t * B * IN, B, NULL), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v_step + t * B, B), PG_OK);
  }
  for (size_t i = 0; i < T * B; i++) ck_assert_float_eq_tol(v_seq[i], v_step[i], 1e-5f);
  /* The state matters: the last step again without a reset differs... */
  float v_again[B];
  ck_assert_int_eq(pg_net_forward(net, x, B, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v_again, B), PG_OK);
  ck_assert(v_again[0] != v_seq[0] && v_again[1] != v_seq[1]);
  /* ...and after resetting sequence 1 only, it starts afresh, 0 does not. */
  ck_assert_int_eq(pg_net_reset_state(net, 1, 1), PG_OK);
  ck_assert_int_eq(pg_net_forward(net, x, B, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_VALUE, v_again, B), PG_OK);
  ck_assert_float_eq_tol(v_again[1], v_seq[1], 1e-5f);
  ck_assert(v_again[0] != v_seq[0]);
  /* Saved and reloaded: the same sequence from a fresh state. */
  size_t size = 0;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_net_save_memory(net, buf, size, &size), PG_OK);
  pg_net *back = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  float v_back[T * B];
  ck_assert_int_eq(pg_net_forward_seq(back, x, T, B, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(back, PG_NET_OUTPUT_VALUE, v_back, T * B), PG_OK);
  ck_assert(memcmp(v_back, v_seq, sizeof v_seq) == 0);
  free(buf);
  pg_net_destroy(back);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Blocks Wx (5 x 16), Wh (4 x 16), b (16) after the dense layer's 5x3+5:
** the forget gate's bias starts at 1, the others at 0. */
START_TEST(test_layout_and_forget_bias) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 4);
  size_t count = 0;
  ck_assert_int_eq(pg_net_param_count(net, &count), PG_OK);
  const size_t dense = IN * 5 + 5, lstm = 5 * 16 + 4 * 16 + 16;
  ck_assert_uint_eq(count, dense + lstm + (UNITS * ACTIONS + ACTIONS) + (UNITS + 1));
  float b[16];
  ck_assert_int_eq(pg_net_get_params(net, dense + 5 * 16 + 4 * 16, 16, b), PG_OK);
  for (size_t j = 0; j < 16; j++) ck_assert_float_eq(b[j], (j >= 4 && j < 8) ? 1.0f : 0.0f);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_argument_checks) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(NULL, 4, PG_INIT_GLOROT_UNIFORM, 1.0), PG_ERR_INVALID_ARG);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, IN, 8, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(net, 0, PG_INIT_GLOROT_UNIFORM, 1.0), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_lstm(net, 70000, PG_INIT_GLOROT_UNIFORM, 1.0),
                   PG_ERR_INVALID_ARG);
  ck_assert(strstr(pg_ctx_last_error(ctx), "units") != NULL);
  ck_assert_int_eq(pg_net_add_lstm(net, 4, (pg_init)99, 1.0), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_add_lstm(net, 4, PG_INIT_GLOROT_UNIFORM, -1.0), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_reset_state(net, 0, 1), PG_ERR_BAD_STATE); /* not finalized */
  ck_assert_int_eq(pg_net_add_lstm(net, 4, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(net, 4, PG_INIT_GLOROT_UNIFORM, 1.0), PG_ERR_BAD_STATE);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  float x[9 * IN] = {0};
  ck_assert_int_eq(pg_net_forward_seq(net, x, 3, 3, NULL), PG_ERR_OUT_OF_RANGE); /* 9 > 8 */
  ck_assert_int_eq(pg_net_forward_seq(net, x, 0, 1, NULL), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_forward_seq(net, NULL, 1, 1, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_reset_state(net, 7, 2), PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_net_reset_state(net, 8, 0), PG_OK);
  x[0] = NAN;
  ck_assert_int_eq(pg_net_forward_seq(net, x, 2, 2, NULL), PG_ERR_NUMERIC);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Forward, backward and an optimizer step allocate nothing. */
START_TEST(test_no_allocation) {
  pg_test_alloc counter;
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = make_net(ctx, 32);
  pg_optim *opt = NULL;
  ck_assert_int_eq(pg_optim_create(net, PG_OPTIM_RMSPROP, &opt), PG_OK);
  float x[16 * B * IN], ret[16 * B];
  fill(x, sizeof x / sizeof x[0], 5);
  fill(ret, 16 * B, 6);
  pg_loss_desc L;
  memset(&L, 0, sizeof L);
  L.struct_size = sizeof L;
  L.scale = 1.0f;
  L.value_coef = 1.0f;
  L.returns = ret;
  long before = counter.calls;
  for (int it = 0; it < 3; it++) {
    ck_assert_int_eq(pg_net_forward_seq(net, x, 16, B, NULL), PG_OK);
    ck_assert_int_eq(pg_net_zero_grads(net), PG_OK);
    ck_assert_int_eq(pg_net_backward(net, &L, 16 * B, NULL), PG_OK);
    ck_assert_int_eq(pg_optim_step(opt, NULL), PG_OK);
    ck_assert_int_eq(pg_net_reset_state(net, 0, 1), PG_OK);
  }
  ck_assert_int_eq(counter.calls, before);
  pg_optim_destroy(opt);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A policy from an LSTM net acts like the net stepped one row at a time;
** its sessions carry the state, pg_policy_session_reset starts over, and a
** saved and reloaded policy acts identically over whole episodes. */
START_TEST(test_policy_sessions) {
  enum { STEPS = 40 };
  pg_test_alloc counter;
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = make_net(ctx, 1);
  float x[STEPS * IN];
  fill(x, sizeof x / sizeof x[0], 11);
  float net_logits[STEPS * ACTIONS];
  for (size_t t = 0; t < STEPS; t++) {
    ck_assert_int_eq(pg_net_forward(net, x + t * IN, 1, NULL), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOGITS, net_logits + t * ACTIONS,
                                       ACTIONS), PG_OK);
  }
  pg_policy *pol = NULL, *back = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  size_t size = 0;
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(pol, buf, size, &size), PG_OK);
  ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &back), PG_OK);
  pg_policy_session *sa = NULL, *sb = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &sa), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(back, 1, &sb), PG_OK);
  float first[STEPS];
  long before = counter.calls;
  for (int episode = 0; episode < 3; episode++) {
    for (size_t t = 0; t < STEPS; t++) {
      float a = -1.0f, b = -2.0f;
      ck_assert_int_eq(pg_policy_act(sa, x + t * IN, IN, NULL, 0, 1, &a, 1), PG_OK);
      ck_assert_int_eq(pg_policy_act(sb, x + t * IN, IN, NULL, 0, 1, &b, 1), PG_OK);
      ck_assert_float_eq(a, b);
      const float *z = net_logits + t * ACTIONS;
      size_t best = 0;
      for (size_t j = 1; j < ACTIONS; j++) best = z[j] > z[best] ? j : best;
      ck_assert_float_eq(a, (float)best);
      if (episode == 0) first[t] = a;
      else ck_assert_float_eq(a, first[t]);
    }
    ck_assert_int_eq(pg_policy_session_reset(sa), PG_OK);
    ck_assert_int_eq(pg_policy_session_reset(sb), PG_OK);
  }
  ck_assert_int_eq(counter.calls, before);
  /* Without a reset the next episode starts from the carried state. */
  bool differs = false;
  ck_assert_int_eq(pg_net_reset_state(net, 0, 1), PG_OK);
  for (int rep = 0; rep < 2; rep++)
    for (size_t t = 0; t < STEPS; t++) {
      float a;
      ck_assert_int_eq(pg_policy_act(sa, x + t * IN, IN, NULL, 0, 1, &a, 1), PG_OK);
      ck_assert_int_eq(pg_net_forward(net, x + t * IN, 1, NULL), PG_OK);
      float z[ACTIONS];
      ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOGITS, z, ACTIONS), PG_OK);
      differs |= rep == 1 && memcmp(z, net_logits + t * ACTIONS, sizeof z) != 0;
    }
  ck_assert(differs);
  ck_assert_int_eq(pg_policy_session_reset(NULL), PG_ERR_INVALID_ARG);
  free(buf);
  pg_policy_session_destroy(sa);
  pg_policy_session_destroy(sb);
  pg_policy_destroy(pol);
  pg_policy_destroy(back);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* pg_agent_act on a recurrent agent: its own state, carried from call to
** call: the greedy actions over a sequence equal those of a session of
** pg_policy_from_agent stepped the same way, differ from acting from a
** fresh state at every call, and start over after
** pg_agent_reset_act_state. */
static void check_act_state(pg_agent *agent) {
  enum { K = 24 };
  float xs[K * IN], got[K], again[K], want[K], fresh[K];
  fill(xs, K * IN, 77);
  pg_policy *pol = NULL;
  pg_policy_session *ses = NULL;
  ck_assert_int_eq(pg_policy_from_agent(agent, &pol), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(pol, 1, &ses), PG_OK);
  ck_assert_int_eq(pg_agent_reset_act_state(agent), PG_OK);
  for (int k = 0; k < K; k++) {
    ck_assert_int_eq(pg_agent_act(agent, xs + k * IN, IN, NULL, 0, 1, got + k, 1), PG_OK);
    ck_assert_int_eq(pg_policy_act(ses, xs + k * IN, IN, NULL, 0, 1, want + k, 1), PG_OK);
    ck_assert_int_eq(pg_policy_session_reset(ses), PG_OK);
    ck_assert_int_eq(pg_policy_act(ses, xs + k * IN, IN, NULL, 0, 1, fresh + k, 1), PG_OK);
  }
  ck_assert_int_eq(pg_policy_session_reset(ses), PG_OK);
  for (int k = 0; k < K; k++) /* the reference, stepped through the sequence */
    ck_assert_int_eq(pg_policy_act(ses, xs + k * IN, IN, NULL, 0, 1, want + k, 1), PG_OK);
  ck_assert_int_eq(pg_agent_reset_act_state(agent), PG_OK);
  for (int k = 0; k < K; k++)
    ck_assert_int_eq(pg_agent_act(agent, xs + k * IN, IN, NULL, 0, 1, again + k, 1), PG_OK);
  int differ = 0;
  for (int k = 0; k < K; k++) {
    ck_assert_msg(got[k] == want[k] && again[k] == want[k], "act %d: %g, %g vs %g", k,
                  (double)got[k], (double)again[k], (double)want[k]);
    differ += fresh[k] != want[k];
  }
  ck_assert_msg(differ > 0, "the acting state changed no greedy action");
  ck_assert_int_eq(pg_agent_reset_act_state(NULL), PG_ERR_INVALID_ARG);
  float a1;
  ck_assert_int_eq(pg_agent_act(agent, xs, IN + 1, NULL, 0, 1, &a1, 1), PG_ERR_SHAPE);
  pg_policy_session_destroy(ses);
  pg_policy_destroy(pol);
}

/* Recurrent PAAC and A3C-LSTM driven frame by frame (the host-driven loop) with
** episodes ending at different times in different slots: after every
** step the agent's net computed exactly what a reference net computes
** when stepped one row per slot with each slot's state reset at that
** slot's episode end (and at pg_agent_reset_state), with the parameters
** copied after each update. So each slot's state resets exactly then, the
** bootstrap forward of an update leaves it alone, and training steps and
** updates allocate nothing. */
static void host_loop(pg_algorithm algo, size_t N) {
  enum { TM = 4, STEPS = 41 };
  pg_test_alloc counter;
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = make_net(ctx, 2 * N * TM + N);
  pg_net *ref = NULL;
  ck_assert_int_eq(pg_net_clone(net, &ref), PG_OK);
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, algo, net, NULL, &agent), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, (double)N), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_T_MAX, TM), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_LR, 0.05), PG_OK);
  pg_net *acting = NULL; /* the net the agent acts with (A3C: its theta') */
  ck_assert_int_eq(pg_agent_get_net(agent, 0, &acting), PG_OK);
  float obs[3 * IN], next[3 * IN], act[3], rew[3], got[3 * ACTIONS], want[3 * ACTIONS];
  int32_t term[3], trunc[3];
  fill(obs, N * IN, 21);
  int updates = 0;
  long before = 0;
  for (int t = 0; t < STEPS; t++) {
    if (t == 1) before = counter.calls; /* the first step sets the agent up */
    if (t == 17) { /* a host restarting the last slot without reporting its end */
      ck_assert_int_eq(pg_agent_reset_state(agent, N - 1), PG_OK);
      ck_assert_int_eq(pg_net_reset_state(ref, N - 1, 1), PG_OK);
    }
    if (t == 6) { /* acting inside a segment leaves the slots and the segment alone */
      float a1;
      ck_assert_int_eq(pg_agent_act(agent, obs, IN, NULL, 0, 0, &a1, 1), PG_OK);
      ck_assert_int_eq(pg_agent_reset_act_state(agent), PG_OK);
      before = counter.calls; /* the first act allocates its state */
    }
    ck_assert_int_eq(pg_agent_step(agent, obs, N * IN, NULL, 0, act, N), PG_OK);
    size_t rows = 0;
    ck_assert_int_eq(pg_net_forward(ref, obs, N, NULL), PG_OK);
    ck_assert_int_eq(pg_net_get_output(ref, PG_NET_OUTPUT_LOGITS, want, N * ACTIONS), PG_OK);
    /* the agent forwarded this step into rows [k*N, (k+1)*N) of its net */
    float all[(2 * 3 * TM + 3) * ACTIONS];
    size_t fwd_rows = algo == PG_ALGO_A3C ? 1 : (size_t)(t % TM + 1) * N;
    ck_assert_int_eq(pg_net_get_output(acting, PG_NET_OUTPUT_LOGITS, all, fwd_rows * ACTIONS),
                     PG_OK);
    rows = algo == PG_ALGO_A3C ? 0 : (size_t)(t % TM) * N;
    memcpy(got, all + rows * ACTIONS, sizeof got);
    for (size_t i = 0; i < N * ACTIONS; i++)
      ck_assert_msg(fabsf(got[i] - want[i]) < 1e-5f, "step %d, logit %zu: %g vs %g", t, i,
                    (double)got[i], (double)want[i]);
    fill(next, N * IN, 100 + (unsigned)t);
    for (size_t sl = 0; sl < N; sl++) {
      rew[sl] = act[sl] == 1.0f ? 1.0f : 0.0f;
      term[sl] = (t + 1) % (int)(3 + 2 * sl) == 0; /* slot s: every 3 + 2s steps */
      trunc[sl] = sl == N - 1 && t == 22;
    }
    ck_assert_int_eq(pg_agent_report(agent, rew, term, trunc, N, next, N * IN), PG_OK);
    for (size_t sl = 0; sl < N; sl++)
      if (term[sl] || trunc[sl]) ck_assert_int_eq(pg_net_reset_state(ref, sl, 1), PG_OK);
    int32_t did = 0;
    ck_assert_int_eq(pg_agent_update(agent, &did), PG_OK);
    if (did) {
      updates++;
      ck_assert_int_eq(pg_net_copy_params(ref, acting), PG_OK);
    }
    memcpy(obs, next, sizeof obs);
  }
  if (algo == PG_ALGO_PAAC) ck_assert_int_eq(updates, STEPS / TM);
  else ck_assert_int_gt(updates, STEPS / TM);
  ck_assert_int_eq(counter.calls, before);
  ck_assert_int_eq(pg_agent_reset_state(agent, N), PG_ERR_OUT_OF_RANGE);
  pg_agent_destroy(agent);
  pg_net_destroy(ref);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}

START_TEST(test_host_loop_resets_per_slot) {
  host_loop(PG_ALGO_PAAC, 3); /* recurrent PAAC: a state per slot */
  host_loop(PG_ALGO_A3C, 1);  /* A3C-LSTM: the worker's state, segments replayed */
}
END_TEST

START_TEST(test_agent_act_state) {
  static const pg_algorithm algos[] = {PG_ALGO_PAAC, PG_ALGO_A3C};
  for (int i = 0; i < 2; i++) {
    pg_test_alloc counter = {0};
    pg_ctx *ctx = pg_test_ctx(&counter);
    pg_net *net = make_net(ctx, 64);
    pg_agent *agent = NULL;
    ck_assert_int_eq(pg_agent_create(ctx, algos[i], net, NULL, &agent), PG_OK);
    float a1, x[IN] = {0.5f, -0.25f, 1.0f};
    ck_assert_int_eq(pg_agent_act(agent, x, IN, NULL, 0, 1, &a1, 1), PG_OK);
    long calls = counter.calls; /* acting allocates nothing after the first call */
    for (int k = 0; k < 10; k++)
      ck_assert_int_eq(pg_agent_act(agent, x, IN, NULL, 0, k % 2, &a1, 1), PG_OK);
    ck_assert_int_eq(pg_agent_reset_act_state(agent), PG_OK);
    ck_assert_int_eq(counter.calls, calls);
    check_act_state(agent);
    pg_agent_destroy(agent);
    pg_net_destroy(net);
    pg_ctx_destroy(ctx);
    ck_assert_int_eq(counter.live_blocks, 0);
  }
}
END_TEST

/* Recurrent PAAC with observation normalization (the setting that meets
** issue 16's bar on CartPolePositions-v1, bench_lstm preset=positions):
** trained in the host-driven loop on observations far from mean 0 and
** variance 1, its acting state and the policy from pg_policy_from_agent
** (which carries the statistics) act alike over a sequence, and learning
** steps allocate nothing. */
START_TEST(test_norm_obs_recurrent_paac) {
  enum { N = 3, TM = 4, STEPS = 40 };
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = make_net(ctx, 2 * N * TM + N);
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PAAC, net, NULL, &agent), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, N), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_T_MAX, TM), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NORM_OBS, 1.0), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_GAE_LAMBDA, 0.95), PG_OK);
  float obs[N * IN], act[N], rew[N];
  int32_t term[N], trunc[N] = {0};
  long before = 0;
  for (int t = 0; t < STEPS; t++) {
    fill(obs, N * IN, 300 + (unsigned)t);
    for (size_t i = 0; i < N * IN; i++) obs[i] = 4.0f + 3.0f * obs[i];
    if (t == 1) before = counter.calls;
    ck_assert_int_eq(pg_agent_step(agent, obs, N * IN, NULL, 0, act, N), PG_OK);
    for (size_t sl = 0; sl < N; sl++) {
      rew[sl] = act[sl] == 1.0f ? 1.0f : 0.0f;
      term[sl] = (t + 1) % (int)(5 + sl) == 0;
    }
    ck_assert_int_eq(pg_agent_report(agent, rew, term, trunc, N, obs, N * IN), PG_OK);
    int32_t did = 0;
    ck_assert_int_eq(pg_agent_update(agent, &did), PG_OK);
  }
  ck_assert_int_eq(counter.calls, before);
  double steps = 0.0;
  ck_assert_int_eq(pg_agent_get_stat(agent, PG_STAT_TOTAL_STEPS, &steps), PG_OK);
  ck_assert_double_eq(steps, (double)(N * STEPS));
  check_act_state(agent);
  pg_agent_destroy(agent);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* pg_agent_create_for_env_lstm (and a template with an LSTM): PAAC and A3C
** get one net, dense then LSTM with both heads, the parameters of the same
** net built by hand, 1024 rows; it trains and acts; the other algorithms
** and bad sizes are refused with a message. */
START_TEST(test_create_for_env_lstm) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CueCorridor:length=3", 3, &env), PG_OK);
  pg_net *hand = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 8, 1, &hand), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(hand, 32, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(hand, 16, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(hand, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(hand, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(hand), PG_OK);
  size_t want = 0, got = 0, rows = 0, vsize = 0;
  ck_assert_int_eq(pg_net_param_count(hand, &want), PG_OK);
  static const pg_algorithm algos[] = {PG_ALGO_PAAC, PG_ALGO_A3C};
  for (int i = 0; i < 4; i++) {
    pg_agent *agent = NULL;
    if (i < 2) {
      ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, algos[i], env, 32, 1, 16, &agent), PG_OK);
    } else { /* the template route */
      ck_assert_int_eq(pg_agent_create_from_template(ctx, algos[i - 2], env, hand, &agent), PG_OK);
    }
    pg_net *net = NULL, *vnet = NULL;
    ck_assert_int_eq(pg_agent_get_net(agent, 0, &net), PG_OK);
    ck_assert_int_eq(pg_agent_get_net(agent, 1, &vnet), PG_ERR_UNSUPPORTED);
    ck_assert_int_eq(pg_net_param_count(net, &got), PG_OK);
    ck_assert_uint_eq(got, want);
    ck_assert_int_eq(pg_net_max_batch(net, &rows), PG_OK);
    ck_assert_uint_eq(rows, 1024);
    ck_assert_int_eq(pg_net_output_size(net, PG_NET_OUTPUT_VALUE, &vsize), PG_OK);
    ck_assert_uint_eq(vsize, 1);
    ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, i % 2 ? 1 : 8), PG_OK);
    ck_assert_int_eq(pg_agent_train(agent, env, 2000, NULL, NULL), PG_OK);
    float obs[3] = {1.0f, 0.0f, 0.0f}, a = -1.0f;
    ck_assert_int_eq(pg_agent_act(agent, obs, 3, NULL, 0, 1, &a, 1), PG_OK);
    ck_assert(a == 0.0f || a == 1.0f);
    pg_agent_destroy(agent);
  }
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, PG_ALGO_REINFORCE, env, 32, 1, 16, &agent),
                   PG_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "recurrent"));
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_ACTOR_CRITIC, env, hand, &agent),
                   PG_ERR_UNSUPPORTED);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, env, 32, 1, 0, &agent),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "lstm_units = 0"));
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, env, 32, 9, 16, &agent),
                   PG_ERR_OUT_OF_RANGE);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, NULL, 32, 1, 16, &agent),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, env, 32, 1, 16, NULL),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(NULL, PG_ALGO_PAAC, env, 32, 1, 16, &agent),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(ctx, (pg_algorithm)999, env, 32, 1, 16, &agent),
                   PG_ERR_INVALID_ARG);
  ck_assert_ptr_null(agent);
  pg_net_destroy(hand);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* Algorithms without the recurrent machinery refuse recurrent nets. */
START_TEST(test_agents_refuse_lstm) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 64);
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, net, NULL, &agent),
                   PG_ERR_UNSUPPORTED);
  ck_assert(strstr(pg_ctx_last_error(ctx), "recurrent") != NULL);
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_REINFORCE, net, NULL, &agent),
                   PG_ERR_UNSUPPORTED);
  ck_assert_ptr_null(agent);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Learning through memory in the library-driven loop: recurrent PAAC on
** CueCorridor (the answer is a cue shown 6 steps earlier) reaches a mean
** return near 1, where any policy without memory gets 0 on average. */
START_TEST(test_learns_cue_corridor) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 3), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CueCorridor", 3, &env), PG_OK);
  enum { ENVS = 16, TM = 5 };
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 2 * ENVS * TM + ENVS, 3, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 64, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, sqrt(2.0)),
                   PG_OK);
  ck_assert_int_eq(pg_net_add_lstm(net, 64, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_agent_create(ctx, PG_ALGO_PAAC, net, NULL, &agent), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_NUM_ENVS, ENVS), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(agent, PG_PARAM_T_MAX, TM), PG_OK);
  ck_assert_int_eq(pg_agent_train(agent, env, 60000, NULL, NULL), PG_OK);
  double mean = 0.0;
  ck_assert_int_eq(pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean), PG_OK);
  ck_assert_msg(mean >= 0.8, "mean-100 return %g", mean);
  /* pg_agent_evaluate runs its episodes from a fresh state each. */
  double eval = 0.0;
  ck_assert_int_eq(pg_agent_evaluate(agent, env, 50, 1, &eval, NULL), PG_OK);
  ck_assert_msg(eval >= 0.8, "evaluation mean %g", eval);
  pg_agent_destroy(agent);
  pg_net_destroy(net);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("lstm");
  TCase *tc = tcase_create("lstm");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_grad_through_time);
  tcase_add_test(tc, test_forward_paths_and_reset);
  tcase_add_test(tc, test_layout_and_forget_bias);
  tcase_add_test(tc, test_argument_checks);
  tcase_add_test(tc, test_no_allocation);
  tcase_add_test(tc, test_policy_sessions);
  tcase_add_test(tc, test_host_loop_resets_per_slot);
  tcase_add_test(tc, test_agent_act_state);
  tcase_add_test(tc, test_norm_obs_recurrent_paac);
  tcase_add_test(tc, test_agents_refuse_lstm);
  tcase_add_test(tc, test_create_for_env_lstm);
  tcase_add_test(tc, test_learns_cue_corridor);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
