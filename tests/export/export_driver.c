/* The C export's acceptance test, driven by tests/export/export_test.cmake.
**
**   export_driver gen DIR
**     trains a small CartPole agent (categorical) and a Pendulum agent
**     (Gaussian), and PPO agents on both with observation normalization
**     (PG_PARAM_NORM_OBS: the export normalizes as the agent did), one of
**     them also with squashed actions (PG_PARAM_SQUASH: the export squashes
**     into Pendulum's bounds with the library's expression); builds
**     a categorical net (acted with masks), a Q net
**     (exported as one stb-style header) and a Gaussian net, all three
**     with sigmoid and ReLU trunks on input widths not a multiple of 4,
**     and a Gaussian net with a state-dependent log-std (snet, also saved
**     as DIR/snet_net.pgck for its per-row log-std);
**     saves each policy to DIR/NAME.pgck and exports it to DIR; checks that
**     exports are byte-identical (again, after a save and load, and through
**     the callback) and name no path; writes DIR/fused_mode.txt
**     (pg_export_c_fused_mode).
**   export_driver run DIR NAME PROGRAM
**     starts PROGRAM (tests/export/consumer.c compiled with the generated
**     files only, no libpolicygrad) and talks to it through pipes: 10,000
**     observations (random, and with random masks for discrete policies)
**     whose deterministic actions must equal pg_policy_act's bit for bit,
**     sampled actions that must be allowed and finite (and, where
**     DIR/NAME_net.pgck exists, equal bit for bit to pg__sample_gaussian's
**     expression with the net's log-std row and the program's uniform
**     stream), then greedy episodes on the task acted by PROGRAM whose
**     returns must equal pg_policy_act's.
*/
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_OBS 10000
#define N_EPISODES 3
#define MAX_DIM 16

static int failed(const char *what, pg_ctx *ctx) {
  fprintf(stderr, "export_driver: %s: %s\n", what, ctx ? pg_ctx_last_error(ctx) : "");
  return 1;
}

/* ---- gen ---------------------------------------------------------------- */

typedef struct mem_sink {
  char *data;
  size_t size, cap;
} mem_sink;

static int mem_write(void *user, const void *data, size_t size) {
  mem_sink *m = user;
  if (m->size + size + 1 > m->cap) {
    size_t cap = (m->size + size + 1) * 2;
    char *p = realloc(m->data, cap);
    if (!p) return 1;
    m->data = p;
    m->cap = cap;
  }
  memcpy(m->data + m->size, data, size);
  m->size += size;
  m->data[m->size] = '\0';
  return 0;
}

static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  mem_sink m = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    if (mem_write(&m, buf, n)) break;
  fclose(f);
  *size = m.size;
  return m.data;
}

/* Exports policy as NAME.h + NAME.c (or NAME.h alone, single) into dir and
** checks the determinism rules. */
static int export_checked(pg_ctx *ctx, pg_policy *pol, const char *dir, const char *name,
                          int single, uint32_t flags) {
  char h[512], c[512], ck[512];
  snprintf(h, sizeof h, "%s/%s.h", dir, name);
  snprintf(c, sizeof c, "%s/%s.c", dir, name);
  snprintf(ck, sizeof ck, "%s/%s.pgck", dir, name);
  if (pg_policy_save_file(pol, ck) != PG_OK) return failed("save", ctx);
  if (pg_policy_export_c(pol, name, h, single ? NULL : c, flags) != PG_OK)
    return failed("export", ctx);
  /* The same bytes through the callback, also from the reloaded policy. */
  pg_policy *again = NULL;
  if (pg_policy_load_file(ctx, ck, &again) != PG_OK) return failed("load", ctx);
  int bad = 0;
  for (int part = 0; part < (single ? 1 : 2); part++) {
    int32_t which = single ? PG_EXPORT_C_SINGLE : part ? PG_EXPORT_C_SOURCE : PG_EXPORT_C_HEADER;
    mem_sink a = {0}, b = {0};
    size_t fsize = 0;
    char *file = read_all(part ? c : h, &fsize);
    if (pg_policy_export_c_cb(pol, name, which, flags, mem_write, &a) != PG_OK ||
        pg_policy_export_c_cb(again, name, which, flags, mem_write, &b) != PG_OK) {
      bad = failed("export_cb", ctx);
    } else if (!file || a.size != b.size || fsize != a.size || memcmp(a.data, b.data, a.size) ||
               memcmp(file, a.data, a.size)) {
      fprintf(stderr, "export_driver: %s: two exports of one policy differ\n", name);
      bad = 1;
    } else if (strstr(a.data, dir) || strstr(a.data, "/tmp") || strstr(a.data, "/home")) {
      fprintf(stderr, "export_driver: %s: the export names a path\n", name);
      bad = 1;
    }
    free(a.data);
    free(b.data);
    free(file);
  }
  pg_policy_destroy(again);
  return bad;
}

