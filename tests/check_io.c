#define _POSIX_C_SOURCE 200809L
/* Checkpoints: CRC-32, net round trips (memory, file, callback), the size
** query, every corruption class, allocation failures during load, atomic
** saves with injected I/O failures. Policies are in check_io_policy.c. */
#include "testutil.h"
#include "testutil_io.h"

#include "nn/pg_nn.h"
#include "pg_serial.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pg_status pg__net_save_file_io(const pg_net *net, const char *path, const pg__file_io *io);

static pg_net *make_net(pg_ctx *ctx, int gaussian, uint64_t seed) {
  pg_net *net = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 8, seed, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.4), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 8, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0), PG_OK);
  if (gaussian)
    ck_assert_int_eq(pg_net_add_gaussian_head(net, 2, PG_INIT_ORTHOGONAL, 0.01, -0.5), PG_OK);
  else
    ck_assert_int_eq(pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 0.01), PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  return net;
}

static unsigned char *save_mem(pg_net *net, size_t *size) {
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, size), PG_OK);
  unsigned char *buf = malloc(*size);
  size_t got = 0;
  ck_assert_int_eq(pg_net_save_memory(net, buf, *size, &got), PG_OK);
  ck_assert_uint_eq(got, *size);
  return buf;
}

static void assert_same_params(const pg_net *a, const pg_net *b) {
  size_t na, nb;
  ck_assert_int_eq(pg_net_param_count(a, &na), PG_OK);
  ck_assert_int_eq(pg_net_param_count(b, &nb), PG_OK);
  ck_assert_uint_eq(na, nb);
  float *pa = malloc(na * sizeof *pa), *pb = malloc(nb * sizeof *pb);
  ck_assert_int_eq(pg_net_get_params(a, 0, na, pa), PG_OK);
  ck_assert_int_eq(pg_net_get_params(b, 0, nb, pb), PG_OK);
  ck_assert(memcmp(pa, pb, na * sizeof *pa) == 0);
  free(pa);
  free(pb);
}

static const float obs8[8 * 4] = {0.1f, -0.2f, 0.3f, 0.0f, 1.0f, 2.0f, -1.0f, 0.5f,
                                  -0.7f, 0.2f, 0.9f, -1.5f, 0.0f, 0.0f, 0.0f, 0.0f,
                                  3.0f, -3.0f, 0.1f, 0.2f, -0.4f, 0.8f, 1.2f, -2.2f,
                                  0.05f, 0.6f, -0.9f, 1.1f, 2.5f, -0.1f, 0.3f, 0.7f};

static void assert_same_outputs(pg_net *a, pg_net *b, int gaussian) {
  pg_net_output which = gaussian ? PG_NET_OUTPUT_MEAN : PG_NET_OUTPUT_LOGITS;
  size_t w;
  ck_assert_int_eq(pg_net_output_size(a, which, &w), PG_OK);
  float oa[8 * 3], ob[8 * 3];
  ck_assert_int_eq(pg_net_forward(a, obs8, 8, NULL), PG_OK);
  ck_assert_int_eq(pg_net_forward(b, obs8, 8, NULL), PG_OK);
  ck_assert_int_eq(pg_net_get_output(a, which, oa, 8 * w), PG_OK);
  ck_assert_int_eq(pg_net_get_output(b, which, ob, 8 * w), PG_OK);
  ck_assert(memcmp(oa, ob, 8 * w * sizeof(float)) == 0);
}

