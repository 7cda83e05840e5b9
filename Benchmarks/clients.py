#!/usr/bin/env python3
"""The Python clients that bench.py runs as child processes (one process per run, so that its CPU time is its own).

    clients.py bkcc|sdk|requests URL FILE.jsonl [CONCURRENCY]   import every row of FILE; print {"created": N, ...}
    clients.py trivial URL FILE.jsonl CONCURRENCY               the emulator's ceiling: pre-encoded bodies, threads
    clients.py jsonbase ITERATIONS MAX_SECONDS                  Python's json: serialize + parse one 200-item batch

Each client reads the same JSON Lines file and sends it in requests of 200 details to the ESB route
(/api/c/compapi/v2/cc/batch_create_inst/), as bkcc does. Credentials: app bkcc-demo, secret bkcc-demo-secret.
Imports are done inside each mode, so a client pays only for its own libraries.
"""
import json
import sys
import time

APP_CODE = "bkcc-demo"
APP_SECRET = "bkcc-demo-secret"
USERNAME = "bench"
BATCH = 200
PATH = "/api/c/compapi/v2/cc/batch_create_inst/"


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def chunks(rows):
    for first in range(0, len(rows), BATCH):
        yield rows[first:first + BATCH]


def run_bkcc(url, path, concurrency):
    import bkcc  # bindings/python, over dist/lib/libbkcc.so.0 (BKCC_LIBRARY)
    rows = read_rows(path)
    with bkcc.Client(url=url, app_code=APP_CODE, app_secret=APP_SECRET, username=USERNAME,
                     concurrency=concurrency) as client:
        result = client.batch_create_inst("bk_switch", rows)
    return {"created": len(result.created), "failed": len(result.failed), "unknown": len(result.unknown)}


def run_sdk(url, path, concurrency):
    from bkapi_component.open.client import Client  # bkapi-component-open, the BlueKing Python SDK
    rows = read_rows(path)
    client = Client(endpoint=url, bk_api_ver="v2")
    client.update_bkapi_authorization(bk_app_code=APP_CODE, bk_app_secret=APP_SECRET, bk_username=USERNAME)
    created = failed = 0
    for batch in chunks(rows):
        answer = client.cc.batch_create_inst({"bk_obj_id": "bk_switch", "details": batch})
        data = answer.get("data") or {}
        created += len(data.get("success_created") or {})
        failed += len(data.get("error_msg") or {}) if answer.get("result") else len(batch)
    return {"created": created, "failed": failed}


def run_requests(url, path, concurrency):
    import requests
    rows = read_rows(path)
    session = requests.Session()
    created = failed = 0
    for batch in chunks(rows):
        body = {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_username": USERNAME,
                "bk_obj_id": "bk_switch", "details": batch}
        answer = session.post(url + PATH, json=body, timeout=60).json()
        data = answer.get("data") or {}
        created += len(data.get("success_created") or {})
        failed += len(data.get("error_msg") or {}) if answer.get("result") else len(batch)
    return {"created": created, "failed": failed}


def run_trivial(url, path, concurrency):
    """As little client work as can be: bodies encoded before the clock starts, one keep-alive connection per
    thread, answers only checked for result:true. Measures what the emulator itself can serve."""
    import http.client
    import threading
    import urllib.parse
    rows = read_rows(path)
    bodies = [json.dumps({"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_username": USERNAME,
                          "bk_obj_id": "bk_switch", "details": batch}, ensure_ascii=False).encode("utf-8")
              for batch in chunks(rows)]
    parts = urllib.parse.urlsplit(url)
    lock = threading.Lock()
    state = {"next": 0, "ok": 0, "bad": 0}

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies):
                break
            conn.request("POST", PATH, body=bodies[i], headers={"Content-Type": "application/json"})
            answer = conn.getresponse().read()
            with lock:
                state["ok" if b'"result":true' in answer or b'"result": true' in answer else "bad"] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    elapsed = time.monotonic() - started
    return {"requests_ok": state["ok"], "requests_bad": state["bad"], "items": len(rows), "seconds": elapsed,
            "per_second": len(rows) / elapsed if state["bad"] == 0 else 0.0}


def run_jsonbase(iterations, max_seconds):
    """The same serialize + parse that bkcc's sans-IO path does for one 200-item batch (sansio.c's data)."""
    vendors = ["华为", "新华三", "Cisco", "Arista", "锐捷"]
    models = ["CE6881-48S6CQ", "S5130S-52S-EI", "C9300-48T", "7280SR3-48YC8", "RG-S5750-48GT4XS-E"]
    details = [{"bk_inst_name": "北京-亦庄-接入交换机-A%02d-%05d" % (i % 40, i + 1),
                "bk_asset_id": "ZC-SW-%d-%06d" % (2020 + i % 5, i + 1), "bk_sn": "CTD%010d" % (179419893 + i * 7919),
                "bk_operator": "zhangwei", "bk_vendor": vendors[i % 5], "bk_model": models[i % 5],
                "bk_port_count": 52} for i in range(BATCH)]
    body = {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_username": "admin", "bk_obj_id": "bk_switch",
            "details": details}
    response = json.dumps({"result": True, "code": 0, "message": "", "permission": None, "request_id": "0" * 32,
                           "data": {"success_created": {str(i): 1001 + i for i in range(BATCH)}, "error_msg": {}}},
                          separators=(",", ":")).encode()
    dump = parse = 0.0
    done = 0
    started = time.perf_counter()
    while done < iterations and time.perf_counter() - started < max_seconds:
        t0 = time.perf_counter()
        wire = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        t1 = time.perf_counter()
        answer = json.loads(response)
        t2 = time.perf_counter()
        assert len(answer["data"]["success_created"]) == BATCH
        dump += t1 - t0
        parse += t2 - t1
        done += 1
    per = 1e9 / (done * BATCH)
    return {"iterations": done, "body_bytes": len(wire), "dump_ns": dump * per, "parse_ns": parse * per,
            "total_ns": (dump + parse) * per}


def main(argv):
    mode = argv[1]
    if mode == "jsonbase":
        out = run_jsonbase(int(argv[2]), float(argv[3]))
    else:
        url, path = argv[2], argv[3]
        concurrency = int(argv[4]) if len(argv) > 4 else 4
        out = {"bkcc": run_bkcc, "sdk": run_sdk, "requests": run_requests, "trivial": run_trivial}[mode](
            url, path, concurrency)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
