/*
 * H5MD trajectories on 1, 2 and 4 ranks: every number written reads back
 * exactly whatever rank owned it; files written on one rank and on all of
 * them hold the same numbers; a reopened, truncated and continued file equals
 * an uninterrupted one; an unfinished file never appears under its final
 * name; wrong ids and missing files are refused on every rank; observables
 * with several components per particle land in [T][N][w] rows by id, and
 * the XDMF sidecar shows them as vectors; frames appended in rounds by
 * replicas (a frame each, the last round with a replica idle) make the
 * file that all ranks write one frame at a time.
 */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>

#include "activempi/app.h"
#include "activempi/h5md.h"
#include "activempi/parallel.h"
#include "mpi_test.h"
#include "sample.h"

static int rank, size;
static char dir[256];
static char *provenance;
static const double L = 12.5;
enum { N = 37, FRAMES = 4 };

static const char *pobs_names[] = {"entropy_production"};
static const char *sobs_names[] = {"entropy_production_total"};

static amp_h5md_spec spec_for(int d, int nq) {
  return (amp_h5md_spec){.particles = N, .dim = d, .box = L, .model = "test",
                         .internal = nq == d ? "self_propulsion" : "orientation", .internal_components = nq,
                         .particle_observables = 1, .particle_observable_names = pobs_names,
                         .scalar_observables = 1, .scalar_observable_names = sobs_names,
                         .configuration = "[system]\nparticles = 37\n", .provenance = provenance, .author = "tests"};
}

static double scalar_at(int64_t t) { return sample_value(SAMPLE_OBS, t, -1, 0, 1.0); }

/* Frames [from, to) of the sample data appended in rounds by the replicas
 * of r, a frame each: replica k writes frames from + k, from + k + R, ...,
 * its rows dealt over its ranks (in the last round the replicas past `to`
 * are idle); `offset` shifts the frame the values come from (to write
 * wrong frames). One replica appends with amp_h5md_append. */
static void append_rounds(amp_h5md *w, const amp_replica *r, int d, int nq, int64_t from, int64_t to, int64_t offset) {
  int me, p;
  MPI_Comm_rank(r->comm, &me);
  MPI_Comm_size(r->comm, &p);
  char err[AMP_IO_ERR_LEN];
  int64_t ids[N];
  double obs[N];
  size_t n = sample_deal(N, me, p, 7, ids);
  amp_particles part;
  assert_int_equal(amp_particles_init(&part, d, nq, N), 0);
  for (int64_t first = from; first < to; first += r->count) {
    const int64_t t = first + r->index, frames = to - first < r->count ? to - first : r->count;
    sample_fill(&part, t < to ? n : 0, ids, t + offset, L, obs);
    double total = scalar_at(t + offset);
    const double *pobs[] = {obs};
    int status = r->count == 1 ? amp_h5md_append(w, 100 * t, 0.5 * t, &part, pobs, &total, err)
                               : amp_h5md_append_round(w, (int)frames, t < to ? r->index : -1, r->comm, 100 * t,
                                                       0.5 * t, &part, pobs, &total, err);
    if (status) print_message("%s\n", err);
    assert_int_equal(status, AMP_IO_OK);
  }
  amp_particles_free(&part);
}

/* Frames [from, to) appended one at a time by all ranks of comm. */
static void append_frames(amp_h5md *w, MPI_Comm comm, int d, int nq, int64_t from, int64_t to, int64_t offset) {
  const amp_replica one = {.comm = comm, .index = 0, .count = 1};
  append_rounds(w, &one, d, nq, from, to, offset);
}

static void write_trajectory(const char *path, MPI_Comm comm, int d, int nq) {
  amp_h5md_spec spec = spec_for(d, nq);
  amp_h5md *w;
  char err[AMP_IO_ERR_LEN];
  assert_int_equal(amp_h5md_create(&w, path, comm, &spec, err), AMP_IO_OK);
  append_frames(w, comm, d, nq, 0, FRAMES, 0);
  assert_int_equal(amp_h5md_frames(w), FRAMES);
  assert_int_equal(amp_h5md_close(w, err), AMP_IO_OK);
}

