/* The pg_agent handle once it exists: destruction, episode bookkeeping, the nets,
** the last error, and the small helpers every agent source uses (clock,
** flush-to-zero). Calls nothing above it (no registry, no algorithm). */
#include "agents/pg_agent_internal.h"
#include "agents/pg_train_log.h" /* pg__train_log_free */

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

/* ---- destruction ---------------------------------------------------------- */

static void destroy_now(pg_agent *agent);

void pg_agent_destroy(pg_agent *agent) {
  if (!agent) return;
  if (atomic_load(&agent->holders) > 0) {
    agent->closed = true; /* its workers still use it: the last one frees it */
    return;
  }
  destroy_now(agent);
}

void pg__agent_hold(pg_agent *a) { atomic_fetch_add(&a->holders, 1); }

void pg__agent_unhold(pg_agent *a) {
  if (atomic_fetch_sub(&a->holders, 1) == 1 && a->closed) destroy_now(a);
}

static void destroy_now(pg_agent *agent) {
  pg_ctx *ctx = agent->ctx;
  pg__train_log_free(agent);
  pg_policy_session_destroy(agent->act_session);
  pg_policy_destroy(agent->act_policy);
  if (agent->ops && agent->ops->teardown) agent->ops->teardown(agent);
  pg_optim_destroy(agent->opt);
  pg_optim_destroy(agent->vopt);
  if (agent->own_nets) {
    pg_net_destroy(agent->net);
    pg_net_destroy(agent->vnet);
  }
  pg__free(ctx, agent->actions);
  pg__free(ctx, agent->squash_bounds);
  pg__free(ctx, agent->mask_buf);
  pg__free(ctx, agent->pend_obs);
  pg__free(ctx, agent->u8_obs);
  pg__free(ctx, agent->u8_next);
  pg__free(ctx, agent->param);
  pg__free(ctx, agent->pend_value);
  pg__free(ctx, agent->pend_logp);
  pg__free(ctx, agent->ep_return);
  pg__free(ctx, agent->ep_length);
  pg__obs_norm_free(agent);
  pg__free(ctx, agent);
  pg__ctx_release(ctx);
}

pg_status pg__agent_check_idle(pg_agent *a, const char *fn) {
  pg_status st = pg__net_check_idle(a->net, a->ctx, fn);
  if (st == PG_OK && a->vnet) st = pg__net_check_idle(a->vnet, a->ctx, fn);
  return st;
}

/* ---- episode bookkeeping --------------------------------------------------------- */

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
  pg__net_reset_state(a->net, slot, 1); /* recurrent nets: the next episode starts afresh */
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

const char *pg_agent_last_error(const pg_agent *agent) {
  if (!agent) return "no agent (NULL pg_agent)";
  return pg_ctx_last_error(agent->ctx);
}
