"""Decorrelating transforms of frames: PCA fitted on the frames, or the orthonormal DCT-II."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._base import _FRAMES, Stage, _choice_param, _floats, _int_param

__all__ = ["Decorrelate"]

#: A component whose standard deviation is below this fraction of the largest one is
#: treated as constant: it is not whitened (scale 1), so it is never divided by ~0.
_FLAT = 1e-12


def _flip_signs(basis: np.ndarray) -> np.ndarray:
    """Make the largest-magnitude entry of every basis row positive (deterministic signs)."""
    rows = np.arange(basis.shape[0])
    signs = np.sign(basis[rows, np.argmax(np.abs(basis), axis=1)])
    return basis * np.where(signs == 0, 1.0, signs)[:, None]


def _scales(std: np.ndarray) -> np.ndarray:
    """Whitening scales: the standard deviations, 1 where a component is (nearly) constant."""
    top = std.max(axis=0, keepdims=True)
    return np.where(std > _FLAT * top, std, 1.0)


class Decorrelate(Stage):
    """Rotate every frame onto decorrelated coordinates, optionally keeping the first few.

    Works along axis 1 of frames ``(F, L)`` or ``(F, L, C)`` (each channel separately) and
    returns ``(F, k[, C])`` with ``k = components`` (all ``L`` by default).

    * ``"pca"``: :meth:`fit` computes, per channel, the mean frame and the principal axes
      (SVD of the centred frames), ordered by decreasing variance, signs fixed so the
      largest entry of each axis is positive. Forward projects the centred frames on the
      first ``k`` axes.
    * ``"dct"``: the orthonormal DCT-II (:func:`scipy.fft.dct`, ``norm="ortho"``), keeping
      the first ``k`` (lowest-frequency) coefficients. No basis is fitted.

    With ``whiten=True`` every output coordinate is divided by its standard deviation over
    the fitted frames (PCA: the singular value over ``sqrt(F - 1)``), so all coordinates
    have unit variance; a coordinate that is constant on the fitted frames keeps scale 1.
    The config stores the frame length, the mean and basis (PCA) and the scales as lists.

    The inverse maps back through the transposed basis (or the inverse DCT) and adds the
    mean: exact up to float rounding when all components are kept; with ``k < L`` it gives
    the projection on the kept components.

    Parameters
    ----------
    method : {"pca", "dct"}
    components : int, optional
        Coordinates kept, 1 to ``L``.
    whiten : bool
        Scale every coordinate to unit variance.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> frames = rng.standard_normal((500, 1)) * [1.0, 1.0, 1.0, 1.0]   # rank one
    >>> pca = Decorrelate("pca", components=1).fit(frames)
    >>> bool(np.allclose(pca.inverse(pca.forward(frames)), frames))
    True
    >>> float(pca.forward(frames).std(ddof=1)).__round__(6)
    1.0
    """

    id = "decorrelate"
    _fitted_names = ("length", "mean", "basis", "scale")

    def __init__(self, method: str = "pca", components: int | None = None,
                 whiten: bool = True) -> None:
        super().__init__()
        self.method = _choice_param("Decorrelate", "method", method, ("pca", "dct"))
        self.components = (
            None if components is None else _int_param("Decorrelate", "components", components)
        )
        self.whiten = bool(whiten)
        self._mean = self._basis = self._scale = np.zeros(0)
        # the channel layout fixed by the fitted parameters (None: frames without channels)
        self._fixed = False
        self._channels: int | None = None

    def _params(self) -> dict[str, Any]:
        return {"method": self.method, "components": self.components, "whiten": self.whiten}

    def _required(self) -> tuple[str, ...]:
        if self.method == "pca":
            return self._fitted_names
        return ("length", "scale") if self.whiten else ("length",)

    def _kept(self, length: int) -> int:
        k = length if self.components is None else self.components
        if k > length:
            raise ArgumentError(
                f"Decorrelate: argument 'components' must be at most the frame length "
                f"{length}, got {k}"
            )
        return k

    @staticmethod
    def _cube(frames: np.ndarray) -> np.ndarray:
        return frames if frames.ndim == 3 else frames[:, :, None]

    def _dct(self, cube: np.ndarray, k: int) -> np.ndarray:
        from scipy.fft import dct

        return dct(cube, type=2, norm="ortho", axis=1)[:, :k]

    # -- fitting
    def _fit(self, x: Any) -> dict[str, Any]:
        x = _floats("Decorrelate", x, kind=_FRAMES)
        f, length = x.shape[:2]
        k = self._kept(length)
        cube = self._cube(x)
        state: dict[str, Any] = {"length": length, "mean": [], "basis": [], "scale": []}
        if self.method == "pca":
            mean = cube.mean(axis=0)  # (L, C)
            bases, stds = [], []
            for c in range(cube.shape[2]):
                _, singular, vt = np.linalg.svd(cube[:, :, c] - mean[:, c], full_matrices=True)
                std = np.zeros(length)
                std[: singular.size] = singular / np.sqrt(max(f - 1, 1))
                bases.append(_flip_signs(vt[:k]))
                stds.append(std[:k])
            basis, std = np.stack(bases), np.stack(stds, axis=1)  # (C, k, L), (k, C)
            state["mean"] = mean if x.ndim == 3 else mean[:, 0]
            state["basis"] = basis if x.ndim == 3 else basis[0]
        else:
            std = self._dct(cube, k).std(axis=0)  # (k, C)
        scale = _scales(std) if self.whiten else np.ones_like(std)
        state["scale"] = scale if x.ndim == 3 else scale[:, 0]
        return state

    def _load_state(self, state: dict[str, Any]) -> None:
        length = state["length"]
        if length is None:
            return
        length = _int_param("Decorrelate", "length", length)
        k = self._kept(length)
        arrays = {}
        for name in ("mean", "basis", "scale"):
            value = state[name]
            arr = np.asarray([] if value is None else value, dtype=np.float64)
            if not np.isfinite(arr).all():
                raise ArgumentError(f"Decorrelate: fitted {name!r} must be finite")
            arrays[name] = arr
        mean, basis, scale = arrays["mean"], arrays["basis"], arrays["scale"]
        if self.method == "pca":
            channels = 1 if mean.ndim == 1 else mean.shape[-1]
            ok = (mean.ndim in (1, 2) and mean.shape[0] == length
                  and basis.shape == ((k, length) if mean.ndim == 1 else (channels, k, length))
                  and scale.shape == (k, *mean.shape[1:]))
            if not ok:
                raise ArgumentError(
                    f"Decorrelate: fitted PCA parameters do not match frames of length {length} "
                    f"and {k} components: mean {mean.shape}, basis {basis.shape}, "
                    f"scale {scale.shape}"
                )
            self._mean = mean if mean.ndim == 2 else mean[:, None]
            self._basis = basis if basis.ndim == 3 else basis[None]
            self._fixed, self._channels = True, (mean.shape[1] if mean.ndim == 2 else None)
        if scale.size:
            if scale.shape[0] != k or (scale <= 0).any():
                raise ArgumentError(
                    f"Decorrelate: fitted 'scale' must hold {k} positive values per channel, "
                    f"got shape {scale.shape}"
                )
            self._scale = scale if scale.ndim == 2 else scale[:, None]
            self._fixed, self._channels = True, (scale.shape[1] if scale.ndim == 2 else None)

    # -- the transform
    def _check(self, x: np.ndarray, axis_length: int, what: str) -> None:
        channels = x.shape[2] if x.ndim == 3 else None
        if x.shape[1] != axis_length or (self._fixed and channels != self._channels):
            if not self._fixed:
                want = f"(F, {axis_length}[, C])"
            elif self._channels is None:
                want = f"(F, {axis_length})"
            else:
                want = f"(F, {axis_length}, {self._channels})"
            raise ArgumentError(
                f"Decorrelate: argument {what!r} must have shape {want} as fitted, "
                f"got {x.shape}"
            )

    def forward(self, x: Any) -> np.ndarray:
        x = _floats("Decorrelate", x, kind=_FRAMES)
        self._require_fitted()
        length = int(self._state["length"])
        self._check(x, length, "x")
        k = self._kept(length)
        cube = self._cube(x)
        if self.method == "pca":
            out = np.einsum("flc,ckl->fkc", cube - self._mean, self._basis)
        else:
            out = self._dct(cube, k)
        if self._scale.size:
            out = out / self._scale
        return out if x.ndim == 3 else out[:, :, 0]

    def _inverse(self, y: Any) -> np.ndarray:
        y = _floats("Decorrelate", y, "y", _FRAMES)
        self._require_fitted()
        length = int(self._state["length"])
        k = self._kept(length)
        self._check(y, k, "y")
        cube = self._cube(y)
        if self._scale.size:
            cube = cube * self._scale
        if self.method == "pca":
            out = np.einsum("fkc,ckl->flc", cube, self._basis) + self._mean
        else:
            from scipy.fft import idct

            full = np.zeros((cube.shape[0], length, cube.shape[2]))
            full[:, :k] = cube
            out = idct(full, type=2, norm="ortho", axis=1)
        return out if y.ndim == 3 else out[:, :, 0]
