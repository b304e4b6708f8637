"""The ``infored`` command line: batch reduction of many inputs, resumability, the input and
output formats, errors as one line with an exit status, chunked reductions on threads and on a
dask.distributed cluster (identical bytes), and the descriptive commands."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from infored import _container, expand, load
from infored.cli import main
from infored.hierarchy import PRESETS, get_hierarchy

TELEMETRY = Path(__file__).resolve().parents[1] / "examples" / "data" / "host_telemetry.npz"


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def telemetry() -> np.ndarray:
    with np.load(TELEMETRY) as npz:
        return np.ascontiguousarray(npz["values"][:, :12])


@pytest.fixture
def data(tmp_path, telemetry) -> Path:
    """A directory of small real inputs."""
    folder = tmp_path / "in"
    folder.mkdir()
    np.save(folder / "tele.npy", telemetry)
    np.savez(
        folder / "pack.npz",
        values=telemetry[:, :4],
        names=np.array(["a", "b"]),
        hz=np.array(10.0),
        counts=np.arange(600, dtype=np.int32).reshape(200, 3),
    )
    return folder


def expanded(path: Path, tmp_path: Path) -> np.ndarray:
    out = tmp_path / f"x{len(list(tmp_path.iterdir()))}.npy"
    run("expand", path, "-o", out)
    return np.load(out)


def within_rel(restored: np.ndarray, data: np.ndarray, rel: float) -> bool:
    """Every value within rel times its channel's range over the whole input."""
    x = data.reshape(data.shape[0], -1)
    span = x.max(axis=0) - x.min(axis=0)
    scale = np.where(span > 0, span, np.maximum(1.0, np.abs(x).max(axis=0)))
    return bool((np.abs(restored.reshape(x.shape) - x) <= rel * scale).all())


# ---------------------------------------------------------------- reduce: the batch


def test_reduce_writes_one_ird_per_numeric_array_and_says_what_it_did(tmp_path, data, telemetry):
    out = tmp_path / "out"
    result = run("reduce", data / "tele.npy", data / "pack.npz", "-o", out, "--json")
    summary = json.loads(result.stdout)
    by_input = {row["input"]: row for row in summary["inputs"]}
    tele = by_input[str(data / "tele.npy")]
    assert tele["status"] == "ok" and tele["output"] == str(out / "tele.npy.ird")
    assert tele["bytes_in"] == telemetry.nbytes
    assert tele["bytes_out"] == os.path.getsize(out / "tele.npy.ird")
    assert tele["ratio"] == pytest.approx(tele["bytes_in"] / tele["bytes_out"])
    assert 0 < tele["bound_used"] <= 1 and tele["max_error"] > 0 and tele["seconds"] > 0
    assert by_input[f"{data / 'pack.npz'}:values"]["status"] == "ok"
    assert by_input[f"{data / 'pack.npz'}:counts"]["status"] == "ok"
    assert by_input[f"{data / 'pack.npz'}:names"]["status"] == "ignored"
    assert by_input[f"{data / 'pack.npz'}:hz"]["status"] == "ignored"
    assert summary["totals"] == {
        **summary["totals"],
        "inputs": 3,
        "reduced": 3,
        "failed": 0,
        "ignored": 2,
    }
    assert sorted(p.name for p in out.iterdir()) == [
        "pack.npz.counts.ird",
        "pack.npz.values.ird",
        "tele.npy.ird",
    ]
    # a plain reduction: the library reads it, and the default bound is 1e-3 of each range
    reduced = load(out / "tele.npy.ird")
    assert reduced.header["origin"]["settings"]["max_rel_error"] == 1e-3
    assert within_rel(expanded(out / "tele.npy.ird", tmp_path), telemetry, 1e-3)


def test_table_summary_and_no_progress_bar_when_piped(tmp_path, data):
    result = run("reduce", data / "tele.npy", "-o", tmp_path / "out")
    assert result.stderr == ""  # not a terminal: no progress bar
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{data / 'tele.npy'} -> {tmp_path / 'out' / 'tele.npy.ird'}")
    assert "% of bound)" in lines[0]
    assert lines[-1].startswith("1 inputs: 1 reduced, 0 skipped, 0 failed;")