static int gen_agent(pg_ctx *ctx, const char *dir, const char *name, const char *env_name,
                     pg_algorithm algo, uint64_t steps) {
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  pg_policy *pol = NULL;
  int bad = 0;
  if (pg_env_create_builtin(ctx, env_name, 3, &env) != PG_OK ||
      pg_agent_create_for_env(ctx, algo, env, 32, 2, &agent) != PG_OK ||
      (algo == PG_ALGO_PPO && pg_agent_set_param(agent, PG_PARAM_NORM_OBS, 1) != PG_OK) ||
      (strstr(name, "_squash") && pg_agent_set_param(agent, PG_PARAM_SQUASH, 1) != PG_OK) ||
      pg_agent_train(agent, env, steps, NULL, NULL) != PG_OK ||
      pg_policy_from_agent(agent, &pol) != PG_OK) {
    bad = failed(name, ctx);
  } else {
    bad = export_checked(ctx, pol, dir, name, 0, 0);
    /* The same policy with int8 weights, compared approximately. */
    char q8[64];
    snprintf(q8, sizeof q8, "%s_int8", name);
    if (!bad) bad = export_checked(ctx, pol, dir, q8, 0, PG_EXPORT_C_INT8);
    /* The agent-level convenience writes the same files. */
    char h[512], c[512];
    snprintf(h, sizeof h, "%s/%s_agent.h", dir, name);
    snprintf(c, sizeof c, "%s/%s_agent.c", dir, name);
    if (!bad && pg_agent_export_c(agent, name, h, c, 0) != PG_OK) bad = failed("agent export", ctx);
  }
  pg_policy_destroy(pol);
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  return bad;
}

/* kind 0: categorical, 1: Q-values, 2: Gaussian (the actions compare the
** head's floats bit for bit, so this one checks ReLU and sigmoid closely),
** 3: Gaussian with a state-dependent log-std (the net saved too). */
static int gen_net(pg_ctx *ctx, const char *dir, const char *name, int kind) {
  pg_net *net = NULL;
  pg_policy *pol = NULL;
  int bad = 0, q = kind == 1;
  pg_status st = pg_net_create(ctx, q ? 5 : 7, 4, 11 + (uint64_t)kind, &net);
  if (st == PG_OK)
    st = pg_net_add_dense(net, 9, q ? PG_ACTIVATION_RELU : PG_ACTIVATION_SIGMOID,
                          PG_INIT_GLOROT_UNIFORM, 2.0);
  if (st == PG_OK)
    st = pg_net_add_dense(net, 13, q ? PG_ACTIVATION_SIGMOID : PG_ACTIVATION_RELU,
                          PG_INIT_HE_UNIFORM, 1.5);
  if (st == PG_OK)
    st = q           ? pg_net_add_q_head(net, 4, PG_INIT_GLOROT_UNIFORM, 1.0)
         : kind == 2 ? pg_net_add_gaussian_head(net, 3, PG_INIT_GLOROT_UNIFORM, 1.0, -0.5)
         : kind == 3 ? pg_net_add_gaussian_head_state_std(net, 3, PG_INIT_GLOROT_UNIFORM, 1.0,
                                                          -0.5, -3.0, 1.0)
                     : pg_net_add_categorical_head(net, 6, PG_INIT_ORTHOGONAL, 1.0);
  if (st == PG_OK) st = pg_net_finalize(net);
  char path[512];
  snprintf(path, sizeof path, "%s/%s_net.pgck", dir, name);
  if (st == PG_OK && kind == 3) st = pg_net_save_file(net, path);
  if (st == PG_OK) st = pg_policy_from_net(net, &pol);
  if (st != PG_OK) bad = failed(name, ctx);
  else bad = export_checked(ctx, pol, dir, name, q, 0);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  return bad;
}

