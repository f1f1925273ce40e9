/* Dense kernels: a cache-blocked GEMM written for the auto-vectorizer.
**
** B is packed into panels of KC x NR (zero-padded), and a micro-kernel keeps
** an MR x NR block of C in local arrays that the compiler maps onto vector
** registers; its inner loop over NR contiguous floats is what vectorizes.
** On x86-64 Linux the same source is compiled for AVX-512, FMA (AVX) and
** the baseline (target_clones, picked at load time), with an 8-row kernel
** when AVX-512's 32 registers are there; fp-contract lets GCC fuse the
** multiply-adds. Check with -fopt-info-vec. */
#include "nn/pg_nn.h"

#include <stdbool.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

/* Function clones resolve through ifuncs, which run before ThreadSanitizer
** is initialised: TSan builds use the baseline code only. */
#if defined(__SANITIZE_THREAD__)
#define PG_NO_CLONES
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PG_NO_CLONES
#endif
#endif

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && \
    !defined(PG_NO_CLONES)
#define PG__X86_DISPATCH 1
#define PG__CLONES __attribute__((target_clones("avx512f", "fma", "default")))
#define PG__AVX512 __attribute__((target("avx512f")))
#else
#define PG__CLONES
#endif

#define NR PG__GEMM_NR
#define KC PG__GEMM_KC

/* C[0..mr) rows += A-rows · panel; only the first nr columns are stored.
** Inlined into wrappers with a constant mr, so acc maps onto registers. */
static inline __attribute__((always_inline)) void
kern_body(size_t mr, size_t kc, const float *restrict a, size_t a_rs,
          size_t a_cs, const float *restrict bp, float *restrict c, size_t ldc,
          size_t nr) {
  float acc[8][NR] = {{0}};
  for (size_t k = 0; k < kc; k++) {
    const float *restrict b = bp + k * NR;
    for (size_t r = 0; r < mr; r++) {
      const float x = a[r * a_rs + k * a_cs];
      for (size_t j = 0; j < NR; j++) acc[r][j] += x * b[j];
    }
  }
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) c[r * ldc + j] += acc[r][j];
}

/* Four rows: enough accumulators for 4- and 8-wide vectors without
** spilling. */
PG__CLONES
static void kern_4(size_t kc, const float *restrict a, size_t a_rs,
                   size_t a_cs, const float *restrict bp, float *restrict c,
                   size_t ldc, size_t nr) {
  kern_body(4, kc, a, a_rs, a_cs, bp, c, ldc, nr);
}

#ifdef PG__X86_DISPATCH
/* Three rows for AVX2/FMA's 16 vector registers: 12 accumulators, the
** broadcast of A and a load of B fit; four rows (16 accumulators) spill.
** Each element of C is summed over k in the same order (one fused
** multiply-add per k) whatever the number of rows: the blocking does not
** change the result. */
__attribute__((target("fma")))
static void kern_3(size_t kc, const float *restrict a, size_t a_rs,
                   size_t a_cs, const float *restrict bp, float *restrict c,
                   size_t ldc, size_t nr) {
  kern_body(3, kc, a, a_rs, a_cs, bp, c, ldc, nr);
}

/* The remaining two rows, or one, of the 4-row blocks on FMA machines. */
__attribute__((target("fma")))
static void kern_2(size_t kc, const float *restrict a, size_t a_rs,
                   size_t a_cs, const float *restrict bp, float *restrict c,
                   size_t ldc, size_t nr) {
  kern_body(2, kc, a, a_rs, a_cs, bp, c, ldc, nr);
}

__attribute__((target("fma")))
static void kern_1(size_t kc, const float *restrict a, size_t a_rs,
                   size_t a_cs, const float *restrict bp, float *restrict c,
                   size_t ldc, size_t nr) {
  kern_body(1, kc, a, a_rs, a_cs, bp, c, ldc, nr);
}

/* Eight rows for AVX-512's 32 vector registers. */
PG__AVX512
static void kern_8(size_t kc, const float *restrict a, size_t a_rs,
                   size_t a_cs, const float *restrict bp, float *restrict c,
                   size_t ldc, size_t nr) {
  kern_body(8, kc, a, a_rs, a_cs, bp, c, ldc, nr);
}
#endif

