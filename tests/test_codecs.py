"""The numcodecs codec ``infored`` and the Zarr v3 codec ``infored.reduce``: round trips within
the bound through numcodecs, Zarr v2 and v3 arrays and Dask, exact integers with lossless=True,
configs, pickling, registration by entry point in a fresh process."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zarr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from infored.codecs import Infored, InforedReduce, decode_chunk, encode_chunk
from infored.errors import ArgumentError, ArgumentTypeError, FormatError

TELEMETRY = Path(__file__).resolve().parents[1] / "examples" / "data" / "host_telemetry.npz"


@pytest.fixture(scope="module")
def telemetry() -> np.ndarray:
    """Real host telemetry: 1500 samples of 6 metrics, float64."""
    with np.load(TELEMETRY) as npz:
        return np.ascontiguousarray(npz["values"][:, [0, 3, 20, 40, 60, 80]])


def within(restored: np.ndarray, data: np.ndarray, bound) -> bool:
    """Every value within its channel's bound (NaN and inf exactly)."""
    x = data.reshape(data.shape[0], -1).astype(np.float64)
    y = restored.reshape(data.shape[0], -1).astype(np.float64)
    finite = np.isfinite(x)
    same_special = np.array_equal(x[~finite], y[~finite], equal_nan=True)
    err = np.abs(np.subtract(y, x, out=np.zeros_like(x), where=finite))
    return same_special and bool((err <= np.broadcast_to(np.asarray(bound), x.shape[1:])).all())


# ---------------------------------------------------------------- numcodecs


@pytest.mark.parametrize("bound", [0.5, 1e-3])
def test_numcodecs_round_trip_within_absolute_bound(telemetry, bound):
    codec = Infored(max_abs_error=bound)
    encoded = codec.encode(telemetry)
    assert isinstance(encoded, bytes)
    decoded = codec.decode(encoded)
    assert decoded.shape == telemetry.shape and decoded.dtype == telemetry.dtype
    assert within(decoded, telemetry, bound)
    assert len(encoded) < telemetry.nbytes


def test_numcodecs_per_channel_bound(telemetry):
    bounds = [5.0, 0.01, 20.0, 1e-4, 0.3, 100.0]
    decoded = Infored(max_abs_error=bounds).decode(Infored(max_abs_error=bounds).encode(telemetry))
    assert within(decoded, telemetry, bounds)
    # a bound per channel fails on a chunk with another number of channels
    with pytest.raises(ArgumentError, match="6 bounds; the data has 3 channels"):
        Infored(max_abs_error=bounds).encode(telemetry[:, :3])


