/*
** Agents, internal view: the pg_agent struct shared by the agent sources and
** the per-algorithm operations table (pg__algo_ops) that every algorithm
** plugs into. docs/ARCHITECTURE.md draws the data flow with the file that
** owns each step.
**
** Data flow (one way): environment (pg__env_*) -> rollout buffer
** (rollout.c) -> loss (loss.c: pg_loss_desc, pg__net_backward) -> gradients
** -> the apply point (apply.c: reduce hook, clipping, optimizer step in
** lib/optim) -> parameters.
**
** Adding an algorithm (e.g. lib/agents/a3c.c):
**   1. define `const pg__algo_ops pg__a3c_ops = {...}` (members below) in
**      its own file, with its traits (PG__TRAIT_*);
**   2. list the parameters it accepts with their defaults in its `params`
**      array (names, bounds and components live in params.c's registry: add
**      a row there only for a new pg_param);
**   3. give it a number: one line in registry.c. (A test's algorithm needs
**      no number: pg__agent_create_ops.)
** Generic code asks traits, never algorithm numbers or function pointers.
**
** Threads: the public entry points run on the caller's thread. An algorithm
** with its own threads (A3C) does that inside its `train` member and must
** join them before returning.
*/
#ifndef PG_AGENT_INTERNAL_H
#define PG_AGENT_INTERNAL_H

#include "pg_internal.h"
#include "env/pg_env_internal.h"
#include "nn/pg_nn.h"
#include "optim/pg_optim.h"
#include "agents/pg_rollout.h"
#include "pg_serial.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PG__RING = 100 };

/* One accepted parameter of an algorithm with its default. */
typedef struct pg__param_default {
  pg_param param;
  double value;
} pg__param_default;

/* Entries most algorithms' parameter tables share: the optimizer's (kind,
** its epsilon's default, lr annealing) and the loops' (num_threads and the
** ones that default to 0). */
#define PG__PARAMS_OPTIM(kind, eps, anneal)                                   \
  {PG_PARAM_OPTIMIZER, kind}, {PG_PARAM_RMSPROP_DECAY, 0.99},                 \
      {PG_PARAM_OPTIM_EPSILON, eps}, {PG_PARAM_LR_ANNEAL_STEPS, anneal}
#define PG__PARAMS_LOOP(threads)                                              \
  {PG_PARAM_NUM_THREADS, threads}, {PG_PARAM_SEED, 0}, {PG_PARAM_DETERMINISTIC, 0}, \
      {PG_PARAM_REPORT_INTERVAL, 0}, {PG_PARAM_MAX_EPISODE_STEPS, 0},                \
      {PG_PARAM_EVAL_MAX_EPISODE_STEPS, 100000}

/* Bounds of an algorithm's parameter narrower than the registry's. */
typedef struct pg__param_bound {
  pg_param param;
  double lo, hi;
} pg__param_bound;

/* Algorithm traits (pg__algo_ops.traits): what generic code asks instead of
** comparing algorithm numbers or function pointers. */
enum {
  /* Asynchronous: parameters shared with worker handles and threads, updated
  ** through the root's optimizers; its own pg_agent_train (threads). */
  PG__TRAIT_ASYNC = 1u << 0,
  /* Acts on a Q head (epsilon-greedy through act_q), no policy head. */
  PG__TRAIT_Q_HEAD = 1u << 1,
  /* pg_agent_create_for_env builds a separate value network (the lecture's
  ** theta and w) instead of a value head on the shared trunk (not for a
  ** recurrent trunk, nor for an image one with PG__TRAIT_IMAGE_SHARED_TRUNK). */
  PG__TRAIT_SEPARATE_VALUE = 1u << 2,
  /* A row's target needs the next row's action (Sarsa): a segment holds
  ** t_max + 1 rows before it is due. */
  PG__TRAIT_NEXT_ACTION = 1u << 3,
  /* Records the value estimate and the log-probability of the action at
  ** acting time (a->pend_value, a->pend_logp; PPO's ratio and GAE need
  ** them). */
  PG__TRAIT_ACTING = 1u << 4,
  /* With PG__TRAIT_SEPARATE_VALUE: on image observations (a conv trunk)
  ** the value head goes on the policy's trunk all the same (A3C: the
  ** paper's conv nets share every non-output layer). */
  PG__TRAIT_IMAGE_SHARED_TRUNK = 1u << 5,
  /* Trains nets with recurrent layers (LSTM): one state per slot, reset at
  ** the slot's episode end, back-propagation through the segment. */
  PG__TRAIT_RECURRENT = 1u << 8
};

