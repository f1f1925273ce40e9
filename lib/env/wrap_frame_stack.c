/* Frame stacking: the wrapper's observation is the inner env's last k
** observations, oldest first, filled with the reset observation at each
** reset. An image h x w x c becomes h x w x (k*c), HWC: pixel p's channels
** are frame 0's c channels, then frame 1's, ...; a vector of n floats
** becomes k*n floats, the frames one after the other. Bytes (PG_OBS_UINT8)
** are stacked as bytes. */
#include "env_impl.h"

#include <string.h>

typedef struct frame_stack {
  pg__env_wrap base;
  int32_t k, pixels, channels; /* a vector is 1 pixel of n channels */
  int32_t newest;              /* ring slot of the newest frame */
  size_t elem;                 /* bytes per element: 4 (floats) or 1 (bytes) */
  unsigned char *frames;       /* k slots of pixels*channels elements */
} frame_stack;

static int stack_init(pg__env_wrap *w) {
  frame_stack *s = (frame_stack *)w;
  s->elem = pg__env_obs_elem(w->inner);
  s->frames = pg__calloc(w->ctx, (size_t)s->k * (size_t)s->pixels, (size_t)s->channels * s->elem);
  return s->frames ? 0 : 1;
}

static void stack_fini(pg__env_wrap *w) {
  frame_stack *s = (frame_stack *)w;
  pg__free(w->ctx, s->frames);
}

static size_t frame_bytes(const frame_stack *s) {
  return (size_t)s->pixels * (size_t)s->channels * s->elem;
}

static unsigned char *slot(const frame_stack *s, int32_t i) {
  return s->frames + (size_t)i * frame_bytes(s);
}

static void emit(const frame_stack *s, float *obs) {
  unsigned char *out = (unsigned char *)obs;
  size_t c = (size_t)s->channels * s->elem;
  for (int32_t j = 0; j < s->k; j++) {
    const unsigned char *f = slot(s, (s->newest + 1 + j) % s->k);
    for (int32_t p = 0; p < s->pixels; p++)
      memcpy(out + ((size_t)p * (size_t)s->k + (size_t)j) * c, f + (size_t)p * c, c);
  }
}

static int stack_reset(void *user, uint64_t seed, float *obs) {
  frame_stack *s = user;
  if (pg__env_wrap_reset_inner(&s->base, seed) != 0) return 1;
  for (int32_t i = 0; i < s->k; i++) memcpy(slot(s, i), s->base.inner->obs, frame_bytes(s));
  s->newest = s->k - 1;
  emit(s, obs);
  return 0;
}

static int stack_step(void *user, const float *action, float *obs, float *reward,
                      int32_t *terminated, int32_t *truncated) {
  frame_stack *s = user;
  if (pg__env_wrap_step_inner(&s->base, action, reward, terminated, truncated) != 0) return 1;
  s->newest = (s->newest + 1) % s->k;
  memcpy(slot(s, s->newest), s->base.inner->obs, frame_bytes(s));
  emit(s, obs);
  return 0;
}

static const pg__env_wrap_ops frame_stack_ops = {
    "FrameStack", sizeof(frame_stack), stack_init, stack_fini, stack_reset, stack_step};

pg_status pg_env_wrap_frame_stack(pg_env *env, int32_t k, pg_env **out) {
  static const char *fn = "pg_env_wrap_frame_stack";
  pg_status st = pg__env_wrap_check(env, out, fn);
  if (st != PG_OK) return st;
  if (k < 1 || k > 64)
    return pg__fail(env->ctx, PG_ERR_OUT_OF_RANGE, "%s: k = %d not in [1, 64]", fn, (int)k);
  if ((int64_t)env->obs_size * k > (1 << 26))
    return pg__fail(env->ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: %d frames of %d floats exceed 2^26 floats", fn, (int)k,
                    (int)env->obs_size);
  frame_stack proto = {{0}, k, 1, env->obs_size, 0, 0, NULL};
  proto.base.ops = &frame_stack_ops;
  int image = env->obs_c > 0;
  if (image) {
    proto.pixels = env->obs_h * env->obs_w;
    proto.channels = env->obs_c;
  }
  return pg__env_wrap_create(env, &proto.base, env->obs_size * k, image ? env->obs_h : 0,
                             image ? env->obs_w : 0, image ? env->obs_c * k : 0, fn, out);
}
