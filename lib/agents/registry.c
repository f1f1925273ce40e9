/* The algorithm registry: one line per algorithm from its number to its
** operations table (pg__algo_ops, defined in the algorithm's own file), the
** algorithms' names, and the handle-free parameter queries by algorithm
** (pg_param_get_bounds / pg_param_get_default over params.c's registry).
** Generic code asks the table's traits, never the number. Only creation
** (agent.c), checkpoints (agent_io.c) and these queries look algorithms up,
** so no algorithm depends on the registry. */
#include "agents/pg_agent_internal.h"

const pg__algo_ops *pg__algo_lookup(pg_algorithm algo) {
  switch (algo) {
  case PG_ALGO_REINFORCE: return &pg__reinforce_ops;
  case PG_ALGO_REINFORCE_BASELINE: return &pg__reinforce_baseline_ops;
  case PG_ALGO_ACTOR_CRITIC: return &pg__actor_critic_ops;
  case PG_ALGO_PAAC: return &pg__paac_ops;
  case PG_ALGO_A3C: return &pg__a3c_ops;
  case PG_ALGO_ASYNC_ONE_STEP_Q: return &pg__async_q1_ops;
  case PG_ALGO_ASYNC_ONE_STEP_SARSA: return &pg__async_sarsa_ops;
  case PG_ALGO_ASYNC_N_STEP_Q: return &pg__async_qn_ops;
  default: return NULL;
  }
}

const char *pg_algorithm_name(pg_algorithm algorithm) {
  switch (algorithm) {
  case PG_ALGO_REINFORCE: return "reinforce";
  case PG_ALGO_REINFORCE_BASELINE: return "reinforce_baseline";
  case PG_ALGO_ACTOR_CRITIC: return "actor_critic";
  case PG_ALGO_PAAC: return "paac";
  case PG_ALGO_A3C: return "a3c";
  case PG_ALGO_ASYNC_ONE_STEP_Q: return "async_one_step_q";
  case PG_ALGO_ASYNC_ONE_STEP_SARSA: return "async_one_step_sarsa";
  case PG_ALGO_ASYNC_N_STEP_Q: return "async_n_step_q";
  default: return "unknown";
  }
}

/* ---- the registry's parameters per algorithm, without a handle -------------- */

pg_status pg_param_get_bounds(pg_algorithm algorithm, pg_param param, double *out_low,
                              double *out_high) {
  const pg__algo_ops *ops = pg__algo_lookup(algorithm);
  if (!out_low || !out_high || !ops) return PG_ERR_INVALID_ARG;
  return pg__params_query(ops, param, out_low, out_high, NULL);
}

pg_status pg_param_get_default(pg_algorithm algorithm, pg_param param, double *out_value) {
  const pg__algo_ops *ops = pg__algo_lookup(algorithm);
  if (!out_value || !ops) return PG_ERR_INVALID_ARG;
  return pg__params_query(ops, param, NULL, NULL, out_value);
}
