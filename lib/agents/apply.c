/* The one apply point of every agent: where an update's gradients are
** complete, are reduced across processes (the hook; none by default),
** clipped jointly over the agent's blocks (lib/optim), and handed to the
** optimizers (lib/optim) at the learning rate of the current step; and the
** creation of those optimizers from the agent's parameters. An asynchronous
** worker's optimizers are its parent's: the update goes to the shared
** parameters and theta' <- theta comes back in the same pass. Nothing here
** allocates except pg__agent_make_optim (and pg__agent_setup_optim). */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>

/* ---- optimizers ------------------------------------------------------------- */

static void set_optim(pg_agent *a, pg_optim *o, double lr, double anneal_steps) {
  int kind = a->opt_kind;
  (void)pg_optim_set_param(o, PG_OPTIM_LR, lr);
  pg__optim_set_schedule(o, anneal_steps);
  if (kind == PG_OPTIM_RMSPROP)
    (void)pg_optim_set_param(o, PG_OPTIM_DECAY, pg__p(a, PG_PARAM_RMSPROP_DECAY));
  if (kind != PG_OPTIM_SGD)
    (void)pg_optim_set_param(o, PG_OPTIM_EPSILON, pg__p(a, PG_PARAM_OPTIM_EPSILON));
}

pg_status pg__agent_make_optim(pg_agent *a, const char *fn, pg_optim **out_opt,
                               pg_optim **out_vopt) {
  int kind = (int)pg__p(a, PG_PARAM_OPTIMIZER);
  *out_opt = *out_vopt = NULL;
  if (a->opt && a->opt_kind == kind) return PG_OK;
  pg_optim *o = NULL, *vo = NULL;
  pg_status st = pg__optim_for_net(a->net, (pg_optim_kind)kind, fn, &o);
  if (st == PG_OK && a->vnet) st = pg__optim_for_net(a->vnet, (pg_optim_kind)kind, fn, &vo);
  if (st != PG_OK) {
    pg_optim_destroy(o);
    return pg__fail(a->ctx, st, "%s: cannot create the optimizer: %s", fn,
                    pg_ctx_last_error(a->ctx));
  }
  *out_opt = o;
  *out_vopt = vo;
  return PG_OK;
}

void pg__agent_commit_optim(pg_agent *a, pg_optim *o, pg_optim *vo) {
  bool first = !a->opt;
  if (o) {
    pg_optim_destroy(a->opt);
    pg_optim_destroy(a->vopt);
    a->opt = o;
    a->vopt = vo;
    a->opt_kind = (int)pg__p(a, PG_PARAM_OPTIMIZER);
  }
  /* the initial spread, before the first learning step (not after a load:
  ** a loaded agent that has learned has its optimizers) */
  if (first && a->user_set[PG_PARAM_LOG_STD_INIT])
    pg__agent_set_log_std(a, pg__p(a, PG_PARAM_LOG_STD_INIT));
  /* The policy rate follows the schedule; the value net's is constant. */
  set_optim(a, a->opt, pg__p(a, PG_PARAM_LR), pg__p(a, PG_PARAM_LR_ANNEAL_STEPS));
  if (a->vopt) set_optim(a, a->vopt, pg__p(a, PG_PARAM_VALUE_LR), 0.0);
}

pg_status pg__agent_setup_optim(pg_agent *a, const char *fn) {
  pg_optim *o = NULL, *vo = NULL;
  pg_status st = pg__agent_make_optim(a, fn, &o, &vo);
  if (st == PG_OK) pg__agent_commit_optim(a, o, vo);
  return st;
}

double pg__agent_lr(const pg_agent *a) {
  return pg__lr_schedule(pg__p(a, PG_PARAM_LR), pg__p(a, PG_PARAM_LR_ANNEAL_STEPS),
                         a->total_steps);
}

/* ---- the Gaussian spread ------------------------------------------------------- */

