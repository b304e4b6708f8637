"""Quality benchmark of ``infored.reduce``/``expand`` on the real data, beside other compressors.

For each data set and each error bound (1e-2, 1e-3, 1e-4 of the range; of each metric's range
for the host telemetry) it prints one table:

* infored with the presets ``float`` and ``telemetry`` and two hierarchies with a lower-rate
  plane code (the repetition code Hamming(3, 1)): bits per value of the saved ``.ird``
  (``infored.save(..., compress=LEVEL)``) and of the in-memory sections (``reduced.nbytes``),
  max and RMS error, PSNR, and MB/s of reduce and expand (float64 input bytes per second,
  best of ``--repeat`` runs, one thread);
* at the same bound: numcodecs BitRound + Zstd (the smallest number of kept mantissa bits
  that meets the bound on that data: one for the whole set, one per metric for the
  telemetry), SZ3 in absolute-error mode (pysz), ZFP fixed accuracy (zfpy) and plain zstd-3
  on the raw bytes (lossless). Series are laid out contiguously (channel after channel)
  for them; SZ3 also sees ACSF1 as a 2-D array.

then the ratios infored / BitRound+zstd and infored / SZ3, and three studies:

* **ablation** of the ECC level of the ``float`` preset (its code on plane 0): the same
  quantiser and rest with plane 0 kept for 12 of every 23 values instead (the other bits
  reconstructed at the middle of their interval, or filled with a hard 0) at equal bits per
  value, and the ECC codewords reconstructed by their conditional mean (per-position flip
  probabilities of the code's coset leaders, or fitted on the data);
* **proposals**: prototypes built from the library's own pieces, measured the same way
  (a compact container, the rest stored channel-major, zstd level 19, bound placement for
  clipped conditional means and for plane dropping, no ECC plane, Huffman coding), and which
  of the targets each would meet;
* **speed**: where the time of ``reduce`` goes for the telemetry preset, and what ``save``
  costs by zstd level.

Run from the repository root (under a minute on one core)::

    python bench/bench_reduce.py
    python bench/bench_reduce.py --sets acsf1 co2 --bounds 1e-3 --repeat 5

Errors are reported relative to the range (each metric's range for the telemetry); PSNR is
``20 log10(range / RMS error)``.
"""

from __future__ import annotations

import argparse
import heapq
import io
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zstandard

import infored
from infored import _container

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BOUNDS = (1e-2, 1e-3, 1e-4)
SETS = ("acsf1", "telemetry", "kdd135", "co2")
_SHRINK = 1.0 - 2.0**-20  # the quantiser's safety margin below the bound, as in infored


def _hierarchy(code: dict[str, Any], method: str) -> dict[str, Any]:
    return {
        "stages": [{"id": "quantise", "step": 1.0}],
        "levels": [{"code": code, "planes": [0]}],
        "rest": [{"id": "predict", "method": method}, {"id": "zigzag"}],
    }


#: infored hierarchies benchmarked: the two presets, and a rate-1/3 plane code, Hamming(3, 1)
#: (the 3-repetition code: 1 bit kept of 3), with each predictor. Among Golay(23/24, 12),
#: Hamming(3/7, 1/4), BCH(15, 5) and BCH(31, 11) on plane 0, and Golay on planes 0-1, the
#: two rate-1/3 codes gave the smallest files on these sets, within 3 % of each other.
HIERARCHIES: dict[str, Any] = {
    "float": "float",
    "telemetry": "telemetry",
    "rep3-prev": _hierarchy({"id": "hamming", "r": 2}, "previous"),
    "rep3-lin": _hierarchy({"id": "hamming", "r": 2}, "linear"),
}


#: Rows of the proposals table, by key.
PROTOTYPES = {
    "now": "library as it is",
    "compact": "+ compact container",
    "channel-major": "+ rest channel-major",
    "zstd19": "+ zstd level 19",
    "ecc-clipped": "ECC clipped means, bigger step",
    "ecc-clipped-19": "ECC clipped means, zstd 19",
    "drop": "plane dropping, step = bound",
    "no-ecc": "no ECC plane, step 2 bound",
    "no-ecc-19": "no ECC plane, zstd 19",
    "no-ecc-huffman": "no ECC plane, Huffman + zstd",
}


# ---------------------------------------------------------------- data


@dataclass
class DataSet:
    """A real series: ``x`` as infored takes it (time first), and its error scale."""

    name: str
    x: np.ndarray
    per_channel: bool  # bounds relative to each channel's range (else the whole set's)
    note: str

    @property
    def table(self) -> np.ndarray:
        """(T, C) view."""
        return self.x.reshape(self.x.shape[0], -1)

    @property
    def series(self) -> np.ndarray:
        """(C, T) contiguous: one series after another, the layout given to the others."""
        return np.ascontiguousarray(self.table.T)

    @property
    def scale(self) -> np.ndarray:
        """(C,) range each channel's error is measured against."""
        t = self.table
        if self.per_channel:
            span = np.ptp(t, axis=0)
            return np.where(span > 0, span, np.maximum(1.0, np.abs(t).max(axis=0)))
        return np.full(t.shape[1], float(np.ptp(t)))

    def bound(self, rel: float) -> np.ndarray:
        return rel * self.scale

    def infored_bound(self, rel: float) -> dict[str, float]:
        if self.per_channel:
            return {"max_rel_error": rel}
        return {"max_abs_error": rel * float(np.ptp(self.table))}


