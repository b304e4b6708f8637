"""Uniform mid-tread quantisation of floats to int64, with an optional error bound."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ._base import _ANY, Stage, _float_param, _floats, _int_param, _integers

__all__ = ["Quantise"]

#: Relative shrink of the step below 2 * max_abs_error, so that float rounding of
#: ``offset + q * step`` cannot push a value across the bound (see Quantise).
_SHRINK = 2.0**-20
#: Largest |q| produced: int64 with headroom for the integer stages that follow.
_QMAX = 2.0**62


def _per_channel(name: str, value: Any) -> float | list:
    """A positive scalar or a (nested) list of positive numbers, JSON-safe."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        raise ArgumentTypeError(
            f"Quantise: argument {name!r} must be a positive number or a list of them, "
            f"got {value!r}"
        )
    arr = arr.astype(np.float64)
    if not (np.isfinite(arr) & (arr > 0)).all():
        raise ArgumentError(
            f"Quantise: argument {name!r} must be finite and > 0, got {value!r}"
        )
    return arr.tolist()


class Quantise(Stage):
    """Uniform mid-tread quantiser: ``q = round((x - offset) / step)`` as int64.

    The resolution comes from exactly one of:

    * ``step``: the quantisation step; the error is at most ``step / 2`` (up to rounding).
    * ``max_abs_error``: a guaranteed bound. The step is ``2 * max_abs_error`` shrunk by the
      relative factor ``2**-20``, and every quantised value is checked with the very
      expression the inverse uses (``offset + q * step`` in float64): a value whose float
      rounding crossed the bound is moved to the neighbouring level, so
      ``|inverse(forward(x)) - x| <= max_abs_error`` holds for every element. When the bound
      is finer than float64 can represent at the data's magnitude, forward raises.
    * ``bits``: fill the available integer range. :meth:`fit` maps the fitted minimum to
      0 and the fitted maximum to ``2**bits - 1`` (the step is the range over
      ``2**bits - 1``), so ``q`` is ready for :class:`GrayCode`/:class:`BitPlanes` without
      :class:`ZigZag`; values outside the fitted range raise. The error is at most
      ``step / 2``. A constant channel, or one whose range is too small for a non-zero
      step, gets step 1.

    ``offset="auto"`` lets :meth:`fit` choose the offset: the minimum (with ``bits``) or the
    middle of the range (otherwise, so ``q`` is centred on 0 and small in magnitude). With
    ``step`` or ``max_abs_error`` a number fixes the offset, and then no fit is needed.

    Offsets and fitted steps are per element of the trailing shape (per channel of a
    ``(T, C)`` series; per position and channel of frames); ``step``/``max_abs_error`` may be
    a scalar or a list matching the trailing shape. In ``bits`` mode a constant channel, or
    one whose range is too small for a non-zero step, gets step 1. NaN and inf are rejected
    with an error counting them.

    Parameters
    ----------
    step, max_abs_error : float or list of float, optional
    bits : int, optional
        1 to 62.
    offset : "auto" or float

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.0, 0.26, 0.5, 1.0])
    >>> q = Quantise(max_abs_error=0.05).fit(x)
    >>> q.forward(x)
    array([-5, -2,  0,  5])
    >>> bool(np.abs(q.inverse(q.forward(x)) - x).max() <= 0.05)
    True
    >>> Quantise(bits=2).fit(x).forward(x)
    array([0, 1, 2, 3])
    """

    id = "quantise"
    _fitted_names = ("fitted_offset", "fitted_step")

    def __init__(self, step: float | list | None = None, max_abs_error: float | list | None = None,
                 bits: int | None = None, offset: str | float = "auto") -> None:
        super().__init__()
        given = [name for name, v in (("step", step), ("max_abs_error", max_abs_error),
                                      ("bits", bits)) if v is not None]
        if len(given) != 1:
            raise ArgumentError(
                "Quantise: give exactly one of 'step', 'max_abs_error' and 'bits', got "
                f"{given or 'none'}"
            )
        self.step = None if step is None else _per_channel("step", step)
        self.max_abs_error = (
            None if max_abs_error is None else _per_channel("max_abs_error", max_abs_error)
        )
        self.bits = None if bits is None else _int_param("Quantise", "bits", bits, 1, 62)
        if offset != "auto":
            if bits is not None:
                raise ArgumentError(
                    f"Quantise: with 'bits' the offset is fitted (offset='auto'), got {offset!r}"
                )
            offset = _float_param("Quantise", "offset", offset, positive=False)
        self.offset = offset
        self._offset = np.zeros(())
        self._step = np.ones(())
        if offset != "auto" and bits is None:
            self._set_state({"fitted_offset": offset, "fitted_step": self._resolution()})

    def _params(self) -> dict[str, Any]:
        return {"step": self.step, "max_abs_error": self.max_abs_error, "bits": self.bits,
                "offset": self.offset}

    def _resolution(self) -> Any:
        if self.step is not None:
            return self.step
        return (np.asarray(self.max_abs_error) * (2.0 * (1.0 - _SHRINK))).tolist()

    # -- fitting
    def _fit(self, x: Any) -> dict[str, Any]:
        x = _floats("Quantise", x, kind=_ANY)
        low, high = x.min(axis=0), x.max(axis=0)
        span = high - low
        if not np.isfinite(span).all():
            raise ArgumentError(
                "Quantise: the data range overflows float64; scale the data down first"
            )
        if self.bits is not None:
            step = span / (2.0**self.bits - 1)
            # a constant channel, or one whose range is so small the step underflows to 0
            step = np.where(step > 0, step, 1.0)
            return {"fitted_offset": low, "fitted_step": step}
        offset = (low + span / 2) if self.offset == "auto" else self.offset
        return {"fitted_offset": offset, "fitted_step": self._resolution()}

    def _load_state(self, state: dict[str, Any]) -> None:
        arrays = []
        for name in self._fitted_names:
            if state[name] is None:
                raise ArgumentError(
                    "Quantise: fitted 'fitted_offset' and 'fitted_step' must be given together"
                )
            arr = np.asarray(state[name], dtype=np.float64)
            if not np.isfinite(arr).all() or (name == "fitted_step" and (arr <= 0).any()):
                raise ArgumentError(f"Quantise: fitted {name!r} must be finite (steps > 0)")
            arrays.append(arr)
        self._offset, self._step = arrays

    def _shapes(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            fits = np.broadcast_shapes(x.shape[1:], self._offset.shape,
                                       self._step.shape) == x.shape[1:]
        except ValueError:
            fits = False
        if not fits:
            raise ArgumentError(
                f"Quantise: parameters of shape {self._offset.shape} (offset) and "
                f"{self._step.shape} (step) do not fit data of shape {x.shape}; they apply to "
                "the trailing axes (after axis 0)"
            )
        return self._offset, self._step

    # -- the transform
    def forward(self, x: Any) -> np.ndarray:
        self._require_fitted()
        x = _floats("Quantise", x, kind=_ANY)
        offset, step = self._shapes(x)
        scaled = np.rint((x - offset) / step)
        too_big = np.abs(scaled) > _QMAX
        if too_big.any():
            raise ArgumentError(
                f"Quantise: {int(too_big.sum())} values are more than 2**62 steps from the "
                "offset; use a larger step"
            )
        q = scaled.astype(np.int64)
        if self.bits is not None:
            outside = (q < 0) | (q > 2**self.bits - 1)
            if outside.any():
                raise ArgumentError(
                    f"Quantise: {int(outside.sum())} values lie outside the fitted range "
                    f"(levels 0 to {2**self.bits - 1} of {self.bits} bits); fit on data "
                    "covering the full range"
                )
        if self.max_abs_error is not None:
            q = self._enforce_bound(x, q, offset, step)
        return q

    def _enforce_bound(self, x: np.ndarray, q: np.ndarray, offset: np.ndarray,
                       step: np.ndarray) -> np.ndarray:
        bound = np.broadcast_to(np.asarray(self.max_abs_error), x.shape)
        error = (offset + q * step) - x
        bad = np.abs(error) > bound
        if bad.any():
            # float rounding crossed the bound: the neighbouring level lies inside it
            moved = q - np.sign(error).astype(np.int64)
            q = np.where(bad, moved, q)
            still = np.abs((offset + q * step) - x) > bound
            if still.any():
                raise ArgumentError(
                    f"Quantise: max_abs_error is below the float64 resolution of "
                    f"{int(still.sum())} values (largest magnitude "
                    f"{float(np.abs(x[still]).max())}); use a larger max_abs_error"
                )
        return q

    def _inverse(self, y: Any) -> np.ndarray:
        self._require_fitted()
        q = _integers("Quantise", y, "y")
        offset, step = self._shapes(q)
        return offset + q * step
