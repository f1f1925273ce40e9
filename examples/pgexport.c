/* Turns a saved policy, net or agent checkpoint into dependency-free C
** source (pg_policy_export_c, docs/DEPLOYMENT.md).
**
** usage: pgexport CHECKPOINT --prefix NAME [-o DIR] [--single] [--int8]
**   writes DIR/NAME.h and DIR/NAME.c (DIR defaults to "."), or with
**   --single one stb-style header DIR/NAME.h; --int8: int8 weights
**   (smaller, approximate actions: docs/DEPLOYMENT.md). */
#include <policygrad.h>

#include <stdio.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: pgexport CHECKPOINT --prefix NAME [-o DIR] [--single] [--int8]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *input = NULL, *prefix = NULL, *dir = ".";
  int single = 0;
  uint32_t flags = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) prefix = argv[++i];
    else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strcmp(argv[i], "--single") == 0) single = 1;
    else if (strcmp(argv[i], "--int8") == 0) flags |= PG_EXPORT_C_INT8;
    else if (argv[i][0] == '-' || input) return usage();
    else input = argv[i];
  }
  if (!input || !prefix) return usage();

  char header[4096], source[4096];
  if (snprintf(header, sizeof header, "%s/%s.h", dir, prefix) >= (int)sizeof header ||
      snprintf(source, sizeof source, "%s/%s.c", dir, prefix) >= (int)sizeof source) {
    fprintf(stderr, "pgexport: the output path is too long\n");
    return 1;
  }
  pg_ctx *ctx = NULL;
  pg_policy *policy = NULL;
  pg_agent *agent = NULL;
  pg_status st = pg_ctx_create(NULL, NULL, &ctx);
  if (st != PG_OK) {
    fprintf(stderr, "pgexport: %s\n", pg_status_string(st));
    return 1;
  }
  /* A policy or net checkpoint, else a whole agent. */
  st = pg_policy_load_file(ctx, input, &policy);
  if (st == PG_ERR_FORMAT && pg_agent_load_file(ctx, input, &agent) == PG_OK)
    st = pg_policy_from_agent(agent, &policy);
  if (st == PG_OK) st = pg_policy_export_c(policy, prefix, header, single ? NULL : source, flags);
  if (st != PG_OK) {
    fprintf(stderr, "pgexport: %s\n", pg_ctx_last_error(ctx));
  } else {
    size_t obs, act, n_actions;
    int32_t kind;
    pg_policy_get_shape(policy, &obs, &act, &n_actions, &kind);
    printf("wrote %s%s%s: %zu inputs, %s\n", header, single ? "" : " and ", single ? "" : source,
           obs, kind == PG_ACTION_DISCRETE ? "discrete actions" : "continuous actions");
    if (flags & PG_EXPORT_C_INT8) {
      printf("int8 weights: the actions are close to, not equal to, the library's\n");
    } else {
      printf("to act exactly as this library does on this machine, compile with -D");
      for (const char *c = prefix; *c; c++)
        putchar(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
      printf("_FUSED=%d\n", (int)pg_export_c_fused_mode());
    }
  }
  pg_policy_destroy(policy);
  pg_agent_destroy(agent);
  pg_ctx_destroy(ctx);
  return st == PG_OK ? 0 : 1;
}
