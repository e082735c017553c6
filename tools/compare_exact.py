#!/usr/bin/python3
"""Compare a learned evaluation (epr.h5) with an exact reference (exact.h5).

    /usr/bin/python3 tools/compare_exact.py EPR_H5 EXACT_H5 [--json FILE]
        [--max-epr-error X] [--max-score-error X] [--min-correlation X]

EPR_H5 is what the evaluate stage wrote for a trajectory of the system that
the exact stage solved in EXACT_H5 (doc/output-format.md). The snapshots
compared are those of EPR_H5; the exact score at each of them comes from

  - reference "gaussian": exact.h5's own snapshots (gaussian/snapshots),
    matched by step: the exact stage must have read the same trajectory;
  - reference "ring": the grid fields s_r(r, u), s_u(r, u), interpolated
    bilinearly (periodic in r) at r = x1 - x2 (minimum image) and
    u = (g1 - g2)/sqrt(2), then by the chain rule (doc/output-format.md)
    s_x1 = s_r, s_x2 = -s_r, s_g1 = (s_u - g+)/sqrt(2), s_g2 = (-s_u - g+)/sqrt(2)
    with g+ = (g1 + g2)/sqrt(2).

Printed (and written as JSON with --json):

  score_error_g, score_error_x  relative L2 error of the learned scores over
                                all snapshots and particles,
                                sqrt(sum |s - s*|^2 / sum |s*|^2)
  epr_learned, epr_learned_error  the learned EPR per particle (mean over the
                                snapshots of sum_i sigma_i / N) and its
                                blocking standard error (from EPR_H5)
  epr_exact                     the exact stationary EPR per particle
  epr_exact_snapshots           the exact sigma_i averaged over the same
                                snapshots (the learned one's sampling noise
                                cancels against it)
  epr_error                     epr_learned / epr_exact - 1
  epr_error_snapshots           epr_learned / epr_exact_snapshots - 1
  correlation                   Pearson correlation of the learned and exact
                                sigma_i over all (snapshot, particle) pairs
  correlation_means             the same for the per-particle means over the
                                snapshots (NaN when the exact means are all
                                equal, as on a ring polymer)

The exact sigma_i uses the learned file's drift: v_x = b_x - eps s_x with
b_x = velocity_position + eps score_position of EPR_H5. With the --max-* /
--min-* options the script exits 1 when a figure misses its target (the
failing figure is named). Needs Debian's python3-h5py and python3-numpy.
"""
import argparse
import json
import sys
import tomllib

import h5py
import numpy as np


def vectors(a):
    """[T][N][k] whatever the file's rank for k = 1."""
    return a if a is None or a.ndim == 3 else a[..., None]


def observable(f, name):
    return f[f"observables/{name}/value"][()] if f"observables/{name}" in f else None


def learned(path):
    """The learned scores, velocities and sigma of every snapshot of epr.h5."""
    with open_h5(path) as f:
        cfg = tomllib.loads(f.attrs["configuration"].decode() if isinstance(f.attrs["configuration"], bytes)
                            else f.attrs["configuration"])
        out = {
            "cfg": cfg,
            "step": f["observables/sigma/step"][()],
            "x": vectors(f["particles/all/position/value"][()]),
            "g": vectors(f["particles/all/self_propulsion/value"][()]),
            "s_g": vectors(observable(f, "score_internal")),
            "s_x": vectors(observable(f, "score_position")),
            "v_x": vectors(observable(f, "velocity_position")),
            "sigma": observable(f, "sigma"),
            "epr": f.attrs["epr_network_per_particle"],
        }
    if cfg["system"].get("model", "aoup") != "aoup":
        sys.exit(f"{path}: the exact references are for AOUPs")
    return out


def dynamics(cfg):
    d = cfg["dynamics"]
    return d["gamma"], d.get("translational_diffusion", 0.0)


