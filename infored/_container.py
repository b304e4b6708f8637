"""The infored container: one versioned, checksummed file holding a JSON header and named arrays.

A container is a 24-byte preamble (magic, format version, header length, header checksum),
a UTF-8 JSON header block that carries the caller's header and a table of sections, then
the sections themselves, each a little-endian array stored raw or as one zstd frame and
aligned to 64 bytes. Every byte is covered by a CRC-32: the preamble and header block by
the header checksum, each section by its own. ``docs/format.md`` specifies the layout
precisely enough to write a reader in another language; this module is the reference
implementation.

Reading never trusts a size: every length, shape and offset in the header is checked
against the bytes present and against ``max_bytes`` before anything is allocated, and a
zstd frame is decoded into a buffer of exactly the declared size. Anything wrong with
stored data raises :class:`~infored.errors.FormatError`.

Examples
--------
>>> import io
>>> import numpy as np
>>> buffer = io.BytesIO()
>>> size = write(buffer, {"levels": 1}, {"messages": np.arange(6, dtype=np.uint16)})
>>> header, sections = read(buffer.getvalue())
>>> header
{'levels': 1}
>>> sections["messages"]
array([0, 1, 2, 3, 4, 5], dtype=uint16)
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import secrets
import stat
import struct
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import IO, Any, Union

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, FormatError

__all__ = [
    "ALIGNMENT",
    "CODECS",
    "DEFAULT_LEVEL",
    "DEFAULT_MAX_BYTES",
    "DTYPES",
    "MAGIC",
    "MAX_DEPTH",
    "MAX_HEADER_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NDIM",
    "PREAMBLE_SIZE",
    "VERSION",
    "read",
    "read_header",
    "verify",
    "write",
]

#: The first 8 bytes of every container. The non-ASCII first byte, the CR LF pair, the
#: DOS end-of-file byte and the lone LF reveal a transfer that stripped the high bit or
#: translated line endings, as in PNG.
MAGIC = b"\x89IRD\r\n\x1a\n"

#: The (major, minor) format version this module writes, and the newest it reads.
VERSION = (1, 0)

#: Size of the preamble: magic, major, minor, header length, header CRC-32.
PREAMBLE_SIZE = 24

#: Every section starts at a multiple of this many bytes from the start of the container.
ALIGNMENT = 64

#: Largest header block, in bytes, that is written or read (64 MiB).
MAX_HEADER_LENGTH = 1 << 26

#: Default cap on the bytes a reader allocates for one container (16 GiB).
DEFAULT_MAX_BYTES = 1 << 34

#: Longest section name, in characters.
MAX_NAME_LENGTH = 256

#: Most dimensions a section may have.
MAX_NDIM = 32

#: Deepest nesting of lists and objects allowed in the caller's header.
MAX_DEPTH = 64

#: zstd level used when ``compress=True``.
DEFAULT_LEVEL = 3

#: Section dtypes, by the name stored in the header, with their on-disk (little-endian) form.
DTYPES: dict[str, np.dtype] = {
    name: np.dtype(code)
    for name, code in [
        ("bool", "|b1"),
        ("int8", "|i1"),
        ("int16", "<i2"),
        ("int32", "<i4"),
        ("int64", "<i8"),
        ("uint8", "|u1"),
        ("uint16", "<u2"),
        ("uint32", "<u4"),
        ("uint64", "<u8"),
        ("float32", "<f4"),
        ("float64", "<f8"),
        ("complex64", "<c8"),
        ("complex128", "<c16"),
    ]
}

#: Section codecs.
CODECS = ("raw", "zstd")

_NAME_OF_DTYPE = {dtype.str: name for name, dtype in DTYPES.items()}
_PREAMBLE = struct.Struct("<8sHHQ")  # magic, major, minor, header length; the CRC-32 follows
_CRC = struct.Struct("<I")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 24  # read granularity when the size of a stream is unknown
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1
_DIM_MAX = (1 << 63) - 1
_MAX_LEVEL = 22

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]
Source = Union[str, "os.PathLike[str]", IO[bytes], bytes, bytearray, memoryview]


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """One section ready to be written: its table entry (without offset) and stored bytes."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    codec: str
    raw_length: int
    stored: Any  # a bytes-like object of the stored bytes
    stored_crc32: int
    raw_crc32: int


