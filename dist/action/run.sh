#!/usr/bin/env bash
# The GitHub Action's check step (action.yml): runs `jobcheck check` on the
# given paths, writes a SARIF file too when asked, and exits with
# jobcheck's own exit code (0 all accepted, 1 a job rejected, 2 a usage or
# platform error).
#
# Environment (the action's inputs):
#   JOBCHECK_PATHS   paths to check, separated by spaces or newlines
#                    (a path with a space in it: use `args` and quote it)
#   JOBCHECK_ARGS    more arguments, split at whitespace (no quoting)
#                    (e.g. --limits ci/limits.yaml --deny-warnings)
#   JOBCHECK_OUTPUT_FORMAT   the log's format (default: github)
#   JOBCHECK_SARIF   if set, also write a SARIF report to this file
set -uo pipefail
read -r -d '' -a paths <<< "${JOBCHECK_PATHS:-.}" || true
# Split at whitespace only, never evaluated: an input that carries text from
# a pull request cannot run commands here.
read -r -d '' -a extra <<< "${JOBCHECK_ARGS:-}" || true
format=${JOBCHECK_OUTPUT_FORMAT:-github}
status=0
if [ -n "${JOBCHECK_SARIF:-}" ]; then
  jobcheck check "${extra[@]}" --format sarif --output-file "$JOBCHECK_SARIF" -- "${paths[@]}" || status=$?
  # 2 is an error of the run itself: the log below shows it too.
fi
log_status=0
jobcheck check "${extra[@]}" --format "$format" -- "${paths[@]}" || log_status=$?
if [ -z "${JOBCHECK_SARIF:-}" ]; then status=$log_status; fi
exit "$status"
