"""Codecs that reduce array chunks with infored: one for numcodecs (Zarr v2, Dask, anything
that takes a numcodecs codec) and a native Zarr v3 array-to-bytes codec.

Both encode a chunk to the bytes of an ``.ird`` container (see :func:`infored.save`) holding
its reduction, and decode it back to an array of exactly the chunk's shape and dtype, within
the error bound. A bound is absolute (``max_abs_error``: one number, or one per channel of the
chunk, i.e. ``prod(chunk.shape[1:])`` numbers) or relative (``max_rel_error``: relative to
each channel's range *within the chunk*, as the caller passes it: Zarr pads an array's last
chunk with the fill value); with no bound, float chunks get infored's default relative bound
of 1e-3. ``lossless=True`` keeps the syndromes, so integer chunks come back
exactly.

Importing this module registers ``Infored`` with numcodecs (``codec_id = "infored"``) and,
when zarr 3 is installed, ``InforedReduce`` with zarr (``name = "infored.reduce"``). The
package also declares both as entry points, so ``numcodecs.get_codec({"id": "infored"})`` and
Zarr arrays that use ``infored.reduce`` work in a process that never imported infored.

Examples
--------
>>> import numpy as np
>>> codec = Infored(max_abs_error=0.01)
>>> x = np.sin(np.linspace(0, 30, 2000)).reshape(1000, 2)
>>> y = codec.decode(codec.encode(x))
>>> y.shape, y.dtype, bool(np.abs(y - x).max() <= 0.01)
((1000, 2), dtype('float64'), True)
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_bytes, ensure_ndarray_like, ndarray_copy
from numcodecs.registry import register_codec

from . import _container
from .errors import ArgumentError, ArgumentTypeError, FormatError
from .hierarchy import Hierarchy, get_hierarchy
from .reduce import Reduced, expand

try:
    from zarr.abc.codec import ArrayBytesCodec as _ArrayBytesCodec
    from zarr.core.common import parse_named_configuration
except ImportError:  # zarr 3 is optional: without it only the numcodecs codec is usable
    _ArrayBytesCodec = object  # type: ignore[assignment,misc]
    parse_named_configuration = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from zarr.core.array_spec import ArraySpec
    from zarr.core.buffer import Buffer, NDBuffer
    from zarr.core.chunk_grids import ChunkGrid
    from zarr.core.dtype.wrapper import ZDType

__all__ = ["Infored", "InforedReduce", "decode_chunk", "encode_chunk"]

#: Header key of an encoded chunk that records the chunk's own shape and dtype.
CHUNK_KEY = "chunk"

#: Name of the Zarr v3 codec.
ZARR_NAME = "infored.reduce"


def _check_bound(name: str, value: Any, *, per_channel: bool) -> float | list[float] | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ArgumentTypeError(f"Argument {name!r} must be a number, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.ndim > (1 if per_channel else 0) or arr.size == 0:
        what = "a number or a list of numbers (one per channel)" if per_channel else "a number"
        raise ArgumentTypeError(f"Argument {name!r} must be {what}, got {value!r}")
    arr = arr.astype(np.float64)
    if not (np.isfinite(arr) & (arr > 0)).all():
        raise ArgumentError(f"Argument {name!r} must be positive and finite, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr.tolist()


def _settings(
    hierarchy: Any, max_abs_error: Any, max_rel_error: Any, lossless: Any
) -> dict[str, Any]:
    """Validated, JSON-safe settings shared by both codecs."""
    if max_abs_error is not None and max_rel_error is not None:
        raise ArgumentError("give either 'max_abs_error' or 'max_rel_error', not both")
    if not isinstance(lossless, (bool, np.bool_)):
        raise ArgumentTypeError(f"Argument 'lossless' must be True or False, got {lossless!r}")
    config = None
    if hierarchy is not None:
        config = get_hierarchy(hierarchy).get_config()
        if Hierarchy.from_config(config).keys:
            raise ArgumentError(
                "a key hierarchy (soft levels) has no inverse, so it cannot be a codec"
            )
    return {
        "hierarchy": config,
        "max_abs_error": _check_bound("max_abs_error", max_abs_error, per_channel=True),
        "max_rel_error": _check_bound("max_rel_error", max_rel_error, per_channel=False),
        "lossless": bool(lossless),
    }


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.kind not in "fiub" or dtype.itemsize > 8:
        raise ArgumentTypeError(f"infored codecs reduce numbers, got dtype {dtype}")
    if dtype.kind == "f" and dtype.itemsize < 4:
        raise ArgumentTypeError(
            f"infored codecs take float32 and float64: the error bound does not survive "
            f"rounding back to {dtype}"
        )


def encode_chunk(chunk: Any, settings: dict[str, Any]) -> bytes:
    """Reduce one chunk to the bytes of an ``.ird`` container.

    Parameters
    ----------
    chunk : array_like
        Any shape (0-d included) and a real, integer or bool dtype.
    settings : dict
        ``hierarchy`` (config or None), ``max_abs_error``, ``max_rel_error``, ``lossless``.

    Returns
    -------
    bytes
    """
    from .cli import _reduce_within

    arr = np.asarray(chunk)
    shape, dtype = arr.shape, arr.dtype
    if dtype.kind == "b":
        arr = arr.view(np.uint8)
    _check_dtype(dtype)
    arr = np.ascontiguousarray(arr.reshape(-1) if arr.ndim == 0 else arr)
    reduced = _reduce_within(
        arr,
        settings["hierarchy"],
        max_abs_error=settings["max_abs_error"],
        max_rel_error=settings["max_rel_error"],
        lossless=settings["lossless"],
    )
    header = dict(reduced.header)
    header[CHUNK_KEY] = {"shape": list(shape), "dtype": dtype.str}
    buffer = io.BytesIO()
    _container.write(buffer, header, reduced.sections)
    return buffer.getvalue()


def decode_chunk(data: Any) -> np.ndarray:
    """Expand the bytes made by :func:`encode_chunk` to an array of the chunk's shape and dtype."""
    header, sections = _container.read(ensure_bytes(data))
    chunk = header.pop(CHUNK_KEY, None)
    if not isinstance(chunk, dict) or {"shape", "dtype"} - set(chunk):
        raise FormatError("not a chunk encoded by an infored codec (no chunk shape and dtype)")
    out = expand(Reduced(header, sections))
    if isinstance(out, bytes):
        out = np.frombuffer(out, dtype=np.uint8)
    shape, dtype = tuple(chunk["shape"]), np.dtype(chunk["dtype"])
    if math.prod(shape) != out.size:
        raise FormatError(f"an encoded chunk of shape {shape} decodes to {out.size} values")
    if dtype.kind == "b":
        return out.reshape(shape).astype(bool)
    return out.reshape(shape).astype(dtype, copy=False)


