#!/usr/bin/env python3
"""Time to a stationary point: RankCollapse (L-BFGS, gradient descent, Adam) beside PyTorch's and
JAX's L-BFGS, in one run, from the same data and the same initial parameters.

    python3 Benchmarks/compare_convergence.py                       # (a) the demo setting
    python3 Benchmarks/compare_convergence.py --scale paper         # (b) Figure 1 at paper size
    python3 Benchmarks/compare_convergence.py --threads 1 --rounds 1 --lambdas 1e-2
    python3 Benchmarks/compare_convergence.py --scale paper --cases 3e-3:0.5 --max-seconds 900

Settings (the autoencoder of `BlobsAutoencoderExperiment`, tanh hidden layers, linear output,
Glorot-uniform weights, zero biases, L_λ = (1/N) Σ ‖f(x_i) − x_i‖² + λ‖Θ‖² with biases, float32):
  small: 64-48-32-48-64, N = 1000, 10 blobs, σ = 0.1, λ ∈ {1e-3, 3e-3, 1e-2, 3e-2};
  paper: 784-400-300-400-784, N = 10000, (λ, σ) ∈ {(1e-2, 0.1), (3e-3, 0.5)}.
`ConvergenceTimings --export` writes the data and initial parameters of each case to a .npz that
every implementation starts from. Each run stops at ‖∇L_λ‖₂ ≤ tol (default 1e-3) or at the
wall-time cap, writes its final parameters, and L_λ of every final point is recomputed here in
float64 from them, so that the objectives are compared by one formula.

Every run is its own process pinned with `taskset` to the same cores (core 0 for one thread,
0-1 for two), with OPENBLAS/OMP/MKL thread variables set; rounds interleave the implementations
in an order that rotates by one each round. The table reports medians over rounds and ratios;
the load average is printed with every case.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = ["rankcollapse-lbfgs", "rankcollapse-gd", "rankcollapse-adam"]
REFERENCES = ["torch-lbfgs", "jax-lbfgs"]
CASES = {
    "small": [(lam, 0.1) for lam in (1e-3, 3e-3, 1e-2, 3e-2)],
    "paper": [(1e-2, 0.1), (3e-3, 0.5)],
}
NATIVE = False


def environment(threads):
    env = dict(os.environ)
    if NATIVE:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                        + ("false" if threads == 1 else "true")).strip()
    return env


FIRST_CORE = 0


def run(command, threads, output=True):
    first = FIRST_CORE
    cores = str(first) if threads == 1 else f"{first}-{first + threads - 1}"
    completed = subprocess.run(["taskset", "-c", cores] + command, env=environment(threads),
                               capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    if not output:
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def objective(start, final, lam):
    """L_λ of the parameters in `final` on the data in `start`, in float64."""
    x = np.load(start)["x"].astype(np.float64)
    params = np.load(final)
    depth = sum(1 for name in params.files if name.startswith("w"))
    z, penalty = x, 0.0
    for l in range(depth):
        w = params[f"w{l + 1}"].astype(np.float64)
        b = params[f"b{l + 1}"].astype(np.float64)
        z = z @ w.T + b
        if l < depth - 1:
            z = np.tanh(z)
        penalty += float(np.sum(w * w) + np.sum(b * b))
    return float(np.sum((z - x) ** 2)) / x.shape[0] + lam * penalty


def value_at(result, seconds):
    """The lowest L_λ a run had reached after `seconds` (from its trace), or None."""
    best = None
    for t, f in zip(result["trace_seconds"], result["trace_objective"]):
        if t <= seconds and (best is None or f < best):
            best = f
    if result["seconds"] <= seconds and (best is None or result["objective"] < best):
        best = result["objective"]
    return best


def parse_case(text):
    """A `λ:σ` pair from the command line, both positive and finite."""
    try:
        lam, sigma = (float(part) for part in text.split(":"))
    except ValueError:
        raise SystemExit(f"--cases: '{text}' is not a pair λ:σ of numbers, such as 3e-3:0.5")
    if not (0 < lam < float("inf") and 0 < sigma < float("inf")):
        raise SystemExit(f"--cases: '{text}' needs a positive, finite λ and σ")
    return lam, sigma


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["small", "paper", "both"], default="small")
    parser.add_argument("--lambdas", help="comma-separated λ (small scale only; default all four)")
    parser.add_argument("--cases", help="comma-separated λ:σ pairs replacing the scale's cases, "
                        "such as 3e-3:0.5")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, help="default 3 (small), 1 (paper)")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("--max-seconds", type=float, help="wall-time cap per run (default 120 "
                        "small, 600 paper)")
    parser.add_argument("--methods", default=",".join(OURS + REFERENCES))
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--native-kernels", action="store_true",
                        help="unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for every process")
    parser.add_argument("--mallocs", action="store_true",
                        help="also count allocations per steady-state iteration")
    parser.add_argument("--json", help="save every run's result to this file")
    parser.add_argument("--first-core", type=int, default=0,
                        help="pin to cores from this one on (default 0)")
    args = parser.parse_args()
    custom_cases = [parse_case(case) for case in args.cases.split(",")] if args.cases else None
    global NATIVE, FIRST_CORE
    NATIVE = args.native_kernels
    FIRST_CORE = args.first_core
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE,
                        "--product", "ConvergenceTimings"], check=True)
    binary = os.path.join(HERE, ".build", "release", "ConvergenceTimings")
    methods = args.methods.split(",")
    scales = ["small", "paper"] if args.scale == "both" else [args.scale]
    everything = []
    with tempfile.TemporaryDirectory() as folder:
        for scale in scales:
            cases = CASES[scale]
            if scale == "small" and args.lambdas:
                cases = [(float(lam), 0.1) for lam in args.lambdas.split(",")]
            if custom_cases:
                cases = custom_cases
            rounds = args.rounds or (3 if scale == "small" else 1)
            cap = args.max_seconds or (120.0 if scale == "small" else 600.0)
            chunk = 25 if scale == "small" else 10
            interval = 10 if scale == "small" else 1
            for lam, sigma in cases:
                start = os.path.join(folder, f"{scale}-{lam}-{sigma}.npz")
                common = ["--scale", scale, "--lambda", str(lam), "--sigma", str(sigma)]
                run([binary] + common + ["--export", start], 1, output=False)
                for threads in [int(t) for t in args.threads.split(",")]:
                    if args.mallocs:
                        counts = run([binary] + common + ["--mallocs", "--threads", str(threads)],
                                     threads)
                        print(f"\nallocations, {scale} λ={lam} σ={sigma}, {threads} thread(s): "
                              + json.dumps(counts))
                        everything.append(dict(scale=scale, kind="mallocs", **counts))
                    results = {name: [] for name in methods}
                    loads = [os.getloadavg()[0]]
                    for r in range(rounds):
                        order = methods[r % len(methods):] + methods[:r % len(methods)]
                        for name in order:
                            final = os.path.join(folder, f"final-{name}.npz")
                            if name.startswith("rankcollapse"):
                                command = [binary] + common + [
                                    "--method", name.split("-")[1], "--tolerance",
                                    str(args.tolerance), "--max-seconds", str(cap),
                                    "--observer-interval", str(interval), "--threads",
                                    str(threads), "--save-final", final]
                            else:
                                command = [sys.executable,
                                           os.path.join(HERE, "convergence_references.py"),
                                           name.split("-")[0], start, str(lam),
                                           str(args.tolerance), str(cap), str(chunk), final]
                            result = run(command, threads)
                            result["objective64"] = objective(start, final, lam)
                            result.update(scale=scale, lam=lam, sigma=sigma, threads=threads,
                                          round=r)
                            results[name].append(result)
                            everything.append(result)
                        loads.append(os.getloadavg()[0])
                    report(scale, lam, sigma, threads, rounds, cap, results, loads)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(everything, file)


def report(scale, lam, sigma, threads, rounds, cap, results, loads):
    print(f"\n{scale} λ={lam:g} σ={sigma:g}, {threads} thread(s), {rounds} round(s), cap {cap:g} s, "
          f"load average {min(loads):.1f}–{max(loads):.1f}")
    print(f"  {'method':20s} {'reached':>7s} {'median s':>9s} {'evals':>7s} {'iters':>7s} "
          f"{'final L_λ (f64)':>16s} {'‖∇L_λ‖':>9s}  reasons")
    summary = {}
    for name, runs in results.items():
        if not runs:
            continue
        reached = sum(1 for run in runs if run["reached"])
        seconds = statistics.median(run["seconds"] for run in runs)
        evaluations = statistics.median(run["evaluations"] for run in runs)
        iterations = statistics.median(run["iterations"] for run in runs)
        final = statistics.median(run["objective64"] for run in runs)
        norm = statistics.median(run["gradient_norm"] for run in runs)
        reasons = ",".join(sorted({run["reason"] for run in runs}))
        summary[name] = dict(all=reached == len(runs), seconds=seconds, final=final, runs=runs)
        print(f"  {name:20s} {reached:>3d}/{len(runs):<3d} {seconds:9.2f} {evaluations:7.0f} "
              f"{iterations:7.0f} {final:16.8f} {norm:9.2e}  {reasons}")
    ours = [(s["seconds"], n) for n, s in summary.items() if n in OURS and s["all"]]
    references = [(s["seconds"], n) for n, s in summary.items() if n in REFERENCES and s["all"]]
    if not all(s["all"] for s in summary.values()):
        # Some run stopped at the cap: compare what each had reached in the same wall time.
        marks = [cap / 4, cap / 2, cap]
        print("  median L_λ (each implementation's own objective) reached after "
              + ", ".join(f"{mark:g} s" for mark in marks) + ":")
        for name, s in summary.items():
            values = [statistics.median(value_at(run, mark) or float("nan") for run in s["runs"])
                      for mark in marks]
            print(f"    {name:20s} " + " ".join(f"{value:14.6f}" for value in values))
    if not ours:
        print("  no RankCollapse method reached the tolerance in every round")
        return
    fastest_time, fastest = min(ours)
    print(f"  ours fastest: {fastest} ({fastest_time:.2f} s)")
    if references:
        reference_time, reference = min(references)
        print(f"  {reference} / ours = {reference_time / fastest_time:.2f}  (target ≥ 1.5)")
    else:
        print("  no reference L-BFGS reached the tolerance in every round")
    for name in REFERENCES:
        if name in summary and summary[name]["all"]:
            ref = summary[name]["final"]
            relative = (summary[fastest]["final"] - ref) / abs(ref)
            print(f"  final L_λ ours − {name}, relative: {relative:+.2e}  (target ≤ 1e-4)")
    if "rankcollapse-gd" in summary:
        gd = summary["rankcollapse-gd"]
        if gd["all"] and fastest != "rankcollapse-gd":
            print(f"  gradient descent / ours = {gd['seconds'] / fastest_time:.2f}  (target ≥ 5)")
        elif not gd["all"]:
            print("  gradient descent did not reach the tolerance in every round; median L_λ "
                  f"reached by each in ours' {fastest_time:.2f} s and in gd's "
                  f"{gd['seconds']:.2f} s:")
            for name, s in summary.items():
                early = statistics.median(value_at(run, fastest_time) or float("nan")
                                          for run in s["runs"])
                late = statistics.median(value_at(run, gd["seconds"]) or float("nan")
                                         for run in s["runs"])
                print(f"    {name:20s} {early:14.6f} {late:14.6f}")


if __name__ == "__main__":
    main()
