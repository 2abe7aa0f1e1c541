#!/usr/bin/env bash
# Builds every release artifact a Linux x86_64 machine can build, into
# target/dist/, with SHA256SUMS beside them:
#
#   jobcheck-VERSION-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
#   jobcheck-VERSION-py3-none-musllinux_1_2_x86_64.whl
#   jobcheck-VERSION-TARGET.tar.gz   for x86_64-unknown-linux-musl (static),
#                                    x86_64-apple-darwin, aarch64-apple-darwin
#   jobcheck-VERSION-x86_64-pc-windows-gnu.zip
#   and each target's bare binary as jobcheck-TARGET[.exe]
#
#   bash dist/build.sh                   # everything
#   bash dist/build.sh wheels windows    # some of it: wheels musl windows macos
#
# Not run in CI (it takes long: each cross target builds the standard
# library from source). The tools it needs are installed when missing
# (dist/tools.sh; apt-get as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/dist
# The cross builds use a target directory of their own so they never
# invalidate the everyday debug build.
export CARGO_TARGET_DIR=$root/target/cross
export CARGO_TERM_COLOR=never
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then steps=(wheels musl windows macos); fi
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

# --- tools ---------------------------------------------------------------
dist_tools=$root/target/dist-tools
# shellcheck source=dist/tools.sh
. dist/tools.sh
"$deb_rustc" --version

mkdir -p "$out"

archive() { bash dist/archive.sh "$version" "$1" "$2" "$out"; }

# --- wheels --------------------------------------------------------------
if want wheels; then
  say "manylinux2014 x86_64 wheel (glibc 2.17, linked by zig)"
  rm -f "$out"/jobcheck-*manylinux*.whl
  (cd dist/python && maturin build --release --locked --zig \
    --target x86_64-unknown-linux-gnu --compatibility manylinux2014 --out "$out")
fi

if want wheels || want musl; then
  # Static: the musl target links statically by default. A build-std
  # sysroot has no rcrt1.o, so Rust's own crt objects are turned off and
  # zig's are used.
  say "musllinux x86_64 wheel and the static musl binary"
  rm -f "$out"/jobcheck-*musllinux*.whl
  (cd dist/python && build_std env RUSTFLAGS="-C link-self-contained=no" \
    maturin build --release --locked --zig \
    --target x86_64-unknown-linux-musl --compatibility musllinux_1_2 --out "$out")
  # The wheel's binary is the static musl binary of the release archive.
  whl=$(ls "$out"/jobcheck-*musllinux*x86_64.whl)
  rm -rf "$CARGO_TARGET_DIR/unwheel" && mkdir -p "$CARGO_TARGET_DIR/unwheel"
  python3 -m zipfile -e "$whl" "$CARGO_TARGET_DIR/unwheel"
  archive x86_64-unknown-linux-musl "$CARGO_TARGET_DIR/unwheel/jobcheck-$version.data/scripts/jobcheck"
fi

# --- Windows -------------------------------------------------------------
if want windows; then
  say "x86_64-pc-windows-gnu (linked by mingw-w64)"
  build_std env CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    cargo build --release --locked --target x86_64-pc-windows-gnu
  archive x86_64-pc-windows-gnu "$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/release/jobcheck.exe"
fi

# --- macOS ---------------------------------------------------------------
if want macos; then
  # zig carries libSystem's text stub but not the frameworks'; the TLS
  # stack needs Security and CoreFoundation. Their stubs are written from
  # the locked binding crates' own declarations (dist/macos_stubs.py) and
  # given to the final link only.
  stubs=$CARGO_TARGET_DIR/macos-stubs
  python3 dist/macos_stubs.py "$stubs"
  # zig would otherwise ask for the newest macOS it knows. 11.0 (Big Sur)
  # is the first with Apple silicon.
  export MACOSX_DEPLOYMENT_TARGET=11.0
  for target in x86_64-apple-darwin aarch64-apple-darwin; do
    say "$target (linked by zig)"
    build_std cargo-zigbuild rustc --release --locked --target "$target" --bin jobcheck \
      -- -L "framework=$stubs"
    # No Mac here to run it: check its minimum macOS, that it loads only
    # system libraries, and (arm64) that its code signature holds.
    python3 dist/macho_check.py "$CARGO_TARGET_DIR/$target/release/jobcheck" "$MACOSX_DEPLOYMENT_TARGET"
    archive "$target" "$CARGO_TARGET_DIR/$target/release/jobcheck"
  done
fi

# --- sums ----------------------------------------------------------------
say "SHA256SUMS"
(cd "$out" && rm -f SHA256SUMS && sha256sum -- jobcheck-* > SHA256SUMS && cat SHA256SUMS)