START_TEST(test_crc32) {
  ck_assert_uint_eq(pg__crc32(0, "123456789", 9), 0xCBF43926u);
  ck_assert_uint_eq(pg__crc32(pg__crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
  ck_assert_uint_eq(pg__crc32(0, "", 0), 0u);
}
END_TEST

START_TEST(test_round_trip_memory) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  int gaussian = _i;
  pg_net *net = make_net(ctx, gaussian, 42), *back = NULL;
  size_t size;
  unsigned char *buf = save_mem(net, &size);
  ck_assert(memcmp(buf, "PGCK\2\0\0\0\1\0\0\0", 12) == 0);
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  assert_same_params(net, back);
  assert_same_outputs(net, back, gaussian);
  size_t v;
  ck_assert_int_eq(pg_net_max_batch(back, &v), PG_OK);
  ck_assert_uint_eq(v, 8);
  /* Saving the loaded net gives the same bytes. */
  size_t size2;
  unsigned char *buf2 = save_mem(back, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(buf, buf2, size) == 0);
  /* A loaded net trains like the original: backward works. */
  float acts[8] = {0}, adv[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  pg_loss_desc loss = {.struct_size = sizeof loss, .scale = 1, .policy_coef = 1,
                       .actions = acts, .advantages = adv};
  if (!gaussian) {
    ck_assert_int_eq(pg_net_forward(back, obs8, 8, NULL), PG_OK);
    ck_assert_int_eq(pg_net_backward(back, &loss, 8, NULL), PG_OK);
  }
  free(buf);
  free(buf2);
  pg_net_destroy(net);
  pg_net_destroy(back);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

START_TEST(test_size_query_and_errors) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 1), *out = (pg_net *)&out;
  size_t need = 0, got = 0;
  ck_assert_int_eq(pg_net_save_memory(net, NULL, 0, &need), PG_OK);
  ck_assert_uint_gt(need, 24);
  unsigned char small[16];
  memset(small, 0xAB, sizeof small);
  ck_assert_int_eq(pg_net_save_memory(net, small, sizeof small, &got), PG_ERR_SHAPE);
  ck_assert_uint_eq(got, need);
  ck_assert_uint_eq(small[0], 0xAB);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_net_save_memory"));
  ck_assert_int_eq(pg_net_save_memory(net, small, 16, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_save_memory(NULL, small, 16, &got), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_save_cb(net, NULL, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_save_file(net, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_save_file(net, ""), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_load_memory(ctx, NULL, 0, &out), PG_ERR_FORMAT);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(pg_net_load_memory(ctx, NULL, 5, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_load_memory(ctx, small, 16, NULL), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_load_memory(NULL, small, 16, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_load_file(ctx, NULL, &out), PG_ERR_INVALID_ARG);
  ck_assert_int_eq(pg_net_load_file(ctx, "/nonexistent/dir/x.pgck", &out), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "/nonexistent/dir/x.pgck"));
  ck_assert_int_eq(pg_net_load_file(ctx, "/", &out), PG_ERR_IO);
  ck_assert_int_eq(pg_net_save_file(net, "/nonexistent/dir/x.pgck"), PG_ERR_IO);
  /* An unfinalized net cannot be saved. */
  pg_net *raw = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 3, 1, 0, &raw), PG_OK);
  ck_assert_int_eq(pg_net_save_memory(raw, NULL, 0, &got), PG_ERR_BAD_STATE);
  pg_net_destroy(raw);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

typedef struct cb_sink {
  unsigned char buf[8192];
  size_t n;
  int calls, fail_on;
} cb_sink;

static int sink_write(void *user, const void *data, size_t size) {
  cb_sink *s = user;
  if (++s->calls == s->fail_on) return 7;
  ck_assert_uint_le(s->n + size, sizeof s->buf);
  memcpy(s->buf + s->n, data, size);
  s->n += size;
  return 0;
}

START_TEST(test_callback) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 1, 3), *back = NULL;
  size_t size;
  unsigned char *ref = save_mem(net, &size);
  cb_sink *s = calloc(1, sizeof *s);
  ck_assert_int_eq(pg_net_save_cb(net, sink_write, s), PG_OK);
  ck_assert_uint_eq(s->n, size);
  ck_assert(memcmp(s->buf, ref, size) == 0);
  ck_assert_int_eq(pg_net_load_memory(ctx, s->buf, s->n, &back), PG_OK);
  assert_same_params(net, back);
  memset(s, 0, sizeof *s);
  s->fail_on = 1;
  ck_assert_int_eq(pg_net_save_cb(net, sink_write, s), PG_ERR_CALLBACK);
  free(s);
  free(ref);
  pg_net_destroy(net);
  pg_net_destroy(back);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- corruption ------------------------------------------------------------ */

static void expect_load_fails(const unsigned char *buf, size_t size, pg_status want,
                              const char *what) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *out = (pg_net *)&al;
  pg_status st = pg_net_load_memory(ctx, buf, size, &out);
  ck_assert_msg(st == want, "%s: status %d (%s), want %d", what, (int)st,
                pg_ctx_last_error(ctx), (int)want);
  ck_assert_ptr_null(out);
  ck_assert_msg(strstr(pg_ctx_last_error(ctx), "pg_net_load_memory") != NULL, "%s: message '%s'",
                what, pg_ctx_last_error(ctx));
  ck_assert_int_eq(al.live_blocks, 1); /* the context only */
  ck_assert_uint_lt(al.live_bytes, 4096);
  pg_policy *pol = (pg_policy *)&al;
  st = pg_policy_load_memory(ctx, buf, size, &pol);
  ck_assert_msg(st != PG_OK, "%s: policy load succeeded", what);
  ck_assert_ptr_null(pol);
  ck_assert_int_eq(al.live_blocks, 1);
  pg_ctx_destroy(ctx);
}

START_TEST(test_truncated_and_bit_flips) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 5);
  size_t size;
  unsigned char *buf = save_mem(net, &size);
  char what[64];
  for (size_t n = 0; n < size; n++) {
    snprintf(what, sizeof what, "truncated to %zu", n);
    expect_load_fails(buf, n, PG_ERR_FORMAT, what);
  }
  unsigned char *longer = malloc(size + 1);
  memcpy(longer, buf, size);
  longer[size] = 0;
  expect_load_fails(longer, size + 1, PG_ERR_FORMAT, "trailing byte");
  free(longer);
  for (size_t i = 0; i < size; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      buf[i] ^= (unsigned char)(1u << bit);
      snprintf(what, sizeof what, "byte %zu bit %d", i, bit);
      /* a flipped version: newer than this library's, or 0, or an older or
      ** newer one this library reads (then the header CRC fails) */
      uint32_t v = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 |
                   (uint32_t)buf[7] << 24;
      pg_status want = (i >= 4 && i < 8 && v > PG__FORMAT_VERSION) ? PG_ERR_VERSION
                                                                     : PG_ERR_FORMAT;
      expect_load_fails(buf, size, want, what);
      buf[i] ^= (unsigned char)(1u << bit);
    }
  }
  free(buf);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* A pg_write_fn keeping the first sizeof text - 1 bytes, NUL-terminated. */
typedef struct text_sink {
  char text[1 << 16];
  size_t size;
} text_sink;

static int write_text(void *user, const void *data, size_t size) {
  text_sink *t = user;
  size_t n = size < sizeof t->text - 1 - t->size ? size : sizeof t->text - 1 - t->size;
  memcpy(t->text + t->size, data, n);
  t->size += n;
  t->text[t->size] = '\0';
  return 0;
}

