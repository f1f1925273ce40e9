/* The text primitives of the C source export (pg__csrc, lib/nn/pg_nn.h):
** formatted and "$p"-substituted text, exact hexadecimal literals, weight
** arrays and activation calls. The layer kinds' emitters (dense.c,
** log_std.c) and the export's frame (export.c) write through them; this
** file depends on nothing but the writer. */
#include "nn/pg_nn.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


void pg__csrc_printf(pg__csrc *s, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) pg__w_bytes(s->w, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void pg__csrc_text(pg__csrc *s, const char *text) {
  const char *run = text;
  for (const char *c = text; *c; c++) {
    if (c[0] != '$' || (c[1] != 'p' && c[1] != 'P')) continue;
    pg__w_bytes(s->w, run, (size_t)(c - run));
    const char *name = c[1] == 'p' ? s->prefix : s->upper;
    pg__w_bytes(s->w, name, strlen(name));
    run = c + 2;
    c++;
  }
  pg__w_bytes(s->w, run, strlen(run));
}

/* printf's %a is not the same on every C library. */
void pg__csrc_hex_double(double v, char *out, size_t size) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  const char *sign = bits >> 63 ? "-" : "";
  int exp = (int)((bits >> 52) & 0x7ff);
  uint64_t mant = bits & 0xfffffffffffffull;
  if (exp == 0 && mant == 0) {
    snprintf(out, size, "%s0x0p+0", sign);
    return;
  }
  if (exp == 0) { /* subnormal: normalise */
    exp = 1;
    while (!(mant & (1ull << 52))) {
      mant <<= 1;
      exp--;
    }
    mant &= 0xfffffffffffffull;
  }
  char digits[14];
  int nd = 13;
  for (int i = 0; i < 13; i++) digits[i] = "0123456789abcdef"[(mant >> (48 - 4 * i)) & 0xf];
  while (nd > 0 && digits[nd - 1] == '0') nd--;
  digits[nd] = '\0';
  snprintf(out, size, "%s0x1%s%sp%+d", sign, nd ? "." : "", digits, exp - 1023);
}

void pg__csrc_floats(pg__csrc *s, const char *name, const float *v, size_t n) {
  pg__csrc_printf(s, "static const float %s_%s[%zu] = {", s->prefix, name, n ? n : 1);
  char lit[40];
  for (size_t i = 0; i < n; i++) {
    pg__csrc_hex_double((double)v[i], lit, sizeof lit);
    pg__csrc_printf(s, "%s%sf%s", i % 6 ? " " : "\n  ", lit, i + 1 < n ? "," : "");
  }
  if (!n) pg__csrc_printf(s, " 0.0f");
  pg__csrc_printf(s, "\n};\n");
}

void pg__csrc_int8_columns(pg__csrc *s, const char *name, const float *m, size_t rows,
                           size_t cols) {
  pg__csrc_printf(s, "static const signed char %s_%s_q[%zu] = {", s->prefix, name,
                  rows * cols > 0 ? rows * cols : 1);
  for (size_t i = 0; i < rows * cols; i++) {
    size_t c = i % cols;
    float mx = 0.0f;
    for (size_t r = 0; r < rows; r++) mx = fmaxf(mx, fabsf(m[r * cols + c]));
    long q = mx > 0.0f ? lrintf(m[i] / (mx / 127.0f)) : 0;
    q = q > 127 ? 127 : q < -127 ? -127 : q;
    pg__csrc_printf(s, "%s%ld%s", i % 16 ? " " : "\n  ", q, i + 1 < rows * cols ? "," : "");
  }
  pg__csrc_printf(s, "\n};\n");
  char lit[40];
  pg__csrc_printf(s, "static const float %s_%s_s[%zu] = {", s->prefix, name, cols ? cols : 1);
  for (size_t c = 0; c < cols; c++) {
    float mx = 0.0f;
    for (size_t r = 0; r < rows; r++) mx = fmaxf(mx, fabsf(m[r * cols + c]));
    pg__csrc_hex_double((double)(mx / 127.0f), lit, sizeof lit);
    pg__csrc_printf(s, "%s%sf%s", c % 6 ? " " : "\n  ", lit, c + 1 < cols ? "," : "");
  }
  pg__csrc_printf(s, "\n};\n");
}

void pg__csrc_activation(pg__csrc *s, pg_activation act, const char *y, size_t n) {
  const char *fn = act == PG_ACTIVATION_RELU      ? "relu"
                   : act == PG_ACTIVATION_TANH    ? "tanh"
                   : act == PG_ACTIVATION_SIGMOID ? "sigmoid"
                                                  : NULL;
  s->uses |= act == PG_ACTIVATION_RELU      ? PG__CSRC_USES_RELU
             : act == PG_ACTIVATION_TANH    ? PG__CSRC_USES_TANH
             : act == PG_ACTIVATION_SIGMOID ? PG__CSRC_USES_SIGMOID
                                            : 0u;
  if (fn) pg__csrc_printf(s, "  %s_%s_inplace(%s, %zu);\n", s->prefix, fn, y, n);
}
