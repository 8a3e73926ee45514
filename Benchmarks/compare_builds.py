#!/usr/bin/env python3
"""Two builds of the timing executables side by side: the ratio old / new of each operation's
median time, measured in interleaved rounds (old, new, old, new, ...) so that load on the machine
affects both alike. Used for issue 17's "every benchmark within noise of today's".

Usage:
  python3 Benchmarks/compare_builds.py OLD_BIN_DIR NEW_BIN_DIR [--rounds 3]

OLD_BIN_DIR and NEW_BIN_DIR hold RankCollapseTimings, RankCollapseTrainingTimings,
CompressionTimings and KMeansTimings (`swift build --package-path Benchmarks -c release` of the
two commits). Everything runs on one BLAS thread.
"""

import argparse
import json
import os
import statistics
import subprocess

os.environ["OPENBLAS_NUM_THREADS"] = "1"

CASES = [
    ("RankCollapseTrainingTimings", ["--op", "ae-step-f32", "--steps", "10", "--threads", "1"]),
    ("RankCollapseTrainingTimings", ["--op", "ae-step-f64", "--steps", "5", "--threads", "1"]),
    ("RankCollapseTrainingTimings", ["--op", "mlp-sgd-f32", "--steps", "10", "--threads", "1"]),
    ("RankCollapseTimings", ["--op", "gemm-f32", "--reps", "10", "--threads", "1"]),
    ("RankCollapseTimings", ["--op", "svals-400x784", "--reps", "10", "--threads", "1"]),
    ("RankCollapseTimings", ["--op", "tanh-apply", "--reps", "20", "--threads", "1"]),
    ("CompressionTimings", ["--op", "mlp-forward-f32", "--reps", "7", "--threads", "1"]),
]


def run(binary, arguments):
    output = subprocess.run(
        [binary] + arguments, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'operation':<52} {'old (s)':>10} {'new (s)':>10} {'old/new':>8}")
    for executable, arguments in CASES:
        samples = {"old": [], "new": []}
        for _ in range(args.rounds):
            for side in ("old", "new"):
                result = run(os.path.join(getattr(args, side), executable), arguments)
                # CompressionTimings reports the factored network's pass as median_factored.
                key = "median" if "median" in result else "median_factored"
                samples[side].append(result[key])
        old = statistics.median(samples["old"])
        new = statistics.median(samples["new"])
        name = f"{executable} {' '.join(arguments[:2])}"
        print(f"{name:<52} {old:>10.4g} {new:>10.4g} {old / new:>8.3f}")


if __name__ == "__main__":
    main()