/* The policy of net (log_std: its per-row log-std on obs8): acts with the
** mean deterministically, samples with each row's own spread, saves as
** format version 5 and loads back acting alike; exports to C. */
static void check_state_std_policy(pg_ctx *ctx, pg_net *net, const float *log_std) {
  pg_policy *pol = NULL, *back = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  float mean[8 * 2]; /* row by row: a policy acts on one row, as a one-row forward */
  for (size_t r = 0; r < 8; r++) {
    ck_assert_int_eq(pg_net_forward(net, obs8 + 4 * r, 1, NULL), PG_OK);
    ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_MEAN, mean + 2 * r, 2), PG_OK);
  }
  pg_policy_session *s = NULL, *sb = NULL;
  ck_assert_int_eq(pg_policy_session_create(pol, 7, &s), PG_OK);
  for (size_t r = 0; r < 8; r++) {
    float act[2];
    ck_assert_int_eq(pg_policy_act(s, obs8 + 4 * r, 4, NULL, 0, 1, act, 2), PG_OK);
    ck_assert_msg(act[0] == mean[2 * r] && act[1] == mean[2 * r + 1], "row %zu: %.9g %.9g vs %.9g %.9g", r, (double)act[0], (double)act[1], (double)mean[2 * r], (double)mean[2 * r + 1]);
  }
  /* rows 0 and 2: the sample spread is each row's exp(log_std) (+-10%) */
  for (size_t r = 0; r < 4; r += 2) {
    double sq = 0.0;
    const int draws = 4000;
    for (int k = 0; k < draws; k++) {
      float act[2];
      ck_assert_int_eq(pg_policy_act(s, obs8 + 4 * r, 4, NULL, 0, 0, act, 2), PG_OK);
      sq += pow(act[0] - mean[2 * r], 2);
    }
    double sd = sqrt(sq / draws), want = exp(log_std[2 * r]);
    ck_assert_msg(fabs(sd / want - 1.0) < 0.1, "row %zu: spread %g, exp(log_std) %g", r, sd,
                  want);
  }
  size_t size = 0;
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(pol, buf, size, &size), PG_OK);
  ck_assert_uint_eq(buf[4], 5);
  ck_assert_int_eq(pg_policy_load_memory(ctx, buf, size, &back), PG_OK);
  pg_policy_session_destroy(s);
  ck_assert_int_eq(pg_policy_session_create(pol, 9, &s), PG_OK);
  ck_assert_int_eq(pg_policy_session_create(back, 9, &sb), PG_OK);
  for (size_t r = 0; r < 8; r++) {
    float a1[2], a2[2];
    ck_assert_int_eq(pg_policy_act(s, obs8 + 4 * r, 4, NULL, 0, 0, a1, 2), PG_OK);
    ck_assert_int_eq(pg_policy_act(sb, obs8 + 4 * r, 4, NULL, 0, 0, a2, 2), PG_OK);
    ck_assert(memcmp(a1, a2, sizeof a1) == 0);
  }
  /* the C export computes the row's log-std for sampling only (tests/export
  ** compiles it and compares the samples bit for bit) */
  static text_sink src;
  src.size = 0;
  ck_assert_int_eq(pg_policy_export_c_cb(pol, "sd", PG_EXPORT_C_SINGLE, 0, write_text, &src),
                   PG_OK);
  ck_assert_ptr_nonnull(strstr(src.text, "sd_log_std_bound(log_std, 2, -0x1.8p+1, 0x1p+1);"));
  free(buf);
  pg_policy_session_destroy(s);
  pg_policy_session_destroy(sb);
  pg_policy_destroy(pol);
  pg_policy_destroy(back);
}

/* A Gaussian head with a state-dependent log-std: saved in format version
** 5 (older readers refuse it), loaded back bit for bit, its log-std a
** bounded output per row; the same layers in an older version are refused;
** its policy acts with the per-row spread. */
START_TEST(test_state_std_round_trip) {
  pg_test_alloc al = {0};
  pg_ctx *ctx = pg_test_ctx(&al);
  pg_net *net = NULL, *back = NULL;
  ck_assert_int_eq(pg_net_create(ctx, 4, 8, 3, &net), PG_OK);
  ck_assert_int_eq(pg_net_add_dense(net, 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.4), PG_OK);
  ck_assert_int_eq(pg_net_add_gaussian_head_state_std(net, 2, PG_INIT_ORTHOGONAL, 1.0, -0.5,
                                                      -3.0, 1.0),
                   PG_OK);
  ck_assert_int_eq(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0), PG_OK);
  ck_assert_int_eq(pg_net_finalize(net), PG_OK);
  size_t size, size2;
  unsigned char *buf = save_mem(net, &size);
  ck_assert(memcmp(buf, "PGCK\5\0\0\0\1\0\0\0", 12) == 0);
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &back), PG_OK);
  assert_same_params(net, back);
  assert_same_outputs(net, back, 1);
  float la[8 * 2], lb[8 * 2];
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOG_STD, la, 8 * 2 - 1), PG_ERR_SHAPE);
  ck_assert_int_eq(pg_net_get_output(net, PG_NET_OUTPUT_LOG_STD, la, 8 * 2), PG_OK);
  ck_assert_int_eq(pg_net_get_output(back, PG_NET_OUTPUT_LOG_STD, lb, 8 * 2), PG_OK);
  ck_assert(memcmp(la, lb, sizeof la) == 0);
  bool varies = false;
  for (size_t i = 0; i < 16; i++) {
    ck_assert(la[i] > -3.0f && la[i] < 1.0f);
    varies |= la[i] != la[i % 2];
  }
  ck_assert(varies); /* per row, not one vector */
  unsigned char *buf2 = save_mem(back, &size2);
  ck_assert_uint_eq(size, size2);
  ck_assert(memcmp(buf, buf2, size) == 0);
  /* the log_std layer in a version-4 file: refused */
  buf2[4] = 4;
  uint32_t c = pg__crc32(0, buf2, 20);
  for (int i = 0; i < 4; i++) buf2[20 + i] = (unsigned char)(c >> (8 * i));
  pg_net *old = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf2, size2, &old), PG_ERR_FORMAT);
  ck_assert_ptr_null(old);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "needs 5"));
  check_state_std_policy(ctx, net, la);
  free(buf);
  free(buf2);
  pg_net_destroy(net);
  pg_net_destroy(back);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(al.live_blocks, 0);
}
END_TEST

