#!/usr/bin/env bash
# Checks that jobcheck still compiles for the release targets this machine
# cannot run natively: `cargo check` (no code generation, no linking) with
# the standard library built from source by Debian's rustc-web. Run by
# .ci/run; dist/build.sh builds the real binaries.
#
#   bash dist/check-targets.sh [TARGET...]
#
# Default targets: x86_64-pc-windows-gnu (library, binary and tests) and
# aarch64-apple-darwin (library and binary). x86_64-apple-darwin differs from
# aarch64-apple-darwin in no line of jobcheck's code, and the musl build from
# the glibc one (which CI builds and tests) in none either, so CI leaves them
# to dist/build.sh; name them to check them too. From an empty target
# directory on a loaded 2-core machine, Windows took 904 s and musl 862 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${JOBCHECK_CROSS_TARGET_DIR:-$PWD/target/cross}
export CARGO_TERM_COLOR=never
# shellcheck source=dist/tools.sh
. dist/tools.sh
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(x86_64-pc-windows-gnu aarch64-apple-darwin)
fi
for target in "${targets[@]}"; do
  start=$SECONDS
  case $target in
    *windows*)
      # Tests too: the Windows build's test suite is run under Wine by hand
      # (dist/windows/test.sh), and must keep compiling.
      build_std cargo check --locked --quiet --target "$target" --all-targets
      ;;
    *)
      # zig is the C compiler for ring's code on these targets.
      build_std cargo-zigbuild check --locked --quiet --target "$target"
      ;;
  esac
  echo "cargo check --target $target: ok ($((SECONDS - start)) s)"
done
# The macOS link's framework stubs are written from the locked binding
# crates; a lock change that breaks them shows here, not at release time.
python3 dist/macos_stubs.py "$CARGO_TARGET_DIR/macos-stubs"
