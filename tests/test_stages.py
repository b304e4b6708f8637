"""Tests of infored.stages against independent oracles, hypothesis properties and real data.

Real-data slices live in tests/data/stages_real.npz (written by tools/make_stages_data.py
from the project's data sets): ACSF1 recordings, KDD-TSAD 135, the whole Mauna Loa weekly
CO2 series and 400-sample windows of the two host-telemetry sets.
"""

from __future__ import annotations

import inspect
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.fft
import scipy.signal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import infored.stages as stages
from infored.errors import ArgumentError, ArgumentTypeError
from infored.stages import (
    STAGES,
    BitPlanes,
    Decorrelate,
    Detrend,
    Difference,
    Filter,
    Frame,
    GrayCode,
    MovingAverage,
    Predict,
    Quantise,
    Rotate,
    Spectral,
    Stage,
    Window,
    ZigZag,
    _fft,
    burg,
    dominant_period,
    get_stage,
)

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REAL = np.load(Path(__file__).parent / "data" / "stages_real.npz")
#: every real slice as a series (T,) or (T, C); ACSF1 recordings become channels
REAL_SERIES = {
    "acsf1": REAL["acsf1"].T,
    "kdd": REAL["kdd"],
    "co2": REAL["co2"],
    "host_telemetry": REAL["host_telemetry"],
    "host_faults": REAL["host_faults"],
}

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def series_strategy(min_t: int = 1, max_t: int = 60, channels: bool = True):
    shapes = st.tuples(st.integers(min_t, max_t))
    if channels:
        shapes = st.one_of(shapes, st.tuples(st.integers(min_t, max_t), st.integers(1, 3)))
    return hnp.arrays(
        np.float64, shapes, elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    )


int64s = st.integers(INT64_MIN, INT64_MAX)


# ---------------------------------------------------------------- public API and registry


def test_exported_names_are_pinned():
    assert sorted(stages.__all__) == sorted(
        [
            "STAGES",
            "BitPlanes",
            "Decorrelate",
            "Detrend",
            "Difference",
            "Filter",
            "Frame",
            "GrayCode",
            "MovingAverage",
            "Predict",
            "Quantise",
            "Rotate",
            "Spectral",
            "Stage",
            "Window",
            "ZigZag",
            "burg",
            "dominant_period",
            "get_stage",
        ]
    )
    assert set(STAGES) == {cls.id for cls in STAGES.values()}
    assert all(issubclass(cls, Stage) for cls in STAGES.values())


