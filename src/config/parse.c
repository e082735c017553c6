/*
 * parse: the per-key pass. Fills amp_config with the schema's defaults, then
 * walks the file's tables and keys in file order, checking each against its
 * schema row (known table, known key, type, range, choices) and storing it.
 * The first problem ends the pass with one located line; resolve.c then
 * applies the rules that involve several keys.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse_context.h"

/* Control characters (a newline in a quoted value or in the parser's words)
 * written as escapes, so that an error stays on one line. */
static void escape_controls(const char *in, char *out, size_t size) {
  size_t n = 0;
  for (; *in && n + 5 < size; ++in) {
    unsigned char c = (unsigned char)*in;
    n += (size_t)(c < 0x20 || c == 0x7f ? snprintf(out + n, size - n, "\\x%02x", c)
                                        : snprintf(out + n, size - n, "%c", c));
  }
  out[n] = '\0';
}

int amp_config_error(amp_parse_context *ctx, int line, int column, const char *fmt, ...) {
  char raw[AMP_ERR_LEN / 4], msg[AMP_ERR_LEN / 2]; /* room left for the file name and position */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  escape_controls(raw, msg, sizeof msg);
  if (line > 0)
    snprintf(ctx->err, AMP_ERR_LEN, "%.400s:%d:%d: error: %s", ctx->filename, line, column, msg);
  else
    snprintf(ctx->err, AMP_ERR_LEN, "%.400s: error: %s", ctx->filename, msg);
  return AMP_CONFIG_INVALID;
}

const amp_toml_node *amp_given_table(const amp_parse_context *ctx, const char *table) {
  for (size_t i = 0; i < ctx->root->nitems; ++i)
    if (!strcmp(ctx->root->items[i].key, table) && ctx->root->items[i].kind == AMP_TOML_TABLE)
      return &ctx->root->items[i];
  return NULL;
}

const amp_toml_node *amp_given(const amp_parse_context *ctx, const char *table, const char *key) {
  const amp_key_spec *spec = amp_schema_find(table, key);
  return spec ? ctx->given[spec - amp_schema] : NULL;
}

/* ---- values as the user wrote them, for messages ------------------------- */

static void describe_value(const amp_toml_node *v, char *buf, size_t size) {
  switch (v->kind) {
  case AMP_TOML_STRING: snprintf(buf, size, "\"%.60s%s\"", v->string, strlen(v->string) > 60 ? "..." : ""); break;
  case AMP_TOML_INTEGER: snprintf(buf, size, "%lld", v->integer); break;
  case AMP_TOML_FLOAT: amp_format_real(v->real, buf, size); break;
  case AMP_TOML_BOOLEAN: snprintf(buf, size, "%s", v->boolean ? "true" : "false"); break;
  case AMP_TOML_ARRAY: snprintf(buf, size, "[...]"); break;
  case AMP_TOML_TABLE: snprintf(buf, size, "{...}"); break;
  case AMP_TOML_DATETIME: snprintf(buf, size, "(a date or time)"); break;
  }
}

/* Report "[table] key = value: <problem>" at the value. */
static int value_error(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                       const char *problem) {
  char shown[128];
  describe_value(v, shown, sizeof shown);
  return amp_config_error(ctx, v->line, v->column, "[%s] %s = %s: %s", spec->table, spec->key, shown,
                          problem);
}

/* ---- storing one value ---------------------------------------------------- */

static int in_range(const amp_key_spec *spec, double x) {
  int above = spec->lo_open ? x > spec->lo : x >= spec->lo;
  int below = spec->hi_open ? x < spec->hi : x <= spec->hi;
  return above && below;
}

static int range_error(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v) {
  char range[256], problem[300];
  amp_schema_describe_range(spec, range, sizeof range);
  snprintf(problem, sizeof problem, "must be %s", range);
  return value_error(ctx, spec, v, problem);
}

static int store_integer(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                         void *field) {
  if (v->kind == AMP_TOML_FLOAT && isfinite(v->real) && v->real == floor(v->real))
    return value_error(ctx, spec, v, "must be an integer (write it without a decimal point)");
  if (v->kind != AMP_TOML_INTEGER) return value_error(ctx, spec, v, "must be an integer");
  if (!in_range(spec, (double)v->integer)) return range_error(ctx, spec, v);
  if (spec->type == AMP_KEY_INT) {
    if (v->integer > INT_MAX || v->integer < INT_MIN) return range_error(ctx, spec, v);
    *(int *)field = (int)v->integer;
  } else {
    *(long long *)field = v->integer;
  }
  return AMP_CONFIG_OK;
}

static int store_real(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                      double *field) {
  if (v->kind != AMP_TOML_FLOAT && v->kind != AMP_TOML_INTEGER)
    return value_error(ctx, spec, v, "must be a number");
  double x = v->kind == AMP_TOML_FLOAT ? v->real : (double)v->integer;
  if (!isfinite(x)) return value_error(ctx, spec, v, "must be a finite number");
  if (!in_range(spec, x)) return range_error(ctx, spec, v);
  *field = x;
  return AMP_CONFIG_OK;
}

