"""Boundary for the soft-decision kernels (``ext/_soft.pyx``) and their pure-NumPy twins.

Every decoder here reads real vectors ``y`` of shape (N, n), float32 or float64, and returns
the messages of the chosen codewords as (N, W) little-endian uint64 limbs of the message
integer (package convention: position 0 is the most significant bit), plus, if asked, the
correlation ``sum_i y_i (-1)**c_i`` of each chosen codeword, summed in position order.

The grid
--------
Each vector is first put on an integer grid: its magnitudes are multiplied by the power of
two ``2**(bq - e)``, where ``2**(e-1) <= max|y_i| < 2**e``, and rounded half to even. With
``bq = 52 - ceil(log2 n)`` every sum of up to n grid values is an exact float64 integer, so the
decoders compare costs exactly and any two of them, whatever their order of summation, agree
bit for bit. Inputs already on such a grid (+-1, integers, fixed-point LLRs of up to ``bq``
significant bits) are decoded without any rounding; other inputs are decoded for the rounded
vector, whose best correlation is within ``n * 2**-bq * max|y_i|`` of the true one.

The rule
--------
Costs are measured against the sign word ``z`` (``z_i = 1`` where ``y_i < 0``; zeros count as
positive): codeword ``c`` costs the sum of the grid magnitudes where ``c_i != z_i``, which is
``(sum|q| - correlation) / 2``. The least cost wins; among equal costs, the codeword whose
disagreement pattern ``c XOR z`` is smallest as an n-bit integer. On +-1 inputs that pattern
is the error pattern of complete hard decoding and the rule is that decoder's rule, so both
return the same message on every +-1 vector.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError
from . import backend, run_chunked
from .table import limb_count

__all__ = [
    "GolayTables",
    "NonFiniteValues",
    "TrellisTables",
    "chase_pick",
    "chase_tests",
    "decode_golay",
    "decode_trellis",
    "golay_tables",
    "grid_bits",
    "quantize",
    "trellis_tables",
]

_ROUND = 2.0**52


def _ext():
    from .._ext import _soft

    return _soft


class NonFiniteValues(ArgumentError):
    """Some input vector holds a NaN or an infinity (the kernels find it on their way)."""


def _finite_or_raise(values: np.ndarray, bad: list[int] | None = None) -> None:
    """Raise :class:`NonFiniteValues` if the kernels counted bad vectors (compiled) or, with
    ``bad=None`` (reference), if NumPy finds a non-finite value."""
    if (bad is None and not np.isfinite(values).all()) or (bad is not None and sum(bad)):
        raise NonFiniteValues("Argument 'values' must hold only finite numbers")


def grid_bits(n: int) -> int:
    """Bits of the grid of an n-value vector: ``n * 2**bq <= 2**52``.

    Examples
    --------
    >>> grid_bits(24), grid_bits(15)
    (47, 48)
    """
    return 52 - max(0, math.ceil(math.log2(n)))


def quantize(values: np.ndarray, bq: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid of the module docstring: signed grid values (float64) and sign bits (uint8).

    This is the twin of the kernels' ``_quantize``; it performs the same IEEE operations.

    Examples
    --------
    >>> q, z = quantize(np.array([[0.5, -1.0, 0.25]]), 4)
    >>> q.tolist(), z.tolist()
    ([[4.0, -8.0, 2.0]], [[0, 1, 0]])
    """
    y = np.asarray(values, dtype=np.float64)
    mag = np.abs(y)
    top = mag.max(axis=1) if y.shape[1] else np.zeros(y.shape[0])
    exp = bq - np.frexp(top)[1].astype(np.int64)
    tiny = exp > 1000
    pre = np.where(tiny, np.ldexp(1.0, 600), 1.0)
    scale = np.ldexp(1.0, np.where(tiny, exp - 600, exp))
    grid = (mag * pre[:, None]) * scale[:, None]
    grid = (grid + _ROUND) - _ROUND
    negative = y < 0
    return np.where(negative, -grid, grid), negative.astype(np.uint8)


