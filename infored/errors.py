"""Exception types raised by infored.

Every misuse raises one of these; they subclass the built-in exception a caller would
expect (``ValueError`` or ``TypeError``), so ``except ValueError`` keeps working.
"""

__all__ = ["ArgumentError", "ArgumentTypeError", "FormatError", "InforedError"]


class InforedError(Exception):
    """Base class of every error infored raises on purpose."""


class ArgumentError(InforedError, ValueError):
    """An argument has the right type but a value, shape or size that cannot be used."""


class ArgumentTypeError(InforedError, TypeError):
    """An argument has a type or dtype that infored does not accept."""


class FormatError(InforedError, ValueError):
    """Stored data (a file, a header, a buffer) is truncated, corrupt or of an unknown version."""
