"""infored: information reduction by error-correcting-code decoding.

An n-bit word is decoded to its nearest codeword of an ECC(n, k); the codeword's k message
bits are the word's reduced representation, and the syndrome carries what was dropped.
"""

from .codes import BCH, Golay, Hamming, LinearCode, get_code, pack_bits, unpack_bits
from .errors import ArgumentError, ArgumentTypeError, FormatError, InforedError

__version__ = "0.1.0"

__all__ = [
    "BCH",
    "ArgumentError",
    "ArgumentTypeError",
    "FormatError",
    "Golay",
    "Hamming",
    "InforedError",
    "LinearCode",
    "__version__",
    "get_code",
    "pack_bits",
    "unpack_bits",
]
