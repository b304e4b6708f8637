"""Write the oracle vectors the tests check infored's codes against, computed with galois.

galois (https://github.com/mhostetter/galois) is an independent implementation of BCH codes:
its encoder, its Berlekamp-Massey/Chien decoder and its field arithmetic share no code with
infored. This script asks it for

* the primitive polynomial of GF(2^m) it uses for m = 3 .. 10
  (``galois.BCH(...).extension_field.irreducible_poly``), and the polynomial its BCH codes
  default to for m = 2 .. 15 (``galois.matlab_primitive_poly(2, m)``, checked equal to the
  former where both exist);
* for every primitive narrow-sense binary BCH code of length 2^m - 1, m = 3 .. 10, but the
  repetition code, its (n, k, largest designed distance, generator polynomial);
* for the codes with t <= 4 (the Hamming codes are the t = 1 ones), for shortened codes
  (galois shortens a code when given fewer than k message bits) and for the Golay code as
  galois builds it (the BCH code of length 23 over GF(2^11), designed distance 5):
  random messages and their codewords; random words with at most t errors and galois'
  decoded messages and error counts; random words and words with t + 1 or t + 2 errors and
  galois' bounded-distance results (-1 for a word it cannot correct, whose message is then
  the received message bits).

Words and messages are stored as hexadecimal integers whose most significant bit is bit 0 of
the galois vector (index 0 is the highest-degree coefficient), i.e. ``int("".join(bits), 2)``.
Seeds are fixed, so the output is the same on every run.

Run from the repository root (about six minutes on one core, mostly galois' code
construction and just-in-time compilation):

    NUMBA_NUM_THREADS=1 python tools/make_vectors.py [--out tests/data/bch_vectors.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# galois' Chien search opens a numba parallel region per position: one thread is faster and
# avoids stalls. This must be set before numba is imported.
os.environ["NUMBA_NUM_THREADS"] = "1"

import numpy as np

SEED = 20240611
FIELDS = range(3, 11)
MAX_T = 4
#: Shortened codes: (n, k) of the shortened code; the parent is the primitive code of the
#: smallest m with n < 2^m, with the same redundancy n - k.
SHORTENED = [(13, 5), (28, 18), (40, 28), (60, 48), (70, 56), (100, 86), (248, 216), (500, 482)]


def to_hex(bits) -> str:
    """A 0/1 vector to a hex integer, element 0 most significant."""
    bits = np.asarray(bits, dtype=np.uint8)
    return format(int("".join(map(str, bits.tolist())), 2) if bits.size else 0, "x")


def poly_int(poly) -> int:
    """A galois polynomial over GF(2) as an integer, bit i = coefficient of x^i."""
    return int(poly)


def sample_counts(n: int) -> tuple[int, int, int]:
    """How many encode / decode / bounded vectors to store for a code of length n."""
    return (6, 6, 8) if n >= 500 else (12, 12, 16)


def vectors(code, GF, n: int, k: int, t: int, rng: np.random.Generator) -> dict:
    """Encode, decode (<= t errors) and bounded (random, t+1, t+2 errors) vectors of one code.

    ``n`` and ``k`` may be shorter than the galois code's: galois then shortens it.
    """
    n_enc, n_dec, n_bnd = sample_counts(n)
    out: dict = {}

    msgs = rng.integers(0, 2, size=(n_enc, k), dtype=np.uint8)
    words = np.asarray(code.encode(GF(msgs)), dtype=np.uint8)
    assert words.shape == (n_enc, n), (words.shape, n)
    out["encode"] = [[to_hex(m), to_hex(w)] for m, w in zip(msgs, words, strict=True)]

    msgs = rng.integers(0, 2, size=(n_dec, k), dtype=np.uint8)
    words = np.asarray(code.encode(GF(msgs)), dtype=np.uint8)
    nerr = np.arange(n_dec) % (t + 1)  # 0 .. t errors, evenly
    for row, e in zip(words, nerr, strict=True):
        row[rng.choice(n, size=e, replace=False)] ^= 1
    dec, counts = code.decode(GF(words), errors=True)
    dec = np.asarray(dec, dtype=np.uint8)
    counts = np.asarray(counts).astype(int)
    assert (counts == nerr).all() and (dec == msgs).all(), "galois failed on <= t errors"
    out["decode"] = [
        [to_hex(w), to_hex(m), int(c)] for w, m, c in zip(words, dec, counts, strict=True)
    ]

    half = n_bnd // 2
    random_words = rng.integers(0, 2, size=(half, n), dtype=np.uint8)
    msgs = rng.integers(0, 2, size=(n_bnd - half, k), dtype=np.uint8)
    near = np.asarray(code.encode(GF(msgs)), dtype=np.uint8)
    for i, row in enumerate(near):
        row[rng.choice(n, size=min(n, t + 1 + i % 2), replace=False)] ^= 1
    words = np.vstack([random_words, near])
    dec, counts = code.decode(GF(words), errors=True)
    dec = np.asarray(dec, dtype=np.uint8)
    counts = np.asarray(counts).astype(int)
    out["bounded"] = [
        [to_hex(w), to_hex(m), int(c)] for w, m, c in zip(words, dec, counts, strict=True)
    ]
    return out


def all_generators(galois, m: int) -> list[list]:
    """[n, k, d, generator hex] of the primitive narrow-sense BCH codes of length 2^m - 1.

    Odd designed distances are walked upwards; a message length reached by several of them
    is recorded once, with the largest designed distance that gives it. The walk stops
    before the repetition code (k = 1), whose generator is 1 + x + ... + x^(n-1).
    """
    n = (1 << m) - 1
    found: dict[int, list] = {}
    for delta in range(3, n + 1, 2):
        code = galois.BCH(n, d=delta)
        k = int(code.k)
        if k <= 1:
            break
        found[k] = [n, k, int(code.d), format(poly_int(code.generator_poly), "x")]
    return sorted(found.values(), key=lambda row: -row[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests" / "data" / "bch_vectors.json",
        help="output JSON file (default: tests/data/bch_vectors.json)",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    import galois

    GF = galois.GF(2)
    result: dict = {
        "about": (
            "Oracle vectors from galois; regenerate with tools/make_vectors.py. Words and "
            "messages are hex integers, vector element 0 most significant."
        ),
        "galois_version": galois.__version__,
        "seed": SEED,
        "primitive_polynomials": {},
        "generators": {},
        "codes": [],
    }
    parents: dict[tuple[int, int], object] = {}

    for m in FIELDS:
        n = (1 << m) - 1
        rows = all_generators(galois, m)
        result["generators"][str(m)] = rows
        for _, k, d, _ in rows:
            t = (d - 1) // 2
            if t > MAX_T:
                continue
            code = galois.BCH(n, d=d)
            assert int(code.k) == k
            parents[(n, k)] = code
            if str(m) not in result["primitive_polynomials"]:
                result["primitive_polynomials"][str(m)] = poly_int(
                    code.extension_field.irreducible_poly
                )
            rng = np.random.default_rng([SEED, n, k])
            entry = {
                "name": f"bch{n},{k}",
                "n": n, "k": k, "d": int(code.d), "t": int(code.t), "m": m,
                "parent": [n, k],
                "generator": format(poly_int(code.generator_poly), "x"),
            }
            entry.update(vectors(code, GF, n, k, int(code.t), rng))
            result["codes"].append(entry)
        print(f"m={m}: {len(rows)} codes, {time.perf_counter() - start:.0f} s", file=sys.stderr)

    for n, k in SHORTENED:
        m = n.bit_length()
        parent_n = (1 << m) - 1
        parent = parents[(parent_n, parent_n - (n - k))]
        rng = np.random.default_rng([SEED, n, k])
        entry = {
            "name": f"bch{n},{k}",
            "n": n, "k": k, "d": int(parent.d), "t": int(parent.t), "m": m,
            "parent": [parent_n, int(parent.k)],
            "generator": format(poly_int(parent.generator_poly), "x"),
        }
        entry.update(vectors(parent, GF, n, k, int(parent.t), rng))
        result["codes"].append(entry)

    # The Golay code as galois knows it: the BCH code of length 23 over GF(2^11), whose
    # designed distance (5) is below the true one (7), so galois corrects only 2 errors.
    golay = galois.BCH(23, 12, extension_field=galois.GF(2**11))
    rng = np.random.default_rng([SEED, 23, 12])
    result["golay"] = {
        "name": "golay23",
        "n": 23, "k": 12, "d": int(golay.d), "t": int(golay.t), "m": 11,
        "generator": format(poly_int(golay.generator_poly), "x"),
        **vectors(golay, GF, 23, 12, int(golay.t), rng),
    }

    result["matlab_primitive_polynomials"] = {
        str(m): poly_int(galois.matlab_primitive_poly(2, m)) for m in range(2, 16)
    }
    for m, poly in result["primitive_polynomials"].items():
        assert result["matlab_primitive_polynomials"][m] == poly, m

    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, separators=(",", ":"))
    args.out.write_text(text + "\n")
    print(
        f"wrote {args.out} ({len(text) / 1e3:.0f} kB, {len(result['codes'])} codes) in "
        f"{time.perf_counter() - start:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
