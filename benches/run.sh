#!/usr/bin/env bash
# The jobcheck performance benchmark . See docs/src/performance.md.
#
#   bash benches/run.sh [FILES]
#
# Environment: BENCH_FILES (default 10000, or the first argument),
# BENCH_GROUPS (20), BENCH_LATENCY_MS (50), BENCH_RUNS (hyperfine runs per
# command, at least 5), BENCH_DIR (work directory, default target/bench),
# BENCH_SKIP_BUILD=1 (use the release binary as it is), BENCH_SKIP_RSS=1,
# BENCH_BASELINE=PATH (another jobcheck binary, e.g. one built from an older
# commit, timed in the same run for comparison), BENCH_BIG (files in the large
# case, default 100000; 0 skips it).
# The large case times `cat` and `--limits` runs in each output format over
# BENCH_BIG files, and prints each one's peak memory (max RSS).
# Every request goes to a local server on 127.0.0.1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
files=${1:-${BENCH_FILES:-10000}}
groups=${BENCH_GROUPS:-20}
latency=${BENCH_LATENCY_MS:-50}
runs=${BENCH_RUNS:-5}
(( runs >= 5 )) || runs=5
work=${BENCH_DIR:-$root/target/bench}
bin=$root/target/release/jobcheck

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine; then
    apt-get update -qq && apt-get install -y -qq hyperfine
fi
if ! need check-jsonschema; then
    python3 -m pip install -q check-jsonschema
fi
if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "== cargo build --release"
    cargo build --release --quiet
fi

echo "== generating $files files, $groups groups in $work"
mkdir -p "$work"
python3 benches/gen.py "$work/main" --files "$files" --groups "$groups"
jobs=$work/main/jobs
limits=$work/main/limits.json
one=$jobs/d0/job-000000.yaml

echo "== starting the API stand-in (latency ${latency} ms)"
rm -f "$work/port"
python3 benches/server.py "$limits" "$work/port" --latency-ms "$latency" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
endpoint=http://127.0.0.1:$port
api() { python3 -c "import json,sys,urllib.request; print(json.load(urllib.request.urlopen('$endpoint/$1'))['count'])"; }

# A fake JWT (not verified locally) that expires in 2100.
b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
export JOBCHECK_TOKEN="$(b64 '{"alg":"none","typ":"JWT"}').$(b64 '{"user":"bench","clusterId":"bench","expireTime":"4102444800000"}').c2lnbmF0dXJl"
unset JOBCHECK_ENDPOINT JOBCHECK_FORMAT GITHUB_ACTIONS
cold=$work/cache-cold
warm=$work/cache-warm

echo "== checking: a cold run asks exactly $groups requests"
rm -rf "$cold" && mkdir -p "$cold"
api __reset >/dev/null
set +e
JOBCHECK_CACHE_DIR=$cold "$bin" check --format json --endpoint "$endpoint" "$jobs" >"$work/cold.json"
code=$?
set -e
asked=$(api __count)
summary=$(python3 -c "import json; print(json.load(open('$work/cold.json'))['summary'])")
echo "exit $code; $asked requests; $summary"
if [ "$asked" != "$groups" ]; then
    echo "FAIL: expected $groups requests in a cold run, the server saw $asked" >&2
    exit 1
fi
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "FAIL: the cold run exited $code" >&2
    exit 1
fi
# The offline run must say the same as the API run.
set +e
"$bin" check --format json --limits "$limits" "$jobs" >"$work/offline.json"
set -e
if ! cmp -s "$work/cold.json" "$work/offline.json"; then
    echo "FAIL: the --limits report differs from the API report" >&2
    exit 1
fi
rm -rf "$warm" && mkdir -p "$warm"
JOBCHECK_CACHE_DIR=$warm "$bin" check --format json --endpoint "$endpoint" "$jobs" >/dev/null || true

echo "== load: $(uptime)"
hf() { # name, extra hyperfine args..., command
    local name=$1; shift
    hyperfine --style basic --runs "${HF_RUNS:-$runs}" --warmup "${HF_WARMUP:-1}" -i --export-json "$work/hf-$name.json" "$@"
}
hf cat "cat $jobs/*/*.yaml > /dev/null"
# jobcheck runs without a shell (-N), so even the 1-file run is timed fairly.
# The cache directory is put in hyperfine's environment (which its commands
# inherit), not passed through `env`: an `env` in the command is one more
# exec, about 1 ms of the 1-file run.
JOBCHECK_CACHE_DIR=$cold hf cold -N --prepare "rm -rf $cold" \
    "$bin check --format json --endpoint $endpoint $jobs"
JOBCHECK_CACHE_DIR=$warm hf warm -N "$bin check --format json --endpoint $endpoint $jobs"
hf offline -N "$bin check --format json --limits $limits $jobs"
for fmt in concise github human; do
    hf "offline-$fmt" -N "$bin check --format $fmt --limits $limits $jobs"
