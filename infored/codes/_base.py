"""The LinearCode base shared by every code family, and input validation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from typing import Any

import numpy as np

from .._kernels import table as _table
from ..errors import ArgumentError, ArgumentTypeError

__all__ = ["MAX_TABLE_REDUNDANCY", "LinearCode", "pack_bits", "unpack_bits"]

#: Complete (coset-leader table) decoding is offered up to this many parity bits:
#: 2**20 syndromes, a few MB of tables, built in well under a second.
MAX_TABLE_REDUNDANCY = 20

_DECODERS = ("complete", "bounded")


# ---------------------------------------------------------------- validation helpers


def _as_array(value: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ArgumentTypeError(f"Argument {name!r} must be array-like: {exc}") from None


def integer_argument(value: Any, name: str) -> int:
    """A Python int from an int or numpy integer (not a bool), or a clear error."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentError(f"Argument {name!r} must be an integer, got {value!r}")
    return int(value)


def _bits_in(value: Any, name: str, width: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate a (..., width) bit array; return it as contiguous (N, width) uint8 + lead shape.

    Values other than 0 and 1 in uint8 input are left to :func:`_table.pack`, which every
    caller calls next with the same name.
    """
    arr = _as_array(value, name)
    if arr.dtype != np.bool_ and not np.issubdtype(arr.dtype, np.integer):
        hint = " (real-valued input is decoded with decode_soft)" if arr.dtype.kind == "f" else ""
        raise ArgumentTypeError(
            f"Argument {name!r} must hold bits as an integer or bool array, "
            f"got dtype {arr.dtype}{hint}"
        )
    if arr.ndim == 0 or arr.shape[-1] != width:
        raise ArgumentError(
            f"Argument {name!r} must have shape (..., {width}) (bits of one word along the last "
            f"axis), got shape {arr.shape}"
        )
    # uint8 and bool reach the packing kernel as they are, which refuses values other than
    # 0 and 1 in its own pass; a conversion from another dtype could hide them: check first
    if arr.dtype not in (np.uint8, np.bool_) and arr.size:
        low, high = arr.min(), arr.max()
        if low < 0 or high > 1:
            raise ArgumentError(
                f"Argument {name!r} must hold only 0 and 1, got values from {low} to {high}"
            )
    lead = arr.shape[:-1]
    return np.ascontiguousarray(arr.reshape(-1, width), dtype=np.uint8), lead


def _packed_in(
    value: Any, name: str, nbits: int, *, decoding: bool = False
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate packed words of nbits bits; return (N,) or (N, W) canonical form + lead shape.

    ``decoding``: the words go to a decoder, which refuses words wider than n in its own pass
    over them; the check here is then only needed where a cast could hide the extra bits.
    """
    arr = _as_array(value, name)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ArgumentTypeError(
            f"Argument {name!r} must hold packed words as unsigned integers, got dtype {arr.dtype}"
        )
    if arr.size and np.issubdtype(arr.dtype, np.signedinteger) and arr.min() < 0:
        raise ArgumentError(f"Argument {name!r} must not hold negative packed words")
    dtype = _table.word_dtype(nbits)
    if dtype is not None:
        if not decoding or arr.dtype.itemsize > dtype.itemsize:
            _table.check_width(arr, nbits, name)
        lead = arr.shape
        return np.ascontiguousarray(arr.reshape(-1), dtype=dtype), lead
    limbs = _table.limb_count(nbits)
    if arr.ndim == 0 or arr.shape[-1] != limbs:
        raise ArgumentError(
            f"Argument {name!r} must have shape (..., {limbs}) ({nbits}-bit words as uint64 "
            f"limbs), got shape {arr.shape}"
        )
    if arr.dtype.itemsize > 8:
        raise ArgumentTypeError(f"Argument {name!r} must be uint64 limbs, got dtype {arr.dtype}")
    out = np.ascontiguousarray(arr.reshape(-1, limbs), dtype=np.uint64)
    top = nbits - 64 * (limbs - 1)
    if out.size and top < 64 and (out[:, -1] >> np.uint64(top)).any():
        raise ArgumentError(f"Argument {name!r} holds a word of more than {nbits} bits")
    return out, arr.shape[:-1]


def _packed_out(packed: np.ndarray, lead: tuple[int, ...]) -> np.ndarray:
    return packed.reshape(lead + packed.shape[1:])


def pack_bits(bits: Any) -> np.ndarray:
    """Pack bits into integers: position 0 becomes the most significant bit.

    Parameters
    ----------
    bits : array_like, shape (..., n)
        0/1 values, one word along the last axis.

    Returns
    -------
    numpy.ndarray
        For n <= 64, shape (...) of the smallest unsigned dtype holding n bits; above,
        shape (..., ceil(n / 64)) uint64 little-endian limbs of the same integer.

    Examples
    --------
    >>> int(pack_bits([1, 0, 1, 1]))
    11
    """
    arr = _as_array(bits, "bits")
    if arr.ndim == 0:
        raise ArgumentError("Argument 'bits' must have at least one axis")
    flat, lead = _bits_in(arr, "bits", arr.shape[-1])
    return _packed_out(_table.pack(flat, "bits"), lead)


def unpack_bits(packed: Any, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: packed words of ``n`` bits to a (..., n) uint8 array.

    Examples
    --------
    >>> unpack_bits(11, 4).tolist()
    [1, 0, 1, 1]
    """
    n = integer_argument(n, "n")
    if n < 1:
        raise ArgumentError(f"Argument 'n' must be a positive integer, got {n!r}")
    flat, lead = _packed_in(packed, "packed", n)
    return _table.unpack(flat, n).reshape((*lead, n))


# ---------------------------------------------------------------- the base class


class LinearCode(ABC):
    """A binary systematic linear code ``[I_k | P]`` decoded to its nearest codeword.

    Codewords are ``[message | parity]``: the message sits in the first ``k`` positions. Words
    come as bit arrays of shape ``(..., n)`` or, with ``packed=True``, as integers whose most
    significant bit is position 0 (see :func:`pack_bits`).

    Decoding is *complete* by default wherever a coset-leader table fits (``n - k <= 20``):
    every word goes to a nearest codeword, and ties go to the canonical error pattern — of all
    minimum-weight patterns in the word's coset, the one that is smallest as an n-bit integer,
    i.e. whose errors lie latest in the word. The result is the same on every backend and
    machine. ``decoder="bounded"`` corrects only up to ``t`` errors and reports the rest.

    Subclasses give the parity part ``P`` and the minimum distance.
    """

    def __init__(self, parity: np.ndarray, d: int, *, decoder: str | None = None) -> None:
        parity = np.ascontiguousarray(parity, dtype=np.uint8)
        self._tables = _table.Tables(parity)
        self._d = int(d)
        r = self.n - self.k
        if decoder is None:
            decoder = "complete" if r <= MAX_TABLE_REDUNDANCY else "bounded"
        if decoder not in _DECODERS:
            raise ArgumentError(f"Argument 'decoder' must be one of {_DECODERS}, got {decoder!r}")
        if decoder == "complete" and r > MAX_TABLE_REDUNDANCY:
            raise ArgumentError(
                f"complete decoding of the ({self.n}, {self.k}) {type(self).__name__} code needs a "
                f"2**{r}-entry coset table; it is offered "
                f"up to n - k = {MAX_TABLE_REDUNDANCY}: use decoder='bounded'"
            )
        self._decoder = decoder

    # -- parameters
    @property
    def n(self) -> int:
        """Word length."""
        return self._tables.n

    @property
    def k(self) -> int:
        """Message length."""
        return self._tables.k

    @property
    def d(self) -> int:
        """Minimum distance (the designed distance for BCH codes)."""
        return self._d

    @property
    def t(self) -> int:
        """Number of errors always corrected, ``(d - 1) // 2``."""
        return (self._d - 1) // 2

    @property
    def decoder(self) -> str:
        """``"complete"`` (nearest codeword, canonical ties) or ``"bounded"`` (up to t errors)."""
        return self._decoder

    @cached_property
    def generator_matrix(self) -> np.ndarray:
        """G = [I_k | P], shape (k, n), uint8."""
        return np.hstack([np.eye(self.k, dtype=np.uint8), self._tables.parity])

    @cached_property
    def parity_check_matrix(self) -> np.ndarray:
        """H = [P^T | I_(n-k)], shape (n - k, n), uint8; ``H @ c = 0`` for every codeword."""
        return self._tables.parity_check.copy()

    @cached_property
    def _leaders(self) -> _table.Leaders:
        width = min(self.n - self.k, 10)
        try:
            return self._tables.leaders(width)
        except RuntimeError:
            return self._tables.leaders(self.n - self.k)

    @property
    def _tmax(self) -> int:
        return 255 if self._decoder == "complete" else self.t

    # -- configuration
    @abstractmethod
    def get_config(self) -> dict[str, Any]:
        """JSON-safe description; ``infored.get_code(config)`` rebuilds the code."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "id")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearCode) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.get_config().items())))

    def __reduce__(self):
        from . import get_code

        return get_code, (self.get_config(),)

    # -- coding
    def _words_in(self, words: Any, packed: bool, *, decoding: bool = False):
        if packed:
            return _packed_in(words, "words", self.n, decoding=decoding)
        bits, lead = _bits_in(words, "words", self.n)
        return _table.pack(bits, "words"), lead

    def _out(self, packed_values: np.ndarray, nbits: int, lead, packed: bool) -> np.ndarray:
        if packed:
            return _packed_out(packed_values, lead)
        return _table.unpack(packed_values, nbits).reshape((*lead, nbits))

    def encode(self, messages: Any, *, packed: bool = False) -> np.ndarray:
        """Codewords ``[m | m P]`` of the messages.

        Parameters
        ----------
        messages : array_like
            Bits of shape (..., k), or packed k-bit integers with ``packed=True``.
        packed : bool
            Packed integers in and out.

        Returns
        -------
        numpy.ndarray
            Codewords, (..., n) bits or packed.
        """
        if packed:
            msgs, lead = _packed_in(messages, "messages", self.k)
        else:
            bits, lead = _bits_in(messages, "messages", self.k)
            msgs = _table.pack(bits, "messages")
        return self._out(_table.encode(self._tables, msgs), self.n, lead, packed)

    def syndrome(self, words: Any, *, packed: bool = False) -> np.ndarray:
        """Syndromes ``H w`` of the words, (..., n - k) bits or packed (n - k)-bit integers."""
        flat, lead = self._words_in(words, packed)
        return self._out(_table.syndrome(self._tables, flat), self.n - self.k, lead, packed)

    def _decode_packed(self, words: np.ndarray, want_errors: bool):
        return _table.decode(self._tables, self._leaders, self._tmax, words, want_errors)

    def _merge_packed(self, msgs: np.ndarray, syn: np.ndarray) -> np.ndarray:
        return _table.merge(self._tables, self._leaders, self._tmax, msgs, syn)

    def decode(self, words: Any, *, errors: bool = False, packed: bool = False):
        """Decode words to the messages of their nearest codewords.

        Parameters
        ----------
        words : array_like
            Bits of shape (..., n), or packed n-bit integers with ``packed=True``.
        errors : bool
            Also return the number of bits corrected in each word; -1 marks a word that
            bounded-distance decoding could not correct (its message bits are returned as
            received).
        packed : bool
            Packed integers in and out.

        Returns
        -------
        messages : numpy.ndarray
            (..., k) bits or packed k-bit integers.
        errors : numpy.ndarray of int16, shape (...)
            Only with ``errors=True``.

        Examples
        --------
        >>> from infored import Hamming
        >>> code = Hamming(3)
        >>> word = code.encode([1, 0, 1, 1]); word[5] ^= 1
        >>> code.decode(word).tolist()
        [1, 0, 1, 1]
        """
        flat, lead = self._words_in(words, packed, decoding=True)
        msgs, err = self._decode_packed(flat, errors)
        out = self._out(msgs, self.k, lead, packed)
        return (out, err.reshape(lead)) if errors else out

    def decode_soft(self, values: Any, *, metric: bool = False, packed: bool = False):
        """Decode real-valued vectors to the message of a best-correlated codeword.

        Bit b is sent as ``(-1)**b``: a positive value votes for bit 0, a negative one for
        bit 1, and the magnitude is the vote's reliability (a log-likelihood ratio, or any
        real feature). The chosen codeword c maximises the correlation
        ``sum_i values[i] * (-1)**c[i]``.

        Golay codes and codes with ``n - k <= 16`` (Hamming, extended Hamming, short BCH) are
        decoded exactly; other codes with a Chase decoder, which is approximate
        (``infored.codes._soft.soft_decoder(code)`` tells which). Each vector is first scaled
        by a power of two and rounded to integers of ``52 - ceil(log2 n)`` bits (about 47),
        so every comparison is exact and all backends agree bit for bit; +-1, integer and
        fixed-point inputs are decoded without any rounding.

        Ties: among codewords of equal best correlation, the one whose disagreement with the
        signs of the values (1 where a value is negative, zeros count as positive) is
        smallest as an n-bit integer, position 0 most significant. On +-1 inputs this is the
        error pattern of complete hard decoding and its tie rule, so ``decode_soft(1 - 2 *
        bits)`` equals ``decode(bits)`` for every word of a code decoded completely.

        Parameters
        ----------
        values : array_like of float32 or float64
            Shape (..., n); finite. Integer and bool arrays are refused: they are hard
            decisions, for :meth:`decode`.
        metric : bool
            Also return the correlation of each chosen codeword, float64 of shape (...),
            summed over the values as given.
        packed : bool
            Return packed k-bit integers (as :meth:`decode` with ``packed=True``) instead of
            bits.

        Returns
        -------
        messages : numpy.ndarray
            (..., k) uint8 bits, or packed integers.
        metric : numpy.ndarray of float64, shape (...)
            Only with ``metric=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from infored import Golay
        >>> code = Golay(extended=True)
        >>> x = 1.0 - 2.0 * code.encode([1, 0] * 6)
        >>> x[[0, 5, 9]] *= -0.2            # three unreliable wrong votes
        >>> code.decode_soft(x).tolist() == [1, 0] * 6
        True
        """
        from ._soft import decode_soft

        return decode_soft(self, values, metric=metric, packed=packed)

    def split(self, words: Any, *, packed: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Split words into (decoded messages, syndromes), a lossless pair.

        The messages are what :meth:`decode` returns (the information-reduced k-vectors);
        the syndromes carry what decoding dropped, and :meth:`merge` restores every word.
        """
        flat, lead = self._words_in(words, packed, decoding=True)
        msgs, _ = self._decode_packed(flat, False)
        syn = _table.syndrome(self._tables, flat)
        return self._out(msgs, self.k, lead, packed), self._out(syn, self.n - self.k, lead, packed)

    def merge(self, messages: Any, syndromes: Any, *, packed: bool = False) -> np.ndarray:
        """Inverse of :meth:`split`: the words with these decoded messages and syndromes."""
        r = self.n - self.k
        if packed:
            msgs, lead = _packed_in(messages, "messages", self.k)
            syn, slead = _packed_in(syndromes, "syndromes", r)
        else:
            mbits, lead = _bits_in(messages, "messages", self.k)
            sbits, slead = _bits_in(syndromes, "syndromes", r)
            msgs, syn = _table.pack(mbits, "messages"), _table.pack(sbits, "syndromes")
        if lead != slead:
            raise ArgumentError(
                f"Arguments 'messages' and 'syndromes' must describe the same words, got "
                f"{lead} and {slead} words"
            )
        return self._out(self._merge_packed(msgs, syn), self.n, lead, packed)