def write(
    target: PathOrFile,
    header: Mapping[str, Any],
    sections: Mapping[str, np.ndarray],
    *,
    compress: bool | int = True,
) -> int:
    """Write a header and named arrays as one container.

    Parameters
    ----------
    target : str, os.PathLike or binary file object
        A path is written atomically: the container goes to a temporary file in the same
        directory, which is flushed, synced and then renamed over the path, so an existing
        file is either left as it was or replaced whole. A symbolic link is followed and
        its target replaced; an existing file keeps its permission bits. A file object
        opened for binary writing receives the container at its current position.
    header : mapping of str to JSON values
        Stored as JSON: values may be ``None``, ``bool``, ``int`` (within the 64-bit signed
        or unsigned range), finite ``float``, ``str``, lists (tuples are stored as lists)
        and mappings with ``str`` keys, nested at most :data:`MAX_DEPTH` deep.
    sections : mapping of str to numpy.ndarray
        Arrays of any shape (0-d and empty included) and a dtype of :data:`DTYPES` in
        either byte order. Names are non-empty strings of at most :data:`MAX_NAME_LENGTH`
        characters. Sections are stored in the mapping's order, C-contiguous and
        little-endian.
    compress : bool or int, default True
        ``True`` compresses every section with zstd at level :data:`DEFAULT_LEVEL`, an int
        from 1 to 22 at that level, ``False`` stores every section raw. A section whose
        zstd frame would not be smaller than its raw bytes is stored raw.

    Returns
    -------
    int
        The number of bytes written.

    Raises
    ------
    ArgumentTypeError
        If an argument, a header value or a section has a type or dtype that cannot be
        stored.
    ArgumentError
        If a value cannot be stored (a non-finite float, an integer out of range, an
        empty or over-long name, a header block over :data:`MAX_HEADER_LENGTH`).
    OSError
        If the file cannot be written; an existing file at ``target`` is left unchanged.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> buffer = io.BytesIO()
    >>> write(buffer, {"n": 7}, {"bits": np.zeros(1000, dtype=bool)})
    211
    >>> write(io.BytesIO(), {"n": 7}, {"bits": np.zeros(1000, dtype=bool)}, compress=False)
    1256
    """
    is_path = isinstance(target, (str, os.PathLike))
    if isinstance(target, io.TextIOBase):
        raise ArgumentTypeError(
            "Argument 'target' must be a path or a file opened in binary mode, "
            "not a text-mode file."
        )
    if not is_path and not callable(getattr(target, "write", None)):
        raise ArgumentTypeError(
            "Argument 'target' must be a path or a binary file object, "
            f"not {type(target).__name__}."
        )
    level = _compression_level(compress)
    plain = _plain_header(header)
    prepared = [_prepare(name, array, level) for name, array in _checked_sections(sections)]
    chunks = _layout(plain, prepared, level)
    if is_path:
        return _write_atomic(target, chunks)  # type: ignore[arg-type]
    return _write_stream(target, chunks)  # type: ignore[arg-type]


def _compression_level(compress: object) -> int | None:
    """Turn the ``compress`` argument into a zstd level, or ``None`` for no compression."""
    if isinstance(compress, bool):
        return DEFAULT_LEVEL if compress else None
    if not isinstance(compress, int):
        raise ArgumentTypeError(
            f"Argument 'compress' must be a bool or an int, not {type(compress).__name__}."
        )
    if not 1 <= compress <= _MAX_LEVEL:
        raise ArgumentError(
            f"Argument 'compress' must be a zstd level from 1 to {_MAX_LEVEL}, "
            f"True or False, not {compress}."
        )
    return compress


def _plain_header(header: object) -> dict[str, Any]:
    """Check that ``header`` holds only JSON values and return it as plain dicts and lists."""
    if not isinstance(header, Mapping):
        raise ArgumentTypeError(
            f"Argument 'header' must be a mapping with str keys, not {type(header).__name__}."
        )
    return _plain(header, "header", 1)


def _plain(value: object, where: str, depth: int) -> Any:
    """Return ``value`` as plain JSON types; ``depth`` counts the containers around it, plus 1."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ArgumentError(
                f"Argument 'header' holds a string that is not valid Unicode at {where}: {exc}."
            ) from None
        return str(value)
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise ArgumentError(
                f"Argument 'header' holds an integer outside the 64-bit range at {where}."
            )
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArgumentError(
                f"Argument 'header' holds a non-finite float ({value}) at {where}; "
                "JSON has no NaN or infinity."
            )
        return float(value)
    if isinstance(value, (Mapping, list, tuple)) and depth > MAX_DEPTH:
        raise ArgumentError(
            f"Argument 'header' nests lists and objects more than {MAX_DEPTH} deep at {where}."
        )
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ArgumentTypeError(
                    f"Argument 'header' must have str keys; {where} has a key of type "
                    f"{type(key).__name__} ({key!r})."
                )
            plain[_plain(key, f"{where} key {key!r}", depth)] = _plain(
                item, f"{where}[{key!r}]", depth + 1
            )
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)]
    raise ArgumentTypeError(
        f"Argument 'header' must hold only JSON values (None, bool, int, float, str, list, "
        f"dict); {where} is {type(value).__module__}.{type(value).__qualname__}."
    )


def _checked_sections(sections: object) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(name, array)`` after checking the names and the arrays' types and dtypes."""
    if not isinstance(sections, Mapping):
        raise ArgumentTypeError(
            "Argument 'sections' must be a mapping of str to numpy.ndarray, "
            f"not {type(sections).__name__}."
        )
    for name, array in sections.items():
        if not isinstance(name, str):
            raise ArgumentTypeError(
                f"Argument 'sections' must have str keys, not {type(name).__name__} ({name!r})."
            )
        if not 1 <= len(name) <= MAX_NAME_LENGTH:
            raise ArgumentError(
                f"Section names must have 1 to {MAX_NAME_LENGTH} characters; "
                f"got one of {len(name)}."
            )
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise ArgumentError(f"Section name {name!r} is not valid Unicode.") from None
        if not isinstance(array, np.ndarray) or isinstance(array, np.ma.MaskedArray):
            raise ArgumentTypeError(
                f"Section {name!r} must be a numpy.ndarray (not a masked array), "
                f"not {type(array).__name__}."
            )
        yield name, array