/* Host-driven loop phases. */
typedef enum pg__phase {
  PG__PHASE_READY = 0,   /* may call pg_agent_step */
  PG__PHASE_STEPPED = 1  /* pg_agent_report expected */
} pg__phase;

typedef struct pg__algo_ops {
  const char *name;
  /* Its number, or 0 for an algorithm without one (a test's toy). */
  pg_algorithm algorithm;
  /* PG__TRAIT_* bits. */
  unsigned traits;
  /* Accepted parameters and defaults, ended by {0, 0}. */
  const pg__param_default *params;
  /* Narrower bounds, ended by {0, 0, 0}; NULL = none. */
  const pg__param_bound *bounds;
  /* Needs a value estimate (a value head on net or a value net). */
  bool needs_value;
  /* > 0: the default learning rate is this times num_envs unless the caller
  ** set lr (PAAC's linear scaling). */
  double lr_per_env;
  /* PG__TRAIT_Q_HEAD: the action when sampling from one row of Q-values
  ** (mask may be NULL). */
  uint32_t (*act_q)(pg_agent *a, const float *q, const uint8_t *mask);
  /* PG__TRAIT_ASYNC: the operations of its worker handles. */
  const struct pg__algo_ops *worker_ops;
  /* (Re)allocates the rollout buffers for the current parameters (a->n_slots
  ** etc. are set); called lazily before the first step after a structural
  ** change. Must leave the previous buffers intact on failure. */
  pg_status (*setup)(pg_agent *a);
  /* Records one validated transition of every slot: obs/mask/actions of
  ** the step (mask NULL when none was given), its rewards, flags and
  ** next_obs (the true final observation for ended slots). No allocation,
  ** except REINFORCE growing its episode buffer past the longest episode
  ** seen (PG_ERR_NOMEM then: the step is dropped). */
  pg_status (*record)(pg_agent *a, const float *obs, const uint8_t *mask,
                      const float *actions, const float *rewards,
                      const int32_t *term, const int32_t *trunc,
                      const float *next_obs);
  /* Optional: where a recorded step's n_slots observation rows go in the
  ** algorithm's rollout buffer (then record receives that pointer as obs
  ** and finds them in place), or NULL to use the agent's own copy. */
  float *(*step_obs)(pg_agent *a);
  /* True when pg_agent_update must learn before the next step. */
  bool (*update_due)(const pg_agent *a);
  /* Learns from the buffer and empties it. On error the parameters are as
  ** before and the buffer is emptied (the data is dropped). */
  pg_status (*update)(pg_agent *a);
  /* Forgets partial episodes/segments (start of pg_agent_train). */
  void (*clear)(pg_agent *a);
  /* Library-driven loop; NULL = the generic loop of train.c, which drives
  ** record_step/record_report/update over one env or a pg_vec_env. */
  pg_status (*train)(pg_agent *a, pg_env *env, int64_t max_steps,
                     pg_progress_fn progress, void *user);
  /* Frees the algorithm's state (a->algo). */
  void (*teardown)(pg_agent *a);
  /* Checkpoints (agent_io.c), all optional: check_save refuses states that
  ** cannot be saved (recorded message); save_state writes the body of the
  ** ALGO section (obj: the agent), load_state reads it after the agent's
  ** parameters, optimizers and counters are in place (PG_ERR_FORMAT with a
  ** message on a bad body). */
  pg_status (*check_save)(const pg_agent *a, const char *fn);
  void (*save_state)(pg__writer *w, const void *agent);
  pg_status (*load_state)(pg_agent *a, const char *fn, pg__reader *body);
} pg__algo_ops;

