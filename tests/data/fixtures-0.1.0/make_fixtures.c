/* Writes the release-0.1.0 checkpoint fixtures of this folder and
** expected_nn.h, the outputs and actions they must reproduce. It was built
** and run once against release 0.1.0 (format version 1) and is kept as the
** record of how the files were made; it is not part of the build:
**   cc -Iinclude tests/data/fixtures-0.1.0/make_fixtures.c -Lbuild \
**      -lpolicygrad -lm -o /tmp/mk && (cd tests/data/fixtures-0.1.0 && /tmp/mk)
** Net fixtures are named net-*.pgn, policy fixtures policy-*.pgp. */
#include <policygrad.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                          \
  do {                                                                    \
    if ((x) != PG_OK) {                                                   \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x,          \
              pg_ctx_last_error(ctx));                                    \
      exit(1);                                                            \
    }                                                                     \
  } while (0)

#define ROWS 3
#define STEPS 16

static pg_ctx *ctx;
static FILE *hdr;

static float input_value(size_t row, size_t j) {
  return (float)sin(0.7 * (double)(row * 13 + j) + 0.3) * 1.5f;
}

/* Moves every parameter off its initial value (biases become non-zero). */
static void perturb(pg_net *net) {
  size_t n;
  CHECK(pg_net_param_count(net, &n));
  float *p = malloc(n * sizeof *p);
  CHECK(pg_net_get_params(net, 0, n, p));
  for (size_t i = 0; i < n; i++) p[i] += 0.05f * (float)cos(0.37 * (double)i);
  CHECK(pg_net_set_params(net, 0, n, p));
  free(p);
}

static void emit_floats(const char *name, const float *v, size_t n) {
  fprintf(hdr, "static const float %s[%zu] = {", name, n ? n : 1);
  for (size_t i = 0; i < n; i++) fprintf(hdr, "%s%a", i ? ", " : "", (double)v[i]);
  if (!n) fprintf(hdr, "0");
  fprintf(hdr, "};\n");
}

static void emit_outputs(const char *id, pg_net *net, size_t input_dim) {
  float x[ROWS * 16], buf[ROWS * 16];
  for (size_t r = 0; r < ROWS; r++)
    for (size_t j = 0; j < input_dim; j++) x[r * input_dim + j] = input_value(r, j);
  CHECK(pg_net_forward(net, x, ROWS, NULL));
  static const struct { pg_net_output which; const char *name; } outs[] = {
      {PG_NET_OUTPUT_LOGITS, "logits"}, {PG_NET_OUTPUT_PROBS, "probs"},
      {PG_NET_OUTPUT_LOG_PROBS, "log_probs"}, {PG_NET_OUTPUT_ENTROPY, "entropy"},
      {PG_NET_OUTPUT_MEAN, "mean"}, {PG_NET_OUTPUT_LOG_STD, "log_std"},
      {PG_NET_OUTPUT_VALUE, "value"}, {PG_NET_OUTPUT_Q, "q"}};
  for (size_t o = 0; o < sizeof outs / sizeof outs[0]; o++) {
    size_t w;
    CHECK(pg_net_output_size(net, outs[o].which, &w));
    size_t rows = outs[o].which == PG_NET_OUTPUT_LOG_STD ? 1 : ROWS;
    char name[96];
    snprintf(name, sizeof name, "%s_%s", id, outs[o].name);
    if (w) CHECK(pg_net_get_output(net, outs[o].which, buf, sizeof buf / sizeof buf[0]));
    emit_floats(name, buf, w ? rows * w : 0);
  }
}

/* Actions of a policy on the fixture inputs: STEPS sampled (session seed 7)
** and ROWS greedy ones. */
static void emit_actions(const char *id, pg_policy *pol) {
  size_t obs, asize, nact;
  int32_t kind;
  CHECK(pg_policy_get_shape(pol, &obs, &asize, &nact, &kind));
  pg_policy_session *s;
  CHECK(pg_policy_session_create(pol, 7, &s));
  float x[16], a[16], out[(STEPS + ROWS) * 16];
  size_t n = 0;
  for (int det = 0; det < 2; det++) {
    int steps = det ? ROWS : STEPS;
    for (int t = 0; t < steps; t++) {
      for (size_t j = 0; j < obs; j++) x[j] = input_value((size_t)t % ROWS, j);
      pg_status st = pg_policy_act(s, x, obs, NULL, 0, det, a, asize);
      if (st == PG_ERR_UNSUPPORTED) break; /* a Q policy acts only greedily */
      if (st != PG_OK) {
        fprintf(stderr, "%s: %s\n", id, pg_policy_session_last_error(s));
        exit(1);
      }
      for (size_t j = 0; j < asize; j++) out[n++] = a[j];
    }
  }
  char name[96];
  snprintf(name, sizeof name, "%s_actions", id);
  emit_floats(name, out, n);
  pg_policy_session_destroy(s);
}

