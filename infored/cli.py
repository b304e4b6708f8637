"""The ``infored`` command line: batch reduction of data files, and tools around ``.ird`` files.

Commands
--------
``reduce``   reduce many files, directories and globs to one ``.ird`` each (or to the arrays of a
             Zarr store), resumably, on a thread pool or a dask.distributed cluster
``expand``   approximate a reduction back to ``.npy``, ``.npz``, ``.csv``/``.tsv``, ``.zarr``
             or raw binary
``info``     header, hierarchy, sizes, ratio and error bound of a reduction
``verify``   check every checksum and decode every chunk
``codes``    the error-correcting codes available, with n, k, d and t
``presets``  the named hierarchies (``--show NAME`` prints one as TOML to edit by hand)
``bench``    infored beside zstd-3 and BitRound + Zstd on a file of your own

Chunked reductions
------------------
An input larger than ``--chunk-mb`` is cut along time (axis 0) into chunks of whole rows, each
reduced on its own, so that chunks run in parallel and memory stays bounded. The chunks of one
input are stored in one ``.ird`` container whose header has ``"format": "infored.chunked"``,
the input's shape and dtype, and one entry per chunk (its rows and the header of its
reduction); the sections of chunk ``i`` are stored under ``chunk<i>/<name>``. An input of one
chunk is stored as a plain reduction that :func:`infored.load` reads. With ``--zarr`` every
input becomes an array of a Zarr v3 group, chunked the same way, each chunk encoded by the
``infored.reduce`` codec. Chunking depends only on ``--chunk-mb`` and the input, never on
the workers or the scheduler, so every way of running gives the same bytes.

A relative bound (``--max-rel-error``) is relative to each channel's range over the *whole*
input: it is turned into one absolute bound per channel before the chunks are reduced.

Every error ends in a one-line message on stderr and a non-zero exit status: 2 for a usage
error, 1 when some inputs failed (the others are still written).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import click
import numpy as np

from .errors import ArgumentError, ArgumentTypeError, FormatError, InforedError
from .reduce import DEFAULT_REL_ERROR

__all__ = ["main"]

#: ``format`` of the header of a chunked reduction.
CHUNKED_FORMAT = "infored.chunked"
#: Version of the chunked layout this module writes and reads.
CHUNKED_VERSION = 1
#: Default chunk size, in MiB of input: a chunk takes about 7 times that while it is reduced.
DEFAULT_CHUNK_MB = 16.0

_NPY = (".npy",)
_NPZ = (".npz",)
_TABLE = (".csv", ".tsv")
_HDF5 = (".h5", ".hdf5", ".hdf", ".he5")
_RAW = (".bin", ".raw", ".dat")
_ZARR_MARKERS = ("zarr.json", ".zarray", ".zgroup")
_SUPPORTED = ".npy, .npz, .csv, .tsv, .h5/.hdf5, Zarr stores, or raw binary with --dtype"


# ======================================================================================
# Small helpers
# ======================================================================================


def _human(count: float | None) -> str:
    """Bytes in decimal units: ``1.4 MB``."""
    if count is None:
        return "-"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.3g} {unit}"
        count /= 1000
    return f"{count} TB"  # pragma: no cover - the loop always returns


def _message(exc: BaseException) -> str:
    """One line saying what went wrong: the message of infored's and the system's errors, the
    type and message of anything else."""
    if isinstance(exc, (InforedError, OSError, click.ClickException)):
        text = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def _channels(shape: Sequence[int]) -> int:
    return int(math.prod(shape[1:])) if len(shape) > 1 else 1


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON, so that values compare as they will after being stored."""
    return json.loads(json.dumps(value))


# ======================================================================================
# Reducing one block, with a bound per channel
# ======================================================================================


def _reduce_within(
    data: np.ndarray,
    hierarchy: Any = None,
    *,
    max_abs_error: float | Sequence[float] | None = None,
    max_rel_error: float | None = None,
    lossless: bool = False,
):
    """:func:`infored.reduce`, with a per-channel ``max_abs_error`` in any shape that flattens
    to one bound per channel (as the chunked paths carry it)."""
    from .reduce import reduce

    if max_abs_error is not None and np.ndim(max_abs_error):
        max_abs_error = np.asarray(max_abs_error, dtype=np.float64).reshape(-1).tolist()
    return reduce(
        data, hierarchy, max_abs_error=max_abs_error, max_rel_error=max_rel_error, lossless=lossless
    )


def _block_stats(data: np.ndarray) -> np.ndarray:
    """Per channel of a block: min, max and max |x| of its finite values, as a (3, C) array."""
    x = np.asarray(data).reshape(data.shape[0], -1)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore"):
        lo = np.where(finite, x, np.inf).min(axis=0)
        hi = np.where(finite, x, -np.inf).max(axis=0)
        big = np.where(finite, np.abs(x), 0).max(axis=0)
    return np.stack([lo, hi, big]).astype(np.float64)


