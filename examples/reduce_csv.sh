#!/usr/bin/env bash
# Reduce a CSV of host telemetry from the command line, look at the result, check it, and
# expand it back to a CSV.
#
#   bash examples/reduce_csv.sh [TABLE.csv] [WORKDIR]
#
# TABLE.csv defaults to examples/data/host_telemetry.csv: seven channels of the real host
# telemetry in examples/data/host_telemetry.npz (made from it when missing). WORKDIR (default:
# a new temporary directory) receives the reduction and the expanded table.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
table="${1:-$here/data/host_telemetry.csv}"
work="${2:-$(mktemp -d)}"

if [ ! -f "$table" ]; then
    python - "$here/data/host_telemetry.npz" "$table" <<'PY'
import sys

import numpy as np

source, target = sys.argv[1], sys.argv[2]
channels = {  # column name -> metric of the .npz
    "loadavg_1": "loadavg.1",
    "mem_free_kb": "meminfo.MemFree",
    "dirty_kb": "meminfo.Dirty",
    "cpu_user_ticks": "stat.cpu.0",
    "context_switches": "stat.ctxt",
    "procs_running": "stat.procs_running",
}
with np.load(source) as npz:
    names = list(npz["names"])
    columns = [npz["values"][:, names.index(metric)] for metric in channels.values()]
    seconds = npz["timestamps"] - npz["timestamps"][0]
table = np.column_stack([seconds, *columns])
np.savetxt(target, table, delimiter=",", fmt="%.10g", comments="",
           header=",".join(["time_s", *channels]))
PY
fi

echo "== reduce: every value within 1e-3 of its column's range"
infored reduce "$table" -o "$work/reduced" --max-rel-error 1e-3
ird="$work/reduced/$(basename "$table").ird"

echo
echo "== info"
infored info "$ird"

echo
echo "== verify: checksums and a full decode"
infored verify "$ird"

echo
echo "== expand back to a table"
infored expand "$ird" -o "$work/expanded.csv"
echo "first rows, original:"
head -n 3 "$table"
echo "first rows, expanded:"
head -n 3 "$work/expanded.csv"
