# The domain tests on rank counts that tests/mpi-run does not use (1, 2 and 4):
# primes, which MPI_Dims_create cannot split evenly (3, 5, 7 ranks give
# 3 x 1, 5 x 1, 7 x 1 grids in 2-D), and 6 (3 x 2), one TAP case each.
. "$AMP_SRCDIR/tests/cli/tap.sh"

for prog in domain halo neighbors; do
  for ranks in 3 5 6 7; do
    # shellcheck disable=SC2046
    CMOCKA_MESSAGE_OUTPUT=STDOUT timeout 120 $(mpirun_cmd) -n "$ranks" "$AMP_BUILDDIR/tests/mpi/$prog.mpi" >"$out" 2>&1
    rc=$?
    check "$prog on $ranks ranks" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || show "$out"
  done
done
