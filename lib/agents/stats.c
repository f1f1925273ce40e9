/* pg_agent_get_stat: an agent's training statistics (episodes, returns,
** steps, losses, speed). Its own file so that readers of the statistics
** (the training log, train_log.c) do not depend on the handle's lifetime
** code (handle.c), which frees their state. */
#include "agents/pg_agent_internal.h"

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