done
# A run of a few milliseconds moves with every scheduling hiccup: 100 runs.
HF_RUNS=100 HF_WARMUP=10 JOBCHECK_CACHE_DIR=$warm hf single -N "$bin check --format json --endpoint $endpoint $one"
base=${BENCH_BASELINE:-}
if [ -n "$base" ]; then
    JOBCHECK_CACHE_DIR=$cold hf base-cold -N --prepare "rm -rf $cold" \
        "$base check --format json --endpoint $endpoint $jobs"
    JOBCHECK_CACHE_DIR=$warm hf base-warm -N "$base check --format json --endpoint $endpoint $jobs"
    hf base-offline -N "$base check --format json --limits $limits $jobs"
    for fmt in concise github human; do
        hf "base-offline-$fmt" -N "$base check --format $fmt --limits $limits $jobs"
    done
fi
hf schema "check-jsonschema --schemafile $root/schemas/job.schema.json $jobs/*/*.yaml"
echo "== load: $(uptime)"

rss_rows=()
if [ "${BENCH_SKIP_RSS:-0}" != 1 ]; then
    echo "== peak RSS"
    python3 benches/gen.py "$work/small" --files $(( files / 10 )) --groups "$groups"
    python3 benches/gen.py "$work/bad" --files "$files" --groups "$groups" --bad 1.0
    rss() { # label, dir, limits, extra args
        local label=$1 dir=$2 lim=$3; shift 3
        local kib
        kib=$( { /usr/bin/time -f %M "$bin" check --format json --limits "$lim" "$@" "$dir" >/dev/null || true; } 2>&1 | tail -n 1)
        local diags
        diags=$( ("$bin" check --format concise --limits "$lim" "$@" "$dir" 2>/dev/null || true) | grep -c ': \(error\|warning\)\[' || true)
        local base_kib=""
        if [ -n "$base" ]; then
            base_kib=$( { /usr/bin/time -f %M "$base" check --format json --limits "$lim" "$@" "$dir" >/dev/null || true; } 2>&1 | tail -n 1)
        fi
        rss_rows+=("$label|$diags|$kib|$base_kib")
    }
    rss "$(( files / 10 )) files, 5% bad" "$work/small/jobs" "$work/small/limits.json"
    rss "$files files, 5% bad" "$jobs" "$limits"
    rss "$files files, all bad" "$work/bad/jobs" "$work/bad/limits.json"
    for fmt in concise github human; do
        kib=$( { /usr/bin/time -f %M "$bin" check --format "$fmt" --limits "$limits" "$jobs" >/dev/null || true; } 2>&1 | tail -n 1)
        base_kib=""
        if [ -n "$base" ]; then
            base_kib=$( { /usr/bin/time -f %M "$base" check --format "$fmt" --limits "$limits" "$jobs" >/dev/null || true; } 2>&1 | tail -n 1)
        fi
        rss_rows+=("$files files, 5% bad, --format $fmt|-|$kib|$base_kib")
    done
fi

big=${BENCH_BIG:-100000}
big_rows=()
if [ "$big" -gt 0 ]; then
    bigdir=$work/big-$big
    if [ ! -f "$bigdir/.done" ]; then
        echo "== generating $big files in $bigdir"
        python3 benches/gen.py "$bigdir" --files "$big" --groups "$groups"
        touch "$bigdir/.done"
    fi
    echo "== load: $(uptime)"
    # find | xargs: a shell glob over 100,000 names is too long for one exec.
    hf big-cat "find $bigdir/jobs -name '*.yaml' -print0 | xargs -0 cat > /dev/null"
    for fmt in json concise github human sarif; do
        hf "big-$fmt" -N "$bin check --format $fmt --limits $bigdir/limits.json $bigdir/jobs"
        kib=$( { /usr/bin/time -f %M "$bin" check --format "$fmt" --limits "$bigdir/limits.json" "$bigdir/jobs" >/dev/null || true; } 2>&1 | tail -n 1)
        base_kib=""
        if [ -n "$base" ]; then
            hf "big-base-$fmt" -N "$base check --format $fmt --limits $bigdir/limits.json $bigdir/jobs"
            base_kib=$( { /usr/bin/time -f %M "$base" check --format "$fmt" --limits "$bigdir/limits.json" "$bigdir/jobs" >/dev/null || true; } 2>&1 | tail -n 1)
        fi
        big_rows+=("$fmt|$kib|$base_kib")
    done
    # The human format draws a snippet per diagnostic: the same number of
    # files where 97% have one (about 97,000 snippets) is its hard case.
    baddir=$work/big-$big-bad
    if [ ! -f "$baddir/.done" ]; then
        echo "== generating $big files, 97% with a diagnostic, in $baddir"
        python3 benches/gen.py "$baddir" --files "$big" --groups "$groups" --bad 0.97
        touch "$baddir/.done"
    fi
    hf big-bad-cat "find $baddir/jobs -name '*.yaml' -print0 | xargs -0 cat > /dev/null"
    hf big-bad-human -N "$bin check --format human --limits $baddir/limits.json $baddir/jobs"
    kib=$( { /usr/bin/time -f %M "$bin" check --format human --limits "$baddir/limits.json" "$baddir/jobs" >/dev/null || true; } 2>&1 | tail -n 1)
    snippets=$( ("$bin" check --format concise --limits "$baddir/limits.json" "$baddir/jobs" 2>/dev/null || true) | grep -c ': \(error\|warning\)\[' || true)
    base_kib=""
    if [ -n "$base" ]; then
        hf big-bad-base-human -N "$base check --format human --limits $baddir/limits.json $baddir/jobs"
        base_kib=$( { /usr/bin/time -f %M "$base" check --format human --limits "$baddir/limits.json" "$baddir/jobs" >/dev/null || true; } 2>&1 | tail -n 1)
    fi
    big_rows+=("bad-human|$kib|$base_kib|$snippets")
    echo "== load: $(uptime)"
