"""Soft-decision decoding: which decoder serves a code, input checks, output shapes.

:meth:`LinearCode.decode_soft` lands here. Every code gets one decoder, chosen once and
cached:

- the Golay codes (any (24, 12, 8) code, and any (23, 12, 7) code through its extension):
  exact maximum likelihood over the 128 cosets of a sextet subcode;
- any other code with ``n - k <= MAX_TRELLIS_REDUNDANCY`` (Hamming, extended Hamming, BCH
  with few parity bits): exact maximum likelihood on the 2**(n-k)-state syndrome trellis;
- everything else: a Chase decoder, approximate (see :class:`ChaseDecoder`).

All three follow the grid and tie rule of :mod:`infored._kernels.soft`.
"""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

import numpy as np

from .._kernels import soft as _ksoft
from .._kernels import table as _table
from ..errors import ArgumentError, ArgumentTypeError

if TYPE_CHECKING:
    from ._base import LinearCode

__all__ = [
    "DEFAULT_CHASE_FLIPS",
    "MAX_TRELLIS_REDUNDANCY",
    "MAX_TRELLIS_WORK",
    "ChaseDecoder",
    "GolayDecoder",
    "SoftDecoder",
    "TrellisDecoder",
    "decode_soft",
    "soft_decoder",
]

#: Exact trellis decoding is offered up to this many parity bits (2**16 states) ...
MAX_TRELLIS_REDUNDANCY = 16
#: ... as long as k * 2**(n-k), the work per vector and the bits of traceback memory per
#: thread, stays below this (128 MB of decisions; every Hamming code fits).
MAX_TRELLIS_WORK = 1 << 30
#: Least reliable positions a Chase decoder flips by default (2**6 = 64 hard decodes per vector).
DEFAULT_CHASE_FLIPS = 6


