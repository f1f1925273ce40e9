/* pg_agent: creation, parameters, statistics and the host-driven loop's
** public entry points (argument checks, then dispatch to the algorithm's
** pg__algo_ops). */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#define PG__HAVE_MXCSR 1
#endif

/* ---- small helpers -------------------------------------------------------- */

double pg__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

unsigned pg__ftz_enter(void) {
#ifdef PG__HAVE_MXCSR
  unsigned saved = _mm_getcsr();
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
  return saved;
#else
  return 0;
#endif
}

void pg__ftz_leave(unsigned saved) {
#ifdef PG__HAVE_MXCSR
  _mm_setcsr(saved);
#else
  (void)saved;
#endif
}

/* ---- parameter table: names and global bounds ---------------------------- */

typedef struct pinfo {
  pg_param p;
  const char *name;
  double lo, hi;
  bool integer;
  bool structural; /* changes the buffers or optimizer: needs setup */
} pinfo;

static const pinfo PINFO[] = {
    {PG_PARAM_GAMMA, "gamma", 0.0, 1.0, false, false},
    {PG_PARAM_LR, "lr", 0.0, 10.0, false, false},
    {PG_PARAM_VALUE_LR, "value_lr", 0.0, 10.0, false, false},
    {PG_PARAM_ENTROPY_BETA, "entropy_beta", 0.0, 10.0, false, false},
    {PG_PARAM_VALUE_COEF, "value_coef", 0.0, 1000.0, false, false},
    {PG_PARAM_CLIP_NORM, "clip_norm", 0.0, 1e9, false, false},
    {PG_PARAM_T_MAX, "t_max", 1.0, 4096.0, true, true},
    {PG_PARAM_NUM_ENVS, "num_envs", 1.0, 4096.0, true, true},
    {PG_PARAM_NUM_THREADS, "num_threads", 1.0, 256.0, true, false},
    {PG_PARAM_SEED, "seed", 0.0, 9007199254740992.0, true, false},
    {PG_PARAM_OPTIMIZER, "optimizer", 1.0, 3.0, true, true},
    {PG_PARAM_RMSPROP_DECAY, "rmsprop_decay", 0.0, 0.999999, false, false},
    {PG_PARAM_OPTIM_EPSILON, "optim_epsilon", 1e-12, 1.0, false, false},
    {PG_PARAM_LR_ANNEAL_STEPS, "lr_anneal_steps", 0.0, 1e15, true, false},
    {PG_PARAM_DETERMINISTIC, "deterministic", 0.0, 1.0, true, false},
    {PG_PARAM_REPORT_INTERVAL, "report_interval", 0.0, 1e15, true, false},
    {PG_PARAM_EPSILON_ANNEAL_STEPS, "epsilon_anneal_steps", 0.0, 1e15, true, false},
    {PG_PARAM_TARGET_INTERVAL, "target_interval", 1.0, 1e15, true, false},
    {PG_PARAM_HOGWILD, "hogwild", 0.0, 1.0, true, false},
    {PG_PARAM_MAX_EPISODE_STEPS, "max_episode_steps", 0.0, 1e15, true, false},
    {PG_PARAM_PER_STEP_UPDATES, "per_step_updates", 0.0, 1.0, true, false},
};

static const pinfo *param_info(pg_param p) {
  for (size_t i = 0; i < sizeof PINFO / sizeof *PINFO; i++)
    if (PINFO[i].p == p) return &PINFO[i];
  return NULL;
}

const char *pg_param_name(pg_param param) {
  const pinfo *pi = param_info(param);
  return pi ? pi->name : NULL;
}

pg_status pg_param_from_name(const char *name, pg_param *out) {
  if (!name || !out) return PG_ERR_INVALID_ARG;
  for (size_t i = 0; i < sizeof PINFO / sizeof *PINFO; i++)
    if (strcmp(PINFO[i].name, name) == 0) {
      *out = PINFO[i].p;
      return PG_OK;
    }
  return PG_ERR_INVALID_ARG;
}

static bool accepts(const pg_agent *a, pg_param p) {
  for (const pg__param_default *d = a->ops->params; d->param; d++)
    if (d->param == p) return true;
  return false;
}

static void bounds(const pg_agent *a, const pinfo *pi, double *lo, double *hi) {
  *lo = pi->lo;
  *hi = pi->hi;
  for (const pg__param_bound *b = a->ops->bounds; b && b->param; b++)
    if (b->param == pi->p) {
      *lo = b->lo;
      *hi = b->hi;
    }
}

