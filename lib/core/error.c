/* Status strings and the per-context last-error message. */
#include "pg_internal.h"

#include <stdio.h>
#include <string.h>

const char *pg_status_string(pg_status status) {
  switch (status) {
  case PG_OK: return "ok";
  case PG_ERR_INVALID_ARG: return "invalid argument";
  case PG_ERR_NOMEM: return "out of memory";
  case PG_ERR_BAD_STATE: return "call not allowed in this state";
  case PG_ERR_UNSUPPORTED: return "unsupported";
  case PG_ERR_OUT_OF_RANGE: return "value out of range";
  case PG_ERR_CALLBACK: return "a callback reported an error";
  case PG_ERR_NUMERIC: return "NaN or infinite value";
  case PG_ERR_IO: return "input/output error";
  case PG_ERR_FORMAT: return "bad or corrupt data format";
  case PG_ERR_VERSION: return "unsupported version";
  case PG_ERR_SHAPE: return "shape mismatch";
  case PG_ERR_THREAD: return "thread error";
  case PG_ERR_INTERNAL: return "internal error";
  case PG_STATUS_FORCE_INT: break;
  }
  return "unknown status code";
}

pg_status pg__vfail(pg_ctx *ctx, pg_status status, const char *fmt,
                    va_list ap) {
  if (ctx) {
    /* Format into a local buffer first: callers may pass the current
    ** message as an argument to prefix it. */
    char msg[PG__ERRMSG_SIZE];
    if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
      snprintf(msg, sizeof msg, "%s", pg_status_string(status));
    memcpy(ctx->last_error, msg, sizeof msg);
    ctx->last_status = status;
  }
  return status;
}

pg_status pg__fail(pg_ctx *ctx, pg_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pg__vfail(ctx, status, fmt, ap);
  va_end(ap);
  return status;
}

void pg__list_append(char *buf, size_t size, size_t *used, const char *item) {
  if (*used < size) {
    int n = snprintf(buf + *used, size - *used, "%s%s", *used ? ", " : "", item);
    *used = n < 0 ? size : *used + (size_t)n;
  }
}

const char *pg_ctx_last_error(const pg_ctx *ctx) {
  if (!ctx) return "no context (NULL pg_ctx)";
  return ctx->last_error;
}

pg_status pg_ctx_last_status(const pg_ctx *ctx) {
  return ctx ? ctx->last_status : PG_ERR_INVALID_ARG;
}

void pg_ctx_clear_error(pg_ctx *ctx) {
  if (!ctx) return;
  ctx->last_status = PG_OK;
  ctx->last_error[0] = '\0';
}
