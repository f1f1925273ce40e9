/* Helpers shared by the Check programs: a counting allocator that can fail
** the k-th allocation, and a driver for "every allocation fails cleanly". */
#ifndef PG_TESTUTIL_H
#define PG_TESTUTIL_H

#include <check.h>
#include <policygrad.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pg_test_alloc {
  long fail_at;       /* 1-based index of the allocation to fail; 0 = never */
  long calls;         /* allocations (and growing reallocations) seen */
  long live_blocks;   /* allocated and not yet freed */
  long total_blocks;  /* every allocation ever made */
  size_t live_bytes;
} pg_test_alloc;

/* pg_alloc_fn that counts into a pg_test_alloc passed as user. */
void *pg_test_alloc_fn(void *user, void *ptr, size_t old_size, size_t new_size);

/* A context on a fresh counting allocator (fail_at = 0). */
pg_ctx *pg_test_ctx(pg_test_alloc *counter);

/* Runs op(ctx, user) on a fresh counting context with the k-th allocation
** failing, for k = 1, 2, ... until op makes fewer than k allocations.
** Each failing run must return PG_ERR_NOMEM and leave no block allocated
** once `cleanup` (may be NULL) and pg_ctx_destroy have run; the final run
** must return PG_OK. Returns the number of allocations of the full run.
** op must destroy what it created on success itself (or leave it to cleanup). */
typedef pg_status (*pg_test_op)(pg_ctx *ctx, void *user);
long pg_test_every_alloc_fails(pg_test_op op, void *user);

/* PG_SLOW_BUILD is 1 in ASan and TSan builds, where learning tests run a
** short budget without their threshold. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PG_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define PG_SLOW_BUILD 1
#endif
#endif
#ifndef PG_SLOW_BUILD
#define PG_SLOW_BUILD 0
#endif

/* An activation in double, for the finite-difference references. */
double pg_test_activation_d(pg_activation a, double z);

/* Relative error |a-b| / max(1e-8, |a|+|b|)... for gradient checks. */
double pg_test_rel_err(double a, double b);

/* A pg_progress_fn that stops training once at least 20 episodes are done
** and the mean return of the last 100 reaches threshold (sets hit). */
typedef struct pg_test_threshold {
  double threshold;
  int hit;
} pg_test_threshold;
int pg_test_stop_at_threshold(void *user, pg_agent *agent);

/* Asserts that `call` returns status `st` and that the context's message
** names the reason (contains `what`). */
#define PG_TEST_REFUSED(ctx, call, st, what)                                                  \
  do {                                                                                        \
    ck_assert_int_eq((call), (st));                                                           \
    ck_assert_msg(strstr(pg_ctx_last_error(ctx), (what)) != NULL, "'%s' lacks '%s'",          \
                  pg_ctx_last_error(ctx), (what));                                            \
  } while (0)

/* Runs a suite in fork mode and returns the process exit code. */
int pg_test_run_suite(Suite *s);

#endif
