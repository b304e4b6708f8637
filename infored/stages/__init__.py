"""Preprocessing stages: what data goes through before the codes reduce it.

Every stage is a small object with ``fit(x)`` (returns a fitted copy; stateless stages
return themselves), ``forward(x)`` and, where meaningful, ``inverse(y)``; the class
attributes ``exact`` and ``invertible`` say how far ``inverse`` undoes ``forward``. Stages
compose by calling ``forward`` in sequence. ``get_config()`` holds every parameter and
fitted parameter as JSON-safe values, and :func:`get_stage` rebuilds the stage from it.

Data model: a *series* has time on axis 0 and channels after it, ``(T,)`` or ``(T, C)``;
:class:`Frame` turns it into *frames* ``(F, L)`` or ``(F, L, C)``, on which frame stages
work along axis 1; :class:`Quantise` turns floats into int64 for the exact integer stages.

=================  ===========  =====================================================
stage              works on     inverse
=================  ===========  =====================================================
Frame              series       overlap-add average; exact when hop == length
Window             frames       divide by the window (raises if it has zeros)
Filter             series       not invertible
MovingAverage      series       not invertible
Difference         series       cumulative sums; exact on integers
Detrend            series       adds the stored trend back (float rounding)
Spectral           frames       mask/magphase: band-limited frames; magnitude: no
Decorrelate        frames       transposed basis (float rounding)
Rotate             frames       transposed rotation (float rounding)
Quantise           any          dequantise, within the step (or error bound)
Predict            int series   exact
ZigZag, GrayCode   int          exact
BitPlanes          int          exact
=================  ===========  =====================================================

Examples
--------
>>> import numpy as np
>>> from infored.stages import Frame, GrayCode, Predict, Quantise, ZigZag, get_stage
>>> x = np.sin(np.arange(64) / 5.0)
>>> stages = [Quantise(max_abs_error=0.01).fit(x), Predict("linear"), ZigZag(), GrayCode()]
>>> y = x
>>> for stage in stages:
...     y = stage.forward(y)
>>> for stage in reversed(stages):
...     y = stage.inverse(y)
>>> bool(np.abs(y - x).max() <= 0.01)
True
>>> get_stage(stages[0].get_config()) == stages[0]
True
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from ._base import Stage
from ._decorrelate import Decorrelate
from ._detrend import Detrend, burg, dominant_period
from ._filters import Difference, Filter, MovingAverage
from ._framing import Frame, Window
from ._integer import BitPlanes, GrayCode, Predict, ZigZag
from ._quantise import Quantise
from ._rotate import Rotate
from ._spectral import Spectral

__all__ = [
    "STAGES",
    "BitPlanes",
    "Decorrelate",
    "Detrend",
    "Difference",
    "Filter",
    "Frame",
    "GrayCode",
    "MovingAverage",
    "Predict",
    "Quantise",
    "Rotate",
    "Spectral",
    "Stage",
    "Window",
    "ZigZag",
    "burg",
    "dominant_period",
    "get_stage",
]

#: Stage classes by config id.
STAGES: dict[str, type[Stage]] = {
    cls.id: cls
    for cls in (Frame, Window, Filter, MovingAverage, Difference, Detrend, Spectral,
                Decorrelate, Rotate, Quantise, Predict, ZigZag, GrayCode, BitPlanes)
}


def get_stage(config: dict[str, Any] | str) -> Stage:
    """Build a stage from its config (``stage.get_config()``) or, for defaults, its id.

    Examples
    --------
    >>> get_stage({"id": "frame", "length": 8, "hop": 4})
    Frame(length=8, hop=4, unfitted)
    >>> get_stage("gray")
    GrayCode()
    """
    if isinstance(config, str):
        config = {"id": config}
    if not isinstance(config, dict):
        raise ArgumentTypeError(
            f"a stage config must be a dict with an 'id' key, got {type(config).__name__}"
        )
    if "id" not in config:
        raise ArgumentError(f"a stage config must have an 'id' key, got {config!r}")
    stage_id = config["id"]
    if stage_id not in STAGES:
        raise ArgumentError(f"unknown stage id {stage_id!r}; known: {sorted(STAGES)}")
    return STAGES[stage_id].from_config(config)
