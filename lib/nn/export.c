/* pg_policy_export_c: a policy as dependency-free C99 source.
**
** The generated files hold the weights as static const arrays of exact
** hexadecimal literals, the trunk and head as straight-line calls, and the
** same exp/tanh/sigmoid the library's kernels use (lib/nn/kernels.c), so
** the deterministic action equals pg_policy_act's bit for bit. Each layer
** kind writes its own part through its table's emit_c member (dense:
** lib/nn/dense.c); this file writes the frame around them: the header, the
** helpers every kind shares, the forward function, and the act and sample
** functions for the policy's head (the text primitives: lib/nn/csrc.c).
** Nothing in the output depends on paths, time or the machine, so two
** exports of one policy are byte-identical. */
#include "nn/pg_nn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PREFIX_MAX 32

/* ---- the generated frame ---------------------------------------------------- */

static const char header_top[] =
    "#ifndef $P_H_INCLUDED\n"
    "#define $P_H_INCLUDED\n"
    "\n";

static const char header_api[] =
    "\n"
    "/* Return codes. */\n"
    "#define $P_OK 0\n"
    "#define $P_ERR_MASK 1      /* the mask allows no action, or a mask for a continuous policy */\n"
    "#define $P_ERR_NONFINITE 2 /* the observation holds NaN or Inf */\n"
    "#define $P_ERR_ARG 3       /* a NULL argument */\n"
    "\n"
    "#ifdef __cplusplus\n"
    "extern \"C\" {\n"
    "#endif\n"
    "\n"
    "/* The deterministic action (argmax of the allowed logits or Q-values, or\n"
    "** the Gaussian mean) for obs ($P_OBS_SIZE floats) into action\n"
    "** ($P_ACTION_SIZE floats; a discrete action is its index as a float).\n"
    "** mask: NULL, or $P_N_ACTIONS bytes, nonzero = allowed (discrete\n"
    "** policies only). Reads only its arguments and constant data: any number\n"
    "** of threads may call it at once. Returns $P_OK or a $P_ERR_ code (action\n"
    "** untouched). Equal to pg_policy_act(..., deterministic = 1, ...) bit for\n"
    "** bit when compiled with the $P_FUSED value the exporting library reports\n"
    "** (pg_export_c_fused_mode; 0 by default). */\n"
    "int $p_act(const float *obs, const unsigned char *mask, float *action);\n"
    "\n"
    "#ifndef $P_NO_SAMPLING\n"
    "/* A sampled action, as $p_act otherwise: from the masked softmax\n"
    "** (categorical) or mean + std * N(0, 1) (Gaussian); Q-value policies act\n"
    "** greedily. uniform(user) must return doubles in [0, 1); it is called\n"
    "** once (categorical) or twice per dimension (Gaussian). Uses <math.h>\n"
    "** (exp, log, sqrt, cos): link with -lm. Define $P_NO_SAMPLING to leave it\n"
    "** out (freestanding builds). */\n"
    "int $p_act_sample(const float *obs, const unsigned char *mask,\n"
    "                  double (*uniform)(void *user), void *user, float *action);\n"
    "#endif\n"
    "\n"
    "#ifdef __cplusplus\n"
    "}\n"
    "#endif\n"
    "\n"
    "#endif /* $P_H_INCLUDED */\n";

