#!/usr/bin/env bash
# make demo: import examples/switches.csv into a local CMDB emulator with bkcc, lose a request on the way,
# then resume from the report and show that nothing is created twice. Stops the emulator however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

BKCC=${BKCC:-dist/bin/bkcc}
CSV=examples/switches.csv
work=$(mktemp -d "${TMPDIR:-/tmp}/bkcc-demo.XXXXXX")
emulator=""
cleanup() {
  if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1;34m# %s\033[0m\n' "$*"; }
run() { printf '\033[1m$ %s\033[0m\n' "$*"; "$@"; }
emu() {  # emu METHOD PATH [JSON]: talk to the emulator's control endpoints
  python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1] + sys.argv[3], data=(sys.argv[4].encode() if len(sys.argv) > 4 else None), method=sys.argv[2])
print(u.urlopen(r, timeout=10).read().decode())' "$URL" "$@"
}

say "Start the CMDB emulator (Tests/Emulator/emulator.py) on a free loopback port"
python3 Tests/Emulator/emulator.py --port 0 > "$work/url" 2> "$work/emulator.log" &
emulator=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
URL=$(head -1 "$work/url")
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
echo "emulator at $URL"

# Settings come from the environment (or flags, or ~/.config/bkcc/config.json).
export BK_COMPONENT_API_URL="$URL" BK_APP_CODE=bkcc-demo BK_APP_SECRET=bkcc-demo-secret BK_USERNAME=admin
unset BK_TOKEN BKCC_API 2>/dev/null || true
run "$BKCC" config show | grep -E '^(url|app_code|app_secret|username) '

say "1. Check the spreadsheet offline: $(($(wc -l < "$CSV") - 1)) switches, a few broken on purpose"
run head -3 "$CSV"
run "$BKCC" validate --obj bk_switch "$CSV" || echo "(exit $?: invalid rows; without --skip-invalid nothing would be sent)"

say "2. Import the valid rows. The emulator is slow (to show the progress bar) and drops the connection after storing one request's 200 switches: bkcc cannot know they exist, so they are 'unknown'"
emu POST /_emulator/faults '["per_item:3", {"name": "reset", "count": 1, "only": "batch_create_inst"}]' > /dev/null
set +e
run "$BKCC" batch-create-inst --obj bk_switch --skip-invalid --concurrency 2 --report "$work/report.jsonl" "$CSV"
echo "(exit $?)"
set -e
emu DELETE /_emulator/faults > /dev/null

say "The report: one JSON line per row"
run head -2 "$work/report.jsonl"
grep -o '"outcome":"[a-z]*"' "$work/report.jsonl" | sort | uniq -c

say "3. Resume from the report: unknown rows are looked up by bk_asset_id first, found ones are not sent again"
set +e
run "$BKCC" batch-create-inst --obj bk_switch --skip-invalid --resume "$work/report.jsonl" --report "$work/report.jsonl" "$CSV"
echo "(exit $?: the 4 invalid rows stay not created until they are fixed)"
set -e
grep -o '"outcome":"[a-z]*"' "$work/report.jsonl" | sort | uniq -c

say "What the CMDB holds: every valid switch exactly once"
emu GET '/_emulator/stats' | python3 -c 'import json, sys
s = json.load(sys.stdin)
print("instances stored: %d, create requests: %d, rows received: %d, rows created: %d" % (
    s["instances"], s["requests"]["batch_create_inst"], s["items_received"], s["items_created"]))'
emu GET '/_emulator/instances?bk_obj_id=bk_switch' | python3 -c 'import collections, json, sys
rows = json.load(sys.stdin)
dupes = [k for k, n in collections.Counter(r["bk_asset_id"] for r in rows).items() if n > 1]
print("bk_switch instances: %d, asset ids stored twice: %d" % (len(rows), len(dupes)))
print("e.g. %s" % json.dumps({k: rows[0][k] for k in ("bk_inst_id", "bk_inst_name", "bk_asset_id", "bk_port_count")}, ensure_ascii=False))'

say "Done: the emulator stops now"