/* Every number of the trajectory at path equals the sample's. */
static void check_trajectory(const char *path, MPI_Comm comm, int d, int nq) {
  char err[AMP_IO_ERR_LEN];
  amp_h5md_reader *r;
  amp_h5md_info info;
  assert_int_equal(amp_h5md_open(&r, path, comm, &info, err), AMP_IO_OK);
  assert_int_equal(info.particles, N);
  assert_int_equal(info.dim, d);
  assert_int_equal(info.internal_components, nq);
  assert_int_equal(info.frames, FRAMES);
  assert_true(info.box == L);
  assert_string_equal(info.internal, spec_for(d, nq).internal);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, d, nq, 1), 0);
  double obs[N];
  size_t count;
  for (int64_t t = 0; t < FRAMES; ++t) {
    int64_t step;
    double time;
    assert_int_equal(amp_h5md_read_frame(r, t, &p, &step, &time, err), AMP_IO_OK);
    assert_int_equal(step, 100 * t);
    assert_true(time == 0.5 * t);
    assert_int_equal(p.nowned, N);
    for (int64_t i = 0; i < N; ++i) {
      assert_int_equal(p.id[i], i);
      for (int a = 0; a < d; ++a) assert_true(p.x[i * d + a] == sample_value(SAMPLE_X, t, i, a, L));
      for (int c = 0; c < nq; ++c) assert_true(p.q[i * nq + c] == sample_value(SAMPLE_Q, t, i, c, 2.0));
    }
    assert_int_equal(amp_h5md_read_observable(r, pobs_names[0], t, obs, N, &count, err), AMP_IO_OK);
    assert_int_equal(count, N);
    for (int64_t i = 0; i < N; ++i) assert_true(obs[i] == sample_value(SAMPLE_OBS, t, i, 0, 1.0));
    assert_int_equal(amp_h5md_read_observable(r, sobs_names[0], t, obs, N, &count, err), AMP_IO_OK);
    assert_int_equal(count, 1);
    assert_true(obs[0] == scalar_at(t));
  }
  /* -1 is the last frame: an initial condition from the end of a run. */
  assert_int_equal(amp_h5md_read_frame(r, -1, &p, NULL, NULL, err), AMP_IO_OK);
  assert_true(p.x[0] == sample_value(SAMPLE_X, FRAMES - 1, 0, 0, L));
  amp_particles_free(&p);
  assert_int_equal(amp_h5md_reader_close(r, err), AMP_IO_OK);
}

static void name(char *path, size_t n, const char *file) { snprintf(path, n, "%s/%s", dir, file); }

static int exists(const char *path) { return access(path, F_OK) == 0; }

static void every_number_reads_back_exactly(void **state) {
  (void)state;
  const int shapes[3][2] = {{1, 1}, {2, 1}, {3, 3}};
  for (int s = 0; s < 3; ++s) {
    char path[512], xdmf[512];
    snprintf(xdmf, sizeof xdmf, "%s/traj%dd.xdmf", dir, shapes[s][0]);
    snprintf(path, sizeof path, "%s/traj%dd.h5", dir, shapes[s][0]);
    write_trajectory(path, MPI_COMM_WORLD, shapes[s][0], shapes[s][1]);
    assert_true(exists(path) && exists(xdmf));
    check_trajectory(path, MPI_COMM_WORLD, shapes[s][0], shapes[s][1]);
    check_trajectory(path, MPI_COMM_SELF, shapes[s][0], shapes[s][1]); /* a serial reader */
  }
}

