"""reduce() and expand(): the library's main calls, and the Reduced result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, FormatError
from .hierarchy import Hierarchy, get_hierarchy

__all__ = ["Reduced", "expand", "load", "reduce", "save"]

FORMAT = "infored.reduced"
VERSION = 1

#: Relative error bound (of the data's range) used when a float hierarchy is given no bound.
DEFAULT_REL_ERROR = 1e-3

#: Fixed-point scale of the stored conditional means of plane bits.
_MEAN_SCALE = 65535


@dataclass(eq=False)
class Reduced:
    """The information-reduced representation of a data set.

    ``header`` is JSON-safe: the input's shape and dtype, the fitted hierarchy, the error
    bound, and per-level sizes. ``sections`` holds the arrays: each level's messages (packed
    bits, ``level<i>.messages``), their syndromes in lossless mode (``level<i>.syndromes``)
    or else the conditional means that rebuild plane bits (``level<i>.bit_means``),
    the rest (``rest``) and the non-finite values kept aside (``nonfinite.index``,
    ``nonfinite.bits``). :func:`infored.save` writes exactly these.
    """

    header: dict[str, Any]
    sections: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.header.get("format") != FORMAT:
            raise FormatError(f"not an infored reduction (format {self.header.get('format')!r})")
        if self.header.get("version") != VERSION:
            raise FormatError(
                f"reduction version {self.header.get('version')!r} is not supported "
                f"(this infored reads version {VERSION})"
            )

    @property
    def hierarchy(self) -> Hierarchy:
        """The hierarchy that made this reduction, with its fitted stages."""
        return Hierarchy.from_config(self.header["hierarchy"])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.header["input"]["shape"])

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.header["input"]["dtype"])

    @property
    def max_abs_error(self) -> float | list[float] | None:
        """The guaranteed bound on |expand(r) - data| at the finest level: one number, or one
        per channel (relative bounds scale with each channel's range); None for exact data."""
        return self.header["max_abs_error"]

    @property
    def nlevels(self) -> int:
        return len(self.header["levels"])

    def messages(self, level: int = 0) -> np.ndarray:
        """The k-vectors of a level: a (words, k) uint8 bit array."""
        info = self._level(level)
        return _unpack_stream(
            self.sections[f"level{level}.messages"], info["words"] * info["k"]
        ).reshape(info["words"], info["k"])

    def syndromes(self, level: int = 0) -> np.ndarray | None:
        """The syndromes of a level (lossless mode), a (words, n-k) uint8 bit array, or None."""
        info = self._level(level)
        key = f"level{level}.syndromes"
        if key not in self.sections:
            return None
        r = info["n"] - info["k"]
        return _unpack_stream(self.sections[key], info["words"] * r).reshape(info["words"], r)

    def _level(self, level: int) -> dict[str, Any]:
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
            raise ArgumentTypeError(f"Argument 'level' must be an integer, got {level!r}")
        if not 0 <= level < self.nlevels:
            raise ArgumentError(f"Argument 'level' must be in 0..{self.nlevels - 1}, got {level}")
        return self.header["levels"][level]

    @property
    def nbytes(self) -> int:
        """Bytes of all sections, before any entropy coding."""
        return sum(a.nbytes for a in self.sections.values())

    @property
    def figures(self) -> dict[str, Any]:
        """Bits per input value, reduction rate of every level, sizes."""
        return self.header["figures"]

    def _with_figures(self) -> Reduced:
        values = int(np.prod(self.shape))
        self.header["figures"] = {
            "values": values,
            "input_bytes": values * self.dtype.itemsize,
            "stored_bytes": self.nbytes,
            "bits_per_value": 8 * self.nbytes / values,
            "level_rates": [lv["k"] / lv["n"] for lv in self.header["levels"]],
        }
        return self

    def __repr__(self) -> str:
        bound = self.max_abs_error
        if isinstance(bound, list):
            bound = f"<= {max(bound):.4g} per channel"
        return (
            f"Reduced(shape={self.shape}, dtype={self.dtype}, levels={self.nlevels}, "
            f"bits_per_value={self.figures['bits_per_value']:.3f}, max_abs_error={bound})"
        )


# ---------------------------------------------------------------- helpers


def _pack_stream(bits: np.ndarray) -> np.ndarray:
    return np.packbits(bits.reshape(-1))


def _unpack_stream(packed: np.ndarray, count: int) -> np.ndarray:
    if packed.dtype != np.uint8 or packed.ndim != 1 or packed.size * 8 < count:
        raise FormatError(f"a bit section holds {packed.size * 8} bits, {count} expected")
    return np.unpackbits(packed, count=count)


def _words(stream: np.ndarray, n: int) -> np.ndarray:
    """Cut a bit stream into n-bit words, padding the tail with zeros."""
    count = -(-stream.size // n)
    out = np.zeros(count * n, dtype=np.uint8)
    out[: stream.size] = stream
    return out.reshape(count, n)


def _conditional_means(words: np.ndarray, codewords: np.ndarray) -> np.ndarray:
    """E[word bit | codeword bit = b] per position, for b = 0 and 1, as (2, n) uint16 fixed
    point (of _MEAN_SCALE): the least-squares reconstruction of a plane bit from the k-vector
    alone, measured on this data."""
    out = np.empty((2, words.shape[1]), dtype=np.float64)
    for b in (0, 1):
        hit = codewords == b
        count = hit.sum(axis=0)
        ones = (words.astype(bool) & hit).sum(axis=0)
        out[b] = np.where(count > 0, ones / np.maximum(count, 1), float(b))
    return np.rint(out * _MEAN_SCALE).astype(np.uint16)


def _narrow(values: np.ndarray) -> np.ndarray:
    """Store non-negative integers in the smallest unsigned dtype (signed ones as int64)."""
    if values.size == 0:
        return values.astype(np.int64)
    lo, hi = int(values.min()), int(values.max())
    if lo >= 0:
        for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
            if hi <= np.iinfo(dtype).max:
                return values.astype(dtype)
    return values.astype(np.int64)


def _as_input(data: Any) -> tuple[np.ndarray, str]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        arr = np.frombuffer(bytes(data), dtype=np.uint8)
        kind = "bytes"
    else:
        try:
            arr = np.asarray(data)
        except Exception as exc:
            raise ArgumentTypeError(f"Argument 'data' must be array-like or bytes: {exc}") from None
        kind = "array"
    if arr.dtype.kind not in "fiub":
        raise ArgumentTypeError(
            f"Argument 'data' must hold real numbers, integers or bytes, got dtype {arr.dtype}"
        )
    if arr.ndim == 0:
        raise ArgumentError("Argument 'data' must have at least one axis (time first)")
    if arr.size == 0:
        raise ArgumentError(
            f"Argument 'data' is empty (shape {arr.shape}): there is nothing to reduce"
        )
    if arr.dtype == np.uint64 and arr.max() > np.iinfo(np.int64).max:
        raise ArgumentError(
            "Argument 'data' holds uint64 values above 2**63 - 1, which are not supported"
        )
    return arr, kind


def _error_bound(x: np.ndarray, max_abs_error: Any, max_rel_error: Any) -> np.ndarray:
    """Per-channel absolute bound of a (T, C) float array: the absolute bound as given (one
    number, or one per channel), or the relative bound times each channel's range (times
    max(|x|, 1) for constant channels)."""
    if max_abs_error is not None and max_rel_error is not None:
        raise ArgumentError("give either 'max_abs_error' or 'max_rel_error', not both")
    if max_abs_error is not None:
        given, name = max_abs_error, "max_abs_error"
    else:
        given = DEFAULT_REL_ERROR if max_rel_error is None else max_rel_error
        name = "max_rel_error"
    values = np.asarray(given) if not isinstance(given, (str, bytes)) else np.asarray([])
    if values.dtype.kind not in "iuf" or values.ndim > 1 or values.size == 0:
        raise ArgumentTypeError(
            f"Argument {name!r} must be a number or a sequence of numbers, got {given!r}"
        )
    if values.ndim == 1 and values.size != x.shape[1]:
        raise ArgumentError(
            f"Argument {name!r} holds {values.size} bounds; the data has {x.shape[1]} channels"
        )
    bound = np.broadcast_to(values.astype(np.float64), (x.shape[1],)).copy()
    if not np.isfinite(bound).all() or (bound <= 0).any():
        raise ArgumentError(f"Argument {name!r} must be positive and finite, got {given!r}")
    if name == "max_abs_error":
        return bound
    span = x.max(axis=0) - x.min(axis=0)
    scale = np.where(span > 0, span, np.maximum(1.0, np.abs(x).max(axis=0)))
    return bound * scale


def _set_aside_nonfinite(x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Keep NaN/inf exactly (index + bit pattern) and replace them by the previous finite value."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return x, {}
    flat = x.reshape(-1)
    index = np.flatnonzero(bad.reshape(-1))
    bits = flat[index].astype(np.float64).view(np.uint64)
    filled = x.copy()
    finite = np.where(bad, 0, 1).astype(bool)
    # previous finite value along time, per channel (0 before the first one)
    pos = np.where(finite, np.arange(x.shape[0])[:, None], 0)
    np.maximum.accumulate(pos, axis=0, out=pos)
    prev = np.take_along_axis(np.where(finite, x, 0.0), pos, axis=0)
    filled[bad] = prev[bad]
    return filled, {"nonfinite.index": index.astype(np.int64), "nonfinite.bits": bits}


# ---------------------------------------------------------------- reduce


def reduce(
    data: Any,
    hierarchy: Hierarchy | dict[str, Any] | str | None = None,
    *,
    max_abs_error: float | Sequence[float] | None = None,
    max_rel_error: float | Sequence[float] | None = None,
    lossless: bool = False,
) -> Reduced:
    """Reduce data through a hierarchy of preprocessing stages and ECC levels.

    Parameters
    ----------
    data : array_like or bytes
        Time on axis 0, channels after it; float, integer or raw bytes. NaN and ±inf are kept
        exactly aside and restored by :func:`expand`.
    hierarchy : Hierarchy, dict, str, optional
        A hierarchy, its config, a preset name (see :data:`infored.PRESETS`) or TOML text;
        by default ``"float"`` for float data and ``"bytes"`` for integers and bytes.
    max_abs_error, max_rel_error : float or sequence of float, optional
        Error bound for float data, absolute or relative to the data's range, one number or
        one per channel (default: a relative bound of 1e-3). The quantiser's step is chosen
        so that :func:`expand` at the finest level never exceeds it, ECC levels included.
    lossless : bool
        Keep every level's syndromes, so :func:`expand` restores the levels' input bits
        exactly (the data exactly, when no stage is lossy).

    Returns
    -------
    Reduced

    Examples
    --------
    >>> import numpy as np
    >>> x = np.sin(np.linspace(0, 20, 1000))
    >>> r = reduce(x, "float", max_abs_error=1e-3)
    >>> bool(np.abs(expand(r) - x).max() <= 1e-3)
    True
    """
    arr, kind = _as_input(data)
    if hierarchy is None:
        hierarchy = "float" if arr.dtype.kind == "f" else "bytes"
    h = get_hierarchy(hierarchy)
    if h.keys:
        if max_abs_error is not None or max_rel_error is not None or lossless:
            raise ArgumentError(
                "a key hierarchy (soft levels) makes similarity keys: error bounds and lossless "
                "mode do not apply to it"
            )
        return _reduce_keys(arr, kind, h)
    return _reduce_planes(arr, kind, h, max_abs_error, max_rel_error, bool(lossless))


def _input_header(arr: np.ndarray, kind: str) -> dict[str, Any]:
    return {"kind": kind, "shape": list(arr.shape), "dtype": arr.dtype.str}


def _reduce_planes(arr, kind, h: Hierarchy, max_abs_error, max_rel_error, lossless) -> Reduced:
    from .stages import Quantise

    x = arr.reshape(arr.shape[0], -1)
    sections: dict[str, np.ndarray] = {}
    stages = list(h.stages)
    bound = None
    p = h.planes
    if arr.dtype.kind == "f":
        x, aside = _set_aside_nonfinite(x.astype(np.float64))
        sections.update(aside)
        if not stages or not isinstance(stages[0], Quantise):
            raise ArgumentError(
                "float data needs a hierarchy whose first stage is a quantiser "
                "({'id': 'quantise'}) so that the error bound can be placed"
            )
        bound = _error_bound(x, max_abs_error, max_rel_error)
        target = bound.copy()
        if arr.dtype.itemsize < 8:  # casting back rounds by up to half an ulp of the dtype
            top = np.abs(x).max(axis=0).astype(arr.dtype)
            target -= np.spacing(top).astype(np.float64)
            if (target <= 0).any():
                raise ArgumentError(
                    f"the error bound is below the {arr.dtype} resolution of the data: "
                    f"{bound.min():.3g} asked, values up to {np.abs(x).max():.3g}"
                )
        # corrupting p low planes moves a value by up to 2**p - 1 steps; rounding adds half a step
        spread = 0.5 if lossless or p == 0 else (1 << p) - 0.5
        stages[0] = Quantise(max_abs_error=(target / (2 * spread)).tolist())
    elif max_abs_error is not None or max_rel_error is not None:
        raise ArgumentError(
            f"error bounds apply to float data; {arr.dtype} data is reduced "
            + ("exactly with lossless=True" if not lossless else "exactly")
        )
    else:
        x = x.astype(np.int64)

    fitted = []
    y = x
    for stage in stages:
        stage = stage.fit(y)
        y = stage.forward(y)
        fitted.append(stage)
    if y.dtype.kind not in "iu":
        raise ArgumentError(
            f"the stages of a plane hierarchy must end in integers, got {y.dtype} after "
            f"{fitted[-1]!r}"
            if fitted
            else f"got {y.dtype}"
        )
    q = np.asarray(y, dtype=np.int64)
    q2 = q.reshape(q.shape[0], -1)
    low = q2 & ((1 << p) - 1)
    rest = q2 >> p

    level_info = []
    streams: list[np.ndarray] = []
    for i, level in enumerate(h.levels):
        code = level.code
        if level.planes:
            stream = np.concatenate([((low >> plane) & 1).T.reshape(-1) for plane in level.planes])
        else:
            stream = streams[level.source]
        stream = stream.astype(np.uint8)
        words = _words(stream, code.n)
        if lossless:
            messages, syndromes = code.split(words)
            sections[f"level{i}.syndromes"] = _pack_stream(syndromes)
        else:
            messages = code.decode(words)
        info = {
            "n": code.n,
            "k": code.k,
            "words": int(words.shape[0]),
            "stream_bits": int(stream.size),
        }
        if level.planes and not lossless:
            sections[f"level{i}.bit_means"] = _conditional_means(words, code.encode(messages))
        sections[f"level{i}.messages"] = _pack_stream(messages)
        streams.append(messages.reshape(-1))
        level_info.append(info)

    fitted_rest = []
    for stage in h.rest:
        stage = stage.fit(rest)
        rest = stage.forward(rest)
        fitted_rest.append(stage)
    rest = _narrow(np.asarray(rest))
    # channel after channel, as byte planes (least significant first): the entropy stage then
    # sees each series' repeats, and the high bytes of small residuals as runs of zeros
    by_channel = np.ascontiguousarray(rest.reshape(rest.shape[0], -1).T)
    sections["rest"] = np.ascontiguousarray(
        by_channel.reshape(-1).view(np.uint8).reshape(-1, rest.itemsize).T
    )

    fitted_h = Hierarchy(fitted, h.levels, fitted_rest)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "input": _input_header(arr, kind),
        "hierarchy": fitted_h.get_config(),
        "int_shape": list(q.shape),
        "rest_dtype": rest.dtype.str,
        "max_abs_error": None if bound is None else _bound_json(bound, max_abs_error),
        "lossless": lossless,
        "levels": level_info,
    }
    return Reduced(header, sections)._with_figures()


def _bound_json(bound: np.ndarray, max_abs_error: Any) -> float | list[float]:
    """One number when one absolute bound was given, else one per channel."""
    return (
        float(bound[0])
        if np.ndim(max_abs_error) == 0 and max_abs_error is not None
        else bound.tolist()
    )


def _reduce_keys(arr, kind, h: Hierarchy) -> Reduced:
    x = arr.astype(np.float64)
    fitted = []
    for stage in h.stages:
        stage = stage.fit(x)
        x = stage.forward(x)
        fitted.append(stage)
    first = h.levels[0]
    if not first.soft:
        raise ArgumentError("the first level of a key hierarchy must be a soft level")
    if x.ndim == 3:  # (frames, length, channels): one vector per frame and channel
        x = np.moveaxis(x, 2, 1)
    vectors = x.reshape(-1, x.shape[-1]) if x.ndim > 1 else x.reshape(1, -1)
    sections: dict[str, np.ndarray] = {}
    level_info = []
    streams: list[np.ndarray] = []
    for i, level in enumerate(h.levels):
        code = level.code
        if level.soft:
            if vectors.shape[-1] != code.n:
                raise ArgumentError(
                    f"level {i}: the stages give vectors of width {vectors.shape[-1]}, but "
                    f"{code!r} decodes vectors of width n={code.n}: frame the data with "
                    f"length {code.n}"
                )
            messages = code.decode_soft(vectors)
            stream_bits = vectors.size
        else:
            stream = streams[level.source]
            words = _words(stream, code.n)
            messages = code.decode(words)
            stream_bits = stream.size
        sections[f"level{i}.messages"] = _pack_stream(messages)
        streams.append(messages.reshape(-1))
        level_info.append(
            {
                "n": code.n,
                "k": code.k,
                "words": int(messages.shape[0]),
                "stream_bits": int(stream_bits),
            }
        )
    header = {
        "format": FORMAT,
        "version": VERSION,
        "input": _input_header(arr, kind),
        "hierarchy": Hierarchy(fitted, h.levels).get_config(),
        "max_abs_error": None,
        "lossless": False,
        "levels": level_info,
    }
    return Reduced(header, sections)._with_figures()


# ---------------------------------------------------------------- expand


def expand(reduced: Reduced, level: int | None = None) -> np.ndarray | bytes:
    """Approximate the data from a reduction.

    Parameters
    ----------
    reduced : Reduced
    level : int, optional
        The level to expand from. By default every plane level's own messages are used (the
        finest resolution); a chained level reconstructs its source levels by re-encoding its
        messages, a coarser approximation. The error bound holds at the finest resolution.

    Returns
    -------
    numpy.ndarray or bytes
        The data's shape and dtype (bytes for bytes input); exact when the reduction kept its
        syndromes and no stage is lossy.
    """
    if not isinstance(reduced, Reduced):
        raise ArgumentTypeError(
            f"Argument 'reduced' must be a Reduced, got {type(reduced).__name__}"
        )
    from .stages import Quantise

    h = reduced.hierarchy
    if h.keys:
        raise ArgumentError(
            "this reduction holds similarity keys (soft levels), which have no inverse; "
            "read them with reduced.messages(level)"
        )
    if level is not None:
        reduced._level(level)
    header = reduced.header
    info = header["levels"]
    lossless = header["lossless"]

    # expanding from a chained level: each level on its path down to the plane level is
    # rebuilt from the codewords of the level above it instead of its own messages
    rebuilt_by: dict[int, int] = {}
    node = level
    while node is not None and h.levels[node].source is not None:
        rebuilt_by[h.levels[node].source] = node
        node = h.levels[node].source

    def message_stream(i: int) -> np.ndarray:
        if i in rebuilt_by:
            return input_stream(rebuilt_by[i])[: info[i]["words"] * info[i]["k"]]
        return reduced.messages(i).reshape(-1)

    def input_stream(i: int) -> np.ndarray:
        """The bits level i decoded: its codewords, merged with syndromes in lossless mode."""
        code = h.levels[i].code
        msgs = message_stream(i).reshape(info[i]["words"], info[i]["k"])
        syn = reduced.syndromes(i) if lossless else None
        words = code.merge(msgs, syn) if syn is not None else code.encode(msgs)
        return words.reshape(-1)[: info[i]["stream_bits"]]

    # Without syndromes, a plane bit is rebuilt as the mean of the input bits that decoded to
    # the same codeword bit at its position (measured by reduce): the least-squares
    # reconstruction, at no cost in the bound. It needs a linear dequantiser: a lone Quantise.
    plane_levels = [i for i, lv in enumerate(h.levels) if lv.planes]
    soft = not lossless and len(h.stages) == 1 and isinstance(h.stages[0], Quantise)
    int_shape = tuple(header["int_shape"])
    channels = int(np.prod(int_shape[1:])) if len(int_shape) > 1 else 1
    T = int_shape[0]
    low = np.zeros((T, channels), dtype=np.float64 if soft else np.int64)
    for i in plane_levels:
        lv = h.levels[i]
        bits = input_stream(i)
        if soft:
            means = reduced.sections[f"level{i}.bit_means"]
            if means.shape != (2, lv.code.n) or means.dtype != np.uint16:
                raise FormatError(
                    f"level {i}: bit means of shape {means.shape} and dtype {means.dtype}; "
                    f"(2, {lv.code.n}) uint16 expected"
                )
            bits = means[bits, np.arange(bits.size) % lv.code.n] / _MEAN_SCALE
        stream = bits.reshape(len(lv.planes), channels, T)
        for j, plane in enumerate(lv.planes):
            low += stream[j].T * (1 << plane)

    rest = _rest_values(reduced, header)
    for stage in reversed(h.rest):
        rest = np.asarray(stage.inverse(rest), dtype=np.int64)
    base = rest << h.planes
    if soft:
        whole = np.floor(low).astype(np.int64)
        frac = (low - whole).reshape(int_shape)
        quantiser = h.stages[0]
        probe = np.zeros((2, *int_shape[1:]), dtype=np.int64)
        probe[1] = 1
        ends = quantiser.inverse(probe)
        y: np.ndarray = quantiser.inverse((base + whole).reshape(int_shape)) + frac * (
            ends[1] - ends[0]
        )
    else:
        y = (base + low).reshape(int_shape)
        for stage in reversed(h.stages):
            y = stage.inverse(y)
    return _restore(reduced, np.asarray(y))


def _rest_values(reduced: Reduced, header: dict[str, Any]) -> np.ndarray:
    """Reassemble the rest from its byte planes, checking sizes against the header."""
    dtype = np.dtype(header["rest_dtype"])
    if dtype.kind not in "iu":
        raise FormatError(f"the rest has dtype {dtype}, integers expected")
    planes = np.asarray(reduced.sections["rest"])
    int_shape = header["int_shape"]
    count = int(int_shape[0]) * int(np.prod(int_shape[1:]))
    if planes.dtype != np.uint8 or planes.shape != (dtype.itemsize, count):
        raise FormatError(
            f"the rest section has shape {planes.shape} and dtype {planes.dtype}; "
            f"({dtype.itemsize}, {count}) uint8 expected"
        )
    by_channel = np.ascontiguousarray(planes.T).view(dtype).reshape(-1, int_shape[0])
    return by_channel.T.astype(np.int64)


def _restore(reduced: Reduced, y: np.ndarray) -> np.ndarray | bytes:
    shape, dtype = reduced.shape, reduced.dtype
    flat = y.reshape(-1)
    if dtype.kind == "f":
        out = flat.astype(np.float64)
        if "nonfinite.index" in reduced.sections:
            index = reduced.sections["nonfinite.index"]
            if index.size and (index.min() < 0 or index.max() >= out.size):
                raise FormatError("non-finite value index out of range")
            out[index] = reduced.sections["nonfinite.bits"].view(np.float64)
        out = out.astype(dtype)
    elif dtype == np.bool_:
        out = flat != 0
    else:
        info = np.iinfo(dtype)
        out = np.clip(np.rint(flat) if flat.dtype.kind == "f" else flat, info.min, info.max).astype(
            dtype
        )
    out = out.reshape(shape)
    return out.tobytes() if reduced.header["input"]["kind"] == "bytes" else out


# ---------------------------------------------------------------- files


def save(reduced: Reduced, path: Any, *, compress: bool | int = True) -> int:
    """Write a reduction to an ``.ird`` file (atomically); returns the bytes written.

    ``compress`` applies zstandard to each section (True: the default level; an int: that
    level; False: raw). The format is described in ``docs/format.md``.
    """
    from . import _container

    if not isinstance(reduced, Reduced):
        raise ArgumentTypeError(
            f"Argument 'reduced' must be a Reduced, got {type(reduced).__name__}"
        )
    return _container.write(path, reduced.header, reduced.sections, compress=compress)


def load(path: Any) -> Reduced:
    """Read an ``.ird`` file written by :func:`save`, checking every checksum."""
    from . import _container

    header, sections = _container.read(path)
    return Reduced(header, sections)
