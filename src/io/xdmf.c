/*
 * xdmf: writing the ParaView sidecar of a trajectory (see xdmf.h).
 */
#include "xdmf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "activempi/files.h"
#include "h5.h"

int amp_xdmf_name(const char *path, char *xdmf, size_t size) {
  size_t n = strlen(path);
  if (n > 3 && !strcmp(path + n - 3, ".h5")) n -= 3;
  int written = snprintf(xdmf, size, "%.*s.xdmf", (int)n, path);
  return written >= 0 && (size_t)written < size ? 0 : -1;
}

/* A frame's shape, as XDMF lists it. */
typedef struct {
  int rank;
  int64_t dims[5];
} shape;

/* Frame t of the dataset `dset` [T][dims[0]]..[dims[rank-1]] of file
 * `h5` (t < 0: the whole time-independent dataset [dims[0]]..), as a
 * HyperSlab DataItem of the given shape (as many numbers), indented by pad. */
static void hyperslab(FILE *out, const char *pad, const char *h5, const char *dset, int64_t t, int64_t T,
                      const int64_t *dims, int rank, const shape *as) {
  const int lead = t >= 0; /* the time axis */
  fprintf(out, "%s<DataItem ItemType=\"HyperSlab\" Dimensions=\"", pad);
  for (int a = 0; a < as->rank; ++a) fprintf(out, "%s%lld", a ? " " : "", (long long)as->dims[a]);
  fprintf(out, "\" Type=\"HyperSlab\">\n%s  <DataItem Dimensions=\"3 %d\" Format=\"XML\">", pad, rank + lead);
  if (lead) fprintf(out, "%lld ", (long long)t);
  for (int a = 0; a < rank; ++a) fprintf(out, "0 ");
  for (int a = 0; a < rank + lead; ++a) fprintf(out, "1 ");
  if (lead) fprintf(out, "1 ");
  for (int a = 0; a < rank; ++a) fprintf(out, "%lld%s", (long long)dims[a], a + 1 < rank ? " " : "");
  fprintf(out, "</DataItem>\n%s  <DataItem Dimensions=\"", pad);
  if (lead) fprintf(out, "%lld ", (long long)T);
  for (int a = 0; a < rank; ++a) fprintf(out, "%lld%s", (long long)dims[a], a + 1 < rank ? " " : "");
  fprintf(out, "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n%s</DataItem>\n", h5, dset,
          pad);
}

/* Frame t of a per-particle dataset [T][N][w] (or [T][N] when w == 0). */
static void rows(FILE *out, const amp_h5md *w, const char *h5, const char *dset, int64_t t, int width) {
  const shape as = {width > 0 ? 2 : 1, {w->N, width}};
  hyperslab(out, "          ", h5, dset, t, w->frames, as.dims, as.rank, &as);
}

static void frame(FILE *out, const amp_h5md *w, const char *h5, int64_t t, double time) {
  static const char *geometry[4] = {"", "X_Y", "XY", "XYZ"};
  char dset[256];
  const int64_t N = w->N;
  fprintf(out, "      <Grid Name=\"frame %lld\" GridType=\"Uniform\">\n", (long long)t);
  fprintf(out, "        <Time Value=\"%.17g\"/>\n", time);
  fprintf(out, "        <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%lld\" NodesPerElement=\"1\"/>\n",
          (long long)N);
  fprintf(out, "        <Geometry GeometryType=\"%s\">\n", geometry[w->dim]);
  rows(out, w, h5, AMP_H5MD_GROUP "/position/value", t, w->dim);
  if (w->dim == 1)
    fprintf(out, "          <DataItem Dimensions=\"%lld\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">"
                 "%s:/xdmf/zeros</DataItem>\n",
            (long long)N, h5);
  fprintf(out, "        </Geometry>\n");
  fprintf(out, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Node\">\n", w->internal,
          w->nq == 1 ? "Scalar" : "Vector");
  snprintf(dset, sizeof dset, "%s/%s/value", AMP_H5MD_GROUP, w->internal);
  rows(out, w, h5, dset, t, w->nq);
  fprintf(out, "        </Attribute>\n");
  for (int k = 0; k < w->npobs; ++k) {
    int width = w->pobs_width[k];
    fprintf(out, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Node\">\n", w->pobs[k],
            width == 1 ? "Scalar" : "Vector");
    snprintf(dset, sizeof dset, "/observables/%s/value", w->pobs[k]);
    rows(out, w, h5, dset, t, width == 1 ? 0 : width);
    fprintf(out, "        </Attribute>\n");
  }
  fprintf(out, "      </Grid>\n");
}

