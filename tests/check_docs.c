/* The documentation agrees with the code:
** - docs/AGENTS.md's parameter table has one row per PG_PARAM_* of
**   include/policygrad.h and no other, each row's name is the library's
**   (pg_param_from_name / pg_param_name), and every default and bound in it
**   is what pg_agent_get_param / pg_agent_param_bounds say on a fresh agent
**   of each algorithm ("–" = the algorithm answers PG_ERR_UNSUPPORTED);
** - its statistics table has one row per PG_STAT_* and no other;
** - README.md's documentation list and docs/README.md name every page in
**   docs/, and link no page that does not exist.
** The files are read from PG_SOURCE_DIR (set by tests/CMakeLists.txt).
**
** Cell rules of the parameter table (docs/AGENTS.md says the same): a default
** starts with a number (2^N allowed), an optimizer name (SGD, RMSProp, Adam),
** "context seed" (the context's seed) or "–"; anything after it is comment.
** A default followed by "(fixed)" also means bounds [default, default]. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PG_SOURCE_DIR
#error "PG_SOURCE_DIR must be the source tree (tests/CMakeLists.txt sets it)"
#endif

#define MAX_ROWS 64
#define MAX_COLS 12
#define CELL_SIZE 256
#define NAME_SIZE 64

/* ---- reading files and tables ---------------------------------------------- */

static char *read_source_file(const char *relative) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", PG_SOURCE_DIR, relative);
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  ck_assert(text != NULL);
  ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
  text[size] = '\0';
  fclose(f);
  return text;
}

typedef struct table {
  int n_cols, n_rows;
  char head[MAX_COLS][CELL_SIZE];
  char cell[MAX_ROWS][MAX_COLS][CELL_SIZE];
} table;

static void trim_copy(char *dst, const char *begin, const char *end) {
  while (begin < end && isspace((unsigned char)*begin)) begin++;
  while (end > begin && isspace((unsigned char)end[-1])) end--;
  size_t n = (size_t)(end - begin);
  ck_assert_msg(n < CELL_SIZE, "table cell too long: %.40s...", begin);
  memcpy(dst, begin, n);
  dst[n] = '\0';
}

/* Splits one "| a | b |" line into cells; returns their number. */
static int split_row(const char *line, const char *eol, char cells[][CELL_SIZE]) {
  int n = 0;
  const char *p = line + 1; /* past the leading '|' */
  while (p < eol) {
    const char *bar = p;
    while (bar < eol && *bar != '|') bar++;
    if (bar >= eol) break;
    ck_assert_msg(n < MAX_COLS, "too many columns in a table row");
    trim_copy(cells[n++], p, bar);
    p = bar + 1;
  }
  return n;
}

/* The Markdown table between <!-- NAME-begin --> and <!-- NAME-end -->. */
static void read_table(const char *text, const char *name, table *t) {
  char begin[80], end[80];
  snprintf(begin, sizeof begin, "<!-- %s-begin -->", name);
  snprintf(end, sizeof end, "<!-- %s-end -->", name);
  const char *p = strstr(text, begin), *stop = strstr(text, end);
  ck_assert_msg(p && stop && p < stop, "docs/AGENTS.md has no %s ... %s block", begin, end);
  memset(t, 0, sizeof *t);
  int line_no = 0;
  for (p = strchr(p, '\n') + 1; p < stop;) {
    const char *eol = strchr(p, '\n');
    if (!eol || eol > stop) eol = stop;
    if (*p == '|') {
      if (line_no == 0) {
        t->n_cols = split_row(p, eol, t->head);
      } else if (line_no > 1) { /* line 1 is the |---| separator */
        ck_assert_msg(t->n_rows < MAX_ROWS, "too many rows in %s", name);
        int n = split_row(p, eol, t->cell[t->n_rows]);
        ck_assert_msg(n == t->n_cols, "%s: row '%.40s' has %d cells, the header %d", name, p, n,
                      t->n_cols);
        t->n_rows++;
      }
      line_no++;
    }
    p = eol + 1;
  }
  ck_assert_msg(t->n_rows > 0, "%s is empty", name);
}

static int column(const table *t, const char *head) {
  for (int c = 0; c < t->n_cols; c++)
    if (strcmp(t->head[c], head) == 0) return c;
  ck_abort_msg("docs/AGENTS.md: no column '%s'", head);
  return -1;
}

/* The name inside the first `...` of a cell. */
static void code_name(const char *cell, char *out) {
  const char *a = strchr(cell, '`'), *b = a ? strchr(a + 1, '`') : NULL;
  ck_assert_msg(a && b && b - a - 1 < NAME_SIZE, "cell '%s' does not start with a `name`", cell);
  memcpy(out, a + 1, (size_t)(b - a - 1));
  out[b - a - 1] = '\0';
}