fi

python3 - "$work" "$big" "${big_rows[@]}" <<'PY'
import json, statistics, sys
work, big = sys.argv[1:3]
rows = sys.argv[3:]
if rows:
    cat = statistics.median(json.load(open(f"{work}/hf-big-cat.json"))["results"][0]["times"])
    print()
    print(f"{big} files, --limits: each format against cat (find | xargs cat), and peak memory")
    print()
    print("| run | median | vs cat | max RSS | baseline binary | vs cat | max RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| cat | {cat*1000:.1f} ms | 1.00x | | | | |")
    med = lambda key: statistics.median(json.load(open(f"{work}/hf-{key}.json"))["results"][0]["times"])
    for row in rows:
        fmt, kib, base_kib, *rest = row.split("|")
        floor = cat
        label = f"--format {fmt}"
        if fmt == "bad-human":
            # Its own corpus, so its own cat.
            floor = med("big-bad-cat")
            label = f"--format human, 97% bad ({rest[0]} diagnostics; cat {floor*1000:.1f} ms)"
        m = med(f"big-{fmt}")
        line = f"| {label} | {m*1000:.1f} ms | {m/floor:.2f}x | {int(kib)/1024:.1f} MiB |"
        if base_kib:
            b = med("big-bad-base-human" if fmt == "bad-human" else f"big-base-{fmt}")
            line += f" {b*1000:.1f} ms | {b/floor:.2f}x | {int(base_kib)/1024:.1f} MiB |"
        else:
            line += " - | - | - |"
        print(line)
PY

python3 - "$work" "$files" "$groups" "$latency" "$asked" "${rss_rows[@]}" <<'PY'
import json, os, statistics, sys
work, files, groups, latency, asked = sys.argv[1:6]
rss = sys.argv[6:]
names = [
    ("cat", "cat of all files (the floor)"),
    ("cold", "jobcheck, API, cold cache"),
    ("warm", "jobcheck, API, warm cache"),
    ("offline", "jobcheck, --limits file"),
    ("offline-concise", "jobcheck, --limits file, concise"),
    ("offline-github", "jobcheck, --limits file, github"),
    ("offline-human", "jobcheck, --limits file, human"),
    ("single", "jobcheck, 1 file, warm cache"),
    ("schema", "check-jsonschema (schema only)"),
]
if os.path.exists(f"{work}/hf-base-cold.json") and os.environ.get("BENCH_BASELINE"):
    names[8:8] = [
        ("base-cold", "baseline binary, API, cold cache"),
        ("base-warm", "baseline binary, API, warm cache"),
        ("base-offline", "baseline binary, --limits file"),
        ("base-offline-concise", "baseline binary, --limits file, concise"),
        ("base-offline-github", "baseline binary, --limits file, github"),
        ("base-offline-human", "baseline binary, --limits file, human"),
    ]
med = {}
for key, _ in names:
    r = json.load(open(f"{work}/hf-{key}.json"))["results"][0]
    med[key] = (statistics.median(r["times"]), min(r["times"]), max(r["times"]), len(r["times"]))
print()
print(f"{files} files, {groups} groups, {latency} ms API latency; cold run: {asked} requests")
print()
print("| run | median | min | max | runs | vs cat | check-jsonschema / this |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, label in names:
    m, lo, hi, n = med[key]
    print(f"| {label} | {m*1000:.1f} ms | {lo*1000:.1f} ms | {hi*1000:.1f} ms | {n} "
          f"| {m/med['cat'][0]:.1f}x | {med['schema'][0]/m:.1f}x |")
if rss:
    print()
    print("| peak RSS (--limits; --format json unless named) | diagnostics | max RSS | baseline binary |")
    print("|---|---:|---:|---:|")
    for row in rss:
        label, diags, kib, base_kib = row.split("|")
        b = f"{int(base_kib)/1024:.1f} MiB" if base_kib else "-"
        print(f"| {label} | {diags} | {int(kib)/1024:.1f} MiB | {b} |")
PY
