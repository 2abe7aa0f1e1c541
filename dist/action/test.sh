#!/usr/bin/env bash
# Tests the GitHub Action's shell steps (dist/action/install.sh, run.sh)
# against a local directory standing in for the release page:
#
#   bash dist/action/test.sh [BINARY]
#
# BINARY (default: target/debug/jobcheck, built when missing) is packed the
# way the release workflow packs an archive, with a SHA256SUMS beside it.
# Checked: the install verifies and unpacks it and puts it on GITHUB_PATH;
# a wrong sum, a missing entry, a missing release and an unknown runner are
# refused; the check step's output and exit code are jobcheck's own, and the
# SARIF file is written; the action's default version is the crate's.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-}
if [ -z "$bin" ]; then
  bin=target/debug/jobcheck
  [ -x "$bin" ] || cargo build --locked --quiet
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

# The action's default version is the crate's version.
default=$(awk '/^  version:/ { v = 1 } v && /default:/ { print $2; exit }' action.yml)
if [ "$default" = "$version" ]; then ok "action.yml default version $default"; else bad "action.yml default version $default, Cargo.toml $version"; fi

# A release page: releases/v$version/{archive,SHA256SUMS}.
target=x86_64-unknown-linux-musl
name=jobcheck-$version-$target
rel=$tmp/releases/v$version
mkdir -p "$rel" "$tmp/stage/$name"
cp "$bin" "$tmp/stage/$name/jobcheck"
tar -C "$tmp/stage" -czf "$rel/$name.tar.gz" "$name"
(cd "$rel" && sha256sum "$name.tar.gz" > SHA256SUMS)

install() { # install RUNNER_OS RUNNER_ARCH [RELEASES]: runs install.sh in a fresh runner
  local runner=$tmp/runner
  rm -rf "$runner" && mkdir -p "$runner/temp"
  : > "$runner/path"
  : > "$runner/output"
  env -u JOBCHECK_RELEASES RUNNER_OS="$1" RUNNER_ARCH="$2" RUNNER_TEMP="$runner/temp" \
    GITHUB_PATH="$runner/path" GITHUB_OUTPUT="$runner/output" \
    JOBCHECK_VERSION="v$version" JOBCHECK_RELEASES="${3:-$tmp/releases}" \
    bash dist/action/install.sh > "$runner/log" 2>&1
}

if install Linux X64 && grep -q '(verified)' "$tmp/runner/log" \
  && [ -x "$(cat "$tmp/runner/path")/jobcheck" ]; then
  ok "install: checksum verified, binary on GITHUB_PATH"
else
  bad "install: $(cat "$tmp/runner/log")"
fi
# Later installs start from a fresh runner: keep this one's binary.
mv "$tmp/runner" "$tmp/first"
installed=$(sed "s|$tmp/runner|$tmp/first|" "$tmp/first/path")

if install Linux X64 "file://$tmp/releases"; then ok "install from a file:// URL (curl)"; else bad "install from file://: $(cat "$tmp/runner/log")"; fi

if ! install Linux ARM64 && grep -q 'cannot download release' "$tmp/runner/log"; then
  ok "install: a release without this runner's archive is refused"
else
  bad "install ARM64: $(cat "$tmp/runner/log")"
fi
if ! install FreeBSD X64 && grep -q 'no release archive' "$tmp/runner/log"; then
  ok "install: an unknown runner is refused"
else
  bad "install FreeBSD: $(cat "$tmp/runner/log")"
fi

cp "$rel/SHA256SUMS" "$tmp/sums"
sed -i 's/^./0/' "$rel/SHA256SUMS"
if [ "$(cut -c1 "$tmp/sums")" = 0 ]; then sed -i 's/^./1/' "$rel/SHA256SUMS"; fi
if ! install Linux X64 && grep -q 'checksum mismatch' "$tmp/runner/log"; then
  ok "install: a wrong checksum is refused"
else
  bad "install with a wrong sum: $(cat "$tmp/runner/log")"
fi
echo "0000  other-file.tar.gz" > "$rel/SHA256SUMS"
if ! install Linux X64 && grep -q 'not listed' "$tmp/runner/log"; then
  ok "install: an archive missing from SHA256SUMS is refused"
else
  bad "install with no sum: $(cat "$tmp/runner/log")"
fi
cp "$tmp/sums" "$rel/SHA256SUMS"

# The check step: same output and exit code as jobcheck itself.
export PATH="$installed:$PATH"
direct=0
"$bin" check --limits examples/limits.yaml --format concise examples/jobs > "$tmp/direct" 2>&1 || direct=$?
step=0
JOBCHECK_PATHS="examples/jobs" JOBCHECK_ARGS="--limits
  examples/limits.yaml" JOBCHECK_OUTPUT_FORMAT=concise \
  bash dist/action/run.sh > "$tmp/step" 2>&1 || step=$?
if [ "$step" = "$direct" ] && cmp -s "$tmp/direct" "$tmp/step" && [ "$direct" = 1 ]; then
  ok "check step: jobcheck's output and exit code ($step)"
else
  bad "check step: exit $step (jobcheck $direct); diff: $(diff "$tmp/direct" "$tmp/step" | head -5)"
fi
step=0
JOBCHECK_PATHS="examples/jobs" JOBCHECK_ARGS="--limits examples/limits.yaml" JOBCHECK_SARIF="$tmp/out.sarif" \
  bash dist/action/run.sh > "$tmp/step" 2>&1 || step=$?
if [ "$step" = 1 ] && grep -q '"version": *"2.1.0"' "$tmp/out.sarif" && grep -q '^::error' "$tmp/step"; then
  ok "check step with sarif: SARIF written, github annotations logged, exit 1"
else
  bad "check step with sarif: exit $step; $(head -c 300 "$tmp/out.sarif" 2>/dev/null)"
fi
step=0
JOBCHECK_PATHS="examples/jobs" JOBCHECK_ARGS="--no-such-option" bash dist/action/run.sh > "$tmp/step" 2>&1 || step=$?
if [ "$step" = 2 ]; then ok "check step: a usage error exits 2"; else bad "check step usage error: exit $step"; fi

# Arguments are split, never evaluated by a shell.
step=0
JOBCHECK_PATHS="examples/jobs" JOBCHECK_ARGS="--limits examples/limits.yaml \$(touch $tmp/ran)" \
  bash dist/action/run.sh > "$tmp/step" 2>&1 || step=$?
if [ ! -e "$tmp/ran" ] && [ "$step" = 2 ]; then ok "check step: args are not evaluated"; else bad "check step evaluated args (exit $step)"; fi

echo "action.yml shell steps: $passed checks passed, $failed failed"
[ "$failed" = 0 ]
