#!/usr/bin/env bash
# Builds the libFuzzer targets into build/fuzz/: the core (Sources/BKCC) and the CLI's input readers
# (Sources/BKCCCLI/Input) compiled with swiftc -sanitize=fuzzer,address, so libFuzzer's coverage feedback
# reaches the Swift code and ASan checks it. Rebuilds only what changed (make-like, by timestamps).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFTC=${SWIFTC:-$(command -v swiftc)}
OUT=build/fuzz
mkdir -p "$OUT"
ROOT=$(pwd)
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -I "$ROOT/Sources/CJansson" -I "$ROOT/Sources/CCurl"
       -I "$ROOT/Sources/CZip" -I "$ROOT/Sources/CExpat" -I "$ROOT/Sources/CXXHash" -I "$ROOT/Sources/CByteScan")

newer() {  # newer OUTPUT INPUT...: true when OUTPUT is missing or older than an input
  local out=$1; shift
  [ -e "$out" ] || return 0
  for f in "$@"; do [ "$f" -nt "$out" ] && return 0; done
  return 1
}

core=(Sources/BKCC/*/*.swift)
if newer "$OUT/libBKCC.a" "${core[@]}" Fuzz/build.sh; then
  echo "fuzz: building the core (BKCC) with -sanitize=fuzzer,address"
  (cd "$OUT" && "$SWIFTC" "${FLAGS[@]}" -module-name BKCC -emit-module -emit-library -static \
     "${core[@]/#/$ROOT/}" -o libBKCC.a)
fi

for target in fuzz_response fuzz_validation fuzz_config fuzz_json; do
  if newer "$OUT/$target" "$OUT/libBKCC.a" "Fuzz/targets/$target.swift"; then
    echo "fuzz: linking $target"
    "$SWIFTC" "${FLAGS[@]}" -I "$OUT" -module-name "${target}_main" "Fuzz/targets/$target.swift" \
      "$OUT/libBKCC.a" -use-ld=lld -ljansson -lcurl -o "$OUT/$target"
  fi
done

readers=(Sources/BKCCCLI/Input/*.swift)
if newer "$OUT/fuzz_readers" "$OUT/libBKCC.a" "${readers[@]}" Fuzz/targets/fuzz_readers.swift; then
  echo "fuzz: linking fuzz_readers (the CLI's input readers)"
  "$SWIFTC" "${FLAGS[@]}" -I "$OUT" -module-name BKCCCLI "${readers[@]}" Fuzz/targets/fuzz_readers.swift \
    "$OUT/libBKCC.a" -use-ld=lld -ljansson -lcurl -lzip -lexpat -o "$OUT/fuzz_readers"
fi
