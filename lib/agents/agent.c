/* pg_agent creation: from caller-built nets (pg_agent_create, and
** pg__agent_create_ops for an algorithm given by its operations) or with
** nets built for an environment's spaces (pg_agent_create_for_env). The
** handle's destruction, statistics and accessors: handle.c; parameters:
** params.c; the host-driven loop: loop.c. */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- creation --------------------------------------------------------------- */

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
  if ((vnet && pg__net_ready(vnet) && pg__net_stateful(vnet)) ||
      (vnet && pg__net_ready(net) && pg__net_stateful(net)) ||
      (pg__net_ready(net) && pg__net_stateful(net) && !(ops->traits & PG__TRAIT_RECURRENT)))
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s does not train recurrent (LSTM) nets; PG_ALGO_PAAC and PG_ALGO_A3C "
                    "do, with the LSTM on their one net (no value_net)", fn, ops->name);
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
  if (pg__params_alloc(a) != PG_OK) {
    a->own_nets = false; /* the caller frees them on failure */
    pg_agent_destroy(a);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  pg__params_defaults(ops, ctx->seed, a->param, a->user_set);
  pg__rng_seed(&a->rng, (uint64_t)a->param[PG_PARAM_SEED], 0xa9e7);
  a->dirty = true;
  if (!a->discrete) {
    a->squash_bounds = pg__malloc(ctx, 2 * a->n_actions * sizeof(float));
    for (size_t i = 0; a->squash_bounds && i < a->n_actions; i++) {
      a->squash_bounds[i] = -1.0f;
      a->squash_bounds[a->n_actions + i] = 1.0f;
    }
  }
  if ((!a->discrete && !a->squash_bounds) ||
      pg__obs_norm_create(a) != PG_OK) {
    a->own_nets = false;
    pg_agent_destroy(a);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
  }
  if (!own) { /* the caller's nets: the agent keeps them alive until it goes */
    pg__net_retain(net);
    if (vnet) pg__net_retain(vnet);
    a->own_nets = true;
  }
  *out = a;
  return PG_OK;
}

static pg_status check_algo(pg_ctx *ctx, pg_algorithm algo, const char *fn) {
  if (pg__algo_lookup(algo)) return PG_OK;
  char names[PG__ERRMSG_SIZE / 2] = "";
  size_t used = 0;
  for (int i = PG_ALGO_REINFORCE; pg__algo_lookup((pg_algorithm)i); i++)
    pg__list_append(names, sizeof names, &used, pg_algorithm_name((pg_algorithm)i));
  return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: unknown algorithm %d (the algorithms: %s)", fn,
                  (int)algo, names);
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

/* The architecture of the trunk: hidden_layers dense layers of
** hidden_units, or (tmpl not NULL) the input shape and trunk layers of a
** template net. */
typedef struct trunk_src {
  const pg__netdef *tmpl;
  int32_t units, layers;
  int32_t lstm_units; /* > 0: an LSTM after the dense layers (pg_agent_create_for_env_lstm) */
} trunk_src;

/* A recurrent trunk: one net with both heads (the state is the trunk's),
** and room for recurrent PAAC's 2 * num_envs * t_max + num_envs rows. */
enum { ROWS_FEEDFORWARD = 512, ROWS_RECURRENT = 1024 };

static bool trunk_recurrent(const trunk_src *t) {
  return t->lstm_units > 0 || (t->tmpl && pg__netdef_state_floats(t->tmpl) > 0);
}

static pg_status add_trunk(pg_ctx *ctx, const trunk_src *t, size_t in, uint64_t seed,
                           pg_net **out) {
  static const char fn[] = "pg_agent_create_from_template";
  pg_status st;
  const size_t rows = trunk_recurrent(t) ? ROWS_RECURRENT : ROWS_FEEDFORWARD;
  if (!t->tmpl) {
    st = pg_net_create(ctx, in, rows, seed, out);
    for (int32_t l = 0; st == PG_OK && l < t->layers; l++)
      st = pg_net_add_dense(*out, (size_t)t->units, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL,
                            sqrt(2.0));
    if (st == PG_OK && t->lstm_units > 0)
      st = pg_net_add_lstm(*out, (size_t)t->lstm_units, PG_INIT_GLOROT_UNIFORM, 1.0);
    return st;
  }
  const pg__shape *s = &t->tmpl->input;
  st = s->rank == 3 ? pg_net_create_image(ctx, s->dim[0], s->dim[1], s->dim[2], rows, seed, out)
                    : pg_net_create(ctx, t->tmpl->input_dim, rows, seed, out);
  for (size_t i = 0; st == PG_OK && i < t->tmpl->n_trunk; i++)
    st = pg__net_add_layer(*out, fn, t->tmpl->layers[i].ops, &t->tmpl->layers[i]);
  return st;
}

