"""Shared fixtures and hypothesis profiles of the test suite.

Hypothesis profiles: ``default`` (quick, for development) and ``ci`` (more examples,
derandomised so a CI run is reproducible); pick one with ``HYPOTHESIS_PROFILE=ci``.

The ``backend`` fixture runs a test under both kernel backends (``compiled`` and the
pure-NumPy ``reference`` twins) by setting ``INFORED_BACKEND``.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

DATA = Path(__file__).resolve().parent / "data"

# Hypothesis imports libcst when it reports a failing example; where that import emits a
# DeprecationWarning, ``filterwarnings = error`` turns it into an INTERNALERROR that hides
# the example. Import it once here with that warning silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401

settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# ---------------------------------------------------------------- backends

BACKENDS = ("compiled", "reference")


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch) -> str:
    """Run the test once per kernel backend (``INFORED_BACKEND``)."""
    monkeypatch.setenv("INFORED_BACKEND", request.param)
    return request.param


@pytest.fixture
def threads(monkeypatch):
    """Set ``INFORED_NUM_THREADS`` for the rest of the test: ``threads(2)``."""

    def set_threads(count: int) -> None:
        monkeypatch.setenv("INFORED_NUM_THREADS", str(count))

    return set_threads


# ---------------------------------------------------------------- codes

@cache
def code(name: str, decoder: str | None = None):
    """A code by short name, built once per test run (its tables are built lazily and kept)."""
    import infored

    config = dict(infored.get_code(name).get_config())
    if decoder is not None:
        config["decoder"] = decoder
    return infored.get_code(config)


def fresh_code(name: str, decoder: str | None = None):
    """A new code object, built by its class rather than the registry (which caches one
    instance per config): its lazily built tables will be built under the current backend."""
    import infored
    from infored.codes import CODES

    config = dict(infored.get_code(name).get_config())
    if decoder is not None:
        config["decoder"] = decoder
    family = config.pop("id")
    return CODES[family](**config)


# ---------------------------------------------------------------- oracle vectors

@cache
def vectors() -> dict:
    """The galois oracle vectors written by ``tools/make_vectors.py``."""
    return json.loads((DATA / "bch_vectors.json").read_text())


def hex_bits(value: str, width: int) -> np.ndarray:
    """A hex integer from the vector file to ``width`` bits, most significant first.

    Deliberately independent of ``infored.unpack_bits``.
    """
    number = int(value, 16)
    assert number >> width == 0, (value, width)
    return np.array([(number >> (width - 1 - i)) & 1 for i in range(width)], dtype=np.uint8)


def int_to_packed(values: list[int], width: int) -> np.ndarray:
    """Python integers to the packed form of ``width``-bit words, independent of infored.

    Up to 64 bits: the smallest unsigned dtype; above: little-endian uint64 limbs.
    """
    if width <= 64:
        dtype = next(d for d, b in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32),
                                    (np.uint64, 64)) if width <= b)
        return np.array(values, dtype=dtype)
    limbs = -(-width // 64)
    mask = (1 << 64) - 1
    return np.array([[(v >> (64 * j)) & mask for j in range(limbs)] for v in values],
                    dtype=np.uint64).reshape(-1, limbs)


def random_packed(rng: np.random.Generator, count: int, width: int) -> np.ndarray:
    """Uniformly random ``width``-bit words in the packed form of :func:`int_to_packed`."""
    if width <= 64:
        dtype = next(d for d, b in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32),
                                    (np.uint64, 64)) if width <= b)
        return rng.integers(0, 2**width, size=count, dtype=np.uint64).astype(dtype)
    limbs = -(-width // 64)
    out = rng.integers(0, 2**64, size=(count, limbs), dtype=np.uint64)
    top = width - 64 * (limbs - 1)
    if top < 64:
        out[:, -1] &= np.uint64((1 << top) - 1)
    return out


def packed_to_int(packed: np.ndarray, width: int) -> list[int]:
    """Inverse of :func:`int_to_packed`."""
    if width <= 64:
        return [int(v) for v in np.asarray(packed).reshape(-1)]
    rows = np.asarray(packed).reshape(-1, -(-width // 64))
    return [sum(int(x) << (64 * j) for j, x in enumerate(row)) for row in rows]
