/* Allocation through the context's hook, and the context's lifetime. */
#include "pg_internal.h"

#include <stdlib.h>
#include <string.h>

/* Each block starts with a header holding its size; the payload follows at a
** 16-byte boundary so that it stays aligned for any C type. */
typedef union pg__block_header {
  size_t size;
  max_align_t align;
} pg__block_header;

static void *default_alloc(void *user, void *ptr, size_t old_size,
                           size_t new_size) {
  (void)user;
  (void)old_size;
  if (new_size == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, new_size);
}

void *pg__malloc(pg_ctx *ctx, size_t size) {
  if (!ctx || size == 0 || size > SIZE_MAX - sizeof(pg__block_header))
    return NULL;
  size_t total = size + sizeof(pg__block_header);
  pg__block_header *h = ctx->alloc(ctx->alloc_user, NULL, 0, total);
  if (!h) return NULL;
  h->size = total;
  atomic_fetch_add(&ctx->bytes_in_use, (int64_t)total);
  return h + 1;
}

void *pg__calloc(pg_ctx *ctx, size_t count, size_t size) {
  if (count == 0 || size == 0 || count > SIZE_MAX / size) return NULL;
  void *p = pg__malloc(ctx, count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void pg__free(pg_ctx *ctx, void *ptr) {
  if (!ctx || !ptr) return;
  pg__block_header *h = (pg__block_header *)ptr - 1;
  size_t total = h->size;
  atomic_fetch_sub(&ctx->bytes_in_use, (int64_t)total);
  ctx->alloc(ctx->alloc_user, h, total, 0);
}

pg_status pg__alloc_array(pg_ctx *ctx, void *out_ptr, size_t count,
                          size_t size, const char *what) {
  void *p = pg__calloc(ctx, count, size);
  if (!p)
    return pg__fail(ctx, PG_ERR_NOMEM, "out of memory allocating %s (%zu x %zu bytes)",
                    what, count, size);
  memcpy(out_ptr, &p, sizeof p);
  return PG_OK;
}

pg_status pg_ctx_create(pg_alloc_fn alloc, void *alloc_user, pg_ctx **out) {
  if (!out) return PG_ERR_INVALID_ARG;
  *out = NULL;
  if (!alloc) alloc = default_alloc;
  pg_ctx *ctx = alloc(alloc_user, NULL, 0, sizeof *ctx);
  if (!ctx) return PG_ERR_NOMEM;
  memset(ctx, 0, sizeof *ctx);
  ctx->alloc = alloc;
  ctx->alloc_user = alloc_user;
  atomic_init(&ctx->live_handles, 0);
  atomic_init(&ctx->bytes_in_use, 0);
  atomic_init(&ctx->closed, false);
  ctx->last_status = PG_OK;
  *out = ctx;
  return PG_OK;
}

static void ctx_free(pg_ctx *ctx) {
  ctx->alloc(ctx->alloc_user, ctx, sizeof *ctx, 0);
}

void pg_ctx_destroy(pg_ctx *ctx) {
  if (!ctx || atomic_exchange(&ctx->closed, true)) return;
  if (atomic_load(&ctx->live_handles) == 0) ctx_free(ctx);
}

void pg__ctx_retain(pg_ctx *ctx) { atomic_fetch_add(&ctx->live_handles, 1); }

void pg__ctx_release(pg_ctx *ctx) {
  if (atomic_fetch_sub(&ctx->live_handles, 1) == 1 &&
      atomic_load(&ctx->closed))
    ctx_free(ctx);
}

pg_status pg_ctx_set_seed(pg_ctx *ctx, uint64_t seed) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  ctx->seed = seed;
  return PG_OK;
}

pg_status pg_ctx_get_seed(pg_ctx *ctx, uint64_t *out_seed) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out_seed)
    return pg__fail(ctx, PG_ERR_INVALID_ARG, "pg_ctx_get_seed: out_seed is NULL");
  *out_seed = ctx->seed;
  return PG_OK;
}

pg_status pg_ctx_memory_in_use(pg_ctx *ctx, uint64_t *out_bytes) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out_bytes)
    return pg__fail(ctx, PG_ERR_INVALID_ARG,
                    "pg_ctx_memory_in_use: out_bytes is NULL");
  int64_t b = atomic_load(&ctx->bytes_in_use);
  *out_bytes = b > 0 ? (uint64_t)b : 0;
  return PG_OK;
}

/* An OR over the exponent bits (all ones for Inf and NaN) instead of an
** early exit, so the loop vectorizes: it runs over every parameter after
** each update. */
bool pg__all_finite(const float *x, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, x + i, sizeof u);
    bad |= (u & 0x7f800000u) == 0x7f800000u;
  }
  return !bad;
}
