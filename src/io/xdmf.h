/*
 * xdmf: the XDMF sidecar that lets ParaView open an H5MD trajectory as
 * particles (private to io).
 *
 * Design. XDMF 2 XML beside the HDF5 file, which it names relatively (the two
 * move together): a temporal collection with one Polyvertex grid per frame,
 * whose geometry and attributes are HyperSlab selections of frame t of the
 * H5MD value datasets, so no number is copied. Geometry is XYZ in 3-D and XY
 * in 2-D. XDMF has no 1-D geometry: in 1-D it is X_Y with y read from the
 * zeros dataset /xdmf/zeros [N] that the writer adds for this purpose only.
 * One grid per frame makes the XML grow by about 1 kB per frame: fine for the
 * thousands of frames one looks at, not for 1e5 (subsample for viewing).
 */
#ifndef ACTIVEMPI_IO_XDMF_H
#define ACTIVEMPI_IO_XDMF_H

#include <stdint.h>

#include "h5md_file.h"

/* The sidecar's name: path without a trailing ".h5", plus ".xdmf". Returns 0
 * or -1 when it does not fit. */
int amp_xdmf_name(const char *path, char *xdmf, size_t size);

/* Write the sidecar of w's trajectory (published as w->path) with its frame
 * times time[w->frames], atomically. Called on one rank. Returns 0 or
 * AMP_IO_FAILED with err set. */
int amp_xdmf_write(const amp_h5md *w, const double *time, char *err);

#endif
