/* Net checkpoints: the ARCH and PARM sections, pg_net_save_* and
** pg_net_load_* (docs/FORMAT.md). Loading validates every field before it
** allocates, builds the net directly (no re-initialisation) and returns it
** only when everything succeeded. */
#include "nn/net_impl.h"
#include "pg_serial.h"

#include <string.h>

#define MAX_DIM ((uint64_t)1 << 24)
/* Bound on a loaded net's activation buffers: max_batch * (input + widths). */
#define MAX_ACT_FLOATS ((uint64_t)1 << 24)


/* ---- ARCH / PARM bodies ------------------------------------------------- */

void pg__arch_write(pg__writer *w, const void *obj) {
  const pg__arch *a = obj;
  pg__w_u32(w, a->input_dim);
  pg__w_u32(w, a->max_batch);
  pg__w_u64(w, a->seed);
  pg__w_f32(w, a->log_std_init);
  pg__w_u32(w, a->n_layers);
  pg__w_u32(w, a->n_trunk);
  for (uint32_t i = 0; i < a->n_layers; i++) {
    const pg__arch_layer *l = &a->layer[i];
    pg__w_u32(w, l->kind);
    pg__w_u32(w, l->units);
    pg__w_u32(w, l->activation);
    pg__w_u32(w, l->init);
    pg__w_f32(w, l->gain);
  }
}

void pg__params_write(pg__writer *w, const void *obj) {
  const pg__param_block *b = obj;
  pg__w_u64(w, b->count);
  pg__w_f32s(w, b->params, b->count);
}

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

pg_status pg__arch_read(pg_ctx *ctx, const char *fname, pg__reader *r,
                        bool check_batch, pg__arch *a, size_t *n_params) {
  memset(a, 0, sizeof *a);
  a->input_dim = pg__r_u32(r);
  a->max_batch = pg__r_u32(r);
  a->seed = pg__r_u64(r);
  a->log_std_init = pg__r_f32(r);
  a->n_layers = pg__r_u32(r);
  a->n_trunk = pg__r_u32(r);
  if (r->bad) FAIL("%s: ARCH section too short", fname);
  if (a->n_layers == 0 || a->n_layers > PG__ARCH_MAX_LAYERS)
    FAIL("%s: ARCH: %u layers (1..%d allowed)", fname, a->n_layers, PG__ARCH_MAX_LAYERS);
  if (a->n_trunk >= a->n_layers)
    FAIL("%s: ARCH: %u trunk layers of %u leave no head", fname, a->n_trunk, a->n_layers);
  if (r->left != (size_t)a->n_layers * 20)
    FAIL("%s: ARCH: %zu bytes of layer records for %u layers", fname, r->left, a->n_layers);
  if (a->input_dim == 0 || a->input_dim > MAX_DIM)
    FAIL("%s: ARCH: input_dim %u not in [1, 2^24]", fname, a->input_dim);
  if (a->max_batch == 0 || a->max_batch > MAX_DIM)
    FAIL("%s: ARCH: max_batch %u not in [1, 2^24]", fname, a->max_batch);
  bool seen[5] = {false};
  uint64_t in = a->input_dim, trunk_out = a->input_dim, params = 0, widths = a->input_dim;
  for (uint32_t i = 0; i < a->n_layers; i++) {
    pg__arch_layer *l = &a->layer[i];
    l->kind = pg__r_u32(r);
    l->units = pg__r_u32(r);
    l->activation = pg__r_u32(r);
    l->init = pg__r_u32(r);
    l->gain = pg__r_f32(r);
    bool trunk = i < a->n_trunk;
    if (trunk ? l->kind != PG__LAYER_DENSE
              : (l->kind < PG__LAYER_CATEGORICAL || l->kind > PG__LAYER_Q))
      FAIL("%s: ARCH: layer %u has kind %u", fname, i, l->kind);
    if (!trunk) {
      if (seen[l->kind]) FAIL("%s: ARCH: head kind %u appears twice", fname, l->kind);
      seen[l->kind] = true;
    }
    if (l->units == 0 || l->units > MAX_DIM)
      FAIL("%s: ARCH: layer %u has %u units", fname, i, l->units);
    if (l->kind == PG__LAYER_CATEGORICAL && l->units < 2)
      FAIL("%s: ARCH: categorical head with %u actions", fname, l->units);
    if (l->kind == PG__LAYER_VALUE && l->units != 1)
      FAIL("%s: ARCH: value head with %u outputs", fname, l->units);
    if (l->activation > PG_ACTIVATION_SIGMOID || (!trunk && l->activation != PG_ACTIVATION_LINEAR))
      FAIL("%s: ARCH: layer %u has activation %u", fname, i, l->activation);
    if (l->init < PG_INIT_GLOROT_UNIFORM || l->init > PG_INIT_ORTHOGONAL)
      FAIL("%s: ARCH: layer %u has initializer %u", fname, i, l->init);
    if (!pg__finite_f(l->gain) || l->gain < 0.0f)
      FAIL("%s: ARCH: layer %u has gain %g", fname, i, (double)l->gain);
    uint64_t lin = trunk ? in : trunk_out;
    params += lin * l->units + l->units + (l->kind == PG__LAYER_GAUSSIAN ? l->units : 0);
    widths += l->units;
    if (trunk) in = trunk_out = l->units;
  }
  if (seen[PG__LAYER_CATEGORICAL] && seen[PG__LAYER_GAUSSIAN])
    FAIL("%s: ARCH: both a categorical and a Gaussian head", fname);
  if (seen[PG__LAYER_GAUSSIAN] &&
      (!pg__finite_f(a->log_std_init) || a->log_std_init < -20.0f || a->log_std_init > 5.0f))
    FAIL("%s: ARCH: log_std_init %g not in [-20, 5]", fname, (double)a->log_std_init);
  if (check_batch && (uint64_t)a->max_batch * widths > MAX_ACT_FLOATS)
    FAIL("%s: ARCH: max_batch %u times %llu features exceeds the load limit of 2^24 floats",
         fname, a->max_batch, (unsigned long long)widths);
  if (params > SIZE_MAX / 4) FAIL("%s: ARCH: %llu parameters", fname, (unsigned long long)params);
  *n_params = (size_t)params;
  return PG_OK;
}