def test_import_keeps_scipy_and_pyfftw_lazy():
    code = (
        "import sys, infored.stages; "
        "print(sorted(m for m in ('scipy', 'pyfftw') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    assert out.stdout.strip() == "[]"


SERIES = rng(1).normal(size=(120, 3)).cumsum(axis=0)
FRAMES = Frame(16, 8).forward(SERIES)
INTS = np.round(SERIES * 100).astype(np.int64)

#: (stage, data it is fitted on and applied to), covering every stage class
CASES = [
    (Frame(16, 5), SERIES),
    (Frame(10), SERIES[:, 0]),
    (Window("kaiser", 8.6), FRAMES),
    (Window("hann", symmetric=True), FRAMES),
    (Filter("bandpass", (0.05, 0.2), order=3), SERIES),
    (Filter("highpass", 2.0, zero_phase=False, fs=10.0), SERIES),
    (MovingAverage(6), SERIES),
    (Difference(2), INTS),
    (Detrend("difference"), SERIES),
    (Detrend("moving_average", 12), SERIES),
    (Detrend("least_squares", degree=2, harmonics=2), SERIES[:, 1]),
    (Spectral((0.1, 0.3), "magphase"), FRAMES),
    (Spectral(mode="magnitude", fs=4.0), FRAMES[:, :, 0]),
    (Spectral((0.0, 0.2)), FRAMES),
    (Decorrelate("pca", components=5), FRAMES),
    (Decorrelate("pca", whiten=False), FRAMES[:, :, 2]),
    (Decorrelate("dct", components=9), FRAMES),
    (Rotate(seed=5), FRAMES),
    (Rotate(), FRAMES[:, :, 0]),
    (Predict("auto"), INTS),
    (Quantise(max_abs_error=[0.1, 0.01, 0.5]), SERIES),
    (Quantise(step=0.25, offset=-1.0), SERIES),
    (Quantise(bits=10), FRAMES),
    (Predict("linear"), INTS),
    (ZigZag(), INTS),
    (GrayCode(), np.abs(INTS)),
    (BitPlanes(12), np.abs(INTS) % 4096),
]


def test_cases_cover_every_stage():
    assert {type(stage) for stage, _ in CASES} == set(STAGES.values())


@pytest.mark.parametrize(("stage", "data"), CASES, ids=lambda v: getattr(v, "id", ""))
def test_config_round_trip_through_json(stage, data):
    fitted = stage.fit(data)
    config = fitted.get_config()
    text = json.dumps(config)  # plain JSON: no numpy types, no NaN
    rebuilt = get_stage(json.loads(text))
    assert rebuilt == fitted
    assert rebuilt.get_config() == config
    assert type(rebuilt) is type(stage)
    assert np.array_equal(rebuilt.forward(data), fitted.forward(data))
    assert np.array_equal(pickle.loads(pickle.dumps(fitted)).forward(data), fitted.forward(data))
    # every constructor parameter is in the config
    names = {p.name for p in inspect.signature(type(stage)).parameters.values()}
    assert names - {"params"} <= set(config)
    assert config["id"] == type(stage).id
    if stage._fitted_names:
        assert fitted.fitted and set(stage._fitted_names) <= set(config)
    else:
        assert fitted is stage
    assert repr(fitted).startswith(type(stage).__name__ + "(")


def test_unfitted_config_round_trips_and_forward_asks_for_fit():
    stage = Decorrelate("pca")
    config = json.loads(json.dumps(stage.get_config()))
    assert config["basis"] is None and get_stage(config) == stage
    with pytest.raises(ArgumentError, match="not fitted"):
        stage.forward(FRAMES)
    with pytest.raises(ArgumentError, match="not fitted"):
        Quantise(bits=4).forward([1.0, 2.0])


def test_get_stage_errors():
    assert get_stage("gray") == GrayCode()
    with pytest.raises(ArgumentError, match="unknown stage id 'nope'"):
        get_stage({"id": "nope"})
    with pytest.raises(ArgumentError, match="'id'"):
        get_stage({"length": 3})
    with pytest.raises(ArgumentTypeError):
        get_stage(["frame"])
    with pytest.raises(ArgumentError, match="bad parameters for stage 'frame'"):
        get_stage({"id": "frame", "length": 4, "width": 2})
    with pytest.raises(ArgumentError, match="config id must be 'frame'"):
        Frame.from_config({"id": "window"})
    bad = Quantise(step=0.1).fit([0.0, 1.0]).get_config() | {"fitted_step": -1.0}
    with pytest.raises(ArgumentError, match="fitted_step"):
        get_stage(bad)
    with pytest.raises(ArgumentError, match="given together"):
        get_stage(Quantise(step=0.1).get_config() | {"fitted_step": 0.1})
    bad = Decorrelate("pca").fit(FRAMES).get_config()
    bad["basis"] = bad["basis"][:1]
    with pytest.raises(ArgumentError, match="do not match"):
        get_stage(bad)


def test_equality_is_by_config():
    assert Frame(8, 4) == Frame(8, 4) and Frame(8, 4) != Frame(8, 2)
    assert len({Frame(8, 4), Frame(8, 4), GrayCode()}) == 2
    assert Quantise(bits=4).fit([0.0, 1.0]) != Quantise(bits=4).fit([0.0, 2.0])


# ---------------------------------------------------------------- framing and windows


@FAST
@given(series_strategy(), st.integers(1, 20), st.data())
def test_frame_round_trip_and_oracle(x, length, data):
    hop = data.draw(st.integers(1, length))
    frame = Frame(length, hop).fit(x)
    frames = frame.forward(x)
    t = x.shape[0]
    count = 1 + max(0, -(-(t - length) // hop))
    assert frames.shape == (count, length, *x.shape[1:])
    padded = np.concatenate([x, np.repeat(x[-1:], (count - 1) * hop + length - t, axis=0)])
    for i in range(count):  # brute-force oracle
        assert np.array_equal(frames[i], padded[i * hop : i * hop + length])
    back = frame.inverse(frames)
    assert back.shape == x.shape
    if hop == length:
        assert frame.exact and np.array_equal(back, x)
    else:
        assert np.allclose(back, x, rtol=1e-14, atol=1e-9)


def test_frame_overlap_add_averages_modified_frames():
    frame = Frame(4, 2).fit(np.zeros(8))
    frames = np.arange(12.0).reshape(3, 4)  # not a framing of any series
    expected = [0, 1, (2 + 4) / 2, (3 + 5) / 2, (6 + 8) / 2, (7 + 9) / 2, 10, 11]
    assert np.array_equal(frame.inverse(frames), expected)
    assert Frame(4, 2).inverse(frames).shape == (8,)  # unfitted: the padded length


def test_frame_errors():
    with pytest.raises(ArgumentError, match=r"'hop'.*from 1 to 4, got 0"):
        Frame(4, 0)
    with pytest.raises(ArgumentError, match=r"'hop'.*got 5"):
        Frame(4, 5)
    with pytest.raises(ArgumentError, match="'length'"):
        Frame(0)
    with pytest.raises(ArgumentTypeError, match="'length'"):
        Frame(2.5)
    with pytest.raises(ArgumentError, match=r"shape \(T,\) or \(T, C\).*\(2, 3, 4\)"):
        Frame(2).forward(np.zeros((2, 3, 4)))
    with pytest.raises(ArgumentError, match="empty"):
        Frame(2).forward([])
    with pytest.raises(ArgumentError, match="fitted to series of 10 samples, got 11"):
        Frame(4).fit(np.zeros(10)).forward(np.zeros(11))
    with pytest.raises(ArgumentError, match="frames of length 4"):
        Frame(4).inverse(np.zeros((3, 5)))


@pytest.mark.parametrize("spec", [("hamming",), ("kaiser", 5.0), ("gaussian", 3.0), ("hann",)])
def test_window_matches_scipy(spec):
    window = Window(*spec)
    expected = scipy.signal.get_window(spec if len(spec) > 1 else spec[0], 16, fftbins=True)
    assert np.array_equal(window.forward(FRAMES), FRAMES * expected[None, :, None])
    assert np.array_equal(window.forward(FRAMES[:, :, 0]), FRAMES[:, :, 0] * expected)
    if np.all(expected != 0):
        assert np.allclose(window.inverse(window.forward(FRAMES)), FRAMES, rtol=1e-13, atol=0)
    else:
        with pytest.raises(ArgumentError, match=r"zero at positions \[0\]"):
            window.inverse(window.forward(FRAMES))


def test_window_errors():
    with pytest.raises(ArgumentError, match="get_window"):
        Window("no-such-window")
    with pytest.raises(ArgumentTypeError):
        Window(3)
    with pytest.raises(ArgumentError, match=r"frames of shape \(F, L\)"):
        Window().forward(np.zeros(5))


frames_strategy = hnp.arrays(
    np.float64,
    st.one_of(
        st.tuples(st.integers(1, 12), st.integers(2, 16)),
        st.tuples(st.integers(1, 12), st.integers(2, 16), st.integers(1, 3)),
    ),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)


@FAST
@given(
    frames_strategy,
    st.sampled_from(
        [
            Window("hamming"),
            Window("kaiser", 6.0),
            Window("hann", symmetric=False),
            Spectral(mode="magphase"),
            Decorrelate("pca"),
            Decorrelate("pca", whiten=False),
            Decorrelate("dct"),
            Decorrelate("dct", whiten=False),
        ]
    ),
)
def test_frame_stages_round_trip(frames, stage):
    fitted = stage.fit(frames)
    y = fitted.forward(frames)
    if isinstance(stage, Window) and stage.name == "hann":
        with pytest.raises(ArgumentError, match="cannot be inverted"):
            fitted.inverse(y)
        return
    assert np.allclose(fitted.inverse(y), frames, rtol=0, atol=1e-9 * (np.abs(frames).max() + 1))


# ---------------------------------------------------------------- time-domain filters


@pytest.mark.parametrize(
    ("kind", "cutoff", "order", "zero_phase"),
    [
        ("lowpass", 0.1, 4, True),
        ("highpass", 0.2, 3, False),
        ("bandpass", (0.05, 0.15), 2, True),
        ("bandstop", (0.1, 0.3), 5, False),
    ],
)
def test_filter_matches_direct_scipy(kind, cutoff, order, zero_phase):
    x = REAL_SERIES["acsf1"]
    # scipy's default normalises by the Nyquist frequency; the stage speaks cycles/sample
    sos = scipy.signal.butter(order, np.asarray(cutoff) / 0.5, btype=kind, output="sos")
    run = scipy.signal.sosfiltfilt if zero_phase else scipy.signal.sosfilt
    expected = np.stack([run(sos, x[:, c]) for c in range(x.shape[1])], axis=1)
    stage = Filter(kind, cutoff, order, zero_phase)
    assert np.allclose(stage.forward(x), expected, rtol=0, atol=1e-12)
    assert np.allclose(stage.forward(x[:, 0]), expected[:, 0], rtol=0, atol=1e-12)
    assert np.allclose(stage.sos, sos, rtol=1e-12, atol=0)


def test_filter_separates_analytic_sinusoids():
    t = np.arange(2000) / 100.0  # fs = 100 Hz
    slow, fast = np.sin(2 * np.pi * 2.0 * t), np.sin(2 * np.pi * 30.0 * t)
    inner = slice(200, -200)
    low = Filter("lowpass", 10.0, order=6, fs=100.0).forward(slow + fast)
    high = Filter("highpass", 10.0, order=6, fs=100.0).forward(slow + fast)
    assert np.abs(low - slow)[inner].max() < 1e-3
    assert np.abs(high - fast)[inner].max() < 1e-3


def test_filter_errors():
    with pytest.raises(ArgumentError, match=r"Nyquist frequency fs/2 = 0.5, got 0.5"):
        Filter("lowpass", 0.5)
    with pytest.raises(ArgumentError, match="Nyquist"):
        Filter("bandpass", (10, 60), fs=100)
    with pytest.raises(ArgumentError, match=r"cutoff=\(low, high\)"):
        Filter("bandpass", 0.1)
    with pytest.raises(ArgumentError, match="low < high"):
        Filter("bandstop", (0.3, 0.1))
    with pytest.raises(ArgumentError, match="one cutoff"):
        Filter("lowpass", (0.1, 0.2))
    with pytest.raises(ArgumentError, match="'cutoff'"):
        Filter("highpass", -0.1)
    with pytest.raises(ArgumentError, match="'kind'"):
        Filter("notch", 0.1)
    with pytest.raises(ArgumentError, match="'order'"):
        Filter("lowpass", 0.1, order=0)
    with pytest.raises(ArgumentError, match="too short"):
        Filter("lowpass", 0.1, order=8).forward(np.ones(20))
    with pytest.raises(ArgumentError, match="not invertible"):
        Filter().inverse(np.ones(100))
    with pytest.raises(ArgumentError, match="3 non-finite values"):
        Filter().forward([1.0, np.nan, 2.0, np.inf, -np.inf] + [0.0] * 40)


def test_moving_average_matches_convolution():
    x = REAL_SERIES["kdd"][:500]
    for width in (1, 4, 7):
        before, after = width // 2, width - 1 - width // 2
        padded = np.concatenate([np.full(before, x[0]), x, np.full(after, x[-1])])
        expected = np.convolve(padded, np.ones(width) / width, mode="valid")
        assert np.allclose(MovingAverage(width).forward(x), expected, rtol=1e-12, atol=0)
    with pytest.raises(ArgumentError, match="not invertible"):
        MovingAverage(3).inverse(x)
    with pytest.raises(ArgumentError, match="'width'"):
        MovingAverage(0)


@FAST
@given(
    hnp.arrays(
        np.int64,
        st.tuples(st.integers(1, 40), st.integers(1, 3)),
        elements=st.integers(-(2**40), 2**40),
    ),
    st.integers(1, 4),
)
def test_difference_exact_on_integers(x, order):
    d = Difference(order)
    y = d.forward(x)
    assert y.dtype == np.int64 and y.shape == x.shape
    k = min(order, x.shape[0])
    assert np.array_equal(y[:k], x[:k])
    assert np.array_equal(y[k:], np.diff(x, n=order, axis=0))
    assert np.array_equal(d.inverse(y), x)


@FAST
@given(series_strategy(), st.integers(1, 3))
def test_difference_floats_round_trip(x, order):
    d = Difference(order)
    scale = np.abs(x).max() + 1.0
    assert np.allclose(d.inverse(d.forward(x)), x, rtol=0, atol=1e-9 * scale * x.shape[0] ** order)


def test_difference_overflow_raises():
    x = np.array([INT64_MAX, INT64_MIN], dtype=np.int64)
    with pytest.raises(ArgumentError, match="overflow int64"):
        Difference(1).forward(x)
    # large values whose differences fit go through exactly
    big = np.array([2**62, 2**62 + 3, 2**62 + 1], dtype=np.int64)
    assert np.array_equal(Difference(2).inverse(Difference(2).forward(big)), big)
    with pytest.raises(ArgumentError, match="overflow int64"):
        Difference(1).inverse(np.array([INT64_MAX, 1], dtype=np.int64))


# ---------------------------------------------------------------- spectral stage


@pytest.fixture(params=["pyfftw", "numpy"])
def fft_backend(request):
    assert _fft._set_backend(request.param) == request.param
    yield request.param
    _fft._set_backend(None)


def test_spectral_mask_matches_numpy_fft(fft_backend):
    frames = Frame(64, 32).forward(REAL_SERIES["acsf1"])
    stage = Spectral((0.05, 0.2))
    spectrum = np.fft.rfft(frames, axis=1)
    freqs = np.fft.rfftfreq(64)
    spectrum[:, (freqs < 0.05) | (freqs > 0.2)] = 0
    expected = np.fft.irfft(spectrum, n=64, axis=1)
    out = stage.forward(frames)
    assert out.shape == frames.shape
    assert np.allclose(out, expected, rtol=0, atol=1e-12)
    assert np.array_equal(stage.inverse(out), out)  # identity, as documented
    assert _fft.backend() == fft_backend


def test_spectral_magnitude_and_magphase(fft_backend):
    frames = Frame(50, 25).forward(REAL_SERIES["kdd"][:1000])
    freqs = np.fft.rfftfreq(50, d=0.5)  # fs = 2
    keep = (freqs >= 0.2) & (freqs <= 0.6)
    reference = np.fft.rfft(frames, axis=1)[:, keep]
    magnitude = Spectral((0.2, 0.6), "magnitude", fs=2.0)
    assert np.allclose(magnitude.forward(frames), np.abs(reference), rtol=1e-12, atol=1e-9)
    with pytest.raises(ArgumentError, match=r"not invertible.*phase"):
        magnitude.inverse(magnitude.forward(frames))
    magphase = Spectral((0.2, 0.6), "magphase", fs=2.0).fit(frames)
    y = magphase.forward(frames)
    assert y.shape == (frames.shape[0], 2 * keep.sum())
    assert np.allclose(y[:, keep.sum() :], np.angle(reference), atol=1e-9)
    mask = Spectral((0.2, 0.6), fs=2.0).forward(frames)
    assert np.allclose(magphase.inverse(y), mask, rtol=0, atol=1e-9)


def test_spectral_backends_agree():
    frames = Frame(48, 16).forward(REAL_SERIES["host_faults"][:, :5])
    outs = {}
    for name in ("pyfftw", "numpy"):
        _fft._set_backend(name)
        outs[name] = Spectral((0.1, 0.4)).forward(frames)
    _fft._set_backend(None)
    scale = np.abs(frames).max()
    assert np.allclose(outs["pyfftw"], outs["numpy"], rtol=0, atol=1e-13 * scale)


def test_fft_falls_back_to_numpy_without_pyfftw(monkeypatch):
    for name in (
        "pyfftw",
        "pyfftw.interfaces",
        "pyfftw.interfaces.cache",
        "pyfftw.interfaces.numpy_fft",
    ):
        monkeypatch.setitem(sys.modules, name, None)  # makes the import fail
    try:
        assert _fft._set_backend(None) == "numpy"
        frames = FRAMES[:, :, 0]
        assert np.array_equal(
            Spectral(mode="magnitude").forward(frames), np.abs(np.fft.rfft(frames, axis=1))
        )
    finally:
        monkeypatch.undo()
        _fft._set_backend(None)
    assert _fft.backend() == "pyfftw"


def test_pyfftw_plan_cache_is_enabled():
    import pyfftw.interfaces.cache

    _fft._set_backend("pyfftw")
    Spectral().forward(FRAMES)
    assert pyfftw.interfaces.cache.is_enabled()


def test_spectral_keeps_in_band_tone_and_removes_out_of_band_tone():
    n = np.arange(64)
    inside, outside = np.cos(2 * np.pi * 8 * n / 64), np.sin(2 * np.pi * 24 * n / 64)
    out = Spectral((0.1, 0.2)).forward((inside + outside)[None, :])
    assert np.allclose(out[0], inside, atol=1e-12)


def test_spectral_errors():
    with pytest.raises(ArgumentError, match=r"0 <= low < high <= fs/2 = 0.5, got \(0.1, 0.6\)"):
        Spectral((0.1, 0.6))
    with pytest.raises(ArgumentError, match="low < high"):
        Spectral((0.3, 0.3))
    with pytest.raises(ArgumentError, match="'mode'"):
        Spectral(mode="phase")
    with pytest.raises(ArgumentError, match="no FFT bin"):
        Spectral((0.1, 0.12)).forward(np.ones((2, 4)))
    with pytest.raises(ArgumentError, match="not fitted"):
        Spectral(mode="magphase").inverse(np.ones((2, 4)))
    with pytest.raises(ArgumentError, match="fitted to frames of length 16"):
        Spectral().fit(FRAMES).forward(np.ones((3, 8)))


# ---------------------------------------------------------------- periods, Burg, detrend


def _ar_process(phi, size, seed):
    noise = rng(seed).standard_normal(size + 500)
    x = scipy.signal.lfilter([1.0], np.concatenate([[1.0], -np.asarray(phi)]), noise)
    return x[500:]  # drop the start-up transient


@pytest.mark.parametrize("phi", [(0.75, -0.5), (1.2, -0.6), (-0.4, 0.3)])
def test_burg_recovers_ar2_coefficients(phi):
    x = _ar_process(phi, 20000, seed=3)
    estimate, variance = burg(x, 2)
    assert np.allclose(estimate, phi, atol=0.02)
    assert variance == pytest.approx(1.0, rel=0.04)
    # higher orders add nothing for an AR(2) process
    assert np.allclose(burg(x, 4)[0][2:], 0.0, atol=0.03)


def test_burg_spectrum_peak_matches_ar2_resonance():
    phi = (1.2, -0.81)  # poles 0.9 * exp(+-i w) with cos w = 1.2 / 1.8
    x = _ar_process(phi, 8000, seed=5)
    expected = 2 * np.pi / np.arccos(1.2 / (2 * 0.9))  # about 7.6 samples
    assert dominant_period(x, "burg", order=2) == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("method", ["fft", "burg"])
@pytest.mark.parametrize("period", [7.3, 25.0, 90.0])
def test_dominant_period_of_noisy_sinusoid(method, period):
    t = np.arange(1500)
    x = 2.0 * np.sin(2 * np.pi * t / period + 0.3) + rng(7).normal(0, 1.0, t.size) + 0.01 * t
    assert dominant_period(x, method) == pytest.approx(period, rel=0.02)
    # with channels: one channel carries the cycle, the other is noise
    both = np.stack([x, rng(8).normal(size=t.size)], axis=1)
    assert dominant_period(both, method) == pytest.approx(period, rel=0.02)


@pytest.mark.parametrize("method", ["fft", "burg"])
def test_dominant_period_of_co2_is_a_year(method):
    weeks_per_year = 365.25 / 7
    assert dominant_period(REAL_SERIES["co2"], method) == pytest.approx(weeks_per_year, abs=1.0)


def test_dominant_period_errors():
    with pytest.raises(ArgumentError, match="no dominant period"):
        dominant_period(np.full(100, 3.0))
    with pytest.raises(ArgumentError, match="no dominant period"):
        dominant_period(np.arange(100.0))
    with pytest.raises(ArgumentError, match="at least 4 samples"):
        dominant_period([1.0, 2.0, 1.0])
    with pytest.raises(ArgumentError, match="'method'"):
        dominant_period(np.ones(10), "wavelet")
    with pytest.raises(ArgumentError, match="'max_period'"):
        dominant_period(np.sin(np.arange(100.0)), max_period=1.0)
    with pytest.raises(ArgumentError, match="'order'"):
        dominant_period(np.sin(np.arange(100.0)), "burg", order=100)
    with pytest.raises(ArgumentError, match="1 non-finite"):
        dominant_period([1.0, np.nan, 2.0, 3.0, 1.0])
    with pytest.raises(ArgumentError, match="'order'"):
        burg(np.ones(5), 5)


def test_detrend_least_squares_removes_analytic_trend_and_cycle():
    t = np.arange(300.0)
    cycle = 1.5 * np.sin(2 * np.pi * t / 30) + 0.5 * np.cos(4 * np.pi * t / 30)
    x = np.stack([2.0 - 0.01 * t + 1e-4 * t**2 + cycle, 5.0 + 0.3 * t], axis=1)
    stage = Detrend("least_squares", period=30, degree=2, harmonics=2).fit(x)
    assert np.abs(stage.forward(x)).max() < 1e-9
    assert np.allclose(stage.inverse(stage.forward(x)), x, rtol=1e-15, atol=1e-12)
    # period estimated during fit
    estimated = Detrend("least_squares").fit(x[:, 0]).get_config()["period"]
    assert estimated == pytest.approx(30, rel=0.01)


def test_detrend_difference_is_seasonal_difference():
    x = REAL_SERIES["co2"]
    stage = Detrend("difference").fit(x)
    p = stage.get_config()["period"]
    assert p == 52
    y = stage.forward(x)
    assert np.array_equal(y[:p], x[:p]) and np.array_equal(y[p:], x[p:] - x[:-p])
    assert np.allclose(stage.inverse(y), x, rtol=1e-13, atol=0)
    assert Detrend("difference", 52).fitted  # a given period needs no fit


def test_detrend_moving_average_on_co2():
    x = REAL_SERIES["co2"]
    stage = Detrend("moving_average").fit(x)
    y = stage.forward(x)
    assert np.allclose(stage.inverse(y), x, rtol=1e-15, atol=1e-12)
    # the trend (about 60 ppm over the record) is gone; the annual cycle (a few ppm) stays
    inner = y[52:-52]
    assert np.ptp(x) > 50 and np.ptp(inner) < 15
    assert abs(np.polyfit(np.arange(inner.size), inner, 1)[0]) * inner.size < 1.0
    assert dominant_period(y, "fft") == pytest.approx(52.18, abs=1.0)


@FAST
@given(
    series_strategy(min_t=8, max_t=80),
    st.sampled_from(["difference", "moving_average", "least_squares"]),
    st.integers(1, 12),
)
def test_detrend_round_trip(x, method, period):
    stage = Detrend(method, period).fit(x)
    scale = np.abs(x).max() + 1.0
    assert np.allclose(stage.inverse(stage.forward(x)), x, rtol=0, atol=1e-12 * scale * x.shape[0])


def test_detrend_errors():
    with pytest.raises(ArgumentError, match="'method'"):
        Detrend("spline")
    with pytest.raises(ArgumentError, match="'period'"):
        Detrend("difference", period=0.2)
    with pytest.raises(ArgumentError, match="'degree'"):
        Detrend(degree=11)
    with pytest.raises(ArgumentError, match="not fitted"):
        Detrend("least_squares").forward(np.ones(10))
    fitted = Detrend("least_squares", 5).fit(np.ones((20, 2)))
    with pytest.raises(ArgumentError, match="channel shape"):
        fitted.forward(np.ones((20, 3)))


# ---------------------------------------------------------------- quantisation


@FAST
@given(series_strategy(), st.floats(1e-6, 1e3))
def test_quantise_error_bound_holds_for_every_value(x, bound):
    stage = Quantise(max_abs_error=bound).fit(x)
    q = stage.forward(x)
    assert q.dtype == np.int64
    assert np.all(np.abs(stage.inverse(q) - x) <= bound)


@FAST
@given(
    st.floats(1e-4, 10.0),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=30),
    st.floats(-1e4, 1e4),
)
def test_quantise_bound_at_half_step_boundaries(bound, levels, offset):
    # values exactly half a nominal step from a level: where rounding decides
    x = offset + (np.asarray(levels, dtype=np.float64) + 0.5) * (2 * bound)
    stage = Quantise(max_abs_error=bound, offset=offset)
    assert np.all(np.abs(stage.inverse(stage.forward(x)) - x) <= bound)


def _bound_for(x: np.ndarray, relative: float) -> np.ndarray:
    span = np.ptp(x, axis=0)
    floor = relative * (np.abs(x).max(axis=0) + 1.0)
    return np.where(span > 0, relative * span, floor)


@pytest.mark.parametrize("name", sorted(REAL_SERIES))
@pytest.mark.parametrize("relative", [1e-3, 1e-6])
def test_quantise_error_bound_on_real_data(name, relative):
    x = REAL_SERIES[name]
    bound = _bound_for(x, relative)
    stage = Quantise(max_abs_error=bound.tolist()).fit(x)
    back = stage.inverse(stage.forward(x))
    assert np.all(np.abs(back - x) <= bound)
    # and the bound is used: errors reach a good part of it
    assert np.abs(back - x).max() > 0.25 * bound.min()


@FAST
@given(series_strategy(min_t=2), st.integers(1, 16))
def test_quantise_bits_fills_the_range(x, bits):
    stage = Quantise(bits=bits).fit(x)
    q = stage.forward(x)
    assert q.min() >= 0 and q.max() <= 2**bits - 1
    span = np.ptp(x, axis=0)
    # a range so small that its step underflows to 0 counts as constant, like a zero range
    live = np.broadcast_to(span / (2.0**bits - 1) > 0, x.shape[1:])
    assert np.all(q.min(axis=0)[live] == 0) and np.all(q.max(axis=0)[live] == 2**bits - 1)
    step = np.asarray(stage.get_config()["fitted_step"])
    tolerance = step / 2 + 8 * np.finfo(float).eps * (np.abs(x).max(axis=0) + step)
    assert np.all(np.abs(stage.inverse(q) - x) <= tolerance)


def test_quantise_step_is_mid_tread_and_offsets_are_per_channel():
    x = np.array([[-0.74, 10.0], [0.26, 12.0], [1.25, 11.0]])
    stage = Quantise(step=0.5).fit(x)
    assert stage.get_config()["fitted_offset"] == [0.255, 11.0]
    assert np.array_equal(stage.forward(x), np.round((x - [0.255, 11.0]) / 0.5))
    assert np.array_equal(
        Quantise(step=1.0, offset=0.0).forward([-0.4, 0.4, 0.6, -1.6]), [0, 0, 1, -2]
    )


def test_quantise_constant_channels_and_frames():
    x = np.stack([np.full(10, 4.2), np.linspace(0, 1, 10)], axis=1)
    stage = Quantise(bits=3).fit(x)
    assert np.array_equal(stage.forward(x)[:, 0], np.zeros(10))
    assert np.array_equal(stage.inverse(stage.forward(x))[:, 0], x[:, 0])
    frames = Frame(4, 2).forward(x)
    fitted = Quantise(max_abs_error=0.01).fit(frames)
    assert np.all(np.abs(fitted.inverse(fitted.forward(frames)) - frames) <= 0.01)


def test_quantise_errors():
    with pytest.raises(ArgumentError, match="exactly one of"):
        Quantise()
    with pytest.raises(ArgumentError, match="exactly one of"):
        Quantise(step=0.1, bits=4)
    with pytest.raises(ArgumentError, match="'max_abs_error'"):
        Quantise(max_abs_error=0.0)
    with pytest.raises(ArgumentError, match="'step'"):
        Quantise(step=[0.1, -0.1])
    with pytest.raises(ArgumentError, match="'bits'"):
        Quantise(bits=63)
    with pytest.raises(ArgumentError, match="offset is fitted"):
        Quantise(bits=8, offset=0.0)
    x = np.array([[1.0, np.nan], [np.inf, 2.0], [3.0, -np.inf]])
    with pytest.raises(ArgumentError, match=r"3 non-finite values .* first at index \(0, 1\)"):
        Quantise(step=0.1).fit(x)
    with pytest.raises(ArgumentError, match="outside the fitted range"):
        Quantise(bits=4).fit([0.0, 1.0]).forward([0.5, 1.5, -1.0])
    with pytest.raises(ArgumentError, match="below the float64 resolution"):
        Quantise(max_abs_error=1e-8, offset=0.1).forward([1e9 + 0.3])
    with pytest.raises(ArgumentError, match="2\\*\\*62 steps"):
        Quantise(step=1e-300, offset=0.0).forward([1.0])
    with pytest.raises(ArgumentError, match="do not fit data"):
        Quantise(step=[0.1, 0.2]).fit(np.ones((4, 2))).forward(np.ones((4, 3)))
    with pytest.raises(ArgumentTypeError, match="must hold integers"):
        Quantise(step=0.1).fit([1.0]).inverse([1.5])
    with pytest.raises(ArgumentTypeError, match="real numbers"):
        Quantise(step=0.1).fit(["a"])


# ---------------------------------------------------------------- integer stages


def _brute_residuals(x: list[int], method: str) -> list[int]:
    out = []
    for t, value in enumerate(x):
        if t == 0:
            prediction = 0
        elif t == 1 or method == "previous":
            prediction = x[t - 1]
        else:
            prediction = 2 * x[t - 1] - x[t - 2]
        out.append(value - prediction)
    return out


@FAST
@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=50),
    st.sampled_from(["previous", "linear"]),
)
def test_predict_matches_brute_force_and_round_trips(values, method):
    x = np.array(values, dtype=np.int64)
    stage = Predict(method)
    r = stage.forward(x)
    assert r.tolist() == _brute_residuals(values, method)
    assert np.array_equal(stage.inverse(r), x)
    two = np.stack([x, -x], axis=1)
    assert np.array_equal(stage.inverse(stage.forward(two)), two)


