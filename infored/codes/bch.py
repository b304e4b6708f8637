"""Binary primitive narrow-sense BCH codes and their shortened forms."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any

import numpy as np

from .._kernels import bch as _bch
from ..errors import ArgumentError
from ._base import MAX_TABLE_REDUNDANCY, LinearCode, integer_argument
from ._cyclic import PRIMITIVE_POLYNOMIALS, bch_generators, cyclic_parity

__all__ = ["BCH"]

_MIN_M = 3


@cache
def _generators(m: int) -> dict[int, int]:
    return bch_generators(m)


class BCH(LinearCode):
    """Binary primitive narrow-sense BCH code over GF(2^m), or a shortened one.

    The code is galois' ``galois.BCH(n, k)`` bit for bit (same primitive polynomial, same
    systematic layout ``[message | parity]``). A length below 2^m - 1 shortens the code of
    the smallest m that holds it: BCH(60, 48) is BCH(63, 51) with its first three message
    bits fixed to zero and removed.

    Parameters
    ----------
    n, k : int
        Word and message lengths; n - k must be the degree of a BCH generator polynomial.
    decoder : {"complete", "bounded"}, optional
        ``"complete"`` (nearest codeword, canonical ties) needs n - k <= 20 and is the default
        there, where ``"bounded"`` uses the same coset table up to t errors. Above, the
        default and only choice is ``"bounded"``, decoded algebraically: binary
        Berlekamp-Massey, closed-form roots of the error locator up to degree 4, a splitting
        test and a Chien search above. Every success is verified (as many distinct roots as
        the locator's degree, all inside the shortened length, the error pattern reproducing
        the syndromes), so a word reported as decoded is always within t of the codeword it
        decodes to; the others report -1 and keep their received message bits.

    Examples
    --------
    >>> code = BCH(63, 51)
    >>> code.t, code.m, code.decoder
    (2, 6, 'complete')
    >>> big = BCH(255, 223)
    >>> word = big.encode(np.ones(223, dtype=np.uint8)); word[[3, 70, 140, 250]] ^= 1
    >>> messages, errors = big.decode(word, errors=True)
    >>> int(messages.sum()), int(errors)
    (223, 4)
    """

    def __init__(self, n: int, k: int, *, decoder: str | None = None) -> None:
        n, k = integer_argument(n, "n"), integer_argument(k, "k")
        m = max(_MIN_M, int(n).bit_length())
        if m not in PRIMITIVE_POLYNOMIALS or n < 2:
            raise ArgumentError(
                f"Argument 'n' must be a length from 2 to {2 ** max(PRIMITIVE_POLYNOMIALS) - 1}, "
                f"got {n}"
            )
        if not 1 <= k < n:
            raise ArgumentError(f"Argument 'k' must satisfy 1 <= k < n = {n}, got {k}")
        redundancy = {g.bit_length() - 1: (t, g) for t, g in _generators(m).items()}
        if n - k not in redundancy or redundancy[n - k][1].bit_length() - 1 >= n:
            valid = sorted(n - r for r in redundancy if n - r >= 1)
            if len(valid) > 12:  # name the nearest few, not hundreds
                valid = sorted(sorted(valid, key=lambda v: abs(v - k))[:12])
                choices = f"the nearest valid k are {valid}"
            else:
                choices = f"k must be one of {valid}"
            raise ArgumentError(
                f"there is no BCH code with n={n}, k={k} over GF(2^{m}); {choices}"
            )
        if decoder == "complete" and n - k > MAX_TABLE_REDUNDANCY:
            raise ArgumentError(
                f"Argument 'decoder': complete decoding of BCH({n}, {k}) needs a 2**{n - k}-entry "
                f"coset table and is offered up to n - k = {MAX_TABLE_REDUNDANCY}; got "
                f"{decoder!r}, use decoder='bounded' (the algebraic bounded-distance decoder)"
            )
        t, generator = redundancy[n - k]
        self._m = m
        self._generator = generator
        self._bch_t = t
        super().__init__(cyclic_parity(generator, n), 2 * t + 1, decoder=decoder)

    @property
    def m(self) -> int:
        """Degree of the field extension GF(2^m)."""
        return self._m

    @property
    def generator_poly(self) -> int:
        """Generator polynomial as an integer (bit i = coefficient of x^i)."""
        return self._generator

    @property
    def _algebraic(self) -> bool:
        return self.n - self.k > MAX_TABLE_REDUNDANCY

    @cached_property
    def _bounded(self) -> _bch.Decoder:
        """The algebraic bounded-distance decoder (its tables are built on first use)."""
        return _bch.Decoder(m=self._m, n=self.n, k=self.k, t=self._bch_t)

    def _decode_packed(self, words: np.ndarray, want_errors: bool):
        if self._algebraic:
            return _bch.decode(self._bounded, words, want_errors)
        return super()._decode_packed(words, want_errors)

    def _merge_packed(self, msgs: np.ndarray, syn: np.ndarray) -> np.ndarray:
        if self._algebraic:
            return _bch.merge(self._tables, self._bounded, msgs, syn)
        return super()._merge_packed(msgs, syn)

    def get_config(self) -> dict[str, Any]:
        return {"id": "bch", "n": self.n, "k": self.k, "decoder": self.decoder}