struct pg_agent {
  pg_ctx *ctx;
  pg_algorithm algorithm;
  const pg__algo_ops *ops;
  pg_net *net;        /* policy (+ value head when vnet is NULL) */
  pg_net *vnet;       /* separate value net, or NULL */
  bool own_nets;      /* holds a reference on net and vnet (built, loaded or retained) */
  _Atomic int holders; /* worker handles that use this parent (pg__agent_hold) */
  bool closed;        /* pg_agent_destroy came while held: freed by the last unhold */
  pg_optim *opt, *vopt;
  int opt_kind;       /* kind of opt/vopt, 0 before creation */
  /* Whose optimizers update this agent's parameters: the agent itself, or
  ** an asynchronous worker's parent (the shared theta). */
  pg_agent *root;
  /* The gradient-reduce hook of the apply point (lib/agents/apply.c):
  ** called once per gradient block when an update's gradients are
  ** complete, before clipping; a multi-process build sums or averages them
  ** across processes here (policygrad_mpi.h). NULL: one process. Set with
  ** pg_agent_set_grad_reduce. */
  pg_grad_reduce_fn grad_reduce;
  void *grad_reduce_user;

  /* spaces, from the policy net */
  size_t obs_size;
  bool discrete;
  size_t n_actions;   /* discrete: choices; continuous: dimension */
  size_t action_len;  /* floats per action: 1 or n_actions */

  /* parameters: pg__param_end() values indexed by pg_param, then as many
  ** set-by-the-caller flags (user_set points into the same block) */
  double *param;
  uint8_t *user_set;
  bool dirty;         /* structural change: setup before the next step */

  /* runtime */
  pg__rng rng;
  pg__phase phase;
  bool recorded;      /* the pending step is a learning step */
  bool have_mask;     /* the pending step came with a mask */
  float *pend_obs;    /* n_slots*obs_size: the pending step's observations */
  /* Where the pending step's observations were copied: the algorithm's
  ** rollout row (ops->step_obs: copied once, record finds them in place) or
  ** pend_obs. */
  float *step_obs;
  /* PG__TRAIT_ACTING: v(s) and log pi(a|s) of the pending step (n_slots
  ** each; v is 0 without a value estimate), else NULL. */
  float *pend_value, *pend_logp;
  bool capturing;     /* acting fills pend_value/pend_logp */
  /* pg_agent_step_u8 / pg_agent_report_u8: their bytes scaled to floats
  ** (u8_rows_cap floats each), made by the first byte call */
  float *u8_obs, *u8_next;
  size_t u8_rows_cap;
  size_t n_slots;     /* slots the buffers are sized for */
  float *actions;     /* n_slots*action_len: last sampled actions (pre-squash u) */
  float *squash_bounds; /* continuous: n_actions lows then highs of PG_PARAM_SQUASH
                        ** (the env's for pg_agent_create_for_env*, else [-1, 1]) */
  uint8_t *mask_buf;  /* n_slots*n_actions (discrete) */
  double *ep_return;  /* per slot */
  uint64_t *ep_length;
  /* Set by an algorithm that keeps each recorded step's forward (PAAC):
  ** pg__agent_step forwards a recorded step into rows [step_row0,
  ** step_row0 + n) of a->net and stamps it (step_stamp0 before, step_stamp
  ** after; see pg__net_forward_stamp). */
  bool step_cache;
  size_t step_row0;
  uint64_t step_stamp0, step_stamp;
  void *algo;         /* the algorithm's own state */
  /* pg_agent_act on a recurrent net: one sequence of its own, apart from
  ** the slots' (a policy of `net`, its parameters re-copied before each
  ** act, and a session holding the state); made by the first such call. */
  pg_policy *act_policy;
  pg_policy_session *act_session;