static int store_string(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                        char *field) {
  if (v->kind != AMP_TOML_STRING) return value_error(ctx, spec, v, "must be a string");
  size_t n = strlen(v->string);
  if (n != v->length) return value_error(ctx, spec, v, "must not contain a NUL character");
  if (n == 0) return value_error(ctx, spec, v, "must not be empty");
  if (n >= AMP_STR_LEN) return value_error(ctx, spec, v, "is too long (at most 1023 characters)");
  memcpy(field, v->string, n + 1);
  return AMP_CONFIG_OK;
}

/* Index of v among the choices, or an error that lists them (and the closest). */
static int lookup_choice(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                         int *index) {
  if (v->kind != AMP_TOML_STRING) return value_error(ctx, spec, v, "must be a string");
  *index = amp_choice_index(spec->choices, v->string);
  if (*index >= 0) return AMP_CONFIG_OK;
  char names[16][64], range[256], problem[400];
  const char *list[16];
  size_t n = 0;
  for (; n < 16 && amp_choice_name(spec->choices, (int)n, names[n], sizeof names[n])[0]; ++n) list[n] = names[n];
  const char *close = amp_suggest(v->string, list, n);
  amp_schema_describe_range(spec, range, sizeof range);
  if (close)
    snprintf(problem, sizeof problem, "must be %s (did you mean \"%s\"?)", range, close);
  else
    snprintf(problem, sizeof problem, "must be %s", range);
  return value_error(ctx, spec, v, problem);
}

static int store_stages(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v,
                        unsigned *field) {
  if (v->kind != AMP_TOML_ARRAY) return value_error(ctx, spec, v, "must be an array of stage names");
  unsigned stages = 0;
  for (size_t i = 0; i < v->nitems; ++i) {
    int s;
    if (lookup_choice(ctx, spec, &v->items[i], &s)) return AMP_CONFIG_INVALID;
    if (stages & (1u << s)) return value_error(ctx, spec, &v->items[i], "is listed twice");
    stages |= 1u << s;
  }
  *field = stages;
  return AMP_CONFIG_OK;
}

static int store(amp_parse_context *ctx, const amp_key_spec *spec, const amp_toml_node *v, amp_config *cfg) {
  void *field = amp_schema_field(spec, cfg);
  switch (spec->type) {
  case AMP_KEY_INT:
  case AMP_KEY_LONG: return store_integer(ctx, spec, v, field);
  case AMP_KEY_REAL: return store_real(ctx, spec, v, field);
  case AMP_KEY_STRING: return store_string(ctx, spec, v, field);
  case AMP_KEY_CHOICE: return lookup_choice(ctx, spec, v, (int *)field);
  case AMP_KEY_STAGES: return store_stages(ctx, spec, v, field);
  }
  return AMP_CONFIG_INVALID;
}

/* ---- defaults ------------------------------------------------------------- */

static void store_default(const amp_key_spec *spec, amp_config *cfg) {
  void *field = amp_schema_field(spec, cfg);
  const char *text = spec->default_text;
  switch (spec->type) {
  case AMP_KEY_INT: *(int *)field = (int)strtol(text, NULL, 10); break;
  case AMP_KEY_LONG: *(long long *)field = strtoll(text, NULL, 10); break;
  case AMP_KEY_REAL: *(double *)field = strtod(text, NULL); break;
  case AMP_KEY_STRING: /* a quoted literal without escapes */
    snprintf(field, AMP_STR_LEN, "%.*s", (int)strlen(text) - 2, text + 1);
    break;
  case AMP_KEY_CHOICE: {
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strlen(text) - 2, text + 1);
    *(int *)field = amp_choice_index(spec->choices, name);
    break;
  }
  case AMP_KEY_STAGES: break;
  }
}

static void apply_defaults(amp_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (amp_schema[i].default_kind == AMP_DEFAULT_VALUE) store_default(&amp_schema[i], cfg);
}

/* ---- walking the document in file order ---------------------------------- */

static int by_position(const void *a, const void *b) {
  const amp_toml_node *x = *(const amp_toml_node *const *)a, *y = *(const amp_toml_node *const *)b;
  if (x->key_line != y->key_line) return x->key_line < y->key_line ? -1 : 1;
  return (x->key_column > y->key_column) - (x->key_column < y->key_column);
}

/* The entries of a table sorted by where their keys stand; caller frees. */
static const amp_toml_node **in_file_order(const amp_toml_node *table) {
  const amp_toml_node **order = malloc((table->nitems + 1) * sizeof *order);
  if (!order) return NULL;
  for (size_t i = 0; i < table->nitems; ++i) order[i] = &table->items[i];
  qsort(order, table->nitems, sizeof *order, by_position);
  return order;
}

static size_t table_names(const char **names) {
  size_t n = 0;
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (n == 0 || strcmp(names[n - 1], amp_schema[i].table)) names[n++] = amp_schema[i].table;
  return n;
}

