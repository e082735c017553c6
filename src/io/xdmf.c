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

/* Frame t, all N rows and w columns of the [T][N][w] (or [T][N] when
 * w == 0) dataset `dset` of file `h5`. */
static void hyperslab(FILE *out, const char *h5, const char *dset, int64_t t, int64_t T, int64_t N, int w) {
  const char *pad = "          ";
  if (w > 0) {
    fprintf(out, "%s<DataItem ItemType=\"HyperSlab\" Dimensions=\"%lld %d\" Type=\"HyperSlab\">\n", pad,
            (long long)N, w);
    fprintf(out, "%s  <DataItem Dimensions=\"3 3\" Format=\"XML\">%lld 0 0 1 1 1 1 %lld %d</DataItem>\n", pad,
            (long long)t, (long long)N, w);
    fprintf(out, "%s  <DataItem Dimensions=\"%lld %lld %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">", pad,
            (long long)T, (long long)N, w);
  } else {
    fprintf(out, "%s<DataItem ItemType=\"HyperSlab\" Dimensions=\"%lld\" Type=\"HyperSlab\">\n", pad, (long long)N);
    fprintf(out, "%s  <DataItem Dimensions=\"3 2\" Format=\"XML\">%lld 0 1 1 1 %lld</DataItem>\n", pad,
            (long long)t, (long long)N);
    fprintf(out, "%s  <DataItem Dimensions=\"%lld %lld\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">", pad,
            (long long)T, (long long)N);
  }
  fprintf(out, "%s:%s</DataItem>\n%s</DataItem>\n", h5, dset, pad);
}

static void frame(FILE *out, const amp_h5md *w, const char *h5, int64_t t, double time) {
  static const char *geometry[4] = {"", "X_Y", "XY", "XYZ"};
  char dset[256];
  int64_t T = w->frames, N = w->N;
  fprintf(out, "      <Grid Name=\"frame %lld\" GridType=\"Uniform\">\n", (long long)t);
  fprintf(out, "        <Time Value=\"%.17g\"/>\n", time);
  fprintf(out, "        <Topology TopologyType=\"Polyvertex\" NumberOfElements=\"%lld\" NodesPerElement=\"1\"/>\n",
          (long long)N);
  fprintf(out, "        <Geometry GeometryType=\"%s\">\n", geometry[w->dim]);
  hyperslab(out, h5, AMP_H5MD_GROUP "/position/value", t, T, N, w->dim);
  if (w->dim == 1)
    fprintf(out, "          <DataItem Dimensions=\"%lld\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">"
                 "%s:/xdmf/zeros</DataItem>\n",
            (long long)N, h5);
  fprintf(out, "        </Geometry>\n");
  fprintf(out, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Node\">\n", w->internal,
          w->nq == 1 ? "Scalar" : "Vector");
  snprintf(dset, sizeof dset, "%s/%s/value", AMP_H5MD_GROUP, w->internal);
  hyperslab(out, h5, dset, t, T, N, w->nq);
  fprintf(out, "        </Attribute>\n");
  for (int k = 0; k < w->npobs; ++k) {
    int width = w->pobs_width[k];
    fprintf(out, "        <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Node\">\n", w->pobs[k],
            width == 1 ? "Scalar" : "Vector");
    snprintf(dset, sizeof dset, "/observables/%s/value", w->pobs[k]);
    hyperslab(out, h5, dset, t, T, N, width == 1 ? 0 : width);
    fprintf(out, "        </Attribute>\n");
  }
  fprintf(out, "      </Grid>\n");
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
  fprintf(out, "    </Grid>\n  </Domain>\n</Xdmf>\n");
  int status = amp_atomic_commit(out, tmp, name);
  return status ? amp_io_fail(err, AMP_IO_FAILED, "cannot write %s: %s", name, strerror(status)) : 0;
}