static int gen(const char *dir) {
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return failed("ctx", NULL);
  int bad = gen_agent(ctx, dir, "cartpole", "CartPole-v1", PG_ALGO_ACTOR_CRITIC, 30000);
  bad |= gen_agent(ctx, dir, "pendulum", "Pendulum-v1", PG_ALGO_ACTOR_CRITIC, 4000);
  bad |= gen_agent(ctx, dir, "cartpole_norm", "CartPole-v1", PG_ALGO_PPO, 4096);
  bad |= gen_agent(ctx, dir, "pendulum_norm", "Pendulum-v1", PG_ALGO_PPO, 2048);
  bad |= gen_agent(ctx, dir, "pendulum_squash", "Pendulum-v1", PG_ALGO_PPO, 2048);
  bad |= gen_net(ctx, dir, "masked", 0);
  bad |= gen_net(ctx, dir, "qnet", 1);
  bad |= gen_net(ctx, dir, "gnet", 2);
  bad |= gen_net(ctx, dir, "snet", 3);
  pg_ctx_destroy(ctx);
  char path[512];
  snprintf(path, sizeof path, "%s/fused_mode.txt", dir);
  FILE *f = fopen(path, "w");
  if (!f || fprintf(f, "%d", (int)pg_export_c_fused_mode()) < 0 || fclose(f) != 0) {
    fprintf(stderr, "export_driver: cannot write %s\n", path);
    bad = 1;
  }
  return bad;
}

/* ---- run ---------------------------------------------------------------- */

typedef struct child {
  pid_t pid;
  FILE *to, *from;
} child;

