"""pack_bits / unpack_bits: the packed-word convention, on both backends, and bad input.

Convention: the bits b_0 .. b_(n-1) of a word form P = sum b_i 2^(n-1-i) (position 0 most
significant). Up to 64 bits P is one unsigned integer of the smallest dtype holding n bits;
above, a row of ceil(n / 64) little-endian uint64 limbs of P.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import int_to_packed, packed_to_int
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from infored import ArgumentError, ArgumentTypeError, pack_bits, unpack_bits

# the backend fixture sets INFORED_BACKEND for the whole test, across hypothesis examples
backend_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def word_value(bits) -> int:
    """The integer P of one word's bits, computed in Python."""
    return sum(int(b) << (len(bits) - 1 - i) for i, b in enumerate(bits))


def expected_dtype(n: int) -> np.dtype:
    for bits, dtype in ((8, np.uint8), (16, np.uint16), (32, np.uint32)):
        if n <= bits:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


@st.composite
def bit_arrays(draw, max_n: int = 200):
    n = draw(st.integers(1, max_n), label="n")
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4), label="lead")
    return draw(hnp.arrays(np.uint8, (*lead, n), elements=st.integers(0, 1)))


# ---------------------------------------------------------------- round trips

@backend_settings
@given(bits=bit_arrays())
def test_round_trip_any_width(bits, backend):
    n = bits.shape[-1]
    packed = pack_bits(bits)
    limbs = () if n <= 64 else (-(-n // 64),)
    assert packed.shape == bits.shape[:-1] + limbs
    assert packed.dtype == expected_dtype(n)
    flat = bits.reshape(-1, n)
    assert packed_to_int(packed, n) == [word_value(row) for row in flat]
    back = unpack_bits(packed, n)
    assert back.dtype == np.uint8
    assert np.array_equal(back, bits)


@backend_settings
@given(data=st.data())
def test_unpack_then_pack_any_width(data, backend):
    n = data.draw(st.integers(1, 200), label="n")
    values = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=0, max_size=6))
    packed = int_to_packed(values, n)
    bits = unpack_bits(packed, n)
    assert bits.shape == (len(values), n)
    assert [word_value(row) for row in bits] == values
    assert np.array_equal(pack_bits(bits), packed)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 17, 32, 33, 63, 64, 65, 127, 128, 129, 200])
