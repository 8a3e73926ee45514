#!/usr/bin/env python3
"""Time RankCollapse's Matrix operations beside NumPy's, in one run, and print the ratios.

Each measurement is a fresh subprocess: NumPy through this script's worker mode, RankCollapse
through the `RankCollapseTimings` executable of this package (and, with --with-debian, Debian's
OpenBLAS/LAPACKE through ctypes). All do the same warm-up and the same number of timed
repetitions and report median and minimum seconds. Rounds alternate the order of the sides
(numpy, swift; swift, numpy; ...) so slow drifts of this shared machine hit all alike.

OpenBLAS reads OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads, so the
thread count and kernel are set in each subprocess's environment:

* default: the environment as it is (on the project's machines OPENBLAS_CORETYPE=Haswell and
  OPENBLAS_L2_SIZE=512, which the tests and CI use);
* --native-kernels: both variables removed for BOTH sides, so each OpenBLAS picks its own kernel.

    cd Benchmarks && python3 compare_numpy.py                 # the machine's environment
    cd Benchmarks && python3 compare_numpy.py --native-kernels

Times are wall-clock seconds; ratio = RankCollapse time / NumPy time (below 1: RankCollapse is
faster); for GEMM, "% of numpy" = NumPy time / RankCollapse time, the throughput target.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (description, floating-point operations or None)
OPERATIONS: dict[str, tuple[str, float | None]] = {
    "gemm-f32": ("Float32 10000x784 @ 784x400, new result", 2.0 * 10_000 * 784 * 400),
    "gemm-f32-inplace": ("Float32 10000x784 @ 784x400, into reused out", 2.0 * 10_000 * 784 * 400),
    "gemm-f64": ("Float64 10000x784 @ 784x400, new result", 2.0 * 10_000 * 784 * 400),
    "gram-f32": ("Float32 X^T X, X 10000x784: gram (?syrk)", 10_000 * 784 * 784),
    "gram-f32-gemm": ("Float32 X^T X, X 10000x784: matmul (GEMM)", 10_000 * 784 * 784),
    "gram-f64": ("Float64 X^T X, X 10000x784: gram (?syrk)", 10_000 * 784 * 784),
    "gram-f64-gemm": ("Float64 X^T X, X 10000x784: matmul (GEMM)", 10_000 * 784 * 784),
    "svals-400x784": ("singular values Float64 400x784", None),
    "svals-784x784": ("singular values Float64 784x784", None),
    "svd-400x784": ("thin SVD Float64 400x784", None),
    "tanh-map": ("tanh Float32 10000x400, new result", None),
    "tanh-apply": ("tanh Float32 10000x400, in place", None),
}

KERNEL_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --------------------------------------------------------------------------------------------
# Worker: runs inside a subprocess whose environment fixes OpenBLAS's threads and kernel.


def numpy_openblas_info() -> dict[str, object]:
    """The kernel and thread count of the OpenBLAS that NumPy loaded."""
    try:
        import threadpoolctl  # type: ignore[import-not-found]

        for pool in threadpoolctl.threadpool_info():
            if pool.get("internal_api") == "openblas":
                return {
                    "core": pool.get("architecture", "unknown"),
                    "threads": pool.get("num_threads"),
                    "version": pool.get("version"),
                    "source": "threadpoolctl",
                }
    except ImportError:
        pass
    # Without threadpoolctl: find NumPy's OpenBLAS among the loaded libraries and ask it.
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    for path in sorted(paths):
        library = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", "")):
            try:
                corename = getattr(library, f"{prefix}_get_corename{suffix}")
                threads = getattr(library, f"{prefix}_get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            return {
                "core": corename().decode(),
                "threads": threads(),
                "version": None,
                "source": "ctypes " + os.path.basename(path),
            }
    return {"core": "unknown", "threads": None, "version": None, "source": "none"}


def numpy_body(op: str):
    """Operands and a closure running `op` once with NumPy (standard normal data, as in Swift)."""
    import numpy as np

    rng = np.random.default_rng(1)
    if op in ("gemm-f32", "gemm-f32-inplace", "gemm-f64"):
        dtype = np.float64 if op == "gemm-f64" else np.float32
        a = rng.standard_normal((10_000, 784), dtype=dtype)
        b = rng.standard_normal((784, 400), dtype=dtype)
        if op == "gemm-f32-inplace":
            out = np.zeros((10_000, 400), dtype=dtype)
            return lambda: np.matmul(a, b, out=out)[0, 0]
        return lambda: (a @ b)[0, 0]
    if op.startswith("gram"):
        # NumPy's matmul sees that x.T and x share memory and calls ?syrk for both Swift variants.
        dtype = np.float64 if op.startswith("gram-f64") else np.float32
        x = rng.standard_normal((10_000, 784), dtype=dtype)
        return lambda: (x.T @ x)[0, 1]
    if op == "svals-400x784":
        x = rng.standard_normal((400, 784))
        return lambda: np.linalg.svd(x, compute_uv=False)[0]
    if op == "svals-784x784":
        x = rng.standard_normal((784, 784))
        return lambda: np.linalg.svd(x, compute_uv=False)[0]
    if op == "svd-400x784":
        x = rng.standard_normal((400, 784))
        return lambda: np.linalg.svd(x, full_matrices=False)[1][0]
    if op == "tanh-map":
        x = rng.standard_normal((10_000, 400), dtype=np.float32)
        return lambda: np.tanh(x)[0, 0]
    if op == "tanh-apply":
        x = rng.standard_normal((10_000, 400), dtype=np.float32)
        return lambda: np.tanh(x, out=x)[0, 0]
    raise SystemExit(f"unknown operation {op!r}")


DEBIAN_OPENBLAS = "libopenblas.so.0"
DEBIAN_LAPACKE = "liblapacke.so.3"


def debian_body(op: str):
    """`op` through ctypes on Debian's OpenBLAS and LAPACKE, the libraries RankCollapse links.

    The calls mirror RankCollapse's: row-major cblas_?gemm; gesdd on a fresh copy of the row-major
    matrix read as its column-major transpose, with freshly allocated outputs. The difference to
    RankCollapse is what the Swift layer costs; the difference to NumPy is what the OpenBLAS
    build costs.
    """
    import numpy as np

    rng = np.random.default_rng(1)
    c_int, c_char = ctypes.c_int, ctypes.c_char
    if op.startswith("gemm"):
        openblas = ctypes.CDLL(DEBIAN_OPENBLAS)
        dtype = np.float64 if op == "gemm-f64" else np.float32
        scalar = ctypes.c_double if op == "gemm-f64" else ctypes.c_float
        gemm = openblas.cblas_dgemm if op == "gemm-f64" else openblas.cblas_sgemm
        pointer = ctypes.c_void_p
        gemm.argtypes = [c_int, c_int, c_int, c_int, c_int, c_int, scalar, pointer, c_int,
                         pointer, c_int, scalar, pointer, c_int]
        gemm.restype = None
        a = rng.standard_normal((10_000, 784), dtype=dtype)
        b = rng.standard_normal((784, 400), dtype=dtype)
        reused = np.zeros((10_000, 400), dtype=dtype)

        def run():
            c = reused if op == "gemm-f32-inplace" else np.empty((10_000, 400), dtype=dtype)
            gemm(101, 111, 111, 10_000, 400, 784, 1.0, a.ctypes.data, 784, b.ctypes.data, 400,
                 0.0, c.ctypes.data, 400)  # CblasRowMajor, CblasNoTrans, CblasNoTrans
            return c[0, 0]

        return run
    if op.startswith("svals") or op.startswith("svd"):
        lapacke = ctypes.CDLL(DEBIAN_LAPACKE)
        gesdd = lapacke.LAPACKE_dgesdd
        pointer = ctypes.c_void_p
        gesdd.argtypes = [c_int, c_char, c_int, c_int, pointer, c_int, pointer, pointer, c_int,
                          pointer, c_int]
        gesdd.restype = c_int
        rows = 784 if op == "svals-784x784" else 400
        x = rng.standard_normal((rows, 784))
        vectors = op.startswith("svd")
        m, n = 784, rows  # the row-major rows×784 matrix is the column-major 784×rows transpose
        k = min(m, n)

        def run():
            work = np.array(x, order="C", copy=True)
            s = np.empty(k)
            u = np.empty(m * k if vectors else 1)
            vt = np.empty(k * n if vectors else 1)
            info = gesdd(102, b"S" if vectors else b"N", m, n, work.ctypes.data, m, s.ctypes.data,
                         u.ctypes.data, m if vectors else 1, vt.ctypes.data, k if vectors else 1)
            if info != 0:
                raise SystemExit(f"LAPACKE_dgesdd returned {info}")
            return s[0]

        return run
    return None


def debian_openblas_info() -> dict[str, object]:
    """The kernel and thread count of Debian's OpenBLAS, as loaded in this process."""
    openblas = ctypes.CDLL(DEBIAN_OPENBLAS)
    openblas.openblas_get_corename.restype = ctypes.c_char_p
    openblas.openblas_get_config.restype = ctypes.c_char_p
    return {
        "core": openblas.openblas_get_corename().decode(),
        "threads": openblas.openblas_get_num_threads(),
        "version": openblas.openblas_get_config().decode().split()[1],
    }


