/*
 * write: the resolved configuration as TOML. What it writes is itself a valid
 * input that parses back to the same amp_config (a test checks this), so a
 * run's run.toml reproduces the run. Keys that do not apply (another model's
 * keys, stages that do not run) are left out; derived quantities follow as
 * comments.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse_context.h"

void amp_format_real(double x, char *buf, size_t size) {
  if (!isfinite(x)) {
    snprintf(buf, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    return;
  }
  if (x == floor(x) && fabs(x) < 1e15) { /* whole numbers as "10.0", not "1e+01" */
    snprintf(buf, size, "%.1f", x);
    return;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    snprintf(buf, size, "%.*g", precision, x);
    if (strtod(buf, NULL) == x) break;
  }
  if (!strpbrk(buf, ".e")) strncat(buf, ".0", size - strlen(buf) - 1);
}

static void write_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

static void write_value(FILE *out, const amp_key_spec *spec, const amp_config *cfg) {
  const void *field = amp_schema_cfield(spec, cfg);
  char buf[64];
  switch (spec->type) {
  case AMP_KEY_INT: fprintf(out, "%d", *(const int *)field); break;
  case AMP_KEY_LONG: fprintf(out, "%lld", *(const long long *)field); break;
  case AMP_KEY_REAL:
    amp_format_real(*(const double *)field, buf, sizeof buf);
    fputs(buf, out);
    break;
  case AMP_KEY_STRING: write_string(out, field); break;
  case AMP_KEY_CHOICE: write_string(out, amp_choice_name(spec->choices, *(const int *)field, buf, sizeof buf)); break;
  case AMP_KEY_STAGES: {
    const char *sep = "";
    fputc('[', out);
    for (int s = 0; s < AMP_NSTAGES; ++s)
      if (amp_config_runs(cfg, (amp_stage)s)) {
        fprintf(out, "%s\"%s\"", sep, amp_stage_name((amp_stage)s));
        sep = ", ";
      }
    fputc(']', out);
    break;
  }
  }
}

/* The box is given by one key; the other is derived and written as a comment. */
static int is_derived_box_key(const amp_key_spec *spec, const amp_config *cfg) {
  if (strcmp(spec->table, "system")) return 0;
  if (!strcmp(spec->key, "box_length")) return !cfg->derived.box_given;
  if (!strcmp(spec->key, "packing_fraction")) return cfg->derived.box_given;
  return 0;
}

static void write_derived(FILE *out, const amp_config *cfg) {
  char buf[64];
  fprintf(out, "\n# derived\n");
  amp_format_real(cfg->derived.box_given ? cfg->system.packing_fraction : cfg->system.box_length, buf, sizeof buf);
  fprintf(out, "# [system] %s = %s\n", cfg->derived.box_given ? "packing_fraction" : "box_length", buf);
  amp_format_real(cfg->derived.volume, buf, sizeof buf);
  fprintf(out, "# volume = %s\n", buf);
  amp_format_real(cfg->derived.density, buf, sizeof buf);
  fprintf(out, "# number_density = %s\n", buf);
  amp_format_real(cfg->derived.force_cutoff, buf, sizeof buf);
  fprintf(out, "# force_cutoff = %s%s\n", buf,
          cfg->interaction.potential == AMP_POTENTIAL_SOFTPLUS_HARMONIC ? " (softplus cut at cutoff_tolerance)" : "");
}

void amp_config_write(FILE *out, const amp_config *cfg) {
  const char *table = NULL;
  for (size_t i = 0; i < amp_schema_count; ++i) {
    const amp_key_spec *spec = &amp_schema[i];
    if (!amp_schema_applies(spec, cfg) || is_derived_box_key(spec, cfg)) continue;
    if (spec->type == AMP_KEY_STRING && !*(const char *)amp_schema_cfield(spec, cfg)) continue; /* unset optional file */
    if (!table || strcmp(table, spec->table)) {
      fprintf(out, "%s[%s]\n", table ? "\n" : "", spec->table);
      table = spec->table;
    }
    fprintf(out, "%s = ", spec->key);
    write_value(out, spec, cfg);
    fputc('\n', out);
  }
  write_derived(out, cfg);
}
