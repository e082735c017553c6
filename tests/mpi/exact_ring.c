/*
 * The ring reference (exact_ring.h) on any number of ranks: the discrete
 * operator conserves probability (its columns sum to zero); without
 * interactions the density, score and EPR are the analytic ones; the paper's
 * ring converges at second order to a known EPR; and the answer on all ranks
 * equals the answer of one rank alone.
 */
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

/* Before PETSc's headers, whose logging macros wrap its MPI calls. */
#include "mpi_test.h"

#include "activempi/exact_ring.h"

/* The paper's ring EPR: Richardson's extrapolation of the 2048 x 256 and
 * 4096 x 512 grids (0.96169626) and of the 1024 x 128 and 2048 x 256 grids
 * (0.96169632) agree to 6e-8 (doc/exact-ring.md). */
#define REFERENCE_EPR 0.9616963

/* The paper's ring (science.md §5) with a potential. */
static amp_config paper(amp_potential potential) {
  amp_config cfg = {0};
  cfg.system.model = AMP_MODEL_AOUP;
  cfg.system.dimension = 1;
  cfg.system.particles = 2;
  cfg.system.radius = 1;
  cfg.system.box_length = 16;
  cfg.interaction.potential = potential;
  cfg.interaction.stiffness = 2.5;
  cfg.interaction.beta = 7.5;
  cfg.derived.force_cutoff = potential == AMP_POTENTIAL_NONE ? 0 : 2 + log(1e8) / 7.5;
  cfg.dynamics.v0 = 0.25;
  cfg.dynamics.gamma = 0.1;
  cfg.dynamics.translational_diffusion = 0.1;
  cfg.exact.ring_u_max = 8;
  return cfg;
}

static void solve(MPI_Comm comm, amp_potential potential, int nr, int nu, amp_ring_problem *rp,
                  amp_ring_solution *s) {
  amp_config cfg = paper(potential);
  assert_int_equal(amp_ring_problem_setup(rp, &cfg, nr, nu), 0);
  assert_int_equal(amp_ring_solve(comm, rp, s), 0);
}

static void release(amp_ring_problem *rp, amp_ring_solution *s) {
  amp_ring_problem_free(rp);
  assert_int_equal(amp_ring_solution_destroy(s), 0);
}

static void operator_columns_sum_to_zero(void **state) {
  (void)state;
  amp_config cfg = paper(AMP_POTENTIAL_SOFTPLUS_HARMONIC);
  amp_ring_problem rp;
  DM da;
  Mat A;
  Vec ones, sums;
  PetscReal largest, worst;
  assert_int_equal(amp_ring_problem_setup(&rp, &cfg, 96, 24), 0);
  assert_int_equal(amp_ring_dm(MPI_COMM_WORLD, &rp, &da), 0);
  assert_int_equal(DMCreateMatrix(da, &A), 0);
  assert_int_equal(amp_ring_operator(da, &rp, A), 0);
  assert_int_equal(MatCreateVecs(A, &ones, &sums), 0);
  assert_int_equal(VecSet(ones, 1), 0);
  assert_int_equal(MatMultTranspose(A, ones, sums), 0);
  assert_int_equal(MatNorm(A, NORM_MAX, &largest), 0);
  assert_int_equal(VecNorm(sums, NORM_INFINITY, &worst), 0);
  print_message("# largest entry %g, largest column sum %g\n", (double)largest, (double)worst);
  assert_true(worst <= 1e-14 * largest);
  assert_int_equal(VecDestroy(&ones) || VecDestroy(&sums) || MatDestroy(&A) || DMDestroy(&da), 0);
  amp_ring_problem_free(&rp);
}

/* Without forces: p = exp(-u^2/2)/(L Z) with Z the discrete sum (exact for
 * the scheme), s_r = 0, s_u = -u away from the walls, EPR = 2 v0^2/eps. */
