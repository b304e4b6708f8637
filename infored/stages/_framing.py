"""Framing a series into (overlapping) frames, and analysis windows on frames."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ._base import _FRAMES, Stage, _floats, _int_param

__all__ = ["Frame", "Window"]


class Frame(Stage):
    """Cut a series into frames of ``length`` samples starting every ``hop`` samples.

    A series ``(T,)`` becomes frames ``(F, length)``; ``(T, C)`` becomes ``(F, length, C)``,
    with ``F = 1 + ceil(max(T - length, 0) / hop)``. Frames overlap when ``hop < length``;
    gaps (``hop > length``) are not allowed because they would drop samples. When the last
    frame runs past the end, the series is padded by repeating its last sample.

    :meth:`fit` records the series length ``samples`` so that :meth:`inverse` returns exactly
    ``T`` samples; unfitted, ``inverse`` returns the padded length ``(F - 1) * hop + length``
    and ``forward`` accepts any length. A fitted Frame rejects series of another length.

    The inverse averages the overlapping copies of each sample (overlap-add divided by the
    number of frames covering it). It is bit-exact when ``hop == length`` (the frames are a
    reshape of the series; ``exact`` is then True on the instance) and otherwise exact up to
    float rounding for frames that came from ``forward``.

    Parameters
    ----------
    length : int
        Samples per frame, >= 1.
    hop : int, optional
        Samples between frame starts, 1 to ``length``; ``length`` by default (no overlap).

    Examples
    --------
    >>> import numpy as np
    >>> frame = Frame(4, hop=2).fit(np.arange(7.0))
    >>> frame.forward(np.arange(7.0))
    array([[0., 1., 2., 3.],
           [2., 3., 4., 5.],
           [4., 5., 6., 6.]])
    >>> frame.inverse(frame.forward(np.arange(7.0)))
    array([0., 1., 2., 3., 4., 5., 6.])
    """

    id = "frame"
    _fitted_names = ("samples",)

    def __init__(self, length: int, hop: int | None = None) -> None:
        super().__init__()
        self.length = _int_param("Frame", "length", length)
        self.hop = self.length if hop is None else _int_param(
            "Frame", "hop", hop, 1, self.length
        )
        self.exact = self.hop == self.length  # type: ignore[misc]
        self._samples: int | None = None

    def _params(self) -> dict[str, Any]:
        return {"length": self.length, "hop": self.hop}

    def _fit(self, x: Any) -> dict[str, Any]:
        return {"samples": int(_floats("Frame", x).shape[0])}

    def _load_state(self, state: dict[str, Any]) -> None:
        self._samples = _int_param("Frame", "samples", state["samples"])

    def _count(self, samples: int) -> int:
        return 1 + -(-max(samples - self.length, 0) // self.hop)

    def forward(self, x: Any) -> np.ndarray:
        x = _floats("Frame", x)
        t = x.shape[0]
        if self._samples is not None and t != self._samples:
            raise ArgumentError(
                f"Frame: fitted to series of {self._samples} samples, got {t}; "
                "fit again or use an unfitted Frame"
            )
        n = self._count(t)
        padded = (n - 1) * self.hop + self.length
        if padded > t:
            x = np.concatenate([x, np.repeat(x[-1:], padded - t, axis=0)])
        view = np.lib.stride_tricks.sliding_window_view(x, self.length, axis=0)[:: self.hop]
        # sliding_window_view puts the window axis last: (F, [C,] L) -> (F, L[, C]); copy so
        # the frames never share memory with the caller's series
        return np.array(np.moveaxis(view, -1, 1), order="C")

    def _inverse(self, y: Any) -> np.ndarray:
        y = _floats("Frame", y, "y", _FRAMES)
        if y.shape[1] != self.length:
            raise ArgumentError(
                f"Frame: argument 'y' must hold frames of length {self.length} on axis 1, "
                f"got shape {y.shape}"
            )
        n = y.shape[0]
        padded = (n - 1) * self.hop + self.length
        if self.hop == self.length:
            out = y.reshape((padded, *y.shape[2:]))
        else:
            total = np.zeros((padded, *y.shape[2:]))
            count = np.zeros(padded)
            starts = np.arange(n)[:, None] * self.hop
            for first in range(0, self.length, self.hop):
                width = min(self.hop, self.length - first)
                index = starts + first + np.arange(width)[None, :]
                # within one block of positions the frames do not overlap: indices are unique
                total[index] += y[:, first : first + width]
                count[index] += 1.0
            out = total / count.reshape((padded,) + (1,) * (y.ndim - 2))
        if self._samples is not None:
            if self._count(self._samples) != n:
                raise ArgumentError(
                    f"Frame: fitted to {self._samples} samples, i.e. {self._count(self._samples)} "
                    f"frames, got {n} frames"
                )
            out = out[: self._samples]
        return np.array(out, dtype=np.float64)


class Window(Stage):
    """Multiply every frame by an analysis window from :func:`scipy.signal.get_window`.

    Works along axis 1 of frames ``(F, L)`` or ``(F, L, C)``; the window of length ``L`` is
    built on first use for each frame length. ``symmetric=False`` (the default) gives the
    periodic ("DFT-even") window that spectral analysis wants.

    The inverse divides by the window. A window with zeros (Hann, Blackman, and others at
    their ends) has erased those samples, so its inverse raises
    :class:`~infored.errors.ArgumentError`; windows without zeros (Hamming, Kaiser,
    Gaussian) invert up to float rounding.

    Parameters
    ----------
    name : str
        A window name scipy knows: ``"hann"``, ``"hamming"``, ``"blackman"``, ``"kaiser"``, ...
    *params : float
        The window's parameters, e.g. ``beta`` for ``"kaiser"``, ``std`` for ``"gaussian"``.
    symmetric : bool
        Symmetric window (filter design) instead of periodic.

    Examples
    --------
    >>> import numpy as np
    >>> Window("hamming").forward(np.ones((1, 4))).round(2)
    array([[0.08, 0.54, 1.  , 0.54]])
    >>> Window("kaiser", 8.6)
    Window(name='kaiser', params=[8.6], symmetric=False)
    """

    id = "window"

    def __init__(self, name: str = "hann", *params: float, symmetric: bool = False) -> None:
        super().__init__()
        if not isinstance(name, str):
            raise ArgumentTypeError(
                f"Window: argument 'name' must be a window name string, got {name!r}"
            )
        self.name = name
        self.params = [float(p) for p in params]
        self.symmetric = bool(symmetric)
        self._cache: dict[int, np.ndarray] = {}
        self._window(8)  # validates name and params now

    @classmethod
    def _build(cls, params: dict[str, Any]) -> Stage:
        params = dict(params)
        values = params.pop("params", [])
        if not isinstance(values, (list, tuple)):
            raise ArgumentError(f"Window: config 'params' must be a list, got {values!r}")
        return cls(params.pop("name", "hann"), *values, **params)

    def _params(self) -> dict[str, Any]:
        return {"name": self.name, "params": list(self.params), "symmetric": self.symmetric}

    def _window(self, length: int) -> np.ndarray:
        if length not in self._cache:
            from scipy.signal import get_window

            spec: str | tuple = (self.name, *self.params) if self.params else self.name
            try:
                w = get_window(spec, length, fftbins=not self.symmetric)
            except (ValueError, TypeError) as exc:
                raise ArgumentError(
                    f"Window: scipy.signal.get_window rejects name={self.name!r} with "
                    f"params={self.params}: {exc}"
                ) from None
            self._cache[length] = np.asarray(w, dtype=np.float64)
        return self._cache[length]

    def _shaped(self, frames: np.ndarray) -> np.ndarray:
        w = self._window(frames.shape[1])
        return w.reshape((1, -1) + (1,) * (frames.ndim - 2))

    def forward(self, x: Any) -> np.ndarray:
        x = _floats("Window", x, kind=_FRAMES)
        return x * self._shaped(x)

    def _inverse(self, y: Any) -> np.ndarray:
        y = _floats("Window", y, "y", _FRAMES)
        w = self._shaped(y)
        zeros = np.flatnonzero(w == 0.0)
        if zeros.size:
            raise ArgumentError(
                f"Window: the {self.name!r} window of length {y.shape[1]} is zero at positions "
                f"{zeros.tolist()}, which forward erased; it cannot be inverted (use a window "
                "without zeros such as 'hamming' or 'kaiser')"
            )
        return y / w

