/* The lunar lander's C side (see lander_env.h): random numbers, engine
** powers, observation, reward and termination; Box2D is behind
** lander_shim.h. */
#include "lander_env.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lander_shim.h"
#include "sim_host.h"

enum { FPS = 50 };
static const double SCALE = 30.0, LEG_DOWN = 18, INITIAL_RANDOM = 1000.0;
static const double W = 600 / 30.0, H = 400 / 30.0;

/* Shared by the original and its clones (the vtable's `shared`). */
typedef struct lander_def {
  int continuous;
} lander_def;

typedef struct lander {
  const lander_def *def;
  lander_sim *sim;
  uint64_t rng;
  double helipad_y;
  double prev_shaping;
} lander;

/* One step with the given engine powers: observation, reward, terminal. */
static void advance(lander *l, double m_power, double s_power, double direction, float *obs,
                    float *reward, int32_t *terminated) {
  double disp[2] = {sim_uniform(&l->rng, -1, 1) / SCALE, sim_uniform(&l->rng, -1, 1) / SCALE};
  double st[8];
  int game_over = 0, awake = 1;
  lander_sim_step(l->sim, m_power, s_power, direction, disp, st, &game_over, &awake);
  double s[8] = {(st[0] - W / 2) / (W / 2),
                 (st[1] - (l->helipad_y + LEG_DOWN / SCALE)) / (H / 2),
                 st[2] * (W / 2) / FPS,
                 st[3] * (H / 2) / FPS,
                 st[4],
                 20.0 * st[5] / FPS,
                 st[6],
                 st[7]};
  for (int i = 0; i < 8; i++) obs[i] = (float)s[i];
  double shaping = -100 * sqrt(s[0] * s[0] + s[1] * s[1]) - 100 * sqrt(s[2] * s[2] + s[3] * s[3]) -
                   100 * fabs(s[4]) + 10 * s[6] + 10 * s[7];
  double r = shaping - l->prev_shaping;
  l->prev_shaping = shaping;
  r -= m_power * 0.30;
  r -= s_power * 0.03;
  *terminated = 0;
  if (game_over || fabs(s[0]) >= 1.0) {
    *terminated = 1;
    r = -100;
  }
  if (!awake) {
    *terminated = 1;
    r = +100;
  }
  *reward = (float)r;
}

static int cb_reset(void *user, uint64_t seed, float *obs) {
  lander *l = user;
  l->rng = seed;
  double h[LANDER_CHUNKS + 1];
  for (int i = 0; i <= LANDER_CHUNKS; i++) h[i] = sim_uniform(&l->rng, 0, H / 2);
  l->helipad_y = H / 4;
  for (int i = LANDER_CHUNKS / 2 - 2; i <= LANDER_CHUNKS / 2 + 2; i++) h[i] = l->helipad_y;
  double fx = sim_uniform(&l->rng, -INITIAL_RANDOM, INITIAL_RANDOM);
  double fy = sim_uniform(&l->rng, -INITIAL_RANDOM, INITIAL_RANDOM);
  if (lander_sim_reset(l->sim, h, fx, fy)) return -1;
  /* As Gymnasium: the first observation comes from one step with the
  ** engines off, which also sets the shaping baseline. */
  float r;
  int32_t te;
  l->prev_shaping = 0;
  advance(l, 0, 0, 0, obs, &r, &te);
  return 0;
}

static int cb_step(void *user, const float *action, float *obs, float *reward,
                   int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the 1000-step cap is the library's */
  lander *l = user;
  double m_power = 0, s_power = 0, direction = 0;
  if (l->def->continuous) {
    double a0 = action[0], a1 = action[1]; /* already clipped to [-1, 1] */
    if (a0 > 0) m_power = (fmin(fmax(a0, 0.0), 1.0) + 1.0) * 0.5;
    if (fabs(a1) > 0.5) {
      direction = a1 > 0 ? 1 : -1;
      s_power = fmin(fmax(fabs(a1), 0.5), 1.0);
    }
  } else {
    int a = (int)action[0];
    if (a == 2) m_power = 1.0;
    if (a == 1 || a == 3) {
      direction = a - 2;
      s_power = 1.0;
    }
  }
  advance(l, m_power, s_power, direction, obs, reward, terminated);
  return 0;
}

static lander *new_lander(const lander_def *def) {
  lander *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->def = def;
  l->sim = lander_sim_new();
  if (!l->sim) {
    free(l);
    return NULL;
  }
  return l;
}

static int cb_close(void *user) {
  lander *l = user;
  lander_sim_free(l->sim);
  free(l);
  return 0;
}

static int cb_create(void *factory_user, int32_t index, uint64_t seed, void **out) {
  (void)index, (void)seed;
  const lander *sibling = factory_user;
  lander *l = new_lander(sibling->def);
  if (!l) return 1;
  *out = l;
  return 0;
}

static int cb_release(void *shared) {
  free(shared);
  return 0;
}