static bool user_set(const pg_agent *a, pg_param p) {
  return (a->user_set >> (unsigned)p) & 1u;
}

/* Defaults that follow other parameters unless the caller set them. */
static void derive_defaults(pg_agent *a) {
  int kind = (int)pg__p(a, PG_PARAM_OPTIMIZER);
  if (!user_set(a, PG_PARAM_OPTIM_EPSILON))
    a->param[PG_PARAM_OPTIM_EPSILON] = kind == PG_OPTIM_ADAM ? 1e-8 : 1e-5;
  if (a->ops->lr_per_env > 0.0 && !user_set(a, PG_PARAM_LR))
    a->param[PG_PARAM_LR] = a->ops->lr_per_env * pg__p(a, PG_PARAM_NUM_ENVS);
}


/* ---- creation --------------------------------------------------------------- */

void pg_agent_destroy(pg_agent *agent) {
  if (!agent) return;
  pg_ctx *ctx = agent->ctx;
  if (agent->ops && agent->ops->teardown) agent->ops->teardown(agent);
  pg_optim_destroy(agent->opt);
  pg_optim_destroy(agent->vopt);
  if (agent->own_nets) {
    pg_net_destroy(agent->net);
    pg_net_destroy(agent->vnet);
  }
  pg__free(ctx, agent->actions);
  pg__free(ctx, agent->mask_buf);
  pg__free(ctx, agent->pend_obs);
  pg__free(ctx, agent->pend_value);
  pg__free(ctx, agent->pend_logp);
  pg__free(ctx, agent->ep_return);
  pg__free(ctx, agent->ep_length);
  pg__free(ctx, agent->backup);
  pg__free(ctx, agent->vbackup);
  pg__free(ctx, agent);
  pg__ctx_release(ctx);
}

static pg_status check_q_net(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net, pg_net *vnet,
                             const char *fn) {
  if (!pg__net_ready(net))
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: the network must be finalized", fn);
  (void)ops;
  if (vnet) return pg__fail(ctx, PG_ERR_SHAPE, "%s: the async Q methods use no value network", fn);
  if (pg__net_n_q(net) < 2 || pg__net_n_actions(net) > 0 || pg__net_action_dim(net) > 0)
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: the async Q methods need a net with a Q head (>= 2 actions) and no "
                    "policy head", fn);
  return PG_OK;
}

static pg_status check_nets(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net,
                            pg_net *vnet, const char *fn) {
  if (ops->traits & PG__TRAIT_Q_HEAD) return check_q_net(ctx, ops, net, vnet, fn);
  if (!pg__net_ready(net) || (vnet && !pg__net_ready(vnet)))
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: the networks must be finalized", fn);
  bool cat = pg__net_n_actions(net) > 0, gauss = pg__net_action_dim(net) > 0;
  if (cat == gauss)
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: net needs exactly one policy head (categorical or Gaussian)", fn);
  if (!ops->needs_value && vnet)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: %s uses no value network", fn, ops->name);
  if (ops->needs_value && !vnet && !pg__net_has_value(net))
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: %s needs a value head on net or a value_net", fn, ops->name);
  if (vnet && (!pg__net_has_value(vnet) || pg__net_input_dim(vnet) != pg__net_input_dim(net)))
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: value_net needs a value head and net's input size", fn);
  return PG_OK;
}

