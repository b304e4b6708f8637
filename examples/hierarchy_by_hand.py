"""Write a hierarchy by hand in TOML, reduce real telemetry with it, and read both resolutions.

The hierarchy below quantises each metric to its error bound, decodes the lowest bit plane of
23 consecutive samples at a time with the Golay (23, 12) code, chains the extended Golay
(24, 12) code on top of those messages for a second, coarser resolution, and keeps the rest of
each value exactly (predicted from the previous sample, zig-zag coded). The same file works on
the command line: ``infored reduce data.npz -o out --hierarchy hierarchy.toml``.

Run: ``python examples/hierarchy_by_hand.py [path/to/file.npz] [--rows N]``
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

import numpy as np

import infored

HERE = Path(__file__).resolve().parent

HIERARCHY = """\
# Quantise every channel; reduce() sets the step from the error bound.
[[stages]]
id = "quantise"
step = 1.0

# Level 0: the lowest bit plane, 23 samples of one channel per word, Golay (23, 12).
[[levels]]
code = "golay"
planes = [0]

# Level 1: level 0's 12-bit messages regrouped 24 at a time, extended Golay (24, 12).
[[levels]]
code = "golay24"
source = 0

# The rest (value >> 1) is kept exactly: previous-sample prediction, then zig-zag.
[[rest]]
id = "predict"
method = "previous"

[[rest]]
id = "zigzag"
"""


def main(source: Path, rows: int | None = None) -> None:
    with np.load(source) as npz:
        values = npz["values"][:rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hierarchy.toml"
        path.write_text(HIERARCHY)
        hierarchy = infored.get_hierarchy(path.read_text())

    print(
        f"input      {values.shape[0]} samples x {values.shape[1]} metrics, "
        f"{values.nbytes / 1e3:.1f} kB"
    )
    for i, level in enumerate(hierarchy.levels):
        what = f"planes {list(level.planes)}" if level.planes else f"level {level.source}"
        print(f"level {i}    {type(level.code).__name__}({level.code.n}, {level.code.k}) on {what}")

    reduced = infored.reduce(values, hierarchy, max_rel_error=1e-3)
    buffer = io.BytesIO()
    stored = infored.save(reduced, buffer)
    bound = np.asarray(reduced.max_abs_error)
    print(
        f"stored     {stored / 1e3:.1f} kB ({values.nbytes / stored:.1f}x), "
        f"{8 * stored / values.size:.2f} bits per value"
    )

    finest = infored.expand(reduced)
    used = float((np.abs(finest - values) / bound).max())
    assert used <= 1.0, "the finest resolution must stay within the bound"
    print(f"finest     largest error {used:.0%} of its metric's bound")

    coarse = infored.expand(reduced, level=1)
    print(
        f"level 1    largest error {float((np.abs(coarse - values) / bound).max()):.2f} "
        "times the bound (not guaranteed at a coarser resolution)"
    )

    again = infored.load(io.BytesIO(buffer.getvalue()))
    assert np.array_equal(infored.expand(again), finest)
    print("reloaded   the saved reduction expands to the same values")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source", nargs="?", type=Path, default=HERE / "data" / "host_telemetry.npz"
    )
    parser.add_argument("--rows", type=int, default=None, help="use only the first N samples")
    args = parser.parse_args()
    main(args.source, args.rows)
