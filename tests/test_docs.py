"""The README's code is true: its Python blocks run and its TOML hierarchy parses."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import infored

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "telemetry.ird").exists()


def test_readme_toml_hierarchy_parses_and_reduces():
    (text,) = re.findall(r"```toml\n(.*?)```", README, re.S)
    h = infored.Hierarchy.from_text(text)
    assert [lv.code.n for lv in h.levels] == [23, 23]
    x = np.cumsum(np.random.default_rng(1).normal(size=2000))
    r = infored.reduce(x, h, max_abs_error=0.01)
    assert np.abs(infored.expand(r) - x).max() <= 0.01


def test_readme_main_command_prints_what_the_readme_shows(tmp_path):
    """Each output records its input's modification time, and that changes the compressed
    header by a few bytes (sometimes one 64-byte alignment step): the inputs get a fixed one."""
    import os
    import shutil
    import subprocess
    import sys

    data = tmp_path / "examples" / "data"
    shutil.copytree(ROOT / "examples" / "data", data)
    for path in data.iterdir():
        os.utime(path, ns=(1_767_225_600 * 10**9, 1_767_225_600 * 10**9))  # 2026-01-01
    env = dict(
        os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    done = subprocess.run(
        ["infored", "reduce", "examples/data", "-o", "reduced"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    shown = README.split("$ infored reduce examples/data -o reduced\n", 1)[1].split("```", 1)[0]
    for got, want in zip(done.stdout.splitlines(), shown.splitlines(), strict=True):
        # everything but the seconds at the end of a line is reproducible
        assert (
            got.rsplit(" in ", 1)[0].rsplit("  ", 1)[0]
            == want.rsplit(" in ", 1)[0].rsplit("  ", 1)[0]
        )
