/* Pendulum-v1 as Gymnasium's pendulum.py (g = 10). The torque is used in
** double precision. */
#include "builtin.h"

#include <math.h>

typedef struct pendulum {
  pg__builtin_head head;
  double th, thdot;
} pendulum;

static void observe(const pendulum *p, float *obs) {
  obs[0] = (float)cos(p->th);
  obs[1] = (float)sin(p->th);
  obs[2] = (float)p->thdot;
}

static int pendulum_reset(void *user, uint64_t seed, float *obs) {
  pendulum *p = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  p->th = pg__uniform(&r, -PG__PI, PG__PI);
  p->thdot = pg__uniform(&r, -1.0, 1.0);
  observe(p, obs);
  return 0;
}

/* ((x + pi) % (2 pi)) - pi with Python's floored modulo. */
static double angle_normalize(double x) {
  double y = fmod(x + PG__PI, 2 * PG__PI);
  if (y != 0.0 && y < 0.0) y += 2 * PG__PI;
  return y - PG__PI;
}


static int pendulum_step(void *user, const float *action, float *obs, float *reward,
                         int32_t *terminated, int32_t *truncated) {
  (void)terminated; /* never terminates; the 200-step limit is the step cap */
  (void)truncated;
  const double max_speed = 8, max_torque = 2.0, dt = 0.05, g = 10.0, m = 1.0, l = 1.0;
  pendulum *p = user;
  double u = pg__clamp((double)action[0], -max_torque, max_torque);
  double an = angle_normalize(p->th);
  double costs = an * an + 0.1 * (p->thdot * p->thdot) + 0.001 * (u * u);
  double newthdot = p->thdot + (3 * g / (2 * l) * sin(p->th) + 3.0 / (m * (l * l)) * u) * dt;
  newthdot = pg__clamp(newthdot, -max_speed, max_speed);
  p->th = p->th + newthdot * dt;
  p->thdot = newthdot;
  *reward = (float)-costs;
  observe(p, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_pendulum = {
    "Pendulum-v1", 3, 0, 0, 0, PG_ACTION_CONTINUOUS, 1, -2.0f, 2.0f, 200,
    sizeof(pendulum), pendulum_reset, pendulum_step};