START_TEST(test_magic_and_version) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 5), *out = NULL;
  size_t size;
  unsigned char *buf = save_mem(net, &size);
  buf[0] = 'X';
  expect_load_fails(buf, size, PG_ERR_FORMAT, "wrong magic");
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "magic"));
  buf[0] = 'P';
  buf[4] = PG__FORMAT_VERSION + 1; /* a newer version, header CRC fixed up */
  uint32_t c = pg__crc32(0, buf, 20);
  for (int i = 0; i < 4; i++) buf[20 + i] = (unsigned char)(c >> (8 * i));
  expect_load_fails(buf, size, PG_ERR_VERSION, "version 3");
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_ERR_VERSION);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "newer"));
  buf[4] = 0;
  expect_load_fails(buf, size, PG_ERR_FORMAT, "version 0");
  free(buf);
  const char junk[] = "hello, world, this is not a checkpoint at all";
  expect_load_fails((const unsigned char *)junk, sizeof junk, PG_ERR_FORMAT, "text");
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Hand-built checkpoints with valid CRCs and hostile contents, in format
** version 1 (release 0.1.0: five fields per layer, the head's role stored
** as its kind), which loaders keep accepting. */
enum { V1_DENSE = 0, V1_CATEGORICAL = 1, V1_GAUSSIAN = 2, V1_VALUE = 3, V1_Q = 4 };
typedef struct v1_layer {
  uint32_t kind, units, activation, init;
  float gain;
} v1_layer;
typedef struct v1_arch {
  uint32_t input_dim, max_batch;
  uint64_t seed;
  float log_std_init;
  uint32_t n_layers, n_trunk;
  v1_layer layer[40];
} v1_arch;

static void v1_arch_write(pg__writer *w, const void *obj) {
  const v1_arch *a = obj;
  pg__w_u32(w, a->input_dim);
  pg__w_u32(w, a->max_batch);
  pg__w_u64(w, a->seed);
  pg__w_f32(w, a->log_std_init);
  pg__w_u32(w, a->n_layers);
  pg__w_u32(w, a->n_trunk);
  for (uint32_t i = 0; i < a->n_layers && i < 40; i++) {
    const v1_layer *l = &a->layer[i];
    pg__w_u32(w, l->kind);
    pg__w_u32(w, l->units);
    pg__w_u32(w, l->activation);
    pg__w_u32(w, l->init);
    pg__w_f32(w, l->gain);
  }
}

typedef struct crafted {
  uint32_t kind, n_sections;
  v1_arch arch;
  uint64_t parm_count;
  size_t parm_floats; /* floats actually present */
  int skip_parm, extra_unknown, dup_arch;
} crafted;

static void crafted_parm(pg__writer *w, const void *obj) {
  const crafted *c = obj;
  pg__w_u64(w, c->parm_count);
  for (size_t i = 0; i < c->parm_floats; i++) pg__w_f32(w, 0.25f);
}
static void crafted_unknown(pg__writer *w, const void *obj) { pg__w_u32(w, 0xdeadbeefu); }

static void crafted_ckpt(pg__writer *w, const void *obj) {
  const crafted *c = obj;
  pg__w_header_version(w, 1, c->kind, c->n_sections);
  if (c->extra_unknown) pg__w_section(w, PG__TAG('X', 'T', 'R', 'A'), crafted_unknown, c);
  pg__w_section(w, PG__TAG_ARCH, v1_arch_write, &c->arch);
  if (c->dup_arch) pg__w_section(w, PG__TAG_ARCH, v1_arch_write, &c->arch);
  if (!c->skip_parm) pg__w_section(w, PG__TAG_PARM, crafted_parm, c);
}

static unsigned char *craft(const crafted *c, size_t *size) {
  *size = (size_t)pg__ckpt_size(crafted_ckpt, c);
  unsigned char *buf = malloc(*size);
  size_t got;
  ck_assert_int_eq(pg__ckpt_save_memory(NULL, "t", crafted_ckpt, c, buf, *size, &got), PG_OK);
  return buf;
}

static crafted good_crafted(void) {
  crafted c;
  memset(&c, 0, sizeof c);
  c.kind = PG__KIND_NET;
  c.n_sections = 2;
  c.arch.input_dim = 3;
  c.arch.max_batch = 2;
  c.arch.n_layers = 2;
  c.arch.n_trunk = 1;
  c.arch.layer[0] = (v1_layer){V1_DENSE, 5, PG_ACTIVATION_TANH, PG_INIT_GLOROT_UNIFORM, 1.0f};
  c.arch.layer[1] = (v1_layer){V1_CATEGORICAL, 2, PG_ACTIVATION_LINEAR, PG_INIT_ORTHOGONAL, 0.01f};
  c.parm_count = c.parm_floats = 3 * 5 + 5 + 5 * 2 + 2;
  return c;
}

static void crafted_case(const crafted *c, pg_status want, const char *what) {
  size_t size;
  unsigned char *buf = craft(c, &size);
  expect_load_fails(buf, size, want, what);
  free(buf);
}

START_TEST(test_crafted) {
  crafted c = good_crafted();
  size_t size;
  unsigned char *buf = craft(&c, &size);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *out = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_OK);
  pg_net_destroy(out);
  free(buf);
  c.extra_unknown = 1; /* unknown sections are skipped */
  c.n_sections = 3;
  buf = craft(&c, &size);
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_OK);
  pg_net_destroy(out);
  free(buf);
  pg_ctx_destroy(ctx);

