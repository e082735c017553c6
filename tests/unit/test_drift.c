/*
 * The drift of a snapshot (analysis/drift.c) with pair forces, bonds and a
 * trap, which the evaluate and train stages use for v_x and the network-free
 * terms:
 *   - b_i = v0 g_i - A x_i - dU/dx_i with U the pair plus bond energy, by
 *     central differences (relative 1e-7), across the periodic boundary;
 *   - div_b_i = sum_a d b_ia / d x_ia, by central differences of b (1e-6);
 *   - a bond whose partner is not a row is reported with both ids (-2);
 *   - the ghost width is max(force cutoff, bond_reach);
 *   - the interaction force on every row, ghosts included (the tokens'
 *     forces), is b - v0 g bit for bit, and is refused with bonds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/drift.h"

enum { N = 8, D = 2 };
static const double L = 10;

static amp_config config(const char *bonds) {
  char text[1024], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\ndimension = %d\nparticles = %d\nbox_length = %.17g\n"
           "[interaction]\ntrap = 0.3\nbonds = \"%s\"\n%s\n"
           "[dynamics]\nv0 = 0.7\ngamma = 1.0\ntranslational_diffusion = 0.5\ndt = 0.002\n",
           D, N, L, bonds, strcmp(bonds, "none") ? "bond_stiffness = 1.3\nbond_reach = 4.0" : "");
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

/* A ring of particles about the corner of the box, close enough for pair forces. */
static void place(amp_particles *p) {
  p->nowned = N;
  for (int i = 0; i < N; ++i) {
    p->id[i] = i;
    p->x[i * D] = amp_wrap(4.5 + 0.8 * cos(0.8 * i), L);
    p->x[i * D + 1] = amp_wrap(-4.7 + 0.9 * sin(0.8 * i) + 0.05 * i, L);
    p->q[i * D] = sin(1.0 + i);
    p->q[i * D + 1] = cos(2.0 * i);
  }
}

/* The pair energy of all pairs plus the bonds' energy. */
static double energy(const amp_drift_work *w, const amp_particles *p) {
  double u = w->bonds ? amp_bonds_energy(w->bonds, p->x, L) : 0;
  for (int i = 0; i < N; ++i)
    for (int j = i + 1; j < N; ++j) {
      double r2 = 0;
      for (int a = 0; a < D; ++a) r2 += pow(amp_min_image(p->x[i * D + a] - p->x[j * D + a], L), 2);
      if (sqrt(r2) < w->cutoff) u += amp_pair_energy(&w->pair, sqrt(r2));
    }
  return u;
}

static void check_drift(const char *bonds) {
  amp_config cfg = config(bonds);
  amp_bonds graph;
  assert_int_equal(amp_bonds_build(&graph, &cfg, NULL), 0);
  amp_drift_work w;
  assert_int_equal(amp_drift_init(&w, &cfg, &graph), 0);
  assert_true((w.bonds != NULL) == (strcmp(bonds, "none") != 0));
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, D, D, N), 0);
  place(&p);
  double b[N * D], div[N], up[N * D], down[N * D];
  assert_int_equal(amp_drift_compute(&w, &p, b, div), 0);
  const double h = 1e-5;
  int pairs = 0;
  for (int k = 0; k < N * D; ++k) {
    const double keep = p.x[k];
    p.x[k] = keep + h;
    double u_up = energy(&w, &p);
    assert_int_equal(amp_drift_compute(&w, &p, up, NULL), 0);
    p.x[k] = keep - h;
    double u_down = energy(&w, &p);
    assert_int_equal(amp_drift_compute(&w, &p, down, NULL), 0);
    p.x[k] = keep;
    double want = 0.7 * p.q[k] - 0.3 * keep - (u_up - u_down) / (2 * h);
    if (!(fabs(b[k] - want) <= 1e-7 * (1 + fabs(want)))) fail_msg("%s: b[%d] = %.12g, want %.12g", bonds, k, b[k], want);
    pairs += fabs(b[k] - (0.7 * p.q[k] - 0.3 * keep)) > 0.1; /* the forces matter */
    div[k / D] -= (up[k] - down[k]) / (2 * h); /* leaves div b - sum_a d b_ia / d x_ia */
  }
  for (int i = 0; i < N; ++i)
    if (!(fabs(div[i]) <= 1e-6)) fail_msg("%s: div b[%d] off by %.3g", bonds, i, div[i]);
  assert_true(pairs > N);
  amp_particles_free(&p);
  amp_drift_free(&w);
  amp_bonds_free(&graph);
}

