"""Speed and correctness of infored's bounded-distance BCH decoding beside bchlib and galois.

Sections:

* **speed** on BCH(60, 48) (t = 2, m = 6) and BCH(248, 216) (t = 4, m = 8), the codes
  bchlib can hold in whole bytes, on uniformly random words and on codewords with up to t
  errors: words/s of infored on one and two threads (``INFORED_NUM_THREADS``), of bchlib's
  Python API (``decode`` then ``correct`` on the same words as bytes) and of galois
  (``NUMBA_NUM_THREADS=1``, warmed up, a small batch), with the ratios. For BCH(60, 48)
  infored is timed with the bounded coset-table decoder the class uses (n - k = 12) and with
  the algebraic decoder. bchlib's C core alone is not reachable from Python; its published
  figures (4.7 M words/s for BCH(60, 48), 1.0 M for BCH(248, 216), random words, one core)
  are printed beside as a fixed reference, not measured here.
* **false decodes** at t = 5 .. 8 (m = 8, n = 248) and t = 8 (m = 10): on uniformly random
  words, how many words bchlib and infored report as decoded, and how many of those are not
  within t of a codeword (bchlib: the corrected word is not a codeword; infored: the
  re-encoded message is farther than the reported count).
* **construction** of ``BCH(255, 223)`` in a fresh process.

Run from the repository root (a few minutes on one core; needs bchlib and galois)::

    python bench/bench_bch.py
    python bench/bench_bch.py --words 1000000 --false-words 100000 --no-galois
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # galois' numba kernels stall with threads

import numpy as np
from _common import best_of, random_words

import infored
from infored._kernels import bch as _bch

#: bchlib's C core, random words, one core (measured outside Python; see the docstring)
BCHLIB_CORE = {(60, 48): 4.7e6, (248, 216): 1.0e6}


def with_errors(rng: np.random.Generator, code, count: int) -> np.ndarray:
    """Packed codewords with a uniformly chosen number 0 .. t of errors each."""
    n, k = code.n, code.k
    parts = []
    for lo in range(0, count, 100_000):
        size = min(100_000, count - lo)
        words = code.encode(rng.integers(0, 2, size=(size, k), dtype=np.uint8))
        weights = rng.integers(0, code.t + 1, size=size)
        order = np.argsort(rng.random((size, n)), axis=1)
        flips = np.zeros_like(words)
        hits = (np.arange(n)[None, :] < weights[:, None]).astype(np.uint8)
        np.put_along_axis(flips, order, hits, 1)
        parts.append(infored.pack_bits(words ^ flips))
    return np.concatenate(parts)


def as_bytes(code, packed: np.ndarray) -> list[tuple[bytearray, bytearray]]:
    """bchlib's view of packed words: (message bytes, parity bytes padded with zeros)."""
    bits = infored.unpack_bits(packed, code.n)
    data = np.packbits(bits[:, : code.k], axis=1)
    ecc = np.packbits(bits[:, code.k :], axis=1)
    return [(bytearray(d.tobytes()), bytearray(e.tobytes()))
            for d, e in zip(data, ecc, strict=True)]


def time_infored(decode, words: np.ndarray, threads: int, repeat: int) -> float:
    os.environ["INFORED_NUM_THREADS"] = str(threads)
    decode(words[:1000])
    try:
        return words.shape[0] / best_of(repeat, lambda: decode(words))
    finally:
        del os.environ["INFORED_NUM_THREADS"]


def time_bchlib(bch, pairs) -> float:
    work = [(bytearray(d), bytearray(e)) for d, e in pairs]
    start = time.perf_counter()
    for data, ecc in work:
        if bch.decode(data, ecc) > 0:
            bch.correct(data, ecc)
    return len(work) / (time.perf_counter() - start)


def time_galois(gcode, code, packed: np.ndarray) -> float:
    bits = infored.unpack_bits(packed, code.n)
    gcode.decode(bits[:50], errors=True)  # JIT warm-up
    start = time.perf_counter()
    gcode.decode(bits, errors=True)
    return bits.shape[0] / (time.perf_counter() - start)


