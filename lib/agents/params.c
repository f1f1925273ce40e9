/* The parameter registry: every pg_param with its name, global bounds, kind
** (integer or not, structural or not) and the component it configures; the
** algorithms' defaults and narrower bounds come from their pg__algo_ops.
** Queryable without a handle (pg_param_get_bounds, pg_param_get_default,
** pg_param_component), and the agent's setters and getters. Storage per
** agent: pg__param_end() doubles and as many user-set flags, so a new
** parameter is one row here (and one in the algorithms that accept it). */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>

typedef enum component {
  C_RETURNS,     /* discounting and bootstrapping (the rollout buffer) */
  C_LOSS,        /* loss assembly weights */
  C_OPTIMIZER,   /* lib/optim, set through the apply point */
  C_ROLLOUT,     /* segment and slot shapes */
  C_LOOP,        /* pg_agent_train / the host-driven loop */
  C_AGENT,       /* the agent's own state (random stream) */
  C_EXPLORATION  /* the Q methods' epsilon-greedy acting and targets */
} component;

static const char *const COMPONENT_NAME[] = {"returns", "loss", "optimizer", "rollout",
                                             "loop",    "agent", "exploration"};

typedef struct pinfo {
  pg_param p;
  const char *name;
  double lo, hi;
  bool integer;
  bool structural; /* changes the buffers or optimizer: needs setup */
  component comp;
} pinfo;

static const pinfo PINFO[] = {
    {PG_PARAM_GAMMA, "gamma", 0.0, 1.0, false, false, C_RETURNS},
    {PG_PARAM_LR, "lr", 0.0, 10.0, false, false, C_OPTIMIZER},
    {PG_PARAM_VALUE_LR, "value_lr", 0.0, 10.0, false, false, C_OPTIMIZER},
    {PG_PARAM_ENTROPY_BETA, "entropy_beta", 0.0, 10.0, false, false, C_LOSS},
    {PG_PARAM_VALUE_COEF, "value_coef", 0.0, 1000.0, false, false, C_LOSS},
    {PG_PARAM_CLIP_NORM, "clip_norm", 0.0, 1e9, false, false, C_OPTIMIZER},
    {PG_PARAM_T_MAX, "t_max", 1.0, 4096.0, true, true, C_ROLLOUT},
    {PG_PARAM_NUM_ENVS, "num_envs", 1.0, 4096.0, true, true, C_ROLLOUT},
    {PG_PARAM_NUM_THREADS, "num_threads", 1.0, 256.0, true, false, C_LOOP},
    {PG_PARAM_SEED, "seed", 0.0, 9007199254740992.0, true, false, C_AGENT},
    {PG_PARAM_OPTIMIZER, "optimizer", 1.0, 3.0, true, true, C_OPTIMIZER},
    {PG_PARAM_RMSPROP_DECAY, "rmsprop_decay", 0.0, 0.999999, false, false, C_OPTIMIZER},
    {PG_PARAM_OPTIM_EPSILON, "optim_epsilon", 1e-12, 1.0, false, false, C_OPTIMIZER},
    {PG_PARAM_LR_ANNEAL_STEPS, "lr_anneal_steps", 0.0, 1e15, true, false, C_OPTIMIZER},
    {PG_PARAM_DETERMINISTIC, "deterministic", 0.0, 1.0, true, false, C_LOOP},
    {PG_PARAM_REPORT_INTERVAL, "report_interval", 0.0, 1e15, true, false, C_LOOP},
    {PG_PARAM_EPSILON_ANNEAL_STEPS, "epsilon_anneal_steps", 0.0, 1e15, true, false,
     C_EXPLORATION},
    {PG_PARAM_TARGET_INTERVAL, "target_interval", 1.0, 1e15, true, false, C_EXPLORATION},
    {PG_PARAM_HOGWILD, "hogwild", 0.0, 1.0, true, false, C_OPTIMIZER},
    {PG_PARAM_MAX_EPISODE_STEPS, "max_episode_steps", 0.0, 1e15, true, false, C_LOOP},
    {PG_PARAM_PER_STEP_UPDATES, "per_step_updates", 0.0, 1.0, true, false, C_LOOP},
    {PG_PARAM_GAE_LAMBDA, "gae_lambda", 0.0, 1.0, false, false, C_RETURNS},
    {PG_PARAM_PPO_EPOCHS, "ppo_epochs", 1.0, 1000.0, true, false, C_ROLLOUT},
    {PG_PARAM_MINIBATCHES, "minibatches", 1.0, 4096.0, true, false, C_ROLLOUT},
    {PG_PARAM_CLIP_RANGE, "clip_range", 0.0, 10.0, false, false, C_LOSS},
    {PG_PARAM_VALUE_CLIP, "value_clip", 0.0, 1e9, false, false, C_LOSS},
    {PG_PARAM_TARGET_KL, "target_kl", 0.0, 10.0, false, false, C_LOSS},
    {PG_PARAM_NORM_ADVANTAGES, "norm_advantages", 0.0, 1.0, true, false, C_LOSS},
    {PG_PARAM_NORM_REWARD, "norm_reward", 0.0, 1.0, true, false, C_RETURNS},
    {PG_PARAM_NORM_OBS, "norm_obs", 0.0, 1.0, true, true, C_AGENT},
    {PG_PARAM_OBS_CLIP, "obs_clip", 1e-3, 1e9, false, false, C_AGENT},
    {PG_PARAM_LOG_STD_INIT, "log_std_init", -20.0, 5.0, false, false, C_AGENT},
    {PG_PARAM_LOG_STD_MIN, "log_std_min", -20.0, 5.0, false, false, C_OPTIMIZER},
    {PG_PARAM_LOG_STD_MAX, "log_std_max", -20.0, 5.0, false, false, C_OPTIMIZER},
    {PG_PARAM_SQUASH, "squash", 0.0, 1.0, true, true, C_AGENT},
    {PG_PARAM_EVAL_MAX_EPISODE_STEPS, "eval_max_episode_steps", 0.0, 1e15, true, false, C_LOOP},
};

