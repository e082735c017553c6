/*
 * The input loader: defaults, derived quantities, cross-key rules, the
 * resolved configuration read back, and one located line for every class of
 * invalid input (tests/inputs/invalid/, each file stating its expected line).
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/config.h"

static const char *srcdir(void) {
  const char *dir = getenv("AMP_SRCDIR");
  return dir ? dir : ".";
}

static int parse(const char *text, amp_config *cfg, char *err) {
  return amp_config_parse(text, strlen(text), "t.toml", cfg, err);
}

static void parse_ok(const char *text, amp_config *cfg) {
  char err[AMP_ERR_LEN];
  int status = parse(text, cfg, err);
  if (status) fail_msg("unexpected error: %s", err);
}

static void expect_error(const char *text, const char *expected) {
  amp_config cfg;
  char err[AMP_ERR_LEN];
  assert_int_equal(parse(text, &cfg, err), AMP_CONFIG_INVALID);
  assert_string_equal(err, expected);
}

#define SYSTEM "[system]\nparticles = 4096\npacking_fraction = 0.5\n"
#define AOUP "[dynamics]\nv0 = 0.025\ngamma = 1e-4\ndt = 0.1\n"

/* ---- defaults and derived quantities ------------------------------------- */

static void defaults_fill_every_optional_key(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP, &cfg);
  assert_int_equal(cfg.run.stages, 0);
  assert_int_equal(cfg.run.seed, 0);
  assert_string_equal(cfg.run.output_dir, "output");
  assert_int_equal(cfg.run.replicas, 1);
  assert_int_equal(cfg.run.blas_threads, 1);
  assert_int_equal(cfg.system.model, AMP_MODEL_AOUP);
  assert_int_equal(cfg.system.dimension, 2);
  assert_true(cfg.system.radius == 1.0);
  assert_int_equal(cfg.interaction.potential, AMP_POTENTIAL_SOFTPLUS_HARMONIC);
  assert_true(cfg.interaction.beta == 7.5 && cfg.interaction.cutoff_tolerance == 1e-8);
  assert_true(cfg.dynamics.translational_diffusion == 0.0);
  assert_int_equal(cfg.network.neighbors, 64);
  assert_int_equal(cfg.network.embed_dim, 256);
  assert_true(cfg.train.ema == 0.9999 && cfg.train.noise_scale == 0.01);
  assert_int_equal(cfg.simulate.snapshot_interval, 100);
  assert_string_equal(cfg.simulate.trajectory, "trajectory.h5");
}

/* The paper's MIPS box: N = 4096, phi = 0.5, a = 1 gives L = 160.42 (science.md §5). */
static void box_length_follows_from_packing_fraction(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP, &cfg);
  assert_float_equal(cfg.system.box_length, sqrt(4096 * M_PI / 0.5), 1e-12);
  assert_float_equal(cfg.system.box_length, 160.42, 5e-3);
  assert_float_equal(cfg.derived.density, 4096 / (cfg.system.box_length * cfg.system.box_length), 1e-15);
  parse_ok("[system]\ndimension = 1\nparticles = 100\npacking_fraction = 0.25\n" AOUP, &cfg);
  assert_float_equal(cfg.system.box_length, 100 * 2.0 / 0.25, 1e-12);
  parse_ok("[system]\ndimension = 3\nparticles = 1000\npacking_fraction = 0.3\nradius = 0.5\n" AOUP, &cfg);
  assert_float_equal(cfg.system.box_length, cbrt(1000 * 4.0 / 3.0 * M_PI * 0.125 / 0.3), 1e-12);
}

static void packing_fraction_follows_from_box_length(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok("[system]\nparticles = 100\nbox_length = 40\n" AOUP, &cfg);
  assert_int_equal(cfg.derived.box_given, 1);
  assert_float_equal(cfg.system.packing_fraction, 100 * M_PI / 1600, 1e-15);
}