static pg_status agent_new(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net, pg_net *vnet,
                           bool own, const char *fn, pg_agent **out) {
  pg_algorithm algo = ops->algorithm;
  pg_agent *a = pg__calloc(ctx, 1, sizeof *a);
  if (!a) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  pg__ctx_retain(ctx);
  a->ctx = ctx;
  a->algorithm = algo;
  a->ops = ops;
  a->net = net;
  a->vnet = vnet;
  a->own_nets = own;
  a->root = a;
  a->obs_size = pg__net_input_dim(net);
  a->discrete = pg__net_n_actions(net) > 0 || pg__net_n_q(net) > 0;
  a->n_actions = pg__net_n_q(net) > 0 ? pg__net_n_q(net)
                 : a->discrete        ? pg__net_n_actions(net)
                                      : pg__net_action_dim(net);
  a->action_len = a->discrete ? 1 : a->n_actions;
  for (const pg__param_default *d = ops->params; d->param; d++) a->param[d->param] = d->value;
  a->param[PG_PARAM_SEED] = (double)(ctx->seed & ((UINT64_C(1) << 53) - 1));
  pg__rng_seed(&a->rng, (uint64_t)a->param[PG_PARAM_SEED], 0xa9e7);
  derive_defaults(a);
  a->dirty = true;
  size_t np = pg__net_param_count(net);
  a->backup = pg__malloc(ctx, np * sizeof(float));
  if (vnet) a->vbackup = pg__malloc(ctx, pg__net_param_count(vnet) * sizeof(float));
  if (!a->backup || (vnet && !a->vbackup)) {
    a->own_nets = false;
    pg_agent_destroy(a);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  *out = a;
  return PG_OK;
}

static pg_status check_algo(pg_ctx *ctx, pg_algorithm algo, const char *fn) {
  if (pg__algo_lookup(algo)) return PG_OK;
  return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: unknown algorithm %d", fn, (int)algo);
}

/* pg_agent_create's checks and creation for the operations ops. */
static pg_status create_with(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net, pg_net *value_net,
                             const char *fn, pg_agent **out) {
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!net) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: net is NULL", fn);
  if (value_net == net) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: value_net is net", fn);
  pg_status st = check_nets(ctx, ops, net, value_net, fn);
  if (st != PG_OK) return st;
  return agent_new(ctx, ops, net, value_net, false, fn, out);
}

pg_status pg_agent_create(pg_ctx *ctx, pg_algorithm algorithm, pg_net *net, pg_net *value_net,
                          pg_agent **out) {
  static const char *fn = "pg_agent_create";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (out) *out = NULL;
  pg_status st = check_algo(ctx, algorithm, fn);
  if (st != PG_OK) return st;
  return create_with(ctx, pg__algo_lookup(algorithm), net, value_net, fn, out);
}

pg_status pg__agent_create_ops(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net,
                               pg_net *value_net, pg_agent **out) {
  static const char *fn = "pg_agent_create";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!ops || !ops->setup || !ops->record || !ops->update_due || !ops->update || !ops->clear ||
      !ops->params)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: incomplete algorithm operations", fn);
  return create_with(ctx, ops, net, value_net, fn, out);
}

/* The nets pg_agent_create_for_env builds: a ReLU trunk, then the heads. */
enum { HEAD_POLICY = 1, HEAD_VALUE = 2, HEAD_Q = 4 };

static pg_status build_net(pg_ctx *ctx, const pg_env *env, size_t in, int32_t units,
                           int32_t layers, unsigned heads, uint64_t seed, pg_net **out) {
  bool policy = heads & HEAD_POLICY, value = heads & HEAD_VALUE;
  pg_net *net = NULL;
  pg_status st = pg_net_create(ctx, in, 512, seed, &net);
  for (int32_t l = 0; st == PG_OK && l < layers; l++)
    st = pg_net_add_dense(net, (size_t)units, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, sqrt(2.0));
  if (st == PG_OK && (heads & HEAD_Q))
    st = pg_net_add_q_head(net, (size_t)pg__env_n(env), PG_INIT_ORTHOGONAL, 1.0);
  if (st == PG_OK && policy) {
    if (pg__env_kind(env) == PG_ACTION_DISCRETE)
      st = pg_net_add_categorical_head(net, (size_t)pg__env_n(env), PG_INIT_ORTHOGONAL, 0.01);
    else
      st = pg_net_add_gaussian_head(net, (size_t)pg__env_n(env), PG_INIT_ORTHOGONAL, 0.01, 0.0);
  }
  if (st == PG_OK && value) st = pg_net_add_value_head(net, PG_INIT_ORTHOGONAL, 1.0);
  if (st == PG_OK) st = pg_net_finalize(net);
  if (st != PG_OK) {
    pg_net_destroy(net);
    return st;
  }
  *out = net;
  return PG_OK;
}