enum { N_PINFO = sizeof PINFO / sizeof *PINFO };

static const pinfo *param_info(pg_param p) {
  for (size_t i = 0; i < N_PINFO; i++)
    if (PINFO[i].p == p) return &PINFO[i];
  return NULL;
}

size_t pg__param_end(void) {
  size_t end = 0;
  for (size_t i = 0; i < N_PINFO; i++)
    if ((size_t)PINFO[i].p + 1 > end) end = (size_t)PINFO[i].p + 1;
  return end;
}

bool pg__param_known(uint32_t p) { return p < pg__param_end() && param_info((pg_param)p); }

const char *pg_param_name(pg_param param) {
  const pinfo *pi = param_info(param);
  return pi ? pi->name : NULL;
}

const char *pg_param_component(pg_param param) {
  const pinfo *pi = param_info(param);
  return pi ? COMPONENT_NAME[pi->comp] : NULL;
}

pg_status pg_param_from_name(const char *name, pg_param *out) {
  if (!name || !out) return PG_ERR_INVALID_ARG;
  for (size_t i = 0; i < N_PINFO; i++)
    if (strcmp(PINFO[i].name, name) == 0) {
      *out = PINFO[i].p;
      return PG_OK;
    }
  return PG_ERR_INVALID_ARG;
}

/* ---- per algorithm ------------------------------------------------------------ */

static bool ops_accepts(const pg__algo_ops *ops, pg_param p) { return pg__ops_accepts(ops, p); }

static void ops_bounds(const pg__algo_ops *ops, const pinfo *pi, double *lo, double *hi) {
  *lo = pi->lo;
  *hi = pi->hi;
  for (const pg__param_bound *b = ops->bounds; b && b->param; b++)
    if (b->param == pi->p) {
      *lo = b->lo;
      *hi = b->hi;
    }
}

/* Parameters whose default follows others unless the caller set them: the
** optimizer's epsilon follows its kind, PAAC's lr the number of slots. */
static bool derives(const pg__algo_ops *ops, pg_param p) {
  return p == PG_PARAM_OPTIM_EPSILON || (p == PG_PARAM_LR && ops->lr_per_env > 0.0);
}