/* Frame t of both files, all rows, compared bit for bit. */
static void same_frames(const char *a, const char *b, int d, int nq) {
  char err[AMP_IO_ERR_LEN];
  amp_h5md_reader *ra, *rb;
  amp_h5md_info ia, ib;
  assert_int_equal(amp_h5md_open(&ra, a, MPI_COMM_WORLD, &ia, err), AMP_IO_OK);
  assert_int_equal(amp_h5md_open(&rb, b, MPI_COMM_WORLD, &ib, err), AMP_IO_OK);
  assert_memory_equal(&ia, &ib, sizeof ia);
  amp_particles pa, pb;
  amp_particles_init(&pa, d, nq, N);
  amp_particles_init(&pb, d, nq, N);
  double oa[N], ob[N];
  size_t ca, cb;
  for (int64_t t = 0; t < ia.frames; ++t) {
    int64_t sa, sb;
    double ta, tb;
    assert_int_equal(amp_h5md_read_frame(ra, t, &pa, &sa, &ta, err), AMP_IO_OK);
    assert_int_equal(amp_h5md_read_frame(rb, t, &pb, &sb, &tb, err), AMP_IO_OK);
    assert_true(sa == sb && ta == tb);
    assert_memory_equal(pa.x, pb.x, N * d * sizeof *pa.x);
    assert_memory_equal(pa.q, pb.q, N * nq * sizeof *pa.q);
    for (int k = 0; k < 2; ++k) {
      const char *obs = k ? sobs_names[0] : pobs_names[0];
      assert_int_equal(amp_h5md_read_observable(ra, obs, t, oa, N, &ca, err), AMP_IO_OK);
      assert_int_equal(amp_h5md_read_observable(rb, obs, t, ob, N, &cb, err), AMP_IO_OK);
      assert_int_equal(ca, cb);
      assert_memory_equal(oa, ob, ca * sizeof *oa);
    }
  }
  amp_particles_free(&pa);
  amp_particles_free(&pb);
  assert_int_equal(amp_h5md_reader_close(ra, err), AMP_IO_OK);
  assert_int_equal(amp_h5md_reader_close(rb, err), AMP_IO_OK);
}

static void one_rank_and_all_ranks_write_the_same_numbers(void **state) {
  (void)state;
  char one[512], all[512];
  name(one, sizeof one, "one_rank.h5");
  name(all, sizeof all, "all_ranks.h5");
  if (rank == 0) write_trajectory(one, MPI_COMM_SELF, 2, 2);
  MPI_Barrier(MPI_COMM_WORLD);
  write_trajectory(all, MPI_COMM_WORLD, 2, 2);
  same_frames(one, all, 2, 2);
}

static void an_unclosed_writer_leaves_no_file(void **state) {
  (void)state;
  char path[512], partial[600], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "unclosed.h5");
  amp_h5md_spec spec = spec_for(2, 1);
  amp_h5md *w;
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  append_frames(w, MPI_COMM_WORLD, 2, 1, 0, 2, 0);
  assert_int_equal(amp_h5md_flush(w, err), AMP_IO_OK);
  MPI_Barrier(MPI_COMM_WORLD);
  assert_false(exists(path));
  assert_int_equal(amp_h5md_release(w, err), AMP_IO_OK);
  assert_int_equal(amp_h5md_partial_name(path, partial, sizeof partial), 0);
  assert_false(exists(path));
  assert_true(exists(partial));
}

static void resumed_trajectory_equals_an_uninterrupted_one(void **state) {
  (void)state;
  char path[512], straight[512], partial[600], xdmf[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "resumed.h5");
  name(straight, sizeof straight, "straight.h5");
  name(xdmf, sizeof xdmf, "resumed.xdmf");
  amp_h5md_partial_name(path, partial, sizeof partial);
  write_trajectory(straight, MPI_COMM_WORLD, 3, 3);
  amp_h5md_spec spec = spec_for(3, 3);
  amp_h5md *w;
  /* A run that wrote frames 0..2, then frame 3 with other values, and died. */
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  append_frames(w, MPI_COMM_WORLD, 3, 3, 0, 2, 0);
  append_frames(w, MPI_COMM_WORLD, 3, 3, 2, 4, 1000);
  assert_int_equal(amp_h5md_release(w, err), AMP_IO_OK);
  /* Its checkpoint counted two frames. More frames than written is refused. */
  assert_int_equal(amp_h5md_resume(&w, path, MPI_COMM_WORLD, &spec, FRAMES + 1, err), AMP_IO_INVALID);
  assert_null(w);
  assert_int_equal(amp_h5md_resume(&w, path, MPI_COMM_WORLD, &spec, 2, err), AMP_IO_OK);
  assert_int_equal(amp_h5md_frames(w), 2);
  append_frames(w, MPI_COMM_WORLD, 3, 3, 2, FRAMES, 0);
  assert_int_equal(amp_h5md_close(w, err), AMP_IO_OK);
  assert_true(exists(path) && exists(xdmf));
  assert_false(exists(partial));
  same_frames(path, straight, 3, 3);
  check_trajectory(path, MPI_COMM_WORLD, 3, 3);
}

