/* Acrobot-v1 as Gymnasium's acrobot.py: the book dynamics (Sutton & Barto),
** one rk4 step of dt = 0.2, velocities bounded to 4 pi and 9 pi, angles
** wrapped to [-pi, pi]; the reset state is drawn in float32 as Gymnasium's. */
#include "builtin.h"

#include <math.h>

typedef struct acrobot {
  pg__builtin_head head;
  double s[4]; /* theta1, theta2, dtheta1, dtheta2 */
} acrobot;

static void observe(const acrobot *a, float *obs) {
  obs[0] = (float)cos(a->s[0]);
  obs[1] = (float)sin(a->s[0]);
  obs[2] = (float)cos(a->s[1]);
  obs[3] = (float)sin(a->s[1]);
  obs[4] = (float)a->s[2];
  obs[5] = (float)a->s[3];
}

static int acrobot_reset(void *user, uint64_t seed, float *obs) {
  acrobot *a = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  for (int i = 0; i < 4; i++) a->s[i] = (double)(float)pg__uniform(&r, -0.1, 0.1);
  observe(a, obs);
  return 0;
}

/* _dsdt of acrobot.py ("book" variant); torque is the constant 5th state. */
static void dsdt(const double *s, double torque, double *d) {
  const double m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, I1 = 1.0, I2 = 1.0;
  const double g = 9.8, pi = PG__PI;
  double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
  double d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
  double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + I2;
  double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0);
  double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin(theta2) -
                2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2) +
                (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2) + phi2;
  double ddtheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin(theta2) -
                     phi2) /
                    (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  d[0] = dtheta1;
  d[1] = dtheta2;
  d[2] = ddtheta1;
  d[3] = ddtheta2;
}

static void rk4(double *y, double torque) {
  const double dt = 0.2, dt2 = dt / 2.0;
  double k1[4], k2[4], k3[4], k4[4], t[4];
  dsdt(y, torque, k1);
  for (int i = 0; i < 4; i++) t[i] = y[i] + dt2 * k1[i];
  dsdt(t, torque, k2);
  for (int i = 0; i < 4; i++) t[i] = y[i] + dt2 * k2[i];
  dsdt(t, torque, k3);
  for (int i = 0; i < 4; i++) t[i] = y[i] + dt * k3[i];
  dsdt(t, torque, k4);
  for (int i = 0; i < 4; i++) y[i] = y[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
}

static double wrap(double x, double m, double M) {
  double diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}


static int acrobot_step(void *user, const float *action, float *obs, float *reward,
                        int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the 500-step limit is the env's step cap */
  acrobot *a = user;
  double torque = (double)action[0] - 1.0; /* {-1, 0, +1} */
  rk4(a->s, torque);
  a->s[0] = wrap(a->s[0], -PG__PI, PG__PI);
  a->s[1] = wrap(a->s[1], -PG__PI, PG__PI);
  a->s[2] = pg__clamp(a->s[2], -4 * PG__PI, 4 * PG__PI);
  a->s[3] = pg__clamp(a->s[3], -9 * PG__PI, 9 * PG__PI);
  *terminated = -cos(a->s[0]) - cos(a->s[1] + a->s[0]) > 1.0;
  *reward = *terminated ? 0.0f : -1.0f;
  observe(a, obs);
  return 0;
}

const pg__builtin_spec pg__builtin_acrobot = {
    "Acrobot-v1", 6, 0, 0, 0, PG_ACTION_DISCRETE, 3, 0.0f, 0.0f, 500,
    sizeof(acrobot), acrobot_reset, acrobot_step};
