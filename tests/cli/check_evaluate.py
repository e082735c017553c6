#!/usr/bin/python3
"""Check evaluate outputs, epr.h5 (used by tests/cli/evaluate.sh).

check_evaluate.py same REF OTHER...   the files have the same datasets, in the same
                                      order and shapes; ids, positions, internal
                                      coordinates, phase counts and labels, div_x b
                                      and the network-free terms are equal; every
                                      network-derived value and every sum over ranks
                                      agrees to float rounding (1e-5 relative to the
                                      dataset's scale)
check_evaluate.py consistent FILE     rows are ids; sigma, v_g and v_x follow from the
                                      recorded scores, g and x (trapped AOUPs: b_x =
                                      v0 g - A x); totals are the sums of the rows;
                                      phase counts match a brute-force count within
                                      the phase radius (minimum image); the model
                                      checksum is the model file's FNV-1a
check_evaluate.py printed FILE OUT    the closing EPR line of OUT shows the file's
                                      run totals
"""
import re
import sys

import h5py
import numpy as np

EXACT = ("id", "phase", "phase_neighbors", "div_drift", "epr_free", "position", "self_propulsion", "step", "time",
         "edges", "particles_gas", "particles_interface", "particles_solid")


def datasets(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.append((n, o[()])) if isinstance(o, h5py.Dataset) else None)
    return out


def same(ref, others):
    a = datasets(ref)
    for path in others:
        b = datasets(path)
        if [(n, v.shape) for n, v in a] != [(n, v.shape) for n, v in b]:
            sys.exit(f"{path}: datasets differ from {ref}")
        worst = (0, "")
        for (name, x), (_, y) in zip(a, b):
            exact = any(part in EXACT for part in name.split("/"))
            scale = max(np.nanmax(np.abs(x)) if x.size else 0, 1e-300)
            diff = np.nanmax(np.abs(x - y)) / scale if x.size else 0
            if exact and not np.array_equal(x, y, equal_nan=True):
                sys.exit(f"{path}:{name} differs from {ref}")
            if diff > 1e-5 or not np.array_equal(np.isnan(x), np.isnan(y)):
                sys.exit(f"{path}:{name}: relative difference {diff:.3g} from {ref}")
            worst = max(worst, (diff, name))
        print(f"# {path}: {len(b)} datasets as in {ref}; largest relative difference {worst[0]:.3g} ({worst[1]})")


def config_value(text, table, key):
    section = text.split(f"[{table}]\n", 1)[1].split("\n[", 1)[0]
    return float(re.search(rf"^{key} = (\S+)", section, re.M).group(1))


def fnv1a(path):
    h = 14695981039346656037
    for byte in open(path, "rb").read():
        h = ((h ^ byte) * 1099511628211) % (1 << 64)
    return f"fnv1a64:{h:016x}"


def brute_force_counts(x, box, radius):
    r = x[:, None, :] - x[None, :, :]
    r -= box * np.round(r / box)
    return (np.sqrt((r**2).sum(-1)) < radius).sum(1)


def consistent(path):
    with h5py.File(path, "r") as f:
        cfg = f.attrs["configuration"]
        cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
        gamma, eps = config_value(cfg, "dynamics", "gamma"), config_value(cfg, "dynamics", "translational_diffusion")
        v0, trap = config_value(cfg, "dynamics", "v0"), config_value(cfg, "interaction", "trap")
        box = config_value(cfg, "system", "box_length")
        radius, solid, gas = f.attrs["phase_rule"]
        obs = lambda name: f[f"observables/{name}/value"][()]
        x, g = f["particles/all/position/value"][()], f["particles/all/self_propulsion/value"][()]
        T, N = x.shape[:2]
        assert np.array_equal(obs("id"), np.tile(np.arange(N), (T, 1))), "rows are not in id order"
        v_g = -gamma * (g + obs("score_internal"))
        v_x = v0 * g - trap * x - eps * obs("score_position")
        sigma = (v_g**2).sum(-1) / gamma + (v_x**2).sum(-1) / eps
        for name, want in (("velocity_internal", v_g), ("velocity_position", v_x), ("sigma", sigma)):
            err = np.max(np.abs(obs(name) - want)) / np.max(np.abs(want))
            assert err < 1e-12, f"{name} does not follow from the scores: {err:.3g}"
        for total, rows in (("epr_network_total", "sigma"), ("signed_density_total", "signed_density"),
                            ("epr_free_total", "epr_free")):
            assert np.allclose(obs(total), obs(rows).sum(1), rtol=1e-12), f"{total} is not the sum of {rows}"
        counts = np.array([brute_force_counts(x[t], box, radius) for t in range(T)])
        assert np.array_equal(obs("phase_neighbors"), counts), "phase counts differ from a brute-force count"
        labels = np.where(counts >= solid, 2, np.where(counts <= gas, 0, 1))
        assert np.array_equal(obs("phase"), labels), "phase labels do not follow the rule"
        for k, name in enumerate(("gas", "interface", "solid")):
            assert np.array_equal(obs(f"particles_{name}"), (labels == k).sum(1)), f"particles_{name}"
        print(f"# {T} snapshots of {N} particles; phases gas/interface/solid "
              f"{[int((labels == k).sum()) for k in range(3)]}")
        model = f.attrs["model_file"]
        model = model.decode() if isinstance(model, bytes) else model
        checksum = f.attrs["model_checksum"]
        checksum = checksum.decode() if isinstance(checksum, bytes) else checksum
        assert checksum == fnv1a(model), f"model checksum {checksum} != {fnv1a(model)}"


def printed(path, out):
    line = next(l for l in open(out) if l.startswith("evaluate: EPR per particle"))
    m = re.search(r"network (\S+) \+- (\S+), network-free (\S+) \+- (\S+), relative difference (\S+) %", line)
    assert m, f"no totals in: {line}"
    with h5py.File(path, "r") as f:
        net, free = f.attrs["epr_network_per_particle"], f.attrs["epr_free_per_particle"]
        rel = f.attrs["epr_relative_difference"]
    for shown, value in ((m.group(1), net[0]), (m.group(3), free[0]), (m.group(5), 100 * rel)):
        assert abs(float(shown) - value) <= 1e-3 * abs(value) + 1e-12, f"printed {shown}, file {value}"
    assert net[1] > 0 and free[1] > 0, "no standard errors"
    print(f"# printed: {line.strip()}")


if __name__ == "__main__":
    {"same": lambda a: same(a[0], a[1:]), "consistent": lambda a: consistent(a[0]),
     "printed": lambda a: printed(a[0], a[1])}[sys.argv[1]](sys.argv[2:])