def _dtype_name(name: str, dtype: np.dtype) -> str:
    found = _NAME_OF_DTYPE.get(dtype.newbyteorder("<").str) if dtype.fields is None else None
    if found is None:
        raise ArgumentTypeError(
            f"Section {name!r} has dtype {dtype}; a section's dtype must be one of "
            f"{', '.join(DTYPES)}."
        )
    return found


def _prepare(name: str, array: np.ndarray, level: int | None) -> _Prepared:
    """Convert one array to its stored bytes and table entry."""
    dtype_name = _dtype_name(name, array.dtype)
    data = np.asarray(array).astype(DTYPES[dtype_name], order="C", copy=False)
    raw = data.reshape(-1).view(np.uint8)
    if dtype_name == "bool" and raw.size and raw.max() > 1:
        raw = (raw != 0).view(np.uint8)  # a bool array built from raw bytes other than 0/1
    raw_crc32 = zlib.crc32(raw)
    codec, stored, stored_crc32 = "raw", raw, raw_crc32
    if level is not None and raw.size:
        frame = _zstd_compress(raw, level)
        if len(frame) < raw.size:
            codec, stored, stored_crc32 = "zstd", frame, zlib.crc32(frame)
    return _Prepared(
        name=name,
        dtype=dtype_name,
        shape=tuple(int(n) for n in array.shape),
        codec=codec,
        raw_length=int(raw.size),
        stored=stored,
        stored_crc32=stored_crc32,
        raw_crc32=raw_crc32,
    )


def _zstd() -> Any:
    """Import zstandard on first use, so that ``import infored`` stays fast."""
    try:
        import zstandard
    except ImportError as exc:
        raise ModuleNotFoundError(
            "The 'zstandard' package is needed for zstd sections: install it, "
            "or write with compress=False.",
            name="zstandard",
        ) from exc
    return zstandard


def _zstd_compress(raw: np.ndarray, level: int) -> bytes:
    zstandard = _zstd()
    compressor = zstandard.ZstdCompressor(
        level=level, write_checksum=False, write_content_size=True, write_dict_id=False
    )
    return compressor.compress(raw)


def _align(position: int) -> int:
    return -(-position // ALIGNMENT) * ALIGNMENT


def _layout(
    header: Mapping[str, Any], prepared: list[_Prepared], level: int | None = None
) -> list[Any]:
    """Return the container as a list of bytes-like chunks, in file order.

    With a compression ``level`` the header block is a zstd frame of the JSON whenever that
    settles to a smaller block; otherwise it is the JSON itself."""
    settled = _header_block(header, prepared, level) if level is not None else None
    block, table = settled or _header_block(header, prepared, None)  # type: ignore[misc]
    if len(block) > MAX_HEADER_LENGTH:
        raise ArgumentError(
            f"The header block would be {len(block)} bytes; at most {MAX_HEADER_LENGTH} "
            "are allowed. Store large data as sections, not in the header."
        )
    start = _PREAMBLE.pack(MAGIC, *VERSION, len(block))
    chunks: list[Any] = [start, _CRC.pack(zlib.crc32(block, zlib.crc32(start))), block]
    position = PREAMBLE_SIZE + len(block)
    for section, entry in zip(prepared, table, strict=True):
        if entry["offset"] > position:
            chunks.append(bytes(entry["offset"] - position))
        chunks.append(section.stored)
        position = entry["offset"] + len(section.stored)
    return chunks


def _section_table(prepared: list[_Prepared], block_length: int) -> list[dict[str, Any]]:
    position = PREAMBLE_SIZE + block_length
    table = []
    for section in prepared:
        offset = _align(position)
        table.append(
            {
                "name": section.name,
                "dtype": section.dtype,
                "shape": list(section.shape),
                "codec": section.codec,
                "offset": offset,
                "stored_length": len(section.stored),
                "raw_length": section.raw_length,
                "stored_crc32": section.stored_crc32,
                "raw_crc32": section.raw_crc32,
            }
        )
        position = offset + len(section.stored)
    return table


def _header_text(
    header: Mapping[str, Any], table: list[dict[str, Any]], padding: str = ""
) -> bytes:
    document: dict[str, Any] = {"header": header, "sections": table}
    if padding:
        document["padding"] = padding
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
        "utf-8"
    )


#: Incompressible, deterministic filler for the ``padding`` key of a zstd header block.
_FILLER = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(16))


