#!/bin/sh
# bench/gaussian.sh BENCH [N]: the Gaussian reference's eigensolve of an
# N-particle chain (default 8192) on 1 and 2 ranks (bench/bench_gaussian.c),
# one OpenBLAS thread per rank. Run by `make bench`.
bin=${1:-bench/bench_gaussian}
n=${2:-8192}
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
for ranks in 1 2; do
  OPENBLAS_NUM_THREADS=1 mpirun $flags -n $ranks "$bin" "$n" || exit 1
done
