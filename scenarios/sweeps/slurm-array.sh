#!/bin/bash
# A blindfold sweep as a Slurm job array: one array task per shard.
#
#   sbatch scenarios/sweeps/slurm-array.sh
#   # when every task has finished:
#   blindfold sweep-merge results/shard-* --out results/merged
#
# Run it from the repository root (sbatch keeps the submission folder as
# the working folder), with `blindfold` in PATH on the compute nodes, or
# set BLINDFOLD=/path/to/blindfold. Shard K of N runs variants i with
# i % N == K - 1, and K is 1-based, so --array must start at 1; change
# 1-4 to 1-N for N shards. Each task writes results/shard-K/, and
# sweep-merge gives the same summary.csv as one unsharded sweep.
# SWEEP=... overrides the sweep file, JOBS=... the variants run at once per
# task (keep it equal to --cpus-per-task).
#SBATCH --job-name=blindfold-sweep
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=slurm-%A_%a.log
set -euo pipefail

BLINDFOLD=${BLINDFOLD:-blindfold}
SWEEP=${SWEEP:-scenarios/sweeps/loss-vs-delay.json}
JOBS=${JOBS:-${SLURM_CPUS_PER_TASK:-1}}

mkdir -p results
# Exit 1 (some variant failed a budget) is a result, not a failed task;
# 2 (bad sweep) and 3 (a variant crashed) fail the task.
status=0
"$BLINDFOLD" sweep "$SWEEP" \
    --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" \
    --jobs "$JOBS" \
    --out "results/shard-${SLURM_ARRAY_TASK_ID}" || status=$?
if [ "$status" -gt 1 ]; then
    exit "$status"
fi
