"""Soft-decision decoding against independent oracles.

Oracles: brute force over all 2**k codewords (built from the generator matrix, not from the
encoder), in exact integer arithmetic on the documented grid and in plain float64 on the
values themselves; complete hard decoding on +-1 inputs; the pure-NumPy reference backend.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import code
from hypothesis import given, settings
from hypothesis import strategies as st

from infored import ArgumentError, ArgumentTypeError, Golay, Hamming
from infored.codes._soft import (
    ChaseDecoder,
    GolayDecoder,
    TrellisDecoder,
    soft_decoder,
)

EXACT_CODES = [
    "golay",
    "golay24",
    "hamming3",
    "ehamming3",
    "hamming4",
    "ehamming4",
    "bch15,7",
    "bch15,5",
]
# bch63,45 and bch127,106 are decoded by Chase (the latter through the algebraic decoder)
ALL_CODES = [*EXACT_CODES, "hamming6", "ehamming5", "bch63,51", "bch63,45", "bch127,106"]


# ---------------------------------------------------------------- oracles


def codebook(c) -> tuple[np.ndarray, np.ndarray]:
    """All codewords as (2**k, n) bits and as n-bit integers, from the generator matrix."""
    k, n = c.k, c.n
    msgs = (np.arange(1 << k)[:, None] >> np.arange(k - 1, -1, -1)) & 1
    words = (msgs @ c.generator_matrix.astype(np.int64)) % 2
    ints = (words << np.arange(n - 1, -1, -1)).sum(axis=1)
    return words, ints


def grid(values: np.ndarray, n: int) -> np.ndarray:
    """The documented grid, written out: magnitudes times 2**(bq - e), 2**(e-1) <= max < 2**e,
    rounded half to even, bq = 52 - ceil(log2 n); signs kept. Returns int64."""
    bq = 52 - math.ceil(math.log2(n))
    out = np.zeros(values.shape, dtype=np.int64)
    for row, y in enumerate(np.asarray(values, dtype=np.float64)):
        top = np.abs(y).max()
        if top == 0:
            continue
        e = math.frexp(top)[1]
        scaled = [abs(float(v)) * 2.0 ** (bq - e) for v in y]
        out[row] = [round(s) * (-1 if v < 0 else 1) for s, v in zip(scaled, y, strict=True)]
    return out


def brute_force(c, values: np.ndarray) -> np.ndarray:
    """Message integers of the documented choice: most correlation on the grid, then the least
    disagreement pattern with the signs (position 0 most significant)."""
    words, ints = codebook(c)
    n = c.n
    q = grid(values, n)
    corr = q @ (1 - 2 * words).T  # exact int64
    signs = (np.asarray(values) < 0).astype(np.int64)
    z = (signs << np.arange(n - 1, -1, -1)).sum(axis=1)
    keys = np.where(
        corr == corr.max(axis=1, keepdims=True), ints[None, :] ^ z[:, None], np.iinfo(np.int64).max
    )
    return keys.argmin(axis=1)


def as_ints(bits: np.ndarray) -> np.ndarray:
    k = bits.shape[-1]
    return (bits.astype(np.int64) << np.arange(k - 1, -1, -1)).sum(axis=-1)


def inputs(kind: str, count: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "gauss":
        return rng.standard_normal((count, n))
    if kind == "pm1":
        return 1.0 - 2.0 * rng.integers(0, 2, (count, n))
    if kind == "small-int":  # many exact ties and zeros
        return rng.integers(-3, 4, (count, n)).astype(np.float64)
    if kind == "skewed":  # wide dynamic range, some zeros and tiny values
        y = rng.standard_normal((count, n)) * np.exp(rng.uniform(-30, 30, (count, n)))
        y[rng.random((count, n)) < 0.05] = 0.0
        return y
    raise AssertionError(kind)


# ---------------------------------------------------------------- exact ML


@pytest.mark.parametrize("name", EXACT_CODES)
@pytest.mark.parametrize("kind", ["gauss", "pm1", "small-int", "skewed"])
def test_exact_decoders_match_brute_force(name, kind):
    c = code(name)
    assert soft_decoder(c).exact
    y = inputs(kind, 300, c.n, seed=hash((name, kind)) % 2**32)
    got = c.decode_soft(y, packed=True).astype(np.int64)
    np.testing.assert_array_equal(got, brute_force(c, y))


def test_bch_31_16_matches_brute_force():
    c = code("bch31,16")  # 32768-state trellis, per-vector kernel
    for kind in ("gauss", "small-int"):
        y = inputs(kind, 40, c.n, seed=7)
        np.testing.assert_array_equal(c.decode_soft(y, packed=True), brute_force(c, y))


@pytest.mark.parametrize("name", ["golay24", "hamming4", "ehamming4", "bch15,7"])
def test_real_valued_optimum(name):
    """Plain float64 on the values (no grid): the returned codeword is a best one, and where
    the best is clear of the runner-up it is the same message."""
    c = code(name)
    words, _ = codebook(c)
    y = inputs("gauss", 500, c.n, seed=3)
    corr = y @ (1 - 2 * words).T
    order = np.sort(corr, axis=1)
    gap = order[:, -1] - order[:, -2]
    msgs, metric = c.decode_soft(y, packed=True, metric=True)
    np.testing.assert_allclose(metric, order[:, -1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        corr[np.arange(500), msgs.astype(np.int64)], order[:, -1], rtol=1e-12, atol=1e-12
    )
    clear = gap > 1e-9
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(msgs[clear], corr.argmax(axis=1)[clear])


# ---------------------------------------------------------------- +-1 inputs and hard decoding


@pytest.mark.parametrize("name", ["hamming3", "ehamming3", "hamming4", "ehamming4"])
def test_pm1_equals_complete_hard_decoding_exhaustive(name):
    c = code(name)
    words = ((np.arange(1 << c.n)[:, None] >> np.arange(c.n - 1, -1, -1)) & 1).astype(np.uint8)
    np.testing.assert_array_equal(c.decode_soft(1.0 - 2.0 * words), c.decode(words))


@pytest.mark.parametrize(
    "name", ["golay", "golay24", "hamming6", "ehamming5", "bch63,51", "bch31,21"]
)
def test_pm1_equals_complete_hard_decoding(name):
    c = code(name)
    rng = np.random.default_rng(11)
    words = rng.integers(0, 2, (3000, c.n)).astype(np.uint8)
    np.testing.assert_array_equal(c.decode_soft(1.0 - 2.0 * words), c.decode(words))


def test_pm1_ties_follow_the_hard_rule():
    """Extended Golay: 43% of words have six codewords at distance 4. Among tied words the
    message must be that of the least error pattern, and differ from the least message."""
    c = code("golay24")
    words, ints = codebook(c)
    rng = np.random.default_rng(5)
    received = rng.integers(0, 2, (2000, 24))
    dist = (received[:, None, :] != words[None, :, :]).sum(axis=2)
    tied = (dist == dist.min(axis=1, keepdims=True)).sum(axis=1) > 1
    assert 0.3 < tied.mean() < 0.6
    rx = (received << np.arange(23, -1, -1)).sum(axis=1)
    pattern = np.where(
        dist == dist.min(axis=1, keepdims=True), ints[None, :] ^ rx[:, None], np.iinfo(np.int64).max
    )
    expected = pattern.argmin(axis=1)
    least_message = np.where(dist == dist.min(axis=1, keepdims=True), np.arange(4096), 4096).min(
        axis=1
    )
    got = c.decode_soft(1.0 - 2.0 * received, packed=True).astype(np.int64)
    np.testing.assert_array_equal(got[tied], expected[tied])
    assert (expected[tied] != least_message[tied]).any()


@pytest.mark.slow
def test_golay23_every_word():
    """All 2**23 words of the perfect Golay code, as +-1, against table decoding."""
    c = Golay()
    shifts = np.arange(22, -1, -1)
    for start in range(0, 1 << 23, 1 << 20):
        ints = np.arange(start, start + (1 << 20))
        bits = ((ints[:, None] >> shifts) & 1).astype(np.uint8)
        soft = c.decode_soft((1.0 - 2.0 * bits).astype(np.float32), packed=True)
        np.testing.assert_array_equal(soft, c.decode(ints.astype(np.uint32), packed=True))


# ---------------------------------------------------------------- backends, threads, shapes


@pytest.mark.parametrize("name", ALL_CODES)
def test_backends_agree(name, monkeypatch):
    c = code(name)
    count = {"bch63,51": 60, "bch63,45": 60, "bch127,106": 20}.get(name, 400)
    for kind in ("gauss", "small-int", "skewed"):
        y = inputs(kind, count, c.n, seed=17)
        monkeypatch.setenv("INFORED_BACKEND", "compiled")
        fast, fast_metric = c.decode_soft(y, metric=True, packed=True)
        monkeypatch.setenv("INFORED_BACKEND", "reference")
        ref, ref_metric = c.decode_soft(y, metric=True, packed=True)
        np.testing.assert_array_equal(fast, ref)
        np.testing.assert_array_equal(fast_metric, ref_metric)


@pytest.mark.parametrize("name", ["golay24", "hamming4", "bch15,7"])
def test_threads_agree(name, threads):
    c = code(name)
    y = inputs("gauss", 140_000 if name != "bch15,7" else 70_000, c.n, seed=2)
    threads(1)
    one = c.decode_soft(y, packed=True)
    threads(2)
    np.testing.assert_array_equal(c.decode_soft(y, packed=True), one)


@pytest.mark.parametrize("name", ["golay", "hamming4", "bch127,113", "bch63,45", "bch127,106"])
def test_batch_shapes(name):
    c = code(name)
    rng = np.random.default_rng(1)
    y = rng.standard_normal((3, 4, c.n))
    bits, metric = c.decode_soft(y, metric=True)
    assert bits.shape == (3, 4, c.k) and bits.dtype == np.uint8
    assert metric.shape == (3, 4) and metric.dtype == np.float64
    packed = c.decode_soft(y, packed=True)
    limbs = () if c.k <= 64 else (-(-c.k // 64),)
    assert packed.shape == (3, 4, *limbs)
    flat = c.decode_soft(y.reshape(12, c.n))
    np.testing.assert_array_equal(flat.reshape(3, 4, c.k), bits)
    one, one_metric = c.decode_soft(y[1, 2], metric=True)
    assert one.shape == (c.k,) and one_metric.shape == ()
    np.testing.assert_array_equal(one, bits[1, 2])
    assert float(one_metric) == metric[1, 2]
    assert c.decode_soft(y[1, 2], packed=True).shape == limbs
    assert c.decode_soft(list(y[0, 0])).shape == (c.k,)
    empty, empty_metric = c.decode_soft(np.zeros((0, c.n)), metric=True)
    assert empty.shape == (0, c.k) and empty_metric.shape == (0,)


def test_float32_and_float16_inputs():
    c = code("golay24")
    y = inputs("gauss", 500, 24, seed=4).astype(np.float32)
    np.testing.assert_array_equal(c.decode_soft(y), c.decode_soft(y.astype(np.float64)))
    half = y.astype(np.float16)
    np.testing.assert_array_equal(c.decode_soft(half), c.decode_soft(half.astype(np.float64)))
    _, metric = c.decode_soft(y, metric=True)
    assert metric.dtype == np.float64


@pytest.mark.parametrize(
    ("values", "error", "words"),
    [
        (np.ones((2, 15), dtype=np.int64), ArgumentTypeError, "hard decisions"),
        (np.ones((2, 15), dtype=bool), ArgumentTypeError, "hard decisions"),
        (np.ones((2, 15), dtype=np.uint8), ArgumentTypeError, "decode()"),
        (np.ones((2, 15), dtype=complex), ArgumentTypeError, "complex"),
        (np.array([["a"] * 15]), ArgumentTypeError, "real-valued"),
        (np.ones((2, 14)), ArgumentError, "(..., 15)"),
        (np.ones(16), ArgumentError, "shape (16,)"),
        (np.float64(1.0), ArgumentError, "shape ()"),
        ([[1.0] * 15, [1.0] * 14], ArgumentTypeError, "array-like"),
    ],
)
def test_bad_values(values, error, words):
    with pytest.raises(error, match="'values'") as info:
        Hamming(4).decode_soft(values)
    assert words in str(info.value)


@pytest.mark.parametrize("name", ["golay24", "golay", "hamming4", "bch15,7", "bch63,45"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values(name, bad, backend):
    c = code(name)
    y = inputs("gauss", 20, c.n, seed=0).reshape(4, 5, c.n)
    y[2, 3, 1] = bad
    with pytest.raises(ArgumentError, match=r"finite.*index \(2, 3, 1\)"):
        c.decode_soft(y)
    y32 = y.astype(np.float32)
    with pytest.raises(ArgumentError, match="finite"):
        c.decode_soft(y32[2, 3])


# ---------------------------------------------------------------- properties


def codes_with_decoders():
    return st.sampled_from(
        [
            "golay",
            "golay24",
            "hamming4",
            "ehamming4",
            "hamming5",
            "bch15,7",
            "bch63,45",
            "bch127,106",
        ]
    )


@settings(max_examples=30)
@given(name=codes_with_decoders(), seed=st.integers(0, 2**32 - 1))
def test_codeword_images_decode_to_their_message(name, seed):
    """A codeword sent as signs with any positive reliabilities comes back (every decoder,
    Chase included: the sign word is its own first test word)."""
    c = code(name)
    rng = np.random.default_rng(seed)
    msgs = rng.integers(0, 2, (50, c.k)).astype(np.uint8)
    cw = c.encode(msgs)
    y = (1.0 - 2.0 * cw) * rng.exponential(1.0, cw.shape) + 0.0
    np.testing.assert_array_equal(c.decode_soft(y), msgs)


@settings(max_examples=30)
@given(name=codes_with_decoders(), seed=st.integers(0, 2**32 - 1), shift=st.integers(-60, 60))
def test_power_of_two_scaling_changes_nothing(name, seed, shift):
    c = code(name)
    y = inputs("small-int" if seed % 2 else "gauss", 40, c.n, seed)
    a, ma = c.decode_soft(y, metric=True)
    b, mb = c.decode_soft(np.ldexp(y, shift), metric=True)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.ldexp(ma, shift), mb)


@settings(max_examples=30)
@given(name=codes_with_decoders(), seed=st.integers(0, 2**32 - 1))
def test_flipping_signs_along_a_codeword_shifts_the_message(name, seed):
    """Correlations and disagreement patterns are invariant under y -> y * (-1)**c0 (no zero
    values), so the decision moves by c0, ties included."""
    c = code(name)
    rng = np.random.default_rng(seed)
    y = inputs("small-int", 40, c.n, seed)
    y[y == 0] = 1.0
    m0 = rng.integers(0, 2, c.k).astype(np.uint8)
    c0 = c.encode(m0)
    np.testing.assert_array_equal(c.decode_soft(y * (1.0 - 2.0 * c0)), c.decode_soft(y) ^ m0)


@settings(max_examples=30)
@given(name=codes_with_decoders(), seed=st.integers(0, 2**32 - 1))
def test_metric_is_the_correlation_of_the_returned_codeword(name, seed):
    c = code(name)
    y = inputs("small-int", 40, c.n, seed)  # integer sums: exact in any order
    msgs, metric = c.decode_soft(y, metric=True)
    np.testing.assert_array_equal(metric, (y * (1.0 - 2.0 * c.encode(msgs))).sum(axis=1))
    hard = c.encode(c.decode((y < 0).astype(np.uint8)))
    if soft_decoder(c).exact:
        assert (metric >= (y * (1.0 - 2.0 * hard)).sum(axis=1)).all()


# ---------------------------------------------------------------- decoder choice and Chase


def test_decoder_choice():
    assert isinstance(soft_decoder(code("golay")), GolayDecoder)
    assert isinstance(soft_decoder(code("golay24")), GolayDecoder)
    assert isinstance(soft_decoder(code("ehamming4")), TrellisDecoder)
    assert isinstance(soft_decoder(code("bch127,113")), TrellisDecoder)
    for name in ("bch63,45", "bch127,106"):
        chase = soft_decoder(code(name))
        assert isinstance(chase, ChaseDecoder) and not chase.exact
    assert soft_decoder(code("golay")) is soft_decoder(code("golay"))


def test_non_golay_code_of_golay_size_uses_the_trellis():
    from infored._kernels.soft import golay_tables

    rng = np.random.default_rng(0)
    generator = np.hstack([np.eye(12, dtype=np.uint8), rng.integers(0, 2, (12, 12))])
    assert golay_tables(generator) is None
    assert golay_tables(code("golay24").generator_matrix) is not None


@pytest.mark.parametrize("name", ["bch31,21", "bch63,51", "ehamming5"])
@pytest.mark.parametrize("flips", [0, 3, 6])
def test_chase_is_a_lower_bound_of_ml(name, flips):
    c = code(name)
    y = inputs("gauss", 300, c.n, seed=flips)
    chase, chase_metric = ChaseDecoder(c, flips).decode(np.ascontiguousarray(y), True)
    ml, ml_metric = c.decode_soft(y, packed=True, metric=True)
    assert (chase_metric <= ml_metric + 1e-12).all()
    hard = c.encode(c.decode((y < 0).astype(np.uint8)))
    assert (chase_metric >= (y * (1.0 - 2.0 * hard)).sum(axis=1) - 1e-12).all()
    same = chase[:, 0] == ml
    np.testing.assert_allclose(chase_metric[same], ml_metric[same], rtol=0, atol=0)
    if flips == 0:  # only the sign word: the hard decoder's message
        np.testing.assert_array_equal(chase[:, 0], as_ints(c.decode((y < 0).astype(np.uint8))))


def test_more_chase_flips_never_hurt():
    c = code("bch63,51")
    y = np.ascontiguousarray(inputs("gauss", 300, c.n, seed=9))
    metrics = [ChaseDecoder(c, f).decode(y, True)[1] for f in (1, 4, 8)]
    assert (metrics[0] <= metrics[1]).all() and (metrics[1] <= metrics[2]).all()
    assert (metrics[2] > metrics[0]).any()


@pytest.mark.parametrize("flips", [-1, 13, 2.5, True])
def test_chase_flips_argument(flips):
    with pytest.raises(ArgumentError, match="'flips'"):
        ChaseDecoder(code("bch63,45"), flips)