#define CASE(field_stmt, want, what)     \
  do {                                   \
    crafted k = good_crafted();          \
    field_stmt;                          \
    crafted_case(&k, want, what);        \
  } while (0)
  CASE(k.parm_count = 31, PG_ERR_FORMAT, "param count one short");
  CASE((k.parm_count = 33, k.parm_floats = 33), PG_ERR_FORMAT, "param count one long");
  CASE(k.parm_count = (uint64_t)1 << 62, PG_ERR_FORMAT, "absurd param count");
  CASE(k.parm_floats = 10, PG_ERR_FORMAT, "params missing");
  CASE(k.arch.layer[0].units = 1u << 24, PG_ERR_FORMAT, "layer 2^24 wide, params absent");
  CASE(k.arch.layer[0].units = 0xFFFFFFFFu, PG_ERR_FORMAT, "absurd units");
  CASE(k.arch.input_dim = 0, PG_ERR_FORMAT, "input_dim 0");
  CASE((k.arch.max_batch = 1u << 24, k.arch.input_dim = 1u << 20), PG_ERR_FORMAT,
       "absurd max_batch x input");
  CASE(k.arch.n_layers = 33, PG_ERR_FORMAT, "33 layers");
  CASE(k.arch.n_layers = 0, PG_ERR_FORMAT, "0 layers");
  CASE(k.arch.n_trunk = 2, PG_ERR_FORMAT, "no head");
  CASE(k.arch.layer[1].kind = 9, PG_ERR_FORMAT, "unknown head kind");
  CASE(k.arch.layer[0].kind = V1_VALUE, PG_ERR_FORMAT, "head in the trunk");
  CASE(k.arch.layer[1].units = 1, PG_ERR_FORMAT, "1-action categorical");
  CASE(k.arch.layer[0].activation = 17, PG_ERR_FORMAT, "unknown activation");
  CASE(k.arch.layer[1].activation = PG_ACTIVATION_TANH, PG_ERR_FORMAT, "head activation");
  CASE(k.arch.layer[0].init = 0, PG_ERR_FORMAT, "unknown init");
  CASE(k.arch.layer[0].gain = -1.0f, PG_ERR_FORMAT, "negative gain");
  CASE(k.arch.layer[0].gain = NAN, PG_ERR_FORMAT, "NaN gain");
  CASE((k.arch.n_layers = 3, k.arch.layer[2] = k.arch.layer[1]), PG_ERR_FORMAT, "duplicate head");
  CASE(k.skip_parm = 1, PG_ERR_FORMAT, "no PARM section");
  CASE(k.n_sections = 3, PG_ERR_FORMAT, "section count too high");
  CASE(k.n_sections = 0xFFFFFFFFu, PG_ERR_FORMAT, "absurd section count");
  CASE(k.n_sections = 1, PG_ERR_FORMAT, "section count too low");
  CASE((k.dup_arch = 1, k.n_sections = 3), PG_ERR_FORMAT, "duplicate ARCH");
  CASE(k.kind = PG__KIND_AGENT, PG_ERR_FORMAT, "agent kind");
  CASE(k.kind = 77, PG_ERR_FORMAT, "unknown kind");
#undef CASE
  /* Non-finite parameters are refused too. */
  crafted k = good_crafted();
  unsigned char *b = craft(&k, &size);
  memcpy(b + size - 8, "\0\0\xc0\x7f", 4); /* last float = NaN; fix the CRC */
  size_t body_start = size - 4 - (8 + 4 * k.parm_floats) - 12;
  uint32_t crc = pg__crc32(0, b + body_start, size - 4 - body_start);
  for (int i = 0; i < 4; i++) b[size - 4 + i] = (unsigned char)(crc >> (8 * i));
  expect_load_fails(b, size, PG_ERR_FORMAT, "NaN parameter");
  free(b);
}
END_TEST

/* expect_load_fails, and the message names the reason (contains what). */
static void expect_message(const unsigned char *buf, size_t size, pg_status want,
                           const char *what) {
  expect_load_fails(buf, size, want, what);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *out = NULL;
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), want);
  ck_assert_msg(strstr(pg_ctx_last_error(ctx), what) != NULL, "'%s' lacks '%s'",
                pg_ctx_last_error(ctx), what);
  pg_ctx_destroy(ctx);
}

/* ---- hand-made version-2 net checkpoints ------------------------------------
** The ARCH body as u32 words (floats by their bits), less `cut` bytes at its
** end and with `extra` zero bytes after it; PARM with `parm_extra` zero
** bytes after the values, or only `parm_cut` bytes of its body. */
enum { W_RANK, W_DIM0, W_DIM1, W_DIM2, W_BATCH, W_SEED, W_SEED_HI, W_LOG_STD, W_LAYERS, W_TRUNK,
       W_L0 = 10, W_L1 = 17, W_ARCH_WORDS = 24 };
enum { L_KIND, L_ROLE, L_LEN, L_UNITS, L_ACT, L_INIT, L_GAIN }; /* offsets in a dense record */
typedef struct arch2 {
  uint32_t w[W_ARCH_WORDS];
  size_t cut, extra, parm_extra, parm_cut;
} arch2;

static uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void arch2_arch(pg__writer *w, const void *obj) {
  const arch2 *a = obj;
  unsigned char b[4 * W_ARCH_WORDS + 16] = {0};
  for (size_t i = 0; i < W_ARCH_WORDS; i++)
    for (int k = 0; k < 4; k++) b[4 * i + (size_t)k] = (unsigned char)(a->w[i] >> (8 * k));
  pg__w_bytes(w, b, 4 * W_ARCH_WORDS - a->cut + a->extra);
}
static void arch2_parm(pg__writer *w, const void *obj) {
  const arch2 *a = obj;
  unsigned char b[8 + 4 * 32 + 8] = {0};
  b[0] = 32; /* u64 count, then 32 floats of 0 and parm_extra zero bytes */
  pg__w_bytes(w, b, a->parm_cut ? a->parm_cut : 8 + 4 * 32 + a->parm_extra);
}
static void arch2_ckpt(pg__writer *w, const void *obj) {
  pg__w_header_version(w, 2, PG__KIND_NET, 2);
  pg__w_section(w, PG__TAG_ARCH, arch2_arch, obj);
  pg__w_section(w, PG__TAG_PARM, arch2_parm, obj);
}