static int unknown_key(amp_parse_context *ctx, const char *table, const amp_toml_node *entry) {
  const char *keys[AMP_SCHEMA_MAX];
  size_t n = 0;
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (!strcmp(amp_schema[i].table, table)) keys[n++] = amp_schema[i].key;
  const char *close = amp_suggest(entry->key, keys, n);
  if (close)
    return amp_config_error(ctx, entry->key_line, entry->key_column,
                            "unknown key [%s] %s (did you mean '%s'?)", table, entry->key, close);
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (!strcmp(amp_schema[i].key, entry->key))
      return amp_config_error(ctx, entry->key_line, entry->key_column,
                              "unknown key [%s] %s (it belongs in [%s])", table, entry->key, amp_schema[i].table);
  return amp_config_error(ctx, entry->key_line, entry->key_column,
                          "unknown key [%s] %s (the keys of [%s] are listed in doc/input.md)", table,
                          entry->key, table);
}

static int parse_table(amp_parse_context *ctx, const amp_toml_node *table, amp_config *cfg) {
  const amp_toml_node **order = in_file_order(table);
  if (!order) return amp_config_error(ctx, 0, 0, "out of memory");
  int status = AMP_CONFIG_OK;
  for (size_t i = 0; i < table->nitems && !status; ++i) {
    const amp_key_spec *spec = amp_schema_find(table->key, order[i]->key);
    if (!spec) {
      status = unknown_key(ctx, table->key, order[i]);
    } else {
      status = store(ctx, spec, order[i], cfg);
      ctx->given[spec - amp_schema] = order[i];
    }
  }
  free(order);
  return status;
}

static int check_top_level(amp_parse_context *ctx, const amp_toml_node *entry) {
  const char *tables[32];
  size_t n = table_names(tables);
  if (entry->kind == AMP_TOML_TABLE && amp_schema_has_table(entry->key)) return AMP_CONFIG_OK;
  if (amp_schema_has_table(entry->key))
    return amp_config_error(ctx, entry->key_line, entry->key_column, "[%s] must be a table, written [%s]",
                            entry->key, entry->key);
  const char *close = amp_suggest(entry->key, tables, n);
  if (entry->kind != AMP_TOML_TABLE) {
    for (size_t i = 0; i < amp_schema_count; ++i)
      if (!strcmp(amp_schema[i].key, entry->key))
        return amp_config_error(ctx, entry->key_line, entry->key_column,
                                "key %s is outside any table: put it under [%s]", entry->key,
                                amp_schema[i].table);
    return amp_config_error(ctx, entry->key_line, entry->key_column, "unknown key %s (keys belong in tables such as [system])", entry->key);
  }
  if (close)
    return amp_config_error(ctx, entry->key_line, entry->key_column, "unknown table [%s] (did you mean [%s]?)",
                            entry->key, close);
  return amp_config_error(ctx, entry->key_line, entry->key_column,
                          "unknown table [%s] (the tables are listed in doc/input.md)", entry->key);
}

static int parse_document(amp_parse_context *ctx, amp_config *cfg) {
  const amp_toml_node **order = in_file_order(ctx->root);
  if (!order) return amp_config_error(ctx, 0, 0, "out of memory");
  int status = AMP_CONFIG_OK;
  for (size_t i = 0; i < ctx->root->nitems && !status; ++i) {
    status = check_top_level(ctx, order[i]);
    if (!status) status = parse_table(ctx, order[i], cfg);
  }
  free(order);
  return status;
}

int amp_config_parse_with(const char *text, size_t len, const char *filename, const char *const *sets, int nsets,
                          amp_config *cfg, char err[AMP_ERR_LEN]) {
  amp_parse_context ctx = {.filename = filename, .err = err};
  int line, column;
  char msg[AMP_ERR_LEN];
  err[0] = '\0';
  amp_toml_node *root = amp_toml_parse(text, len, &line, &column, msg, sizeof msg);
  if (!root) return amp_config_error(&ctx, line, column, "%s", msg);
  ctx.root = root;
  apply_defaults(cfg);
  int status = amp_config_apply_sets(&ctx, root, sets, nsets);
  if (!status) status = parse_document(&ctx, cfg);
  if (!status) status = amp_config_resolve(&ctx, cfg);
  amp_toml_free(root);
  return status;
}

int amp_config_parse(const char *text, size_t len, const char *filename, amp_config *cfg,
                     char err[AMP_ERR_LEN]) {
  return amp_config_parse_with(text, len, filename, NULL, 0, cfg, err);
}

int amp_config_read_file(const char *path, char **text, size_t *len, char err[AMP_ERR_LEN]) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, AMP_ERR_LEN, "%s: error: cannot open the input file: %s", path, strerror(errno));
    return AMP_CONFIG_INVALID;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      char *bigger = cap < ((size_t)64 << 20) ? realloc(buf, cap *= 2) : NULL;
      if (!bigger) free(buf);
      buf = bigger;
    }
  }
  int failed = !buf || ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    snprintf(err, AMP_ERR_LEN, "%s: error: cannot read the input file (is it a text file under 64 MiB?)", path);
    return AMP_CONFIG_INVALID;
  }
  *text = buf;
  *len = n;
  return AMP_CONFIG_OK;
}

const char *amp_config_parser_version(void) { return amp_toml_version(); }
