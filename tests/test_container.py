"""Tests of the container format: round trips, the byte layout, and hostile input.

Hostile files are built by ``assemble``, a second, independent implementation of the
layout in ``docs/format.md``, so that each test changes exactly one thing in an otherwise
valid file and checks that a reader refuses it with FormatError.
"""

from __future__ import annotations

import doctest
import io
import json
import os
import stat
import struct
import subprocess
import sys
import tracemalloc
import types
import zlib
from pathlib import Path

import numpy as np
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from infored import _container as container
from infored._container import read, read_header, verify, write
from infored.errors import ArgumentError, ArgumentTypeError, FormatError

MAGIC = b"\x89IRD\r\n\x1a\n"
LITTLE = {
    "bool": "|b1",
    "int8": "|i1",
    "int16": "<i2",
    "int32": "<i4",
    "int64": "<i8",
    "uint8": "|u1",
    "uint16": "<u2",
    "uint32": "<u4",
    "uint64": "<u8",
    "float32": "<f4",
    "float64": "<f8",
    "complex64": "<c8",
    "complex128": "<c16",
}
CODES = sorted(set(LITTLE.values()) | {code.replace("<", ">") for code in LITTLE.values()})
HYPOTHESIS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------
# An independent reader and writer of the documented layout
# --------------------------------------------------------------------------------------


def align(position: int) -> int:
    return (position + 63) // 64 * 64


def parse(data: bytes) -> tuple[tuple[int, int], dict, dict[str, np.ndarray]]:
    """Read a container by following docs/format.md step by step, asserting each rule."""
    magic, major, minor, length = struct.unpack_from("<8sHHQ", data, 0)
    (crc,) = struct.unpack_from("<I", data, 20)
    assert magic == MAGIC
    block = data[24 : 24 + length]
    assert zlib.crc32(data[:20] + block) == crc
    if block[:4] == b"\x28\xb5\x2f\xfd":  # a zstd frame holding the JSON
        block = zstandard.ZstdDecompressor().decompress(block)
    document = json.loads(block.decode("utf-8"))
    position = 24 + length
    arrays = {}
    for row in document["sections"]:
        assert row["offset"] == align(position)
        assert data[position : row["offset"]] == bytes(row["offset"] - position)
        stored = data[row["offset"] : row["offset"] + row["stored_length"]]
        assert len(stored) == row["stored_length"]
        assert zlib.crc32(stored) == row["stored_crc32"]
        if row["codec"] == "zstd":
            assert zstandard.frame_content_size(stored) == row["raw_length"]
            raw = zstandard.ZstdDecompressor().decompress(stored)
        else:
            assert row["codec"] == "raw"
            raw = stored
        assert len(raw) == row["raw_length"]
        assert zlib.crc32(raw) == row["raw_crc32"]
        dtype = np.dtype(LITTLE[row["dtype"]])
        arrays[row["name"]] = np.frombuffer(raw, dtype).reshape(row["shape"])
        position = row["offset"] + row["stored_length"]
    assert position == len(data)
    return (major, minor), document["header"], arrays


DATA_START = 1024  # assemble() pads every header block so that the sections start here


def section(name, array, *, codec="raw", stored=None, dtype=None):
    """A section to place with ``place``: its table row (without offset) and stored bytes."""
    array = np.asarray(array)
    code = array.dtype.newbyteorder("<").str
    raw = np.ascontiguousarray(array, dtype=code).tobytes()
    if stored is None:
        stored = raw if codec == "raw" else zstandard.ZstdCompressor().compress(raw)
    row = {
        "name": name,
        "dtype": dtype or next(key for key, value in LITTLE.items() if value == code),
        "shape": list(array.shape),
        "codec": codec,
        "stored_length": len(stored),
        "raw_length": len(raw),
        "stored_crc32": zlib.crc32(stored),
        "raw_crc32": zlib.crc32(raw),
    }
    return row, stored


def place(*sections):
    """Lay sections out from DATA_START: the table rows, with offsets, and the bytes after."""
    rows, body, position = [], bytearray(), DATA_START
    for row, stored in sections:
        offset = align(position)
        body += bytes(offset - position)
        rows.append({**row, "offset": offset})
        body += stored
        position = offset + len(stored)
    return rows, bytes(body)


def assemble(document=None, body=b"", *, block=None, major=1, minor=0, magic=MAGIC, crc=None):
    """Build a container from a header block (a JSON document, or raw bytes) and a body."""
    if block is None:
        block = json.dumps(document).encode("utf-8")
        assert len(block) <= DATA_START - 24, "header too long for assemble()"
        block += b" " * (DATA_START - 24 - len(block))  # JSON allows trailing whitespace
    start = struct.pack("<8sHHQ", magic, major, minor, len(block))
    if crc is None:
        crc = zlib.crc32(start + block)
    return start + struct.pack("<I", crc) + block + body


def baseline():
    """A valid hand-built container's rows and body: a raw int32 and a zstd float64 section."""
    return place(
        section("ints", np.arange(6, dtype=np.int32).reshape(2, 3)),
        section("zeros", np.zeros(100), codec="zstd"),
    )


def forged(rows, body=None, header=None, **fields):
    if body is None:
        body = baseline()[1]
    return assemble({"header": header or {}, "sections": rows, **fields}, body)


def to_bytes(target) -> bytes:
    buffer = io.BytesIO()
    write(buffer, *target[:2], **(target[2] if len(target) > 2 else {}))
    return buffer.getvalue()


def assert_same(expected: np.ndarray, actual: np.ndarray) -> None:
    """Equal shape, native dtype and bits (so NaN payloads and -0.0 count)."""
    native = expected.dtype.newbyteorder("=")
    assert actual.shape == expected.shape
    assert actual.dtype == native
    assert actual.dtype.isnative
    assert actual.tobytes() == np.ascontiguousarray(expected, dtype=native).tobytes()