def run_worker(worker: str, op: str, reps: int, warmup: int) -> None:
    """Time `op` with NumPy (or Debian's libraries) and print RankCollapseTimings's JSON."""
    body = numpy_body(op) if worker == "numpy" else debian_body(op)
    if body is None:
        print(json.dumps({"op": op, "unsupported": True}))
        return
    checksum = 0.0
    for _ in range(warmup):
        checksum += float(body())
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        checksum += float(body())
        times.append(time.perf_counter() - start)
    info = numpy_openblas_info() if worker == "numpy" else debian_openblas_info()
    print(
        json.dumps(
            {
                "op": op,
                "threads": info["threads"],
                "core": info["core"],
                "openblas": info["version"],
                "reps": reps,
                "median": statistics.median(times),
                "min": min(times),
                "times": times,
                "checksum": checksum,
            }
        )
    )


# --------------------------------------------------------------------------------------------
# Driver.


def swift_binary(build: bool) -> Path:
    """Builds RankCollapseTimings in release mode (unless told not to) and returns its path."""
    if build:
        print("building RankCollapseTimings (release)...", file=sys.stderr, flush=True)
        subprocess.run(
            ["swift", "build", "-c", "release", "--product", "RankCollapseTimings"],
            cwd=HERE,
            check=True,
            stdout=sys.stderr,
        )
    bin_path = subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"],
        cwd=HERE,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    binary = Path(bin_path) / "RankCollapseTimings"
    if not binary.exists():
        raise SystemExit(f"{binary} does not exist: build it or drop --no-build")
    return binary


