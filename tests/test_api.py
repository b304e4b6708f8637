"""The public API: exported names, a light import, code configs and registry, clear errors."""

from __future__ import annotations

import importlib.metadata
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import infored
from infored import (
    BCH,
    ArgumentError,
    ArgumentTypeError,
    Golay,
    Hamming,
    InforedError,
    LinearCode,
    get_code,
)

EXPORTED = [
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


# ---------------------------------------------------------------- the package


def test_all_is_pinned():
    assert sorted(infored.__all__) == sorted(EXPORTED)
    assert len(set(infored.__all__)) == len(infored.__all__)
    for name in infored.__all__:
        assert hasattr(infored, name), name


def test_version_has_one_source_of_truth():
    assert infored.__version__ == importlib.metadata.version("infored")


HEAVY = (
    "galois",
    "scipy",
    "numba",
    "llvmlite",
    "bchlib",
    "numcodecs",
    "zarr",
    "dask",
    "pyfftw",
    "hypothesis",
    "click",
)


def test_import_is_light():
    """``import infored`` pulls in numpy and the standard library, none of the heavy or
    optional dependencies (run in a fresh interpreter)."""
    script = "import json, sys, infored; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parent,
    )
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert "numpy" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_errors_subclass_the_builtins():
    assert issubclass(ArgumentError, ValueError) and issubclass(ArgumentError, InforedError)
    assert issubclass(ArgumentTypeError, TypeError)
    assert issubclass(ArgumentTypeError, InforedError)
    assert issubclass(infored.FormatError, ValueError)


def test_linear_code_is_abstract():
    with pytest.raises(TypeError):
        LinearCode(np.zeros((1, 1), dtype=np.uint8), 3)


# ---------------------------------------------------------------- configs and the registry

ALL_CODES = [
    Hamming(2),
    Hamming(3),
    Hamming(7, decoder="bounded"),
    Hamming(4, extended=True),
    Hamming(15),
    Golay(),
    Golay(extended=True),
    Golay(decoder="bounded"),
    BCH(63, 51),
    BCH(60, 48, decoder="bounded"),
    BCH(255, 223),
    BCH(15, 5),
    BCH(1023, 1013),
]


@pytest.mark.parametrize("c", ALL_CODES, ids=repr)
def test_config_round_trips(c):
    config = c.get_config()
    assert json.loads(json.dumps(config)) == config  # JSON-safe
    assert config["id"] in ("hamming", "golay", "bch")
    rebuilt = get_code(json.loads(json.dumps(config)))
    assert type(rebuilt) is type(c) and rebuilt == c and hash(rebuilt) == hash(c)
    assert (rebuilt.n, rebuilt.k, rebuilt.d, rebuilt.decoder) == (c.n, c.k, c.d, c.decoder)
    assert eval(repr(c), {"Hamming": Hamming, "Golay": Golay, "BCH": BCH}) == c


@pytest.mark.parametrize("c", ALL_CODES, ids=repr)
def test_pickle_round_trips(c):
    words = np.random.default_rng(c.n).integers(0, 2, size=(50, c.n), dtype=np.uint8)
    copy = pickle.loads(pickle.dumps(c))
    assert copy == c and copy.get_config() == c.get_config()
    assert np.array_equal(copy.decode(words), c.decode(words))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("golay", Golay()),
        ("golay23", Golay()),
        ("golay24", Golay(extended=True)),
        ("Golay24", Golay(extended=True)),
        ("hamming3", Hamming(3)),
        ("hamming10", Hamming(10)),
        ("ehamming4", Hamming(4, extended=True)),
        ("bch63,51", BCH(63, 51)),
        ("BCH(63, 51)", BCH(63, 51)),
        (" bch60,48 ", BCH(60, 48)),
        ("bch255,223", BCH(255, 223)),
    ],
)
def test_short_names(name, expected):
    assert get_code(name) == expected


