/* Loss assembly of the policy-gradient agents: values of a batch of rows,
** and the loss (pg_loss_desc: policy gradient with or without a baseline,
** entropy bonus, value regression) back-propagated over rows of a rollout
** into the nets' gradients, which lib/agents/apply.c then applies. Nothing
** here allocates. */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>

/* ---- values and gradients ------------------------------------------------------ */

void pg__agent_values(pg_agent *a, const float *obs, size_t n, float *out) {
  pg_net *vn = a->vnet ? a->vnet : a->net;
  size_t mb = pg__net_max_batch(vn);
  for (size_t off = 0; off < n; off += mb) {
    size_t m = n - off < mb ? n - off : mb;
    pg__net_out o;
    pg__net_forward(vn, obs + off * a->obs_size, m, NULL, &o);
    memcpy(out + off, o.value, m * sizeof(float));
  }
}

void pg__agent_zero_grads(pg_agent *a) {
  pg__net_zero_grads(a->net);
  if (a->vnet) pg__net_zero_grads(a->vnet);
}

double pg__agent_row_log_prob(const pg_agent *a, const pg__net_out *o, size_t j,
                              const float *act) {
  if (a->discrete) return (double)o->log_probs[j * a->n_actions + (size_t)act[0]];
  double lp = pg__gaussian_log_prob(o->mean + j * a->n_actions, o->log_std + j * o->log_std_stride,
                                    act, a->n_actions);
  return pg__agent_squashes(a) ? lp - pg__squash_log_det(act, a->squash_bounds, a->n_actions)
                               : lp;
}

bool pg__agent_squashes(const pg_agent *a) {
  return !a->discrete && a->squash_bounds && pg__ops_accepts(a->ops, PG_PARAM_SQUASH) &&
         pg__p(a, PG_PARAM_SQUASH) != 0.0;
}

void pg__agent_env_actions(const pg_agent *a, const float *u, size_t n, float *out) {
  if (pg__agent_squashes(a)) {
    for (size_t i = 0; i < n; i++)
      pg__squash_actions(u + i * a->n_actions, a->squash_bounds, a->n_actions,
                         out + i * a->n_actions);
  } else if (out != u) {
    memmove(out, u, n * a->action_len * sizeof(float));
  }
}

/* Advantages, statistics and the backward of a->net over m rows of its
** forward outputs o (v: the baseline values, NULL without baseline). */
static void rows_backward(pg_agent *a, const pg__net_out *o, const float *v,
                          const float *actions, const float *returns, float *adv, size_t m,
                          float scale, bool baseline, double *pl, double *vl, double *ent) {
  size_t al = a->action_len;
  for (size_t j = 0; j < m; j++) {
    float R = returns[j], d = baseline ? R - v[j] : R;
    adv[j] = d;
    *pl -= (double)d * pg__agent_row_log_prob(a, o, j, actions + j * al);
    if (baseline) *vl += (double)d * (double)d;
    *ent += (double)o->entropy[j];
  }
  pg_loss_desc L = {sizeof(pg_loss_desc), scale, 1.0f,
                    (float)pg__p(a, PG_PARAM_ENTROPY_BETA), 0.0f, 0.0f,
                    actions, adv, returns, NULL, NULL};
  if (baseline && !a->vnet) L.value_coef = (float)pg__p(a, PG_PARAM_VALUE_COEF);
  (void)pg__net_backward(a->net, m, &L);
}

void pg__agent_ac_grads_cached(pg_agent *a, const float *actions, const float *returns,
                               float *adv, size_t n, float scale, double *pl, double *vl,
                               double *ent) {
  pg__net_out o;
  pg__net_outputs(a->net, &o);
  rows_backward(a, &o, o.value, actions, returns, adv, n, scale, true, pl, vl, ent);
}

void pg__agent_ac_grads(pg_agent *a, const float *obs, const uint8_t *mask,
                        const float *actions, const float *returns, float *adv, size_t n,
                        float scale, bool baseline, double *pl, double *vl, double *ent) {
  size_t mb = pg__net_max_batch(a->net);
  if (a->vnet && pg__net_max_batch(a->vnet) < mb) mb = pg__net_max_batch(a->vnet);
  size_t os = a->obs_size, al = a->action_len, k = a->n_actions;
  for (size_t off = 0; off < n; off += mb) {
    size_t m = n - off < mb ? n - off : mb;
    pg__net_out o, vo;
    pg__net_forward(a->net, obs + off * os, m, mask ? mask + off * k : NULL, &o);
    const float *v = NULL;
    if (baseline) {
      if (a->vnet) pg__net_forward(a->vnet, obs + off * os, m, NULL, &vo);
      v = a->vnet ? vo.value : o.value;
    }
    rows_backward(a, &o, v, actions + off * al, returns + off, adv + off, m, scale, baseline,
                  pl, vl, ent);
    if (baseline && a->vnet) {
      pg_loss_desc V = {sizeof(pg_loss_desc), scale, 0.0f, 0.0f, 0.5f, 0.0f,
                        NULL, NULL, returns + off, NULL, NULL};
      (void)pg__net_backward(a->vnet, m, &V);
    }
  }
}