/* One row (a matrix-vector product): c += a·B streaming B row by row,
** four rows of B per pass over c. */
PG__CLONES
static void gemv_row(size_t N, size_t K, const float *restrict a, size_t a_cs,
                     const float *restrict B, size_t ldb, float *restrict c) {
  size_t k = 0;
  for (; k + 4 <= K; k += 4) {
    const float x0 = a[k * a_cs], x1 = a[(k + 1) * a_cs];
    const float x2 = a[(k + 2) * a_cs], x3 = a[(k + 3) * a_cs];
    const float *restrict b0 = B + k * ldb, *restrict b1 = b0 + ldb;
    const float *restrict b2 = b1 + ldb, *restrict b3 = b2 + ldb;
    for (size_t j = 0; j < N; j++)
      c[j] += (x0 * b0[j] + x1 * b1[j]) + (x2 * b2[j] + x3 * b3[j]);
  }
  for (; k < K; k++) {
    const float x = a[k * a_cs];
    const float *restrict b = B + k * ldb;
    for (size_t j = 0; j < N; j++) c[j] += x * b[j];
  }
}

/* y[0..4) += four rows of M (stride ld) · x, with 16 lanes per row so the
** sums vectorize without reassociation. */
PG__CLONES
static void gemv4(size_t cols, const float *restrict m, size_t ld,
                  const float *restrict x, float *restrict y) {
  float acc[4][16] = {{0}};
  size_t c = 0;
  for (; c + 16 <= cols; c += 16)
    for (size_t r = 0; r < 4; r++)
      for (size_t l = 0; l < 16; l++) acc[r][l] += m[r * ld + c + l] * x[c + l];
  for (size_t r = 0; r < 4; r++) {
    float s = 0.0f;
    for (size_t l = 0; l < 16; l++) s += acc[r][l];
    for (size_t k = c; k < cols; k++) s += m[r * ld + k] * x[k];
    y[r] += s;
  }
}

/* ---- skinny products (N <= PG__SKINNY_N: policy/value heads) ------------
** Padding N up to the NR-wide panel would multiply the work by NR/N, and the
** packing alone costs a pass over B. Two layouts are covered; others fall
** back to the panel GEMM. */
#define PG__SKINNY_N 8

/* Rows of A contiguous (a_cs = 1): c[i][j] += dot(A row i, bt row j), with
** bt = B transposed (N x K); 16 lanes per dot so the sums vectorize. */
PG__CLONES
static void skinny_dot(size_t M, size_t N, size_t K, const float *restrict A,
                       size_t a_rs, const float *restrict bt,
                       float *restrict C, size_t ldc) {
  for (size_t i = 0; i < M; i++) {
    const float *restrict a = A + i * a_rs;
    for (size_t j = 0; j < N; j++) {
      const float *restrict b = bt + j * K;
      float acc[16] = {0};
      size_t k = 0;
      for (; k + 16 <= K; k += 16)
        for (size_t l = 0; l < 16; l++) acc[l] += a[k + l] * b[k + l];
      float s = 0.0f;
      for (size_t l = 0; l < 16; l++) s += acc[l];
      for (; k < K; k++) s += a[k] * b[k];
      C[i * ldc + j] += s;
    }
  }
}

/* Columns of A contiguous (a_rs = 1, e.g. x transposed in a weight
** gradient): ct[j][0..M) += B[k][j] * A column k, then C += ct transposed. */
PG__CLONES
static void skinny_axpy(size_t M, size_t N, size_t K, const float *restrict A,
                        size_t a_cs, const float *restrict B, size_t ldb,
                        float *restrict C, size_t ldc, float *restrict ct) {
  for (size_t x = 0; x < N * M; x++) ct[x] = 0.0f;
  for (size_t k = 0; k < K; k++) {
    const float *restrict a = A + k * a_cs;
    for (size_t j = 0; j < N; j++) {
      const float y = B[k * ldb + j];
      float *restrict c = ct + j * M;
      for (size_t m = 0; m < M; m++) c[m] += y * a[m];
    }
  }
  for (size_t m = 0; m < M; m++)
    for (size_t j = 0; j < N; j++) C[m * ldc + j] += ct[j * M + m];
}

