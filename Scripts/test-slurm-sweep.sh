#!/usr/bin/env bash
# Tests the figure sweeps' SLURM job-array recipe (Scripts/sweep-array.sbatch, as documented in
# the DocC article "Reproducing Figure 1") on a single-node cluster started by
# Scripts/local-slurm.sh, with a tiny Figure 1 grid (2 λ × 2 σ):
#   1. a 4-task array writes, into one folder, figure1.csv byte for byte equal to the unsharded
#      run's;
#   2. a 2-task array in which task 1 is killed with scancel while it trains its second point,
#      then resubmitted unchanged: the points finished before the kill are not recomputed (same
#      file, same mtime, "already done" in the log), the killed point is, and the final
#      figure1.csv again equals the unsharded run's.
# Prints "test-slurm-sweep: PASS …" or "test-slurm-sweep: FAIL: …" and exits non-zero on failure.
# Run as root; the cluster is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

# Bound on each wait for an array, in seconds.
array_timeout=${SLURM_SWEEP_TEST_TIMEOUT:-300}
example=.build/release/GaussianBlobsAutoencoder
# The tiny grid: four points of a few seconds each on one thread (long enough to kill a task
# while it trains a point, short enough for CI).
tiny=(--lambdas "0.01,0.1" --sigmas "0.1,0.5" --optimizer gd --max-steps 3000
  --stationarity-tolerance 1e-9 --spectra-only --threads 1)
# sbatch's options besides --array; the article shows the same command.
sbatch_options=(--cpus-per-task=1 --time=00:10:00)
article=Sources/RankCollapseExperiments/RankCollapseExperiments.docc/ReproducingFigure1.md

started=$SECONDS
work=$(mktemp -d)
passed=no
say() { echo "test-slurm-sweep: $*"; }
show_logs() {
  for log in "$work"/logs/*.out; do
    [ -e "$log" ] || continue
    echo "--- $log"
    tail -15 "$log"
  done
  for log in /run/rankcollapse-slurm/slurmctld.log /run/rankcollapse-slurm/slurmd.log; do
    [ -e "$log" ] && echo "--- $log" && tail -15 "$log"
  done
  return 0
}
fail() {
  say "FAIL: $*"
  show_logs
  exit 1
}
finish() {
  local status=$?
  if [ "$passed" != yes ]; then
    [ "$status" -ne 0 ] || status=1
    say "FAIL after $((SECONDS - started)) s (exit status $status; see above)"
  fi
  Scripts/local-slurm.sh stop || true
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT

# The same submission as the documented recipe, plus --parsable (to get the job id) and a log
# file per task in the test's folder.
submit() {
  local name=$1 tasks=$2 folder=$3
  sbatch --parsable --output="$work/logs/$name-%A_%a.out" \
    --array=1-"$tasks" "${sbatch_options[@]}" Scripts/sweep-array.sbatch \
    "$example" "${tiny[@]}" --output "$folder"
}
in_queue() { [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; }
# Waits until job $1 (an array or one task) has left the queue, at most $array_timeout seconds.
wait_done() {
  local deadline=$((SECONDS + array_timeout))
  while in_queue "$1"; do
    ((SECONDS < deadline)) || fail "job $1 still queued after ${array_timeout} s"
    sleep 0.5
  done
}
# The final state of every task of array job $1: "1=COMPLETED 2=CANCELLED …".
task_states() {
  scontrol -o show job "$1" | sed -E 's/.*ArrayTaskId=([0-9]+).*JobState=([A-Z_]+).*/\1=\2/' \
    | sort -n | tr '\n' ' ' | sed 's/ $//'
}
# "name inode mtime" of each file, to see whether it was rewritten.
file_stamps() { stat -c '%n %i %y' "$@"; }

# The article's "try it" commands are this test's: the same sbatch command with the same options
# (compared with the article's line continuations joined).
documented="sbatch --array=1-4 ${sbatch_options[*]} Scripts/sweep-array.sbatch $example ${tiny[*]} --output"
tr '\n' ' ' <"$article" | sed -E 's/\\ +/ /g; s/ +/ /g' | grep -F -- "$documented" >/dev/null \
  || fail "$article no longer shows this test's command: $documented"

say "building $example"
swift build -c release --product GaussianBlobsAutoencoder 2>&1 | tail -1