static int task_kind(const char *task) {
  if (task && strcmp(task, "LunarLander") == 0) return 0;
  if (task && strcmp(task, "LunarLanderContinuous") == 0) return 1;
  return -1;
}

static const pg_env_vtable vtable = {.struct_size = sizeof(pg_env_vtable), .reset = cb_reset,
    .step = cb_step, .close = cb_close, .create = cb_create, .release = cb_release};

pg_status lander_env_create(pg_ctx *ctx, const char *task, uint64_t seed, pg_env **out,
                            char *err, size_t err_len) {
  if (err && err_len) err[0] = '\0';
  if (!ctx || !out) return PG_ERR_INVALID_ARG;
  *out = NULL;
  int kind = task_kind(task);
  if (kind < 0) {
    if (err)
      snprintf(err, err_len, "unknown Box2D task '%s' (LunarLander, LunarLanderContinuous)",
               task ? task : "(null)");
    return PG_ERR_INVALID_ARG;
  }
  lander_def *def = calloc(1, sizeof *def);
  lander *l = def ? (def->continuous = kind, new_lander(def)) : NULL;
  if (!l) {
    free(def);
    if (err) snprintf(err, err_len, "lunar lander: out of memory");
    return PG_ERR_NOMEM;
  }
  sim_env_spec spec = {task, 8, kind ? PG_ACTION_CONTINUOUS : PG_ACTION_DISCRETE, kind ? 2 : 4,
                       NULL, NULL, 1000};
  return sim_host_env_create(ctx, &vtable, def, l, &spec, seed, out, err, err_len);
}

/* From the observation: the hull's position and angle, the legs' contact.
** The terrain is not observed: the ground is drawn flat at the helipad,
** whose flags stand at x = 8 and 12. */
static void draw_lander(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  pgr_view v = {c->w / W, 0, c->h};
  pgr_clear(c, PGR_SKY_DARK);
  double helipad_y = H / 4, gx, gy;
  pgr_to_px(&v, 0, helipad_y, &gx, &gy);
  pgr_fill_rect(c, 0, gy, c->w, c->h, PGR_GROUND);
  for (int k = 0; k < 2; k++) {
    double fx, fy, tx, ty;
    pgr_to_px(&v, k ? 12.0 : 8.0, helipad_y, &fx, &fy);
    pgr_to_px(&v, k ? 12.0 : 8.0, helipad_y + 50 / SCALE, &tx, &ty);
    pgr_line(c, fx, fy, tx, ty, 1.5, PGR_BACKGROUND);
    double flag[6] = {tx, ty, tx, ty + 10 * v.scale / SCALE, tx + 25 * v.scale / SCALE,
                      ty + 5 * v.scale / SCALE};
    pgr_fill_polygon(c, flag, 3, PGR_FLAME);
  }
  double x = obs[0] * (W / 2) + W / 2;
  double y = obs[1] * (H / 2) + helipad_y + LEG_DOWN / SCALE;
  double a = obs[4], ca = cos(a), sa = sin(a);
  const double poly[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};
  double q[12];
  for (int i = 0; i < 6; i++) {
    double px = poly[i][0] / SCALE, py = poly[i][1] / SCALE;
    pgr_to_px(&v, x + px * ca - py * sa, y + px * sa + py * ca, &q[2 * i], &q[2 * i + 1]);
  }
  for (int k = 0; k < 2; k++) { /* legs: from the hull's side down and out */
    double side = k ? 1 : -1, hx = side * 17 / SCALE, hy = -5 / SCALE;
    double fx = side * 26 / SCALE, fy = -28 / SCALE, ax, ay, bx, by;
    pgr_to_px(&v, x + hx * ca - hy * sa, y + hx * sa + hy * ca, &ax, &ay);
    pgr_to_px(&v, x + fx * ca - fy * sa, y + fx * sa + fy * ca, &bx, &by);
    pgr_line(c, ax, ay, bx, by, fmax(1.5, 3 * v.scale / SCALE),
             obs[6 + k] > 0.5f ? PGR_TARGET : PGR_LEG);
  }
  pgr_fill_polygon(c, q, 6, PGR_BODY);
}

pgr_draw_fn lander_drawer(const char *task) { return task_kind(task) >= 0 ? draw_lander : NULL; }

double lander_engine_step_seconds(const char *task, long n) {
  int kind = task_kind(task);
  if (kind < 0 || n < 1) return -1;
  lander_def def = {kind};
  lander *l = new_lander(&def);
  if (!l) return -1;
  float obs[8], r;
  int32_t te = 0;
  if (cb_reset(l, 1, obs)) {
    cb_close(l);
    return -1;
  }
  double t0 = sim_cpu_seconds();
  for (long i = 0; i < n; i++) {
    advance(l, 0, 0, 0, obs, &r, &te);
    if (te && cb_reset(l, (uint64_t)i + 2, obs)) break;
  }
  double seconds = sim_cpu_seconds() - t0;
  cb_close(l);
  return seconds / (double)n;
}