pg_status pg_agent_create_for_env(pg_ctx *ctx, pg_algorithm algorithm, const pg_env *env,
                                  int32_t hidden_units, int32_t hidden_layers,
                                  pg_agent **out) {
  static const char *fn = "pg_agent_create_for_env";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  if (hidden_layers < 0 || hidden_layers > 8 || (hidden_layers > 0 && (hidden_units < 1 ||
                                                                       hidden_units > 4096)))
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: hidden_layers = %d must be in [0, 8] and hidden_units = %d in [1, 4096]",
                    fn, (int)hidden_layers, (int)hidden_units);
  pg_status st = check_algo(ctx, algorithm, fn);
  if (st != PG_OK) return st;
  if (pg__env_kind(env) == PG_ACTION_DISCRETE && pg__env_n(env) < 2)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED, "%s: a discrete policy needs >= 2 actions", fn);
  const pg__algo_ops *ops = pg__algo_lookup(algorithm);
  /* REINFORCE with baseline and one-step actor-critic: separate value
  ** network (the lecture's theta and w), also A3C; PAAC: shared trunk. */
  bool separate = ops->needs_value && (ops->traits & PG__TRAIT_SEPARATE_VALUE);
  unsigned heads = HEAD_POLICY | (ops->needs_value && !separate ? HEAD_VALUE : 0);
  if (ops->traits & PG__TRAIT_Q_HEAD) {
    if (pg__env_kind(env) != PG_ACTION_DISCRETE)
      return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                      "%s: the async Q methods need a discrete action space", fn);
    heads = HEAD_Q;
  }
  uint64_t seed = ctx->seed;
  pg_net *net = NULL, *vnet = NULL;
  size_t in = (size_t)pg__env_obs_size(env);
  st = build_net(ctx, env, in, hidden_units, hidden_layers, heads, pg__mix64(seed, 1), &net);
  if (st == PG_OK && separate)
    st = build_net(ctx, env, in, hidden_units, hidden_layers, HEAD_VALUE, pg__mix64(seed, 2),
                   &vnet);
  if (st == PG_OK) st = agent_new(ctx, ops, net, vnet, true, fn, out);
  if (st != PG_OK) {
    pg_net_destroy(net);
    pg_net_destroy(vnet);
    return pg__fail(ctx, st, "%s: %s", fn, pg_ctx_last_error(ctx));
  }
  return PG_OK;
}

/* ---- parameters --------------------------------------------------------------- */

static pg_status lookup_param(pg_agent *a, pg_param p, const char *fn, const pinfo **out) {
  const pinfo *pi = param_info(p);
  if (!pi) return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: unknown parameter %d", fn, (int)p);
  if (!accepts(a, p))
    return pg__fail(a->ctx, PG_ERR_UNSUPPORTED, "%s: %s does not use parameter '%s'", fn,
                    a->ops->name, pi->name);
  *out = pi;
  return PG_OK;
}

/* Applies a changed non-structural parameter to live objects. */
static void apply_live(pg_agent *a, pg_param p) {
  if (p == PG_PARAM_SEED) pg__rng_seed(&a->rng, (uint64_t)pg__p(a, p), 0xa9e7);
  if (a->opt && (p == PG_PARAM_LR || p == PG_PARAM_VALUE_LR || p == PG_PARAM_RMSPROP_DECAY ||
                 p == PG_PARAM_OPTIM_EPSILON || p == PG_PARAM_LR_ANNEAL_STEPS))
    (void)pg__agent_setup_optim(a, "pg_agent_set_param");
}

pg_status pg_agent_set_param(pg_agent *agent, pg_param param, double value) {
  static const char *fn = "pg_agent_set_param";
  if (!agent) return PG_ERR_INVALID_ARG;
  const pinfo *pi = NULL;
  pg_status st = lookup_param(agent, param, fn, &pi);
  if (st != PG_OK) return st;
  double lo, hi;
  bounds(agent, pi, &lo, &hi);
  if (!(value >= lo && value <= hi) || (pi->integer && value != floor(value)))
    return pg__fail(agent->ctx, isfinite(value) ? PG_ERR_OUT_OF_RANGE : PG_ERR_NUMERIC,
                    "%s: %s = %g must be %s in [%g, %g]", fn, pi->name, value,
                    pi->integer ? "an integer" : "a number", lo, hi);
  if (pi->structural && agent->phase != PG__PHASE_READY)
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE,
                    "%s: '%s' cannot change while a step awaits pg_agent_report", fn, pi->name);
  if (pi->structural && agent->param[param] != value) {
    agent->dirty = true;
    if (agent->ops->clear) agent->ops->clear(agent);
  }
  agent->param[param] = value;
  agent->user_set |= 1u << (unsigned)param;
  derive_defaults(agent);
  apply_live(agent, param);
  return PG_OK;
}

