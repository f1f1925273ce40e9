/* examples/render.c: a short episode of a built-in task rendered as an
** animated PNG and as a strip, checked chunk by chunk in C (signature,
** order, every CRC, IHDR size and format, acTL frame count, fcTL/fdAT
** sequence numbers, frames that differ); the zlib streams are checked for
** their header and Adler-32 trailer here and fully inflated by
** tests/check_render.py in the play_render test. Also: the deflate
** encoder's stream on known inputs, clipping, and error messages. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct png_info {
  uint32_t w, h;
  int n_frames_actl, n_fctl, n_data; /* acTL count, fcTL chunks, IDAT+fdAT chunks */
  int n_idat;
  uint8_t *frame[64]; /* each frame's zlib stream (one chunk per frame here) */
  size_t frame_len[64];
} png_info;

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *p = malloc((size_t)n);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return p;
}

/* Walks the chunks, checking what the format requires. */
static void parse_png(const uint8_t *p, size_t n, png_info *info) {
  static const uint8_t sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
  memset(info, 0, sizeof *info);
  ck_assert_uint_ge(n, 8);
  ck_assert_mem_eq(p, sig, 8);
  size_t pos = 8;
  uint32_t seq = 0;
  int first = 1, ended = 0;
  while (pos < n) {
    ck_assert(!ended);
    ck_assert_uint_ge(n - pos, 12);
    uint32_t len = rd32(p + pos);
    ck_assert_uint_ge(n - pos - 12, len);
    const uint8_t *type = p + pos + 4, *body = p + pos + 8;
    ck_assert_uint_eq(pgr_crc32(0, type, 4 + (size_t)len), rd32(body + len));
    if (first) ck_assert_mem_eq(type, "IHDR", 4);
    first = 0;
    if (!memcmp(type, "IHDR", 4)) {
      ck_assert_uint_eq(len, 13);
      info->w = rd32(body);
      info->h = rd32(body + 4);
      ck_assert_int_eq(body[8], 8); /* depth */
      ck_assert_int_eq(body[9], 3); /* palette */
    } else if (!memcmp(type, "PLTE", 4)) {
      ck_assert_uint_eq(len, 3 * PGR_N_COLOURS);
    } else if (!memcmp(type, "acTL", 4)) {
      info->n_frames_actl = (int)rd32(body);
    } else if (!memcmp(type, "fcTL", 4)) {
      ck_assert_uint_eq(rd32(body), seq++);
      ck_assert_uint_eq(rd32(body + 4), info->w);
      ck_assert_uint_eq(rd32(body + 8), info->h);
      info->n_fctl++;
    } else if (!memcmp(type, "IDAT", 4) || !memcmp(type, "fdAT", 4)) {
      size_t skip = 0;
      if (!memcmp(type, "fdAT", 4)) {
        ck_assert_uint_eq(rd32(body), seq++);
        skip = 4;
      } else {
        info->n_idat++;
      }
      ck_assert_int_lt(info->n_data, 64);
      info->frame[info->n_data] = (uint8_t *)(uintptr_t)(body + skip);
      info->frame_len[info->n_data] = len - skip;
      info->n_data++;
    } else if (!memcmp(type, "IEND", 4)) {
      ck_assert_uint_eq(len, 0);
      ended = 1;
    }
    pos += 12 + (size_t)len;
  }
  ck_assert(ended);
}

/* zlib header (deflate, window 32K, check bits) and the fixed-Huffman final
** block bits. */
static void check_zlib_header(const uint8_t *z, size_t n) {
  ck_assert_uint_ge(n, 7);
  ck_assert_int_eq(z[0] & 0x0f, 8);
  ck_assert_int_eq((z[0] * 256 + z[1]) % 31, 0);
  ck_assert_int_eq(z[2] & 7, 3); /* BFINAL = 1, BTYPE = 01 */
}