class Infored(Codec):
    """numcodecs codec: a chunk becomes the ``.ird`` bytes of its reduction.

    Use it as a Zarr v2 compressor, or as a filter before a lossless compressor (the
    reduction is already zstd-compressed, so a compressor after it gains little).

    Parameters
    ----------
    hierarchy : Hierarchy, dict or str, optional
        A hierarchy, its config, a preset name or TOML text; stored as its config. Default:
        infored's choice for the chunk's dtype.
    max_abs_error : float or list of float, optional
        Absolute bound, or one per channel (``prod(chunk.shape[1:])`` values).
    max_rel_error : float, optional
        Bound relative to each channel's range within the chunk.
    lossless : bool
        Keep the syndromes (integer chunks come back exactly).

    Examples
    --------
    >>> import numcodecs, numpy as np
    >>> codec = numcodecs.get_codec({"id": "infored", "lossless": True})
    >>> x = np.arange(1000, dtype=np.int32).reshape(100, 10)
    >>> bool((codec.decode(codec.encode(x)) == x).all())
    True
    """

    codec_id = "infored"

    def __init__(
        self,
        hierarchy: Any = None,
        max_abs_error: float | list[float] | None = None,
        max_rel_error: float | None = None,
        lossless: bool = False,
    ) -> None:
        settings = _settings(hierarchy, max_abs_error, max_rel_error, lossless)
        self.hierarchy = settings["hierarchy"]
        self.max_abs_error = settings["max_abs_error"]
        self.max_rel_error = settings["max_rel_error"]
        self.lossless = settings["lossless"]

    def _settings(self) -> dict[str, Any]:
        return {
            "hierarchy": self.hierarchy,
            "max_abs_error": self.max_abs_error,
            "max_rel_error": self.max_rel_error,
            "lossless": self.lossless,
        }

    def encode(self, buf: Any) -> bytes:
        """Reduce a chunk (any array-like or buffer; bytes are read as uint8)."""
        return encode_chunk(ensure_ndarray_like(buf), self._settings())

    def decode(self, buf: Any, out: Any = None) -> Any:
        """Expand a chunk; into ``out`` (any shape of the same size) when given."""
        return ndarray_copy(decode_chunk(buf), out)

    def get_config(self) -> dict[str, Any]:
        return {"id": self.codec_id, **self._settings()}

    def __repr__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self._settings().items() if v not in (None, False)]
        return f"Infored({', '.join(parts)})"