pg_status pg_agent_get_param(pg_agent *agent, pg_param param, double *out_value) {
  static const char *fn = "pg_agent_get_param";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_value) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_value is NULL", fn);
  const pinfo *pi = NULL;
  pg_status st = lookup_param(agent, param, fn, &pi);
  if (st != PG_OK) return st;
  *out_value = agent->param[param];
  return PG_OK;
}

pg_status pg_agent_set_param_by_name(pg_agent *agent, const char *name, double value) {
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!name)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "pg_agent_set_param_by_name: name is NULL");
  pg_param p;
  if (pg_param_from_name(name, &p) != PG_OK)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG,
                    "pg_agent_set_param_by_name: unknown parameter name '%.64s'", name);
  return pg_agent_set_param(agent, p, value);
}

pg_status pg_agent_param_bounds(pg_agent *agent, pg_param param, double *out_low,
                                double *out_high) {
  static const char *fn = "pg_agent_param_bounds";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_low || !out_high)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_low/out_high is NULL", fn);
  const pinfo *pi = NULL;
  pg_status st = lookup_param(agent, param, fn, &pi);
  if (st != PG_OK) return st;
  bounds(agent, pi, out_low, out_high);
  return PG_OK;
}

/* ---- statistics ------------------------------------------------------------------ */

void pg__agent_episode_end(pg_agent *a, size_t slot) {
  double r = a->ep_return[slot];
  a->last_return = r;
  a->last_length = a->ep_length[slot];
  a->episodes++;
  a->ring[a->ring_pos] = r;
  a->ring_pos = (a->ring_pos + 1) % PG__RING;
  if (a->ring_n < PG__RING) a->ring_n++;
  a->ep_return[slot] = 0.0;
  a->ep_length[slot] = 0;
}

pg_status pg_agent_get_stat(pg_agent *agent, pg_stat stat, double *out_value) {
  static const char *fn = "pg_agent_get_stat";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_value) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_value is NULL", fn);
  double v, el = agent->train_elapsed;
  switch (stat) {
  case PG_STAT_EPISODES: v = (double)agent->episodes; break;
  case PG_STAT_LAST_RETURN: v = agent->last_return; break;
  case PG_STAT_LAST_LENGTH: v = (double)agent->last_length; break;
  case PG_STAT_MEAN_RETURN_100: {
    double s = 0.0;
    for (int i = 0; i < agent->ring_n; i++) s += agent->ring[i];
    v = agent->ring_n ? s / agent->ring_n : 0.0;
    break;
  }
  case PG_STAT_TOTAL_STEPS: v = (double)agent->total_steps; break;
  case PG_STAT_UPDATES: v = (double)agent->updates; break;
  case PG_STAT_STEPS_PER_SECOND:
    v = el > 0.0 ? (double)(agent->total_steps - agent->train_steps0) / el : 0.0;
    break;
  case PG_STAT_POLICY_LOSS: v = agent->policy_loss; break;
  case PG_STAT_VALUE_LOSS: v = agent->value_loss; break;
  case PG_STAT_ENTROPY: v = agent->entropy; break;
  case PG_STAT_ELAPSED_SECONDS: v = el; break;
  case PG_STAT_LEARNING_RATE: v = pg__agent_lr(agent); break;
  default:
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: unknown statistic %d", fn, (int)stat);
  }
  *out_value = v;
  return PG_OK;
}

pg_status pg_agent_get_net(pg_agent *agent, int32_t which, pg_net **out_net) {
  static const char *fn = "pg_agent_get_net";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!out_net) return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: out_net is NULL", fn);
  if (which != 0 && which != 1)
    return pg__fail(agent->ctx, PG_ERR_OUT_OF_RANGE, "%s: which = %d must be 0 or 1", fn,
                    (int)which);
  if (which == 1 && !agent->vnet)
    return pg__fail(agent->ctx, PG_ERR_UNSUPPORTED, "%s: no separate value network", fn);
  *out_net = which ? agent->vnet : agent->net;
  return PG_OK;
}

/* ---- setup ---------------------------------------------------------------------- */

