#!/usr/bin/env bash
# Builds jobcheck's test suite for x86_64-pc-windows-gnu and runs every test
# binary under Wine (dist/windows/wine.sh), then prints one closing line with
# the counts over all binaries.
#
#   bash dist/windows/test.sh [TEST-BINARY-FILTER...]
#
# Needs what dist/build.sh needs, and Debian's wine64. Not run in CI (the
# Windows build's tests take long under Wine); dist/check-targets.sh, which
# CI runs, keeps them compiling.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=$root/target/cross
export CARGO_TERM_COLOR=never
set -e
# shellcheck source=dist/tools.sh
. dist/tools.sh
set +e
target=x86_64-pc-windows-gnu
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
list=$CARGO_TARGET_DIR/windows-tests.txt
build_std cargo test --locked --no-run --target "$target" --message-format=json 2>"$CARGO_TARGET_DIR/windows-tests.log" \
  | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        kind = m["target"]["kind"][0]
        name = m["target"]["name"] if kind == "test" else m["target"]["name"] + "-" + kind
        print(name, m["executable"])
' > "$list"
if [ "${PIPESTATUS[0]}" != 0 ]; then
  tail -30 "$CARGO_TARGET_DIR/windows-tests.log" >&2
  exit 1
fi
logs=$CARGO_TARGET_DIR/windows-test-logs
rm -rf "$logs" && mkdir -p "$logs"
status=0
while read -r name exe; do
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  echo "== $name"
  # Tests run with the Windows build of jobcheck (CARGO_BIN_EXE_jobcheck).
  timeout 1800 bash dist/windows/wine.sh "$exe" --test-threads=2 > "$logs/$name.log" 2>&1 || status=1
  grep -E '^test result:|^    [a-z_:0-9]+$|panicked at' "$logs/$name.log" | head -40
done < "$list"
awk '/^test result:/ {
  for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i }
} END { printf "windows tests: %d passed, %d failed, %d ignored\n", p, f, g }' "$logs"/*.log
echo "logs: $logs"
exit "$status"
