#!/usr/bin/env bash
# The GitHub Action's install step (action.yml): downloads the release
# archive of jobcheck VERSION for this runner, checks it against the
# release's SHA256SUMS, unpacks it and puts it on PATH. Nothing is built.
#
# Environment:
#   JOBCHECK_VERSION   the release to install, e.g. 0.1.0 (required)
#   JOBCHECK_RELEASES  where releases are: a URL such that
#                      $JOBCHECK_RELEASES/v$VERSION/<file> is a release file
#                      (https://github.com/OWNER/jobcheck/releases/download),
#                      or a local directory laid out the same way (tests);
#                      by default the action's own repository's releases
#   JOBCHECK_ACTION_REPOSITORY  the action's repository (owner/name)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_ACTION_PATH,
#   GITHUB_SERVER_URL   set by GitHub Actions
set -euo pipefail
version=${JOBCHECK_VERSION#v}
releases=${JOBCHECK_RELEASES:-}
if [ -z "$releases" ]; then
  repo=${JOBCHECK_ACTION_REPOSITORY:-}
  if [ -z "$repo" ] && [ -n "${GITHUB_ACTION_PATH:-}" ]; then
    # .../_actions/OWNER/NAME/REF: some runners leave the repository empty
    # in composite actions.
    # shellcheck disable=SC1003 # a backslash, not a quote
    repo=$(printf '%s\n' "$GITHUB_ACTION_PATH" | tr '\\' / | sed -n 's|.*/_actions/\([^/]*/[^/]*\)/.*|\1|p')
  fi
  if [ -z "$repo" ]; then
    echo "::error::jobcheck: cannot tell where the releases are; set the releases input" >&2
    exit 1
  fi
  releases=${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download
fi
if [ -z "$version" ]; then
  echo "::error::jobcheck: the version input is empty" >&2
  exit 1
fi
case "${RUNNER_OS:-Linux}/${RUNNER_ARCH:-X64}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-gnu ;;
  *)
    echo "::error::jobcheck: no release archive for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}; install the wheel instead (pip install jobcheck==$version)" >&2
    exit 1
    ;;
esac
name=jobcheck-$version-$target
case $target in
  *windows*) archive=$name.zip ;;
  *) archive=$name.tar.gz ;;
esac
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/jobcheck.XXXXXX")

fetch() {
  local from="$releases/v$version/$1"
  case $from in
    http://* | https://* | file://*)
      curl --fail --silent --show-error --location --retry 3 --output "$work/$1" "$from"
      ;;
    *) cp "$from" "$work/$1" ;;
  esac
}
if ! fetch SHA256SUMS || ! fetch "$archive"; then
  echo "::error::jobcheck: cannot download release $version ($archive) from $releases" >&2
  exit 1
fi

# The archive's line in SHA256SUMS, and its actual sum.
expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$work/SHA256SUMS")
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$work/$archive" | awk '{ print $1 }')
else
  actual=$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')
fi
if [ -z "$expected" ]; then
  echo "::error::jobcheck: $archive is not listed in the release's SHA256SUMS" >&2
  exit 1
fi
if [ "$expected" != "$actual" ]; then
  echo "::error::jobcheck: checksum mismatch for $archive (expected $expected, got $actual)" >&2
  exit 1
fi
echo "jobcheck: $archive sha256 $actual (verified)"

case $archive in
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      (cd "$work" && unzip -q "$archive")
    else
      (cd "$work" && python3 -m zipfile -e "$archive" .)
    fi
    ;;
  *) tar -xzf "$work/$archive" -C "$work" ;;
esac
bin=$work/$name
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin" >> "$GITHUB_PATH"
fi
echo "jobcheck: installed $("$bin/jobcheck" --version) in $bin"
# For the caller (and the tests): where the binary is.
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "dir=$bin" >> "$GITHUB_OUTPUT"
fi
