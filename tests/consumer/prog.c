/* Built outside the source tree against an installed libpolicygrad. */
#include <policygrad.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (pg_version_number() != PG_VERSION_NUMBER) {
    fprintf(stderr, "header %d, library %u\n", PG_VERSION_NUMBER, (unsigned)pg_version_number());
    return 1;
  }
  pg_ctx *ctx = NULL;
  if (pg_ctx_create(NULL, NULL, &ctx) != PG_OK) return 1;
  pg_rng *rng = NULL;
  if (pg_rng_create(ctx, 42, 0, &rng) != PG_OK) return 1;
  double u = -1.0;
  pg_rng_uniform(rng, &u);
  pg_rng_destroy(rng);
  pg_ctx_destroy(ctx);
  printf("libpolicygrad %s linked, u=%.3f\n", pg_version_string(), u);
  return (u >= 0.0 && u < 1.0 && strcmp(pg_version_string(), PG_VERSION_STRING) == 0) ? 0 : 1;
}