/* The head's log-std parameters (writable), or NULL without a Gaussian head
** or with a state-dependent log-std (bounded in its own forward). */
static float *log_std_params(pg_agent *a, size_t *k) {
  const pg__netdef *d = pg__net_def(a->net);
  if (d->head[PG__HEAD_GAUSSIAN] < 0 || pg__netdef_state_std(d)) return NULL;
  *k = pg__net_action_dim(a->net);
  return pg__net_params(a->net) + pg__net_def(a->net)->log_std_off;
}

void pg__agent_set_log_std(pg_agent *a, double v) {
  const pg__netdef *def = pg__net_def(a->net);
  if (pg__netdef_state_std(def)) { /* the bias of the log-std layer */
    pg__netdef_set_log_std(def, pg__net_params(a->net), v);
    pg__net_params_changed(a->net);
    return;
  }
  size_t k = 0;
  float *ls = log_std_params(a, &k);
  if (!ls) return;
  for (size_t d = 0; d < k; d++) ls[d] = (float)v;
  pg__agent_bound_log_std(a);
  pg__net_params_changed(a->net);
}

void pg__agent_bound_log_std(pg_agent *a) {
  size_t k = 0;
  float *ls = log_std_params(a, &k);
  if (!ls || !pg__ops_accepts(a->ops, PG_PARAM_LOG_STD_MAX)) return;
  float lo = (float)pg__p(a, PG_PARAM_LOG_STD_MIN), hi = (float)pg__p(a, PG_PARAM_LOG_STD_MAX);
  if (hi < lo) hi = lo; /* the lower bound wins */
  bool changed = false;
  for (size_t d = 0; d < k; d++) {
    float c = ls[d] < lo ? lo : ls[d] > hi ? hi : ls[d];
    changed |= c != ls[d];
    ls[d] = c;
  }
  if (changed) pg__net_params_changed(a->net);
}

/* ---- theta' <- theta --------------------------------------------------------- */

void pg__agent_pull_params(pg_agent *a) {
  pg_agent *R = a->root;
  if (R == a) return; /* acting on the shared parameters themselves */
  pg__optim_read_params(R->opt, pg__net_params(a->net));
  if (a->vnet) pg__optim_read_params(R->vopt, pg__net_params(a->vnet));
  pg__net_params_changed(a->net);
  if (a->vnet) pg__net_params_changed(a->vnet);
}

/* ---- the apply point ---------------------------------------------------------- */

/* The agent's gradient blocks: the policy (or shared) net, then the value
** net when there is one. Returns the count. */
static size_t grad_blocks(pg_agent *a, float **g, size_t *n) {
  g[0] = pg__net_grads(a->net);
  n[0] = pg__net_param_count(a->net);
  if (!a->vnet) return 1;
  g[1] = pg__net_grads(a->vnet);
  n[1] = pg__net_param_count(a->vnet);
  return 2;
}

/* Synchronous agents: both updates are tried on copies first, so that one
** which would make a parameter or an optimizer statistic non-finite
** changes nothing (a checkpoint then never holds a non-finite state). */
static pg_status apply_own(pg_agent *a, const char *fn, float *const *g, uint64_t step) {
  if (!pg__optim_trial_at(a->opt, g[0], step) ||
      (a->vnet && !pg__optim_trial_at(a->vopt, g[1], step)))
    return pg__fail(a->ctx, PG_ERR_NUMERIC,
                    "%s: the update would make parameters or optimizer statistics NaN or Inf: "
                    "nothing changed", fn);
  pg__optim_apply_at(a->opt, g[0], step, NULL);
  pg__net_params_changed(a->net);
  if (a->vnet) {
    pg__optim_apply_at(a->vopt, g[1], step, NULL);
    pg__net_params_changed(a->vnet);
  }
  return PG_OK;
}

