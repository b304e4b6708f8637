"""The Stage base class shared by every preprocessing stage, and input validation."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError

__all__ = ["Stage"]

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


class Stage(ABC):
    """One preprocessing step: ``fit`` → ``forward`` → (``inverse``).

    Stages compose by calling ``forward`` in sequence (and ``inverse`` in reverse order).
    Three kinds of data flow through them:

    * a **series** has time on axis 0 and any channels after it, shape ``(T,)`` or ``(T, C)``;
    * **frames** come out of :class:`~infored.stages.Frame`: ``(F, L)`` or ``(F, L, C)``, and
      frame stages work along axis 1;
    * element-wise stages (quantisation and the integer codings) accept any shape.

    Float stages compute in float64; :class:`~infored.stages.Quantise` turns floats into int64.
    Every stage rejects empty input and non-finite values (NaN, ±inf) with an
    :class:`~infored.errors.ArgumentError` that counts them, instead of spreading them.

    A stage is described completely by :meth:`get_config`: its parameters and, once fitted,
    its fitted parameters, as JSON-safe values. ``infored.stages.get_stage(config)`` rebuilds
    it, and the rebuilt stage gives bit-for-bit the same ``forward`` output.

    Attributes
    ----------
    id : str
        The stage's key in the registry and in its config.
    exact : bool
        ``inverse(forward(x))`` reproduces ``x`` bit for bit.
    invertible : bool
        ``inverse`` exists; when False it raises :class:`~infored.errors.ArgumentError`.
    """

    id: ClassVar[str]
    exact: ClassVar[bool] = False
    invertible: ClassVar[bool] = True
    #: Names of the fitted parameters, in config order.
    _fitted_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._state: dict[str, Any] = {name: None for name in self._fitted_names}

    # -- configuration
    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """The constructor parameters, JSON-safe."""

    def get_config(self) -> dict[str, Any]:
        """JSON-safe description: ``id``, every parameter and every fitted parameter.

        Fitted parameters are ``None`` until :meth:`fit` has run.
        """
        config: dict[str, Any] = {"id": self.id}
        config.update(self._params())
        config.update(self._state)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Stage:
        """Rebuild a stage from :meth:`get_config` output."""
        if not isinstance(config, dict):
            raise ArgumentTypeError(
                f"{cls.__name__}: argument 'config' must be a dict, got {type(config).__name__}"
            )
        params = dict(config)
        given = params.pop("id", cls.id)
        if given != cls.id:
            raise ArgumentError(f"{cls.__name__}: config id must be {cls.id!r}, got {given!r}")
        state = {name: params.pop(name, None) for name in cls._fitted_names}
        try:
            stage = cls._build(params)
        except TypeError as exc:
            raise ArgumentError(f"bad parameters for stage {cls.id!r}: {exc}") from None
        if any(value is not None for value in state.values()):
            stage = stage._with_state(state)
        return stage

    @classmethod
    def _build(cls, params: dict[str, Any]) -> Stage:
        """Construct from the parameters of :meth:`_params` (overridden for varargs)."""
        return cls(**params)

    def _with_state(self, state: dict[str, Any]) -> Stage:
        """A copy of this stage carrying the fitted parameters ``state`` (validated)."""
        new = type(self)._build(self._params())
        new._set_state(state)
        return new

    def _set_state(self, state: dict[str, Any]) -> None:
        clean = {name: _jsonable(state.get(name)) for name in self._fitted_names}
        self._load_state(clean)
        self._state = clean

    def _load_state(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Validate fitted parameters and cache them as arrays (subclasses with state)."""

    def _required(self) -> tuple[str, ...]:
        """The fitted parameters forward needs (some stages need fewer for some settings)."""
        return self._fitted_names

    @property
    def fitted(self) -> bool:
        """True when the fitted parameters forward needs are set (stateless stages: True)."""
        return all(self._state[name] is not None for name in self._required())

    def _require_fitted(self) -> None:
        if not self.fitted:
            missing = [name for name in self._required() if self._state[name] is None]
            raise ArgumentError(
                f"{type(self).__name__} is not fitted (missing {', '.join(missing)}): "
                "call stage = stage.fit(x) first"
            )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        fitted = "" if not self._fitted_names else (", fitted" if self.fitted else ", unfitted")
        return f"{type(self).__name__}({args}{fitted})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stage) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(json.dumps(self.get_config(), sort_keys=True))

    def __reduce__(self):
        from . import get_stage

        return get_stage, (self.get_config(),)

    # -- the transform
    def fit(self, x: Any) -> Stage:
        """Return a stage with its parameters fitted to ``x`` (stateless stages return self).

        Parameters
        ----------
        x : array_like
            Data of the kind ``forward`` takes.

        Returns
        -------
        Stage
            A new stage; this one is left unchanged.
        """
        if not self._fitted_names:
            return self
        return self._with_state(self._fit(x))

    def _fit(self, x: Any) -> dict[str, Any]:  # pragma: no cover - overridden with state
        raise TypeError(f"{type(self).__name__} declares fitted parameters but no _fit")

    @abstractmethod
    def forward(self, x: Any) -> np.ndarray:
        """Transform ``x``; see the class docstring for shapes."""

    def inverse(self, y: Any) -> np.ndarray:
        """Undo :meth:`forward` (exactly when :attr:`exact`, else up to float rounding).

        Raises
        ------
        ArgumentError
            When the stage is not invertible.
        """
        if not self.invertible:
            raise ArgumentError(
                f"{type(self).__name__} is not invertible: {self._why_not_invertible()}"
            )
        return self._inverse(y)

    def _why_not_invertible(self) -> str:
        return "it discards information"

    def _inverse(self, y: Any) -> np.ndarray:  # pragma: no cover - overridden when invertible
        raise TypeError(f"{type(self).__name__} is marked invertible but defines no _inverse")


