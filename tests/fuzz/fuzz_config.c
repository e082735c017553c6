/*
 * libFuzzer harness for the input loader (make fuzz). Any bytes must give
 * either a valid configuration or one error line, with no crash, leak,
 * undefined behaviour or hang; and a valid configuration, written back as
 * TOML, must parse again without error (the property run.toml relies on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  amp_config cfg, again;
  char err[AMP_ERR_LEN];
  if (amp_config_parse((const char *)data, size, "fuzz.toml", &cfg, err) != AMP_CONFIG_OK) {
    if (!strstr(err, ": error: ") || strchr(err, '\n')) abort(); /* one located line */
    return 0;
  }
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return 0;
  amp_config_write(f, &cfg);
  fclose(f);
  if (amp_config_parse(text, len, "run.toml", &again, err) != AMP_CONFIG_OK) {
    fprintf(stderr, "written configuration does not parse: %s\n%s\n", err, text);
    abort();
  }
  free(text);
  return 0;
}
