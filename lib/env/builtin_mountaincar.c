/* MountainCar-v0 as Gymnasium's mountain_car.py. */
#include "builtin.h"

#include <math.h>

typedef struct mountain_car {
  pg__builtin_head head;
  double position, velocity;
} mountain_car;

static int mc_reset(void *user, uint64_t seed, float *obs) {
  mountain_car *m = user;
  pg__rng r;
  pg__rng_seed(&r, seed, 0);
  m->position = pg__uniform(&r, -0.6, -0.4);
  m->velocity = 0.0;
  obs[0] = (float)m->position;
  obs[1] = (float)m->velocity;
  return 0;
}


static int mc_step(void *user, const float *action, float *obs, float *reward,
                   int32_t *terminated, int32_t *truncated) {
  (void)truncated; /* the 200-step limit is the env's step cap */
  const double min_position = -1.2, max_position = 0.6, max_speed = 0.07;
  const double goal_position = 0.5, goal_velocity = 0.0, force = 0.001, gravity = 0.0025;
  mountain_car *m = user;
  double a = (double)action[0];
  m->velocity += (a - 1) * force + cos(3 * m->position) * (-gravity);
  m->velocity = pg__clamp(m->velocity, -max_speed, max_speed);
  m->position += m->velocity;
  m->position = pg__clamp(m->position, min_position, max_position);
  if (m->position == min_position && m->velocity < 0) m->velocity = 0.0;
  *terminated = m->position >= goal_position && m->velocity >= goal_velocity;
  *reward = -1.0f;
  obs[0] = (float)m->position;
  obs[1] = (float)m->velocity;
  return 0;
}

const pg__builtin_spec pg__builtin_mountain_car = {
    "MountainCar-v0", 2, 0, 0, 0, PG_ACTION_DISCRETE, 3, 0.0f, 0.0f, 200,
    sizeof(mountain_car), mc_reset, mc_step};