/* 3 inputs, dense 5 tanh, categorical 2: 32 parameters */
static arch2 good_arch2(void) {
  arch2 a;
  memset(&a, 0, sizeof a);
  uint32_t head[W_L0] = {1, 3, 0, 0, 2, 7, 0, f32_bits(0.0f), 2, 1};
  memcpy(a.w, head, sizeof head);
  uint32_t l0[7] = {1, 0, 16, 5, PG_ACTIVATION_TANH, PG_INIT_GLOROT_UNIFORM, f32_bits(1.0f)};
  uint32_t l1[7] = {1, 1, 16, 2, PG_ACTIVATION_LINEAR, PG_INIT_ORTHOGONAL, f32_bits(0.01f)};
  memcpy(a.w + W_L0, l0, sizeof l0);
  memcpy(a.w + W_L1, l1, sizeof l1);
  return a;
}

/* Loading a gives PG_ERR_FORMAT with what in the message. */
static void arch2_case(const arch2 *a, const char *what) {
  size_t size = (size_t)pg__ckpt_size(arch2_ckpt, a), got = 0;
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg__ckpt_save_memory(NULL, "t", arch2_ckpt, a, buf, size, &got), PG_OK);
  expect_message(buf, size, PG_ERR_FORMAT, what);
  free(buf);
}

START_TEST(test_crafted_v2) {
  arch2 g = good_arch2();
  size_t size = (size_t)pg__ckpt_size(arch2_ckpt, &g), got = 0;
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg__ckpt_save_memory(NULL, "t", arch2_ckpt, &g, buf, size, &got), PG_OK);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *out = NULL;
  ck_assert_msg(pg_net_load_memory(ctx, buf, size, &out) == PG_OK, "%s", pg_ctx_last_error(ctx));
  size_t np = 0;
  ck_assert_int_eq(pg_net_param_count(out, &np), PG_OK);
  ck_assert_uint_eq(np, 32);
  pg_net_destroy(out);
  pg_ctx_destroy(ctx);
  free(buf);
#define CASE(field_stmt, what)  \
  do {                          \
    arch2 k = good_arch2();     \
    field_stmt;                 \
    arch2_case(&k, what);       \
  } while (0)
  CASE(k.cut = 4 * W_ARCH_WORDS - 30, "ARCH section too short");
  CASE(k.w[W_RANK] = 0, "input rank 0");
  CASE(k.w[W_RANK] = 4, "input rank 4");
  CASE(k.w[W_DIM1] = 2, "input dimension 1 beyond the rank");
  CASE((k.w[W_RANK] = 3, k.w[W_DIM1] = 4096, k.w[W_DIM2] = 4096), "input_dim");
  CASE(k.w[W_BATCH] = 0, "max_batch 0 not in");
  CASE(k.cut = 4 * (W_ARCH_WORDS - W_L1 - 2), "layer 1: record header cut short");
  CASE(k.w[W_L0 + L_LEN] = 1000, "a 1000-byte record");
  CASE(k.w[W_L1 + L_LEN] = 12, "length does not match the kind");
  CASE(k.extra = 4, "4 bytes after the last layer");
  CASE(k.w[W_L0 + L_KIND] = 999, "unknown kind 999");
  CASE(k.w[W_L0 + L_ROLE] = 1, "layer 0 has role 1");
  CASE(k.w[W_L1 + L_ROLE] = 9, "layer 1");
  CASE(k.w[W_L1 + L_ROLE] = 3, "a value head has 1 output");
  CASE((k.w[W_L1 + L_ROLE] = 2, k.w[W_LOG_STD] = f32_bits(30.0f)), "log_std_init 30 not in");
  CASE(k.parm_extra = 2, "PARM");
  CASE(k.parm_cut = 4, "PARM section of 4 bytes cannot hold 32 parameters");
#undef CASE
}
END_TEST

/* A 24-byte header: magic, version 2, kind, sections, flags, CRC. */
static void put_header(unsigned char *h, uint32_t kind, uint32_t n_sections, uint32_t flags) {
  uint32_t v[4] = {2, kind, n_sections, flags};
  memcpy(h, "PGCK", 4);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++) h[4 + 4 * i + k] = (unsigned char)(v[i] >> (8 * k));
  uint32_t crc = pg__crc32(0, h, 20);
  for (int k = 0; k < 4; k++) h[20 + k] = (unsigned char)(crc >> (8 * k));
}

