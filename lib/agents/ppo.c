/* PPO: proximal policy optimization with the clipped surrogate objective
** (Schulman et al., 2017, Algorithm 1; the details as CleanRL's ppo.py).
** n slots x t_max steps are recorded with the value and the log-probability
** of each action at acting time (PG__TRAIT_ACTING); per update:
**   advantages A and returns R = A + V by GAE(lambda) (rollout.c), the
**   bootstrap values from one batched forward of the bootstrap rows;
**   PPO_EPOCHS passes, each over MINIBATCHES shuffled minibatches of the
**   n*t_max rows, one optimizer step (the apply point) per minibatch on
**     1/m sum [ -min(rho A, clip(rho, 1-eps, 1+eps) A) - beta H
**               + c max((v - R)^2, (v_clip - R)^2) ]
**   with rho = pi(a|s)/pi_old(a|s), A normalized over the minibatch when
**   NORM_ADVANTAGES is 1, v_clip = v_old + clip(v - v_old, +-VALUE_CLIP)
**   (only when VALUE_CLIP > 0); the passes stop early when a minibatch's
**   approximate KL (mean of rho - 1 - log rho) exceeds TARGET_KL > 0 (that
**   minibatch is not applied).
** Gradient of the clipped term per row: -rho A grad log pi where the
** unclipped term is the minimum, 0 where the clipped one is; of the value
** term: the plain regression where it is the maximum, 0 where v_clip is
** (that is: the row's target becomes v itself).
** NORM_REWARD = 1: the rewards learned from are divided by the running
** standard deviation of each slot's discounted return (the returns
** themselves, the statistics and pg_agent_evaluate see the raw rewards).
** Memory: everything is allocated in setup; record and update never
** allocate. A non-finite step stops the update (that step is undone, the
** earlier minibatch steps of the update are kept). */
#include "agents/pg_agent_internal.h"

#include <math.h>
#include <string.h>

typedef struct ppo_state {
  pg__rollout rb;        /* n slots x t_max steps, bootstrap rows, acting-time values */
  size_t *perm;          /* n*t_max row indices, shuffled per pass */
  size_t chunk;          /* rows per forward: min(n*t_max, the nets' max batch) */
  float *obs, *act, *lp, *v, *adv, *ret, *w, *tgt; /* one gathered chunk */
  uint8_t *mask;
  /* Built by the first step's set-up; a load that comes before it makes
  ** one without buffers (rb empty, rs_ret NULL) for the return statistics.
  ** NORM_REWARD: rewards divided by the running spread of the discounted
  ** return (rs over rs_ret, each slot's return so far, reset at episode
  ** ends); rs_rew holds a step's scaled rewards. Saved in checkpoints. */
  pg__moments rs;
  double rs_mean, rs_m2;
  double *rs_ret;
  float *rs_rew;
} ppo_state;

static void st_free(pg_ctx *ctx, ppo_state *s) {
  if (!s) return;
  pg__rollout_free(ctx, &s->rb);
  void *p[] = {s->perm, s->obs, s->act, s->lp,   s->v,     s->adv,
               s->ret,  s->w,   s->tgt, s->mask, s->rs_ret, s->rs_rew};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pg__free(ctx, p[i]);
  pg__free(ctx, s);
}

static size_t max_batch(const pg_agent *a) {
  size_t mb = pg__net_max_batch(a->net);
  if (a->vnet && pg__net_max_batch(a->vnet) < mb) mb = pg__net_max_batch(a->vnet);
  return mb;
}