/* Enumerators PREFIX* (without *_FORCE_INT) of "typedef enum TYPE {" in the
** header, with their numbers. */
static int header_enum(const char *hdr, const char *type, const char *prefix,
                       char names[][NAME_SIZE], int *values) {
  char open[80];
  snprintf(open, sizeof open, "typedef enum %s {", type);
  const char *p = strstr(hdr, open);
  ck_assert_msg(p != NULL, "policygrad.h: no '%s'", open);
  const char *end = strchr(p, '}');
  int n = 0;
  size_t plen = strlen(prefix);
  for (p = strstr(p, prefix); p && p < end; p = strstr(p + 1, prefix)) {
    if (p[-1] == '_' || isalnum((unsigned char)p[-1])) continue; /* inside a word */
    const char *q = p;
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    const char *eq = q;
    while (*eq == ' ') eq++;
    if (*eq != '=') continue; /* a mention in a comment */
    size_t len = (size_t)(q - p);
    if (len >= 10 && strncmp(q - 10, "_FORCE_INT", 10) == 0) continue;
    ck_assert(n < MAX_ROWS && len < NAME_SIZE && len > plen);
    memcpy(names[n], p, len);
    names[n][len] = '\0';
    values[n] = atoi(eq + 1);
    n++;
  }
  ck_assert_msg(n > 0, "policygrad.h: no %s* enumerators", prefix);
  return n;
}

static void upper(char *dst, const char *prefix, const char *name) {
  size_t n = strlen(prefix);
  memcpy(dst, prefix, n);
  for (; *name && n + 1 < NAME_SIZE; name++) dst[n++] = (char)toupper((unsigned char)*name);
  dst[n] = '\0';
}

/* A table of docs/AGENTS.md and the enumerators of the header it describes. */
typedef struct documented_enum {
  table t;
  char names[MAX_ROWS][NAME_SIZE];
  int values[MAX_ROWS];
  int n;
} documented_enum;

static void read_documented_enum(const char *table_name, const char *type, const char *prefix,
                                 documented_enum *d) {
  char *hdr = read_source_file("include/policygrad.h");
  char *doc = read_source_file("docs/AGENTS.md");
  read_table(doc, table_name, &d->t);
  d->n = header_enum(hdr, type, prefix, d->names, d->values);
  free(hdr);
  free(doc);
}

/* ---- parameter table: names ------------------------------------------------ */

START_TEST(test_param_rows_match_header) {
  static documented_enum d;
  read_documented_enum("param-table", "pg_param", "PG_PARAM_", &d);
  char row_names[MAX_ROWS][NAME_SIZE];
  for (int r = 0; r < d.t.n_rows; r++) {
    char name[NAME_SIZE];
    code_name(d.t.cell[r][0], name);
    upper(row_names[r], "PG_PARAM_", name);
    int found = -1;
    for (int i = 0; i < d.n; i++)
      if (strcmp(d.names[i], row_names[r]) == 0) found = i;
    ck_assert_msg(found >= 0, "docs/AGENTS.md has a row '%s' but policygrad.h has no %s", name,
                  row_names[r]);
    pg_param p;
    ck_assert_msg(pg_param_from_name(name, &p) == PG_OK, "pg_param_from_name(\"%s\") fails",
                  name);
    ck_assert_int_eq((int)p, d.values[found]);
    ck_assert_str_eq(pg_param_name(p), name);
    for (int k = 0; k < r; k++)
      ck_assert_msg(strcmp(row_names[k], row_names[r]) != 0, "two rows for '%s'", name);
  }
  for (int i = 0; i < d.n; i++) {
    int found = 0;
    for (int r = 0; r < d.t.n_rows; r++) found |= strcmp(row_names[r], d.names[i]) == 0;
    ck_assert_msg(found, "%s (policygrad.h) has no row in docs/AGENTS.md's parameter table",
                  d.names[i]);
  }
}
END_TEST

/* ---- parameter table: defaults and bounds ---------------------------------- */

/* Parses a number at *s ("0.5", "1e-8", "2^53"); returns 0 if there is none. */
static int parse_number(const char **s, double *out) {
  char *end;
  double v = strtod(*s, &end);
  if (end == *s) return 0;
  if (*end == '^') {
    char *e2;
    double ex = strtod(end + 1, &e2);
    if (e2 == end + 1) return 0;
    v = pow(v, ex);
    end = e2;
  }
  *s = end;
  *out = v;
  return 1;
}

typedef enum cell_kind { CELL_UNSUPPORTED, CELL_VALUE } cell_kind;

