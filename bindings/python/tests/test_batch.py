"""batch_create_inst and reconcile against the emulator: results, every kind of failure, progress, cancel.

These need the batch runner in libbkcc (bkcc_batch_create_inst_json, bkcc_reconcile). They are never
skipped: against a library without it they fail.
"""

import json
import subprocess
import sys

import pytest

from .bkcc_test_support import APP_SECRET, PACKAGE_ROOT, bkcc, free_port, switches


def stored_assets(cmdb, obj_id="bk_switch"):
    return {i["bk_asset_id"]: i["bk_inst_id"] for i in cmdb.instances(obj_id)}


def assert_every_index_once(result, n):
    maps = [result.created, result.failed, result.unknown, result.skipped, result.not_created]
    seen = [i for m in maps for i in m]
    assert sorted(seen) == list(range(n))
    assert result.summary["total"] == n
    assert result.summary["created"] == len(result.created)
    assert result.summary["failed"] == len(result.failed)
    assert result.summary["unknown"] == len(result.unknown)
    assert result.summary["skipped"] == len(result.skipped)


# MARK: success

def test_create_three(cmdb, client):
    details = switches(3)
    result = client.batch_create_inst("bk_switch", details)
    assert result.ok and result.status == bkcc.Status.OK and result.error is None
    assert result.created == {0: 1001, 1: 1002, 2: 1003}
    assert result.failed == result.unknown == result.skipped == result.not_created == {}
    assert result.summary == {"total": 3, "created": 3, "failed": 0, "unknown": 0, "skipped": 0}
    assert len(result.requests) == 1
    request = result.requests[0]
    assert (request["first"], request["count"], request["http_status"], request["code"], request["status"]) == \
        (0, 3, 200, 0, "BKCC_OK")
    assert request["request_id"]
    assert result.raise_for_status() is result
    assert stored_assets(cmdb) == {"sw-asset-0": 1001, "sw-asset-1": 1002, "sw-asset-2": 1003}
    assert "BKCC_OK" in repr(result) and "created=3" in repr(result)


def test_more_than_200_are_split_and_merged_back(cmdb):
    details = switches(1050)
    with cmdb.client(concurrency=4) as client:
        result = client.batch_create_inst("bk_switch", details)
    assert result.ok
    assert_every_index_once(result, 1050)
    assert sorted(r["first"] for r in result.requests) == [0, 200, 400, 600, 800, 1000]
    assert sorted(r["count"] for r in result.requests) == [50, 200, 200, 200, 200, 200]
    stored = stored_assets(cmdb)
    assert len(stored) == 1050
    assert all(stored[d["bk_asset_id"]] == result.created[i] for i, d in enumerate(details))


def test_gateway_route_and_generators(cmdb):
    with cmdb.client(api="apigw") as client:
        result = client.batch_create_inst("bk_switch", (d for d in switches(5)))
    assert result.ok and len(result.created) == 5
    assert cmdb.stats()["requests_by_api"]["apigw"] == 1


def test_unicode_and_attributes_arrive_intact(cmdb, client):
    details = [{"bk_inst_name": "核心交换机-1", "bk_asset_id": "资产-1", "bk_biz_status": "2", "bk_detail": "é\u00a0ü, 多行\n备注"}]
    assert client.batch_create_inst("bk_switch", details).ok
    [stored] = cmdb.instances("bk_switch")
    assert {k: stored[k] for k in details[0]} == details[0]


# MARK: per-item failures and validation

def test_sending_again_creates_nothing_twice(cmdb, client):
    details = switches(3)
    assert client.batch_create_inst("bk_switch", details).ok
    again = client.batch_create_inst("bk_switch", details)
    assert not again.ok and again.created == {}
    assert sorted(again.failed) == [0, 1, 2]
    assert "duplicated instances exist" in again.failed[0]
    assert again.status != bkcc.Status.OK
    assert isinstance(again.error, bkcc.Error) and again.error.status == again.status
    with pytest.raises(bkcc.Error):
        again.raise_for_status()
    assert len(cmdb.instances("bk_switch")) == 3