static pg_status ppo_setup(pg_agent *a) {
  pg_ctx *ctx = a->ctx;
  size_t n = a->n_slots, T = pg__pz(a, PG_PARAM_T_MAX), R = n * T;
  size_t k = a->discrete ? a->n_actions : 0;
  ppo_state *s = pg__calloc(ctx, 1, sizeof *s);
  bool ok = s && pg__rollout_init(ctx, &s->rb, n, T, a->obs_size, a->action_len, k,
                                  PG__RB_BOOT_ROWS | PG__RB_ACTING) == PG_OK;
  if (ok) {
    size_t c = R < max_batch(a) ? R : max_batch(a);
    s->chunk = c;
    s->perm = pg__calloc(ctx, R, sizeof(size_t));
    s->obs = pg__calloc(ctx, c * a->obs_size, sizeof(float));
    s->act = pg__calloc(ctx, c * a->action_len, sizeof(float));
    float **f[] = {&s->lp, &s->v, &s->adv, &s->ret, &s->w, &s->tgt};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) *f[i] = pg__calloc(ctx, c, sizeof(float));
    s->mask = k ? pg__calloc(ctx, c, k) : NULL;
    s->rs_ret = pg__calloc(ctx, n, sizeof(double));
    s->rs_rew = pg__calloc(ctx, n, sizeof(float));
    ok = s->perm && s->obs && s->act && s->lp && s->v && s->adv && s->ret && s->w && s->tgt &&
         (!k || s->mask) && s->rs_ret && s->rs_rew;
  }
  if (!ok) {
    st_free(ctx, s);
    return pg__fail(ctx, PG_ERR_NOMEM, "pg_agent_step: out of memory for the PPO buffers");
  }
  pg__moments_init(&s->rs, 1, &s->rs_mean, &s->rs_m2);
  const ppo_state *old = a->algo;
  if (old) { /* the running statistics survive a change of shape */
    s->rs.count = old->rs.count;
    s->rs_mean = old->rs_mean;
    s->rs_m2 = old->rs_m2;
  }
  st_free(ctx, a->algo);
  a->algo = s;
  return PG_OK;
}

/* The rewards to learn from: scaled by the running spread of the return
** when NORM_REWARD is 1. */
static const float *scaled_rewards(pg_agent *a, ppo_state *s, const float *rewards,
                                   const int32_t *term, const int32_t *trunc) {
  if (pg__p(a, PG_PARAM_NORM_REWARD) == 0.0) return rewards;
  size_t n = s->rb.n;
  double gamma = pg__p(a, PG_PARAM_GAMMA);
  for (size_t i = 0; i < n; i++) s->rs_ret[i] = gamma * s->rs_ret[i] + (double)rewards[i];
  pg__moments_update(&s->rs, s->rs_ret, n);
  double sd = pg__moments_std(&s->rs, 0);
  for (size_t i = 0; i < n; i++) {
    s->rs_rew[i] = (float)((double)rewards[i] / sd);
    if (term[i] || trunc[i]) s->rs_ret[i] = 0.0;
  }
  return s->rs_rew;
}

static pg_status ppo_record(pg_agent *a, const float *obs, const uint8_t *mask,
                            const float *actions, const float *rewards, const int32_t *term,
                            const int32_t *trunc, const float *next_obs) {
  ppo_state *s = a->algo;
  pg__rollout_record(&s->rb, obs, mask, actions, scaled_rewards(a, s, rewards, term, trunc),
                     term, trunc, next_obs, a->pend_value, a->pend_logp);
  return PG_OK;
}

static float *ppo_step_obs(pg_agent *a) { return pg__rollout_step_obs(&((ppo_state *)a->algo)->rb); }

static bool ppo_due(const pg_agent *a) {
  const ppo_state *s = a->algo;
  return s && s->rb.t == s->rb.cap;
}

/* ---- the loss ------------------------------------------------------------------ */

