"""Helpers shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from infored._kernels import table as _table


def best_of(repeat: int, call: Callable[[], object]) -> float:
    """Shortest wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def random_words(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    """Uniformly random packed n-bit words, in the form the codes take."""
    dtype = _table.word_dtype(n)
    if dtype is not None:
        return rng.integers(0, 1 << n, size=count, dtype=np.uint64).astype(dtype)
    limbs = _table.limb_count(n)
    words = rng.integers(0, 2**64, size=(count, limbs), dtype=np.uint64)
    top = n - 64 * (limbs - 1)
    if top < 64:
        words[:, -1] &= np.uint64((1 << top) - 1)
    return words
