/* Grayscale and resizing: the inner env's image (h x w x 3 RGB, or 1
** channel) becomes one luminance channel, 0.299 R + 0.587 G + 0.114 B (ITU-R
** BT.601, as Atari preprocessing does it), resampled to height x width:
** area (each output pixel is the mean of the input area it covers, partial
** pixels weighted by their overlap) or bilinear (pixel centres aligned, edge
** pixels repeated). Bytes (PG_OBS_UINT8) are resampled in 0..255 and
** rounded back to bytes. */
#include "env_impl.h"

#include <math.h>

typedef struct resize {
  pg__env_wrap base;
  int32_t in_h, in_w, in_c, out_h, out_w;
  pg_resample method;
  float *gray; /* in_h * in_w luminance */
  float *out;  /* out_h * out_w resampled, for byte output (NULL for floats) */
} resize;

static int resize_init(pg__env_wrap *w) {
  resize *r = (resize *)w;
  r->gray = pg__calloc(w->ctx, (size_t)r->in_h * (size_t)r->in_w, sizeof(float));
  r->out = w->inner->dtype == PG_OBS_UINT8
               ? pg__calloc(w->ctx, (size_t)r->out_h * (size_t)r->out_w, sizeof(float))
               : NULL;
  if (r->gray && (r->out || w->inner->dtype != PG_OBS_UINT8)) return 0;
  pg__free(w->ctx, r->gray);
  pg__free(w->ctx, r->out);
  return 1;
}

static void resize_fini(pg__env_wrap *w) {
  resize *r = (resize *)w;
  pg__free(w->ctx, r->gray);
  pg__free(w->ctx, r->out);
}

static float luminance(float red, float green, float blue) {
  return 0.299f * red + 0.587f * green + 0.114f * blue;
}

static void to_gray(resize *r, const pg_env *in) {
  size_t n = (size_t)r->in_h * (size_t)r->in_w;
  if (in->dtype == PG_OBS_UINT8) {
    const uint8_t *b = in->obs_u8;
    for (size_t i = 0; i < n; i++)
      r->gray[i] = r->in_c == 1 ? (float)b[i]
                                : luminance((float)b[3 * i], (float)b[3 * i + 1],
                                            (float)b[3 * i + 2]);
    return;
  }
  const float *img = in->obs;
  for (size_t i = 0; i < n; i++)
    r->gray[i] = r->in_c == 1 ? img[i] : luminance(img[3 * i], img[3 * i + 1], img[3 * i + 2]);
}

/* Sum over input cells [a, b) of one axis (a < b, in input pixels) times the
** overlap, for the area filter, along x of row y. */
static float area_row(const resize *r, int32_t y, double x0, double x1) {
  double sum = 0.0;
  for (int32_t x = (int32_t)floor(x0); x < r->in_w && x < x1; x++) {
    double lo = x0 > x ? x0 : x, hi = x1 < x + 1 ? x1 : x + 1;
    sum += (hi - lo) * (double)r->gray[(size_t)y * (size_t)r->in_w + (size_t)x];
  }
  return (float)sum;
}

static void area(const resize *r, float *obs) {
  double sy = (double)r->in_h / r->out_h, sx = (double)r->in_w / r->out_w;
  for (int32_t oy = 0; oy < r->out_h; oy++) {
    double y0 = oy * sy, y1 = (oy + 1) * sy;
    for (int32_t ox = 0; ox < r->out_w; ox++) {
      double x0 = ox * sx, x1 = (ox + 1) * sx, sum = 0.0;
      for (int32_t y = (int32_t)floor(y0); y < r->in_h && y < y1; y++) {
        double lo = y0 > y ? y0 : y, hi = y1 < y + 1 ? y1 : y + 1;
        sum += (hi - lo) * (double)area_row(r, y, x0, x1);
      }
      obs[(size_t)oy * (size_t)r->out_w + (size_t)ox] = (float)(sum / (sy * sx));
    }
  }
}