def test_directories_and_globs_are_searched(tmp_path, data, telemetry):
    (data / "sub").mkdir()
    np.save(data / "sub" / "deep.npy", telemetry[:100])
    (data / "README.txt").write_text("not an input")
    out = tmp_path / "out"
    summary = json.loads(run("reduce", data, "-o", out, "--json").stdout)
    assert summary["totals"]["reduced"] == 4
    assert (out / "sub" / "deep.npy.ird").exists()
    out2 = tmp_path / "out2"
    summary = json.loads(run("reduce", str(data / "*.np?"), "-o", out2, "--json").stdout)
    assert summary["totals"]["reduced"] == 3
    run("reduce", str(data / "*.nothing"), "-o", out2, code=1)


def test_output_inside_the_input_directory_is_not_an_input(tmp_path, data):
    run("reduce", data, "-o", data / "reduced")
    again = json.loads(run("reduce", data, "-o", data / "reduced", "--json").stdout)
    assert again["totals"]["skipped"] == 3 and again["totals"]["inputs"] == 3


def test_same_output_name_twice_is_a_usage_error(tmp_path, telemetry):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        np.save(tmp_path / d / "x.npy", telemetry[:50])
    result = run(
        "reduce", tmp_path / "a" / "x.npy", tmp_path / "b" / "x.npy", "-o", tmp_path / "out", code=2
    )
    assert "would both be written" in result.stderr


# ---------------------------------------------------------------- resumable, never clobbering


def test_rerun_skips_current_outputs_and_refuses_stale_ones(tmp_path, data, telemetry):
    out = tmp_path / "out"
    run("reduce", data / "tele.npy", "-o", out)
    before = (out / "tele.npy.ird").read_bytes()
    again = json.loads(run("reduce", data / "tele.npy", "-o", out, "--json").stdout)
    assert again["inputs"][0]["status"] == "skipped"
    # other settings: the existing output is left alone
    result = run("reduce", data / "tele.npy", "-o", out, "--max-rel-error", "1e-2", code=1)
    assert "other settings; use --force" in result.stderr
    assert (out / "tele.npy.ird").read_bytes() == before
    # the input changed (new modification time): same
    np.save(data / "tele.npy", telemetry * 2)
    result = run("reduce", data / "tele.npy", "-o", out, code=1)
    assert "use --force" in result.stderr
    assert (out / "tele.npy.ird").read_bytes() == before
    run("reduce", data / "tele.npy", "-o", out, "--force")
    assert (out / "tele.npy.ird").read_bytes() != before
    assert within_rel(expanded(out / "tele.npy.ird", tmp_path), telemetry * 2, 1e-3)


def test_damaged_output_is_not_skipped_and_verify_finds_it(tmp_path, data):
    out = tmp_path / "out"
    run("reduce", data / "tele.npy", "-o", out)
    path = out / "tele.npy.ird"
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0x55
    path.write_bytes(bytes(raw))
    result = run("verify", path, code=1)
    assert "FAILED" in result.stderr
    result = run("reduce", data / "tele.npy", "-o", out, code=1)
    assert "damaged" in result.stderr
    run("reduce", data / "tele.npy", "-o", out, "--force")
    assert "ok (" in run("verify", path).stdout


# ---------------------------------------------------------------- chunks and workers


def test_chunked_reduction_is_identical_for_any_number_of_workers(tmp_path, data, telemetry):
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        run("reduce", data / "tele.npy", "-o", out, "--chunk-mb", "0.02", "--workers", workers)
        outs.append((out / "tele.npy.ird").read_bytes())
    assert outs[0] == outs[1]
    header = _container.read_header(tmp_path / "w1" / "tele.npy.ird")["header"]
    assert header["format"] == "infored.chunked" and len(header["chunks"]) > 5
    rows = [(c["start"], c["stop"]) for c in header["chunks"]]
    assert rows[0][0] == 0 and rows[-1][1] == telemetry.shape[0]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    # each chunk is stored as a complete .ird of its own
    _, sections = _container.read(tmp_path / "w1" / "tele.npy.ird")
    first = load(io.BytesIO(sections["chunk0"].tobytes()))
    assert first.shape == (rows[0][1], telemetry.shape[1])
    # a relative bound is relative to each channel's range over the whole input
    whole = expanded(tmp_path / "w1" / "tele.npy.ird", tmp_path)
    assert within_rel(whole, telemetry, 1e-3)
    np.testing.assert_array_equal(expand(first), whole[: rows[0][1]])
    assert f"{len(rows)} chunks decoded" in run("verify", tmp_path / "w1" / "tele.npy.ird").stdout
    info = run("info", tmp_path / "w1" / "tele.npy.ird").stdout
    assert f"{len(rows)} of up to" in info


