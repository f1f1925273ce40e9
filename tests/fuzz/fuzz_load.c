/* libFuzzer harness for checkpoint loading (nets, policies and agents).
** Oracles: no crash, leak or sanitizer report on any input; a failed load
** leaves a NULL handle; a loaded net, policy or agent acts on a zero
** observation (or says PG_ERR_NUMERIC when its outputs are not finite); and load -> save -> load -> save gives the same bytes twice
** (the round trip is exact).
** The loads run under the allocation-size oracle of fuzz_oracle.h (no
** allocation above the documented budget for the input's size).
** Build: cmake -DPG_FUZZ=ON with clang (target fuzz_load, and one target
** per loader: fuzz_net, fuzz_policy, fuzz_agent, this file built with
** PG_FUZZ_TARGET = 1, 2, 3 and the framing-keeping mutator), or run
** .ci/fuzz.sh. tests/fuzz/replay_main.c replays the corpus in every build. */
#include "fuzz_oracle.h"

#include <policygrad.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *net_bytes(pg_net *net, size_t *n) {
  if (pg_net_save_memory(net, NULL, 0, n) != PG_OK) abort();
  unsigned char *b = malloc(*n);
  if (!b || pg_net_save_memory(net, b, *n, n) != PG_OK) abort();
  return b;
}

static unsigned char *policy_bytes(pg_policy *p, size_t *n) {
  if (pg_policy_save_memory(p, NULL, 0, n) != PG_OK) abort();
  unsigned char *b = malloc(*n);
  if (!b || pg_policy_save_memory(p, b, *n, n) != PG_OK) abort();
  return b;
}

static void check_net(pg_ctx *ctx, pg_net *net) {
  size_t in = 0;
  if (pg_net_input_size(net, &in) != PG_OK) abort();
  if (in <= 4096) { /* one forward on zeros */
    float *x = calloc(in, sizeof *x);
    if (!x) abort();
    pg_status st = pg_net_forward(net, x, 1, NULL); /* huge weights: NaN/Inf outputs */
    if (st != PG_OK && st != PG_ERR_NUMERIC) abort();
    free(x);
  }
  size_t n1, n2;
  unsigned char *b1 = net_bytes(net, &n1);
  pg_net *again = NULL;
  if (pg_net_load_memory(ctx, b1, n1, &again) != PG_OK) abort();
  unsigned char *b2 = net_bytes(again, &n2);
  if (n1 != n2 || memcmp(b1, b2, n1) != 0) abort();
  free(b1);
  free(b2);
  pg_net_destroy(again);
}

static void check_policy(pg_ctx *ctx, pg_policy *p) {
  size_t obs = 0, act = 0;
  if (pg_policy_get_shape(p, &obs, &act, NULL, NULL) != PG_OK) abort();
  if (obs <= 4096 && act <= 4096) {
    pg_policy_session *s = NULL;
    if (pg_policy_session_create(p, 1, &s) != PG_OK) abort();
    float *x = calloc(obs, sizeof *x), *a = calloc(act, sizeof *a);
    if (!x || !a) abort();
    pg_status st = pg_policy_act(s, x, obs, NULL, 0, 1, a, act);
    if (st != PG_OK && st != PG_ERR_NUMERIC) abort();
    free(x);
    free(a);
    pg_policy_session_destroy(s);
  }
  size_t n1, n2;
  unsigned char *b1 = policy_bytes(p, &n1);
  pg_policy *again = NULL;
  if (pg_policy_load_memory(ctx, b1, n1, &again) != PG_OK) abort();
  unsigned char *b2 = policy_bytes(again, &n2);
  if (n1 != n2 || memcmp(b1, b2, n1) != 0) abort();
  free(b1);
  free(b2);
  pg_policy_destroy(again);
}

static unsigned char *agent_bytes(pg_agent *a, size_t *n) {
  if (pg_agent_save_memory(a, NULL, 0, n) != PG_OK) abort();
  unsigned char *b = malloc(*n);
  if (!b || pg_agent_save_memory(a, b, *n, n) != PG_OK) abort();
  return b;
}

static void check_agent(pg_ctx *ctx, pg_agent *a) {
  size_t in = 0, alen = 0;
  if (pg_agent_get_shape(a, &in, &alen, NULL, NULL) != PG_OK) abort();
  if (in <= 4096 && alen <= 4096) { /* one greedy action on zeros (no allocation) */
    float *x = calloc(in, sizeof *x), *act = calloc(alen, sizeof *act);
    if (!x || !act) abort();
    pg_status st = pg_agent_act(a, x, in, NULL, 0, 1, act, alen);
    if (st != PG_OK && st != PG_ERR_NUMERIC) abort();
    free(x);
    free(act);
  }
  size_t n1, n2;
  unsigned char *b1 = agent_bytes(a, &n1);
  pg_agent *again = NULL;
  if (pg_agent_load_memory(ctx, b1, n1, &again) != PG_OK) abort();
  unsigned char *b2 = agent_bytes(again, &n2);
  if (n1 != n2 || memcmp(b1, b2, n1) != 0) abort();
  free(b1);
  free(b2);
  pg_agent_destroy(again);
}

/* Which loaders this build fuzzes: 0 = all, 1 net, 2 policy, 3 agent. */
#ifndef PG_FUZZ_TARGET
#define PG_FUZZ_TARGET 0
#endif
#define FUZZES(k) (PG_FUZZ_TARGET == 0 || PG_FUZZ_TARGET == (k))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fuzz_oracle oracle;
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(fuzz_alloc, &oracle, &ctx) != PG_OK) abort();
  pg_status st;
  if (FUZZES(1)) {
    pg_net *net = NULL;
    fuzz_watch(&oracle, "pg_net_load_memory", size);
    st = pg_net_load_memory(ctx, data, size, &net);
    fuzz_unwatch(&oracle);
    if (st == PG_OK) check_net(ctx, net);
    else if (net || !pg_ctx_last_error(ctx)[0]) abort(); /* failure: NULL handle, a message */
    pg_net_destroy(net);
  }
  if (FUZZES(2)) {
    pg_policy *pol = NULL;
    fuzz_watch(&oracle, "pg_policy_load_memory", size);
    st = pg_policy_load_memory(ctx, data, size, &pol);
    fuzz_unwatch(&oracle);
    if (st == PG_OK) check_policy(ctx, pol);
    else if (pol) abort();
    pg_policy_destroy(pol);
  }
  if (FUZZES(3)) {
    pg_agent *agent = NULL;
    fuzz_watch(&oracle, "pg_agent_load_memory", size);
    st = pg_agent_load_memory(ctx, data, size, &agent);
    fuzz_unwatch(&oracle);
    if (st == PG_OK) check_agent(ctx, agent);
    else if (agent || !pg_ctx_last_error(ctx)[0]) abort();
    pg_agent_destroy(agent);
  }
  pg_ctx_destroy(ctx);
  if (oracle.live != 0) abort(); /* everything freed */
  return 0;
}