/* The two input indices and the weight of the second for output index o. */
static void bilinear_taps(int32_t o, double scale, int32_t n, int32_t *i0, int32_t *i1,
                          float *t) {
  double src = (o + 0.5) * scale - 0.5;
  if (src < 0.0) src = 0.0;
  if (src > n - 1) src = n - 1;
  *i0 = (int32_t)floor(src);
  *i1 = *i0 + 1 < n ? *i0 + 1 : *i0;
  *t = (float)(src - *i0);
}

static void bilinear(const resize *r, float *obs) {
  double sy = (double)r->in_h / r->out_h, sx = (double)r->in_w / r->out_w;
  size_t w = (size_t)r->in_w;
  for (int32_t oy = 0; oy < r->out_h; oy++) {
    int32_t y0, y1, x0, x1;
    float ty, tx;
    bilinear_taps(oy, sy, r->in_h, &y0, &y1, &ty);
    for (int32_t ox = 0; ox < r->out_w; ox++) {
      bilinear_taps(ox, sx, r->in_w, &x0, &x1, &tx);
      const float *g = r->gray;
      float top = g[y0 * w + x0] + tx * (g[y0 * w + x1] - g[y0 * w + x0]);
      float bottom = g[y1 * w + x0] + tx * (g[y1 * w + x1] - g[y1 * w + x0]);
      obs[(size_t)oy * (size_t)r->out_w + (size_t)ox] = top + ty * (bottom - top);
    }
  }
}

static void emit(resize *r, float *obs) {
  to_gray(r, r->base.inner);
  float *dst = r->out ? r->out : obs;
  if (r->method == PG_RESAMPLE_AREA)
    area(r, dst);
  else
    bilinear(r, dst);
  if (!r->out) return;
  uint8_t *bytes = (uint8_t *)obs;
  for (size_t i = 0, n = (size_t)r->out_h * (size_t)r->out_w; i < n; i++) {
    float v = dst[i] < 0.0f ? 0.0f : dst[i] > 255.0f ? 255.0f : dst[i];
    bytes[i] = (uint8_t)(v + 0.5f);
  }
}

static int resize_reset(void *user, uint64_t seed, float *obs) {
  resize *r = user;
  if (pg__env_wrap_reset_inner(&r->base, seed) != 0) return 1;
  emit(r, obs);
  return 0;
}

static int resize_step(void *user, const float *action, float *obs, float *reward,
                       int32_t *terminated, int32_t *truncated) {
  resize *r = user;
  if (pg__env_wrap_step_inner(&r->base, action, reward, terminated, truncated) != 0) return 1;
  emit(r, obs);
  return 0;
}

static const pg__env_wrap_ops resize_ops = {
    "GrayResize", sizeof(resize), resize_init, resize_fini, resize_reset, resize_step};

pg_status pg_env_wrap_grayscale_resize(pg_env *env, int32_t height, int32_t width,
                                       pg_resample method, pg_env **out) {
  static const char *fn = "pg_env_wrap_grayscale_resize";
  pg_status st = pg__env_wrap_check(env, out, fn);
  if (st != PG_OK) return st;
  pg_ctx *ctx = env->ctx;
  if (env->obs_c != 1 && env->obs_c != 3)
    return pg__fail(ctx, PG_ERR_SHAPE,
                    "%s: environment '%s' declares %s; it needs an h x w x 3 (RGB) or h x w "
                    "x 1 image (pg_env_set_observation_image)",
                    fn, env->name, env->obs_c ? "an image of another channel count" : "no image");
  if (method != PG_RESAMPLE_AREA && method != PG_RESAMPLE_BILINEAR)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "%s: unknown method %d (PG_RESAMPLE_AREA or PG_RESAMPLE_BILINEAR)", fn,
                    (int)method);
  if (height < 1 || width < 1 || (int64_t)height * width > (1 << 24))
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE,
                    "%s: %d x %d: height and width must be >= 1, their product <= 2^24", fn,
                    (int)height, (int)width);
  resize proto = {{0}, env->obs_h, env->obs_w, env->obs_c, height, width, method, NULL, NULL};
  proto.base.ops = &resize_ops;
  return pg__env_wrap_create(env, &proto.base, height * width, height, width, 1, fn, out);
}