def load_sets(folder: Path, names: list[str]) -> list[DataSet]:
    def values(file: str) -> np.ndarray:
        with np.load(folder / file, allow_pickle=False) as z:
            return np.ascontiguousarray(z["values"], dtype=np.float64)

    makers = {
        "acsf1": lambda: DataSet(
            "acsf1",
            np.ascontiguousarray(values("acsf1.npz").T),
            False,
            "ACSF1, 200 recordings as (1460, 200) time x channel; bound x range of all",
        ),
        "telemetry": lambda: DataSet(
            "telemetry",
            values("host_telemetry.npz"),
            True,
            "host telemetry (1500, 117); bound x each metric's range",
        ),
        "kdd135": lambda: DataSet(
            "kdd135", values("kdd_tsad_135.npz"), False, "KDD-TSAD 135 (7501,)"
        ),
        "co2": lambda: DataSet("co2", values("co2_weekly.npz"), False, "CO2 weekly (2284,)"),
    }
    return [makers[name]() for name in names]


# ---------------------------------------------------------------- measuring


@dataclass
class Result:
    method: str
    nbytes: int
    y: np.ndarray  # reconstruction, (T, C)
    enc_s: float = math.nan
    dec_s: float = math.nan
    mem_bytes: int | None = None
    note: str = ""