def environment(threads: int, native_kernels: bool) -> dict[str, str]:
    """The subprocess environment for one thread count and kernel mode."""
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env.pop("OMP_NUM_THREADS", None)
    if native_kernels:
        for name in KERNEL_VARIABLES:
            env.pop(name, None)
    return env


def measure(command: list[str], env: dict[str, str]) -> dict:
    """Runs one timing subprocess and returns its JSON."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    """Pools the repetitions of several rounds: median of all times, minimum of all times."""
    times = [t for run in runs for t in run["times"]]
    return {
        "median": statistics.median(times),
        "min": min(times),
        "round_medians": [run["median"] for run in runs],
        "core": runs[0]["core"],
        "threads": runs[0]["threads"],
        "openblas": runs[0].get("openblas"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--native-kernels", action="store_true",
                        help="unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for both sides")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ops", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS))
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per process")
    parser.add_argument("--warmup", type=int, default=3, help="untimed repetitions per process")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    parser.add_argument("--no-build", action="store_true", help="use the existing release build")
    parser.add_argument("--swift-binary", type=Path,
                        help="time this RankCollapseTimings executable instead (e.g. an A/B build)")
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    # Worker mode (used by the driver itself).
    parser.add_argument("--with-debian", action="store_true",
                        help="add a third side: Debian's OpenBLAS/LAPACKE called through ctypes")
    parser.add_argument("--worker", choices=["numpy", "debian"], help=argparse.SUPPRESS)
    parser.add_argument("--op", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        run_worker(args.worker, args.op, args.reps, args.warmup)
        return

    binary = args.swift_binary or swift_binary(build=not args.no_build)
    mode = "native kernels (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset)" if args.native_kernels \
        else "environment as is (" + ", ".join(
            f"{name}={os.environ.get(name, '<unset>')}" for name in KERNEL_VARIABLES) + ")"
    print(f"mode: {mode}")
    print(f"reps {args.reps} (+{args.warmup} warm-up) per process, {args.rounds} rounds per side; "
          f"load average before: {os.getloadavg()[0]:.2f}\n")

    script = str(Path(__file__).resolve())
    results = []
    for threads in args.threads:
        env = environment(threads, args.native_kernels)
        for op in args.ops:
            common = ["--op", op, "--reps", str(args.reps), "--warmup", str(args.warmup)]
            commands = {
                "numpy": [sys.executable, script, "--worker", "numpy"] + common,
                "swift": [str(binary)] + common,
            }
            if args.with_debian:
                commands["debian"] = [sys.executable, script, "--worker", "debian"] + common
            runs: dict[str, list[dict]] = {side: [] for side in commands}
            for round_index in range(args.rounds):
                order = list(commands)
                if round_index % 2 == 1:
                    order.reverse()
                for side in order:
                    run = measure(commands[side], env)
                    if not run.get("unsupported"):
                        runs[side].append(run)
            result = {"op": op, "threads": threads}
            for side, side_runs in runs.items():
                if not side_runs:
                    continue
                result[side] = summarise(side_runs)
                if result[side]["threads"] not in (None, threads):
                    print(f"warning: {side} ran {op} with {result[side]['threads']} threads, "
                          f"not {threads}", file=sys.stderr)
            results.append(result)
            print_row(result, header=len(results) == 1, with_debian=args.with_debian)

    print()
    for side, label in (("numpy", "NumPy's OpenBLAS"), ("swift", "RankCollapse (Debian OpenBLAS)"),
                        ("debian", "Debian OpenBLAS via ctypes")):
        cores = sorted({r[side]["core"] for r in results if side in r})
        versions = sorted({str(r[side]["openblas"]) for r in results
                           if side in r and r[side].get("openblas")})
        if cores:
            version = f" (OpenBLAS {', '.join(versions)})" if versions else ""
            print(f"kernel, {label}{version}: {', '.join(cores)}")
    if args.json:
        args.json.write_text(json.dumps({"mode": mode, "results": results}, indent=2))


def print_row(result: dict, header: bool, with_debian: bool) -> None:
    """Prints one line of the table (and the header before the first)."""
    if header:
        extra = f" {'deb ms':>8} {'RC/deb':>6}" if with_debian else ""
        print(f"{'operation':<17} {'thr':>3} {'numpy ms':>9} {'RC ms':>9} {'RC/np':>6} "
              f"{'np min':>8} {'RC min':>8}{extra} {'np GF/s':>8} {'RC GF/s':>8} {'% of np':>8}")
    op, threads = result["op"], result["threads"]
    numpy_median, swift_median = result["numpy"]["median"], result["swift"]["median"]
    extra = ""
    if with_debian:
        if "debian" in result:
            debian_median = result["debian"]["median"]
            extra = f" {1e3 * debian_median:8.2f} {swift_median / debian_median:6.3f}"
        else:
            extra = f" {'-':>8} {'-':>6}"
    flops = OPERATIONS[op][1]
    gflops = ""
    if flops:
        gflops = (f" {flops / numpy_median / 1e9:8.1f} {flops / swift_median / 1e9:8.1f}"
                  f" {100 * numpy_median / swift_median:7.1f}%")
    print(f"{op:<17} {threads:>3} {1e3 * numpy_median:9.2f} {1e3 * swift_median:9.2f} "
          f"{swift_median / numpy_median:6.3f} {1e3 * result['numpy']['min']:8.2f} "
          f"{1e3 * result['swift']['min']:8.2f}{extra}{gflops}", flush=True)


if __name__ == "__main__":
    main()
