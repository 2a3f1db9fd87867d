#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_records: well-formed Darwin BPF read buffers and hand-made
malformed ones. Run from the repository root: python3 tests/fuzz/make_corpus.py"""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def rec(caplen, datalen=None, hdrlen=18, sec=1700000000, usec=0, fill=0x42):
    datalen = caplen if datalen is None else datalen
    hdr = struct.pack("<IIIIH", sec, usec, caplen, datalen, hdrlen)
    hdr += b"\0" * (hdrlen - len(hdr)) if hdrlen >= len(hdr) else b""
    return hdr[: max(hdrlen, 0)] + bytes([fill]) * caplen


def buf(*records):
    out = b""
    for r in records:
        out += b"\0" * ((4 - len(out) % 4) % 4) + r
    return out


SEEDS = {
    "empty": b"",
    "one_60": buf(rec(60)),
    "one_1514": buf(rec(1514)),
    "residues": buf(*[rec(n) for n in range(60, 68)]),
    "many_64": buf(*[rec(64, fill=i % 256) for i in range(200)]),
    "truncated": buf(rec(100, 1514), rec(64)),
    "hdrlen_20": buf(rec(30, hdrlen=20), rec(31)),
    "short_header": buf(rec(40), rec(41)) + b"\0" * 17,
    "hdrlen_0": buf(rec(40), struct.pack("<IIIIH", 0, 0, 10, 10, 0) + b"x" * 10),
    "hdrlen_17": buf(rec(40), struct.pack("<IIIIH", 0, 0, 10, 10, 17) + b"x" * 10),
    "hdrlen_huge": buf(rec(40), struct.pack("<IIIIH", 0, 0, 10, 10, 0xFFFF) + b"x" * 10),
    "caplen_past_end": buf(rec(40), rec(100))[:-1],
    "caplen_gt_datalen": buf(rec(40), rec(10, 9)),
    "caplen_max": buf(rec(40), struct.pack("<IIIIH", 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 18)),
    # hdrlen + caplen wrapping a 32-bit size_t: to 0 (a walk that never advances), to 0 with
    # the largest header, and to 99, a sum that fits what remains.
    "caplen_wrap_zero": buf(rec(40), struct.pack("<IIIIH", 0, 0, 0xFFFFFFEE, 0xFFFFFFEE, 18))
    + b"x" * 40,
    "hdrlen_max_wrap_zero": buf(
        rec(40), struct.pack("<IIIIH", 0, 0, 0xFFFF0001, 0xFFFF0001, 0xFFFF) + b"x" * 40
    ),
    "caplen_wrap_inside": buf(
        rec(40), struct.pack("<IIIIH", 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 100) + b"\0" * 82 + b"x" * 40
    ),
    "zero_caplen": buf(rec(0), rec(0), rec(14)),
}

os.makedirs(HERE, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds in {HERE}")
