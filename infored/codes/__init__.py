"""Error-correcting codes: one class per family on a shared LinearCode base."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ..errors import ArgumentError
from ._base import LinearCode, pack_bits, unpack_bits
from .bch import BCH
from .golay import Golay
from .hamming import Hamming

__all__ = ["BCH", "CODES", "Golay", "Hamming", "LinearCode", "get_code", "pack_bits", "unpack_bits"]

#: Code families by config id.
CODES: dict[str, type[LinearCode]] = {"hamming": Hamming, "golay": Golay, "bch": BCH}


def get_code(config: dict[str, Any] | str) -> LinearCode:
    """Build a code from its config (``code.get_config()``) or a short name.

    Short names: ``"golay"``, ``"golay24"``, ``"hamming<r>"`` / ``"ehamming<r>"`` (extended),
    ``"bch<n>,<k>"``.

    Examples
    --------
    >>> get_code({"id": "golay", "extended": True}).n
    24
    >>> get_code("bch63,51").k
    51
    """
    if isinstance(config, str):
        config = _parse_name(config)
    if not isinstance(config, dict) or "id" not in config:
        raise ArgumentError(f"a code config must be a dict with an 'id' key, got {config!r}")
    try:
        key = json.dumps(config, sort_keys=True)
    except (TypeError, ValueError):
        raise ArgumentError(f"a code config must be JSON-safe, got {config!r}") from None
    return _build(key)


@lru_cache(maxsize=64)
def _build(key: str) -> LinearCode:
    """Codes are immutable and their tables costly: one instance per config."""
    params = json.loads(key)
    family = params.pop("id")
    if family not in CODES:
        raise ArgumentError(f"unknown code id {family!r}; known: {sorted(CODES)}")
    try:
        return CODES[family](**params)
    except TypeError as exc:
        raise ArgumentError(f"bad parameters for code {family!r}: {exc}") from None


def _parse_name(name: str) -> dict[str, Any]:
    text = name.strip().lower().replace(" ", "")
    try:
        if text in ("golay", "golay23"):
            return {"id": "golay"}
        if text == "golay24":
            return {"id": "golay", "extended": True}
        if text.startswith("ehamming"):
            return {"id": "hamming", "r": int(text[8:]), "extended": True}
        if text.startswith("hamming"):
            return {"id": "hamming", "r": int(text[7:])}
        if text.startswith("bch"):
            n, k = text[3:].strip("()").split(",")
            return {"id": "bch", "n": int(n), "k": int(k)}
    except ValueError:
        pass
    raise ArgumentError(
        f"unknown code name {name!r}; use golay, golay24, hamming<r>, ehamming<r> or bch<n>,<k>"
    )
