/* Sutton & Barto, Figure 13.2: REINFORCE (alpha = 2^-13) against REINFORCE
** with baseline (alpha_theta = 2^-9, alpha_w = 2^-6) on the short corridor
** with switched actions, gamma = 1, plain SGD, the linear softmax policy of
** Example 13.1 started at p(right) = 0.05; 1000 episodes averaged over 100
** runs. Writes OUTDIR/corridor.csv and, when gnuplot is installed,
** OUTDIR/corridor.png (both curves and the v* line).
**
** The policy is a categorical head with no hidden layer on the constant
** observation [1]: logits = W*1 + b. Both W and b receive the gradient, so
** a logit moves by 2*alpha*g per step; the rates are halved here so that the
** logits (the book's theta) move exactly by alpha*g. The same holds for the
** value head v = w*1 + b.
**
** The corridor has a 1000-step cap (truncation). A run whose policy nearly
** always picks "left" in the start state hits it. Two averages are
** printed and written: over all runs (capped episodes counted with their
** return, about -1000), and over the runs that never hit the cap; the
** figure shows the latter, and the number of capped runs is printed.
**
** usage: corridor [outdir] [runs] */
#define _POSIX_C_SOURCE 200809L
#include <policygrad.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { EPISODES = 1000 };

typedef struct rec {
  double *ret;  /* EPISODES */
  int n, capped;
} rec;

static int on_episode(void *user, pg_agent *agent) {
  rec *r = user;
  double ret, len;
  pg_agent_get_stat(agent, PG_STAT_LAST_RETURN, &ret);
  pg_agent_get_stat(agent, PG_STAT_LAST_LENGTH, &len);
  if (r->n < EPISODES) r->ret[r->n++] = ret;
  if (len >= 1000) r->capped++;
  return r->n >= EPISODES;
}

static pg_status linear_net(pg_ctx *ctx, int value, pg_net **out) {
  pg_status st = pg_net_create(ctx, 1, 8, 1, out);
  if (st == PG_OK)
    st = value ? pg_net_add_value_head(*out, PG_INIT_GLOROT_UNIFORM, 0.0)
               : pg_net_add_categorical_head(*out, 2, PG_INIT_GLOROT_UNIFORM, 0.0);
  if (st == PG_OK) st = pg_net_finalize(*out);
  if (st == PG_OK) {
    /* p(right) = 0.05: logit(right) - logit(left) = ln(0.05/0.95), split
    ** over W and b (action 0 = left, 1 = right); the value starts at 0 */
    float d = (float)log(0.05 / 0.95), p[4] = {0.0f, d / 2, 0.0f, d / 2}, z[2] = {0, 0};
    st = value ? pg_net_set_params(*out, 0, 2, z) : pg_net_set_params(*out, 0, 4, p);
  }
  return st;
}

/* One run; returns the number of capped episodes, or -1 on error. */
static int one_run(int baseline, uint64_t seed, double *ret) {
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_net *net = NULL, *vnet = NULL;
  pg_agent *agent = NULL;
  rec r = {ret, 0, 0};
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st == PG_OK) st = pg_ctx_set_seed(ctx, seed);
  if (st == PG_OK) st = pg_env_create_builtin(ctx, "ShortCorridor", seed, &env);
  if (st == PG_OK) st = linear_net(ctx, 0, &net);
  if (st == PG_OK && baseline) st = linear_net(ctx, 1, &vnet);
  if (st == PG_OK)
    st = pg_agent_create(ctx, baseline ? PG_ALGO_REINFORCE_BASELINE : PG_ALGO_REINFORCE, net,
                         vnet, &agent);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_OPTIMIZER, 1 /* PG_OPTIM_SGD */);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_GAMMA, 1.0);
  if (st == PG_OK) st = pg_agent_set_param(agent, PG_PARAM_PER_STEP_UPDATES, 1);
  if (st == PG_OK)
    st = pg_agent_set_param(agent, PG_PARAM_LR, 0.5 * ldexp(1.0, baseline ? -9 : -13));
  if (st == PG_OK && baseline)
    st = pg_agent_set_param(agent, PG_PARAM_VALUE_LR, 0.5 * ldexp(1.0, -6));
  if (st == PG_OK) st = pg_agent_train(agent, env, INT64_MAX, on_episode, &r);
  if (st != PG_OK) fprintf(stderr, "corridor: %s\n", pg_ctx_last_error(ctx));
  pg_agent_destroy(agent);
  pg_net_destroy(net);
  pg_net_destroy(vnet);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  return st == PG_OK && r.n == EPISODES ? r.capped : -1;
}

