/* Writes the seed corpus of tests/fuzz/corpus (run by hand after a format
** change; the output is committed; the v1_* seeds are format-version-1
** files kept from release 0.1.0):
**   cc -Iinclude tests/fuzz/make_corpus.c build/libpolicygrad.so -o mk && ./mk tests/fuzz/corpus */
#include <policygrad.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;

static void put(const char *name, const unsigned char *b, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(b, 1, n, f) != n) exit(1);
  fclose(f);
}

/* An agent checkpoint after `steps` steps of training on CartPole
** (steps 0: no optimizer state yet). Small nets keep the seeds small. */
static void put_agent(pg_ctx *ctx, const char *name, pg_algorithm algo, int32_t num_envs,
                      int64_t steps) {
  pg_env *env = NULL;
  pg_env_create_builtin(ctx, "CartPole-v1", 1, &env);
  pg_agent *a = NULL;
  if (pg_agent_create_for_env(ctx, algo, env, 4, 1, &a) != PG_OK) exit(1);
  if (num_envs) pg_agent_set_param(a, PG_PARAM_NUM_ENVS, num_envs);
  if (steps && pg_agent_train(a, env, steps, NULL, NULL) != PG_OK) exit(1);
  size_t n;
  pg_agent_save_memory(a, NULL, 0, &n);
  unsigned char *b = malloc(n);
  if (!b || pg_agent_save_memory(a, b, n, &n) != PG_OK) exit(1);
  put(name, b, n);
  free(b);
  pg_agent_destroy(a);
  pg_env_destroy(env);
}

static unsigned char *net_bytes(pg_net *net, size_t *n) {
  pg_net_save_memory(net, NULL, 0, n);
  unsigned char *b = malloc(*n);
  pg_net_save_memory(net, b, *n, n);
  return b;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  dir = argv[1];
  pg_ctx *ctx = NULL;
  pg_ctx_create(NULL, NULL, &ctx);
  pg_net *cat = NULL, *gauss = NULL, *q = NULL, *bare = NULL;
  pg_net_create(ctx, 4, 2, 1, &cat);
  pg_net_add_dense(cat, 6, PG_ACTIVATION_TANH, PG_INIT_ORTHOGONAL, 1.0);
  pg_net_add_categorical_head(cat, 2, PG_INIT_ORTHOGONAL, 0.01);
  pg_net_add_value_head(cat, PG_INIT_GLOROT_UNIFORM, 1.0);
  pg_net_finalize(cat);
  pg_net_create(ctx, 3, 1, 2, &gauss);
  pg_net_add_dense(gauss, 4, PG_ACTIVATION_RELU, PG_INIT_HE_UNIFORM, 1.0);
  pg_net_add_dense(gauss, 3, PG_ACTIVATION_SIGMOID, PG_INIT_GLOROT_UNIFORM, 1.0);
  pg_net_add_gaussian_head(gauss, 2, PG_INIT_ORTHOGONAL, 0.01, -0.5);
  pg_net_finalize(gauss);
  pg_net_create(ctx, 2, 4, 3, &q);
  pg_net_add_dense(q, 5, PG_ACTIVATION_LINEAR, PG_INIT_GLOROT_UNIFORM, 1.0);
  pg_net_add_q_head(q, 3, PG_INIT_GLOROT_UNIFORM, 1.0);
  pg_net_finalize(q);
  pg_net_create(ctx, 2, 1, 4, &bare); /* heads straight on the input */
  pg_net_add_categorical_head(bare, 3, PG_INIT_GLOROT_UNIFORM, 1.0);
  pg_net_finalize(bare);
  size_t n;
  unsigned char *b;
  b = net_bytes(cat, &n);
  put("net_categorical_value", b, n);
  put("bad_truncated", b, n - 7);
  b[n / 2] ^= 0x10;
  put("bad_crc", b, n);
  b[n / 2] ^= 0x10;
  unsigned char version = b[4];
  b[4] = (unsigned char)(version + 1); /* newer than this library */
  put("bad_version", b, n);
  b[4] = version;
  b[0] = 'Q';
  put("bad_magic", b, n);
  free(b);
  b = net_bytes(gauss, &n);
  put("net_gaussian", b, n);
  free(b);
  b = net_bytes(q, &n);
  put("net_q", b, n);
  free(b);
  b = net_bytes(bare, &n);
  put("net_no_trunk", b, n);
  free(b);
  pg_policy *p = NULL;
  pg_policy_from_net(gauss, &p);
  pg_policy_save_memory(p, NULL, 0, &n);
  b = malloc(n);
  pg_policy_save_memory(p, b, n, &n);
  put("policy_gaussian", b, n);
  free(b);
  pg_policy_destroy(p);
  put_agent(ctx, "agent_reinforce_fresh", PG_ALGO_REINFORCE, 0, 0);
  put_agent(ctx, "agent_actor_critic", PG_ALGO_ACTOR_CRITIC, 0, 40);
  put_agent(ctx, "agent_paac", PG_ALGO_PAAC, 2, 40);
  pg_net_destroy(cat);
  pg_net_destroy(gauss);
  pg_net_destroy(q);
  pg_net_destroy(bare);
  pg_ctx_destroy(ctx);
  return 0;
}
