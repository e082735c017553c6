/*
 * parse_context: what the per-key pass (parse.c) hands to the cross-key pass
 * (resolve.c): which keys the file gave, where, and how to report an error.
 */
#ifndef ACTIVEMPI_PARSE_CONTEXT_H
#define ACTIVEMPI_PARSE_CONTEXT_H

#include "schema.h"
#include "toml_tree.h"

#define AMP_SCHEMA_MAX 128 /* >= amp_schema_count (checked by a test) */

typedef struct {
  const char *filename;
  char *err;                                 /* AMP_ERR_LEN bytes */
  const amp_toml_node *root;                 /* the document */
  const amp_toml_node *given[AMP_SCHEMA_MAX]; /* value node of each key the file sets, by schema index */
} amp_parse_context;

/* Write "file:line:col: error: <message>" (or "file: error: ..." when line is
 * 0) into ctx->err; returns AMP_CONFIG_INVALID. */
int amp_config_error(amp_parse_context *ctx, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The node the file gave for [table] key, or NULL. */
const amp_toml_node *amp_given(const amp_parse_context *ctx, const char *table, const char *key);

/* The file's [table], or NULL. */
const amp_toml_node *amp_given_table(const amp_parse_context *ctx, const char *table);

/* Merge the command line's overrides ("table.key=value", overrides.c) into
 * root. Returns AMP_CONFIG_OK, or AMP_CONFIG_INVALID with one line in ctx->err
 * naming the override. */
int amp_config_apply_sets(amp_parse_context *ctx, amp_toml_node *root, const char *const *sets, int nsets);

/* Cross-key rules and derived quantities, after every key passed its own checks. */
int amp_config_resolve(amp_parse_context *ctx, amp_config *cfg);

/* The closest of n candidates to word, or NULL when none is close. */
const char *amp_suggest(const char *word, const char *const *candidates, size_t n);

/* Shortest decimal text that reads back as exactly x ("1.0", "1e-08", "0.1"). */
void amp_format_real(double x, char *buf, size_t size);

#endif