static void resume_checks_the_partial_file(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "never_started.h5");
  amp_h5md_spec spec = spec_for(2, 1);
  amp_h5md *w;
  assert_int_equal(amp_h5md_resume(&w, path, MPI_COMM_WORLD, &spec, 0, err), AMP_IO_INVALID);
  assert_non_null(strstr(err, "never_started.h5"));
  /* The partial file of "unclosed.h5" has d = 2, nq = 1: not d = 3. */
  name(path, sizeof path, "unclosed.h5");
  spec = spec_for(3, 3);
  assert_int_equal(amp_h5md_resume(&w, path, MPI_COMM_WORLD, &spec, 0, err), AMP_IO_INVALID);
  assert_non_null(strstr(err, "expected shape"));
}

static void wrong_ids_are_refused_on_every_rank(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "wrong_ids.h5");
  amp_h5md_spec spec = spec_for(2, 1);
  amp_h5md *w;
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  amp_particles p;
  amp_particles_init(&p, 2, 1, N);
  int64_t ids[N];
  size_t n = sample_deal(N, rank, size, 7, ids);
  if (rank == 0 && n > 0) ids[0] = ids[0] == 0 ? 1 : 0; /* one id twice, one missing */
  double obs[N], total = 0;
  const double *pobs[] = {obs};
  sample_fill(&p, n, ids, 0, L, obs);
  assert_int_equal(amp_h5md_append(w, 0, 0.0, &p, pobs, &total, err), AMP_IO_INVALID);
  assert_int_equal(amp_h5md_frames(w), 0);
  amp_particles_free(&p);
  assert_int_equal(amp_h5md_release(w, err), AMP_IO_OK);
  assert_false(exists(path));
}

static void missing_trajectory_names_the_file(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "absent.h5");
  amp_h5md_reader *r;
  amp_h5md_info info;
  assert_int_equal(amp_h5md_open(&r, path, MPI_COMM_WORLD, &info, err), AMP_IO_INVALID);
  assert_null(r);
  assert_non_null(strstr(err, "absent.h5"));
}

/* Component c of vector observable k of particle id at frame t. */
static double vector_value(int k, int64_t t, int64_t id, int c) { return 1000.0 * t + 10.0 * id + c + 0.25 * k; }

/* Dataset /observables/<name>/value of path, read whole by this process:
 * 0, or -1 on failure. */
static int read_whole(const char *path, const char *name, double *buf) {
  char dset[128];
  snprintf(dset, sizeof dset, "/observables/%s/value", name);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = f < 0 ? -1 : H5Dopen2(f, dset, H5P_DEFAULT);
  int status = d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 ? 0 : -1;
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  return status;
}

/* The file's vector and scalar observables hold vector_value by id, and
 * the sidecar shows them as Vector and Scalar (one process; 1 or 0). */
static int vectors_read_back(const char *path, const char *xdmf) {
  double flow[2 * N * 3], sigma[2 * N];
  if (read_whole(path, "flow", flow) || read_whole(path, "sigma", sigma)) return 0;
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t id = 0; id < N; ++id) {
      for (int c = 0; c < 3; ++c)
        if (flow[(t * N + id) * 3 + c] != vector_value(0, t, id, c)) return 0;
      if (sigma[t * N + id] != vector_value(1, t, id, 0)) return 0;
    }
  char line[512];
  int vector = 0, scalar = 0;
  FILE *x = fopen(xdmf, "r");
  while (x && fgets(line, sizeof line, x)) {
    vector += strstr(line, "Name=\"flow\" AttributeType=\"Vector\"") != NULL;
    scalar += strstr(line, "Name=\"sigma\" AttributeType=\"Scalar\"") != NULL;
  }
  if (x) fclose(x);
  return vector == 2 && scalar == 2;
}

