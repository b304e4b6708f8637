"""A fixed random rotation of frames: spreads each frame's energy over all coordinates."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from ._base import _FRAMES, Stage, _floats, _int_param

__all__ = ["Rotate"]


class Rotate(Stage):
    """Multiply every frame (axis 1 of ``(F, L)`` or ``(F, L, C)``) by a random rotation.

    :meth:`fit` draws a Haar-random orthogonal L x L matrix from ``seed`` (QR of a Gaussian
    matrix, signs fixed by the diagonal of R) and stores it in the config, so a rebuilt
    stage does not depend on the random generator. Whitened frames of a periodic signal can
    hold nearly all their energy in one to three coordinates; a soft decoder's choice then
    rests on the near-zero rest, and tiny changes flip the key. A rotation spreads the
    energy over every coordinate without changing distances, which keeps soft-decoded keys
    of close frames together (measured in ``bench/locality.py``).

    The inverse multiplies by the transpose: exact up to float rounding.

    Parameters
    ----------
    seed : int
        Seed of the rotation, 0 to 2**32 - 1.

    Examples
    --------
    >>> import numpy as np
    >>> frames = np.random.default_rng(1).normal(size=(100, 6))
    >>> r = Rotate(seed=3).fit(frames)
    >>> y = r.forward(frames)
    >>> bool(np.allclose(np.linalg.norm(y, axis=1), np.linalg.norm(frames, axis=1)))
    True
    >>> bool(np.allclose(r.inverse(y), frames))
    True
    """

    id = "rotate"
    _fitted_names = ("matrix",)

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = _int_param("Rotate", "seed", seed, 0, 2**32 - 1)
        self._matrix = np.zeros((0, 0))

    def _params(self) -> dict[str, Any]:
        return {"seed": self.seed}

    def _fit(self, x: Any) -> dict[str, Any]:
        length = _floats("Rotate", x, kind=_FRAMES).shape[1]
        gaussian = np.random.default_rng(self.seed).standard_normal((length, length))
        q, r = np.linalg.qr(gaussian)
        return {"matrix": q * np.where(np.diag(r) < 0, -1.0, 1.0)}

    def _load_state(self, state: dict[str, Any]) -> None:
        matrix = np.asarray(state["matrix"], dtype=np.float64)
        square = matrix.ndim == 2 and matrix.shape[0] == matrix.shape[1] and matrix.size > 0
        if not square or not np.allclose(matrix @ matrix.T, np.eye(len(matrix)), atol=1e-9):
            raise ArgumentError(
                f"Rotate: fitted 'matrix' must be a square orthogonal matrix, got shape "
                f"{matrix.shape}"
            )
        self._matrix = matrix

    def _apply(self, x: Any, name: str, matrix: np.ndarray) -> np.ndarray:
        x = _floats("Rotate", x, name, _FRAMES)
        self._require_fitted()
        if x.shape[1] != len(matrix):
            raise ArgumentError(
                f"Rotate: argument {name!r} must have frames of length {len(matrix)} as "
                f"fitted, got shape {x.shape}"
            )
        return np.einsum("fl...,lk->fk...", x, matrix)

    def forward(self, x: Any) -> np.ndarray:
        return self._apply(x, "x", self._matrix)

    def _inverse(self, y: Any) -> np.ndarray:
        return self._apply(y, "y", self._matrix.T)
