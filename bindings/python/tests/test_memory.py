"""Memory stays flat over many calls: nothing leaks on the Python side (tracemalloc) or in C (RSS, and glibc's
own count of bytes in use, mallinfo2, which sees a leak that RSS hides when the heap has free pages to reuse)."""

import ctypes
import gc
import json
import os
import resource
import tracemalloc

import pytest

from .bkcc_test_support import APP_CODE, APP_SECRET, bkcc, switches

CALLS = 10_000
PAGE = resource.getpagesize()


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


try:
    _mallinfo2 = ctypes.CDLL(None).mallinfo2
    _mallinfo2.restype = MallInfo2
    _mallinfo2.argtypes = []
except AttributeError:  # glibc < 2.33, or not glibc
    _mallinfo2 = None


def c_heap_in_use():
    """Bytes malloc has handed out and not got back (0 where mallinfo2 is missing)."""
    if _mallinfo2 is None:
        return 0
    info = _mallinfo2()
    return info.uordblks + info.hblkhd


LAST = {}


def measure(call, calls=CALLS, warmup=1_000):
    for _ in range(warmup):
        call()
    gc.collect()
    tracemalloc.start()
    try:
        rss_before = rss_bytes()
        heap_before = c_heap_in_use()
        py_before = tracemalloc.get_traced_memory()[0]
        for _ in range(calls):
            call()
        gc.collect()
        py_growth = tracemalloc.get_traced_memory()[0] - py_before
        heap_growth = c_heap_in_use() - heap_before
        rss_growth = rss_bytes() - rss_before
    finally:
        tracemalloc.stop()
    # the C heap count includes tracemalloc's own bookkeeping and Python objects: subtract what Python holds
    LAST["heap"] = heap_growth - max(py_growth, 0)
    return py_growth, rss_growth


DETAILS = switches(5) + [{"bk_inst_name": "bad"}]
OK_BODY = json.dumps({"result": True, "code": 0, "message": "", "request_id": "r", "data": {
    "success_created": {"0": 1001}, "error_msg": {"1": "duplicated"}}}).encode()


@pytest.mark.parametrize("name", ["validate", "validate_error", "parse_response", "parse_error", "build_request"])
def test_memory_is_flat_over_ten_thousand_calls(name):
    client = bkcc.Client(url="http://127.0.0.1:9", app_code=APP_CODE, app_secret=APP_SECRET, username="admin")

    def validate_error():
        try:
            bkcc.validate("host", DETAILS)
        except bkcc.ValidationError:
            pass

    def parse_error():
        try:
            bkcc.parse_response(502, b"<html>bad gateway</html>", 2)
        except bkcc.HTTPError:
            pass

    calls = {
        "validate": lambda: bkcc.validate("bk_switch", DETAILS),
        "validate_error": validate_error,
        "parse_response": lambda: bkcc.parse_response(200, OK_BODY, 2),
        "parse_error": parse_error,
        "build_request": lambda: client.build_request("bk_switch", DETAILS),   # json_t in and out
    }
    try:
        py_growth, rss_growth = measure(calls[name])
    finally:
        client.close()
    # A leak of even one small allocation per call would show as >= 10,000 x ~32 bytes.
    assert py_growth < 64 * 1024, "Python memory grew by %d bytes over %d calls" % (py_growth, CALLS)
    assert rss_growth < 2 * 1024 * 1024, "RSS grew by %d bytes over %d calls" % (rss_growth, CALLS)
    # one leaked allocation per call, even of a few bytes, is >= 10,000 x 32 bytes here
    assert LAST["heap"] < 160 * 1024, "the C heap grew by %d bytes over %d calls" % (LAST["heap"], CALLS)


def test_clients_do_not_leak():
    def make():
        with bkcc.Client(url="http://127.0.0.1:9", app_code=APP_CODE, app_secret=APP_SECRET, username="u"):
            pass

    py_growth, rss_growth = measure(make, calls=2_000, warmup=200)
    assert py_growth < 64 * 1024
    assert rss_growth < 2 * 1024 * 1024


def test_batch_calls_with_progress_do_not_leak(cmdb):
    """The result text (bkcc_free) and every progress event (json_dumps + jansson's free) are released."""
    details = switches(3)
    with cmdb.client(concurrency=1) as client:
        def call():
            events = []
            result = client.batch_create_inst("bk_switch", details, progress=events.append)
            assert len(events) == 1 and len(result.failed) + len(result.created) == 3

        py_growth, rss_growth = measure(call, calls=400, warmup=50)
    assert py_growth < 64 * 1024, "Python memory grew by %d bytes over 400 batch calls" % py_growth
    assert rss_growth < 2 * 1024 * 1024, "RSS grew by %d bytes over 400 batch calls" % rss_growth
    print("C heap growth over 400 batch calls:", LAST["heap"])
    # a leaked result text (~600 bytes) or progress event (~250 bytes) per call would be >= 100 KB here
    assert LAST["heap"] < 48 * 1024, "the C heap grew by %d bytes over 400 batch calls" % LAST["heap"]
