/* The reinforcement-learning losses of pg_net_backward (pg_loss_desc):
** their values and their gradients with respect to the head outputs of the
** last forward, then one backward pass through the heads and the trunk
** (pg__net_backward_heads in net.c). */
#include "nn/net_impl.h"

#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093453

static double row_coef(const pg_loss_desc *loss, size_t i) {
  return (double)loss->scale * (loss->weights ? (double)loss->weights[i] : 1.0);
}

/* dL/dlogits of the policy-gradient and entropy terms; returns their loss. */
static double categorical_terms(pg_net *net, size_t n, const pg_loss_desc *loss,
                                float *dl) {
  const size_t k = pg__net_n_actions(net);
  double total = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *p = net->probs + i * k, *lp = net->logp + i * k;
    float *d = dl + i * k;
    const double c = row_coef(loss, i);
    for (size_t j = 0; j < k; j++) d[j] = 0.0f;
    if (loss->policy_coef != 0.0f) {
      size_t a = (size_t)loss->actions[i];
      double g = c * (double)loss->policy_coef * (double)loss->advantages[i];
      total -= g * (double)lp[a];
      for (size_t j = 0; j < k; j++) d[j] = (float)(g * (double)p[j]);
      d[a] = (float)(g * ((double)p[a] - 1.0));
    }
    if (loss->entropy_coef != 0.0f) {
      double cb = c * (double)loss->entropy_coef, h = (double)net->entropy[i];
      total -= cb * h;
      for (size_t j = 0; j < k; j++)
        if (p[j] > 0.0f) d[j] += (float)(cb * (double)p[j] * ((double)lp[j] + h));
    }
  }
  return total;
}

/* dL/dmean and dL/dlog-std: dls holds dim floats summed over the rows
** (a log-std block) or n*dim, one row each (a state-dependent log-std). */
static double gaussian_terms(pg_net *net, size_t n, const pg_loss_desc *loss,
                             float *dm, float *dls) {
  const size_t dim = pg__net_action_dim(net), stride = pg__net_log_std_stride(net);
  const float *mean = pg__net_head_y(net, PG__HEAD_GAUSSIAN), *log_std = pg__net_log_std(net);
  double total = 0.0;
  memset(dls, 0, (stride ? n * dim : dim) * sizeof *dls);
  for (size_t i = 0; i < n; i++) {
    const double c = row_coef(loss, i);
    const float *ls = log_std + i * stride;
    float *dl = dls + i * stride;
    if (dm && loss->policy_coef != 0.0f) {
      double g = c * (double)loss->policy_coef * (double)loss->advantages[i], lp = 0.0;
      for (size_t d = 0; d < dim; d++) {
        double sd = exp((double)ls[d]);
        double u = ((double)loss->actions[i * dim + d] - (double)mean[i * dim + d]) / sd;
        lp += -0.5 * u * u - (double)ls[d] - 0.5 * LOG_2PI;
        dm[i * dim + d] = (float)(-g * u / sd);
        dl[d] += (float)(-g * (u * u - 1.0));
      }
      total -= g * lp;
    }
    if (loss->entropy_coef != 0.0f) {
      double cb = c * (double)loss->entropy_coef;
      total -= cb * (double)net->entropy[i];
      for (size_t d = 0; d < dim; d++) dl[d] -= (float)cb;
    }
  }
  return total;
}

static double value_term(pg_net *net, size_t n, const pg_loss_desc *loss, float *dv) {
  const float *v = pg__net_head_y(net, PG__HEAD_VALUE);
  double total = 0.0;
  for (size_t i = 0; i < n; i++) {
    double c = row_coef(loss, i) * (double)loss->value_coef;
    double diff = (double)loss->returns[i] - (double)v[i];
    total += c * diff * diff;
    dv[i] = (float)(-2.0 * c * diff);
  }
  return total;
}

static double q_term(pg_net *net, size_t n, const pg_loss_desc *loss, float *dq) {
  const size_t k = pg__net_n_q(net);
  const float *q = pg__net_head_y(net, PG__HEAD_Q);
  double total = 0.0;
  memset(dq, 0, n * k * sizeof *dq);
  for (size_t i = 0; i < n; i++) {
    size_t a = (size_t)loss->actions[i];
    double c = row_coef(loss, i) * (double)loss->q_coef;
    double diff = (double)loss->q_targets[i] - (double)q[i * k + a];
    total += c * diff * diff;
    dq[i * k + a] = (float)(-2.0 * c * diff);
  }
  return total;
}

double pg__net_backward(pg_net *net, size_t n, const pg_loss_desc *loss) {
  float *dl = NULL, *dm = NULL, *dls = NULL, *dv = NULL, *dq = NULL;
  double total = 0.0;
  bool pol = loss->policy_coef != 0.0f, ent = loss->entropy_coef != 0.0f;
  if ((pol || ent) && net->def.head[PG__HEAD_CATEGORICAL] >= 0) {
    dl = net->dhead[PG__HEAD_CATEGORICAL];
    total += categorical_terms(net, n, loss, dl);
  } else if ((pol || ent) && net->def.head[PG__HEAD_GAUSSIAN] >= 0) {
    dm = pol ? net->dhead[PG__HEAD_GAUSSIAN] : NULL;
    dls = pg__netdef_state_std(&net->def) ? net->dhead[PG__HEAD_LOG_STD] : net->dlogstd;
    total += gaussian_terms(net, n, loss, dm, dls);
  }
  if (loss->value_coef != 0.0f && net->def.head[PG__HEAD_VALUE] >= 0) {
    dv = net->dhead[PG__HEAD_VALUE];
    total += value_term(net, n, loss, dv);
  }
  if (loss->q_coef != 0.0f && net->def.head[PG__HEAD_Q] >= 0) {
    dq = net->dhead[PG__HEAD_Q];
    total += q_term(net, n, loss, dq);
  }
  pg__net_backward_heads(net, n, dl, dm, dls, dv, dq);
  return total;
}
