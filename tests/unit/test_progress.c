/*
 * Progress lines: printed once per interval with count, rate and ETA; silent
 * without a stream; a closing line with the mean rate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/progress.h"

static char *buf;
static size_t len;
static FILE *out;

static int open_stream(void **state) {
  (void)state;
  out = open_memstream(&buf, &len);
  return out ? 0 : -1;
}

static int close_stream(void **state) {
  (void)state;
  fclose(out);
  free(buf);
  return 0;
}

static void prints_rate_and_eta_once_per_interval(void **state) {
  (void)state;
  amp_progress p;
  amp_progress_start(&p, "simulate", "steps", 10000, 5.0, out, 100.0);
  amp_progress_update(&p, 100, 101.0); /* too soon */
  amp_progress_update(&p, 1000, 110.0); /* 1000 steps in 10 s: 100/s, 9000 left: 90 s */
  amp_progress_update(&p, 1200, 112.0); /* too soon after the last line */
  fflush(out);
  assert_string_equal(buf, "simulate: 1000/10000 steps (10.0 %), 100 steps/s, ETA 1 min 30 s\n");
}

static void closing_line_has_mean_rate(void **state) {
  (void)state;
  amp_progress p;
  amp_progress_start(&p, "train", "steps", 500, 1.0, out, 0.0);
  amp_progress_finish(&p, 500, 4.0);
  fflush(out);
  assert_string_equal(buf, "train: 500 steps done in 4 s (125 steps/s)\n");
}

static void silent_without_stream(void **state) {
  (void)state;
  amp_progress p;
  amp_progress_start(&p, "simulate", "steps", 10, 0.0, NULL, 0.0);
  amp_progress_update(&p, 5, 100.0);
  amp_progress_finish(&p, 10, 200.0);
  fflush(out);
  assert_int_equal(len, 0);
}

static void durations_read_naturally(void **state) {
  (void)state;
  char s[32];
  amp_format_duration(42.4, s, sizeof s);
  assert_string_equal(s, "42 s");
  amp_format_duration(200, s, sizeof s);
  assert_string_equal(s, "3 min 20 s");
  amp_format_duration(7500, s, sizeof s);
  assert_string_equal(s, "2 h 05 min");
  amp_format_duration(1e12, s, sizeof s);
  assert_string_equal(s, "more than 100 days");
}

static void clock_is_monotonic(void **state) {
  (void)state;
  double a = amp_clock(), b = amp_clock();
  assert_true(b >= a && a > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(prints_rate_and_eta_once_per_interval, open_stream, close_stream),
      cmocka_unit_test_setup_teardown(closing_line_has_mean_rate, open_stream, close_stream),
      cmocka_unit_test_setup_teardown(silent_without_stream, open_stream, close_stream),
      cmocka_unit_test(durations_read_naturally),
      cmocka_unit_test(clock_is_monotonic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
