/* Memory budgets (docs/FORMAT.md, "Memory budget"): a small checkpoint
** cannot make a loader allocate more than its budget, a loaded or
** configured agent cannot make its first step allocate a rollout of more
** than 65536 rows, and pg_vec_env_create refuses absurd instance counts
** before allocating. An allocator that records the largest request and
** the peak of live bytes is the oracle. */
#include "testutil.h"

#include "fuzz/pgck_frame.h"

#include <stdlib.h>
#include <string.h>

typedef struct peak_alloc {
  size_t live, peak, largest;
  long calls;
} peak_alloc;

static void *peak_fn(void *user, void *ptr, size_t old_size, size_t new_size) {
  peak_alloc *p = user;
  if (new_size == 0) {
    p->live -= old_size;
    free(ptr);
    return NULL;
  }
  p->calls++;
  if (new_size > p->largest) p->largest = new_size;
  void *q = realloc(ptr, new_size);
  if (!q) return NULL;
  p->live += new_size - old_size;
  if (p->live > p->peak) p->peak = p->live;
  return q;
}

static unsigned char *net_image(pg_net *net, size_t *size) {
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, size), PG_OK);
  unsigned char *b = malloc(*size);
  ck_assert_int_eq(pg_net_save_memory(net, b, *size, size), PG_OK);
  return b;
}

/* The net image with ARCH's max_batch replaced (its CRC fixed). */
static void set_max_batch(unsigned char *b, size_t size, uint32_t max_batch) {
  pgck_section s[8];
  int n = pgck_sections(b, size, s, 8);
  pgck_section *arch = pgck_find(s, n, "ARCH");
  ck_assert_ptr_nonnull(arch);
  pgck_put_u32(b + arch->body + 16, max_batch); /* after rank and 3 dims (version 2) */
  pgck_fix_section(b, arch);
}

/* A net checkpoint of a few hundred bytes whose max_batch passed the old
** bound (max_batch x features <= 2^24) while its buffers took 2.7 times
** that (180 MiB): refused before any large allocation. */
START_TEST(test_net_buffers) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 2, 1, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 5, PG_ACTIVATION_TANH, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  size_t size;
  unsigned char *b = net_image(net, &size);
  ck_assert_uint_lt(size, 400);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);

  peak_alloc al = {0};
  ck_assert_int_eq(pg_ctx_create(peak_fn, &al, &ctx), PG_OK);
  set_max_batch(b, size, (1u << 24) / 10); /* features 3 + 5 + 2 */
  pg_net *out = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, b, size, &out), PG_ERR_FORMAT);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "Memory budget"));
  ck_assert_uint_lt(al.peak, 1u << 20);
  /* 100000 rows: 2.7 M floats of buffers, within the budget. */
  set_max_batch(b, size, 100000);
  ck_assert_int_eq(pg_net_load_memory(ctx, b, size, &out), PG_OK);
  ck_assert_uint_le(al.peak, ((size_t)64 << 20) + 3 * size + (1u << 20));
  pg_net_destroy(out);
  pg_policy *pol = NULL; /* a policy of it holds no batch buffers */
  ck_assert_int_eq(pg_policy_load_memory(ctx, b, size, &pol), PG_OK);
  pg_policy_destroy(pol);
  pg_ctx_destroy(ctx);
  ck_assert_uint_eq(al.live, 0);
  free(b);
}
END_TEST

static pg_status first_step(pg_agent *a, size_t n_slots) {
  float obs[4 * 4096] = {0}, act[4096];
  return pg_agent_step(a, obs, 4 * n_slots, NULL, 0, act, n_slots);
}

/* t_max x num_envs above 65536 rows: the first step refuses (it allocated
** a rollout of 1.2 GiB for 4096 x 4096), the agent stays usable; a file
** with such parameters does not load. */
START_TEST(test_rollout_rows) {
  peak_alloc al = {0};
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(peak_fn, &al, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  pg_agent *a = NULL, *back = NULL;
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_PAAC, env, 8, 1, &a), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_T_MAX, 4096), PG_OK);
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 4096), PG_OK);
  size_t before = al.peak;
  ck_assert_int_eq(first_step(a, 4096), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "65536 rows"));
  ck_assert_uint_eq(al.peak, before); /* refused before allocating */
  size_t n;
  ck_assert_int_eq(pg_agent_save_memory(a, NULL, 0, &n), PG_OK);
  unsigned char *img = malloc(n);
  ck_assert_int_eq(pg_agent_save_memory(a, img, n, &n), PG_OK);
  ck_assert_int_eq(pg_agent_load_memory(ctx, img, n, &back), PG_ERR_FORMAT);
  ck_assert_ptr_null(back);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "65536 rows"));
  free(img);
  /* At the limit it works. */
  ck_assert_int_eq(pg_agent_set_param(a, PG_PARAM_NUM_ENVS, 16), PG_OK);
  ck_assert_int_eq(first_step(a, 16), PG_OK);
  pg_agent_destroy(a);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  ck_assert_uint_eq(al.live, 0);
}
END_TEST

/* pg_vec_env_create(n = INT32_MAX) allocated until killed. */
START_TEST(test_vec_env_count) {
  peak_alloc al = {0};
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(peak_fn, &al, &ctx), PG_OK);
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  pg_vec_env *vec = (pg_vec_env *)&vec;
  long calls = al.calls;
  ck_assert_int_eq(pg_vec_env_create(env, INT32_MAX, 1, 0, &vec), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_null(vec);
  ck_assert_int_eq(pg_vec_env_create(env, 4097, 1, 0, &vec), PG_ERR_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "4096"));
  ck_assert_int_eq(al.calls, calls);
  ck_assert_int_eq(pg_vec_env_create(env, 4096, 1, 0, &vec), PG_OK);
  pg_vec_env_destroy(vec);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("budget");
  TCase *tc = tcase_create("budget");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_net_buffers);
  tcase_add_test(tc, test_rollout_rows);
  tcase_add_test(tc, test_vec_env_count);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
