#!/usr/bin/python3
"""Render one snapshot of an evaluate stage's epr.h5 as a PNG.

    /usr/bin/python3 tools/plot_epr.py EPR_H5 [PNG] [--frame K]

Eight panels for a 2-D system (3-D systems are shown projected on x-y, the
fields averaged over z; 1-D systems as particles along the line and fields
as curves). Top: particles coloured by their entropy production
sigma_i (the largest cluster's centre marked), by the speed of their internal
coordinate's flow |v_q|, by phase (gas, interface, solid: the evaluate
stage's labels), and a table of the per-phase counts and mean sigma of that
snapshot. Bottom: the snapshot's coarse-grained EPR density, its particle
density with the probability current as arrows, the radial profile of sigma
about the largest cluster's centre (the snapshot's and the run's mean), and
the run's mean EPR density with its mean current. The frame defaults to the
last one (K counts from 0; negative K from the end). Needs Debian's
python3-h5py and python3-matplotlib.
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


def fields_of(f, k):
    """The snapshot's and the run's fields projected on x-y, or None (field_cells = 0)."""
    if "field_density" not in f["observables"]:
        return None
    project = lambda a, d: a.mean(axis=0) if d == 3 else a  # [z][y][x](c) -> [y][x](c)
    d = len(f["observables/field_density"].attrs["cells"])
    out = {"spacing": f["observables/field_density"].attrs["spacing"][0]}
    for name in ("density", "epr_density", "current"):
        out[name] = project(observable(f, f"field_{name}")[k], d)
        out[name + "_mean"] = project(f[f"observables/field_{name}_mean"][()], d)
    return out


def radial_of(f, k):
    """The radial profile: bin centres, the snapshot's mean sigma and counts, the run's mean sigma."""
    width = f.attrs["radial_bin_width"]
    sigma = observable(f, "radial_sigma")[k]
    return {"r": (np.arange(len(sigma)) + 0.5) * width, "sigma": sigma, "count": observable(f, "radial_count")[k],
            "sigma_run": f.attrs["radial_sigma_mean"], "center": observable(f, "cluster_center")[k],
            "size": int(observable(f, "cluster_size")[k])}


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
        fields, radial = fields_of(f, k), radial_of(f, k)
    speed = np.sqrt(np.sum(v.reshape(len(x), -1) ** 2, axis=1))
    return k, int(step), np.atleast_1d(box), x, sigma, speed, phase, fields, radial


def scatter(ax, x, c, title, box, cmap, norm=None):
    """Particles coloured by c: on x-y, or in 1-D along the line (at height 0)."""
    line = x.shape[1] == 1
    art = ax.scatter(x[:, 0], np.zeros(len(x)) if line else x[:, 1], c=c, s=30 if line else 4, cmap=cmap, norm=norm,
                     linewidths=0)
    half = float(np.ravel(box)[0]) / 2
    ax.set_xlim(-half, half)
    if line:
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.set_xlabel("x")
    else:
        ax.set_ylim(-half, half)
        ax.set_aspect("equal")
    ax.set_title(title)
    return art


def field_curve(ax, field, title, box, current=None):
    """A 1-D field [x] as a curve over the line; current [x] (or [x][1]) as a second curve."""
    half = float(np.ravel(box)[0]) / 2
    n = field.shape[0]
    centres = -half + (np.arange(n) + 0.5) * 2 * half / n
    ax.step(centres, field, where="mid", label=title.split(" and ")[0])
    ax.set_xlim(-half, half)
    ax.set_xlabel("x")
    if current is not None:
        ax.step(centres, np.ravel(current), where="mid", label="current")
        ax.axhline(0, color="gray", linewidth=0.5)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title)


def field_image(ax, fig, field, title, box, cmap, current=None):
    """A field [y][x] as an image over the box; current [y][x][2] as arrows at the cell centres (1-D: curves)."""
    if field.ndim == 1:
        return field_curve(ax, field, title, box, current)
    half = float(np.ravel(box)[0]) / 2
    art = ax.imshow(field, origin="lower", extent=(-half, half, -half, half), cmap=cmap, interpolation="nearest")
    fig.colorbar(art, ax=ax)
    if current is not None:
        n = field.shape[0]
        centres = -half + (np.arange(n) + 0.5) * 2 * half / n
        ax.quiver(centres, centres, current[..., 0], current[..., 1], color="white", pivot="mid")
    ax.set_title(title)


def no_fields(ax):
    ax.axis("off")
    ax.text(0.5, 0.5, "no fields ([evaluate] field_cells = 0)", ha="center", va="center")


def radial_plot(ax, radial):
    ax.plot(radial["r"], radial["sigma"], "o", label=f"this snapshot (cluster of {radial['size']})")
    ax.plot(radial["r"], radial["sigma_run"], "-", label="mean over the run")
    ax.set_xlabel("distance r from the largest cluster's centre")
    ax.set_ylabel("mean sigma")
    ax.legend(loc="upper left", fontsize="small")
    counts = ax.twinx()
    counts.bar(radial["r"], radial["count"], width=radial["r"][0] * 2, alpha=0.2, color="gray")
    counts.set_ylabel("particles in the bin (this snapshot)")
    ax.set_title("radial profile of sigma")


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
    k, step, box, x, sigma, speed, phase, fields, radial = load(args.epr, args.frame)
    fig, axes = plt.subplots(2, 4, figsize=(22, 10))
    scatter_args = dict(box=box)
    fig.colorbar(scatter(axes[0, 0], x, sigma, "entropy production sigma_i", cmap="inferno", **scatter_args),
                 ax=axes[0, 0])
    if radial["size"] > 0:
        centre = np.append(np.atleast_1d(radial["center"])[:2], 0.0)[:2]  # 1-D: on the line
        axes[0, 0].plot(*centre, "c+", markersize=20, markeredgewidth=2)
    fig.colorbar(scatter(axes[0, 1], x, speed, "|v| of the internal coordinate", cmap="viridis", **scatter_args),
                 ax=axes[0, 1])
    cmap = matplotlib.colors.ListedColormap(["#9ecae1", "#fdae6b", "#e6550d"])
    art = scatter(axes[0, 2], x, phase, "phase", cmap=cmap, norm=matplotlib.colors.BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3),
                  **scatter_args)
    bar = fig.colorbar(art, ax=axes[0, 2], ticks=[0, 1, 2])
    bar.ax.set_yticklabels(PHASES)
    phase_table(axes[0, 3], sigma, phase)
    if fields is None:
        for ax in (axes[1, 0], axes[1, 1], axes[1, 3]):
            no_fields(ax)
    else:
        field_image(axes[1, 0], fig, fields["epr_density"], "EPR density (sigma per volume)", box, "inferno")
        field_image(axes[1, 1], fig, fields["density"], "particle density and current", box, "Blues",
                    fields["current"])
        field_image(axes[1, 3], fig, fields["epr_density_mean"], "run mean: EPR density and current", box, "inferno",
                    fields["current_mean"])
    radial_plot(axes[1, 2], radial)
    fig.suptitle(f"{args.epr}: frame {k}, step {step}")
    fig.savefig(png, dpi=100)
    print(f"plot_epr: {png} (frame {k}, step {step}, {len(x)} particles)")


if __name__ == "__main__":
    main()
