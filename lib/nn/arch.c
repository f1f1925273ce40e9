/* The architecture of a network: the layer-kind registry, the layer list
** with roles and shapes (pg__netdef), the parameter layout, and the ARCH
** and PARM checkpoint sections in format versions 1 and 2
** (docs/FORMAT.md). pg_net (net_api.c, net_io.c) and pg_policy (policy.c)
** are both built from a pg__netdef; nothing here knows a particular kind:
** every kind-specific question goes through its pg__layer_ops. */
#include "nn/pg_nn.h"

#include <string.h>

#define MAX_DIM ((uint64_t)1 << 24)
#define LOG_STD_MIN (-20.0f)
#define LOG_STD_MAX 5.0f

/* ---- shapes ------------------------------------------------------------- */

size_t pg__shape_size(const pg__shape *s) {
  size_t n = 1;
  for (uint32_t i = 0; i < s->rank; i++) n *= s->dim[i];
  return n;
}

pg__shape pg__shape_flat(size_t n) {
  pg__shape s;
  memset(&s, 0, sizeof s);
  s.rank = 1;
  s.dim[0] = (uint32_t)n;
  return s;
}

/* ---- the kind registry -------------------------------------------------- */

static const pg__layer_ops *const builtin_kinds[] = {
    &pg__dense_ops,
    &pg__conv2d_ops,
    &pg__flatten_ops,
    &pg__lstm_ops,
    &pg__log_std_ops,
};

const pg__layer_ops *pg__layer_kind_find(const pg_ctx *ctx, uint32_t kind) {
  for (size_t i = 0; i < sizeof builtin_kinds / sizeof builtin_kinds[0]; i++)
    if (builtin_kinds[i]->kind == kind) return builtin_kinds[i];
  if (!ctx) return NULL;
  for (size_t i = 0; i < ctx->n_ext_layer_kinds; i++) {
    const pg__layer_ops *ops = ctx->ext_layer_kinds[i];
    if (ops->kind == kind) return ops;
  }
  return NULL;
}

pg_status pg__layer_kind_register(pg_ctx *ctx, const pg__layer_ops *ops) {
  static const char fn[] = "pg__layer_kind_register";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!ops) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: ops is NULL", fn);
  if (!ops->name || !ops->setup || !ops->block_size || !ops->init_block ||
      !ops->scratch_floats || !ops->forward || !ops->backward || !ops->write_arch ||
      !ops->read_arch || ops->n_blocks > PG__LAYER_MAX_BLOCKS)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: the table lacks a name, a required callback, or has more than "
                    "%d parameter blocks", fn, PG__LAYER_MAX_BLOCKS);
  bool stateful = ops->state_floats != NULL;
  if (stateful != (ops->reset_state && ops->forward_seq && ops->backward_seq))
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: '%s': a stateful kind sets state_floats, reset_state, forward_seq "
                    "and backward_seq, a stateless one none of them", fn, ops->name);
  if (ops->kind < PG__LAYER_KIND_EXT_MIN)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: '%s': kind %u is below %d (built-in range)",
                    fn, ops->name, (unsigned)ops->kind, PG__LAYER_KIND_EXT_MIN);
  if (pg__layer_kind_find(ctx, ops->kind))
    return pg__fail(ctx, PG_ERR_BAD_STATE, "%s: '%s': kind %u is already registered", fn,
                    ops->name, (unsigned)ops->kind);
  if (ctx->n_ext_layer_kinds >= PG__CTX_LAYER_KINDS)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED, "%s: more than %d kinds on one context", fn,
                    PG__CTX_LAYER_KINDS);
  ctx->ext_layer_kinds[ctx->n_ext_layer_kinds++] = ops;
  return PG_OK;
}

/* ---- the layer list ----------------------------------------------------- */

void pg__netdef_init(pg__netdef *d, size_t input_dim, size_t max_batch, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->input = pg__shape_flat(input_dim);
  d->input_dim = input_dim;
  d->max_batch = max_batch;
  d->seed = seed;
  for (int h = 0; h < PG__HEAD_KINDS; h++) d->head[h] = -1;
}

static const pg__shape *trunk_shape(const pg__netdef *d) {
  return d->n_trunk ? &d->layers[d->n_trunk - 1].out_shape : &d->input;
}

