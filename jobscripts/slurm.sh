#!/bin/bash
# activempi on a SLURM cluster: a template batch script.
#
#   sbatch jobscripts/slurm.sh                  # runs input/mips_paper.toml
#   sbatch jobscripts/slurm.sh my_input.toml    # another input (or INPUT=... sbatch ...)
#   sbatch jobscripts/slurm.sh my_input.toml --set system.particles=8192   # overrides
#   sbatch --nodes=8 jobscripts/slurm.sh        # sbatch options override the lines below
#
# To adapt it:
#   - nodes x ntasks-per-node is the number of MPI ranks (here 4 x 64 = 256);
#     [run] replicas in the input must divide it. One rank per core, with one
#     OpenBLAS thread each ([run] blas_threads = 1, the default).
#   - add what your site requires (#SBATCH --partition=..., --account=...) and
#     load the environment that provides Open MPI and the libraries.
#   - set --time to the wall-clock limit you need.
#   - submit from the directory the input's paths are relative to: the job
#     runs there, and [run] output_dir is created there.
#   - ACTIVEMPI names the program: activempi on PATH (after make install) by
#     default, or e.g. ACTIVEMPI=$PWD/src/activempi in a build tree.
#   - LAUNCHER=mpirun if srun cannot start Open MPI ranks at your site
#     (srun --mpi=list shows the interfaces it supports).
#
#SBATCH --job-name=activempi
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=64
#SBATCH --cpus-per-task=1
#SBATCH --time=24:00:00
#SBATCH --output=activempi-%j.out
# SLURM sends SIGUSR1 to this script five minutes before the time limit; the
# script passes it on to the ranks, and stages that checkpoint (see
# doc/running.md) write one then.
#SBATCH --signal=B:USR1@300

INPUT=${1:-${INPUT:-input/mips_paper.toml}}
[ $# -gt 0 ] && shift # the rest: activempi's options (--set ...)
ACTIVEMPI=${ACTIVEMPI:-activempi}
LAUNCHER=${LAUNCHER:-srun}

export OPENBLAS_NUM_THREADS=1

echo "activempi: job ${SLURM_JOB_ID:-?}, ${SLURM_NTASKS:-?} ranks on ${SLURM_JOB_NUM_NODES:-?} nodes, input $INPUT"

# Run in the background so that the shell can forward SIGUSR1 (srun and
# mpirun both pass signals on to the ranks).
pid=
trap '[ -n "$pid" ] && kill -USR1 "$pid"' USR1
"$LAUNCHER" "$ACTIVEMPI" "$INPUT" "$@" &
pid=$!
wait "$pid"
status=$?
# A trapped signal interrupts wait; wait again until the run has ended.
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
exit "$status"
