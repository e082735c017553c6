/*
 * overrides: the command line's --set table.key=value, merged into the
 * parsed document before the per-key pass, so an override is checked exactly
 * like the same line in the file (type, range, cross-key rules) and the
 * resolved configuration records it.
 *
 * Each override is parsed by the same TOML parser as the document, as the
 * two-line document "[table]\nkey = value", and its value node replaces the
 * file's (or joins the table, which is created when the file has none). The
 * moved nodes lose their positions (line 0): they are not in the file, and a
 * message about them names the table, key and value instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_context.h"

static int set_error(amp_parse_context *ctx, const char *set, const char *why) {
  snprintf(ctx->err, AMP_ERR_LEN, "--set %.200s: error: %s", set, why);
  return AMP_CONFIG_INVALID;
}

static void forget_positions(amp_toml_node *n) {
  n->line = n->column = n->key_line = n->key_column = 0;
  for (size_t i = 0; i < n->nitems; ++i) forget_positions(&n->items[i]);
}

/* The entry `key` of table t, or a new empty one appended; NULL when out of memory. */
static amp_toml_node *entry(amp_toml_node *t, const char *key) {
  for (size_t i = 0; i < t->nitems; ++i)
    if (!strcmp(t->items[i].key, key)) return &t->items[i];
  amp_toml_node *items = realloc(t->items, (t->nitems + 1) * sizeof *items);
  if (!items) return NULL;
  t->items = items;
  amp_toml_node *e = &items[t->nitems++];
  memset(e, 0, sizeof *e);
  if (!(e->key = strdup(key))) --t->nitems;
  return e->key ? e : NULL;
}

/* Move `value` (the override's [table] key node) into root. */
static int merge(amp_toml_node *root, const char *table, amp_toml_node *value) {
  amp_toml_node *t = entry(root, table);
  if (!t) return -1;
  if (t->kind != AMP_TOML_TABLE) { /* new, or a plain value of that name: the table replaces it */
    amp_toml_node empty = {.kind = AMP_TOML_TABLE, .key = t->key};
    t->key = NULL;
    amp_toml_free_contents(t);
    *t = empty;
  }
  amp_toml_node *slot = entry(t, value->key);
  if (!slot) return -1;
  char *key = slot->key;
  slot->key = NULL;
  amp_toml_free_contents(slot);
  *slot = *value;
  free(slot->key);
  slot->key = key;
  memset(value, 0, sizeof *value); /* moved: the override's tree no longer owns it */
  forget_positions(slot);
  return 0;
}

/* One "table.key=value" into root. */
static int apply(amp_parse_context *ctx, amp_toml_node *root, const char *set) {
  const char *eq = strchr(set, '='), *dot = memchr(set, '.', eq ? (size_t)(eq - set) : 0);
  if (!eq || !dot || dot == set || dot + 1 == eq || memchr(dot + 1, '.', (size_t)(eq - dot - 1)))
    return set_error(ctx, set, "expected table.key=value (e.g. --set system.packing_fraction=0.25; strings "
                               "in TOML quotes: --set run.output_dir='\"out\"')");
  char text[AMP_ERR_LEN];
  int n = snprintf(text, sizeof text, "[%.*s]\n%.*s = %s\n", (int)(dot - set), set, (int)(eq - dot - 1), dot + 1,
                   eq + 1);
  if (n < 0 || (size_t)n >= sizeof text) return set_error(ctx, set, "too long");
  int line, column;
  char msg[AMP_ERR_LEN / 2];
  amp_toml_node *doc = amp_toml_parse(text, (size_t)n, &line, &column, msg, sizeof msg);
  if (!doc) return set_error(ctx, set, msg);
  int status = doc->nitems == 1 && doc->items[0].nitems == 1 ? 0 : -2;
  if (!status) status = merge(root, doc->items[0].key, &doc->items[0].items[0]);
  amp_toml_free(doc);
  if (status == -2) return set_error(ctx, set, "expected one key and one value");
  return status ? set_error(ctx, set, "out of memory") : AMP_CONFIG_OK;
}

int amp_config_apply_sets(amp_parse_context *ctx, amp_toml_node *root, const char *const *sets, int nsets) {
  for (int i = 0; i < nsets; ++i) {
    int status = apply(ctx, root, sets[i]);
    if (status) return status;
  }
  return AMP_CONFIG_OK;
}