size_t pg__netdef_trunk_dim(const pg__netdef *d) {
  return d->n_trunk ? d->layers[d->n_trunk - 1].out : d->input_dim;
}

const char *pg__netdef_push(pg__netdef *d, const pg__layer *src) {
  if (d->n_layers >= PG__NET_MAX_LAYERS) return "more than 32 layers and heads";
  pg__layer l = *src;
  l.y = l.state = NULL;
  l.in_shape = *trunk_shape(d);
  l.in = pg__shape_size(&l.in_shape);
  const char *why = l.ops->setup(&l);
  if (why) return why;
  if (l.out_shape.rank < 1 || l.out_shape.rank > PG__SHAPE_MAX_RANK) return "bad output rank";
  uint64_t out = 1;
  for (uint32_t i = 0; i < l.out_shape.rank; i++) out *= l.out_shape.dim[i];
  if (out == 0 || out > MAX_DIM) return "output size not in [1, 2^24]";
  l.out = (size_t)out;
  if (l.role == PG__ROLE_TRUNK) {
    if (d->n_layers > d->n_trunk) return "trunk layers must come before the heads";
    if (l.ops == &pg__log_std_ops) return "a log_std layer is a head";
  } else {
    if (l.role >= PG__HEAD_KINDS) return "unknown head role";
    if (d->head[l.role] >= 0) return "the net already has this head";
    bool policy = l.role == PG__HEAD_CATEGORICAL || l.role == PG__HEAD_GAUSSIAN;
    if (policy && (d->head[PG__HEAD_CATEGORICAL] >= 0 || d->head[PG__HEAD_GAUSSIAN] >= 0))
      return "the net already has a policy head";
    if (l.out_shape.rank != 1) return "a head's output must be flat";
    if (l.act != PG_ACTIVATION_LINEAR) return "a head's activation must be linear";
    if (l.role == PG__HEAD_CATEGORICAL && l.out < 2) return "a categorical head needs 2 actions";
    if (l.role == PG__HEAD_VALUE && l.out != 1) return "a value head has 1 output";
    if ((l.role == PG__HEAD_LOG_STD) != (l.ops == &pg__log_std_ops))
      return "a state-dependent log-std is a log_std layer in that role, and only there";
    if (l.role == PG__HEAD_LOG_STD &&
        (d->head[PG__HEAD_GAUSSIAN] < 0 || d->layers[d->head[PG__HEAD_GAUSSIAN]].out != l.out))
      return "a state-dependent log-std follows a Gaussian head of its width";
  }
  if (l.role == PG__ROLE_TRUNK) d->n_trunk++;
  else d->head[l.role] = (int)d->n_layers;
  d->layers[d->n_layers++] = l;
  return NULL;
}

void pg__netdef_layout(pg__netdef *d) {
  size_t off = 0;
  d->log_std_off = 0;
  for (size_t i = 0; i < d->n_layers; i++) {
    pg__layer *l = &d->layers[i];
    l->param_off = off;
    l->n_params = 0;
    for (size_t b = 0; b < l->ops->n_blocks; b++) l->n_params += l->ops->block_size(l, b);
    off += l->n_params;
    if (d->head[PG__HEAD_GAUSSIAN] == (int)i && d->head[PG__HEAD_LOG_STD] < 0) {
      /* its own block, after the head */
      d->log_std_off = off;
      off += l->out;
    }
  }
  d->n_params = off;
}

size_t pg__netdef_scratch(const pg__netdef *d, bool training) {
  size_t m = 0;
  for (size_t i = 0; i < d->n_layers; i++) {
    size_t s = d->layers[i].ops->scratch_floats(&d->layers[i], training);
    if (s > m) m = s;
  }
  return m;
}

size_t pg__netdef_state_floats(const pg__netdef *d) {
  size_t n = 0;
  for (size_t i = 0; i < d->n_layers; i++)
    if (d->layers[i].ops->state_floats) n += d->layers[i].ops->state_floats(&d->layers[i]);
  return n;
}

void pg__netdef_init_params(const pg__netdef *d, float *params, uint64_t seed) {
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    pg__rng rng;
    pg__rng_seed(&rng, seed, i + 1); /* per layer: heads don't shift the trunk */
    float *p = params + l->param_off;
    for (size_t b = 0; b < l->ops->n_blocks; b++) {
      l->ops->init_block(l, b, p, &rng);
      p += l->ops->block_size(l, b);
    }
  }
  pg__netdef_set_log_std(d, params, (double)d->log_std_init);
}

