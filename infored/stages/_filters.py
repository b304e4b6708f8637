"""Time-domain filters on series: Butterworth filters, moving average, differencing."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ._base import Stage, _as_array, _exact_int64, _float_param, _floats, _int_param, _integers

__all__ = ["Difference", "Filter", "MovingAverage"]

_KINDS = ("lowpass", "highpass", "bandpass", "bandstop")


class Filter(Stage):
    """Butterworth filter along the time axis of a series, in second-order sections.

    With ``zero_phase=True`` (the default) the filter runs forwards and backwards
    (:func:`scipy.signal.sosfiltfilt`): no delay, squared magnitude response, and the series
    must be longer than the edge padding scipy uses (``3 * (2 * sections + 1)`` samples,
    fewer for odd orders). With ``zero_phase=False`` it is causal
    (:func:`scipy.signal.sosfilt`, starting from rest). A filter discards the stopband, so
    it is not invertible.

    Parameters
    ----------
    kind : {"lowpass", "highpass", "bandpass", "bandstop"}
    cutoff : float or (float, float)
        Cut-off frequency, or the (low, high) band edges for band filters, in the units of
        ``fs``; strictly between 0 and the Nyquist frequency ``fs / 2``.
    order : int
        Butterworth order, 1 to 20 (band filters have twice as many poles).
    zero_phase : bool
        Forward-backward filtering.
    fs : float
        Sampling frequency; with the default 1.0 frequencies are in cycles per sample.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(400)
    >>> slow, fast = np.sin(2 * np.pi * t / 100), np.sin(2 * np.pi * t / 4)
    >>> smooth = Filter("lowpass", 0.05).forward(slow + fast)
    >>> bool(np.abs(smooth - slow)[50:-50].max() < 0.01)
    True
    """

    id = "filter"
    invertible = False

    def __init__(self, kind: str = "lowpass", cutoff: float | tuple[float, float] = 0.25,
                 order: int = 4, zero_phase: bool = True, fs: float = 1.0) -> None:
        super().__init__()
        if kind not in _KINDS:
            raise ArgumentError(f"Filter: argument 'kind' must be one of {_KINDS}, got {kind!r}")
        self.kind = kind
        self.fs = _float_param("Filter", "fs", fs)
        self.order = _int_param("Filter", "order", order, 1, 20)
        self.zero_phase = bool(zero_phase)
        nyquist = self.fs / 2
        band = kind in ("bandpass", "bandstop")
        if band:
            if not isinstance(cutoff, (list, tuple, np.ndarray)) or len(cutoff) != 2:
                raise ArgumentError(
                    f"Filter: a {kind} filter needs cutoff=(low, high), got {cutoff!r}"
                )
            edges = [_float_param("Filter", "cutoff", c) for c in cutoff]
            if not edges[0] < edges[1]:
                raise ArgumentError(
                    f"Filter: argument 'cutoff' must be (low, high) with low < high, got {edges}"
                )
        else:
            if isinstance(cutoff, (list, tuple, np.ndarray)):
                raise ArgumentError(
                    f"Filter: a {kind} filter needs one cutoff frequency, got {cutoff!r}"
                )
            edges = [_float_param("Filter", "cutoff", cutoff)]
        if max(edges) >= nyquist:
            raise ArgumentError(
                f"Filter: argument 'cutoff' must be below the Nyquist frequency fs/2 = "
                f"{nyquist}, got {edges if band else edges[0]}"
            )
        self.cutoff: float | list[float] = edges if band else edges[0]
        from scipy.signal import butter

        self._sos = butter(self.order, self.cutoff, btype=kind, fs=self.fs, output="sos")

    def _params(self) -> dict[str, Any]:
        return {"kind": self.kind, "cutoff": self.cutoff, "order": self.order,
                "zero_phase": self.zero_phase, "fs": self.fs}

    def _why_not_invertible(self) -> str:
        return f"the {self.kind} filter removes frequency content"

    @property
    def sos(self) -> np.ndarray:
        """The second-order sections, as :func:`scipy.signal.butter` returns them."""
        return self._sos.copy()

    def forward(self, x: Any) -> np.ndarray:
        x = _floats("Filter", x)
        from scipy.signal import sosfilt, sosfiltfilt

        if not self.zero_phase:
            return sosfilt(self._sos, x, axis=0)
        try:
            return sosfiltfilt(self._sos, x, axis=0)
        except ValueError as exc:
            raise ArgumentError(
                f"Filter: the series of {x.shape[0]} samples is too short for zero-phase "
                f"filtering of order {self.order} ({exc}); use a longer series, a lower order "
                "or zero_phase=False"
            ) from None


class MovingAverage(Stage):
    """Centred moving average of ``width`` samples along the time axis of a series.

    Computed by :func:`scipy.ndimage.uniform_filter1d`; at the ends the series is extended
    by repeating its first and last samples. For an even width the window covers
    ``width // 2`` samples before and ``width // 2 - 1`` after each sample. Averaging
    discards detail, so it is not invertible.

    Parameters
    ----------
    width : int
        Samples averaged, >= 1 (1 is the identity).

    Examples
    --------
    >>> MovingAverage(3).forward([0.0, 3.0, 6.0, 9.0])
    array([1., 3., 6., 8.])
    """

    id = "moving_average"
    invertible = False

    def __init__(self, width: int = 3) -> None:
        super().__init__()
        self.width = _int_param("MovingAverage", "width", width)

    def _params(self) -> dict[str, Any]:
        return {"width": self.width}

    def _why_not_invertible(self) -> str:
        return "averaging discards detail"

    def forward(self, x: Any) -> np.ndarray:
        x = _floats("MovingAverage", x)
        from scipy.ndimage import uniform_filter1d

        return uniform_filter1d(x, self.width, axis=0, mode="nearest")


class Difference(Stage):
    """Differences of order ``order`` along the time axis, keeping the first values as-is.

    ``y[:order] = x[:order]`` and ``y[t] = (Δ^order x)[t]`` after, so ``y`` has the length of
    ``x`` and the inverse rebuilds ``x`` by repeated cumulative sums from the kept values.

    Integer input stays int64 and the round trip is bit-exact; an int64 overflow, forward or
    back, raises :class:`~infored.errors.ArgumentError` instead of wrapping. Float input is
    differenced in float64 and rebuilt up to float rounding (the rounding of the cumulative
    sums accumulates along the series), hence ``exact`` is False.

    Parameters
    ----------
    order : int
        Number of times to difference, 1 to 8.

    Examples
    --------
    >>> import numpy as np
    >>> d = Difference(2)
    >>> d.forward(np.array([1, 4, 9, 16, 25]))
    array([1, 4, 2, 2, 2])
    >>> d.inverse(d.forward(np.array([1, 4, 9, 16, 25])))
    array([ 1,  4,  9, 16, 25])
    """

    id = "difference"

    def __init__(self, order: int = 1) -> None:
        super().__init__()
        self.order = _int_param("Difference", "order", order, 1, 8)

    def _params(self) -> dict[str, Any]:
        return {"order": self.order}

    def _input(self, x: Any, name: str) -> np.ndarray:
        arr = _as_array("Difference", x, name)
        if arr.dtype.kind in "iu":
            return _integers("Difference", arr, name, ((1, 2), "a series of shape (T,) or (T, C)"))
        if arr.dtype.kind in "bf":
            return _floats("Difference", arr, name)
        raise ArgumentTypeError(
            f"Difference: argument {name!r} must hold integers or real numbers, "
            f"got dtype {arr.dtype}"
        )

    def _diff(self, x: np.ndarray) -> np.ndarray:
        k = min(self.order, x.shape[0])
        return np.concatenate([x[:k], np.diff(x, n=self.order, axis=0)])

    def _cumulate(self, y: np.ndarray) -> np.ndarray:
        k = min(self.order, y.shape[0])
        head = y[:k]
        if k < self.order:
            return head.copy()
        # first element of each intermediate difference series Δ^j x, j = order-1 .. 0
        firsts = [np.diff(head, n=j, axis=0)[:1] for j in range(self.order)]
        level = y[self.order :]
        for j in range(self.order - 1, -1, -1):
            level = np.cumsum(np.concatenate([firsts[j], level]), axis=0)
        return level

    def forward(self, x: Any) -> np.ndarray:
        x = self._input(x, "x")
        if x.dtype == np.int64:
            bound = float(np.abs(x.astype(np.float64)).max()) * 2.0**self.order
            return _exact_int64("Difference", self._diff, x, bound)
        return self._diff(x)

    def _inverse(self, y: Any) -> np.ndarray:
        y = self._input(y, "y")
        if y.dtype == np.int64:
            # each cumulative sum adds at most T times the previous level's bound
            total = float(np.abs(y.astype(np.float64)).sum(axis=0).max())
            bound = 2.0 * total * (2.0**self.order + 1) * float(y.shape[0]) ** (self.order - 1)
            return _exact_int64("Difference", self._cumulate, y, bound)
        return self._cumulate(y)
