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
# Not run in CI (it takes long: each target builds the standard library from
# source). What it needs, installed here when missing (apt-get as root):
#   - Debian 12's rustc-web (1.96) and rust-web-src: a rustc with the standard
#     library's source, for -Zbuild-std on the targets rustup cannot fetch
#     offline (musl, Windows, macOS). RUSTC_BOOTSTRAP=1 unlocks -Zbuild-std.
#   - gcc-mingw-w64-x86-64 (links the Windows binary), file, binutils.
#   - maturin, ziglang and cargo-zigbuild from PyPI, pinned below, in a
#     virtual environment under target/dist-tools (zig links for glibc 2.17,
#     musl and macOS).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/dist
tools=$root/target/dist-tools
# The cross builds use a target directory of their own so they never
# invalidate the everyday debug build.
export CARGO_TARGET_DIR=$root/target/cross
export CARGO_TERM_COLOR=never
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

MATURIN_VERSION=1.16.0
ZIGLANG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1

steps=("$@")
if [ ${#steps[@]} -eq 0 ]; then steps=(wheels musl windows macos); fi
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

# --- tools ---------------------------------------------------------------
need_apt=()
[ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] || need_apt+=(rustc-web rust-web-src)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(gcc-mingw-w64-x86-64)
command -v file >/dev/null 2>&1 || need_apt+=(file)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: please install: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  say "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
# Debian's rustc, not rustup's proxy: it is the one whose sysroot has the
# standard library's source.
deb_rustc=/usr/bin/rustc
"$deb_rustc" --version

if [ ! -x "$tools/bin/cargo-zigbuild" ] || ! "$tools/bin/maturin" --version | grep -q "$MATURIN_VERSION"; then
  say "tools: maturin $MATURIN_VERSION, ziglang $ZIGLANG_VERSION, cargo-zigbuild $ZIGBUILD_VERSION"
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q "maturin==$MATURIN_VERSION" "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION"
fi
export PATH="$tools/bin:$PATH"

mkdir -p "$out"

# The environment of a build that compiles the standard library from source.
build_std() {
  env RUSTC="$deb_rustc" RUSTC_BOOTSTRAP=1 \
    CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    "$@"
}

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
  for target in x86_64-apple-darwin aarch64-apple-darwin; do
    say "$target (linked by zig)"
    build_std cargo-zigbuild build --release --locked --target "$target"
    archive "$target" "$CARGO_TARGET_DIR/$target/release/jobcheck"
  done
fi

# --- sums ----------------------------------------------------------------
say "SHA256SUMS"
(cd "$out" && rm -f SHA256SUMS && sha256sum -- jobcheck-* > SHA256SUMS && cat SHA256SUMS)
