#!/usr/bin/env python3
"""Writes the small seed corpus of the fuzz harnesses (Fuzz/Corpus/<harness>/). Run from Fuzz/."""
import gzip
import io
import json
import struct

import numpy as np


def save(folder, name, data):
    with open(f"Corpus/{folder}/{name}", "wb") as f:
        f.write(data)


def npy(a, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, version=version)
    return buf.getvalue()


m = np.arange(6, dtype="<f4").reshape(2, 3)
save("FuzzNumPy", "f4.npy", npy(m))
save("FuzzNumPy", "f8-fortran-be.npy", npy(np.asfortranarray(m.astype(">f8"))))
save("FuzzNumPy", "i8.npy", npy(np.array([3, -1, 4], dtype="<i8"), version=(2, 0)))
save("FuzzNumPy", "u1.npy", npy(np.array([[1, 2], [3, 4]], dtype="u1"), version=(3, 0)))
save("FuzzNumPy", "bool.npy", npy(np.array([True, False])))
save("FuzzNumPy", "empty.npy", npy(np.zeros((0, 3), dtype="<f4")))

# A bare .npy: the archive harness also wraps its input as a member of a valid archive.
save("FuzzNumPyArchive", "member-i8.npy", npy(np.array([3, -1, 4], dtype="<i8")))
for name, saver in [("stored.npz", np.savez), ("deflated.npz", np.savez_compressed)]:
    buf = io.BytesIO()
    saver(buf, x=m, labels=np.array([1, 2, 3]))
    save("FuzzNumPyArchive", name, buf.getvalue())


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


save("FuzzSafeTensors", "f32.safetensors",
     safetensors({"w": ("F32", [2, 3], m.tobytes())}, {"format": "pt"}))
save("FuzzSafeTensors", "mixed.safetensors", safetensors({
    "h": ("F16", [2], np.array([1, -2], dtype="<f2").tobytes()),
    "b": ("BF16", [1, 2], bytes([0x80, 0x3F, 0x20, 0xC0])),
    "d": ("F64", [], struct.pack("<d", 2.5)),
    "i": ("I64", [2], np.array([7, -7], dtype="<i8").tobytes()),
    "k": ("F32", [1, 1, 2, 1], np.array([1, 2], dtype="<f4").tobytes()),
    "m": ("BOOL", [2], bytes([1, 0])),
    "e": ("U8", [0, 4], b""),
}))

images = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]) + bytes(range(8))
labels = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9])
save("FuzzIDX", "images.idx", images)
save("FuzzIDX", "labels.idx", labels)
save("FuzzIDX", "images.idx.gz", gzip.compress(images, mtime=0))
save("FuzzIDX", "labels-i32.idx.gz",
     gzip.compress(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + struct.pack(">ii", 5, -1), mtime=0))
