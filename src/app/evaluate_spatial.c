/*
 * The evaluate stage's spatial views of a snapshot (evaluate_internal.h):
 * coarse-grained fields on a grid, and the radial profile of sigma about
 * the largest cluster.
 *
 * Fields. Every owned particle deposits (1, sigma_i, u_i) into the DMDA of
 * fields.h, which makes the particle density, the EPR density and the
 * current on the grid. u_i is the particle's probability flow in position
 * space: v_x = b_x - eps s_x when it enters sigma (a position head and
 * eps > 0), else the drift b_x, which is v_x itself when eps = 0 and, with
 * eps > 0 but no position head, misses the term -eps grad(density) of the
 * current (evaluate.md). A replica's DMDA spans its own ranks; the grid's
 * blocks are written after each frame, and their mean over the snapshots
 * (by replica 0) when the file is finished.
 *
 * Clusters. One MPI_Gatherv brings the ids and positions of the solid and
 * interface particles to the replica's rank 0 (the same whether the frame
 * was read from a file or is the live simulation's, in situ), which finds
 * the largest cluster among them (clusters.h) and broadcasts its size and
 * centre over the replica. That rank's memory for this is N bytes of
 * flags, N (1 + d) doubles of gathered records and N slots plus, per solid
 * or interface particle, its row (8 (1 + d + nq) bytes), two union-find
 * words and its cell entry: a few MB for N = 1e5. Every rank then bins its
 * own particles about the centre (radial.h) and one MPI_Allreduce over the
 * replica sums the bins.
 *
 * The run's sums (the mean profile, the fields' mean) are added from the
 * frame's numbers as epr.h5 records them and from the frame's block of
 * fields, in frame order whichever replica computed the frame
 * (evaluate_rounds.c), so they do not depend on the replicas, and a
 * restarted in situ run rebuilds them bit for bit from the frames it keeps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/radial.h"
#include "activempi/timers.h"
#include "evaluate_internal.h"

static int fail(amp_evaluate *e, const char *what) {
  snprintf(e->error, sizeof e->error, "%s", what);
  return -1;
}

/* Where profile observable k starts in a frame's numbers. */
static size_t profile_at(const amp_evaluate_spatial *s, int k) {
  size_t at = AMP_EVAL_NSCALARS;
  for (int j = 0; j < k; ++j) at += (size_t)s->width[j];
  return at;
}

/* Profile observable k of the frame being computed. */
static double *profile(amp_evaluate_spatial *s, int k) { return s->numbers + profile_at(s, k); }

/* Room for n owned rows of deposits and records. Local; 0 or -1. */
static int reserve(amp_evaluate_spatial *s, size_t n, int d) {
  if (n <= s->capacity) return 0;
  double *values = realloc(s->values, n * (size_t)(2 + d) * sizeof *values);
  if (values) s->values = values;
  double *records = values ? realloc(s->records, n * (size_t)(1 + d) * sizeof *records) : NULL;
  if (!records) return -1;
  s->records = records;
  s->capacity = n;
  return 0;
}

/* The buffers, on every rank and the replica's rank 0's for the gather;
 * agreed. */
static int allocate(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  const int d = e->cfg->system.dimension, ranks = e->dom.nranks, root = e->dom.rank == 0;
  const size_t N = (size_t)e->cfg->system.particles;
  s->nnumbers = AMP_EVAL_NSCALARS + 1 + d + 2 * s->bins;
  int bad = !(s->numbers = calloc((size_t)s->nnumbers, sizeof *s->numbers)) ||
            !(s->count_sum = calloc((size_t)s->bins, sizeof *s->count_sum)) ||
            !(s->sigma_sum = calloc((size_t)s->bins, sizeof *s->sigma_sum)) || reserve(s, root ? N : 1, d);
  if (!bad && root)
    bad = !(s->counts = malloc((size_t)ranks * sizeof *s->counts)) ||
          !(s->displs = malloc((size_t)ranks * sizeof *s->displs)) || !(s->member = malloc(N)) ||
          !(s->slot = malloc(N * sizeof *s->slot)) ||
          amp_particles_init(&s->dense, d, e->p.nq, N);
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS || bad)
    return fail(e, "out of memory for the fields and the radial profile");
  return 0;
}

