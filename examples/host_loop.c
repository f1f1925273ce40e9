/* The host owns the loop and the simulation: a small C cart-pole (the
** classic equations, a 500-step limit) driven frame by frame with
** pg_agent_step -> simulate -> pg_agent_report -> pg_agent_update, using a
** one-step actor-critic agent on caller-built networks.
**
** usage: host_loop [frames] */
#include <policygrad.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct pole {
  double x, v, th, w;
  int t;
} pole;

static double urand(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return ((*s >> 8) & 0xffff) / 65536.0;
}

static void pole_reset(pole *p, unsigned *s, float *obs) {
  p->x = 0.1 * urand(s) - 0.05;
  p->v = 0.1 * urand(s) - 0.05;
  p->th = 0.1 * urand(s) - 0.05;
  p->w = 0.1 * urand(s) - 0.05;
  p->t = 0;
  obs[0] = (float)p->x, obs[1] = (float)p->v, obs[2] = (float)p->th, obs[3] = (float)p->w;
}

/* returns 1 = terminated, 2 = truncated, 0 = running */
static int pole_step(pole *p, int action, float *obs) {
  const double g = 9.8, mc = 1.0, mp = 0.1, l = 0.5, f = action ? 10.0 : -10.0, dt = 0.02;
  double ct = cos(p->th), st = sin(p->th);
  double tmp = (f + mp * l * p->w * p->w * st) / (mc + mp);
  double a_th = (g * st - ct * tmp) / (l * (4.0 / 3.0 - mp * ct * ct / (mc + mp)));
  double a_x = tmp - mp * l * a_th * ct / (mc + mp);
  p->x += dt * p->v, p->v += dt * a_x, p->th += dt * p->w, p->w += dt * a_th;
  p->t++;
  obs[0] = (float)p->x, obs[1] = (float)p->v, obs[2] = (float)p->th, obs[3] = (float)p->w;
  if (fabs(p->x) > 2.4 || fabs(p->th) > 12 * 2 * 3.14159265358979 / 360) return 1;
  return p->t >= 500 ? 2 : 0;
}

#define TRY(x) if (st == PG_OK) st = (x)

int main(int argc, char **argv) {
  long frames = argc > 1 ? atol(argv[1]) : 200000;
  pg_ctx *ctx = NULL;
  pg_net *pol = NULL, *val = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  TRY(pg_net_create(ctx, 4, 8, 1, &pol));
  TRY(pg_net_add_dense(pol, 64, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.4142));
  TRY(pg_net_add_categorical_head(pol, 2, PG_INIT_ORTHOGONAL, 0.01));
  TRY(pg_net_finalize(pol));
  TRY(pg_net_create(ctx, 4, 8, 2, &val));
  TRY(pg_net_add_dense(val, 64, PG_ACTIVATION_RELU, PG_INIT_ORTHOGONAL, 1.4142));
  TRY(pg_net_add_value_head(val, PG_INIT_ORTHOGONAL, 1.0));
  TRY(pg_net_finalize(val));
  TRY(pg_agent_create(ctx, PG_ALGO_ACTOR_CRITIC, pol, val, &agent));
  pole p;
  unsigned seed = 7;
  float obs[4], next[4], action;
  pole_reset(&p, &seed, obs);
  for (long frame = 0; st == PG_OK && frame < frames; frame++) {
    TRY(pg_agent_step(agent, obs, 4, NULL, 0, &action, 1));
    int end = pole_step(&p, (int)action, next);
    float reward = 1.0f;
    int32_t term = end == 1, trunc = end == 2, updated = 0;
    TRY(pg_agent_report(agent, &reward, &term, &trunc, 1, next, 4));
    TRY(pg_agent_update(agent, &updated));
    if (end) pole_reset(&p, &seed, obs);
    else for (int i = 0; i < 4; i++) obs[i] = next[i];
    if (frame % 20000 == 19999) {
      double eps, mean;
      pg_agent_get_stat(agent, PG_STAT_EPISODES, &eps);
      pg_agent_get_stat(agent, PG_STAT_MEAN_RETURN_100, &mean);
      printf("frame %6ld  episodes %5.0f  mean return (last 100) %6.1f\n", frame + 1, eps, mean);
    }
  }
  if (st != PG_OK) fprintf(stderr, "host_loop: %s\n", pg_ctx_last_error(ctx));
  pg_agent_destroy(agent);
  pg_net_destroy(pol);
  pg_net_destroy(val);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