def test_absolute_bound_and_lossless_integers(tmp_path, telemetry):
    np.save(tmp_path / "f.npy", telemetry)
    ints = np.cumsum(np.random.default_rng(2).integers(-40, 41, size=(3000, 4)), axis=0)
    np.save(tmp_path / "i.npy", ints.astype(np.int32))
    out = tmp_path / "out"
    run("reduce", tmp_path / "f.npy", "-o", out, "--max-abs-error", "0.5", "--chunk-mb", "0.03")
    assert np.abs(expanded(out / "f.npy.ird", tmp_path) - telemetry).max() <= 0.5
    run("reduce", tmp_path / "i.npy", "-o", out, "--lossless", "--chunk-mb", "0.01")
    back = expanded(out / "i.npy.ird", tmp_path)
    assert back.dtype == np.int32
    np.testing.assert_array_equal(back, ints)


# ---------------------------------------------------------------- input formats


def test_csv_with_header_round_trips_with_its_columns(tmp_path, telemetry):
    path = tmp_path / "t.csv"
    header = "time,cpu,mem,disk"
    rows = [f"{i / 10:.1f},{r[0]:.17g},{r[1]:.17g},{r[2]:.17g}" for i, r in enumerate(telemetry)]
    path.write_text("\n".join([header, *rows]) + "\n")
    out = tmp_path / "out"
    run("reduce", path, "-o", out, "--max-abs-error", "0.01")
    run("expand", out / "t.csv.ird", "-o", tmp_path / "back.csv")
    lines = (tmp_path / "back.csv").read_text().splitlines()
    assert lines[0] == header and len(lines) == len(telemetry) + 1
    back = np.loadtxt(tmp_path / "back.csv", delimiter=",", skiprows=1)
    want = np.column_stack([np.arange(len(telemetry)) / 10, telemetry[:, :3]])
    assert np.abs(back - want).max() <= 0.01


