"""Client construction (keyword configuration, from_env), lifetime (close, with, closed client)."""

import pytest

from .bkcc_test_support import APP_CODE, APP_SECRET, bkcc, switches

BASE = {"url": "http://127.0.0.1:9", "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin"}


def config(**changes):
    c = dict(BASE)
    c.update(changes)
    return {k: v for k, v in c.items() if v is not None}


# MARK: configuration

def test_every_documented_key_is_accepted():
    with bkcc.Client(**config(api="esb", auth="header", language="zh-cn", timeout_ms=5000, connect_timeout_ms=1000,
                              verify_tls=False, concurrency=8, max_requests_per_second=10, retries=0,
                              user_agent="tests/1", headers={"X-Extra": "1"})) as client:
        request = client.build_request("bk_switch", switches(1))
    assert request["headers"]["User-Agent"] == "tests/1"
    assert request["headers"]["X-Extra"] == "1"


def test_gateway_with_an_access_token():
    with bkcc.Client(url="http://127.0.0.1:9", api="apigw", stage="test", app_code=APP_CODE, app_secret=APP_SECRET,
                     access_token="tok") as client:
        assert "/api/bk-cmdb/test/" in client.build_request("bk_switch", switches(1))["url"]


def test_none_leaves_a_key_out():
    with bkcc.Client(**dict(BASE, token=None, proxy=None)) as client:
        assert "bk_token" not in client.build_request("bk_switch", switches(1))["body"]


@pytest.mark.parametrize("changes, key", [
    ({"usernme": "x"}, "usernme"),
    ({"url": None}, "url"),
    ({"app_secret": None}, "app_secret"),
    ({"concurrency": "four"}, "concurrency"),
    ({"concurrency": 65}, "concurrency"),
    ({"api": "soap"}, "api"),
])
def test_bad_configuration_is_an_invalid_argument_naming_the_key(changes, key):
    with pytest.raises(bkcc.InvalidArgumentError) as info:
        bkcc.Client(**config(**changes))
    assert key in info.value.message
    assert isinstance(info.value, ValueError)
    assert APP_SECRET not in str(info.value)


def test_configuration_that_json_cannot_carry_is_an_invalid_argument():
    with pytest.raises(bkcc.InvalidArgumentError, match="config"):
        bkcc.Client(**config(timeout_ms=float("inf")))


# MARK: from_env

def test_from_env_reads_the_documented_variables():
    env = {"BK_COMPONENT_API_URL": "http://127.0.0.1:9", "BK_APP_CODE": "code", "BK_APP_SECRET": "secret",
           "BK_USERNAME": "alice", "BK_TOKEN": "", "BKCC_API": "esb"}
    with bkcc.Client.from_env(environ=env) as client:
        body = client.build_request("bk_switch", switches(1))["body"]
    assert (body["bk_app_code"], body["bk_app_secret"], body["bk_username"]) == ("code", "secret", "alice")
    assert "bk_token" not in body


@pytest.mark.parametrize("env, code", [
    ({"BK_APP_CODE": "a", "BKPAAS_APP_ID": "b", "APP_CODE": "c"}, "a"),
    ({"BKPAAS_APP_ID": "b", "APP_CODE": "c"}, "b"),
    ({"APP_CODE": "c"}, "c"),
    ({"BK_APP_CODE": "", "APP_CODE": "c"}, "c"),
])
def test_from_env_app_code_fallbacks(env, code):
    env = dict(env, BK_COMPONENT_API_URL="http://127.0.0.1:9", BKPAAS_APP_SECRET="s", BK_TOKEN="t")
    with bkcc.Client.from_env(environ=env) as client:
        body = client.build_request("bk_switch", switches(1))["body"]
    assert body["bk_app_code"] == code
    assert body["bk_app_secret"] == "s" and body["bk_token"] == "t"


def test_from_env_keyword_arguments_override_and_none_removes():
    env = {"BK_COMPONENT_API_URL": "http://127.0.0.1:9", "BK_APP_CODE": "code", "BK_APP_SECRET": "secret",
           "BK_USERNAME": "alice", "BK_TOKEN": "tok"}
    with bkcc.Client.from_env(environ=env, username="bob", token=None, user_agent="ua") as client:
        request = client.build_request("bk_switch", switches(1))
    assert request["body"]["bk_username"] == "bob"
    assert "bk_token" not in request["body"]
    assert request["headers"]["User-Agent"] == "ua"


def test_from_env_reads_os_environ(monkeypatch):
    for name in ("BK_APP_CODE", "BKPAAS_APP_ID", "APP_CODE", "BK_APP_SECRET", "BKPAAS_APP_SECRET", "BK_USERNAME",
                 "BK_TOKEN", "BKCC_API"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BK_COMPONENT_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("BK_APP_CODE", "from-os")
    monkeypatch.setenv("BK_APP_SECRET", "s")
    monkeypatch.setenv("BK_USERNAME", "u")
    monkeypatch.setenv("BKCC_API", "apigw")
    with bkcc.Client.from_env() as client:
        assert "/api/bk-cmdb/" in client.build_request("bk_switch", switches(1))["url"]


def test_from_env_without_a_url_names_the_key():
    with pytest.raises(bkcc.InvalidArgumentError, match="url"):
        bkcc.Client.from_env(environ={"BK_APP_CODE": "a", "BK_APP_SECRET": "s", "BK_USERNAME": "u"})


# MARK: lifetime

def test_with_closes_the_client():
    with bkcc.Client(**BASE) as client:
        assert not client.closed
    assert client.closed
    assert client._handle is None


def test_a_closed_client_raises_before_touching_c(monkeypatch):
    client = bkcc.Client(**BASE)
    client.close()
    client.close()  # twice is fine

    def untouchable(*args):
        raise AssertionError("the library was called")

    for name in ("bkcc_batch_create_inst_json", "bkcc_reconcile", "bkcc_build_request"):
        monkeypatch.setattr(bkcc._ffi.lib, name, untouchable)
    calls = [lambda: client.batch_create_inst("bk_switch", switches(1)),
             lambda: client.reconcile("bk_switch", switches(1), {"success_created": {}, "unknown": {"0": "x"}}),
             lambda: client.build_request("bk_switch", switches(1))]
    for call in calls:
        with pytest.raises(bkcc.InvalidArgumentError, match="closed"):
            call()
    with pytest.raises(bkcc.InvalidArgumentError, match="closed"):
        with client:
            pass


def test_repr_shows_no_secret():
    with bkcc.Client(**BASE) as client:
        assert APP_SECRET not in repr(client)
        assert "http://127.0.0.1:9" in repr(client)
    assert "closed" in repr(client)


def test_a_dropped_client_is_freed():
    client = bkcc.Client(**BASE)
    client.__del__()
    assert client._handle is None
    del client
