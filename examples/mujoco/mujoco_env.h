/*
** MuJoCo tasks as libpolicygrad environments, written against the public
** pg_env_vtable only (docs/ENVIRONMENTS.md, "Simulator hosts").
**
** Tasks (MJCF models written for these examples, rewards and terminations
** as in Gymnasium's v4 MuJoCo tasks):
**   "InvertedPendulum": a cart on a rail with a hinged pole; obs [x, theta,
**     x', theta'], 1 action in [-3, 3] (a motor on the cart, gear 100);
**     +1 per step, terminated when |theta| > 0.2 or the state is not
**     finite; 1000-step cap; frame skip 2 of a 0.02 s RK4 step.
**   "Hopper": a planar one-legged robot; obs [z, torso angle, 3 joint
**     angles, 6 velocities clipped to +-10] (11), 3 joint torques in
**     [-1, 1] (gear 200); reward forward velocity + 1 (healthy) - 0.001
**     |a|^2; terminated when unhealthy (z <= 0.7, |angle| >= 0.2, or a state
**     outside +-100); 1000-step cap; frame skip 4 of a 0.002 s RK4 step.
**
** One mjModel is compiled per pg_env created here and shared by every clone
** (the vtable's `shared` member, freed by its `release` callback after the
** last instance is destroyed); each instance owns its mjData. mj_step
** runs on whichever thread steps the instance; the model is only read.
*/
#ifndef PG_EXAMPLES_MUJOCO_ENV_H
#define PG_EXAMPLES_MUJOCO_ENV_H

#include <policygrad.h>
#include <stddef.h>

#include "render.h"

/* Creates task `task` (see above) with its step cap and action bounds set.
** Errors: PG_ERR_INVALID_ARG (unknown task; the message lists them),
** PG_ERR_CALLBACK (MuJoCo could not compile the model: its message is in
** err), PG_ERR_NOMEM, or what pg_env_create returns. err (may be NULL)
** receives a message on failure. */
pg_status mjh_env_create(pg_ctx *ctx, const char *task, uint64_t seed, pg_env **out,
                         char *err, size_t err_len);

/* Name of task number i, or NULL past the end. */
const char *mjh_task_name(int i);

/* Draws a frame of the task from its observation, or NULL for an unknown
** task. */
pgr_draw_fn mjh_drawer(const char *task);

/* CPU seconds per environment step spent in MuJoCo alone (frame_skip mj_step
** calls, no library), measured over n steps of zero actions with resets
** on termination; < 0 on failure. */
double mjh_engine_step_seconds(const char *task, long n);

#endif