def test_tsv_without_header_and_empty_fields(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("1\t2.5\n2\t\n3\t2.75\n4\t3\n")
    run("reduce", path, "-o", tmp_path / "out", "--max-abs-error", "0.01")
    back = expanded(tmp_path / "out" / "t.tsv.ird", tmp_path)
    assert back.shape == (4, 2) and np.isnan(back[1, 1])
    assert np.abs(back[[0, 2, 3]] - [[1, 2.5], [3, 2.75], [4, 3]]).max() <= 0.01


def test_non_numeric_csv_columns_are_named_and_other_inputs_still_written(tmp_path, data):
    bad = tmp_path / "bad.csv"
    bad.write_text("time,host,cpu,state\n1,web-1,0.5,ok\n2,web-2,0.7,ok\n")
    out = tmp_path / "out"
    result = run("reduce", bad, data / "tele.npy", "-o", out, code=1)
    assert "non-numeric columns 'host' (e.g. 'web-1'), 'state' (e.g. 'ok')" in result.stderr
    assert "1 of 2 inputs failed" in result.stderr
    assert (out / "tele.npy.ird").exists() and not (out / "bad.csv.ird").exists()


def test_raw_binary_with_dtype_and_shape(tmp_path, telemetry):
    x = telemetry[:, :4].astype("<f4")
    x.tofile(tmp_path / "x.bin")
    run(
        "reduce",
        tmp_path / "x.bin",
        "--dtype",
        "float32",
        "--shape",
        "-1,4",
        "-o",
        tmp_path / "out",
        "--max-abs-error",
        "0.5",
    )
    back = expanded(tmp_path / "out" / "x.bin.ird", tmp_path)
    assert back.shape == x.shape and back.dtype == np.float32
    assert np.abs(back - x).max() <= 0.5
    result = run(
        "reduce",
        tmp_path / "x.bin",
        "--dtype",
        "float32",
        "--shape",
        "-1,7",
        "-o",
        tmp_path / "out2",
        code=1,
    )
    assert "do not fill shape" in result.stderr


def test_hdf5_datasets_by_name_or_all(tmp_path, telemetry):
    import h5py

    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["group/a"] = telemetry[:, :3]
        f["b"] = np.arange(500, dtype=np.int16)
        f["label"] = np.bytes_("text")
    out = tmp_path / "out"
    summary = json.loads(run("reduce", f"{tmp_path / 'd.h5'}:/group/a", "-o", out, "--json").stdout)
    assert [r["status"] for r in summary["inputs"]] == ["ok"]
    assert within_rel(expanded(out / "d.h5.group.a.ird", tmp_path), telemetry[:, :3], 1e-3)
    summary = json.loads(
        run("reduce", tmp_path / "d.h5", "-o", tmp_path / "all", "--json", "--lossless").stdout
    )
    status = {r["input"].split(":")[-1]: r["status"] for r in summary["inputs"]}
    assert status == {"group/a": "ok", "b": "ok", "label": "ignored"}
    np.testing.assert_array_equal(
        expanded(tmp_path / "all" / "d.h5.b.ird", tmp_path), np.arange(500, dtype=np.int16)
    )


def test_zarr_v2_and_v3_inputs(tmp_path, telemetry):
    import zarr

    z2 = zarr.create_array(
        str(tmp_path / "v2.zarr"),
        shape=telemetry.shape,
        chunks=(500, 12),
        dtype="f8",
        zarr_format=2,
    )
    z2[:] = telemetry
    group = zarr.open_group(str(tmp_path / "g3.zarr"), mode="w")
    group.create_array("x", shape=(900,), dtype="i4")[:] = np.arange(900)
    out = tmp_path / "out"
    run("reduce", tmp_path / "v2.zarr", tmp_path / "g3.zarr", "-o", out, "--lossless")
    assert sorted(p.name for p in out.iterdir()) == ["g3.zarr.x.ird", "v2.zarr.ird"]
    np.testing.assert_array_equal(expanded(out / "g3.zarr.x.ird", tmp_path), np.arange(900))


def test_unknown_and_missing_inputs_fail_with_one_line_each(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    np.save(tmp_path / "half.npy", np.ones(10, dtype=np.float16))
    result = run(
        "reduce",
        tmp_path / "notes.txt",
        tmp_path / "missing.npy",
        tmp_path / "half.npy",
        "-o",
        tmp_path / "out",
        code=1,
    )
    errors = result.stderr.splitlines()
    assert (
        errors[0] == f"Error: {tmp_path / 'notes.txt'}: unsupported input type .txt; use "
        ".npy, .npz, .csv, .tsv, .h5/.hdf5, Zarr stores, or raw binary with --dtype"
    )
    assert errors[1] == f"Error: {tmp_path / 'missing.npy'}: no such file or directory"
    assert errors[2].startswith(f"Error: {tmp_path / 'half.npy'}: dtype float16: the error bound")
    assert errors[3] == "Error: 3 of 3 inputs failed: " + ", ".join(
        str(tmp_path / name) for name in ("notes.txt", "missing.npy", "half.npy")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-abs-error", "1", "--max-rel-error", "0.1"], "not both"),
        (["--max-abs-error", "-1"], "positive"),
        (["--hierarchy", "no-such-preset"], "neither a file nor a preset"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_usage_errors_exit_2(tmp_path, data, args, message):
    result = run("reduce", data / "tele.npy", "-o", tmp_path / "out", *args, code=2)
    assert message in result.stderr


def test_hierarchy_from_a_toml_file(tmp_path, data):
    toml = tmp_path / "h.toml"
    toml.write_text(get_hierarchy("telemetry").to_text())
    run("reduce", data / "tele.npy", "-o", tmp_path / "out", "--hierarchy", toml)
    info = run("info", tmp_path / "out" / "tele.npy.ird").stdout
    assert "messages of level 0" in info  # the chained level of the telemetry preset


# ---------------------------------------------------------------- Zarr output


def test_zarr_output_round_trip_resume_and_identical_to_workers_1(tmp_path, data, telemetry):
    import zarr

    stores = []
    for workers in (1, 2):
        store = tmp_path / f"out{workers}.zarr"
        run(
            "reduce",
            data / "tele.npy",
            data / "pack.npz",
            "-o",
            store,
            "--zarr",
            "--chunk-mb",
            "0.02",
            "--workers",
            workers,
        )
        stores.append(store)
    array = zarr.open_array(str(stores[0] / "tele.npy"), mode="r")
    assert array.serializer.to_dict()["name"] == "infored.reduce"
    assert within_rel(array[:], telemetry, 1e-3)
    for store in stores:
        files = sorted(p.relative_to(store) for p in store.rglob("c/*/*"))
        assert files
    first = sorted((p.relative_to(stores[0]), p.read_bytes()) for p in stores[0].rglob("c/*/*"))
    second = sorted((p.relative_to(stores[1]), p.read_bytes()) for p in stores[1].rglob("c/*/*"))
    assert first == second
    again = json.loads(
        run(
            "reduce", data / "tele.npy", "-o", stores[0], "--zarr", "--chunk-mb", "0.02", "--json"
        ).stdout
    )
    assert again["inputs"][0]["status"] == "skipped"
    assert "ok (" in run("verify", stores[0] / "tele.npy").stdout
    assert "infored.reduce" in run("info", stores[0] / "tele.npy").stdout
    assert within_rel(expanded(stores[0] / "tele.npy", tmp_path), telemetry, 1e-3)


# ---------------------------------------------------------------- dask.distributed


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_distributed_run_writes_the_same_bytes_as_a_local_run(tmp_path, data, cluster):
    args = [data / "tele.npy", data / "pack.npz", "--chunk-mb", "0.02"]
    run("reduce", *args, "-o", tmp_path / "local", "--workers", "1")
    run("reduce", *args, "-o", tmp_path / "cluster", "--scheduler", cluster.scheduler_address)
    names = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "cluster").iterdir())
    for name in names:
        assert (tmp_path / "local" / name).read_bytes() == (
            tmp_path / "cluster" / name
        ).read_bytes()
    run("reduce", *args, "-o", tmp_path / "lz", "--zarr", "--workers", "1")
    run("reduce", *args, "-o", tmp_path / "cz", "--zarr", "--scheduler", cluster.scheduler_address)
    local = sorted(
        (p.relative_to(tmp_path / "lz"), p.read_bytes()) for p in (tmp_path / "lz").rglob("c/*/*")
    )
    remote = sorted(
        (p.relative_to(tmp_path / "cz"), p.read_bytes()) for p in (tmp_path / "cz").rglob("c/*/*")
    )
    assert local and local == remote


def test_unreachable_scheduler_is_one_line(tmp_path, data):
    result = run(
        "reduce",
        data / "tele.npy",
        "-o",
        tmp_path / "out",
        "--scheduler",
        "tcp://127.0.0.1:9",
        code=1,
    )
    assert result.stderr.startswith("Error: cannot reach the scheduler tcp://127.0.0.1:9")


# ---------------------------------------------------------------- expand, info, verify


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".zarr", ".bin"])
def test_expand_formats(tmp_path, data, telemetry, suffix):
    run("reduce", data / "tele.npy", "-o", tmp_path / "out", "--chunk-mb", "0.05")
    target = tmp_path / f"back{suffix}"
    run("expand", tmp_path / "out" / "tele.npy.ird", "-o", target)
    if suffix == ".npy":
        back = np.load(target)
    elif suffix == ".npz":
        with np.load(target) as npz:
            back = npz["data"]
    elif suffix == ".zarr":
        import zarr

        back = zarr.open_array(str(target), mode="r")[:]
    else:
        back = np.fromfile(target, dtype=np.float64).reshape(telemetry.shape)
    assert back.shape == telemetry.shape and within_rel(back, telemetry, 1e-3)
    result = run("expand", tmp_path / "out" / "tele.npy.ird", "-o", target, code=1)
    assert "use --force" in result.stderr
    run("expand", tmp_path / "out" / "tele.npy.ird", "-o", target, "--force")