double pg__ppo_loss_grads(pg_agent *a, const pg__ppo_rows *rows, size_t m, float scale,
                          float *w, float *tgt, double sums[4]) {
  double eps = pg__p(a, PG_PARAM_CLIP_RANGE), vclip = pg__p(a, PG_PARAM_VALUE_CLIP);
  double beta = pg__p(a, PG_PARAM_ENTROPY_BETA), c = pg__p(a, PG_PARAM_VALUE_COEF);
  size_t al = a->action_len;
  pg__net_out o, vo;
  pg__net_forward(a->net, rows->obs, m, rows->mask, &o);
  if (a->vnet) pg__net_forward(a->vnet, rows->obs, m, NULL, &vo);
  const float *v = a->vnet ? vo.value : o.value;
  double loss = 0.0;
  for (size_t j = 0; j < m; j++) {
    double lp = pg__agent_row_log_prob(a, &o, j, rows->actions + j * al);
    double dlp = lp - (double)rows->old_logp[j], rho = exp(dlp), A = (double)rows->adv[j];
    double rc = rho < 1.0 - eps ? 1.0 - eps : rho > 1.0 + eps ? 1.0 + eps : rho;
    double un = rho * A, cl = rc * A, surr = un <= cl ? un : cl;
    w[j] = un <= cl ? (float)un : 0.0f; /* d(-surr)/d log pi = -w */
    double R = (double)rows->ret[j], vj = (double)v[j], vloss = (vj - R) * (vj - R);
    tgt[j] = rows->ret[j];
    if (vclip > 0.0) {
      double dv = vj - (double)rows->old_value[j];
      double vc = (double)rows->old_value[j] + (dv < -vclip ? -vclip : dv > vclip ? vclip : dv);
      double closs = (vc - R) * (vc - R);
      if (closs > vloss) { /* the clipped value is the maximum: no gradient */
        vloss = closs;
        tgt[j] = v[j];
      }
    }
    double H = (double)o.entropy[j];
    loss += -surr - beta * H + c * vloss;
    sums[0] -= surr;
    sums[1] += vloss;
    sums[2] += H;
    sums[3] += (rho - 1.0) - dlp;
  }
  pg_loss_desc L = {sizeof(pg_loss_desc), scale, 1.0f, (float)beta, 0.0f, 0.0f,
                    rows->actions, w, tgt, NULL, NULL};
  if (!a->vnet) L.value_coef = (float)c;
  (void)pg__net_backward(a->net, m, &L);
  if (a->vnet) {
    pg_loss_desc V = {sizeof(pg_loss_desc), scale, 0.0f, 0.0f, (float)c, 0.0f,
                      NULL, NULL, tgt, NULL, NULL};
    (void)pg__net_backward(a->vnet, m, &V);
  }
  return (double)scale * loss;
}

/* ---- the update ------------------------------------------------------------------ */

