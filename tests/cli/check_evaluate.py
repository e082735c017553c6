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
                                      checksum is the model file's FNV-1a; the fields
                                      are the nearest-grid-point sums of 1, sigma and
                                      v_x per cell volume (1e-12) and integrate to the
                                      sums over particles (1e-12), their means are the
                                      means over frames; the largest cluster, its
                                      circular-mean centre and the radial profile match
                                      a brute-force search
check_evaluate.py printed FILE OUT    the closing EPR line of OUT shows the file's
                                      run totals
check_evaluate.py identical REF OTHER the files have the same datasets, bit for bit,
                                      and the same root attributes (the run's totals,
                                      profile and provenance of the model), bit for
                                      bit, but for the input's text and the trajectory
                                      named (in situ: "(in situ)")
"""
import re
import sys

import h5py
import numpy as np

EXACT = ("id", "phase", "phase_neighbors", "div_drift", "epr_free", "position", "self_propulsion", "step", "time",
         "edges", "particles_gas", "particles_interface", "particles_solid", "field_density", "field_density_mean",
         "cluster_size", "cluster_center", "radial_count")


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
        vec = lambda name: obs(name).reshape(T, N, -1)  # [T][N][w], also when w = 1 (1-D)
        assert np.array_equal(obs("id"), np.tile(np.arange(N), (T, 1))), "rows are not in id order"
        v_g = -gamma * (g + vec("score_internal"))
        v_x = v0 * g - trap * x - eps * vec("score_position")
        sigma = (v_g**2).sum(-1) / gamma + (v_x**2).sum(-1) / eps
        for name, want in (("velocity_internal", v_g), ("velocity_position", v_x), ("sigma", sigma)):
            err = np.max(np.abs(obs(name).reshape(want.shape) - want)) / np.max(np.abs(want))
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
        check_fields(f, x, v_x, box)
        check_radial(f, x, box, radius)


def relative(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


def ngp(x, values, box, n):
    """Nearest-grid-point sums of values [N][c] on n^d cells, [n_z]..[n_x][c] (x fastest), per cell volume."""
    d = x.shape[1]
    cell = np.floor((x + box / 2) / (box / n)).astype(int) % n
    flat = np.zeros(len(x), dtype=int)
    for a in reversed(range(d)):
        flat = flat * n + cell[:, a]
    out = np.array([np.bincount(flat, weights=v, minlength=n**d) for v in values.T]).T
    return out.reshape((n,) * d + (values.shape[1],)) / (box / n) ** d


def check_fields(f, x, velocity, box):
    obs = lambda name: f[f"observables/{name}/value"][()]
    n = int(f["observables/field_density"].attrs["cells"][0])
    T, N, d = x.shape
    volume = np.prod(f["observables/field_density"].attrs["spacing"])
    density, epr, current = obs("field_density"), obs("field_epr_density"), obs("field_current")
    current = current.reshape(density.shape + (d,))  # [T][n]..[n][d], also when d = 1
    sigma = obs("sigma")
    for t in range(T):
        want = ngp(x[t], np.column_stack([np.ones(N), sigma[t], velocity[t]]), box, n)
        for name, have, w in (("density", density[t], want[..., 0]), ("EPR density", epr[t], want[..., 1]),
                              ("current", current[t], want[..., 2:])):
            assert relative(have, w) < 1e-12, f"frame {t}: the {name} field is not the NGP sum: {relative(have, w)}"
        for name, total, rows in (("density", density[t].sum() * volume, N), ("EPR", epr[t].sum() * volume,
                                  sigma[t].sum()), ("current", current[t].sum(axis=tuple(range(d))) * volume,
                                  velocity[t].sum(0))):
            assert np.all(np.abs(total - rows) <= 1e-12 * np.abs(rows) + 1e-12), f"frame {t}: {name} integral {total} != {rows}"
    for name, series in (("field_density", density), ("field_epr_density", epr), ("field_current", current)):
        mean = f[f"observables/{name}_mean"][()]
        assert relative(mean.reshape(series.shape[1:]), series.mean(0)) < 1e-12, f"{name}_mean is not the mean over frames"
    print(f"# fields on {n}^{d} cells: NGP sums and integrals as the particles' (1e-12), means over {T} frames")


def largest_cluster(x, dense, box, radius):
    """Ids of the largest connected component of the dense particles (ties: the lowest id), by brute force."""
    ids = np.flatnonzero(dense)
    r = x[ids, None, :] - x[None, ids, :]
    r -= box * np.round(r / box)
    linked = np.sqrt((r**2).sum(-1)) < radius
    label = -np.ones(len(ids), dtype=int)
    for i in range(len(ids)):
        if label[i] >= 0:
            continue
        label[i], stack = i, [i]
        while stack:
            j = stack.pop()
            for k in np.flatnonzero(linked[j] & (label < 0)):
                label[k] = i
                stack.append(k)
    sizes = np.bincount(label, minlength=len(ids)) if len(ids) else np.zeros(0, dtype=int)
    return ids[label == np.argmax(sizes)] if len(ids) else ids


def circular_mean(x, box):
    theta = 2 * np.pi * (x + box / 2) / box
    c = box * np.arctan2(np.sin(theta).sum(0), np.cos(theta).sum(0)) / (2 * np.pi) - box / 2
    return (c + box / 2) % box - box / 2


def check_radial(f, x, box, radius):
    obs = lambda name: f[f"observables/{name}/value"][()]
    width = f.attrs["radial_bin_width"]
    bins = int(np.floor(box / (2 * width)))
    sigma, phase = obs("sigma"), obs("phase")
    counts, sums, sizes = np.zeros(bins), np.zeros(bins), []
    for t in range(len(x)):
        members = largest_cluster(x[t], phase[t] > 0, box, radius)
        assert obs("cluster_size")[t] == len(members), f"frame {t}: cluster size {obs('cluster_size')[t]} != {len(members)}"
        if not len(members):
            continue
        center = circular_mean(x[t][members], box)
        assert np.allclose(obs("cluster_center")[t], center, rtol=0, atol=1e-12 * box), f"frame {t}: centre"
        r = x[t] - center
        r -= box * np.round(r / box)
        b = np.floor(np.sqrt((r**2).sum(-1)) / width).astype(int)
        inside = b < bins
        count = np.bincount(b[inside], minlength=bins)
        total = np.bincount(b[inside], weights=sigma[t][inside], minlength=bins)
        assert np.array_equal(obs("radial_count")[t], count), f"frame {t}: radial counts"
        with np.errstate(invalid="ignore"):
            assert np.allclose(obs("radial_sigma")[t], total / count, rtol=1e-12, equal_nan=True), f"frame {t}"
        counts, sums, sizes = counts + count, sums + total, sizes + [len(members)]
    assert np.allclose(f.attrs["radial_count_mean"], counts / len(sizes), rtol=1e-12), "radial_count_mean"
    with np.errstate(invalid="ignore"):
        assert np.allclose(f.attrs["radial_sigma_mean"], sums / counts, rtol=1e-12, equal_nan=True), "radial_sigma_mean"
    assert np.isclose(f.attrs["cluster_size_mean"], np.mean(sizes), rtol=1e-12), "cluster_size_mean"
    print(f"# largest clusters {sizes}: sizes, centres and {bins} radial bins as a brute-force search")


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


def identical(ref, other):
    a, b = datasets(ref), datasets(other)
    if [n for n, _ in a] != [n for n, _ in b]:
        sys.exit(f"{other}: datasets differ from {ref}")
    for (name, x), (_, y) in zip(a, b):
        if x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            sys.exit(f"{other}:{name} differs from {ref}")
    with h5py.File(ref, "r") as f, h5py.File(other, "r") as g:
        keys = sorted(set(f.attrs) - {"configuration", "trajectory_file"})
        if keys != sorted(set(g.attrs) - {"configuration", "trajectory_file"}):
            sys.exit(f"{other}: root attributes differ from {ref}")
        for k in keys:
            u, v = np.asarray(f.attrs[k]), np.asarray(g.attrs[k])
            if not np.array_equal(u, v, equal_nan=u.dtype.kind == "f"):
                sys.exit(f"{other}: attribute {k} = {v} differs from {ref}'s {u}")
    print(f"# {other}: {len(a)} datasets and {len(keys)} root attributes bit for bit as in {ref}")


if __name__ == "__main__":
    {"same": lambda a: same(a[0], a[1:]), "consistent": lambda a: consistent(a[0]),
     "printed": lambda a: printed(a[0], a[1]), "identical": lambda a: identical(a[0], a[1])}[sys.argv[1]](sys.argv[2:])