class SoftDecoder(ABC):
    """A soft-decision decoder bound to one code.

    Attributes
    ----------
    exact : bool
        True when the decoder returns a codeword of maximal correlation (on the grid).
    name : str
        Short description, e.g. ``"trellis (16 states)"``.
    """

    exact: bool
    name: str

    @abstractmethod
    def decode(self, values: np.ndarray, want_metric: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """(N, n) C-contiguous float32/float64 values to (N, W) uint64 message limbs and, if
        asked, the (N,) correlations."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class GolayDecoder(SoftDecoder):
    """Exact ML for a (24, 12, 8) or (23, 12, 7) code through its sextet coset structure."""

    exact = True

    def __init__(self, tables: _ksoft.GolayTables) -> None:
        self._tables = tables
        self.name = "golay sextet (128 cosets)"

    def decode(self, values, want_metric):
        msgs, metric = _ksoft.decode_golay(self._tables, values, want_metric)
        return msgs.reshape(-1, 1), metric


class TrellisDecoder(SoftDecoder):
    """Exact ML on the 2**(n-k)-state syndrome trellis of ``[I_k | P]``."""

    exact = True

    def __init__(self, parity: np.ndarray) -> None:
        self._tables = _ksoft.trellis_tables(parity)
        self.name = f"trellis ({1 << self._tables.r} states)"

    def decode(self, values, want_metric):
        return _ksoft.decode_trellis(self._tables, values, want_metric)


class ChaseDecoder(SoftDecoder):
    """Chase's decoder: hard-decode the sign word with every pattern of flips on its ``flips``
    least reliable positions, keep the candidate codeword of best correlation.

    D. Chase, "A class of algorithms for decoding block codes with channel measurement
    information", IEEE Trans. IT 18, 1972 (his algorithm 2, with ``flips`` positions instead
    of d/2). Each test word goes through the code's own ``decode(..., packed=True)``; a word
    the hard decoder cannot correct still offers the codeword of its received message bits,
    so the sign word's own message is always a candidate. Ties between candidates follow
    the package rule, so the result is canonical for the candidate set; it is *approximate*:
    the best codeword may lie outside the set (``bench/bench_soft.py`` prints how often on
    codes where exact decoding is feasible).

    Parameters
    ----------
    code : LinearCode
        Any code; its hard decoder is used as it is configured.
    flips : int
        Least reliable positions to flip, 0 to 12 (2**flips hard decodes per vector).
    """

    exact = False

    def __init__(self, code: LinearCode, flips: int = DEFAULT_CHASE_FLIPS) -> None:
        if (
            isinstance(flips, bool)
            or not isinstance(flips, (int, np.integer))
            or not (0 <= flips <= 12)
        ):
            raise ArgumentError(f"Argument 'flips' must be an integer from 0 to 12, got {flips!r}")
        self._code = code
        self.flips = min(int(flips), code.n)
        self.name = f"chase ({1 << self.flips} test words)"

    def decode(self, values, want_metric):
        code, n, k = self._code, self._code.n, self._code.k
        count, tests = values.shape[0], 1 << self.flips
        out = np.empty((count, _table.limb_count(k)), dtype=np.uint64)
        metric = np.empty(count) if want_metric else None
        block = max(1, (1 << 16) // tests)
        for lo in range(0, count, block):
            hi = min(count, lo + block)
            part = values[lo:hi]
            words = _ksoft.chase_tests(part, self.flips)  # (B, T, W) limbs
            flat = words.reshape(-1, words.shape[2])
            msgs = code.decode(flat[:, 0] if n <= 64 else flat, packed=True)
            cws = code.encode(msgs, packed=True)
            shape = (hi - lo, tests, -1)
            cw_limbs = np.ascontiguousarray(cws, dtype=np.uint64).reshape(shape)
            msg_limbs = np.ascontiguousarray(msgs, dtype=np.uint64).reshape(shape)
            out[lo:hi], m = _ksoft.chase_pick(part, cw_limbs, msg_limbs, want_metric)
            if metric is not None:
                metric[lo:hi] = m
        return out, metric


_DECODERS: weakref.WeakKeyDictionary[LinearCode, SoftDecoder] = weakref.WeakKeyDictionary()


def soft_decoder(code: LinearCode) -> SoftDecoder:
    """The soft decoder that :meth:`LinearCode.decode_soft` uses for ``code`` (built once).

    Examples
    --------
    >>> from infored import Golay, Hamming, BCH
    >>> soft_decoder(Golay()).name, soft_decoder(Hamming(4)).exact
    ('golay sextet (128 cosets)', True)
    >>> soft_decoder(BCH(63, 39)).exact
    False
    """
    try:
        return _DECODERS[code]
    except KeyError:
        pass
    n, k = code.n, code.k
    r = n - k
    decoder: SoftDecoder | None = None
    if k == 12 and n in (23, 24):
        tables = _ksoft.golay_tables(code.generator_matrix)
        if tables is not None:
            decoder = GolayDecoder(tables)
    if decoder is None and r <= MAX_TRELLIS_REDUNDANCY and k << r <= MAX_TRELLIS_WORK:
        decoder = TrellisDecoder(code.generator_matrix[:, k:])
    if decoder is None:  # a proxy: the cached decoder must not keep its code alive
        decoder = ChaseDecoder(weakref.proxy(code))
    _DECODERS[code] = decoder
    return decoder


def _values_in(values: Any, n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate real values of shape (..., n); return C-contiguous (N, n) float32/64 + lead."""
    try:
        arr = np.asarray(values)
    except Exception as exc:  # ragged lists and the like
        raise ArgumentTypeError(f"Argument 'values' must be array-like: {exc}") from None
    kind = arr.dtype.kind
    if kind in "biu":
        raise ArgumentTypeError(
            f"Argument 'values' must be real-valued (float32 or float64), got dtype {arr.dtype}: "
            "integer and bool arrays are hard decisions; decode bits with decode(), or pass "
            "floats where a positive value votes for bit 0 and a negative one for bit 1"
        )
    if kind != "f":
        raise ArgumentTypeError(
            f"Argument 'values' must be real-valued (float32 or float64), got dtype {arr.dtype}"
        )
    if arr.ndim == 0 or arr.shape[-1] != n:
        raise ArgumentError(
            f"Argument 'values' must have shape (..., {n}) (one word of {n} values along the "
            f"last axis), got shape {arr.shape}"
        )
    dtype = (
        arr.dtype
        if arr.dtype in (np.float32, np.float64)
        else np.dtype(np.float32 if arr.dtype.itemsize < 4 else np.float64)
    )
    return np.ascontiguousarray(arr.reshape(-1, n), dtype=dtype), arr.shape[:-1]


def _nonfinite_message(values: np.ndarray, lead: tuple[int, ...]) -> str:
    bad = np.argwhere(~np.isfinite(values))[0]
    where = np.unravel_index(int(bad[0]), lead) if lead else ()
    index = (*(int(i) for i in where), int(bad[1]))
    return (
        f"Argument 'values' must hold only finite numbers, got {values[tuple(bad)]} at index "
        f"{index}"
    )


def decode_soft(code: LinearCode, values: Any, *, metric: bool = False, packed: bool = False):
    """The implementation of :meth:`LinearCode.decode_soft` (see there)."""
    flat, lead = _values_in(values, code.n)
    decoder = soft_decoder(code)
    try:
        limbs, corr = decoder.decode(flat, bool(metric))
    except _ksoft.NonFiniteValues:
        raise ArgumentError(_nonfinite_message(flat, lead)) from None
    k = code.k
    msgs = limbs[:, 0].astype(_table.word_dtype(k)) if k <= 64 else limbs
    if packed:
        out = msgs.reshape(lead + msgs.shape[1:])
    else:
        out = _table.unpack(msgs, k).reshape((*lead, k))
    if metric:
        return out, corr.reshape(lead)
    return out
