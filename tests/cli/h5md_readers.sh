# Trajectories as other programs see them: h5py (the H5MD layout), MDAnalysis
# (its H5MD reader), the XDMF sidecar, and h5diff between files written on 1
# and on 4 ranks. Needs Debian's python3-h5py and python3-mdanalysis
# (deps/debian-packages.txt [test]) and hdf5-tools.
. "$AMP_SRCDIR/tests/cli/tap.sh"
writer=$AMP_BUILDDIR/tests/mpi/write_trajectory
checker="/usr/bin/python3 $AMP_SRCDIR/tests/cli/check_h5md.py"

# write NAME RANKS D NQ: a trajectory of 5 frames of 23 particles.
write() {
  # shellcheck disable=SC2046
  timeout 120 $(mpirun_cmd) -n "$2" "$writer" "$1" "$3" "$4" 5 23 >"$out" 2>"$err"
}

new_dir h5md
write one.h5 1 3 3
check "a 3-D trajectory written on 1 rank" sh -c "[ -f one.h5 ] && [ -f one.xdmf ] && [ ! -e one.h5.partial ]"
write four.h5 4 3 3
check "the same trajectory written on 4 ranks" sh -c "[ -f four.h5 ] && [ -f four.xdmf ]"
check "files from 1 and 4 ranks have equal datasets and attributes (h5diff)" h5diff one.h5 four.h5
check "h5py sees the H5MD 1.1 layout and the positions written" $checker layout one.h5 23 3 5
check "h5py: the 4-rank file too (h5diff does not compare shapes)" $checker layout four.h5 23 3 5
check "MDAnalysis's H5MD reader reads the positions and box written" $checker mdanalysis one.h5 23 3 5
check "the XDMF sidecar has a Polyvertex XYZ grid per frame" $checker xdmf one.h5 23 3 5

for d in 1 2; do
  write "plane$d.h5" 2 "$d" "$d"
  check "a $d-D trajectory on 2 ranks: layout and positions" $checker layout "plane$d.h5" 23 "$d" 5
  check "a $d-D trajectory: XDMF geometry" $checker xdmf "plane$d.h5" 23 "$d" 5
done