def _merge_stats(parts: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(parts)
    return np.stack([stacked[:, 0].min(0), stacked[:, 1].max(0), stacked[:, 2].max(0)])


def _scale(stats: np.ndarray) -> np.ndarray:
    """What a relative bound is relative to, per channel: the range, or max(|x|, 1) for a
    constant channel (as :func:`infored.reduce` defines it)."""
    lo, hi, big = stats
    with np.errstate(invalid="ignore"):
        span = hi - lo
    span = np.where(np.isfinite(span), span, 0.0)
    return np.where(span > 0, span, np.maximum(1.0, big))


def _bound_list(bound: Any, channels: int) -> np.ndarray | None:
    if bound is None:
        return None
    return np.broadcast_to(np.asarray(bound, dtype=np.float64).reshape(-1), (channels,)).copy()


def _error_stats(data: np.ndarray, restored: np.ndarray, bound: Any) -> dict[str, Any]:
    """Largest |restored - data|, and its largest ratio to the per-channel bound."""
    x = np.asarray(data)
    y = np.asarray(restored).reshape(x.shape)
    if x.dtype.kind == "f":
        x2 = x.reshape(x.shape[0], -1).astype(np.float64)
        y2 = y.reshape(x.shape[0], -1).astype(np.float64)
        finite = np.isfinite(x2)
        if not np.array_equal(x2[~finite], y2[~finite], equal_nan=True):
            raise FormatError("NaN or infinite values did not come back exactly")
        err = np.abs(np.subtract(y2, x2, out=np.zeros_like(x2), where=finite))
    else:
        err = np.abs(y.reshape(x.shape[0], -1).astype(np.int64) - x.reshape(x.shape[0], -1))
    per_channel = err.max(axis=0).astype(np.float64)
    out: dict[str, Any] = {"max_error": float(per_channel.max()), "bound_used": None}
    limits = _bound_list(bound, per_channel.size)
    if limits is not None:
        used = float((per_channel / limits).max())
        out["bound_used"] = used
        if used > 1:
            raise FormatError(
                f"decoding check failed: an error of {out['max_error']:.6g} exceeds its bound"
            )
    return out


@dataclass(frozen=True)
class _Settings:
    """How every block of one input is reduced (picklable, shipped to workers)."""

    hierarchy: Any
    max_abs_error: Any
    max_rel_error: float | None
    lossless: bool
    check: bool
    extra: dict[str, Any] | None = None  # added to the header of a block that is a whole input


def _reduce_block(data: np.ndarray, settings: _Settings) -> tuple[bytes, dict]:
    """Reduce one block; return its ``.ird`` bytes and figures about it.

    The block is written (and zstd-compressed) here, on the worker, so what travels back and
    waits to be written is the compressed reduction.
    """
    from . import _container
    from .reduce import expand

    start = time.perf_counter()
    data = np.ascontiguousarray(data)
    reduced = _reduce_within(
        data,
        settings.hierarchy,
        max_abs_error=settings.max_abs_error,
        max_rel_error=settings.max_rel_error,
        lossless=settings.lossless,
    )
    stats: dict[str, Any] = {"max_error": None, "bound_used": None}
    if settings.check:
        stats = _error_stats(data, expand(reduced), reduced.max_abs_error)
    header = dict(reduced.header)
    header.update(settings.extra or {})
    buffer = io.BytesIO()
    _container.write(buffer, header, reduced.sections)
    stats["seconds"] = time.perf_counter() - start
    stats["bytes"] = int(data.nbytes)
    stats["bound"] = reduced.max_abs_error
    stats["lossless"] = bool(reduced.header.get("lossless"))
    return buffer.getvalue(), stats


def _zarr_block(
    data: np.ndarray, store: str, name: str, start: int, check: bool, bound: Any
) -> tuple[None, dict]:
    """Write one block into an infored Zarr array (its codec reduces it) and check it."""
    import zarr

    begin = time.perf_counter()
    array = zarr.open_array(store=store, path=name, mode="r+")
    stop = start + data.shape[0]
    array[start:stop] = data
    stats: dict[str, Any] = {"max_error": None, "bound_used": None}
    if check:
        stats = _error_stats(data, array[start:stop], bound)
    stats["seconds"] = time.perf_counter() - begin
    stats["bytes"] = int(data.nbytes)
    return None, stats


# ======================================================================================
# Inputs
# ======================================================================================


def _identity(path: str) -> dict[str, int]:
    """Size and modification time of a file, or of every file under a directory."""
    if os.path.isdir(path):
        size, mtime = 0, 0
        for root, _dirs, files in os.walk(path):
            for name in files:
                st = os.stat(os.path.join(root, name))
                size += st.st_size
                mtime = max(mtime, st.st_mtime_ns)
        return {"bytes": size, "mtime_ns": mtime}
    st = os.stat(path)
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def _check_dtype(dtype: np.dtype) -> None:
    if dtype.kind not in "fiu" or dtype.itemsize > 8:
        raise ArgumentTypeError(f"dtype {dtype}: only real numbers and integers can be reduced")
    if dtype.kind == "f" and dtype.itemsize < 4:
        raise ArgumentTypeError(
            f"dtype {dtype}: the error bound does not survive rounding back to {dtype}; "
            "convert the data to float32"
        )


@dataclass
class _Source(ABC):
    """One array of an input file, read by rows; picklable, so workers read it themselves."""

    path: str
    key: str | None
    shape: tuple[int, ...]
    dtype: np.dtype
    columns: list[str] | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        return int(math.prod(self.shape)) * self.dtype.itemsize

    @abstractmethod
    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as a NumPy array."""

    def __getitem__(self, index: Any) -> np.ndarray:
        """Basic indexing, for :func:`dask.array.from_array`: rows are read, then sliced."""
        index = index if isinstance(index, tuple) else (index,)
        rows = index[0] if index else slice(None)
        if not isinstance(rows, slice):
            rows = slice(int(rows), int(rows) + 1)
            block = self.read(*rows.indices(self.shape[0])[:2])[0]
        else:
            start, stop, step = rows.indices(self.shape[0])
            block = self.read(start, max(start, stop))[::step]
        return block[(slice(None), *index[1:])] if len(index) > 1 else block


@dataclass
class _FileRows(_Source):
    """Rows of a C-ordered array stored raw in a file from ``offset`` (``.npy``, raw binary)."""

    offset: int = 0

    def read(self, start: int, stop: int) -> np.ndarray:
        row = _channels(self.shape)
        out = np.fromfile(
            self.path,
            dtype=self.dtype,
            count=(stop - start) * row,
            offset=self.offset + start * row * self.dtype.itemsize,
        )
        if out.size != (stop - start) * row:
            raise FormatError(f"the file is shorter than its shape {self.shape} says")
        return out.reshape((stop - start, *self.shape[1:]))


@dataclass
class _Loaded(_Source):
    """An array read whole (a Fortran-ordered ``.npy``, an ``.npz`` member, a table)."""

    kind: str = "npz"

    def read(self, start: int, stop: int) -> np.ndarray:
        return _load_whole(self.kind, self.path, self.key, os.stat(self.path).st_mtime_ns)[
            start:stop
        ]


@lru_cache(maxsize=4)
def _load_whole(kind: str, path: str, key: str | None, _mtime: int) -> np.ndarray:
    if kind == "npz":
        with np.load(path, allow_pickle=False) as npz:
            return npz[key]
    if kind == "npy":
        return np.load(path, allow_pickle=False)
    return _table(path, _mtime)[0]


@lru_cache(maxsize=4)
def _table(path: str, _mtime: int) -> tuple[np.ndarray, list[str] | None]:
    return _read_table(path)


@dataclass
class _ZarrRows(_Source):
    def read(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(_open_zarr_array(self.path, self.key or "")[start:stop])


@lru_cache(maxsize=16)
def _open_zarr_array(path: str, key: str):
    import zarr

    return zarr.open_array(store=path, path=key, mode="r")


@dataclass
class _Hdf5Rows(_Source):
    def read(self, start: int, stop: int) -> np.ndarray:
        h5py = _h5py()
        with h5py.File(self.path, "r") as f:
            return np.asarray(f[self.key][start:stop])


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ArgumentError("reading HDF5 files needs h5py: pip install 'infored[hdf5]'") from None
    return h5py


def _npy_header(f: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from the header of an open ``.npy`` file."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)


def _npy_source(path: str) -> _Source:
    with open(path, "rb") as f:
        shape, fortran, dtype = _npy_header(f)
        offset = f.tell()
    _check_dtype(dtype)
    if fortran and len(shape) > 1:
        return _Loaded(path, None, tuple(shape), dtype, kind="npy")
    need = offset + int(math.prod(shape)) * dtype.itemsize
    if os.path.getsize(path) < need:
        raise FormatError(f"truncated: {os.path.getsize(path)} bytes, {need} expected")
    return _FileRows(path, None, tuple(shape), dtype, offset=offset)


def _npz_members(path: str) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    import zipfile

    members = []
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not name.endswith(".npy"):
                    continue
                with zf.open(name) as f:
                    shape, _fortran, dtype = _npy_header(f)
                members.append((name[:-4], tuple(shape), dtype))
    except zipfile.BadZipFile as exc:
        raise FormatError(f"not a valid .npz file ({exc})") from None
    return members


def _read_table(path: str) -> tuple[np.ndarray, list[str] | None]:
    """A CSV/TSV file as a (rows, columns) float64 array, and the header row if it has one."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as f:
        sample = f.read(1 << 16)
    if path.lower().endswith(".tsv"):
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    first = next(csv.reader(io.StringIO(sample), delimiter=delimiter), None)
    if not first:
        raise FormatError("the table holds no rows")
    header = any(not _is_number(v) for v in first)
    columns = [c.strip() for c in first] if header else None
    try:
        data = np.loadtxt(
            path,
            delimiter=delimiter,
            skiprows=int(header),
            dtype=np.float64,
            ndmin=2,
            comments=None,
            quotechar='"',
            encoding="utf-8-sig",
        )
    except ValueError:
        data = _parse_table(path, delimiter, header, columns, len(first))
    if data.size == 0:
        raise FormatError("the table holds no data rows")
    return data, columns


def _is_number(text: str) -> bool:
    text = text.strip()
    if not text:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_table(
    path: str, delimiter: str, header: bool, columns: list[str] | None, width: int
) -> np.ndarray:
    """The slow, careful parse: names non-numeric columns, reads empty fields as NaN."""
    import csv

    rows: list[list[float]] = []
    bad: dict[int, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for line, row in enumerate(reader, start=1):
            if line == 1 and header:
                continue
            if not row:
                continue
            if len(row) != width:
                raise FormatError(f"line {line} has {len(row)} fields, {width} expected")
            values = []
            for j, text in enumerate(row):
                text = text.strip()
                if not text:
                    values.append(math.nan)
                    continue
                try:
                    values.append(float(text))
                except ValueError:
                    bad.setdefault(j, text)
                    values.append(math.nan)
            rows.append(values)
    if bad:
        names = ", ".join(
            f"{columns[j]!r} (e.g. {v!r})" if columns else f"column {j + 1} (e.g. {v!r})"
            for j, v in sorted(bad.items())
        )
        raise ArgumentTypeError(f"non-numeric columns {names}: only numeric columns can be reduced")
    return np.array(rows, dtype=np.float64).reshape(-1, width)


def _is_zarr(path: str) -> bool:
    return os.path.isdir(path) and any(
        os.path.exists(os.path.join(path, marker)) for marker in _ZARR_MARKERS
    )


def _zarr_members(path: str) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    import zarr

    node = zarr.open(store=path, mode="r")
    if isinstance(node, zarr.Array):
        return [("", tuple(node.shape), np.dtype(node.dtype))]
    return [
        (name, tuple(arr.shape), np.dtype(arr.dtype))
        for name, arr in sorted(node.members(max_depth=None))
        if isinstance(arr, zarr.Array)
    ]


def _hdf5_members(path: str) -> list[tuple[str, tuple[int, ...], np.dtype]]:
    h5py = _h5py()
    found: list[tuple[str, tuple[int, ...], np.dtype]] = []
    with h5py.File(path, "r") as f:

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                found.append((name, tuple(obj.shape), np.dtype(obj.dtype)))

        f.visititems(visit)
    return found


@dataclass
class _Item:
    """One array to reduce to one output."""

    label: str  # what the user sees: path[:key]
    name: str  # output name under OUT, without ".ird"
    source: _Source
    identity: dict[str, Any]


@dataclass
class _Found:
    items: list[_Item] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, message)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)


