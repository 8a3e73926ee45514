#!/usr/bin/env python3
"""Dense vs factored (low-rank) inference in PyTorch (CPU), as a sanity ratio beside
CompressionTimings.

The same shapes as `CompressionTimings --op mlp-forward-f32`: the 784-500-500-500-10 tanh
classifier on a batch of 10000, dense (x Wᵀ + b) against factored ((x Vᵀ) Uᵀ + b) with every
layer at rank r = floor(min(m, n) / 4) (dense when r (m + n) ≥ m n), float32. Each repetition
times one dense and one factored pass, alternating the order; prints JSON with the median ratio.
Then, unless --no-swift, runs the Swift timing tool with the same settings for comparison.

    python3 Benchmarks/compare_compression_torch.py --threads 1 --reps 7
"""
import argparse
import json
import subprocess
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch", type=int, default=10000)
    parser.add_argument("--widths", default="784,500,500,500,10")
    parser.add_argument("--fraction", type=float, default=0.25)
    parser.add_argument("--no-swift", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    widths = [int(w) for w in args.widths.split(",")]
    dense, factored = [], []
    for l, (n, m) in enumerate(zip(widths[:-1], widths[1:])):
        w = torch.randn(m, n) / (n ** 0.5)
        b = torch.zeros(m)
        last = l == len(widths) - 2
        dense.append((w, b, last))
        r = int(min(m, n) * args.fraction)
        if max(r, 1) * (m + n) < m * n:
            u, s, vt = torch.linalg.svd(w, full_matrices=False)
            root = s[:r].sqrt()
            factored.append(((u[:, :r] * root).contiguous(), (root[:, None] * vt[:r]).contiguous(), b, last))
        else:
            factored.append((w, None, b, last))
    x = torch.randn(args.batch, widths[0])

    def run_dense():
        z = x
        for w, b, last in dense:
            z = torch.addmm(b, z, w.t())
            if not last:
                z = torch.tanh(z)
        return z

    def run_factored():
        z = x
        for u, v, b, last in factored:
            if v is None:
                z = torch.addmm(b, z, u.t())
            else:
                z = torch.addmm(b, z @ v.t(), u.t())
            if not last:
                z = torch.tanh(z)
        return z

    times = {0: [], 1: []}
    with torch.no_grad():
        for rep in range(args.warmup + args.reps):
            for variant in ([0, 1] if rep % 2 == 0 else [1, 0]):
                start = time.perf_counter()
                (run_dense if variant == 0 else run_factored)()
                elapsed = time.perf_counter() - start
                if rep >= args.warmup:
                    times[variant].append(elapsed)

    def median(values):
        values = sorted(values)
        k = len(values)
        return values[k // 2] if k % 2 else (values[k // 2 - 1] + values[k // 2]) / 2

    result = {
        "library": "torch " + torch.__version__, "threads": args.threads, "batch": args.batch,
        "median_dense": median(times[0]), "median_factored": median(times[1]),
        "ratio": median(times[0]) / median(times[1]),
    }
    print(json.dumps(result))
    if not args.no_swift:
        swift = subprocess.run(
            ["swift", "run", "-c", "release", "--package-path", "Benchmarks", "CompressionTimings",
             "--threads", str(args.threads), "--reps", str(args.reps), "--warmup", str(args.warmup),
             "--batch", str(args.batch), "--widths", args.widths, "--fraction", str(args.fraction)],
            capture_output=True, text=True, check=True)
        mine = json.loads(swift.stdout.strip().splitlines()[-1])
        print(json.dumps({
            "library": "RankCollapse", "threads": mine["threads"],
            "median_dense": mine["median_dense"], "median_factored": mine["median_factored"],
            "ratio": mine["ratio"],
            "swift_dense_over_torch_dense": mine["median_dense"] / result["median_dense"],
            "swift_factored_over_torch_factored": mine["median_factored"] / result["median_factored"],
        }))


if __name__ == "__main__":
    main()
