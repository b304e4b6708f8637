"""The boundary between Python and the compiled kernels.

This package is the only place that imports ``infored._ext``. Its functions make inputs
contiguous with the right dtype, allocate outputs, split large batches over threads (the
kernels release the GIL) and pick the backend. Every kernel has a pure-NumPy twin here: it
is the test oracle and documents what the kernel computes.

Environment variables
---------------------
INFORED_BACKEND
    ``compiled`` (default) or ``reference`` (the pure-NumPy twins; slow, for testing).
INFORED_NUM_THREADS
    Threads used for large batches; default: the cores this process may run on.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

from ..errors import ArgumentError

__all__ = ["backend", "num_threads", "run_chunked"]

_BACKENDS = ("compiled", "reference")
T = TypeVar("T")

#: Batches smaller than this run on the calling thread.
MIN_PARALLEL_WORDS = 1 << 16


def backend() -> str:
    """The backend selected by ``INFORED_BACKEND`` (read on every call, so tests can switch)."""
    name = os.environ.get("INFORED_BACKEND", "compiled").strip().lower() or "compiled"
    if name not in _BACKENDS:
        raise ArgumentError(f"INFORED_BACKEND must be one of {_BACKENDS}, got {name!r}")
    return name


def num_threads() -> int:
    """Threads for large batches: ``INFORED_NUM_THREADS`` or the usable cores."""
    value = os.environ.get("INFORED_NUM_THREADS", "").strip()
    if value:
        try:
            count = int(value)
        except ValueError:
            count = 0
        if count < 1:
            raise ArgumentError(f"INFORED_NUM_THREADS must be a positive integer, got {value!r}")
        return count
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return os.cpu_count() or 1


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infored")


def run_chunked(call: Callable[[int, int], T], count: int) -> list[T]:
    """Run ``call(lo, hi)`` over ``range(count)``, in contiguous chunks on several threads.

    ``call`` must only write rows ``lo:hi`` of its outputs and release the GIL while it works.
    Returns what each chunk's call returned, in order.
    """
    workers = min(num_threads(), max(1, count // MIN_PARALLEL_WORDS))
    if workers <= 1:
        return [call(0, count)]
    bounds = [count * i // workers for i in range(workers + 1)]
    futures = [_pool(workers).submit(call, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    return [future.result() for future in futures]