/* softplus: 2a + ln(1/tol)/beta = 4.456 for the defaults (science.md §1). */
static void force_cutoff_of_each_potential(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP, &cfg);
  assert_float_equal(cfg.derived.force_cutoff, 2 + log(1e8) / 7.5, 1e-12);
  assert_float_equal(cfg.derived.force_cutoff, 4.46, 5e-3);
  parse_ok(SYSTEM AOUP "[interaction]\npotential = \"harmonic\"\n", &cfg);
  assert_float_equal(cfg.derived.force_cutoff, 2.0, 0);
  parse_ok(SYSTEM AOUP "[interaction]\npotential = \"wca\"\n", &cfg);
  assert_float_equal(cfg.derived.force_cutoff, 2 * pow(2, 1.0 / 6), 1e-15);
  parse_ok(SYSTEM AOUP "[interaction]\npotential = \"none\"\n", &cfg);
  assert_float_equal(cfg.derived.force_cutoff, 0, 0);
}

static void stages_default_to_the_tables_present(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP "[simulate]\nsteps = 1000\n[evaluate]\nmodel = \"m.h5\"\n", &cfg);
  assert_int_equal(cfg.run.stages, (1u << AMP_STAGE_SIMULATE) | (1u << AMP_STAGE_EVALUATE));
  parse_ok("[run]\nstages = [\"train\"]\n" SYSTEM AOUP "[simulate]\nsteps = 1000\n[train]\nsteps = 5\ndata = \"d.h5\"\n",
           &cfg);
  assert_int_equal(cfg.run.stages, 1u << AMP_STAGE_TRAIN);
  parse_ok("[run]\nstages = []\n" SYSTEM AOUP "[simulate]\nsteps = 1000\n", &cfg);
  assert_int_equal(cfg.run.stages, 0);
}

static void stage_inputs_default_to_earlier_stage_outputs(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok("[run]\noutput_dir = \"out\"\n" SYSTEM AOUP
           "[simulate]\nsteps = 1000\ntrajectory = \"traj.h5\"\n[train]\nsteps = 10\nmodel = \"net.h5\"\n[evaluate]\n",
           &cfg);
  assert_string_equal(cfg.train.data, "out/traj.h5");
  assert_string_equal(cfg.evaluate.trajectory, "out/traj.h5");
  assert_string_equal(cfg.evaluate.model, "out/net.h5");
  assert_int_equal(cfg.train.decay_steps, 10);
  assert_int_equal(cfg.train.warmup_steps, 1);
}

static void schedule_defaults_follow_the_steps(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP "[train]\nsteps = 500000\ndata = \"d.h5\"\n", &cfg);
  assert_int_equal(cfg.train.decay_steps, 500000);
  assert_int_equal(cfg.train.warmup_steps, 10000);
}

/* Online: snapshots before first_snapshot skipped, then every
 * round(1/validation_fraction)-th held out from the first on. */
static void online_snapshots_are_skipped_held_out_or_trained(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok(SYSTEM AOUP "[simulate]\nsteps = 1000\nsnapshot_interval = 10\n[train]\nsource = \"online\"\nsteps = 100\n"
                       "first_snapshot = 2\nvalidation_fraction = 0.3\nsteps_per_snapshot = 2\n",
           &cfg);
  const amp_snapshot_role want[] = {AMP_SNAPSHOT_SKIPPED,  AMP_SNAPSHOT_SKIPPED, AMP_SNAPSHOT_HELD_OUT,
                                    AMP_SNAPSHOT_TRAIN,    AMP_SNAPSHOT_TRAIN,   AMP_SNAPSHOT_HELD_OUT,
                                    AMP_SNAPSHOT_TRAIN};
  for (int j = 0; j < 7; ++j) assert_int_equal(amp_online_role(&cfg, j), want[j]);
  assert_int_equal(amp_online_training_snapshots(&cfg, 2), 0);
  assert_int_equal(amp_online_training_snapshots(&cfg, 7), 3);
  assert_int_equal(amp_online_training_snapshots(&cfg, 100), 65); /* 98 after the skipped, 33 held out */
  assert_string_equal(cfg.train.data, "");                        /* online reads no data */
  cfg.train.validation_fraction = 0;
  assert_int_equal(amp_online_role(&cfg, 2), AMP_SNAPSHOT_TRAIN);
  assert_int_equal(amp_online_training_snapshots(&cfg, 100), 98);
}