def test_some_created_is_partial(cmdb, client):
    client.batch_create_inst("bk_switch", switches(2))
    result = client.batch_create_inst("bk_switch", switches(5))
    assert result.status == bkcc.Status.EPARTIAL
    assert isinstance(result.error, bkcc.PartialError)
    assert sorted(result.failed) == [0, 1] and sorted(result.created) == [2, 3, 4]
    assert_every_index_once(result, 5)


def test_invalid_details_abort_sends_nothing(cmdb, client):
    details = switches(3)
    details[1] = {"bk_inst_name": "no asset id"}
    with pytest.raises(bkcc.ValidationError) as info:
        client.batch_create_inst("bk_switch", details)
    assert "bk_asset_id" in info.value.message
    assert cmdb.stats()["requests"]["batch_create_inst"] == 0


def test_invalid_details_skip_sends_the_valid_ones(cmdb, client):
    details = switches(3)
    details[1] = {"bk_inst_name": "no asset id"}
    result = client.batch_create_inst("bk_switch", details, on_invalid="skip")
    assert sorted(result.created) == [0, 2]
    assert list(result.failed) == [1] and "bk_asset_id" in result.failed[1]
    assert result.status == bkcc.Status.EPARTIAL
    assert len(cmdb.instances("bk_switch")) == 2


def test_skip_with_every_detail_invalid_returns_a_result_with_validation_status(cmdb, client):
    result = client.batch_create_inst("bk_switch", [{"bk_inst_name": "a"}, {"bk_inst_name": "b"}],
                                      on_invalid="skip")
    assert result.status == bkcc.Status.EVALIDATION
    assert isinstance(result.error, bkcc.ValidationError)
    assert sorted(result.failed) == [0, 1] and result.requests == []
    assert cmdb.stats()["requests"]["batch_create_inst"] == 0


@pytest.mark.parametrize("kwargs", [{"on_invalid": "maybe"}, {"on_invalid": None}])
def test_bad_options_are_invalid_arguments(client, kwargs):
    with pytest.raises(bkcc.InvalidArgumentError, match="on_invalid"):
        client.batch_create_inst("bk_switch", switches(1), **kwargs)


def test_built_in_model_is_a_validation_error(cmdb, client):
    with pytest.raises(bkcc.ValidationError):
        client.batch_create_inst("host", switches(1))


# MARK: whole-request failures: each status

def test_wrong_secret_is_an_api_error_and_the_rest_is_skipped(cmdb):
    with cmdb.client(app_secret="wrong-secret", concurrency=1) as client:
        result = client.batch_create_inst("bk_switch", switches(450))
    assert result.status == bkcc.Status.EAPI
    error = result.error
    assert isinstance(error, bkcc.APIError) and error.api_code == 1306000
    assert "APP authentication failed" in error.message
    assert sorted(result.failed) == list(range(200))
    assert result.failed[0].startswith("[1306000] ")
    assert sorted(result.skipped) == list(range(200, 450))
    assert_every_index_once(result, 450)
    assert cmdb.instances("bk_switch") == []
    text = json.dumps(result.data) + str(error)
    assert "wrong-secret" not in text and APP_SECRET not in text
    with pytest.raises(bkcc.APIError):
        result.raise_for_status()


def test_no_permission_keeps_the_permission_object(cmdb, client):
    cmdb.set_faults(["no_permission"])
    result = client.batch_create_inst("bk_switch", switches(3))
    assert result.status == bkcc.Status.EAPI
    assert isinstance(result.error, bkcc.APIError)
    assert result.error.api_code == 9900403
    assert result.error.permission and result.error.permission["system_id"] == "bk_cmdb"
    assert result.requests[0]["permission"] == result.error.permission
    assert sorted(result.failed) == [0, 1, 2]


def test_a_closed_port_is_a_transport_error_and_nothing_is_sent(cmdb):
    url = "http://127.0.0.1:%d" % free_port()
    with cmdb.client(url=url, retries=0, connect_timeout_ms=2000) as client:
        result = client.batch_create_inst("bk_switch", switches(3))
    assert result.status == bkcc.Status.ETRANSPORT
    assert isinstance(result.error, bkcc.TransportError) and isinstance(result.error, OSError)
    assert result.error.http_status == 0
    assert sorted(result.skipped) == [0, 1, 2]
    assert result.created == result.unknown == {}