static uint32_t adler32(const uint8_t *p, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) {
    a = (a + p[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  return b << 16 | a;
}

/* Balance CartPole by the pole's angle and angular velocity. */
static int balance(void *user, const float *obs, float *action) {
  int *calls = user;
  (*calls)++;
  action[0] = obs[2] + 0.5f * obs[3] > 0 ? 1.0f : 0.0f;
  return 0;
}

static void tmp_path(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "/tmp/pg_check_render_%ld_%s", (long)getpid(), name);
}

START_TEST(test_episode_apng_and_strip) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  ck_assert_int_eq(pg_env_set_max_episode_steps(env, 30), PG_OK);
  char apng[256], strip[256], err[256] = "";
  tmp_path(apng, sizeof apng, "episode.png");
  tmp_path(strip, sizeof strip, "strip.png");
  pgr_record_opts o = {.width = 120, .height = 80, .frame_every = 3, .max_frames = 50,
                       .delay_ms = 40, .strip_frames = 4, .strip_every = 5,
                       .apng_path = apng, .strip_path = strip};
  int calls = 0, frames = 0;
  double ret = 0;
  uint64_t steps = 0;
  pgr_draw_fn draw = pgr_builtin_drawer("CartPole-v1");
  ck_assert_ptr_nonnull(draw);
  ck_assert_int_eq(pgr_record_episode(env, balance, &calls, draw, &o, &ret, &steps, &frames,
                                      err, sizeof err), 0);
  ck_assert_uint_eq(steps, 30); /* balanced to the cap */
  ck_assert(ret == 30.0);
  ck_assert_int_eq(calls, 30);
  ck_assert_int_eq(frames, 11); /* steps 0, 3, ..., 30 */
  size_t n = 0;
  uint8_t *file = read_file(apng, &n);
  png_info info;
  parse_png(file, n, &info);
  ck_assert_uint_eq(info.w, 120);
  ck_assert_uint_eq(info.h, 80);
  ck_assert_int_eq(info.n_frames_actl, frames);
  ck_assert_int_eq(info.n_fctl, frames);
  ck_assert_int_eq(info.n_data, frames);
  ck_assert_int_eq(info.n_idat, 1);
  /* The encoder is deterministic, so equal streams mean equal pixels: the
  ** cart and pole move, so most consecutive frames differ. */
  int differ = 0;
  for (int i = 0; i < info.n_data; i++) {
    check_zlib_header(info.frame[i], info.frame_len[i]);
    if (i && (info.frame_len[i] != info.frame_len[i - 1] ||
              memcmp(info.frame[i], info.frame[i - 1], info.frame_len[i])))
      differ++;
  }
  ck_assert_int_ge(differ, frames / 2);
  free(file);
  file = read_file(strip, &n);
  parse_png(file, n, &info);
  ck_assert_uint_eq(info.w, 4 * 122 - 2);
  ck_assert_uint_eq(info.h, 80);
  ck_assert_int_eq(info.n_frames_actl, 0); /* a still PNG */
  ck_assert_int_eq(info.n_idat, 1);
  free(file);
  remove(apng);
  remove(strip);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* Each built-in with a drawer paints more than one colour and something
** different after a few steps. */
START_TEST(test_builtin_drawers) {
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  ck_assert_ptr_null(pgr_builtin_drawer("ShortCorridor"));
  ck_assert_ptr_null(pgr_builtin_drawer(NULL));
  int drawn = 0;
  for (int i = 0; pg_env_builtin_name(i); i++) {
    const char *name = pg_env_builtin_name(i);
    pgr_draw_fn draw = pgr_builtin_drawer(name);
    if (!draw) continue;
    pg_env *env = NULL;
    ck_assert_int_eq(pg_env_create_builtin(ctx, name, 5, &env), PG_OK);
    int32_t obs_size, an;
    pg_action_kind kind;
    pg_env_get_observation_size(env, &obs_size);
    pg_env_get_action_space(env, &kind, &an);
    float obs[64], act[4] = {0, 0, 0, 0}, r;
    int32_t te, tr;
    ck_assert_int_eq(pg_env_reset(env, obs, (size_t)obs_size), PG_OK);
    pgr_canvas a, b;
    ck_assert_int_eq(pgr_canvas_init(&a, 64, 48, NULL, 0), 0);
    ck_assert_int_eq(pgr_canvas_init(&b, 64, 48, NULL, 0), 0);
    draw(&a, obs, obs_size);
    int colours[PGR_N_COLOURS] = {0}, used = 0;
    for (int k = 0; k < 64 * 48; k++) {
      ck_assert_int_lt(a.px[k], PGR_N_COLOURS);
      if (!colours[a.px[k]]++) used++;
    }
    ck_assert_msg(used >= 2, "%s: one colour only", name);
    act[0] = kind == PG_ACTION_DISCRETE ? (float)(an - 1) : 1.0f;
    for (int t = 0; t < 8; t++)
      ck_assert_int_eq(pg_env_step(env, act, kind == PG_ACTION_DISCRETE ? 1 : (size_t)an, obs,
                                   (size_t)obs_size, &r, &te, &tr), PG_OK);
    draw(&b, obs, obs_size);
    ck_assert_msg(memcmp(a.px, b.px, 64 * 48) != 0, "%s: the frame did not change", name);
    pgr_canvas_free(&a);
    pgr_canvas_free(&b);
    pg_env_destroy(env);
    drawn++;
  }
  ck_assert_int_eq(drawn, 6);
  pg_ctx_destroy(ctx);
}
END_TEST

/* The zlib stream of known inputs: header, final fixed block, Adler-32. */
START_TEST(test_deflate_stream) {
  static uint8_t big[100000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i % 7 == 0 ? i / 7 : 3);
  const struct {
    const uint8_t *p;
    size_t n;
  } cases[] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"a", 1},
               {(const uint8_t *)"abcabcabcabcabcabc", 18}, {big, sizeof big}};
  for (size_t c = 0; c < 4; c++) {
    size_t n = 0;
    uint8_t *z = pgr_zlib_compress(cases[c].p, cases[c].n, &n);
    ck_assert_ptr_nonnull(z);
    check_zlib_header(z, n);
    ck_assert_uint_eq(rd32(z + n - 4), adler32(cases[c].p, cases[c].n));
    if (c == 3) ck_assert_uint_lt(n, sizeof big / 2); /* repeats are matched */
    free(z);
  }
  /* CRC-32 of "IEND" as every PNG ends with it. */
  ck_assert_uint_eq(pgr_crc32(0, (const uint8_t *)"IEND", 4), 0xAE426082u);
}
END_TEST