/* Shared helpers: bits, finiteness, the contraction control, exp/tanh/
** sigmoid as lib/nn/kernels.c computes them (same constants, same order of
** operations; see its exp_core and tanh_core). */
static const char source_helpers[] =
    "#include <stdint.h>\n"
    "#ifndef $P_NO_SAMPLING\n"
    "#include <math.h>\n"
    "#endif\n"
    "\n"
    "/* Rounding of a*b + c. 0 (default): a product, then a sum, as the\n"
    "** library computes on CPUs without FMA instructions. 1: one fused\n"
    "** multiply-add where the library's kernels contract, as it computes on\n"
    "** CPUs with FMA. pg_export_c_fused_mode() says which one the library\n"
    "** uses on the machine that runs it. Mode 1 uses __builtin_fmaf (GCC,\n"
    "** clang) or C99 fmaf: an instruction where the target has one (e.g.\n"
    "** -mfma), else a libm call. The compiler must not contract on its own:\n"
    "** the functions below switch that off for GCC and clang. */\n"
    "#ifndef $P_FUSED\n"
    "#define $P_FUSED 0\n"
    "#endif\n"
    "#if $P_FUSED && defined(__GNUC__)\n"
    "#define $P_FMA(a, b, c) __builtin_fmaf((a), (b), (c))\n"
    "#elif $P_FUSED\n"
    "#include <math.h>\n"
    "#define $P_FMA(a, b, c) fmaf((a), (b), (c))\n"
    "#else\n"
    "#define $P_FMA(a, b, c) ((a) * (b) + (c))\n"
    "#endif\n"
    "#if defined(__clang__)\n"
    "#define $P_EXACT\n"
    "#define $P_NO_CONTRACT _Pragma(\"STDC FP_CONTRACT OFF\")\n"
    "#elif defined(__GNUC__)\n"
    "#define $P_EXACT __attribute__((optimize(\"fp-contract=off\")))\n"
    "#define $P_NO_CONTRACT\n"
    "#else\n"
    "#define $P_EXACT\n"
    "#define $P_NO_CONTRACT\n"
    "#endif\n"
    "\n"
    "typedef union $p_bits { float f; uint32_t u; } $p_bits;\n"
    "\n"
    "static uint32_t $p_to_bits(float f) { $p_bits b; b.f = f; return b.u; }\n"
    "\n"
    "static int $p_check(const float *obs, const unsigned char *mask, const float *action) {\n"
    "  int i, any = 0;\n"
    "  if (!obs || !action) return $P_ERR_ARG;\n"
    "  if (mask) {\n"
    "    if (!$P_N_ACTIONS) return $P_ERR_MASK;\n"
    "    for (i = 0; i < $P_N_ACTIONS; i++) any |= mask[i] != 0;\n"
    "    if (!any) return $P_ERR_MASK;\n"
    "  }\n"
    "  for (i = 0; i < $P_OBS_SIZE; i++)\n"
    "    if (($p_to_bits(obs[i]) & 0x7f800000u) == 0x7f800000u) return $P_ERR_NONFINITE;\n"
    "  return $P_OK;\n"
    "}\n"
    "\n";

static const char source_exp[] =
    "static float $p_from_bits(uint32_t u) { $p_bits b; b.u = u; return b.f; }\n"
    "\n"
    "/* e^x = p * scale; scale is a power of two, so p * scale is exact and\n"
    "** fusing it into a sum changes nothing. */\n"
    "static $P_EXACT float $p_exp_parts(float x, float *scale) {\n"
    "  $P_NO_CONTRACT\n"
    "  const float big = 12582912.0f;\n"
    "  float kb, k, r, p;\n"
    "  x = x < -87.0f ? -87.0f : x;\n"
    "  x = x > 88.0f ? 88.0f : x;\n"
    "  kb = $P_FMA(x, 1.44269504f, big);\n"
    "  k = kb - big;\n"
    "  r = $P_FMA(-k, 0.693359375f, x);\n"
    "  r = $P_FMA(-k, -2.12194440e-4f, r);\n"
    "  p = 1.0f / 5040.0f;\n"
    "  p = $P_FMA(p, r, 1.0f / 720.0f);\n"
    "  p = $P_FMA(p, r, 1.0f / 120.0f);\n"
    "  p = $P_FMA(p, r, 1.0f / 24.0f);\n"
    "  p = $P_FMA(p, r, 1.0f / 6.0f);\n"
    "  p = $P_FMA(p, r, 0.5f);\n"
    "  p = $P_FMA(p, r, 1.0f);\n"
    "  p = $P_FMA(p, r, 1.0f);\n"
    "  *scale = $p_from_bits(($p_to_bits(kb) - 0x4B400000u + 127u) << 23);\n"
    "  return p;\n"
    "}\n"
    "\n"
    ;

