/* Dense kernels: a cache-blocked GEMM written for the auto-vectorizer.
**
** B is packed into panels of KC x NR (zero-padded), and a micro-kernel keeps
** an MR x NR block of C in local arrays that the compiler maps onto vector
** registers; its inner loop over NR contiguous floats is what vectorizes.
** With GCC the same source is compiled for AVX-512, AVX2+FMA and the
** baseline (target_clones), and fp-contract lets the FMA clones fuse. */
#include "nn/pg_nn.h"

#include <string.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && \
    !defined(PG_NO_CLONES) && !defined(__SANITIZE_THREAD__)
#define PG__CLONES \
  __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#define PG__CLONES
#endif

#define MR 4
#define NR PG__GEMM_NR
#define KC PG__GEMM_KC

/* C[0..MR) rows += A-rows · panel; only the first nr columns are stored. */
PG__CLONES
static void kern_mr(size_t kc, const float *restrict a, size_t a_rs,
                    size_t a_cs, const float *restrict bp, size_t bs,
                    float *restrict c, size_t ldc, size_t nr) {
  float acc0[NR] = {0}, acc1[NR] = {0}, acc2[NR] = {0}, acc3[NR] = {0};
  const float *a0 = a, *a1 = a + a_rs, *a2 = a + 2 * a_rs, *a3 = a + 3 * a_rs;
  for (size_t k = 0; k < kc; k++) {
    const float *restrict b = bp + k * bs;
    const float x0 = a0[k * a_cs], x1 = a1[k * a_cs];
    const float x2 = a2[k * a_cs], x3 = a3[k * a_cs];
    for (size_t j = 0; j < NR; j++) {
      acc0[j] += x0 * b[j];
      acc1[j] += x1 * b[j];
      acc2[j] += x2 * b[j];
      acc3[j] += x3 * b[j];
    }
  }
  for (size_t j = 0; j < nr; j++) {
    c[j] += acc0[j];
    c[ldc + j] += acc1[j];
    c[2 * ldc + j] += acc2[j];
    c[3 * ldc + j] += acc3[j];
  }
}

PG__CLONES
static void kern_1(size_t kc, const float *restrict a, size_t a_cs,
                   const float *restrict bp, size_t bs, float *restrict c,
                   size_t nr) {
  float acc0[NR] = {0}, acc1[NR] = {0};
  size_t k = 0;
  for (; k + 1 < kc; k += 2) { /* two chains hide the FMA latency */
    const float *restrict b = bp + k * bs;
    const float x0 = a[k * a_cs], x1 = a[(k + 1) * a_cs];
    for (size_t j = 0; j < NR; j++) {
      acc0[j] += x0 * b[j];
      acc1[j] += x1 * b[bs + j];
    }
  }
  if (k < kc) {
    const float x0 = a[k * a_cs];
    for (size_t j = 0; j < NR; j++) acc0[j] += x0 * bp[k * bs + j];
  }
  for (size_t j = 0; j < nr; j++) c[j] += acc0[j] + acc1[j];
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
  for (size_t j0 = 0; j0 < N; j0 += NR) {
    size_t nr = N - j0 < NR ? N - j0 : NR;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
      size_t kc = K - k0 < KC ? K - k0 : KC;
      const float *bsrc = B + k0 * ldb + j0;
      const float *bp = bsrc;
      size_t bs = ldb;
      /* Small M reads B in place (packing would cost as much as the
      ** product); a ragged panel is always packed so reads stay in bounds. */
      if (M >= MR || nr < NR) {
        pack_panel(bsrc, ldb, kc, nr, pack);
        bp = pack;
        bs = NR;
      }
      const float *a = A + k0 * a_cs;
      size_t i = 0;
      for (; i + MR <= M; i += MR)
        kern_mr(kc, a + i * a_rs, a_rs, a_cs, bp, bs, C + i * ldc + j0, ldc, nr);
      for (; i < M; i++)
        kern_1(kc, a + i * a_rs, a_cs, bp, bs, C + i * ldc + j0, nr);
    }
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