/* The DMDA, when [evaluate] field_cells > 0 fits the process grid. */
static int create_fields(amp_evaluate *e) {
  const int n = e->cfg->evaluate.field_cells, d = e->dom.dim;
  if (n == 0) return 0;
  for (int a = 0; a < d; ++a)
    if (n < e->dom.dims[a]) {
      snprintf(e->error, sizeof e->error,
               "[evaluate] field_cells = %d is fewer than the %d ranks along %c of the %d-rank process grid: use "
               "at least %d cells, fewer ranks, or field_cells = 0",
               n, e->dom.dims[a], "xyz"[a], e->dom.nranks, e->dom.dims[a]);
      return -1;
    }
  return amp_fields_create(&e->spatial.fields, &e->dom, n, 2 + d) ? fail(e, "cannot create the fields' DMDA") : 0;
}

int amp_evaluate_spatial_init(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  const int d = e->cfg->system.dimension;
  s->bins = amp_radial_bins(e->cfg->system.box_length, e->cfg->evaluate.radial_bin);
  s->width[AMP_EVAL_CLUSTER_SIZE] = 1;
  s->width[AMP_EVAL_CLUSTER_CENTER] = d;
  s->width[AMP_EVAL_RADIAL_COUNT] = s->width[AMP_EVAL_RADIAL_SIGMA] = s->bins;
  if (amp_timer_register("analysis", "AmpEvaluateFields", &s->ev_fields) ||
      amp_timer_register("analysis", "AmpEvaluateClusters", &s->ev_clusters) ||
      amp_timer_register("io", "AmpEvaluateFieldsOut", &s->ev_write))
    return fail(e, "cannot register the timers");
  return allocate(e) || create_fields(e) ? -1 : 0;
}

/* This snapshot's fields from the owned rows (its frame). */
static int deposit(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  const size_t d = (size_t)e->dom.dim, w = 2 + d;
  for (size_t i = 0; i < e->p.nowned; ++i) {
    const double *u = e->epr.law.position ? e->point[i].v_x : e->epr.b + i * d;
    s->values[i * w] = 1;
    s->values[i * w + 1] = e->obs[AMP_EVAL_SIGMA][i];
    memcpy(s->values + i * w + 2, u, d * sizeof *u);
  }
  amp_timer_begin(s->ev_fields);
  PetscErrorCode status = amp_fields_deposit(&s->fields, e->p.nowned, e->p.x, s->values);
  amp_timer_end(s->ev_fields);
  return status ? fail(e, "cannot deposit the fields") : 0;
}

/* Rank 0: the gathered records (id, x) as the rows of s->dense, in id order. */
static void dense_rows(amp_evaluate *e, size_t gathered) {
  amp_evaluate_spatial *s = &e->spatial;
  const size_t N = (size_t)e->cfg->system.particles, d = (size_t)e->dom.dim;
  memset(s->member, 0, N);
  for (size_t k = 0; k < gathered; ++k) {
    size_t id = (size_t)s->records[k * (1 + d)];
    s->member[id] = 1;
    s->slot[id] = k;
  }
  s->dense.nowned = s->dense.nghost = 0;
  for (size_t id = 0; id < N; ++id) {
    if (!s->member[id]) continue;
    size_t row = s->dense.nowned++;
    s->dense.id[row] = (int64_t)id;
    memcpy(s->dense.x + row * d, s->records + s->slot[id] * (1 + d) + 1, d * sizeof(double));
  }
}

/* Rank 0: the largest cluster of the gathered particles; found[0] = -1
 * when out of memory, else its size, and found[1..d] its centre. */
static void largest(amp_evaluate *e, size_t gathered, double *found) {
  amp_evaluate_spatial *s = &e->spatial;
  const double L = e->cfg->system.box_length;
  dense_rows(e, gathered);
  long long size = amp_largest_cluster(&s->cluster, &s->dense, L, e->rule.radius, s->member);
  found[0] = (double)size;
  if (size > 0) amp_periodic_center(&s->dense, s->member, L, found + 1);
  for (int a = 0; size <= 0 && a < e->dom.dim; ++a) found[1 + a] = NAN;
}

