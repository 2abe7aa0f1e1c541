#!/usr/bin/env bash
# Packs one release archive, the same way here (dist/build.sh) and in the
# release workflow:
#
#   bash dist/archive.sh VERSION TARGET BINARY OUTDIR
#
# OUTDIR/jobcheck-VERSION-TARGET.tar.gz (.zip for Windows) holds a folder of
# that name with the binary (jobcheck or jobcheck.exe) and README.md;
# OUTDIR/jobcheck-TARGET[.exe] is the bare binary. cargo binstall and the
# GitHub Action (action.yml) expect this layout.
set -euo pipefail
version=$1 target=$2 bin=$3 out=$4
root=$(cd "$(dirname "$0")/.." && pwd)
name=jobcheck-$version-$target
ext=
case $target in *windows*) ext=.exe ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$bin" "$stage/$name/jobcheck$ext"
chmod 755 "$stage/$name/jobcheck$ext"
cp "$root/README.md" "$stage/$name/"
cp "$bin" "$out/jobcheck-$target$ext"
chmod 755 "$out/jobcheck-$target$ext"
rm -f "$out/$name.tar.gz" "$out/$name.zip"
if [ -n "$ext" ]; then
  (cd "$stage" && python3 -m zipfile -c "$out/$name.zip" "$name/")
else
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
fi
echo "$out/$name${ext:+.zip}${ext:-.tar.gz}"
