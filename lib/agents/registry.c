/* The algorithm registry: one line per algorithm from its number to its
** operations table (pg__algo_ops, defined in the algorithm's own file), and
** the algorithms' names. Generic code asks the table's traits, never the
** number. */
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