/* The framing: header flags, a section header that overruns (its tag
** printed with '?' for bytes that are not printable), a section count the
** size cannot hold, and files that are not checkpoints (a folder, a sparse
** file over 1 GiB, a path too long). */
START_TEST(test_framing_refusals) {
  unsigned char b[64] = {0};
  put_header(b, PG__KIND_NET, 1, 1);
  expect_message(b, 24, PG_ERR_FORMAT, "unknown header flags 0x1");
  put_header(b, PG__KIND_NET, 1, 0);
  const unsigned char sect[12] = {'A', 1, 'C', 0x80, 0xff, 0xff, 0, 0, 0, 0, 0, 0};
  memcpy(b + 24, sect, sizeof sect);
  expect_message(b, 24 + 12 + 4, PG_ERR_FORMAT, "section 'A?C?' claims 65535 bytes");
  expect_message(b, 24 + 8, PG_ERR_FORMAT, "1 sections cannot fit in 8 bytes");

  char dir[256], path[300];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_framing");
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *out = NULL;
  ck_assert_int_eq(pg_net_load_file(ctx, dir, &out), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "is not a regular file"));
  snprintf(path, sizeof path, "%s/huge.pgck", dir);
  FILE *fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  ck_assert_int_eq(fwrite(b, 1, 24, fp), 24);
  fclose(fp);
  ck_assert_int_eq(truncate(path, (off_t)((1LL << 30) + 1)), 0); /* sparse */
  ck_assert_int_eq(pg_net_load_file(ctx, path, &out), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "larger than 1 GiB"));
  ck_assert_ptr_null(out);
  ck_assert_int_eq(unlink(path), 0);
  /* a save to a path longer than the system's limit: refused, nothing written */
  size_t n = 5000;
  char *longp = malloc(n + 1);
  ck_assert_ptr_nonnull(longp);
  memset(longp, 'a', n);
  longp[n] = '\0';
  memcpy(longp, dir, strlen(dir));
  longp[strlen(dir)] = '/';
  pg_net *net = make_net(ctx, 0, 3);
  ck_assert_int_eq(pg_net_save_file(net, longp), PG_ERR_IO);
  ck_assert_int_eq(pg_test_count_entries(dir), 0);
  free(longp);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_policy_kind_into_net) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 5), *out = NULL;
  pg_policy *pol = NULL;
  ck_assert_int_eq(pg_policy_from_net(net, &pol), PG_OK);
  size_t size;
  ck_assert_int_eq(pg_policy_save_memory(pol, NULL, 0, &size), PG_OK);
  unsigned char *buf = malloc(size);
  ck_assert_int_eq(pg_policy_save_memory(pol, buf, size, &size), PG_OK);
  ck_assert_int_eq(pg_net_load_memory(ctx, buf, size, &out), PG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "pg_policy_load"));
  free(buf);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- allocation failures ---------------------------------------------------- */

static unsigned char *g_ckpt;
static size_t g_ckpt_size;
static char g_path[256];

static void make_global_ckpt(void) {
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 9);
  g_ckpt = save_mem(net, &g_ckpt_size);
  snprintf(g_path, sizeof g_path, "%s/check_io_alloc_%ld.pgck",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
  ck_assert_int_eq(pg_net_save_file(net, g_path), PG_OK);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}

static pg_status op_load(pg_ctx *ctx, void *user) {
  int which = *(int *)user;
  pg_net *net = NULL;
  pg_policy *pol = NULL;
  pg_policy_session *ses = NULL;
  pg_status st;
  switch (which) {
  case 0: st = pg_net_load_memory(ctx, g_ckpt, g_ckpt_size, &net); break;
  case 1: st = pg_net_load_file(ctx, g_path, &net); break;
  case 2: st = pg_policy_load_memory(ctx, g_ckpt, g_ckpt_size, &pol); break;
  default:
    st = pg_policy_load_file(ctx, g_path, &pol);
    if (st == PG_OK) {
      st = pg_policy_session_create(pol, 1, &ses);
      if (st == PG_OK) {
        size_t sz;
        /* file save: the temporary name is the one allocation */
        st = pg_policy_save_file(pol, g_path);
        if (st == PG_OK) st = pg_policy_save_memory(pol, NULL, 0, &sz);
      }
    }
    break;
  }
  if (st != PG_OK) {
    ck_assert_ptr_null(net);
    if (which != 3) ck_assert_ptr_null(pol);
  }
  pg_policy_session_destroy(ses);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  return st;
}

START_TEST(test_every_alloc_fails) {
  make_global_ckpt();
  int which = _i;
  long n = pg_test_every_alloc_fails(op_load, &which);
  ck_assert_int_ge(n, 2);
  unlink(g_path);
  free(g_ckpt);
}
END_TEST

/* ---- atomic saves ------------------------------------------------------------ */

static pg_status save_net(const void *net, const char *path) {
  return pg_net_save_file(net, path);
}

START_TEST(test_atomic_save) {
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_atomic");
  char path[300];
  snprintf(path, sizeof path, "%s/policy.pgck", dir);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *v1 = make_net(ctx, 0, 100), *v2 = make_net(ctx, 0, 200), *back = NULL;
  mode_t mask = umask(022);
  ck_assert_int_eq(pg_net_save_file(v1, path), PG_OK);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0644);
  pg_test_save_under_faults(save_net, v2, path);
  ck_assert_int_eq(pg_net_load_file(ctx, path, &back), PG_OK);
  assert_same_params(v1, back); /* the driver put v1 back */
  pg_net_destroy(back);
  back = NULL;
  /* A failure names the stage and promises the previous file. */
  pg_test_fault f = pg_test_no_fault();
  f.fail_rename = 1;
  pg__file_io io = pg_test_fault_io(&f);
  ck_assert_int_eq(pg__net_save_file_io(v2, path, &io), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "rename"));
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "previous file is unchanged"));
  ck_assert_int_eq(pg_net_save_file(v2, path), PG_OK);
  ck_assert_int_eq(pg_net_load_file(ctx, path, &back), PG_OK);
  assert_same_params(v2, back);
  assert_same_outputs(v2, back, 0);
  ck_assert_int_eq(pg_test_count_entries(dir), 1);
  pg_net_destroy(back);
  umask(mask);
  unlink(path);
  rmdir(dir);
  pg_net_destroy(v1);
  pg_net_destroy(v2);
  pg_ctx_destroy(ctx);
}
END_TEST

static pg_status save_policy(const void *policy, const char *path) {
  return pg_policy_save_file(policy, path);
}

START_TEST(test_atomic_save_policy) {
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_policy_atomic");
  char path[300];
  snprintf(path, sizeof path, "%s/policy.pgck", dir);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *v1 = make_net(ctx, 1, 100), *v2 = make_net(ctx, 1, 200);
  pg_policy *p1 = NULL, *p2 = NULL;
  ck_assert_int_eq(pg_policy_from_net(v1, &p1), PG_OK);
  ck_assert_int_eq(pg_policy_from_net(v2, &p2), PG_OK);
  ck_assert_int_eq(pg_policy_save_file(p1, path), PG_OK);
  pg_test_save_under_faults(save_policy, p2, path);
  unlink(path);
  rmdir(dir);
  pg_policy_destroy(p1);
  pg_policy_destroy(p2);
  pg_net_destroy(v1);
  pg_net_destroy(v2);
  pg_ctx_destroy(ctx);
}
END_TEST

