/* Loads a policy checkpoint (examples/save_policy.c) and plays it greedily on
** the built-in CartPole-v1, printing each episode's return. Uses only what a
** game needs: pg_policy_load_file, one session, pg_policy_act.
** usage: play_policy [file (cartpole.pgck)] [episodes (5)] */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "cartpole.pgck";
  int episodes = argc > 2 ? atoi(argv[2]) : 5;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_policy *policy = NULL;
  pg_policy_session *session = NULL;
  size_t obs_size = 0, act_size = 0;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_policy_load_file(ctx, path, &policy);
  if (st == PG_OK) st = pg_policy_get_shape(policy, &obs_size, &act_size, NULL, NULL);
  if (st == PG_OK) st = pg_policy_session_create(policy, 1, &session);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "CartPole-v1", 7, &env);
  if (st != PG_OK || obs_size > 64 || act_size > 8) {
    fprintf(stderr, "play_policy: %s\n", st != PG_OK ? pg_ctx_last_error(ctx) : "unexpected shape");
    return 1;
  }
  for (int e = 0; e < episodes && st == PG_OK; e++) {
    float obs[64], action[8], reward = 0.0f;
    int32_t terminated = 0, truncated = 0;
    double ret = 0.0;
    st = pg_env_reset(env, obs, obs_size);
    while (st == PG_OK && !terminated && !truncated) {
      st = pg_policy_act(session, obs, obs_size, NULL, 0, 1, action, act_size);
      if (st != PG_OK) {
        fprintf(stderr, "play_policy: %s\n", pg_policy_session_last_error(session));
        break;
      }
      st = pg_env_step(env, action, act_size, obs, obs_size, &reward, &terminated, &truncated);
      ret += reward;
    }
    if (st == PG_OK) printf("episode %d: return %.0f\n", e + 1, ret);
  }
  if (st != PG_OK) fprintf(stderr, "play_policy: %s\n", pg_ctx_last_error(ctx));
  pg_policy_session_destroy(session);
  pg_policy_destroy(policy);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