# ---------------------------------------------------------------- JSON helpers

def _jsonable(value: Any) -> Any:
    """Plain Python (float, int, nested lists) from numpy scalars and arrays."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------- parameter validation

def _int_param(stage: str, name: str, value: Any, minimum: int = 1,
               maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"{stage}: argument {name!r} must be an integer, got {type(value).__name__} {value!r}"
        )
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        span = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ArgumentError(f"{stage}: argument {name!r} must be an integer {span}, got {value}")
    return value


def _float_param(stage: str, name: str, value: Any, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"{stage}: argument {name!r} must be a number, got {type(value).__name__} {value!r}"
        )
    value = float(value)
    if not np.isfinite(value) or (positive and value <= 0):
        kind = "a finite number > 0" if positive else "a finite number"
        raise ArgumentError(f"{stage}: argument {name!r} must be {kind}, got {value!r}")
    return value


def _choice_param(stage: str, name: str, value: Any, options: Sequence[str]) -> str:
    if value not in options:
        raise ArgumentError(
            f"{stage}: argument {name!r} must be one of {tuple(options)}, got {value!r}"
        )
    return str(value)


# ---------------------------------------------------------------- array validation

def _as_array(stage: str, value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ArgumentTypeError(f"{stage}: argument {name!r} must be array-like: {exc}") from None
    if arr.dtype == object:
        raise ArgumentTypeError(
            f"{stage}: argument {name!r} must be a numeric array, got dtype object"
        )
    return arr


def _check_shape(stage: str, arr: np.ndarray, name: str, ndims: tuple[int, ...] | None,
                 what: str) -> None:
    if ndims is not None and arr.ndim not in ndims:
        raise ArgumentError(
            f"{stage}: argument {name!r} must be {what}, got an array of shape {arr.shape}"
        )
    if arr.ndim == 0:
        raise ArgumentError(f"{stage}: argument {name!r} must have at least one axis, got a scalar")
    if arr.size == 0:
        raise ArgumentError(f"{stage}: argument {name!r} is empty (shape {arr.shape})")


def _check_finite(stage: str, arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = first[0] if len(first) == 1 else first
        raise ArgumentError(
            f"{stage}: argument {name!r} holds {int(bad.sum())} non-finite values (NaN or inf), "
            f"the first at index {where}; fill or drop them first"
        )


_SERIES = ((1, 2), "a series of shape (T,) or (T, C)")
_FRAMES = ((2, 3), "frames of shape (F, L) or (F, L, C)")
_ANY = (None, "an array")


def _floats(stage: str, value: Any, name: str = "x",
            kind: tuple[tuple[int, ...] | None, str] = _SERIES) -> np.ndarray:
    """Validated float64 copy-free view: numeric, right rank, non-empty, finite."""
    arr = _as_array(stage, value, name)
    if arr.dtype.kind not in "biuf":
        raise ArgumentTypeError(
            f"{stage}: argument {name!r} must hold real numbers, got dtype {arr.dtype}"
        )
    _check_shape(stage, arr, name, *kind)
    arr = np.asarray(arr, dtype=np.float64)
    _check_finite(stage, arr, name)
    return arr


def _integers(stage: str, value: Any, name: str = "x",
              kind: tuple[tuple[int, ...] | None, str] = _ANY) -> np.ndarray:
    """Validated int64 array: integer dtype, right rank, non-empty, every value in int64."""
    arr = _as_array(stage, value, name)
    if arr.dtype.kind not in "iu":
        hint = " (quantise floats with Quantise first)" if arr.dtype.kind == "f" else ""
        raise ArgumentTypeError(
            f"{stage}: argument {name!r} must hold integers, got dtype {arr.dtype}{hint}"
        )
    _check_shape(stage, arr, name, *kind)
    if arr.dtype == np.uint64 and int(arr.max()) > _INT64_MAX:
        raise ArgumentError(
            f"{stage}: argument {name!r} holds values above the int64 maximum "
            f"(max {int(arr.max())})"
        )
    return np.asarray(arr, dtype=np.int64)


def _exact_int64(stage: str, compute: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                 bound: float) -> np.ndarray:
    """Evaluate integer arithmetic without silent int64 wrap-around.

    ``bound`` is an upper bound on every intermediate magnitude. Below 2**62 int64 arithmetic
    cannot wrap and runs directly; above, the same ``compute`` runs on Python integers and the
    result is checked against the int64 range.
    """
    if bound < 2.0**62:
        return compute(x)
    exact = compute(x.astype(object))
    too_big = (exact > _INT64_MAX) | (exact < _INT64_MIN)
    if too_big.any():
        raise ArgumentError(
            f"{stage}: {int(too_big.sum())} results overflow int64 (largest magnitude "
            f"{max(abs(int(exact.max())), abs(int(exact.min())))}); reduce the value range, "
            "e.g. with a larger quantisation step"
        )
    return exact.astype(np.int64)