static pg_net *make_net(size_t input_dim, uint64_t seed) {
  pg_net *net;
  CHECK(pg_net_create(ctx, input_dim, 8, seed, &net));
  return net;
}

static void finish(const char *id, pg_net *net, size_t input_dim, int acts) {
  CHECK(pg_net_finalize(net));
  perturb(net);
  char path[96];
  snprintf(path, sizeof path, "net-%s.pgn", id);
  CHECK(pg_net_save_file(net, path));
  char cid[64];
  snprintf(cid, sizeof cid, "net_%s", id);
  for (char *c = cid; *c; c++) if (*c == '-') *c = '_';
  emit_outputs(cid, net, input_dim);
  if (acts) {
    pg_policy *pol;
    CHECK(pg_policy_from_net(net, &pol));
    snprintf(path, sizeof path, "policy-%s.pgp", id);
    CHECK(pg_policy_save_file(pol, path));
    snprintf(cid, sizeof cid, "policy_%s", id);
    for (char *c = cid; *c; c++) if (*c == '-') *c = '_';
    emit_actions(cid, pol);
    pg_policy_destroy(pol);
  }
  pg_net_destroy(net);
}

int main(void) {
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  hdr = fopen("expected_nn.h", "w");
  if (!hdr) return 1;
  fprintf(hdr, "/* Written by make_fixtures.c with release 0.1.0: the outputs of the net-*\n"
               "** fixtures on %d rows of input_value() and the actions of the policy-*\n"
               "** fixtures (%d sampled with session seed 7, then %d greedy). */\n",
          ROWS, STEPS, ROWS);
  pg_net *net;

  net = make_net(4, 11); /* categorical + value on a two-layer trunk */
  CHECK(pg_net_add_dense(net, 16, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.41421356));
  CHECK(pg_net_add_dense(net, 8, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0));
  CHECK(pg_net_add_categorical_head(net, 3, PG_INIT_ORTHOGONAL, 0.01));
  CHECK(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0));
  finish("categorical-value", net, 4, 1);

  net = make_net(3, 12); /* Gaussian + value */
  CHECK(pg_net_add_dense(net, 8, PG_ACTIVATION_TANH, PG_INIT_GLOROT_UNIFORM, 1.0));
  CHECK(pg_net_add_gaussian_head(net, 2, PG_INIT_GLOROT_UNIFORM, 0.5, -0.5));
  CHECK(pg_net_add_value_head(net, PG_INIT_GLOROT_UNIFORM, 1.0));
  finish("gaussian-value", net, 3, 1);

  net = make_net(5, 13); /* Q head, sigmoid and ReLU trunk */
  CHECK(pg_net_add_dense(net, 12, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0));
  CHECK(pg_net_add_dense(net, 6, PG_ACTIVATION_SIGMOID, PG_INIT_GLOROT_UNIFORM, 1.0));
  CHECK(pg_net_add_q_head(net, 4, PG_INIT_GLOROT_UNIFORM, 1.0));
  finish("q", net, 5, 1);

  net = make_net(4, 14); /* no trunk: a linear softmax policy */
  CHECK(pg_net_add_categorical_head(net, 2, PG_INIT_GLOROT_UNIFORM, 1.0));
  finish("no-trunk", net, 4, 1);

  net = make_net(2, 15); /* a value-only net (a baseline) */
  CHECK(pg_net_add_dense(net, 5, PG_ACTIVATION_LINEAR, PG_INIT_ORTHOGONAL, 1.0));
  CHECK(pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0));
  finish("value", net, 2, 0);

  fclose(hdr);
  pg_ctx_destroy(ctx);
  return 0;
}