static void abp_takes_rotational_diffusion(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok("[system]\nmodel = \"abp\"\nparticles = 100\npacking_fraction = 0.4\n"
           "[dynamics]\nv0 = 1\nrotational_diffusion = 0.5\ndt = 0.01\n",
           &cfg);
  assert_int_equal(cfg.system.model, AMP_MODEL_ABP);
  assert_true(cfg.dynamics.rotational_diffusion == 0.5 && cfg.dynamics.v0 == 1.0);
}

/* Integers written for reals are accepted; TOML's digit separators too. */
static void numbers_in_every_toml_form(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok("[system]\nparticles = 4_096\nbox_length = 200\n[dynamics]\nv0 = 1\ngamma = 1e-4\ndt = 0.1\n", &cfg);
  assert_int_equal(cfg.system.particles, 4096);
  assert_true(cfg.system.box_length == 200.0 && cfg.dynamics.v0 == 1.0);
}

/* ---- the resolved configuration reads back to itself ---------------------- */

static char *written(const amp_config *cfg) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  amp_config_write(f, cfg);
  fclose(f);
  return text;
}

static void round_trip(const char *input) {
  amp_config first, second;
  parse_ok(input, &first);
  char *text = written(&first);
  char err[AMP_ERR_LEN];
  if (amp_config_parse(text, strlen(text), "run.toml", &second, err)) fail_msg("%s\nin:\n%s", err, text);
  char *again = written(&second);
  assert_string_equal(text, again);
  assert_memory_equal(&first.system, &second.system, sizeof first.system);
  assert_memory_equal(&first.derived, &second.derived, sizeof first.derived);
  free(text);
  free(again);
}

static void resolved_configuration_reads_back_identically(void **state) {
  (void)state;
  round_trip(SYSTEM AOUP);
  round_trip("[system]\nparticles = 100\nbox_length = 33.3\n[dynamics]\nv0 = 0.1\ngamma = 0.3\ndt = 0.01\n");
  round_trip("[system]\nmodel = \"abp\"\ndimension = 3\nparticles = 100\npacking_fraction = 0.1\n"
             "[dynamics]\nv0 = 1\nrotational_diffusion = 0.5\ndt = 0.01\n[run]\noutput_dir = \"a \\\"quoted\\\" dir\"\n");
  round_trip(SYSTEM AOUP "[simulate]\nsteps = 1000\n[train]\nsteps = 10\n[evaluate]\n");
  round_trip(SYSTEM AOUP "[simulate]\nsteps = 1000\n[train]\nsource = \"online\"\nsteps = 10\nreplay_frames = 3\n");
}

static void shipped_inputs_read_back_identically(void **state) {
  (void)state;
  static const char *const files[] = {"input/quickstart.toml", "input/mips_paper.toml"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
    char path[4096], err[AMP_ERR_LEN], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", srcdir(), files[i]);
    assert_int_equal(amp_config_read_file(path, &text, &len, err), AMP_CONFIG_OK);
    text = realloc(text, len + 1);
    text[len] = '\0';
    round_trip(text);
    free(text);
  }
}

static void reals_are_written_shortest_and_exact(void **state) {
  (void)state;
  amp_config cfg;
  parse_ok("[system]\nparticles = 7\nbox_length = 30\n[dynamics]\nv0 = 0.1\ngamma = 1e-4\ndt = 0.3\n", &cfg);
  char *text = written(&cfg);
  assert_non_null(strstr(text, "\nv0 = 0.1\n"));
  assert_non_null(strstr(text, "\ngamma = 0.0001\n"));
  assert_non_null(strstr(text, "\nbox_length = 30.0\n"));
  assert_non_null(strstr(text, "\nprogress_interval = 10.0\n"));
  free(text);
}

/* ---- invalid inputs -------------------------------------------------------- */

static void unreadable_file_is_one_line(void **state) {
  (void)state;
  char err[AMP_ERR_LEN], *text;
  size_t len;
  assert_int_equal(amp_config_read_file("/nonexistent/input.toml", &text, &len, err), AMP_CONFIG_INVALID);
  assert_string_equal(err, "/nonexistent/input.toml: error: cannot open the input file: No such file or directory");
}