/* (Re)allocates the per-slot buffers and the algorithm's rollout, then the
** optimizers. On failure the previous state stays. */
pg_status pg__agent_prepare(pg_agent *a, const char *fn) {
  if (!a->dirty) return PG_OK;
  pg_ctx *ctx = a->ctx;
  size_t n = pg__pz(a, PG_PARAM_NUM_ENVS);
  bool acting = (a->ops->traits & PG__TRAIT_ACTING) != 0;
  /* the per-slot buffers, in the order of the fields below */
  void *buf[7] = {pg__calloc(ctx, n * a->action_len, sizeof(float)),
                  pg__calloc(ctx, n * a->obs_size, sizeof(float)),
                  a->discrete ? pg__calloc(ctx, n * a->n_actions, 1) : NULL,
                  pg__calloc(ctx, n, sizeof(double)),
                  pg__calloc(ctx, n, sizeof(uint64_t)),
                  acting ? pg__calloc(ctx, n, sizeof(float)) : NULL,
                  acting ? pg__calloc(ctx, n, sizeof(float)) : NULL};
  const bool need[7] = {true, true, a->discrete, true, true, acting, acting};
  pg_status st = PG_OK;
  for (int i = 0; i < 7 && st == PG_OK; i++)
    if (need[i] && !buf[i]) st = pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for %zu slots", fn, n);
  size_t old_n = a->n_slots;
  if (st == PG_OK) {
    a->n_slots = n;
    st = a->ops->setup(a);
    if (st != PG_OK) a->n_slots = old_n;
  }
  if (st == PG_OK) st = pg__agent_setup_optim(a, fn);
  void *old[7] = {a->actions,   a->pend_obs,   a->mask_buf,  a->ep_return,
                  a->ep_length, a->pend_value, a->pend_logp};
  void **drop = st == PG_OK ? old : buf;
  for (int i = 0; i < 7; i++) pg__free(ctx, drop[i]);
  if (st != PG_OK) return st;
  a->actions = buf[0];
  a->pend_obs = buf[1];
  a->mask_buf = buf[2];
  a->ep_return = buf[3];
  a->ep_length = buf[4];
  a->pend_value = buf[5];
  a->pend_logp = buf[6];
  a->dirty = false;
  return PG_OK;
}

/* ---- acting ------------------------------------------------------------------------ */

void pg__agent_act_rows(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                        bool deterministic, float *actions) {
  pg__agent_act_rows_at(a, obs, mask, n, deterministic, actions, 0);
}

void pg__agent_act_rows_at(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                           bool deterministic, float *actions, size_t row0) {
  size_t mb = pg__net_max_batch(a->net), os = a->obs_size, k = a->n_actions;
  if (row0 + n > mb) row0 = 0;
  for (size_t off = 0; off < n; off += mb) {
    size_t m = n - off < mb ? n - off : mb;
    pg__net_out o;
    const uint8_t *mk = mask ? mask + off * k : NULL;
    pg__net_forward_rows(a->net, obs + off * os, row0, m, mk, &o);
    for (size_t j = 0; j < m; j++) {
      float *act = actions + (off + j) * a->action_len;
      if (o.q) { /* async Q methods: greedy, or epsilon-greedy when learning */
        const uint8_t *mr = mk ? mk + j * k : NULL;
        act[0] = (float)(deterministic ? pg__argmax(o.q + j * k, mr, k)
                                       : a->ops->act_q(a, o.q + j * k, mr));
      } else if (a->discrete) {
        const float *p = o.probs + j * k;
        act[0] = (float)(deterministic ? pg__argmax(p, mk ? mk + j * k : NULL, k)
                                       : pg__sample_categorical(p, k, &a->rng));
      } else if (deterministic) {
        memcpy(act, o.mean + j * k, k * sizeof(float));
      } else {
        pg__sample_gaussian(o.mean + j * k, o.log_std, k, &a->rng, act);
      }
      if (a->capturing) {
        a->pend_logp[off + j] = o.q ? 0.0f : (float)pg__agent_row_log_prob(a, &o, j, act);
        a->pend_value[off + j] = o.value ? o.value[j] : 0.0f;
      }
    }
  }
}

