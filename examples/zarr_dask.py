"""Store telemetry in Zarr arrays whose chunks infored reduces, writing and reading with Dask.

Real host telemetry (``data/host_telemetry.npz``, 117 metrics at 10 Hz) becomes a Dask array
chunked along time, and is written three ways:

* Zarr v3 with the native codec ``infored.reduce`` as the array's serializer and a relative
  bound: every value within 1e-3 of its metric's range *within its chunk* (the chunk as Zarr
  passes it to the codec: the last one is padded with the array's fill value);
* Zarr v2 with the numcodecs codec ``infored`` as a filter before Zstd and absolute bounds,
  one per metric: 1e-3 of the metric's range over the whole recording;
* Zarr v3 with Zarr's default (lossless) codecs, for comparison.

Each store is read back with Dask, every value is checked against its bound, and the sizes on
disk are printed.

Run: ``python examples/zarr_dask.py [path/to/file.npz] [--rows N]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import dask.array as da
import numpy as np

from infored.codecs import Infored, InforedReduce

HERE = Path(__file__).resolve().parent


def size_on_disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(source: Path, rows: int | None = None) -> None:
    with np.load(source) as npz:
        values = npz["values"][:rows]
    step = min(300, values.shape[0])
    x = da.from_array(values, chunks=(step, values.shape[1]))
    per_metric = 1e-3 * scale(values)
    # Zarr hands the codec whole chunks: the last one padded with the fill value (0)
    padded = np.zeros((-(-values.shape[0] // step) * step, values.shape[1]))
    padded[: values.shape[0]] = values
    per_chunk = np.concatenate(
        [
            np.broadcast_to(1e-3 * scale(padded[i : i + step]), (step, values.shape[1]))
            for i in range(0, padded.shape[0], step)
        ]
    )[: values.shape[0]]

    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            "zarr v3, infored.reduce": (
                {"serializer": InforedReduce(max_rel_error=1e-3), "compressors": None},
                per_chunk,
            ),
            "zarr v2, infored + Zstd": (
                {"zarr_format": 2, "filters": [Infored(max_abs_error=per_metric.tolist())]},
                per_metric,
            ),
            "zarr v3, default codecs": ({}, None),
        }
        print(
            f"input: {values.shape[0]} samples x {values.shape[1]} metrics, "
            f"{values.nbytes / 1e6:.2f} MB, chunks of {step} samples"
        )
        for i, (label, (codecs, bound)) in enumerate(stores.items()):
            path = Path(tmp) / f"{i}.zarr"
            da.to_zarr(x, str(path), **codecs)
            back = da.from_zarr(str(path)).compute()
            err = np.abs(back - values)
            if bound is None:
                check = "exact" if (err == 0).all() else "NOT EXACT"
            else:
                assert (err <= bound).all(), f"{label}: a value is outside its bound"
                check = f"largest error {float((err / bound).max()):.0%} of its bound"
            stored = size_on_disk(path)
            print(f"{label:<26} {stored / 1e3:8.1f} kB {values.nbytes / stored:6.1f}x  {check}")


def scale(values: np.ndarray) -> np.ndarray:
    """What a relative bound is relative to: each metric's range (max(|x|, 1) if constant)."""
    span = values.max(axis=0) - values.min(axis=0)
    return np.where(span > 0, span, np.maximum(1.0, np.abs(values).max(axis=0)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source", nargs="?", type=Path, default=HERE / "data" / "host_telemetry.npz"
    )
    parser.add_argument("--rows", type=int, default=None, help="use only the first N samples")
    args = parser.parse_args()
    main(args.source, args.rows)