static void free_particles_match_the_analytic_state(void **state) {
  (void)state;
  amp_ring_problem rp;
  amp_ring_solution s;
  solve(MPI_COMM_WORLD, AMP_POTENTIAL_NONE, 64, 48, &rp, &s);
  double Z = 0, worst_p = 0, worst_s = 0;
  for (int j = 0; j < rp.cells_u; ++j) Z += exp(-0.5 * amp_ring_u(&rp, j) * amp_ring_u(&rp, j)) * rp.hu;
  PetscInt xs, ys, xm, ym;
  PetscScalar **p, **sr, **su;
  assert_int_equal(DMDAGetCorners(s.da, &xs, &ys, NULL, &xm, &ym, NULL), 0);
  assert_int_equal(DMDAVecGetArrayRead(s.da, s.density, &p) || DMDAVecGetArrayRead(s.da, s.score_r, &sr) ||
                       DMDAVecGetArrayRead(s.da, s.score_u, &su),
                   0);
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      double u = amp_ring_u(&rp, (int)j), exact = exp(-0.5 * u * u) / (rp.L * Z);
      worst_p = fmax(worst_p, fabs(p[j][i] / exact - 1));
      worst_s = fmax(worst_s, fabs(sr[j][i]));
      if (j > 0 && j + 1 < rp.cells_u) worst_s = fmax(worst_s, fabs(su[j][i] + u));
    }
  assert_int_equal(DMDAVecRestoreArrayRead(s.da, s.density, &p) || DMDAVecRestoreArrayRead(s.da, s.score_r, &sr) ||
                       DMDAVecRestoreArrayRead(s.da, s.score_u, &su),
                   0);
  double exact = 2 * rp.v0 * rp.v0 / rp.eps;
  print_message("# density %.3g, score %.3g, EPR %.15g (exact %.15g)\n", worst_p, worst_s, s.epr.total, exact);
  assert_true(worst_p < 1e-11 && worst_s < 1e-9);
  assert_true(fabs(s.epr.total / exact - 1) < 1e-12 && fabs(s.epr.x / exact - 1) < 1e-12);
  assert_true(fabs(s.epr.g) < 1e-12 && fabs(s.epr.network_free / exact - 1) < 1e-12);
  release(&rp, &s);
}

/* The chain rule: free particles have s_x = 0 and s_g = -g. */
static void particle_scores_follow_the_chain_rule(void **state) {
  (void)state;
  double g1 = 0.7, g2 = -1.3, score[4];
  amp_ring_particle_scores(0, -(g1 - g2) / sqrt(2.0), g1, g2, score);
  assert_float_equal(score[0], 0, 1e-15);
  assert_float_equal(score[1], 0, 1e-15);
  assert_float_equal(score[2], -g1, 1e-15);
  assert_float_equal(score[3], -g2, 1e-15);
}

/* The paper's ring on 128 x 16 ... 512 x 64: order 2, and the Richardson
 * value within 1e-4 of the reference. */
static void paper_ring_converges_at_second_order(void **state) {
  (void)state;
  amp_ring_convergence c = {.levels = 3};
  for (int l = 0; l < 3; ++l) {
    amp_ring_problem rp;
    amp_ring_solution s;
    solve(MPI_COMM_WORLD, AMP_POTENTIAL_SOFTPLUS_HARMONIC, 512 >> l, 64 >> l, &rp, &s);
    c.epr[l] = s.epr.total;
    assert_true(fabs(s.epr.network_free / s.epr.total - 1) < 0.02);
    release(&rp, &s);
  }
  amp_ring_convergence_estimate(&c);
  print_message("# EPR %.10g %.10g %.10g: order %.4g, extrapolated %.10g +- %.2g\n", c.epr[2], c.epr[1], c.epr[0],
                c.order, c.extrapolated, c.error);
  assert_true(fabs(c.order - 2) < 0.15);
  assert_true(fabs(c.extrapolated - REFERENCE_EPR) < 1e-4 && c.error < 2e-3);
}

/* Rank 0 of each pair of solves compares the parallel density with its own serial one. */
static void all_ranks_give_the_answer_of_one(void **state) {
  (void)state;
  amp_ring_problem rp, rp1;
  amp_ring_solution s, s1;
  solve(MPI_COMM_WORLD, AMP_POTENTIAL_SOFTPLUS_HARMONIC, 128, 32, &rp, &s);
  solve(PETSC_COMM_SELF, AMP_POTENTIAL_SOFTPLUS_HARMONIC, 128, 32, &rp1, &s1);
  PetscInt xs, ys, xm, ym;
  PetscScalar **p, **p1;
  double worst = 0;
  assert_int_equal(DMDAGetCorners(s.da, &xs, &ys, NULL, &xm, &ym, NULL), 0);
  assert_int_equal(DMDAVecGetArrayRead(s.da, s.density, &p) || DMDAVecGetArrayRead(s1.da, s1.density, &p1), 0);
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) worst = fmax(worst, fabs(p[j][i] / p1[j][i] - 1));
  assert_int_equal(DMDAVecRestoreArrayRead(s.da, s.density, &p) || DMDAVecRestoreArrayRead(s1.da, s1.density, &p1),
                   0);
  print_message("# EPR %.15g and alone %.15g; density differs by %.3g at most (relative)\n", s.epr.total,
                s1.epr.total, worst);
  assert_true(worst < 1e-11);
  assert_true(fabs(s.epr.total / s1.epr.total - 1) < 1e-12);
  release(&rp, &s);
  release(&rp1, &s1);
}

int main(int argc, char **argv) {
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(operator_columns_sum_to_zero),
      cmocka_unit_test(free_particles_match_the_analytic_state),
      cmocka_unit_test(particle_scores_follow_the_chain_rule),
      cmocka_unit_test(paper_ring_converges_at_second_order),
      cmocka_unit_test(all_ranks_give_the_answer_of_one),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  return PetscFinalize() ? 1 : status;
}
