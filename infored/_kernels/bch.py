"""Boundary for the bounded-distance BCH kernels (``ext/_bch.pyx``) and their NumPy twins.

Words are packed as in :mod:`infored._kernels.table`: bit ``d`` of the word integer is the
coefficient of ``x**d`` of the word polynomial, so position ``i`` of an n-bit word is degree
``n - 1 - i`` and a shortened code keeps degrees ``0 .. n-1`` of the code of length
``2**m - 1``. The error locator of an error at degree ``d`` is ``alpha**d``.

The decoder computes the odd syndromes ``S_j = w(alpha**j)`` from byte tables (the even ones
are squares), runs binary Berlekamp-Massey, finds the roots of the error locator in closed
form up to degree 4 (quadratic table, affine quartics) and above by a splitting test
(``X**(2**m) = X`` modulo the locator) followed by a Chien search, and verifies every success
against the syndromes. A word it reports as decoded is a codeword within distance ``t``;
every other word reports -1 and keeps its received message bits.

The NumPy twin is a separate implementation of the same decoder: all ``2t`` syndromes from the
bits, the textbook Berlekamp-Massey over every step, a Chien search over every position and a
syndrome check of the error pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..codes._cyclic import field_tables
from . import backend, run_chunked
from . import table as _table

__all__ = ["Decoder", "decode", "field_tables", "fix_messages", "locate", "merge"]

#: Words per block of the NumPy twin (bounds its temporaries).
_REF_BLOCK = 2048


def _ext():
    from .._ext import _bch

    return _bch


@dataclass(frozen=True, eq=False)
class Decoder:
    """Tables of the bounded-distance decoder of a (shortened) binary BCH code.

    Parameters
    ----------
    m : int
        Field degree: the code is a shortening of one of length ``2**m - 1``.
    n, k, t : int
        Length, message length and designed error-correcting capability; the code is the set
        of words w with ``w(alpha**j) = 0`` for ``j = 1 .. 2t``.

    Every table is built on first use.
    """

    m: int
    n: int
    k: int
    t: int

    @property
    def r(self) -> int:
        return self.n - self.k

    @property
    def order(self) -> int:
        """``N = 2**m - 1``, the multiplicative order of alpha."""
        return (1 << self.m) - 1

    @cached_property
    def field(self) -> tuple[np.ndarray, np.ndarray]:
        return field_tables(self.m)

    @cached_property
    def qsol(self) -> np.ndarray:
        """For each c, a root y of ``y**2 + y = c`` (0 where there is none)."""
        exp, log = self.field
        y = np.arange(1 << self.m, dtype=np.int64)
        square = np.where(y > 0, exp[(2 * log[y].astype(np.int64)) % self.order], 0)
        out = np.zeros(1 << self.m, dtype=np.uint16)
        out[square ^ y] = y
        out[0] = 0
        return out

    @cached_property
    def powers(self) -> np.ndarray:
        """(2t + 1, n) uint16: ``alpha**(j d)`` for j = 0 .. 2t and degrees d < n."""
        exp, _ = self.field
        j = np.arange(2 * self.t + 1, dtype=np.int64)[:, None]
        d = np.arange(self.n, dtype=np.int64)[None, :]
        return exp[(j * d) % self.order]

    @cached_property
    def syntab(self) -> np.ndarray:
        """Odd-syndrome byte table: (nbytes * 256, ceil(t / 4)) uint64 in 16-bit lanes."""
        nbytes = -(-self.n // 8)
        lanes = -(-self.t // 4)
        exp, _ = self.field
        d = np.arange(8 * nbytes, dtype=np.int64)[:, None]
        j = 2 * np.arange(self.t, dtype=np.int64)[None, :] + 1
        values = exp[(j * d) % self.order].astype(np.uint64)  # (8 nbytes, t)
        rows = np.zeros((8 * nbytes, lanes), dtype=np.uint64)
        for lane in range(self.t):
            rows[:, lane // 4] |= values[:, lane] << np.uint64(16 * (lane % 4))
        byte = np.arange(256, dtype=np.uint16)
        table = np.zeros((nbytes, 256, lanes), dtype=np.uint64)
        for bit in range(8):
            on = ((byte >> bit) & 1).astype(bool)
            table[:, on, :] ^= rows[bit::8][:, None, :]
        return np.ascontiguousarray(table.reshape(nbytes * 256, lanes))

    def kernel_args(self) -> tuple:
        """Table arguments shared by every kernel, in call order after the word geometry."""
        exp, log = self.field
        return exp, log, self.qsol, self.syntab, self.m, self.n, self.t

    def scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-call scratch: ints for the decoder, limbs for the syndrome accumulator."""
        ints = np.empty(_ext().scratch_size(self.t), dtype=np.int32)
        return ints, np.empty(self.syntab.shape[1], dtype=np.uint64)


# ---------------------------------------------------------------- compiled dispatch


def _limbs(packed: np.ndarray) -> np.ndarray:
    if packed.ndim == 2:
        return np.ascontiguousarray(packed, dtype=np.uint64)
    return np.ascontiguousarray(packed, dtype=np.uint64).reshape(-1, 1)


