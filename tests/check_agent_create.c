/* Refusals of the agent constructors: each mismatch of algorithm, nets
** and environment gives its status and a message naming the reason, *out
** is NULL, and the nets passed in stay the caller's (they still build a
** working agent afterwards). */
#include "testutil.h"

#include <stdbool.h>
#include <string.h>

enum { POLICY = 1, VALUE = 2, Q = 4, LSTM = 8, NO_FINALIZE = 16 };

/* A net on `inputs` inputs with the heads (and LSTM) of `what`. */
static pg_net *net_with(pg_ctx *ctx, int what, size_t inputs) {
  pg_net *n = NULL;
  ck_assert_int_eq(pg_net_create(ctx, inputs, 8, 3, &n), PG_OK);
  if (what & LSTM) ck_assert_int_eq(pg_net_add_lstm(n, 4, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (what & POLICY)
    ck_assert_int_eq(pg_net_add_categorical_head(n, 2, PG_INIT_ORTHOGONAL, 0.1), PG_OK);
  if (what & VALUE) ck_assert_int_eq(pg_net_add_value_head(n, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (what & Q) ck_assert_int_eq(pg_net_add_q_head(n, 2, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (!(what & NO_FINALIZE)) ck_assert_int_eq(pg_net_finalize(n), PG_OK);
  return n;
}

/* An agent on net (and vnet) acts: the nets are intact after refusals. */
static void assert_usable(pg_ctx *ctx, pg_algorithm algo, pg_net *net, pg_net *vnet) {
  pg_agent *a = NULL;
  ck_assert_msg(pg_agent_create(ctx, algo, net, vnet, &a) == PG_OK, "%s", pg_ctx_last_error(ctx));
  float obs[4] = {0.1f, -0.2f, 0.3f, 0.0f}, act[1] = {-1};
  ck_assert_int_eq(pg_agent_act(a, obs, 4, NULL, 0, 1, act, 1), PG_OK);
  ck_assert(act[0] == 0.0f || act[0] == 1.0f);
  pg_agent_destroy(a);
}

START_TEST(test_net_mismatches_are_refused) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *pol = net_with(ctx, POLICY, 4), *pv = net_with(ctx, POLICY | VALUE, 4);
  pg_net *val = net_with(ctx, VALUE, 4), *val5 = net_with(ctx, VALUE, 5);
  pg_net *q = net_with(ctx, Q, 4), *raw = net_with(ctx, POLICY | NO_FINALIZE, 4);
  pg_net *rec = net_with(ctx, POLICY | VALUE | LSTM, 4);
  pg_agent *a = (pg_agent *)1;
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, raw, NULL, &a), PG_ERR_SHAPE,
                  "must be finalized");
  ck_assert_ptr_null(a);
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, NULL, NULL, &a), PG_ERR_INVALID_ARG,
                  "net is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, pol, NULL, NULL), PG_ERR_INVALID_ARG,
                  "out is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, (pg_algorithm)77, pol, NULL, &a), PG_ERR_INVALID_ARG,
                  "unknown algorithm 77");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pv, pv, &a), PG_ERR_INVALID_ARG,
                  "value_net is net");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, pol, val, &a), PG_ERR_SHAPE,
                  "uses no value network");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pol, NULL, &a), PG_ERR_SHAPE,
                  "needs a value head");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pol, val5, &a), PG_ERR_SHAPE,
                  "input size");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, val, NULL, &a), PG_ERR_SHAPE,
                  "exactly one policy head");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, q, val, &a), PG_ERR_SHAPE,
                  "use no value network");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, pol, NULL, &a), PG_ERR_SHAPE,
                  "need a net with a Q head");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_REINFORCE, rec, NULL, &a), PG_ERR_UNSUPPORTED,
                  "does not train recurrent");
  pg_net *qpol = net_with(ctx, Q | POLICY, 4), *rawv = net_with(ctx, VALUE | NO_FINALIZE, 4);
  pg_net *recv = net_with(ctx, VALUE | LSTM, 4);
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, qpol, NULL, &a),
                  PG_ERR_SHAPE, "no policy head");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pol, rawv, &a), PG_ERR_SHAPE,
                  "must be finalized");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pol, qpol, &a), PG_ERR_SHAPE,
                  "value_net needs a value head");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_PAAC, pol, recv, &a), PG_ERR_UNSUPPORTED,
                  "does not train recurrent");
  PG_TEST_REFUSED(ctx, pg_agent_create(ctx, PG_ALGO_PAAC, rec, val, &a), PG_ERR_UNSUPPORTED,
                  "no value_net");
  ck_assert_int_eq(pg_agent_create(NULL, PG_ALGO_REINFORCE, pol, NULL, &a), PG_ERR_INVALID_ARG);
  pg_net_destroy(qpol);
  pg_net_destroy(rawv);
  pg_net_destroy(recv);
  ck_assert_ptr_null(a);
  /* the nets are still the caller's and work */
  assert_usable(ctx, PG_ALGO_REINFORCE, pol, NULL);
  assert_usable(ctx, PG_ALGO_ACTOR_CRITIC, pol, val);
  assert_usable(ctx, PG_ALGO_ACTOR_CRITIC, pv, NULL);
  pg_net *nets[] = {pol, pv, val, val5, q, raw, rec};
  for (size_t i = 0; i < sizeof nets / sizeof *nets; i++) pg_net_destroy(nets[i]);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

