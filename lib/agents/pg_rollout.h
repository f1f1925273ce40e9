/*
** The rollout buffer: the one place where every algorithm keeps the steps it
** learns from (lib/agents/rollout.c). Rows are step-major: step t of slot i
** is row t*n + i. Each row holds the observation (copied once, at record),
** the action, the reward, terminated/truncated, the action mask (discrete),
** and, when the algorithm asks for them (parts), the next observation, and
** the value estimate and log-probability of the action at acting time (PPO
** needs them). Bootstrap rows: the last step's next observations and the
** true final observations of truncated rows, for one batched value forward.
** The returns (n-step, cut at terminated, bootstrapped at truncated) and the
** GAE(lambda) advantages are computed here.
**
** Memory: pg__rollout_init allocates everything for cap steps; record never
** allocates; pg__rollout_grow (REINFORCE's episodes) is the only growth.
** Threads: one buffer per agent or worker, used by one thread.
*/
#ifndef PG_ROLLOUT_H
#define PG_ROLLOUT_H

#include "pg_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Optional parts of a buffer. */
enum {
  PG__RB_NEXT = 1u << 0,      /* next observation of every row */
  PG__RB_BOOT_ROWS = 1u << 1, /* bootstrap rows: last next_obs + truncated finals */
  PG__RB_ACTING = 1u << 2     /* value and log-probability at acting time */
};

typedef struct pg__rollout {
  size_t n, cap, t;              /* slots per step, step capacity, steps held */
  size_t obs_size, action_len;
  size_t mask_len;               /* n_actions for a discrete policy, else 0 */
  unsigned parts;
  bool any_mask;                 /* a caller mask was recorded since clear */
  float *obs, *act, *rew;        /* rows */
  int32_t *term, *trunc;
  uint8_t *mask;                 /* all ones where no mask was given */
  float *ret, *adv;              /* filled by the return/advantage functions */
  float *next;                   /* PG__RB_NEXT */
  float *value, *logp;           /* PG__RB_ACTING (0 where not given) */
  float *boot;                   /* per row (+1): bootstrap values */
  /* PG__RB_BOOT_ROWS: boot_obs = [n last next_obs][n_trunc final obs];
  ** boot_v their values; trunc_row[j] the row of final obs j. */
  float *boot_obs, *boot_v;
  size_t *trunc_row;
  size_t n_trunc;
} pg__rollout;

/* Allocates rb for cap steps of n slots (cap >= 1). On failure rb is left
** zeroed and PG_ERR_NOMEM returned (no message: the caller adds one). */
pg_status pg__rollout_init(pg_ctx *ctx, pg__rollout *rb, size_t n, size_t cap,
                           size_t obs_size, size_t action_len, size_t mask_len,
                           unsigned parts);
void pg__rollout_free(pg_ctx *ctx, pg__rollout *rb);
/* Capacity new_cap > cap, keeping the rows held; on failure rb is unchanged. */
pg_status pg__rollout_grow(pg_ctx *ctx, pg__rollout *rb, size_t new_cap);
/* Forgets the rows (and bootstrap rows). */
void pg__rollout_clear(pg__rollout *rb);

/* Appends one step of the n slots (t < cap): obs, actions, rewards, flags
** as given; mask NULL = every action allowed; value/logp may be NULL;
** next_obs feeds PG__RB_NEXT and the bootstrap rows (the last step of a
** full segment, and every truncated, not terminated row). */
void pg__rollout_record(pg__rollout *rb, const float *obs, const uint8_t *mask,
                        const float *actions, const float *rewards,
                        const int32_t *term, const int32_t *trunc,
                        const float *next_obs, const float *value,
                        const float *logp);
/* Where the next step's n observation rows go (NULL when the buffer is
** full): the host loop copies a step's observations there once, and
** pg__rollout_record given that pointer as obs leaves them in place. */
float *pg__rollout_step_obs(pg__rollout *rb);
/* Appends one row of slot `slot` of a multi-slot step into a one-slot
** buffer (REINFORCE keeps one buffer per slot); obs of slot 0 may already be
** in place (pg__rollout_step_obs). */
void pg__rollout_record_slot(pg__rollout *rb, size_t slot, const float *obs,
                             const uint8_t *mask, const float *actions,
                             const float *rewards, const int32_t *term,
                             const int32_t *trunc);
/* Moves the last row to row 0 and holds only it (Sarsa's row that waits for
** its next action). */
void pg__rollout_keep_last(pg__rollout *rb);
/* The bootstrap values after a value forward of boot_obs into boot_v: each
** truncated row's into boot (per row). */
void pg__rollout_scatter_boot(pg__rollout *rb);

/* n-step returns over t_max steps of n slots (row t*n + i): bootstrapped
** from boot_last[i] after the last step, cut at terminated (0) and at
** truncated steps (boot_trunc[t*n+i], the value of the true final obs). */
void pg__nstep_returns(size_t t_max, size_t n, float gamma, const float *rewards,
                       const int32_t *term, const int32_t *trunc,
                       const float *boot_trunc, const float *boot_last,
                       float *returns);
/* Monte-Carlo returns of one episode of len rows: G_t = r_t + gamma G_{t+1}. */
void pg__episode_returns(size_t len, double gamma, const float *rewards, float *returns);
/* GAE(lambda) over t_max steps of n slots: with V the values at acting time
** (values[r]), delta_r = r_r + gamma V' - V_r where V' is values of the next
** row, boot_last[i] after the last step, boot_trunc[r] at a truncation and
** 0 at a termination; adv_r = delta_r + gamma lambda adv_{r+1} (cut at both
** flags); returns_r = adv_r + V_r. lambda = 1 gives the n-step returns minus
** V, lambda = 0 the one-step TD errors. */
void pg__gae(size_t t_max, size_t n, float gamma, float lambda, const float *rewards,
             const float *values, const int32_t *term, const int32_t *trunc,
             const float *boot_trunc, const float *boot_last, float *adv,
             float *returns);

#endif /* PG_ROLLOUT_H */
