#!/usr/bin/env python3
"""Sync benchmark (issue: `bkcc sync`): 20,000 switches on the emulator, a file of the same 20,000 of which 1% changed;
`bkcc sync --apply` against the obvious loop with the BlueKing SDK (bkapi-component-open): read every instance a page
at a time, compare, and update each changed one with its own request. Both start from the same server state (reset and
re-imported before each run, untimed); measured: requests each sent, wall time, and whether the server ends right.

    python3 Benchmarks/sync_bench.py [--count 20000] [--changed 0.01] [--latency 5]   prints the result as JSON

bench.py calls `run()` and writes the table into BENCHMARKS.md. Run from the repository root after `make dist`.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Tests", "Emulator"))

import emulator_control  # noqa: E402

BKCC = os.environ.get("BKCC") or os.path.join(ROOT, "dist", "bin", "bkcc")
WORK = os.path.join(ROOT, "build", "bench")
HEADER = ["bk_inst_name", "bk_asset_id", "bk_sn", "bk_vendor"]

# The SDK's loop, run by the venv's Python as a child process: search pages, then one update per changed row.
SDK_LOOP = r'''
import csv, json, sys
from bkapi_component.open.client import Client
url, path = sys.argv[1], sys.argv[2]
client = Client(endpoint=url, bk_api_ver="v2")
client.update_bkapi_authorization(bk_app_code="bkcc-demo", bk_app_secret="bkcc-demo-secret", bk_username="bench")
rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
stored, start = {}, 0
while True:
    answer = client.cc.search_object_instances({"bk_obj_id": "bk_switch", "fields": ["bk_inst_id", "bk_asset_id", "bk_sn", "bk_vendor"],
                                                 "page": {"start": start, "limit": 500, "sort": "bk_inst_id"}})
    info = (answer.get("data") or {}).get("info") or []
    for item in info:
        stored[item["bk_asset_id"]] = item
    if len(info) < 500:
        break
    start += 500
updated = failed = 0
for row in rows:
    have = stored.get(row["bk_asset_id"])
    changes = {k: v for k, v in row.items() if k not in ("bk_asset_id", "bk_inst_name") and have is not None and have.get(k) != v}
    if not changes:
        continue
    answer = client.cc.batch_update_inst({"bk_obj_id": "bk_switch", "update": [{"inst_id": have["bk_inst_id"], "datas": changes}]})
    if answer.get("result"):
        updated += 1
    else:
        failed += 1
print(json.dumps({"updated": updated, "failed": failed}))
'''


def write_rows(path, count, changed_every):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(count):
            sn = "SN-%06d" % i
            if changed_every and i % changed_every == 0:
                sn += "-NEW"
            writer.writerow(["交换机-%06d" % i, "SW-%06d" % i, sn, "新华三"])
    return path


def requests_sent(emu):
    return sum(emu.stats()["requests"].values())


def prepare(emu, original):
    emu.reset()
    env = dict(os.environ, **emu.env())
    subprocess.run([BKCC, "batch-create-inst", "--obj", "bk_switch", "--offline", "--concurrency", "8", original],
                   env=env, check=True, capture_output=True, timeout=600)


def stored_changed(emu, count, changed_every):
    rows = emu.instances("bk_switch")
    new = sum(1 for r in rows if r.get("bk_sn", "").endswith("-NEW"))
    return len(rows) == count and new == len(range(0, count, changed_every))


def run(python, count=20000, changed=0.01, latency=5):
    """Returns {"bkcc": {...}, "sdk": {...}} with requests, wall seconds and whether the server ended right."""
    os.makedirs(WORK, exist_ok=True)
    changed_every = max(1, int(round(1 / changed)))
    original = write_rows(os.path.join(WORK, "sync-original.csv"), count, 0)
    edited = write_rows(os.path.join(WORK, "sync-edited.csv"), count, changed_every)
    result = {"count": count, "changed": len(range(0, count, changed_every)), "latency_ms": latency}
    with emulator_control.Emulator(timeout=15.0) as emu:
        env = dict(os.environ, **emu.env())
        for name in ("bkcc", "sdk"):
            prepare(emu, original)
            emu.set_faults(["latency:%d" % latency])
            before = requests_sent(emu)
            started = time.monotonic()
            if name == "bkcc":
                proc = subprocess.run([BKCC, "sync", "--obj", "bk_switch", "--apply", "--concurrency", "8", edited],
                                      env=env, capture_output=True, text=True, timeout=900)
            else:
                proc = subprocess.run([python, "-c", SDK_LOOP, emu.url, edited], capture_output=True, text=True, timeout=900)
            wall = time.monotonic() - started
            emu.set_faults([])
            result[name] = {"requests": requests_sent(emu) - before, "wall_s": round(wall, 2), "exit": proc.returncode,
                            "correct": stored_changed(emu, count, changed_every)}
            if proc.returncode != 0:
                result[name]["stderr"] = proc.stderr[-400:]
    result["speedup"] = round(result["sdk"]["wall_s"] / max(result["bkcc"]["wall_s"], 1e-6), 1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--latency", type=int, default=5)
    parser.add_argument("--python", default=os.path.join(WORK, "venv", "bin", "python"),
                        help="a Python with bkapi-component-open (bench.py makes build/bench/venv)")
    args = parser.parse_args()
    print(json.dumps(run(args.python, args.count, args.changed, args.latency), indent=1))


if __name__ == "__main__":
    main()
