/* Headless episode rendering: canvas, PNG/APNG writer, built-in drawers
** (see render.h). */
#include "render.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t err_len, const char *fmt, ...) {
  if (err && err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* ---- canvas ---------------------------------------------------------------- */

int pgr_canvas_init(pgr_canvas *c, int w, int h, char *err, size_t err_len) {
  c->w = c->h = 0;
  c->px = NULL;
  if (w < 1 || h < 1 || w > 4096 || h > 4096)
    return fail(err, err_len, "canvas size %d x %d not in [1, 4096]", w, h);
  c->px = calloc((size_t)w * (size_t)h, 1);
  if (!c->px) return fail(err, err_len, "canvas: out of memory");
  c->w = w;
  c->h = h;
  return 0;
}

void pgr_canvas_free(pgr_canvas *c) {
  free(c->px);
  c->px = NULL;
  c->w = c->h = 0;
}

void pgr_clear(pgr_canvas *c, uint8_t colour) { memset(c->px, colour, (size_t)c->w * c->h); }

static int clampi(double v, int lo, int hi) {
  if (!(v >= lo)) return lo; /* NaN too */
  if (v > hi) return hi;
  return (int)v;
}

void pgr_fill_rect(pgr_canvas *c, double x0, double y0, double x1, double y1, uint8_t colour) {
  int xa = clampi(floor(fmin(x0, x1) + 0.5), 0, c->w), xb = clampi(floor(fmax(x0, x1) + 0.5), 0, c->w);
  int ya = clampi(floor(fmin(y0, y1) + 0.5), 0, c->h), yb = clampi(floor(fmax(y0, y1) + 0.5), 0, c->h);
  for (int y = ya; y < yb; y++) memset(c->px + (size_t)y * c->w + xa, colour, (size_t)(xb - xa));
}

void pgr_fill_circle(pgr_canvas *c, double cx, double cy, double r, uint8_t colour) {
  if (!(r > 0)) return;
  int ya = clampi(floor(cy - r), 0, c->h - 1), yb = clampi(ceil(cy + r), 0, c->h - 1);
  for (int y = ya; y <= yb; y++) {
    double dy = y + 0.5 - cy, d = r * r - dy * dy;
    if (d < 0) continue;
    double half = sqrt(d);
    int xa = clampi(floor(cx - half + 0.5), 0, c->w), xb = clampi(floor(cx + half + 0.5), 0, c->w);
    if (xb > xa) memset(c->px + (size_t)y * c->w + xa, colour, (size_t)(xb - xa));
  }
}

/* Scanline fill: for each pixel row, the span between the leftmost and the
** rightmost crossing of the polygon's edges (exact for convex polygons). */
void pgr_fill_polygon(pgr_canvas *c, const double *xy, int n, uint8_t colour) {
  if (n < 3 || n > 16) return;
  double ymin = xy[1], ymax = xy[1];
  for (int i = 1; i < n; i++) {
    ymin = fmin(ymin, xy[2 * i + 1]);
    ymax = fmax(ymax, xy[2 * i + 1]);
  }
  int ya = clampi(floor(ymin), 0, c->h - 1), yb = clampi(ceil(ymax), 0, c->h - 1);
  for (int y = ya; y <= yb; y++) {
    double sy = y + 0.5, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
      double x0 = xy[2 * i], y0 = xy[2 * i + 1];
      double x1 = xy[2 * ((i + 1) % n)], y1 = xy[2 * ((i + 1) % n) + 1];
      if ((sy < y0) == (sy < y1)) continue;
      double x = x0 + (sy - y0) * (x1 - x0) / (y1 - y0);
      lo = fmin(lo, x);
      hi = fmax(hi, x);
    }
    if (!(hi >= lo)) continue;
    int xa = clampi(floor(lo + 0.5), 0, c->w), xb = clampi(floor(hi + 0.5), 0, c->w);
    if (xb > xa) memset(c->px + (size_t)y * c->w + xa, colour, (size_t)(xb - xa));
  }
}