static const char source_tanh[] =
    "static $P_EXACT float $p_tanh(float x) {\n"
    "  $P_NO_CONTRACT\n"
    "  float a = $p_from_bits($p_to_bits(x) & 0x7fffffffu);\n"
    "  float a2 = a * a, s, c, l, scale, p;\n"
    "  s = 929569.0f / 638512875.0f;\n"
    "  s = $P_FMA(s, a2, -(21844.0f / 6081075.0f));\n"
    "  s = $P_FMA(s, a2, 1382.0f / 155925.0f);\n"
    "  s = $P_FMA(s, a2, -(62.0f / 2835.0f));\n"
    "  s = $P_FMA(s, a2, 17.0f / 315.0f);\n"
    "  s = $P_FMA(s, a2, -(2.0f / 15.0f));\n"
    "  s = $P_FMA(s, a2, 1.0f / 3.0f);\n"
    "  s = $P_FMA(-(a * a2), s, a);\n"
    "  c = a > 10.0f ? 10.0f : a;\n"
    "  p = $p_exp_parts(c + c, &scale);\n"
    "  l = 1.0f - 2.0f / (p * scale + 1.0f);\n"
    "  l = a < 0.5f ? s : l;\n"
    "  return $p_from_bits(($p_to_bits(l) & 0x7fffffffu) | ($p_to_bits(x) & 0x80000000u));\n"
    "}\n"
    "\n"
    "static void $p_tanh_inplace(float *y, int n) {\n"
    "  int i;\n"
    "  for (i = 0; i < n; i++) y[i] = $p_tanh(y[i]);\n"
    "}\n"
    "\n";

static const char source_sigmoid[] =
    "static $P_EXACT float $p_sigmoid(float x) {\n"
    "  $P_NO_CONTRACT\n"
    "  float scale, p = $p_exp_parts(-x, &scale);\n"
    "  return 1.0f / (p * scale + 1.0f);\n"
    "}\n"
    "\n"
    "static void $p_sigmoid_inplace(float *y, int n) {\n"
    "  int i;\n"
    "  for (i = 0; i < n; i++) y[i] = $p_sigmoid(y[i]);\n"
    "}\n"
    "\n";

static const char source_relu[] =
    "static void $p_relu_inplace(float *y, int n) {\n"
    "  int i;\n"
    "  for (i = 0; i < n; i++) y[i] = y[i] > 0.0f ? y[i] : 0.0f;\n"
    "}\n"
    "\n";

static const char source_argmax[] =
    "/* Index of the largest allowed v[j] (ties: the lowest), as the library's\n"
    "** argmax. */\n"
    "static int $p_argmax(const float *v, const unsigned char *mask, int k) {\n"
    "  int best = 0, found = 0, j;\n"
    "  for (j = 0; j < k; j++) {\n"
    "    if (mask && !mask[j]) continue;\n"
    "    if (!found || v[j] > v[best]) best = j;\n"
    "    found = 1;\n"
    "  }\n"
    "  return best;\n"
    "}\n"
    "\n";

/* Sampling: the masked softmax of lib/nn/engine.c (pg__softmax_row) and
** its inverse-CDF draw; Gaussian draws by Box-Muller. */
static const char source_sample_categorical[] =
    "  {\n"
    "    double mx = -HUGE_VAL, sum = 0.0, lse, u, cum = 0.0;\n"
    "    int j, last = 0;\n"
    "    for (j = 0; j < $P_N_ACTIONS; j++)\n"
    "      if ((!mask || mask[j]) && y[j] > mx) mx = y[j];\n"
    "    for (j = 0; j < $P_N_ACTIONS; j++)\n"
    "      if (!mask || mask[j]) sum += exp((double)(y[j] - (float)mx));\n"
    "    lse = mx + log(sum);\n"
    "    u = uniform(user);\n"
    "    for (j = 0; j < $P_N_ACTIONS; j++) {\n"
    "      float p;\n"
    "      if (mask && !mask[j]) continue;\n"
    "      p = (float)exp((double)y[j] - lse);\n"
    "      if (p <= 0.0f) continue;\n"
    "      cum += (double)p;\n"
    "      last = j;\n"
    "      if (u < cum) break;\n"
    "    }\n"
    "    action[0] = (float)last;\n"
    "  }\n";

/* pg__sample_gaussian's expression: the std is $p_std[i] (exp of the
** log-std block) or exp((double)log_std[i]) of the row's log-std. */
static const char source_sample_gaussian[] =
    "  {\n"
    "    int i;\n"
    "    for (i = 0; i < $P_ACTION_SIZE; i++) {\n"
    "      double u1 = uniform(user), u2 = uniform(user);\n"
    "      double n = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);\n"
    "      action[i] = (float)((double)y[i] + ";