@FAST
@given(
    st.lists(st.integers(-(2**61), 2**61), min_size=1, max_size=20),
    st.sampled_from(["previous", "linear"]),
)
def test_predict_exact_near_the_int64_limits(values, method):
    # near the limits int64 arithmetic is checked exactly: no overflow means exact round trip
    x = np.array(values, dtype=np.int64)
    stage = Predict(method)
    expected = _brute_residuals(values, method)
    if all(INT64_MIN <= v <= INT64_MAX for v in expected):
        r = stage.forward(x)
        assert r.tolist() == expected
        assert np.array_equal(stage.inverse(r), x)
    else:
        with pytest.raises(ArgumentError, match="overflow int64"):
            stage.forward(x)


def test_predict_overflow_raises():
    with pytest.raises(ArgumentError, match="1 results overflow int64"):
        Predict("previous").forward(np.array([-(2**62), 2**62 + 5], dtype=np.int64))
    with pytest.raises(ArgumentError, match="overflow int64"):
        Predict("linear").forward(np.array([2**61, -(2**61), 2**62], dtype=np.int64))
    with pytest.raises(ArgumentError, match="overflow int64"):
        Predict("previous").inverse(np.array([INT64_MAX, INT64_MAX], dtype=np.int64))
    with pytest.raises(ArgumentError, match="overflow int64"):
        Predict("linear").inverse(np.array([0, 2**61, 2**61, 2**61], dtype=np.int64))
    with pytest.raises(ArgumentTypeError, match="Quantise first"):
        Predict().forward(np.ones(3))
    with pytest.raises(ArgumentError, match="'method'"):
        Predict("quadratic")
    with pytest.raises(ArgumentError, match="above the int64 maximum"):
        Predict().forward(np.array([2**63], dtype=np.uint64))


