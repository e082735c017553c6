# The ring reference end to end: a small variant of input/ring.toml runs its
# simulate and exact stages; exact.h5 holds a normalised density, the fields,
# the EPR parts and a second-order convergence study; the simulation's
# network-free EPR (I5) agrees with the grid's EPR within its statistical
# error; and the exact stage on 2 ranks writes the same numbers as on 1.
. "$AMP_SRCDIR/tests/cli/tap.sh"

# small NAME: input/ring.toml with 4e6 steps and a 512 x 64 grid.
small() {
  sed -e 's/^steps = .*/steps = 4_000_000/' -e 's/^checkpoint_interval = .*/checkpoint_interval = 0/' \
    -e 's/^ring_cells_r = .*/ring_cells_r = 512/' -e 's/^ring_cells_u = .*/ring_cells_u = 64/' \
    -e "s|^output_dir = .*|output_dir = \"$1\"|" "$AMP_SRCDIR/input/ring.toml" > "$1.toml"
}

new_dir ring
small one
run_amp --quiet one.toml
check "simulate and exact stages of the ring run and write exact.h5" sh -c "[ $rc -eq 0 ] && [ -f one/exact.h5 ] &&
  [ -f one/trajectory.h5 ] && [ -z \"\$(ls one | grep tmp)\" ]"
[ "$rc" -eq 0 ] || show "$err"

check "exact.h5: normalised density, fields on the grid, EPR parts that add up, order 2" \
  /usr/bin/python3 - one/exact.h5 <<'PY'
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "r")
g, e, c = f["grid"], f["epr"].attrs, f["convergence"].attrs
nr, nu = g.attrs["cells"]
hr, hu = g.attrs["spacing"]
p = f["density"][:]
ok = (p.shape == (nu, nr) == f["score/r"].shape == f["current/u"].shape and g["r"].shape == (nr,)
      and f.attrs["reference"] == b"ring" and p.min() > 0 and abs(p.sum() * hr * hu - 1) < 1e-12
      and abs(e["x"] + e["g"] - e["total"]) < 1e-14 and abs(e["relative_x"] + e["center_of_mass"] - e["x"]) < 1e-14
      and abs(e["center_of_mass"] - 0.625) < 1e-15 and abs(c["order"] - 2) < 0.15
      and c["epr"][0] == e["total"] and abs(e["network_free"] / e["total"] - 1) < 1e-3)
print("# EPR %.10g (x %.6g, g %.6g), order %.3g, error estimate %.2g" % (e["total"], e["x"], e["g"], c["order"],
      c["error_estimate"]))
sys.exit(0 if ok else 1)
PY

check "the simulation's network-free EPR agrees with the grid's within 3 errors (and a 5 % error at most)" \
  /usr/bin/python3 - one/exact.h5 "$out" <<'PY'
import h5py, re, sys
exact = h5py.File(sys.argv[1], "r")["convergence"].attrs["extrapolated"]
line = [l for l in open(sys.argv[2]) if "network-free EPR" in l][0]
mean, err = map(float, re.search(r"([0-9.e+-]+) \+- ([0-9.e+-]+) in total", line).groups())
print("# simulated %.5g +- %.2g, grid %.6g: %.2g errors apart" % (mean, err, exact, abs(mean - exact) / err))
sys.exit(0 if abs(mean - exact) <= 3 * err and err <= 0.05 * exact else 1)
PY

small two
sed -i 's/^seed = 1/seed = 1\nstages = ["exact"]/' two.toml
run_amp -n 2 --quiet two.toml
same_numbers() {
  [ "$rc" -eq 0 ] && [ ! -e two/trajectory.h5 ] && /usr/bin/python3 - one/exact.h5 two/exact.h5 <<'PY'
import h5py, numpy as np, sys
a, b = (h5py.File(name, "r") for name in sys.argv[1:])
worst = max(np.abs(a[d][:] - b[d][:]).max() / np.abs(a[d][:]).max()
            for d in ("density", "score/r", "score/u", "current/r", "current/u", "grid/r", "grid/u"))
worst_epr = max(abs(a["epr"].attrs[k] / b["epr"].attrs[k] - 1) for k in a["epr"].attrs)
print("# fields differ by %.2g of their largest value, EPR parts by %.2g (relative)" % (worst, worst_epr))
sys.exit(0 if worst < 1e-12 and worst_epr < 1e-12 else 1)
PY
}
check "the exact stage alone on 2 ranks writes the numbers of 1 rank" same_numbers

new_dir ranks
small many
sed -i -e 's/^seed = 1/seed = 1\nstages = ["exact"]/' -e 's/^ring_cells_r = .*/ring_cells_r = 16/' many.toml
run_amp -n 5 --quiet many.toml
check "a coarsest grid with fewer r cells than ranks is refused in one line, exit 2" sh -c "[ $rc -eq 2 ] &&
  [ \"\$(grep -c 'error:' '$err')\" -eq 1 ] &&
  grep -q 'ring_cells_r = 16 leaves 4 cells in r on the coarsest grid, fewer than the 5 ranks' '$err' &&
  [ ! -e many/exact.h5 ]"