def _header_block(
    header: Mapping[str, Any], prepared: list[_Prepared], level: int | None
) -> tuple[bytes, list[dict[str, Any]]] | None:
    """The header block and section table, found by iterating to a fixed point.

    The offsets depend on the block's length, which depends on the offsets' digits. Plain
    JSON never shrinks from one pass to the next and grows only with the digits, so it
    settles in two or three passes. A zstd block settles once the JSON repeats; its length
    can keep crossing a 64-byte boundary (offsets in one slot give a block that ends in the
    other), and then a ``padding`` key of incompressible filler, which readers ignore, is
    lengthened until the block settles in the later slot. None asks for the plain block
    (no level, or a zstd block that is not smaller).
    """
    if level is None:
        block = b""
        while True:
            table = _section_table(prepared, len(block))
            text = _header_text(header, table)
            if len(text) == len(block):
                return text, table
            block = text
    for pad in range(0, len(_FILLER) + 1, 16):
        block, previous = b"", None
        for _ in range(6):
            table = _section_table(prepared, len(block))
            text = _header_text(header, table, _FILLER[:pad])
            if len(text) > MAX_HEADER_LENGTH:
                return None
            if text == previous:
                return (block, table) if len(block) < len(text) else None
            previous = text
            block = _zstd_compress(np.frombuffer(text, dtype=np.uint8), level)
    return None  # pragma: no cover - some padding settles long before the filler runs out


def _write_stream(stream: IO[bytes], chunks: Iterable[Any]) -> int:
    total = 0
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while view.nbytes:
            written = stream.write(view)
            if written is None:  # an old-style file object that writes everything or raises
                written = view.nbytes
            if not 0 < written <= view.nbytes:
                raise OSError(f"The file object wrote {written} of {view.nbytes} bytes.")
            total += written
            view = view[written:]
    return total


def _write_atomic(path: str | os.PathLike[str], chunks: list[Any]) -> int:
    target = os.path.realpath(os.fsdecode(os.fspath(path)))
    directory, base = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file gets 0o666 less the umask, as open() would give it
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - a 48-bit random name collided
            continue
    try:
        with os.fdopen(descriptor, "wb") as stream:
            total = _write_stream(stream, chunks)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)
    return total


def _sync_directory(directory: str) -> None:
    """Make the rename durable where the platform allows syncing a directory."""
    if os.name != "posix":  # pragma: no cover - directories cannot be opened elsewhere
        return
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --------------------------------------------------------------------------------------
# Sources: bytes in memory, a file opened from a path, or a caller's file object
# --------------------------------------------------------------------------------------


class _Source(ABC):
    """Bytes of a container, read in order from its first byte.

    ``size`` is the number of bytes available from the container's first byte, or
    ``None`` for a stream whose length is unknown. ``exact`` says whether bytes after the
    container are an error (a path or a buffer) or the rest of a stream (a file object).
    """

    size: int | None
    exact: bool
    position: int = 0

    @abstractmethod
    def read_upto(self, count: int) -> bytes:
        """Read at most ``count`` bytes; fewer only at the end of the data."""

    @abstractmethod
    def read(self, count: int, what: str) -> Any:
        """Read exactly ``count`` bytes as a bytes-like object; FormatError if they run out.

        The result may share memory with the source: use it, do not keep it.
        """

    @abstractmethod
    def read_array(self, count: int, what: str) -> np.ndarray:
        """Read exactly ``count`` bytes into a fresh uint8 array; FormatError if they run out."""

    @abstractmethod
    def at_end(self) -> bool:
        """Whether no byte follows the current position (only asked of exact sources)."""

    def truncated(self, what: str, count: int) -> FormatError:
        present = "" if self.size is None else f" ({self.size} bytes present)"
        return FormatError(
            f"The container is truncated: {what} needs {count} bytes at offset "
            f"{self.position}, past the end of the data{present}."
        )


class _BufferSource(_Source):
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        if not view.c_contiguous:
            raise ArgumentTypeError("Argument 'source' must be a contiguous buffer.")
        self.view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        self.size = self.view.nbytes
        self.exact = True

    def read_upto(self, count: int) -> bytes:
        chunk = bytes(self.view[self.position : self.position + count])
        self.position += len(chunk)
        return chunk

    def read(self, count: int, what: str) -> memoryview:
        if count > self.size - self.position:
            raise self.truncated(what, count)
        chunk = self.view[self.position : self.position + count]
        self.position += count
        return chunk

    def read_array(self, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self.read(count, what), dtype=np.uint8).copy()

    def at_end(self) -> bool:
        return self.position == self.size