@FAST
@given(
    hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.integers(-(2**62), 2**62 - 1),
    )
)
def test_zigzag_round_trip_and_order(q):
    z = ZigZag().forward(q)
    assert np.all(z >= 0)
    assert np.array_equal(z, np.where(q >= 0, 2 * q, -2 * q - 1))
    assert np.array_equal(ZigZag().inverse(z), q)


def test_zigzag_errors():
    with pytest.raises(ArgumentError, match="overflow"):
        ZigZag().forward(np.array([2**62], dtype=np.int64))
    with pytest.raises(ArgumentError, match="non-negative"):
        ZigZag().inverse([-1])


def test_gray_code_neighbours_differ_in_one_bit():
    n = np.arange(1 << 16, dtype=np.int64)
    g = GrayCode().forward(n)
    flips = np.bitwise_count((g[1:] ^ g[:-1]).astype(np.uint64))
    assert np.all(flips == 1)
    assert np.unique(g).size == n.size  # a bijection on 16-bit values
    assert np.array_equal(GrayCode().inverse(g), n)


@FAST
@given(
    hnp.arrays(
        np.int64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.integers(0, INT64_MAX),
    )
)
def test_gray_code_round_trip(q):
    g = GrayCode().forward(q)
    assert np.array_equal(g, q ^ (q >> 1))
    assert np.array_equal(GrayCode().inverse(g), q)