/* True when done. */
static bool gemm_skinny(size_t M, size_t N, size_t K, const float *A,
                        size_t a_rs, size_t a_cs, const float *B, size_t ldb,
                        float *C, size_t ldc, float *pack) {
  if (N > PG__SKINNY_N || M < 4) return false;
  if (a_cs == 1 && N * K <= PG__GEMM_PACK) {
    for (size_t j = 0; j < N; j++)
      for (size_t k = 0; k < K; k++) pack[j * K + k] = B[k * ldb + j];
    skinny_dot(M, N, K, A, a_rs, pack, C, ldc);
    return true;
  }
  if (a_rs == 1 && N * M <= PG__GEMM_PACK) {
    skinny_axpy(M, N, K, A, a_cs, B, ldb, C, ldc, pack);
    return true;
  }
  return false;
}

static void pack_panel(const float *B, size_t ldb, size_t kc, size_t nr,
                       float *pack) {
  for (size_t k = 0; k < kc; k++) {
    float *p = pack + k * NR;
    memcpy(p, B + k * ldb, nr * sizeof *p);
    for (size_t j = nr; j < NR; j++) p[j] = 0.0f;
  }
}

void pg__gemm(size_t M, size_t N, size_t K, const float *A, size_t a_rs,
              size_t a_cs, const float *B, size_t ldb, float *C, size_t ldc,
              float *pack) {
#ifdef PG__X86_DISPATCH
  __builtin_cpu_init();
  const size_t mr = __builtin_cpu_supports("avx512f") ? 8
                    : __builtin_cpu_supports("fma") ? 3 : 4;
#endif
  if (gemm_skinny(M, N, K, A, a_rs, a_cs, B, ldb, C, ldc, pack)) return;
  if (M < 4) { /* packing would cost as much as the product */
    for (size_t i = 0; i < M; i++) gemv_row(N, K, A + i * a_rs, a_cs, B, ldb, C + i * ldc);
    return;
  }
  for (size_t j0 = 0; j0 < N; j0 += NR) {
    size_t nr = N - j0 < NR ? N - j0 : NR;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
      size_t kc = K - k0 < KC ? K - k0 : KC;
      pack_panel(B + k0 * ldb + j0, ldb, kc, nr, pack);
      const float *a = A + k0 * a_cs;
      float *c = C + j0;
      size_t i = 0;
#ifdef PG__X86_DISPATCH
      if (mr == 8)
        for (; i + 8 <= M; i += 8)
          kern_8(kc, a + i * a_rs, a_rs, a_cs, pack, c + i * ldc, ldc, nr);
      if (mr == 3) { /* the rows the 4-row kernel would take, 3 at a time */
        const size_t m4 = M - M % 4;
        for (; i + 3 <= m4; i += 3)
          kern_3(kc, a + i * a_rs, a_rs, a_cs, pack, c + i * ldc, ldc, nr);
        if (i + 2 <= m4) {
          kern_2(kc, a + i * a_rs, a_rs, a_cs, pack, c + i * ldc, ldc, nr);
          i += 2;
        }
        if (i < m4) kern_1(kc, a + i * a_rs, a_rs, a_cs, pack, c + i * ldc, ldc, nr), i++;
      }
#endif
      for (; i + 4 <= M; i += 4)
        kern_4(kc, a + i * a_rs, a_rs, a_cs, pack, c + i * ldc, ldc, nr);
      for (; i < M; i++) gemv_row(nr, kc, a + i * a_rs, a_cs, pack, NR, c + i * ldc);
    }
  }
}

void pg__gemv_rows(size_t rows, size_t cols, const float *Mx, const float *x,
                   float *y) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) gemv4(cols, Mx + r * cols, cols, x, y + r);
  for (; r < rows; r++) {
    float s = 0.0f;
    for (size_t c = 0; c < cols; c++) s += Mx[r * cols + c] * x[c];
    y[r] += s;
  }
}