bool pg__netdef_state_std(const pg__netdef *d) { return d->head[PG__HEAD_LOG_STD] >= 0; }

uint32_t pg__netdef_file_version(const pg__netdef *d) {
  return pg__netdef_state_std(d) ? 5u : PG__FORMAT_VERSION_BASE;
}

void pg__netdef_set_log_std(const pg__netdef *d, float *params, double v) {
  int g = d->head[PG__HEAD_GAUSSIAN], s = d->head[PG__HEAD_LOG_STD];
  if (g < 0) return;
  if (s >= 0) {
    const pg__layer *l = &d->layers[s];
    float *bias = params + l->param_off + l->in * l->out;
    float b = (float)pg__log_std_bias_for(l, v);
    for (size_t k = 0; k < l->out; k++) bias[k] = b;
    return;
  }
  for (size_t k = 0; k < d->layers[g].out; k++) params[d->log_std_off + k] = (float)v;
}

bool pg__netdef_same(const pg__netdef *a, const pg__netdef *b) {
  if (a->input_dim != b->input_dim || a->n_layers != b->n_layers ||
      a->n_trunk != b->n_trunk || a->n_params != b->n_params)
    return false;
  for (int h = 0; h < PG__HEAD_KINDS; h++)
    if (a->head[h] != b->head[h]) return false;
  for (size_t i = 0; i < a->n_layers; i++) {
    const pg__layer *x = &a->layers[i], *y = &b->layers[i];
    if (x->ops != y->ops || x->in != y->in || x->out != y->out || x->act != y->act ||
        memcmp(x->settings, y->settings, sizeof x->settings) != 0)
      return false;
  }
  return true;
}

/* ---- ARCH, format version 2 ---------------------------------------------
** input shape (rank + 3 dims), max_batch, seed, log_std_init, n_layers,
** n_trunk, then per layer: kind, role, record length, the kind's record. */

void pg__arch_write(pg__writer *w, const void *obj) {
  const pg__netdef *d = obj;
  pg__w_u32(w, d->input.rank);
  for (int i = 0; i < PG__SHAPE_MAX_RANK; i++) pg__w_u32(w, d->input.dim[i]);
  pg__w_u32(w, (uint32_t)d->max_batch);
  pg__w_u64(w, d->seed);
  pg__w_f32(w, d->log_std_init);
  pg__w_u32(w, (uint32_t)d->n_layers);
  pg__w_u32(w, (uint32_t)d->n_trunk);
  for (size_t i = 0; i < d->n_layers; i++) {
    const pg__layer *l = &d->layers[i];
    pg__writer count;
    pg__w_init(&count, NULL, NULL);
    l->ops->write_arch(&count, l);
    pg__w_u32(w, l->ops->kind);
    pg__w_u32(w, l->role);
    pg__w_u32(w, (uint32_t)count.total);
    l->ops->write_arch(w, l);
  }
}

void pg__params_write(pg__writer *w, const void *obj) {
  const pg__param_block *b = obj;
  pg__w_u64(w, b->count);
  pg__w_f32s(w, b->params, b->count);
}

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

/* Version 1: five fields per layer, every layer dense, the head's role
** stored as its kind (0 = trunk). */
static pg_status read_layers_v1(pg_ctx *ctx, const char *fname, pg__reader *r,
                                uint32_t n_layers, uint32_t n_trunk, pg__netdef *d) {
  if (r->left != (size_t)n_layers * 20)
    FAIL("%s: ARCH: %zu bytes of layer records for %u layers", fname, r->left, n_layers);
  for (uint32_t i = 0; i < n_layers; i++) {
    pg__layer l;
    memset(&l, 0, sizeof l);
    l.ops = &pg__dense_ops;
    l.role = pg__r_u32(r);
    l.settings[0] = pg__r_u32(r);
    l.act = (pg_activation)pg__r_u32(r);
    l.init = (pg_init)pg__r_u32(r);
    l.gain = pg__r_f32(r);
    bool trunk = i < n_trunk;
    if (trunk ? l.role != PG__ROLE_TRUNK
              : (l.role < PG__HEAD_CATEGORICAL || l.role >= PG__HEAD_KINDS))
      FAIL("%s: ARCH: layer %u has kind %u", fname, i, (unsigned)l.role);
    const char *why = pg__netdef_push(d, &l);
    if (why) FAIL("%s: ARCH: layer %u: %s", fname, i, why);
  }
  return PG_OK;
}