static double derived(const pg__algo_ops *ops, pg_param p, double optimizer, double num_envs) {
  if (p == PG_PARAM_OPTIM_EPSILON) return (int)optimizer == PG_OPTIM_ADAM ? 1e-8 : 1e-5;
  return ops->lr_per_env * num_envs;
}

void pg__params_derive(const pg__algo_ops *ops, double *param, const uint8_t *user_set) {
  static const pg_param rule[] = {PG_PARAM_OPTIM_EPSILON, PG_PARAM_LR};
  for (size_t i = 0; i < sizeof rule / sizeof *rule; i++)
    if (derives(ops, rule[i]) && !user_set[rule[i]])
      param[rule[i]] = derived(ops, rule[i], param[PG_PARAM_OPTIMIZER], param[PG_PARAM_NUM_ENVS]);
}

/* An algorithm's table default of p (0 when it has none). */
static double table_default(const pg__algo_ops *ops, pg_param p) {
  for (const pg__param_default *d = ops->params; d->param; d++)
    if (d->param == p) return d->value;
  return 0.0;
}

void pg__params_defaults(const pg__algo_ops *ops, uint64_t seed, double *param,
                         uint8_t *user_set) {
  size_t end = pg__param_end();
  memset(param, 0, end * sizeof *param);
  memset(user_set, 0, end);
  for (const pg__param_default *d = ops->params; d->param; d++) param[d->param] = d->value;
  param[PG_PARAM_SEED] = (double)(seed & ((UINT64_C(1) << 53) - 1));
  pg__params_derive(ops, param, user_set);
}

pg_status pg__params_query(const pg__algo_ops *ops, pg_param param, double *out_low,
                           double *out_high, double *out_default) {
  const pinfo *pi = param_info(param);
  if (!pi) return PG_ERR_INVALID_ARG;
  if (!ops_accepts(ops, param)) return PG_ERR_UNSUPPORTED;
  if (out_low) ops_bounds(ops, pi, out_low, out_high);
  if (out_default) {
    /* seed: the creating context's seed, 0 for a context made with defaults */
    *out_default = param == PG_PARAM_SEED ? 0.0 : table_default(ops, param);
    if (derives(ops, param))
      *out_default = derived(ops, param, table_default(ops, PG_PARAM_OPTIMIZER),
                             table_default(ops, PG_PARAM_NUM_ENVS));
  }
  return PG_OK;
}

/* ---- an agent's parameters ------------------------------------------------------- */

pg_status pg__params_alloc(pg_agent *a) {
  size_t end = pg__param_end();
  double *block = pg__calloc(a->ctx, end, sizeof(double) + 1);
  if (!block) return PG_ERR_NOMEM;
  pg__free(a->ctx, a->param);
  a->param = block;
  a->user_set = (uint8_t *)(block + end);
  return PG_OK;
}

static pg_status lookup_param(pg_agent *a, pg_param p, const char *fn, const pinfo **out) {
  const pinfo *pi = param_info(p);
  if (!pi) return pg__fail(a->ctx, PG_ERR_INVALID_ARG, "%s: unknown parameter %d", fn, (int)p);
  if (!ops_accepts(a->ops, p))
    return pg__fail(a->ctx, PG_ERR_UNSUPPORTED,
                    "%s: %s does not use parameter '%s' (docs/AGENTS.md lists the parameters "
                    "of each algorithm)", fn, a->ops->name, pi->name);
  *out = pi;
  return PG_OK;
}

/* The Gaussian spread's parameters: a change needs a Gaussian head (a
** discrete agent keeps the defaults, which its checkpoints hold). */
static pg_status check_log_std(pg_agent *a, pg_param p, double value, const char *fn) {
  if (p != PG_PARAM_LOG_STD_INIT && p != PG_PARAM_LOG_STD_MIN && p != PG_PARAM_LOG_STD_MAX &&
      p != PG_PARAM_SQUASH)
    return PG_OK;
  if (pg__net_def(a->net)->head[PG__HEAD_GAUSSIAN] < 0 && value != pg__p(a, p))
    return pg__fail(a->ctx, PG_ERR_UNSUPPORTED,
                    "%s: '%s' needs a Gaussian policy; this agent's actions are discrete", fn,
                    pg_param_name(p));
  return PG_OK;
}