  /* statistics */
  uint64_t episodes, total_steps, updates;
  double last_return;
  uint64_t last_length;
  double ring[PG__RING];
  int ring_n, ring_pos;
  double ring_sum;
  double policy_loss, value_loss, entropy;
  double train_start, train_elapsed;
  uint64_t train_steps0;

  struct pg__train_log *train_log; /* CSV log (train_log.c), NULL = none */

  /* PG_PARAM_NORM_OBS (normalize.c): the statistics (NULL when the
  ** algorithm has no such parameter) and n_slots normalized rows. */
  struct pg__obs_norm *onorm;
  float *norm_slots;
  /* pg_agent_train: set by pg__train_begin once the run has started (its
  ** buffers exist); a call that fails before leaves the agent unchanged. */
  bool train_begun;
};

/* ---- parameters (params.c, the registry) ---- */
/* One past the largest registered pg_param: the length of a->param. */
size_t pg__param_end(void);
/* Whether p is a registered parameter. */
bool pg__param_known(uint32_t p);
/* The values of a new agent of ops (ops's defaults, the seed, the derived
** defaults) with no flag set; param and user_set hold pg__param_end(). */
void pg__params_defaults(const pg__algo_ops *ops, uint64_t seed, double *param,
                         uint8_t *user_set);
/* Re-derives the defaults that follow other parameters (optimizer epsilon,
** PAAC's lr) unless the caller set them. */
void pg__params_derive(const pg__algo_ops *ops, double *param, const uint8_t *user_set);
/* Rows of one rollout segment, t_max x num_envs, at most (docs/FORMAT.md,
** "Memory budget"): the set-up's buffers grow with it. */
#define PG__MAX_ROLLOUT_ROWS 65536.0
/* PG_OK, or `code` with a message when t_max x num_envs exceeds it. */
pg_status pg__params_check_rows(pg_agent *a, pg_status code, const char *fn);

/* A handle that another one uses (an asynchronous worker its parent): while
** held, pg_agent_destroy only marks it closed, and the last unhold frees a
** closed one. Called on the thread that owns the parent. */
void pg__agent_hold(pg_agent *a);
void pg__agent_unhold(pg_agent *a);
/* PG_ERR_BAD_STATE (recorded) while asynchronous writers run on the agent's
** nets (its training threads or live worker handles), else PG_OK. */
pg_status pg__agent_check_idle(pg_agent *a, const char *fn);
/* Bounds (out_low/out_high may be NULL) and default (may be NULL) of
** param for ops: PG_ERR_INVALID_ARG for an unregistered parameter,
** PG_ERR_UNSUPPORTED for one the algorithm does not use. */
pg_status pg__params_query(const pg__algo_ops *ops, pg_param param, double *out_low,
                           double *out_high, double *out_default);
/* Allocates a->param and a->user_set (one block); PG_ERR_NOMEM. */
pg_status pg__params_alloc(pg_agent *a);
static inline double pg__p(const pg_agent *a, pg_param p) { return a->param[(int)p]; }
/* Whether ops's table lists parameter p (the algorithm uses it). */
static inline bool pg__ops_accepts(const pg__algo_ops *ops, pg_param p) {
  for (const pg__param_default *d = ops->params; d->param; d++)
    if (d->param == p) return true;
  return false;
}
static inline size_t pg__pz(const pg_agent *a, pg_param p) { return (size_t)a->param[(int)p]; }
/* Gaussian policies (apply.c; no-ops for others): every log-std parameter
** of the head set to v (PG_PARAM_LOG_STD_INIT: when set while the agent
** learns, else when its optimizers are first created, which also happens
** before the first learning step), then clamped to [LOG_STD_MIN,
** max(LOG_STD_MIN, LOG_STD_MAX)] when the algorithm has those bounds (after
** every optimizer step of a synchronous agent, and with the initial value). */
void pg__agent_set_log_std(pg_agent *a, double v);
void pg__agent_bound_log_std(pg_agent *a);
/* The current (annealed) policy learning rate (apply.c). */
double pg__agent_lr(const pg_agent *a);

