/* Core services: status strings, versions, contexts, allocator, RNG. */
#include "testutil.h"
#include "pg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_status_strings) {
  for (int s = 0; s < 200; s++) {
    const char *t = pg_status_string((pg_status)s);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_gt((int)strlen(t), 0);
  }
  ck_assert_str_eq(pg_status_string(PG_OK), "ok");
  ck_assert_str_eq(pg_status_string((pg_status)-5), "unknown status code");
  ck_assert_str_eq(pg_status_string((pg_status)12345), "unknown status code");
  /* Every named code has its own text. */
  int codes[] = {PG_ERR_INVALID_ARG, PG_ERR_NOMEM, PG_ERR_BAD_STATE, PG_ERR_UNSUPPORTED,
                 PG_ERR_OUT_OF_RANGE, PG_ERR_CALLBACK, PG_ERR_NUMERIC, PG_ERR_IO,
                 PG_ERR_FORMAT, PG_ERR_VERSION, PG_ERR_SHAPE, PG_ERR_THREAD, PG_ERR_INTERNAL};
  for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
    ck_assert_str_ne(pg_status_string((pg_status)codes[i]), "unknown status code");
}
END_TEST

START_TEST(test_status_numbers_are_stable) {
  ck_assert_int_eq(PG_OK, 0);
  ck_assert_int_eq(PG_ERR_INVALID_ARG, 1);
  ck_assert_int_eq(PG_ERR_NOMEM, 2);
  ck_assert_int_eq(PG_ERR_BAD_STATE, 3);
  ck_assert_int_eq(PG_ERR_UNSUPPORTED, 4);
  ck_assert_int_eq(PG_ERR_OUT_OF_RANGE, 5);
  ck_assert_int_eq(PG_ERR_CALLBACK, 6);
  ck_assert_int_eq(PG_ERR_NUMERIC, 7);
  ck_assert_int_eq(PG_ERR_IO, 8);
  ck_assert_int_eq(PG_ERR_FORMAT, 9);
  ck_assert_int_eq(PG_ERR_VERSION, 10);
  ck_assert_int_eq(PG_ERR_SHAPE, 11);
  ck_assert_int_eq(PG_ERR_THREAD, 12);
  ck_assert_int_eq(PG_ERR_INTERNAL, 99);
}
END_TEST

START_TEST(test_version) {
  ck_assert_uint_eq(pg_version_number(), PG_VERSION_NUMBER);
  ck_assert_str_eq(pg_version_string(), PG_VERSION_STRING);
  char buf[32];
  snprintf(buf, sizeof buf, "%d.%d.%d", PG_VERSION_MAJOR, PG_VERSION_MINOR, PG_VERSION_PATCH);
  ck_assert_str_eq(pg_version_string(), buf);
  ck_assert_uint_eq(pg_version_number(),
                    PG_VERSION_MAJOR * 10000 + PG_VERSION_MINOR * 100 + PG_VERSION_PATCH);
  ck_assert_ptr_nonnull(strstr(pg_build_info(), PG_VERSION_STRING));
}
END_TEST

