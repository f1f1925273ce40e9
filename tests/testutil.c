#include "testutil.h"

#include <math.h>
#include <stdlib.h>

void *pg_test_alloc_fn(void *user, void *ptr, size_t old_size, size_t new_size) {
  pg_test_alloc *a = user;
  if (new_size == 0) {
    if (ptr) {
      a->live_blocks--;
      a->live_bytes -= old_size;
      free(ptr);
    }
    return NULL;
  }
  a->calls++;
  if (a->fail_at && a->calls == a->fail_at) return NULL;
  void *q = realloc(ptr, new_size);
  if (q) {
    if (!ptr) {
      a->live_blocks++;
      a->total_blocks++;
    }
    a->live_bytes += new_size - old_size;
  }
  return q;
}

pg_ctx *pg_test_ctx(pg_test_alloc *counter) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(pg_test_alloc_fn, counter, &ctx), PG_OK);
  return ctx;
}

long pg_test_every_alloc_fails(pg_test_op op, void *user) {
  for (long k = 1; k < 1000000; k++) {
    pg_test_alloc fa = {0};
    pg_ctx *ctx = NULL;
    ck_assert_int_eq(pg_ctx_create(pg_test_alloc_fn, &fa, &ctx), PG_OK);
    fa.fail_at = k + 1; /* +1: the context itself is allocation 1 */
    pg_status st = op(ctx, user);
    long made = fa.calls - 1;
    pg_ctx_destroy(ctx);
    ck_assert_msg(fa.live_blocks == 0, "fail at %ld: %ld blocks leaked", k, fa.live_blocks);
    if (made < k) {
      ck_assert_msg(st == PG_OK, "complete run returned %d", (int)st);
      return made;
    }
    ck_assert_msg(st == PG_ERR_NOMEM, "fail at %ld: status %d (%s), expected PG_ERR_NOMEM",
                  k, (int)st, pg_status_string(st));
  }
  ck_abort_msg("operation never completed");
  return -1;
}

double pg_test_rel_err(double a, double b) {
  double d = fabs(a - b), s = fabs(a) + fabs(b);
  return s < 1e-6 ? d : d / s;
}

int pg_test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_ENV);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int pg_test_stop_at_threshold(void *user, pg_agent *agent) {
  pg_test_threshold *l = user;
  double e, m;
  pg_agent_get_stat(agent, PG_STAT_EPISODES, &e);
  pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &m);
  if (e >= 20 && m >= l->threshold) l->hit = 1;
  return l->hit;
}

double pg_test_activation_d(pg_activation a, double z) {
  switch (a) {
  case PG_ACTIVATION_RELU: return z > 0 ? z : 0;
  case PG_ACTIVATION_TANH: return tanh(z);
  case PG_ACTIVATION_SIGMOID: return 1 / (1 + exp(-z));
  default: return z;
  }
}
