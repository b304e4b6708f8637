"""reduce() / expand(): error bounds on real data, exact round trips, levels, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import infored
from infored import ArgumentError, ArgumentTypeError, Hierarchy, Level, expand, reduce

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def real_sets():
    """(name, array) of every real data set, time on axis 0."""
    acsf1 = np.load(DATA / "acsf1.npz")["values"][:40].T  # 1460 samples x 40 recordings
    telemetry = np.load(DATA / "host_telemetry.npz")["values"]
    kdd = np.load(DATA / "kdd_tsad_135.npz")["values"]
    co2 = np.load(DATA / "co2_weekly.npz")["values"]
    return {"acsf1": acsf1, "telemetry": telemetry, "kdd135": kdd, "co2": co2}


REAL = real_sets()


@pytest.mark.parametrize("name", sorted(REAL))
@pytest.mark.parametrize("preset", ["float", "telemetry"])
@pytest.mark.parametrize("bound", [1e-1, 1e-3])
def test_error_bound_holds_on_every_value_of_real_data(name, preset, bound):
    x = REAL[name]
    reduced = reduce(x, preset, max_rel_error=bound)
    e = np.asarray(reduced.max_abs_error)
    x2 = x.reshape(x.shape[0], -1)
    span = x2.max(axis=0) - x2.min(axis=0)
    np.testing.assert_allclose(e, bound * np.where(span > 0, span, np.maximum(1, abs(x2).max(0))))
    y = expand(reduced)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert (np.abs(y - x).reshape(x2.shape) <= e).all()
    # the ECC level is lossy: the reduction is not the identity
    assert np.abs(y - x).max() > 0


@pytest.mark.parametrize("name", sorted(REAL))
def test_absolute_bound_and_lossless_mode(name):
    x = REAL[name]
    e = 1e-3 * float(x.std())
    lossy = reduce(x, "float", max_abs_error=e)
    exact_planes = reduce(x, "float", max_abs_error=e, lossless=True)
    for r in (lossy, exact_planes):
        assert np.abs(expand(r) - x).max() <= e
    # keeping syndromes lets the quantiser use the whole bound: a coarser step, fewer rest bits
    assert exact_planes.sections["rest"].nbytes <= lossy.sections["rest"].nbytes


def test_float32_bound_includes_the_final_rounding():
    x = REAL["kdd135"].astype(np.float32)
    r = reduce(x, "float", max_abs_error=1e-4)
    y = expand(r)
    assert y.dtype == np.float32
    assert np.abs(y.astype(np.float64) - x.astype(np.float64)).max() <= 1e-4


def test_nonfinite_values_are_kept_exactly():
    x = np.linspace(-3, 3, 500)
    x[[3, 100, 499]] = [np.nan, np.inf, -np.inf]
    y = expand(reduce(x, "float", max_abs_error=0.01))
    bad = ~np.isfinite(x)
    assert np.array_equal(np.isnan(y), np.isnan(x))
    assert np.array_equal(y[bad & ~np.isnan(x)], x[bad & ~np.isnan(x)])
    assert np.abs(y[~bad] - x[~bad]).max() <= 0.01


def test_constant_series():
    x = np.full((300, 2), 7.25)
    r = reduce(x, "telemetry")
    assert r.max_abs_error == [1e-3 * 7.25] * 2
    assert np.abs(expand(r) - x).max() <= 1e-3 * 7.25


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(
        np.int32,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=60),
        elements=st.integers(-(2**31), 2**31 - 1),
    )
)
def test_integers_round_trip_exactly_in_lossless_mode(x):
    y = expand(reduce(x, "bytes", lossless=True))
    assert y.dtype == x.dtype and np.array_equal(y, x)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=2000))
def test_bytes_round_trip_exactly_in_lossless_mode(data):
    assert expand(reduce(data, "bytes", lossless=True)) == data


def test_lossy_integer_planes_move_values_by_less_than_two_to_the_planes():
    x = np.load(DATA / "host_telemetry.npz")["values"][:, :20].astype(np.int64)
    r = reduce(x, "bytes")
    y = expand(r)
    assert np.abs(y - x).max() <= 3  # two low planes replaced by codeword bits
    assert not np.array_equal(y, x)


def _manual_levels(x_int, code0, code1):
    """Independent oracle for a two-level chain on plane 0 of integers."""
    plane = (x_int.reshape(x_int.shape[0], -1) & 1).T.reshape(-1).astype(np.uint8)
    pad0 = -(-plane.size // code0.n) * code0.n
    w0 = np.zeros(pad0, np.uint8)
    w0[: plane.size] = plane
    m0 = code0.decode(w0.reshape(-1, code0.n)).reshape(-1)
    pad1 = -(-m0.size // code1.n) * code1.n
    w1 = np.zeros(pad1, np.uint8)
    w1[: m0.size] = m0
    m1 = code1.decode(w1.reshape(-1, code1.n))
    return m0, m1


def test_chained_levels_match_an_independent_composition():
    x = (np.load(DATA / "kdd_tsad_135.npz")["values"] * 1000).astype(np.int64)
    h = Hierarchy(
        levels=[Level("golay24", planes=(0,)), Level("hamming4", source=0)],
        rest=[{"id": "zigzag"}],
    )
    r = reduce(x, h)
    m0, m1 = _manual_levels(x, h.levels[0].code, h.levels[1].code)
    assert np.array_equal(r.messages(0).reshape(-1), m0)
    assert np.array_equal(r.messages(1), m1)
    # expanding from level 1 re-encodes its messages into level 0's message stream
    fine, coarse = expand(r), expand(r, level=1)
    code1, code0 = h.levels[1].code, h.levels[0].code
    m0_from_1 = code1.encode(m1).reshape(-1)[: m0.size]
    bits = code0.encode(m0_from_1.reshape(-1, code0.k)).reshape(-1)[: x.size]
    assert np.array_equal(coarse & 1, bits.reshape(x.shape))
    assert np.array_equal(coarse >> 1, x >> 1) and np.array_equal(fine >> 1, x >> 1)
    assert r.figures["level_rates"] == [0.5, 11 / 15]


def test_reduced_header_is_json_and_rebuilds_the_hierarchy():
    r = reduce(REAL["co2"], "telemetry", max_abs_error=0.05)
    text = json.dumps(r.header)
    assert json.loads(text) == r.header
    h = r.hierarchy
    assert h.stages[0].fitted
    assert Hierarchy.from_text(h.to_text()) == h
    assert r.figures["bits_per_value"] < 64


def test_hierarchy_validation_errors_name_the_problem():
    with pytest.raises(ArgumentError, match="cover the low planes"):
        Hierarchy(levels=[Level("golay", planes=(1,))])
    with pytest.raises(ArgumentError, match="earlier level"):
        Hierarchy(levels=[Level("golay", planes=(0,)), Level("golay", source=1)])
    with pytest.raises(ArgumentError, match="exactly one input"):
        Level("golay", planes=(0,), source=0)
    with pytest.raises(ArgumentError, match="not exact"):
        Hierarchy(levels=[Level("golay", planes=(0,))], rest=[{"id": "moving_average"}])
    with pytest.raises(ArgumentError, match="unknown hierarchy preset"):
        reduce([1.0, 2.0], "nonesuch")
    with pytest.raises(ArgumentError, match="unknown code"):
        Level("reed-muller", planes=(0,))


def test_bad_data_gets_clear_errors():
    with pytest.raises(ArgumentError, match="empty"):
        reduce(np.zeros((0, 3)))
    with pytest.raises(ArgumentTypeError, match="dtype"):
        reduce(np.array(["a", "b"]))
    with pytest.raises(ArgumentTypeError, match="dtype"):
        reduce(np.ones(4, dtype=complex))
    with pytest.raises(ArgumentError, match="at least one axis"):
        reduce(np.float64(3.0))
    with pytest.raises(ArgumentError, match="positive"):
        reduce(np.ones(10), max_abs_error=-1)
    with pytest.raises(ArgumentError, match="either"):
        reduce(np.ones(10), max_abs_error=1, max_rel_error=0.1)
    with pytest.raises(ArgumentError, match="float data"):
        reduce(np.arange(10), "float", max_abs_error=0.5)
    with pytest.raises(ArgumentError, match="quantiser"):
        reduce(np.ones(10), "bytes")
    with pytest.raises(ArgumentError, match="level"):
        expand(reduce(np.ones(30), "float"), level=3)


def test_public_names():
    for name in ("reduce", "expand", "Reduced", "Hierarchy", "Level", "PRESETS"):
        assert name in infored.__all__


@pytest.mark.parametrize("name", sorted(REAL))
def test_conditional_mean_reconstruction_beats_hard_codeword_bits(name):
    from infored.reduce import _rest_values

    x = REAL[name]
    r = reduce(x, "float", max_rel_error=1e-3)
    code, info = r.hierarchy.levels[0].code, r.header["levels"][0]
    # hard reconstruction, built independently from the stored pieces
    bits = code.encode(r.messages(0)).reshape(-1)[: info["stream_bits"]]
    x2 = x.reshape(x.shape[0], -1)
    plane = bits.reshape(x2.shape[1], x2.shape[0]).T.astype(np.int64)
    rest = _rest_values(r, r.header)
    for stage in reversed(r.hierarchy.rest):
        rest = stage.inverse(rest)
    hard = r.hierarchy.stages[0].inverse(rest * 2 + plane).reshape(x.shape)
    soft = expand(r)
    bound = np.asarray(r.max_abs_error)
    assert (np.abs(hard - x).reshape(x2.shape) <= bound).all()
    assert (np.abs(soft - x).reshape(x2.shape) <= bound).all()
    # RMS in units of each channel's bound, so that no channel dominates
    rms_hard = np.sqrt(np.mean(((hard - x).reshape(x2.shape) / bound) ** 2))
    rms_soft = np.sqrt(np.mean(((soft - x).reshape(x2.shape) / bound) ** 2))
    assert rms_soft < rms_hard


def test_save_load_round_trip_and_corruption(tmp_path):
    x = REAL["kdd135"]
    r = reduce(x, "telemetry", max_abs_error=0.01)
    path = tmp_path / "kdd.ird"
    written = infored.save(r, path)
    assert written == path.stat().st_size < x.nbytes / 4
    back = infored.load(path)
    assert back.header == json.loads(json.dumps(r.header))
    assert np.array_equal(expand(back), expand(r))
    assert np.array_equal(expand(back, level=1), expand(r, level=1))
    data = path.read_bytes()
    bad = tmp_path / "bad.ird"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(infored.FormatError):
        infored.load(bad)
    flipped = bytearray(data)
    flipped[-10] ^= 0xFF
    bad.write_bytes(bytes(flipped))
    with pytest.raises(infored.FormatError):
        infored.load(bad)


def test_keys_preset_matches_its_stages_and_soft_decoding():
    x = np.load(DATA / "acsf1.npz")["values"][:3].T  # 1460 samples x 3 recordings
    r = reduce(x, "keys")
    h = r.hierarchy
    frames = x
    for stage in h.stages:  # fitted stages, as recorded
        frames = stage.forward(frames)
    vectors = np.moveaxis(frames, 2, 1).reshape(-1, 24)
    golay24 = infored.Golay(extended=True)
    keys = golay24.decode_soft(vectors)
    assert np.array_equal(r.messages(0), keys)
    pairs = np.zeros((-(-keys.size // 24)) * 24, np.uint8)
    pairs[: keys.size] = keys.reshape(-1)
    assert np.array_equal(r.messages(1), golay24.decode(pairs.reshape(-1, 24)))
    with pytest.raises(ArgumentError, match="no inverse"):
        expand(r)
    with pytest.raises(ArgumentError, match="do not apply"):
        reduce(x, "keys", max_abs_error=0.1)


def test_keys_keep_close_windows_together_on_real_data():
    """The closer two windows of a real series, the more often they share a key."""
    series = np.load(DATA / "kdd_tsad_135.npz")["values"]
    windows = np.lib.stride_tricks.sliding_window_view(series, 24)
    windows = windows - windows.mean(axis=1, keepdims=True)
    keys = infored.pack_bits(infored.Golay(extended=True).decode_soft(windows))
    same = [np.mean(keys[shift:] == keys[:-shift]) for shift in (1, 4, 12, 48)]
    assert same == sorted(same, reverse=True) and same[0] > 2 * same[-1]


def test_soft_keys_keep_neighbours_together_better_than_hard_decisions():
    """Unit vectors in R^24 at 10 degrees: soft ML keys collide far more often than the
    complete hard decoding of their signs (about 0.65 against 0.42)."""
    rng = np.random.default_rng(7)
    u = rng.normal(size=(5000, 24))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    w = rng.normal(size=u.shape)
    w -= (w * u).sum(axis=1, keepdims=True) * u
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    theta = np.radians(10)
    v = np.cos(theta) * u + np.sin(theta) * w
    code = infored.Golay(extended=True)
    soft = np.mean((code.decode_soft(u) == code.decode_soft(v)).all(axis=1))
    hard = np.mean(
        (code.decode((u < 0).astype(np.uint8)) == code.decode((v < 0).astype(np.uint8))).all(axis=1)
    )
    assert soft > hard + 0.1


def test_one_absolute_bound_per_channel():
    x = REAL["telemetry"][:, :5]
    bounds = [1.0, 0.5, 2e-3, 10.0, 0.25]
    r = reduce(x, "float", max_abs_error=bounds)
    assert r.max_abs_error == bounds
    assert (np.abs(expand(r) - x) <= np.asarray(bounds)).all()
    with pytest.raises(ArgumentError, match="5 channels"):
        reduce(x, "float", max_abs_error=bounds[:4])
    with pytest.raises(ArgumentError, match="positive"):
        reduce(x, "float", max_abs_error=[1.0, 0.5, 0.0, 1.0, 1.0])


@pytest.mark.parametrize(("dtype", "coarse"), [(np.float16, 1e3), (np.float32, 1e6)])
def test_narrow_floats_keep_the_bound_after_rounding_back(dtype, coarse):
    x = (np.sin(np.linspace(0, 30, 3000)) * 3).astype(dtype)
    y = expand(reduce(x, "float", max_abs_error=0.01))
    assert y.dtype == dtype
    assert np.abs(y.astype(np.float64) - x.astype(np.float64)).max() <= 0.01
    with pytest.raises(ArgumentError, match="resolution"):
        reduce((x * coarse).astype(dtype), "float", max_abs_error=0.01)


def test_bool_data():
    b = np.random.default_rng(1).integers(0, 2, (300, 4)).astype(bool)
    assert np.array_equal(expand(reduce(b, lossless=True)), b)
    lossy = expand(reduce(b))
    assert lossy.dtype == np.bool_ and lossy.shape == b.shape
