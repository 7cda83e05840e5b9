#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) seconds, starting from the committed corpus
# (Fuzz/corpus/<target>) and, first, replaying the crash regressions (Fuzz/regressions/<target>). New inputs go to
# build/fuzz/work/<target> (not committed); a crash leaves its input in build/fuzz/artifacts/ and fails the run.
# Usage: Fuzz/run.sh [target...]   (targets: response validation config readers json)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(response validation config readers json)
Fuzz/build.sh
mkdir -p build/fuzz/artifacts
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
status=0
for t in "${TARGETS[@]}"; do
  bin=build/fuzz/fuzz_$t
  work=build/fuzz/work/$t
  mkdir -p "$work"
  if [ -d "Fuzz/regressions/$t" ] && compgen -G "Fuzz/regressions/$t/*" >/dev/null; then
    "$bin" -runs=0 Fuzz/regressions/$t/* >/dev/null 2>build/fuzz/$t.replay.log || {
      echo "fuzz $t: a regression input fails again (build/fuzz/$t.replay.log)"; status=1; continue; }
  fi
  start=$(date +%s)
  if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -artifact_prefix=build/fuzz/artifacts/$t- -print_final_stats=1 "$work" "Fuzz/corpus/$t" \
       >build/fuzz/$t.log 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$t.log)
    cov=$(grep -o 'cov: [0-9]*' build/fuzz/$t.log | tail -1)
    echo "fuzz $t: ok, $runs runs in $(( $(date +%s) - start )) s, $cov"
  else
    echo "fuzz $t: FAILED — see build/fuzz/$t.log and build/fuzz/artifacts/"
    grep -E "ERROR|Fatal|SUMMARY|precondition" build/fuzz/$t.log | head -5 || true
    status=1
  fi
done
exit $status
