/*
** The tasks the examples can train, play and render, in one table: the
** library's built-in tasks and, when their engines were found at build
** time, the MuJoCo tasks (examples/mujoco) and the Box2D lunar lander
** (examples/box2d). Each simulator task carries its training preset
** (algorithm, network, hyperparameters, step budget) and the documented
** threshold of docs/RESULTS.md, so examples/sims/train_sim.c,
** examples/play.c and bench/bench_sims.c share one definition.
** Not part of the library; no global mutable state.
*/
#ifndef PG_EXAMPLES_SIMS_H
#define PG_EXAMPLES_SIMS_H

#include <policygrad.h>
#include <stddef.h>
#include <stdint.h>

#include "render.h"

enum { SIM_MAX_PARAMS = 12, SIM_MAX_PRESETS = 4 };

typedef struct sim_param {
  pg_param param;
  double value;
} sim_param;

/* The networks a preset trains. */
typedef enum sim_nets {
  /* pg_agent_create_for_env: a ReLU trunk of hidden_layers x hidden_units
  ** shared by the policy and value heads (PAAC, PPO), or the algorithm's
  ** own choice. */
  SIM_NETS_FOR_ENV = 0,
  /* Built here and handed to pg_agent_create: a tanh policy net (Gaussian
  ** head, mean gain 0.01, log std starting at 0) and a separate tanh value
  ** net, both hidden_layers x hidden_units, orthogonal init -- the usual
  ** PPO set-up for continuous control. */
  SIM_NETS_SEPARATE_TANH = 1
} sim_nets;

/* How a task is trained and judged. */
typedef struct sim_preset {
  pg_algorithm algorithm;
  sim_nets nets;
  int32_t hidden_units, hidden_layers;
  int n_params;
  sim_param params[SIM_MAX_PARAMS];
  int64_t steps;        /* training budget of the bench */
  double threshold;     /* mean-100 return counted as reached */
} sim_preset;

typedef struct sim_task {
  const char *name;   /* the pg_env name */
  const char *engine; /* "MuJoCo", "Box2D" or "built-in" */
  pg_status (*create)(pg_ctx *ctx, const char *name, uint64_t seed, pg_env **out, char *err,
                      size_t err_len);
  pgr_draw_fn (*drawer)(const char *name);
  /* CPU seconds per env step in the engine alone (NULL for built-ins) */
  double (*engine_step_seconds)(const char *name, long n);
  /* presets[0] is the default (PAAC); more are more columns of bench_sims
  ** (presets[1]: PPO for the simulator tasks). Unused ones have algorithm 0. */
  sim_preset presets[SIM_MAX_PRESETS];
} sim_task;

/* Task i (built-ins first, then the simulators that were built), or NULL
** past the end. */
const sim_task *sim_task_at(int i);
/* The task named name, or NULL. */
const sim_task *sim_task_find(const char *name);
/* 1 for a task that runs on a physics engine. */
int sim_task_is_simulator(const sim_task *t);

/* What one training run reached. */
typedef struct sim_result {
  int64_t steps;          /* environment steps trained */
  int64_t steps_to_threshold; /* first report with mean-100 >= threshold
                                 over >= 100 episodes; -1 if never */
  double wall_seconds;
  double cpu_seconds;     /* process CPU time of the training (all threads) */
  double mean_return_100; /* at the end */
  double best_mean_100;   /* the highest seen at a report (>= 100 episodes) */
  double episodes;
  double steps_per_second;
  double greedy_return;   /* mean of 10 deterministic episodes after training */
} sim_result;

typedef struct sim_run_opts {
  int preset;               /* index into the task's presets */
  uint64_t seed;
  int64_t steps;            /* 0 = the preset's */
  int stop_at_threshold;    /* stop training at the first report past it */
  int64_t report_interval;  /* steps between reports (and log rows) */
  const char *log_path;     /* CSV training log (pg_agent_set_log_file), may be NULL */
  const char *policy_path;  /* save the trained policy here, may be NULL */
  int verbose;              /* print a line per report */
  int n_overrides;          /* "name=value" hyperparameters set after the preset's */
  const char *const *overrides;
} sim_run_opts;

/* Trains task t with its preset; fills *out. Returns 0, or -1 with a
** message in err. */
int sim_train_run(const sim_task *t, const sim_run_opts *o, sim_result *out, char *err,
                  size_t err_len);

/* Mean undiscounted return of `episodes` episodes of uniformly random
** actions (discrete: uniform over the actions; continuous: uniform in the
** bounds). */
int sim_random_return(const sim_task *t, uint64_t seed, int episodes, double *out_mean,
                      char *err, size_t err_len);

#endif