/* The records (id, x) of the owned solid and interface particles, gathered
 * on the replica's rank 0; the number gathered into *gathered (there). 0,
 * or -1 when MPI fails. */
static int gather_dense(amp_evaluate *e, size_t *gathered) {
  amp_evaluate_spatial *s = &e->spatial;
  const int d = e->dom.dim, w = 1 + d;
  int mine = 0;
  for (size_t i = 0; i < e->p.nowned; ++i) {
    if (e->obs[AMP_EVAL_PHASE][i] == AMP_PHASE_GAS) continue;
    s->records[(size_t)mine * w] = (double)e->p.id[i];
    memcpy(s->records + (size_t)mine * w + 1, e->p.x + i * d, (size_t)d * sizeof(double));
    mine++;
  }
  int values = mine * w;
  if (MPI_Gather(&values, 1, MPI_INT, s->counts, 1, MPI_INT, 0, e->dom.comm) != MPI_SUCCESS) return -1;
  *gathered = 0;
  for (int r = 0; e->dom.rank == 0 && r < e->dom.nranks; ++r) {
    s->displs[r] = (int)*gathered * w;
    *gathered += (size_t)s->counts[r] / (size_t)w;
  }
  const void *send = e->dom.rank == 0 ? MPI_IN_PLACE : s->records;
  return MPI_Gatherv(send, values, MPI_DOUBLE, s->records, s->counts, s->displs, MPI_DOUBLE, 0, e->dom.comm) !=
                 MPI_SUCCESS
             ? -1
             : 0;
}

/* The largest cluster's size and centre into the frame's numbers. */
static int cluster(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  double found[1 + AMP_DOMAIN_MAXDIM];
  size_t gathered;
  if (gather_dense(e, &gathered)) return fail(e, "MPI_Gatherv of the solid and interface particles failed");
  if (e->dom.rank == 0) largest(e, gathered, found);
  if (MPI_Bcast(found, 1 + e->dom.dim, MPI_DOUBLE, 0, e->dom.comm) != MPI_SUCCESS)
    return fail(e, "MPI_Bcast failed");
  if (found[0] < 0) return fail(e, "out of memory finding the clusters");
  memcpy(profile(s, AMP_EVAL_CLUSTER_SIZE), found, (size_t)(1 + e->dom.dim) * sizeof *found);
  return 0;
}

void amp_evaluate_spatial_accumulate(amp_evaluate *e, const double *numbers) {
  amp_evaluate_spatial *s = &e->spatial;
  const double size = numbers[profile_at(s, AMP_EVAL_CLUSTER_SIZE)];
  const double *count = numbers + profile_at(s, AMP_EVAL_RADIAL_COUNT);
  const double *sigma = numbers + profile_at(s, AMP_EVAL_RADIAL_SIGMA);
  for (int b = 0; size > 0 && b < s->bins; ++b) {
    s->count_sum[b] += count[b];
    if (count[b] > 0) s->sigma_sum[b] += sigma[b] * count[b];
  }
  s->size_sum += size;
  s->clustered += size > 0;
}

/* Every rank's particles binned about the centre, summed over the
 * replica's ranks; the mean sigma per bin. */
static int radial(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  const double size = *profile(s, AMP_EVAL_CLUSTER_SIZE);
  double *count = profile(s, AMP_EVAL_RADIAL_COUNT), *sigma = profile(s, AMP_EVAL_RADIAL_SIGMA);
  memset(count, 0, 2 * (size_t)s->bins * sizeof *count); /* count, then sigma */
  if (size > 0)
    amp_radial_add(e->p.x, e->obs[AMP_EVAL_SIGMA], e->p.nowned, e->dom.dim, e->cfg->system.box_length,
                   profile(s, AMP_EVAL_CLUSTER_CENTER), e->cfg->evaluate.radial_bin, s->bins, count, sigma);
  if (MPI_Allreduce(MPI_IN_PLACE, count, 2 * s->bins, MPI_DOUBLE, MPI_SUM, e->dom.comm) != MPI_SUCCESS)
    return fail(e, "MPI_Allreduce failed");
  for (int b = 0; b < s->bins; ++b) sigma[b] = count[b] > 0 ? sigma[b] / count[b] : NAN;
  return 0;
}