def _message_out(limbs: np.ndarray, k: int) -> np.ndarray:
    dtype = _table.word_dtype(k)
    return limbs[:, 0].astype(dtype) if dtype is not None else limbs


def decode(
    dec: Decoder, words: np.ndarray, want_errors: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Bounded-distance decoding of packed words (validated, canonical form).

    Returns the packed messages (received message bits where decoding fails) and, if asked,
    the int16 number of corrected errors per word (-1 where decoding fails).

    Examples
    --------
    >>> dec = Decoder(m=4, n=15, k=7, t=2)
    >>> words = np.array([0, 1 << 14, (1 << 14) | 1, 0b1011], dtype=np.uint16)
    >>> msgs, err = decode(dec, words, True)
    >>> msgs.tolist(), err.tolist()
    ([0, 0, 0, 0], [0, 1, 2, -1])
    """
    if words.ndim == 1:
        _table.check_width(words, dec.n)
    if backend() == "reference":
        count, degrees = _locate_ref(dec, _limbs(words))
        msgs = _flip_ref(dec, _table.unpack(words, dec.n)[:, : dec.k], count, degrees)
        return _table.pack(msgs), count if want_errors else None
    count = words.shape[0]
    nbytes = -(-dec.n // 8)
    args = dec.kernel_args()
    err = np.empty(count if want_errors else 0, dtype=np.int16)
    if words.ndim == 1:
        out = np.empty(count, dtype=_table.word_dtype(dec.k))

        def call(lo, hi):
            _ext().decode(
                words[lo:hi],
                nbytes,
                dec.r,
                *args,
                *dec.scratch(),
                out[lo:hi],
                err[lo:hi] if want_errors else err,
            )
    else:
        out = np.empty((count, _table.limb_count(dec.k)), dtype=np.uint64)

        def call(lo, hi):
            _ext().decode_limbs(
                words[lo:hi],
                nbytes,
                dec.r,
                *args,
                *dec.scratch(),
                out[lo:hi],
                err[lo:hi] if want_errors else err,
            )

    run_chunked(call, count)
    if out.ndim == 2:
        out = _message_out(out, dec.k)
    return out, err if want_errors else None


def locate(dec: Decoder, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Error positions of packed words: ``(count, positions)``.

    ``count`` is int16, the number of errors or -1; ``positions`` is (N, t) int16, the word
    positions in error in ascending order, padded with -1.

    Examples
    --------
    >>> dec = Decoder(m=4, n=15, k=7, t=2)
    >>> count, pos = locate(dec, np.array([(1 << 14) | 1], dtype=np.uint16))
    >>> int(count[0]), pos[0].tolist()
    (2, [0, 14])
    """
    limbs = _limbs(words)
    if backend() == "reference":
        count, degrees = _locate_ref(dec, limbs)
        pos = np.where(degrees >= 0, dec.n - 1 - degrees, np.iinfo(np.int16).max)
        pos = np.sort(pos, axis=1)
        return count, np.where(pos == np.iinfo(np.int16).max, -1, pos).astype(np.int16)
    n = limbs.shape[0]
    count = np.empty(n, dtype=np.int16)
    pos = np.empty((n, max(1, dec.t)), dtype=np.int16)
    nbytes = -(-dec.n // 8)
    args = dec.kernel_args()
    run_chunked(
        lambda lo, hi: _ext().locate_limbs(
            limbs[lo:hi], nbytes, *args, *dec.scratch(), pos[lo:hi], count[lo:hi]
        ),
        n,
    )
    return count, pos


def fix_messages(dec: Decoder, msgs: np.ndarray, syn: np.ndarray) -> np.ndarray:
    """Apply to packed messages the message part of the error pattern each syndrome decodes to.

    ``syn`` are the systematic syndromes (``w(x) mod g(x)``, r bits, as
    :func:`infored._kernels.table.syndrome` returns them); a syndrome beyond t errors leaves
    its message as it is.
    """
    syn64 = _limbs(syn)
    if backend() == "reference":
        count, degrees = _locate_ref(dec, syn64)
        fixed = _flip_ref(dec, _table.unpack(msgs, dec.k), count, degrees)
        return _table.pack(fixed)
    out = _limbs(msgs).copy()
    nbytes = -(-dec.r // 8)
    args = dec.kernel_args()
    run_chunked(
        lambda lo, hi: _ext().fix_limbs(
            syn64[lo:hi], nbytes, dec.r, *args, *dec.scratch(), out[lo:hi]
        ),
        out.shape[0],
    )
    return _message_out(out, dec.k) if msgs.ndim == 1 else out


def merge(tab: _table.Tables, dec: Decoder, msgs: np.ndarray, syn: np.ndarray) -> np.ndarray:
    """The word whose bounded-distance decoding gives ``msgs`` and whose syndrome is ``syn``.

    Success or failure depends only on the syndrome: a decodable syndrome names the error
    pattern e and the word is ``encode(msgs) ^ e``; otherwise the received message is ``msgs``
    and its parity ``parity(msgs) ^ syn``. Both are ``(m << r) | (parity(m) ^ syn)`` with m the
    received message, ``msgs`` with the message part of e flipped.
    """
    received = fix_messages(dec, msgs, syn)
    words = _table.encode(tab, received)
    if words.ndim == 1:
        return words ^ syn.astype(words.dtype)
    syn64 = _limbs(syn)
    words[:, : syn64.shape[1]] ^= syn64
    return words


# ---------------------------------------------------------------- NumPy twin


def _gmul(exp: np.ndarray, log: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both = (a != 0) & (b != 0)
    prod = exp[log[a].astype(np.int64) + log[b].astype(np.int64)]
    return np.where(both, prod, 0).astype(np.int64)


def _syndromes_ref(dec: Decoder, bits: np.ndarray) -> np.ndarray:
    """(N, 2t + 1) syndromes ``S_j = w(alpha**j)`` of (N, n) bit rows in degree order."""
    powers = dec.powers
    out = np.zeros((bits.shape[0], 2 * dec.t + 1), dtype=np.int64)
    for j in range(1, 2 * dec.t + 1):
        out[:, j] = np.bitwise_xor.reduce(np.where(bits, powers[j], 0), axis=1)
    return out


def _locate_ref(dec: Decoder, limbs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(count int16, degrees (N, t) int64 padded with -1) of limb words."""
    count = np.empty(limbs.shape[0], dtype=np.int16)
    degrees = np.full((limbs.shape[0], max(1, dec.t)), -1, dtype=np.int64)
    for lo in range(0, limbs.shape[0], _REF_BLOCK):
        hi = min(lo + _REF_BLOCK, limbs.shape[0])
        count[lo:hi], degrees[lo:hi] = _locate_block_ref(dec, limbs[lo:hi])
    return count, degrees


def _locate_block_ref(dec: Decoder, limbs: np.ndarray):
    exp, log = dec.field
    order, t, n = dec.order, dec.t, dec.n
    count = limbs.shape[0]
    deg = np.arange(n)
    held = deg[: 64 * limbs.shape[1]]  # a syndrome (r bits) holds only the low degrees
    bits = np.zeros((count, n), dtype=bool)
    bits[:, : held.size] = (limbs[:, held // 64] >> (held % 64).astype(np.uint64)) & np.uint64(1)
    S = _syndromes_ref(dec, bits)

    # Berlekamp-Massey over all 2t steps, one column of words per polynomial coefficient
    width = 2 * t + 2
    C = np.zeros((count, width), dtype=np.int64)
    B = np.zeros((count, width), dtype=np.int64)
    C[:, 0] = B[:, 0] = 1
    L = np.zeros(count, dtype=np.int64)
    shift = np.ones(count, dtype=np.int64)
    b = np.ones(count, dtype=np.int64)
    rows = np.arange(count)
    for step in range(2 * t):
        d = S[:, step + 1].copy()
        for i in range(1, step + 1):
            d ^= _gmul(exp, log, C[:, i], S[:, step + 1 - i])
        nz = d != 0
        coef = np.where(nz, exp[(log[d].astype(np.int64) - log[b].astype(np.int64)) % order], 0)
        shifted = np.zeros_like(B)
        for i in range(width):
            src = i - shift
            ok = (src >= 0) & nz
            shifted[ok, i] = B[rows[ok], src[ok]]
        update = _gmul(exp, log, coef[:, None], shifted)
        grow = nz & (2 * L <= step)
        new_C = C ^ update
        B = np.where(grow[:, None], C, B)
        L = np.where(grow, step + 1 - L, L)
        b = np.where(grow, d, b)
        shift = np.where(grow, 1, shift + 1)
        C = new_C

    degree = np.where(C != 0, np.arange(width), -1).max(axis=1)
    ok = (L <= t) & (degree == L)
    # Chien search: Lambda(alpha**-d) over every degree d < n
    inverse = exp[(-np.outer(np.arange(width), deg)) % order].astype(np.int64)  # (width, n)
    value = np.zeros((count, n), dtype=np.int64)
    for i in range(t + 1):
        value ^= _gmul(exp, log, C[:, i : i + 1], inverse[i][None, :])
    roots = (value == 0) & ok[:, None]
    ok &= roots.sum(axis=1) == L
    # the error pattern must reproduce every syndrome
    ok &= (_syndromes_ref(dec, roots & ok[:, None])[:, 1:] == S[:, 1:]).all(axis=1)
    zero = (S[:, 1:] == 0).all(axis=1)
    result = np.where(ok, L, -1)
    result[zero] = 0
    out = np.full((count, max(1, t)), -1, dtype=np.int64)
    for row in np.flatnonzero(ok & ~zero):
        found = np.flatnonzero(roots[row])
        out[row, : found.size] = found
    return result.astype(np.int16), out


def _flip_ref(dec: Decoder, msg_bits: np.ndarray, count: np.ndarray, degrees: np.ndarray):
    """Flip message bits (N, k) at the error degrees >= r of the words that decoded."""
    out = msg_bits.copy()
    for row in np.flatnonzero(count > 0):
        for d in degrees[row, : count[row]]:
            if d >= dec.r:
                out[row, dec.n - 1 - d] ^= 1
    return out