static const char source_sample_gaussian_end[] =
    " * n);\n"
    "    }\n"
    "  }\n";

/* ---- the export ------------------------------------------------------------ */

typedef struct export_job {
  const pg__netdef *d;
  const float *params;
  uint32_t head_role;
  const char *prefix;
  const char *include_name; /* for the source part */
  int32_t part;
  uint32_t flags;           /* pg_export_c_flag */
  const float *norm;        /* the policy's observation normalization, or NULL */
  float norm_clip;
  const float *squash;      /* the policy's squash bounds (lows, highs), or NULL */
} export_job;

static size_t head_dim(const export_job *j) { return j->d->layers[j->d->n_trunk].out; }

static void write_header(pg__csrc *s, const export_job *j) {
  const pg__netdef *d = j->d;
  bool gauss = j->head_role == PG__HEAD_GAUSSIAN;
  const char *head = gauss                               ? "a Gaussian policy (continuous actions)"
                     : j->head_role == PG__HEAD_Q        ? "Q-values (greedy discrete actions)"
                                                         : "a categorical policy (discrete actions)";
  pg__csrc_printf(s,
                  "/* %s: a trained policy exported by libpolicygrad %s (pg_policy_export_c):\n"
                  "** %s on %zu inputs, %zu layers%s. Generated; do not edit.\n"
                  "** C99; no allocation, no mutable state, no library beyond what is\n"
                  "** noted at each function. docs/DEPLOYMENT.md in libpolicygrad. */\n",
                  j->prefix, pg_version_string(), head, d->input_dim, d->n_layers,
                  j->flags & PG_EXPORT_C_INT8
                      ? ", int8 weights (actions close to, not equal to, the library's)"
                      : "");
  pg__csrc_text(s, header_top);
  size_t max_width = 1;
  for (size_t i = 0; i < d->n_layers; i++)
    if (d->layers[i].out > max_width) max_width = d->layers[i].out;
  pg__csrc_printf(s,
                  "/* Floats per observation. */\n#define %s_OBS_SIZE %zu\n"
                  "/* Floats per action (1 for a discrete action: its index). */\n"
                  "#define %s_ACTION_SIZE %zu\n"
                  "/* Discrete actions (the mask length); 0 for a continuous policy. */\n"
                  "#define %s_N_ACTIONS %zu\n"
                  "/* Floats of activations an act call keeps on the stack. */\n"
                  "#define %s_STACK_FLOATS %zu\n",
                  s->upper, d->input_dim, s->upper, gauss ? head_dim(j) : 1, s->upper,
                  gauss ? 0 : head_dim(j), s->upper, 2 * max_width);
  if (j->norm)
    pg__csrc_printf(s,
                    "/* The policy normalizes each observation as its training agent did\n"
                    "** (frozen mean and scale, clipped): an act call keeps %s_OBS_SIZE\n"
                    "** more floats on the stack. */\n#define %s_NORMALIZES_OBS 1\n",
                    s->upper, s->upper);
  if (j->squash)
    pg__csrc_printf(s,
                    "/* The policy squashes its actions into their bounds, low + (tanh(u) +\n"
                    "** 1)/2 * (high - low): every act function uses <math.h> (tanh): link\n"
                    "** with -lm. */\n#define %s_SQUASHES_ACTIONS 1\n",
                    s->upper);
  pg__csrc_text(s, header_api);
}