/* Applies a changed non-structural parameter to live objects. */
static void apply_live(pg_agent *a, const pinfo *pi) {
  if (pi->p == PG_PARAM_SEED) pg__rng_seed(&a->rng, (uint64_t)pg__p(a, pi->p), 0xa9e7);
  /* before the first step the optimizer set-up applies it (apply.c) */
  if (pi->p == PG_PARAM_LOG_STD_INIT && a->opt) pg__agent_set_log_std(a, pg__p(a, pi->p));
  /* hyperparameters go to the live optimizers; after a change of the
  ** optimizer's kind (structural) the next step's set-up makes new ones,
  ** so nothing here allocates or can fail */
  if (a->opt && pi->comp == C_OPTIMIZER && !pi->structural &&
      a->opt_kind == (int)pg__p(a, PG_PARAM_OPTIMIZER))
    pg__agent_commit_optim(a, NULL, NULL);
}

pg_status pg_agent_set_param(pg_agent *agent, pg_param param, double value) {
  static const char *fn = "pg_agent_set_param";
  if (!agent) return PG_ERR_INVALID_ARG;
  const pinfo *pi = NULL;
  pg_status st = lookup_param(agent, param, fn, &pi);
  if (st != PG_OK) return st;
  double lo, hi;
  ops_bounds(agent->ops, pi, &lo, &hi);
  if (!(value >= lo && value <= hi) || (pi->integer && value != floor(value)))
    return pg__fail(agent->ctx, isfinite(value) ? PG_ERR_OUT_OF_RANGE : PG_ERR_NUMERIC,
                    "%s: %s = %g must be %s in [%g, %g]", fn, pi->name, value,
                    pi->integer ? "an integer" : "a number", lo, hi);
  st = check_log_std(agent, param, value, fn);
  if (st != PG_OK) return st;
  if (pi->structural && agent->phase != PG__PHASE_READY)
    return pg__fail(agent->ctx, PG_ERR_BAD_STATE,
                    "%s: '%s' cannot change while a step awaits pg_agent_report", fn, pi->name);
  if (pi->structural && agent->param[param] != value) {
    agent->dirty = true;
    if (agent->ops->clear) agent->ops->clear(agent);
  }
  agent->param[param] = value;
  agent->user_set[param] = 1;
  pg__params_derive(agent->ops, agent->param, agent->user_set);
  apply_live(agent, pi);
  return PG_OK;
}

pg_status pg__params_check_rows(pg_agent *a, pg_status code, const char *fn) {
  double rows = pg__p(a, PG_PARAM_T_MAX) * pg__p(a, PG_PARAM_NUM_ENVS);
  if (rows <= PG__MAX_ROLLOUT_ROWS) return PG_OK;
  return pg__fail(a->ctx, code,
                  "%s: t_max %g x num_envs %g = %g rows is over the limit of %g rows per "
                  "segment (docs/FORMAT.md, \"Memory budget\"): lower one of them",
                  fn, pg__p(a, PG_PARAM_T_MAX), pg__p(a, PG_PARAM_NUM_ENVS), rows,
                  PG__MAX_ROLLOUT_ROWS);
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
  if (pg_param_from_name(name, &p) != PG_OK) {
    char names[PG__ERRMSG_SIZE / 2] = "";
    size_t used = 0;
    for (const pg__param_default *d = agent->ops->params; d->param; d++)
      pg__list_append(names, sizeof names, &used, pg_param_name(d->param));
    return pg__fail(agent->ctx, PG_ERR_INVALID_ARG,
                    "pg_agent_set_param_by_name: unknown parameter name '%.64s'; %s takes: %s",
                    name, agent->ops->name, names);
  }
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
  ops_bounds(agent->ops, pi, out_low, out_high);
  return PG_OK;
}