def test_numcodecs_relative_bound_is_per_channel_range_of_the_chunk(telemetry):
    codec = Infored(max_rel_error=1e-3)
    decoded = codec.decode(codec.encode(telemetry))
    span = telemetry.max(axis=0) - telemetry.min(axis=0)
    assert within(decoded, telemetry, 1e-3 * np.where(span > 0, span, 1.0))


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint16", "int32", "int64", "uint8"])
def test_numcodecs_lossless_integers_exact(dtype):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.integers(-3, 4, size=(800, 3)), axis=0)
    x = np.clip(walk + (int(info.min) + int(info.max)) // 2, info.min, info.max).astype(dtype)
    codec = Infored(lossless=True)
    decoded = codec.decode(codec.encode(x))
    assert decoded.dtype == x.dtype and decoded.shape == x.shape
    np.testing.assert_array_equal(decoded, x)


def test_numcodecs_bool_and_zero_d_and_bytes_come_back_with_their_shape_and_dtype():
    codec = Infored(lossless=True)
    flags = np.random.default_rng(1).random((64, 4)) > 0.5
    out = codec.decode(codec.encode(flags))
    assert out.dtype == np.bool_ and (out == flags).all()
    scalar = np.array(3.25)
    out = Infored(max_abs_error=0.01).decode(Infored(max_abs_error=0.01).encode(scalar))
    assert out.shape == () and abs(float(out) - 3.25) <= 0.01
    raw = bytes(range(200))
    out = codec.decode(codec.encode(raw))
    assert out.dtype == np.uint8 and out.tobytes() == raw


def test_numcodecs_nonfinite_values_exact(telemetry):
    x = telemetry[:300].copy()
    x[5, 0], x[17, 2], x[100, 4] = np.nan, np.inf, -np.inf
    codec = Infored(max_abs_error=0.25)
    assert within(codec.decode(codec.encode(x)), x, 0.25)


@pytest.mark.parametrize("out_shape", ["flat", "shaped"])
def test_numcodecs_decode_honours_out(telemetry, out_shape):
    codec = Infored(max_abs_error=0.1)
    encoded = codec.encode(telemetry)
    out = np.full(telemetry.size if out_shape == "flat" else telemetry.shape, -1.0)
    returned = codec.decode(encoded, out=out)
    assert np.shares_memory(returned, out)
    assert within(out.reshape(telemetry.shape), telemetry, 0.1)


def test_numcodecs_flat_and_shaped_buffers(telemetry):
    """zarr passes chunks flat or shaped: each comes back as it went in."""
    codec = Infored(max_abs_error=0.2)
    flat = telemetry.reshape(-1)
    assert codec.decode(codec.encode(flat)).shape == flat.shape
    fortran = np.asfortranarray(telemetry)
    assert within(codec.decode(codec.encode(fortran)), telemetry, 0.2)


def test_numcodecs_config_is_json_and_rebuilds_an_equal_codec():
    codec = Infored(hierarchy="telemetry", max_abs_error=[0.5, 2.0], lossless=False)
    config = codec.get_config()
    assert config["id"] == "infored"
    assert json.loads(json.dumps(config)) == config
    assert isinstance(config["hierarchy"], dict)  # the preset is stored as its config
    again = numcodecs.get_codec(json.loads(json.dumps(config)))
    assert again == codec and isinstance(again, Infored)
    assert pickle.loads(pickle.dumps(codec)) == codec


def test_numcodecs_hierarchy_is_used(telemetry):
    hierarchy = {
        "stages": [{"id": "quantise", "step": 1.0}],
        "levels": [{"code": "golay24", "planes": [0]}],
        "rest": [{"id": "predict", "method": "previous"}, {"id": "zigzag"}],
    }
    codec = Infored(hierarchy=hierarchy, max_abs_error=0.5)
    header = json.loads(json.dumps(_header(codec.encode(telemetry))))
    assert header["hierarchy"]["levels"][0]["code"]["extended"] is True
    assert within(codec.decode(codec.encode(telemetry)), telemetry, 0.5)


def _header(encoded: bytes) -> dict:
    from infored import _container

    return _container.read_header(encoded)["header"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_abs_error": 1.0, "max_rel_error": 0.1}, ArgumentError),
        ({"max_abs_error": -1.0}, ArgumentError),
        ({"max_abs_error": float("nan")}, ArgumentError),
        ({"max_rel_error": [0.1, 0.2]}, ArgumentTypeError),
        ({"max_abs_error": "0.1"}, ArgumentTypeError),
        ({"lossless": "yes"}, ArgumentTypeError),
        ({"hierarchy": "no-such-preset"}, ArgumentError),
    ],
)
def test_bad_settings_are_refused_with_a_named_argument(kwargs, error):
    with pytest.raises(error):
        Infored(**kwargs)
    with pytest.raises(error):
        InforedReduce(**kwargs)


def test_decode_refuses_what_is_not_an_encoded_chunk(telemetry):
    with pytest.raises(FormatError):
        Infored().decode(b"not a chunk at all")
    encoded = bytearray(Infored(max_abs_error=1.0).encode(telemetry))
    encoded[len(encoded) // 2] ^= 0xFF
    with pytest.raises(FormatError):
        Infored().decode(bytes(encoded))
    with pytest.raises(ArgumentTypeError, match="dtype"):
        Infored().encode(np.array(["a", "b"]))
    with pytest.raises(ArgumentTypeError, match="float16"):
        Infored(max_abs_error=0.1).encode(np.ones(10, dtype=np.float16))


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=12),
        elements=st.floats(-1e4, 1e4, width=32),
    ),
    st.sampled_from([1e-2, 0.5, 3.0]),
)
def test_any_float_chunk_comes_back_within_the_bound(x, bound):
    codec = Infored(max_abs_error=bound)
    y = codec.decode(codec.encode(x))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert within(y, x, bound)


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.int16, np.int32, np.uint8, np.int64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=20),
    )
)
def test_any_integer_chunk_is_exact_with_lossless(x):
    if x.dtype == np.int64:
        x = x // 4  # reduce() takes int64 with headroom for prediction
    codec = Infored(lossless=True)
    np.testing.assert_array_equal(codec.decode(codec.encode(x)), x)