/* The forward function: layer i reads obs (first trunk layer), the
** previous buffer, or the trunk's output (the head), and writes buffer i%2,
** as pg_policy_act does. A state-dependent log-std layer writes the array
** log_std instead, and only when it is not NULL (act_sample). */
static void write_forward(pg__csrc *s, const export_job *j) {
  const pg__netdef *d = j->d;
  pg__csrc_text(s, "static const float *$p_forward(const float *obs, float *b0, float *b1");
  pg__csrc_text(s, pg__netdef_state_std(d) ? ", float *log_std) {\n" : ") {\n");
  const char *buf[2] = {"b0", "b1"};
  const char *trunk = "obs";
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    const char *x = i < d->n_trunk ? (i ? buf[(i - 1) & 1] : "obs") : trunk;
    const float *p = j->params + l->param_off;
    if (l->role == PG__HEAD_LOG_STD) {
      pg__csrc_text(s, "#ifndef $P_NO_SAMPLING\n  if (log_std) {\n");
      l->ops->emit_c(s, PG__EMIT_FORWARD, l, i, p, x, "log_std");
      pg__csrc_text(s, "  }\n#else\n  (void)log_std;\n#endif\n");
      continue;
    }
    l->ops->emit_c(s, PG__EMIT_FORWARD, l, i, p, x, buf[i & 1]);
    if (i < d->n_trunk) trunk = buf[i & 1];
  }
  pg__csrc_printf(s, "  return %s;\n}\n\n", buf[d->n_trunk & 1]);
}

/* y = the forward of obs, normalized first when the policy normalizes
** (pg__obs_normalize's expression, in $p_normalize); log_std: the array
** for a state-dependent log-std row, or "0" (none wanted). */
static void write_forward_call(pg__csrc *s, const export_job *j, const char *log_std) {
  const char *x = "obs";
  if (j->norm) {
    pg__csrc_text(s, "  {\n    float xn[$P_OBS_SIZE];\n    $p_normalize(obs, xn);\n  ");
    x = "xn";
  }
  pg__csrc_printf(s, "  y = %s_forward(%s, b0, b1", s->prefix, x);
  if (pg__netdef_state_std(j->d)) pg__csrc_printf(s, ", %s", log_std);
  pg__csrc_text(s, j->norm ? ");\n  }\n" : ");\n");
}

/* The head of an element-wise function without contraction:
** "static $P_EXACT void <signature> {", and a loop of i over [0, bound). */
static void write_exact_loop(pg__csrc *s, const char *signature, const char *bound) {
  pg__csrc_text(s, "static $P_EXACT void ");
  pg__csrc_text(s, signature);
  pg__csrc_text(s, " {\n  $P_NO_CONTRACT\n  int i;\n  for (i = 0; i < ");
  pg__csrc_text(s, bound);
  pg__csrc_text(s, "; i++) {\n");
}

/* The normalization's constants and $p_normalize (as pg__obs_normalize). */
static void write_normalize(pg__csrc *s, const export_job *j) {
  size_t dim = j->d->input_dim;
  char clip[40];
  pg__csrc_hex_double((double)j->norm_clip, clip, sizeof clip);
  pg__csrc_text(s, "/* observation normalization: (obs - mean) * scale, clipped */\n");
  pg__csrc_floats(s, "obs_mean", j->norm, dim);
  pg__csrc_floats(s, "obs_scale", j->norm + dim, dim);
  write_exact_loop(s, "$p_normalize(const float *obs, float *out)", "$P_OBS_SIZE");
  pg__csrc_text(s, "    float d = obs[i] - $p_obs_mean[i];\n"
                   "    float y = d * $p_obs_scale[i];\n");
  pg__csrc_printf(s, "    out[i] = y < -%sf ? -%sf : y > %sf ? %sf : y;\n  }\n}\n\n", clip,
                  clip, clip, clip);
}

/* The squash's bounds and $p_squash (pg__squash_actions' statements). */
static void write_squash(pg__csrc *s, const export_job *j) {
  size_t dim = head_dim(j);
  pg__csrc_text(s, "/* tanh squash into the action bounds */\n#include <math.h>\n");
  pg__csrc_floats(s, "act_low", j->squash, dim);
  pg__csrc_floats(s, "act_high", j->squash + dim, dim);
  write_exact_loop(s, "$p_squash(float *action)", "$P_ACTION_SIZE");
  pg__csrc_text(s, "    double lo = (double)$p_act_low[i], hi = (double)$p_act_high[i];\n"
                   "    double t = tanh((double)action[i]) + 1.0;\n"
                   "    double h = t * (0.5 * (hi - lo));\n"
                   "    double a = lo + h;\n"
                   "    action[i] = (float)(a < lo ? lo : a > hi ? hi : a);\n"
                   "  }\n}\n\n");
}