pg_status pg__params_read(pg_ctx *ctx, const char *fname, pg__reader *r,
                          size_t n_params, float *dst) {
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
                           uint32_t n_sections, pg__reader *arch, pg__reader *parm) {
  if (n_sections > r->left / 16)
    FAIL("%s: %u sections cannot fit in %zu bytes", fname, n_sections, r->left);
  bool have_arch = false, have_parm = false;
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
    } /* other tags: skipped (docs/FORMAT.md) */
  }
  if (r->left) FAIL("%s: %zu bytes after the last section", fname, r->left);
  if (!have_arch || !have_parm)
    FAIL("%s: missing %s section", fname, have_arch ? "PARM" : "ARCH");
  return PG_OK;
}

/* ---- save --------------------------------------------------------------- */

void pg__net_arch(const pg_net *net, pg__arch *a) {
  memset(a, 0, sizeof *a);
  a->input_dim = (uint32_t)net->input_dim;
  a->max_batch = (uint32_t)net->max_batch;
  a->seed = net->seed;
  a->log_std_init = net->log_std_init;
  a->n_layers = (uint32_t)net->n_layers;
  a->n_trunk = (uint32_t)net->n_trunk;
  for (size_t i = 0; i < net->n_layers; i++) {
    const pg__layer *l = &net->layers[i];
    pg__arch_layer *o = &a->layer[i];
    o->kind = PG__LAYER_DENSE;
    for (int h = 0; h < PG__HEAD_KINDS; h++)
      if (net->head[h] == (int)i) o->kind = (uint32_t)h + 1; /* enum order matches */
    o->units = (uint32_t)l->out;
    o->activation = (uint32_t)l->act;
    o->init = (uint32_t)l->init;
    o->gain = l->gain;
  }
}

static void net_ckpt(pg__writer *w, const void *obj) {
  const pg_net *net = obj;
  pg__arch a;
  pg__net_arch(net, &a);
  pg__param_block b = {net->params, net->n_params};
  pg__w_header(w, PG__KIND_NET, 2);
  pg__w_section(w, PG__TAG_ARCH, pg__arch_write, &a);
  pg__w_section(w, PG__TAG_PARM, pg__params_write, &b);
}

