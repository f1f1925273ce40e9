/* The public pg_optim_create: binds a flat-block optimizer (lib/optim) to a
** net's parameter and gradient blocks (lib/nn). It lives here, above both,
** because lib/optim knows no networks and lib/nn no optimizers: the net is
** retained while the optimizer lives and told after each update (its cached
** forward pass is stale then). */
#include "agents/pg_agent_internal.h"

static void net_changed(void *net) { pg__net_params_changed(net); }
static void net_release(void *net) { pg__net_release(net); }

pg_status pg__optim_for_net(pg_net *net, pg_optim_kind kind, const char *fn, pg_optim **out) {
  pg_ctx *ctx = pg__net_ctx(net);
  *out = NULL;
  if (kind < PG_OPTIM_SGD || kind > PG_OPTIM_ADAM)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: unknown optimizer kind %d", fn, (int)kind);
  if (!pg__net_ready(net))
    return pg__fail(ctx, PG_ERR_BAD_STATE, "%s: the net is not finalized", fn);
  pg__optim_block block = {pg__net_params(net), pg__net_grads(net), pg__net_param_count(net)};
  pg__block_owner owner = {net, net_changed, net_release};
  pg_status st = pg__optim_create(ctx, kind, &block, &owner, fn, out);
  if (st == PG_OK) pg__net_retain(net);
  return st;
}

pg_status pg_optim_create(pg_net *net, pg_optim_kind kind, pg_optim **out) {
  static const char fn[] = "pg_optim_create";
  if (!net) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(pg__net_ctx(net), PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  return pg__optim_for_net(net, kind, fn, out);
}
