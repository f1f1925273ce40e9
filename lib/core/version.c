/* Run-time version and build information. */
#include "pg_internal.h"

uint32_t pg_version_number(void) { return PG_VERSION_NUMBER; }

const char *pg_version_string(void) { return PG_VERSION_STRING; }

#ifndef PG_BUILD_INFO
#define PG_BUILD_INFO "unknown"
#endif

const char *pg_build_info(void) {
  return "libpolicygrad " PG_VERSION_STRING "; " PG_BUILD_INFO
#if defined(__AVX2__)
         "; avx2"
#elif defined(__SSE2__)
         "; sse2"
#endif
#if defined(__FMA__)
         "; fma"
#endif
      ;
}
