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

# Resource-exhaustion shapes (issue 15), small enough for -max_len=4096: each declares far more
# than it holds, so a parser that trusts a declared size before checking it allocates or inflates
# past the harness's limits (-malloc_limit_mb, -rss_limit_mb) and fails the fuzzer.


def stored_block(data, final):
    return bytes([1 if final else 0]) + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def npy_header(shape, descr="<f8"):
    """A format 1.0 .npy preamble and header (no data), padded to 128 bytes."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    text += " " * (128 - 10 - len(text) - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def one_member_zip(data, declared, method=8, flags=0, zip64=False, name=b"w.npy"):
    extra = struct.pack("<HHQQ", 1, 16, declared, len(data)) if zip64 else b""
    usize, csize = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (declared, len(data))
    common = struct.pack("<HHHHHIIIHH", 45, flags, method, 0, 33, 0, csize, usize, len(name),
                         len(extra))
    local = b"PK\x03\x04" + common + name + extra + data
    central = b"PK\x01\x02" + struct.pack("<H", 45) + common + struct.pack("<HHHII", 0, 0, 0, 0, 0)
    central += name + extra
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


six_by_five = npy_header((6, 5))
junk = bytes(3800)
save("FuzzNumPyArchive", "bomb-header-mismatch.npz",
     one_member_zip(stored_block(six_by_five, False) + junk, 3_500_000))
save("FuzzNumPyArchive", "bomb-zip64.npz",
     one_member_zip(stored_block(six_by_five, False) + junk, 3_500_000, zip64=True))
save("FuzzNumPyArchive", "bomb-consistent.npz",
     one_member_zip(stored_block(npy_header((500, 875)), False) + junk, 3_500_128))
save("FuzzNumPyArchive", "encrypted.npz", one_member_zip(npy(m), len(npy(m)), method=0, flags=1))
buf = io.BytesIO()
np.savez(buf, kernel=np.zeros((2, 1, 2, 2), dtype="<f4"), w=m, b=np.zeros(3, dtype="<f4"))
save("FuzzNumPyArchive", "nd-kernel.npz", buf.getvalue())

save("FuzzNumPy", "bomb-header.npy", npy_header((1_000_000, 1_000_000)))

gzip_header = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
idx_header = bytes([0, 0, 8, 3]) + struct.pack(">III", 5_000_000, 28, 28)
save("FuzzIDX", "bomb-5M-images.idx.gz", gzip_header + stored_block(idx_header, False) + junk)
save("FuzzIDX", "concatenated.idx.gz",
     gzip.compress(images[:10], mtime=0) + gzip.compress(images[10:], mtime=0))

save("FuzzSafeTensors", "many-tiny.safetensors", safetensors(
    {f"t{i}": ("F32", [1, 1], struct.pack("<f", i)) for i in range(40)}))
