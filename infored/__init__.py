"""infored: information reduction by error-correcting-code decoding.

An n-bit word is decoded to its nearest codeword of an ECC(n, k); the codeword's k message
bits are the word's reduced representation, and the syndrome carries what was dropped.
"""

from .codes import BCH, Golay, Hamming, LinearCode, get_code, pack_bits, unpack_bits
from .errors import ArgumentError, ArgumentTypeError, FormatError, InforedError
from .hierarchy import PRESETS, Hierarchy, Level, get_hierarchy
from .reduce import Reduced, expand, load, reduce, save

__version__ = "0.1.0"

__all__ = [
    "BCH",
    "PRESETS",
    "ArgumentError",
    "ArgumentTypeError",
    "FormatError",
    "Golay",
    "Hamming",
    "Hierarchy",
    "InforedError",
    "Level",
    "LinearCode",
    "Reduced",
    "__version__",
    "expand",
    "get_code",
    "get_hierarchy",
    "load",
    "pack_bits",
    "reduce",
    "save",
    "unpack_bits",
]