def _metric_ref(values: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Correlation with the +-1 image of the codeword bits, summed in position order."""
    y = np.asarray(values, dtype=np.float64)
    acc = np.zeros(y.shape[0])
    for i in range(y.shape[1]):
        acc = acc + np.where(bits[:, i] != 0, -y[:, i], y[:, i])
    return acc


def _bits_of(words: np.ndarray, n: int) -> np.ndarray:
    """(N,) integers (< 2**63) to (N, n) bits, position 0 most significant."""
    shifts = np.arange(n - 1, -1, -1, dtype=np.uint64)
    return ((words.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)


def _limbs_of_bits(bits: np.ndarray) -> np.ndarray:
    """(N, k) bits to (N, ceil(k/64)) little-endian uint64 limbs of the integer."""
    count, k = bits.shape
    out = np.zeros((count, limb_count(k)), dtype=np.uint64)
    for pos in range(k):
        limb, bit = divmod(k - 1 - pos, 64)
        out[:, limb] |= bits[:, pos].astype(np.uint64) << np.uint64(bit)
    return out


def _values_in(values: np.ndarray) -> np.ndarray:
    if values.dtype not in (np.float32, np.float64) or not values.flags.c_contiguous:
        raise TypeError("soft kernels take C-contiguous float32 or float64 (N, n) arrays")
    return values


# ---------------------------------------------------------------- Golay


@dataclass(frozen=True, eq=False)
class GolayTables:
    """The extended Golay code as 128 cosets of its sextet subcode.

    A sextet splits the 24 positions into six tetrads, any two of which form an octad. The
    32 codewords that are 0000 or 1111 on every tetrad, with an even number of 1111, form a
    subcode K; the code is the union of 128 cosets of K. A coset is written ``canon`` (the
    member whose first position of every tetrad, the anchor, is 0) plus an even or odd
    (``pi``) set of complemented tetrads; on tetrad j, ``canon`` is one of the 8 anchor-0
    patterns, its class ``cls[g, j]``. This is the sextet/hexacode structure behind the
    maximum-likelihood decoders of Conway and Sloane ("Soft decoding techniques for codes
    and lattices, including the Golay code and the Leech lattice", IEEE Trans. IT 32, 1986)
    and Vardy and Be'ery ("More efficient soft decoding of the Golay codes", IEEE Trans. IT
    37, 1991), found here by search on the code's own generator matrix.

    All words are 24-bit integers in the code's coordinate order; for the (23, 12) code the
    extra overall-parity position is the last one.
    """

    tpos: np.ndarray  # (24,) int32, tetrad j at [4j, 4j + 4), anchor first
    tmask: np.ndarray  # (6,) uint32
    canon: np.ndarray  # (128,) uint32
    pi: np.ndarray  # (128,) uint8
    cls: np.ndarray  # (128, 6) uint8
    pidx: np.ndarray  # (128, 3) uint8
    offs: np.ndarray  # (128, 3) int16: offsets of the coset's pair values in the kernel
    pairs: np.ndarray  # (3, 64, 2) uint8
    npairs: np.ndarray  # (3,) int32


def _all_codewords(generator: np.ndarray) -> np.ndarray:
    k, n = generator.shape
    rows = (generator.astype(np.int64) << np.arange(n - 1, -1, -1)).sum(axis=1)
    words = np.zeros(1 << k, dtype=np.int64)
    for j in range(k):  # message integer bit k-1-j selects row j
        step = 1 << (k - 1 - j)
        idx = np.arange(1 << k)
        words[(idx & step) != 0] ^= rows[j]
    return words


def _popcount(words: np.ndarray) -> np.ndarray:
    return np.array([bin(int(w)).count("1") for w in words])


def golay_tables(generator: np.ndarray) -> GolayTables | None:
    """Sextet tables for a (24, 12, 8) code, or a (23, 12, 7) code via its extension.

    ``generator`` is the systematic [I_12 | P]. Returns None if the code is not a Golay code.

    Examples
    --------
    >>> from infored import Golay
    >>> golay_tables(Golay(extended=True).generator_matrix).canon.shape
    (128,)
    """
    k, n = generator.shape
    if k != 12 or n not in (23, 24):
        return None
    gen = np.asarray(generator, dtype=np.uint8)
    if n == 23:
        gen = np.hstack([gen, (gen.sum(axis=1, keepdims=True) % 2).astype(np.uint8)])
    words = _all_codewords(gen)
    weights = _popcount(words)
    if weights[1:].min() != 8:
        return None
    bit = [1 << (23 - p) for p in range(24)]
    first = sum(bit[:4])
    octads = [
        int(w) for w, wt in zip(words, weights, strict=True) if wt == 8 and int(w) & first == first
    ]
    rest = [w ^ first for w in octads]
    overlap = any(a & b for a, b in itertools.combinations(rest, 2))
    if len(rest) != 5 or overlap or sum(rest) != (1 << 24) - 1 - first:
        return None
    tmask_list = [first, *rest]
    tpos = [p for m in tmask_list for p in range(24) if m & bit[p]]
    tmask = np.array(tmask_list, dtype=np.uint32)
    anchors = [bit[tpos[4 * j]] for j in range(6)]
    cosets: dict[int, int] = {}
    for w in words.tolist():
        flips = 0
        for j in range(6):
            if w & anchors[j]:
                w ^= tmask_list[j]
                flips ^= 1
        cosets.setdefault(w, flips)
    if len(cosets) != 128:
        return None
    canon = np.array(sorted(cosets), dtype=np.uint32)
    pi = np.array([cosets[int(c)] for c in canon], dtype=np.uint8)
    cls = np.zeros((128, 6), dtype=np.uint8)
    for g, c in enumerate(canon.tolist()):
        for j in range(6):
            b = [(c >> (23 - tpos[4 * j + t])) & 1 for t in (1, 2, 3)]
            cls[g, j] = (b[0] << 2) | (b[1] << 1) | b[2]
    pairs = np.zeros((3, 64, 2), dtype=np.uint8)
    npairs = np.zeros(3, dtype=np.int32)
    pidx = np.zeros((128, 3), dtype=np.uint8)
    for P in range(3):
        combos = sorted({(int(a), int(b)) for a, b in cls[:, 2 * P : 2 * P + 2]})
        npairs[P] = len(combos)
        pairs[P, : len(combos)] = combos
        index = {c: i for i, c in enumerate(combos)}
        for g in range(128):
            pidx[g, P] = index[(int(cls[g, 2 * P]), int(cls[g, 2 * P + 1]))]
    offs = (2 * (np.arange(3) * 64 + pidx.astype(np.int64))).astype(np.int16)
    offs[:, 2] += pi
    return GolayTables(
        tpos=np.array(tpos, dtype=np.int32),
        tmask=tmask,
        canon=canon,
        pi=pi,
        cls=cls,
        pidx=pidx,
        offs=offs,
        pairs=pairs,
        npairs=npairs,
    )


def decode_golay(
    tabs: GolayTables, values: np.ndarray, want_metric: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact ML decoding of (N, 24) or (N, 23) values; messages as (N,) uint64."""
    values = _values_in(values)
    count = values.shape[0]
    bq = grid_bits(24)
    if backend() == "reference":
        _finite_or_raise(values)
        return _golay_ref(tabs, values, bq, want_metric)
    out = np.empty(count, dtype=np.uint64)
    metric = np.empty(count if want_metric else 0)
    bad: list[int] = []

    def call(lo, hi):
        bad.append(
            _ext().golay(
                values[lo:hi],
                bq,
                tabs.tpos,
                tabs.canon,
                tabs.pi,
                tabs.cls,
                tabs.offs,
                tabs.pairs,
                tabs.npairs,
                tabs.tmask,
                out[lo:hi],
                metric[lo:hi] if want_metric else metric,
            )
        )

    if count:
        run_chunked(call, count)
    _finite_or_raise(values, bad)
    return out, metric if want_metric else None


def _golay_ref(tabs, values, bq, want_metric, block=512):
    """Every codeword's value through the coset decomposition; exact ties by least pattern."""
    count, nin = values.shape
    out = np.empty(count, dtype=np.uint64)
    subsets = np.arange(64)
    signs = np.where((subsets[:, None] >> np.arange(6)) & 1, -1.0, 1.0)  # (64, 6)
    allowed = np.array([bin(t).count("1") & 1 for t in subsets])[None, :] == tabs.pi[:, None]
    flipmask = np.zeros(64, dtype=np.int64)
    for j in range(6):
        flipmask[((subsets >> j) & 1) == 1] ^= int(tabs.tmask[j])
    words = tabs.canon.astype(np.int64)[:, None] ^ flipmask[None, :]  # (128, 64)
    for lo in range(0, count, block):
        hi = min(count, lo + block)
        q, z = quantize(values[lo:hi], bq)
        zw = (z.astype(np.int64) << np.arange(nin - 1, -1, -1)).sum(axis=1) << (24 - nin)
        if nin == 23:
            q = np.hstack([q, np.zeros((hi - lo, 1))])
        y = q[:, tabs.tpos].reshape(-1, 6, 4)
        p = np.stack([y[..., 0] + y[..., 1], y[..., 0] - y[..., 1]], axis=-1)  # (B, 6, 2)
        r = np.stack([y[..., 2] + y[..., 3], y[..., 2] - y[..., 3]], axis=-1)
        V = np.concatenate(
            [
                p[..., b1, None] + np.stack([r[..., 0], r[..., 1], -r[..., 1], -r[..., 0]], -1)
                for b1 in (0, 1)
            ],
            axis=-1,
        )  # (B, 6, 8)
        Vg = V[:, np.arange(6)[None, :], tabs.cls]  # (B, 128, 6)
        vals = np.where(allowed[None], Vg @ signs.T, -np.inf)  # exact: integers < 2**53
        best = vals.max(axis=(1, 2))
        keys = np.where(
            vals == best[:, None, None], words[None] ^ zw[:, None, None], np.iinfo(np.int64).max
        )
        flat = keys.reshape(hi - lo, -1).argmin(axis=1)
        out[lo:hi] = words.reshape(-1)[flat] >> 12
    metric = None
    if want_metric:
        cw = _golay_words_of(tabs, out)
        metric = _metric_ref(values, _bits_of(cw, 24)[:, :nin])
    return out, metric


def _golay_words_of(tabs: GolayTables, msgs: np.ndarray) -> np.ndarray:
    """24-bit codewords of 12-bit messages, from the coset tables (any codeword works)."""
    flips = np.zeros(64, dtype=np.int64)
    for j in range(6):
        flips[((np.arange(64) >> j) & 1) == 1] ^= int(tabs.tmask[j])
    words = (tabs.canon.astype(np.int64)[:, None] ^ flips[None, :]).reshape(-1)
    allowed = np.array([bin(t).count("1") & 1 for t in range(64)])[None, :] == tabs.pi[:, None]
    words = words[allowed.reshape(-1)]
    table = np.zeros(4096, dtype=np.int64)
    table[words >> 12] = words
    return table[msgs.astype(np.int64)]


# ---------------------------------------------------------------- syndrome trellis


@dataclass(frozen=True, eq=False)
class TrellisTables:
    """Syndrome columns of the message positions of ``[I_k | P]`` (H = [P^T | I_r])."""

    cols: np.ndarray  # (k,) uint32
    n: int
    r: int
    syn: np.ndarray  # (ceil(k / 8) * 256,) uint32: syndrome of each byte of the message
    pairs: np.ndarray  # (k, 2**(r-1)) int32: per position, the states with its top bit clear

    @property
    def k(self) -> int:
        return self.n - self.r


def trellis_tables(parity: np.ndarray) -> TrellisTables:
    """Tables for the parity part ``P`` (k, r) of a systematic code with r <= 31.

    Examples
    --------
    >>> from infored import Hamming
    >>> trellis_tables(Hamming(3).generator_matrix[:, 4:]).cols.tolist()
    [5, 7, 6, 3]
    """
    k, r = parity.shape
    cols = (parity.astype(np.int64) << np.arange(r - 1, -1, -1)).sum(axis=1)
    nbytes = -(-k // 8)
    byte_cols = np.zeros(nbytes * 8, dtype=np.int64)
    byte_cols[:k] = cols[::-1]  # message integer bit j is position k-1-j
    values = np.arange(256)
    syn = np.zeros((nbytes, 256), dtype=np.int64)
    for bit in range(8):
        on = ((values >> bit) & 1) == 1
        syn[:, on] ^= byte_cols[bit::8][:, None]
    states = np.arange(1 << r)
    if r <= 6:
        top = np.array([1 << (int(c).bit_length() - 1) if c else 1 for c in cols])
        pairs = np.array([states[(states & t) == 0] for t in top], dtype=np.int32)
    else:  # only the small-state kernel reads the pair lists
        pairs = np.zeros((1, 1), dtype=np.int32)
    return TrellisTables(
        cols=cols.astype(np.uint32),
        n=k + r,
        r=r,
        syn=syn.astype(np.uint32).ravel(),
        pairs=np.ascontiguousarray(pairs),
    )


def decode_trellis(
    tabs: TrellisTables, values: np.ndarray, want_metric: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact ML decoding on the 2**r-state syndrome trellis; messages as (N, W) limbs.

    The trellis runs backwards, from position n-1 to 0 (Wolf, "Efficient maximum likelihood
    decoding of linear block codes using a trellis", IEEE Trans. IT 24, 1978): the state after
    position i is the syndrome of the pattern chosen on positions i..n-1. A position is
    flipped only when strictly cheaper, so each state keeps, among its cheapest patterns, the
    one that is least as an integer; the traceback from the received syndrome gives the
    canonical best pattern.
    """
    values = _values_in(values)
    count, n = values.shape
    bq = grid_bits(n)
    if backend() == "reference":
        _finite_or_raise(values)
        return _trellis_ref(tabs, values, bq, want_metric)
    out = np.empty((count, limb_count(tabs.k)), dtype=np.uint64)
    metric = np.empty(count if want_metric else 0)
    states = 1 << tabs.r
    bad: list[int] = []

    def call(lo, hi):
        mt = metric[lo:hi] if want_metric else metric
        if tabs.r <= 6 and n <= 64:
            block = _ext().TRELLIS_BLOCK
            D = np.empty(tabs.k * states * block)
            ab = np.empty(n * block)
            bad.append(
                _ext().trellis_small(
                    values[lo:hi],
                    bq,
                    tabs.cols,
                    tabs.r,
                    tabs.syn,
                    tabs.pairs,
                    D,
                    ab,
                    out[lo:hi],
                    mt,
                )
            )
            return
        D = np.empty(states)
        dec = np.empty(tabs.k * max(1, states >> 6), dtype=np.uint64)
        q = np.empty(n)
        z = np.empty(n, dtype=np.uint8)
        cb = np.empty(n, dtype=np.uint8)
        bad.append(
            _ext().trellis(values[lo:hi], bq, tabs.cols, tabs.r, D, dec, q, z, cb, out[lo:hi], mt)
        )

    if count:
        run_chunked(call, count)
    _finite_or_raise(values, bad)
    return out, metric if want_metric else None


def _trellis_ref(tabs, values, bq, want_metric):
    count = values.shape[0]
    block = max(1, (1 << 24) // (tabs.k << tabs.r))  # decisions: block * k * 2**r bools
    if count > block:
        parts = [
            _trellis_ref(tabs, values[lo : lo + block], bq, want_metric)
            for lo in range(0, count, block)
        ]
        out = np.vstack([m for m, _ in parts])
        return out, np.concatenate([c for _, c in parts]) if want_metric else None
    count, n = values.shape
    k, r, cols = tabs.k, tabs.r, tabs.cols.astype(np.int64)
    states = np.arange(1 << r)
    rows = np.arange(count)[:, None]
    q, z = quantize(values, bq)
    a = np.abs(q)
    sstar = np.zeros(count, dtype=np.int64)
    for i in range(k):
        sstar ^= np.where(z[:, i] == 1, cols[i], 0)
    for i in range(r):
        sstar ^= z[:, k + i].astype(np.int64) << (r - 1 - i)
    D = np.zeros((count, 1 << r))
    for s in range(1, 1 << r):
        low = (s & -s).bit_length() - 1
        D[:, s] = D[:, s & (s - 1)] + a[:, n - 1 - low]
    take = np.zeros((count, k, 1 << r), dtype=bool)
    for i in range(k - 1, 0, -1):
        cand = D[:, states ^ cols[i]] + a[:, i : i + 1]
        take[:, i] = cand < D
        D = np.where(take[:, i], cand, D)
    s = sstar
    bits = np.zeros((count, n), dtype=np.uint8)
    for i in range(k):
        if i == 0:
            flip = D[np.arange(count), s ^ cols[0]] + a[:, 0] < D[np.arange(count), s]
        else:
            flip = take[rows[:, 0], i, s]
        s = np.where(flip, s ^ cols[i], s)
        bits[:, i] = z[:, i] ^ flip
    for i in range(r):
        bits[:, k + i] = z[:, k + i] ^ ((s >> (r - 1 - i)) & 1)
    out = _limbs_of_bits(bits[:, :k])
    return out, _metric_ref(values, bits) if want_metric else None


# ---------------------------------------------------------------- Chase


def chase_tests(values: np.ndarray, flips: int) -> np.ndarray:
    """(N, 2**flips, W) test words: the sign word with each subset of its ``flips`` least
    reliable positions (least grid magnitude, then lowest position) flipped; subset bit j
    flips the j-th least reliable position.
    """
    values = _values_in(values)
    count, n = values.shape
    bq = grid_bits(n)
    if backend() == "reference":
        _finite_or_raise(values)
        return _chase_tests_ref(values, bq, flips)
    out = np.empty((count, 1 << flips, limb_count(n)), dtype=np.uint64)
    bad: list[int] = []

    def call(lo, hi):
        q = np.empty(n)
        z = np.empty(n, dtype=np.uint8)
        bad.append(_ext().chase_tests(values[lo:hi], bq, flips, q, z, out[lo:hi]))

    if count:
        run_chunked(call, count)
    _finite_or_raise(values, bad)
    return out


def _chase_tests_ref(values, bq, flips):
    count, n = values.shape
    q, z = quantize(values, bq)
    order = np.lexsort((np.broadcast_to(np.arange(n), q.shape), np.abs(q)), axis=-1)
    least = order[:, :flips]
    T = 1 << flips
    bits = np.repeat(z[:, None, :], T, axis=1)
    subsets = np.arange(T)
    for j in range(flips):
        on = ((subsets >> j) & 1).astype(bool)
        bits[np.arange(count)[:, None], np.nonzero(on)[0][None, :], least[:, j : j + 1]] ^= 1
    return _limbs_of_bits(bits.reshape(count * T, n)).reshape(count, T, -1)


def chase_pick(
    values: np.ndarray, words: np.ndarray, msgs: np.ndarray, want_metric: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """For each vector, the message of the least-cost candidate codeword (ties: least
    pattern ``c XOR z``, then the first candidate). ``words`` (N, T, W) codewords and
    ``msgs`` (N, T, Wk) their messages, as uint64 limbs."""
    values = _values_in(values)
    count, n = values.shape
    bq = grid_bits(n)
    if backend() == "reference":
        return _chase_pick_ref(values, bq, words, msgs, want_metric)
    out = np.empty((count, msgs.shape[2]), dtype=np.uint64)
    metric = np.empty(count if want_metric else 0)

    def call(lo, hi):
        q = np.empty(n)
        z = np.empty(n, dtype=np.uint8)
        zl = np.empty(words.shape[2], dtype=np.uint64)
        cb = np.empty(n, dtype=np.uint8)
        _ext().chase_pick(
            values[lo:hi],
            bq,
            words[lo:hi],
            msgs[lo:hi],
            q,
            z,
            zl,
            cb,
            out[lo:hi],
            metric[lo:hi] if want_metric else metric,
        )

    if count:
        run_chunked(call, count)
    return out, metric if want_metric else None


def _unpack_limbs(limbs: np.ndarray, n: int) -> np.ndarray:
    out = np.empty((*limbs.shape[:-1], n), dtype=np.uint8)
    for pos in range(n):
        limb, bit = divmod(n - 1 - pos, 64)
        out[..., pos] = (limbs[..., limb] >> np.uint64(bit)) & np.uint64(1)
    return out


def _chase_pick_ref(values, bq, words, msgs, want_metric):
    count, n = values.shape
    q, z = quantize(values, bq)
    bits = _unpack_limbs(words, n)  # (N, T, n)
    diff = bits ^ z[:, None, :]
    cost = (diff * np.abs(q)[:, None, :]).sum(axis=2)  # exact integers
    best = cost.min(axis=1)
    # least pattern among the cheapest: lexicographic on positions 0..n-1, then first candidate
    alive = cost == best[:, None]
    for pos in range(n):
        col = np.where(alive, diff[:, :, pos], 2)
        alive &= col == col.min(axis=1, keepdims=True)
    pick = alive.argmax(axis=1)
    rows = np.arange(count)
    out = np.ascontiguousarray(msgs[rows, pick])
    return out, _metric_ref(values, bits[rows, pick]) if want_metric else None