void pg__transpose(const float *src, size_t rows, size_t cols, float *dst) {
  enum { T = 32 };
  for (size_t r0 = 0; r0 < rows; r0 += T)
    for (size_t c0 = 0; c0 < cols; c0 += T) {
      size_t r1 = r0 + T < rows ? r0 + T : rows;
      size_t c1 = c0 + T < cols ? c0 + T : cols;
      for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
    }
}

/* ---- the packed GEMM of the conv layers ----------------------------------
** Both operands are packed (BLIS order: B in KC x NC blocks of NR-wide
** panels, A in MC x KC blocks of MR-tall panels), so any strides cost one
** pass each and the micro-kernel reads two contiguous streams. The
** micro-kernel is 6 x 16: on x86-64 with AVX2 and FMA (picked at run time,
** also on AVX-512 machines) twelve 8-wide accumulators in intrinsics, else
** the same loops in plain C. Each C element is summed in the same order
** (K in KC blocks, each from zero, added to C) whatever M, N and the
** position of the element: a row's result does not depend on the batch. */
#define PK_MR PG__GEMM_PACKED_MR
#define PK_NR PG__GEMM_PACKED_NR
#define PK_KC PG__GEMM_PACKED_KC
#define PK_MC PG__GEMM_PACKED_MC
#define PK_NC PG__GEMM_PACKED_NC

#if defined(__x86_64__) && defined(__GNUC__)
#define PG__PACKED_AVX2 1
#include <immintrin.h>
#endif

/* Adds the valid mr x nr corner of an MR x NR tile to C. */
static inline void tile_add(const float *restrict t, size_t mr, size_t nr,
                            float *restrict c, size_t ldc) {
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) c[r * ldc + j] += t[r * PK_NR + j];
}

/* C tile += A(mr x kc) . panel, A(r,k) = a[r*a_rs + k*a_cs]: a packed
** panel (1, MR) or, when A's strides allow, A itself (6 full rows). */
static void ukern_c(size_t kc, const float *restrict a, size_t a_rs, size_t a_cs,
                    const float *restrict b, float *restrict c, size_t ldc, size_t mr,
                    size_t nr) {
  float acc[PK_MR * PK_NR] = {0};
  for (size_t k = 0; k < kc; k++, a += a_cs, b += PK_NR)
    for (size_t r = 0; r < PK_MR; r++)
      for (size_t j = 0; j < PK_NR; j++) acc[r * PK_NR + j] += a[r * a_rs] * b[j];
  tile_add(acc, mr, nr, c, ldc);
}

#ifdef PG__PACKED_AVX2
/* C tile += the twelve accumulators (the valid mr x nr corner). */
__attribute__((target("avx2,fma"))) static inline void
tile_store_avx2(const __m256 acc[PK_MR][2], float *restrict c, size_t ldc, size_t mr,
                size_t nr) {
  if (mr == PK_MR && nr == PK_NR) {
    for (size_t r = 0; r < PK_MR; r++) {
      float *cr = c + r * ldc;
      _mm256_storeu_ps(cr, _mm256_add_ps(_mm256_loadu_ps(cr), acc[r][0]));
      _mm256_storeu_ps(cr + 8, _mm256_add_ps(_mm256_loadu_ps(cr + 8), acc[r][1]));
    }
    return;
  }
  float t[PK_MR * PK_NR];
  for (size_t r = 0; r < PK_MR; r++) {
    _mm256_storeu_ps(t + r * PK_NR, acc[r][0]);
    _mm256_storeu_ps(t + r * PK_NR + 8, acc[r][1]);
  }
  tile_add(t, mr, nr, c, ldc);
}

__attribute__((target("avx2,fma"))) static void
ukern_avx2(size_t kc, const float *restrict a, size_t a_rs, size_t a_cs,
           const float *restrict b, float *restrict c, size_t ldc, size_t mr, size_t nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
  __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m256 c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  const float *restrict a3 = a + 3 * a_rs;
  for (size_t k = 0; k < kc; k++, a += a_cs, a3 += a_cs, b += PK_NR) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(x, b0, c00), c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + a_rs);
    c10 = _mm256_fmadd_ps(x, b0, c10), c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2 * a_rs);
    c20 = _mm256_fmadd_ps(x, b0, c20), c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a3);
    c30 = _mm256_fmadd_ps(x, b0, c30), c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a3 + a_rs);
    c40 = _mm256_fmadd_ps(x, b0, c40), c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a3 + 2 * a_rs);
    c50 = _mm256_fmadd_ps(x, b0, c50), c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  const __m256 acc[PK_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                {c30, c31}, {c40, c41}, {c50, c51}};
  tile_store_avx2(acc, c, ldc, mr, nr);
}
#endif

