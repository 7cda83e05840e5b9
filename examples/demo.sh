#!/usr/bin/env bash
# make demo: import examples/switches.csv into a local CMDB emulator with bkcc, lose an answer on the way, resume
# from the report without creating anything twice, fix the broken rows and resume again. Stops the emulator
# however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

BKCC=${BKCC:-dist/bin/bkcc}
[ -x "$BKCC" ] || { echo "no $BKCC: run make first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/bkcc-demo.XXXXXX")
emulator=""
cleanup() {
  if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$work/bin"
ln -s "$(cd "$(dirname "$BKCC")" && pwd)/$(basename "$BKCC")" "$work/bin/bkcc"
export PATH="$work/bin:$PATH"
cp examples/switches.csv "$work/switches.csv"

if [ -t 1 ]; then blue=$'\033[1;34m' bold=$'\033[1m' plain=$'\033[0m'; else blue="" bold="" plain=""; fi
say() { echo; for line in "$@"; do printf "${blue}# %s${plain}\n" "$line"; done; }
run() { printf "${bold}\$ %s${plain}\n" "$*"; "$@"; }
emu() {  # emu METHOD PATH [JSON]: the emulator's control endpoints
  python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1] + sys.argv[3], data=(sys.argv[4].encode() if len(sys.argv) > 4 else None), method=sys.argv[2])
print(u.urlopen(r, timeout=10).read().decode())' "$URL" "$@"
}
outcomes() { grep -o '"outcome":"[a-z]*"' report.jsonl | sort | uniq -c; }

say "Start the CMDB emulator (Tests/Emulator/emulator.py) on a free loopback port"
python3 "$root/Tests/Emulator/emulator.py" --port 0 > "$work/url" 2> "$work/emulator.log" &
emulator=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
URL=$(head -1 "$work/url")
[ -n "$URL" ] || { echo "the emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
echo "emulator at $URL"
cd "$work"

say "Settings come from flags, the environment or ~/.config/bkcc/config.json (secrets never shown)"
export BK_COMPONENT_API_URL="$URL" BK_APP_CODE=bkcc-demo BK_APP_SECRET=bkcc-demo-secret BK_USERNAME=admin
unset BK_TOKEN BKCC_API BKPAAS_APP_ID BKPAAS_APP_SECRET APP_CODE 2>/dev/null || true
printf "${bold}\$ %s${plain}\n" "bkcc config show"
bkcc config show | grep -E '^(url|app_code|app_secret|username) '

say "The model, read from the CMDB: what every row is checked against"
run bkcc model --obj bk_switch

say "A sheet from an older tool: a column the model does not have, and a status that is not one of its options." \
    "The CMDB would drop the column silently and refuse the row; bkcc says so before anything is sent"
printf 'bk_inst_name,bk_asset_id,bk_port_count,bk_biz_status\n核心交换机-01,ZC-SW-OLD-1,48,在线\n' > legacy.csv
run cat legacy.csv
run bkcc validate --obj bk_switch legacy.csv || echo "(exit $?: nothing would be sent)"

say "1. Check the spreadsheet against the model: $(($(wc -l < switches.csv) - 1)) switches, four of them broken on purpose"
run head -3 switches.csv
run bkcc validate --obj bk_switch switches.csv || echo "(exit $?: without --skip-invalid nothing would be sent)"

say "2. Import the valid rows (--skip-invalid). The emulator is made slow, to show the progress bar," \
    "and drops the connection after storing one request's 200 switches: bkcc reports them 'unknown'"
emu POST /_emulator/faults '["per_item:3", {"name": "reset", "count": 1, "only": "batch_create_inst"}]' > /dev/null
run bkcc batch-create-inst --obj bk_switch --skip-invalid --concurrency 2 --report report.jsonl switches.csv \
  || echo "(exit $?: some rows not created)"
emu DELETE /_emulator/faults > /dev/null

say "The report: a line per row outcome (a log: a resume appends), with its key and digest"
run grep -m2 '"outcome":"failed"' report.jsonl
outcomes

say "3. Resume: the unknown rows are looked up by bk_asset_id first; those found are not sent again"
run bkcc batch-create-inst --obj bk_switch --skip-invalid --resume report.jsonl --report report.jsonl switches.csv \
  || echo "(exit $?: the four broken rows are still not created)"

say "4. Fix the four broken rows in place (same lines) and resume once more: only they are sent"
sed -i -e '18s/ZC-SW-2020-000016/ZC-SW-2021-000017/' -e '235s/^,/上海-宝山-接入交换机-C07-00234,/' \
       -e '510s/,10.20.1.300,/,10.20.1.30,/' -e '873s/,   ,/,ZC-SW-2021-000872,/' switches.csv
run bkcc batch-create-inst --obj bk_switch --resume report.jsonl --report report.jsonl switches.csv
echo "(exit $?: every row created)"
outcomes

say "What the CMDB holds: every switch exactly once"
emu GET /_emulator/stats | python3 -c 'import json, sys
s = json.load(sys.stdin)
print("create requests: %d, rows received: %d, rows created: %d" % (
    s["requests"]["batch_create_inst"], s["items_received"], s["items_created"]))'
emu GET '/_emulator/instances?bk_obj_id=bk_switch' | python3 -c 'import collections, json, sys
rows = json.load(sys.stdin)
twice = [k for k, n in collections.Counter(r["bk_asset_id"] for r in rows).items() if n > 1]
print("bk_switch instances: %d, asset ids stored twice: %d" % (len(rows), len(twice)))
print("e.g. " + json.dumps({k: rows[0][k] for k in ("bk_inst_id", "bk_inst_name", "bk_asset_id", "bk_admin_ip", "bk_biz_status")}, ensure_ascii=False))'

say "5. Keep the CMDB in line with a sheet: export it, edit two rows, and sync shows exactly those two"
run bkcc export --obj bk_switch -o export.csv
python3 - <<'PY'
import csv
rows = list(csv.reader(open("export.csv", encoding="utf-8", newline="")))
rows[1][rows[0].index("bk_operator")] = "lihua"
rows[2][rows[0].index("bk_biz_status")] = "3"
csv.writer(open("export.csv", "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)
PY
run bkcc sync --obj bk_switch export.csv || echo "(exit $?: changes planned; nothing was sent)"
run bkcc sync --obj bk_switch --apply export.csv
run bkcc sync --obj bk_switch export.csv

say "Done: the emulator stops now"
