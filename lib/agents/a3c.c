/* A3C: asynchronous advantage actor-critic (Mnih et al., 2016, Algorithm
** S3). Per worker and segment of at most t_max steps (ended early by the
** episode's end), acting with theta' (synchronized from theta after each
** update):
**   R = 0 at a terminal state, V(s_t; theta'_v) otherwise (at a truncation:
**   V of the true final observation);
**   going back, R = r_i + gamma R;
**   d theta += sum_i [ -(R - V(s_i)) grad log pi(a_i|s_i) - beta grad H ]
**            + c grad (R - V(s_i))^2   (shared trunk: c = value_coef;
**   separate value net: 0.5 (R - V)^2 on it);
** (GAE_LAMBDA < 1: R is the lambda-return, GAE(lambda) over those V plus V)
** then one RMSProp step on the shared theta with shared statistics
** (async_common.c). Discrete (softmax) and Gaussian policies. */
#include "agents/pg_async.h"

#include <string.h>

/* A3C-LSTM: the segment replayed through time from the state it started
** from (a segment ends at an episode's end, so no reset falls inside it),
** the bootstrap row as one more step, the gradients over the replay; the
** acting state then carries on and the next segment starts from it. */
static pg_status a3c_recurrent_update(pg_agent *a) {
  pg__async *s = a->algo;
  pg__rollout *rb = &s->rb;
  size_t n = rb->t, os = a->obs_size;
  float *start = s->rec_state, *acting = s->rec_state + s->state_len;
  pg__net_state_copy(a->net, acting, 1, true);
  pg__net_state_copy(a->net, start, 1, false);
  pg__net_forward_seq(a->net, rb->obs, n, 1, rb->any_mask ? rb->mask : NULL, NULL);
  pg__net_out o;
  pg__net_forward_rows(a->net, rb->next + (n - 1) * os, n, 1, NULL, &o);
  rb->boot[n - 1] = o.value[0]; /* segments end at a truncation: only the last row's */
  pg__nstep_returns(n, 1, (float)pg__p(a, PG_PARAM_GAMMA), rb->rew, rb->term, rb->trunc,
                    rb->boot, rb->boot + (n - 1), rb->ret);
  double pl = 0.0, vl = 0.0, ent = 0.0;
  pg__agent_zero_grads(a);
  pg__agent_ac_grads_cached(a, rb->act, rb->ret, rb->adv, n, 1.0f, &pl, &vl, &ent);
  pg__net_state_copy(a->net, acting, 1, false);
  memcpy(start, acting, s->state_len * sizeof *start);
  pg__rollout_clear(rb);
  return pg__async_apply(a, "pg_agent_update", pl / (double)n, vl / (double)n,
                         ent / (double)n);
}

pg_status pg__a3c_update(pg_agent *a) {
  pg__async *s = a->algo;
  pg__rollout *rb = &s->rb;
  size_t n = rb->t;
  if (s->rec_state) return a3c_recurrent_update(a);
  /* V(s') of every row: the bootstrap of the last row and of truncations */
  pg__agent_values(a, rb->next, n, rb->boot);
  float gamma = (float)pg__p(a, PG_PARAM_GAMMA), lambda = (float)pg__p(a, PG_PARAM_GAE_LAMBDA);
  if (lambda < 1.0f) { /* lambda-returns: GAE(lambda) over V(s_i; theta'_v), plus V */
    pg__agent_values(a, rb->obs, n, rb->adv);
    pg__gae(n, 1, gamma, lambda, rb->rew, rb->adv, rb->term, rb->trunc, rb->boot,
            rb->boot + (n - 1), rb->adv, rb->ret);
  } else {
    pg__nstep_returns(n, 1, gamma, rb->rew, rb->term, rb->trunc, rb->boot, rb->boot + (n - 1),
                      rb->ret);
  }
  double pl = 0.0, vl = 0.0, ent = 0.0;
  pg__agent_zero_grads(a);
  pg__agent_ac_grads(a, rb->obs, rb->any_mask ? rb->mask : NULL, rb->act, rb->ret, rb->adv, n,
                     1.0f, true, &pl, &vl, &ent);
  pg__rollout_clear(rb);
  return pg__async_apply(a, "pg_agent_update", pl / (double)n, vl / (double)n,
                         ent / (double)n);
}

static const pg__param_default A3C_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},         {PG_PARAM_LR, 0.0007},
    {PG_PARAM_VALUE_LR, 0.0007},    {PG_PARAM_VALUE_COEF, 0.5},
    {PG_PARAM_ENTROPY_BETA, 0.01},  {PG_PARAM_CLIP_NORM, 0.0},
    {PG_PARAM_T_MAX, 5},            {PG_PARAM_NUM_ENVS, 1},
    {PG_PARAM_HOGWILD, 0},          {PG_PARAM_GAE_LAMBDA, 1.0},
    PG__PARAMS_OPTIM(PG_OPTIM_RMSPROP, 1e-5, 0),
    PG__PARAMS_LOOP(2),             {(pg_param)0, 0}};

/* Worker handles take their parameters from the parent at creation. */
static const pg__param_default WORKER_PARAMS[] = {{(pg_param)0, 0}};

#define A3C_OPS                                                                         \
  .algorithm = PG_ALGO_A3C,                                                             \
  .traits = PG__TRAIT_ASYNC | PG__TRAIT_SEPARATE_VALUE | PG__TRAIT_IMAGE_SHARED_TRUNK | \
            PG__TRAIT_RECURRENT,                                                        \
  .needs_value = true,                                                                  \
  .setup = pg__async_setup, .record = pg__async_record, .update_due = pg__async_due,     \
  .step_obs = pg__async_step_obs,                                                        \
  .update = pg__a3c_update, .clear = pg__async_clear, .train = pg__async_train,          \
  .teardown = pg__async_teardown, .worker_ops = &pg__a3c_worker_ops,                     \
  .check_save = pg__async_check_save, .save_state = pg__async_save_state,               \
  .load_state = pg__async_load_state

const pg__algo_ops pg__a3c_ops = {.name = "a3c", .params = A3C_PARAMS, A3C_OPS};
const pg__algo_ops pg__a3c_worker_ops = {.name = "a3c_worker", .params = WORKER_PARAMS, A3C_OPS};