/* Asynchronous agents: the update goes to the root's (shared) optimizers;
** a worker re-reads theta' in the same pass (or after it, in Hogwild mode,
** where the read comes from the atomic copy). */
static void apply_shared(pg_agent *a, float *const *g, uint64_t step) {
  pg_agent *R = a->root;
  bool worker = R != a;
  pg__optim_apply_at(R->opt, g[0], step, worker ? pg__net_params(a->net) : NULL);
  if (a->vnet) pg__optim_apply_at(R->vopt, g[1], step, worker ? pg__net_params(a->vnet) : NULL);
  pg__net_params_changed(a->net);
  if (a->vnet) pg__net_params_changed(a->vnet);
}

pg_status pg__agent_apply(pg_agent *a, const char *fn, uint64_t step, double pl, double vl,
                          double ent, bool *out_stepped) {
  bool shared = (a->ops->traits & PG__TRAIT_ASYNC) != 0;
  bool stepped_dummy;
  if (!out_stepped) out_stepped = &stepped_dummy;
  *out_stepped = false;
  float *g[2];
  size_t n[2], k = grad_blocks(a, g, n);
  /* The gradients are complete here: reduce them across processes. */
  for (size_t i = 0; a->grad_reduce && i < k; i++) {
    pg_status st = a->grad_reduce(a->grad_reduce_user, (int32_t)i, (int32_t)k, g[i], n[i]);
    if (st != PG_OK) {
      pg__agent_pull_params(a);
      return pg__fail(a->ctx, st, "%s: the gradient reduction failed: update skipped", fn);
    }
  }
  /* Only the gradient matters: the loss is a statistic, and log pi of a
  ** sampled action whose probability underflowed is -inf while its
  ** gradient (onehot - p) is finite. */
  double max_norm = pg__p(a, PG_PARAM_CLIP_NORM);
  double norm = pg__clip_blocks(g, n, k, max_norm);
  /* A shared update is not tried on copies (workers race on it); a norm
  ** below 1e18 keeps every squared element, and so RMSProp's and Adam's
  ** statistics, finite in float. */
  double applied = max_norm > 0.0 && norm > max_norm ? max_norm : norm;
  if (shared && isfinite(norm) && applied >= 1e18) {
    pg__agent_pull_params(a);
    return pg__fail(a->ctx, PG_ERR_NUMERIC,
                    "%s: gradient norm %g would overflow the optimizer's statistics: update "
                    "skipped, shared parameters unchanged", fn, norm);
  }
  if (!isfinite(norm)) {
    pg__agent_pull_params(a);
    return pg__fail(a->ctx, PG_ERR_NUMERIC,
                    shared ? "%s: non-finite gradient: update skipped, shared parameters unchanged"
                           : "%s: non-finite gradient: update skipped, parameters unchanged",
                    fn);
  }
  *out_stepped = true;
  if (shared) {
    apply_shared(a, g, step);
  } else {
    pg_status st = apply_own(a, fn, g, step);
    if (st != PG_OK) return st;
    pg__agent_bound_log_std(a);
  }
  a->policy_loss = pl;
  a->value_loss = vl;
  a->entropy = ent;
  if (shared && !pg__all_finite(pg__net_params(a->net), n[0]))
    return pg__fail(a->ctx, PG_ERR_NUMERIC, "%s: the shared parameters diverged (NaN/Inf)", fn);
  return PG_OK;
}

pg_status pg_agent_set_grad_reduce(pg_agent *agent, pg_grad_reduce_fn fn, void *user) {
  static const char *name = "pg_agent_set_grad_reduce";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (agent->root != agent)
    return pg__fail(agent->ctx, PG_ERR_UNSUPPORTED,
                    "%s: a worker handle updates its parent's parameters: set the hook on a "
                    "synchronous agent", name);
  if (agent->ops->traits & PG__TRAIT_ASYNC)
    return pg__fail(agent->ctx, PG_ERR_UNSUPPORTED,
                    "%s: '%s' is asynchronous (threads update shared parameters): a gradient "
                    "reduction needs a synchronous algorithm such as PAAC", name, agent->ops->name);
  agent->grad_reduce = fn;
  agent->grad_reduce_user = fn ? user : NULL;
  return PG_OK;
}