static pg_status build_net(pg_ctx *ctx, const pg_env *env, size_t in, const trunk_src *trunk,
                           unsigned heads, uint64_t seed, pg_net **out) {
  bool policy = heads & HEAD_POLICY, value = heads & HEAD_VALUE;
  pg_net *net = NULL;
  pg_status st = add_trunk(ctx, trunk, in, seed, &net);
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

/* pg_agent_create_for_env and the template / trunk constructors, after
** their own argument checks (ctx, out and env not NULL). */
static pg_status create_for_env(pg_ctx *ctx, pg_algorithm algorithm, const pg_env *env,
                                const trunk_src *trunk, const char *fn, pg_agent **out) {
  pg_status st = check_algo(ctx, algorithm, fn);
  if (st != PG_OK) return st;
  if (pg__env_kind(env) == PG_ACTION_DISCRETE && pg__env_n(env) < 2)
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: environment '%s' has %d discrete action; a policy needs >= 2 actions",
                    fn, pg__env_name(env), (int)pg__env_n(env));
  const pg__algo_ops *ops = pg__algo_lookup(algorithm);
  /* REINFORCE with baseline and one-step actor-critic: separate value
  ** network (the lecture's theta and w), also A3C on dense trunks; PAAC:
  ** shared trunk. */
  bool recurrent = trunk_recurrent(trunk);
  if (recurrent && !(ops->traits & PG__TRAIT_RECURRENT))
    return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s does not train recurrent (LSTM) nets; PG_ALGO_PAAC and PG_ALGO_A3C do",
                    fn, ops->name);
  /* A recurrent trunk, or A3C's image trunk: one net with the policy and
  ** value heads (A3C's LSTM and conv nets share every non-output layer, as
  ** in Mnih et al., 2016; a conv trunk trained by the policy gradient alone
  ** learns the pixel games far more slowly: docs/RESULTS.md). */
  bool image = trunk->tmpl && trunk->tmpl->input.rank == 3;
  bool separate = ops->needs_value && (ops->traits & PG__TRAIT_SEPARATE_VALUE) && !recurrent &&
                  !(image && (ops->traits & PG__TRAIT_IMAGE_SHARED_TRUNK));
  unsigned heads = HEAD_POLICY | (ops->needs_value && !separate ? HEAD_VALUE : 0);
  if (ops->traits & PG__TRAIT_Q_HEAD) {
    if (pg__env_kind(env) != PG_ACTION_DISCRETE)
      return pg__fail(ctx, PG_ERR_UNSUPPORTED,
                      "%s: the async Q methods learn Q-values of discrete actions, but "
                      "environment '%s' has continuous actions: use PG_ALGO_A3C, PG_ALGO_PAAC or "
                      "another policy-gradient algorithm (docs/AGENTS.md)",
                      fn, pg__env_name(env));
    heads = HEAD_Q;
  }
  uint64_t seed = ctx->seed;
  pg_net *net = NULL, *vnet = NULL;
  size_t in = (size_t)pg__env_obs_size(env);
  if (trunk->tmpl && trunk->tmpl->input_dim != in)
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: the template net takes %zu inputs, environment '%s' observes %zu", fn,
                    trunk->tmpl->input_dim, pg__env_name(env), in);
  st = build_net(ctx, env, in, trunk, heads, pg__mix64(seed, 1), &net);
  if (st == PG_OK && separate)
    st = build_net(ctx, env, in, trunk, HEAD_VALUE, pg__mix64(seed, 2), &vnet);
  if (st == PG_OK) st = agent_new(ctx, ops, net, vnet, true, fn, out);
  if (st == PG_OK && !(*out)->discrete) { /* PG_PARAM_SQUASH maps into the env's bounds */
    size_t k = (*out)->n_actions;
    (void)pg_env_get_action_bounds(env, (*out)->squash_bounds, (*out)->squash_bounds + k, k);
  }
  if (st != PG_OK) {
    pg_net_destroy(net);
    pg_net_destroy(vnet);
    return pg__fail(ctx, st, "%s: %s", fn, pg_ctx_last_error(ctx));
  }
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
  trunk_src t = {NULL, hidden_units, hidden_layers, 0};
  return create_for_env(ctx, algorithm, env, &t, fn, out);
}

pg_status pg_agent_create_for_env_lstm(pg_ctx *ctx, pg_algorithm algorithm, const pg_env *env,
                                       int32_t hidden_units, int32_t hidden_layers,
                                       int32_t lstm_units, pg_agent **out) {
  static const char *fn = "pg_agent_create_for_env_lstm";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  if (hidden_layers < 0 || hidden_layers > 8 ||
      (hidden_layers > 0 && (hidden_units < 1 || hidden_units > 4096)) || lstm_units < 1 ||
      lstm_units > 4096)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: hidden_layers = %d must be in [0, 8], hidden_units = %d and "
                    "lstm_units = %d in [1, 4096]",
                    fn, (int)hidden_layers, (int)hidden_units, (int)lstm_units);
  trunk_src t = {NULL, hidden_units, hidden_layers, lstm_units};
  return create_for_env(ctx, algorithm, env, &t, fn, out);
}