class _FileSource(_Source):
    def __init__(self, stream: IO[bytes], *, exact: bool) -> None:
        self.stream = stream
        self.exact = exact
        self.size = _remaining(stream)

    def _read_some(self, count: int) -> bytes:
        chunk = self.stream.read(count)
        if chunk is None:
            raise OSError("The file object is non-blocking and had no data ready.")
        if not isinstance(chunk, (bytes, bytearray)):
            raise ArgumentTypeError(
                "Argument 'source' must be opened in binary mode; its read() returned "
                f"{type(chunk).__name__}."
            )
        return chunk

    def read_upto(self, count: int) -> bytes:
        parts = []
        while count:
            chunk = self._read_some(count)
            if not chunk:
                break
            parts.append(chunk)
            count -= len(chunk)
        data = b"".join(parts)
        self.position += len(data)
        return data

    def read(self, count: int, what: str) -> Any:
        if self.size is not None:
            return self.read_array(count, what)
        # Unknown length: grow with the data actually present, never by the declared size.
        parts = []
        remaining = count
        while remaining:
            chunk = self._read_some(min(remaining, _CHUNK))
            if not chunk:
                raise self.truncated(what, count)
            parts.append(chunk)
            remaining -= len(chunk)
        self.position += count
        return b"".join(parts)

    def read_array(self, count: int, what: str) -> np.ndarray:
        if self.size is None:
            data = self.read(count, what)  # allocate only once the bytes have arrived
            return np.frombuffer(data, dtype=np.uint8).copy()
        if count > self.size - self.position:
            raise self.truncated(what, count)
        out = np.empty(count, dtype=np.uint8)
        view = memoryview(out)
        filled = 0
        readinto = getattr(self.stream, "readinto", None)
        while filled < count:
            if readinto is not None:
                got = readinto(view[filled:])
                if got is None:
                    raise OSError("The file object is non-blocking and had no data ready.")
            else:
                chunk = self._read_some(min(count - filled, _CHUNK))
                got = len(chunk)
                view[filled : filled + got] = chunk
            if not got:  # the file shrank while being read
                raise self.truncated(what, count)
            filled += got
        self.position += count
        return out

    def at_end(self) -> bool:
        return not self._read_some(1)


def _remaining(stream: IO[bytes]) -> int | None:
    """Bytes from the stream's position to its end, or ``None`` if it cannot seek."""
    try:
        if not stream.seekable():
            return None
        start = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return None
    return max(end - start, 0)


class _Opened:
    """Context manager giving a :class:`_Source` for any accepted source, closing what it opened."""

    def __init__(self, source: object) -> None:
        self.source = source
        self.owned: IO[bytes] | None = None

    def __enter__(self) -> _Source:
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview)):
            return _BufferSource(source)
        if isinstance(source, (str, os.PathLike)):
            self.owned = open(source, "rb")  # closed in __exit__
            return _FileSource(self.owned, exact=True)
        if isinstance(source, io.TextIOBase):
            raise ArgumentTypeError(
                "Argument 'source' must be a path, a bytes-like object or a file opened "
                "in binary mode, not a text-mode file."
            )
        if callable(getattr(source, "read", None)):
            return _FileSource(source, exact=False)  # type: ignore[arg-type]
        raise ArgumentTypeError(
            "Argument 'source' must be a path, a bytes-like object or a binary file object, "
            f"not {type(source).__name__}."
        )

    def __exit__(self, *exc_info: object) -> None:
        if self.owned is not None:
            self.owned.close()


# --------------------------------------------------------------------------------------
# Reading the preamble and header block
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One validated row of the section table."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    codec: str
    offset: int
    stored_length: int
    raw_length: int
    stored_crc32: int
    raw_crc32: int

    def describe(self) -> dict[str, Any]:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "codec": self.codec,
            "offset": self.offset,
            "stored_length": self.stored_length,
            "raw_length": self.raw_length,
            "stored_crc32": self.stored_crc32,
            "raw_crc32": self.raw_crc32,
        }


@dataclass(frozen=True)
class _Layout:
    version: tuple[int, int]
    header_length: int
    header: dict[str, Any]
    entries: list[_Entry]
    size: int


class _DamagedSection(FormatError):
    """A section's bytes fail a check, while the container's structure is intact."""


def _max_bytes(max_bytes: object) -> int:
    if max_bytes is None:
        return DEFAULT_MAX_BYTES
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        raise ArgumentTypeError(
            f"Argument 'max_bytes' must be an int or None, not {type(max_bytes).__name__}."
        )
    if max_bytes < 0:
        raise ArgumentError(f"Argument 'max_bytes' must be >= 0, not {max_bytes}.")
    return max_bytes