def exact_sigma(lrn, s_g, s_x):
    """Exact sigma_i of every snapshot from exact scores and the learned drift."""
    gamma, eps = dynamics(lrn["cfg"])
    sigma = gamma * np.sum((lrn["g"] + s_g) ** 2, axis=-1)
    if eps > 0:
        if lrn["v_x"] is None:
            sys.exit("the evaluation has no position flow (no position head): it cannot give the exact sigma")
        b = lrn["v_x"] + eps * lrn["s_x"]
        sigma = sigma + np.sum((b - eps * s_x) ** 2, axis=-1) / eps
    return sigma


def gaussian(f, lrn):
    g = f["gaussian"]
    if "snapshots" not in g:
        sys.exit("exact.h5 has no snapshots: run the exact stage on the trajectory the evaluation read")
    steps = g["snapshots/step"][()]
    index = {int(s): k for k, s in enumerate(steps)}
    missing = [int(s) for s in lrn["step"] if int(s) not in index]
    if missing:
        sys.exit(f"exact.h5 lacks the snapshot of step {missing[0]}: both must read the same trajectory")
    rows = np.array([index[int(s)] for s in lrn["step"]])
    s_x, s_g = g["snapshots/score_x"][()][rows], g["snapshots/score_g"][()][rows]
    n = lrn["sigma"].shape[1]
    return s_g, s_x, g["snapshots/sigma"][()][rows], g["epr_total"][0] / n, g["epr_particle"][()]


def bilinear(field, r_axis, u_axis, r, u):
    """field[nu][nr] at (r, u): periodic in r, clamped in u."""
    hr, hu = r_axis[1] - r_axis[0], u_axis[1] - u_axis[0]
    nr, nu = len(r_axis), len(u_axis)
    fr = (r - r_axis[0]) / hr
    i0 = np.floor(fr).astype(int)
    tr = fr - i0
    i0, i1 = i0 % nr, (i0 + 1) % nr
    fu = np.clip((u - u_axis[0]) / hu, 0, nu - 1 - 1e-12)
    j0 = np.floor(fu).astype(int)
    tu = fu - j0
    j1 = np.minimum(j0 + 1, nu - 1)
    return ((1 - tu) * ((1 - tr) * field[j0, i0] + tr * field[j0, i1]) +
            tu * ((1 - tr) * field[j1, i0] + tr * field[j1, i1]))


def ring(f, lrn):
    L = lrn["cfg"]["system"]["box_length"]
    x, g = lrn["x"][..., 0], lrn["g"][..., 0]  # [T][2]
    r = x[:, 0] - x[:, 1]
    r = r - L * np.round(r / L)
    u, gp = (g[:, 0] - g[:, 1]) / np.sqrt(2), (g[:, 0] + g[:, 1]) / np.sqrt(2)
    ra, ua = f["grid/r"][()], f["grid/u"][()]
    s_r = bilinear(f["score/r"][()], ra, ua, r, u)
    s_u = bilinear(f["score/u"][()], ra, ua, r, u)
    s_x = np.stack([s_r, -s_r], axis=1)[..., None]
    s_g = np.stack([(s_u - gp) / np.sqrt(2), (-s_u - gp) / np.sqrt(2)], axis=1)[..., None]
    return s_g, s_x, exact_sigma(lrn, s_g, s_x), f["epr"].attrs["per_particle"], None


def relative_l2(got, want):
    if got is None or want is None:
        return float("nan")
    return float(np.sqrt(np.sum((got - want) ** 2) / np.sum(want ** 2)))