def test_not_json_is_a_protocol_error_and_the_items_are_unknown(cmdb, client):
    cmdb.set_faults(["not_json"])
    result = client.batch_create_inst("bk_switch", switches(3))
    assert result.status == bkcc.Status.EPROTOCOL
    assert isinstance(result.error, bkcc.ProtocolError)
    assert sorted(result.unknown) == [0, 1, 2]
    assert cmdb.instances("bk_switch") == []


def test_html_502_is_an_http_error_and_the_items_are_unknown(cmdb, client):
    cmdb.set_faults(["http_502_html"])
    result = client.batch_create_inst("bk_switch", switches(3))
    assert result.status == bkcc.Status.EHTTP
    assert isinstance(result.error, bkcc.HTTPError) and result.error.http_status == 502
    assert sorted(result.unknown) == [0, 1, 2]


# MARK: reconcile

def test_reset_after_the_inserts_then_reconcile_finds_them(cmdb, client):
    details = switches(5)
    cmdb.set_faults([{"name": "reset", "count": 1}])
    result = client.batch_create_inst("bk_switch", details)
    assert sorted(result.unknown) == [0, 1, 2, 3, 4]
    assert result.status == bkcc.Status.ETRANSPORT
    reconciled = client.reconcile("bk_switch", details, result)
    assert reconciled.ok and reconciled.status == bkcc.Status.OK
    stored = stored_assets(cmdb)
    assert reconciled.created == {i: stored[d["bk_asset_id"]] for i, d in enumerate(details)}
    assert reconciled.summary.get("not_created", 0) == 0


def test_dropped_requests_reconcile_to_not_created_and_can_be_sent_again(cmdb, client):
    details = switches(4)
    cmdb.set_faults([{"name": "drop", "count": 1}])
    result = client.batch_create_inst("bk_switch", details)
    assert sorted(result.unknown) == [0, 1, 2, 3]
    reconciled = client.reconcile("bk_switch", details, result.data)   # a plain dict works too
    assert sorted(reconciled.not_created) == [0, 1, 2, 3]
    assert reconciled.summary["not_created"] == 4
    assert not reconciled.ok
    again = client.batch_create_inst("bk_switch", [details[i] for i in sorted(reconciled.not_created)])
    assert again.ok and len(cmdb.instances("bk_switch")) == 4


def test_audit_failure_is_unknown_and_reconciles_to_created(cmdb, client):
    details = switches(3)
    cmdb.set_faults([{"name": "audit_fail", "count": 1}])
    result = client.batch_create_inst("bk_switch", details)
    assert sorted(result.unknown) == [0, 1, 2]
    assert len(cmdb.instances("bk_switch")) == 3
    reconciled = client.reconcile("bk_switch", details, result, unique_field="bk_asset_id")
    assert reconciled.ok and sorted(reconciled.created) == [0, 1, 2]


def test_reconcile_with_a_failed_lookup_keeps_the_items_unknown(cmdb, client):
    details = switches(2)
    cmdb.set_faults([{"name": "not_json", "count": 1}])
    result = client.batch_create_inst("bk_switch", details)
    cmdb.set_faults(["http_502_html"])
    reconciled = client.reconcile("bk_switch", details, result)
    assert sorted(reconciled.unknown) == [0, 1]
    assert reconciled.status != bkcc.Status.OK and isinstance(reconciled.error, bkcc.Error)


def test_reconcile_bad_arguments(client):
    with pytest.raises(bkcc.InvalidArgumentError):
        client.reconcile("bk_switch", switches(2), {"success_created": {}}, unique_field="")
    with pytest.raises(bkcc.InvalidArgumentError):
        client.reconcile("bk_switch", {"not": "a list"}, {"success_created": {}})


# MARK: progress and cancelling

def test_progress_events(cmdb):
    events = []
    with cmdb.client(concurrency=1) as client:
        result = client.batch_create_inst("bk_switch", switches(450), progress=events.append)
    assert result.ok
    assert [e["done"] for e in events] == [200, 400, 450]
    assert {e["total"] for e in events} == {450}
    assert [(e["first"], e["count"]) for e in events] == [(0, 200), (200, 200), (400, 50)]
    assert all(e["type"] == "request" and e["status"] == "BKCC_OK" and e["request_id"] for e in events)
    assert events[-1]["created"] == 450
    assert APP_SECRET not in json.dumps(events)