static cell_kind parse_default(const char *cell, double ctx_seed, double *value, int *fixed) {
  static const struct { const char *word; double value; } words[] = {
      {"SGD", PG_OPTIM_SGD}, {"RMSProp", PG_OPTIM_RMSPROP}, {"Adam", PG_OPTIM_ADAM}};
  *fixed = strstr(cell, "(fixed)") != NULL;
  if (strncmp(cell, "–", strlen("–")) == 0 || strcmp(cell, "-") == 0) return CELL_UNSUPPORTED;
  if (strncmp(cell, "context seed", 12) == 0) {
    *value = ctx_seed;
    return CELL_VALUE;
  }
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (strncmp(cell, words[i].word, strlen(words[i].word)) == 0) {
      *value = words[i].value;
      return CELL_VALUE;
    }
  const char *s = cell;
  ck_assert_msg(parse_number(&s, value), "cannot read the default '%s'", cell);
  return CELL_VALUE;
}

static void parse_bounds(const char *cell, double *lo, double *hi) {
  const char *s = cell;
  ck_assert_msg(*s == '[', "bounds '%s' are not [low, high]", cell);
  s++;
  ck_assert_msg(parse_number(&s, lo), "bounds '%s': no low", cell);
  ck_assert_msg(*s == ',', "bounds '%s': no comma", cell);
  s++;
  while (*s == ' ') s++;
  ck_assert_msg(parse_number(&s, hi) && *s == ']', "bounds '%s': no high", cell);
}

static int same(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a)); }

/* Which algorithms each default column describes. */
static const struct {
  const char *head;
  pg_algorithm algos[3];
} COLUMNS[] = {
    {"REINFORCE", {PG_ALGO_REINFORCE}},
    {"REINFORCE + baseline", {PG_ALGO_REINFORCE_BASELINE}},
    {"one-step AC", {PG_ALGO_ACTOR_CRITIC}},
    {"PAAC", {PG_ALGO_PAAC}},
    {"A3C", {PG_ALGO_A3C}},
    {"PPO", {PG_ALGO_PPO}},
    {"async Q, Sarsa, n-step Q",
     {PG_ALGO_ASYNC_ONE_STEP_Q, PG_ALGO_ASYNC_ONE_STEP_SARSA, PG_ALGO_ASYNC_N_STEP_Q}},
};

START_TEST(test_param_defaults_match_library) {
  char *doc = read_source_file("docs/AGENTS.md");
  static table t;
  read_table(doc, "param-table", &t);
  const uint64_t ctx_seed = 12345;
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_ctx_set_seed(ctx, ctx_seed), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  int bounds_col = column(&t, "bounds");
  int covered[64] = {0};
  for (size_t c = 0; c < sizeof COLUMNS / sizeof *COLUMNS; c++) {
    int col = column(&t, COLUMNS[c].head);
    for (int k = 0; k < 3 && COLUMNS[c].algos[k]; k++) {
      pg_algorithm algo = COLUMNS[c].algos[k];
      covered[algo] = 1;
      pg_agent *agent = NULL;
      ck_assert_msg(pg_agent_create_for_env(ctx, algo, env, 8, 1, &agent) == PG_OK, "%s: %s",
                    pg_algorithm_name(algo), pg_ctx_last_error(ctx));
      for (int r = 0; r < t.n_rows; r++) {
        char name[NAME_SIZE];
        code_name(t.cell[r][0], name);
        pg_param p;
        ck_assert_int_eq(pg_param_from_name(name, &p), PG_OK);
        double want = 0.0, got = 0.0, lo = 0.0, hi = 0.0, want_lo, want_hi;
        int fixed = 0;
        cell_kind kind = parse_default(t.cell[r][col], (double)ctx_seed, &want, &fixed);
        pg_status st = pg_agent_get_param(agent, p, &got);
        if (kind == CELL_UNSUPPORTED) {
          ck_assert_msg(st == PG_ERR_UNSUPPORTED,
                        "docs/AGENTS.md: %s, %s is '–' but pg_agent_get_param gives %g",
                        pg_algorithm_name(algo), name, got);
          continue;
        }
        ck_assert_msg(st == PG_OK, "docs/AGENTS.md: %s, %s is '%s' but the agent says: %s",
                      pg_algorithm_name(algo), name, t.cell[r][col], pg_ctx_last_error(ctx));
        ck_assert_msg(same(got, want), "docs/AGENTS.md: %s, %s is '%s' but the default is %.17g",
                      pg_algorithm_name(algo), name, t.cell[r][col], got);
        parse_bounds(t.cell[r][bounds_col], &want_lo, &want_hi);
        if (fixed) want_lo = want_hi = want;
        ck_assert_int_eq(pg_agent_param_bounds(agent, p, &lo, &hi), PG_OK);
        ck_assert_msg(same(lo, want_lo) && same(hi, want_hi),
                      "docs/AGENTS.md: %s, %s bounds are %s but the library has [%.17g, %.17g]",
                      pg_algorithm_name(algo), name, t.cell[r][bounds_col], lo, hi);
      }
      pg_agent_destroy(agent);
    }
  }
  /* every algorithm of the library has a column */
  for (int a = 1; a < 64; a++)
    if (strcmp(pg_algorithm_name((pg_algorithm)a), "unknown") != 0)
      ck_assert_msg(covered[a], "algorithm '%s' has no column in docs/AGENTS.md",
                    pg_algorithm_name((pg_algorithm)a));
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
  free(doc);
}
END_TEST

