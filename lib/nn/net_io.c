/* Net checkpoints: pg_net_save_* and pg_net_load_* (docs/FORMAT.md); the
** ARCH and PARM sections themselves are in arch.c. Loading validates every
** field before it allocates the buffers, builds the net directly (no
** re-initialisation) and returns it only when everything succeeded. */
#include "nn/net_impl.h"

#include <string.h>

/* ---- save --------------------------------------------------------------- */

static void net_ckpt(pg__writer *w, const void *obj) {
  const pg_net *net = obj;
  pg__param_block b = {net->params, net->def.n_params};
  pg__w_header_version(w, pg__netdef_file_version(&net->def), PG__KIND_NET, 2);
  pg__w_section(w, PG__TAG_ARCH, pg__arch_write, &net->def);
  pg__w_section(w, PG__TAG_PARM, pg__params_write, &b);
}

static pg_status check_save(const pg_net *net, const char *fn) {
  if (!net->ready)
    return pg__fail(net->ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  return pg__net_check_idle(net, net->ctx, fn);
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

#define FAIL(...) return pg__fail(ctx, PG_ERR_FORMAT, __VA_ARGS__)

static pg_status net_from_image(pg_ctx *ctx, const char *fn, const void *data, size_t size,
                                pg_net **out) {
  pg__reader r;
  pg__r_init(&r, data, size);
  uint32_t version, kind, n_sections;
  pg_status st = pg__r_header_version(ctx, fn, &r, &version, &kind, &n_sections);
  if (st != PG_OK) return st;
  if (kind != PG__KIND_NET)
    FAIL("%s: checkpoint kind %u is not a net (%s)", fn, kind,
         kind == PG__KIND_POLICY ? "a policy: use pg_policy_load_*"
         : kind == PG__KIND_AGENT ? "an agent checkpoint" : "unknown kind");
  pg__reader ra, rp;
  st = pg__net_sections(ctx, fn, &r, n_sections, &ra, &rp, NULL, NULL);
  if (st != PG_OK) return st;
  pg_net *net = pg__calloc(ctx, 1, sizeof *net);
  if (!net) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  st = pg__arch_read(ctx, fn, version, &ra, true, &net->def);
  if (st == PG_OK && (rp.left < 8 || (rp.left - 8) / 4 != net->def.n_params))
    st = pg__fail(ctx, PG_ERR_FORMAT, "%s: PARM section of %zu bytes cannot hold %zu parameters",
                  fn, rp.left, net->def.n_params);
  size_t buffers = st == PG_OK ? pg__net_buffer_floats(net) : 0;
  if (st == PG_OK && buffers > pg__net_load_buffer_limit(net->def.n_params))
    st = pg__fail(ctx, PG_ERR_FORMAT,
                  "%s: ARCH: max_batch %zu needs %zu MiB of buffers besides the parameters, over "
                  "the load limit of 64 MiB + 256 bytes per parameter (docs/FORMAT.md, \"Memory "
                  "budget\")",
                  fn, net->def.max_batch, buffers / (1024 * 1024 / sizeof(float)));
  if (st != PG_OK) {
    pg__free(ctx, net);
    return st;
  }
  net->ctx = ctx;
  atomic_init(&net->refs, 1);
  if (pg__net_alloc(net) != PG_OK) {
    pg__free(ctx, net);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the net's buffers", fn);
  }
  st = pg__params_read(ctx, fn, &rp, net->def.n_params, net->params);
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