/* "# expect: {}:L:C: error: ..." on the first line of the file, {} standing for its path. */
static void check_invalid_file(const char *path) {
  char err[AMP_ERR_LEN], *text, expected[AMP_ERR_LEN + 8192];
  size_t len;
  amp_config cfg;
  assert_int_equal(amp_config_read_file(path, &text, &len, err), AMP_CONFIG_OK);
  const char *tag = "# expect: {}";
  if (strncmp(text, tag, strlen(tag))) fail_msg("%s has no '# expect: {}...' first line", path);
  int n = (int)strcspn(text + strlen(tag), "\n");
  snprintf(expected, sizeof expected, "%s%.*s", path, n, text + strlen(tag));
  int status = amp_config_parse(text, len, path, &cfg, err);
  free(text);
  if (status != AMP_CONFIG_INVALID) fail_msg("%s was accepted", path);
  if (strcmp(err, expected)) fail_msg("%s:\n  expected: %s\n  got:      %s", path, expected, err);
  assert_null(strchr(err, '\n'));
}

static int is_toml(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 5 && !strcmp(e->d_name + n - 5, ".toml");
}

static void every_invalid_input_gives_its_located_line(void **state) {
  (void)state;
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/inputs/invalid", srcdir());
  struct dirent **names;
  int n = scandir(dir, &names, is_toml, alphasort);
  assert_true(n >= 25);
  for (int i = 0; i < n; ++i) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
    check_invalid_file(path);
    free(names[i]);
  }
  free(names);
}

static void garbage_bytes_are_a_syntax_error(void **state) {
  (void)state;
  amp_config cfg;
  char err[AMP_ERR_LEN];
  const char bytes[] = {'[', 's', 0, (char)0xff, ']', '\n'};
  assert_int_equal(amp_config_parse(bytes, sizeof bytes, "t.toml", &cfg, err), AMP_CONFIG_INVALID);
  assert_int_equal(strncmp(err, "t.toml:1:", 9), 0);
}

static void suggestions_need_a_close_name(void **state) {
  (void)state;
  expect_error("[system]\nparticlez = 1\n", "t.toml:2:1: error: unknown key [system] particlez (did you mean 'particles'?)");
  expect_error("[system]\nwhatever = 1\n",
               "t.toml:2:1: error: unknown key [system] whatever (the keys of [system] are listed in doc/input.md)");
  expect_error("[nonsense]\n", "t.toml:1:2: error: unknown table [nonsense] (the tables are listed in doc/input.md)");
  expect_error("[system]\nparticles = 10\npacking_fraction = 0.1\n[interaction]\npotential = \"lj\"\n",
               "t.toml:5:13: error: [interaction] potential = \"lj\": must be \"softplus_harmonic\", \"harmonic\", "
               "\"wca\" or \"none\"");
}

static void the_first_error_in_file_order_is_reported(void **state) {
  (void)state;
  expect_error("[system]\nzzz = 1\naaa = 2\n", "t.toml:2:1: error: unknown key [system] zzz (the keys of [system] are listed in doc/input.md)");
  expect_error("[train]\nsteps = 0\n[system]\nparticles = 0\n", "t.toml:2:9: error: [train] steps = 0: must be >= 1");
}

/* [network] neighborhood: space by default, bonds only with a bond graph,
 * and only when the network is used (train or evaluate). */
static void bond_graph_neighborhoods_need_bonds(void **state) {
  (void)state;
  amp_config cfg;
  const char *bonded = SYSTEM AOUP "[interaction]\nbonds = \"ring\"\n";
  char text[512];
  parse_ok(SYSTEM AOUP "[train]\nsteps = 1\ndata = \"d.h5\"\n", &cfg);
  assert_int_equal(cfg.network.neighborhood, AMP_NEIGHBORHOOD_SPACE);
  snprintf(text, sizeof text, "%s[network]\nneighborhood = \"bonds\"\n[train]\nsteps = 1\ndata = \"d.h5\"\n", bonded);
  parse_ok(text, &cfg);
  assert_int_equal(cfg.network.neighborhood, AMP_NEIGHBORHOOD_BONDS);
  assert_string_equal(amp_neighborhood_name(cfg.network.neighborhood), "bonds");
  expect_error(SYSTEM AOUP "[network]\nneighborhood = \"bonds\"\n[train]\nsteps = 1\ndata = \"d.h5\"\n",
               "t.toml:9:16: error: [network] neighborhood = \"bonds\" walks the bond graph, but [interaction] "
               "bonds = \"none\": set bonds (\"chain\", \"ring\", \"lattice\" or \"distance\"), or use "
               "neighborhood = \"space\"");
  expect_error(SYSTEM AOUP "[network]\nneighborhood = \"graph\"\n",
               "t.toml:9:16: error: [network] neighborhood = \"graph\": must be \"space\" or \"bonds\"");
  parse_ok(SYSTEM AOUP "[network]\nneighborhood = \"bonds\"\n", &cfg); /* no network stage: not checked */
}

