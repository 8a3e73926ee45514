#!/usr/bin/env python3
"""Time reading Fashion-MNIST's gzipped IDX files with RankCollapse beside NumPy, in one run.

NumPy side (what a Python user writes):

    with gzip.open(path) as f: raw = f.read()
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    labels = np.frombuffer(gzip.open(labels_path).read(), np.uint8, offset=8).astype(np.int64)

RankCollapse side: `LabelledData<Float>(mnistFolder:split: .train)` through the `DataTimings`
executable of this package (release build). Each measurement is a fresh subprocess doing the same
warm-up and timed repetitions; rounds alternate which side runs first, so drifts of this shared
machine hit both alike. ratio = RankCollapse median / NumPy median (below 1: RankCollapse faster),
for wall-clock time and for the process's CPU time (which other programs on a busy machine
disturb less).

    cd Benchmarks && swift build -c release --product DataTimings && python3 compare_data_numpy.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FOLDER = "/usr/share/datasets/fashion-mnist"


def numpy_worker(op: str, folder: str, reps: int, warmup: int) -> dict:
    dtype = np.float64 if op.endswith("f64") else np.float32

    def body():
        with gzip.open(f"{folder}/train-images-idx3-ubyte.gz") as f:
            raw = f.read()
        images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784).astype(dtype) / 255
        if op.startswith("fashion-images"):
            return float(images[1, 400])
        with gzip.open(f"{folder}/train-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        return float(images[1, 400]) + float(labels[0])

    for _ in range(warmup):
        body()
    times, cpu = [], []
    for _ in range(reps):
        start, cpu_start = time.perf_counter(), time.process_time()
        body()
        cpu.append(time.process_time() - cpu_start)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "times": times,
            "cpu_median": statistics.median(cpu)}


def run_numpy(op, folder, reps, warmup):
    out = subprocess.run([sys.executable, __file__, "--worker", op, "--folder", folder,
                          "--reps", str(reps), "--warmup", str(warmup)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_swift(binary, op, folder, reps, warmup):
    out = subprocess.run([binary, "--op", op, "--folder", folder, "--reps", str(reps),
                          "--warmup", str(warmup)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--folder", default=FOLDER)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--ops", default="fashion-train-f32,fashion-images-f32,fashion-train-f64")
    parser.add_argument("--binary", default=str(HERE / ".build/release/DataTimings"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(numpy_worker(args.worker, args.folder, args.reps, args.warmup)))
        return 0
    print(f"numpy {np.__version__}; {args.rounds} interleaved rounds × {args.reps} reps; "
          f"files in {args.folder}")
    for op in args.ops.split(","):
        swift, numpy = [], []
        for round_ in range(args.rounds):
            order = ["numpy", "swift"] if round_ % 2 == 0 else ["swift", "numpy"]
            for side in order:
                if side == "numpy":
                    numpy.append(run_numpy(op, args.folder, args.reps, args.warmup))
                else:
                    swift.append(run_swift(args.binary, op, args.folder, args.reps, args.warmup))
        for key, label in [("median", "wall"), ("cpu_median", "cpu ")]:
            s = statistics.median(r[key] for r in swift)
            n = statistics.median(r[key] for r in numpy)
            print(f"{op:20s} {label} RankCollapse {s * 1000:7.1f} ms   NumPy {n * 1000:7.1f} ms   "
                  f"ratio {s / n:.2f}   (per round: "
                  + ", ".join(f"{a[key] / b[key]:.2f}" for a, b in zip(swift, numpy)) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