/* The grid of the fields: n^d cells of side h from -L/2 along each axis,
 * as a 3-D co-rectilinear mesh of n + 1 nodes per axis and one layer of
 * cells from -h/2 to h/2 along the axes beyond d, about the particles' line
 * or plane. (ParaView's reader puts a 2DCoRectMesh in its y-z plane and
 * gives a mesh of one node along an axis no cells.) XDMF lists the axes z,
 * y, x. */
static void mesh(FILE *out, const amp_h5md *w) {
  const double h = w->box / w->grid_cells;
  fprintf(out, "        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"");
  for (int a = 2; a >= 0; --a) fprintf(out, "%d%s", a < w->dim ? w->grid_cells + 1 : 2, a ? " " : "");
  fprintf(out, "\"/>\n        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n");
  for (int item = 0; item < 2; ++item) {
    fprintf(out, "          <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">");
    for (int a = 2; a >= 0; --a) fprintf(out, "%.17g%s", item ? h : a < w->dim ? -w->box / 2 : -h / 2, a ? " " : "");
    fprintf(out, "</DataItem>\n");
  }
  fprintf(out, "        </Geometry>\n");
}

/* Frame t of the fields (t < 0: their time-independent datasets
 * <name><fixed_suffix>): every grid observable, cell-centred. */
static void field_frame(FILE *out, const amp_h5md *w, const char *h5, int64_t t, double time) {
  char dset[256];
  int64_t dims[4];
  if (t >= 0) {
    fprintf(out, "      <Grid Name=\"fields %lld\" GridType=\"Uniform\">\n", (long long)t);
    fprintf(out, "        <Time Value=\"%.17g\"/>\n", time);
  } else {
    fprintf(out, "    <Grid Name=\"fields%s\" GridType=\"Uniform\">\n", w->fixed_suffix);
  }
  mesh(out, w);
  for (int k = 0; k < w->ngobs; ++k) {
    int width = w->gobs_width[k], rank = w->dim;
    shape cells = {3, {1, 1, 1}}; /* the mesh's cells, z y x, then the components */
    for (int a = 0; a < w->dim; ++a) dims[a] = cells.dims[2 - a] = w->grid_cells;
    if (width > 1) dims[rank++] = cells.dims[cells.rank++] = width;
    fprintf(out, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Cell\">\n", w->gobs[k],
            width == 1 ? "Scalar" : "Vector");
    if (t >= 0)
      snprintf(dset, sizeof dset, "/observables/%s/value", w->gobs[k]);
    else
      snprintf(dset, sizeof dset, "/observables/%s%s", w->gobs[k], w->fixed_suffix);
    hyperslab(out, "          ", h5, dset, t, w->frames, dims, rank, &cells);
    fprintf(out, "        </Attribute>\n");
  }
  fprintf(out, t >= 0 ? "      </Grid>\n" : "    </Grid>\n");
}

int amp_xdmf_write(const amp_h5md *w, const double *time, char *err) {
  char name[4096], tmp[4200];
  if (amp_xdmf_name(w->path, name, sizeof name))
    return amp_io_fail(err, AMP_IO_FAILED, "%s: the XDMF file name is too long", w->path);
  const char *slash = strrchr(w->path, '/');
  const char *h5 = slash ? slash + 1 : w->path;
  FILE *out = amp_atomic_open(name, tmp, sizeof tmp);
  if (!out) return amp_io_fail(err, AMP_IO_FAILED, "cannot write %s: %s", name, strerror(errno));
  fprintf(out, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n");
  fprintf(out, "  <Domain>\n    <Grid Name=\"particles\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (int64_t t = 0; t < w->frames; ++t) frame(out, w, h5, t, time[t]);
  fprintf(out, "    </Grid>\n");
  if (w->ngobs > 0) {
    fprintf(out, "    <Grid Name=\"fields\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    for (int64_t t = 0; t < w->frames; ++t) field_frame(out, w, h5, t, time[t]);
    fprintf(out, "    </Grid>\n");
  }
  if (w->ngobs > 0 && w->fixed_suffix[0]) field_frame(out, w, h5, -1, 0);
  fprintf(out, "  </Domain>\n</Xdmf>\n");
  int status = amp_atomic_commit(out, tmp, name);
  return status ? amp_io_fail(err, AMP_IO_FAILED, "cannot write %s: %s", name, strerror(status)) : 0;
}