static void shuffle(pg__rng *rng, size_t *perm, size_t R) {
  for (size_t i = 0; i < R; i++) perm[i] = i;
  for (size_t i = R; i > 1; i--) {
    size_t j = (size_t)pg__rng_below(rng, (uint32_t)i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

/* Gathers rows idx[0, m) of the rollout into the chunk buffers, the
** advantages as (A - mean) * inv_std. */
static void gather(const pg_agent *a, ppo_state *s, const size_t *idx, size_t m, double mean,
                   double inv_std) {
  const pg__rollout *rb = &s->rb;
  size_t os = a->obs_size, al = a->action_len, k = rb->mask_len;
  for (size_t j = 0; j < m; j++) {
    size_t r = idx[j];
    memcpy(s->obs + j * os, rb->obs + r * os, os * sizeof(float));
    memcpy(s->act + j * al, rb->act + r * al, al * sizeof(float));
    if (k) memcpy(s->mask + j * k, rb->mask + r * k, k);
    s->lp[j] = rb->logp[r];
    s->v[j] = rb->value[r];
    s->adv[j] = (float)(((double)rb->adv[r] - mean) * inv_std);
    s->ret[j] = rb->ret[r];
  }
}

/* Mean and 1/std of the advantages of rows idx[0, m) (0 and 1 when not
** normalizing). */
static void adv_moments(const pg_agent *a, const float *adv, const size_t *idx, size_t m,
                        double *mean, double *inv_std) {
  *mean = 0.0;
  *inv_std = 1.0;
  if (pg__p(a, PG_PARAM_NORM_ADVANTAGES) == 0.0 || m < 2) return;
  double s1 = 0.0, s2 = 0.0;
  for (size_t j = 0; j < m; j++) s1 += (double)adv[idx[j]];
  *mean = s1 / (double)m;
  for (size_t j = 0; j < m; j++) {
    double d = (double)adv[idx[j]] - *mean;
    s2 += d * d;
  }
  *inv_std = 1.0 / (sqrt(s2 / (double)(m - 1)) + 1e-8);
}

static pg_status ppo_update(pg_agent *a) {
  static const char *fn = "pg_agent_update";
  ppo_state *s = a->algo;
  pg__rollout *rb = &s->rb;
  size_t n = rb->n, R = n * rb->cap;
  pg__agent_values(a, rb->boot_obs, n + rb->n_trunc, rb->boot_v);
  pg__rollout_scatter_boot(rb);
  pg__gae(rb->cap, n, (float)pg__p(a, PG_PARAM_GAMMA), (float)pg__p(a, PG_PARAM_GAE_LAMBDA),
          rb->rew, rb->value, rb->term, rb->trunc, rb->boot, rb->boot_v, rb->adv, rb->ret);
  size_t M = pg__pz(a, PG_PARAM_MINIBATCHES), epochs = pg__pz(a, PG_PARAM_PPO_EPOCHS);
  if (M > R) M = R;
  size_t mbs = (R + M - 1) / M;
  double target_kl = pg__p(a, PG_PARAM_TARGET_KL);
  const uint8_t *mask = rb->any_mask ? s->mask : NULL;
  pg_status st = PG_OK;
  bool stop = false;
  for (size_t e = 0; e < epochs && !stop; e++) {
    shuffle(&a->rng, s->perm, R);
    for (size_t b0 = 0; b0 < R && !stop; b0 += mbs) {
      size_t m = R - b0 < mbs ? R - b0 : mbs;
      const size_t *idx = s->perm + b0;
      double mean, inv_std, sums[4] = {0.0, 0.0, 0.0, 0.0};
      adv_moments(a, rb->adv, idx, m, &mean, &inv_std);
      pg__agent_zero_grads(a);
      for (size_t c0 = 0; c0 < m; c0 += s->chunk) {
        size_t cm = m - c0 < s->chunk ? m - c0 : s->chunk;
        gather(a, s, idx + c0, cm, mean, inv_std);
        pg__ppo_rows rows = {s->obs, mask, s->act, s->lp, s->v, s->adv, s->ret};
        (void)pg__ppo_loss_grads(a, &rows, cm, 1.0f / (float)m, s->w, s->tgt, sums);
      }
      if (target_kl > 0.0 && sums[3] / (double)m > target_kl) {
        stop = true;
        break;
      }
      st = pg__agent_apply(a, fn, a->total_steps, sums[0] / (double)m, sums[1] / (double)m,
                           sums[2] / (double)m, NULL);
      if (st != PG_OK) stop = true;
    }
  }
  pg__rollout_clear(rb);
  return st;
}

static void ppo_clear(pg_agent *a) {
  ppo_state *s = a->algo;
  if (!s) return;
  pg__rollout_clear(&s->rb);
  if (s->rs_ret) memset(s->rs_ret, 0, s->rb.n * sizeof(double));
}

/* ALGO section (docs/FORMAT.md): u32 version 1, f64 count, mean and m2 of
** the return statistics of the reward scaling. */
static void ppo_save_state(pg__writer *w, const void *agent) {
  const pg_agent *a = agent;
  const ppo_state *s = a->algo;
  pg__w_u32(w, 1u);
  pg__w_f64(w, s ? s->rs.count : 1e-4);
  pg__w_f64(w, s ? s->rs_mean : 0.0);
  pg__w_f64(w, s ? s->rs_m2 : 1e-4);
}

static pg_status ppo_load_state(pg_agent *a, const char *fn, pg__reader *r) {
  uint32_t version = pg__r_u32(r);
  double count = pg__r_f64(r), mean = pg__r_f64(r), m2 = pg__r_f64(r);
  if (r->bad) return pg__fail(a->ctx, PG_ERR_FORMAT, "%s: ALGO section too short", fn);
  if (version != 1)
    return pg__fail(a->ctx, PG_ERR_VERSION, "%s: ALGO section version %u is not 1", fn, version);
  if (r->left || !(count > 0.0 && count < 1e300) || !isfinite(mean) || !(m2 >= 0.0 && m2 < 1e300))
    return pg__fail(a->ctx, PG_ERR_FORMAT,
                    "%s: ALGO: return statistics (count %g, mean %g, m2 %g) are not valid", fn,
                    count, mean, m2);
  ppo_state *s = a->algo;
  if (!s) { /* a state without buffers: the first step's set-up builds them and keeps these */
    s = pg__calloc(a->ctx, 1, sizeof *s);
    if (!s) return pg__fail(a->ctx, PG_ERR_NOMEM, "%s: out of memory", fn);
    pg__moments_init(&s->rs, 1, &s->rs_mean, &s->rs_m2);
    a->algo = s;
  }
  s->rs.count = count;
  s->rs_mean = mean;
  s->rs_m2 = m2;
  return PG_OK;
}

static void ppo_teardown(pg_agent *a) {
  st_free(a->ctx, a->algo);
  a->algo = NULL;
}

/* Defaults: docs/TUNING.md says how they were chosen. */
static const pg__param_default PPO_PARAMS[] = {
    {PG_PARAM_GAMMA, 0.99},          {PG_PARAM_GAE_LAMBDA, 0.95},
    {PG_PARAM_LR, 0.00025},          {PG_PARAM_VALUE_LR, 0.00025},
    {PG_PARAM_VALUE_COEF, 0.25},     {PG_PARAM_ENTROPY_BETA, 0.0},
    {PG_PARAM_CLIP_NORM, 0.5},       {PG_PARAM_T_MAX, 128},
    {PG_PARAM_NUM_ENVS, 4},          {PG_PARAM_PPO_EPOCHS, 4},
    {PG_PARAM_MINIBATCHES, 4},       {PG_PARAM_CLIP_RANGE, 0.2},
    {PG_PARAM_VALUE_CLIP, 0.2},      {PG_PARAM_TARGET_KL, 0.0},
    {PG_PARAM_NORM_ADVANTAGES, 1},   {PG_PARAM_NORM_REWARD, 1},
    {PG_PARAM_NORM_OBS, 0},          {PG_PARAM_OBS_CLIP, 10.0},
    {PG_PARAM_LOG_STD_INIT, 0.0},    {PG_PARAM_LOG_STD_MIN, -20.0},
    {PG_PARAM_LOG_STD_MAX, 2.0},     {PG_PARAM_SQUASH, 0},
    PG__PARAMS_OPTIM(PG_OPTIM_ADAM, 1e-8, 0),
    PG__PARAMS_LOOP(1),              {(pg_param)0, 0}};

const pg__algo_ops pg__ppo_ops = {.name = "ppo",
                                  .algorithm = PG_ALGO_PPO,
                                  .traits = PG__TRAIT_ACTING,
                                  .params = PPO_PARAMS,
                                  .needs_value = true,
                                  .setup = ppo_setup,
                                  .record = ppo_record,
                                  .step_obs = ppo_step_obs,
                                  .update_due = ppo_due,
                                  .update = ppo_update,
                                  .clear = ppo_clear,
                                  .teardown = ppo_teardown,
                                  .save_state = ppo_save_state,
                                  .load_state = ppo_load_state};