static int child_start(child *c, const char *program) {
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) return -1;
  c->pid = fork();
  if (c->pid < 0) return -1;
  if (c->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    execl(program, program, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  c->to = fdopen(in[1], "wb");
  c->from = fdopen(out[0], "rb");
  return c->to && c->from ? 0 : -1;
}

static int child_stop(child *c) {
  int status = 0;
  fclose(c->to);
  fclose(c->from);
  if (waitpid(c->pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One request: mode 0 deterministic, 1 sampled; returns the program's
** status code (-1 when the pipe broke). */
static int child_act(child *c, int mode, const float *obs, size_t obs_size, const uint8_t *mask,
                     size_t n_actions, float *action, size_t action_size) {
  unsigned char head[2] = {(unsigned char)mode, mask ? 1 : 0};
  int32_t st;
  if (fwrite(head, 1, 2, c->to) != 2 || fwrite(obs, sizeof *obs, obs_size, c->to) != obs_size ||
      (mask && fwrite(mask, 1, n_actions, c->to) != n_actions) || fflush(c->to) != 0)
    return -1;
  if (fread(&st, sizeof st, 1, c->from) != 1 ||
      fread(action, sizeof *action, action_size, c->from) != action_size)
    return -1;
  return (int)st;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static double uniform01(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/* consumer.c's uniform, for the expected samples. */
static double consumer_uniform(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

/* The sample pg__sample_gaussian draws from mean and the net's log-std row
** for obs, with the normal deviate of the exported code's Box-Muller. */
static int expected_sample(pg_net *net, const float *obs, const float *mean, size_t k,
                           uint64_t *stream, float *out) {
  float log_std[MAX_DIM];
  if (pg_net_forward(net, obs, 1, NULL) != PG_OK ||
      pg_net_get_output(net, PG_NET_OUTPUT_LOG_STD, log_std, k) != PG_OK)
    return -1;
  for (size_t i = 0; i < k; i++) {
    double u1 = consumer_uniform(stream), u2 = consumer_uniform(stream);
    double n = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
    out[i] = (float)((double)mean[i] + exp((double)log_std[i]) * n);
  }
  return 0;
}

static int run(const char *dir, const char *name, const char *program) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.pgck", dir, name);
  pg_ctx *ctx = NULL;
  pg_policy *pol = NULL;
  pg_policy_session *sess = NULL;
  pg_net *net = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return failed("ctx", NULL);
  if (pg_policy_load_file(ctx, path, &pol) != PG_OK ||
      pg_policy_session_create(pol, 1, &sess) != PG_OK)
    return failed(path, ctx);
  snprintf(path, sizeof path, "%s/%s_net.pgck", dir, name);
  FILE *net_file = fopen(path, "rb");
  if (net_file) {
    fclose(net_file);
    if (pg_net_load_file(ctx, path, &net) != PG_OK) return failed(path, ctx);
  }
  uint64_t stream = 12345u; /* consumer.c's */
  size_t samples_equal = 0;
  size_t obs_size, act_size, n_actions;
  int32_t kind;
  pg_policy_get_shape(pol, &obs_size, &act_size, &n_actions, &kind);
  child c;
  if (child_start(&c, program) != 0) {
    fprintf(stderr, "export_driver: cannot start %s: %s\n", program, strerror(errno));
    return 1;
  }
  int bad = 0;
  /* int8 weights: actions close to the library's, not equal (at least 90%
  ** equal on a discrete policy; the agreement and returns are printed). */
  const int approx = strstr(name, "_int8") != NULL;
  size_t mismatches = 0, masked = 0;
  double max_diff = 0.0;
  float obs[MAX_DIM], a_lib[MAX_DIM], a_gen[MAX_DIM];
  uint8_t mask[MAX_DIM];
  for (int i = 0; i < N_OBS && !bad; i++) {
    /* Wide and narrow ranges: saturated tanh/sigmoid and the small-|x| path. */
    double scale = i % 3 == 0 ? 0.3 : i % 3 == 1 ? 3.0 : 30.0;
    for (size_t k = 0; k < obs_size; k++) obs[k] = (float)((2.0 * uniform01() - 1.0) * scale);
    const uint8_t *m = NULL;
    if (n_actions && i % 2) {
      int any = 0;
      for (size_t j = 0; j < n_actions; j++) any |= mask[j] = uniform01() < 0.5;
      if (!any) mask[i % n_actions] = 1;
      m = mask;
      masked++;
    }
    if (pg_policy_act(sess, obs, obs_size, m, m ? n_actions : 0, 1, a_lib, act_size) != PG_OK) {
      fprintf(stderr, "export_driver: %s\n", pg_policy_session_last_error(sess));
      bad = 1;
      break;
    }
    int st = child_act(&c, 0, obs, obs_size, m, n_actions, a_gen, act_size);
    if (st != 0) {
      fprintf(stderr, "export_driver: %s: the exported act returned %d on row %d\n", name, st, i);
      bad = 1;
      break;
    }
    for (size_t k = 0; k < act_size; k++)
      max_diff = fmax(max_diff, fabs((double)a_lib[k] - (double)a_gen[k]));
    if (memcmp(a_lib, a_gen, act_size * sizeof *a_lib) != 0) {
      if (mismatches++ < 5 && !approx)
        fprintf(stderr, "export_driver: %s: row %d: pg_policy_act %.9g, exported %.9g\n", name,
                i, (double)a_lib[0], (double)a_gen[0]);
    }
    /* A sampled action: allowed and finite. */
    st = child_act(&c, 1, obs, obs_size, m, n_actions, a_gen, act_size);
    if (st != 0) {
      fprintf(stderr, "export_driver: %s: the exported sample returned %d\n", name, st);
      bad = 1;
    } else if (n_actions) {
      float a = a_gen[0];
      if (!(a >= 0.0f && a < (float)n_actions && a == floorf(a)) || (m && !m[(size_t)a])) {
        fprintf(stderr, "export_driver: %s: sampled action %g is not allowed\n", name, (double)a);
        bad = 1;
      }
    } else {
      for (size_t k = 0; k < act_size; k++) bad |= !isfinite(a_gen[k]);
      float want[MAX_DIM];
      if (net && expected_sample(net, obs, a_lib, act_size, &stream, want) != 0) {
        bad = failed("net forward", ctx);
      } else if (net && memcmp(want, a_gen, act_size * sizeof *want) != 0) {
        fprintf(stderr, "export_driver: %s: row %d: sampled %.9g, pg__sample_gaussian %.9g\n",
                name, i, (double)a_gen[0], (double)want[0]);
        bad = 1;
      }
      samples_equal += net != NULL;
    }
  }
  if (approx) {
    printf("%s: %d observations (%zu masked): %.2f%% of the actions equal pg_policy_act's, "
           "largest difference %.3g\n",
           name, N_OBS, masked, 100.0 * (double)(N_OBS - (int)mismatches) / N_OBS, max_diff);
    if (n_actions && mismatches > N_OBS / 10) {
      fprintf(stderr, "export_driver: %s: agreement below 90%%\n", name);
      bad = 1;
    }
  } else if (mismatches) {
    fprintf(stderr, "export_driver: %s: %zu of %d deterministic actions differ\n", name,
            mismatches, N_OBS);
    bad = 1;
  }
  if (!bad && !approx)
    printf("%s: %d observations (%zu masked): identical actions\n", name, N_OBS, masked);
  if (!bad && net)
    printf("%s: %zu sampled actions equal to the library's expression\n", name, samples_equal);

  /* Greedy episodes on the task, one acted by the library, one by the
  ** exported code, from the same environment seed. */
  const char *env_name = strncmp(name, "cartpole", 8) == 0   ? "CartPole-v1"
                         : strncmp(name, "pendulum", 8) == 0 ? "Pendulum-v1"
                                                             : NULL;
  for (int e = 0; env_name && !bad && e < N_EPISODES; e++) {
    double ret[2] = {0.0, 0.0};
    for (int who = 0; who < 2 && !bad; who++) {
      pg_env *env = NULL;
      if (pg_env_create_builtin(ctx, env_name, 100 + (uint64_t)e, &env) != PG_OK ||
          pg_env_reset(env, obs, obs_size) != PG_OK) {
        bad = failed(env_name, ctx);
        pg_env_destroy(env);
        break;
      }
      int32_t term = 0, trunc = 0;
      while (!term && !trunc && !bad) {
        float *a = who ? a_gen : a_lib, r = 0.0f;
        if (who) bad = child_act(&c, 0, obs, obs_size, NULL, n_actions, a, act_size) != 0;
        else bad = pg_policy_act(sess, obs, obs_size, NULL, 0, 1, a, act_size) != PG_OK;
        if (!bad && pg_env_step(env, a, act_size, obs, obs_size, &r, &term, &trunc) != PG_OK)
          bad = failed("step", ctx);
        ret[who] += r;
      }
      pg_env_destroy(env);
    }
    if (!bad && approx) {
      printf("%s: greedy episode %d: return %.3f (library), %.3f (int8)\n", name, e, ret[0],
             ret[1]);
      continue;
    }
    if (!bad && ret[0] != ret[1]) {
      fprintf(stderr, "export_driver: %s: greedy return %.6f (library) vs %.6f (exported)\n",
              name, ret[0], ret[1]);
      bad = 1;
    }
    if (!bad) printf("%s: greedy episode %d: return %.3f with both\n", name, e, ret[0]);
  }
  if (child_stop(&c) != 0 && !bad) {
    fprintf(stderr, "export_driver: %s: the program failed\n", name);
    bad = 1;
  }
  pg_policy_session_destroy(sess);
  pg_policy_destroy(pol);
  pg_net_destroy(net);
  pg_ctx_destroy(ctx);
  return bad;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "gen") == 0) return gen(argv[2]);
  if (argc == 5 && strcmp(argv[1], "run") == 0) return run(argv[2], argv[3], argv[4]);
  fprintf(stderr, "usage: export_driver gen DIR | run DIR NAME PROGRAM\n");
  return 2;
}