mkdir -p "$work/logs"
Scripts/local-slurm.sh start 2>&1 | tee "$work/logs/local-slurm.log" \
  || fail "Scripts/local-slurm.sh start failed"
SLURM_CONF=$(sed -n 's/^export SLURM_CONF=//p' "$work/logs/local-slurm.log")
[ -n "$SLURM_CONF" ] || fail "Scripts/local-slurm.sh start did not print SLURM_CONF"
export SLURM_CONF

say "unsharded reference run"
reference_start=$SECONDS
"$example" "${tiny[@]}" --output "$work/reference" >"$work/logs/reference.out" 2>&1 \
  || fail "the unsharded run failed"
[ -s "$work/reference/figure1.csv" ] || fail "the unsharded run wrote no figure1.csv"
say "unsharded run: 4 points in $((SECONDS - reference_start)) s"

say "1. four-task array into one folder"
job=$(submit clean 4 "$work/clean")
wait_done "$job"
states=$(task_states "$job")
[ "$states" = "1=COMPLETED 2=COMPLETED 3=COMPLETED 4=COMPLETED" ] \
  || fail "array $job ended with tasks $states"
[ -s "$work/clean/figure1.csv" ] || fail "no task of array $job wrote figure1.csv"
cmp "$work/reference/figure1.csv" "$work/clean/figure1.csv" \
  || fail "the array's figure1.csv differs from the unsharded run's"
say "array $job: tasks $states; figure1.csv equals the unsharded run's"

say "2. two-task array, task 1 cancelled while it trains its second point, then resubmitted"
folder=$work/resumed
points=$folder/points
job=$(submit killed 2 "$folder")
# Task 1 (shard 1/2) trains points 0 and 2; cancel it as soon as point 0 is stored.
deadline=$((SECONDS + array_timeout))
until [ -e "$points/point-00000.json" ]; do
  ((SECONDS < deadline)) || fail "point 0 not stored after ${array_timeout} s"
  in_queue "${job}_1" || fail "task 1 left the queue before storing point 0"
  sleep 0.1
done
scancel "${job}_1"
wait_done "$job"
states=$(task_states "$job")
[ "$states" = "1=CANCELLED 2=COMPLETED" ] || fail "array $job ended with tasks $states"
[ ! -e "$points/point-00002.json" ] \
  || fail "task 1 stored point 2 before it was cancelled: the points are too fast to test the kill"
grep -q "\[1/2\] .*: [0-9.]* s" "$work/logs/killed-${job}_1.out" \
  || fail "task 1's log does not show point 0 finished"
[ ! -e "$folder/figure1.csv" ] || fail "figure1.csv was written with point 2 missing"
finished=("$points/point-00000.json" "$points/point-00001.json" "$points/point-00003.json")
before=$(file_stamps "${finished[@]}") || fail "a point finished before the kill is missing"
say "array $job: tasks $states; points 0, 1, 3 stored, point 2 missing"

job=$(submit resubmitted 2 "$folder")
wait_done "$job"
states=$(task_states "$job")
[ "$states" = "1=COMPLETED 2=COMPLETED" ] || fail "resubmitted array $job ended with tasks $states"
after=$(file_stamps "${finished[@]}")
[ "$before" = "$after" ] || fail "points finished before the kill were rewritten:
before: $before
after:  $after"
skipped=$(cat "$work"/logs/resubmitted-"$job"_*.out | grep -c ": already done$" || true)
computed=$(cat "$work"/logs/resubmitted-"$job"_*.out | grep -cE "^\[[0-9]+/[0-9]+\] .*: [0-9.]+ s$" || true)
if [ "$skipped" != 3 ] || [ "$computed" != 1 ]; then
  fail "the resubmitted array skipped $skipped points and computed $computed (expected 3 and 1)"
fi
[ -s "$folder/figure1.csv" ] || fail "the resubmitted array wrote no figure1.csv"
cmp "$work/reference/figure1.csv" "$folder/figure1.csv" \
  || fail "figure1.csv after the kill and resubmission differs from the unsharded run's"
say "resubmitted array $job: 3 points skipped, 1 computed; figure1.csv equals the unsharded run's"

passed=yes
say "PASS in $((SECONDS - started)) s: a 4-task array and a cancelled, resubmitted 2-task array" \
  "both wrote the unsharded run's figure1.csv byte for byte; no finished point was recomputed"