static void write_act(pg__csrc *s, const export_job *j) {
  bool gauss = j->head_role == PG__HEAD_GAUSSIAN;
  pg__csrc_text(s,
                "int $p_act(const float *obs, const unsigned char *mask, float *action) {\n"
                "  float b0[$P_STACK_FLOATS / 2], b1[$P_STACK_FLOATS / 2];\n"
                "  const float *y;\n"
                "  int st = $p_check(obs, mask, action);\n"
                "  if (st != $P_OK) return st;\n");
  write_forward_call(s, j, "0");
  if (gauss)
    pg__csrc_text(s, "  {\n    int i;\n    for (i = 0; i < $P_ACTION_SIZE; i++) action[i] = y[i];\n  }\n");
  else
    pg__csrc_text(s, "  action[0] = (float)$p_argmax(y, mask, $P_N_ACTIONS);\n");
  if (j->squash) pg__csrc_text(s, "  $p_squash(action);\n");
  pg__csrc_text(s, "  return $P_OK;\n}\n\n");

  pg__csrc_text(s,
                "#ifndef $P_NO_SAMPLING\n"
                "int $p_act_sample(const float *obs, const unsigned char *mask,\n"
                "                  double (*uniform)(void *user), void *user, float *action) {\n");
  if (j->head_role == PG__HEAD_Q) {
    pg__csrc_text(s, "  (void)user;\n  if (!uniform) return $P_ERR_ARG;\n"
                     "  return $p_act(obs, mask, action);\n}\n#endif\n");
    return;
  }
  bool state_std = pg__netdef_state_std(j->d);
  pg__csrc_text(s, "  float b0[$P_STACK_FLOATS / 2], b1[$P_STACK_FLOATS / 2];\n");
  if (state_std) pg__csrc_text(s, "  float log_std[$P_ACTION_SIZE];\n");
  pg__csrc_text(s,
                "  const float *y;\n"
                "  int st = $p_check(obs, mask, action);\n"
                "  if (st != $P_OK) return st;\n"
                "  if (!uniform) return $P_ERR_ARG;\n");
  write_forward_call(s, j, "log_std");
  if (gauss) {
    pg__csrc_text(s, source_sample_gaussian);
    pg__csrc_text(s, state_std ? "exp((double)log_std[i])" : "$p_std[i]");
    pg__csrc_text(s, source_sample_gaussian_end);
  } else {
    pg__csrc_text(s, source_sample_categorical);
  }
  if (j->squash) pg__csrc_text(s, "  $p_squash(action);\n");
  pg__csrc_text(s, "  return $P_OK;\n}\n#endif\n");
}

static void write_layers_and_act(pg__csrc *s, const export_job *j);

/* The shared helpers the code uses (found by a dry run of the rest, which
** sets s->uses), then the layers and the act functions. */
static void write_source(pg__csrc *s, const export_job *j) {
  pg__writer counter;
  pg__w_init(&counter, NULL, NULL);
  pg__csrc dry = *s;
  dry.w = &counter;
  dry.uses = j->head_role == PG__HEAD_GAUSSIAN ? 0u : PG__CSRC_USES_ARGMAX;
  write_layers_and_act(&dry, j);
  pg__csrc_text(s, source_helpers);
  if (dry.uses & (PG__CSRC_USES_TANH | PG__CSRC_USES_SIGMOID)) pg__csrc_text(s, source_exp);
  if (dry.uses & PG__CSRC_USES_TANH) pg__csrc_text(s, source_tanh);
  if (dry.uses & PG__CSRC_USES_SIGMOID) pg__csrc_text(s, source_sigmoid);
  if (dry.uses & PG__CSRC_USES_RELU) pg__csrc_text(s, source_relu);
  if (dry.uses & PG__CSRC_USES_ARGMAX) pg__csrc_text(s, source_argmax);
  write_layers_and_act(s, j);
}