typedef void (*ukern_fn)(size_t, const float *, size_t, size_t, const float *, float *,
                         size_t, size_t, size_t);

static ukern_fn packed_kernel(void) {
#ifdef PG__PACKED_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ukern_avx2;
#endif
  return ukern_c;
}

/* Panels of MR rows of A(i0.., k0..): p[panel][k][r], zero-padded. */
static void pack_a(const float *A, size_t a_rs, size_t a_cs, size_t mc,
                   size_t kc, float *restrict p) {
  for (size_t i = 0; i < mc; i += PK_MR, p += PK_MR * kc) {
    const size_t mr = mc - i < PK_MR ? mc - i : PK_MR;
    const float *a = A + i * a_rs;
    if (a_rs == 1 && mr == PK_MR) { /* columns contiguous: A transposed */
      for (size_t k = 0; k < kc; k++)
        for (size_t r = 0; r < PK_MR; r++) p[k * PK_MR + r] = a[k * a_cs + r];
      continue;
    }
    for (size_t r = 0; r < PK_MR; r++)
      for (size_t k = 0; k < kc; k++)
        p[k * PK_MR + r] = r < mr ? a[r * a_rs + k * a_cs] : 0.0f;
  }
}

/* Panels of NR columns of B(k0.., j0..): p[panel][k][j], zero-padded. */
static void pack_b(const float *B, size_t b_rs, size_t b_cs, size_t kc,
                   size_t nc, float *restrict p) {
  for (size_t j = 0; j < nc; j += PK_NR, p += PK_NR * kc) {
    const size_t nr = nc - j < PK_NR ? nc - j : PK_NR;
    const float *b = B + j * b_cs;
    if (b_cs == 1) { /* rows contiguous */
      for (size_t k = 0; k < kc; k++) {
        memcpy(p + k * PK_NR, b + k * b_rs, nr * sizeof *p);
        for (size_t x = nr; x < PK_NR; x++) p[k * PK_NR + x] = 0.0f;
      }
      continue;
    }
    for (size_t x = 0; x < PK_NR; x++)
      for (size_t k = 0; k < kc; k++)
        p[k * PK_NR + x] = x < nr ? b[k * b_rs + x * b_cs] : 0.0f;
  }
}

void pg__gemm_pack_b(const float *B, size_t b_rs, size_t b_cs, size_t K, size_t N,
                     float *packed) {
  pack_b(B, b_rs, b_cs, K, N, packed);
}

/* The convolution tile: the 6 x 16 kernel reading its six rows of patches
** straight from the image, kh runs of rowlen floats row_stride apart. */
static void conv_tile_c(size_t kh, size_t rowlen, size_t row_stride,
                        const float *const rows[PK_MR], const float *restrict b,
                        float *restrict c, size_t ldc, size_t mr, size_t nr) {
  float acc[PK_MR * PK_NR] = {0};
  for (size_t ky = 0; ky < kh; ky++)
    for (size_t t = 0; t < rowlen; t++, b += PK_NR)
      for (size_t r = 0; r < PK_MR; r++) {
        const float x = rows[r][ky * row_stride + t];
        for (size_t j = 0; j < PK_NR; j++) acc[r * PK_NR + j] += x * b[j];
      }
  tile_add(acc, mr, nr, c, ldc);
}