int amp_evaluate_spatial_frame(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  int bad = reserve(s, e->p.nowned, e->dom.dim);
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, e->dom.comm) != MPI_SUCCESS || bad)
    return fail(e, "out of memory for the fields and the radial profile");
  if (s->fields.n && deposit(e)) return -1;
  amp_timer_begin(s->ev_clusters);
  int status = cluster(e) || radial(e) ? -1 : 0;
  amp_timer_end(s->ev_clusters);
  return status;
}

/* Field k's whole grid (w components per cell, x fastest) into component
 * `at` onwards of this rank's block of the frame's fields. */
static void restore_field(amp_fields *f, PetscScalar *block, const double *grid, int w, int at,
                          const int64_t *start, const int64_t *count) {
  const int64_t n = f->n;
  size_t cell = 0;
  for (int64_t k = 0; k < (f->dim > 2 ? count[2] : 1); ++k)
    for (int64_t j = 0; j < (f->dim > 1 ? count[1] : 1); ++j)
      for (int64_t i = 0; i < count[0]; ++i, ++cell) {
        int64_t z = f->dim > 2 ? start[2] + k : 0, y = f->dim > 1 ? start[1] + j : 0;
        const double *from = grid + ((z * n + y) * n + start[0] + i) * w;
        memcpy(block + cell * (size_t)f->dof + at, from, (size_t)w * sizeof *from);
      }
}

int amp_evaluate_spatial_restore(amp_evaluate *e, const double *const grid[3]) {
  amp_fields *f = &e->spatial.fields;
  const int widths[3] = {1, 1, e->dom.dim};
  int64_t start[3], count[3];
  PetscScalar *block;
  if (!f->n) return 0;
  if (amp_fields_corners(f, start, count) || VecGetArray(f->frame, &block)) return fail(e, "cannot restore the fields");
  for (int k = 0, at = 0; k < 3; at += widths[k++]) restore_field(f, block, grid[k], widths[k], at, start, count);
  return VecRestoreArray(f->frame, &block) || amp_fields_accumulate(f) ? fail(e, "cannot restore the fields") : 0;
}

size_t amp_evaluate_spatial_block(const amp_evaluate *e) {
  PetscInt n = 0;
  if (e->spatial.fields.n && VecGetLocalSize(e->spatial.fields.frame, &n)) return 0;
  return (size_t)n;
}

int amp_evaluate_spatial_copy(amp_evaluate *e, double *block) {
  const PetscScalar *a;
  const size_t n = amp_evaluate_spatial_block(e);
  if (!n) return 0;
  if (VecGetArrayRead(e->spatial.fields.frame, &a)) return fail(e, "cannot read the fields");
  memcpy(block, a, n * sizeof *block);
  return VecRestoreArrayRead(e->spatial.fields.frame, &a) ? fail(e, "cannot read the fields") : 0;
}

int amp_evaluate_spatial_add(amp_evaluate *e, const double *block) {
  amp_fields *f = &e->spatial.fields;
  PetscScalar *a;
  const size_t n = amp_evaluate_spatial_block(e);
  if (!n) return 0;
  if (VecGetArray(f->frame, &a)) return fail(e, "cannot add the fields");
  memcpy(a, block, n * sizeof *a);
  return VecRestoreArray(f->frame, &a) || amp_fields_accumulate(f) ? fail(e, "cannot add the fields") : 0;
}

/* This rank's block of the fields (frame, or their mean: sum after
 * amp_fields_mean) into frame `frame` of the output (NULL suffix), or its
 * dataset of that suffix; mine = 0: no cells (another replica writes them). */