static void vector_observables_are_rows_by_id(void **state) {
  (void)state;
  static const char *names[] = {"flow", "sigma"};
  static const int widths[] = {3, 1};
  char path[512], xdmf[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "vectors.h5");
  name(xdmf, sizeof xdmf, "vectors.xdmf");
  amp_h5md_spec spec = spec_for(2, 2);
  spec.particle_observables = 2;
  spec.particle_observable_names = names;
  spec.particle_observable_widths = widths;
  int64_t ids[N];
  size_t n = sample_deal(N, rank, size, 11, ids);
  double obs[N], flow[N * 3], sigma[N], total = 0;
  amp_particles part;
  assert_int_equal(amp_particles_init(&part, 2, 2, N), 0);
  amp_h5md *w;
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  for (int64_t t = 0; t < 2; ++t) {
    sample_fill(&part, n, ids, t, L, obs);
    for (size_t i = 0; i < n; ++i) {
      for (int c = 0; c < 3; ++c) flow[i * 3 + c] = vector_value(0, t, ids[i], c);
      sigma[i] = vector_value(1, t, ids[i], 0);
    }
    const double *pobs[] = {flow, sigma};
    assert_int_equal(amp_h5md_append(w, t, (double)t, &part, pobs, &total, err), AMP_IO_OK);
  }
  assert_int_equal(amp_h5md_close(w, err), AMP_IO_OK);
  amp_particles_free(&part);
  int ok = rank != 0 || vectors_read_back(path, xdmf);
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD); /* every rank fails together */
  assert_true(ok);
}

static void replicas_append_rounds_of_frames(void **state) {
  (void)state;
  char path[512], straight[512], err[AMP_IO_ERR_LEN];
  name(path, sizeof path, "rounds.h5");
  name(straight, sizeof straight, "one_at_a_time.h5");
  amp_replica r;
  assert_int_equal(amp_replica_split(MPI_COMM_WORLD, size > 1 ? 2 : 1, &r), 0);
  amp_h5md_spec spec = spec_for(2, 2);
  amp_h5md *w;
  assert_int_equal(amp_h5md_create(&w, straight, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  append_frames(w, MPI_COMM_WORLD, 2, 2, 0, FRAMES + 1, 0);
  assert_int_equal(amp_h5md_close(w, err), AMP_IO_OK);
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), AMP_IO_OK);
  append_rounds(w, &r, 2, 2, 0, FRAMES + 1, 0);
  assert_int_equal(amp_h5md_frames(w), FRAMES + 1);
  assert_int_equal(amp_h5md_close(w, err), AMP_IO_OK);
  same_frames(path, straight, 2, 2);
  MPI_Comm_free(&r.comm);
}

static int make_dir(void **state) {
  (void)state;
  size_t len;
  FILE *mem = open_memstream(&provenance, &len);
  amp_version_write(mem, "");
  fclose(mem);
  return mpi_test_make_dir(dir, sizeof dir, "amp_test_h5md_");
}

static int remove_dir(void **state) {
  (void)state;
  free(provenance);
  return mpi_test_remove_dir(dir);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_number_reads_back_exactly),
      cmocka_unit_test(one_rank_and_all_ranks_write_the_same_numbers),
      cmocka_unit_test(an_unclosed_writer_leaves_no_file),
      cmocka_unit_test(resumed_trajectory_equals_an_uninterrupted_one),
      cmocka_unit_test(resume_checks_the_partial_file),
      cmocka_unit_test(wrong_ids_are_refused_on_every_rank),
      cmocka_unit_test(missing_trajectory_names_the_file),
      cmocka_unit_test(vector_observables_are_rows_by_id),
      cmocka_unit_test(replicas_append_rounds_of_frames),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, make_dir, remove_dir));
  MPI_Finalize();
  return status;
}