def peak_while_refused(source) -> int:
    """Largest Python and NumPy allocation total while ``read`` refuses ``source``."""
    tracemalloc.start()
    try:
        with pytest.raises(FormatError):
            read(source)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


class Stream:
    """A stream that cannot seek and hands out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int = 1 << 30) -> None:
        self._buffer = io.BytesIO(data)
        self._step = step

    def read(self, count: int = -1) -> bytes:
        if count < 0:
            count = self._step
        return self._buffer.read(min(count, self._step))

    def tell(self) -> int:
        return self._buffer.tell()


class SeekableWithoutReadinto(Stream):
    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buffer.seek(offset, whence)


SMALL_SECTIONS = {
    "zeros": np.zeros(64, dtype=np.int32),
    "ramp": np.arange(5, dtype=np.uint16),
    "flags": np.array([True, False, True]),
    "empty": np.zeros((0, 3)),
    "scalar": np.array(2.5 - 1j),
}
SMALL = to_bytes(({"name": "small", "levels": [1, 2]}, SMALL_SECTIONS))


# --------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LITTLE))
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 4), (2, 0, 3), (1, 1, 1, 5)])
@pytest.mark.parametrize("compress", [False, True])
def test_every_dtype_and_shape_round_trips(name, shape, compress):
    rng = np.random.default_rng(len(shape))
    data = rng.integers(0, 256, size=int(np.prod(shape)) * np.dtype(name).itemsize)
    array = data.astype(np.uint8).view(LITTLE[name].replace("|b1", "|u1")).reshape(shape)
    if name == "bool":
        array = np.asarray(array % 2 == 1)
    header, sections = read(to_bytes(({"dtype": name}, {"x": array}, {"compress": compress})))
    assert header == {"dtype": name}
    assert_same(array, sections["x"])


def test_compressible_sections_are_zstd_and_others_raw():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 2**63, size=100, dtype=np.int64)
    data = to_bytes(({}, {"zeros": np.zeros(1000), "noise": noise, "empty": np.zeros(0)}))
    table = read_header(data)["sections"]
    assert table["zeros"]["codec"] == "zstd"
    assert table["zeros"]["stored_length"] < table["zeros"]["raw_length"] // 10
    assert table["noise"]["codec"] == "raw"
    assert table["empty"]["codec"] == "raw"
    plain = read_header(to_bytes(({}, {"zeros": np.zeros(1000)}, {"compress": False})))
    assert plain["sections"]["zeros"]["codec"] == "raw"
    _, sections = read(data)
    assert_same(noise, sections["noise"])


def test_compression_level_is_used():
    array = np.tile(np.arange(4000, dtype=np.int64) % 997, 8)
    fast = to_bytes(({}, {"a": array}, {"compress": 1}))
    strong = to_bytes(({}, {"a": array}, {"compress": 19}))
    assert len(strong) < len(fast)
    for data in (fast, strong):
        assert_same(array, read(data)[1]["a"])


def test_layout_matches_the_documented_format():
    header = {"name": "levels", "config": {"k": [4, 7], "figures": {"ratio": 1.75}}}
    sections = {
        "bigendian": np.arange(10, dtype=">i4"),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
        "strided": np.arange(20, dtype=np.uint16)[::3],
        "zeros": np.zeros((50, 2), dtype=np.complex64),
        "scalar": np.array(True),
    }
    data = to_bytes((header, sections))
    version, stored_header, arrays = parse(data)
    assert version == (1, 0)
    assert stored_header == header
    assert list(arrays) == list(sections)
    for name, array in sections.items():
        assert_same(array, arrays[name])
    # Little-endian on disk whatever the input's byte order.
    offset = read_header(data)["sections"]["bigendian"]["offset"]
    assert data[offset : offset + 8] == struct.pack("<2i", 0, 1)


def test_write_returns_the_size_and_read_header_reports_it(tmp_path):
    path = tmp_path / "x.ird"
    size = write(path, {"name": "small", "levels": [1, 2]}, SMALL_SECTIONS)
    assert size == path.stat().st_size == read_header(path)["size"]
    assert path.read_bytes() == SMALL


def test_tuples_and_mappings_come_back_as_lists_and_dicts():
    header = types.MappingProxyType({"shape": (3, 4), "nested": {"t": (1, (2, 3))}})
    stored, _ = read(to_bytes((header, {})))
    assert stored == {"shape": [3, 4], "nested": {"t": [1, [2, 3]]}}


def test_numpy_float_and_int_subclasses_are_stored_as_plain_numbers():
    class Level(int):
        pass

    stored, _ = read(to_bytes(({"snr": np.float64(12.5), "level": Level(3)}, {})))
    assert stored == {"snr": 12.5, "level": 3}
    assert type(stored["snr"]) is float and type(stored["level"]) is int


def test_empty_container():
    data = to_bytes(({}, {}))
    assert read(data) == ({}, {})
    assert verify(data) == {"ok": True, "version": (1, 0), "size": len(data), "sections": {}}


def test_arrays_are_fresh_writeable_and_independent():
    source = bytearray(SMALL)
    _, sections = read(source)
    before = {name: array.copy() for name, array in sections.items()}
    source[:] = bytes(len(source))
    for name, array in sections.items():
        assert array.flags.writeable and array.flags.c_contiguous
        assert_same(before[name], array)
        assert not np.shares_memory(array, np.frombuffer(source, np.uint8))
    names = list(sections)
    for index, name in enumerate(names):
        for other in names[index + 1 :]:
            assert not np.shares_memory(sections[name], sections[other])
    sections["zeros"][:] = 7
    assert_same(SMALL_SECTIONS["ramp"], sections["ramp"])


def test_bool_arrays_with_other_bytes_are_stored_as_zero_and_one():
    flags = np.array([0, 2, 255, 1], dtype=np.uint8).view(bool)
    _, sections = read(to_bytes(({}, {"flags": flags}, {"compress": False})))
    assert sections["flags"].view(np.uint8).tolist() == [0, 1, 1, 1]


def _sources(data: bytes, tmp_path):
    path = tmp_path / "c.ird"
    path.write_bytes(data)
    return {
        "bytes": data,
        "bytearray": bytearray(data),
        "memoryview": memoryview(data),
        "str path": str(path),
        "pathlib": path,
        "BytesIO": io.BytesIO(data),
        "stream": Stream(data),
        "trickle": Stream(data, step=7),
        "seekable without readinto": SeekableWithoutReadinto(data, step=5),
    }


def test_every_kind_of_source_reads_the_same(tmp_path):
    for kind, source in _sources(SMALL, tmp_path).items():
        header, sections = read(source)
        assert header == {"name": "small", "levels": [1, 2]}, kind
        for name, array in SMALL_SECTIONS.items():
            assert_same(array, sections[name])
    with open(tmp_path / "c.ird", "rb") as stream:
        assert verify(stream)["ok"]


def test_containers_follow_one_another_in_a_stream():
    first = to_bytes(({"i": 1}, {"a": np.arange(3)}))
    second = to_bytes(({"i": 2}, {"b": np.zeros(200)}))
    for stream in (io.BytesIO(first + second), Stream(first + second, step=11)):
        assert read(stream)[0] == {"i": 1}
        assert stream.tell() == len(first)
        assert read(stream)[0] == {"i": 2}
        assert stream.read(1) == b""


def test_a_file_object_receives_the_container_at_its_position():
    buffer = io.BytesIO()
    buffer.write(b"prefix")
    size = write(buffer, {"k": 1}, {"a": np.arange(4)})
    assert buffer.tell() == 6 + size
    buffer.seek(6)
    assert read(buffer)[0] == {"k": 1}


def test_partial_writes_are_continued():
    class Slow(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, chunk):
            piece = bytes(chunk[:5])
            self.data += piece
            return len(piece)

    slow = Slow()
    assert write(slow, {"k": 1}, SMALL_SECTIONS) == len(slow.data)
    assert bytes(slow.data) == to_bytes(({"k": 1}, SMALL_SECTIONS))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
headers = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(st.sampled_from(CODES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    return draw(hnp.arrays(dtype, shape))


section_maps = st.dictionaries(st.text(min_size=1, max_size=12), arrays(), max_size=4)


@HYPOTHESIS
@given(header=headers, sections=section_maps, compress=st.sampled_from([False, True, 1, 9]))
def test_random_headers_and_arrays_round_trip(header, sections, compress):
    data = to_bytes((header, sections, {"compress": compress}))
    stored_header, stored = read(data)
    assert stored_header == header
    assert list(stored) == list(sections)
    for name, array in sections.items():
        assert_same(array, stored[name])
    _, independent_header, independent = parse(data)
    assert independent_header == header
    for name in sections:
        assert independent[name].tobytes() == stored[name].tobytes()
    report = verify(data)
    assert report["ok"] and report["size"] == len(data)
    assert read_header(data)["sections"].keys() == sections.keys()


@HYPOTHESIS
@given(sections=section_maps, step=st.integers(1, 64))
def test_random_containers_read_from_trickling_streams(sections, step):
    data = to_bytes(({}, sections))
    _, stored = read(Stream(data, step=step))
    for name, array in sections.items():
        assert_same(array, stored[name])


# --------------------------------------------------------------------------------------
# read_header and verify
# --------------------------------------------------------------------------------------


def test_read_header_reports_the_table():
    info = read_header(SMALL)
    assert info["version"] == (1, 0)
    assert info["header"] == {"name": "small", "levels": [1, 2]}
    assert info["size"] == len(SMALL)
    assert list(info["sections"]) == list(SMALL_SECTIONS)
    scalar = info["sections"]["scalar"]
    assert scalar["dtype"] == "complex128" and scalar["shape"] == () and scalar["raw_length"] == 16
    assert info["sections"]["empty"]["shape"] == (0, 3)


def test_read_header_does_not_read_sections():
    data = bytearray(SMALL)
    offset = read_header(SMALL)["sections"]["ramp"]["offset"]
    data[offset] ^= 0xFF
    assert read_header(bytes(data))["header"]["name"] == "small"
    stream = io.BytesIO(bytes(data))
    read_header(stream)
    assert stream.tell() == 24 + struct.unpack_from("<Q", SMALL, 12)[0]
    with pytest.raises(FormatError, match="'ramp' fails its stored checksum"):
        read(bytes(data))


def test_verify_names_each_damaged_section():
    data = bytearray(SMALL)
    table = read_header(SMALL)["sections"]
    assert table["zeros"]["codec"] == "zstd"
    for name in ("zeros", "ramp"):
        data[table[name]["offset"] + table[name]["stored_length"] - 1] ^= 0x10
    report = verify(bytes(data))
    assert report["ok"] is False
    assert "checksum" in report["sections"]["zeros"]
    assert "checksum" in report["sections"]["ramp"]
    assert report["sections"]["flags"] == report["sections"]["scalar"] == "ok"


# --------------------------------------------------------------------------------------
# Writing to a path
# --------------------------------------------------------------------------------------


def test_overwriting_keeps_permissions_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "x.ird"
    write(path, {"v": 1}, {})
    os.chmod(path, 0o640)
    write(str(path), {"v": 2}, {"a": np.arange(3)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert read(path)[0] == {"v": 2}
    assert os.listdir(tmp_path) == ["x.ird"]


def test_a_new_file_gets_the_umask_mode(tmp_path):
    umask = os.umask(0o027)
    try:
        write(tmp_path / "new.ird", {}, {})
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.ird").stat().st_mode) == 0o640


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch, failing):
    path = tmp_path / "x.ird"
    write(path, {"v": 1}, SMALL_SECTIONS)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        write(path, {"v": 2}, {"big": np.zeros(10_000)})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["x.ird"]


def test_a_symbolic_link_is_followed(tmp_path):
    target = tmp_path / "real.ird"
    write(target, {"v": 1}, {})
    link = tmp_path / "link.ird"
    link.symlink_to(target)
    write(link, {"v": 2}, {})
    assert link.is_symlink()
    assert read(target)[0] == {"v": 2}


def test_a_missing_directory_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        write(tmp_path / "missing" / "x.ird", {}, {})
    with pytest.raises(FileNotFoundError):
        read(tmp_path / "missing.ird")


# --------------------------------------------------------------------------------------
# Misuse
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "error", "match"),
    [
        ([1, 2], ArgumentTypeError, "'header' must be a mapping"),
        ({1: "a"}, ArgumentTypeError, "str keys"),
        ({"a": {2.5: 1}}, ArgumentTypeError, "str keys"),
        ({"a": np.int64(3)}, ArgumentTypeError, r"header\['a'\] is numpy.int64"),
        (
            {"a": [1, {"b": {1, 2}}]},
            ArgumentTypeError,
            r"header\['a'\]\[1\]\['b'\] is builtins.set",
        ),
        ({"a": b"bytes"}, ArgumentTypeError, "builtins.bytes"),
        ({"a": float("nan")}, ArgumentError, "non-finite"),
        ({"a": [float("-inf")]}, ArgumentError, "non-finite"),
        ({"a": 2**64}, ArgumentError, "64-bit range"),
        ({"a": -(2**63) - 1}, ArgumentError, "64-bit range"),
        ({"a": "\ud800"}, ArgumentError, "not valid Unicode"),
        ({"\udfff": 1}, ArgumentError, "not valid Unicode"),
    ],
)
def test_headers_that_cannot_be_stored_are_refused(header, error, match):
    with pytest.raises(error, match=match):
        write(io.BytesIO(), header, {})


def test_nesting_beyond_the_limit_is_refused():
    deep: list = []  # with the header around it, 64 lists and objects deep
    for _ in range(container.MAX_DEPTH - 2):
        deep = [deep]
    assert read(to_bytes(({"a": deep}, {})))[0] == {"a": deep}
    with pytest.raises(ArgumentError, match="more than 64 deep"):
        write(io.BytesIO(), {"a": [deep]}, {})
    with pytest.raises(ArgumentError, match="more than 64 deep"):
        write(io.BytesIO(), {"a": {"b": deep}}, {})


def test_a_header_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(container, "MAX_HEADER_LENGTH", 500)
    write(io.BytesIO(), {"text": "x" * 300}, {})
    with pytest.raises(ArgumentError, match="at most 500 are allowed"):
        write(io.BytesIO(), {"text": "x" * 500}, {})


@pytest.mark.parametrize(
    ("sections", "error", "match"),
    [
        ([("a", np.zeros(1))], ArgumentTypeError, "'sections' must be a mapping"),
        ({1: np.zeros(1)}, ArgumentTypeError, "str keys"),
        ({"": np.zeros(1)}, ArgumentError, "1 to 256 characters"),
        ({"x" * 257: np.zeros(1)}, ArgumentError, "1 to 256 characters"),
        ({"\ud800": np.zeros(1)}, ArgumentError, "not valid Unicode"),
        ({"a": [1, 2]}, ArgumentTypeError, "must be a numpy.ndarray"),
        ({"a": np.ma.masked_array([1, 2])}, ArgumentTypeError, "not a masked array"),
        ({"a": np.array([None])}, ArgumentTypeError, "dtype object"),
        ({"a": np.zeros(2, np.float16)}, ArgumentTypeError, "dtype float16"),
        ({"a": np.zeros(2, np.longdouble)}, ArgumentTypeError, "dtype float128"),
        ({"a": np.array(["s"])}, ArgumentTypeError, "dtype <U1"),
        ({"a": np.zeros(2, "datetime64[s]")}, ArgumentTypeError, "datetime64"),
        ({"a": np.zeros(2, "i4,f8")}, ArgumentTypeError, "must be one of"),
        ({"a": np.zeros(2, "V8")}, ArgumentTypeError, "dtype \\|V8"),
    ],
)
def test_sections_that_cannot_be_stored_are_refused(sections, error, match):
    with pytest.raises(error, match=match):
        write(io.BytesIO(), {}, sections)


@pytest.mark.parametrize(
    ("compress", "error"),
    [
        (0, ArgumentError),
        (23, ArgumentError),
        (-1, ArgumentError),
        (1.5, ArgumentTypeError),
        ("yes", ArgumentTypeError),
        (None, ArgumentTypeError),
    ],
)
def test_bad_compress_arguments_are_refused(compress, error):
    with pytest.raises(error, match="'compress'"):
        write(io.BytesIO(), {}, {}, compress=compress)


def test_bad_targets_and_sources_are_refused(tmp_path):
    with open(tmp_path / "t.txt", "w") as text:
        with pytest.raises(ArgumentTypeError, match="text-mode"):
            write(text, {}, {})
    with pytest.raises(ArgumentTypeError, match="'target'"):
        write(42, {}, {})
    (tmp_path / "c.ird").write_bytes(SMALL)
    with open(tmp_path / "c.ird") as text:
        with pytest.raises(ArgumentTypeError, match="text-mode"):
            read(text)

    class TextLike:
        def read(self, count=-1):
            return "text"

    with pytest.raises(ArgumentTypeError, match="binary mode"):
        read(TextLike())
    with pytest.raises(ArgumentTypeError, match="'source'"):
        read(12)
    with pytest.raises(ArgumentTypeError, match="contiguous"):
        read(memoryview(SMALL)[::2])


@pytest.mark.parametrize(
    ("max_bytes", "error"),
    [(-1, ArgumentError), (1.0, ArgumentTypeError), (True, ArgumentTypeError)],
)
def test_bad_max_bytes_are_refused(max_bytes, error):
    with pytest.raises(error, match="'max_bytes'"):
        read(SMALL, max_bytes=max_bytes)


def test_without_zstandard_compression_and_zstd_sections_say_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(ModuleNotFoundError, match="'zstandard' package is needed"):
        write(io.BytesIO(), {}, {"a": np.zeros(10)})
    data = to_bytes(({}, {"a": np.zeros(10)}, {"compress": False}))
    assert read(data)[1]["a"].shape == (10,)
    with pytest.raises(ModuleNotFoundError, match="compress=False"):
        read(SMALL)


def test_docstring_examples_run():
    result = doctest.testmod(container, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


# --------------------------------------------------------------------------------------
# Damaged files: truncation and flipped bytes
# --------------------------------------------------------------------------------------


def test_the_hand_built_baseline_is_valid():
    rows, body = baseline()
    header, sections = read(forged(rows, body, header={"x": 1}))
    assert header == {"x": 1}
    assert sections["ints"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert not sections["zeros"].any() and sections["zeros"].shape == (100,)


def test_truncation_at_every_offset_is_refused(tmp_path):
    path = tmp_path / "cut.ird"
    for cut in range(len(SMALL)):
        part = SMALL[:cut]
        for source in (part, io.BytesIO(part), Stream(part, step=13)):
            with pytest.raises(FormatError):
                read(source)
        with pytest.raises(FormatError):
            verify(part)
    for cut in (0, 5, 23, 100, len(SMALL) - 1):
        path.write_bytes(SMALL[:cut])
        with pytest.raises(FormatError):
            read(path)


def test_truncation_messages_say_what_is_missing():
    with pytest.raises(FormatError, match="fewer than the 24-byte preamble"):
        read(SMALL[:20])
    with pytest.raises(FormatError, match="truncated: the header block needs"):
        read(SMALL[:100])
    with pytest.raises(FormatError, match="sections end at byte"):
        read(SMALL[:-1])
    with pytest.raises(FormatError, match="truncated: Section 'scalar' needs 16 bytes"):
        read(Stream(SMALL[:-1]))
    with pytest.raises(FormatError, match="empty"):
        read(b"")


def test_every_flipped_byte_is_detected():
    for position in range(len(SMALL)):
        for mask in (0x01, 0x80, 0xFF):
            data = bytearray(SMALL)
            data[position] ^= mask
            with pytest.raises(FormatError):
                read(bytes(data))
            try:
                report = verify(bytes(data))
            except FormatError:
                continue
            assert not report["ok"], position


@HYPOTHESIS
@given(
    st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_random_corruption_is_refused_or_harmless(changes):
    data = bytearray(SMALL)
    for position, value in changes:
        data[position] = value
    try:
        _, sections = read(bytes(data))
    except FormatError:
        assert bytes(data) != SMALL
        return
    assert bytes(data) == SMALL  # only unchanged data may be accepted
    for name, array in SMALL_SECTIONS.items():
        assert_same(array, sections[name])


# --------------------------------------------------------------------------------------
# Hostile preambles and header blocks
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"PK\x03\x04" + bytes(60), "Not an infored container"),
        (b"\x89PNG\r\n\x1a\n" + bytes(60), "Not an infored container"),
        (SMALL.replace(b"\r\n", b"\n", 1), "line endings were translated"),
        (b"\x09" + SMALL[1:], "first byte was altered"),
        (b"\x89IRD\r\n\x1a", "truncated"),
    ],
)
def test_wrong_magic_is_refused(data, match):
    with pytest.raises(FormatError, match=match):
        read(data)


def test_a_newer_major_version_is_refused_naming_both_versions():
    rows, body = baseline()
    data = assemble({"header": {}, "sections": rows}, body, major=2, minor=3)
    for function in (read, read_header, verify):
        with pytest.raises(FormatError, match=r"version 2\.3, newer .* supports \(1\.0\)"):
            function(data)
    with pytest.raises(FormatError, match=r"version 0\.9, which does not exist"):
        read(assemble({"header": {}, "sections": rows}, body, major=0, minor=9))


def test_a_newer_minor_version_with_unknown_keys_is_read():
    rows, body = baseline()
    rows[0]["future_field"] = {"anything": [1]}
    data = assemble({"header": {"a": 1}, "sections": rows, "extra": 5}, body, minor=7)
    assert read_header(data)["version"] == (1, 7)
    assert read(data)[0] == {"a": 1}


def test_a_wrong_header_checksum_is_refused():
    rows, body = baseline()
    good = assemble({"header": {}, "sections": rows}, body)
    crc = struct.unpack_from("<I", good, 20)[0]
    with pytest.raises(FormatError, match="header checksum does not match"):
        read(assemble({"header": {}, "sections": rows}, body, crc=crc ^ 1))


@pytest.mark.parametrize("length", [2**63, 2**64 - 1, container.MAX_HEADER_LENGTH + 1])
def test_a_huge_declared_header_is_refused_without_allocating_it(length):
    data = struct.pack("<8sHHQI", MAGIC, 1, 0, length, 0) + bytes(100)
    for source in (data, Stream(data)):
        peak = peak_while_refused(source)
        assert peak < 1 << 20


def test_a_declared_header_past_the_end_is_refused():
    data = struct.pack("<8sHHQI", MAGIC, 1, 0, 10_000, 0) + bytes(100)
    with pytest.raises(FormatError, match="truncated: the header block needs 10000 bytes"):
        read(data)
    with pytest.raises(FormatError, match="truncated: the header block"):
        read(Stream(data))


@pytest.mark.parametrize(
    ("block", "match"),
    [
        (b'{"header": {"a": "\xff"}, "sections": []}', "not valid UTF-8"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
        (b'{"header": {}, "sections": [}', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"sections": []}', "'header' object"),
        (b'{"header": [], "sections": []}', "'header' object"),
        (b'{"header": {}}', "'sections' array"),
        (b'{"header": {}, "sections": {}}', "'sections' array"),
        (b'{"header": {"a": NaN}, "sections": []}', "NaN, which is not JSON"),
        (b'{"header": {"a": -Infinity}, "sections": []}', "-Infinity, which is not JSON"),
        (b'{"header": {"a": 1e999}, "sections": []}', "too large for a float"),
        (b'{"header": {"a": 1, "a": 2}, "sections": []}', "repeats the key 'a'"),
        (b'{"header": {}, "header": {}, "sections": []}', "repeats the key 'header'"),
        (b'{"header": {"a": ' + b"9" * 5000 + b'}, "sections": []}', "not valid JSON"),
        (
            b'{"header": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b'}, "sections": []}',
            "nested too deeply",
        ),
    ],
)
def test_bad_header_blocks_are_refused(block, match):
    with pytest.raises(FormatError, match=match):
        read(assemble(block=block))


# --------------------------------------------------------------------------------------
# Hostile section tables
# --------------------------------------------------------------------------------------


def _edit(index, **changes):
    rows, body = baseline()
    for key, value in changes.items():
        if value is ...:
            del rows[index][key]
        else:
            rows[index][key] = value
    return forged(rows, body)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": ""}, "names are strings of 1 to 256"),
        ({"name": 7}, "names are strings"),
        ({"name": "n" * 257}, "names are strings"),
        ({"name": ...}, "names are strings"),
        ({"dtype": "object"}, "unknown dtype 'object'"),
        ({"dtype": "|O"}, "unknown dtype"),
        ({"dtype": "float16"}, "unknown dtype"),
        ({"dtype": "<i4"}, "unknown dtype"),
        ({"dtype": None}, "unknown dtype"),
        ({"codec": "pickle"}, "unknown codec 'pickle'"),
        ({"codec": "ZSTD"}, "unknown codec"),
        ({"shape": [2, -3]}, "dimensions are integers >= 0"),
        ({"shape": [2, 3.0]}, "dimensions are integers"),
        ({"shape": [True, 6]}, "dimensions are integers"),
        ({"shape": "2,3"}, "must be a list"),
        ({"shape": [1] * 33}, "at most 32"),
        ({"shape": [2**63, 0]}, "dimensions are integers"),
        ({"shape": [2**40, 2**40, 0]}, "too large for any array"),
        ({"shape": [3, 3]}, "raw_length 24, but shape"),
        ({"raw_length": -24}, "raw_length=-24"),
        ({"raw_length": 2**70}, "raw_length="),
        ({"stored_length": 23}, "stored raw, so its stored_length"),
        ({"stored_length": "24"}, "stored_length='24'"),
        ({"stored_crc32": 2**32}, "stored_crc32="),
        ({"raw_crc32": -1}, "raw_crc32="),
        ({"offset": 1000}, "offset 1000; it must start at 1024"),
        ({"offset": 1088}, "offset 1088; it must start at 1024"),
        ({"offset": 2**62}, "must start at 1024"),
        ({"offset": ...}, "offset=None"),
    ],
)
def test_bad_rows_are_refused(changes, match):
    data = _edit(0, **changes)
    for function in (read, read_header, verify):
        with pytest.raises(FormatError, match=match):
            function(data)


def test_overlapping_sections_are_refused():
    rows, body = baseline()
    rows[1]["offset"] = rows[0]["offset"]  # both at the start of the body
    with pytest.raises(FormatError, match=r"'zeros'.*must start at 1088"):
        read(forged(rows, body))


def test_a_section_past_the_end_is_refused():
    rows, body = baseline()
    rows[1]["stored_length"] += 1
    with pytest.raises(FormatError, match="truncated: its sections end at byte"):
        read(forged(rows, body))
    with pytest.raises(FormatError, match="truncated"):
        read(Stream(forged(rows, body)))


def test_duplicate_section_names_are_refused():
    rows, body = baseline()
    rows[1]["name"] = "ints"
    with pytest.raises(FormatError, match="Section 1 repeats the name 'ints'"):
        read(forged(rows, body))


def test_trailing_bytes_are_refused_in_a_buffer_or_file_but_not_a_stream(tmp_path):
    rows, body = baseline()
    data = forged(rows, body) + b"\x00"
    with pytest.raises(FormatError, match="1 unexpected bytes follow"):
        read(data)
    (tmp_path / "t.ird").write_bytes(data)
    with pytest.raises(FormatError, match="unexpected bytes follow"):
        read(tmp_path / "t.ird")
    stream = io.BytesIO(data)
    assert read(stream)[1]["ints"].shape == (2, 3)
    assert stream.read() == b"\x00"


def test_nonzero_padding_is_refused():
    rows, body = place(section("a", np.arange(3, dtype=np.uint8)), section("b", np.arange(2)))
    body = body[:3] + b"\x01" + body[4:]
    with pytest.raises(FormatError, match="padding before Section 'b' is not zero"):
        read(forged(rows, body))
    report = verify(forged(rows, body))
    assert report["sections"] == {"a": "ok", "b": report["sections"]["b"]}
    assert "padding" in report["sections"]["b"]


def test_a_bool_section_holding_other_bytes_is_refused():
    rows, body = place(section("flags", np.array([0, 1, 2], dtype=np.uint8), dtype="bool"))
    with pytest.raises(FormatError, match="bool but holds bytes other than 0 and 1"):
        read(forged(rows, body))


def test_a_wrong_section_checksum_is_refused():
    rows, body = baseline()
    rows[0]["stored_crc32"] ^= 1
    rows[0]["raw_crc32"] ^= 1
    with pytest.raises(FormatError, match="'ints' fails its stored checksum"):
        read(forged(rows, body))
    rows, body = baseline()
    rows[1]["raw_crc32"] ^= 1
    with pytest.raises(FormatError, match="'zeros' fails its raw checksum"):
        read(forged(rows, body))


def test_max_bytes_caps_what_a_reader_allocates():
    data = to_bytes(({}, {"a": np.zeros(1000, np.uint8)}, {"compress": False}))
    header_length = struct.unpack_from("<Q", data, 12)[0]
    needed = header_length + 1000
    assert read(data, max_bytes=needed)[1]["a"].size == 1000
    assert read_header(data, max_bytes=needed)["size"] == len(data)
    with pytest.raises(FormatError, match=f"allocate {needed} bytes, more than max_bytes"):
        read(data, max_bytes=needed - 1)
    with pytest.raises(FormatError, match="more than the limit of 10 bytes"):
        read(data, max_bytes=10)
    compressed = to_bytes(({}, {"a": np.zeros(1000, np.uint8)}))
    stored = read_header(compressed)["sections"]["a"]["stored_length"]
    limit = struct.unpack_from("<Q", compressed, 12)[0] + 1000 + stored
    read(compressed, max_bytes=limit)
    with pytest.raises(FormatError, match="max_bytes"):
        read(compressed, max_bytes=limit - 1)


def test_huge_declared_sections_are_refused_without_allocating_them():
    for shape in ([2**31, 2**31], [2**61], [2**34 + 1]):
        rows, body = baseline()
        itemsize = 4
        rows[0].update(
            shape=shape, raw_length=int(np.prod(shape, dtype=object)) * itemsize, codec="zstd"
        )
        data = forged(rows, body)
        for source in (data, Stream(data)):
            peak = peak_while_refused(source)
            assert peak < 1 << 20
        with pytest.raises(FormatError, match=r"too large for any array|max_bytes"):
            read(data)


# --------------------------------------------------------------------------------------
# Hostile zstd frames
# --------------------------------------------------------------------------------------


def with_content_size(frame: bytes, size: int) -> bytes:
    """Rewrite the content size a zstd frame header declares, keeping the field's width."""
    descriptor = frame[4]
    single_segment = descriptor >> 5 & 1
    start = 5 + (not single_segment) + (0, 1, 2, 4)[descriptor & 3]
    width = (single_segment, 2, 4, 8)[descriptor >> 6]
    assert width > 0, "this frame does not record its content size"
    value = size - 256 if width == 2 else size
    packed = value.to_bytes(width, "little")
    changed = frame[:start] + packed + frame[start + width :]
    assert zstandard.frame_content_size(changed) == size
    return changed


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 2 kB zstd frame of 64 MiB of zeros."""
    compressor = zstandard.ZstdCompressor(level=1, write_checksum=False)
    stream = compressor.compressobj(size=64 << 20)
    chunk = bytes(1 << 20)
    frame = b"".join([stream.compress(chunk) for _ in range(64)] + [stream.flush()])
    assert len(frame) < 4096
    assert zstandard.frame_content_size(frame) == 64 << 20
    return frame


def _zstd_file(frame: bytes, raw_length: int = 4096) -> bytes:
    array = np.zeros(raw_length, np.uint8)
    row, _ = section("z", array, codec="zstd", stored=frame)
    return forged(*place((row, frame)))


def test_a_frame_that_decodes_to_more_than_it_declares_is_refused_without_allocating(bomb):
    lying = with_content_size(bomb, 4096)
    data = _zstd_file(lying)
    peak = peak_while_refused(data)
    assert peak < 1 << 20
    with pytest.raises(FormatError, match="'z' cannot be decompressed"):
        read(data)
    assert "cannot be decompressed" in verify(data)["sections"]["z"]


def test_a_frame_declaring_more_than_the_table_is_refused_without_allocating(bomb):
    data = _zstd_file(bomb)
    peak = peak_while_refused(data)
    assert peak < 1 << 20
    with pytest.raises(FormatError, match="declares 67108864 bytes; the section table says 4096"):
        read(data)


def test_a_frame_without_a_content_size_is_refused():
    stream = zstandard.ZstdCompressor().compressobj()
    frame = stream.compress(bytes(4096)) + stream.flush()
    assert zstandard.frame_content_size(frame) == -1
    with pytest.raises(FormatError, match="does not declare its size"):
        read(_zstd_file(frame))


def test_a_frame_that_decodes_to_less_than_it_declares_is_refused():
    frame = zstandard.ZstdCompressor(level=1).compress(bytes(5000))
    lying = with_content_size(frame, 6000)
    with pytest.raises(FormatError, match="cannot be decompressed"):
        read(_zstd_file(lying, 6000))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda frame: frame + b"\x00", "cannot be decompressed"),
        (lambda frame: frame + frame, "cannot be decompressed"),
        (lambda frame: frame[:-3], "cannot be decompressed"),
        (lambda frame: frame[:5], "corrupt zstd frame header"),
        (
            lambda frame: b"\x50\x2a\x4d\x18" + struct.pack("<I", 4) + b"skip" + frame,
            "not a zstd frame",
        ),
        (lambda frame: bytes(len(frame)), "not a zstd frame"),
        (lambda frame: frame[:12] + bytes(len(frame) - 12), "cannot be decompressed"),
    ],
)
def test_malformed_frames_are_refused(make, match):
    frame = zstandard.ZstdCompressor().compress(np.arange(4096, dtype=np.uint8).tobytes())
    with pytest.raises(FormatError, match=match):
        read(_zstd_file(make(frame)))


def test_a_zstd_section_must_not_be_empty():
    rows, body = place(section("e", np.zeros(0), codec="zstd"))
    with pytest.raises(FormatError, match="zstd section of zero length"):
        read(forged(rows, body))


@pytest.mark.parametrize("codec", ["raw", "zstd"])
def test_a_stream_declaring_more_than_it_holds_is_refused_without_allocating_it(codec):
    rows, body = baseline()
    size = 1 << 30  # within max_bytes, so only the missing data can stop the reader
    if codec == "raw":
        rows = rows[:1]  # the last section, so that no offset depends on its length
        rows[0].update(shape=[size // 4], raw_length=size, stored_length=size)
    else:
        rows[1].update(shape=[size // 8], raw_length=size, stored_length=size // 2)
    data = forged(rows, body)
    peak = peak_while_refused(Stream(data))
    assert peak < 1 << 20
    with pytest.raises(FormatError, match="truncated"):
        read(Stream(data, step=4096))


def test_the_example_in_the_format_document_is_what_write_produces():
    document = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "format.md")
    with open(document, encoding="utf-8") as stream:
        text = stream.read()
    dump = text.split("## Example", 1)[1].split("```")[1]
    expected = bytes.fromhex("".join(line[6:54] for line in dump.strip().splitlines()))
    produced = to_bytes(({"k": 4}, {"a": np.array([1, 2, 3], dtype=np.uint8)}, {"compress": False}))
    assert produced == expected
    assert len(expected) == 259
    assert zlib.crc32(b"123456789") == 0xCBF43926


def test_importing_the_module_does_not_import_zstandard():
    code = "import sys, infored._container; print('zstandard' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_odd_file_objects():
    class ReturnsNone:
        def __init__(self):
            self.data = bytearray()

        def write(self, chunk):
            self.data += chunk

    class ReturnsZero:
        def write(self, chunk):
            return 0

    class NotReady:
        def read(self, count=-1):
            return None

    old_style = ReturnsNone()
    assert write(old_style, {}, SMALL_SECTIONS) == len(old_style.data)
    assert bytes(old_style.data) == to_bytes(({}, SMALL_SECTIONS))
    with pytest.raises(OSError, match="wrote 0 of"):
        write(ReturnsZero(), {}, {})
    with pytest.raises(OSError, match="non-blocking"):
        read(NotReady())
    two_dimensional = memoryview(bytearray(SMALL)).cast("B", (1, len(SMALL)))
    assert read(two_dimensional)[0] == {"name": "small", "levels": [1, 2]}


def _with_header_block(block: bytes, sections_after: bytes = b"") -> bytes:
    start = struct.pack("<8sHHQ", MAGIC, 1, 0, len(block))
    return start + struct.pack("<I", zlib.crc32(block, zlib.crc32(start))) + block + sections_after


def test_header_block_is_compressed_when_sections_are():
    header = {"channels": [{"offset": i * 0.125, "step": 1e-3} for i in range(200)]}
    arrays = {"a": np.arange(5000, dtype=np.uint16)}
    packed, plain = io.BytesIO(), io.BytesIO()
    write(packed, header, arrays)
    write(plain, header, arrays, compress=False)
    data = packed.getvalue()
    (length,) = struct.unpack_from("<Q", data, 12)
    assert data[24:28] == b"\x28\xb5\x2f\xfd"
    assert plain.getvalue()[24:25] == b"{"
    assert length < len(json.dumps(header)) / 3
    for source in (data, plain.getvalue()):
        back, sections = read(source)
        assert back == header and np.array_equal(sections["a"], arrays["a"])
        assert verify(source)["ok"]
    _, parsed_header, _ = parse(data)
    assert parsed_header == header


def test_hostile_compressed_header_blocks_are_refused_without_allocating():
    text = json.dumps({"header": {}, "sections": []}).encode()
    no_size = zstandard.ZstdCompressor(write_content_size=False).compress(text)
    bomb = zstandard.ZstdCompressor().compress(b" " * (container.MAX_HEADER_LENGTH + 1))
    lying = bytearray(zstandard.ZstdCompressor().compress(text))
    for block, message in (
        (no_size, "declare"),
        (bomb, "declare"),
        (b"\x28\xb5\x2f\xfd!", "corrupt"),
    ):
        tracemalloc.start()
        with pytest.raises(FormatError, match=message):
            read(_with_header_block(bytes(block)))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 2**20
    lying[-1] ^= 0xFF
    with pytest.raises(FormatError):
        read(_with_header_block(bytes(lying)))
    assert read(_with_header_block(zstandard.ZstdCompressor().compress(text))) == ({}, {})


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**62), st.integers(20, 400), st.integers(1, 4000))
def test_compressed_header_block_always_settles(stamp, values, length):
    """Offsets depend on which 64-byte slot the header block ends in; whatever the header,
    a zstd block is found (the padding key settles blocks that cross a slot boundary)."""
    header = {"stamp": stamp, "values": [round(i * 0.37 + stamp % 97, 6) for i in range(values)]}
    data = io.BytesIO()
    write(data, header, {"a": np.arange(length, dtype=np.int32), "b": np.zeros(length % 97)})
    raw = data.getvalue()
    assert raw[24:28] == b"\x28\xb5\x2f\xfd"
    assert read(raw)[0] == header
    parse(raw)