def best_of(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        best = min(best, time.perf_counter() - start)
    return best, out


def errors(ds: DataSet, y: np.ndarray) -> tuple[float, float]:
    """Max and RMS of |y - x| over the range (per channel for per-channel sets)."""
    e = (np.asarray(y, dtype=np.float64).reshape(ds.table.shape) - ds.table) / ds.scale
    return float(np.abs(e).max()), float(np.sqrt(np.mean(e * e)))


def psnr(rms: float) -> float:
    return math.inf if rms == 0 else -20.0 * math.log10(rms)


def zstd_size(data: Any, level: int) -> int:
    return len(zstandard.ZstdCompressor(level=level).compress(np.ascontiguousarray(data).tobytes()))


# ---------------------------------------------------------------- infored


def run_infored(
    ds: DataSet, rel: float, name: str, hierarchy: Any, level: int, repeat: int
) -> tuple[Result, infored.Reduced]:
    bound = ds.infored_bound(rel)
    t_red, reduced = best_of(lambda: infored.reduce(ds.x, hierarchy, **bound), repeat)
    t_exp, y = best_of(lambda: infored.expand(reduced), repeat)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ird"
        size = infored.save(reduced, path, compress=level)
        if path.stat().st_size != size or not np.array_equal(infored.expand(infored.load(path)), y):
            raise RuntimeError(f"{name}: the saved reduction does not read back")
    header = len(json.dumps(reduced.header, separators=(",", ":")))
    y = np.asarray(y).reshape(ds.table.shape)
    note = f"JSON header {header} B"
    return Result(f"infored {name}", size, y, t_red, t_exp, reduced.nbytes, note), reduced


# ---------------------------------------------------------------- the others


def run_bitround(ds: DataSet, rel: float, repeat: int, per_channel: bool = True) -> Result:
    """BitRound with the fewest kept mantissa bits that meet the bound on this data (per
    metric for per-channel bounds unless ``per_channel=False``: one for the whole array,
    enough for every metric), then Zstd level 3."""
    from numcodecs import BitRound, Zstd

    series, bound = ds.series, ds.bound(rel)

    def rounded(x: np.ndarray, keep: int) -> np.ndarray:
        return np.asarray(BitRound(keepbits=keep).encode(x)).view(np.float64).reshape(x.shape)

    def smallest(x: np.ndarray, b: np.ndarray) -> int:
        for keep in range(53):
            if (np.abs(rounded(x, keep) - x) <= b).all():
                return keep
        return 52

    split = ds.per_channel and per_channel
    if split:
        keeps = [smallest(series[c], bound[c]) for c in range(series.shape[0])]
        note = f"keepbits per metric {min(keeps)}..{max(keeps)} (median {int(np.median(keeps))})"
    else:
        keeps = [smallest(series, bound[:, None])] * series.shape[0]
        note = f"keepbits {keeps[0]}" + (" for all metrics" if ds.per_channel else "")
    codec = Zstd(level=3)

    def encode() -> bytes:
        if split:
            out = np.empty_like(series)
            for c, keep in enumerate(keeps):
                out[c] = rounded(series[c], keep)
        else:
            out = rounded(series, keeps[0])
        return codec.encode(out)

    t_enc, blob = best_of(encode, repeat)
    t_dec, y = best_of(lambda: np.frombuffer(codec.decode(blob), dtype=np.float64), repeat)
    label = "BitRound+zstd3" if split or not ds.per_channel else "BitRound+zstd3 one"
    return Result(label, len(blob), y.reshape(series.shape).T, t_enc, t_dec, note=note)


def run_sz3(ds: DataSet, rel: float, repeat: int, shape: str = "1d") -> Result:
    import pysz

    series, bound = ds.series, ds.bound(rel)

    def config(shape_: tuple[int, ...], b: float) -> Any:
        cfg = pysz.szConfig(shape_)
        cfg.errorBoundMode = pysz.szErrorBoundMode.ABS
        cfg.absErrorBound = float(b)
        return cfg

    if ds.per_channel:  # one stream per metric, each with its own bound
        pieces = [np.ascontiguousarray(s) for s in series]
        bounds = list(bound)
        note = "one 1-D stream per metric"
    elif shape == "1d":
        pieces, bounds, note = [series.reshape(-1)], [bound[0]], "1-D, series after series"
    elif shape == "2d-ct":
        pieces, bounds, note = [series], [bound[0]], "2-D (channel, time)"
    else:
        pieces, bounds, note = [ds.table], [bound[0]], "2-D (time, channel)"

    def encode() -> list[np.ndarray]:
        return [
            pysz.sz.compress(p, config(p.shape, b))[0] for p, b in zip(pieces, bounds, strict=True)
        ]

    def decode() -> list[np.ndarray]:
        return [
            pysz.sz.decompress(blob, np.float64, p.shape)[0]
            for blob, p in zip(blobs, pieces, strict=True)
        ]

    t_enc, blobs = best_of(encode, repeat)
    t_dec, parts = best_of(decode, repeat)
    if ds.per_channel:
        y = np.stack(parts, axis=1)
    elif shape == "2d-tc":
        y = parts[0]
    else:
        y = parts[0].reshape(series.shape).T
    label = "SZ3 abs" if shape == "1d" else f"SZ3 abs {shape}"
    return Result(label, sum(b.nbytes for b in blobs), y, t_enc, t_dec, note=note)


def run_zfp(ds: DataSet, rel: float, repeat: int) -> Result:
    import zfpy

    series, bound = ds.series, ds.bound(rel)
    if ds.per_channel:
        pieces = [np.ascontiguousarray(s) for s in series]
        bounds = list(bound)
    else:
        pieces, bounds = [series.reshape(-1)], [bound[0]]

    def encode() -> list[bytes]:
        return [
            zfpy.compress_numpy(p, tolerance=float(b)) for p, b in zip(pieces, bounds, strict=True)
        ]

    t_enc, blobs = best_of(encode, repeat)
    t_dec, parts = best_of(lambda: [zfpy.decompress_numpy(b) for b in blobs], repeat)
    y = np.concatenate(parts).reshape(series.shape).T
    return Result(
        "ZFP accuracy",
        sum(len(b) for b in blobs),
        y,
        t_enc,
        t_dec,
        note="1-D" + (" per metric" if ds.per_channel else ", series after series"),
    )


def run_zstd(ds: DataSet, repeat: int) -> Result:
    series = ds.series
    raw = series.tobytes()
    t_enc, blob = best_of(lambda: zstandard.ZstdCompressor(level=3).compress(raw), repeat)
    t_dec, out = best_of(lambda: zstandard.ZstdDecompressor().decompress(blob), repeat)
    y = np.frombuffer(out, dtype=np.float64).reshape(series.shape).T
    return Result("zstd-3 lossless", len(blob), y, t_enc, t_dec)


# ---------------------------------------------------------------- printing


def print_table(ds: DataSet, rel: float, rows: list[Result]) -> None:
    values = ds.x.size
    input_bytes = ds.x.nbytes
    print(f"\n  bound {rel:g} x range")
    print(
        f"  {'method':<20} {'bytes':>9} {'bits/val':>8} {'mem b/v':>7} {'ratio':>7} "
        f"{'max err':>9} {'max/bnd':>7} {'RMS err':>9} {'PSNR dB':>7} {'enc MB/s':>8} "
        f"{'dec MB/s':>8}  note"
    )
    for r in rows:
        mx, rms = errors(ds, r.y)
        mem = f"{8 * r.mem_bytes / values:7.3f}" if r.mem_bytes is not None else f"{'':7}"
        enc = input_bytes / r.enc_s / 1e6 if r.enc_s == r.enc_s else math.nan
        dec = input_bytes / r.dec_s / 1e6 if r.dec_s == r.dec_s else math.nan
        print(
            f"  {r.method:<20} {r.nbytes:>9d} {8 * r.nbytes / values:8.3f} {mem} "
            f"{input_bytes / r.nbytes:7.2f} {mx:9.3e} {mx / rel:7.3f} {rms:9.3e} "
            f"{psnr(rms):7.2f} {enc:8.1f} {dec:8.1f}  {r.note}"
        )


# ---------------------------------------------------------------- ablation


def coset_flip_rates(code: infored.LinearCode) -> np.ndarray:
    """P[bit i of a word differs from its decoded codeword], words uniform: the mean of the
    coset leaders (one per syndrome) by position."""
    n, k = code.n, code.k
    r = n - k
    syndromes = np.arange(1 << r, dtype=np.int64)
    words = np.zeros((1 << r, n), dtype=np.uint8)
    words[:, k:] = (syndromes[:, None] >> np.arange(r - 1, -1, -1)) & 1  # syndrome of [0 | s]
    leaders = words ^ code.encode(code.decode(words))
    return leaders.mean(axis=0)


def fitted_bit_means(words: np.ndarray, codewords: np.ndarray) -> np.ndarray:
    """(2, n): mean of the word bits whose codeword bit is 0 (row 0) or 1 (row 1), by
    position: the least-squares reconstruction from the messages alone, on this data."""
    n = words.shape[1]
    position = np.broadcast_to(np.arange(n), words.shape)
    out = np.array([[0.0], [1.0]]) * np.ones(n)
    for c in (0, 1):
        sel = codewords == c
        count = np.bincount(position[sel], minlength=n)
        ones = np.bincount(position[sel], weights=words[sel], minlength=n)
        out[c] = np.where(count > 0, ones / np.maximum(count, 1), float(c))
    return out


@dataclass
class PlaneSplit:
    """A reduction with one plane level, taken apart: quantiser, plane-0 bits, rest."""

    offset: np.ndarray
    step: np.ndarray
    bit0: np.ndarray  # plane-0 bits, (T, C) uint8
    rest: np.ndarray  # q >> 1, (T, C) int64

    @classmethod
    def of(cls, ds: DataSet, reduced: infored.Reduced) -> PlaneSplit:
        quantiser = reduced.hierarchy.stages[0]
        config = quantiser.get_config()
        q = np.asarray(quantiser.forward(ds.table))  # reduce quantises the (T, C) view
        return cls(
            np.asarray(config["fitted_offset"], dtype=np.float64),
            np.asarray(config["fitted_step"], dtype=np.float64),
            (q & 1).astype(np.uint8),
            q >> 1,
        )

    def value(self, bit0: np.ndarray) -> np.ndarray:
        """Reconstruction with plane 0 set to ``bit0`` (any real in [0, 1])."""
        return self.offset + (2.0 * self.rest + bit0) * self.step


def stream_of(bits: np.ndarray) -> np.ndarray:
    """(T, C) plane bits -> the channel-major stream the library cuts into words."""
    return np.ascontiguousarray(bits.T).reshape(-1)


def unstream(stream: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return stream[: shape[0] * shape[1]].reshape(shape[1], shape[0]).T


def words_of(stream: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(-(-stream.size // n) * n, dtype=np.uint8)
    out[: stream.size] = stream
    return out.reshape(-1, n)


def ablation(
    ds: DataSet, rel: float, reduced: infored.Reduced, y_lib: np.ndarray, level: int
) -> dict[str, float]:
    """ECC plane level vs plane dropping at equal rate, and conditional-mean reconstruction."""
    code = reduced.hierarchy.levels[0].code
    n, k = code.n, code.k
    split = PlaneSplit.of(ds, reduced)
    shape = split.bit0.shape
    values = ds.x.size
    stream = stream_of(split.bit0)
    words = words_of(stream, n)
    codewords = code.encode(code.decode(words))
    position = np.broadcast_to(np.arange(n), words.shape)

    rest_bpv = 8 * zstd_size(reduced.sections["rest"], level) / values
    msg_bytes = zstd_size(reduced.sections["level0.messages"], level)
    kept = (np.arange(stream.size) % n) < k  # plane 0 of k of every n values
    kept_bytes = zstd_size(np.packbits(stream[kept]), level)

    prior = coset_flip_rates(code)
    cm_prior = np.where(codewords == 1, 1.0 - prior[position], prior[position])
    fitted = fitted_bit_means(words, codewords)
    clipped = np.clip(fitted, prior, 1.0 - prior)

    def as_bits(w: np.ndarray) -> np.ndarray:
        return unstream(w.reshape(-1), shape)

    means_bytes = 8 * 2 * n  # 2n float64 stored beside the messages
    cases = [
        (f"ECC {code.n},{code.k} hard codeword", as_bits(codewords).astype(np.float64), msg_bytes),
        ("ECC cond. mean, leaders' P[flip]", as_bits(cm_prior), msg_bytes),
        ("ECC cond. mean, fitted", as_bits(fitted[codewords, position]), msg_bytes + means_bytes),
        (
            "ECC cond. mean, fitted, clipped",
            as_bits(clipped[codewords, position]),
            msg_bytes + means_bytes,
        ),
        (f"drop {n - k}/{n}, mid 0.5", unstream(np.where(kept, stream, 0.5), shape), kept_bytes),
        (f"drop {n - k}/{n}, hard 0", unstream(np.where(kept, stream, 0.0), shape), kept_bytes),
    ]
    print(
        f"\n  bound {rel:g} x range: plane 0 of {values} values, {k} of every {n} bits kept "
        f"by both ({k / n:.4f} bit/value raw); rest {rest_bpv:.3f} bits/value (zstd-{level}); "
        f"P[flip] by coset leaders {prior.mean():.4f}"
    )
    print(
        f"  {'plane 0 as (* = what infored.expand does)':<42} {'p0 b/v':>7} {'total b/v':>9} "
        f"{'RMS/step':>8} {'max/step':>8} {'RMS err':>9} {'max err':>9} {'max/bnd':>7}"
    )
    step = split.step
    hard_rms = None
    matched = False
    rms_of: dict[str, float] = {}
    for i, (label, bits, nbytes) in enumerate(cases):
        y = split.value(bits)
        mx, rms = errors(ds, y)
        rms_of[("hard", "leaders", "fitted", "clipped", "drop mid", "drop 0")[i]] = rms
        # the library stores the fitted means in 16-bit fixed point: match within that
        same = label.startswith("ECC") and np.allclose(y, y_lib, rtol=0, atol=2e-5 * step.max())
        if same and not matched:
            label += " *"
            matched = True
            rms_of["expand"] = rms
        d = (y - ds.table) / step
        rms_step, max_step = float(np.sqrt(np.mean(d * d))), float(np.abs(d).max())
        hard_rms = rms if hard_rms is None else hard_rms
        print(
            f"  {label:<42} {8 * nbytes / values:7.3f} {8 * nbytes / values + rest_bpv:9.3f} "
            f"{rms_step:8.4f} {max_step:8.3f} {rms:9.3e} {mx:9.3e} {mx / rel:7.3f}"
            f"   RMS x{rms / hard_rms:.3f} of ECC"
        )
    if not matched:
        raise RuntimeError("no ECC row of the ablation reproduces infored.expand")
    return rms_of


# ---------------------------------------------------------------- proposals (prototypes)


def byte_planes(values: np.ndarray) -> np.ndarray:
    """Non-negative ints as the library stores the rest: narrowed, bytes as planes."""
    hi = int(values.max()) if values.size else 0
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if hi <= np.iinfo(t).max)
    v = values.astype(dtype).reshape(-1)
    return np.ascontiguousarray(v.view(np.uint8).reshape(-1, v.itemsize).T)


def residuals(q: np.ndarray, method: str) -> np.ndarray:
    r = q.copy()
    r[1:] = q[1:] - q[:-1]
    if method == "linear":
        r[2:] = q[2:] - 2 * q[1:-1] + q[:-2]
    return r


def zigzag(r: np.ndarray) -> np.ndarray:
    return (r << 1) ^ (r >> 63)


def rest_channel_major(q: np.ndarray, methods: tuple[str, ...]) -> tuple[np.ndarray, str]:
    """Zig-zagged residuals, channel after channel; per channel the predictor of ``methods``
    whose residuals cost fewest bits (estimated by sum log2(1 + |r|))."""
    best, cost = None, None
    for m in methods:
        z = zigzag(residuals(q, m))
        c = np.log2(1.0 + z).sum(axis=0)
        if best is None:
            best, cost, choice = z, c, np.zeros(q.shape[1], dtype=int)
        else:
            better = c < cost
            best = np.where(better, z, best)
            cost = np.where(better, c, cost)
            choice = np.where(better, methods.index(m), choice)
    used = sorted({methods[i] for i in choice})
    return np.ascontiguousarray(best.T), "+".join(used)


def container_bytes(header: dict[str, Any], sections: dict[str, np.ndarray], level: int) -> int:
    """Bytes of a container holding these sections, as ``infored.save`` writes them."""
    return _container.write(io.BytesIO(), header, sections, compress=level)


def compact_bytes(header: dict[str, Any], sections: dict[str, np.ndarray], level: int) -> int:
    """A container without section alignment and with its JSON header zstd-compressed:
    the 24-byte preamble, the header frame and one zstd frame per section."""
    text = json.dumps(header, separators=(",", ":")).encode()
    return (
        24
        + zstd_size(np.frombuffer(text, dtype=np.uint8), level)
        + sum(zstd_size(a, level) for a in sections.values())
    )


def huffman_lengths(counts: np.ndarray) -> np.ndarray:
    """Code lengths of a Huffman code for these symbol counts."""
    if counts.size == 1:
        return np.ones(1, dtype=np.int64)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = list(range(counts.size))
    while len(heap) > 1:
        c1, a = heapq.heappop(heap)
        c2, b = heapq.heappop(heap)
        node = len(parent)
        parent.append(node)
        parent[a] = parent[b] = node
        heapq.heappush(heap, (c1 + c2, node))
    depth = np.zeros(len(parent), dtype=np.int64)
    for node in range(len(parent) - 2, -1, -1):  # parents are created after their children
        depth[node] = depth[parent[node]] + 1
    return depth[: counts.size]


def huffman_zstd_bytes(z: np.ndarray, level: int) -> int:
    """Static Huffman code of the symbols, bit-packed, then zstd (as SZ3 codes its
    quantisation indices); the code table (symbols and lengths) is counted too."""
    symbols, inverse, counts = np.unique(z.reshape(-1), return_inverse=True, return_counts=True)
    lengths = huffman_lengths(counts)
    order = np.lexsort((symbols, lengths))  # canonical code: by length, then symbol
    codes = np.zeros(symbols.size, dtype=np.int64)
    code, previous = 0, int(lengths[order[0]])
    for j, sym in enumerate(order):
        if j:
            code = (code + 1) << (int(lengths[sym]) - previous)
            previous = int(lengths[sym])
        codes[sym] = code
    length, value = lengths[inverse], codes[inverse]
    longest = int(lengths.max())
    shifts = length[:, None] - 1 - np.arange(longest)[None, :]
    bits = (value[:, None] >> np.maximum(shifts, 0)) & 1
    stream = np.packbits(bits[shifts >= 0].astype(np.uint8))
    table = np.concatenate(
        [np.diff(symbols, prepend=0).astype(np.uint32).view(np.uint8), lengths.astype(np.uint8)]
    )
    return zstd_size(stream, level) + zstd_size(table, level)


def quantise(ds: DataSet, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = ds.table
    offset = (t.max(axis=0) + t.min(axis=0)) / 2
    return np.rint((t - offset) / step).astype(np.int64), offset


def proposals(
    ds: DataSet,
    rel: float,
    base: tuple[Result, infored.Reduced],
    sz3: Result,
    br: Result,
    level: int,
) -> dict[str, int]:
    """Measured prototypes of library changes: the first four rows cumulative on the
    library's own reduction, the others other designs. Returns bytes by row key."""
    result, reduced = base
    header, values = reduced.header, ds.x.size
    lean = dict(header, levels=[])  # the prototypes below keep their extra numbers in sections
    T, C = ds.table.shape
    bound = ds.bound(rel) * _SHRINK
    rows: list[tuple[str, int, np.ndarray, str]] = [
        (f"{result.method} (.ird)", result.nbytes, result.y, "as measured above")
    ]

    # 1. the container: JSON header compressed, sections not padded to 64 bytes
    rows.append(
        (
            "+ compact container",
            compact_bytes(header, reduced.sections, level),
            result.y,
            "header zstd, no alignment",
        )
    )
    # 2. the rest stored channel after channel, so zstd sees each series' repeats
    planes = reduced.sections["rest"]
    cm = np.ascontiguousarray(
        planes.reshape(planes.shape[0], T, C).transpose(0, 2, 1).reshape(planes.shape[0], -1)
    )
    sections = dict(reduced.sections, rest=cm)
    rows.append(
        (
            "+ rest channel-major",
            compact_bytes(header, sections, level),
            result.y,
            "same values, layout only",
        )
    )
    rows.append(
        ("+ zstd level 19", compact_bytes(header, sections, 19), result.y, "save(..., compress=19)")
    )

    # 3. conditional means clipped to [P, 1 - P] (P: the coset leaders' flip rate) bound the
    # plane-bit error by 1 - P, so the step can grow to bound / (1.5 - P)
    code = reduced.hierarchy.levels[0].code
    prior = coset_flip_rates(code)
    spread = 1.5 - float(prior.min())
    step = bound / spread
    q, offset = quantise(ds, step)
    rest = q >> 1
    words = words_of(stream_of((q & 1).astype(np.uint8)), code.n)
    messages = code.decode(words)
    codewords = code.encode(messages)
    pos = np.broadcast_to(np.arange(code.n), codewords.shape)
    means = np.clip(fitted_bit_means(words, codewords), prior, 1.0 - prior)
    bit0 = unstream(means[codewords, pos].reshape(-1), (T, C))
    y = offset + (2.0 * rest + bit0) * step
    z, used = rest_channel_major(rest, ("previous", "linear"))
    sections = {"level0.messages": np.packbits(messages), "rest": byte_planes(z), "means": means}
    rows.append(
        (
            f"ECC clipped means, step bnd/{spread:.3f}",
            compact_bytes(lean, sections, level),
            y,
            f"predictor {used} per channel, zstd-{level}",
        )
    )
    rows.append(("ECC clipped means, zstd 19", compact_bytes(lean, sections, 19), y, ""))

    # 4. plane 0 dropped at the same rate, reconstructed at 0.5: the bound allows step = bound
    n, k = code.n, code.k
    q, offset = quantise(ds, bound)
    rest = q >> 1
    stream = stream_of((q & 1).astype(np.uint8))
    kept = (np.arange(stream.size) % n) < k
    y = offset + (2.0 * rest + unstream(np.where(kept, stream, 0.5), (T, C))) * bound
    z, used = rest_channel_major(rest, ("previous", "linear"))
    sections = {"plane0.kept": np.packbits(stream[kept]), "rest": byte_planes(z)}
    rows.append(
        (
            f"drop {n - k}/{n} mid, step = bnd",
            compact_bytes(lean, sections, level),
            y,
            f"predictor {used} per channel, zstd-{level}",
        )
    )

    # 5. no plane level at all: the quantiser alone places the bound, step = 2 bound
    q, offset = quantise(ds, 2 * bound)
    y = offset + q * (2 * bound)
    z, used = rest_channel_major(q, ("previous", "linear"))
    sections = {"rest": byte_planes(z)}
    rows.append(
        (
            "no ECC plane, step 2 bnd",
            compact_bytes(lean, sections, level),
            y,
            f"predictor {used} per channel, byte planes + zstd-{level}",
        )
    )
    rows.append(("no ECC plane, zstd 19", compact_bytes(lean, sections, 19), y, ""))
    text = json.dumps(lean, separators=(",", ":")).encode()
    huff = 24 + zstd_size(np.frombuffer(text, dtype=np.uint8), level) + huffman_zstd_bytes(z, level)
    rows.append(("no ECC plane, Huffman + zstd", huff, y, f"Huffman + zstd-{level}, as SZ3"))

    print(
        f"\n  bound {rel:g} x range (SZ3 abs: {8 * sz3.nbytes / values:.3f}, BitRound+zstd: "
        f"{8 * br.nbytes / values:.3f} bits/value)"
    )
    print(
        f"  {'prototype':<36} {'bytes':>8} {'bits/val':>8} {'vs now':>6} {'vs BR':>6} "
        f"{'vs SZ3':>6} {'max/bnd':>7} {'RMS err':>9}  note"
    )
    for label, nbytes, y, note in rows:
        mx, rms = errors(ds, y)
        if mx > rel:
            note += "  ** bound exceeded **"
        print(
            f"  {label:<36} {nbytes:>8d} {8 * nbytes / values:8.3f} "
            f"{nbytes / result.nbytes:6.3f} {nbytes / br.nbytes:6.3f} {nbytes / sz3.nbytes:6.3f} "
            f"{mx / rel:7.3f} {rms:9.3e}  {note}"
        )
    return {key: row[1] for key, row in zip(PROTOTYPES, rows, strict=True)}


# ---------------------------------------------------------------- speed


def speed_breakdown(ds: DataSet, rel: float, repeat: int, top: int = 12) -> None:
    """Where reduce's time goes for the telemetry preset."""
    import cProfile
    import pstats

    bound = ds.infored_bound(rel)
    prebuilt = infored.get_hierarchy("telemetry")
    for level in prebuilt.levels:  # build the code tables once
        level.code.decode(np.zeros((1, level.code.n), dtype=np.uint8))
    t_name, _ = best_of(lambda: infored.reduce(ds.x, "telemetry", **bound), repeat)
    t_obj, _ = best_of(lambda: infored.reduce(ds.x, prebuilt, **bound), repeat)

    def build() -> None:
        for level in infored.get_hierarchy("telemetry").levels:
            level.code.decode(np.zeros((1, level.code.n), dtype=np.uint8))

    t_build, _ = best_of(build, repeat)
    mb = ds.x.nbytes / 1e6
    print(
        f"\n  telemetry preset on {ds.name} ({mb:.2f} MB float64), bound {rel:g}, best of {repeat}:"
        f"\n    reduce(x, 'telemetry')            {t_name * 1e3:7.2f} ms  {mb / t_name:7.1f} MB/s"
        f"\n    reduce(x, prebuilt Hierarchy)     {t_obj * 1e3:7.2f} ms  {mb / t_obj:7.1f} MB/s"
        f"\n    preset -> Hierarchy + code tables {t_build * 1e3:7.2f} ms  (paid on every call "
        "by name)"
    )
    reduced = infored.reduce(ds.x, prebuilt, **bound)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ird"
        for level in (3, 9, 19):
            t_save, size = best_of(
                lambda lv=level: infored.save(reduced, path, compress=lv), repeat
            )
            print(
                f"    save(compress={level:<2})                   {t_save * 1e3:7.2f} ms  "
                f"{mb / t_save:7.1f} MB/s  {8 * size / ds.x.size:.3f} bits/value"
            )
    calls = 20
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        infored.reduce(ds.x, prebuilt, **bound)
    profile.disable()
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    print(f"    profile of {calls} calls (own time, profiler overhead included):")
    for (file, line, func), (_, ncalls, own, _cum, _) in rows:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
        print(
            f"      {100 * own / total:5.1f} %  {1e3 * own / calls:6.2f} ms/call  "
            f"{ncalls // calls:>4} x  {func:<28} {where}"
        )


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the .npz data sets")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument(
        "--bounds",
        nargs="+",
        type=float,
        default=list(BOUNDS),
        help="error bounds relative to the range",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs, best kept")
    parser.add_argument("--level", type=int, default=3, help="zstd level of infored.save")
    parser.add_argument("--threads", type=int, default=1, help="INFORED_NUM_THREADS")
    args = parser.parse_args(argv)
    os.environ["INFORED_NUM_THREADS"] = str(args.threads)
    if not args.data.is_dir():
        parser.error(f"no data folder at {args.data}; pass --data")

    import numcodecs
    import pysz  # noqa: F401
    import zfpy  # noqa: F401

    print(
        f"infored {infored.__version__}, numpy {np.__version__}, numcodecs "
        f"{numcodecs.__version__}, zstandard {zstandard.__version__}; "
        f"INFORED_NUM_THREADS={args.threads}; .ird saved with zstd level {args.level}; "
        f"MB/s = float64 input bytes / best of {args.repeat} runs"
    )
    print("load average at start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    summary: list[tuple[str, float, dict[str, tuple[float, float, float]]]] = []
    studies: list[tuple[DataSet, float, Any]] = []
    for ds in load_sets(args.data, args.sets):
        print(f"\n=== {ds.name}: {ds.note}; {ds.x.size} values, {ds.x.nbytes} bytes ===")
        for rel in args.bounds:
            rows: list[Result] = []
            reductions: dict[str, tuple[Result, infored.Reduced]] = {}
            for name, hierarchy in HIERARCHIES.items():
                res = run_infored(ds, rel, name, hierarchy, args.level, args.repeat)
                reductions[name] = res
                rows.append(res[0])
            rows.append(run_bitround(ds, rel, args.repeat))
            if ds.per_channel:
                rows.append(run_bitround(ds, rel, args.repeat, per_channel=False))
            sz_rows = [run_sz3(ds, rel, args.repeat)]
            if ds.name == "acsf1":
                sz_rows += [
                    run_sz3(ds, rel, args.repeat, "2d-tc"),
                    run_sz3(ds, rel, args.repeat, "2d-ct"),
                ]
            rows += sz_rows
            rows.append(run_zfp(ds, rel, args.repeat))
            rows.append(run_zstd(ds, args.repeat))
            print_table(ds, rel, rows)
            br = next(r for r in rows if r.method == "BitRound+zstd3")
            sz = min(sz_rows, key=lambda r: r.nbytes)
            print(
                "  ratios (bytes)      "
                + "  ".join(
                    f"{name}: /BR {res.nbytes / br.nbytes:.3f} /SZ3 {res.nbytes / sz.nbytes:.3f}"
                    for name, (res, _) in reductions.items()
                )
                + (f"   [SZ3 = {sz.method}]" if len(sz_rows) > 1 else "")
            )
            summary.append(
                (
                    ds.name,
                    rel,
                    {
                        name: (
                            res.nbytes / br.nbytes,
                            res.nbytes / sz.nbytes,
                            ds.x.nbytes / res.enc_s / 1e6,
                        )
                        for name, (res, _) in reductions.items()
                    },
                )
            )
            studies.append((ds, rel, (reductions, sz, br)))

    print(
        "\n=== ablation: the plane level of the float preset vs dropping plane-0 "
        "bits at equal rate ==="
    )
    print(
        "  same quantiser step and rest in every row; RMS/step and max/step in quantiser "
        "steps (the bound is 1.5 steps)"
    )
    current = None
    verdicts: list[tuple[str, float, dict[str, float]]] = []
    for ds, rel, (reductions, _, _) in studies:
        if ds.name != current:
            print(f"\n  -- {ds.name}")
            current = ds.name
        result, reduced = reductions["float"]
        verdicts.append((ds.name, rel, ablation(ds, rel, reduced, result.y, args.level)))
    print(
        "\n  RMS of the ECC level / RMS of dropping 11 of 23 plane-0 bits (mid 0.5) at equal rate:"
    )
    for kind, label in (
        ("hard", "hard codewords"),
        ("leaders", "cond. mean, leaders"),
        ("expand", "as infored.expand"),
    ):
        ratios = [v[kind] / v["drop mid"] for _, _, v in verdicts]
        wins = sum(r < 1 for r in ratios)
        print(
            f"    {label:<20} lower on {wins} of {len(ratios)}: "
            + ", ".join(f"{n} {r:g} {x:.3f}" for (n, r, _), x in zip(verdicts, ratios, strict=True))
        )

    print("\n=== proposals: prototypes measured on the same data (library unchanged) ===")
    current = None
    outcomes: list[tuple[str, float, dict[str, int], int, int]] = []
    for ds, rel, (reductions, sz, br) in studies:
        if ds.name != current:
            print(f"\n  -- {ds.name}")
            current = ds.name
        base = min((reductions[n] for n in HIERARCHIES), key=lambda rr: rr[0].nbytes)
        sizes = proposals(ds, rel, base, sz, br, args.level)
        outcomes.append((ds.name, rel, sizes, br.nbytes, sz.nbytes))
    print("\n  targets met by each prototype (smallest library hierarchy underneath):")
    for key, label in PROTOTYPES.items():
        sets = list(dict.fromkeys(o[0] for o in outcomes))
        beats_br = all(o[2][key] < o[3] for o in outcomes)
        sz_sets = [s for s in sets if all(o[2][key] <= o[4] for o in outcomes if o[0] == s)]
        worst = {s: max(o[2][key] / o[4] for o in outcomes if o[0] == s) for s in sets}
        print(
            f"    {label:<34} < BitRound+zstd everywhere: {'yes' if beats_br else 'no '};"
            f" <= SZ3 on {len(sz_sets)}/{len(sets)} sets; worst /SZ3 "
            + ", ".join(f"{s} {w:.2f}" for s, w in worst.items())
        )

    print("\n=== speed: reduce with the telemetry preset ===")
    for ds in load_sets(args.data, args.sets):
        if ds.name == "telemetry":
            speed_breakdown(ds, 1e-3 if 1e-3 in args.bounds else args.bounds[0], args.repeat)

    print("\nload average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(
        "\n=== summary: infored .ird bytes / BitRound+zstd bytes | / SZ3 bytes | reduce MB/s,"
        " by bound ==="
    )
    for name in HIERARCHIES:
        for set_name in dict.fromkeys(s for s, _, _ in summary):
            cells = [v[name] for s, _, v in summary if s == set_name]
            print(
                f"  {name:<10} {set_name:<10} /BR "
                + " ".join(f"{c[0]:6.3f}" for c in cells)
                + "  | /SZ3 "
                + " ".join(f"{c[1]:6.3f}" for c in cells)
                + "  | MB/s "
                + " ".join(f"{c[2]:6.1f}" for c in cells)
            )
    print("\n=== targets ===")
    for name in HIERARCHIES:
        smaller_br = all(v[name][0] < 1 for _, _, v in summary)
        by_set: dict[str, list[float]] = {}
        for set_name, _, v in summary:
            by_set.setdefault(set_name, []).append(v[name][1])
        sz_ok = [s for s, ratios in by_set.items() if all(r <= 1 for r in ratios)]
        speeds = [v[name][2] for _, _, v in summary]
        print(
            f"  infored {name:<10} smaller than BitRound+zstd everywhere: "
            f"{'yes' if smaller_br else 'no'}; no larger than SZ3 at every bound on "
            f"{len(sz_ok)} of {len(by_set)} sets {sz_ok}; per set max /SZ3 "
            + ", ".join(f"{s} {max(r):.2f}" for s, r in by_set.items())
            + f"; reduce {min(speeds):.0f}..{max(speeds):.0f} MB/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
