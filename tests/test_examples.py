"""Every example runs as it is, on a small input, and says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(*args: str | Path, cwd: Path) -> str:
    env = dict(os.environ)
    # the console script installed beside this interpreter comes first
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_reduce_csv_from_the_command_line(tmp_path):
    committed = EXAMPLES / "data" / "host_telemetry.csv"
    assert committed.stat().st_size < 300_000
    lines = committed.read_text().splitlines()
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines[:201]) + "\n")
    out = run("bash", EXAMPLES / "reduce_csv.sh", small, tmp_path / "work", cwd=tmp_path)
    assert "1 inputs: 1 reduced" in out and "ok (200x7 float64" in out
    expanded = tmp_path / "work" / "expanded.csv"
    assert expanded.read_text().splitlines()[0] == lines[0]
    original = np.loadtxt(small, delimiter=",", skiprows=1)
    back = np.loadtxt(expanded, delimiter=",", skiprows=1)
    span = original.max(axis=0) - original.min(axis=0)
    bound = 1e-3 * np.where(span > 0, span, np.maximum(1, np.abs(original).max(axis=0)))
    assert (np.abs(back - original) <= bound).all()


def test_reduce_csv_makes_the_committed_table_from_the_npz(tmp_path):
    made = tmp_path / "made.csv"
    run("bash", EXAMPLES / "reduce_csv.sh", made, tmp_path / "work", cwd=tmp_path)
    assert made.read_bytes() == (EXAMPLES / "data" / "host_telemetry.csv").read_bytes()


def test_zarr_dask(tmp_path):
    out = run(sys.executable, EXAMPLES / "zarr_dask.py", "--rows", "400", cwd=tmp_path)
    assert "input: 400 samples x 117 metrics" in out
    for label in ("zarr v3, infored.reduce", "zarr v2, infored + Zstd"):
        line = next(x for x in out.splitlines() if x.startswith(label))
        assert "of its bound" in line
    assert out.rstrip().endswith("exact")


def test_hierarchy_by_hand(tmp_path):
    out = run(sys.executable, EXAMPLES / "hierarchy_by_hand.py", "--rows", "300", cwd=tmp_path)
    assert "level 0    Golay(23, 12) on planes [0]" in out
    assert "level 1    Golay(24, 12) on level 0" in out
    assert "reloaded   the saved reduction expands to the same values" in out


def test_reduce_telemetry_with_a_code(tmp_path):
    out = run(sys.executable, EXAMPLES / "reduce_telemetry.py", cwd=tmp_path)
    assert "code        Golay(extended=True, decoder='complete'): n=24, k=12, d=8" in out
    assert "lossless    merge(split(words)) == words: True" in out