static mode_t mode_of(const char *path) {
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  return st.st_mode & 07777;
}

/* The saved file keeps the mode of the one it replaces; a new one honours
** the umask (it was always 0644 before). */
START_TEST(test_save_modes) {
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_modes");
  char path[300];
  snprintf(path, sizeof path, "%s/net.pgck", dir);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *net = make_net(ctx, 0, 7);
  mode_t mask = umask(077);
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0600); /* new file, umask 077 */
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0600);
  umask(022);
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0600); /* a 0600 original stays 0600 */
  ck_assert_int_eq(chmod(path, 0640), 0);
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0640);
  ck_assert_int_eq(chmod(path, 0444), 0); /* read-only originals are replaced too */
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0444);
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(pg_net_save_file(net, path), PG_OK);
  ck_assert_int_eq(mode_of(path), 0644); /* new file, umask 022 */
  ck_assert_int_eq(unlink(path), 0);
  ck_assert_int_eq(mkdir(path, 0700), 0); /* not a regular file: refused, untouched */
  ck_assert_int_eq(pg_net_save_file(net, path), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "not a regular file"));
  ck_assert_int_eq(rmdir(path), 0);
  ck_assert_int_eq(pg_test_count_entries(dir), 0);
  umask(mask);
  rmdir(dir);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
}
END_TEST

static bool is_link(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Saving to a symbolic link writes through to the file it names (chains
** and relative targets included, a dangling link creates its target) and
** leaves the link a link; a loop of links is refused. */
START_TEST(test_save_symlinks) {
  char dir[256];
  pg_test_make_tmpdir(dir, sizeof dir, "check_io_links");
  char target[300], link1[300], link2[300], sub[300], loop_a[300], loop_b[300];
  snprintf(target, sizeof target, "%s/real.pgck", dir);
  snprintf(link1, sizeof link1, "%s/link1", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  snprintf(link2, sizeof link2, "%s/sub/link2", dir);
  snprintf(loop_a, sizeof loop_a, "%s/loop_a", dir);
  snprintf(loop_b, sizeof loop_b, "%s/loop_b", dir);
  pg_ctx *ctx = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  pg_net *v1 = make_net(ctx, 0, 1), *v2 = make_net(ctx, 0, 2), *back = NULL;
  mode_t mask = umask(022);
  ck_assert_int_eq(pg_net_save_file(v1, target), PG_OK);
  ck_assert_int_eq(chmod(target, 0600), 0);
  ck_assert_int_eq(symlink("real.pgck", link1), 0);      /* relative, same folder */
  ck_assert_int_eq(mkdir(sub, 0700), 0);
  ck_assert_int_eq(symlink("../link1", link2), 0);       /* a chain, relative to sub */
  ck_assert_int_eq(pg_net_save_file(v2, link2), PG_OK);
  ck_assert(is_link(link1));
  ck_assert(is_link(link2));
  ck_assert_int_eq(mode_of(target), 0600);
  ck_assert_int_eq(pg_net_load_file(ctx, target, &back), PG_OK);
  assert_same_params(v2, back);
  pg_net_destroy(back);
  back = NULL;
  ck_assert_int_eq(pg_test_count_entries(dir), 3); /* real.pgck, link1, sub */
  ck_assert_int_eq(pg_test_count_entries(sub), 1);
  /* A dangling link: its target is created. */
  ck_assert_int_eq(unlink(target), 0);
  ck_assert_int_eq(pg_net_save_file(v1, link1), PG_OK);
  ck_assert(is_link(link1));
  ck_assert_int_eq(mode_of(target), 0644);
  ck_assert_int_eq(pg_net_load_file(ctx, target, &back), PG_OK);
  assert_same_params(v1, back);
  pg_net_destroy(back);
  /* A loop: refused, nothing created. */
  ck_assert_int_eq(symlink("loop_b", loop_a), 0);
  ck_assert_int_eq(symlink("loop_a", loop_b), 0);
  ck_assert_int_eq(pg_net_save_file(v1, loop_a), PG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(pg_ctx_last_error(ctx), "symbolic link"));
  ck_assert(is_link(loop_a));
  ck_assert_int_eq(pg_test_count_entries(dir), 5);
  umask(mask);
  unlink(loop_a);
  unlink(loop_b);
  unlink(link2);
  rmdir(sub);
  unlink(link1);
  unlink(target);
  rmdir(dir);
  pg_net_destroy(v1);
  pg_net_destroy(v2);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("io");
  TCase *tc = tcase_create("io");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_crc32);
  tcase_add_test(tc, test_state_std_round_trip);
  tcase_add_loop_test(tc, test_round_trip_memory, 0, 2);
  tcase_add_test(tc, test_size_query_and_errors);
  tcase_add_test(tc, test_callback);
  tcase_add_test(tc, test_truncated_and_bit_flips);
  tcase_add_test(tc, test_magic_and_version);
  tcase_add_test(tc, test_crafted);
  tcase_add_test(tc, test_crafted_v2);
  tcase_add_test(tc, test_framing_refusals);
  tcase_add_test(tc, test_policy_kind_into_net);
  tcase_add_loop_test(tc, test_every_alloc_fails, 0, 4);
  tcase_add_test(tc, test_atomic_save);
  tcase_add_test(tc, test_atomic_save_policy);
  tcase_add_test(tc, test_save_modes);
  tcase_add_test(tc, test_save_symlinks);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
