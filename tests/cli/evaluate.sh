# The evaluate stage end to end: simulate and train a small network on
# trapped AOUPs (elliptic: scores of g and x), then evaluate the trajectory
# on 1, 2 and 4 ranks. The three epr.h5 agree (to float rounding for what
# the network computes, exactly for the rest) and are laid out alike, in id
# order; each is consistent with itself (sigma and v from the recorded
# scores, totals, phase labels against a brute-force count, the model's
# checksum, the fields and the radial profile against numpy); the closing
# lines print the totals; a model of another architecture, and a grid of
# fewer cells than the process grid has ranks along an axis, are refused
# with one line and no output; field_cells = 0 writes no fields; ParaView
# renders epr.xdmf headless (tests/cli/render_paraview.py) and reads its
# fields (tests/cli/read_fields_paraview.py).
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_evaluate.py"

. "$AMP_SRCDIR/tests/cli/trap64.sh"

new_dir evaluate
trained_model

# evaluate_input NAME EXTRA [MORE]: evaluate data/ into NAME/ (EXTRA: more
# [network] lines; MORE: more [evaluate] lines)
evaluate_input() {
  {
    printf '[run]\noutput_dir = "%s"\n' "$1"
    system "$2"
    printf '[evaluate]\nmodel = "data/model.h5"\ntrajectory = "data/trajectory.h5"\nfirst_snapshot = 2\nstride = 3\n'
    printf '%s\n' "${3:-}"
  } > "$1.toml"
}

for n in 1 2 4; do
  evaluate_input "n$n" ""
  run_amp -n $n "n$n.toml"
  [ $rc -eq 0 ] || show "$err"
  cp "$out" "n$n.out"
  check "evaluate on $n rank(s) writes epr.h5 and its XDMF sidecar" \
    sh -c "[ $rc -eq 0 ] && [ -f n$n/epr.h5 ] && [ -f n$n/epr.xdmf ] && ! [ -e n$n/epr.h5.partial ]"
done
check "1, 2 and 4 ranks give the same epr.h5 (network values to float rounding, the rest exactly)" \
  $py "$checker" same n1/epr.h5 n2/epr.h5 n4/epr.h5
check "epr.h5 is consistent: rows in id order, sigma and v from the scores, totals, phases, model checksum" \
  $py "$checker" consistent n2/epr.h5
check "the closing lines print the EPR per particle with errors, network-free and relative difference" \
  $py "$checker" printed n2/epr.h5 n2.out
$py "$AMP_SRCDIR/tools/plot_epr.py" n2/epr.h5 n2/epr.png > plot.out 2>&1
check "tools/plot_epr.py renders the last frame of epr.h5 as a PNG" sh -c \
  "head -c 8 n2/epr.png | od -An -c | grep -q 'P   N   G' && [ \$(wc -c < n2/epr.png) -gt 20000 ] &&
   grep -q '^plot_epr: n2/epr.png (frame' plot.out"
paraview "$AMP_SRCDIR/tests/cli/read_fields_paraview.py" n2/epr.xdmf n2/epr.h5 \
  > pvf.out 2>&1 || show pvf.out
check "ParaView reads epr.xdmf's fields as an image of 8^2 cells whose three fields are epr.h5's last frame, bit for bit" \
  grep -q '^read_fields_paraview: 8^2 cells at time' pvf.out
paraview "$AMP_SRCDIR/tests/cli/render_paraview.py" n2/epr.xdmf pv.png 480 360 \
  > pv.out 2>&1 || show pv.out
check "ParaView (pvpython under xvfb-run) renders epr.xdmf's particles coloured by sigma: a 480 x 360 PNG, not uniform" \
  $py -c "
import matplotlib.image as image, numpy as np
a = image.imread('pv.png')
assert a.shape[:2] == (360, 480), a.shape
drawn = (np.abs(a[..., :3] - a[0, 0, :3]).sum(-1) > 0.05).mean()
colours = len(np.unique(a[..., :3].reshape(-1, 3), axis=0))
assert drawn > 0.005 and colours > 20, (drawn, colours)
print(f'# {drawn:.1%} of the pixels drawn, {colours} colours')
"
check "the closing lines print the phases" \
  sh -c "grep -q '^evaluate: phase gas ' n2.out && grep -q '^evaluate: phase interface ' n2.out && grep -q '^evaluate: phase solid ' n2.out"
check "the closing lines print the fields' grid and the largest cluster" \
  sh -c "grep -q '^evaluate: fields on 8^2 cells of side 3.75 (nearest grid point)' n2.out &&
         grep -q '^evaluate: largest cluster .* particles on average (10 of 10 snapshots have one); radial profile in 7 bins of 2$' n2.out"

evaluate_input off "" "field_cells = 0"
run_amp -n 2 off.toml
check "field_cells = 0 writes no fields, and the rest as before" sh -c \
  "[ $rc -eq 0 ] && ! grep -q '^evaluate: fields' '$out' && $py -c \"
import h5py, sys
a, b = h5py.File('off/epr.h5'), h5py.File('n2/epr.h5')
assert not any(k.startswith('field') for k in a['observables']), list(a['observables'])
assert (a['observables/sigma/value'][()] == b['observables/sigma/value'][()]).all()
\""

evaluate_input coarse "" "field_cells = 1"
run_amp -n 4 coarse.toml
grep '^activempi' "$err" | show /dev/stdin
check "fewer cells than the process grid has ranks along an axis is refused: exit 1, one line, no epr.h5" \
  sh -c "[ $rc -eq 1 ] && [ \$(grep -c '^activempi: error' '$err') -eq 1 ] &&
         grep -q 'field_cells = 1 is fewer than the 2 ranks along x of the 4-rank process grid' '$err' &&
         ! ls coarse/epr.h5* >/dev/null 2>&1"

evaluate_input other "pooling = \"mean\""
run_amp -n 2 other.toml
grep '^activempi' "$err" | show /dev/stdin
check "a model of another architecture is refused: exit 1, one line naming the file and both architectures" \
  sh -c "[ $rc -eq 1 ] && [ \$(grep -c '^activempi: error' '$err') -eq 1 ] && grep -q 'data/model.h5 has the architecture (.*pooling self.*), the input.s \[network\] implies (.*pooling mean.*)' '$err'"
check "... and writes no epr.h5, finished or partial" sh -c "! ls other/epr.h5* >/dev/null 2>&1"
