/* pg_policy_export_c: argument errors, kinds without an emitter, callback
** and file failures, NaN parameters, and exact weight literals (the
** generated code itself is compiled and compared with pg_policy_act by the
** export_c test, tests/export/). */
#include "testutil.h"

#include "nn/pg_nn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct text {
  char *data;
  size_t size;
  int fail;
} text;

static int text_write(void *user, const void *data, size_t size) {
  text *t = user;
  if (t->fail) return 1;
  char *p = realloc(t->data, t->size + size + 1);
  ck_assert_ptr_nonnull(p);
  memcpy(p + t->size, data, size);
  t->data = p;
  t->size += size;
  p[t->size] = '\0';
  return 0;
}

static pg_net *small_net(pg_ctx *ctx) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 1, 5, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 4, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_add_categorical_head(net, 2, PG_INIT_ORTHOGONAL, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static void expect_error(pg_ctx *ctx, pg_status got, pg_status want, const char *needle) {
  ck_assert_int_eq(got, want);
  ck_assert_msg(strstr(pg_ctx_last_error(ctx), needle), "message '%s' lacks '%s'",
                pg_ctx_last_error(ctx), needle);
}

START_TEST(test_arguments) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = small_net(ctx);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  text t = {0};
  ck_assert_int_eq(pg_policy_export_c(NULL, "p", "p.h", NULL, 0), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_policy_export_c_cb(NULL, "p", PG_EXPORT_C_SINGLE, 0, text_write, &t),
                   PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_agent_export_c(NULL, "p", "p.h", NULL, 0), PG_ERR_INVALID_ARG);
  expect_error(ctx, pg_policy_export_c_cb(pol, NULL, PG_EXPORT_C_SINGLE, 0, text_write, &t),
               PG_ERR_INVALID_ARG, "prefix is NULL");
  const char *bad[] = {"", "9lives", "a-b", "a b", "abcdefghijabcdefghijabcdefghijabc"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    expect_error(ctx, pg_policy_export_c_cb(pol, bad[i], PG_EXPORT_C_SINGLE, 0, text_write, &t),
                 PG_ERR_INVALID_ARG, "not a C identifier");
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", 0, 0, text_write, &t), PG_ERR_INVALID_ARG,
               "part 0");
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", PG_EXPORT_C_SINGLE, 6, text_write, &t),
               PG_ERR_INVALID_ARG, "flags 0x6");
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", PG_EXPORT_C_SINGLE, 0, NULL, NULL),
               PG_ERR_INVALID_ARG, "write is NULL");
  expect_error(ctx, pg_policy_export_c(pol, "p", NULL, NULL, 0), PG_ERR_INVALID_ARG,
               "header_path is NULL");
  expect_error(ctx, pg_policy_export_c(pol, "p", "out/", NULL, 0), PG_ERR_INVALID_ARG,
               "names no file");
  expect_error(ctx, pg_policy_export_c(pol, "p", "a\"b.h", NULL, 0), PG_ERR_INVALID_ARG,
               "#include");
  expect_error(ctx, pg_policy_export_c(pol, "p", "x.h", "x.h", 0), PG_ERR_INVALID_ARG,
               "the same file");
  expect_error(ctx, pg_policy_export_c(pol, "p", "/nonexistent-dir/p.h", NULL, 0), PG_ERR_IO,
               "/nonexistent-dir/p.h");
  ck_assert_ptr_null(t.data); /* nothing was written by a failed call */
  /* A sink that refuses. */
  t.fail = 1;
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", PG_EXPORT_C_HEADER, 0, text_write, &t),
               PG_ERR_CALLBACK, "pg_policy_export_c_cb");
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* A kind registered without emit_c: the export names it. */
START_TEST(test_unsupported_kind) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  static pg__layer_ops plain;
  plain = pg__dense_ops;
  plain.kind = PG__LAYER_KIND_EXT_MIN + 7;
  plain.name = "plain_dense";
  plain.emit_c = NULL;
  ck_assert_int_eq(pg__layer_kind_register(ctx, &plain), PG_OK);
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 1, 5, &net), PG_OK);
  pg__layer s;
  memset(&s, 0, sizeof s);
  s.settings[0] = 4;
  s.act = PG_ACTIVATION_RELU;
  s.init = PG_INIT_GLOROT_UNIFORM;
  s.gain = 1.0f;
  ck_assert_int_eq(pg__net_add_layer(net, "t", &plain, &s), PG_OK);
  ck_assert_int_eq(pg_net_add_q_head(net, 2, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  text t = {0};
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", PG_EXPORT_C_SINGLE, 0, text_write, &t),
               PG_ERR_UNSUPPORTED, "layer 0 is of kind 'plain_dense', which has no C export");
  ck_assert_ptr_null(t.data);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

START_TEST(test_nan_parameters) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = small_net(ctx);
  pg__net_params(net)[3] = NAN;
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  text t = {0};
  expect_error(ctx, pg_policy_export_c_cb(pol, "p", PG_EXPORT_C_SINGLE, 0, text_write, &t),
               PG_ERR_NUMERIC, "NaN or Inf");
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

/* Every weight literal reads back as the same float, special values
** included; the parts fit together; nothing names a path. */
START_TEST(test_exact_literals) {
  pg_test_alloc counter = {0};
  pg_ctx *ctx = pg_test_ctx(&counter);
  pg_net *net = small_net(ctx);
  size_t n = pg__net_param_count(net);
  float *p = pg__net_params(net);
  const float special[] = {-0.0f, 0.0f, 1.0f, -1.0f, FLT_MIN, FLT_MIN / 8.0f, 1e-45f,
                           FLT_MAX, -FLT_MAX, 0x1.fffffep-1f, 0.1f, -3.25f};
  for (size_t i = 0; i < sizeof special / sizeof *special && i < n; i++) p[i] = special[i];
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  text src = {0}, hdr = {0}, one = {0};
  ck_assert_int_eq(pg_policy_export_c_cb(pol, "tiny", PG_EXPORT_C_SOURCE, 0, text_write, &src),
                   PG_OK);
  ck_assert_int_eq(pg_policy_export_c_cb(pol, "tiny", PG_EXPORT_C_HEADER, 0, text_write, &hdr),
                   PG_OK);
  ck_assert_int_eq(pg_policy_export_c_cb(pol, "tiny", PG_EXPORT_C_SINGLE, 0, text_write, &one),
                   PG_OK);
  ck_assert_ptr_nonnull(strstr(src.data, "#include \"tiny.h\""));
  ck_assert_ptr_nonnull(strstr(hdr.data, "#define TINY_OBS_SIZE 3\n"));
  ck_assert_ptr_nonnull(strstr(hdr.data, "#define TINY_N_ACTIONS 2\n"));
  ck_assert_ptr_nonnull(strstr(one.data, "#ifdef TINY_IMPLEMENTATION"));
  ck_assert_ptr_null(strstr(hdr.data, "#include"));
  /* Parse the arrays back: layer 0 W, b, then layer 1 W, b, in order. */
  size_t k = 0;
  for (const char *c = strstr(src.data, "static const float "); c;
       c = strstr(c + 1, "static const float ")) {
    const char *q = strchr(c, '{') + 1;
    const char *end = strchr(q, '}');
    while (q < end) {
      char *after;
      float v = strtof(q, &after);
      if (after == q) break;
      ck_assert_uint_lt(k, n);
      ck_assert_msg(memcmp(&v, &p[k], sizeof v) == 0, "parameter %zu: %a read back as %a", k,
                    (double)p[k], (double)v);
      k++;
      q = after;
      while (q < end && (*q == 'f' || *q == ',' || *q == ' ' || *q == '\n')) q++;
    }
  }
  ck_assert_uint_eq(k, n);
  free(src.data);
  free(hdr.data);
  free(one.data);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(counter.live_blocks, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("export");
  TCase *tc = tcase_create("export_c");
  tcase_add_test(tc, test_arguments);
  tcase_add_test(tc, test_unsupported_kind);
  tcase_add_test(tc, test_nan_parameters);
  tcase_add_test(tc, test_exact_literals);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
