/* The rollout buffer (lib/agents/pg_rollout.h): rows of steps, bootstrap
** rows, n-step returns, Monte-Carlo returns and GAE(lambda). */
#include "agents/pg_rollout.h"

#include <string.h>

/* ---- memory ------------------------------------------------------------------ */

void pg__rollout_free(pg_ctx *ctx, pg__rollout *rb) {
  void *p[] = {rb->obs,  rb->act,  rb->rew,   rb->term,     rb->trunc,  rb->mask,
               rb->ret,  rb->adv,  rb->next,  rb->value,    rb->logp,   rb->boot,
               rb->boot_obs, rb->boot_v, rb->trunc_row};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pg__free(ctx, p[i]);
  memset(rb, 0, sizeof *rb);
}

pg_status pg__rollout_init(pg_ctx *ctx, pg__rollout *rb, size_t n, size_t cap,
                           size_t obs_size, size_t action_len, size_t mask_len,
                           unsigned parts) {
  size_t R = n * cap;
  *rb = (pg__rollout){.n = n, .cap = cap, .obs_size = obs_size, .action_len = action_len,
                      .mask_len = mask_len, .parts = parts};
  rb->obs = pg__calloc(ctx, R * obs_size, sizeof(float));
  rb->act = pg__calloc(ctx, R * action_len, sizeof(float));
  rb->rew = pg__calloc(ctx, R, sizeof(float));
  rb->term = pg__calloc(ctx, R, sizeof(int32_t));
  rb->trunc = pg__calloc(ctx, R, sizeof(int32_t));
  rb->ret = pg__calloc(ctx, R, sizeof(float));
  rb->adv = pg__calloc(ctx, R, sizeof(float));
  rb->boot = pg__calloc(ctx, R + 1, sizeof(float));
  bool ok = rb->obs && rb->act && rb->rew && rb->term && rb->trunc && rb->ret && rb->adv &&
            rb->boot;
  if (ok && mask_len) ok = (rb->mask = pg__calloc(ctx, R, mask_len)) != NULL;
  if (ok && (parts & PG__RB_NEXT))
    ok = (rb->next = pg__calloc(ctx, R * obs_size, sizeof(float))) != NULL;
  if (ok && (parts & PG__RB_ACTING)) {
    rb->value = pg__calloc(ctx, R, sizeof(float));
    rb->logp = pg__calloc(ctx, R, sizeof(float));
    ok = rb->value && rb->logp;
  }
  if (ok && (parts & PG__RB_BOOT_ROWS)) {
    rb->boot_obs = pg__calloc(ctx, (n + R) * obs_size, sizeof(float));
    rb->boot_v = pg__calloc(ctx, n + R, sizeof(float));
    rb->trunc_row = pg__calloc(ctx, R, sizeof(size_t));
    ok = rb->boot_obs && rb->boot_v && rb->trunc_row;
  }
  if (!ok) {
    pg__rollout_free(ctx, rb);
    return PG_ERR_NOMEM;
  }
  return PG_OK;
}

/* dst[0, rows*width) = src's; both of element size es. */
static void copy_rows(void *dst, const void *src, size_t rows, size_t width, size_t es) {
  if (src && dst) memcpy(dst, src, rows * width * es);
}

pg_status pg__rollout_grow(pg_ctx *ctx, pg__rollout *rb, size_t new_cap) {
  pg__rollout g;
  pg_status st = pg__rollout_init(ctx, &g, rb->n, new_cap, rb->obs_size, rb->action_len,
                                  rb->mask_len, rb->parts & ~(unsigned)PG__RB_BOOT_ROWS);
  if (st != PG_OK) return st;
  size_t R = rb->t * rb->n;
  copy_rows(g.obs, rb->obs, R, rb->obs_size, sizeof(float));
  copy_rows(g.act, rb->act, R, rb->action_len, sizeof(float));
  copy_rows(g.rew, rb->rew, R, 1, sizeof(float));
  copy_rows(g.term, rb->term, R, 1, sizeof(int32_t));
  copy_rows(g.trunc, rb->trunc, R, 1, sizeof(int32_t));
  copy_rows(g.mask, rb->mask, R, rb->mask_len, 1);
  copy_rows(g.next, rb->next, R, rb->obs_size, sizeof(float));
  copy_rows(g.value, rb->value, R, 1, sizeof(float));
  copy_rows(g.logp, rb->logp, R, 1, sizeof(float));
  g.t = rb->t;
  g.any_mask = rb->any_mask;
  pg__rollout_free(ctx, rb);
  *rb = g;
  return PG_OK;
}

void pg__rollout_clear(pg__rollout *rb) {
  rb->t = 0;
  rb->n_trunc = 0;
  rb->any_mask = false;
}

/* ---- recording ------------------------------------------------------------------ */

/* Row r's mask from one caller row (NULL: every action allowed). */
static void put_mask(pg__rollout *rb, size_t r, size_t rows, const uint8_t *mask) {
  if (!rb->mask_len) return;
  if (mask) {
    memcpy(rb->mask + r * rb->mask_len, mask, rows * rb->mask_len);
    rb->any_mask = true;
  } else {
    memset(rb->mask + r * rb->mask_len, 1, rows * rb->mask_len);
  }
}