def test_codes_differ_by_decoder_and_extension():
    assert Golay() != Golay(extended=True)
    assert Golay() != Golay(decoder="bounded")
    assert BCH(63, 51) != BCH(63, 51, decoder="bounded")
    assert Hamming(3) != BCH(7, 4)  # same code, different family config
    assert Golay() != "golay"


def test_default_decoders():
    assert Golay().decoder == "complete" and BCH(63, 51).decoder == "complete"
    assert BCH(1023, 1003).decoder == "complete"  # n - k = 20
    assert BCH(255, 223).decoder == "bounded" and BCH(1023, 993).decoder == "bounded"


# ---------------------------------------------------------------- bad parameters


def message_of(excinfo) -> str:
    return str(excinfo.value)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: Hamming(1), "'r'"),
        (lambda: Hamming(99), "'r'"),
        (lambda: Hamming(3.0), "'r'"),
        (lambda: Hamming(True), "'r'"),
        (lambda: BCH(63, 50), "k=50"),
        (lambda: BCH(5000, 10), "k=10"),
        (lambda: BCH(2**15, 100), "'n'"),
        (lambda: BCH(1, 1), "'n'"),
        (lambda: BCH(63, 63), "'k'"),
        (lambda: BCH(63, 0), "'k'"),
        (lambda: BCH(63, 51.0), "'k'"),
        (lambda: BCH("63", 51), "'n'"),
        (lambda: Golay(decoder="nearest"), "'decoder'"),
        (lambda: BCH(255, 223, decoder="complete"), "'decoder'"),
        (lambda: BCH(63, 39, decoder="complete"), "bounded"),  # n - k = 24
        (lambda: get_code({"id": "reed-solomon", "n": 255}), "reed-solomon"),
        (lambda: get_code({"n": 7}), "'id'"),
        (lambda: get_code("turbo"), "turbo"),
        (lambda: get_code("hamming"), "hamming"),
        (lambda: get_code("bch63"), "bch63"),
        (lambda: get_code({"id": "hamming"}), "hamming"),
        (lambda: get_code({"id": "golay", "length": 23}), "length"),
        (lambda: get_code(42), "42"),
    ],
)
def test_bad_parameters_raise_clear_errors(make, needle):
    with pytest.raises(ArgumentError) as excinfo:
        make()
    assert needle in message_of(excinfo)


def test_bad_bch_parameters_name_the_valid_message_lengths():
    with pytest.raises(ArgumentError) as excinfo:
        BCH(63, 50)
    message = message_of(excinfo)
    for k in (57, 51, 45):
        assert str(k) in message


def test_numpy_integers_are_integers():
    """Parameters that come out of numpy arrays are integers too (``unpack_bits`` already takes
    them for ``n``)."""
    assert Hamming(np.int64(3)) == Hamming(3)
    assert BCH(np.int64(63), np.int32(51)) == BCH(63, 51)
    assert infored.unpack_bits(5, np.int64(3)).tolist() == [1, 0, 1]


# ---------------------------------------------------------------- bad arguments to the methods


def test_method_arguments_are_validated():
    c = Golay()
    with pytest.raises(ArgumentError, match=r"'words'.*23"):
        c.decode(np.zeros((4, 22), dtype=np.uint8))
    with pytest.raises(ArgumentError, match=r"'messages'.*12"):
        c.encode(np.zeros((4, 13), dtype=np.uint8))
    with pytest.raises(ArgumentError, match="'words'"):
        c.decode(np.array([2], dtype=np.uint8).repeat(23))
    with pytest.raises(ArgumentTypeError, match="'words'"):
        c.decode(np.zeros(23))
    with pytest.raises(ArgumentError, match="'words'"):
        c.decode(np.array([1 << 23]), packed=True)
    with pytest.raises(ArgumentError, match="'messages'"):
        c.encode(np.array([1 << 12]), packed=True)
    with pytest.raises(ArgumentError, match="'syndromes'"):
        c.merge(np.zeros(3, dtype=np.uint16), np.array([1 << 11]), packed=True)
    with pytest.raises(ArgumentError, match="'messages' and 'syndromes'"):
        c.merge(np.zeros((3, 12), dtype=np.uint8), np.zeros((2, 11), dtype=np.uint8))
    with pytest.raises(ArgumentError, match="'words'"):
        BCH(127, 113).decode(np.zeros((3, 3), dtype=np.uint64), packed=True)  # 2 limbs