static pg_status read_layers_v2(pg_ctx *ctx, const char *fname, pg__reader *r,
                                uint32_t n_layers, uint32_t n_trunk, pg__netdef *d) {
  for (uint32_t i = 0; i < n_layers; i++) {
    pg__layer l;
    memset(&l, 0, sizeof l);
    uint32_t kind = pg__r_u32(r);
    l.role = pg__r_u32(r);
    uint32_t bytes = pg__r_u32(r);
    if (r->bad) FAIL("%s: ARCH: layer %u: record header cut short", fname, i);
    if ((i < n_trunk) != (l.role == PG__ROLE_TRUNK))
      FAIL("%s: ARCH: layer %u has role %u", fname, i, (unsigned)l.role);
    l.ops = pg__layer_kind_find(ctx, kind);
    if (!l.ops)
      FAIL("%s: ARCH: layer %u has unknown kind %u (from a newer library, or a kind not "
           "registered on this context)", fname, i, (unsigned)kind);
    if (bytes > r->left)
      FAIL("%s: ARCH: layer %u: a %u-byte record with %zu bytes left", fname, i,
           (unsigned)bytes, r->left);
    pg__reader body = {r->p, bytes, false};
    pg__r_skip(r, bytes);
    const char *why = l.ops->read_arch(&body, &l);
    if (!why && (body.bad || body.left))
      why = "the record's length does not match the kind";
    if (!why) why = pg__netdef_push(d, &l);
    if (why) FAIL("%s: ARCH: layer %u (%s): %s", fname, i, l.ops->name, why);
  }
  if (r->left) FAIL("%s: ARCH: %zu bytes after the last layer", fname, r->left);
  return PG_OK;
}

pg_status pg__arch_read(pg_ctx *ctx, const char *fname, uint32_t version, pg__reader *r,
                        bool check_batch, pg__netdef *d) {
  pg__shape input;
  memset(&input, 0, sizeof input);
  if (version >= 2) {
    input.rank = pg__r_u32(r);
    for (int i = 0; i < PG__SHAPE_MAX_RANK; i++) input.dim[i] = pg__r_u32(r);
  } else {
    input.rank = 1;
    input.dim[0] = pg__r_u32(r);
  }
  uint32_t max_batch = pg__r_u32(r);
  uint64_t seed = pg__r_u64(r);
  float log_std_init = pg__r_f32(r);
  uint32_t n_layers = pg__r_u32(r), n_trunk = pg__r_u32(r);
  if (r->bad) FAIL("%s: ARCH section too short", fname);
  if (n_layers == 0 || n_layers > PG__NET_MAX_LAYERS)
    FAIL("%s: ARCH: %u layers (1..%d allowed)", fname, n_layers, PG__NET_MAX_LAYERS);
  if (n_trunk >= n_layers)
    FAIL("%s: ARCH: %u trunk layers of %u leave no head", fname, n_trunk, n_layers);
  if (input.rank < 1 || input.rank > PG__SHAPE_MAX_RANK)
    FAIL("%s: ARCH: input rank %u", fname, (unsigned)input.rank);
  uint64_t input_dim = 1;
  for (uint32_t i = 0; i < input.rank; i++) input_dim *= input.dim[i];
  for (uint32_t i = input.rank; i < PG__SHAPE_MAX_RANK; i++)
    if (input.dim[i]) FAIL("%s: ARCH: input dimension %u beyond the rank", fname, i);
  if (input_dim == 0 || input_dim > MAX_DIM)
    FAIL("%s: ARCH: input_dim %llu not in [1, 2^24]", fname, (unsigned long long)input_dim);
  if (max_batch == 0 || max_batch > MAX_DIM)
    FAIL("%s: ARCH: max_batch %u not in [1, 2^24]", fname, max_batch);
  pg__netdef_init(d, (size_t)input_dim, max_batch, seed);
  d->input = input;
  d->log_std_init = log_std_init;
  pg_status st = version >= 2 ? read_layers_v2(ctx, fname, r, n_layers, n_trunk, d)
                              : read_layers_v1(ctx, fname, r, n_layers, n_trunk, d);
  if (st != PG_OK) return st;
  if (pg__netdef_state_std(d) && version < 5)
    FAIL("%s: ARCH: a state-dependent log-std in a file of format version %u (needs 5)", fname,
         (unsigned)version);
  if (d->head[PG__HEAD_GAUSSIAN] >= 0 &&
      (!pg__finite_f(log_std_init) || log_std_init < LOG_STD_MIN || log_std_init > LOG_STD_MAX))
    FAIL("%s: ARCH: log_std_init %g not in [-20, 5]", fname, (double)log_std_init);
  pg__netdef_layout(d);
  if (d->n_params > SIZE_MAX / 4)
    FAIL("%s: ARCH: %zu parameters", fname, d->n_params);
  /* The activation budget grows with the parameters, which the PARM
  ** section must then carry: a conv net saved at a PAAC-sized batch loads
  ** again, and allocation stays proportional to the input's size. */
  uint64_t widths = d->input_dim;
  for (size_t i = 0; i < d->n_layers; i++) widths += d->layers[i].out;
  const uint64_t budget = pg__net_load_buffer_limit(d->n_params);
  if (check_batch && (uint64_t)max_batch * widths > budget)
    FAIL("%s: ARCH: max_batch %u times %llu features exceeds the load limit of %llu floats "
         "(2^24 + 64 per parameter)",
         fname, max_batch, (unsigned long long)widths, (unsigned long long)budget);
  return PG_OK;
}