def test_expand_to_an_unknown_format_is_a_usage_error(tmp_path, data):
    run("reduce", data / "tele.npy", "-o", tmp_path / "out")
    result = run("expand", tmp_path / "out" / "tele.npy.ird", "-o", tmp_path / "x.xyz", code=2)
    assert "cannot tell the output format" in result.stderr
    assert not any(p.name.startswith(".x.xyz") for p in tmp_path.iterdir())


def test_expand_keeps_the_npz_key(tmp_path, data, telemetry):
    run("reduce", data / "pack.npz", "-o", tmp_path / "out")
    run("expand", tmp_path / "out" / "pack.npz.values.ird", "-o", tmp_path / "v.npz")
    with np.load(tmp_path / "v.npz") as npz:
        assert npz.files == ["values"]
        assert within_rel(npz["values"], telemetry[:, :4], 1e-3)


def test_info_describes_the_reduction(tmp_path, data, telemetry):
    run("reduce", data / "tele.npy", "-o", tmp_path / "out")
    path = tmp_path / "out" / "tele.npy.ird"
    text = run("info", path).stdout
    size = os.path.getsize(path)
    assert f"input      tele.npy, 1500x12 float64, {telemetry.nbytes / 1e3:.3g} kB" in text
    assert f"ratio      {telemetry.nbytes / size:.2f}x" in text
    assert "from a relative bound of 0.001" in text
    assert "level 0" in text and "stages  quantise" in text
    header = json.loads(run("info", path, "--json").stdout)
    assert header["size"] == size and header["header"]["input"]["shape"] == [1500, 12]