static void drift_is_minus_the_energy_gradient_with_pairs(void **state) {
  (void)state;
  check_drift("none");
}

static void drift_is_minus_the_energy_gradient_with_bonds(void **state) {
  (void)state;
  check_drift("ring");
}

static void a_missing_partner_names_the_bond(void **state) {
  (void)state;
  amp_config cfg = config("ring");
  amp_bonds graph;
  assert_int_equal(amp_bonds_build(&graph, &cfg, NULL), 0);
  amp_drift_work w;
  assert_int_equal(amp_drift_init(&w, &cfg, &graph), 0);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, D, D, N), 0);
  place(&p);
  p.nowned = N - 1; /* particle 7, partner of 0 and 6, is not a row */
  double b[N * D];
  assert_int_equal(amp_drift_compute(&w, &p, b, NULL), -2);
  assert_int_equal(w.bad[0], 0);
  assert_int_equal(w.bad[1], 7);
  amp_particles_free(&p);
  amp_drift_free(&w);
  amp_bonds_free(&graph);
}

/* Rows 5..7 as ghosts: every row's interaction force is the one all-owned
 * rows give, to the bit (the same sums in the same order), and b - v0 g to
 * rounding. */
static void forces_on_every_row_are_the_drift_less_self_propulsion(void **state) {
  (void)state;
  amp_config cfg = config("none");
  amp_drift_work w;
  assert_int_equal(amp_drift_init(&w, &cfg, NULL), 0);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, D, D, N), 0);
  place(&p);
  double b[N * D], owned[N * D], force[N * D];
  assert_int_equal(amp_drift_compute(&w, &p, b, NULL), 0);
  assert_int_equal(amp_drift_forces_all(&w, &p, owned), 0);
  p.nowned = 5, p.nghost = N - 5;
  assert_int_equal(amp_drift_forces_all(&w, &p, force), 0);
  int pairs = 0;
  for (int k = 0; k < N * D; ++k) {
    double want = b[k] - 0.7 * p.q[k];
    if (force[k] != owned[k]) fail_msg("force[%d] = %.17g with ghosts, %.17g without", k, force[k], owned[k]);
    if (!(fabs(force[k] - want) <= 1e-14 * (1 + fabs(want)))) fail_msg("force[%d] = %.17g, b - v0 g = %.17g", k, force[k], want);
    pairs += fabs(force[k] + 0.3 * p.x[k]) > 0.1; /* more than the trap */
  }
  assert_true(pairs > N);
  amp_drift_free(&w);
  amp_config bonded = config("ring");
  amp_bonds graph;
  assert_int_equal(amp_bonds_build(&graph, &bonded, NULL), 0);
  assert_int_equal(amp_drift_init(&w, &bonded, &graph), 0);
  assert_int_equal(amp_drift_forces_all(&w, &p, force), -1);
  amp_drift_free(&w);
  amp_bonds_free(&graph);
  amp_particles_free(&p);
}

static void ghost_width_covers_forces_and_bonds(void **state) {
  (void)state;
  amp_config cfg = config("ring");
  assert_true(cfg.derived.force_cutoff > 0);
  assert_true(amp_drift_halo_width(&cfg) == fmax(cfg.derived.force_cutoff, 4.0));
  cfg.interaction.bond_reach = 2 * cfg.derived.force_cutoff;
  assert_true(amp_drift_halo_width(&cfg) == cfg.interaction.bond_reach);
  cfg = config("none");
  assert_true(amp_drift_halo_width(&cfg) == cfg.derived.force_cutoff);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(drift_is_minus_the_energy_gradient_with_pairs),
      cmocka_unit_test(drift_is_minus_the_energy_gradient_with_bonds),
      cmocka_unit_test(a_missing_partner_names_the_bond),
      cmocka_unit_test(forces_on_every_row_are_the_drift_less_self_propulsion),
      cmocka_unit_test(ghost_width_covers_forces_and_bonds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