static pg_status check_save(const pg_net *net, const char *fn) {
  if (!net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  return PG_OK;
}

/* White-box entry for tests: the file save with substitute file calls. */
pg_status pg__net_save_file_io(const pg_net *net, const char *path, const pg__file_io *io);
pg_status pg__net_save_file_io(const pg_net *net, const char *path, const pg__file_io *io) {
  static const char fn[] = "pg_net_save_file";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!path) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: path is NULL", fn);
  pg_status st = check_save(net, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_file(net->ctx, fn, net_ckpt, net, path, io);
}

pg_status pg_net_save_file(const pg_net *net, const char *path) {
  return pg__net_save_file_io(net, path, NULL);
}

pg_status pg_net_save_cb(const pg_net *net, pg_write_fn write, void *user) {
  static const char fn[] = "pg_net_save_cb";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!write) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: write is NULL", fn);
  pg_status st = check_save(net, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_cb(net->ctx, fn, net_ckpt, net, write, user);
}

pg_status pg_net_save_memory(const pg_net *net, void *buf, size_t capacity,
                             size_t *out_size) {
  static const char fn[] = "pg_net_save_memory";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out_size) return pg__fail(net->ctx, PG_ERR_INVALID_ARG, "%s: out_size is NULL", fn);
  pg_status st = check_save(net, fn);
  if (st != PG_OK) return st;
  return pg__ckpt_save_memory(net->ctx, fn, net_ckpt, net, buf, capacity, out_size);
}

/* ---- load --------------------------------------------------------------- */

static pg_status net_from_image(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                                pg_net **out) {
  pg__reader r;
  pg__r_init(&r, data, size);
  uint32_t kind, n_sections;
  pg_status st = pg__r_header(ctx, fn, &r, &kind, &n_sections);
  if (st != PG_OK) return st;
  if (kind != PG__KIND_NET)
    FAIL("%s: checkpoint kind %u is not a net (%s)", fn, kind,
         kind == PG__KIND_POLICY ? "a policy: use pg_policy_load_*"
         : kind == PG__KIND_AGENT ? "an agent checkpoint" : "unknown kind");
  pg__reader ra, rp;
  st = pg__net_sections(ctx, fn, &r, n_sections, &ra, &rp);
  if (st != PG_OK) return st;
  pg__arch a;
  size_t n_params;
  st = pg__arch_read(ctx, fn, &ra, true, &a, &n_params);
  if (st != PG_OK) return st;
  if (rp.left < 8 || (rp.left - 8) / 4 != n_params)
    FAIL("%s: PARM section of %zu bytes cannot hold %zu parameters", fn, rp.left, n_params);

  pg_net *net = pg__calloc(ctx, 1, sizeof *net);
  if (!net) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  net->ctx = ctx;
  atomic_init(&net->refs, 1);
  net->input_dim = a.input_dim;
  net->max_batch = a.max_batch;
  net->seed = a.seed;
  net->log_std_init = a.log_std_init;
  net->n_layers = a.n_layers;
  net->n_trunk = a.n_trunk;
  for (int h = 0; h < PG__HEAD_KINDS; h++) net->head[h] = -1;
  size_t in = a.input_dim;
  for (uint32_t i = 0; i < a.n_layers; i++) {
    pg__layer *l = &net->layers[i];
    l->ops = &pg__dense_ops;
    l->in = i < a.n_trunk ? in : (a.n_trunk ? a.layer[a.n_trunk - 1].units : a.input_dim);
    l->out = a.layer[i].units;
    l->act = (pg_activation)a.layer[i].activation;
    l->init = (pg_init)a.layer[i].init;
    l->gain = a.layer[i].gain;
    if (i < a.n_trunk) in = l->out;
    else net->head[a.layer[i].kind - 1] = (int)i;
  }
  if (pg__net_alloc(net) != PG_OK) {
    pg__free(ctx, net);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the net's buffers", fn);
  }
  if (net->n_params != n_params) {
    pg__free(ctx, net->block);
    pg__free(ctx, net);
    return pg__fail(ctx, PG_ERR_INTERNAL, "%s: parameter count mismatch", fn);
  }
  st = pg__params_read(ctx, fn, &rp, n_params, net->params);
  if (st != PG_OK) {
    pg__free(ctx, net->block);
    pg__free(ctx, net);
    return st;
  }
  pg__ctx_retain(ctx);
  *out = net;
  return PG_OK;
}

static pg_status net_loader(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                            void *out) {
  return net_from_image(ctx, fn, data, size, out);
}

pg_status pg_net_load_memory(pg_ctx *ctx, const void *data, size_t size, pg_net **out) {
  if (out) *out = NULL;
  return pg__load_memory(ctx, "pg_net_load_memory", data, size, net_loader, out);
}

pg_status pg_net_load_file(pg_ctx *ctx, const char *path, pg_net **out) {
  if (out) *out = NULL;
  return pg__load_file(ctx, "pg_net_load_file", path, net_loader, out);
}