def test_encode_chunk_and_decode_chunk_are_the_codecs_core(telemetry):
    settings = Infored(max_abs_error=0.3).get_config()
    settings.pop("id")
    assert within(decode_chunk(encode_chunk(telemetry, settings)), telemetry, 0.3)


def run_fresh(script: str) -> None:
    """Run a script in a fresh interpreter (outside the source tree); it must print "ok"."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_get_codec_works_in_a_fresh_process_through_the_entry_point():
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import numcodecs
        assert "infored" not in sys.modules
        codec = numcodecs.get_codec({"id": "infored", "max_abs_error": 0.5})
        x = np.linspace(0, 100, 500)
        y = codec.decode(codec.encode(x))
        assert type(codec).__module__ == "infored.codecs"
        assert np.abs(y - x).max() <= 0.5
        print("ok")
        """
    )
    run_fresh(script)


# ---------------------------------------------------------------- Zarr v2 (numcodecs codec)


@pytest.mark.parametrize("role", ["compressor", "filter"])
def test_zarr_v2_round_trip_within_bound(tmp_path, telemetry, role):
    codec = Infored(max_abs_error=0.05)
    kwargs = (
        {"compressors": codec, "filters": None}
        if role == "compressor"
        else {"filters": [codec], "compressors": numcodecs.Zstd(level=3)}
    )
    path = tmp_path / "v2.zarr"
    z = zarr.create_array(
        str(path), shape=telemetry.shape, chunks=(400, 6), dtype="f8", zarr_format=2, **kwargs
    )
    z[:] = telemetry
    reopened = zarr.open_array(str(path), mode="r")
    assert within(reopened[:], telemetry, 0.05)
    assert within(reopened[123:987, 2:4], telemetry[123:987, 2:4], 0.05)


def test_zarr_v2_lossless_integers_exact(tmp_path):
    x = np.cumsum(np.random.default_rng(3).integers(-50, 51, size=(1000, 3)), axis=0)
    x = x.astype(np.int32)
    z = zarr.create_array(
        str(tmp_path / "i.zarr"),
        shape=x.shape,
        chunks=(300, 3),
        dtype="i4",
        zarr_format=2,
        compressors=Infored(lossless=True),
    )
    z[:] = x
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "i.zarr"), mode="r")[:], x)


# ---------------------------------------------------------------- Zarr v3 (native codec)


def test_zarr_v3_round_trip_within_bound(tmp_path, telemetry):
    bounds = [1.0, 0.01, 3.0, 0.002, 0.5, 40.0]
    codec = InforedReduce(max_abs_error=bounds)
    path = str(tmp_path / "v3.zarr")
    z = zarr.create_array(
        path,
        shape=telemetry.shape,
        chunks=(256, 6),
        dtype="f8",
        serializer=codec,
        compressors=None,
    )
    z[:] = telemetry
    reopened = zarr.open_array(path, mode="r")
    assert reopened.serializer == codec
    assert within(reopened[:], telemetry, bounds)
    assert within(reopened[1000:1400], telemetry[1000:1400], bounds)
    # the last chunk is partial (1500 = 5 * 256 + 220): it still comes back
    assert reopened[1499].shape == (6,)


