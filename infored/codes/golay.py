"""The binary Golay codes."""

from __future__ import annotations

from typing import Any

from ._base import LinearCode
from ._cyclic import cyclic_parity, extend_parity

__all__ = ["Golay"]

#: x^11 + x^9 + x^7 + x^6 + x^5 + x + 1
GOLAY_GENERATOR = 0xAE3


class Golay(LinearCode):
    """The binary Golay code (23, 12, 7), perfect, or the extended (24, 12, 8) code.

    Every 23-bit word lies within distance 3 of exactly one codeword. The extended code adds
    an overall parity bit; 1771 of its 4096 cosets have six tied weight-4 leaders, broken
    canonically (see :class:`LinearCode`).

    Parameters
    ----------
    extended : bool
        The (24, 12, 8) code.
    decoder : {"complete", "bounded"}, optional
        Complete by default.

    Examples
    --------
    >>> code = Golay()
    >>> word = code.encode([1] * 12); word[[0, 5, 20]] ^= 1
    >>> code.decode(word).tolist() == [1] * 12
    True
    """

    def __init__(self, *, extended: bool = False, decoder: str | None = None) -> None:
        self._extended = bool(extended)
        parity = cyclic_parity(GOLAY_GENERATOR, 23)
        if extended:
            parity = extend_parity(parity)
        super().__init__(parity, 8 if extended else 7, decoder=decoder)

    def get_config(self) -> dict[str, Any]:
        return {"id": "golay", "extended": self._extended, "decoder": self.decoder}
