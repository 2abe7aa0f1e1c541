# shellcheck shell=bash
# Sourced by dist/build.sh and dist/check-targets.sh: makes sure the cross
# toolchain is here, and sets deb_rustc, PATH and build_std.
#   - Debian 12's rustc-web (1.96) and rust-web-src: a rustc with the standard
#     library's source, for -Zbuild-std on the targets rustup cannot fetch
#     offline (musl, Windows, macOS); RUSTC_BOOTSTRAP=1 unlocks -Zbuild-std.
#   - gcc-mingw-w64-x86-64 (links and compiles C for Windows), file, binutils.
#   - maturin, ziglang and cargo-zigbuild from PyPI, pinned below, in a
#     virtual environment under target/dist-tools (zig links for glibc 2.17,
#     musl and macOS).
MATURIN_VERSION=1.16.0
ZIGLANG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1

need_apt=()
{ [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ]; } || need_apt+=(rustc-web rust-web-src)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(gcc-mingw-w64-x86-64)
command -v file >/dev/null 2>&1 || need_apt+=(file)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "please install: apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  echo "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian's rustc, not rustup's proxy: it is the one whose sysroot has the
# standard library's source.
deb_rustc=/usr/bin/rustc

dist_tools=${dist_tools:-$PWD/target/dist-tools}
if [ ! -x "$dist_tools/bin/cargo-zigbuild" ] || ! "$dist_tools/bin/maturin" --version 2>/dev/null | grep -q "$MATURIN_VERSION"; then
  echo "tools: maturin $MATURIN_VERSION, ziglang $ZIGLANG_VERSION, cargo-zigbuild $ZIGBUILD_VERSION"
  python3 -m venv "$dist_tools"
  "$dist_tools/bin/pip" install -q --disable-pip-version-check \
    "maturin==$MATURIN_VERSION" "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION"
fi
# rustc strips a macOS binary's debug information with `rust-objcopy`,
# which rustup ships and Debian's rustc-web does not.
if [ ! -e "$dist_tools/bin/rust-objcopy" ]; then
  objcopy_from="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-objcopy"
  [ -x "$objcopy_from" ] || objcopy_from=$(command -v llvm-objcopy || true)
  if [ -n "$objcopy_from" ]; then ln -sf "$objcopy_from" "$dist_tools/bin/rust-objcopy"; fi
fi
export PATH="$dist_tools/bin:$PATH"

# Runs a command that compiles the standard library from source with
# Debian's rustc.
build_std() {
  env RUSTC="$deb_rustc" RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort "$@"
}
