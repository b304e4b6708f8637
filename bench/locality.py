"""Locality of 12-bit keys: how often do two close vectors get the same key?

Keys compared (all 12 bits):

- soft: the message of the maximum-likelihood Golay codeword (``decode_soft``);
- soft-rot: the same after a random rotation of the space (averaged over 8 rotations), so
  that no vector lines up with the code's coordinates;
- hard: signs, then complete hard decoding with the same Golay code;
- simhash: signs of 12 projections on random Gaussian directions (Charikar's SimHash);
- coords: signs of the first 12 coordinates.

For a key, p(theta) is the probability that a vector and a neighbour at angle theta share it,
and the LSH exponent rho(theta, 3 theta) = ln(1/p(theta)) / ln(1/p(3 theta)) says how well the
key separates near from far (lower is better: a table of such keys finds near neighbours with
about N**rho work).

Part 1: 20,000 uniform unit vectors in R^24 and a neighbour at exactly theta, Golay(24,12).

Part 2: real series cut into overlapping windows (length 24, hop 4), each window mean-removed
and normalised, then PCA-whitened (fitted on the windows; the mean removal leaves 23
directions, so the keys use Golay(23,12) there, the exact decoder of the extended code with the
missing coordinate as an erasure) and normalised again. Pairs of windows are grouped by their
angle in that space (windows of the same series that overlap in time are not paired), and by
neighbour rank. SimHash figures are averaged over 8 draws of its directions.

Run: ``python bench/locality.py [--data DIR] [--quick]``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from infored import Golay

THETAS = (5, 10, 15, 20, 30, 45, 60)
RHO_THETAS = (10, 15, 20)
METHODS = ("soft", "soft-rot", "hard", "simhash", "coords")
DRAWS = 8
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pack(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(axis=-1)


class Keys:
    """The four 12-bit keys of vectors in R^d (d = 23 or 24)."""

    def __init__(self, dim: int, rng: np.random.Generator) -> None:
        self.code = Golay(extended=dim == 24)
        self.planes = [rng.standard_normal((12, dim)) for _ in range(DRAWS)]
        self.rotations = [np.linalg.qr(rng.standard_normal((dim, dim)))[0] for _ in range(DRAWS)]

    def __call__(self, method: str, x: np.ndarray) -> list[np.ndarray]:
        if method == "soft":
            return [self.code.decode_soft(x, packed=True)]
        if method == "soft-rot":
            return [self.code.decode_soft(x @ rot, packed=True) for rot in self.rotations]
        if method == "hard":
            return [pack(self.code.decode((x < 0).astype(np.uint8)))]
        if method == "simhash":
            return [pack(x @ planes.T < 0) for planes in self.planes]
        return [pack(x[:, :12] < 0)]


def collision(keys: Keys, method: str, a: np.ndarray, b: np.ndarray) -> float:
    pairs = zip(keys(method, a), keys(method, b), strict=True)
    return float(np.mean([np.mean(ka == kb) for ka, kb in pairs]))


def rho(p_near: float, p_far: float) -> float:
    if not (0 < p_near < 1 and 0 < p_far < 1):
        return float("nan")
    return math.log(1 / p_near) / math.log(1 / p_far)


def print_table(title: str, rows: dict[str, dict[str, float]], counts: dict[str, int]) -> None:
    labels = list(counts)
    print(title)
    print(f"{'':10}" + "".join(f"{label:>9}" for label in labels))
    print(f"{'pairs':10}" + "".join(f"{counts[label]:9d}" for label in labels))
    for method in METHODS:
        print(
            f"{method:10}"
            + "".join(f"{rows[method].get(label, math.nan):9.3f}" for label in labels)
        )


def print_rho(p: dict[str, dict[str, float]], pairs: list[tuple[str, str]]) -> None:
    head = "".join(f"{f'rho({a},{b})':>15}" for a, b in pairs)
    print(f"{'':10}{head}")
    values = {
        m: [rho(p[m].get(a, math.nan), p[m].get(b, math.nan)) for a, b in pairs] for m in METHODS
    }
    for method in METHODS:
        print(f"{method:10}" + "".join(f"{v:15.3f}" for v in values[method]))
    for method in ("soft", "soft-rot"):
        ratios = [s / h for s, h in zip(values[method], values["simhash"], strict=True)]
        print(f"{method + '/sim':10}" + "".join(f"{r:15.3f}" for r in ratios))


# ---------------------------------------------------------------- part 1: synthetic


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def synthetic(count: int, rng: np.random.Generator) -> None:
    keys = Keys(24, rng)
    x = unit(rng.standard_normal((count, 24)))
    p: dict[str, dict[str, float]] = {m: {} for m in METHODS}
    for theta in THETAS:
        w = rng.standard_normal((count, 24))
        w = unit(w - (w * x).sum(axis=1, keepdims=True) * x)
        t = math.radians(theta)
        y = math.cos(t) * x + math.sin(t) * w
        for method in METHODS:
            p[method][f"{theta}deg"] = collision(keys, method, x, y)
    print(f"Part 1: {count} uniform unit vectors in R^24, neighbour at exactly theta; P[same key]")
    print_table("", p, {f"{t}deg": count for t in THETAS})
    print_rho(p, [(f"{t}deg", f"{3 * t}deg") for t in RHO_THETAS])


# ---------------------------------------------------------------- part 2: real windows


def windows(series: list[np.ndarray], length: int = 24, hop: int = 4):
    """Mean-removed, normalised windows, with (series, start) labels; flat windows dropped."""
    out, label = [], []
    for s, values in enumerate(series):
        starts = np.arange(0, len(values) - length + 1, hop)
        win = np.stack([values[i : i + length] for i in starts])
        win = win - win.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(win, axis=1)
        keep = norm > 1e-9 * max(1.0, float(np.abs(values).max()))
        out.append(win[keep] / norm[keep, None])
        label.append(np.stack([np.full(keep.sum(), s), starts[keep]], axis=1))
    return np.vstack(out), np.vstack(label)


def whiten(x: np.ndarray) -> np.ndarray:
    """PCA whitening fitted on the rows (directions of zero variance dropped), renormalised."""
    centred = x - x.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    keep = sv > 1e-8 * sv[0]
    white = centred @ vt[keep].T / sv[keep] * math.sqrt(len(x))
    return unit(white)


def real_pairs(x: np.ndarray, label: np.ndarray, queries: int, rng, length: int = 24):
    """Pairs (query, other) by angle bin and by neighbour rank."""
    q = rng.choice(len(x), size=min(queries, len(x)), replace=False)
    bins: dict[str, list[np.ndarray]] = {f"{t}deg": [] for t in THETAS}
    ranks = {1: [], 10: [], 100: []}
    for lo in range(0, len(q), 250):
        idx = q[lo : lo + 250]
        cos = np.clip(x[idx] @ x.T, -1.0, 1.0)
        same = label[idx, 0][:, None] == label[None, :, 0]
        near_in_time = np.abs(label[idx, 1][:, None] - label[None, :, 1]) < length
        cos[same & near_in_time] = -2.0  # itself and the windows it overlaps
        angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        angle[cos == -2.0] = np.inf
        for t in THETAS:
            qi, oj = np.nonzero(np.abs(angle - t) <= 1.0)
            bins[f"{t}deg"].append(np.stack([idx[qi], oj], axis=1))
        top = np.argpartition(angle, max(ranks), axis=1)[:, : max(ranks) + 1]
        order = np.take_along_axis(
            top, np.argsort(np.take_along_axis(angle, top, axis=1), axis=1), axis=1
        )
        for r in ranks:
            ranks[r].append(np.stack([idx, order[:, r - 1]], axis=1))
    out = {name: np.vstack(v) for name, v in bins.items()}
    for name, v in out.items():
        if len(v) > 60_000:
            out[name] = v[rng.choice(len(v), 60_000, replace=False)]
    for r, v in ranks.items():
        out[f"NN{r}"] = np.vstack(v)
    return out


def real(name: str, series: list[np.ndarray], queries: int, rng) -> None:
    x, label = windows(series)
    x = whiten(x)
    keys = Keys(x.shape[1], rng)
    pairs = real_pairs(x, label, queries, rng)
    p: dict[str, dict[str, float]] = {m: {} for m in METHODS}
    counts = {}
    for group, ij in pairs.items():
        counts[group] = len(ij)
        if len(ij) < 200:
            continue
        for method in METHODS:
            p[method][group] = collision(keys, method, x[ij[:, 0]], x[ij[:, 1]])
    angles = {
        f"NN{r}": float(
            np.degrees(
                np.median(
                    np.arccos(
                        np.clip(
                            (x[pairs[f"NN{r}"][:, 0]] * x[pairs[f"NN{r}"][:, 1]]).sum(axis=1), -1, 1
                        )
                    )
                )
            )
        )
        for r in (1, 10, 100)
    }
    space = f"whitened, {x.shape[1]} dims"
    print()
    print(
        f"{name}: {len(x)} windows ({space}); P[same key] by pair angle (+-1 deg) and "
        f"neighbour rank (median angle NN1 {angles['NN1']:.1f}, NN10 {angles['NN10']:.1f}, "
        f"NN100 {angles['NN100']:.1f} deg); bins with < 200 pairs left out"
    )
    print_table("", p, counts)
    print_rho(
        p, [*((f"{t}deg", f"{3 * t}deg") for t in RHO_THETAS), ("NN1", "NN10"), ("NN1", "NN100")]
    )


def telemetry_series(data: Path, most: int = 16) -> list[np.ndarray]:
    """First differences of the busiest distinct host counters, z-normalised per channel."""
    values = np.load(data / "host_telemetry.npz", allow_pickle=False)["values"]
    diff = np.diff(values, axis=0)
    busy = [
        (len(np.unique(diff[:, j])), j)
        for j in range(diff.shape[1])
        if (diff[:, j] != 0).mean() >= 0.3
    ]
    chosen: list[int] = []
    for distinct, j in sorted(busy, reverse=True):
        if distinct < 20 or len(chosen) == most:
            break
        if all(abs(np.corrcoef(diff[:, j], diff[:, i])[0, 1]) < 0.95 for i in chosen):
            chosen.append(j)
    return [(diff[:, j] - diff[:, j].mean()) / diff[:, j].std() for j in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--quick", action="store_true", help="fewer vectors, a smoke run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    synthetic(2_000 if args.quick else 20_000, rng)
    queries = 300 if args.quick else 3_000
    acsf1 = np.load(args.data / "acsf1.npz", allow_pickle=False)["values"]
    real("ACSF1", list(acsf1), queries, rng)
    real("host telemetry (first differences)", telemetry_series(args.data), queries, rng)


if __name__ == "__main__":
    main()
