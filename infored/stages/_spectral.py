"""Frequency-domain stage on frames: band mask, magnitude or magnitude-and-phase spectra."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError
from . import _fft
from ._base import _FRAMES, Stage, _choice_param, _float_param, _floats, _int_param

__all__ = ["Spectral"]

_MODES = ("mask", "magnitude", "magphase")


class Spectral(Stage):
    """Real FFT of every frame (along axis 1), restricted to a frequency band.

    The FFT runs on pyFFTW with its plan cache (plans are built once per frame shape and
    reused), or on numpy's FFT when pyFFTW is not installed or the environment variable
    ``INFORED_FFT=numpy`` is set; the two agree to float rounding. Bin ``j`` of a frame of
    length ``L`` has frequency ``j * fs / L``; the band keeps the bins with
    ``low <= f <= high``.

    Modes:

    * ``"mask"``: zero the bins outside the band and transform back: frames in, band-limited
      frames of the same shape out. The band-limited frames are the representation, so the
      inverse is the identity (invertible, not exact).
    * ``"magnitude"``: the ``B`` in-band magnitudes ``|X|``, shape ``(F, B[, C])``; phase is
      discarded, so it is not invertible.
    * ``"magphase"``: magnitudes then phases (radians) of the in-band bins, shape
      ``(F, 2 B[, C])``; the inverse rebuilds the band-limited frames (what ``"mask"`` gives),
      and needs the frame length recorded by :meth:`fit`.

    :meth:`fit` records the frame length ``length``; a fitted stage rejects frames of another
    length.

    Parameters
    ----------
    band : (float, float), optional
        ``(low, high)`` with ``0 <= low < high <= fs / 2``; the whole spectrum by default.
    mode : {"mask", "magnitude", "magphase"}
    fs : float
        Sampling frequency; with 1.0 the band is in cycles per sample.

    Examples
    --------
    >>> import numpy as np
    >>> frames = np.cos(2 * np.pi * np.arange(16) / 4)[None, :]   # 0.25 cycles/sample
    >>> Spectral(mode="magnitude").forward(frames).round(6)[0, 3:6]
    array([0., 8., 0.])
    >>> bool(np.abs(Spectral((0.0, 0.2)).forward(frames)).max() < 1e-12)
    True
    """

    id = "spectral"
    _fitted_names = ("length",)

    def __init__(self, band: tuple[float, float] | None = None, mode: str = "mask",
                 fs: float = 1.0) -> None:
        super().__init__()
        self.mode = _choice_param("Spectral", "mode", mode, _MODES)
        self.fs = _float_param("Spectral", "fs", fs)
        if band is None:
            band = (0.0, self.fs / 2)
        if not isinstance(band, (list, tuple, np.ndarray)) or len(band) != 2:
            raise ArgumentError(f"Spectral: argument 'band' must be (low, high), got {band!r}")
        low = _float_param("Spectral", "band", band[0], positive=False)
        high = _float_param("Spectral", "band", band[1], positive=False)
        if not 0.0 <= low < high <= self.fs / 2:
            raise ArgumentError(
                f"Spectral: argument 'band' must satisfy 0 <= low < high <= fs/2 = "
                f"{self.fs / 2}, got ({low}, {high})"
            )
        self.band = [low, high]
        self.invertible = self.mode != "magnitude"  # type: ignore[misc]
        self._length: int | None = None

    def _params(self) -> dict[str, Any]:
        return {"band": list(self.band), "mode": self.mode, "fs": self.fs}

    def _why_not_invertible(self) -> str:
        return "magnitude spectra discard the phase"

    def _fit(self, x: Any) -> dict[str, Any]:
        return {"length": int(_floats("Spectral", x, kind=_FRAMES).shape[1])}

    def _load_state(self, state: dict[str, Any]) -> None:
        self._length = _int_param("Spectral", "length", state["length"])
        if self.bins(self._length).size == 0:
            raise ArgumentError(
                f"Spectral: no FFT bin of a frame of {self._length} samples lies in the band "
                f"{self.band}; widen the band or use longer frames"
            )

    def bins(self, length: int) -> np.ndarray:
        """Indices of the rFFT bins in the band for frames of ``length`` samples."""
        freqs = np.arange(length // 2 + 1) * (self.fs / length)
        return np.flatnonzero((freqs >= self.band[0]) & (freqs <= self.band[1]))

    def _frames(self, x: Any, name: str) -> np.ndarray:
        x = _floats("Spectral", x, name, _FRAMES)
        if self._length is not None and name == "x" and x.shape[1] != self._length:
            raise ArgumentError(
                f"Spectral: fitted to frames of length {self._length}, got shape {x.shape}"
            )
        return x

    def forward(self, x: Any) -> np.ndarray:
        x = self._frames(x, "x")
        length = x.shape[1]
        keep = self.bins(length)
        if keep.size == 0:
            raise ArgumentError(
                f"Spectral: no FFT bin of a frame of {length} samples lies in the band "
                f"{self.band}; widen the band or use longer frames"
            )
        spectrum = _fft.rfft(x, axis=1)
        if self.mode == "mask":
            masked = np.zeros_like(spectrum)
            masked[:, keep] = spectrum[:, keep]
            return _fft.irfft(masked, length, axis=1)
        inband = spectrum[:, keep]
        if self.mode == "magnitude":
            return np.abs(inband)
        return np.concatenate([np.abs(inband), np.angle(inband)], axis=1)

    def _inverse(self, y: Any) -> np.ndarray:
        y = self._frames(y, "y")
        if self.mode == "mask":
            return y.copy()
        self._require_fitted()
        assert self._length is not None
        keep = self.bins(self._length)
        if y.shape[1] != 2 * keep.size:
            raise ArgumentError(
                f"Spectral: argument 'y' must hold {keep.size} magnitudes and {keep.size} "
                f"phases on axis 1, got shape {y.shape}"
            )
        magnitude, phase = y[:, : keep.size], y[:, keep.size :]
        spectrum = np.zeros((y.shape[0], self._length // 2 + 1, *y.shape[2:]), dtype=complex)
        spectrum[:, keep] = magnitude * np.exp(1j * phase)
        return _fft.irfft(spectrum, self._length, axis=1)
