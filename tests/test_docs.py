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
