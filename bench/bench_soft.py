"""Speed and quality of soft-decision decoding (``LinearCode.decode_soft``).

Part 1, speed: vectors per second of infored's decoders at 1 and 2 threads, beside two
plain-NumPy maximum-likelihood decoders measured in the same run:

- brute force: every codeword's correlation as one matrix product (BLAS), then argmax;
- FWHT: the correlations of all 2**k codewords are the Walsh-Hadamard transform of the
  values scattered onto the message space (each position adds its value at the k-bit
  integer of its generator column), k * 2**k additions per vector.

Part 2, quality of the Chase decoder (approximate, used where n - k > 16): on codes where
exact decoding is still feasible, how often Chase returns another message than exact ML and
how much correlation it gives away, for several numbers of flipped positions, on pure noise
(the data-reduction setting) and on noisy codewords.

Run: ``python bench/bench_soft.py`` (``--quick`` for a smoke run). Times are best of three.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from infored import BCH, Golay, Hamming
from infored.codes._soft import ChaseDecoder, soft_decoder


def best_time(call, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def rate(call, count: int) -> float:
    return count / best_time(call)


def brute_force_decoder(code):
    """Plain NumPy ML by one matrix product per chunk."""
    k = code.k
    msgs = (np.arange(1 << k)[:, None] >> np.arange(k - 1, -1, -1)) & 1
    signs = 1.0 - 2.0 * ((msgs @ code.generator_matrix.astype(np.int64)) % 2)
    chunk = max(1, (1 << 22) // (1 << k))

    def decode(values):
        out = np.empty(len(values), dtype=np.int64)
        for lo in range(0, len(values), chunk):
            out[lo : lo + chunk] = (values[lo : lo + chunk] @ signs.T).argmax(axis=1)
        return out

    return decode


def fwht_decoder(code):
    """Plain NumPy ML through the fast Walsh-Hadamard transform over the message space."""
    k, n = code.k, code.n
    columns = (code.generator_matrix.astype(np.int64) << np.arange(k - 1, -1, -1)[:, None]).sum(0)
    chunk = max(1, (1 << 22) // (1 << k))

    def decode(values):
        out = np.empty(len(values), dtype=np.int64)
        for lo in range(0, len(values), chunk):
            part = values[lo : lo + chunk]
            f = np.zeros((len(part), 1 << k))
            for i in range(n):
                f[:, columns[i]] += part[:, i]
            for h in range(k):
                f = f.reshape(len(part), -1, 2, 1 << h)
                f = np.concatenate([f[:, :, 0] + f[:, :, 1], f[:, :, 0] - f[:, :, 1]], axis=2)
            out[lo : lo + chunk] = f.reshape(len(part), -1).argmax(axis=1)
        return out

    return decode


def speed(quick: bool) -> None:
    rng = np.random.default_rng(0)
    cases = [
        ("Golay(24,12)", Golay(extended=True), 400_000),
        ("Golay(23,12)", Golay(), 400_000),
        ("Hamming(15,11)", Hamming(4), 1_000_000),
        ("ext. Hamming(16,11)", Hamming(4, extended=True), 1_000_000),
        ("BCH(31,16)", BCH(31, 16), 2_000),
        ("BCH(63,51)", BCH(63, 51), 4_000),
        ("BCH(63,45)", BCH(63, 45), 40_000),
    ]
    print("Part 1: vectors/s, N(0,1) float64 inputs (one core unless stated)")
    header = (
        f"{'code':21} {'decoder':26} {'1 thread':>10} {'2 threads':>10} {'brute np':>10} "
        f"{'FWHT np':>10} {'x brute':>8} {'x FWHT':>8}"
    )
    print(header)
    for label, code, count in cases:
        count = max(1000, count // 20) if quick else count
        values = rng.standard_normal((count, code.n))
        decoder = soft_decoder(code)
        rates = {}
        for threads in (1, 2):
            os.environ["INFORED_NUM_THREADS"] = str(threads)
            rates[threads] = rate(lambda values=values, code=code: code.decode_soft(values), count)
        os.environ["INFORED_NUM_THREADS"] = "1"
        brute = fwht = float("nan")
        if code.k <= 16:
            few = values[: max(500, min(count, 20_000 >> max(0, code.k - 12)))]
            mine = code.decode_soft(few, packed=True).astype(np.int64)
            brute_dec, fwht_dec = brute_force_decoder(code), fwht_decoder(code)
            assert (brute_dec(few) == mine).mean() > 0.999, label
            assert (fwht_dec(few) == mine).mean() > 0.999, label
            brute = rate(lambda few=few, dec=brute_dec: dec(few), len(few))
            fwht = rate(lambda few=few, dec=fwht_dec: dec(few), len(few))
        print(
            f"{label:21} {decoder.name:26} {rates[1]:10.3g} {rates[2]:10.3g} {brute:10.3g} "
            f"{fwht:10.3g} {rates[1] / brute:8.1f} {rates[1] / fwht:8.1f}"
        )
    del os.environ["INFORED_NUM_THREADS"]


def chase_gap(quick: bool) -> None:
    rng = np.random.default_rng(1)
    count = 500 if quick else 5_000
    print()
    print("Part 2: Chase against exact ML (same vectors): fraction of vectors with another")
    print("message, mean correlation given away (ML minus Chase), Chase speed vs exact speed")
    print(
        f"{'code':12} {'input':18} {'flips':>5} {'differ':>8} {'mean loss':>10} "
        f"{'chase/s':>10} {'exact/s':>10}"
    )
    os.environ["INFORED_NUM_THREADS"] = "1"
    for code in (BCH(31, 21), BCH(31, 16), BCH(63, 51)):
        exact = soft_decoder(code)
        n = code.n
        size = count if code.n - code.k <= 12 else count // 10
        noise = rng.standard_normal((size, n))
        sent = code.encode(rng.integers(0, 2, (size, code.k)).astype(np.uint8))
        # Eb/N0 = 3 dB: noise sigma^2 = n / (2 k 10**0.3)
        sigma = np.sqrt(n / (2 * code.k * 10**0.3))
        noisy = (1.0 - 2.0 * sent) + sigma * rng.standard_normal((size, n))
        for label, values in (("N(0,1) noise", noise), ("codeword, 3 dB", noisy)):
            values = np.ascontiguousarray(values)
            ml, ml_metric = exact.decode(values, True)
            exact_rate = rate(lambda values=values, exact=exact: exact.decode(values, False), size)
            for flips in (2, 4, 6, 8):
                chase = ChaseDecoder(code, flips)
                got, metric = chase.decode(values, True)
                differ = (got != ml).any(axis=1).mean()
                loss = (ml_metric - metric).mean()
                chase_rate = rate(lambda values=values, c=chase: c.decode(values, False), size)
                print(
                    f"{(code.n, code.k)!s:12} {label:18} {flips:5d} {differ:8.3f} "
                    f"{loss:10.4f} {chase_rate:10.3g} {exact_rate:10.3g}"
                )
    del os.environ["INFORED_NUM_THREADS"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args()
    speed(args.quick)
    chase_gap(args.quick)


if __name__ == "__main__":
    main()