static int write_block(amp_evaluate *e, Vec v, const char *suffix, int64_t frame, int mine) {
  amp_fields *f = &e->spatial.fields;
  int64_t start[3], count[3];
  const PetscScalar *a;
  if (amp_fields_corners(f, start, count) || VecGetArrayRead(v, &a)) return fail(e, "cannot read the fields");
  for (int k = 0; !mine && k < 3; ++k) count[k] = 0;
  int status = suffix ? amp_h5md_write_grid_fixed(e->out, suffix, start, count, a, e->error)
                      : amp_h5md_write_grid(e->out, frame, start, count, a, e->error);
  return VecRestoreArrayRead(v, &a) || status ? -1 : 0;
}

int amp_evaluate_spatial_write(amp_evaluate *e, int64_t frame, int mine) {
  amp_evaluate_spatial *s = &e->spatial;
  if (!s->fields.n) return 0;
  amp_timer_begin(s->ev_write);
  int status = write_block(e, s->fields.frame, NULL, frame, mine);
  amp_timer_end(s->ev_write);
  return status;
}

/* The run's radial profile and largest cluster, as root attributes. */
static int radial_attributes(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  const double n = (double)s->clustered, width = e->cfg->evaluate.radial_bin;
  double mean_size = n > 0 ? s->size_sum / n : NAN;
  for (int b = 0; b < s->bins; ++b) {
    s->sigma_sum[b] = s->count_sum[b] > 0 ? s->sigma_sum[b] / s->count_sum[b] : NAN;
    s->count_sum[b] = n > 0 ? s->count_sum[b] / n : NAN;
  }
  return amp_h5md_attr_numbers(e->out, "radial_bin_width", 0, &width, e->error) ||
                 amp_h5md_attr_numbers(e->out, "radial_count_mean", s->bins, s->count_sum, e->error) ||
                 amp_h5md_attr_numbers(e->out, "radial_sigma_mean", s->bins, s->sigma_sum, e->error) ||
                 amp_h5md_attr_numbers(e->out, "cluster_size_mean", 0, &mean_size, e->error) ||
                 amp_h5md_attr_numbers(e->out, "cluster_snapshots", 0, &n, e->error)
             ? -1
             : 0;
}

int amp_evaluate_spatial_finish(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  if (radial_attributes(e)) return -1;
  if (!s->fields.n) return 0;
  const char *velocity = e->epr.law.position ? "v_x" : "b_x";
  if (amp_h5md_attr_text(e->out, "field_current_velocity", velocity, e->error) ||
      amp_h5md_attr_text(e->out, "field_deposit", "nearest grid point", e->error))
    return -1;
  if (amp_fields_mean(&s->fields)) return fail(e, "cannot average the fields");
  amp_timer_begin(s->ev_write);
  int status = write_block(e, s->fields.sum, "_mean", -1, e->replica.index == 0);
  amp_timer_end(s->ev_write);
  return status;
}

void amp_evaluate_spatial_report(const amp_evaluate *e) {
  const amp_evaluate_spatial *s = &e->spatial;
  const amp_fields *f = &s->fields;
  if (f->n)
    printf("evaluate: fields on %d^%d cells of side %.4g (nearest grid point): particle density, EPR density, "
           "current of %s; per snapshot and their mean\n",
           f->n, f->dim, f->h, e->epr.law.position ? "v_x" : "b_x");
  printf("evaluate: largest cluster %.6g particles on average (%lld of %lld snapshots have one); radial profile "
         "in %d bins of %.4g\n",
         s->clustered ? s->size_sum / (double)s->clustered : 0.0, s->clustered, (long long)e->done, s->bins,
         e->cfg->evaluate.radial_bin);
}

void amp_evaluate_spatial_free(amp_evaluate *e) {
  amp_evaluate_spatial *s = &e->spatial;
  amp_fields_destroy(&s->fields);
  amp_cluster_work_free(&s->cluster);
  if (s->dense.capacity) amp_particles_free(&s->dense);
  free(s->values);
  free(s->records);
  free(s->slot);
  free(s->counts);
  free(s->displs);
  free(s->member);
  free(s->numbers);
  free(s->count_sum);
  free(s->sigma_sum);
  memset(s, 0, sizeof *s);
}
