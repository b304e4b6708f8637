"""Real FFTs for the spectral stages: pyFFTW when importable, numpy's FFT otherwise.

pyFFTW plans are expensive to build and cheap to reuse, so its interface cache is enabled
once: repeated calls on frames of the same shape reuse the plan. The backend is chosen on
first use (nothing is imported when ``infored`` is); the environment variable
``INFORED_FFT=numpy`` forces numpy's FFT. The two backends agree to float rounding.
"""

from __future__ import annotations

import os
from types import ModuleType

import numpy as np

__all__ = ["backend", "irfft", "rfft"]

#: Seconds an unused pyFFTW plan stays cached.
_KEEPALIVE = 30.0

_module: ModuleType | None = None
_name: str | None = None


def _set_backend(name: str | None) -> str:
    """Select ``"pyfftw"``, ``"numpy"`` or (None) the default; return the one in use."""
    global _module, _name
    if name is None:
        name = "numpy" if os.environ.get("INFORED_FFT", "").lower() == "numpy" else "pyfftw"
    if name == "pyfftw":
        try:
            import pyfftw.interfaces.cache
            import pyfftw.interfaces.numpy_fft
        except ImportError:
            name = "numpy"
        else:
            pyfftw.interfaces.cache.enable()
            # keep plans between the calls of a pipeline, not only within a burst of calls
            pyfftw.interfaces.cache.set_keepalive_time(_KEEPALIVE)
            _module, _name = pyfftw.interfaces.numpy_fft, "pyfftw"
            return _name
    if name != "numpy":
        raise ValueError(f"unknown FFT backend {name!r}")
    _module, _name = np.fft, "numpy"
    return _name


def _backend_module() -> ModuleType:
    if _module is None:
        _set_backend(None)
    assert _module is not None
    return _module


def backend() -> str:
    """Name of the FFT backend in use, ``"pyfftw"`` or ``"numpy"``."""
    _backend_module()
    assert _name is not None
    return _name


def rfft(x: np.ndarray, axis: int) -> np.ndarray:
    """Real-input FFT of float64 ``x`` along ``axis``."""
    return _backend_module().rfft(x, axis=axis)


def irfft(spectrum: np.ndarray, n: int, axis: int) -> np.ndarray:
    """Inverse of :func:`rfft` giving ``n`` real samples along ``axis``."""
    return _backend_module().irfft(spectrum, n=n, axis=axis)
