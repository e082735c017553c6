"""Read the fields of an epr.xdmf with ParaView and compare them with epr.h5.

    xvfb-run -a pvpython --force-offscreen-rendering tests/cli/read_fields_paraview.py EPR_XDMF EPR_H5

Run by tests/cli/evaluate.sh. ParaView's XDMF reader opens the sidecar's
"fields" collection as an image (vtkImageData, a co-rectilinear mesh) beside
the particles. At the last time step it must have n^d cells (a 1-D grid is
one row of n cells) of side L/n from -L/2, and its cell arrays
field_density, field_epr_density and field_current must be the last frame
of epr.h5's datasets, x fastest, bit for bit (both are the same doubles;
VTK pads a current of d < 3 components with zeros). The time-independent
grid "fields_mean" must hold their time means (field_*_mean) the same way.
"""
import sys

import h5py
import numpy as np
from paraview import servermanager
from paraview.simple import XDMFReader
from vtk.numpy_interface import dataset_adapter as dsa

xdmf, h5 = sys.argv[1], sys.argv[2]
reader = XDMFReader(FileNames=[xdmf])
reader.UpdatePipelineInformation()
last = reader.TimestepValues[-1]
reader.UpdatePipeline(last)
data = servermanager.Fetch(reader)
names = [data.GetMetaData(b).Get(data.NAME()) for b in range(data.GetNumberOfBlocks())]
for block in ("fields", "fields_mean"):
    if block not in names:
        sys.exit(f"{xdmf}: no {block} grid (blocks {names})")


def compare(grid, f, n, d, source):
    """The cell arrays of grid against the datasets source(name), x fastest."""
    attrs = f["observables/field_density"].attrs
    assert grid.GetClassName() == "vtkImageData", grid.GetClassName()
    assert grid.GetNumberOfCells() == n**d, f"{grid.GetNumberOfCells()} cells, expected {n}^{d}"
    assert np.allclose(grid.GetSpacing()[:d], attrs["spacing"], rtol=1e-15), grid.GetSpacing()
    assert np.allclose(grid.GetOrigin()[:d], attrs["origin"], rtol=1e-15), grid.GetOrigin()
    cells = dsa.WrapDataObject(grid).CellData
    for name in ("field_density", "field_epr_density", "field_current"):
        want = source(name).reshape(n**d, -1).squeeze()
        got = np.asarray(cells[name])
        if want.ndim == 2 and got.ndim == 2 and got.shape[1] == 3 > want.shape[1]:  # VTK vectors have 3 components
            assert not got[:, want.shape[1]:].any(), f"{name}: padding is not zero"
            got = got[:, : want.shape[1]]
        if got.shape != want.shape or not np.array_equal(got, want):
            sys.exit(f"{xdmf}: {name} at time {last:g} differs from {h5} (shapes {got.shape}, {want.shape})")


with h5py.File(h5, "r") as f:
    cells = f["observables/field_density"].attrs["cells"]
    n, d = int(cells[0]), len(cells)
    compare(data.GetBlock(names.index("fields")), f, n, d, lambda name: f[f"observables/{name}/value"][-1])
    compare(data.GetBlock(names.index("fields_mean")), f, n, d, lambda name: f[f"observables/{name}_mean"][()])
print(f"read_fields_paraview: {n}^{d} cells at time {last:g}, 3 fields and their means as in {h5}")