/* ---- optimizers and the apply point (apply.c, optim_net.c) ---- */
/* A flat-block optimizer bound to net's parameter and gradient blocks; the
** net is retained until pg_optim_destroy (the public pg_optim_create). */
pg_status pg__optim_for_net(pg_net *net, pg_optim_kind kind, const char *fn, pg_optim **out);
/* Creates the optimizers if missing, and applies lr and its schedule,
** value_lr, decay and epsilon. */
pg_status pg__agent_setup_optim(pg_agent *a, const char *fn);
/* The two halves of pg__agent_setup_optim, for a set-up that must change
** nothing when it fails: make_optim creates the optimizers a needs (kind
** changed or none yet) into *out_opt and *out_vopt (NULL when the present ones
** stay) and records the error on failure, leaving a as it was;
** commit_optim installs them (destroying the old ones) and applies the
** rates, decay and epsilon. commit_optim cannot fail. */
pg_status pg__agent_make_optim(pg_agent *a, const char *fn, pg_optim **out_opt,
                               pg_optim **out_vopt);
void pg__agent_commit_optim(pg_agent *a, pg_optim *opt, pg_optim *vopt);
/* The one apply point. The gradients of a->net (and a->vnet) are complete:
** reduce them (a->grad_reduce), clip them jointly to CLIP_NORM, and step
** the optimizers at the learning rate of schedule step `step` (the agent's
** step count; an asynchronous agent's global T). A synchronous agent's
** parameters are restored when they come out non-finite; an asynchronous
** agent updates its root's shared parameters and re-reads its own from
** them. Records pl/vl/ent (the update's losses) as statistics on success.
** *out_stepped (may be NULL): whether the optimizers stepped. */
pg_status pg__agent_apply(pg_agent *a, const char *fn, uint64_t step, double pl, double vl,
                          double ent, bool *out_stepped);
/* theta' <- theta: an asynchronous worker re-reads its parameters from its
** root's optimizers (no-op when a is its own root). */
void pg__agent_pull_params(pg_agent *a);

/* ---- the loss (loss.c); the rollout buffer and returns: pg_rollout.h ---- */
/* v(s) for n rows of obs into out (chunks of the net's max batch). */
void pg__agent_values(pg_agent *a, const float *obs, size_t n, float *out);
/* Accumulates the policy-gradient loss gradients over n rows (chunked by
** the max batch): forward obs (mask may be NULL); with baseline,
** adv = returns - v(s) and a value term (separate net: 0.5*(R-v)^2 so that
** SGD gives w += lr*delta*grad v; shared head: VALUE_COEF*(R-v)^2), else
** adv = returns; policy term -adv*log pi, entropy bonus ENTROPY_BETA; all
** multiplied by scale. Adds the row sums of -adv*log pi, (R-v)^2 and the
** entropy to *pl, *vl, *ent. */
void pg__agent_ac_grads(pg_agent *a, const float *obs, const uint8_t *mask,
                        const float *actions, const float *returns, float *adv,
                        size_t n, float scale, bool baseline, double *pl,
                        double *vl, double *ent);
/* The same (baseline, shared trunk: a->vnet is NULL) over rows [0, n) of
** a->net's last forward, which the caller knows hold obs/mask at the
** current parameters: no forward. n <= the max batch. */
void pg__agent_ac_grads_cached(pg_agent *a, const float *actions, const float *returns,
                               float *adv, size_t n, float scale, double *pl, double *vl,
                               double *ent);
/* Zeroes the gradients of the agent's nets. */
void pg__agent_zero_grads(pg_agent *a);
/* log pi(act | row j) of forward outputs o (categorical or Gaussian); with
** PG_PARAM_SQUASH act is the pre-squash u and the log-probability that of
** the squashed action (the tanh correction does not depend on the
** parameters: the gradient is the Gaussian one at u). */
double pg__agent_row_log_prob(const pg_agent *a, const pg__net_out *o, size_t j,
                              const float *act);
