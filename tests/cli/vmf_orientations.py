#!/usr/bin/python3
"""Replace the orientations of a 3-D ABP trajectory by independent draws from
a von Mises-Fisher density (used by tests/cli/train_abp3d.sh).

vmf_orientations.py TRAJ KAPPA SEED

p(n) ~ exp(KAPPA m . n) on the unit sphere, m = (1, 2, 2) / 3, a fresh draw
for every particle of every frame (so the orientations' law is known exactly:
tangent score KAPPA (m - (m . n) n)). The cosine w = m . n has density
~ exp(KAPPA w) on [-1, 1], drawn by inverting its distribution function; the
azimuth about m is uniform.
"""
import sys

import h5py
import numpy as np

MEAN = np.array([1.0, 2.0, 2.0]) / 3.0


def draw(shape, kappa, rng):
    u = rng.random(shape)
    w = 1 + np.log(u + (1 - u) * np.exp(-2 * kappa)) / kappa
    phi = rng.uniform(0, 2 * np.pi, shape)
    a = np.cross(MEAN, [1.0, 0.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(MEAN, a)
    r = np.sqrt(np.clip(1 - w * w, 0, None))
    return w[..., None] * MEAN + r[..., None] * (np.cos(phi)[..., None] * a + np.sin(phi)[..., None] * b)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, kappa, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    with h5py.File(path, "r+") as f:
        n = f["particles/all/orientation/value"]
        n[...] = draw(n.shape[:2], kappa, np.random.default_rng(seed))
