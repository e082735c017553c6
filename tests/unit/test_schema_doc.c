/*
 * doc/input.md documents every key exactly as the schema defines it: each
 * schema row (type, default, valid values, meaning) stands under its table's
 * heading "## [table]", and the document has no row the schema lacks. A
 * mismatch prints the row the schema expects, ready to paste.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/config.h"
#include "parse_context.h"

#define MAX_ROWS 256

typedef struct {
  char table[64];
  char row[1024];
} doc_row;

static doc_row rows[MAX_ROWS];
static size_t nrows;

/* Rows "| `key` | ..." of doc/input.md, each with the "## [table]" above it. */
static void read_doc(void) {
  char path[4096];
  const char *srcdir = getenv("AMP_SRCDIR");
  snprintf(path, sizeof path, "%s/doc/input.md", srcdir ? srcdir : ".");
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("cannot open %s", path);
  char line[1024], table[64] = "";
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (sscanf(line, "## [%63[^]]]", table) == 1) continue;
    if (strncmp(line, "| `", 3)) continue;
    assert_true(nrows < MAX_ROWS);
    snprintf(rows[nrows].table, sizeof rows[nrows].table, "%s", table);
    snprintf(rows[nrows].row, sizeof rows[nrows].row, "%s", line);
    ++nrows;
  }
  fclose(f);
}

static int documented(const char *table, const char *row) {
  for (size_t i = 0; i < nrows; ++i)
    if (!strcmp(rows[i].table, table) && !strcmp(rows[i].row, row)) return 1;
  return 0;
}

static void every_schema_key_is_documented_as_defined(void **state) {
  (void)state;
  int missing = 0;
  char row[512];
  for (size_t i = 0; i < amp_schema_size(); ++i) {
    const char *table = amp_schema_doc_row(i, row, sizeof row);
    if (!documented(table, row)) {
      print_message("doc/input.md lacks, under ## [%s]:\n%s\n", table, row);
      ++missing;
    }
  }
  assert_int_equal(missing, 0);
}

static void the_doc_has_no_key_the_schema_lacks(void **state) {
  (void)state;
  int extra = 0;
  char row[512];
  for (size_t r = 0; r < nrows; ++r) {
    int found = 0;
    for (size_t i = 0; i < amp_schema_size() && !found; ++i) {
      const char *table = amp_schema_doc_row(i, row, sizeof row);
      found = !strcmp(table, rows[r].table) && !strcmp(row, rows[r].row);
    }
    if (!found) {
      print_message("doc/input.md [%s] has a row the schema lacks or defines otherwise:\n%s\n", rows[r].table,
                    rows[r].row);
      ++extra;
    }
  }
  assert_int_equal(extra, 0);
}

static void the_schema_fits_the_parser(void **state) {
  (void)state;
  assert_true(amp_schema_size() <= AMP_SCHEMA_MAX);
}

int main(void) {
  read_doc();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_schema_key_is_documented_as_defined),
      cmocka_unit_test(the_doc_has_no_key_the_schema_lacks),
      cmocka_unit_test(the_schema_fits_the_parser),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