static void int_fields_reject_values_beyond_int(void **state) {
  (void)state;
  expect_error("[run]\nreplicas = 3000000000\n", "t.toml:2:12: error: [run] replicas = 3000000000: must be >= 1");
}

/* --set: a value replaced, a key added to a table of the file, a table the
 * file lacks created; overrides apply in order and are checked like the
 * file's lines. */
static void overrides_replace_add_and_are_checked(void **state) {
  (void)state;
  const char *text = "[system]\nparticles = 100\npacking_fraction = 0.5\n[dynamics]\nv0 = 1.0\ngamma = 0.1\n"
                     "dt = 0.01\n[simulate]\nsteps = 100\n";
  const char *sets[] = {"system.packing_fraction=0.25", "system.dimension=3", "run.output_dir=\"out/a\"",
                        "system.packing_fraction=0.125"};
  amp_config cfg;
  char err[AMP_ERR_LEN];
  assert_int_equal(amp_config_parse_with(text, strlen(text), "t.toml", sets, 4, &cfg, err), AMP_CONFIG_OK);
  assert_true(cfg.system.packing_fraction == 0.125 && cfg.system.dimension == 3 && cfg.system.particles == 100);
  assert_string_equal(cfg.run.output_dir, "out/a");
  const char *bad[] = {"system.packing_fraction=2"};
  assert_int_equal(amp_config_parse_with(text, strlen(text), "t.toml", bad, 1, &cfg, err), AMP_CONFIG_INVALID);
  assert_string_equal(err, "t.toml: error: [system] packing_fraction = 2: must be 0 < x <= 1");
  const char *malformed[] = {"particles=3"};
  assert_int_equal(amp_config_parse_with(text, strlen(text), "t.toml", malformed, 1, &cfg, err), AMP_CONFIG_INVALID);
  assert_non_null(strstr(err, "--set particles=3: error: expected table.key=value"));
  const char *nested[] = {"system.a.b=1"};
  assert_int_equal(amp_config_parse_with(text, strlen(text), "t.toml", nested, 1, &cfg, err), AMP_CONFIG_INVALID);
  assert_non_null(strstr(err, "--set system.a.b=1: error: expected table.key=value"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_fill_every_optional_key),
      cmocka_unit_test(box_length_follows_from_packing_fraction),
      cmocka_unit_test(packing_fraction_follows_from_box_length),
      cmocka_unit_test(force_cutoff_of_each_potential),
      cmocka_unit_test(stages_default_to_the_tables_present),
      cmocka_unit_test(stage_inputs_default_to_earlier_stage_outputs),
      cmocka_unit_test(schedule_defaults_follow_the_steps),
      cmocka_unit_test(online_snapshots_are_skipped_held_out_or_trained),
      cmocka_unit_test(abp_takes_rotational_diffusion),
      cmocka_unit_test(numbers_in_every_toml_form),
      cmocka_unit_test(resolved_configuration_reads_back_identically),
      cmocka_unit_test(shipped_inputs_read_back_identically),
      cmocka_unit_test(reals_are_written_shortest_and_exact),
      cmocka_unit_test(unreadable_file_is_one_line),
      cmocka_unit_test(every_invalid_input_gives_its_located_line),
      cmocka_unit_test(garbage_bytes_are_a_syntax_error),
      cmocka_unit_test(suggestions_need_a_close_name),
      cmocka_unit_test(the_first_error_in_file_order_is_reported),
      cmocka_unit_test(int_fields_reject_values_beyond_int),
      cmocka_unit_test(overrides_replace_add_and_are_checked),
      cmocka_unit_test(bond_graph_neighborhoods_need_bonds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