def _read_layout(source: _Source, max_bytes: int) -> _Layout:
    """Read and validate the preamble, header block and section table."""
    head = source.read_upto(PREAMBLE_SIZE)
    _check_magic(head)
    if len(head) < PREAMBLE_SIZE:
        raise FormatError(
            f"The container is truncated: it has {len(head)} bytes, fewer than the "
            f"{PREAMBLE_SIZE}-byte preamble."
        )
    _, major, minor, header_length = _PREAMBLE.unpack_from(head)
    (header_crc,) = _CRC.unpack_from(head, _PREAMBLE.size)
    if major != VERSION[0]:
        if major > VERSION[0]:
            raise FormatError(
                f"The container has format version {major}.{minor}, newer than the newest "
                f"this reader supports ({VERSION[0]}.{VERSION[1]}); a newer infored is "
                "needed to read it."
            )
        raise FormatError(
            f"The container has format version {major}.{minor}, which does not exist; "
            f"this reader supports {VERSION[0]}.{VERSION[1]}."
        )
    limit = min(MAX_HEADER_LENGTH, max_bytes)
    if header_length > limit:
        raise FormatError(
            f"The header block declares {header_length} bytes, more than the limit of "
            f"{limit} bytes."
        )
    block = source.read(header_length, "the header block")
    computed = zlib.crc32(block, zlib.crc32(head[: _PREAMBLE.size]))
    if computed != header_crc:
        raise FormatError(
            f"The header checksum does not match (stored {header_crc:#010x}, computed "
            f"{computed:#010x}): the preamble or header block is corrupt."
        )
    document = _parse_block(block)
    if not isinstance(document, dict):
        raise FormatError("The header block must be a JSON object.")
    header = document.get("header")
    table = document.get("sections")
    if not isinstance(header, dict):
        raise FormatError("The header block must have a 'header' object.")
    if not isinstance(table, list):
        raise FormatError("The header block must have a 'sections' array.")
    entries = []
    names: set[str] = set()
    position = PREAMBLE_SIZE + header_length
    allocation = header_length
    for index, row in enumerate(table):
        entry = _parse_entry(index, row, position)
        if entry.name in names:
            raise FormatError(f"Section {index} repeats the name {entry.name!r}.")
        names.add(entry.name)
        entries.append(entry)
        position = entry.offset + entry.stored_length
        allocation += entry.raw_length + (entry.stored_length if entry.codec == "zstd" else 0)
    if allocation > max_bytes:
        raise FormatError(
            f"Reading the container would allocate {allocation} bytes, more than "
            f"max_bytes={max_bytes}."
        )
    if source.size is not None:
        if position > source.size:
            raise FormatError(
                f"The container is truncated: its sections end at byte {position}, but "
                f"only {source.size} bytes are present."
            )
        if source.exact and position < source.size:
            raise FormatError(
                f"{source.size - position} unexpected bytes follow the container's last "
                f"section (which ends at byte {position})."
            )
    return _Layout((major, minor), header_length, header, entries, position)


def _check_magic(head: bytes) -> None:
    if not head:
        raise FormatError("The data is empty: it is not an infored container.")
    prefix = head[: len(MAGIC)]
    if prefix == MAGIC[: len(prefix)]:
        return
    if head.startswith(b"\x89IRD\n"):
        hint = " (its line endings were translated: it was transferred in text mode)"
    elif head[1:4] == b"IRD":
        hint = " (its first byte was altered: it was transferred in text or 7-bit mode)"
    else:
        hint = ""
    raise FormatError(
        f"Not an infored container: it starts with {bytes(head[:8])!r}, not {MAGIC!r}{hint}."
    )


def _parse_block(block: Any) -> Any:
    if bytes(block[:4]) == _ZSTD_MAGIC:
        block = _inflate_header(block)
    try:
        text = bytes(block).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"The header block is not valid UTF-8: {exc}.") from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise FormatError("The header block is nested too deeply to parse.") from None
    except ValueError as exc:  # JSONDecodeError, and ints of too many digits
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"The header block is not valid JSON: {exc}.") from None


def _inflate_header(frame: Any) -> bytes:
    """Decompress a zstd header block, whose frame must declare a size within the limit."""
    zstandard = _zstd()
    try:
        declared = zstandard.frame_content_size(frame)
    except zstandard.ZstdError as exc:
        raise FormatError(f"The header block has a corrupt zstd frame header: {exc}.") from None
    if not 0 < declared <= MAX_HEADER_LENGTH:
        raise FormatError(
            f"The zstd header block declares {declared} bytes; it must declare its size, at "
            f"most {MAX_HEADER_LENGTH} bytes."
        )
    try:
        return zstandard.ZstdDecompressor().decompress(
            frame, max_output_size=declared, allow_extra_data=False
        )
    except zstandard.ZstdError as exc:
        raise FormatError(f"The header block cannot be decompressed: {exc}.") from None


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError(f"The header block repeats the key {key!r} in one object.")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"The header block holds {name}, which is not JSON.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise FormatError(f"The header block holds the number {text}, too large for a float.")
    return value