def _split_key(text: str) -> tuple[str, str | None]:
    """``file.h5:/group/data`` -> (``file.h5``, ``group/data``), when the file exists."""
    if os.path.exists(text) or ":" not in text:
        return text, None
    at = 0
    while (at := text.find(":", at + 1)) != -1:
        if os.path.exists(text[:at]):
            return text[:at], text[at + 1 :].strip("/") or None
    return text, None


def _walk(root: str, exclude: str | None) -> Iterator[str]:
    """Files and Zarr stores under a directory, sorted, hidden ones and ``exclude`` left out."""
    for here, dirs, files in os.walk(root):
        dirs.sort()
        keep = []
        for d in dirs:
            full = os.path.join(here, d)
            if d.startswith(".") or (exclude and os.path.abspath(full) == exclude):
                continue
            if _is_zarr(full):
                yield full
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith(".ird"):
                yield os.path.join(here, name)


def _discover(
    inputs: Sequence[str],
    *,
    key: str | None,
    dtype: str | None,
    shape: str | None,
    exclude: str | None = None,
) -> _Found:
    """Expand files, directories and globs into arrays to reduce."""
    import glob

    found = _Found()
    for text in inputs:
        path, inline_key = _split_key(text)
        if os.path.isdir(path) and not _is_zarr(path):
            for full in _walk(path, exclude):
                rel = os.path.relpath(full, path)
                _add(found, full, rel, inline_key or key, dtype, shape, walking=True)
            continue
        if not os.path.exists(path) and any(c in path for c in "*?["):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                found.failed.append((text, "no file matches this pattern"))
            for match in matches:
                if not (exclude and os.path.abspath(match).startswith(exclude)):
                    _add(found, match, os.path.basename(match), inline_key or key, dtype, shape)
            continue
        _add(found, path, os.path.basename(os.path.normpath(path)), inline_key or key, dtype, shape)
    return found


def _add(
    found: _Found,
    path: str,
    name: str,
    key: str | None,
    dtype: str | None,
    shape: str | None,
    *,
    walking: bool = False,
) -> None:
    """Add the arrays of one file (or Zarr store); record why if it cannot be read."""
    lower = path.lower().rstrip("/")
    try:
        if not os.path.exists(path):
            raise FileNotFoundError("no such file or directory")
        if _is_zarr(path) or lower.endswith(".zarr"):
            members = _zarr_members(path)
            _add_members(
                found,
                path,
                name,
                key,
                members,
                _ZarrRows,
                single=bool(members) and members[0][0] == "",
            )
        elif lower.endswith(_NPZ):
            _add_members(found, path, name, key, _npz_members(path), _Loaded, single=False)
        elif lower.endswith(_HDF5):
            _add_members(found, path, name, key, _hdf5_members(path), _Hdf5Rows, single=False)
        else:
            if key is not None:
                raise ArgumentError(f"a key ({key!r}) applies to .npz, HDF5 and Zarr inputs")
            if lower.endswith(_NPY):
                source = _npy_source(path)
            elif lower.endswith(_TABLE):
                data, columns = _table(path, os.stat(path).st_mtime_ns)
                source = _Loaded(path, None, data.shape, data.dtype, columns, kind="table")
            elif dtype is not None and (lower.endswith(_RAW) or not walking):
                source = _raw_source(path, dtype, shape)
            elif walking:
                return  # other files in a directory are not inputs
            else:
                suffix = os.path.splitext(path)[1] or "(no suffix)"
                raise ArgumentError(f"unsupported input type {suffix}; use {_SUPPORTED}")
            _check_shape(source.shape)
            found.items.append(_Item(path, name, source, _identity(path)))
    except (InforedError, OSError, ValueError, TypeError) as exc:
        found.failed.append((path, _message(exc)))


def _add_members(
    found: _Found,
    path: str,
    name: str,
    key: str | None,
    members: list[tuple[str, tuple[int, ...], np.dtype]],
    kind: type[_Source],
    *,
    single: bool,
) -> None:
    identity = _identity(path)
    if key is not None:
        chosen = [m for m in members if m[0] == key]
        if not chosen:
            names = ", ".join(m[0] for m in members) or "none"
            raise ArgumentError(f"no array {key!r} (arrays: {names})")
    else:
        chosen = members
    if not chosen:
        raise ArgumentError("no arrays in it")
    for member, shape, dtype in chosen:
        label = path if single else f"{path}:{member}"
        try:
            _check_dtype(dtype)
            _check_shape(shape)
        except InforedError as exc:
            if key is not None:
                raise
            found.ignored.append((label, _message(exc)))
            continue
        source = (
            kind(path, member, shape, dtype, kind="npz")
            if kind is _Loaded
            else kind(path, member or None, shape, dtype)
        )
        out = name if single else f"{name}.{member.replace('/', '.')}"
        found.items.append(_Item(label, out, source, identity))


def _check_shape(shape: tuple[int, ...]) -> None:
    if len(shape) == 0:
        raise ArgumentError("a single value (0-d): there is no time axis to reduce")
    if math.prod(shape) == 0:
        raise ArgumentError(f"empty (shape {shape})")


