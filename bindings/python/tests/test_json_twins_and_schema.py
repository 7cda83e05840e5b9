"""The package over the JSON-text twins (bkcc_reconcile_json, bkcc_build_request_json), the words of each
status (bkcc_status_text), from_env's variables from bkcc_config_schema(), and no copy of jansson's layouts.

"Same answers as before" is checked against the json_t entry points (bkcc_reconcile, bkcc_build_request),
which the package used until now, called here directly: values go in through jansson's json_loadb (its
json_error_t argument may be NULL, so no struct layout is needed) and come out through json_dumps.
"""

import ctypes
import importlib.util
import json
import os
import re
from ctypes import POINTER, byref, c_char_p, c_size_t, c_void_p

import pytest

from .bkcc_test_support import APP_CODE, APP_SECRET, PACKAGE_ROOT, bkcc, switches

BkccError = bkcc._ffi.BkccError

# A CDLL of its own: the same library (dlopen hands back the same handle), but function pointers whose
# argtypes are the test's business, not the package's.
_c = ctypes.CDLL(bkcc.library_path)
_c.json_loadb.restype = c_void_p
_c.json_loadb.argtypes = [c_char_p, c_size_t, c_size_t, c_void_p]   # json_error_t *: NULL
_c.bkcc_json_decref.restype = None
_c.bkcc_json_decref.argtypes = [c_void_p]
_c.bkcc_reconcile.restype = c_void_p
_c.bkcc_reconcile.argtypes = [c_void_p, c_char_p, c_void_p, c_void_p, c_void_p, POINTER(BkccError)]
_c.bkcc_build_request.restype = c_void_p
_c.bkcc_build_request.argtypes = [c_void_p, c_char_p, c_void_p, POINTER(BkccError)]
_c.bkcc_status_text.restype = c_char_p
_c.bkcc_status_text.argtypes = [ctypes.c_int]
_c.bkcc_config_schema.restype = c_char_p
_c.bkcc_config_schema.argtypes = []

OFFLINE = {"url": "http://127.0.0.1:9", "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin"}


def schema():
    return json.loads(_c.bkcc_config_schema())


class _JsonT:
    """A new json_t reference parsed from a Python value (None stays NULL)."""

    def __init__(self, value):
        self.pointer = None
        if value is not None:
            text = json.dumps(value).encode()
            self.pointer = _c.json_loadb(text, len(text), 0, None)
            assert self.pointer, "jansson could not read %r" % text[:80]

    def __enter__(self):
        return self.pointer

    def __exit__(self, *exc):
        _c.bkcc_json_decref(self.pointer)


def _take(pointer):
    """The value of a NEW json_t reference (written by jansson's json_dumps), then released."""
    try:
        return json.loads(bkcc._ffi.event_text(pointer))
    finally:
        _c.bkcc_json_decref(pointer)


def json_t_build_request(client, obj_id, details):
    """(request or None, status, message) from bkcc_build_request, the json_t entry point."""
    err = BkccError()
    with _JsonT(details) as d:
        pointer = _c.bkcc_build_request(client._handle, obj_id.encode(), d, byref(err))
    return (_take(pointer) if pointer else None), err.status, err.message.decode()


def json_t_reconcile(client, obj_id, details, result, options):
    """(result data or None, status, message) from bkcc_reconcile, the json_t entry point."""
    err = BkccError()
    with _JsonT(details) as d, _JsonT(result) as r, _JsonT(options) as o:
        pointer = _c.bkcc_reconcile(client._handle, obj_id.encode(), d, r, o, byref(err))
    return (_take(pointer) if pointer else None), err.status, err.message.decode()


def without_request_id(request):
    """A built request without its X-Request-Id, which is new for every request built."""
    headers = dict(request["headers"])
    assert re.fullmatch(r"[0-9A-Za-z-]{8,}", headers.pop("X-Request-Id"))
    return dict(request, headers=headers)


def untouchable(*args):
    raise AssertionError("the json_t entry point was called")


# MARK: build_request through bkcc_build_request_json

