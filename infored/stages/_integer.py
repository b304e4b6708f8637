"""Exact integer stages: prediction residuals, zig-zag, Gray code and bit planes."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._base import _SERIES, Stage, _choice_param, _exact_int64, _int_param, _integers

__all__ = ["BitPlanes", "GrayCode", "Predict", "ZigZag"]


class Predict(Stage):
    """Integer prediction residuals along the time axis (Lorenzo-style predictors).

    * ``"previous"``: predict ``x[t-1]``, residual ``x[t] - x[t-1]``.
    * ``"linear"``: predict ``2 x[t-1] - x[t-2]`` (constant slope), residual
      ``x[t] - 2 x[t-1] + x[t-2]``; the second sample uses the previous-value predictor.
    * ``"auto"``: :meth:`fit` picks, for each channel, whichever of the two gives the smaller
      mean absolute residual on the data (recorded as ``channel_methods``, one letter a
      channel: ``p`` previous, ``l`` linear).

    The first sample is predicted as 0 (its residual is the sample). Input is int64 (the
    output of :class:`Quantise`), so prediction is *closed loop* by construction: the
    inverse rebuilds each sample from already rebuilt integers, which equal the original
    ones exactly, so no error accumulates; the round trip is bit-exact. (Predicting floats
    and quantising the residuals instead would let the quantisation errors drift.)

    Residuals can need more range than the samples (up to 2x for ``"previous"``, 4x for
    ``"linear"``): an int64 overflow, forward or back, raises
    :class:`~infored.errors.ArgumentError` rather than wrapping around.

    Parameters
    ----------
    method : {"previous", "linear", "auto"}

    Examples
    --------
    >>> import numpy as np
    >>> p = Predict("linear")
    >>> p.forward(np.array([3, 5, 7, 9, 12]))
    array([3, 2, 0, 0, 1])
    >>> p.inverse([3, 2, 0, 0, 1])
    array([ 3,  5,  7,  9, 12])
    >>> x = np.array([[0, 5], [1, 5], [4, 5], [9, 5]])
    >>> Predict("auto").fit(x).get_config()["channel_methods"]
    'lp'
    """

    id = "predict"
    exact = True
    _fitted_names = ("channel_methods",)

    def __init__(self, method: str = "previous") -> None:
        super().__init__()
        self.method = _choice_param("Predict", "method", method, ("previous", "linear", "auto"))

    def _params(self) -> dict[str, Any]:
        return {"method": self.method}

    @property
    def fitted(self) -> bool:
        return self.method != "auto" or self._state["channel_methods"] is not None

    def _fit(self, x: Any) -> dict[str, Any]:
        x = _integers("Predict", x, kind=_SERIES)
        if self.method != "auto":
            return {"channel_methods": None}
        flat = x.reshape(x.shape[0], -1).astype(np.float64)  # floats: a score, not residuals
        cost_previous = np.abs(np.diff(flat, axis=0)).mean(axis=0) if len(flat) > 1 else 0
        cost_linear = np.abs(np.diff(flat, 2, axis=0)).mean(axis=0) if len(flat) > 2 else 0
        letters = np.where(np.asarray(cost_linear) < np.asarray(cost_previous), "l", "p")
        return {"channel_methods": "".join(np.broadcast_to(letters, flat.shape[1:]).tolist())}

    def _load_state(self, state: dict[str, Any]) -> None:
        methods = state["channel_methods"]
        if methods is not None and (not isinstance(methods, str) or set(methods) - {"p", "l"}):
            raise ArgumentError(
                "Predict: fitted 'channel_methods' must be a string of 'p' and 'l', "
                f"got {methods!r}"
            )

    def _linear_mask(self, x: np.ndarray) -> np.ndarray:
        """Per flattened channel: True where the linear predictor applies."""
        channels = int(np.prod(x.shape[1:]))
        if self.method != "auto":
            return np.full(channels, self.method == "linear")
        self._require_fitted()
        methods = self._state["channel_methods"]
        if len(methods) != channels:
            raise ArgumentError(
                f"Predict: fitted for {len(methods)} channels, got data with {channels}"
            )
        return np.frombuffer(methods.encode(), dtype=np.uint8) == ord("l")

    def _residuals(self, x: np.ndarray, linear: np.ndarray) -> np.ndarray:
        flat = x.reshape(x.shape[0], -1)
        r = flat.copy()
        r[1:] = flat[1:] - flat[:-1]
        r[2:, linear] = flat[2:, linear] - 2 * flat[1:-1, linear] + flat[:-2, linear]
        return r.reshape(x.shape)

    def _rebuild(self, r: np.ndarray, linear: np.ndarray) -> np.ndarray:
        flat = r.reshape(r.shape[0], -1)
        # linear channels: the first differences d[t] = x[t] - x[t-1] (d[0] = x[0]) are d[0] =
        # r[0] and a running sum of the residuals from t = 1 on; x is their running sum
        slopes = flat.copy()
        slopes[1:, linear] = np.cumsum(flat[1:, linear], axis=0)
        return np.cumsum(slopes, axis=0).reshape(r.shape)

    def forward(self, x: Any) -> np.ndarray:
        x = _integers("Predict", x, kind=_SERIES)
        linear = self._linear_mask(x)
        growth = 4.0 if linear.any() else 2.0
        bound = float(np.abs(x.astype(np.float64)).max()) * growth
        return _exact_int64("Predict", lambda v: self._residuals(v, linear), x, bound)

    def _inverse(self, y: Any) -> np.ndarray:
        r = _integers("Predict", y, "y", _SERIES)
        linear = self._linear_mask(r)
        total = float(np.abs(r.astype(np.float64)).sum(axis=0).max())
        bound = total * r.shape[0] if linear.any() else total
        return _exact_int64("Predict", lambda v: self._rebuild(v, linear), r, bound)


class ZigZag(Stage):
    """Map signed integers onto non-negative ones: 0, -1, 1, -2, 2, ... -> 0, 1, 2, 3, 4, ...

    ``z = 2 q`` for ``q >= 0`` and ``-2 q - 1`` for ``q < 0``, so small magnitudes stay small
    (as the residuals of :class:`Predict` are) and :class:`GrayCode` can follow. Element-wise,
    any shape, int64 in and out; values must lie in ``[-2**62, 2**62)`` so that ``z`` fits.
    Exact.

    Examples
    --------
    >>> ZigZag().forward([0, -1, 1, -2, 2])
    array([0, 1, 2, 3, 4])
    >>> ZigZag().inverse([0, 1, 2, 3, 4])
    array([ 0, -1,  1, -2,  2])
    """

    id = "zigzag"
    exact = True

    def __init__(self) -> None:
        super().__init__()

    def _params(self) -> dict[str, Any]:
        return {}

    def forward(self, x: Any) -> np.ndarray:
        q = _integers("ZigZag", x)
        outside = (q >= 2**62) | (q < -(2**62))
        if outside.any():
            raise ArgumentError(
                f"ZigZag: {int(outside.sum())} values lie outside [-2**62, 2**62) and would "
                "overflow int64"
            )
        return (q << 1) ^ (q >> 63)

    def _inverse(self, y: Any) -> np.ndarray:
        z = _integers("ZigZag", y, "y")
        if (z < 0).any():
            raise ArgumentError("ZigZag: argument 'y' must hold non-negative integers")
        return (z >> 1) ^ -(z & 1)


def _non_negative(stage: str, value: Any, name: str) -> np.ndarray:
    q = _integers(stage, value, name)
    negative = q < 0
    if negative.any():
        raise ArgumentError(
            f"{stage}: argument {name!r} must hold non-negative integers, got "
            f"{int(negative.sum())} negative values (min {int(q.min())}); map signed "
            "integers with ZigZag first"
        )
    return q


class GrayCode(Stage):
    """Reflected binary Gray code of non-negative integers: ``g = q ^ (q >> 1)``.

    Consecutive integers differ in exactly one bit of their Gray codes (plain binary can
    flip many: 7 = 0111 -> 8 = 1000 flips four). So after Gray coding, values that are
    numerically adjacent are at Hamming distance 1, and a decoder that maps nearby words
    (small Hamming distance) to the same codeword also groups numerically close values;
    in plain binary a one-step change could look like a burst of errors. Element-wise, any
    shape, int64 in and out; negative values raise (use :class:`ZigZag`). Exact.

    Examples
    --------
    >>> GrayCode().forward([0, 1, 2, 3, 7, 8])
    array([ 0,  1,  3,  2,  4, 12])
    >>> GrayCode().inverse([0, 1, 3, 2, 4, 12])
    array([0, 1, 2, 3, 7, 8])
    """

    id = "gray"
    exact = True

    def __init__(self) -> None:
        super().__init__()

    def _params(self) -> dict[str, Any]:
        return {}

    def forward(self, x: Any) -> np.ndarray:
        q = _non_negative("GrayCode", x, "x")
        return q ^ (q >> 1)

    def _inverse(self, y: Any) -> np.ndarray:
        q = _non_negative("GrayCode", y, "y")
        shift = 1
        while shift < 64:  # prefix XOR of all higher bits
            q = q ^ (q >> shift)
            shift *= 2
        return q


class BitPlanes(Stage):
    """Split non-negative integers below ``2**bits`` into their bits, most significant first.

    Integers of shape ``S`` become a uint8 array of shape ``S + (bits,)``; the inverse packs
    the last axis back into int64. Values of ``2**bits`` or more, or negative, raise. Exact.

    Parameters
    ----------
    bits : int
        Bits per value, 1 to 63.

    Examples
    --------
    >>> BitPlanes(3).forward([5, 1])
    array([[1, 0, 1],
           [0, 0, 1]], dtype=uint8)
    >>> BitPlanes(3).inverse([[1, 0, 1], [0, 0, 1]])
    array([5, 1])
    """

    id = "bit_planes"
    exact = True

    def __init__(self, bits: int = 8) -> None:
        super().__init__()
        self.bits = _int_param("BitPlanes", "bits", bits, 1, 63)

    def _params(self) -> dict[str, Any]:
        return {"bits": self.bits}

    def forward(self, x: Any) -> np.ndarray:
        q = _non_negative("BitPlanes", x, "x")
        too_big = q >> self.bits != 0
        if too_big.any():
            raise ArgumentError(
                f"BitPlanes: argument 'x' must hold values below 2**{self.bits}, got "
                f"{int(too_big.sum())} larger (max {int(q.max())})"
            )
        shifts = np.arange(self.bits - 1, -1, -1, dtype=np.int64)
        return ((q[..., None] >> shifts) & 1).astype(np.uint8)

    def _inverse(self, y: Any) -> np.ndarray:
        arr = np.asarray(y)
        planes = _integers("BitPlanes", arr.astype(np.uint8) if arr.dtype == bool else arr, "y")
        if planes.shape[-1] != self.bits:
            raise ArgumentError(
                f"BitPlanes: argument 'y' must have {self.bits} bit planes on the last axis, "
                f"got shape {planes.shape}"
            )
        if ((planes != 0) & (planes != 1)).any():
            raise ArgumentError("BitPlanes: argument 'y' must hold only 0 and 1")
        shifts = np.arange(self.bits - 1, -1, -1, dtype=np.int64)
        return (planes << shifts).sum(axis=-1)