@dataclass(frozen=True)
class InforedReduce(_ArrayBytesCodec):  # type: ignore[misc,valid-type]
    """Zarr v3 array-to-bytes codec ``infored.reduce``: each chunk is stored as the ``.ird``
    bytes of its reduction. Put it in place of the default ``bytes`` serializer.

    Parameters are those of :class:`Infored`. The hierarchy is kept as canonical JSON text and
    per-channel bounds as a tuple, so the codec is hashable.

    Examples
    --------
    >>> import zarr, numpy as np
    >>> z = zarr.create_array(
    ...     store={}, shape=(1000, 4), chunks=(250, 4), dtype="float32",
    ...     serializer=InforedReduce(max_abs_error=0.05), compressors=None,
    ... )
    >>> x = np.cumsum(np.ones((1000, 4), dtype=np.float32), axis=0) / 7
    >>> z[:] = x
    >>> bool(np.abs(z[:] - x).max() <= 0.05)
    True
    """

    is_fixed_size = False

    hierarchy: str | None
    max_abs_error: float | tuple[float, ...] | None
    max_rel_error: float | None
    lossless: bool

    def __init__(
        self,
        *,
        hierarchy: Any = None,
        max_abs_error: float | Sequence[float] | None = None,
        max_rel_error: float | None = None,
        lossless: bool = False,
    ) -> None:
        if isinstance(hierarchy, str) and hierarchy.lstrip().startswith("{"):
            hierarchy = json.loads(hierarchy)
        settings = _settings(hierarchy, max_abs_error, max_rel_error, lossless)
        config = settings["hierarchy"]
        bound = settings["max_abs_error"]
        object.__setattr__(
            self, "hierarchy", None if config is None else json.dumps(config, sort_keys=True)
        )
        bound = tuple(bound) if isinstance(bound, list) else bound
        object.__setattr__(self, "max_abs_error", bound)
        object.__setattr__(self, "max_rel_error", settings["max_rel_error"])
        object.__setattr__(self, "lossless", settings["lossless"])

    def _settings(self) -> dict[str, Any]:
        bound = self.max_abs_error
        return {
            "hierarchy": None if self.hierarchy is None else json.loads(self.hierarchy),
            "max_abs_error": list(bound) if isinstance(bound, tuple) else bound,
            "max_rel_error": self.max_rel_error,
            "lossless": self.lossless,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InforedReduce:
        _, configuration = parse_named_configuration(data, ZARR_NAME, require_configuration=False)
        return cls(**(configuration or {}))

    def to_dict(self) -> dict[str, Any]:
        configuration = {k: v for k, v in self._settings().items() if v is not None}
        return {"name": ZARR_NAME, "configuration": configuration}

    def validate(
        self, *, shape: tuple[int, ...], dtype: ZDType[Any, Any], chunk_grid: ChunkGrid
    ) -> None:
        native = np.dtype(dtype.to_native_dtype())
        _check_dtype(native)
        chunk_shape = getattr(chunk_grid, "chunk_shape", None)
        if isinstance(self.max_abs_error, tuple) and chunk_shape is not None:
            channels = math.prod(chunk_shape[1:]) if len(chunk_shape) > 1 else 1
            if channels != len(self.max_abs_error):
                raise ArgumentError(
                    f"{ZARR_NAME}: {len(self.max_abs_error)} per-channel bounds, but chunks of "
                    f"shape {tuple(chunk_shape)} have {channels} channels"
                )

    async def _encode_single(self, chunk_array: NDBuffer, chunk_spec: ArraySpec) -> Buffer | None:
        data = await asyncio.to_thread(encode_chunk, chunk_array.as_numpy_array(), self._settings())
        return chunk_spec.prototype.buffer.from_bytes(data)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        arr = await asyncio.to_thread(decode_chunk, chunk_bytes.to_bytes())
        native = np.dtype(chunk_spec.dtype.to_native_dtype())
        if arr.shape != tuple(chunk_spec.shape) or arr.dtype != native:
            raise FormatError(
                f"a chunk decodes to {arr.shape} {arr.dtype}, {tuple(chunk_spec.shape)} "
                f"{native} expected"
            )
        return chunk_spec.prototype.nd_buffer.from_numpy_array(arr)

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        """Not known in advance: a reduction's size depends on the data (zarr's protocol for
        variable-size codecs is to raise ``NotImplementedError`` here)."""
        raise NotImplementedError(f"{ZARR_NAME} output size depends on the data")


register_codec(Infored)
if _ArrayBytesCodec is not object:
    from zarr.registry import register_codec as _register_zarr_codec

    _register_zarr_codec(ZARR_NAME, InforedReduce)