def _parse_entry(index: int, row: object, position: int) -> _Entry:
    """Validate one row of the section table; ``position`` is where the previous one ends."""
    if not isinstance(row, dict):
        raise FormatError(f"Section {index} of the table is not a JSON object.")
    name = row.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise FormatError(
            f"Section {index} has the name {name!r}; names are strings of 1 to "
            f"{MAX_NAME_LENGTH} characters."
        )
    label = f"Section {index} ({name!r})"

    def integer(key: str, high: int) -> int:
        value = row.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            raise FormatError(f"{label} has {key}={value!r}; it must be an integer in [0, {high}].")
        return value

    dtype = row.get("dtype")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise FormatError(
            f"{label} has the unknown dtype {dtype!r}; known dtypes are {', '.join(DTYPES)}."
        )
    codec = row.get("codec")
    if not isinstance(codec, str) or codec not in CODECS:
        raise FormatError(
            f"{label} has the unknown codec {codec!r}; known codecs are {', '.join(CODECS)}."
        )
    shape = row.get("shape")
    if not isinstance(shape, list) or len(shape) > MAX_NDIM:
        raise FormatError(f"{label} has shape {shape!r}; it must be a list of at most {MAX_NDIM}.")
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= _DIM_MAX:
            raise FormatError(f"{label} has shape {shape!r}; dimensions are integers >= 0.")
    itemsize = DTYPES[dtype].itemsize
    nonzero = math.prod(n for n in shape if n) * itemsize
    if nonzero > _DIM_MAX:
        raise FormatError(f"{label} has shape {shape!r}, too large for any array.")
    expected = math.prod(shape) * itemsize
    offset = integer("offset", _DIM_MAX)
    stored_length = integer("stored_length", _DIM_MAX)
    raw_length = integer("raw_length", _DIM_MAX)
    stored_crc32 = integer("stored_crc32", 0xFFFFFFFF)
    raw_crc32 = integer("raw_crc32", 0xFFFFFFFF)
    if raw_length != expected:
        raise FormatError(
            f"{label} has raw_length {raw_length}, but shape {shape} of {dtype} needs "
            f"{expected} bytes."
        )
    if codec == "raw" and (stored_length != raw_length or stored_crc32 != raw_crc32):
        raise FormatError(
            f"{label} is stored raw, so its stored_length and stored_crc32 must equal its "
            "raw_length and raw_crc32."
        )
    if codec == "zstd" and (raw_length == 0 or stored_length == 0):
        raise FormatError(f"{label} is a zstd section of zero length; empty sections are raw.")
    if offset != _align(position):
        raise FormatError(
            f"{label} has offset {offset}; it must start at {_align(position)}, the first "
            f"multiple of {ALIGNMENT} after the end of what precedes it (byte {position})."
        )
    return _Entry(
        name=name,
        dtype=dtype,
        shape=tuple(shape),
        codec=codec,
        offset=offset,
        stored_length=stored_length,
        raw_length=raw_length,
        stored_crc32=stored_crc32,
        raw_crc32=raw_crc32,
    )


# --------------------------------------------------------------------------------------
# Reading sections
# --------------------------------------------------------------------------------------


def _read_section(source: _Source, entry: _Entry) -> np.ndarray:
    """Read one section into a fresh array, checking padding, checksums and values."""
    label = f"Section {entry.name!r}"
    gap = entry.offset - source.position
    padding = source.read(gap, f"the padding before {label}") if gap else b""
    if np.frombuffer(padding, np.uint8).any():
        source.read(entry.stored_length, label)  # so that the next section can be checked
        raise _DamagedSection(f"The padding before {label} is not zero: the file is corrupt.")
    if entry.codec == "raw":
        raw = source.read_array(entry.raw_length, label)
        _check_crc(label, "stored", entry.stored_crc32, raw)
    else:
        stored = source.read(entry.stored_length, label)
        _check_crc(label, "stored", entry.stored_crc32, stored)
        decoded = _zstd_decompress(label, stored, entry.raw_length)
        del stored
        raw = np.frombuffer(decoded, dtype=np.uint8).copy()
        del decoded
        _check_crc(label, "raw", entry.raw_crc32, raw)
    if entry.dtype == "bool" and raw.size and raw.max() > 1:
        raise _DamagedSection(f"{label} is bool but holds bytes other than 0 and 1.")
    array = raw.view(DTYPES[entry.dtype]).reshape(entry.shape)
    if not array.dtype.isnative:  # pragma: no cover - only on big-endian machines
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def _check_crc(label: str, kind: str, expected: int, data: Any) -> None:
    computed = zlib.crc32(data)
    if computed != expected:
        raise _DamagedSection(
            f"{label} fails its {kind} checksum (stored {expected:#010x}, computed "
            f"{computed:#010x}): the file is corrupt."
        )


def _zstd_decompress(label: str, frame: Any, raw_length: int) -> bytes:
    """Decode one zstd frame into exactly ``raw_length`` bytes, or raise."""
    zstandard = _zstd()
    if bytes(frame[:4]) != _ZSTD_MAGIC:
        raise _DamagedSection(f"{label} is not a zstd frame.")
    try:
        declared = zstandard.frame_content_size(frame)
    except zstandard.ZstdError as exc:
        raise _DamagedSection(f"{label} has a corrupt zstd frame header: {exc}.") from None
    if declared != raw_length:
        what = "does not declare its size" if declared < 0 else f"declares {declared} bytes"
        raise _DamagedSection(
            f"{label} has a zstd frame that {what}; the section table says {raw_length}."
        )
    try:
        # The frame declares raw_length, so the decoder's buffer holds exactly that many
        # bytes: a frame that decodes to more fails instead of growing it.
        raw = zstandard.ZstdDecompressor().decompress(
            frame, max_output_size=raw_length, allow_extra_data=False
        )
    except zstandard.ZstdError as exc:
        raise _DamagedSection(f"{label} cannot be decompressed: {exc}.") from None
    if len(raw) != raw_length:  # pragma: no cover - the decoder enforces the declared size
        raise _DamagedSection(f"{label} decompressed to {len(raw)} bytes, not {raw_length}.")
    return raw