void pgr_line(pgr_canvas *c, double x0, double y0, double x1, double y1, double width,
              uint8_t colour) {
  double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy), h = width / 2;
  if (len > 1e-9) {
    double nx = -dy / len * h, ny = dx / len * h;
    double q[8] = {x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny};
    pgr_fill_polygon(c, q, 4, colour);
  }
  pgr_fill_circle(c, x0, y0, h, colour);
  pgr_fill_circle(c, x1, y1, h, colour);
}

void pgr_to_px(const pgr_view *v, double wx, double wy, double *px, double *py) {
  *px = v->origin_x + v->scale * wx;
  *py = v->origin_y - v->scale * wy;
}

/* ---- built-in drawers ------------------------------------------------------- */

/* Gymnasium's CartPole picture: a 4.8-wide track, a 0.5 x 0.3 cart, a pole
** of length 1 (twice the half-length 0.5). */
static void draw_cartpole(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  pgr_view v = {c->w / 4.8, c->w / 2.0, c->h * 0.7};
  pgr_clear(c, PGR_BACKGROUND);
  pgr_fill_rect(c, 0, v.origin_y, c->w, c->h, PGR_GROUND);
  double x = obs[0], th = obs[2], px, py, qx, qy;
  pgr_to_px(&v, x, 0.0, &px, &py);
  pgr_fill_rect(c, px - 0.25 * v.scale, py - 0.3 * v.scale, px + 0.25 * v.scale, py, PGR_BODY);
  double ay = py - 0.2 * v.scale;
  pgr_to_px(&v, x + sin(th), 0.2 + cos(th), &qx, &qy);
  pgr_line(c, px, ay, qx, qy, fmax(2.0, 0.08 * v.scale), PGR_POLE);
  pgr_fill_circle(c, px, ay, fmax(1.5, 0.05 * v.scale), PGR_AXLE);
  /* the ±2.4 limits */
  pgr_fill_rect(c, v.origin_x - 2.4 * v.scale - 1, v.origin_y, v.origin_x - 2.4 * v.scale + 1,
                v.origin_y + 6, PGR_ACCENT);
  pgr_fill_rect(c, v.origin_x + 2.4 * v.scale - 1, v.origin_y, v.origin_x + 2.4 * v.scale + 1,
                v.origin_y + 6, PGR_ACCENT);
}

/* Two unit links hanging from the centre; the goal line at height 1. */
static void draw_acrobot(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  double s = fmin(c->w, c->h) / 4.6;
  pgr_view v = {s, c->w / 2.0, c->h / 2.0};
  pgr_clear(c, PGR_BACKGROUND);
  double gx0, gy, gx1, tmp;
  pgr_to_px(&v, -2.2, 1.0, &gx0, &gy);
  pgr_to_px(&v, 2.2, 1.0, &gx1, &tmp);
  pgr_fill_rect(c, gx0, gy - 1, gx1, gy + 1, PGR_TARGET);
  double t1 = atan2(obs[1], obs[0]), t2 = atan2(obs[3], obs[2]);
  double x1 = sin(t1), y1 = -cos(t1), x2 = x1 + sin(t1 + t2), y2 = y1 - cos(t1 + t2);
  double p0x, p0y, p1x, p1y, p2x, p2y;
  pgr_to_px(&v, 0, 0, &p0x, &p0y);
  pgr_to_px(&v, x1, y1, &p1x, &p1y);
  pgr_to_px(&v, x2, y2, &p2x, &p2y);
  pgr_line(c, p0x, p0y, p1x, p1y, 0.12 * s, PGR_POLE);
  pgr_line(c, p1x, p1y, p2x, p2y, 0.12 * s, PGR_BODY);
  pgr_fill_circle(c, p0x, p0y, 0.06 * s, PGR_AXLE);
  pgr_fill_circle(c, p1x, p1y, 0.06 * s, PGR_AXLE);
}

static double mountain_height(double x) { return sin(3 * x) * 0.45 + 0.55; }

