#!/usr/bin/env bash
# Runs a Windows program under Wine (Debian 12's Wine 8, package wine64) in a
# Wine prefix of its own under target/wine, with the bcryptprimitives.dll
# stand-in that Rust programs need there (see bcryptprimitives.c).
#
#   bash dist/windows/wine.sh target/dist/jobcheck.exe check --limits examples/limits.yaml examples/jobs
#
# Needs: apt-get install wine64 gcc-mingw-w64-x86-64
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
wine=${WINE:-}
if [ -z "$wine" ]; then
  for w in wine64 /usr/lib/wine/wine64 wine; do
    if command -v "$w" >/dev/null 2>&1; then wine=$w; break; fi
  done
fi
if [ -z "$wine" ]; then
  echo "wine.sh: no Wine found (apt-get install wine64)" >&2
  exit 127
fi
export WINEPREFIX=${WINEPREFIX:-$root/target/wine}
export WINEDEBUG=${WINEDEBUG:--all}
# Native bcryptprimitives; no prompts to install Mono or Gecko.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-bcryptprimitives=n;mscoree=;mshtml=}
dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$dll" ]; then
  mkdir -p "$WINEPREFIX"
  "$wine" wineboot --init >/dev/null 2>&1 || true
  "${MINGW_CC:-x86_64-w64-mingw32-gcc}" -O2 -shared -s -o "$WINEPREFIX/bcryptprimitives.dll" \
    "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
  mkdir -p "$(dirname "$dll")"
  cp "$WINEPREFIX/bcryptprimitives.dll" "$dll"
fi
exec "$wine" "$@"
