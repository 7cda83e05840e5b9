#!/usr/bin/env bash
# quiet-build.sh LOG COMMAND…: runs a build with its output in LOG, shown as one line ("building … done in 12 s");
# on failure, the end of the log and where the rest is. What `make demo` shows of the build.
set -uo pipefail
log=$1
shift
mkdir -p "$(dirname "$log")"
start=$(date +%s)
printf 'building bkcc (log: %s; the first build takes minutes) … ' "$log"
if "$@" >"$log" 2>&1; then
  echo "done in $(( $(date +%s) - start )) s"
  exit 0
else
  status=$?
  echo "failed (exit $status). The end of $log:"
  tail -n 40 "$log" | sed 's/^/  | /'
  echo "the whole log: $log"
  exit "$status"
fi
