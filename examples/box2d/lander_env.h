/*
** A lunar lander on Box2D (C++ behind the C shim lander_shim.h) as a
** libpolicygrad environment, in the style of Gymnasium's LunarLander-v2:
** "LunarLander" (4 discrete actions: nothing, left engine, main engine,
** right engine) and "LunarLanderContinuous" (2 actions in [-1, 1]: main
** throttle, lateral). 8 observations (position, velocity, angle, angular
** velocity, leg contacts, scaled as Gymnasium does); reward shaping by
** distance, speed, tilt and leg contact, fuel costs 0.3 (main) and 0.03
** (side) per step, -100 for a crash or leaving the screen, +100 for coming
** to rest; 1000-step cap. Solved: mean 200.
**
** Every instance has its own Box2D world; the task definition (a small
** block of constants and the action kind) is the vtable's `shared` data,
** freed by its `release` callback after the last clone.
*/
#ifndef PG_EXAMPLES_LANDER_ENV_H
#define PG_EXAMPLES_LANDER_ENV_H

#include <policygrad.h>
#include <stddef.h>

#include "render.h"

/* Errors: PG_ERR_INVALID_ARG (unknown task), PG_ERR_NOMEM, or what
** pg_env_create returns; err (may be NULL) gets a message. */
pg_status lander_env_create(pg_ctx *ctx, const char *task, uint64_t seed, pg_env **out,
                            char *err, size_t err_len);

/* The drawer for either task (NULL for another name). */
pgr_draw_fn lander_drawer(const char *task);

/* CPU seconds per step of Box2D alone (engines off, resets on termination);
** < 0 on failure. */
double lander_engine_step_seconds(const char *task, long n);

#endif
