/* A host environment written against the public header only: a 1-D "walk
** to the goal" task with a factory, run through the vectorized stepper with
** a fixed policy, printing the episode statistics of each instance.
**
** The task: the agent starts at position 0 on a line [-5, 5] and moves left
** (action 0) or right (action 1); a step costs -0.1, reaching +5 gives +1 and
** terminates, and action 0 is masked out at the left wall. The observation
** is [position / 5, steps / 50]. */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct walk {
  int32_t index; /* instance number given by the factory */
  uint64_t seed;
  int pos, t;
} walk;

static void observe(const walk *w, float *obs) {
  obs[0] = (float)w->pos / 5.0f;
  obs[1] = (float)w->t / 50.0f;
}

static int walk_reset(void *user, uint64_t seed, float *obs) {
  walk *w = user;
  w->seed = seed; /* a stochastic task would seed its generator here */
  w->pos = 0;
  w->t = 0;
  observe(w, obs);
  return 0;
}

static int walk_step(void *user, const float *action, float *obs, float *reward,
                     int32_t *terminated, int32_t *truncated) {
  walk *w = user;
  /* action[0] is already validated: 0.0f or 1.0f, and allowed by the mask. */
  w->pos += action[0] == 1.0f ? 1 : -1;
  w->t++;
  *reward = -0.1f;
  if (w->pos >= 5) {
    *reward = 1.0f;
    *terminated = 1;
  }
  (void)truncated; /* the step cap (pg_env_set_max_episode_steps) does this */
  observe(w, obs);
  return 0;
}

static int walk_mask(void *user, uint8_t *mask) {
  const walk *w = user;
  mask[0] = w->pos > -5; /* cannot go through the left wall */
  mask[1] = 1;
  return 0;
}

static int walk_close(void *user) {
  free(user);
  return 0;
}

/* Factory: a new instance for a vec-env slot or a worker thread. */
static int walk_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)factory_user;
  walk *w = calloc(1, sizeof *w);
  if (!w) return 1; /* becomes PG_ERR_CALLBACK */
  w->index = index;
  w->seed = seed;
  *out = w;
  return 0;
}

static int fail(pg_ctx *ctx, const char *what) {
  fprintf(stderr, "%s: %s\n", what, pg_ctx_last_error(ctx));
  return 1;
}

int main(void) {
  enum { N = 4, STEPS = 200 };
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;

  pg_env_vtable vt = {0};
  vt.struct_size = sizeof vt;
  vt.reset = walk_reset;
  vt.step = walk_step;
  vt.close = walk_close;
  vt.action_mask = walk_mask;
  vt.create = walk_create;

  walk *proto_user = calloc(1, sizeof *proto_user);
  pg_env *proto = NULL;
  if (!proto_user ||
      pg_env_create(ctx, &vt, proto_user, "Walk", 2, PG_ACTION_DISCRETE, 2, &proto) != PG_OK) {
    free(proto_user); /* not closed by a failed create */
    return fail(ctx, "pg_env_create");
  }
  pg_env_set_max_episode_steps(proto, 30); /* truncate long episodes */

  /* N instances made by the factory, stepped on 2 threads. */
  pg_vec_env *vec = NULL;
  if (pg_vec_env_create(proto, N, 2, 2024, &vec) != PG_OK) return fail(ctx, "pg_vec_env_create");
  pg_env_destroy(proto); /* calls walk_close(proto_user) */

  float obs[N * 2], final_obs[N * 2], rewards[N], actions[N];
  int32_t terminated[N], truncated[N];
  uint8_t masks[N * 2];
  if (pg_vec_env_reset(vec, obs, N * 2) != PG_OK) return fail(ctx, "pg_vec_env_reset");
  unsigned rng = 1;
  for (int t = 0; t < STEPS; t++) {
    pg_vec_env_get_action_mask(vec, masks, N * 2);
    for (int i = 0; i < N; i++) {
      /* Instance i goes right with probability (i + 2) / (N + 2). */
      rng = rng * 1103515245u + 12345u;
      int right = (int)((rng >> 16) % (N + 2)) < i + 2;
      if (!masks[i * 2 + 0]) right = 1;
      actions[i] = right ? 1.0f : 0.0f;
    }
    if (pg_vec_env_step(vec, actions, N, obs, N * 2, rewards, terminated, truncated,
                        final_obs) != PG_OK)
      return fail(ctx, "pg_vec_env_step");
    for (int i = 0; i < N; i++)
      if (t < 40 && (terminated[i] || truncated[i])) /* the first few endings */
        printf("step %3d: instance %d %s at x = %+.1f\n", t, i,
               terminated[i] ? "reached the goal" : "was truncated", 5.0 * final_obs[i * 2]);
  }
  for (int i = 0; i < N; i++) {
    uint64_t episodes, last_len;
    double last_return;
    pg_vec_env_get_episode_stats(vec, i, NULL, NULL, &episodes, &last_return, &last_len);
    printf("instance %d: %llu episodes, last return %.2f over %llu steps\n", i,
           (unsigned long long)episodes, last_return, (unsigned long long)last_len);
  }
  pg_vec_env_destroy(vec);
  pg_ctx_destroy(ctx);
  return 0;
}