START_TEST(test_ctx_bad_args) {
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, NULL), PG_ERR_INVALID_ARG);
  pg_ctx_destroy(NULL);
  ck_assert_ptr_nonnull(pg_ctx_last_error(NULL));
  ck_assert_int_eq(pg_ctx_last_status(NULL), PG_ERR_INVALID_ARG);
  pg_ctx_clear_error(NULL);
  ck_assert_int_eq(pg_ctx_set_seed(NULL, 1), PG_ERR_INVALID_ARG);
  uint64_t s;
  ck_assert_int_eq(pg_ctx_get_seed(NULL, &s), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_ctx_memory_in_use(NULL, &s), PG_ERR_INVALID_ARG);

  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  ck_assert_str_eq(pg_ctx_last_error(ctx), "");
  ck_assert_int_eq(pg_ctx_last_status(ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_get_seed(ctx, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_ctx_last_status(ctx), PG_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "out_seed"));
  pg_ctx_clear_error(ctx);
  ck_assert_str_eq(pg_ctx_last_error(ctx), "");
  /* Internal code prefixes a message with the current one: the context's
  ** buffer is then both argument and destination. */
  ck_assert_int_eq(pg_ctx_get_seed(ctx, NULL), PG_ERR_INVALID_ARG);
  char expected[PG__ERRMSG_SIZE + 16];
  snprintf(expected, sizeof expected, "outer: %s", pg_ctx_last_error(ctx));
  ck_assert_int_eq(pg__fail(ctx, PG_ERR_IO, "outer: %s", pg_ctx_last_error(ctx)), PG_ERR_IO);
  ck_assert_str_eq(pg_ctx_last_error(ctx), expected);
  ck_assert_int_eq(pg_ctx_last_status(ctx), PG_ERR_IO);
  pg_ctx_clear_error(ctx);
  ck_assert_int_eq(pg_ctx_memory_in_use(ctx, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, 77), PG_OK);
  ck_assert_int_eq(pg_ctx_get_seed(ctx, &s), PG_OK);
  ck_assert_uint_eq(s, 77);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

START_TEST(test_ctx_nomem) {
  pg_test_alloc fa = {.fail_at = 1};
  pg_ctx *ctx = (pg_ctx *)&fa;
  ck_assert_int_eq(pg_ctx_create(pg_test_alloc_fn, &fa, &ctx), PG_ERR_NOMEM);
  ck_assert_ptr_null(ctx);
  ck_assert_int_eq(fa.live_blocks, 0);
}
END_TEST

/* The counting allocator sees every allocation and each is freed, and the
** context survives pg_ctx_destroy until its last handle goes. */
START_TEST(test_allocator_sees_everything) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  ck_assert_int_eq(counter.live_blocks, 1);
  pg_rng *a = NULL, *b = NULL;
  ck_assert_int_eq(pg_rng_create(ctx, 1, 0, &a), PG_OK);
  ck_assert_int_eq(pg_rng_split(a, 3, &b), PG_OK);
  ck_assert_int_eq(counter.live_blocks, 3);
  uint64_t bytes = 0;
  ck_assert_int_eq(pg_ctx_memory_in_use(ctx, &bytes), PG_OK);
  ck_assert_uint_gt(bytes, 0);
  pg_ctx_destroy(ctx); /* zombie: two handles alive */
  ck_assert_int_eq(counter.live_blocks, 3);
  pg_rng_destroy(a);
  ck_assert_int_eq(counter.live_blocks, 2);
  double u;
  ck_assert_int_eq(pg_rng_uniform(b, &u), PG_OK);
  pg_rng_destroy(b);
  ck_assert_int_eq(counter.live_blocks, 0);
  ck_assert_uint_eq(counter.live_bytes, 0);
}
END_TEST

static pg_status make_rngs(pg_ctx *ctx, void *user) {
  (void)user;
  pg_rng *a = NULL, *b = NULL;
  pg_status st = pg_rng_create(ctx, 5, 1, &a);
  if (st != PG_OK) {
    ck_assert_ptr_null(a);
    ck_assert_int_eq(pg_ctx_last_status(ctx), PG_ERR_NOMEM);
    return st;
  }
  st = pg_rng_split(a, 2, &b);
  if (st != PG_OK) ck_assert_ptr_null(b);
  pg_rng_destroy(b);
  pg_rng_destroy(a);
  return st;
}