/* ---- statistics table -------------------------------------------------------- */

START_TEST(test_stat_rows_match_header) {
  static documented_enum d;
  read_documented_enum("stat-table", "pg_stat", "PG_STAT_", &d);
  char row_names[MAX_ROWS][NAME_SIZE];
  for (int r = 0; r < d.t.n_rows; r++) {
    code_name(d.t.cell[r][0], row_names[r]);
    int found = 0;
    for (int i = 0; i < d.n; i++) found |= strcmp(d.names[i], row_names[r]) == 0;
    ck_assert_msg(found, "docs/AGENTS.md has a row '%s' that policygrad.h does not have",
                  row_names[r]);
  }
  pg_ctx *ctx = NULL;
  pg_env *env = NULL;
  pg_agent *agent = NULL;
  ck_assert_int_eq(pg_ctx_create(NULL, NULL, &ctx), PG_OK);
  ck_assert_int_eq(pg_env_create_builtin(ctx, "CartPole-v1", 1, &env), PG_OK);
  ck_assert_int_eq(pg_agent_create_for_env(ctx, PG_ALGO_REINFORCE, env, 8, 1, &agent), PG_OK);
  for (int i = 0; i < d.n; i++) {
    int found = 0;
    for (int r = 0; r < d.t.n_rows; r++) found |= strcmp(row_names[r], d.names[i]) == 0;
    ck_assert_msg(found, "%s (policygrad.h) has no row in docs/AGENTS.md's statistics table",
                  d.names[i]);
    double v;
    ck_assert_msg(pg_agent_get_stat(agent, (pg_stat)d.values[i], &v) == PG_OK, "%s: %s",
                  d.names[i], pg_ctx_last_error(ctx));
  }
  pg_agent_destroy(agent);
  pg_env_destroy(env);
  pg_ctx_destroy(ctx);
}
END_TEST

/* ---- documentation lists ------------------------------------------------------ */

/* Every docs/ *.md page is linked as PREFIX NAME ")" in the file, and every
** such link of the file names an existing page. */
static void check_page_list(const char *relative, const char *prefix, const char *skip) {
  char *text = read_source_file(relative);
  char docs[1024];
  snprintf(docs, sizeof docs, "%s/docs", PG_SOURCE_DIR);
  DIR *dir = opendir(docs);
  ck_assert_msg(dir != NULL, "cannot list %s", docs);
  struct dirent *e;
  int pages = 0;
  while ((e = readdir(dir)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".md") != 0) continue;
    if (skip && strcmp(e->d_name, skip) == 0) continue;
    char link[512];
    snprintf(link, sizeof link, "](%s%s)", prefix, e->d_name);
    ck_assert_msg(strstr(text, link) != NULL, "%s does not list docs/%s (no '%s' link)", relative,
                  e->d_name, link);
    pages++;
  }
  closedir(dir);
  ck_assert_int_gt(pages, 0);
  /* and no link to a page that is not there */
  char open[64];
  snprintf(open, sizeof open, "](%s", prefix);
  for (const char *p = strstr(text, open); p; p = strstr(p + 1, open)) {
    const char *name = p + strlen(open), *end = strchr(name, ')');
    if (!end || end - name > 200 || strncmp(end - 3, ".md", 3) != 0) continue;
    if (memchr(name, '/', (size_t)(end - name))) continue; /* ../README.md and the like */
    char path[1280];
    snprintf(path, sizeof path, "%s/%.*s", docs, (int)(end - name), name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s links %.*s%.*s, which does not exist", relative,
                  (int)strlen(prefix), prefix, (int)(end - name), name);
    fclose(f);
  }
  free(text);
}

START_TEST(test_readme_lists_every_page) { check_page_list("README.md", "docs/", NULL); }
END_TEST

START_TEST(test_docs_index_lists_every_page) {
  check_page_list("docs/README.md", "", "README.md");
}
END_TEST

static Suite *docs_suite(void) {
  Suite *s = suite_create("docs");
  TCase *tc = tcase_create("docs");
  tcase_add_test(tc, test_param_rows_match_header);
  tcase_add_test(tc, test_param_defaults_match_library);
  tcase_add_test(tc, test_stat_rows_match_header);
  tcase_add_test(tc, test_readme_lists_every_page);
  tcase_add_test(tc, test_docs_index_lists_every_page);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return pg_test_run_suite(docs_suite()); }