def correlation(a, b):
    a, b = np.ravel(a), np.ravel(b)
    if np.std(a) == 0 or np.std(b) <= 1e-12 * abs(np.mean(b)):
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def compare(epr_path, exact_path):
    lrn = learned(epr_path)
    with open_h5(exact_path) as f:
        reference = f.attrs["reference"]
        reference = reference.decode() if isinstance(reference, bytes) else reference
        if reference == "gaussian":
            s_g, s_x, sigma, epr_exact, means = gaussian(f, lrn)
        elif reference == "ring":
            s_g, s_x, sigma, epr_exact, means = ring(f, lrn)
        else:
            sys.exit(f"{exact_path}: unknown reference {reference!r}")
    if sigma.shape != lrn["sigma"].shape:
        sys.exit(f"{exact_path} has {sigma.shape[1]} particles, {epr_path} {lrn['sigma'].shape[1]}: not one system")
    epr = float(lrn["epr"][0])
    epr_snap = float(np.mean(np.sum(sigma, axis=1)) / sigma.shape[1])
    return {
        "reference": reference,
        "snapshots": int(sigma.shape[0]),
        "particles": int(sigma.shape[1]),
        "score_error_g": relative_l2(lrn["s_g"], s_g),
        "score_error_x": relative_l2(lrn["s_x"], s_x) if lrn["s_x"] is not None else float("nan"),
        "epr_learned": epr,
        "epr_learned_error": float(lrn["epr"][1]),
        "epr_exact": float(epr_exact),
        "epr_exact_snapshots": epr_snap,
        "epr_error": epr / float(epr_exact) - 1,
        "epr_error_snapshots": epr / epr_snap - 1,
        "correlation": correlation(lrn["sigma"], sigma),
        "correlation_means": correlation(np.mean(lrn["sigma"], axis=0), means) if means is not None else float("nan"),
    }


def report(r):
    print(f"compare: reference {r['reference']}, {r['snapshots']} snapshots of {r['particles']} particles")
    print(f"compare: score relative L2 error: s_g {r['score_error_g']:.4g}, s_x {r['score_error_x']:.4g}")
    print(f"compare: EPR per particle: learned {r['epr_learned']:.6g} +- {r['epr_learned_error']:.2g}, "
          f"exact {r['epr_exact']:.6g} ({100 * r['epr_error']:+.2f} %), exact on these snapshots "
          f"{r['epr_exact_snapshots']:.6g} ({100 * r['epr_error_snapshots']:+.2f} %)")
    print(f"compare: correlation of learned and exact sigma_i: {r['correlation']:.4f} over all snapshots and "
          f"particles, {r['correlation_means']:.4f} of the per-particle means")


def open_h5(path):
    try:
        return h5py.File(path, "r")
    except OSError as e:
        sys.exit(f"{path}: cannot open: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("epr")
    ap.add_argument("exact")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--max-epr-error", type=float, help="fail when |epr_error| exceeds this")
    ap.add_argument("--max-epr-error-snapshots", type=float,
                    help="fail when |epr_error_snapshots| exceeds this (no sampling noise: the same snapshots)")
    ap.add_argument("--max-score-error", type=float, help="fail when a score error exceeds this")
    ap.add_argument("--min-correlation", type=float, help="fail when the correlation is below this")
    a = ap.parse_args()
    r = compare(a.epr, a.exact)
    report(r)
    if a.json:
        with open(a.json, "w") as out:
            json.dump(r, out, indent=1)
    misses = []
    for key, bound in (("epr_error", a.max_epr_error), ("epr_error_snapshots", a.max_epr_error_snapshots)):
        if bound is not None and not abs(r[key]) <= bound:
            misses.append(f"{key} {r[key]:+.4f} beyond {bound}")
    for k in ("score_error_g", "score_error_x"):
        if a.max_score_error is not None and r[k] == r[k] and not r[k] <= a.max_score_error:
            misses.append(f"{k} {r[k]:.4f} beyond {a.max_score_error}")
    if a.min_correlation is not None and not r["correlation"] >= a.min_correlation:
        misses.append(f"correlation {r['correlation']:.4f} below {a.min_correlation}")
    for m in misses:
        print(f"compare: FAILED: {m}", file=sys.stderr)
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