@pytest.mark.parametrize("overrides", [{}, {"auth": "header"}, {"token": "tok", "username": None},
                                       {"api": "apigw", "stage": "test", "access_token": "tok"},
                                       {"headers": {"X-Extra": "1"}, "user_agent": "tests/1"}])
def test_build_request_gives_the_same_request_as_the_json_t_entry_point(overrides, monkeypatch):
    config = {k: v for k, v in dict(OFFLINE, **overrides).items() if v is not None}
    details = switches(3) + [{"bk_inst_name": "交换机", "bk_asset_id": "Ü", "n": 2**63 - 1, "m": -2**63,
                              "x": 1.5, "ok": True, "none": None, "serial": "1" * 40}]
    with bkcc.Client(**config) as client:
        expected, status, _ = json_t_build_request(client, "bk_switch", details)
        assert status == bkcc.Status.OK
        monkeypatch.setattr(bkcc._ffi.lib, "bkcc_build_request", untouchable)
        request = client.build_request("bk_switch", details)
    assert without_request_id(request) == without_request_id(expected)
    assert request["body"]["details"] == details


@pytest.mark.parametrize("details", [[], switches(201), {"not": "a list"}])
def test_build_request_refuses_what_the_json_t_entry_point_refuses(details):
    with bkcc.Client(**OFFLINE) as client:
        expected, status, message = json_t_build_request(client, "bk_switch", details)
        assert expected is None and status == bkcc.Status.EINVAL
        with pytest.raises(bkcc.InvalidArgumentError) as info:
            client.build_request("bk_switch", details)
    assert info.value.message == message


@pytest.mark.parametrize("big", [2**63, -2**63 - 1, 2**70])
def test_integers_beyond_json_int_t_are_refused_before_the_library_is_called(big, monkeypatch):
    with bkcc.Client(**OFFLINE) as client:
        monkeypatch.setattr(bkcc._ffi.lib, "bkcc_build_request_json", untouchable)
        with pytest.raises(bkcc.InvalidArgumentError, match="jansson") as info:
            client.build_request("bk_switch", [{"bk_inst_name": "a", "bk_asset_id": "A", "n": [{"m": big}]}])
    assert str(big) in info.value.message and info.value.message.startswith("details: ")


def test_build_request_frees_what_it_is_given(monkeypatch):
    freed = []
    real_free = bkcc._ffi.lib.bkcc_free

    def free(pointer):
        freed.append(pointer)
        real_free(pointer)

    monkeypatch.setattr(bkcc._ffi.lib, "bkcc_free", free)
    with bkcc.Client(**OFFLINE) as client:
        client.build_request("bk_switch", switches(2))
    assert len(freed) == 1 and freed[0]


# MARK: reconcile through bkcc_reconcile_json

def reconcile_both_ways(client, details, result, unique_field="bk_asset_id"):
    """The package's answer and the json_t entry point's, from the same server state (a reconcile only
    reads)."""
    reconciled = client.reconcile("bk_switch", details, result, unique_field=unique_field)
    expected, status, _ = json_t_reconcile(client, "bk_switch", details, result.data,
                                           {"unique_field": unique_field})
    return reconciled, expected, status


@pytest.mark.parametrize("fault, n", [({"name": "reset", "count": 1}, 5), ({"name": "drop", "count": 1}, 4),
                                      ({"name": "audit_fail", "count": 1}, 3)])
def test_reconcile_gives_the_same_result_as_the_json_t_entry_point(cmdb, client, fault, n, monkeypatch):
    details = switches(n)
    cmdb.set_faults([fault])
    result = client.batch_create_inst("bk_switch", details)
    assert sorted(result.unknown) == list(range(n))
    monkeypatch.setattr(bkcc._ffi.lib, "bkcc_reconcile", untouchable)
    reconciled, expected, status = reconcile_both_ways(client, details, result)
    assert reconciled.data == expected
    assert reconciled.status == status
    assert sorted(reconciled.created) + sorted(reconciled.not_created) == list(range(n))
    assert reconciled.requests == result.requests   # a reconcile creates nothing