@pytest.mark.parametrize("width", [3, 8, 12, 23, 64, 100])
@pytest.mark.parametrize(
    ("dtype", "bad"), [(np.uint8, 2), (np.uint8, 255), (np.int8, -1), (np.int64, 257)]
)
def test_bits_other_than_0_and_1_are_refused(backend, width, dtype, bad):
    """Every byte of a bit array is checked, wherever the value sits (first and last byte of a
    word, the tail of an overlapped group), in batches split over threads, and whatever
    the dtype (a conversion to uint8 would turn 257 into 1)."""
    count = 2**17 + 3
    for row, col in [(0, 0), (count - 1, width - 1), (count // 2, width // 2)]:
        bits = np.zeros((count, width), dtype=dtype)
        bits[row, col] = bad
        with pytest.raises(ArgumentError, match="'bits' must hold only 0 and 1"):
            infored.pack_bits(bits)
    bits[row, col] = 1
    assert int(infored.unpack_bits(infored.pack_bits(bits[row]), width)[col]) == 1


def test_bit_arguments_are_checked_under_their_names():
    c = Golay()
    bad = np.zeros((5, 23), dtype=np.uint8)
    bad[4, 22] = bad[3, 11] = 3
    with pytest.raises(ArgumentError, match="'words' must hold only 0 and 1"):
        c.decode(bad)
    with pytest.raises(ArgumentError, match="'words' must hold only 0 and 1"):
        c.split(bad)
    with pytest.raises(ArgumentError, match="'messages' must hold only 0 and 1"):
        c.encode(bad[:, :12])
    with pytest.raises(ArgumentError, match="'syndromes' must hold only 0 and 1"):
        c.merge(np.zeros((5, 12), dtype=np.uint8), bad[:, 12:])


@pytest.mark.parametrize(
    ("name", "dtype"),
    [
        ("golay", np.uint32),  # one chunk table
        ("hamming4", np.uint16),
        ("hamming5", np.uint32),  # two chunk tables
        ("hamming6", np.uint64),  # five chunk tables
        ("bch63,51", np.uint64),
        ("bch63,30", np.uint64),  # algebraic decoder
    ],
)
@pytest.mark.parametrize("where", [0, -1, -6])
def test_packed_words_wider_than_n_are_refused_by_decode(backend, name, dtype, where):
    """A packed word with bits above n is an error, never silently decoded: also in a large
    batch split over threads, wherever the word sits, with error counts, in split, and when
    a wider dtype would be narrowed to the word dtype."""
    c = get_code(name)
    words = np.zeros(3 * 2**16 + 3, dtype=dtype)  # split over threads, with a short tail
    words[where] = np.asarray(1 << c.n, dtype=dtype)
    match = rf"'words'.*more than {c.n} bits"
    with pytest.raises(ArgumentError, match=match):
        c.decode(words, packed=True)
    with pytest.raises(ArgumentError, match=match):
        c.decode(words, packed=True, errors=True)
    with pytest.raises(ArgumentError, match=match):
        c.split(words, packed=True)
    if c.n < 40:  # a wider dtype, whose conversion would drop the high bits unchecked
        wide = words.astype(np.uint64)
        wide[where] = 1 << 40
        with pytest.raises(ArgumentError, match=match):
            c.decode(wide, packed=True)
    words[where] = (1 << c.n) - 1
    assert c.decode(words, packed=True).shape == words.shape