#ifdef PG__PACKED_AVX2
__attribute__((target("avx2,fma"))) static void
conv_tile_avx2(size_t kh, size_t rowlen, size_t row_stride,
               const float *const rows[PK_MR], const float *restrict b,
               float *restrict c, size_t ldc, size_t mr, size_t nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
  __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m256 c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (size_t ky = 0; ky < kh; ky++) {
    const size_t o = ky * row_stride;
    const float *restrict a0 = rows[0] + o, *restrict a1 = rows[1] + o;
    const float *restrict a2 = rows[2] + o, *restrict a3 = rows[3] + o;
    const float *restrict a4 = rows[4] + o, *restrict a5 = rows[5] + o;
    for (size_t t = 0; t < rowlen; t++, b += PK_NR) {
      const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
      __m256 x = _mm256_broadcast_ss(a0 + t);
      c00 = _mm256_fmadd_ps(x, b0, c00), c01 = _mm256_fmadd_ps(x, b1, c01);
      x = _mm256_broadcast_ss(a1 + t);
      c10 = _mm256_fmadd_ps(x, b0, c10), c11 = _mm256_fmadd_ps(x, b1, c11);
      x = _mm256_broadcast_ss(a2 + t);
      c20 = _mm256_fmadd_ps(x, b0, c20), c21 = _mm256_fmadd_ps(x, b1, c21);
      x = _mm256_broadcast_ss(a3 + t);
      c30 = _mm256_fmadd_ps(x, b0, c30), c31 = _mm256_fmadd_ps(x, b1, c31);
      x = _mm256_broadcast_ss(a4 + t);
      c40 = _mm256_fmadd_ps(x, b0, c40), c41 = _mm256_fmadd_ps(x, b1, c41);
      x = _mm256_broadcast_ss(a5 + t);
      c50 = _mm256_fmadd_ps(x, b0, c50), c51 = _mm256_fmadd_ps(x, b1, c51);
    }
  }
  const __m256 acc[PK_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                {c30, c31}, {c40, c41}, {c50, c51}};
  tile_store_avx2(acc, c, ldc, mr, nr);
}
#endif

void pg__conv_tile(size_t kh, size_t rowlen, size_t row_stride,
                   const float *const rows[PG__GEMM_PACKED_MR], const float *packed,
                   float *C, size_t ldc, size_t mr, size_t nr) {
#ifdef PG__PACKED_AVX2
  if (packed_kernel() == ukern_avx2) {
    conv_tile_avx2(kh, rowlen, row_stride, rows, packed, C, ldc, mr, nr);
    return;
  }
#endif
  conv_tile_c(kh, rowlen, row_stride, rows, packed, C, ldc, mr, nr);
}

void pg__gemm_packed(size_t M, size_t N, size_t K, const float *A, size_t a_rs,
                     size_t a_cs, const float *B, size_t b_rs, size_t b_cs,
                     float *C, size_t ldc, float *work) {
  const ukern_fn kern = packed_kernel();
  /* A is read in place when one of its strides is 1 (the kernel's six
  ** streams are then sequential); only a last, partial panel is packed. */
  const bool in_place = a_rs == 1 || a_cs == 1;
  float *bp = work, *ap = work + PK_KC * PK_NC;
  for (size_t jc = 0; jc < N; jc += PK_NC) {
    const size_t nc = N - jc < PK_NC ? N - jc : PK_NC;
    for (size_t pc = 0; pc < K; pc += PK_KC) {
      const size_t kc = K - pc < PK_KC ? K - pc : PK_KC;
      pack_b(B + pc * b_rs + jc * b_cs, b_rs, b_cs, kc, nc, bp);
      for (size_t ic = 0; ic < M; ic += PK_MC) {
        const size_t mc = M - ic < PK_MC ? M - ic : PK_MC;
        const float *a0 = A + ic * a_rs + pc * a_cs;
        const size_t full = in_place ? mc / PK_MR * PK_MR : 0;
        if (full < mc) pack_a(a0 + full * a_rs, a_rs, a_cs, mc - full, kc, ap);
        for (size_t jr = 0; jr < nc; jr += PK_NR) {
          const size_t nr = nc - jr < PK_NR ? nc - jr : PK_NR;
          const float *b = bp + jr * kc;
          float *c = C + ic * ldc + jc + jr;
          size_t ir = 0;
          for (; ir < full; ir += PK_MR)
            kern(kc, a0 + ir * a_rs, a_rs, a_cs, b, c + ir * ldc, ldc, PK_MR, nr);
          for (; ir < mc; ir += PK_MR) {
            const size_t mr = mc - ir < PK_MR ? mc - ir : PK_MR;
            kern(kc, ap + (ir - full) * kc, 1, PK_MR, b, c + ir * ldc, ldc, mr, nr);
          }
        }
      }
    }
  }
}