def test_reconcile_with_a_failed_lookup_matches_the_json_t_entry_point(cmdb, client):
    details = switches(2)
    cmdb.set_faults([{"name": "not_json", "count": 1}])
    result = client.batch_create_inst("bk_switch", details)
    cmdb.set_faults(["http_502_html"])
    reconciled, expected, status = reconcile_both_ways(client, details, result)
    assert sorted(reconciled.unknown) == [0, 1]
    assert reconciled.data == expected and reconciled.status == status != bkcc.Status.OK
    assert isinstance(reconciled.error, bkcc.error_class(status))


def test_reconcile_with_nothing_unknown_is_the_result_itself(client):
    details = switches(3)
    result = client.batch_create_inst("bk_switch", details)
    assert result.ok
    reconciled, expected, status = reconcile_both_ways(client, details, result)
    assert reconciled.data == expected and reconciled.ok and status == bkcc.Status.OK
    assert reconciled.created == result.created


@pytest.mark.parametrize("details, result, unique_field", [
    (switches(2), {"success_created": {}}, ""),
    ({"not": "a list"}, {"success_created": {}}, "bk_asset_id"),
])
def test_reconcile_refuses_what_the_json_t_entry_point_refuses(client, details, result, unique_field):
    expected, status, message = json_t_reconcile(client, "bk_switch", details, result,
                                                 {"unique_field": unique_field})
    assert expected is None and status == bkcc.Status.EINVAL
    with pytest.raises(bkcc.InvalidArgumentError) as info:
        client.reconcile("bk_switch", details, result, unique_field=unique_field)
    assert info.value.message == message


# MARK: progress events read with jansson's json_dumps

def test_progress_events_are_dicts(cmdb):
    events = []
    with cmdb.client(concurrency=1) as client:
        result = client.batch_create_inst("bk_switch", switches(250), progress=events.append)
    assert result.ok
    assert [e["done"] for e in events] == [200, 250]
    assert set(events[0]) >= {"type", "first", "count", "done", "total", "created", "failed", "unknown",
                              "skipped", "request_id", "status"}
    assert events[-1]["status"] == "BKCC_OK" and events[-1]["total"] == 250


def test_a_progress_event_jansson_cannot_write_cancels_and_raises(cmdb, monkeypatch):
    # as when json_dumps runs out of memory
    monkeypatch.setattr(bkcc._ffi, "event_text", lambda pointer: None)
    with cmdb.client(concurrency=1) as client, pytest.raises(bkcc.NoMemoryError) as info:
        client.batch_create_inst("bk_switch", switches(450), progress=lambda event: None)
    assert info.value.bkcc_result.skipped   # cancelled after the first request
    assert bkcc._ffi.event_text(None) is None


# MARK: status_text

def test_status_text_for_every_status_comes_from_the_library():
    texts = set()
    for status in bkcc.Status:
        text = bkcc.status_text(status)
        assert text == _c.bkcc_status_text(int(status)).decode() == status.text
        assert text == bkcc.status_text(int(status))
        assert text.endswith(".") and text[0].isupper()
        texts.add(text)
    assert len(texts) == len(bkcc.Status)
    assert bkcc.Status.EAPI.text == "The CMDB, the ESB or the API gateway answered result:false."


@pytest.mark.parametrize("value", [10, 99, -1, -2**31, 2**31, 2**40, -2**63])
def test_status_text_of_an_unknown_value(value):
    unknown = _c.bkcc_status_text(99).decode()
    assert bkcc.status_text(value) == unknown
    assert unknown not in {s.text for s in bkcc.Status}
    assert bkcc.status_name(value) == "BKCC_UNKNOWN"


def test_errors_word_their_status():
    assert bkcc.APIError(6, "boom").status_text == bkcc.Status.EAPI.text
    assert str(bkcc.PartialError(7, "")) == "%s (BKCC_EPARTIAL)" % bkcc.Status.EPARTIAL.text
    assert str(bkcc.Error(42, "")) == "%s (BKCC_UNKNOWN)" % bkcc.status_text(42)
    assert str(bkcc.APIError(6, "boom")) == "boom (BKCC_EAPI)"   # the library's message comes first