def _finish(source: _Source) -> None:
    if source.exact and not source.at_end():
        raise FormatError("Unexpected bytes follow the container's last section.")


def read(
    source: Source, *, max_bytes: int | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a container: its header and every section.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file object
        A path or a buffer must hold exactly one container. A file object is read from its
        current position to the end of the container and left there, so containers can
        follow one another in a stream.
    max_bytes : int, optional
        Most bytes the reader may allocate: the header block, every section's raw length
        and every zstd section's stored length, added up. Checked against the header
        before any section is read. Defaults to :data:`DEFAULT_MAX_BYTES`.

    Returns
    -------
    header : dict
        The header that was written (tuples come back as lists).
    sections : dict of str to numpy.ndarray
        The arrays, in stored order, with their shapes and dtypes in native byte order.
        Each array owns a fresh, writeable buffer.

    Raises
    ------
    FormatError
        If the data is not a container, is truncated, corrupt, of a newer major version,
        or would need more than ``max_bytes``.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> buffer = io.BytesIO()
    >>> _ = write(buffer, {"k": [4, 7]}, {"x": np.eye(2, dtype=np.float32)})
    >>> header, sections = read(buffer.getvalue())
    >>> header["k"], sections["x"].dtype, sections["x"].shape
    ([4, 7], dtype('float32'), (2, 2))
    """
    limit = _max_bytes(max_bytes)
    with _Opened(source) as opened:
        layout = _read_layout(opened, limit)
        sections = {entry.name: _read_section(opened, entry) for entry in layout.entries}
        _finish(opened)
    return layout.header, sections


def read_header(source: Source, *, max_bytes: int | None = None) -> dict[str, Any]:
    """Read and check a container's preamble and header block, without its sections.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file object
        As for :func:`read`. A file object is left just after the header block.
    max_bytes : int, optional
        As for :func:`read`: a container that would need more is refused.

    Returns
    -------
    dict
        ``"version"``: the (major, minor) format version; ``"header"``: the caller's
        header; ``"sections"``: for each section name, a dict of ``dtype``, ``shape``,
        ``codec``, ``offset``, ``stored_length``, ``raw_length``, ``stored_crc32`` and
        ``raw_crc32``; ``"size"``: the container's length in bytes.

    Raises
    ------
    FormatError
        If the preamble or header block is wrong, or the data present is shorter or
        (for a path or buffer) longer than the container it declares.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> buffer = io.BytesIO()
    >>> _ = write(buffer, {"n": 1}, {"x": np.zeros((3, 4), dtype=np.int16)}, compress=False)
    >>> info = read_header(buffer.getvalue())
    >>> info["version"], info["sections"]["x"]["shape"], info["sections"]["x"]["raw_length"]
    ((1, 0), (3, 4), 24)
    """
    limit = _max_bytes(max_bytes)
    with _Opened(source) as opened:
        layout = _read_layout(opened, limit)
    return {
        "version": layout.version,
        "header": layout.header,
        "sections": {entry.name: entry.describe() for entry in layout.entries},
        "size": layout.size,
    }


def verify(source: Source, *, max_bytes: int | None = None) -> dict[str, Any]:
    """Check every checksum of a container and report which sections are intact.

    Sections are read and decompressed one at a time and then dropped, so the memory
    needed is that of the largest section, not of the whole container.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file object
        As for :func:`read`.
    max_bytes : int, optional
        As for :func:`read`.

    Returns
    -------
    dict
        ``"ok"``: whether every section is intact; ``"version"``: the (major, minor)
        format version; ``"size"``: the container's length in bytes; ``"sections"``: for
        each section name, ``"ok"`` or a message saying what is wrong with it.

    Raises
    ------
    FormatError
        If the preamble or header block is wrong or the container is truncated or
        followed by unexpected bytes, so that its sections cannot all be checked.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> buffer = io.BytesIO()
    >>> _ = write(buffer, {}, {"a": np.arange(3), "b": np.ones(2)})
    >>> verify(buffer.getvalue())
    {'ok': True, 'version': (1, 0), 'size': 336, 'sections': {'a': 'ok', 'b': 'ok'}}
    """
    limit = _max_bytes(max_bytes)
    report: dict[str, str] = {}
    with _Opened(source) as opened:
        layout = _read_layout(opened, limit)
        for entry in layout.entries:
            try:
                _read_section(opened, entry)
            except _DamagedSection as exc:
                report[entry.name] = str(exc)
            else:
                report[entry.name] = "ok"
        _finish(opened)
    return {
        "ok": all(status == "ok" for status in report.values()),
        "version": layout.version,
        "size": layout.size,
        "sections": report,
    }