static pg_status check_obs_mask(pg_agent *a, const float *obs, const uint8_t *mask, size_t n,
                                const char *fn) {
  if (!pg__all_finite(obs, n * a->obs_size))
    return pg__fail(a->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in the observation", fn);
  if (!mask) return PG_OK;
  if (!a->discrete)
    return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: a mask needs a discrete policy", fn);
  for (size_t i = 0; i < n; i++) {
    size_t on = 0;
    for (size_t j = 0; j < a->n_actions; j++) on += mask[i * a->n_actions + j] != 0;
    if (!on)
      return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: mask row %zu allows no action", fn, i);
  }
  return PG_OK;
}

pg_status pg__agent_step(pg_agent *a, const float *obs, const uint8_t *mask, float *actions,
                         bool record) {
  static const char *fn = "pg_agent_step";
  if (a->phase == PG__PHASE_STEPPED)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE,
                    "%s: the previous step was not reported (call pg_agent_report)", fn);
  pg_status st = pg__agent_prepare(a, fn);
  if (st != PG_OK) return st;
  if (record && a->ops->update_due(a))
    return pg__fail(a->ctx, PG_ERR_BAD_STATE, "%s: an update is due: call pg_agent_update", fn);
  size_t n = a->n_slots;
  st = check_obs_mask(a, obs, mask, n, fn);
  if (st != PG_OK) return st;
  a->capturing = record && a->pend_logp;
  if (record && a->step_cache) {
    a->step_stamp0 = pg__net_forward_stamp(a->net);
    pg__agent_act_rows_at(a, obs, mask, n, false, a->actions, a->step_row0);
    a->step_stamp = pg__net_forward_stamp(a->net);
  } else {
    pg__agent_act_rows(a, obs, mask, n, !record, a->actions);
  }
  if (a->capturing && a->vnet) pg__agent_values(a, obs, n, a->pend_value);
  a->capturing = false;
  memcpy(actions, a->actions, n * a->action_len * sizeof(float));
  memcpy(a->pend_obs, obs, n * a->obs_size * sizeof(float));
  a->have_mask = mask != NULL;
  if (mask) memcpy(a->mask_buf, mask, n * a->n_actions);
  a->recorded = record;
  a->phase = PG__PHASE_STEPPED;
  return PG_OK;
}

pg_status pg__agent_report(pg_agent *a, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs) {
  static const char *fn = "pg_agent_report";
  size_t n = a->n_slots;
  pg_status st = PG_OK;
  for (size_t i = 0; i < n && st == PG_OK; i++)
    if ((term[i] != 0 && term[i] != 1) || (trunc[i] != 0 && trunc[i] != 1))
      st = pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: slot %zu: flags must be 0 or 1", fn, i);
  if (st == PG_OK && !pg__all_finite(rewards, n))
    st = pg__fail(a->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf reward: the step is dropped", fn);
  if (st == PG_OK && !pg__all_finite(next_obs, n * a->obs_size))
    st = pg__fail(a->ctx, PG_ERR_NUMERIC, "%s: NaN or Inf in next_obs: the step is dropped", fn);
  if (st == PG_OK && a->recorded)
    st = a->ops->record(a, a->pend_obs, a->have_mask ? a->mask_buf : NULL, a->actions, rewards,
                        term, trunc, next_obs);
  a->phase = PG__PHASE_READY;
  if (st != PG_OK) return st;
  if (a->recorded) a->total_steps += n;
  for (size_t i = 0; i < n; i++) {
    a->ep_return[i] += (double)rewards[i];
    a->ep_length[i]++;
    if (term[i] || trunc[i]) pg__agent_episode_end(a, i);
  }
  return PG_OK;
}

pg_status pg__agent_update(pg_agent *a, const char *fn, int32_t *out_updated) {
  if (out_updated) *out_updated = 0;
  if (a->phase == PG__PHASE_STEPPED)
    return pg__fail(a->ctx, PG_ERR_BAD_STATE, "%s: report the last step first", fn);
  if (a->dirty || !a->ops->update_due(a)) return PG_OK;
  pg_status st = a->ops->update(a);
  if (st != PG_OK) return st;
  a->updates++;
  if (out_updated) *out_updated = 1;
  return PG_OK;
}

/* ---- public host-driven loop ------------------------------------------------------ */

/* The slots the next pg_agent_step takes: after a structural change the
** buffers are (re)sized to PG_PARAM_NUM_ENVS by pg__agent_prepare. */
static size_t expected_slots(const pg_agent *a) {
  return a->dirty ? pg__pz(a, PG_PARAM_NUM_ENVS) : a->n_slots;
}

/* PG_ERR_SHAPE unless given == rows * per; unit names the rows. */
static pg_status check_len(pg_agent *a, const char *fn, const char *arg, size_t given,
                           size_t rows, const char *unit, size_t per) {
  if (given == rows * per) return PG_OK;
  return pg__fail(a->ctx, PG_ERR_SHAPE, "%s: %s is %zu, expected %zu (%zu %s%s x %zu)", fn, arg,
                  given, rows * per, rows, unit, rows == 1 ? "" : "s", per);
}

/* obs/mask/action lengths of rows rows. A mask on a continuous policy is
** left to check_obs_mask (PG_ERR_INVALID_ARG). */
static pg_status check_step_lens(pg_agent *a, const char *fn, size_t rows, const char *unit,
                                 size_t obs_len, const uint8_t *mask, size_t mask_len,
                                 const char *act_arg, size_t act_len) {
  pg_status st = check_len(a, fn, "obs_len", obs_len, rows, unit, a->obs_size);
  if (st == PG_OK && mask && a->discrete)
    st = check_len(a, fn, "mask_len", mask_len, rows, unit, a->n_actions);
  if (st == PG_OK) st = check_len(a, fn, act_arg, act_len, rows, unit, a->action_len);
  return st;
}

pg_status pg_agent_step(pg_agent *agent, const float *obs, size_t obs_len, const uint8_t *mask,
                        size_t mask_len, float *actions, size_t actions_len) {
  static const char *fn = "pg_agent_step";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!obs || !actions)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: obs or actions is NULL", fn);
  pg_status st = check_step_lens(agent, fn, expected_slots(agent), "slot", obs_len, mask,
                                 mask_len, "actions_len", actions_len);
  if (st != PG_OK) return st;
  unsigned fz = pg__ftz_enter();
  st = pg__agent_step(agent, obs, mask, actions, pg__p(agent, PG_PARAM_DETERMINISTIC) == 0.0);
  pg__ftz_leave(fz);
  return st;
}