# MARK: from_env from bkcc_config_schema()

class Captured(bkcc.Client):
    """Keeps the configuration from_env builds, without making a C client."""

    def __init__(self, **config):
        self.config = config


ENVIRONMENT = [(entry["key"], entry["environment"]) for entry in schema() if entry["environment"]]


def test_the_schema_names_the_variables_from_env_documents():
    assert dict(ENVIRONMENT) == {
        "url": ["BK_COMPONENT_API_URL"],
        "api": ["BKCC_API"],
        "app_code": ["BK_APP_CODE", "BKPAAS_APP_ID", "APP_CODE"],
        "app_secret": ["BK_APP_SECRET", "BKPAAS_APP_SECRET"],
        "username": ["BK_USERNAME"],
        "token": ["BK_TOKEN"],
    }
    assert bkcc.client._environment() == tuple((key, tuple(names)) for key, names in ENVIRONMENT)
    assert bkcc.client._environment() is bkcc.client._environment()   # parsed once


def test_the_from_env_docstring_table_is_the_schema():
    rows = re.findall(r"^\s*``(\w+)``\s+(``.*)$", bkcc.Client.from_env.__doc__, re.M)
    documented = [(key, re.findall(r"``(\w+)``", names)) for key, names in rows]
    assert documented == ENVIRONMENT


def test_the_readme_names_every_variable():
    with open(os.path.join(PACKAGE_ROOT, "README.md"), encoding="utf-8") as f:
        line = next(line for line in f if line.startswith("| `bkcc.Client.from_env("))
    for _, names in ENVIRONMENT:
        for name in names:
            assert "`%s`" % name in line


@pytest.mark.parametrize("key, names", ENVIRONMENT)
def test_from_env_reads_each_variable_of_the_schema(key, names):
    for name in names:
        assert Captured.from_env(environ={name: "v-" + name}).config == {key: "v-" + name}


@pytest.mark.parametrize("key, names", [(k, n) for k, n in ENVIRONMENT if len(n) > 1])
def test_from_env_the_first_non_empty_variable_wins(key, names):
    env = {name: "v-" + name for name in names}
    assert Captured.from_env(environ=env).config == {key: "v-" + names[0]}
    env[names[0]] = ""
    assert Captured.from_env(environ=env).config == {key: "v-" + names[1]}
    assert Captured.from_env(environ={names[0]: ""}).config == {}


def test_from_env_ignores_variables_outside_the_schema_and_keywords_override():
    env = {"BK_COMPONENT_API_URL": "http://a", "BK_APP_CODE": "c", "BK_TOKEN": "t", "BK_STAGE": "x",
           "BKCC_CONCURRENCY": "9"}
    config = Captured.from_env(environ=env, url="http://b", token=None, retries=1).config
    assert config == {"url": "http://b", "app_code": "c", "token": None, "retries": 1}


def test_from_env_against_the_emulator(cmdb):
    env = dict(cmdb.env(), BKCC_API="esb")
    with bkcc.Client.from_env(environ=env, token=None) as client:
        assert client.build_request("bk_switch", switches(1))["url"].startswith(cmdb.url)
        assert client.batch_create_inst("bk_switch", switches(2)).ok
    assert len(cmdb.instances("bk_switch")) == 2


# MARK: no copy of jansson's layouts

def test_the_jansson_module_is_gone():
    assert importlib.util.find_spec("bkcc._jansson") is None
    assert not os.path.exists(os.path.join(os.path.dirname(bkcc.__file__), "_jansson.py"))
    with pytest.raises(ImportError):
        __import__("bkcc._jansson")


def test_the_package_copies_no_jansson_struct():
    folder = os.path.dirname(bkcc.__file__)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                source = f.read()
            assert "json_error_t" not in source and "json_loadb" not in source, name
            assert source.count("ctypes.Structure") == (1 if name == "_ffi.py" else 0), name   # bkcc_error