pg_status pg_agent_create_from_template(pg_ctx *ctx, pg_algorithm algorithm, const pg_env *env,
                                        const pg_net *template_net, pg_agent **out) {
  static const char *fn = "pg_agent_create_from_template";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  if (!template_net) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: template_net is NULL", fn);
  if (pg__net_ctx(template_net) != ctx)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: template_net belongs to another context", fn);
  trunk_src t = {pg__net_def(template_net), 0, 0, 0};
  return create_for_env(ctx, algorithm, env, &t, fn, out);
}

/* ---- the conv trunks for image observations ------------------------------------
** One table: per preset its conv layers (filters, kernel, stride, padding),
** then one dense ReLU layer; ReLU throughout, He-uniform weights. */
typedef struct trunk_conv {
  uint32_t filters, kernel, stride;
  pg_padding padding;
} trunk_conv;

static const struct trunk_preset {
  pg_trunk trunk;
  const char *name;
  trunk_conv conv[3];
  size_t n_conv, dense;
} trunk_presets[] = {
    {PG_TRUNK_NIPS, "nips", {{16, 8, 4, PG_PADDING_VALID}, {32, 4, 2, PG_PADDING_VALID}}, 2, 256},
    {PG_TRUNK_NATURE, "nature",
     {{32, 8, 4, PG_PADDING_VALID}, {64, 4, 2, PG_PADDING_VALID}, {64, 3, 1, PG_PADDING_VALID}},
     3, 512},
    {PG_TRUNK_SMALL, "small", {{16, 3, 1, PG_PADDING_SAME}, {32, 3, 2, PG_PADDING_SAME}}, 2, 128},
};

const char *pg_trunk_name(pg_trunk trunk) {
  for (size_t i = 0; i < sizeof trunk_presets / sizeof trunk_presets[0]; i++)
    if (trunk_presets[i].trunk == trunk) return trunk_presets[i].name;
  return NULL;
}

pg_status pg_agent_create_for_env_trunk(pg_ctx *ctx, pg_algorithm algorithm, const pg_env *env,
                                        pg_trunk trunk, pg_agent **out) {
  static const char *fn = "pg_agent_create_for_env_trunk";
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fn);
  *out = NULL;
  if (!env) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: env is NULL", fn);
  const struct trunk_preset *p = NULL;
  for (size_t i = 0; i < sizeof trunk_presets / sizeof trunk_presets[0]; i++)
    if (trunk_presets[i].trunk == trunk) p = &trunk_presets[i];
  if (!p)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: unknown trunk %d (PG_TRUNK_NIPS, PG_TRUNK_NATURE or PG_TRUNK_SMALL)", fn,
                    (int)trunk);
  int32_t h = 0, w = 0, c = 0;
  (void)pg_env_get_observation_image(env, &h, &w, &c);
  if (h < 1 || w < 1 || c < 1)
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: environment '%s' declares no image observation "
                    "(pg_env_set_observation_image); the %s trunk is convolutional", fn,
                    pg__env_name(env), p->name);
  pg_net *tmpl = NULL;
  pg_status st = pg_net_create_image(ctx, (size_t)h, (size_t)w, (size_t)c, 1, 0, &tmpl);
  for (size_t i = 0; st == PG_OK && i < p->n_conv; i++) {
    const trunk_conv *cv = &p->conv[i];
    st = pg_net_add_conv2d(tmpl, cv->filters, cv->kernel, cv->kernel, cv->stride, cv->padding,
                           PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0);
  }
  if (st == PG_OK) st = pg_net_add_flatten(tmpl);
  if (st == PG_OK)
    st = pg_net_add_dense(tmpl, p->dense, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0);
  if (st != PG_OK) { /* the image is too small for the kernels: a shape error */
    pg_net_destroy(tmpl);
    if (st == PG_ERR_INVALID_ARG) st = PG_ERR_SHAPE;
    return pg__fail(ctx, st, "%s: the %s trunk on a %d x %d x %d image: %s", fn, p->name,
                    (int)h, (int)w, (int)c, pg_ctx_last_error(ctx));
  }
  st = pg_agent_create_from_template(ctx, algorithm, env, tmpl, out);
  pg_net_destroy(tmpl);
  if (st != PG_OK)
    return pg__fail(ctx, st, "%s: %s", fn, pg_ctx_last_error(ctx));
  return PG_OK;
}