START_TEST(test_env_mismatches_are_refused) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_env *cart = NULL, *pend = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &cart), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "Pendulum-v1", 1, &pend), PG_OK);
  pg_agent *a = (pg_agent *)1;
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, cart, 8, 9, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_layers = 9");
  ck_assert_ptr_null(a);
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, cart, 0, 1, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_units = 0");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, NULL, 8, 1, &a),
                  PG_ERR_INVALID_ARG, "env is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, cart, 8, 1, 0, &a),
                  PG_ERR_OUT_OF_RANGE, "lstm_units = 0");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_REINFORCE, cart, 8, 1, 4, &a),
                  PG_ERR_UNSUPPORTED, "does not train recurrent");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, pend, 8, 1, &a),
                  PG_ERR_UNSUPPORTED, "continuous actions");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_trunk(ctx, PG_ALGO_A3C, cart, (pg_trunk)42, &a),
                  PG_ERR_INVALID_ARG, "unknown trunk 42");
  pg_net *t5 = net_with(ctx, POLICY, 5);
  PG_TEST_REFUSED(ctx, pg_agent_create_from_template(ctx, PG_ALGO_REINFORCE, cart, t5, &a),
                  PG_ERR_SHAPE, "takes 5 inputs");
  PG_TEST_REFUSED(ctx, pg_agent_create_from_template(ctx, PG_ALGO_REINFORCE, cart, NULL, &a),
                  PG_ERR_INVALID_ARG, "template_net is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, cart, 8, -1, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_layers = -1");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, cart, 5000, 1, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_units = 5000");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, cart, 8, 9, 4, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_layers = 9");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, cart, 0, 1, 4, &a),
                  PG_ERR_OUT_OF_RANGE, "hidden_units = 0");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, cart, 8, 1, 5000, &a),
                  PG_ERR_OUT_OF_RANGE, "lstm_units = 5000");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, cart, 8, 1, NULL),
                  PG_ERR_INVALID_ARG, "out is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, cart, 8, 1, 4, NULL),
                  PG_ERR_INVALID_ARG, "out is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_lstm(ctx, PG_ALGO_PAAC, NULL, 8, 1, 4, &a),
                  PG_ERR_INVALID_ARG, "env is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_trunk(ctx, PG_ALGO_A3C, cart, PG_TRUNK_SMALL, NULL),
                  PG_ERR_INVALID_ARG, "out is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_trunk(ctx, PG_ALGO_A3C, NULL, PG_TRUNK_SMALL, &a),
                  PG_ERR_INVALID_ARG, "env is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_for_env_trunk(ctx, PG_ALGO_A3C, cart, PG_TRUNK_SMALL, &a),
                  PG_ERR_SHAPE, "no image observation");
  pg_net *t4 = net_with(ctx, POLICY, 4);
  PG_TEST_REFUSED(ctx, pg_agent_create_from_template(ctx, PG_ALGO_REINFORCE, cart, t4, NULL),
                  PG_ERR_INVALID_ARG, "out is NULL");
  PG_TEST_REFUSED(ctx, pg_agent_create_from_template(ctx, PG_ALGO_REINFORCE, NULL, t4, &a),
                  PG_ERR_INVALID_ARG, "env is NULL");
  pg_ctx *other = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &other), PG_OK);
  PG_TEST_REFUSED(other, pg_agent_create_from_template(other, PG_ALGO_REINFORCE, cart, t4, &a),
                  PG_ERR_INVALID_ARG, "belongs to another context");
  pg_ctx_destroy(other);
  ck_assert_int_eq(pg_agent_create_for_env(NULL, PG_ALGO_REINFORCE, cart, 8, 1, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_lstm(NULL, PG_ALGO_PAAC, cart, 8, 1, 4, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_from_template(NULL, PG_ALGO_REINFORCE, cart, t4, &a),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_create_for_env_trunk(NULL, PG_ALGO_A3C, cart, PG_TRUNK_SMALL, &a),
                   PG_ERR_INVALID_ARG);
  /* the template gives a working agent */
  ck_assert_int_eq(pg_agent_create_from_template(ctx, PG_ALGO_REINFORCE, cart, t4, &a), PG_OK);
  float o4[4] = {0}, a1[1];
  ck_assert_int_eq(pg_agent_act(a, o4, 4, NULL, 0, 1, a1, 1), PG_OK);
  pg_agent_destroy(a);
  a = NULL;
  pg_net_destroy(t4);
  /* and the good calls work */
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_ASYNC_ONE_STEP_Q, cart, 8, 1, &a), PG_OK);
  pg_agent_destroy(a);
  pg_net_destroy(t5);
  pg_env_destroy(pend);
  pg_env_destroy(cart);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

Suite *agent_create_suite(void) {
  Suite *s = suite_create("agent_create");
  TCase *tc = tcase_create("refusals");
  tcase_add_test(tc, test_net_mismatches_are_refused);
  tcase_add_test(tc, test_env_mismatches_are_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(agent_create_suite()); }