static void draw_mountain_car(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  double s = c->w / 1.8;
  pgr_view v = {s, 1.2 * s, c->h - 0.05 * c->h};
  pgr_clear(c, PGR_BACKGROUND);
  double prevx = 0, prevy = 0;
  for (int i = 0; i <= 60; i++) {
    double wx = -1.2 + 1.8 * i / 60.0, px, py;
    pgr_to_px(&v, wx, mountain_height(wx) * 0.6, &px, &py);
    if (i) pgr_line(c, prevx, prevy, px, py, 2.0, PGR_TRACK);
    prevx = px;
    prevy = py;
  }
  double fx, fy;
  pgr_to_px(&v, 0.5, mountain_height(0.5) * 0.6, &fx, &fy);
  pgr_fill_rect(c, fx - 1, fy - 0.12 * s, fx + 1, fy, PGR_AXLE);
  pgr_fill_rect(c, fx + 1, fy - 0.12 * s, fx + 0.06 * s, fy - 0.08 * s, PGR_TARGET);
  double x = obs[0], ang = atan(0.6 * 1.35 * cos(3 * x)), cx, cy;
  pgr_to_px(&v, x, mountain_height(x) * 0.6, &cx, &cy);
  double hw = 0.05 * s, hh = 0.03 * s, ca = cos(ang), sa = sin(ang);
  double q[8];
  const double corners[4][2] = {{-hw, 0}, {hw, 0}, {hw, 2 * hh}, {-hw, 2 * hh}};
  for (int k = 0; k < 4; k++) {
    q[2 * k] = cx + corners[k][0] * ca - corners[k][1] * sa;
    q[2 * k + 1] = cy - (corners[k][0] * sa + corners[k][1] * ca) - 2;
  }
  pgr_fill_polygon(c, q, 4, PGR_BODY);
}

static void draw_pendulum(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  double s = fmin(c->w, c->h) / 2.6;
  pgr_view v = {s, c->w / 2.0, c->h / 2.0};
  pgr_clear(c, PGR_BACKGROUND);
  double th = atan2(obs[1], obs[0]), px, py, qx, qy;
  pgr_to_px(&v, 0, 0, &px, &py);
  pgr_to_px(&v, sin(th), cos(th), &qx, &qy);
  pgr_line(c, px, py, qx, qy, 0.2 * s, PGR_POLE);
  pgr_fill_circle(c, px, py, 0.07 * s, PGR_AXLE);
}

/* The 10 x 5 board as cells. */
static void draw_catch(pgr_canvas *c, const float *obs, int32_t n) {
  (void)n;
  pgr_clear(c, PGR_BACKGROUND);
  double cw = c->w / 5.0, ch = c->h / 10.0;
  for (int r = 0; r < 10; r++)
    for (int k = 0; k < 5; k++)
      if (obs[r * 5 + k] > 0.5f)
        pgr_fill_rect(c, k * cw + 1, r * ch + 1, (k + 1) * cw - 1, (r + 1) * ch - 1,
                      r == 9 ? PGR_BODY : PGR_TARGET);
}

pgr_draw_fn pgr_builtin_drawer(const char *env_name) {
  static const struct {
    const char *name;
    pgr_draw_fn fn;
  } table[] = {{"CartPole-v1", draw_cartpole},     {"CartPoleContinuous-v1", draw_cartpole},
               {"Acrobot-v1", draw_acrobot},       {"MountainCar-v0", draw_mountain_car},
               {"Pendulum-v1", draw_pendulum},     {"Catch", draw_catch}};
  if (!env_name) return NULL;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, env_name) == 0) return table[i].fn;
  return NULL;
}

/* ---- deflate (fixed Huffman codes, greedy LZ77) ----------------------------- */

