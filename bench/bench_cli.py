"""Wall time and peak memory of ``infored reduce`` on a large float64 input, beside zstd -3 and
numcodecs BitRound + Zstd through Zarr, and the start-up time of ``infored --help``.

The input is made by tiling the real data sets: every ``values`` array of the ``.npz`` files in
the data directory becomes channels (time on its longer axis), each repeated along time to the
longest one, side by side; that table is repeated along time up to ``--size-mb``, written as
one ``.npy`` to a temporary directory, and deleted at the end.

Each contender runs as its own process under ``/usr/bin/time -v`` (wall time, peak resident
memory):

* ``infored reduce`` with ``--workers 1`` and ``--workers 2`` (relative bound 1e-3 of each
  channel's range, every chunk decoded again and checked), and ``--workers 2 --no-check``;
* ``zstd -3`` (the zstd command line, one thread; python-zstandard level 3 if it is missing);
* numcodecs ``BitRound`` + ``Zstd(level=3)`` as a Zarr v2 array written chunk by chunk (and
  read back, as ``infored reduce`` checks its chunks), with the fewest mantissa bits that keep
  every value within the same per-channel bound (found before the timed run).

Run: ``python bench/bench_cli.py [--size-mb 64] [--data DIR]`` (default: 64 MB, quick).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
REL = 1e-3
ROWS_PER_CHUNK_MB = 16


def tile_input(data_dir: Path, target: Path, size_mb: float) -> tuple[int, int]:
    """Write the tiled table to ``target`` (.npy) without holding it in memory."""
    columns = []
    for path in sorted(data_dir.glob("*.npz")):
        with np.load(path) as npz:
            if "values" not in npz.files:
                continue
            v = np.asarray(npz["values"], dtype=np.float64)
        if v.ndim == 1:
            v = v[:, None]
        elif v.shape[0] < v.shape[1]:  # recordings x samples: time is the longer axis
            v = v.T
        columns.append(v)
    if not columns:
        raise SystemExit(f"no .npz with a 'values' array in {data_dir}")
    length = max(c.shape[0] for c in columns)
    block = np.concatenate([np.resize(c.T, (c.shape[1], length)).T for c in columns], axis=1)
    rows = max(1, int(size_mb * 1e6) // (block.shape[1] * 8))
    out = np.lib.format.open_memmap(
        target, mode="w+", dtype=np.float64, shape=(rows, block.shape[1])
    )
    for start in range(0, rows, length):
        stop = min(rows, start + length)
        out[start:stop] = block[: stop - start]
    out.flush()
    del out
    return rows, block.shape[1]


def timed(cmd: list[str], **kwargs) -> dict:
    """Run under /usr/bin/time -v: wall and CPU (user + system) seconds, peak RSS in MB,
    stdout."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    start = time.perf_counter()
    done = subprocess.run([gnu_time, "-v", *cmd], capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = sum(
        float(m.group(1))
        for m in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
    )
    return {
        "cpu": cpu,
        "seconds": wall,
        "peak_mb": int(rss.group(1)) / 1e3 if rss else None,
        "stdout": done.stdout,
    }


def infored_cmd() -> list[str]:
    script = Path(sys.executable).parent / "infored"
    return [str(script)] if script.exists() else [sys.executable, "-m", "infored.cli"]


def blocks(source: Path):
    """Row blocks of a C-ordered .npy, read with plain reads (no memory map)."""
    with open(source, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(f)
        offset = f.tell()
    rows = max(1, ROWS_PER_CHUNK_MB * 2**20 // (shape[1] * dtype.itemsize))
    for start in range(0, shape[0], rows):
        count = min(rows, shape[0] - start) * shape[1]
        block = np.fromfile(
            source, dtype=dtype, count=count, offset=offset + start * shape[1] * dtype.itemsize
        )
        yield start, block.reshape(-1, shape[1])


def bitround_setup(source: Path) -> tuple[np.ndarray, int]:
    """The per-channel bound (1e-3 of each range, as infored reduce uses it) and the fewest
    mantissa bits that meet it on every value (found before the timed run)."""
    from numcodecs import BitRound

    lo = hi = big = None
    for _, block in blocks(source):
        b_lo, b_hi, b_big = block.min(0), block.max(0), np.abs(block).max(0)
        lo = b_lo if lo is None else np.minimum(lo, b_lo)
        hi = b_hi if hi is None else np.maximum(hi, b_hi)
        big = b_big if big is None else np.maximum(big, b_big)
    span = hi - lo
    bound = REL * np.where(span > 0, span, np.maximum(1.0, big))

    def fits(keep: int) -> bool:
        for _, block in blocks(source):
            y = BitRound(keepbits=keep).encode(block).view(np.float64).reshape(block.shape)
            if not (np.abs(y - block).max(0) <= bound).all():
                return False
        return True

    # rounding to k mantissa bits moves |x| < 2**(e+1) by at most 2**(e-k-1)
    with np.errstate(divide="ignore"):
        need = np.floor(np.log2(np.maximum(big, 1e-300))) - 1 - np.log2(bound)
    keep = int(np.clip(np.ceil(need.max()), 0, 52))
    while keep < 52 and not fits(keep):
        keep += 1
    while keep > 0 and fits(keep - 1):
        keep -= 1
    return bound, keep


def bitround_zarr(source: str, store: str, keep: str, bound_file: str) -> None:
    """Child process: write a Zarr v2 array with BitRound + Zstd, read every block back."""
    import zarr
    from numcodecs import BitRound, Zstd

    bound = np.load(bound_file)
    z = None
    worst = 0.0
    for start, block in blocks(Path(source)):
        if z is None:
            shape = np.load(source, mmap_mode="r").shape
            z = zarr.create_array(
                store,
                shape=shape,
                chunks=block.shape,
                dtype="f8",
                zarr_format=2,
                filters=[BitRound(keepbits=int(keep))],
                compressors=Zstd(level=3),
            )
        stop = start + block.shape[0]
        z[start:stop] = block
        worst = max(worst, float((np.abs(z[start:stop] - block) / bound).max()))
    print(json.dumps({"bound_used": worst}))


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def startup(cmd: list[str], runs: int = 20) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=64.0, help="input size, MB (1e6 B)")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="directory of .npz data sets to tile"
    )
    parser.add_argument("--bitround-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bitround_child:
        bitround_zarr(*args.bitround_child)
        return
    data_dir = args.data if args.data.is_dir() else ROOT / "examples" / "data"
    cli = infored_cmd()

    with tempfile.TemporaryDirectory(prefix="infored-bench-") as tmp:
        work = Path(tmp)
        source = work / "input.npy"
        rows, cols = tile_input(data_dir, source, args.size_mb)
        nbytes = rows * cols * 8
        print(
            f"input: {rows} x {cols} float64 = {nbytes / 1e6:.0f} MB, tiled from "
            f"{', '.join(p.name for p in sorted(data_dir.glob('*.npz')))}"
        )
        print(
            f"{'method':<38}{'wall s':>7}{'cpu s':>7}{'MB/s':>8}{'peak MB':>9}{'ratio':>8}  notes"
        )

        def report(name: str, run: dict, out: Path, note: str = "") -> None:
            mb_s = nbytes / 1e6 / run["seconds"]
            print(
                f"{name:<38}{run['seconds']:>7.1f}{run['cpu']:>7.1f}{mb_s:>8.1f}"
                f"{run['peak_mb']:>9.0f}{nbytes / size_of(out):>7.1f}x  {note}"
            )

        for workers, extra in ((1, []), (2, []), (2, ["--no-check"])):
            out = work / f"ird-{workers}{''.join(extra)}"
            run = timed(
                [
                    *cli,
                    "reduce",
                    str(source),
                    "-o",
                    str(out),
                    "--max-rel-error",
                    str(REL),
                    "--workers",
                    str(workers),
                    "--json",
                    *extra,
                ]
            )
            row = json.loads(run["stdout"])["inputs"][0]
            used = row["bound_used"]
            note = "" if used is None else f"max error {used:.0%} of bound"
            report(f"infored reduce --workers {workers} {' '.join(extra)}", run, out, note)
        restored = work / "restored.npy"
        run = timed([*cli, "expand", str(out / "input.npy.ird"), "-o", str(restored)])
        report("infored expand", run, out / "input.npy.ird")
        restored.unlink()

        target = work / "input.npy.zst"
        if shutil.which("zstd"):
            run = timed(["zstd", "-3", "-T1", "-q", "-f", str(source), "-o", str(target)])
            report("zstd -3 (CLI, 1 thread)", run, target, "lossless")
        else:
            code = (
                f"import zstandard; open({str(target)!r}, 'wb').write(zstandard."
                f"ZstdCompressor(level=3).compress(open({str(source)!r}, 'rb').read()))"
            )
            run = timed([sys.executable, "-c", code])
            report("python-zstandard level 3", run, target, "lossless")

        bound, keep = bitround_setup(source)
        np.save(work / "bound.npy", bound)
        store = work / "bitround.zarr"
        run = timed(
            [
                sys.executable,
                __file__,
                "--bitround-child",
                str(source),
                str(store),
                str(keep),
                str(work / "bound.npy"),
            ]
        )
        child = json.loads(run["stdout"])
        report(
            f"BitRound({keep})+Zstd-3 via Zarr v2",
            run,
            store,
            f"max error {child['bound_used']:.0%} of bound",
        )

    fastest, median = startup([*cli, "--help"])
    base, base_median = startup([sys.executable, "-c", "import infored"])
    print(
        f"infored --help: min {fastest:.3f} s, median {median:.3f} s "
        f"(python -c 'import infored': min {base:.3f} s, median {base_median:.3f} s)"
    )
    print(f"load average: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
