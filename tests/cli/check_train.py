#!/usr/bin/python3
"""Compare training outputs (used by tests/cli/train.sh).

check_train.py curves TOL LOG...   the loss and gradient norm of train_log.h5 files
                                   agree row by row to TOL relative to the curve's
                                   scale (its largest |value|: a denoising loss
                                   crosses zero), the validation loss to 10 TOL: it
                                   is one forward pass of float outputs whose rounding
                                   (which depends on the micro-batch, so on the ranks)
                                   the 2 zeta / sigma term multiplies by ~1/sigma
check_train.py same MODEL MODEL    every parameter dataset of two model files is
                                   bitwise equal
check_train.py epr LOG WANT TOL    the last row's network EPR per particle is
                                   within TOL (relative) of WANT
check_train.py equilibrium EPR A EPS TOL
                                   trapped AOUPs at v0 = 0 (science.md I6): in the
                                   evaluate stage's epr.h5, s_g = -g and s_x = b_x/eps
                                   = -A x/eps to TOL in relative L2
check_train.py sphere EPR KAPPA TOL
                                   3-D ABPs whose orientations follow the von Mises-
                                   Fisher density of vmf_orientations.py: in the
                                   evaluate stage's epr.h5, the tangent part P s of
                                   the learned score matches KAPPA (m - (m.n) n) to
                                   TOL in relative L2
check_train.py balanced LOG MAX    every row's batch imbalance (work items evaluated
                                   per rank, max/mean) is at most MAX and at most the
                                   imbalance of the items as the ranks own them
"""
import sys

import h5py
import numpy as np


def log(path):
    with h5py.File(path, "r") as f:
        cols = [c.decode() if isinstance(c, bytes) else str(c) for c in f["log"].attrs["columns"]]
        return cols, f["log"][()]


def curves(tol, paths):
    cols, ref = log(paths[0])
    for path in paths[1:]:
        _, rows = log(path)
        if rows.shape != ref.shape:
            sys.exit(f"{path}: {rows.shape} rows, {paths[0]}: {ref.shape}")
        for name, bound in (("loss", tol), ("grad_norm", tol), ("validation_loss", 10 * tol)):
            a, b = ref[:, cols.index(name)], rows[:, cols.index(name)]
            rel = np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300)
            print(f"# {name}: max relative difference {rel:.3g} over {len(a)} steps ({path})")
            if not rel <= bound:
                sys.exit(f"{name} differs by {rel:.3g} > {bound}")


def pooled(frames, tol, path_f, path_1):
    """Step s of a run with `frames` frames per step drew the frames of steps
    frames s .. frames s + frames - 1 of a one-frame run: with every particle
    in the batch and parameters that do not move, its loss is their mean."""
    cols, many = log(path_f)
    _, one = log(path_1)
    a = many[:, cols.index("loss")]
    b = one[: len(a) * frames, cols.index("loss")].reshape(len(a), frames).mean(axis=1)
    rel = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)
    print(f"# loss of {frames}-frame steps vs the mean of one-frame steps: max relative difference {rel:.3g}")
    if not rel <= tol:
        sys.exit(f"pooled loss differs by {rel:.3g} > {tol}")


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def same(a, b):
    da, db = datasets(a), datasets(b)
    if da.keys() != db.keys():
        sys.exit("different tensors")
    for name in da:
        if da[name].tobytes() != db[name].tobytes():
            sys.exit(f"{name} differs")
    print(f"# {len(da)} datasets bitwise equal")


def epr(path, want, tol):
    cols, rows = log(path)
    got = rows[-1, cols.index("epr_network_per_particle")]
    print(f"# learned EPR per particle {got:.5g}, expected {want:.5g}")
    if not abs(got - want) <= tol * abs(want):
        sys.exit(f"relative error {abs(got - want) / abs(want):.3g} > {tol}")


def balanced(path, most):
    cols, rows = log(path)
    after, before = rows[:, cols.index("batch_imbalance")], rows[:, cols.index("batch_imbalance_owned")]
    print(f"# batch imbalance max/mean: owned up to {before.max():.3f}, evaluated up to {after.max():.3f}")
    if not (after.max() <= most and np.all(after <= before)):
        sys.exit(f"evaluated imbalance {after.max():.3g} above {most} or above the owned imbalance")


def observable(f, name):
    g = f["observables"][name]
    return g["value"][()] if isinstance(g, h5py.Group) else g[()]


def equilibrium(path, trap, eps, tol):
    with h5py.File(path, "r") as f:
        g = f["particles/all/self_propulsion/value"][()]
        x = f["particles/all/position/value"][()]
        sg, sx = observable(f, "score_internal"), observable(f, "score_position")
    want_x = -trap * x / eps
    err_g = np.sqrt(np.sum((sg + g) ** 2) / np.sum(g ** 2))
    err_x = np.sqrt(np.sum((sx - want_x) ** 2) / np.sum(want_x ** 2))
    print(f"# relative L2 error over {g.shape[0]} held-out frames: s_g vs -g {err_g:.4f}, s_x vs b_x/eps {err_x:.4f}")
    if not (err_g <= tol and err_x <= tol):
        sys.exit(f"relative L2 error above {tol}")


def sphere(path, kappa, tol):
    mean = np.array([1.0, 2.0, 2.0]) / 3.0
    with h5py.File(path, "r") as f:
        n = f["particles/all/orientation/value"][()]
        s = observable(f, "score_internal")
    tangent = s - np.sum(n * s, -1, keepdims=True) * n
    want = kappa * (mean - np.sum(n * mean, -1, keepdims=True) * n)
    err = np.sqrt(np.sum((tangent - want) ** 2) / np.sum(want ** 2))
    print(f"# relative L2 error of P s over {n.shape[0]} held-out frames of {n.shape[1]} particles: {err:.4f}")
    if not err <= tol:
        sys.exit(f"relative L2 error {err:.4f} above {tol}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "curves":
        curves(float(sys.argv[2]), sys.argv[3:])
    elif cmd == "pooled":
        pooled(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "same":
        same(sys.argv[2], sys.argv[3])
    elif cmd == "balanced":
        balanced(sys.argv[2], float(sys.argv[3]))
    elif cmd == "epr":
        epr(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "sphere":
        sphere(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "equilibrium":
        equilibrium(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit(__doc__)
