# The C network against an independent numpy evaluation of its model file
# (tests/nn_reference.py): three architectures (self-token and mean readout,
# with and without a position head and the equilibrium shift, relative and
# absolute positions), max |C - numpy| / max |numpy| <= 1e-5 for every output.
# A negative control checks that the comparison notices one changed parameter.
# Needs Debian's python3-numpy and python3-h5py (deps/debian-packages.txt [test]).
. "$AMP_SRCDIR/tests/cli/tap.sh"
tool=$AMP_BUILDDIR/tests/tools/nn_reference_data
reference="/usr/bin/python3 $AMP_SRCDIR/tests/nn_reference.py"

# data ARCH: a random model of ARCH, inputs and the C outputs.
data() {
  # shellcheck disable=SC2046
  timeout 120 $(mpirun_cmd) -n 1 "$tool" "$1" "$1.model.h5" "$1.batch.h5" >"$out" 2>"$err" || show "$err"
}

# agrees ARCH: numpy reproduces the C outputs (its errors as TAP comments).
agrees() {
  $reference "$1.model.h5" "$1.batch.h5" >"$out" 2>&1
  local rc=$?
  show "$out"
  return $rc
}

new_dir nn_reference
for arch in self mean absolute; do
  data "$arch"
  check "$arch: numpy reproduces the C forward pass from the model file alone" agrees "$arch"
done

# Move one weight of the last block by 0.01 (weights are ~0.3): numpy must disagree.
/usr/bin/python3 - mean.model.h5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    w = f["encoder/block_2/attention/value/weight"]
    a = w[()]
    a[1, 2] += 0.01
    w[...] = a
PY
check "mean: a model with one changed weight does not match" sh -c "! $reference mean.model.h5 mean.batch.h5 >/dev/null"
