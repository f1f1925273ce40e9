/*
** Headless episode rendering for the examples: an 8-bit palette canvas with
** a few drawing primitives, a PNG / animated PNG (APNG) writer with its own
** small deflate encoder (fixed Huffman codes and LZ77; no zlib needed), and
** drawers that paint a task's state from its observation. Not part of the
** library: the examples (play, mujoco/, box2d/) and tests/check_render.c
** compile this file in.
**
** Errors: functions returning int return 0 on success and otherwise write
** a message into the caller's err buffer (err may be NULL). Nothing here
** keeps global state; one canvas or animation per thread.
*/
#ifndef PG_EXAMPLES_RENDER_H
#define PG_EXAMPLES_RENDER_H

#include <policygrad.h>
#include <stddef.h>
#include <stdint.h>

/* The palette every drawer uses (index = colour). */
enum {
  PGR_BACKGROUND = 0, PGR_GROUND, PGR_TRACK, PGR_BODY, PGR_POLE, PGR_AXLE,
  PGR_ACCENT, PGR_TARGET, PGR_SKY_DARK, PGR_FLAME, PGR_LEG, PGR_TEXT,
  PGR_N_COLOURS
};

/* Pixels are palette indices, row-major, top row first. */
typedef struct pgr_canvas {
  int w, h;
  uint8_t *px;
} pgr_canvas;

int pgr_canvas_init(pgr_canvas *c, int w, int h, char *err, size_t err_len);
void pgr_canvas_free(pgr_canvas *c);
void pgr_clear(pgr_canvas *c, uint8_t colour);
/* Primitives in pixel coordinates (y down); anything off the canvas is
** clipped. */
void pgr_fill_rect(pgr_canvas *c, double x0, double y0, double x1, double y1, uint8_t colour);
void pgr_fill_circle(pgr_canvas *c, double cx, double cy, double r, uint8_t colour);
/* A convex (or star-shaped from its first vertex) polygon of n <= 16 points. */
void pgr_fill_polygon(pgr_canvas *c, const double *xy, int n, uint8_t colour);
/* A segment drawn as a rectangle of the given width with round ends. */
void pgr_line(pgr_canvas *c, double x0, double y0, double x1, double y1, double width,
              uint8_t colour);

/* A world-to-pixel mapping: pixel = origin + scale * world, with world y up. */
typedef struct pgr_view {
  double scale, origin_x, origin_y;
} pgr_view;
void pgr_to_px(const pgr_view *v, double wx, double wy, double *px, double *py);

/* Paints one frame of a task from its observation (obs_size floats). */
typedef void (*pgr_draw_fn)(pgr_canvas *c, const float *obs, int32_t obs_size);

/* The drawer of a built-in task by its name (pg_env_get_name), or NULL
** (ShortCorridor's observation does not show its state). */
pgr_draw_fn pgr_builtin_drawer(const char *env_name);

/* ---- PNG and APNG ------------------------------------------------------- */

/* Writes one palette PNG of the canvas. */
int pgr_write_png(const pgr_canvas *c, const char *path, char *err, size_t err_len);

/* An animation: frames are compressed as they are added and written by
** pgr_anim_write. All frames have the canvas size of the first. */
typedef struct pgr_anim {
  int w, h, delay_ms, n_frames, cap;
  uint8_t **data;   /* compressed frame streams */
  size_t *len;
} pgr_anim;

void pgr_anim_init(pgr_anim *a, int delay_ms);
int pgr_anim_add(pgr_anim *a, const pgr_canvas *c, char *err, size_t err_len);
/* An APNG that loops forever; viewers without APNG support show frame 1. */
int pgr_anim_write(const pgr_anim *a, const char *path, char *err, size_t err_len);
void pgr_anim_free(pgr_anim *a);

/* ---- recording an episode ------------------------------------------------ */

/* Chooses the action for obs; returns 0 or a nonzero code to stop. */
typedef int (*pgr_act_fn)(void *user, const float *obs, float *action);

typedef struct pgr_record_opts {
  int width, height;     /* canvas size (e.g. 300 x 200) */
  int frame_every;       /* keep every k-th step's frame (>= 1) */
  int max_frames;        /* stop adding frames after this many (>= 1) */
  int delay_ms;          /* per frame of the animation */
  int strip_frames;      /* frames in the strip PNG (0 = no strip) */
  int strip_every;       /* the strip shows steps 0, k, 2k, ... (>= 1) */
  const char *apng_path; /* may be NULL */
  const char *strip_path;/* may be NULL: frames side by side in one PNG */
} pgr_record_opts;

/* Plays one episode of env (reset with its own seed sequence) choosing
** actions with act; the animation gets the observation of steps 0,
** frame_every, 2*frame_every, ... and the final one (up to max_frames), the
** strip steps 0, strip_every, ... (up to strip_frames, side by side with
** 2-pixel separators). Writes the files asked for. *out_return, *out_steps
** and *out_frames (may be NULL) receive the episode's return and length and
** the animation's frame count. */
int pgr_record_episode(pg_env *env, pgr_act_fn act, void *act_user, pgr_draw_fn draw,
                       const pgr_record_opts *opts, double *out_return, uint64_t *out_steps,
                       int *out_frames, char *err, size_t err_len);

/* CRC-32 (PNG's) and the fixed-Huffman deflate encoder, for the tests.
** pgr_zlib_compress returns a malloc'ed zlib stream (*out_len bytes) or NULL. */
uint32_t pgr_crc32(uint32_t crc, const uint8_t *p, size_t n);
uint8_t *pgr_zlib_compress(const uint8_t *src, size_t n, size_t *out_len);

#endif /* PG_EXAMPLES_RENDER_H */
