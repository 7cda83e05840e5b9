"""The fault matrix (Fuzz/README-section.md): for each fault, what the client reports, what it retries, and what
the user does next — proved through the library (Python package over dist/) against the emulator.

600 details, concurrency 1: the first 200 in one batch call (which leaves the connection kept alive), then 400 in a
second call whose first request takes the fault (on the kept-alive connection: the harder case, see
test_keepalive.py) and whose second request must still be created. Every item must end in exactly one map; what the emulator stores must be
exactly what was created plus, for faults that strike after the inserts, the unknown items — each once; and
reconcile (the user's next step for `unknown`) must settle every unknown item.
"""

import os
import resource
import signal
import threading
import time

import pytest

import bkcc

from .security_support import Emulator, free_port, switches

N = 600


def check_accounted(result, n=N):
    seen = []
    for m in (result.created, result.failed, result.unknown, result.skipped):
        seen.extend(m)
    assert sorted(seen) == list(range(n)), "an item is lost or counted twice"


def import_with_second_request_fault(cmdb, fault, timeout_ms=1500, retries=3):
    """600 details, concurrency 1; `fault` (a fault object) strikes the second create request only."""
    details = switches(N, "fm")
    with cmdb.client(concurrency=1, timeout_ms=timeout_ms, retries=retries) as client:
        assert client.batch_create_inst("bk_switch", [{"bk_inst_name": "warm", "bk_asset_id": "warm"}]).ok
        before = cmdb.creates()
        # arm the fault after the first request: run the first 200 alone, then the rest with the fault
        head = client.batch_create_inst("bk_switch", details[:200])
        assert head.ok
        cmdb.set_faults([dict(fault, count=fault.get("count", 1), only="batch_create_inst")])
        tail = client.batch_create_inst("bk_switch", details[200:])
        sent = cmdb.creates() - before
        settled = client.reconcile("bk_switch", details[200:], tail) if tail.unknown else None
    return details, head, tail, sent, settled


def stored_assets(cmdb):
    assets = [i["bk_asset_id"] for i in cmdb.instances("bk_switch")]
    assert len(assets) == len(set(assets)), "an instance was created twice"
    return set(assets)


# name, fault, tail's map for the faulted 200, status, stored?, requests that reached the server (first 200 + tail)
MATRIX = [
    ("reset_before_answer", {"name": "reset"}, "unknown", bkcc.Status.EPARTIAL, True, 1 + 2),
    ("reset_mid_body", {"name": "truncate"}, "unknown", bkcc.Status.EPARTIAL, True, 1 + 2),
    ("stall_past_timeout", {"name": "stall", "arg": 3000}, "unknown", bkcc.Status.EPARTIAL, True, 1 + 2),
    ("http_502_html", {"name": "http_502_html"}, "unknown", bkcc.Status.EPARTIAL, False, 1 + 2),
    ("not_json", {"name": "not_json"}, "unknown", bkcc.Status.EPARTIAL, False, 1 + 2),
    ("audit_failure", {"name": "audit_fail"}, "unknown", bkcc.Status.EPARTIAL, True, 1 + 2),
    ("rate_limit_429_then_ok", {"name": "rate_limit", "count": 2}, "created", bkcc.Status.OK, True, 1 + 2 + 2),
    ("drop_before_processing", {"name": "drop"}, "unknown", bkcc.Status.EPARTIAL, False, 1 + 2),
]


@pytest.mark.parametrize("name,fault,kind,status,stored,requests", MATRIX, ids=[m[0] for m in MATRIX])
def test_fault_matrix(sec_cmdb, name, fault, kind, status, stored, requests):
    details, head, tail, sent, settled = import_with_second_request_fault(sec_cmdb, fault)
    check_accounted(tail, N - 200)
    assert tail.status == status, (tail.status, tail.requests)
    faulted = range(0, 200)            # the tail's first request
    mapping = {"unknown": tail.unknown, "created": tail.created}[kind]
    assert all(i in mapping for i in faulted)
    assert all(i in tail.created for i in range(200, 400)), "the next request is not sent or not created"
    assert sent == requests, "requests that reached the server: %d, expected %d" % (sent, requests)
    assets = stored_assets(sec_cmdb)
    faulted_assets = {d["bk_asset_id"] for d in details[200:400]}
    assert (faulted_assets <= assets) == stored and (not stored) == faulted_assets.isdisjoint(assets)
    if kind == "unknown":
        # the user's next step: reconcile; it finds what was stored, and says the rest was not created
        assert settled is not None and not settled.unknown
        assert len(settled.created) == (N - 200 if stored else 200)
        assert len(settled.not_created) == (0 if stored else 200)
        for i, inst_id in settled.created.items():
            assert inst_id > 0