static void write_layers_and_act(pg__csrc *s, const export_job *j) {
  const pg__netdef *d = j->d;
  /* Each kind's helpers once, then every layer's data. */
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    bool first = true;
    for (size_t k = 0; k < i; k++) first &= d->layers[k].ops != l->ops;
    if (first) l->ops->emit_c(s, PG__EMIT_HELPERS, l, i, j->params + l->param_off, NULL, NULL);
  }
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    pg__csrc_printf(s, "/* layer %zu: %s, %zu -> %zu%s */\n", i, l->ops->name, l->in, l->out,
                    i < d->n_trunk ? "" : " (head)");
    bool sampling_only = l->role == PG__HEAD_LOG_STD; /* see write_forward */
    if (sampling_only) pg__csrc_text(s, "#ifndef $P_NO_SAMPLING\n");
    l->ops->emit_c(s, PG__EMIT_DATA, l, i, j->params + l->param_off, NULL, NULL);
    if (sampling_only) pg__csrc_text(s, "#endif\n");
  }
  if (j->head_role == PG__HEAD_GAUSSIAN && !pg__netdef_state_std(d)) {
    /* exp(log_std) in double, as pg__sample_gaussian scales the draw. */
    const float *log_std = j->params + d->log_std_off;
    char lit[40];
    pg__csrc_text(s, "\n#ifndef $P_NO_SAMPLING\n/* The standard deviations, exp(log_std). */\n");
    pg__csrc_printf(s, "static const double %s_std[%zu] = {", s->prefix, head_dim(j));
    for (size_t i = 0; i < head_dim(j); i++) {
      pg__csrc_hex_double(exp((double)log_std[i]), lit, sizeof lit);
      pg__csrc_printf(s, "%s%s%s", i % 4 ? " " : "\n  ", lit, i + 1 < head_dim(j) ? "," : "");
    }
    pg__csrc_text(s, "\n};\n#endif\n");
  }
  pg__csrc_text(s, "\n");
  if (j->norm) write_normalize(s, j);
  if (j->squash) write_squash(s, j);
  write_forward(s, j);
  write_act(s, j);
}

static void export_body(pg__writer *w, const void *obj) {
  const export_job *j = obj;
  pg__csrc s = {.w = w, .flags = j->flags};
  size_t n = strlen(j->prefix);
  memcpy(s.prefix, j->prefix, n + 1);
  for (size_t i = 0; i <= n; i++)
    s.upper[i] = (char)(j->prefix[i] >= 'a' && j->prefix[i] <= 'z' ? j->prefix[i] - 'a' + 'A'
                                                                    : j->prefix[i]);
  if (j->part != PG_EXPORT_C_SOURCE) write_header(&s, j);
  if (j->part == PG_EXPORT_C_SINGLE)
    pg__csrc_printf(&s,
                    "\n/* ---- implementation: define %s_IMPLEMENTATION in one file before\n"
                    "** including this header. ---- */\n#ifdef %s_IMPLEMENTATION\n",
                    s.upper, s.upper);
  if (j->part == PG_EXPORT_C_SOURCE)
    pg__csrc_printf(&s,
                    "/* %s: the implementation of \"%s\", exported by libpolicygrad %s.\n"
                    "** Generated; do not edit. */\n#include \"%s\"\n\n",
                    j->prefix, j->include_name, pg_version_string(), j->include_name);
  if (j->part != PG_EXPORT_C_HEADER) write_source(&s, j);
  if (j->part == PG_EXPORT_C_SINGLE)
    pg__csrc_printf(&s, "#endif /* %s_IMPLEMENTATION */\n", s.upper);
}

/* Everything that could make the export fail, before a byte is written. */
static pg_status export_check(pg_ctx *ctx, const char *fn, const export_job *j) {
  const char *p = j->prefix;
  if (!p) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: prefix is NULL", fn);
  size_t n = strlen(p);
  bool ok = n >= 1 && n <= PREFIX_MAX && !(p[0] >= '0' && p[0] <= '9');
  for (size_t i = 0; ok && i < n; i++)
    ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
         (p[i] >= '0' && p[i] <= '9') || p[i] == '_';
  if (!ok)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: prefix \"%.40s\" is not a C identifier of 1 to %d letters, digits "
                    "and '_' (not starting with a digit)",
                    fn, p, PREFIX_MAX);
  if (j->flags & ~(uint32_t)PG_EXPORT_C_INT8)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: flags 0x%x has bits other than PG_EXPORT_C_INT8",
                    fn, (unsigned)j->flags);
  const pg__netdef *d = j->d;
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    if (!l->ops->emit_c)
      return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                      "%s: layer %zu is of kind '%s', which has no C export yet", fn, i,
                      l->ops->name);
  }
  if (!pg__all_finite(j->params, d->n_params))
    return pg__fail(ctx, PG_ERR_NUMERIC, "%s: the policy's parameters hold NaN or Inf", fn);
  return PG_OK;
}

