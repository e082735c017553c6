/*
 * schema: the description of every input key, in one table (schema.c).
 *
 * A key has a table, a name, a type, a place in amp_config, a default (a
 * TOML literal), or is required, or derived from other keys by resolve.c; a
 * valid range or a list of choices; the models it applies to; and a one-line
 * meaning with its unit. Parsing, defaults, checks, the TOML writer and the
 * documentation rows all read this table, so adding a key is one row here, one
 * field in amp_config and one row in doc/input.md (a test checks the last).
 */
#ifndef ACTIVEMPI_SCHEMA_H
#define ACTIVEMPI_SCHEMA_H

#include <stddef.h>

#include "activempi/config.h"

typedef enum {
  AMP_KEY_INT,    /* int */
  AMP_KEY_LONG,   /* long long */
  AMP_KEY_REAL,   /* double; TOML integers are accepted */
  AMP_KEY_STRING, /* char[AMP_STR_LEN] */
  AMP_KEY_CHOICE, /* an enum stored as int: index into `choices` */
  AMP_KEY_STAGES  /* array of stage names, stored as the bit set run.stages */
} amp_key_type;

typedef enum {
  AMP_DEFAULT_VALUE,    /* default_text is the TOML literal of the default */
  AMP_DEFAULT_REQUIRED, /* the user must give it (when its stage and model apply) */
  AMP_DEFAULT_DERIVED   /* resolve.c fills it in; default_text says how */
} amp_default_kind;

#define AMP_MODELS_ALL 3u /* bit per amp_model */
#define AMP_MODELS_AOUP (1u << AMP_MODEL_AOUP)
#define AMP_MODELS_ABP (1u << AMP_MODEL_ABP)

typedef struct {
  const char *table;
  const char *key;
  amp_key_type type;
  size_t offset; /* of the field in amp_config */
  amp_default_kind default_kind;
  const char *default_text;
  double lo, hi;        /* valid range of INT, LONG and REAL values */
  int lo_open, hi_open; /* nonzero: that bound is excluded */
  const char *choices;  /* CHOICE: names in enum order, separated by '|' */
  unsigned models;      /* AMP_MODELS_*: the models the key applies to */
  const char *meaning;
} amp_key_spec;

extern const amp_key_spec amp_schema[];
extern const size_t amp_schema_count;

/* The key [table] name, or NULL. */
const amp_key_spec *amp_schema_find(const char *table, const char *key);

/* Is `table` one of the schema's tables? */
int amp_schema_has_table(const char *table);

/* The stage a table belongs to ("simulate" -> AMP_STAGE_SIMULATE), or -1 for
 * tables every run reads. */
int amp_schema_table_stage(const char *table);

/* Does the key apply to this configuration (its model, and its stage when the
 * table belongs to one; [network] applies when train or evaluate runs; the
 * bond_ keys of [interaction] when there are bonds, bond_distance and
 * bond_reference for distance bonds only; the ring_ keys of [exact] with
 * reference = "ring" only, its gaussian_ keys and trajectory with reference =
 * "gaussian" only; replay_frames and steps_per_snapshot of [train] with
 * source = "online" only, its data, checkpoint_interval, data_memory and initial with
 * "file" only;
 * [evaluate] trajectory with source = "file" only)? */
int amp_schema_applies(const amp_key_spec *spec, const amp_config *cfg);

/* Does the [train] key apply to that source (the rule above)? */
int amp_schema_train_key_applies(const char *key, amp_data_source source);

/* Index of `name` among the '|'-separated `choices`, or -1. */
int amp_choice_index(const char *choices, const char *name);

/* The n-th name of `choices` into buf. */
const char *amp_choice_name(const char *choices, int n, char *buf, size_t size);

/* "must be > 0", "1 to 3", ... : the valid values of a key, for messages and docs. */
void amp_schema_describe_range(const amp_key_spec *spec, char *buf, size_t size);

/* Pointer to the field of `spec` inside cfg. */
static inline void *amp_schema_field(const amp_key_spec *spec, amp_config *cfg) {
  return (char *)cfg + spec->offset;
}
static inline const void *amp_schema_cfield(const amp_key_spec *spec, const amp_config *cfg) {
  return (const char *)cfg + spec->offset;
}

#endif