def test_zarr_v3_float32_and_lossless_integers(tmp_path):
    x32 = (np.sin(np.arange(3000) / 40.0) * 100).astype(np.float32).reshape(1000, 3)
    z = zarr.create_array(
        str(tmp_path / "f.zarr"),
        shape=x32.shape,
        chunks=(250, 3),
        dtype="f4",
        serializer=InforedReduce(max_abs_error=0.01),
        compressors=None,
    )
    z[:] = x32
    assert z[:].dtype == np.float32 and within(z[:], x32, 0.01)
    xi = np.cumsum(np.random.default_rng(5).integers(-9, 10, size=(1000, 2)), axis=0)
    xi = xi.astype(np.int16)
    z = zarr.create_array(
        str(tmp_path / "i.zarr"),
        shape=xi.shape,
        chunks=(256, 2),
        dtype="i2",
        serializer=InforedReduce(lossless=True),
        compressors=None,
    )
    z[:] = xi
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "i.zarr"), mode="r")[:], xi)


def test_zarr_v3_codec_dict_round_trip_and_hash():
    codec = InforedReduce(hierarchy="float", max_rel_error=1e-3, lossless=True)
    data = codec.to_dict()
    assert data["name"] == "infored.reduce"
    assert json.loads(json.dumps(data)) == data
    again = InforedReduce.from_dict(json.loads(json.dumps(data)))
    assert again == codec and hash(again) == hash(codec)
    assert pickle.loads(pickle.dumps(codec)) == codec
    assert zarr.registry.get_codec_class("infored.reduce") is InforedReduce


def test_zarr_v3_refuses_bounds_that_do_not_match_the_chunks(tmp_path):
    with pytest.raises(ArgumentError, match="per-channel bounds"):
        zarr.create_array(
            str(tmp_path / "x.zarr"),
            shape=(100, 4),
            chunks=(50, 4),
            dtype="f8",
            serializer=InforedReduce(max_abs_error=[1.0, 2.0]),
            compressors=None,
        )
    with pytest.raises(ArgumentTypeError, match="reduce numbers"):
        zarr.create_array(
            str(tmp_path / "c.zarr"),
            shape=(10,),
            chunks=(5,),
            dtype="complex128",
            serializer=InforedReduce(),
            compressors=None,
        )


def test_zarr_v3_array_opens_in_a_fresh_process_through_the_entry_point(tmp_path, telemetry):
    path = str(tmp_path / "fresh.zarr")
    z = zarr.create_array(
        path,
        shape=telemetry.shape,
        chunks=(500, 6),
        dtype="f8",
        serializer=InforedReduce(max_abs_error=0.5),
        compressors=None,
    )
    z[:] = telemetry
    np.save(tmp_path / "x.npy", telemetry)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import zarr
        assert "infored" not in sys.modules
        y = zarr.open_array({path!r}, mode="r")[:]
        x = np.load({str(tmp_path / "x.npy")!r})
        assert "infored.codecs" in sys.modules
        assert np.abs(y - x).max() <= 0.5
        print("ok")
        """
    )
    run_fresh(script)


# ---------------------------------------------------------------- Dask


def test_dask_to_zarr_and_back_v3(tmp_path, telemetry):
    import dask.array as da

    x = da.from_array(telemetry, chunks=(300, 6))
    path = str(tmp_path / "dask3.zarr")
    da.to_zarr(x, path, serializer=InforedReduce(max_abs_error=0.02), compressors=None)
    back = da.from_zarr(path)
    assert back.chunks[0][0] == 300
    assert within(back.compute(), telemetry, 0.02)


def test_dask_to_zarr_and_back_v2(tmp_path, telemetry):
    import dask.array as da

    x = da.from_array(telemetry, chunks=(250, 3))
    path = str(tmp_path / "dask2.zarr")
    da.to_zarr(x, path, zarr_format=2, filters=[Infored(max_abs_error=0.02)], compressors=None)
    assert within(da.from_zarr(path).compute(), telemetry, 0.02)


def test_dask_ships_the_codec_to_worker_processes(telemetry):
    """Blocks encoded in other processes (the codec is pickled) decode here within the bound."""
    import dask
    import dask.array as da

    codec = Infored(max_abs_error=0.1)
    x = da.from_array(telemetry, chunks=(500, 6))
    blocks = [dask.delayed(codec.encode)(b) for b in x.to_delayed().ravel()]
    with dask.config.set(scheduler="processes", num_workers=2):
        encoded = dask.compute(*blocks)
    restored = np.concatenate([codec.decode(e) for e in encoded])
    assert within(restored, telemetry, 0.1)