def test_rate_limited_past_the_retries_is_skipped_never_sent_twice(sec_cmdb):
    details, head, tail, sent, settled = import_with_second_request_fault(
        sec_cmdb, {"name": "rate_limit", "count": 10}, retries=2)
    check_accounted(tail, N - 200)
    assert sorted(tail.skipped) == list(range(0, 400))   # that request after its retries, and the one after
    assert tail.status == bkcc.Status.EAPI
    assert sent == 1 + 3
    assert len(stored_assets(sec_cmdb)) == 1 + 200


def test_connection_refused_is_retried_then_skipped_never_sent():
    port = free_port()
    with bkcc.Client(url="http://127.0.0.1:%d" % port, app_code="a", app_secret="b", username="c", retries=2,
                     timeout_ms=2000, concurrency=1) as client:
        start = time.monotonic()
        result = client.batch_create_inst("bk_switch", switches(N, "rf"))
    check_accounted(result)
    assert sorted(result.skipped) == list(range(N)) and result.status == bkcc.Status.ETRANSPORT
    assert max(r["attempts"] for r in result.requests) == 3       # 1 + 2 retries, then the rest is not tried
    assert time.monotonic() - start < 30


def test_one_gib_body_is_cut_at_the_cap_and_memory_stays_bounded(sec_cmdb):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    details, head, tail, sent, settled = import_with_second_request_fault(
        sec_cmdb, {"name": "big_body", "arg": 1024}, timeout_ms=60000)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    check_accounted(tail, N - 200)
    assert all(i in tail.unknown for i in range(200)) and "larger than" in tail.unknown[0]
    assert tail.requests[0]["status"] == "BKCC_EPROTOCOL"
    assert after - before < 200 * 1024, "peak RSS grew by %d KiB" % (after - before)   # cap 32 MiB, not 1 GiB
    assert settled is not None and len(settled.not_created) == 200   # big_body answers without processing


def test_server_restart_mid_import_then_reconcile_and_resend_stores_each_once(tmp_path):
    state = str(tmp_path / "state.json")
    port = free_port()
    cmdb = Emulator("--port", str(port), "--state", state, "--fault", "per_item:2")  # ~0.4 s per request
    details = switches(2000, "rs")
    try:
        with cmdb.client(concurrency=1, timeout_ms=5000, retries=1) as client:
            killer = threading.Timer(1.0, lambda: cmdb.proc.send_signal(signal.SIGKILL))
            killer.start()
            result = client.batch_create_inst("bk_switch", details)
            killer.join()
            cmdb.proc.wait(5)
            check_accounted(result, 2000)
            assert result.created and (result.unknown or result.skipped)
            assert not result.failed
            cmdb.close()
            cmdb = Emulator("--port", str(port), "--state", state)   # back, with what it had saved
            settled = client.reconcile("bk_switch", details, result)
            assert not settled.unknown
            again_idx = sorted(set(settled.not_created) | set(settled.skipped))
            again = client.batch_create_inst("bk_switch", [details[i] for i in again_idx])
            assert again.ok, again.requests
        assets = stored_assets(cmdb)
        assert assets == {d["bk_asset_id"] for d in details}
    finally:
        cmdb.close()


def test_http_429_on_the_gateway_is_retried_after_retry_after(sec_cmdb):
    details = switches(400, "gw")
    with sec_cmdb.client(api="apigw", concurrency=1, retries=3) as client:
        sec_cmdb.set_faults([{"name": "rate_limit", "arg": 0, "count": 2, "only": "batch_create_inst"}])
        result = client.batch_create_inst("bk_switch", details)
    assert result.ok and len(result.created) == 400
    assert sec_cmdb.creates() == 2 + 2 and sec_cmdb.stats()["faults_applied"]["rate_limit"] == 2
    assert len(stored_assets(sec_cmdb)) == 400


def test_truncated_json_with_a_whole_http_answer_is_protocol_error_not_created():
    whole = b'{"result":true,"code":0,"message":"","data":{"success_created":{"0":1001,"1":1002},"error_msg":{}}}'
    for cut in (1, len(whole) // 2, len(whole) - 1):
        with pytest.raises(bkcc.Error) as raised:
            bkcc.parse_response(200, whole[:cut], 2)
        assert raised.value.status == bkcc.Status.EPROTOCOL
