/* Refusals of the net-building and net-use API: each refused call gives its
** status and a message that names the reason, and leaves the net as it
** was: a net built through refused calls saves to the same bytes as one
** built without them. */
#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *net_bytes(const pg_net *net, size_t *size) {
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  ck_assert_ptr_nonnull(buf);
  ck_assert_int_eq(pg_net_save_memory(net, buf, *size, size), PG_OK);
  return buf;
}

/* dense 8 (tanh), categorical 3, value; refused calls in between when
** refuse is set */
static pg_net *build(pg_ctx *ctx, bool refuse) {
  pg_net *n = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 8, 5, &n), PG_OK);
  if (refuse) {
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 0, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0),
                    PG_ERR_INVALID_ARG, "size 0");
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, (pg_init)9, 1.0),
                    PG_ERR_INVALID_ARG, "unknown initializer 9");
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, -1.0),
                    PG_ERR_OUT_OF_RANGE, "gain");
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, NAN),
                    PG_ERR_OUT_OF_RANGE, "gain");
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 8, (pg_activation)7, PG_INIT_ORTHOGONAL, 1.0),
                    PG_ERR_INVALID_ARG, "unknown activation 7");
    PG_TEST_REFUSED(ctx, pg_net_add_lstm(n, 0, PG_INIT_ORTHOGONAL, 1.0),
                    PG_ERR_INVALID_ARG, "size 0");
    PG_TEST_REFUSED(ctx, pg_net_finalize(n), PG_ERR_BAD_STATE, "no head");
    PG_TEST_REFUSED(ctx, pg_net_clone(n, &(pg_net *){NULL}), PG_ERR_BAD_STATE, "not finalized");
    size_t count = 0;
    PG_TEST_REFUSED(ctx, pg_net_param_count(n, &count), PG_ERR_BAD_STATE, "not finalized");
    PG_TEST_REFUSED(ctx, pg_net_reset_state(n, 0, 1), PG_ERR_BAD_STATE, "not finalized");
  }
  ck_assert_int_eq(pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  if (refuse) {
    PG_TEST_REFUSED(ctx, pg_net_add_categorical_head(n, 1, PG_INIT_ORTHOGONAL, 0.1),
                    PG_ERR_INVALID_ARG,
                    "n_actions 1 < 2");
    PG_TEST_REFUSED(ctx, pg_net_add_gaussian_head(n, 2, PG_INIT_ORTHOGONAL, 0.1, 6.0),
                    PG_ERR_OUT_OF_RANGE, "log_std_init");
  }
  ck_assert_int_eq(pg_net_add_categorical_head(n, 3, PG_INIT_ORTHOGONAL, 0.1), PG_OK);
  if (refuse) {
    PG_TEST_REFUSED(ctx, pg_net_add_categorical_head(n, 3, PG_INIT_ORTHOGONAL, 0.1),
                    PG_ERR_BAD_STATE,
                    "already has this head");
    PG_TEST_REFUSED(ctx, pg_net_add_gaussian_head(n, 2, PG_INIT_ORTHOGONAL, 0.1, 0.0),
                    PG_ERR_BAD_STATE,
                    "already has a policy head");
    PG_TEST_REFUSED(ctx, pg_net_add_dense(n, 8, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0),
                    PG_ERR_BAD_STATE, "must come before the heads");
    PG_TEST_REFUSED(ctx, pg_net_add_lstm(n, 8, PG_INIT_ORTHOGONAL, 1.0), PG_ERR_BAD_STATE,
                    "must come before the heads");
    PG_TEST_REFUSED(ctx, pg_net_add_flatten(n), PG_ERR_BAD_STATE, "before the heads");
  }
  ck_assert_int_eq(pg_net_add_value_head(n, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(n), PG_OK);
  if (refuse) {
    PG_TEST_REFUSED(ctx, pg_net_finalize(n), PG_ERR_BAD_STATE, "already finalized");
    PG_TEST_REFUSED(ctx, pg_net_add_value_head(n, PG_INIT_ORTHOGONAL, 1.0), PG_ERR_BAD_STATE,
                    "already finalized");
    PG_TEST_REFUSED(ctx, pg_net_add_flatten(n), PG_ERR_BAD_STATE, "already finalized");
  }
  return n;
}

START_TEST(test_refused_building_leaves_the_net) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *plain = build(ctx, false), *refused = build(ctx, true);
  size_t sa = 0, sb = 0;
  unsigned char *a = net_bytes(plain, &sa), *b = net_bytes(refused, &sb);
  ck_assert_uint_eq(sa, sb);
  ck_assert(memcmp(a, b, sa) == 0);
  free(a);
  free(b);
  pg_net_destroy(refused);
  pg_net_destroy(plain);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

START_TEST(test_refused_creation) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *n = (pg_net *)1;
  PG_TEST_REFUSED(ctx, pg_net_create(ctx, 0, 8, 1, &n), PG_ERR_INVALID_ARG, "input_dim 0");
  ck_assert_ptr_null(n); /* *out is cleared on failure */
  PG_TEST_REFUSED(ctx, pg_net_create(ctx, 4, 0, 1, &n), PG_ERR_INVALID_ARG, "max_batch 0");
  PG_TEST_REFUSED(ctx, pg_net_create(ctx, 4, (size_t)1 << 25, 1, &n),
                  PG_ERR_INVALID_ARG, "max_batch");
  PG_TEST_REFUSED(ctx, pg_net_create(ctx, 4, 8, 1, NULL), PG_ERR_INVALID_ARG, "out is NULL");
  PG_TEST_REFUSED(ctx, pg_net_create_image(ctx, 0, 8, 1, 8, 1, &n),
                  PG_ERR_INVALID_ARG, "image 0 x 8");
  PG_TEST_REFUSED(ctx, pg_net_create_image(ctx, 4096, 4096, 2, 8, 1, &n), PG_ERR_INVALID_ARG,
                  "at most 2^24");
  ck_assert_int_eq(pg_net_create_image(ctx, 8, 8, 1, 4, 1, &n), PG_OK);
  PG_TEST_REFUSED(ctx, pg_net_add_conv2d(n, 4, 3, 3, 1, (pg_padding)5, PG_ACTIVATION_RELU,
                                         PG_INIT_ORTHOGONAL, 1.0),
                  PG_ERR_INVALID_ARG, "unknown padding 5");
  PG_TEST_REFUSED(ctx, pg_net_add_conv2d(n, 4, 0, 3, 1, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                         PG_INIT_ORTHOGONAL, 1.0),
                  PG_ERR_INVALID_ARG, "each must be in [1, 255]");
  PG_TEST_REFUSED(ctx, pg_net_add_conv2d(n, 4, 3, 3, 256, PG_PADDING_VALID, PG_ACTIVATION_RELU,
                                         PG_INIT_ORTHOGONAL, 1.0),
                  PG_ERR_INVALID_ARG, "stride 256");
  pg_net_destroy(n);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

/* Use of a finalized net: rows, masks, outputs, copies. */
START_TEST(test_refused_use) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *n = build(ctx, false);
  float x[8 * 4] = {0.1f, 0.2f, 0.3f, 0.4f}, out[64];
  PG_TEST_REFUSED(ctx, pg_net_get_output(n, PG_NET_OUTPUT_PROBS, out, 64), PG_ERR_BAD_STATE,
                  "no forward");
  PG_TEST_REFUSED(ctx, pg_net_forward(n, x, 0, NULL), PG_ERR_OUT_OF_RANGE, "n = 0 rows");
  PG_TEST_REFUSED(ctx, pg_net_forward(n, x, 9, NULL), PG_ERR_OUT_OF_RANGE, "max_batch = 8");
  PG_TEST_REFUSED(ctx, pg_net_forward(n, NULL, 1, NULL), PG_ERR_INVALID_ARG, "inputs is NULL");
  uint8_t mask[3] = {0, 0, 0};
  PG_TEST_REFUSED(ctx, pg_net_forward(n, x, 1, mask),
                  PG_ERR_INVALID_ARG, "mask row 0 allows no action");
  PG_TEST_REFUSED(ctx, pg_net_forward_seq(n, x, 3, 3, NULL),
                  PG_ERR_OUT_OF_RANGE, "steps 3 x n_seq 3");
  PG_TEST_REFUSED(ctx, pg_net_forward_seq(n, x, 0, 1, NULL), PG_ERR_OUT_OF_RANGE, "steps 0");
  PG_TEST_REFUSED(ctx, pg_net_reset_state(n, 4, 5),
                  PG_ERR_OUT_OF_RANGE, "not within max_batch = 8");
  ck_assert_int_eq(pg_net_forward(n, x, 2, NULL), PG_OK);
  PG_TEST_REFUSED(ctx, pg_net_get_output(n, (pg_net_output)99, out, 64), PG_ERR_INVALID_ARG,
                  "unknown output 99");
  PG_TEST_REFUSED(ctx, pg_net_get_output(n, PG_NET_OUTPUT_PROBS, NULL, 64), PG_ERR_INVALID_ARG,
                  "out is NULL");
  PG_TEST_REFUSED(ctx, pg_net_get_output(n, PG_NET_OUTPUT_MEAN, out, 64), PG_ERR_UNSUPPORTED,
                  "no head for output 5");
  PG_TEST_REFUSED(ctx, pg_net_get_output(n, PG_NET_OUTPUT_PROBS, out, 5),
                  PG_ERR_SHAPE, "out_len 5 < 6");
  ck_assert_int_eq(pg_net_get_output(n, PG_NET_OUTPUT_PROBS, out, 6), PG_OK);
  for (int r = 0; r < 2; r++) /* the probabilities of each row sum to 1 */
    ck_assert_float_eq_tol(out[3 * r] + out[3 * r + 1] + out[3 * r + 2], 1.0f, 1e-5f);
  size_t oz = 0;
  PG_TEST_REFUSED(ctx, pg_net_output_size(n, (pg_net_output)0, &oz), PG_ERR_INVALID_ARG,
                  "unknown output 0");
  /* copies between nets of different shapes are refused */
  pg_net *other = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 8, 5, &other), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(other, 3, PG_INIT_ORTHOGONAL, 0.1), PG_OK);
  PG_TEST_REFUSED(ctx, pg_net_copy_params(n, other), PG_ERR_BAD_STATE, "src is not finalized");
  ck_assert_int_eq(pg_net_finalize(other), PG_OK);
  ck_assert_int_eq(pg_net_copy_params(n, other), PG_ERR_SHAPE);
  PG_TEST_REFUSED(ctx, pg_net_copy_params(n, NULL), PG_ERR_INVALID_ARG, "src is NULL");
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(n, &np), PG_OK);
  PG_TEST_REFUSED(ctx, pg_net_get_params(n, np, 1, out), PG_ERR_OUT_OF_RANGE, "pg_net_get_params");
  PG_TEST_REFUSED(ctx, pg_net_get_params(n, 0, 1, NULL), PG_ERR_INVALID_ARG, "buffer is NULL");
  pg_net_destroy(other);
  pg_net_destroy(n);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

Suite *net_build_suite(void) {
  Suite *s = suite_create("net_build");
  TCase *tc = tcase_create("refusals");
  tcase_add_test(tc, test_refused_building_leaves_the_net);
  tcase_add_test(tc, test_refused_creation);
  tcase_add_test(tc, test_refused_use);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(net_build_suite()); }