@FAST
@given(st.integers(1, 63), st.data())
def test_bit_planes_round_trip_and_oracle(bits, data):
    values = data.draw(st.lists(st.integers(0, 2**bits - 1), min_size=1, max_size=12))
    q = np.array(values, dtype=np.int64)
    planes = BitPlanes(bits).forward(q)
    assert planes.dtype == np.uint8 and planes.shape == (len(values), bits)
    assert ["".join(map(str, row)) for row in planes] == [format(v, f"0{bits}b") for v in values]
    assert np.array_equal(BitPlanes(bits).inverse(planes), q)
    assert np.array_equal(BitPlanes(bits).inverse(planes.astype(bool)), q)


def test_bit_planes_and_gray_errors():
    with pytest.raises(ArgumentError, match="below 2\\*\\*3"):
        BitPlanes(3).forward([8])
    with pytest.raises(ArgumentError, match="ZigZag"):
        BitPlanes(3).forward([-1])
    with pytest.raises(ArgumentError, match="ZigZag"):
        GrayCode().forward([3, -2])
    with pytest.raises(ArgumentError, match="3 bit planes"):
        BitPlanes(3).inverse(np.zeros((2, 4), dtype=np.uint8))
    with pytest.raises(ArgumentError, match="only 0 and 1"):
        BitPlanes(2).inverse([[0, 2]])
    with pytest.raises(ArgumentError, match="'bits'"):
        BitPlanes(64)
    with pytest.raises(ArgumentError, match="empty"):
        GrayCode().forward(np.zeros(0, dtype=np.int64))