uint32_t pgr_crc32(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

typedef struct bitbuf {
  uint8_t *p;
  size_t len, cap;
  uint32_t acc;
  int nbits;
  int oom;
} bitbuf;

static void bb_byte(bitbuf *b, uint8_t v) {
  if (b->len == b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 4096;
    uint8_t *q = realloc(b->p, cap);
    if (!q) {
      b->oom = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  b->p[b->len++] = v;
}

/* Writes the low n bits of v, least significant first (deflate's order). */
static void bb_bits(bitbuf *b, uint32_t v, int n) {
  b->acc |= v << b->nbits;
  b->nbits += n;
  while (b->nbits >= 8) {
    bb_byte(b, (uint8_t)b->acc);
    b->acc >>= 8;
    b->nbits -= 8;
  }
}

/* A Huffman code is sent most significant bit first. */
static void bb_code(bitbuf *b, uint32_t code, int n) {
  uint32_t r = 0;
  for (int i = 0; i < n; i++) r |= ((code >> i) & 1u) << (n - 1 - i);
  bb_bits(b, r, n);
}

static void put_literal(bitbuf *b, int v) {
  if (v < 144) bb_code(b, 0x30u + (uint32_t)v, 8);
  else if (v < 256) bb_code(b, 0x190u + (uint32_t)(v - 144), 9);
  else if (v < 280) bb_code(b, (uint32_t)(v - 256), 7);
  else bb_code(b, 0xC0u + (uint32_t)(v - 280), 8);
}

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
                                      15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,
                                       17,   25,   33,   49,   65,   97,    129,   193,
                                       257,  385,  513,  769,  1025, 1537,  2049,  3073,
                                       4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static void put_match(bitbuf *b, int length, int dist) {
  int i = 28;
  while (len_base[i] > length) i--;
  put_literal(b, 257 + i);
  bb_bits(b, (uint32_t)(length - len_base[i]), len_extra[i]);
  int d = 29;
  while (dist_base[d] > dist) d--;
  bb_code(b, (uint32_t)d, 5);
  bb_bits(b, (uint32_t)(dist - dist_base[d]), dist_extra[d]);
}

enum { HASH_BITS = 15, WINDOW = 32768, MAX_CHAIN = 24, MIN_MATCH = 3, MAX_MATCH = 258 };

static uint32_t hash3(const uint8_t *p) {
  return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

uint8_t *pgr_zlib_compress(const uint8_t *src, size_t n, size_t *out_len) {
  bitbuf b = {0};
  int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
  int32_t *prev = malloc(sizeof(int32_t) * WINDOW);
  if (!head || !prev) {
    free(head);
    free(prev);
    return NULL;
  }
  for (size_t i = 0; i < (size_t)1 << HASH_BITS; i++) head[i] = -1;
  bb_byte(&b, 0x78); /* deflate, 32 KiB window */
  bb_byte(&b, 0x01); /* no dictionary, fastest; (0x78 * 256 + 0x01) % 31 == 0 */
  bb_bits(&b, 1, 1); /* BFINAL */
  bb_bits(&b, 1, 2); /* BTYPE = fixed Huffman */
  size_t i = 0;
  while (i < n) {
    int best_len = 0, best_dist = 0;
    if (i + MIN_MATCH <= n) {
      uint32_t hv = hash3(src + i);
      int32_t cand = head[hv];
      size_t max_len = n - i < MAX_MATCH ? n - i : MAX_MATCH;
      for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
        size_t dist = i - (size_t)cand;
        if (dist > WINDOW - 1) break;
        size_t l = 0;
        while (l < max_len && src[cand + l] == src[i + l]) l++;
        if ((int)l > best_len) {
          best_len = (int)l;
          best_dist = (int)dist;
          if (l == max_len) break;
        }
        int32_t nx = prev[cand % WINDOW];
        if (nx >= cand) break;
        cand = nx;
      }
    }
    size_t adv = best_len >= MIN_MATCH ? (size_t)best_len : 1;
    if (best_len >= MIN_MATCH) put_match(&b, best_len, best_dist);
    else put_literal(&b, src[i]);
    for (size_t k = 0; k < adv; k++, i++) {
      if (i + MIN_MATCH <= n) {
        uint32_t hv = hash3(src + i);
        prev[i % WINDOW] = head[hv];
        head[hv] = (int32_t)i;
      }
    }
  }
  put_literal(&b, 256);
  if (b.nbits) bb_bits(&b, 0, 8 - b.nbits);
  uint32_t s1 = 1, s2 = 0; /* Adler-32 */
  for (size_t k = 0; k < n; k++) {
    s1 = (s1 + src[k]) % 65521u;
    s2 = (s2 + s1) % 65521u;
  }
  uint32_t ad = s2 << 16 | s1;
  for (int k = 3; k >= 0; k--) bb_byte(&b, (uint8_t)(ad >> (8 * k)));
  free(head);
  free(prev);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  *out_len = b.len;
  return b.p;
}

/* ---- PNG / APNG -------------------------------------------------------------- */

static const uint8_t palette[PGR_N_COLOURS][3] = {
    {245, 245, 240}, /* background */
    {120, 110, 95},  /* ground */
    {90, 90, 90},    /* track */
    {40, 80, 160},   /* body */
    {205, 120, 60},  /* pole */
    {30, 30, 30},    /* axle */
    {200, 40, 40},   /* accent */
    {60, 160, 70},   /* target */
    {20, 24, 40},    /* dark sky */
    {250, 180, 40},  /* flame */
    {150, 150, 170}, /* legs */
    {10, 10, 10},    /* text */
};

/* Scanlines with filter byte 0, compressed. */
static uint8_t *compress_canvas(const pgr_canvas *c, size_t *out_len) {
  size_t row = (size_t)c->w + 1, n = row * c->h;
  uint8_t *raw = malloc(n);
  if (!raw) return NULL;
  for (int y = 0; y < c->h; y++) {
    raw[y * row] = 0;
    memcpy(raw + y * row + 1, c->px + (size_t)y * c->w, (size_t)c->w);
  }
  uint8_t *z = pgr_zlib_compress(raw, n, out_len);
  free(raw);
  return z;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* type + data (+ a 4-byte prefix such as a sequence number) with its CRC. */
static int put_chunk(FILE *f, const char *type, const uint8_t *prefix, size_t prefix_len,
                     const uint8_t *data, size_t len) {
  uint8_t hdr[8];
  be32(hdr, (uint32_t)(prefix_len + len));
  memcpy(hdr + 4, type, 4);
  uint32_t crc = pgr_crc32(0, hdr + 4, 4);
  crc = pgr_crc32(crc, prefix, prefix_len);
  crc = pgr_crc32(crc, data, len);
  uint8_t tail[4];
  be32(tail, crc);
  if (fwrite(hdr, 1, 8, f) != 8) return -1;
  if (prefix_len && fwrite(prefix, 1, prefix_len, f) != prefix_len) return -1;
  if (len && fwrite(data, 1, len, f) != len) return -1;
  return fwrite(tail, 1, 4, f) == 4 ? 0 : -1;
}

static int put_header(FILE *f, int w, int h) {
  static const uint8_t sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
  uint8_t ihdr[13];
  be32(ihdr, (uint32_t)w);
  be32(ihdr + 4, (uint32_t)h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 3;  /* palette */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  if (fwrite(sig, 1, 8, f) != 8) return -1;
  if (put_chunk(f, "IHDR", NULL, 0, ihdr, 13)) return -1;
  return put_chunk(f, "PLTE", NULL, 0, &palette[0][0], sizeof palette);
}

static int close_file(FILE *f, int rc, const char *path, char *err, size_t err_len) {
  if (fclose(f) != 0) rc = -1;
  if (rc) return fail(err, err_len, "cannot write '%s'", path);
  return 0;
}

int pgr_write_png(const pgr_canvas *c, const char *path, char *err, size_t err_len) {
  if (!c || !c->px || !path) return fail(err, err_len, "pgr_write_png: NULL argument");
  size_t zlen = 0;
  uint8_t *z = compress_canvas(c, &zlen);
  if (!z) return fail(err, err_len, "pgr_write_png: out of memory");
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(z);
    return fail(err, err_len, "cannot create '%s'", path);
  }
  int rc = put_header(f, c->w, c->h);
  if (!rc) rc = put_chunk(f, "IDAT", NULL, 0, z, zlen);
  if (!rc) rc = put_chunk(f, "IEND", NULL, 0, NULL, 0);
  free(z);
  return close_file(f, rc, path, err, err_len);
}

void pgr_anim_init(pgr_anim *a, int delay_ms) {
  memset(a, 0, sizeof *a);
  a->delay_ms = delay_ms > 0 ? delay_ms : 50;
}

int pgr_anim_add(pgr_anim *a, const pgr_canvas *c, char *err, size_t err_len) {
  if (a->n_frames && (c->w != a->w || c->h != a->h))
    return fail(err, err_len, "frame %d is %d x %d, the animation %d x %d", a->n_frames, c->w,
                c->h, a->w, a->h);
  if (a->n_frames == a->cap) {
    int cap = a->cap ? 2 * a->cap : 64;
    uint8_t **d = realloc(a->data, sizeof *d * (size_t)cap);
    if (!d) return fail(err, err_len, "animation: out of memory");
    a->data = d;
    size_t *l = realloc(a->len, sizeof *l * (size_t)cap);
    if (!l) return fail(err, err_len, "animation: out of memory");
    a->len = l;
    a->cap = cap;
  }
  size_t zlen = 0;
  uint8_t *z = compress_canvas(c, &zlen);
  if (!z) return fail(err, err_len, "animation: out of memory");
  a->w = c->w;
  a->h = c->h;
  a->data[a->n_frames] = z;
  a->len[a->n_frames] = zlen;
  a->n_frames++;
  return 0;
}

int pgr_anim_write(const pgr_anim *a, const char *path, char *err, size_t err_len) {
  if (!a->n_frames) return fail(err, err_len, "animation '%s' has no frames", path);
  FILE *f = fopen(path, "wb");
  if (!f) return fail(err, err_len, "cannot create '%s'", path);
  int rc = put_header(f, a->w, a->h);
  uint8_t actl[8];
  be32(actl, (uint32_t)a->n_frames);
  be32(actl + 4, 0); /* loop forever */
  if (!rc) rc = put_chunk(f, "acTL", NULL, 0, actl, 8);
  uint32_t seq = 0;
  for (int i = 0; i < a->n_frames && !rc; i++) {
    uint8_t fctl[26];
    be32(fctl, seq++);
    be32(fctl + 4, (uint32_t)a->w);
    be32(fctl + 8, (uint32_t)a->h);
    be32(fctl + 12, 0);
    be32(fctl + 16, 0);
    fctl[20] = (uint8_t)(a->delay_ms >> 8);
    fctl[21] = (uint8_t)a->delay_ms; /* delay numerator (ms) */
    fctl[22] = 1000 >> 8;
    fctl[23] = 1000 & 0xff;          /* denominator */
    fctl[24] = 0;                    /* dispose: none */
    fctl[25] = 0;                    /* blend: source */
    rc = put_chunk(f, "fcTL", NULL, 0, fctl, 26);
    if (rc) break;
    if (i == 0) {
      rc = put_chunk(f, "IDAT", NULL, 0, a->data[0], a->len[0]);
    } else {
      uint8_t s[4];
      be32(s, seq++);
      rc = put_chunk(f, "fdAT", s, 4, a->data[i], a->len[i]);
    }
  }
  if (!rc) rc = put_chunk(f, "IEND", NULL, 0, NULL, 0);
  return close_file(f, rc, path, err, err_len);
}

void pgr_anim_free(pgr_anim *a) {
  for (int i = 0; i < a->n_frames; i++) free(a->data[i]);
  free(a->data);
  free(a->len);
  memset(a, 0, sizeof *a);
}

/* ---- recording ------------------------------------------------------------- */

typedef struct recorder {
  pgr_canvas frame, strip;
  pgr_anim anim;
  int kept, strip_used;
  const pgr_record_opts *o;
} recorder;

/* Step t's observation (last = the episode's final one): into the
** animation every frame_every steps and at the end, into the strip every
** strip_every steps. */
static int keep_frame(recorder *r, pgr_draw_fn draw, const float *obs, int32_t obs_size,
                      uint64_t t, int last, char *err, size_t err_len) {
  const pgr_record_opts *o = r->o;
  int to_anim = o->apng_path && r->kept < o->max_frames &&
                (last || t % (uint64_t)o->frame_every == 0);
  int to_strip = r->strip.px && r->strip_used < o->strip_frames &&
                 t % (uint64_t)o->strip_every == 0;
  if (!to_anim && !to_strip) return 0;
  draw(&r->frame, obs, obs_size);
  if (to_anim) {
    if (pgr_anim_add(&r->anim, &r->frame, err, err_len)) return -1;
    r->kept++;
  }
  if (to_strip) {
    int slot = r->strip_used++;
    for (int y = 0; y < r->frame.h; y++)
      memcpy(r->strip.px + (size_t)y * r->strip.w + (size_t)slot * (size_t)(r->frame.w + 2),
             r->frame.px + (size_t)y * r->frame.w, (size_t)r->frame.w);
  }
  return 0;
}

int pgr_record_episode(pg_env *env, pgr_act_fn act, void *act_user, pgr_draw_fn draw,
                       const pgr_record_opts *o, double *out_return, uint64_t *out_steps,
                       int *out_frames, char *err, size_t err_len) {
  if (!env || !act || !draw || !o) return fail(err, err_len, "pgr_record_episode: NULL argument");
  if (o->frame_every < 1 || o->max_frames < 1 || o->strip_frames < 0 ||
      (o->strip_frames > 0 && o->strip_every < 1))
    return fail(err, err_len,
                "pgr_record_episode: frame_every, max_frames (and strip_every with a strip) "
                "must be >= 1");
  int32_t obs_size = 0, n = 0;
  pg_action_kind kind;
  if (pg_env_get_observation_size(env, &obs_size) != PG_OK ||
      pg_env_get_action_space(env, &kind, &n) != PG_OK)
    return fail(err, err_len, "pgr_record_episode: cannot read the environment's spaces");
  size_t act_len = kind == PG_ACTION_DISCRETE ? 1 : (size_t)n;
  float *obs = malloc(sizeof(float) * (size_t)obs_size);
  float *action = malloc(sizeof(float) * act_len);
  recorder r = {.o = o};
  pgr_anim_init(&r.anim, o->delay_ms);
  int rc = -1;
  if (!obs || !action) {
    fail(err, err_len, "pgr_record_episode: out of memory");
    goto done;
  }
  if (pgr_canvas_init(&r.frame, o->width, o->height, err, err_len)) goto done;
  if (o->strip_path && o->strip_frames > 0 &&
      pgr_canvas_init(&r.strip, (o->width + 2) * o->strip_frames - 2, o->height, err, err_len))
    goto done;
  if (r.strip.px) pgr_clear(&r.strip, PGR_TEXT); /* 2-pixel separators */
  pg_status st = pg_env_reset(env, obs, (size_t)obs_size);
  if (st != PG_OK) {
    fail(err, err_len, "pg_env_reset: %s", pg_status_string(st));
    goto done;
  }
  if (keep_frame(&r, draw, obs, obs_size, 0, 0, err, err_len)) goto done;
  double ret = 0;
  uint64_t t = 0;
  for (;;) {
    if (act(act_user, obs, action)) {
      fail(err, err_len, "the policy failed at step %llu", (unsigned long long)t);
      goto done;
    }
    float reward = 0;
    int32_t te = 0, tr = 0;
    st = pg_env_step(env, action, act_len, obs, (size_t)obs_size, &reward, &te, &tr);
    if (st != PG_OK) {
      fail(err, err_len, "pg_env_step at step %llu: %s", (unsigned long long)t,
           pg_status_string(st));
      goto done;
    }
    ret += reward;
    t++;
    if (keep_frame(&r, draw, obs, obs_size, t, te || tr, err, err_len)) goto done;
    if (te || tr) break;
  }
  if (o->apng_path && pgr_anim_write(&r.anim, o->apng_path, err, err_len)) goto done;
  if (r.strip.px && pgr_write_png(&r.strip, o->strip_path, err, err_len)) goto done;
  if (out_return) *out_return = ret;
  if (out_steps) *out_steps = t;
  if (out_frames) *out_frames = r.kept;
  rc = 0;
done:
  pgr_anim_free(&r.anim);
  pgr_canvas_free(&r.frame);
  pgr_canvas_free(&r.strip);
  free(obs);
  free(action);
  return rc;
}
