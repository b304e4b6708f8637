"""De-trending: seasonal differencing, moving-average and least-squares trends; period estimates."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._base import (
    Stage,
    _choice_param,
    _float_param,
    _floats,
    _int_param,
)

__all__ = ["Detrend", "burg", "dominant_period"]

_METHODS = ("difference", "moving_average", "least_squares")


# ---------------------------------------------------------------- spectral estimates

def burg(x: Any, order: int) -> tuple[np.ndarray, float]:
    """Fit an autoregressive model to ``x`` with Burg's method.

    Burg's method chooses each reflection coefficient to minimise the sum of the forward
    and backward prediction error powers, then extends the predictor by the Levinson
    recursion; the model is always stable. The series is used as given: remove its mean
    (and trend) first.

    Parameters
    ----------
    x : array_like, shape (T,)
        A real series, finite, longer than ``order``.
    order : int
        Number of AR coefficients, 1 to ``T - 1``.

    Returns
    -------
    coefficients : numpy.ndarray, shape (order,)
        ``phi`` in ``x[t] = phi[0] x[t-1] + ... + phi[order-1] x[t-order] + e[t]``.
    variance : float
        The variance of the innovation ``e`` (the final prediction error power).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.zeros(20000)
    >>> for t in range(2, x.size):
    ...     x[t] = 0.75 * x[t - 1] - 0.5 * x[t - 2] + rng.standard_normal()
    >>> phi, var = burg(x, 2)
    >>> phi.round(1).tolist(), round(var, 1)
    ([0.8, -0.5], 1.0)
    """
    x = _floats("burg", x, kind=((1,), "a series of shape (T,)"))
    order = _int_param("burg", "order", order, 1, max(x.size - 1, 1))
    if x.size < 2:
        raise ArgumentError(f"burg: argument 'x' must have at least 2 samples, got {x.size}")
    forward = x.copy()
    backward = x.copy()
    a = np.ones(1)
    power = float(np.dot(x, x)) / x.size
    for m in range(order):
        f = forward[m + 1 :]
        b = backward[m:-1]
        denominator = float(np.dot(f, f) + np.dot(b, b))
        k = 0.0 if denominator == 0.0 else -2.0 * float(np.dot(f, b)) / denominator
        a = np.append(a, 0.0)
        a = a + k * a[::-1]
        forward[m + 1 :], backward[m + 1 :] = f + k * b, b + k * f
        power *= 1.0 - k * k
    return -a[1:], power


def dominant_period(x: Any, method: str = "fft", *, order: int | None = None,
                    max_period: float | None = None) -> float:
    """Estimate the period, in samples, of the strongest oscillation of a series.

    The series is first de-trended (least-squares line per channel, so a trend does not pose
    as a very long period). Its power spectrum is then estimated on a grid eight times finer
    than the FFT bins, and the period of the highest peak is returned. Only periods from 2
    samples to ``max_period`` (by default half the series, i.e. at least two full cycles)
    are considered.

    * ``"fft"``: the periodogram (:func:`scipy.signal.periodogram`).
    * ``"burg"``: Burg's maximum-entropy spectrum ``var / |1 - sum phi_k e^{-2 pi i f k}|^2``
      of an AR(``order``) model (:func:`burg`). Its peaks are sharp even on short series.
      The default order, ``min(T // 4, 100)``, leaves room for the poles that a residual
      trend claims; low orders can miss the cycle on strongly trending series.

    For a series with channels ``(T, C)`` the spectra of the channels, each normalised to
    unit total power, are summed, giving one period for all channels; constant channels are
    ignored.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, C)
        At least 4 samples, finite.
    method : {"fft", "burg"}
    order : int, optional
        AR order for ``"burg"``, 1 to ``T - 1``.
    max_period : float, optional
        Longest period considered, 2 to ``T``.

    Returns
    -------
    float

    Raises
    ------
    ArgumentError
        When every channel is constant or linear (no oscillation to find).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1000)
    >>> x = np.sin(2 * np.pi * t / 25) + 0.01 * t
    >>> round(dominant_period(x), 1), round(dominant_period(x, "burg"), 1)
    (25.0, 25.0)
    """
    from scipy.fft import next_fast_len
    from scipy.signal import detrend, periodogram

    method = _choice_param("dominant_period", "method", method, ("fft", "burg"))
    x = _floats("dominant_period", x)
    t = x.shape[0]
    if t < 4:
        raise ArgumentError(f"dominant_period: the series needs at least 4 samples, got {t}")
    if max_period is None:
        max_period = t / 2
    max_period = _float_param("dominant_period", "max_period", max_period)
    if not 2.0 <= max_period <= t:
        raise ArgumentError(
            f"dominant_period: argument 'max_period' must be from 2 to T = {t}, got {max_period}"
        )
    if method == "burg":
        order = min(t // 4, 100) if order is None else order
        order = _int_param("dominant_period", "order", order, 1, t - 1)
    columns = detrend(x.reshape(t, -1), axis=0, type="linear")
    scale = np.abs(x.reshape(t, -1)).max(axis=0)
    live = columns.std(axis=0) > 1e-12 * np.maximum(scale, np.finfo(float).tiny)
    if not live.any():
        raise ArgumentError(
            "dominant_period: the series is constant or a straight line in every channel; "
            "it has no dominant period"
        )
    nfft = next_fast_len(8 * t)
    freqs = np.arange(nfft // 2 + 1) / nfft
    total = np.zeros(freqs.size)
    for column in columns[:, live].T:
        if method == "fft":
            _, power = periodogram(column, nfft=nfft, detrend=False)
        else:
            phi, variance = burg(column, order)
            response = np.fft.rfft(np.concatenate([[1.0], -phi]), nfft)
            power = variance / np.abs(response) ** 2
        total += power / power.sum()
    allowed = freqs >= 1.0 / max_period
    best = int(np.argmax(np.where(allowed, total, -np.inf)))
    return float(1.0 / freqs[best])


# ---------------------------------------------------------------- the stage

class Detrend(Stage):
    """Remove a trend (and a cycle of ``period`` samples) from a series; add it back on inverse.

    Methods:

    * ``"difference"``: seasonal differencing ``y[t] = x[t] - x[t - p]`` with the first
      ``p`` samples kept as-is, ``p = round(period)``; the inverse is a cumulative sum over
      each phase of the cycle. Removes any trend that repeats with the cycle.
    * ``"moving_average"``: the trend is the centred moving average of ``p`` samples (which
      cancels a cycle of period ``p``, see :class:`MovingAverage`), sampled every
      ``max(p // 2, 1)`` samples and at the last sample; the stored trend is the straight
      lines between those knots (held constant beyond them for longer series).
    * ``"least_squares"``: a polynomial of ``degree`` in time plus ``harmonics`` sine/cosine
      pairs at the period and its multiples, fitted by least squares; it evaluates at any
      length.

    ``period=None`` estimates the period with :func:`dominant_period` (``"fft"``) during
    :meth:`fit` (a constant or straight-line series has none: fit raises
    :class:`~infored.errors.ArgumentError`, so give the period); ``least_squares`` with
    ``harmonics=0`` needs no period. :meth:`fit` stores
    the period, the fitted series length and the trend coefficients (moving-average knot
    values or least-squares coefficients, per channel) in the config, so a rebuilt stage
    subtracts the same trend. ``"difference"`` with a given period needs no fit.

    The inverse is exact up to float rounding: ``(x - trend) + trend`` may differ from ``x``
    in the last bit, and for ``"difference"`` these roundings accumulate along each phase.

    Parameters
    ----------
    method : {"difference", "moving_average", "least_squares"}
    period : float, optional
        Cycle length in samples (rounded to an integer >= 1 for the first two methods).
    degree : int
        Polynomial degree for ``least_squares``, 0 to 10.
    harmonics : int
        Harmonics of the period for ``least_squares``, 0 to 10.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(200.0)
    >>> x = 3.0 + 0.5 * t + np.sin(2 * np.pi * t / 20)
    >>> d = Detrend("least_squares", period=20).fit(x)
    >>> bool(np.abs(d.forward(x)).max() < 1e-9)
    True
    >>> Detrend("difference").fit(x).get_config()["period"]
    20
    """

    id = "detrend"
    _fitted_names = ("period", "length", "coefficients")

    def __init__(self, method: str = "least_squares", period: float | None = None, *,
                 degree: int = 1, harmonics: int = 1) -> None:
        super().__init__()
        self.method = _choice_param("Detrend", "method", method, _METHODS)
        self.period = None if period is None else _float_param("Detrend", "period", period)
        if self.period is not None and float(self.period).is_integer():
            self.period = int(self.period)
        if self.method != "least_squares" and self.period is not None and self.period < 0.5:
            raise ArgumentError(
                f"Detrend: argument 'period' must round to at least 1 for method "
                f"{self.method!r}, got {self.period}"
            )
        self.degree = _int_param("Detrend", "degree", degree, 0, 10)
        self.harmonics = _int_param("Detrend", "harmonics", harmonics, 0, 10)
        self._coefficients = np.zeros(0)
        if self.method == "difference" and self.period is not None:
            self._set_state({"period": self._lag(self.period)})

    def _params(self) -> dict[str, Any]:
        return {"method": self.method, "period": self.period, "degree": self.degree,
                "harmonics": self.harmonics}

    def _required(self) -> tuple[str, ...]:
        if self.method == "difference":
            return ("period",)
        if self.method == "least_squares" and self.harmonics == 0:
            return ("length", "coefficients")
        return self._fitted_names

    @staticmethod
    def _lag(period: float) -> int:
        return max(1, round(period))

    # -- fitting
    def _fit(self, x: Any) -> dict[str, Any]:
        x = _floats("Detrend", x)
        t = x.shape[0]
        period: float | None = self.period
        needs_period = self.method != "least_squares" or self.harmonics > 0
        if period is None and needs_period:
            period = dominant_period(x)
        if period is not None and self.method != "least_squares":
            period = self._lag(period)
        state: dict[str, Any] = {"period": period, "length": t, "coefficients": []}
        if self.method == "moving_average":
            from scipy.ndimage import uniform_filter1d

            assert period is not None
            smooth = uniform_filter1d(x, int(period), axis=0, mode="nearest")
            state["coefficients"] = smooth[self._knots(int(period), t)]
        elif self.method == "least_squares":
            design = self._design(np.arange(t), t, period)
            state["coefficients"] = np.linalg.lstsq(design, x, rcond=None)[0]
        return state

    def _load_state(self, state: dict[str, Any]) -> None:
        period, length = state["period"], state["length"]
        if period is not None:
            if self.method == "least_squares":
                _float_param("Detrend", "period", period)
            else:
                _int_param("Detrend", "period", period)
        if length is not None:
            _int_param("Detrend", "length", length)
        coefficients = state["coefficients"]
        if coefficients is None:
            return
        arr = np.asarray(coefficients, dtype=np.float64)
        if self.method == "moving_average" and period is not None and length is not None:
            expected = self._knots(int(period), int(length)).size
        elif self.method == "least_squares":
            expected = self.degree + 1 + 2 * self.harmonics
        else:
            expected = 0
        if arr.ndim not in (1, 2) or arr.shape[0] != expected or not np.isfinite(arr).all():
            raise ArgumentError(
                f"Detrend: fitted 'coefficients' must be {expected} finite values per channel, "
                f"got shape {arr.shape}"
            )
        self._coefficients = arr

    # -- the trend
    @staticmethod
    def _knots(period: int, length: int) -> np.ndarray:
        knots = np.arange(0, length, max(period // 2, 1))
        return knots if knots[-1] == length - 1 else np.append(knots, length - 1)

    def _design(self, times: np.ndarray, length: int, period: float | None) -> np.ndarray:
        centre = (length - 1) / 2
        u = (times - centre) / max(centre, 1.0)
        columns = [u**p for p in range(self.degree + 1)]
        for h in range(1, self.harmonics + 1):
            assert period is not None
            angle = (2 * np.pi * h / period) * times
            columns += [np.cos(angle), np.sin(angle)]
        return np.stack(columns, axis=1)

    def _trend(self, x: np.ndarray) -> np.ndarray:
        period, length = self._state["period"], self._state["length"]
        t = x.shape[0]
        coef = self._coefficients
        if x.shape[1:] != coef.shape[1:]:
            raise ArgumentError(
                f"Detrend: fitted to series with channel shape {coef.shape[1:]}, "
                f"got shape {x.shape}"
            )
        if self.method == "least_squares":
            return self._design(np.arange(t), length, period) @ coef
        knots = self._knots(period, length)
        columns = coef.reshape(knots.size, -1)
        trend = np.stack([np.interp(np.arange(t), knots, c) for c in columns.T], axis=1)
        return trend.reshape((t, *coef.shape[1:]))

    # -- the transform
    def forward(self, x: Any) -> np.ndarray:
        x = _floats("Detrend", x)
        self._require_fitted()
        if self.method == "difference":
            p = self._state["period"]
            y = x.copy()
            y[p:] = x[p:] - x[:-p]
            return y
        return x - self._trend(x)

    def _inverse(self, y: Any) -> np.ndarray:
        y = _floats("Detrend", y, "y")
        self._require_fitted()
        if self.method == "difference":
            p = self._state["period"]
            t = y.shape[0]
            rows = -(-t // p)
            padded = np.zeros((rows * p, *y.shape[1:]))
            padded[:t] = y
            phases = padded.reshape((rows, p, *y.shape[1:])).cumsum(axis=0)
            return phases.reshape(padded.shape)[:t]
        return y + self._trend(y)
