"""check_h5md.py WHAT PATH N D FRAMES: read an activempi trajectory with readers
that are not ours and compare with PATH.expected (lines "frame id component
value" written by tests/mpi/write_trajectory). WHAT is one of
  layout       h5py: the H5MD 1.1 tree, attributes, shapes, hard links, values
  mdanalysis   MDAnalysis's H5MDReader: positions and box of every frame
  xdmf         the XDMF sidecar: one Polyvertex grid per frame, right slabs
Exits non-zero with the reason on the first difference."""
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np

what, path, N, d, T = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
L = 7.5


def expected():
    rows = np.loadtxt(path + ".expected")
    x = np.empty((T, N, d))
    x[rows[:, 0].astype(int), rows[:, 1].astype(int), rows[:, 2].astype(int)] = rows[:, 3]
    return x


def need(ok, why):
    if not ok:
        sys.exit(f"{what}: {why}")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def layout():
    import h5py
    with h5py.File(path, "r") as f:
        need(list(f["h5md"].attrs["version"]) == [1, 1], "/h5md version is not [1, 1]")
        need(text(f["h5md/creator"].attrs["name"]) == "activempi", "creator is not activempi")
        need(text(f["h5md/author"].attrs["name"]) == "tests", "author name")
        box = f["particles/all/box"]
        need(int(box.attrs["dimension"]) == d, "box dimension")
        need([text(b) for b in box.attrs["boundary"]] == ["periodic"] * d, "boundary is not periodic")
        need(box["edges/value"].shape == (T, d, d), "box/edges/value shape")
        need(np.array_equal(box["edges/value"][:], np.broadcast_to(L * np.eye(d), (T, d, d))), "box edges")
        pos = f["particles/all/position"]
        need(pos["value"].shape == (T, N, d), f"position/value shape {pos['value'].shape}")
        need(pos["value"].dtype == np.float64 and pos["value"].maxshape[0] is None, "position/value type")
        need(np.array_equal(pos["value"][:], expected()), "positions differ from what was written")
        need(list(pos["step"][:]) == [10 * t for t in range(T)], "step")
        need(np.array_equal(pos["time"][:], 0.25 * np.arange(T)), "time")
        need(f["particles/all/self_propulsion/value"].shape[:2] == (T, N), "self_propulsion/value shape")
        need(f["observables/entropy_production/value"].shape == (T, N), "per-particle observable shape")
        need(f["observables/entropy_production_total/value"].shape == (T,), "scalar observable shape")
        for element in ("particles/all/box/edges", "particles/all/self_propulsion", "observables/entropy_production"):
            need(f[element + "/step"] == pos["step"] and f[element + "/time"] == pos["time"],
                 f"{element} step/time are not position's")
        need("[system]" in text(f.attrs["configuration"]), "no configuration attribute")
        need(text(f.attrs["provenance"]).startswith("activempi "), "no provenance attribute")


def mdanalysis():
    warnings.simplefilter("ignore")
    from MDAnalysis.coordinates.H5MD import H5MDReader
    # Reduced units: no unit attributes, so no conversion. (mda.Universe(path)
    # would look for /particles/trajectory; the reader takes any group name.)
    reader = H5MDReader(path, convert_units=False)
    need(reader.n_atoms == N and reader.n_frames == T, f"{reader.n_atoms} atoms, {reader.n_frames} frames")
    x = expected().astype(np.float32)
    for t, ts in enumerate(reader):
        need(np.array_equal(ts.positions, x[t]), f"positions of frame {t} differ")
        need(np.allclose(ts.dimensions, [L, L, L, 90, 90, 90]), f"box of frame {t}: {ts.dimensions}")
        need(ts.time == 0.25 * t and ts.data["step"] == 10 * t, f"time or step of frame {t}")
    reader.close()


def xdmf():
    name = path[:-3] + ".xdmf" if path.endswith(".h5") else path + ".xdmf"
    root = ET.parse(name).getroot()
    grids = root.findall("./Domain/Grid/Grid")
    need(root.find("./Domain/Grid").get("CollectionType") == "Temporal", "not a temporal collection")
    need(len(grids) == T, f"{len(grids)} grids for {T} frames")
    base = path.rsplit("/", 1)[-1]
    for t, grid in enumerate(grids):
        need(float(grid.find("Time").get("Value")) == 0.25 * t, f"time of grid {t}")
        topo = grid.find("Topology")
        need(topo.get("TopologyType") == "Polyvertex" and int(topo.get("NumberOfElements")) == N, "topology")
        geo = grid.find("Geometry")
        need(geo.get("GeometryType") == {1: "X_Y", 2: "XY", 3: "XYZ"}[d], f"geometry {geo.get('GeometryType')}")
        slab, heavy = geo.find("DataItem").findall("DataItem")
        need([int(v) for v in slab.text.split()] == [t, 0, 0, 1, 1, 1, 1, N, d], f"hyperslab of grid {t}")
        need(heavy.text.strip() == base + ":/particles/all/position/value", "geometry data")
        need(heavy.get("Dimensions").split() == [str(T), str(N), str(d)], "geometry dimensions")


{"layout": layout, "mdanalysis": mdanalysis, "xdmf": xdmf}[what]()