START_TEST(test_every_alloc_fails_cleanly) {
  long n = pg_test_every_alloc_fails(make_rngs, NULL);
  ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(test_rng_bad_args) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_rng *r = NULL;
  ck_assert_int_eq(pg_rng_create(NULL, 0, 0, &r), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_create(ctx, 0, 0, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_split(NULL, 0, &r), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_seed(NULL, 0, 0), PG_ERR_INVALID_ARG);
  uint64_t u64;
  double d;
  ck_assert_int_eq(pg_rng_next_u64(NULL, &u64), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_uniform(NULL, &d), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_normal(NULL, &d), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_create(ctx, 0, 0, &r), PG_OK);
  ck_assert_int_eq(pg_rng_split(r, 0, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_next_u64(r, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_uniform(r, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_rng_normal(r, NULL), PG_ERR_INVALID_ARG);
  pg_rng_destroy(r);
  pg_rng_destroy(NULL);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

START_TEST(test_rng_deterministic) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_rng *a, *b, *c;
  ck_assert_int_eq(pg_rng_create(ctx, 1234, 7, &a), PG_OK);
  ck_assert_int_eq(pg_rng_create(ctx, 1234, 7, &b), PG_OK);
  ck_assert_int_eq(pg_rng_create(ctx, 1234, 8, &c), PG_OK);
  int same_c = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x, y, z;
    pg_rng_next_u64(a, &x);
    pg_rng_next_u64(b, &y);
    pg_rng_next_u64(c, &z);
    ck_assert_uint_eq(x, y);
    same_c += x == z;
  }
  ck_assert_int_eq(same_c, 0);
  /* Re-seeding restarts the stream. */
  uint64_t first, again;
  pg_rng_seed(a, 99, 0);
  pg_rng_next_u64(a, &first);
  pg_rng_seed(a, 99, 0);
  pg_rng_next_u64(a, &again);
  ck_assert_uint_eq(first, again);
  /* Splitting does not advance the parent and is deterministic. */
  pg_rng *s1, *s2;
  pg_rng_seed(a, 5, 5);
  ck_assert_int_eq(pg_rng_split(a, 1, &s1), PG_OK);
  ck_assert_int_eq(pg_rng_split(a, 1, &s2), PG_OK);
  uint64_t p1, p2;
  pg_rng_next_u64(s1, &p1);
  pg_rng_next_u64(s2, &p2);
  ck_assert_uint_eq(p1, p2);
  pg_rng_destroy(s1);
  pg_rng_destroy(s2);
  pg_rng_destroy(a);
  pg_rng_destroy(b);
  pg_rng_destroy(c);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Moments of uniform and normal draws, and the correlation between streams
** of one seed (|r| < 5/sqrt(n) is far outside chance for independent streams
** only if something is badly wrong). */
START_TEST(test_rng_statistics) {
  pg_ctx *ctx;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  enum { N = 200000 };
  pg_rng *s[4];
  for (int k = 0; k < 4; k++) ck_assert_int_eq(pg_rng_create(ctx, 2024, (uint64_t)k, &s[k]), PG_OK);
  double sum = 0, sum2 = 0, nsum = 0, nsum2 = 0;
  int buckets[10] = {0};
  double cross[3] = {0}, prev[4];
  for (int i = 0; i < N; i++) {
    double u[4];
    for (int k = 0; k < 4; k++) pg_rng_uniform(s[k], &u[k]);
    for (int k = 0; k < 3; k++) cross[k] += (u[0] - 0.5) * (u[k + 1] - 0.5);
    ck_assert(u[0] >= 0.0 && u[0] < 1.0);
    sum += u[0];
    sum2 += u[0] * u[0];
    buckets[(int)(u[0] * 10)]++;
    double g;
    pg_rng_normal(s[1], &g);
    nsum += g;
    nsum2 += g * g;
    memcpy(prev, u, sizeof prev);
  }
  double mean = sum / N, var = sum2 / N - mean * mean;
  ck_assert_double_eq_tol(mean, 0.5, 0.005);
  ck_assert_double_eq_tol(var, 1.0 / 12.0, 0.002);
  double chi2 = 0;
  for (int b = 0; b < 10; b++) {
    double e = N / 10.0;
    chi2 += (buckets[b] - e) * (buckets[b] - e) / e;
  }
  ck_assert_double_lt(chi2, 27.9); /* chi-square, 9 dof, p = 0.001 */
  ck_assert_double_eq_tol(nsum / N, 0.0, 0.01);
  ck_assert_double_eq_tol(nsum2 / N, 1.0, 0.02);
  for (int k = 0; k < 3; k++) {
    double r = cross[k] / N / (1.0 / 12.0);
    ck_assert_msg(fabs(r) < 5.0 / sqrt((double)N), "streams 0 and %d correlate: r=%g", k + 1, r);
  }
  for (int k = 0; k < 4; k++) pg_rng_destroy(s[k]);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_status_strings);
  tcase_add_test(tc, test_status_numbers_are_stable);
  tcase_add_test(tc, test_version);
  tcase_add_test(tc, test_ctx_bad_args);
  tcase_add_test(tc, test_ctx_nomem);
  tcase_add_test(tc, test_allocator_sees_everything);
  tcase_add_test(tc, test_every_alloc_fails_cleanly);
  tcase_add_test(tc, test_rng_bad_args);
  tcase_add_test(tc, test_rng_deterministic);
  tcase_add_test(tc, test_rng_statistics);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