pg_status pg_agent_report(pg_agent *agent, const float *rewards, const int32_t *terminated,
                          const int32_t *truncated, size_t n, const float *next_obs,
                          size_t next_obs_len) {
  static const char *fn = "pg_agent_report";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (agent->phase != PG__PHASE_STEPPED)
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE, "%s: no step to report", fn);
  if (!rewards || !terminated || !truncated || !next_obs)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG,
                    "%s: rewards, terminated, truncated or next_obs is NULL", fn);
  size_t slots = agent->n_slots; /* a step is pending: not dirty */
  if (n != slots)
    return pg__fail(agent->ctx, PG_ERR_SHAPE, "%s: n is %zu, expected %zu (the number of slots)",
                    fn, n, slots);
  pg_status st = check_len(agent, fn, "next_obs_len", next_obs_len, slots, "slot",
                           agent->obs_size);
  if (st != PG_OK) return st;
  return pg__agent_report(agent, rewards, terminated, truncated, next_obs);
}

pg_status pg_agent_update(pg_agent *agent, int32_t *out_updated) {
  if (!agent) return PG_ERR_INVALID_ARG;
  unsigned fz = pg__ftz_enter();
  pg_status st = pg__agent_update(agent, "pg_agent_update", out_updated);
  pg__ftz_leave(fz);
  return st;
}

pg_status pg_agent_act(pg_agent *agent, const float *obs, size_t obs_len, const uint8_t *mask,
                       size_t mask_len, int32_t deterministic, float *action, size_t action_len) {
  static const char *fn = "pg_agent_act";
  if (!agent) return PG_ERR_INVALID_ARG;
  if (!obs || !action)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: obs or action is NULL", fn);
  if (deterministic != 0 && deterministic != 1)
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG, "%s: deterministic must be 0 or 1", fn);
  pg_status st =
      check_step_lens(agent, fn, 1, "row", obs_len, mask, mask_len, "action_len", action_len);
  if (st == PG_OK) st = check_obs_mask(agent, obs, mask, 1, fn);
  if (st != PG_OK) return st;
  unsigned fz = pg__ftz_enter();
  pg__agent_act_rows(agent, obs, mask, 1, deterministic != 0, action);
  pg__ftz_leave(fz);
  return PG_OK;
}

pg_status pg_agent_get_shape(pg_agent *agent, size_t *out_obs_size, size_t *out_action_len,
                             size_t *out_n_actions, size_t *out_n_slots) {
  if (!agent) return PG_ERR_INVALID_ARG;
  if (out_obs_size) *out_obs_size = agent->obs_size;
  if (out_action_len) *out_action_len = agent->action_len;
  if (out_n_actions) *out_n_actions = agent->discrete ? agent->n_actions : 0;
  if (out_n_slots) *out_n_slots = expected_slots(agent);
  return PG_OK;
}