@pytest.mark.parametrize("answer", [None, True, 0, 1, "no"])
def test_only_false_cancels(cmdb, client, answer):
    assert client.batch_create_inst("bk_switch", switches(3), progress=lambda e: answer).ok


def test_returning_false_cancels_the_rest(cmdb):
    with cmdb.client(concurrency=1) as client:
        result = client.batch_create_inst("bk_switch", switches(600), progress=lambda e: False)
    assert sorted(result.created) == list(range(200))
    assert sorted(result.skipped) == list(range(200, 600))
    assert result.status == bkcc.Status.EPARTIAL
    assert len(cmdb.instances("bk_switch")) == 200


def test_cancelled_with_nothing_created_is_cancelled(cmdb):
    with cmdb.client(concurrency=1) as client:
        client.batch_create_inst("bk_switch", switches(200))
        result = client.batch_create_inst("bk_switch", switches(600), progress=lambda e: False)
    assert result.status == bkcc.Status.ECANCELLED
    assert isinstance(result.error, bkcc.CancelledError)
    assert sorted(result.failed) == list(range(200)) and sorted(result.skipped) == list(range(200, 600))


class Boom(Exception):
    pass


class Interrupt(BaseException):
    """Like KeyboardInterrupt, without upsetting pytest."""


@pytest.mark.parametrize("exception_type", [Boom, Interrupt])
def test_an_exception_in_progress_cancels_and_is_re_raised(cmdb, exception_type):
    raised = exception_type("from the callback")
    calls = []

    def progress(event):
        calls.append(event)
        raise raised

    with cmdb.client(concurrency=1) as client:
        with pytest.raises(exception_type) as info:
            client.batch_create_inst("bk_switch", switches(600), progress=progress)
        assert info.value is raised
        assert len(calls) == 1
        partial = info.value.bkcc_result
        assert sorted(partial.created) == list(range(200))
        assert sorted(partial.skipped) == list(range(200, 600))
        assert len(cmdb.instances("bk_switch")) == 200
        # the client is fine afterwards, and the next call has no progress callback left over
        after = client.batch_create_inst("bk_switch", switches(3, prefix="after"))
        assert after.ok


def test_the_client_can_be_used_and_closed_inside_progress(cmdb):
    client = cmdb.client(concurrency=1)
    seen = []

    def progress(event):
        seen.append(client.build_request("bk_switch", switches(1))["method"])
        if event["done"] == event["total"]:
            client.close()   # deferred: this call is still running
            assert client.closed and client._handle is not None

    result = client.batch_create_inst("bk_switch", switches(450), progress=progress)
    assert result.ok and seen == ["POST"] * 3
    assert client.closed and client._handle is None
    with pytest.raises(bkcc.InvalidArgumentError, match="closed"):
        client.batch_create_inst("bk_switch", switches(1))


def test_ctrl_c_cancels_the_import_and_raises_keyboard_interrupt(cmdb):
    # In a subprocess: SIGINT goes to the whole process, and the main thread must be the one importing.
    cmdb.set_faults(["latency:150"])
    code = """
import os, signal, sys, threading
sys.path.insert(0, %(root)r)
import bkcc
client = bkcc.Client(url=%(url)r, app_code="bkcc-demo", app_secret="bkcc-demo-secret", username="admin",
                     concurrency=1)
details = [{"bk_inst_name": "s%%d" %% i, "bk_asset_id": "a%%d" %% i} for i in range(2000)]
threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    client.batch_create_inst("bk_switch", details)
    print("not interrupted")
except KeyboardInterrupt as interrupt:
    result = interrupt.bkcc_result
    print("interrupted", len(result.created), len(result.skipped), result.summary["total"])
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
""" % {"root": PACKAGE_ROOT, "url": cmdb.url}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "ignored" not in r.stderr, r.stderr
    words = r.stdout.split()
    assert words[0] == "interrupted", r.stdout
    created, skipped, total = map(int, words[1:])
    assert total == 2000 and created + skipped == 2000 and 0 < created < 2000
    assert created % 200 == 0
    assert len(cmdb.instances("bk_switch")) == created
