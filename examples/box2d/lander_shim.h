/*
** A C interface to the Box2D (C++) part of the lunar lander: the world, the
** terrain, the lander with its two sprung legs and the contact listener.
** Everything else (random numbers, engines' powers, observation, reward,
** termination) is C in lander_env.c. The shim never throws: allocation
** failures come back as NULL / -1.
*/
#ifndef PG_EXAMPLES_LANDER_SHIM_H
#define PG_EXAMPLES_LANDER_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

enum { LANDER_CHUNKS = 11 };

typedef struct lander_sim lander_sim;

lander_sim *lander_sim_new(void);
void lander_sim_free(lander_sim *s);

/* A new world: terrain from heights[LANDER_CHUNKS + 1] (the helipad
** already flattened by the caller), the lander at the top centre with the
** initial force (fx, fy) applied. Returns 0, or -1 (out of memory). */
int lander_sim_reset(lander_sim *s, const double *heights, double fx, double fy);

/* Fires the engines (m_power in {0} or [0.5, 1]; s_power in {0} or
** [0.5, 1] with direction -1 / +1; dispersion[2] as Gymnasium draws it),
** steps the world by 1/50 s, and writes the raw state: x, y, vx, vy,
** angle, angular velocity, leg contacts (2); *game_over = the hull touched
** the ground; *awake = the lander body is still awake. */
void lander_sim_step(lander_sim *s, double m_power, double s_power, double direction,
                     const double *dispersion, double *state, int *game_over, int *awake);

/* The terrain's smoothed heights at the LANDER_CHUNKS chunk edges. */
void lander_sim_terrain(const lander_sim *s, double *chunk_x, double *smooth_y);

#ifdef __cplusplus
}
#endif

#endif