void pg__rollout_record(pg__rollout *rb, const float *obs, const uint8_t *mask,
                        const float *actions, const float *rewards, const int32_t *term,
                        const int32_t *trunc, const float *next_obs, const float *value,
                        const float *logp) {
  size_t n = rb->n, t = rb->t, os = rb->obs_size, r0 = t * n;
  if (obs != rb->obs + r0 * os) memcpy(rb->obs + r0 * os, obs, n * os * sizeof(float));
  memcpy(rb->act + r0 * rb->action_len, actions, n * rb->action_len * sizeof(float));
  memcpy(rb->rew + r0, rewards, n * sizeof(float));
  memcpy(rb->term + r0, term, n * sizeof(int32_t));
  memcpy(rb->trunc + r0, trunc, n * sizeof(int32_t));
  put_mask(rb, r0, n, mask);
  if (rb->next) memcpy(rb->next + r0 * os, next_obs, n * os * sizeof(float));
  if (rb->value) {
    if (value) memcpy(rb->value + r0, value, n * sizeof(float));
    if (logp) memcpy(rb->logp + r0, logp, n * sizeof(float));
  }
  if (rb->boot_obs) {
    for (size_t i = 0; i < n; i++) {
      if (!trunc[i] || term[i]) continue;
      memcpy(rb->boot_obs + (n + rb->n_trunc) * os, next_obs + i * os, os * sizeof(float));
      rb->trunc_row[rb->n_trunc++] = r0 + i;
    }
    if (t + 1 == rb->cap) memcpy(rb->boot_obs, next_obs, n * os * sizeof(float));
  }
  rb->t = t + 1;
}

float *pg__rollout_step_obs(pg__rollout *rb) {
  return rb->t < rb->cap ? rb->obs + rb->t * rb->n * rb->obs_size : NULL;
}

void pg__rollout_record_slot(pg__rollout *rb, size_t slot, const float *obs,
                             const uint8_t *mask, const float *actions, const float *rewards,
                             const int32_t *term, const int32_t *trunc) {
  size_t t = rb->t, os = rb->obs_size, al = rb->action_len, k = rb->mask_len;
  if (obs + slot * os != rb->obs + t * os)
    memcpy(rb->obs + t * os, obs + slot * os, os * sizeof(float));
  memcpy(rb->act + t * al, actions + slot * al, al * sizeof(float));
  rb->rew[t] = rewards[slot];
  rb->term[t] = term[slot];
  rb->trunc[t] = trunc[slot];
  put_mask(rb, t, 1, mask ? mask + slot * k : NULL);
  rb->t = t + 1;
}

void pg__rollout_keep_last(pg__rollout *rb) {
  size_t l = rb->t - 1, os = rb->obs_size, al = rb->action_len, k = rb->mask_len;
  memcpy(rb->obs, rb->obs + l * os, os * sizeof(float));
  if (rb->next) memcpy(rb->next, rb->next + l * os, os * sizeof(float));
  memcpy(rb->act, rb->act + l * al, al * sizeof(float));
  if (k) memcpy(rb->mask, rb->mask + l * k, k);
  rb->rew[0] = rb->rew[l];
  rb->term[0] = rb->term[l];
  rb->trunc[0] = rb->trunc[l];
  if (rb->value) {
    rb->value[0] = rb->value[l];
    rb->logp[0] = rb->logp[l];
  }
  rb->t = 1;
}

void pg__rollout_scatter_boot(pg__rollout *rb) {
  for (size_t j = 0; j < rb->n_trunc; j++) rb->boot[rb->trunc_row[j]] = rb->boot_v[rb->n + j];
}

/* ---- returns and advantages --------------------------------------------------------- */

void pg__nstep_returns(size_t t_max, size_t n, float gamma, const float *rewards,
                       const int32_t *term, const int32_t *trunc, const float *boot_trunc,
                       const float *boot_last, float *returns) {
  for (size_t i = 0; i < n; i++) {
    double R = (double)boot_last[i];
    for (size_t t = t_max; t-- > 0;) {
      size_t r = t * n + i;
      if (term[r])
        R = 0.0;
      else if (trunc[r])
        R = (double)boot_trunc[r];
      R = (double)rewards[r] + (double)gamma * R;
      returns[r] = (float)R;
    }
  }
}

void pg__episode_returns(size_t len, double gamma, const float *rewards, float *returns) {
  double G = 0.0;
  for (size_t t = len; t-- > 0;) {
    G = (double)rewards[t] + gamma * G;
    returns[t] = (float)G;
  }
}

void pg__gae(size_t t_max, size_t n, float gamma, float lambda, const float *rewards,
             const float *values, const int32_t *term, const int32_t *trunc,
             const float *boot_trunc, const float *boot_last, float *adv, float *returns) {
  for (size_t i = 0; i < n; i++) {
    double next_v = (double)boot_last[i], A = 0.0;
    for (size_t t = t_max; t-- > 0;) {
      size_t r = t * n + i;
      if (term[r]) {
        next_v = 0.0;
        A = 0.0;
      } else if (trunc[r]) {
        next_v = (double)boot_trunc[r];
        A = 0.0;
      }
      double v = (double)values[r];
      double delta = (double)rewards[r] + (double)gamma * next_v - v;
      A = delta + (double)gamma * (double)lambda * A;
      adv[r] = (float)A;
      returns[r] = (float)(A + v);
      next_v = v;
    }
  }
}
