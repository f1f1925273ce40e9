/* Loads a saved policy (pg_policy_load_file) and renders one episode of a
** task as an animated PNG (and optionally a strip of frames as one PNG),
** headless. Tasks: the built-ins with a picture (CartPole-v1,
** CartPoleContinuous-v1, Acrobot-v1, MountainCar-v0, Pendulum-v1, Catch)
** and the MuJoCo / Box2D tasks of examples/sims when built. Policies come
** from examples/sims/train_sim --policy or examples/save_policy.
**
** usage: play TASK POLICY.pgck [--out episode.png] [--strip strip.png]
**             [--seed N] [--every K] [--frames N] [--strip-frames N]
**             [--strip-every K] [--size WxH] [--delay MS] [--sample] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "sims.h"

typedef struct actor {
  pg_policy_session *session;
  size_t obs_size, act_size;
  int deterministic;
} actor;

static int act(void *user, const float *obs, float *action) {
  actor *a = user;
  pg_status st = pg_policy_act(a->session, obs, a->obs_size, NULL, 0, a->deterministic, action,
                               a->act_size);
  if (st != PG_OK) fprintf(stderr, "play: %s\n", pg_policy_session_last_error(a->session));
  return st != PG_OK;
}

static int usage(void) {
  fprintf(stderr, "usage: play TASK POLICY.pgck [--out episode.png] [--strip strip.png] "
                  "[--seed N] [--every K] [--frames N] [--strip-frames N] [--strip-every K] "
                  "[--size WxH] [--delay MS] [--sample]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 3) return usage();
  const char *task = argv[1], *policy_path = argv[2];
  pgr_record_opts o = {.width = 300, .height = 200, .frame_every = 2, .max_frames = 300,
                       .delay_ms = 40, .strip_frames = 6, .strip_every = 25,
                       .apng_path = "episode.png"};
  uint64_t seed = 7;
  actor a = {.deterministic = 1};
  for (int i = 3; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(k, "--sample") == 0) {
      a.deterministic = 0;
      continue;
    }
    if (!v) return usage();
    i++;
    if (strcmp(k, "--out") == 0) o.apng_path = v;
    else if (strcmp(k, "--strip") == 0) o.strip_path = v;
    else if (strcmp(k, "--seed") == 0) seed = strtoull(v, NULL, 10);
    else if (strcmp(k, "--every") == 0) o.frame_every = atoi(v);
    else if (strcmp(k, "--frames") == 0) o.max_frames = atoi(v);
    else if (strcmp(k, "--strip-frames") == 0) o.strip_frames = atoi(v);
    else if (strcmp(k, "--strip-every") == 0) o.strip_every = atoi(v);
    else if (strcmp(k, "--delay") == 0) o.delay_ms = atoi(v);
    else if (strcmp(k, "--size") == 0) {
      if (sscanf(v, "%dx%d", &o.width, &o.height) != 2) return usage();
    } else {
      return usage();
    }
  }
  const sim_task *t = sim_task_find(task);
  pgr_draw_fn draw = t ? t->drawer(task) : NULL;
  if (!draw) {
    fprintf(stderr, "play: no picture for task '%s' in this build\n", task);
    return 2;
  }
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_policy *policy = NULL;
  char err[512] = "";
  int rc = 1;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_policy_load_file(ctx, policy_path, &policy);
  if (st == PG_OK) st = pg_policy_get_shape(policy, &a.obs_size, &a.act_size, NULL, NULL);
  if (st == PG_OK) st = pg_policy_session_create(policy, seed, &a.session);
  if (st != PG_OK) {
    fprintf(stderr, "play: %s\n", ctx ? pg_ctx_last_error(ctx) : pg_status_string(st));
    goto done;
  }
  if (t->create(ctx, task, seed, &env, err, sizeof err) != PG_OK) {
    fprintf(stderr, "play: %s\n", err);
    goto done;
  }
  int32_t obs_size = 0;
  pg_env_get_observation_size(env, &obs_size);
  if ((size_t)obs_size != a.obs_size) {
    fprintf(stderr, "play: the policy takes %zu observation floats, %s has %d\n", a.obs_size,
            task, (int)obs_size);
    goto done;
  }
  double ret = 0;
  uint64_t steps = 0;
  int frames = 0;
  if (pgr_record_episode(env, act, &a, draw, &o, &ret, &steps, &frames, err, sizeof err)) {
    fprintf(stderr, "play: %s\n", err);
    goto done;
  }
  printf("%s: return %.2f in %llu steps; %d frames in %s", task, ret,
         (unsigned long long)steps, frames, o.apng_path ? o.apng_path : "(none)");
  if (o.strip_path) printf(", strip in %s", o.strip_path);
  printf("\n");
  rc = 0;
done:
  pg_env_destroy(env);
  pg_policy_session_destroy(a.session);
  pg_policy_destroy(policy);
  pg_ctx_destroy(ctx);
  return rc;
}
