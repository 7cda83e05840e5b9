"""The emulator's --tls-cert/--tls-key (HTTPS) and --fault-rate/--fault-mix/--fault-seed (random faults)."""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

from emulator_control import Emulator, make_certificates

HERE = os.path.dirname(os.path.abspath(__file__))

CREATE = {"bk_app_code": "bkcc-demo", "bk_app_secret": "bkcc-demo-secret", "bk_username": "admin",
          "bk_obj_id": "bk_switch"}


def post(cmdb, i):
    body = dict(CREATE, details=[{"bk_inst_name": "s%d" % i, "bk_asset_id": "A%d" % i}])
    request = urllib.request.Request(cmdb.url + "/api/c/compapi/v2/cc/batch_create_inst/",
                                     data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except Exception as e:   # noqa: BLE001 - a fault: anything but a clean answer
        return e


def test_https_with_a_generated_certificate():
    with tempfile.TemporaryDirectory() as directory:
        ca, cert, key = make_certificates(directory)
        with Emulator(tls_cert=cert, tls_key=key, cafile=ca) as cmdb:
            assert cmdb.url.startswith("https://127.0.0.1:")
            assert cmdb.call("GET", "/_emulator/health") == {"ok": True}


def test_tls_flags_go_together():
    done = subprocess.run([sys.executable, os.path.join(HERE, "emulator.py"), "--tls-cert", "x.pem"],
                          capture_output=True, timeout=30)
    assert done.returncode == 2 and b"go together" in done.stderr and done.stdout == b""


def test_fault_rate_is_seeded_counted_and_settable_at_run_time():
    runs = []
    for _ in range(2):
        with Emulator("--fault-rate", "0.5", "--fault-seed", "3", "--fault-mix", "not_json,rate_limit") as cmdb:
            for i in range(40):
                post(cmdb, i)
            stats = cmdb.stats()
            runs.append(stats["faults_applied"])
            assert 5 < sum(stats["faults_applied"].values()) < 35
            assert set(stats["faults_applied"]) <= {"not_json", "rate_limit"}
            assert cmdb.config(fault_rate=0)["fault_rate"] == 0
            before = sum(cmdb.stats()["faults_applied"].values())
            for i in range(40, 50):
                post(cmdb, i)
            assert sum(cmdb.stats()["faults_applied"].values()) == before
            cmdb.reset()   # back to the start rate and seed
            assert cmdb.config()["fault_rate"] == 0.5
    assert runs[0] == runs[1]   # the same seed, the same faults