def test_widths_and_dtypes(n, backend):
    rng = np.random.default_rng(n)
    bits = rng.integers(0, 2, size=(5, n), dtype=np.uint8)
    packed = pack_bits(bits)
    if n <= 64:
        assert packed.shape == (5,) and packed.dtype == expected_dtype(n)
    else:
        assert packed.shape == (5, -(-n // 64)) and packed.dtype == np.uint64
    assert np.array_equal(unpack_bits(packed, n), bits)


# ---------------------------------------------------------------- the documented bit order

def test_documented_examples():
    assert int(pack_bits([1, 0, 1, 1])) == 11
    assert unpack_bits(11, 4).tolist() == [1, 0, 1, 1]


@pytest.mark.parametrize("n", [1, 5, 23, 64, 65, 100, 130])
def test_position_zero_is_most_significant(n, backend):
    eye = np.eye(n, dtype=np.uint8)  # row p: only position p set
    values = packed_to_int(pack_bits(eye), n)
    assert values == [1 << (n - 1 - p) for p in range(n)]


def test_limbs_are_little_endian():
    # n = 130: limb 0 holds P's bits 0..63 (positions 129..66), limb 2 bits 128, 129
    n = 130
    bits = np.zeros(n, dtype=np.uint8)
    bits[0] = 1  # P bit 129 -> limb 2, bit 1
    bits[n - 1] = 1  # P bit 0 -> limb 0, bit 0
    bits[n - 65] = 1  # P bit 64 -> limb 1, bit 0
    assert pack_bits(bits).tolist() == [1, 1, 2]
    assert unpack_bits(np.array([1, 1, 2], dtype=np.uint64), n).tolist() == bits.tolist()


def test_input_dtypes_and_layouts(backend):
    bits = np.array([[1, 0, 1], [0, 1, 1]], dtype=np.uint8)
    expect = pack_bits(bits).tolist()
    assert expect == [5, 3]
    for variant in (bits.astype(bool), bits.astype(np.int64), bits.astype(np.int8),
                    bits.tolist(), np.asfortranarray(bits),
                    np.repeat(bits, 2, axis=1)[:, ::2]):  # non-contiguous view
        assert pack_bits(variant).tolist() == expect
    packed = np.array([5, 3])
    for variant in (packed.astype(np.int64), packed.astype(np.uint8), packed.astype(np.int16),
                    [5, 3], np.array([5, 0, 3])[::2]):
        assert unpack_bits(variant, 3).tolist() == bits.tolist()


def test_empty_and_scalar_shapes(backend):
    assert pack_bits(np.zeros((0, 10), dtype=np.uint8)).shape == (0,)
    assert pack_bits(np.zeros((0, 100), dtype=np.uint8)).shape == (0, 2)
    assert unpack_bits(np.zeros(0, dtype=np.uint16), 10).shape == (0, 10)
    assert unpack_bits(np.zeros((0, 2), dtype=np.uint64), 100).shape == (0, 100)
    assert pack_bits([1, 1]).shape == ()
    assert unpack_bits(np.uint64(3), 2).tolist() == [1, 1]
    # one word as a 1-D row of limbs: limb 1, bit 3 is P's bit 67, position 100 - 1 - 67
    assert unpack_bits(np.array([0, 1 << 3], dtype=np.uint64), 100).tolist() == (
        [0] * 32 + [1] + [0] * 67
    )


# ---------------------------------------------------------------- bad input

def raises_naming(exc_type, name: str):
    """pytest.raises for an infored error whose message names the argument."""
    return pytest.raises(exc_type, match=f"'{name}'")


@pytest.mark.parametrize(
    "value",
    [np.array([[0.0, 1.0]]), [0.5, 1], np.array(["0", "1"]), np.array([1 + 0j, 0])],
)
def test_pack_rejects_non_integer_bits(value):
    with raises_naming(ArgumentTypeError, "bits"):
        pack_bits(value)


@pytest.mark.parametrize("value", [[0, 2], [[1, 0], [0, -1]], np.array([255], dtype=np.uint8)])
def test_pack_rejects_values_other_than_0_and_1(value):
    with raises_naming(ArgumentError, "bits"):
        pack_bits(value)


def test_pack_rejects_scalars_and_ragged_input():
    with raises_naming(ArgumentError, "bits"):
        pack_bits(1)
    with pytest.raises((ArgumentError, ArgumentTypeError), match="'bits'"):
        pack_bits([[1, 0], [1]])


@pytest.mark.parametrize("n", [0, -3, 2.0, True, "8", None])
def test_unpack_rejects_bad_widths(n):
    with raises_naming(ArgumentError, "n"):
        unpack_bits([1], n)


@pytest.mark.parametrize("value", [np.array([1.0]), np.array([True]), ["1"]])
def test_unpack_rejects_non_integer_words(value):
    with raises_naming(ArgumentTypeError, "packed"):
        unpack_bits(value, 8)


@pytest.mark.parametrize(
    ("value", "n"),
    [
        ([16], 4),  # 5 bits
        ([-1], 4),  # negative
        (np.array([-5], dtype=np.int64), 40),
        (np.array([2**63], dtype=np.uint64), 63),
        (np.array([[0, 2]], dtype=np.uint64), 65),  # 66 bits in two limbs
        (np.array([[0, 1 << 36]], dtype=np.uint64), 100),
        (np.array([[0, -1]], dtype=np.int64), 100),
    ],
)
def test_unpack_rejects_words_too_large_or_negative(value, n):
    with raises_naming(ArgumentError, "packed"):
        unpack_bits(value, n)


@pytest.mark.parametrize("shape", [(3,), (3, 1), (3, 3), (2, 4)])
def test_unpack_rejects_wrong_limb_counts(shape):
    # 100-bit words need exactly 2 limbs along the last axis
    with raises_naming(ArgumentError, "packed"):
        unpack_bits(np.zeros(shape, dtype=np.uint64), 100)


def test_unpack_rejects_limbs_wider_than_64_bits():
    with pytest.raises((ArgumentError, ArgumentTypeError), match="'packed'"):
        unpack_bits(np.array([[2**70, 0]], dtype=object), 100)


def test_errors_are_value_and_type_errors():
    with pytest.raises(ValueError):
        pack_bits([2])
    with pytest.raises(TypeError):
        pack_bits([0.5])
