#!/usr/bin/env bash
# Are two jobcheck binaries' JSON reports on the same corpus the same, compared
# parsed (key order and whitespace do not count; everything else does)?
#
#   bash benches/same_report.sh BEFORE.json AFTER.json
#   bash benches/same_report.sh --run JOBS_DIR LIMITS BEFORE_BIN AFTER_BIN
#
# With --run, each binary checks JOBS_DIR with `--format json --limits LIMITS`
# and the two reports are compared. Exit 0 when they are the same, 1 when not
# (the first differences are printed).
set -euo pipefail

if [ "${1:-}" = "--run" ]; then
    [ $# -eq 5 ] || { echo "usage: $0 --run JOBS_DIR LIMITS BEFORE_BIN AFTER_BIN" >&2; exit 2; }
    jobs=$2 limits=$3 before_bin=$4 after_bin=$5
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$before_bin" check --format json --limits "$limits" "$jobs" >"$tmp/before.json" || true
    "$after_bin" check --format json --limits "$limits" "$jobs" >"$tmp/after.json" || true
    set -- "$tmp/before.json" "$tmp/after.json"
fi
[ $# -eq 2 ] || { echo "usage: $0 BEFORE.json AFTER.json" >&2; exit 2; }

python3 - "$1" "$2" <<'PY'
import json, sys

def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)

before, after = load(sys.argv[1]), load(sys.argv[2])
diffs = []

def walk(a, b, where):
    if len(diffs) >= 20:
        return
    if type(a) is not type(b):
        diffs.append(f"{where}: {type(a).__name__} before, {type(b).__name__} after")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                diffs.append(f"{where}.{k}: only after")
            elif k not in b:
                diffs.append(f"{where}.{k}: only before")
            else:
                walk(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            diffs.append(f"{where}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{where}[{i}]")
    elif a != b:
        diffs.append(f"{where}: {a!r} before, {b!r} after")

walk(before, after, "$")
if before == after and not diffs:
    summary = before.get("summary") if isinstance(before, dict) else None
    print(f"same report ({summary}): {sys.argv[1]} = {sys.argv[2]}")
    sys.exit(0)
print("the reports differ:")
for d in diffs:
    print("  " + d)
sys.exit(1)
PY