# ---------------------------------------------------------------- decorrelation


def test_pca_whitens_and_orders_by_variance():
    frames = Frame(12, 6).forward(REAL_SERIES["kdd"])
    stage = Decorrelate("pca").fit(frames)
    scores = stage.forward(frames)
    assert np.allclose(np.cov(scores, rowvar=False), np.eye(12), atol=1e-9)
    # oracle: the eigen-decomposition of the sample covariance
    eigenvalues = np.linalg.eigvalsh(np.cov(frames, rowvar=False))[::-1]
    assert np.allclose(np.asarray(stage.get_config()["scale"]) ** 2, eigenvalues, rtol=1e-9)
    unwhitened = Decorrelate("pca", whiten=False).fit(frames).forward(frames)
    assert np.allclose(unwhitened.var(axis=0, ddof=1), eigenvalues, rtol=1e-9)
    assert np.allclose(stage.inverse(scores), frames, rtol=0, atol=1e-10 * np.abs(frames).max())


@pytest.mark.parametrize("name", sorted(REAL_SERIES))
@pytest.mark.parametrize("method", ["pca", "dct"])
def test_decorrelate_round_trip_on_real_frames(name, method):
    x = REAL_SERIES[name]
    frames = Window("hamming").forward(Frame(24, 12).forward(x))
    stage = Decorrelate(method).fit(frames)
    y = stage.forward(frames)
    assert y.shape == frames.shape
    tolerance = 1e-9 * (np.abs(frames).max() + 1.0)
    assert np.allclose(stage.inverse(y), frames, rtol=0, atol=tolerance)