START_TEST(test_clipping_and_errors) {
  pgr_canvas c;
  char err[200] = "";
  ck_assert_int_ne(pgr_canvas_init(&c, 0, 10, err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "canvas size"));
  ck_assert_int_eq(pgr_canvas_init(&c, 16, 8, err, sizeof err), 0);
  pgr_clear(&c, PGR_BACKGROUND);
  pgr_fill_rect(&c, -100, -100, 1e9, 1e9, PGR_BODY);   /* clipped */
  pgr_fill_circle(&c, 8, 4, 1000, PGR_POLE);
  pgr_line(&c, NAN, 0, 5, INFINITY, 3, PGR_AXLE);        /* no crash */
  double tri[6] = {-50, -50, 100, 4, -50, 60};
  pgr_fill_polygon(&c, tri, 3, PGR_TARGET);
  for (int i = 0; i < 16 * 8; i++) ck_assert_int_lt(c.px[i], PGR_N_COLOURS);
  ck_assert_int_ne(pgr_write_png(&c, "/nonexistent-dir/x.png", err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.png"));
  pgr_anim a;
  pgr_anim_init(&a, 30);
  ck_assert_int_ne(pgr_anim_write(&a, "/tmp/unused.png", err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "no frames"));
  ck_assert_int_eq(pgr_anim_add(&a, &c, err, sizeof err), 0);
  pgr_canvas d;
  ck_assert_int_eq(pgr_canvas_init(&d, 8, 8, err, sizeof err), 0);
  ck_assert_int_ne(pgr_anim_add(&a, &d, err, sizeof err), 0); /* another size */
  ck_assert_ptr_nonnull(strstr(err, "8 x 8"));
  pgr_anim_free(&a);
  pgr_canvas_free(&c);
  pgr_canvas_free(&d);
  pgr_record_opts o = {.width = 10, .height = 10, .frame_every = 0, .max_frames = 1};
  ck_assert_int_ne(pgr_record_episode(NULL, balance, NULL, NULL, &o, NULL, NULL, NULL, err,
                                      sizeof err), 0);
  pg_ctx *ctx = pg_test_ctx(&(pg_test_alloc){0});
  pg_env *env = NULL;
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 3, &env), PG_OK);
  ck_assert_int_ne(pgr_record_episode(env, balance, &(int){0}, pgr_builtin_drawer("CartPole-v1"),
                                      &o, NULL, NULL, NULL, err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "frame_every"));
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("render");
  TCase *tc = tcase_create("render");
  tcase_add_test(tc, test_episode_apng_and_strip);
  tcase_add_test(tc, test_builtin_drawers);
  tcase_add_test(tc, test_deflate_stream);
  tcase_add_test(tc, test_clipping_and_errors);
  suite_add_tcase(s, tc);
  return pg_test_run_suite(s);
}
