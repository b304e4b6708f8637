"""Write stages_real.npz: small slices of the real data sets for tests/test_stages.py.

Usage: python tools/make_stages_data.py DATA_DIR

DATA_DIR holds acsf1.npz, kdd_tsad_135.npz, co2_weekly.npz, host_telemetry.npz and
host_faults.npz (the shared real data sets; that folder's README gives their provenance).
The slices are copied unchanged; every 3rd channel of the host data keeps the file small.
"""

import sys
from pathlib import Path

import numpy as np


def main(data_dir: str) -> None:
    src = Path(data_dir)
    acsf1 = np.load(src / "acsf1.npz")["values"]
    kdd = np.load(src / "kdd_tsad_135.npz")["values"]
    co2 = np.load(src / "co2_weekly.npz")["values"]
    host = np.load(src / "host_telemetry.npz")["values"]
    faults = np.load(src / "host_faults.npz")
    labels = faults["labels"]
    start = max(int(np.flatnonzero(labels)[0]) - 150, 0)  # around the first injected fault
    out = Path(__file__).resolve().parents[1] / "tests" / "data" / "stages_real.npz"
    np.savez_compressed(
        out,
        acsf1=acsf1[::50],  # 4 recordings of 1460 samples
        kdd=kdd[:3000],
        co2=co2,  # the whole weekly series, 2284 samples
        host_telemetry=host[:400, ::3],
        host_faults=faults["values"][start : start + 400, ::3],
    )
    print(out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1])