def test_verify_many_and_failures(tmp_path, data):
    run("reduce", data, "-o", tmp_path / "out")
    files = sorted((tmp_path / "out").glob("*.ird"))
    report = json.loads(run("verify", *files, "--json").stdout)
    assert [e["ok"] for e in report] == [True] * 3
    (tmp_path / "junk.ird").write_bytes(b"\x89IRD\r\n\x1a\n" + b"\0" * 40)
    result = run("verify", files[0], tmp_path / "junk.ird", code=1)
    assert result.stdout.startswith(f"{files[0]}: ok (")
    assert "junk.ird: FAILED:" in result.stderr and "1 of 2 failed" in result.stderr


def test_info_on_a_file_that_is_not_a_reduction(tmp_path):
    (tmp_path / "x.ird").write_bytes(b"hello")
    result = run("info", tmp_path / "x.ird", code=1)
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- codes, presets, bench


def test_codes_lists_the_families_with_their_parameters():
    rows = json.loads(run("codes", "--json").stdout)
    by_name = {r["name"]: r for r in rows}
    assert {k: by_name["golay"][k] for k in "nkdt"} == {"n": 23, "k": 12, "d": 7, "t": 3}
    assert {k: by_name["golay24"][k] for k in "nkdt"} == {"n": 24, "k": 12, "d": 8, "t": 3}
    for r in range(2, 11):
        assert by_name[f"hamming{r}"]["n"] == 2**r - 1 and by_name[f"hamming{r}"]["d"] == 3
        assert by_name[f"ehamming{r}"]["n"] == 2**r and by_name[f"ehamming{r}"]["d"] == 4
    assert by_name["bch63,51"]["t"] == 2 and by_name["bch255,191"]["decoder"] == "bounded"
    assert {r["n"] for r in rows if r["family"] == "bch"} == {7, 15, 31, 63, 127, 255}
    table = run("codes", "--family", "golay").stdout.splitlines()
    assert table[0].split() == ["name", "family", "n", "k", "d", "t", "rate", "decoder"]
    assert len(table) == 3


def test_presets_list_and_show_round_trips():
    listing = run("presets").stdout
    for name in PRESETS:
        assert f"{name}\n" in listing
        text = run("presets", "--show", name).stdout
        assert get_hierarchy(text) == get_hierarchy(name)
    assert "no preset" in run("presets", "--show", "nope", code=2).stderr


def test_bench_compares_with_zstd_and_bitround(tmp_path, data):
    result = json.loads(run("bench", data / "tele.npy", "--json").stdout)
    methods = {r["method"].split("(")[0]: r for r in result["results"]}
    assert set(methods) == {"infored", "zstd-3", "BitRound"}
    assert methods["zstd-3"]["max_error"] == 0
    assert 0 < methods["infored"]["bound_used"] <= 1
    assert 0 < methods["BitRound"]["bound_used"] <= 1
    assert all(r["ratio"] > 1 and r["encode_mb_s"] > 0 for r in result["results"])
    table = run("bench", data / "tele.npy").stdout
    assert "zstd-3" in table and "BitRound(" in table


# ---------------------------------------------------------------- start-up


def test_cli_import_stays_light():
    script = textwrap.dedent(
        """
        import sys
        import infored.cli
        heavy = ["zarr", "dask", "distributed", "h5py", "numcodecs", "zstandard", "scipy"]
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_help_runs_as_a_console_script():
    done = subprocess.run(
        [sys.executable, "-m", "infored.cli", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "reduce" in done.stdout
