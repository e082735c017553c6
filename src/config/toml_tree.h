/*
 * toml_tree: the parsed TOML document as plain C nodes with source positions.
 *
 * This is the whole contract between toml++ (C++, src/config/toml_bridge.cpp)
 * and the C code of the config module: the bridge turns toml++'s document into
 * this tree and nothing else crosses the language boundary, so exceptions and
 * templates stay in one file. Tables keep toml++'s key order; readers that need
 * file order sort the entries by position.
 */
#ifndef ACTIVEMPI_TOML_TREE_H
#define ACTIVEMPI_TOML_TREE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  AMP_TOML_TABLE,
  AMP_TOML_ARRAY,
  AMP_TOML_STRING,
  AMP_TOML_INTEGER,
  AMP_TOML_FLOAT,
  AMP_TOML_BOOLEAN,
  AMP_TOML_DATETIME /* dates and times: valid TOML, never a valid activempi value */
} amp_toml_kind;

typedef struct amp_toml_node {
  amp_toml_kind kind;
  int line, column;         /* of the value (1-based; 0 when unknown) */
  char *key;                /* name in the parent table; NULL for array items */
  int key_line, key_column; /* of the key */
  char *string;             /* AMP_TOML_STRING, NUL-terminated */
  size_t length;            /* bytes of string (more than strlen when it holds a NUL) */
  long long integer;        /* AMP_TOML_INTEGER */
  double real;              /* AMP_TOML_FLOAT */
  int boolean;              /* AMP_TOML_BOOLEAN */
  struct amp_toml_node *items; /* table entries or array elements */
  size_t nitems;
} amp_toml_node;

/* Parse len bytes of TOML. On success returns a malloc'ed root table; on a
 * syntax error returns NULL with toml++'s position in *line, *column and its
 * description in msg. */
amp_toml_node *amp_toml_parse(const char *text, size_t len, int *line, int *column, char *msg,
                              size_t msgsize);

/* Free a tree from amp_toml_parse (NULL is fine). */
void amp_toml_free(amp_toml_node *root);

/* Free what a node owns (key, string, entries), not the node itself, and
 * leave it empty. */
void amp_toml_free_contents(amp_toml_node *node);

/* "toml++ X.Y.Z" */
const char *amp_toml_version(void);

#ifdef __cplusplus
}
#endif
#endif