def test_dct_matches_scipy_and_projects():
    frames = Frame(16, 16).forward(REAL_SERIES["acsf1"])
    stage = Decorrelate("dct", components=6, whiten=False).fit(frames)
    coefficients = scipy.fft.dct(frames, type=2, norm="ortho", axis=1)
    assert np.allclose(stage.forward(frames), coefficients[:, :6], atol=1e-12)
    truncated = coefficients.copy()
    truncated[:, 6:] = 0
    expected = scipy.fft.idct(truncated, type=2, norm="ortho", axis=1)
    assert np.allclose(stage.inverse(stage.forward(frames)), expected, atol=1e-12)
    whitened = Decorrelate("dct").fit(frames).forward(frames)
    assert np.allclose(whitened.std(axis=0), 1.0)


def test_pca_projection_is_idempotent_and_handles_few_frames():
    frames = Frame(10, 5).forward(REAL_SERIES["co2"][:200])
    stage = Decorrelate("pca", components=3).fit(frames)
    once = stage.forward(frames)
    assert np.allclose(stage.forward(stage.inverse(once)), once, atol=1e-9)
    few = frames[:4]  # fewer frames than the frame length: rank 3
    fitted = Decorrelate("pca").fit(few)
    assert np.allclose(fitted.inverse(fitted.forward(few)), few, rtol=0, atol=1e-9)