def _raw_source(path: str, dtype: str, shape: str | None) -> _Source:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ArgumentTypeError(f"--dtype {dtype!r} is not a NumPy dtype") from None
    _check_dtype(dt)
    size = os.path.getsize(path)
    if size % dt.itemsize:
        raise ArgumentError(f"{size} bytes is not a whole number of {dt} values")
    count = size // dt.itemsize
    dims = _parse_shape(shape) if shape else (-1,)
    known = math.prod(d for d in dims if d != -1)
    if dims.count(-1) == 1:
        if known == 0 or count % known:
            raise ArgumentError(f"{count} values do not fill shape {shape}")
        dims = tuple(count // known if d == -1 else d for d in dims)
    elif math.prod(dims) != count:
        raise ArgumentError(f"{count} values do not fill shape {shape}")
    return _FileRows(path, None, dims, dt, offset=0)


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise ArgumentError(f"--shape {text!r} must be integers separated by commas") from None
    if not dims or dims.count(-1) > 1 or any(d < -1 or d == 0 for d in dims):
        raise ArgumentError(f"--shape {text!r}: positive sizes, and at most one -1")
    return dims


# ======================================================================================
# Stored reductions: plain and chunked .ird files, infored Zarr arrays
# ======================================================================================


class _Stored:
    """A reduction written by this command: an ``.ird`` file (plain or chunked) or an array
    of a Zarr store whose codec is ``infored.reduce``."""

    def __init__(self, path: str) -> None:
        self.path = path
        if os.path.isdir(path):
            self._open_zarr(path)
        else:
            self._open_ird(path)

    # -- .ird
    def _open_ird(self, path: str) -> None:
        from . import _container

        self.kind = "ird"
        self.header, self._sections = _container.read(path)
        self.size = os.path.getsize(path)
        fmt = self.header.get("format")
        if fmt == CHUNKED_FORMAT:
            if self.header.get("version") != CHUNKED_VERSION:
                raise FormatError(
                    f"{path}: chunked reduction version {self.header.get('version')!r} is not "
                    f"supported (this infored reads version {CHUNKED_VERSION})"
                )
            self.rows = [(c["start"], c["stop"]) for c in self.header["chunks"]]
        else:
            from .reduce import Reduced

            Reduced(self.header, {})  # checks format and version
            self.rows = [(0, int(self.header["input"]["shape"][0]))]
        self.shape = tuple(self.header["input"]["shape"])
        self.dtype = np.dtype(self.header["input"]["dtype"])

    def reduction(self, i: int):
        """The :class:`infored.Reduced` of chunk ``i``."""
        from . import _container
        from .reduce import Reduced

        if self.header.get("format") != CHUNKED_FORMAT:
            return Reduced(self.header, self._sections)
        header, sections = _container.read(self._chunk(i))
        return Reduced(header, sections)

    def _chunk(self, i: int) -> memoryview:
        name = f"chunk{i}"
        if name not in self._sections:
            raise FormatError(f"{self.path}: chunk {i} is missing")
        return memoryview(np.ascontiguousarray(self._sections[name], dtype=np.uint8))

    # -- Zarr
    def _open_zarr(self, path: str) -> None:
        import zarr

        self.kind = "zarr"
        try:
            self._array = zarr.open_array(store=path, mode="r")
        except Exception as exc:
            raise FormatError(f"{path} is not a Zarr array: {_message(exc)}") from None
        attrs = dict(self._array.attrs).get("infored")
        if not isinstance(attrs, dict):
            raise FormatError(f"{path} is a Zarr array, but not one written by infored reduce")
        self.header = {
            "format": "infored.zarr",
            "input": {"shape": list(self._array.shape), "dtype": np.dtype(self._array.dtype).str},
            **attrs,
        }
        self.shape = tuple(self._array.shape)
        self.dtype = np.dtype(self._array.dtype)
        step = self._array.chunks[0]
        self.rows = [(s, min(s + step, self.shape[0])) for s in range(0, self.shape[0], step)]
        self.size = _identity(path)["bytes"]

    # -- common
    @property
    def origin(self) -> dict[str, Any] | None:
        return self.header.get("origin")

    @property
    def columns(self) -> list[str] | None:
        return self.header.get("columns")

    @property
    def input_bytes(self) -> int:
        return int(math.prod(self.shape)) * self.dtype.itemsize

    def block(self, i: int, level: int | None = None) -> np.ndarray:
        """Rows ``self.rows[i]``, expanded."""
        if self.kind == "zarr":
            if level is not None:
                raise ArgumentError("--level applies to .ird files, not to Zarr arrays")
            start, stop = self.rows[i]
            return np.asarray(self._array[start:stop])
        from .reduce import expand

        out = expand(self.reduction(i), level)
        if isinstance(out, bytes):
            out = np.frombuffer(out, dtype=np.uint8)
        return out

    def bound(self) -> Any:
        """The error bound: a number, one per channel, or None (exact)."""
        return self.header.get("max_abs_error")

    def codec(self) -> dict[str, Any]:
        """The Zarr array's serializer, as its metadata records it."""
        return self._array.serializer.to_dict()

    def hierarchy_config(self) -> dict[str, Any] | None:
        if self.kind == "zarr":
            return None
        if self.header.get("format") == CHUNKED_FORMAT:
            from . import _container

            return _container.read_header(self._chunk(0))["header"]["hierarchy"]
        return self.header["hierarchy"]


def _combined_bound(bounds: list[Any], channels: int) -> Any:
    """One bound for a whole input from those of its chunks: the largest per channel."""
    if all(b is None for b in bounds):
        return None
    if all(np.ndim(b) == 0 for b in bounds) and len({float(b) for b in bounds}) == 1:
        return float(bounds[0])
    return np.max([_bound_list(b, channels) for b in bounds if b is not None], axis=0).tolist()


def _write_reduction(
    path: str,
    source: _Source,
    rows: list[tuple[int, int]],
    results: list[tuple[bytes, dict]],
    extra: dict[str, Any],
) -> int:
    """Write the reductions of an input's chunks as one ``.ird``; return the bytes written.

    One chunk: its ``.ird`` bytes as they are (the worker put ``extra`` in its header). More:
    a chunked container whose section ``chunk<i>`` holds the ``.ird`` bytes of chunk ``i``.
    """
    from . import _container

    if len(results) == 1:
        return _write_bytes(path, results[0][0])
    sections = {
        f"chunk{i}": np.frombuffer(blob, dtype=np.uint8) for i, (blob, _) in enumerate(results)
    }
    stored = sum(len(blob) for blob, _ in results)
    values = int(math.prod(source.shape))
    header = {
        "format": CHUNKED_FORMAT,
        "version": CHUNKED_VERSION,
        "input": {"kind": "array", "shape": list(source.shape), "dtype": source.dtype.str},
        "max_abs_error": _combined_bound(
            [stats["bound"] for _, stats in results], _channels(source.shape)
        ),
        "lossless": results[0][1]["lossless"],
        "chunks": [{"start": start, "stop": stop} for start, stop in rows],
        "figures": {
            "values": values,
            "input_bytes": values * source.dtype.itemsize,
            "stored_bytes": stored,
            "bits_per_value": 8 * stored / values,
        },
        **extra,
    }
    # the chunks are compressed already; zstd still shrinks the JSON headers inside them
    return _container.write(path, header, sections, compress=True)


def _write_bytes(path: str, data: bytes) -> int:
    """Write a file atomically: a temporary file in the same directory, synced, renamed."""
    tmp = _atomic_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(data)


# ======================================================================================
# The batch: planning, running on threads or on a dask cluster, writing
# ======================================================================================


@dataclass
class _Job:
    """The work and the outcome for one item."""

    item: _Item
    output: str
    rows: list[tuple[int, int]]
    origin: dict[str, Any]
    needs_stats: bool
    status: str = "pending"  # pending, ok, skipped, failed
    error: str | None = None
    results: list[Any] = field(default_factory=list)
    stats: list[Any] = field(default_factory=list)
    settings: _Settings | None = None
    bound: Any = None
    bytes_out: int | None = None
    done: int = 0

    def summary(self) -> dict[str, Any]:
        figures = [r[1] for r in self.results if r is not None]
        bytes_in = self.item.source.nbytes
        out: dict[str, Any] = {
            "input": self.item.label,
            "output": self.output,
            "status": self.status,
            "bytes_in": bytes_in,
            "bytes_out": self.bytes_out,
            "ratio": bytes_in / self.bytes_out if self.bytes_out else None,
            "max_error": None,
            "bound_used": None,
            "seconds": round(sum(f["seconds"] for f in figures), 6),
        }
        errors = [f["max_error"] for f in figures if f["max_error"] is not None]
        used = [f["bound_used"] for f in figures if f["bound_used"] is not None]
        out["max_error"] = max(errors) if errors else None
        out["bound_used"] = max(used) if used else None
        if self.error:
            out["error"] = self.error
        return out


class _LocalRunner:
    """Blocks on a thread pool in this process (the kernels release the GIL)."""

    def __init__(self, workers: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infored-cli")
        self.pending: set[Any] = set()

    def submit(self, fn: Any, job: _Job, i: int, *args: Any) -> Any:
        source = job.item.source
        start, stop = job.rows[i]
        future = self._pool.submit(lambda: fn(source.read(start, stop), *args))
        self.pending.add(future)
        return future

    def wait(self) -> list[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
        return list(done)

    def cancel(self, futures: list[Any]) -> None:
        for future in futures:
            if future.cancel():
                self.pending.discard(future)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskRunner:
    """Blocks on a dask.distributed cluster: each input becomes a dask array chunked along time,
    and every block is reduced on a worker (which reads its rows from the shared file)."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise click.UsageError(
                "--scheduler needs dask.distributed: pip install 'infored[dask]'"
            ) from None
        try:
            self._client = Client(address, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise click.ClickException(
                f"cannot reach the scheduler {address}: {_message(exc)}"
            ) from None
        self._done = as_completed([], loop=self._client.loop)
        self._arrays: dict[int, Any] = {}
        self.pending: set[Any] = set()

    def _blocks(self, job: _Job) -> list[Any]:
        import dask.array as da

        if id(job) not in self._arrays:
            source = job.item.source
            step = job.rows[0][1] - job.rows[0][0]
            array = da.from_array(
                source,
                chunks=(step, *source.shape[1:]),
                name=False,
                asarray=True,
                meta=np.empty((0,) * source.ndim, dtype=source.dtype),
            )
            self._arrays[id(job)] = array.to_delayed().reshape(-1).tolist()
        return self._arrays[id(job)]

    def submit(self, fn: Any, job: _Job, i: int, *args: Any) -> Any:
        import dask

        task = dask.delayed(fn, pure=True)(self._blocks(job)[i], *args)
        future = self._client.compute(task)
        self.pending.add(future)
        self._done.add(future)
        return future

    def wait(self) -> list[Any]:
        future = next(self._done)
        self.pending.discard(future)
        return [future]

    def cancel(self, futures: list[Any]) -> None:
        """Let the blocks of a failed input finish on the cluster; their results are dropped."""

    def close(self) -> None:
        self._client.close()


def _settings_record(
    hierarchy: Any, max_abs: float | None, max_rel: float | None, lossless: bool, rows: int
) -> dict[str, Any]:
    return {
        "hierarchy": hierarchy,
        "max_abs_error": max_abs,
        "max_rel_error": max_rel,
        "lossless": bool(lossless),
        "chunk_rows": rows,
    }


def _existing(path: str, origin: dict[str, Any], zarr_mode: bool) -> str | None:
    """``"current"`` when a complete, intact output made from the same input with the same
    settings is there; ``"partial"`` for an unfinished one of ours; else why it is in the way."""
    if zarr_mode:
        try:
            import zarr

            attrs = dict(zarr.open_array(store=path, mode="r").attrs).get("infored") or {}
        except Exception as exc:
            return f"it is not an infored Zarr array ({_message(exc)})"
        if attrs.get("origin") != origin:
            return "it was made from another input or with other settings"
        return "current" if attrs.get("complete") else "partial"
    from . import _container

    try:
        report = _container.verify(path)
        header = _container.read_header(path)["header"]
    except (InforedError, OSError) as exc:
        return f"it is damaged ({_message(exc)})"
    if not report["ok"]:
        bad = [name for name, status in report["sections"].items() if status != "ok"]
        return f"it is damaged (sections {', '.join(bad)})"
    if header.get("origin") != origin:
        return "it was made from another input or with other settings"
    return "current"


def _run_batch(
    found: _Found,
    out: str,
    *,
    hierarchy: Any,
    max_abs: float | None,
    max_rel: float | None,
    lossless: bool,
    chunk_mb: float,
    workers: int,
    scheduler: str | None,
    zarr_mode: bool,
    force: bool,
    check: bool,
    progress: bool,
) -> list[_Job]:
    jobs: list[_Job] = []
    seen: dict[str, str] = {}
    arrays: set[tuple[str, str | None]] = set()
    for item in found.items:
        array = (os.path.realpath(item.source.path), item.source.key)
        if array in arrays:
            continue  # named twice (a file and its directory, a file and a glob)
        arrays.add(array)
        clash = seen.setdefault(item.name, item.label)
        if clash != item.label:
            raise click.UsageError(
                f"{clash} and {item.label} would both be written to {item.name}; "
                "reduce them into different output directories"
            )
        source = item.source
        row_bytes = _channels(source.shape) * source.dtype.itemsize
        step = max(1, min(source.shape[0], int(chunk_mb * 2**20) // row_bytes))
        rows = [(s, min(s + step, source.shape[0])) for s in range(0, source.shape[0], step)]
        is_float = source.dtype.kind == "f"
        rel = (
            max_rel
            if max_rel is not None
            else (DEFAULT_REL_ERROR if is_float and max_abs is None else None)
        )
        record = _settings_record(hierarchy, max_abs, rel, lossless, step)
        origin = _jsonable(
            {
                "file": os.path.basename(os.path.normpath(item.source.path)),
                "key": source.key,
                **item.identity,
                "settings": record,
            }
        )
        output = os.path.join(out, item.name if zarr_mode else item.name + ".ird")
        job = _Job(item, output, rows, origin, needs_stats=False)
        job.results = [None] * len(rows)
        jobs.append(job)
        if os.path.exists(output) and not force:
            state = _existing(output, origin, zarr_mode)
            if state == "current":
                job.status = "skipped"
                job.bytes_out = _identity(output)["bytes"]
                continue
            if state != "partial":
                job.status, job.error = "failed", f"{output} exists and {state}; use --force"
                continue
        per_channel = zarr_mode or len(rows) > 1
        job.needs_stats = is_float and rel is not None and per_channel
        whole = _extra_header(job) if len(rows) == 1 and not zarr_mode else None
        job.settings = _Settings(hierarchy, max_abs, rel, lossless, check, whole)
        job.bound = max_abs

    todo = [j for j in jobs if j.status == "pending"]
    if not todo:
        return jobs
    if zarr_mode:
        os.makedirs(out, exist_ok=True)
    else:
        for job in todo:
            os.makedirs(os.path.dirname(job.output) or ".", exist_ok=True)

    runner: Any = _DaskRunner(scheduler) if scheduler else _LocalRunner(workers)
    tags: dict[Any, tuple[_Job, str, int]] = {}
    by_job: dict[int, list[Any]] = {}

    def submit(job: _Job, kind: str, i: int) -> None:
        if kind == "stats":
            future = runner.submit(_block_stats, job, i)
        elif zarr_mode:
            future = runner.submit(
                _zarr_block, job, i, out, job.item.name, job.rows[i][0], check, job.bound
            )
        else:
            future = runner.submit(_reduce_block, job, i, job.settings)
        tags[future] = (job, kind, i)
        by_job.setdefault(id(job), []).append(future)

    def start_reducing(job: _Job) -> None:
        if zarr_mode:
            _create_zarr(out, job, hierarchy, lossless)
        for i in range(len(job.rows)):
            submit(job, "reduce", i)

    def fail(job: _Job, exc: BaseException) -> None:
        job.status, job.error = "failed", _message(exc)
        runner.cancel(by_job.get(id(job), []))

    total = sum(j.item.source.nbytes for j in todo)
    bar_context = (
        click.progressbar(
            length=total,
            label=f"reducing {len(todo)} input{'s' * (len(todo) != 1)}",
            file=sys.stderr,
            show_pos=False,
            item_show_func=lambda label: label,
        )
        if progress
        else contextlib.nullcontext()
    )
    try:
        with bar_context as bar:
            for job in todo:
                try:
                    if job.needs_stats:
                        job.stats = [None] * len(job.rows)
                        for i in range(len(job.rows)):
                            submit(job, "stats", i)
                    else:
                        start_reducing(job)
                except Exception as exc:
                    fail(job, exc)
            while runner.pending:
                for future in runner.wait():
                    job, kind, i = tags.pop(future)
                    if job.status != "pending":
                        continue
                    try:
                        value = future.result()
                    except Exception as exc:
                        fail(job, exc)
                        continue
                    try:
                        if kind == "stats":
                            job.stats[i] = value
                            job.done += 1
                            if job.done == len(job.rows):
                                job.done = 0
                                assert job.settings is not None
                                rel = job.settings.max_rel_error
                                bound = rel * _scale(_merge_stats(job.stats))
                                job.bound = bound.tolist()
                                job.settings = replace(
                                    job.settings, max_abs_error=job.bound, max_rel_error=None
                                )
                                start_reducing(job)
                            continue
                        job.results[i] = value
                        job.done += 1
                        if bar is not None:
                            bar.update(value[1]["bytes"], current_item=job.item.label)
                        if job.done == len(job.rows):
                            _finish(job, out, zarr_mode)
                    except Exception as exc:
                        fail(job, exc)
    finally:
        runner.close()
    return jobs


def _extra_header(job: _Job) -> dict[str, Any]:
    extra: dict[str, Any] = {"origin": job.origin}
    if job.item.source.columns:
        extra["columns"] = list(job.item.source.columns)
    return extra


def _finish(job: _Job, out: str, zarr_mode: bool) -> None:
    if zarr_mode:
        import zarr

        array = zarr.open_array(store=out, path=job.item.name, mode="r+")
        attrs = dict(array.attrs["infored"])
        attrs["complete"] = True
        array.attrs["infored"] = attrs
        job.bytes_out = _identity(job.output)["bytes"]
    else:
        job.bytes_out = _write_reduction(
            job.output, job.item.source, job.rows, job.results, _extra_header(job)
        )
    job.status = "ok"


def _create_zarr(out: str, job: _Job, hierarchy: Any, lossless: bool) -> None:
    import zarr

    from .codecs import InforedReduce

    settings = job.settings
    assert settings is not None
    codec = InforedReduce(
        hierarchy=hierarchy,
        max_abs_error=settings.max_abs_error,
        max_rel_error=settings.max_rel_error,
        lossless=lossless,
    )
    source = job.item.source
    step = job.rows[0][1] - job.rows[0][0]
    group = zarr.open_group(store=out, mode="a")
    bound = settings.max_abs_error
    attrs = {**_extra_header(job), "complete": False, "max_abs_error": bound}
    group.create_array(
        name=job.item.name,
        shape=source.shape,
        dtype=source.dtype,
        chunks=(step, *source.shape[1:]),
        serializer=codec,
        compressors=None,
        fill_value=0,
        attributes={"infored": _jsonable(attrs)},
        overwrite=True,
    )


# ======================================================================================
# Writing expanded data
# ======================================================================================


def _atomic_path(path: str) -> str:
    import secrets

    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")


def _expand_to(stored: _Stored, out: str, level: int | None) -> None:
    """Write the expanded data to ``out``; its suffix picks the format."""
    import shutil

    lower = out.lower().rstrip("/")
    tmp = _atomic_path(out)
    try:
        if lower.endswith(".npy"):
            header = {
                "descr": np.lib.format.dtype_to_descr(stored.dtype),
                "fortran_order": False,
                "shape": stored.shape,
            }
            with open(tmp, "wb") as f:  # block by block: memory stays at one block
                try:
                    np.lib.format.write_array_header_1_0(f, header)
                except ValueError:  # a header too long for format 1.0
                    f.seek(0)
                    np.lib.format.write_array_header_2_0(f, header)
                for i in range(len(stored.rows)):
                    f.write(np.ascontiguousarray(stored.block(i, level), stored.dtype).tobytes())
        elif lower.endswith(".npz"):
            full = np.concatenate([stored.block(i, level) for i in range(len(stored.rows))])
            key = (stored.origin or {}).get("key") or "data"
            with open(tmp, "wb") as f:
                np.savez(f, **{key.replace("/", "_"): full})
        elif lower.endswith(_TABLE):
            if len(stored.shape) > 2:
                raise ArgumentError(
                    f"{out}: a table holds 2-D data, this reduction is {len(stored.shape)}-D"
                )
            sep = "\t" if lower.endswith(".tsv") else ","
            fmt = (
                "%d"
                if stored.dtype.kind in "iu"
                else ("%.9g" if stored.dtype.itemsize <= 4 else "%.17g")
            )
            with open(tmp, "w", newline="") as f:
                if stored.columns:
                    f.write(sep.join(stored.columns) + "\n")
                for i in range(len(stored.rows)):
                    block = stored.block(i, level)
                    np.savetxt(f, block.reshape(block.shape[0], -1), fmt=fmt, delimiter=sep)
        elif lower.endswith(".zarr"):
            import zarr

            step = stored.rows[0][1] - stored.rows[0][0]
            arr = zarr.create_array(
                store=tmp,
                shape=stored.shape,
                dtype=stored.dtype,
                chunks=(step, *stored.shape[1:]),
            )
            for i, (start, stop) in enumerate(stored.rows):
                arr[start:stop] = stored.block(i, level)
        elif lower.endswith(_RAW):
            with open(tmp, "wb") as f:
                for i in range(len(stored.rows)):
                    f.write(np.ascontiguousarray(stored.block(i, level)).tobytes())
        else:
            raise click.UsageError(
                f"cannot tell the output format from {out!r}: use .npy, .npz, .csv, .tsv, .zarr, "
                ".bin or .raw"
            )
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.unlink(tmp)


# ======================================================================================
# Descriptions
# ======================================================================================


def _code_label(config: dict[str, Any]) -> str:
    from .codes import get_code

    code = get_code(config)
    family = config["id"]
    if family == "golay":
        name = "golay24" if code.n == 24 else "golay"
    elif family == "hamming":
        name = ("ehamming" if config.get("extended") else "hamming") + str(config["r"])
    else:
        name = f"bch{code.n},{code.k}"
    return f"{name} ({code.n},{code.k})"


def _stage_label(config: dict[str, Any]) -> str:
    """``id(param=value, ...)`` of a stage's settings; fitted and per-channel values left out."""
    params = [
        f"{k}={v}"
        for k, v in config.items()
        if k != "id"
        and not k.startswith("fitted")
        and v is not None
        and not isinstance(v, (list, dict))
        and len(str(v)) <= 16
    ]
    return config["id"] + (f"({', '.join(params)})" if params else "")


def _hierarchy_lines(config: dict[str, Any]) -> list[str]:
    lines = []
    stages = [_stage_label(s) for s in config.get("stages", [])]
    lines.append("stages  " + (" -> ".join(stages) if stages else "(none)"))
    for i, level in enumerate(config.get("levels", [])):
        if level.get("planes"):
            what = f"planes {level['planes']}"
        elif level.get("source") is not None:
            what = f"messages of level {level['source']}"
        else:
            what = "real frames (soft)"
        lines.append(f"level {i} {_code_label(level['code'])} on {what}")
    rest = [_stage_label(s) for s in config.get("rest", [])]
    if rest:
        lines.append("rest    " + " -> ".join(rest))
    return lines


def _bound_text(bound: Any, settings: dict[str, Any] | None = None) -> str:
    if bound is None:
        return "none (exact)"
    if np.ndim(bound) == 0:
        text = f"{float(bound):.6g}"
    else:
        arr = np.asarray(bound, dtype=np.float64)
        text = f"{arr.min():.4g} .. {arr.max():.4g} per channel ({arr.size} channels)"
    if settings and settings.get("max_rel_error") is not None:
        text += f", from a relative bound of {settings['max_rel_error']:g}"
    return text


def _available_codes() -> list[dict[str, Any]]:
    from .codes import BCH, Golay, Hamming

    codes: list[tuple[str, Any]] = []
    for r in range(2, 11):
        codes.append((f"hamming{r}", Hamming(r)))
        codes.append((f"ehamming{r}", Hamming(r, extended=True)))
    codes.append(("golay", Golay()))
    codes.append(("golay24", Golay(extended=True)))
    for m in range(3, 9):
        n = 2**m - 1
        for k in range(n - 1, 0, -1):
            try:
                code = BCH(n, k)
            except ArgumentError:
                continue
            codes.append((f"bch{n},{k}", code))
    return [
        {
            "name": name,
            "family": type(code).__name__.lower(),
            "n": code.n,
            "k": code.k,
            "d": code.d,
            "t": code.t,
            "rate": code.k / code.n,
            "decoder": code.decoder,
        }
        for name, code in codes
    ]


# ======================================================================================
# The commands
# ======================================================================================


class _Group(click.Group):
    """Turns every error into one line and an exit status: 2 for usage, 1 otherwise."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # the reader of our output went away (``| head``): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(1) from None
        except (InforedError, OSError) as exc:
            raise click.ClickException(_message(exc)) from None
        except Exception as exc:
            raise click.ClickException(f"unexpected error: {_message(exc)}") from None


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return os.cpu_count() or 1


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="infored", prog_name="infored")
def main() -> None:
    """Reduce data by error-correcting-code decoding, within an error bound."""


_input_options = [
    click.option(
        "--key",
        help="Array of an .npz, dataset of an HDF5 file, array of a Zarr "
        "group (or write FILE:KEY). Default: every numeric array.",
    ),
    click.option(
        "--dtype",
        help="Read files of unknown type (and .bin/.raw/.dat) as raw "
        "binary of this NumPy dtype, e.g. float32 or <i2.",
    ),
    click.option("--shape", help="Shape of raw binary input, e.g. -1,4 (time first)."),
]


def _with_input_options(fn: Any) -> Any:
    for option in reversed(_input_options):
        fn = option(fn)
    return fn


def _hierarchy_spec(value: str | None) -> Any:
    from .hierarchy import PRESETS, get_hierarchy

    if value is None:
        return None
    if os.path.isfile(value):
        with open(value, encoding="utf-8") as f:
            text = f.read()
        try:
            return get_hierarchy(text if "\n" in text else text + "\n").get_config()
        except InforedError as exc:
            raise click.BadParameter(
                f"{value}: {_message(exc)}", param_hint="--hierarchy"
            ) from None
    if value in PRESETS:
        return value
    raise click.BadParameter(
        f"{value!r} is neither a file nor a preset ({', '.join(sorted(PRESETS))})",
        param_hint="--hierarchy",
    )


@contextlib.contextmanager
def _kernel_threads(count: str) -> Iterator[None]:
    """Run the kernels single-threaded while our own pool supplies the parallelism."""
    before = os.environ.get("INFORED_NUM_THREADS")
    if before is None:
        os.environ["INFORED_NUM_THREADS"] = count
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("INFORED_NUM_THREADS", None)


@main.command("reduce")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the .ird files (a Zarr store with --zarr).",
)
@click.option("--hierarchy", help="A preset name (see `infored presets`) or a TOML/JSON file.")
@click.option("--max-abs-error", type=float, help="Absolute error bound for float data.")
@click.option(
    "--max-rel-error",
    type=float,
    help=f"Error bound relative to each channel's range (default {DEFAULT_REL_ERROR:g} "
    "for float data without --max-abs-error).",
)
@click.option(
    "--lossless", is_flag=True, help="Keep the syndromes: integer data comes back exactly."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads reducing files and chunks (default: the usable cores).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on a dask.distributed scheduler, e.g. tcp://host:8786 (the workers must "
    "see the input and output paths).",
)
@click.option(
    "--zarr",
    "zarr_mode",
    is_flag=True,
    help="Write each input as an array of the Zarr store OUT, codec infored.reduce.",
)
@click.option(
    "--chunk-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_CHUNK_MB,
    show_default=True,
    help="Cut inputs into chunks of this many MiB along time.",
)
@click.option("--force", is_flag=True, help="Overwrite existing outputs, even current ones.")
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Decode every chunk after reducing it and measure the error.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of a table.")
@_with_input_options
def reduce_command(
    inputs: tuple[str, ...],
    out: str,
    hierarchy: str | None,
    max_abs_error: float | None,
    max_rel_error: float | None,
    lossless: bool,
    workers: int | None,
    scheduler: str | None,
    zarr_mode: bool,
    chunk_mb: float,
    force: bool,
    check: bool,
    as_json: bool,
    key: str | None,
    dtype: str | None,
    shape: str | None,
) -> None:
    """Reduce files, directories and globs: one .ird per array, in OUT.

    Inputs: .npy; .npz (each numeric array, or --key); .csv/.tsv (columns are channels; a
    header row is detected); HDF5 (FILE.h5:/dataset, or each dataset); Zarr v2/v3 arrays and
    groups; raw binary with --dtype/--shape. Directories are searched for these.

    An output that is already there, intact, and made from the same input (size and
    modification time) with the same settings is skipped, so an interrupted batch can be run
    again; any other existing output is left alone unless --force is given.
    """
    if max_abs_error is not None and max_rel_error is not None:
        raise click.UsageError("give --max-abs-error or --max-rel-error, not both")
    for name, value in (("--max-abs-error", max_abs_error), ("--max-rel-error", max_rel_error)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise click.BadParameter(f"must be positive and finite, got {value}", param_hint=name)
    if scheduler and workers:
        raise click.UsageError("--workers sets local threads; with --scheduler the cluster decides")
    spec = _hierarchy_spec(hierarchy)
    if zarr_mode and os.path.exists(out) and not _is_zarr(out) and os.listdir(out):
        raise click.UsageError(f"{out} exists and is not a Zarr store")
    started = time.perf_counter()
    exclude = os.path.abspath(out)
    found = _discover(inputs, key=key, dtype=dtype, shape=shape, exclude=exclude)
    progress = sys.stderr.isatty()
    with _kernel_threads("1"):
        jobs = _run_batch(
            found,
            out,
            hierarchy=spec,
            max_abs=max_abs_error,
            max_rel=max_rel_error,
            lossless=lossless,
            chunk_mb=chunk_mb,
            workers=workers or _usable_cores(),
            scheduler=scheduler,
            zarr_mode=zarr_mode,
            force=force,
            check=check,
            progress=progress,
        )
    wall = time.perf_counter() - started
    rows = [job.summary() for job in jobs]
    rows += [
        {"input": label, "output": None, "status": "failed", "error": msg}
        for label, msg in found.failed
    ]
    rows += [
        {"input": label, "output": None, "status": "ignored", "reason": why}
        for label, why in found.ignored
    ]
    _report(rows, wall, as_json)


def _report(rows: list[dict[str, Any]], wall: float, as_json: bool) -> None:
    done = [r for r in rows if r["status"] in ("ok", "skipped")]
    failed = [r for r in rows if r["status"] == "failed"]
    bytes_in = sum(r["bytes_in"] for r in done)
    bytes_out = sum(r["bytes_out"] or 0 for r in done)
    totals = {
        "inputs": len([r for r in rows if r["status"] != "ignored"]),
        "reduced": len([r for r in rows if r["status"] == "ok"]),
        "skipped": len([r for r in rows if r["status"] == "skipped"]),
        "failed": len(failed),
        "ignored": len([r for r in rows if r["status"] == "ignored"]),
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "ratio": bytes_in / bytes_out if bytes_out else None,
        "seconds": round(wall, 6),
    }
    if as_json:
        click.echo(json.dumps({"inputs": rows, "totals": totals}, indent=2))
    else:
        for r in rows:
            if r["status"] in ("ok", "skipped"):
                err = "" if r["max_error"] is None else f"  max error {r['max_error']:.3g}"
                used = "" if r["bound_used"] is None else f" ({r['bound_used']:.0%} of bound)"
                note = (
                    "  (up to date, skipped)"
                    if r["status"] == "skipped"
                    else (f"  {r['seconds']:.2f} s")
                )
                click.echo(
                    f"{r['input']} -> {r['output']}  {_human(r['bytes_in'])} -> "
                    f"{_human(r['bytes_out'])}  {r['ratio']:.1f}x{err}{used}{note}"
                )
            elif r["status"] == "ignored":
                click.echo(f"{r['input']}: ignored ({r['reason']})")
        ratio = f" ({totals['ratio']:.1f}x)" if totals["ratio"] else ""
        click.echo(
            f"{totals['inputs']} inputs: {totals['reduced']} reduced, {totals['skipped']} "
            f"skipped, {totals['failed']} failed; {_human(bytes_in)} -> {_human(bytes_out)}"
            f"{ratio} in {wall:.2f} s"
        )
    for r in failed:
        click.echo(f"Error: {r['input']}: {r['error']}", err=True)
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {totals['inputs']} inputs failed: "
            + ", ".join(r["input"] for r in failed)
        )


@main.command("expand")
@click.argument("source", metavar="IN")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    help="Output file; its suffix picks the format: .npy .npz .csv .tsv .zarr .bin .raw",
)
@click.option("--level", type=int, help="Expand from this level (default: the finest).")
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def expand_command(source: str, out: str, level: int | None, force: bool) -> None:
    """Approximate the data of a reduction (.ird, or an infored Zarr array) back, into OUT."""
    if os.path.exists(out) and not force:
        raise click.ClickException(f"{out} exists; use --force to overwrite it")
    stored = _Stored(source)
    started = time.perf_counter()
    _expand_to(stored, out, level)
    shape = "x".join(map(str, stored.shape))
    click.echo(
        f"{source} -> {out}  {shape} {stored.dtype}  {_human(stored.input_bytes)} in "
        f"{time.perf_counter() - started:.2f} s"
    )


@main.command("info")
@click.argument("source", metavar="IN")
@click.option("--json", "as_json", is_flag=True, help="Print the header as JSON.")
def info_command(source: str, as_json: bool) -> None:
    """Describe a reduction: input, hierarchy, levels, sizes, ratio and error bound."""
    stored = _Stored(source)
    if as_json:
        click.echo(
            json.dumps({"file": source, "size": stored.size, "header": stored.header}, indent=2)
        )
        return
    origin = stored.origin or {}
    settings = origin.get("settings")
    what = origin.get("file")
    if what and origin.get("key"):
        what += f":{origin['key']}"
    lines = [("file", f"{source} ({_human(stored.size)})")]
    shape = "x".join(map(str, stored.shape))
    lines.append(
        (
            "input",
            f"{what + ', ' if what else ''}{shape} {stored.dtype}, {_human(stored.input_bytes)}",
        )
    )
    lines.append(
        (
            "ratio",
            f"{stored.input_bytes / stored.size:.2f}x "
            f"({8 * stored.size / math.prod(stored.shape):.3f} bits per value)",
        )
    )
    lines.append(("bound", _bound_text(stored.bound(), settings)))
    lines.append(
        ("chunks", f"{len(stored.rows)} of up to {stored.rows[0][1] - stored.rows[0][0]} rows")
    )
    config = stored.hierarchy_config()
    if stored.kind == "zarr":
        codec = stored.codec()
        settings_text = {
            k: v for k, v in codec.get("configuration", {}).items() if k != "max_abs_error"
        }
        lines.append(("codec", f"{codec['name']} {json.dumps(settings_text)}"))
    if config is not None:
        for line in _hierarchy_lines(config):
            lines.append(("hierarchy", line))
        head = stored.reduction(0).header
        for i, level in enumerate(head["levels"]):
            lines.append(
                ("levels", f"{i}: ({level['n']},{level['k']}), {level['words']} words in chunk 0")
            )
        lines.append(("lossless", str(bool(head.get("lossless")))))
    for label, text in lines:
        click.echo(f"{label:<10} {text}")


@main.command("verify")
@click.argument("sources", nargs=-1, required=True, metavar="IN...")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
def verify_command(sources: tuple[str, ...], as_json: bool) -> None:
    """Check every checksum of each reduction and decode all of it."""
    from . import _container

    report = []
    for source in sources:
        entry: dict[str, Any] = {"file": source, "ok": False}
        try:
            if not os.path.isdir(source):
                checks = _container.verify(source)
                bad = {n: s for n, s in checks["sections"].items() if s != "ok"}
                if bad:
                    raise FormatError("; ".join(f"section {n}: {s}" for n, s in bad.items()))
            stored = _Stored(source)
            for i, (start, stop) in enumerate(stored.rows):
                block = stored.block(i)
                want = (stop - start, *stored.shape[1:])
                if block.shape != want or block.dtype != stored.dtype:
                    raise FormatError(
                        f"chunk {i} decodes to {block.shape} {block.dtype}, "
                        f"{want} {stored.dtype} expected"
                    )
            entry.update(
                ok=True, shape=list(stored.shape), dtype=str(stored.dtype), chunks=len(stored.rows)
            )
        except (InforedError, OSError, ValueError, KeyError) as exc:
            entry["error"] = _message(exc)
        report.append(entry)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        for entry in report:
            if entry["ok"]:
                shape = "x".join(map(str, entry["shape"]))
                click.echo(
                    f"{entry['file']}: ok ({shape} {entry['dtype']}, "
                    f"{entry['chunks']} chunk{'s' * (entry['chunks'] != 1)} decoded)"
                )
            else:
                click.echo(f"{entry['file']}: FAILED: {entry['error']}", err=True)
    failed = [e["file"] for e in report if not e["ok"]]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(report)} failed: {', '.join(failed)}")


@main.command("codes")
@click.option("--family", type=click.Choice(["hamming", "golay", "bch"]), help="Only this family.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def codes_command(family: str | None, as_json: bool) -> None:
    """List codes: Hamming r=2..10 and extended, Golay 23/24, BCH over GF(2^3)..GF(2^8).

    The names work wherever a code is asked for (a hierarchy's ``code = "golay24"``).
    """
    rows = [r for r in _available_codes() if family is None or r["family"] == family]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'name':<11}{'family':<9}{'n':>5}{'k':>5}{'d':>5}{'t':>4}{'rate':>7}  decoder")
    for r in rows:
        click.echo(
            f"{r['name']:<11}{r['family']:<9}{r['n']:>5}{r['k']:>5}{r['d']:>5}{r['t']:>4}"
            f"{r['rate']:>7.3f}  {r['decoder']}"
        )


@main.command("presets")
@click.option("--show", metavar="NAME", help="Print this preset as TOML, to edit by hand.")
def presets_command(show: str | None) -> None:
    """List the named hierarchies."""
    from .hierarchy import PRESETS, get_hierarchy

    if show is not None:
        if show not in PRESETS:
            raise click.BadParameter(
                f"no preset {show!r} (presets: {', '.join(sorted(PRESETS))})", param_hint="--show"
            )
        click.echo(get_hierarchy(show).to_text(), nl=False)
        return
    for name in sorted(PRESETS):
        lines = _hierarchy_lines(PRESETS[name])
        click.echo(f"{name}")
        for line in lines:
            click.echo(f"    {line}")


@main.command("bench")
@click.argument("source", metavar="FILE")
@click.option("--hierarchy", help="A preset name or a TOML/JSON file.")
@click.option("--max-abs-error", type=float, help="Absolute error bound.")
@click.option(
    "--max-rel-error", type=float, help=f"Relative error bound (default {DEFAULT_REL_ERROR:g})."
)
@click.option(
    "--max-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=64.0,
    show_default=True,
    help="Use at most this many MiB of the file (whole rows).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_with_input_options
def bench_command(
    source: str,
    hierarchy: str | None,
    max_abs_error: float | None,
    max_rel_error: float | None,
    max_mb: float,
    as_json: bool,
    key: str | None,
    dtype: str | None,
    shape: str | None,
) -> None:
    """Compare infored with zstd-3 and BitRound + Zstd on the first array of FILE.

    BitRound keeps the fewest mantissa bits that still meet infored's bound on every value.
    """
    if max_abs_error is not None and max_rel_error is not None:
        raise click.UsageError("give --max-abs-error or --max-rel-error, not both")
    found = _discover([source], key=key, dtype=dtype, shape=shape)
    if not found.items:
        reason = found.failed[0][1] if found.failed else "no numeric array found"
        raise click.ClickException(f"{source}: {reason}")
    item = found.items[0]
    src = item.source
    row_bytes = _channels(src.shape) * src.dtype.itemsize
    rows = max(1, min(src.shape[0], int(max_mb * 2**20) // row_bytes))
    data = np.ascontiguousarray(src.read(0, rows))
    spec = _hierarchy_spec(hierarchy)
    results = _bench(data, spec, max_abs_error, max_rel_error)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "input": item.label,
                    "shape": list(data.shape),
                    "dtype": str(data.dtype),
                    "results": results,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"{item.label}: {'x'.join(map(str, data.shape))} {data.dtype}, {_human(data.nbytes)}"
    )
    click.echo(
        f"{'method':<24}{'ratio':>8}{'max error':>12}{'of bound':>10}"
        f"{'MB/s in':>10}{'MB/s out':>10}"
    )
    for r in results:
        used = "-" if r["bound_used"] is None else f"{r['bound_used']:.0%}"
        click.echo(
            f"{r['method']:<24}{r['ratio']:>7.2f}x{r['max_error']:>12.4g}{used:>10}"
            f"{r['encode_mb_s']:>10.1f}{r['decode_mb_s']:>10.1f}"
        )


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def _bench(data: np.ndarray, spec: Any, max_abs: float | None, max_rel: float | None) -> list[dict]:
    from . import _container
    from .reduce import Reduced, expand

    mb = data.nbytes / 1e6
    is_float = data.dtype.kind == "f"
    rel = (
        max_rel
        if max_rel is not None
        else (DEFAULT_REL_ERROR if is_float and max_abs is None else None)
    )
    results = []

    def encode() -> tuple[bytes, Any]:
        reduced = _reduce_within(
            data, spec, max_abs_error=max_abs, max_rel_error=rel, lossless=not is_float
        )
        buffer = io.BytesIO()
        _container.write(buffer, reduced.header, reduced.sections)
        return buffer.getvalue(), reduced.max_abs_error

    (blob, bound), t_enc = _timed(encode)

    def decode() -> np.ndarray:
        header, sections = _container.read(blob)
        return expand(Reduced(header, sections))

    restored, t_dec = _timed(decode)
    stats = _error_stats(data, restored, bound)
    results.append(
        {
            "method": "infored" + ("" if is_float else " (lossless)"),
            "ratio": data.nbytes / len(blob),
            **stats,
            "encode_mb_s": mb / t_enc,
            "decode_mb_s": mb / t_dec,
        }
    )

    import zstandard

    raw = data.tobytes()
    frame, t_enc = _timed(zstandard.ZstdCompressor(level=3).compress, raw)
    _, t_dec = _timed(zstandard.ZstdDecompressor().decompress, frame)
    results.append(
        {
            "method": "zstd-3",
            "ratio": len(raw) / len(frame),
            "max_error": 0.0,
            "bound_used": None,
            "encode_mb_s": mb / t_enc,
            "decode_mb_s": mb / t_dec,
        }
    )

    if is_float and bound is not None:
        results.append(_bench_bitround(data, bound))
    return results


def _bench_bitround(data: np.ndarray, bound: Any) -> dict[str, Any]:
    try:
        from numcodecs import BitRound, Zstd
    except ImportError:
        raise click.ClickException(
            "the BitRound comparison needs numcodecs: pip install 'infored[zarr]'"
        ) from None
    x = data.astype(np.float64) if data.dtype.itemsize > 4 or data.dtype.kind != "f" else data
    mantissa = 52 if x.dtype == np.float64 else 23
    limits = _bound_list(bound, _channels(x.shape))

    def fits(bits: int) -> bool:
        y = BitRound(keepbits=bits).encode(x).view(x.dtype).reshape(x.shape)
        err = np.abs(y.reshape(x.shape[0], -1) - x.reshape(x.shape[0], -1))
        err = np.where(np.isfinite(err), err, 0)
        return bool((err.max(axis=0) <= limits).all())

    lo, hi = 0, mantissa
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    bits = lo
    codecs = [BitRound(keepbits=bits), Zstd(level=3)]
    mb = x.nbytes / 1e6

    def encode() -> bytes:
        return codecs[1].encode(codecs[0].encode(x))

    def decode() -> np.ndarray:
        return np.frombuffer(codecs[1].decode(frame), dtype=x.dtype).reshape(x.shape)

    frame, t_enc = _timed(encode)
    restored, t_dec = _timed(decode)
    stats = _error_stats(x, restored, bound)
    return {
        "method": f"BitRound({bits})+zstd-3",
        "ratio": x.nbytes / len(frame),
        **stats,
        "encode_mb_s": mb / t_enc,
        "decode_mb_s": mb / t_dec,
    }


if __name__ == "__main__":
    main()
