"""Boundary for the table kernels (``ext/_table.pyx``) and their pure-NumPy twins.

Packed words follow one convention everywhere: the bits b_0 .. b_{n-1} of a word form the
integer ``P = sum_i b_i * 2**(n-1-i)`` (position 0 is the most significant bit; for a
cyclic code P is the codeword polynomial). The message is ``P >> r`` and the parity
``P & (2**r - 1)``, with ``r = n - k``. Up to 64 bits a word is one unsigned integer of the
smallest dtype that holds it; above, a row of little-endian uint64 limbs of P.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..errors import ArgumentError
from . import backend, run_chunked

__all__ = [
    "Leaders",
    "Tables",
    "check_width",
    "decode",
    "encode",
    "limb_count",
    "merge",
    "pack",
    "syndrome",
    "unpack",
    "word_dtype",
]


def _ext():
    from .._ext import _table

    return _table


def word_dtype(nbits: int) -> np.dtype | None:
    """Smallest unsigned dtype holding ``nbits`` bits, or None above 64 (limb form)."""
    for bits, dtype in ((8, np.uint8), (16, np.uint16), (32, np.uint32), (64, np.uint64)):
        if nbits <= bits:
            return np.dtype(dtype)
    return None


def limb_count(nbits: int) -> int:
    """Number of uint64 limbs of an ``nbits``-bit word."""
    return max(1, -(-nbits // 64))


def packed_shape(count: int, nbits: int) -> tuple[int, ...]:
    return (count,) if nbits <= 64 else (count, limb_count(nbits))


def _empty_packed(count: int, nbits: int) -> np.ndarray:
    dtype = word_dtype(nbits) or np.dtype(np.uint64)
    return np.empty(packed_shape(count, nbits), dtype=dtype)


def check_width(
    words: np.ndarray, nbits: int, name: str = "words", combined: int | None = None
) -> None:
    """Refuse packed words (one integer each) with bits above ``nbits``.

    ``combined`` is the OR of all words when a kernel has computed it in its own pass;
    without it the largest word is looked up.
    """
    if nbits >= 64 or words.size == 0:
        return
    if combined is None:
        combined = int(words.max())
    if int(combined) >> nbits:
        raise ArgumentError(
            f"Argument {name!r} holds a value of more than {nbits} bits (max {int(words.max())})"
        )


# ---------------------------------------------------------------- packing


def _pack_ref(bits: np.ndarray) -> np.ndarray:
    count, n = bits.shape
    weights = np.arange(n - 1, -1, -1)  # bit index of each position
    if n <= 64:
        shifted = bits.astype(np.uint64) << weights.astype(np.uint64)
        return np.bitwise_or.reduce(shifted, axis=1, initial=np.uint64(0)).astype(word_dtype(n))
    out = np.zeros((count, limb_count(n)), dtype=np.uint64)
    for pos in range(n):
        limb, bit = divmod(int(weights[pos]), 64)
        out[:, limb] |= bits[:, pos].astype(np.uint64) << np.uint64(bit)
    return out


def _unpack_ref(packed: np.ndarray, n: int) -> np.ndarray:
    count = packed.shape[0]
    out = np.empty((count, n), dtype=np.uint8)
    for pos in range(n):
        limb, bit = divmod(n - 1 - pos, 64)
        column = packed if packed.ndim == 1 else packed[:, limb]
        out[:, pos] = (column.astype(np.uint64) >> np.uint64(bit)) & np.uint64(1)
    return out


def pack(bits: np.ndarray, name: str = "bits") -> np.ndarray:
    """Pack an (N, n) uint8 array of 0/1 into (N,) integers or (N, W) limbs.

    Values other than 0 and 1 raise ArgumentError naming ``name``; the compiled kernels
    find them in their own pass over the bytes.
    """
    count, n = bits.shape
    if backend() == "reference":
        combined = int(np.bitwise_or.reduce(bits, axis=None)) if bits.size else 0
        out = _pack_ref(bits)
    else:
        out = _empty_packed(count, n)
        kernel = _ext().pack if n <= 64 else _ext().pack_limbs
        combined = functools.reduce(
            operator.or_, run_chunked(lambda lo, hi: kernel(bits[lo:hi], out[lo:hi]), count)
        )
    if combined & ~0x0101010101010101:
        raise ArgumentError(
            f"Argument {name!r} must hold only 0 and 1, got values up to {int(bits.max())}"
        )
    return out


def unpack(packed: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`pack`: (N,) or (N, W) packed words to an (N, n) uint8 array."""
    count = packed.shape[0]
    if backend() == "reference":
        return _unpack_ref(packed, n)
    out = np.empty((count, n), dtype=np.uint8)
    if n <= 64:
        run_chunked(lambda lo, hi: _ext().unpack(packed[lo:hi], out[lo:hi]), count)
    else:
        run_chunked(lambda lo, hi: _ext().unpack_limbs(packed[lo:hi], out[lo:hi]), count)
    return out


