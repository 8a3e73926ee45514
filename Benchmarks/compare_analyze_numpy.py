#!/usr/bin/env python3
"""`rankcollapse analyze` on a ~90 MB safetensors model beside NumPy doing the same SVDs.

Generates (once, seeded) a safetensors file with the tensor names and shapes of the
sentence-transformer all-MiniLM-L6-v2 (BERT, 6 layers, hidden size 384, F32): the 30522x384 word
embeddings, 512x384 position and 2x384 token-type embeddings, per layer four 384x384 attention
matrices, a 1536x384 and a 384x1536 feed-forward matrix, a 384x384 pooler; 40 matrices and 63
1-D vectors, about 90 MB. Values are random normal (std 0.05), so the timing is that of full-rank
matrices. The file is written with NumPy alone (safetensors' layout: 8-byte little-endian header
length, JSON header, raw data), so the `safetensors` package is not needed.

Then, in interleaved rounds, times
  - `rankcollapse analyze --format json FILE` (the whole process: read, SVD of every 2-D
    tensor in double precision, JSON report), and
  - a NumPy process doing the same work: read the file, and for every 2-D tensor
    `np.linalg.svd(w.astype(np.float64), compute_uv=False)` (LAPACK gesdd, as analyze uses),
with the same OPENBLAS_NUM_THREADS for both, and prints median wall times and the ratio
RankCollapse / NumPy (lower is better).

Usage (from the repository root, after `swift build -c release --product rankcollapse`):
  python3 Benchmarks/compare_analyze_numpy.py [--file /tmp/minilm-like.safetensors]
      [--tool .build/release/rankcollapse] [--rounds 3] [--threads 1 2]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

HIDDEN = 384
INTERMEDIATE = 1536
LAYERS = 6


def minilm_shapes():
    """Tensor names and shapes of all-MiniLM-L6-v2, in the order its checkpoint lists them."""
    shapes = [
        ("embeddings.word_embeddings.weight", (30522, HIDDEN)),
        ("embeddings.position_embeddings.weight", (512, HIDDEN)),
        ("embeddings.token_type_embeddings.weight", (2, HIDDEN)),
        ("embeddings.LayerNorm.weight", (HIDDEN,)),
        ("embeddings.LayerNorm.bias", (HIDDEN,)),
    ]
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        for name in ("query", "key", "value"):
            shapes += [
                (p + f"attention.self.{name}.weight", (HIDDEN, HIDDEN)),
                (p + f"attention.self.{name}.bias", (HIDDEN,)),
            ]
        shapes += [
            (p + "attention.output.dense.weight", (HIDDEN, HIDDEN)),
            (p + "attention.output.dense.bias", (HIDDEN,)),
            (p + "attention.output.LayerNorm.weight", (HIDDEN,)),
            (p + "attention.output.LayerNorm.bias", (HIDDEN,)),
            (p + "intermediate.dense.weight", (INTERMEDIATE, HIDDEN)),
            (p + "intermediate.dense.bias", (INTERMEDIATE,)),
            (p + "output.dense.weight", (HIDDEN, INTERMEDIATE)),
            (p + "output.dense.bias", (HIDDEN,)),
            (p + "output.LayerNorm.weight", (HIDDEN,)),
            (p + "output.LayerNorm.bias", (HIDDEN,)),
        ]
    shapes += [("pooler.dense.weight", (HIDDEN, HIDDEN)), ("pooler.dense.bias", (HIDDEN,))]
    return shapes


def write_safetensors(path, tensors):
    """Writes F32 tensors in the safetensors layout, atomically (temporary file, rename)."""
    header, offset = {}, 0
    for name, array in tensors:
        size = array.nbytes
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes, as safetensors does
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for _, array in tensors:
            f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())
    os.replace(temporary, path)


def generate(path, seed=0):
    rng = np.random.default_rng(seed)
    tensors = [(name, (0.05 * rng.standard_normal(shape)).astype(np.float32))
               for name, shape in minilm_shapes()]
    write_safetensors(path, tensors)


def read_matrices(path):
    """The 2-D F32 tensors of a safetensors file, as NumPy arrays."""
    with open(path, "rb") as f:
        length = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(length))
        data = f.read()
    matrices = []
    for name, info in header.items():
        if name == "__metadata__" or len(info["shape"]) != 2 or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        matrices.append(np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]))
    return matrices


def numpy_worker(path):
    """The NumPy side, run as its own process like the tool: read, then every SVD in float64."""
    start = time.perf_counter()
    values = [np.linalg.svd(w.astype(np.float64), compute_uv=False) for w in read_matrices(path)]
    elapsed = time.perf_counter() - start
    print(json.dumps({"matrices": len(values), "seconds": elapsed,
                      "largest": float(values[0][0])}))


def timed(command, env):
    """Wall time and CPU time (user + system, of the child alone) of one run, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", default="/tmp/minilm-like.safetensors")
    parser.add_argument("--tool", default=".build/release/rankcollapse")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--numpy-worker", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.numpy_worker:
        numpy_worker(args.numpy_worker)
        return

    if not os.path.exists(args.file):
        print(f"generating {args.file} (all-MiniLM-L6-v2 shapes, random F32 values)")
        generate(args.file)
    size = os.path.getsize(args.file) / 1e6
    print(f"{args.file}: {size:.1f} MB; numpy {np.__version__}; load: {os.getloadavg()}")

    tool = [args.tool, "analyze", "--format", "json", args.file]
    reference = [sys.executable, os.path.abspath(__file__), "--numpy-worker", args.file]
    for threads in args.threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        ours, theirs, inner, our_cpu, their_cpu = [], [], [], [], []
        for _ in range(args.rounds):  # interleaved, so both see the same machine load
            seconds, cpu, output = timed(tool, env)
            ours.append(seconds)
            our_cpu.append(cpu)
            report = json.loads(output)
            seconds, cpu, output = timed(reference, env)
            theirs.append(seconds)
            their_cpu.append(cpu)
            worker = json.loads(output)
            inner.append(worker["seconds"])
        # The two agree on the matrices and the largest singular value of the embeddings.
        assert len(report["matrices"]) == worker["matrices"] == 40, (
            len(report["matrices"]), worker["matrices"])
        s1 = report["matrices"][0]["singularValues"][0]
        assert abs(s1 - worker["largest"]) <= 1e-9 * s1, (s1, worker["largest"])
        a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(inner)
        d, e = statistics.median(our_cpu), statistics.median(their_cpu)
        print(f"threads {threads}: wall: rankcollapse analyze {a:.2f} s, numpy process {b:.2f} s "
              f"(its read + SVDs alone {c:.2f} s); ratio rankcollapse / numpy process "
              f"{a / b:.2f}, / numpy read + SVDs {a / c:.2f}; CPU time (user + sys): "
              f"{d:.2f} s vs {e:.2f} s, ratio {d / e:.2f}  "
              f"(medians of {args.rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