static pg_status export_job_init(const pg_policy *policy, const char *prefix, int32_t part,
                                 uint32_t flags, export_job *j, pg_ctx **ctx) {
  memset(j, 0, sizeof *j);
  j->flags = flags;
  j->d = pg__policy_parts(policy, &j->params, &j->head_role, ctx);
  j->norm = pg__policy_obs_norm(policy, &j->norm_clip);
  j->squash = pg__policy_squash(policy);
  j->prefix = prefix;
  j->part = part;
  return PG_OK;
}

pg_status pg_policy_export_c_cb(const pg_policy *policy, const char *prefix, int32_t part,
                                uint32_t flags, pg_write_fn write, void *user) {
  static const char fn[] = "pg_policy_export_c_cb";
  if (!policy) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx;
  export_job j;
  (void)export_job_init(policy, prefix, part, flags, &j, &ctx);
  if (!write) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: write is NULL", fn);
  if (part != PG_EXPORT_C_HEADER && part != PG_EXPORT_C_SOURCE && part != PG_EXPORT_C_SINGLE)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: part %d is not PG_EXPORT_C_HEADER, _SOURCE or _SINGLE", fn, (int)part);
  pg_status st = export_check(ctx, fn, &j);
  if (st != PG_OK) return st;
  char include_name[PREFIX_MAX + 3];
  snprintf(include_name, sizeof include_name, "%s.h", prefix);
  j.include_name = include_name;
  return pg__ckpt_save_cb(ctx, fn, export_body, &j, write, user);
}

/* The file name part of a path, for the source's #include. */
static const char *base_name(const char *path) {
  const char *b = path;
  for (const char *c = path; *c; c++)
    if (*c == '/' || *c == '\\') b = c + 1;
  return b;
}

pg_status pg_policy_export_c(const pg_policy *policy, const char *prefix,
                             const char *header_path, const char *source_path, uint32_t flags) {
  static const char fn[] = "pg_policy_export_c";
  if (!policy) return PG_ERR_INVALID_ARG;
  pg_ctx *ctx;
  export_job j;
  (void)export_job_init(policy, prefix, source_path ? PG_EXPORT_C_HEADER : PG_EXPORT_C_SINGLE,
                        flags, &j, &ctx);
  if (!header_path) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: header_path is NULL", fn);
  const char *inc = base_name(header_path);
  if (!*inc) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: header_path '%s' names no file",
                             fn, header_path);
  for (const char *c = inc; *c; c++)
    if (*c == '"' || *c == '\n' || *c == '\r')
      return pg__fail(ctx, PG_ERR_INVALID_ARG,
                      "%s: the header's file name cannot appear in an #include: '%s'", fn,
                      header_path);
  if (source_path && strcmp(source_path, header_path) == 0)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: header_path and source_path are the same file '%s' (pass source_path "
                    "NULL for one single-header file)",
                    fn, header_path);
  pg_status st = export_check(ctx, fn, &j);
  if (st != PG_OK) return st;
  j.include_name = inc;
  st = pg__ckpt_save_file(ctx, fn, export_body, &j, header_path, NULL);
  if (st != PG_OK || !source_path) return st;
  j.part = PG_EXPORT_C_SOURCE;
  return pg__ckpt_save_file(ctx, fn, export_body, &j, source_path, NULL);
}

pg_status pg_agent_export_c(const pg_agent *agent, const char *prefix, const char *header_path,
                            const char *source_path, uint32_t flags) {
  if (!agent) return PG_ERR_INVALID_ARG;
  pg_policy *policy = NULL;
  pg_status st = pg_policy_from_agent(agent, &policy);
  if (st != PG_OK) return st;
  st = pg_policy_export_c(policy, prefix, header_path, source_path, flags);
  pg_policy_destroy(policy);
  return st;
}

int32_t pg_export_c_fused_mode(void) { return (int32_t)pg__nn_fused_mode(); }