static double window(const double *m, int a, int b) { /* episodes a..b, 1-based */
  double s = 0.0;
  for (int e = a; e <= b; e++) s += m[e - 1];
  return s / (b - a + 1);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "docs";
  int runs = argc > 2 ? atoi(argv[2]) : 100;
  if (runs < 1) runs = 100;
  static double mean[2][EPISODES], clean[2][EPISODES], ret[EPISODES];
  int capped_runs[2] = {0, 0}, capped_eps[2] = {0, 0};
  for (int b = 0; b < 2; b++)
    for (int run = 0; run < runs; run++) {
      int c = one_run(b, (uint64_t)run + 1, ret);
      if (c < 0) return 1;
      capped_runs[b] += c > 0;
      capped_eps[b] += c;
      for (int e = 0; e < EPISODES; e++) {
        mean[b][e] += ret[e] / runs;
        if (!c) clean[b][e] += ret[e];
      }
    }
  for (int b = 0; b < 2; b++)
    for (int e = 0; e < EPISODES; e++) clean[b][e] /= runs - capped_runs[b];
  const double vstar = -(6.0 + 4.0 * sqrt(2.0));
  const char *name[2] = {"REINFORCE (alpha 2^-13)", "with baseline (2^-9, 2^-6)"};
  for (int b = 0; b < 2; b++)
    printf("%-28s 1-10 %7.2f  91-100 %7.2f  100-200 %7.2f  491-500 %7.2f  901-1000 %7.2f"
           "  (v* %.2f)  runs hitting the cap: %d (%d episodes)\n",
           name[b], window(mean[b], 1, 10), window(mean[b], 91, 100),
           window(mean[b], 100, 200), window(mean[b], 491, 500), window(mean[b], 901, 1000),
           vstar, capped_runs[b], capped_eps[b]);
  for (int b = 0; b < 2; b++)
    printf("%-28s without capped runs: 1-10 %7.2f  91-100 %7.2f  100-200 %7.2f  491-500 %7.2f"
           "  901-1000 %7.2f\n", name[b], window(clean[b], 1, 10), window(clean[b], 91, 100),
           window(clean[b], 100, 200), window(clean[b], 491, 500),
           window(clean[b], 901, 1000));
  char path[1024];
  snprintf(path, sizeof path, "%s/corridor.csv", dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return 1;
  }
  fprintf(f, "episode,reinforce,reinforce_baseline,v_star,reinforce_uncapped,"
             "reinforce_baseline_uncapped\n");
  for (int e = 0; e < EPISODES; e++)
    fprintf(f, "%d,%.4f,%.4f,%.4f,%.4f,%.4f\n", e + 1, mean[0][e], mean[1][e], vstar,
            clean[0][e], clean[1][e]);
  fclose(f);
  FILE *g = popen("gnuplot 2>/dev/null", "w");
  if (g) {
    fprintf(g,
            "set terminal png size 900,540 noenhanced\nset output '%s/corridor.png'\n"
            "set datafile separator ','\nset key bottom right\n"
            "set xlabel 'Episode'\nset ylabel 'Total reward on episode (mean over %d runs, capped runs excluded)'\n"
            "set yrange [-90:-10]\nset title 'Short corridor (Sutton & Barto, Figure 13.2)'\n"
            "plot '%s' every ::1 using 1:5 with lines title 'REINFORCE, alpha = 2^-13', "
            "'' every ::1 using 1:6 with lines title 'with baseline, alpha_theta = 2^-9, "
            "alpha_w = 2^-6', '' every ::1 using 1:4 with lines dt 2 title 'v*(s0) = -11.66'\n",
            dir, runs, path);
    if (pclose(g) == 0) printf("wrote %s and %s/corridor.png\n", path, dir);
    else printf("wrote %s (gnuplot failed: no PNG)\n", path);
  } else {
    printf("wrote %s (no gnuplot: no PNG)\n", path);
  }
  return 0;
}
