#!/bin/sh
# bench/exact_ring.sh ACTIVEMPI [INPUT]: the ring reference's grid
# convergence study and its cost. With the paper's ring (input/ring.toml,
# exact stage only) it solves 512 x 64 ... 4096 x 512 on 1 rank (about 40 s,
# 2.4 GB at the finest grid) and prints, per grid, the EPR, its difference
# from the grid before, the observed order and the wall time; then the
# default study (up to 2048 x 256) on 1 and 2 ranks, for the parallel
# timing. Run by `make bench`; doc/exact-ring.md quotes its numbers.
bin=${1:-src/activempi}
input=${2:-$(dirname "$0")/../input/ring.toml}
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
dir=$(mktemp -d "${TMPDIR:-/tmp}/amp_bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# study NAME RANKS CELLS_R CELLS_U LEVELS: the exact stage alone.
study() {
  sed -e "s|^output_dir = .*|output_dir = \"$dir/$1\"|" -e 's/^seed = \(.*\)/seed = \1\nstages = ["exact"]/' \
    -e "s/^ring_cells_r = .*/ring_cells_r = $3/" -e "s/^ring_cells_u = .*/ring_cells_u = $4/" \
    -e "s/^ring_levels = .*/ring_levels = $5/" "$input" > "$dir/$1.toml"
  mpirun $flags -n "$2" "$bin" --quiet "$dir/$1.toml" > "$dir/$1.txt" 2>&1 || { cat "$dir/$1.txt"; exit 1; }
}

study fine 1 4096 512 4
echo "ring reference, paper parameters ($input), 1 rank:"
/usr/bin/python3 - "$dir/fine/exact.h5" <<'PY'
import h5py, math, sys
c = h5py.File(sys.argv[1], "r")["convergence"].attrs
rows = list(zip(c["cells_r"], c["cells_u"], c["epr"], c["seconds"]))[::-1]
print("%12s %16s %12s %8s %9s" % ("grid", "EPR", "change", "order", "seconds"))
for k, (nr, nu, e, t) in enumerate(rows):
    change = e - rows[k - 1][2] if k else float("nan")
    order = math.log2((rows[k - 1][2] - rows[k - 2][2]) / change) if k > 1 else float("nan")
    print("%7d x %-4d %16.12f %12.3e %8.3f %9.2f" % (nr, nu, e, change, order, t))
print("Richardson (two finest): %.10f, error estimate of the finest %.2g" % (c["extrapolated"], c["error_estimate"]))
PY
for n in 1 2; do
  study default$n $n 2048 256 3
  echo "default study (512 x 64 .. 2048 x 256) on $n rank(s):"
  grep -E "^exact ring|AmpRingSolve" "$dir/default$n.txt"
done
