#!/usr/bin/python3
"""Render one snapshot of an evaluate stage's epr.h5 as a PNG.

    /usr/bin/python3 tools/plot_epr.py EPR_H5 [PNG] [--frame K]

Four panels for a 2-D system (3-D systems are shown projected on x-y):
particles coloured by their entropy production sigma_i, by the speed of their
internal coordinate's flow |v_q|, by phase (gas, interface, solid: the
evaluate stage's labels), and a table of the per-phase counts and mean sigma
of that snapshot. The frame defaults to the last one (K counts from 0;
negative K from the end). Needs Debian's python3-h5py and python3-matplotlib.
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PHASES = ("gas", "interface", "solid")


def observable(f, name):
    return f[f"observables/{name}/value"]


def load(path, frame):
    with h5py.File(path, "r") as f:
        pos = f["particles/all/position/value"]
        k = frame if frame >= 0 else pos.shape[0] + frame
        if not 0 <= k < pos.shape[0]:
            sys.exit(f"{path}: frame {frame} out of range (it has {pos.shape[0]})")
        edges = f["particles/all/box/edges"]
        box = edges["value"][k] if isinstance(edges, h5py.Group) else edges[()]
        step = f["particles/all/position/step"][k]
        x = pos[k]
        sigma = observable(f, "sigma")[k]
        v = observable(f, "velocity_internal")[k]
        phase = observable(f, "phase")[k].astype(int)
    speed = np.sqrt(np.sum(v.reshape(len(x), -1) ** 2, axis=1))
    return k, int(step), np.atleast_1d(box), x, sigma, speed, phase


def scatter(ax, x, c, title, box, cmap, norm=None):
    art = ax.scatter(x[:, 0], x[:, 1], c=c, s=4, cmap=cmap, norm=norm, linewidths=0)
    half = float(np.ravel(box)[0]) / 2
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_aspect("equal")
    ax.set_title(title)
    return art


def phase_table(ax, sigma, phase):
    rows = []
    for p, name in enumerate(PHASES):
        sel = phase == p
        mean = f"{sigma[sel].mean():.4g}" if sel.any() else "-"
        rows.append([name, str(int(sel.sum())), mean])
    rows.append(["all", str(len(sigma)), f"{sigma.mean():.4g}"])
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=["phase", "particles", "mean sigma"], loc="center")
    table.scale(1, 1.6)
    ax.set_title("per phase")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epr")
    parser.add_argument("png", nargs="?")
    parser.add_argument("--frame", type=int, default=-1)
    args = parser.parse_args()
    png = args.png or args.epr.rsplit(".", 1)[0] + ".png"
    k, step, box, x, sigma, speed, phase = load(args.epr, args.frame)
    fig, axes = plt.subplots(2, 2, figsize=(11, 10))
    scatter_args = dict(box=box)
    fig.colorbar(scatter(axes[0, 0], x, sigma, "entropy production sigma_i", cmap="inferno", **scatter_args),
                 ax=axes[0, 0])
    fig.colorbar(scatter(axes[0, 1], x, speed, "|v| of the internal coordinate", cmap="viridis", **scatter_args),
                 ax=axes[0, 1])
    cmap = matplotlib.colors.ListedColormap(["#9ecae1", "#fdae6b", "#e6550d"])
    art = scatter(axes[1, 0], x, phase, "phase", cmap=cmap, norm=matplotlib.colors.BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
                  **scatter_args)
    bar = fig.colorbar(art, ax=axes[1, 0], ticks=[0, 1, 2])
    bar.ax.set_yticklabels(PHASES)
    phase_table(axes[1, 1], sigma, phase)
    fig.suptitle(f"{args.epr}: frame {k}, step {step}")
    fig.savefig(png, dpi=100)
    print(f"plot_epr: {png} (frame {k}, step {step}, {len(x)} particles)")


if __name__ == "__main__":
    main()