def speed(args) -> None:
    import bchlib

    galois = None
    if not args.no_galois:
        import galois
    rng = np.random.default_rng(1)
    print("== speed: words/s (ratios are infored one thread / the alternative)")
    cases = [((60, 48), 2, 6, (63, 51)), ((248, 216), 4, 8, (255, 223))]
    for (n, k), t, m, full in cases:
        code = infored.BCH(n, k, decoder="bounded")
        bch = bchlib.BCH(t, m=m)
        gcode = None
        if galois is not None:
            start = time.perf_counter()
            gcode = galois.BCH(*full)
            print(f"  (galois.BCH{full} built in {time.perf_counter() - start:.1f} s)")
        decoders = {}
        if code._algebraic:
            decoders["infored"] = lambda w, c=code: c.decode(w, errors=True, packed=True)
        else:
            decoders["infored table"] = lambda w, c=code: c.decode(w, errors=True, packed=True)
            decoders["infored algebraic"] = lambda w, c=code: _bch.decode(c._bounded, w, True)
        for label, words in (("random words", random_words(rng, args.words, n)),
                             ("<= t errors", with_errors(rng, code, args.words))):
            sample = words[: args.bchlib_words]
            pairs = as_bytes(code, sample)
            # the same words decode to the same messages and counts in bchlib and infored
            _, err = code.decode(sample, errors=True, packed=True)
            agree = 0
            for (data, ecc), e in zip([(bytearray(d), bytearray(c)) for d, c in pairs[:20000]],
                                      err[:20000], strict=False):
                got = bch.decode(data, ecc)
                agree += (got if got >= 0 else -1) == e
            bl = time_bchlib(bch, pairs)
            gl = time_galois(gcode, code, sample[: args.galois_words]) if gcode else float("nan")
            print(f"BCH({n},{k}) t={t}, {label} (decoded: {np.mean(err >= 0):.4f}; bchlib "
                  f"agrees on {agree}/{min(20000, len(pairs))} words)")
            print(f"  {'bchlib Python API':24s} {bl / 1e6:8.3f} M")
            print(f"  {'galois':24s} {gl / 1e6:8.5f} M")
            if label == "random words":
                core = BCHLIB_CORE[(n, k)]
                print(f"  {'bchlib C core (fixed)':24s} {core / 1e6:8.3f} M")
            for name, decode in decoders.items():
                one = time_infored(decode, words, 1, args.repeat)
                two = time_infored(decode, words, 2, args.repeat)
                line = (f"  {name:24s} {one / 1e6:8.3f} M   2 threads {two / 1e6:8.3f} M "
                        f"({two / one:.2f}x)   vs bchlib API {one / bl:6.2f}x")
                if label == "random words":
                    line += f"   vs bchlib core {one / BCHLIB_CORE[(n, k)]:5.2f}x"
                if gcode:
                    line += f"   vs galois {one / gl:8.0f}x"
                print(line)


def false_decodes(args) -> None:
    import bchlib

    print(f"\n== false decodes on {args.false_words} uniformly random words")
    print(f"  {'code':16s} {'bchlib decoded':>15s} {'bchlib false':>13s} {'rate':>9s}   "
          f"{'infored decoded':>15s} {'infored false':>13s}   expected decoded")
    rng = np.random.default_rng(2)
    from math import comb

    for t, m, data_bytes in ((5, 8, 26), (6, 8, 25), (7, 8, 24), (8, 8, 23), (8, 10, 117)):
        bch = bchlib.BCH(t, m=m)
        k = 8 * data_bytes
        n = k + bch.ecc_bits
        code = infored.BCH(n, k)
        words = random_words(rng, args.false_words, n)
        pairs = as_bytes(code, words)
        pad = 8 * bch.ecc_bytes - bch.ecc_bits
        ours = bchlib_false = bchlib_ok = 0
        for data, ecc in pairs:
            if bch.decode(data, ecc) < 0:
                continue
            bchlib_ok += 1
            bch.correct(data, ecc)
            fresh = bytearray(bch.encode(bytes(data)))
            if pad:
                ecc[-1] &= (0xFF << pad) & 0xFF
            bchlib_false += fresh != ecc
        msgs, err = code.decode(words, errors=True, packed=True)
        ok = err >= 0
        if ok.any():
            again = code.encode(msgs[ok], packed=True)
            diff = np.bitwise_count(again.reshape(len(again), -1).astype(np.uint64)
                                    ^ words[ok].reshape(len(again), -1).astype(np.uint64))
            ours = int((diff.sum(axis=1) != err[ok]).sum() + (err[ok] > t).sum())
        expected = args.false_words * sum(comb(n, i) for i in range(t + 1)) / 2 ** (n - k)
        print(f"  BCH({n},{k}) t={t} {bchlib_ok:>9d} {bchlib_false:>13d} "
              f"{bchlib_false / args.false_words:9.2e}   {int(ok.sum()):>15d} {ours:>13d}"
              f"   {expected:.1f}")


def construction() -> None:
    cmd = ("import time;t=time.time();import infored;c=infored.BCH(255,223);"
           "print(time.time()-t)")
    seconds = float(subprocess.run([sys.executable, "-c", cmd], capture_output=True, text=True,
                                   check=True).stdout)
    print(f"\n== import infored + BCH(255, 223) in a fresh process: {seconds:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=2_000_000, help="words timed in infored")
    parser.add_argument("--bchlib-words", type=int, default=200_000)
    parser.add_argument("--galois-words", type=int, default=2000)
    parser.add_argument("--false-words", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-galois", action="store_true")
    args = parser.parse_args()
    os.environ["INFORED_BACKEND"] = "compiled"
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} cpus")
    speed(args)
    false_decodes(args)
    construction()
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
