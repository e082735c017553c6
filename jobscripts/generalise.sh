#!/bin/bash
# The paper's generalisation study (science.md §5): one trained network
# evaluated on systems it was not trained on, packing fractions
# phi in {0.1, 0.25, 0.5, 0.75, 0.9} at N = 8192 and sizes
# N in {4096, 8192, 16384, 32768} at phi = 0.5, each simulated afresh from
# the training input with the model, sizes and fractions overridden (--set).
#
#   jobscripts/generalise.sh                        # sbatch one job per system
#   RUN="mpirun -n 2 src/activempi" jobscripts/generalise.sh   # run them here, one after the other
#
# Settings (environment):
#   INPUT    the input the model was trained with (input/mips_paper.toml): its
#            [system], [interaction], [dynamics] and [network] are kept
#   MODEL    the model file (output/mips_paper/model.h5)
#   OUT      results go to $OUT/phi_<phi>_N_<N>/ (output/generalise)
#   STEPS    simulation steps per system after burn-in (200000: 2000 snapshots
#            at the input's snapshot_interval of 100)
#   STRIDE   evaluate every STRIDE-th snapshot (20: 100 snapshots per system)
#   PHIS, SIZES  the series (the paper's by default); the phi series is at
#            N = PHI_N (8192), the N series at phi = 0.5
#   RUN      the command that runs activempi with the arguments that follow:
#            "sbatch jobscripts/slurm.sh" (default) or an mpirun line
#   EXTRA    more overrides for every system (e.g. "--set simulate.burn_in_steps=100000")
# Each system's epr.h5 holds the per-particle EPR and its phases, and the run
# prints the learned total next to the network-free one (doc/evaluate.md).
set -eu
INPUT=${INPUT:-input/mips_paper.toml}
MODEL=${MODEL:-output/mips_paper/model.h5}
OUT=${OUT:-output/generalise}
STEPS=${STEPS:-200000}
STRIDE=${STRIDE:-20}
PHIS=${PHIS:-0.1 0.25 0.5 0.75 0.9}
SIZES=${SIZES:-4096 8192 16384 32768}
PHI_N=${PHI_N:-8192}
RUN=${RUN:-sbatch jobscripts/slurm.sh}
EXTRA=${EXTRA:-}

# system PHI N: one simulate + evaluate run of the model on that system
system() {
  local dir="$OUT/phi_$1_N_$2"
  echo "generalise: phi $1, N $2 -> $dir"
  # shellcheck disable=SC2086 # RUN and EXTRA are word lists
  $RUN "$INPUT" --set run.stages='["simulate", "evaluate"]' --set run.output_dir="\"$dir\"" \
    --set system.packing_fraction="$1" --set system.particles="$2" \
    --set simulate.steps="$STEPS" --set evaluate.model="\"$MODEL\"" --set evaluate.stride="$STRIDE" $EXTRA
}

for phi in $PHIS; do system "$phi" "$PHI_N"; done
for n in $SIZES; do
  case " $PHIS " in *" 0.5 "*) [ "$n" = "$PHI_N" ] && continue ;; esac # already in the phi series
  system 0.5 "$n"
done