# ---------------------------------------------------------------- tables


def _byte_table(rows: np.ndarray, nbits: int) -> np.ndarray:
    """Contribution tables: rows[j] is the R-limb value added by bit j (integer bit index)."""
    nbytes = -(-nbits // 8)
    R = rows.shape[1]
    padded = np.zeros((nbytes * 8, R), dtype=np.uint64)
    padded[:nbits] = rows
    values = np.arange(256, dtype=np.uint16)
    table = np.zeros((nbytes, 256, R), dtype=np.uint64)
    for bit in range(8):
        on = ((values >> bit) & 1).astype(bool)
        table[:, on, :] ^= padded[bit::8][:, None, :]
    return np.ascontiguousarray(table.reshape(nbytes * 256, R))


def _rows_to_limbs(rows: np.ndarray) -> np.ndarray:
    """(m, nbits) 0/1 rows, position 0 most significant, to (m, R) uint64 limbs."""
    return _pack_ref(rows.astype(np.uint8))[:, None] if rows.shape[1] <= 64 else _pack_ref(rows)


@dataclass(frozen=True, eq=False)
class Leaders:
    """Coset-leader table: per syndrome, the canonical minimum-weight error pattern.

    Attributes
    ----------
    weight : (2**r,) uint8
        Weight of each coset leader.
    positions : (2**r, w) int16
        The leader's error positions, ascending, padded with -1.
    message : (2**r,) uint64 or None
        The leader's message part as an integer (single-word codes only).
    """

    weight: np.ndarray
    positions: np.ndarray
    message: np.ndarray | None
    _applied: dict = field(default_factory=dict, repr=False)

    def applied(self, tmax: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """(fix, errtab) of single-word decoding: the leader message part to apply (as
        ``dtype``, the message dtype) and the count to report per syndrome; leaders heavier
        than tmax are not applied (-1)."""
        assert self.message is not None, "single-word codes only"
        key = (tmax, np.dtype(dtype))
        if key not in self._applied:
            keep = self.weight <= tmax
            fix = np.where(keep, self.message, np.uint64(0)).astype(dtype)
            errtab = np.where(keep, self.weight.astype(np.int16), np.int16(-1))
            self._applied[key] = (fix, errtab)
        return self._applied[key]


@dataclass(frozen=True, eq=False)
class Tables:
    """Tables of a binary systematic code ``[I_k | P]``, built once per code."""

    parity: np.ndarray  # (k, r) uint8

    @property
    def k(self) -> int:
        return self.parity.shape[0]

    @property
    def r(self) -> int:
        return self.parity.shape[1]

    @property
    def n(self) -> int:
        return self.k + self.r

    @cached_property
    def parity_check(self) -> np.ndarray:
        """H = [P^T | I_r], (r, n) uint8."""
        return np.hstack([self.parity.T, np.eye(self.r, dtype=np.uint8)])

    @cached_property
    def columns(self) -> np.ndarray:
        """Syndrome of a single error at each position, as r-bit integers (r <= 64)."""
        return _pack_ref(np.ascontiguousarray(self.parity_check.T)).astype(np.uint64)

    @cached_property
    def chunks(self) -> tuple[np.ndarray, int, int]:
        """(enc, cb, nchunks): chunked message-parity tables of single-word codes.

        One table for k <= 12, two for k <= 32 (up to 2**16 entries each), else five: fewer
        lookups per word for tables that still sit in L2."""
        k = self.k
        nchunks = 1 if k <= 12 else (2 if k <= 32 else 5)  # the counts the kernels unroll
        cb = -(-k // nchunks)
        contrib = np.zeros(nchunks * cb, dtype=np.uint64)
        # message integer bit j is message position k-1-j
        contrib[:k] = _pack_ref(self.parity[::-1].copy()).astype(np.uint64)
        values = np.arange(1 << cb, dtype=np.uint64)
        enc = np.zeros((nchunks, 1 << cb), dtype=np.uint64)
        for bit in range(cb):
            on = ((values >> np.uint64(bit)) & np.uint64(1)).astype(bool)
            enc[:, on] ^= contrib[bit::cb][:, None]
        return np.ascontiguousarray(enc.ravel()), cb, nchunks

    @cached_property
    def decode_chunks(self) -> np.ndarray:
        """The chunk tables as the decode kernel reads them: in the narrowest of uint16 and
        uint32 that holds a syndrome (small tables stay in L1)."""
        return self.chunks[0].astype(np.uint16 if self.r <= 16 else np.uint32)

    @cached_property
    def message_table(self) -> tuple[np.ndarray, int]:
        """(msgtab, kbytes): parity contribution of every byte of the message integer."""
        rows = _rows_to_limbs(self.parity[::-1])
        return _byte_table(rows, self.k), -(-self.k // 8)

    @cached_property
    def word_table(self) -> tuple[np.ndarray, int]:
        """(bytetab, nbytes): syndrome contribution of every byte of the word integer."""
        rows = _rows_to_limbs(np.ascontiguousarray(self.parity_check.T[::-1]))
        return _byte_table(rows, self.n), -(-self.n // 8)

    def leaders(self, max_weight: int) -> Leaders:
        """Build the canonical coset-leader table (2**r entries)."""
        size = 1 << self.r
        weight = np.full(size, 255, dtype=np.uint8)
        positions = np.full((size, max(1, max_weight)), -1, dtype=np.int16)
        if backend() == "reference":
            _build_leaders_ref(self.columns, max_weight, positions, weight)
        else:
            _ext().build_leaders(self.columns, max_weight, positions, weight)
        if (weight == 255).any():
            raise RuntimeError(f"coset leaders heavier than {max_weight}: raise max_weight")
        used = int(weight.max())
        positions = np.ascontiguousarray(positions[:, : max(1, used)])
        message = None
        if self.n <= 64:
            bits = np.zeros(size, dtype=np.uint64)
            for col in range(positions.shape[1]):
                pos = positions[:, col].astype(np.int64)
                hit = (pos >= 0) & (pos < self.k)
                bits[hit] ^= np.uint64(1) << (self.k - 1 - pos[hit]).astype(np.uint64)
            message = bits
        return Leaders(weight=weight, positions=positions, message=message)


def _build_leaders_ref(columns, max_weight, positions, weight) -> None:
    n = columns.shape[0]
    for w in range(max_weight + 1):
        if (weight != 255).all():
            break
        # itertools order is lexicographic on ascending positions = descending integer value
        ordered = list(itertools.combinations(range(n), w))[::-1]
        combos = np.array(ordered, dtype=np.int64).reshape(len(ordered), w)
        syn = np.bitwise_xor.reduce(columns[combos], axis=1) if w else np.zeros(1, np.uint64)
        syn, first = np.unique(syn, return_index=True)
        new = weight[syn] == 255
        weight[syn[new]] = w
        positions[syn[new], :w] = combos[first[new]]


# ---------------------------------------------------------------- coding kernels


def _as_limbs(packed: np.ndarray, nbits: int) -> np.ndarray:
    """Any packed form to (N, W) uint64 limbs."""
    if packed.ndim == 2:
        return np.ascontiguousarray(packed, dtype=np.uint64)
    return packed.astype(np.uint64).reshape(-1, 1)


def _from_limbs(limbs: np.ndarray, nbits: int) -> np.ndarray:
    if nbits <= 64:
        return limbs[:, 0].astype(word_dtype(nbits))
    return limbs


def encode(tab: Tables, msgs: np.ndarray) -> np.ndarray:
    """Codewords ``(m << r) | parity(m)`` of packed messages."""
    count, n, k, r = msgs.shape[0], tab.n, tab.k, tab.r
    if backend() == "reference":
        bits = _unpack_ref(msgs, k)
        return _pack_ref(
            np.hstack([bits, (bits.astype(np.int64) @ tab.parity) % 2]).astype(np.uint8)
        )
    if n <= 64:
        enc, cb, nchunks = tab.chunks
        out = _empty_packed(count, n)
        run_chunked(
            lambda lo, hi: _ext().encode(msgs[lo:hi], enc, cb, nchunks, r, out[lo:hi]), count
        )
        return out
    msgtab, kbytes = tab.message_table
    limbs = _as_limbs(msgs, k)
    out = np.empty((count, limb_count(n)), dtype=np.uint64)
    par = np.empty((count, msgtab.shape[1]), dtype=np.uint64)
    run_chunked(
        lambda lo, hi: _ext().encode_limbs(limbs[lo:hi], msgtab, kbytes, r, par[lo:hi], out[lo:hi]),
        count,
    )
    return out


def syndrome(tab: Tables, words: np.ndarray) -> np.ndarray:
    """Packed syndromes ``parity(message part) XOR parity part`` (= H w)."""
    count, n, r = words.shape[0], tab.n, tab.r
    if backend() == "reference":
        bits = _unpack_ref(words, n).astype(np.int64)
        return _pack_ref(((bits @ tab.parity_check.T) % 2).astype(np.uint8))
    if n <= 64:
        enc, cb, nchunks = tab.chunks
        out = _empty_packed(count, r)
        run_chunked(
            lambda lo, hi: _ext().syndrome(words[lo:hi], enc, cb, nchunks, r, out[lo:hi]), count
        )
        return out
    bytetab, nbytes = tab.word_table
    out = np.empty((count, bytetab.shape[1]), dtype=np.uint64)
    run_chunked(
        lambda lo, hi: _ext().syndrome_limbs(words[lo:hi], bytetab, nbytes, out[lo:hi]), count
    )
    return _from_limbs(out, r)


def decode(
    tab: Tables, lead: Leaders, tmax: int, words: np.ndarray, want_errors: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Table decoding: flip the coset leader of each word's syndrome if its weight <= tmax.

    Returns packed messages and, if asked, the leader weights (-1 where above tmax).
    Single words (n <= 64) are checked for bits above n here, in the kernel's pass.
    """
    count, n, k, r = words.shape[0], tab.n, tab.k, tab.r
    if backend() == "reference":
        if n <= 64:
            check_width(words, n)
        return _decode_ref(tab, lead, tmax, words, want_errors)
    err = np.empty(count if want_errors else 0, dtype=np.int16)
    if n <= 64:
        _, cb, nchunks = tab.chunks
        out = _empty_packed(count, k)
        fix, errtab = lead.applied(tmax, out.dtype)
        enc = tab.decode_chunks

        def call(lo, hi):
            return _ext().decode(
                words[lo:hi],
                enc,
                cb,
                nchunks,
                r,
                fix,
                errtab,
                out[lo:hi],
                err[lo:hi] if want_errors else err,
            )

        check_width(words, n, combined=functools.reduce(operator.or_, run_chunked(call, count)))
    else:
        bytetab, nbytes = tab.word_table
        out = np.empty((count, limb_count(k)), dtype=np.uint64)

        def call(lo, hi):
            _ext().decode_limbs(
                words[lo:hi],
                bytetab,
                nbytes,
                r,
                k,
                lead.positions,
                lead.weight,
                tmax,
                out[lo:hi],
                err[lo:hi] if want_errors else err,
            )

        run_chunked(call, count)
    return _from_limbs(out, k) if k <= 64 and n > 64 else out, err if want_errors else None


def _leader_bits(lead: Leaders, syn: np.ndarray, n: int) -> np.ndarray:
    count = syn.shape[0]
    pattern = np.zeros((count, n + 1), dtype=np.uint8)  # column n absorbs the -1 padding
    pos = lead.positions[syn.astype(np.int64)]
    pattern[np.arange(count)[:, None], np.where(pos < 0, n, pos)] = 1
    return pattern[:, :n]


def _decode_ref(tab, lead, tmax, words, want_errors):
    n, k = tab.n, tab.k
    syn = _as_limbs(syndrome(tab, words), tab.r)[:, 0]
    bits = _unpack_ref(words, n) ^ _leader_bits(lead, syn, n)
    weight = lead.weight[syn.astype(np.int64)].astype(np.int16)
    bad = weight > tmax
    bits[bad] = _unpack_ref(words[bad], n)
    weight[bad] = -1
    return _pack_ref(bits[:, :k].copy()), weight if want_errors else None


def merge(tab: Tables, lead: Leaders, tmax: int, msgs: np.ndarray, syn: np.ndarray) -> np.ndarray:
    """The word whose table decoding gives ``msgs`` and whose syndrome is ``syn``."""
    count, n, k, r = msgs.shape[0], tab.n, tab.k, tab.r
    syn64 = _as_limbs(syn, r)
    if backend() == "reference":
        s = syn64[:, 0]
        bits = _unpack_ref(msgs, k)
        fix = _leader_bits(lead, s, n)[:, :k]
        fix[lead.weight[s.astype(np.int64)] > tmax] = 0
        bits ^= fix
        parity = ((bits.astype(np.int64) @ tab.parity) % 2).astype(np.uint8) ^ _unpack_ref(s, r)
        return _pack_ref(np.hstack([bits, parity]))
    if n <= 64:
        enc, cb, nchunks = tab.chunks
        out = _empty_packed(count, n)
        s1 = np.ascontiguousarray(syn64[:, 0])
        run_chunked(
            lambda lo, hi: _ext().merge(
                msgs[lo:hi],
                s1[lo:hi],
                enc,
                cb,
                nchunks,
                r,
                lead.applied(tmax, msgs.dtype)[0],
                out[lo:hi],
            ),
            count,
        )
        return out
    msgtab, kbytes = tab.message_table
    limbs = _as_limbs(msgs, k)
    out = np.empty((count, limb_count(n)), dtype=np.uint64)
    scratch = np.empty((count, limb_count(k) + 1), dtype=np.uint64)
    run_chunked(
        lambda lo, hi: _ext().merge_limbs(
            limbs[lo:hi],
            syn64[lo:hi],
            msgtab,
            kbytes,
            r,
            k,
            lead.positions,
            lead.weight,
            tmax,
            scratch[lo:hi],
            out[lo:hi],
        ),
        count,
    )
    return out