/* Whether the agent squashes its (Gaussian) actions. */
bool pg__agent_squashes(const pg_agent *a);
/* The actions an environment receives for n rows of sampled actions u:
** squashed into a->squash_bounds with PG_PARAM_SQUASH, else copied (out
** may be u). */
void pg__agent_env_actions(const pg_agent *a, const float *u, size_t n, float *out);

/* ---- running normalization statistics (normalize.c) ---- */
/* Mean and variance of a stream of dim-vectors; mean and m2 (dim doubles
** each: the sums of squared deviations) are the caller's. */
typedef struct pg__moments {
  double count;
  size_t dim;
  double *mean, *m2;
} pg__moments;
/* Starts at mean 0, variance 1 with a weight of 1e-4 samples. */
void pg__moments_init(pg__moments *m, size_t dim, double *mean, double *m2);
/* Merges n rows of dim values (doubles, or floats for the _f form). */
void pg__moments_update(pg__moments *m, const double *x, size_t n);
void pg__moments_update_f(pg__moments *m, const float *x, size_t n);
/* sqrt(variance + 1e-8) of component j. */
double pg__moments_std(const pg__moments *m, size_t j);

/* Observation normalization (PG_PARAM_NORM_OBS, PG_PARAM_OBS_CLIP): the
** running moments of the raw observations, merged at every recorded step
** (pg__agent_step, before acting), and the float mean and scale (1/std)
** derived from them, with which acting, the rollout's rows and the
** bootstrap rows are normalized (pg__obs_normalize, lib/nn) and which
** pg_policy_from_agent hands to the policy. Never merged while acting
** without recording (deterministic steps, pg_agent_act, evaluation). */
#define PG__NORM_ROWS 16 /* rows per normalized chunk of pg__agent_act_rows */
typedef struct pg__obs_norm {
  pg__moments m;
  double *mean, *m2;     /* obs_size each */
  float *mean_f, *scale_f;
  float *rows;           /* PG__NORM_ROWS x obs_size of scratch */
  double *saved_mean, *saved_m2, saved_count; /* pg__obs_norm_mark's copy */
} pg__obs_norm;
/* a->onorm for an algorithm that accepts PG_PARAM_NORM_OBS (else NULL):
** one block, at the prior (mean 0, variance 1). PG_ERR_NOMEM. */
pg_status pg__obs_norm_create(pg_agent *a);
void pg__obs_norm_free(pg_agent *a);
/* Whether the agent normalizes its observations now. */
bool pg__obs_norm_on(const pg_agent *a);
/* Merges rows raw observations into the moments and refreshes mean_f and
** scale_f. */
void pg__obs_norm_merge(pg__obs_norm *z, const float *obs, size_t rows);
/* Keeps a copy of the moments that pg__obs_norm_undo puts back (a step
** merges before it acts and takes the merge back when it is refused). No
** allocation. */
void pg__obs_norm_mark(pg__obs_norm *z);
void pg__obs_norm_undo(pg__obs_norm *z);
/* out = the rows observations normalized (out may equal obs). */
void pg__obs_norm_apply(const pg_agent *a, const float *obs, size_t rows, float *out);
/* Checkpoint body of ONRM (agent_io.c; docs/FORMAT.md) and its reader,
** which validates everything before it changes a->onorm (PG_ERR_FORMAT). */
void pg__obs_norm_write(pg__writer *w, const void *agent);
pg_status pg__obs_norm_read(pg_agent *a, const char *fn, pg__reader *body);

/* ---- statistics (handle.c) ---- */
void pg__agent_episode_end(pg_agent *a, size_t slot);

/* ---- creation (agent.c) ---- */
/* An agent of the algorithm `ops` (for a registered algorithm: the same as
** pg_agent_create; tests add algorithms of their own through it): checks
** the nets against the ops (as pg_agent_create), does not own them. */
pg_status pg__agent_create_ops(pg_ctx *ctx, const pg__algo_ops *ops, pg_net *net,
                               pg_net *value_net, pg_agent **out);