/* ---- elementwise transcendental functions --------------------------------
** libm's tanhf/expf are scalar calls; these loops vectorize. exp uses
** Cody-Waite range reduction x = k ln2 + r, |r| <= ln2/2, a degree-7
** Taylor polynomial for e^r (truncation below 2e-9 relative) and 2^k built
** in the exponent bits; k is rounded with the 1.5*2^23 trick so that no
** rounding instruction beyond SSE2 is needed. Relative error is a few
** float ulps over the whole range. */
/* c ? a : b through bit masks: GCC will not if-convert a choice between two
** computed floats (it sinks them into branches), but vectorizes this. */
static inline float pick(int c, float a, float b) {
  uint32_t ua, ub, m = 0u - (uint32_t)c;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  uint32_t r = (ua & m) | (ub & ~m);
  float f;
  memcpy(&f, &r, sizeof f);
  return f;
}

static inline float exp_core(float x) {
  const float big = 12582912.0f; /* 1.5 * 2^23 */
  /* Clamp; written so that NaN stays NaN (a diverging net must show). */
  x = pick(!(x < -87.0f), x, -87.0f);
  x = pick(!(x > 88.0f), x, 88.0f);
  float kb = x * 1.44269504f + big;
  float k = kb - big;
  float r = x - k * 0.693359375f; /* ln2, high part (exact in float) */
  r = r - k * -2.12194440e-4f;    /* ln2, low part */
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  /* The bits of kb minus those of `big` leave k; unsigned arithmetic, so a
  ** NaN input (garbage k) is defined behaviour and still yields NaN. */
  uint32_t kbits, e;
  memcpy(&kbits, &kb, sizeof kbits);
  e = (kbits - 0x4B400000u + 127u) << 23;
  float scale;
  memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

/* tanh: an odd Taylor polynomial below |x| = 0.5 (where 1 - 2/(e^2x + 1)
** would cancel), the exp form above; |x| >= 10 gives +-1 exactly. */
static inline float tanh_core(float x) {
  float a = fabsf(x);
  float a2 = a * a;
  float s = 929569.0f / 638512875.0f;
  s = s * a2 - 21844.0f / 6081075.0f;
  s = s * a2 + 1382.0f / 155925.0f;
  s = s * a2 - 62.0f / 2835.0f;
  s = s * a2 + 17.0f / 315.0f;
  s = s * a2 - 2.0f / 15.0f;
  s = s * a2 + 1.0f / 3.0f;
  s = a - a * a2 * s;
  float c = pick(!(a > 10.0f), a, 10.0f);
  float l = 1.0f - 2.0f / (exp_core(c + c) + 1.0f);
  return copysignf(pick(a < 0.5f, s, l), x);
}

/* The clones are static (clang resolves target_clones reliably only for
** functions local to their file); the extern names wrap them. */
PG__CLONES
static void tanh_loop(float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = tanh_core(y[i]);
}

PG__CLONES
static void sigmoid_loop(float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + exp_core(-y[i]));
}

void pg__tanh_inplace(float *y, size_t n) { tanh_loop(y, n); }

void pg__sigmoid_inplace(float *y, size_t n) { sigmoid_loop(y, n); }

/* Whether the loops above round a*b + c once (fused) on this machine: the
** C export reproduces it (lib/nn/export.c). GCC contracts under the pragma
** at the top, clang within each expression (its default), and the
** statements are written so that both fuse the same products; the baseline
** clones have no FMA instructions. */
int pg__nn_fused_mode(void) {
#ifdef PG__X86_DISPATCH
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") || __builtin_cpu_supports("fma");
#elif defined(__FP_FAST_FMAF) && (defined(__GNUC__) || defined(__clang__))
  return 1;
#else
  return 0;
#endif
}
