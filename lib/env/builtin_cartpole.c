/* CartPole-v1 and CartPoleContinuous-v1, as Gymnasium's cartpole.py
** (euler integration, double state, float observation), and
** CartPolePositions-v1: CartPole-v1 observed without the velocities
** ([x, theta]), a task that needs memory. */
#include "builtin.h"

#include <math.h>

typedef struct cartpole {
  pg__builtin_head head;
  double x, x_dot, theta, theta_dot;
} cartpole;

static void observe(const cartpole *c, float *obs) {
  obs[0] = (float)c->x;
  obs[1] = (float)c->x_dot;
  obs[2] = (float)c->theta;
  obs[3] = (float)c->theta_dot;
}

static int cartpole_reset(void *user, uint64_t seed, float *obs) {
  cartpole *c = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  c->x = pg__uniform(&r, -0.05, 0.05);
  c->x_dot = pg__uniform(&r, -0.05, 0.05);
  c->theta = pg__uniform(&r, -0.05, 0.05);
  c->theta_dot = pg__uniform(&r, -0.05, 0.05);
  observe(c, obs);
  return 0;
}

static void advance(cartpole *c, double force) {
  const double gravity = 9.8, masscart = 1.0, masspole = 0.1;
  const double total_mass = masspole + masscart;
  const double length = 0.5, polemass_length = masspole * length, tau = 0.02;
  double costheta = cos(c->theta), sintheta = sin(c->theta);
  double temp = (force + polemass_length * (c->theta_dot * c->theta_dot) * sintheta) / total_mass;
  double thetaacc = (gravity * sintheta - costheta * temp) /
                    (length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass));
  double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
  c->x = c->x + tau * c->x_dot;
  c->x_dot = c->x_dot + tau * xacc;
  c->theta = c->theta + tau * c->theta_dot;
  c->theta_dot = c->theta_dot + tau * thetaacc;
}

static int finish(cartpole *c, float *obs, float *reward, int32_t *terminated) {
  const double theta_threshold = 12 * 2 * PG__PI / 360, x_threshold = 2.4;
  *terminated = c->x < -x_threshold || c->x > x_threshold || c->theta < -theta_threshold ||
                c->theta > theta_threshold;
  *reward = 1.0f;
  observe(c, obs);
  return 0;
}

static int cartpole_step(void *user, const float *action, float *obs, float *reward,
                         int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the 500-step limit is the env's step cap */
  cartpole *c = user;
  advance(c, action[0] == 1.0f ? 10.0 : -10.0);
  return finish(c, obs, reward, terminated);
}

static int cartpole_cont_step(void *user, const float *action, float *obs, float *reward,
                              int32_t *terminated, int32_t *truncated) {
  (void)truncated;
  cartpole *c = user;
  double a = (double)action[0];
  a = a < -1.0 ? -1.0 : a > 1.0 ? 1.0 : a;
  advance(c, a * 10.0);
  return finish(c, obs, reward, terminated);
}

const pg__builtin_spec pg__builtin_cartpole = {
    "CartPole-v1", 4, 0, 0, 0, PG_ACTION_DISCRETE, 2, 0.0f, 0.0f, 500,
    sizeof(cartpole), cartpole_reset, cartpole_step};

/* Positions only: [x, theta]. */
static int positions_reset(void *user, uint64_t seed, float *obs) {
  float full[4];
  cartpole_reset(user, seed, full);
  obs[0] = full[0];
  obs[1] = full[2];
  return 0;
}

static int positions_step(void *user, const float *action, float *obs, float *reward,
                          int32_t *terminated, int32_t *truncated) {
  float full[4];
  cartpole_step(user, action, full, reward, terminated, truncated);
  obs[0] = full[0];
  obs[1] = full[2];
  return 0;
}

const pg__builtin_spec pg__builtin_cartpole_positions = {
    "CartPolePositions-v1", 2, 0, 0, 0, PG_ACTION_DISCRETE, 2, 0.0f, 0.0f, 500,
    sizeof(cartpole), positions_reset, positions_step};

const pg__builtin_spec pg__builtin_cartpole_continuous = {
    "CartPoleContinuous-v1", 4, 0, 0, 0, PG_ACTION_CONTINUOUS, 1, -1.0f, 1.0f, 500,
    sizeof(cartpole), cartpole_reset, cartpole_cont_step};