/* ---- internal loop entry points (loop.c), shared with the train loops ---- */
pg_status pg__agent_prepare(pg_agent *a, const char *fn);
pg_status pg__agent_step(pg_agent *a, const float *obs, const uint8_t *mask,
                         float *actions, bool record);
pg_status pg__agent_report(pg_agent *a, const float *rewards, const int32_t *term,
                           const int32_t *trunc, const float *next_obs);
pg_status pg__agent_update(pg_agent *a, const char *fn, int32_t *out_updated);
/* Acts on n rows without recording (deterministic or sampled). False when
** an output (probabilities, mean, value, Q-values, the action or its
** log-probability) is NaN or Inf: the random stream is as before then and
** the caller returns PG_ERR_NUMERIC. The actions are the environment's
** (squashed with PG_PARAM_SQUASH). */
bool pg__agent_act_rows(pg_agent *a, const float *obs, const uint8_t *mask,
                        size_t n, bool deterministic, float *actions);
/* The same with the forward in rows [row0, row0 + n) of a->net (row0 + n
** <= its max batch; see pg__net_forward_rows), the actions before any
** squash (pg__agent_env_actions). */
bool pg__agent_act_rows_at(pg_agent *a, const float *obs, const uint8_t *mask,
                           size_t n, bool deterministic, float *actions, size_t row0);
/* Monotonic seconds (handle.c). */
double pg__now(void);

/* ---- flush-to-zero around arithmetic (restores the caller's mode; handle.c) ---- */
unsigned pg__ftz_enter(void);
void pg__ftz_leave(unsigned saved);

/* ---- the algorithms (registry.c: number -> operations) ---- */
/* The operations of algo, or NULL for a number without an algorithm. */
const pg__algo_ops *pg__algo_lookup(pg_algorithm algo);
extern const pg__algo_ops pg__reinforce_ops;
extern const pg__algo_ops pg__reinforce_baseline_ops;
extern const pg__algo_ops pg__actor_critic_ops;
extern const pg__algo_ops pg__paac_ops;
extern const pg__algo_ops pg__a3c_ops;
extern const pg__algo_ops pg__async_q1_ops;
extern const pg__algo_ops pg__async_sarsa_ops;
extern const pg__algo_ops pg__async_qn_ops;
extern const pg__algo_ops pg__ppo_ops;

/* PPO's loss over m <= the nets' max batch rows gathered from a rollout
** (ppo.c): obs (m*obs_size), mask (NULL = none), actions, and per row the
** acting-time log-probability and value, the advantage and the return.
** Forwards the rows, accumulates into the nets' gradients
**   scale * sum [ -min(rho A, clip(rho, 1-eps, 1+eps) A) - beta H
**                 + c max((v - R)^2, (v_clip - R)^2) ]
** (rho = pi/pi_old; v_clip = v_old + clip(v - v_old, +-VALUE_CLIP), only
** when VALUE_CLIP > 0; c = VALUE_COEF) and returns that loss. Adds the row
** sums of the policy term, the value term, the entropy and the
** approximate KL (rho - 1 - log rho) to sums[0..3]. w and tgt: m floats of
** scratch. No allocation. */
typedef struct pg__ppo_rows {
  const float *obs;
  const uint8_t *mask;
  const float *actions, *old_logp, *old_value, *adv, *ret;
} pg__ppo_rows;
double pg__ppo_loss_grads(pg_agent *a, const pg__ppo_rows *rows, size_t m, float scale,
                          float *w, float *tgt, double sums[4]);
/* Called by a pg_agent_train implementation (the generic loop, ops->train)
** once everything it allocates exists, right before the first step: the
** agent forgets its partial episodes and segments and starts the run's
** counters. Nothing may change the agent before this call, so that a
** failed set-up (PG_ERR_NOMEM, ...) leaves it as it was (train.c). */
void pg__train_begin(pg_agent *a);
/* The generic library-driven loop (train.c). */
pg_status pg__train_generic(pg_agent *a, pg_env *env, int64_t max_steps,
                            pg_progress_fn progress, void *user);

#endif /* PG_AGENT_INTERNAL_H */