uint64_t pg__net_load_buffer_limit(size_t n_params) {
  const uint64_t base = (uint64_t)1 << 24, per_param = 64;
  const uint64_t cap = (UINT64_MAX - base) / per_param, np = n_params;
  return base + per_param * (np < cap ? np : cap);
}

pg_status pg__params_read(pg_ctx *ctx, const char *fname, pg__reader *r, size_t n_params,
                          float *dst) {
  uint64_t count = pg__r_u64(r);
  if (r->bad) FAIL("%s: PARM section too short", fname);
  if (count != n_params)
    FAIL("%s: PARM holds %llu parameters, the architecture needs %zu", fname,
         (unsigned long long)count, n_params);
  if (r->left / 4 != count || r->left % 4)
    FAIL("%s: PARM: %zu bytes for %zu floats", fname, r->left, n_params);
  pg__r_f32s(r, dst, n_params);
  for (size_t i = 0; i < n_params; i++)
    if (!pg__finite_f(dst[i])) FAIL("%s: PARM: parameter %zu is not finite", fname, i);
  return PG_OK;
}

pg_status pg__net_sections(pg_ctx *ctx, const char *fname, pg__reader *r,
                           uint32_t n_sections, pg__reader *arch, pg__reader *parm,
                           pg__reader *onrm, pg__reader *sqsh) {
  if (n_sections > r->left / 16)
    FAIL("%s: %u sections cannot fit in %zu bytes", fname, n_sections, r->left);
  bool have_arch = false, have_parm = false;
  if (onrm) memset(onrm, 0, sizeof *onrm);
  if (sqsh) memset(sqsh, 0, sizeof *sqsh);
  for (uint32_t s = 0; s < n_sections; s++) {
    uint32_t tag;
    pg__reader body;
    pg_status st = pg__r_section(ctx, fname, r, &tag, &body);
    if (st != PG_OK) return st;
    if (tag == PG__TAG_ARCH || tag == PG__TAG_PARM) {
      bool *have = tag == PG__TAG_ARCH ? &have_arch : &have_parm;
      if (*have) FAIL("%s: duplicate section", fname);
      *have = true;
      *(tag == PG__TAG_ARCH ? arch : parm) = body;
    } else if ((tag == PG__TAG_ONRM && onrm) || (tag == PG__TAG_SQSH && sqsh)) {
      pg__reader *opt = tag == PG__TAG_ONRM ? onrm : sqsh;
      if (opt->p) FAIL("%s: duplicate %s section", fname, tag == PG__TAG_ONRM ? "ONRM" : "SQSH");
      *opt = body;
      if (!opt->p) opt->p = (const unsigned char *)"";
    } /* other tags: skipped (docs/FORMAT.md) */
  }
  if (r->left) FAIL("%s: %zu bytes after the last section", fname, r->left);
  if (!have_arch || !have_parm)
    FAIL("%s: missing %s section", fname, have_arch ? "PARM" : "ARCH");
  return PG_OK;
}
