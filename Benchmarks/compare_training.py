#!/usr/bin/env python3
"""Training-step speed of RankCollapse beside NumPy (hand-written), PyTorch and JAX, in one run.

    python3 Benchmarks/compare_training.py [--ops ae-step-f32,...] [--threads 1,2] [--rounds 3]

Every implementation runs in its own process pinned with `taskset` to the same cores (core 0 for
one thread, cores 0-1 for two), with OPENBLAS/OMP/MKL thread variables set to the thread count.
Rounds interleave the implementations so that a change in machine load hits all of them; the
table reports per-round medians and the ratio of each reference's time to RankCollapse's
(above 1: RankCollapse is faster). `ae-gemms-*` rows are the step's matrix products alone.
Needs numpy; torch and jax are used when importable (`pip install --no-deps torch==2.13.0
filelock fsspec`, `pip install jax`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


NATIVE = False


def run(command, threads):
    env = dict(os.environ)
    if NATIVE:
        # Let OpenBLAS pick this processor's own kernels (AVX-512 where there is one), as PyTorch
        # and JAX do; the machine may pin an older kernel through these variables.
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    cores = "0" if threads == 1 else f"0-{threads - 1}"
    output = subprocess.run(
        ["taskset", "-c", cores] + command, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def available(module):
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", default="ae-step-f32,ae-step-f64,mlp-sgd-f32")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threading", default="partition", help="partition or openblas (Swift side)")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--native-kernels", action="store_true",
                        help="unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for every process")
    args = parser.parse_args()
    global NATIVE
    NATIVE = args.native_kernels
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE,
                        "--product", "RankCollapseTrainingTimings"], check=True)
    binary = os.path.join(HERE, ".build", "release", "RankCollapseTrainingTimings")
    references = ["numpy"] + [m for m in ("torch", "jax") if available(m)]
    for threads in [int(t) for t in args.threads.split(",")]:
        for op in args.ops.split(","):
            steps = args.steps if op.startswith("ae") else 50
            rows = {name: [] for name in ["rankcollapse", "blas-limit"] + references}
            for _ in range(args.rounds):
                result = run([binary, "--op", op, "--steps", str(steps), "--threads", str(threads),
                              "--threading", args.threading], threads)
                rows["rankcollapse"].append(result["median"])
                if op.startswith("ae-step"):
                    gemms = op.replace("step", "gemms")
                    result = run([binary, "--op", gemms, "--steps", str(steps), "--threads",
                                  str(threads), "--threading", args.threading], threads)
                    rows["blas-limit"].append(result["median"])
                for name in references:
                    result = run([sys.executable, os.path.join(HERE, "training_references.py"),
                                  name, op, str(steps), "2", str(threads)], threads)
                    rows[name].append(statistics.median(result["times"]))
            ours = statistics.median(rows["rankcollapse"])
            print(f"\n{op}, {threads} thread(s): median over {args.rounds} interleaved rounds")
            for name, values in rows.items():
                if not values:
                    continue
                value = statistics.median(values)
                ratio = value / ours
                print(f"  {name:13s} {value * 1000:9.2f} ms   {'time / RankCollapse' if name != 'rankcollapse' else ''}"
                      f" {ratio:6.3f}" if name != "rankcollapse" else f"  {name:13s} {value * 1000:9.2f} ms")


if __name__ == "__main__":
    main()