def test_decorrelate_errors():
    with pytest.raises(ArgumentError, match="at most the frame length 16"):
        Decorrelate(components=17).fit(FRAMES)
    with pytest.raises(ArgumentError, match="'method'"):
        Decorrelate("ica")
    fitted = Decorrelate().fit(FRAMES)
    with pytest.raises(ArgumentError, match=r"shape \(F, 16, 3\)"):
        fitted.forward(FRAMES[:, :, :2])
    with pytest.raises(ArgumentError, match=r"frames of shape"):
        fitted.forward(SERIES[:, 0])


# ---------------------------------------------------------------- chains on real data


@pytest.mark.parametrize("name", sorted(REAL_SERIES))
def test_integer_chain_round_trips_real_data(name):
    x = REAL_SERIES[name]
    bound = _bound_for(x, 1e-4)
    chain = [Quantise(max_abs_error=bound.tolist()), Predict("linear"), ZigZag(), GrayCode()]
    data, fitted = x, []
    for stage in chain:
        stage = stage.fit(data)
        fitted.append(stage)
        data = stage.forward(data)
    bits = max(int(data.max()).bit_length(), 1)
    planes = BitPlanes(bits).forward(data)
    codes = data
    data = BitPlanes(bits).inverse(planes)
    assert np.array_equal(data, codes)
    for stage in reversed(fitted[1:]):
        data = stage.inverse(data)
    assert np.array_equal(data, fitted[0].forward(x))  # the integer stages are exact
    assert np.all(np.abs(fitted[0].inverse(data) - x) <= bound)


def test_float_chain_round_trips_host_data():
    x = REAL_SERIES["host_faults"]
    chain = [
        Detrend("least_squares", harmonics=0),
        Frame(20, 10),
        Window("hamming"),
        Decorrelate("dct"),
    ]
    data, fitted = x, []
    for stage in chain:
        stage = stage.fit(data)
        fitted.append(stage)
        data = stage.forward(data)
    for stage in reversed(fitted):
        data = stage.inverse(data)
    assert np.allclose(data, x, rtol=1e-12, atol=1e-9 * np.abs(x).max())


def test_predict_auto_picks_per_channel_and_round_trips():
    t = np.arange(400)
    ramp = 7 * t + (t % 3)  # constant slope: linear residuals tiny
    steps = np.repeat(np.arange(40), 10) * 5  # piecewise constant: previous residuals tiny
    x = np.stack([ramp, steps, steps[::-1]], axis=1).astype(np.int64)
    stage = Predict("auto").fit(x)
    assert stage.get_config()["channel_methods"] == "lpp"
    y = stage.forward(x)
    assert np.array_equal(y[:, 0], Predict("linear").forward(x[:, 0]))
    assert np.array_equal(y[:, 1], Predict("previous").forward(x[:, 1]))
    assert np.array_equal(stage.inverse(y), x)
    rebuilt = get_stage(json.loads(json.dumps(stage.get_config())))
    assert np.array_equal(rebuilt.forward(x), y)
    with pytest.raises(ArgumentError, match="not fitted"):
        Predict("auto").forward(x)
    with pytest.raises(ArgumentError, match="channels"):
        stage.forward(x[:, :2])


def test_rotate_is_a_stored_orthogonal_matrix_and_refuses_others():
    stage = Rotate(seed=11).fit(FRAMES)
    matrix = np.asarray(stage.get_config()["matrix"])
    assert np.allclose(matrix @ matrix.T, np.eye(16), atol=1e-12)
    # the forward map is the plain product with the stored matrix, per channel
    assert np.allclose(stage.forward(FRAMES)[:, :, 1], FRAMES[:, :, 1] @ matrix)
    assert not np.allclose(Rotate(seed=12).fit(FRAMES).get_config()["matrix"], matrix)
    config = stage.get_config()
    config["matrix"] = (2 * matrix).tolist()
    with pytest.raises(ArgumentError, match="orthogonal"):
        get_stage(config)
    with pytest.raises(ArgumentError, match="length 16"):
        stage.forward(FRAMES[:, :8])
