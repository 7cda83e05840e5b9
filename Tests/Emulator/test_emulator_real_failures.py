"""The failure answers of the real servers, as faults (README "Faults of the real servers"): status codes, bodies,
headers, and what was stored, on both routes. Raw HTTP (http.client) against a subprocess on 127.0.0.1."""

import json

import pytest

from conftest import APP_CODE, APP_SECRET, BODY_AUTH, ESB_CREATE, HEADER_AUTH, gw_create_path, switches

GW_5XX = {
    "gw_504": (504, 1650401, "REQUEST_BACKEND_TIMEOUT",
               'Request backend service timeout [upstream_error="connection timed out while reading response '
               'header from upstream OR reading upstream"]'),
    "gw_502_requesting": (502, 1650201, "ERROR_REQUESTING_RESOURCE", "Request backend service failed"),
    "gw_502_bad_gateway": (502, 1650200, "BAD_GATEWAY",
                           'Bad Gateway [upstream_error="connection reset by peer OR upstream prematurely closed '
                           'connection"]'),
    "gw_500": (500, 1650000, "REQUEST_RESOURCE_5xx", "Request backend service status code is 5xx"),
    "gw_500_1650001": (500, 1650001, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
    "gw_503": (503, 1650300, "SERVICE_UNAVAILABLE", "Service Unavailable"),
}
GW_429 = {
    "gw_429_1642901": (1642901, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by stage global limit",
                       "bk-stage-global-rate-limit"),
    "gw_429_1642902": (1642902, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by stage strategy",
                       "bk-stage-rate-limit"),
    "gw_429_1642903": (1642903, "RATE_LIMIT_RESTRICTION", "API rate limit exceeded by resource strategy",
                       "bk-resource-rate-limit"),
}
ESB_TIMEOUT = ("Component request third-party system [CC] interface [batch_create_inst] error: Third-party system "
               "interface response time exceeds 30 seconds, please try again later or contact component developer "
               "to handle this")
HTTP_FAILED = "HTTP request failed%!(EXTRA string=http request failed)"
EN = {"X-Bkcmdb-Language": "en"}


def create(emu, route, details, headers=None, **kw):
    if route == "esb":
        return emu.esb_create("bk_switch", details, headers=headers, **kw)
    return emu.gw_create("bk_switch", details, headers=headers, **kw)


def items(r):
    body = r.json()
    assert r.status == 200 and body["result"] is True and body["code"] == 0, body
    return body["data"]["success_created"], body["data"]["error_msg"]


def assert_gateway_error(r, status, code, code_name, message):
    assert r.status == status, r.body
    assert r.json() == {"code": code, "code_name": code_name, "message": message, "result": False, "data": None}
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert r.header("X-Bkapi-Error-Code") == str(code)
    assert r.header("X-Bkapi-Error-Message") == message
    assert r.header("X-Bkapi-Request-Id")
    assert r.header("Retry-After") is None


def assert_cmdb_failure(r, code, message):
    assert r.status == 200, r.body
    body = r.json()
    assert body["result"] is False and body["code"] == code and body["message"] == message, body
    assert body["data"] is None
    return body


def asset_ids(emu):
    return [i["bk_asset_id"] for i in emu.instances("bk_switch")]


# ------------------------------------------------------------------------------------------------
# The gateway's 5xx after CMDB acted
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["apigw", "esb"])
@pytest.mark.parametrize("name", sorted(GW_5XX))
def test_gateway_5xx_after_the_items_were_stored(emu, name, route):
    status, code, code_name, message = GW_5XX[name]
    emu.set_faults([{"name": name, "count": 1}])
    r = create(emu, route, switches(3))
    assert_gateway_error(r, status, code, code_name, message)
    assert asset_ids(emu) == ["sw-asset-0", "sw-asset-1", "sw-asset-2"]
    stats = emu.stats()
    assert stats["requests"]["batch_create_inst"] == 1 and stats["items_created"] == 3
    assert stats["faults_applied"] == {name: 1} and emu.faults() == []
    # the next request is answered normally: the retried items are duplicates now
    created, errors = items(create(emu, route, switches(3), headers=EN))
    assert created == {} and len(errors) == 3


def test_gateway_5xx_on_search_and_only_what_reached_cmdb(emu):
    emu.set_faults(["gw_504"])
    r = emu.gw_search("bk_switch", {})
    assert_gateway_error(r, *GW_5XX["gw_504"])
    # a request that the gateway / the ESB answered itself (credentials) is answered as it is
    r = emu.post(gw_create_path("bk_switch"), {"details": switches(1)})
    assert r.status == 400 and r.json()["code"] == 1640001
    r = emu.esb_create("bk_switch", switches(1), auth={"bk_app_code": APP_CODE})
    assert r.status == 200 and r.json()["code"] == 1306000
    # but a CMDB failure (here: an unknown model) is replaced: CMDB had answered
    r = emu.gw_create("no_such_model", switches(1))
    assert r.status == 504 and r.json()["code"] == 1650401
    assert emu.stats()["instances"] == 0


def test_gateway_5xx_only_and_count(emu):
    emu.set_faults([{"name": "gw_503", "count": 1, "only": "search_inst"}])
    assert items(emu.gw_create("bk_switch", switches(2)))[0] == {"0": 1001, "1": 1002}
    assert emu.faults()[0]["count"] == 1
    assert emu.gw_search("bk_switch", {}).status == 503
    assert emu.gw_search("bk_switch", {}).status == 200


# ------------------------------------------------------------------------------------------------
# The gateway's 429s: nothing done
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["apigw", "esb"])
@pytest.mark.parametrize("name", sorted(GW_429))
def test_gateway_rate_limits_without_retry_after(emu, name, route):
    code, code_name, message, plugin = GW_429[name]
    emu.set_faults([name])
    r = create(emu, route, switches(3))
    assert_gateway_error(r, 429, code, code_name, message)
    assert r.header("X-Bkapi-RateLimit-Limit") == "100"
    assert r.header("X-Bkapi-RateLimit-Remaining") == "0"
    assert r.header("X-Bkapi-RateLimit-Reset") == "1"
    assert r.header("X-Bkapi-RateLimit-Plugin") == plugin
    stats = emu.stats()
    assert stats["instances"] == 0 and stats["rate_limited"] == 1
    assert stats["requests"]["batch_create_inst"] == 1 and stats["faults_applied"] == {name: 1}


def test_gateway_concurrency_limit(emu):
    emu.set_faults(["gw_429_1642904"])
    r = emu.post("/api/bk-cmdb/stag/api/v3/createmany/instance/object/bk_switch", {"details": switches(1)},
                 {"X-Bkapi-Authorization": HEADER_AUTH})
    message = 'Request concurrency exceeds [key="bk-cmdb:stag:%s"]' % APP_CODE
    assert_gateway_error(r, 429, 1642904, "CONCURRENCY_LIMIT_RESTRICTION", message)
    assert r.header("X-Bkapi-RateLimit-Limit") is None
    r = emu.esb_create("bk_switch", switches(1))
    assert_gateway_error(r, 429, 1642904, "CONCURRENCY_LIMIT_RESTRICTION",
                         'Request concurrency exceeds [key="bk-esb:prod:%s"]' % APP_CODE)
    assert emu.stats()["instances"] == 0


def test_the_old_rate_limit_fault_is_kept(emu):
    emu.set_faults(["rate_limit:3"])
    r = emu.gw_create("bk_switch", switches(1))
    assert r.status == 429 and r.json()["code"] == 1642902 and r.header("Retry-After") == "3"


# ------------------------------------------------------------------------------------------------
# The ESB after CMDB acted
# ------------------------------------------------------------------------------------------------

def test_esb_1306201_after_the_items_were_stored(emu):
    emu.set_faults([{"name": "esb_1306201", "count": 1}])
    assert_cmdb_failure(emu.esb_create("bk_switch", switches(2)), 1306201, ESB_TIMEOUT)
    assert asset_ids(emu) == ["sw-asset-0", "sw-asset-1"]
    r = emu.esb_search("bk_switch", {})
    assert r.json()["result"] is True and r.json()["data"]["count"] == 2
    emu.set_faults(["esb_1306201"])
    body = assert_cmdb_failure(emu.esb_search("bk_switch", {}), 1306201,
                               ESB_TIMEOUT.replace("[batch_create_inst]", "[search_inst]"))
    assert body["request_id"] and body["permission"] is None


def test_esb_1306000_not_json_quotes_the_answer(emu):
    emu.set_faults([{"name": "esb_1306000_not_json", "count": 1}])
    r = emu.esb_create("bk_switch", switches(2), headers={"Blueking-Language": "zh-cn"})
    body = r.json()
    assert r.status == 200 and body["result"] is False and body["code"] == 1306000 and body["data"] is None
    prefix = "Request interface error, the response content is not a json string: "
    assert body["message"].startswith(prefix + "<html>\r\n<head><title>502 Bad Gateway</title>")
    assert body["message"].endswith("</html>\r\n")
    assert asset_ids(emu) == ["sw-asset-0", "sw-asset-1"]


def test_esb_faults_do_not_apply_to_the_gateway(emu):
    emu.set_faults([{"name": "esb_1306201", "count": 1}, {"name": "esb_1306000_not_json", "count": 1}])
    assert items(emu.gw_create("bk_switch", switches(1)))[0] == {"0": 1001}
    assert [f["count"] for f in emu.faults()] == [1, 1]     # not used up by a request they do not apply to
    assert emu.esb_create("bk_switch", switches(1, "b")).json()["code"] == 1306201   # the first listed answers
    assert emu.faults() == []
    assert emu.stats()["faults_applied"] == {"esb_1306201": 1, "esb_1306000_not_json": 1}


# ------------------------------------------------------------------------------------------------
# CMDB: 1199002 after a partial save, 1199997 from its own limiter
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["esb", "apigw"])
def test_cmdb_1199002_after_the_first_k_items(emu, route):
    emu.set_faults([{"name": "cmdb_1199002", "arg": 2, "count": 1}])
    r = create(emu, route, switches(4), headers=EN)
    body = assert_cmdb_failure(r, 1199002, HTTP_FAILED)
    assert body["permission"] is None
    assert asset_ids(emu) == ["sw-asset-0", "sw-asset-1"]
    assert emu.stats()["items_created"] == 2 and emu.stats()["items_received"] == 4
    # the retry finds the first two stored
    created, errors = items(create(emu, route, switches(4), headers=EN))
    assert created == {"2": 1003, "3": 1004} and sorted(errors) == ["0", "1"]


def test_cmdb_1199002_items_fail_their_own_checks_and_language(emu):
    items(emu.esb_create("bk_switch", switches(1)))
    emu.set_faults(["cmdb_1199002:3"])
    details = switches(4)                       # item 0 is a duplicate, item 1 lacks its asset id
    details[1] = {"bk_inst_name": "no-asset"}
    r = emu.esb_create("bk_switch", details, headers={"Blueking-Language": "zh-cn"})
    assert_cmdb_failure(r, 1199002, "HTTP请求失败%!(EXTRA string=http request failed)")
    assert asset_ids(emu) == ["sw-asset-0", "sw-asset-2"]
    emu.set_faults(["cmdb_1199002:0"])
    assert_cmdb_failure(emu.esb_create("bk_switch", switches(2, "z")), 1199002, HTTP_FAILED)
    emu.set_faults(["cmdb_1199002:50"])        # more than the request has: every item handled, then 1199002
    assert_cmdb_failure(emu.esb_create("bk_switch", switches(2, "y")), 1199002, HTTP_FAILED)
    assert len(emu.instances("bk_switch")) == 4
    # whole-request failures are answered as they are; searches are not creates
    assert emu.esb_create("host", switches(1)).json()["code"] == 1199084
    assert emu.esb_search("bk_switch", {}).json()["data"]["count"] == 4


def test_cmdb_1199002_argument_checks(emu):
    for bad in (["cmdb_1199002"], ["cmdb_1199002:x"], ["cmdb_1199002:-1"],
                [{"name": "cmdb_1199002", "arg": 1, "only": "search_inst"}], [{"name": "dup_inst_id",
                                                                               "only": "search_inst"}]):
        r = emu.post("/_emulator/faults", bad)
        assert r.status == 400 and "error" in r.json(), bad
    assert emu.set_faults(["cmdb_1199002:7"])["faults"] == [
        {"name": "cmdb_1199002", "arg": 7, "count": None, "only": None}]


def test_cmdb_faults_at_start(spawn):
    e = spawn("--fault", "cmdb_1199002:1", "--fault", "gw_502_bad_gateway")
    r = e.esb_create("bk_switch", switches(3))
    assert r.status == 502 and r.json()["code"] == 1650200      # the gateway in front of the ESB answers last
    assert [i["bk_asset_id"] for i in e.instances("bk_switch")] == ["sw-asset-0"]


@pytest.mark.parametrize("route", ["esb", "apigw"])
def test_cmdb_1199997_too_many_requests(emu, route):
    emu.set_faults([{"name": "cmdb_1199997", "count": 2}])
    for _ in range(2):
        body = assert_cmdb_failure(create(emu, route, switches(3), headers={"X-Bkcmdb-Language": "zh-cn"}),
                                   1199997, "too many requests")
        assert body["permission"] is None
    assert emu.stats()["instances"] == 0 and emu.stats()["rate_limited"] == 2
    assert emu.stats()["requests"]["batch_create_inst"] == 2
    assert len(items(create(emu, route, switches(3)))[0]) == 3


# ------------------------------------------------------------------------------------------------
# Secrets quoted back
# ------------------------------------------------------------------------------------------------

def test_echo_secret_in_message_and_every_error_msg(emu):
    items(emu.esb_create("bk_switch", switches(1)))
    emu.set_faults(["echo_secret"])
    auth = dict(BODY_AUTH, bk_token="tok-123")
    r = emu.esb_create("bk_switch", switches(3), auth=auth)
    body = r.json()
    tail = ' [bk_app_secret="%s" bk_token="tok-123"]' % APP_SECRET
    assert body["result"] is True and body["message"] == "success" + tail
    assert body["data"]["success_created"] == {"1": 1002, "2": 1003}      # stored as a normal create would
    assert body["data"]["error_msg"] == {
        "0": 'duplicated instances exist, fields [ bk_asset_id: "sw-asset-0" ] duplicated' + tail}
    assert len(emu.instances("bk_switch")) == 3
    # credentials in the header, an access token on the gateway, and a failed check quote them too
    r = emu.post(gw_create_path("bk_switch"), {"details": switches(1, "t")},
                 {"X-Bkapi-Authorization": json.dumps({"access_token": "at-456"})})
    assert r.json()["message"] == 'success [access_token="at-456"]'
    r = emu.post(gw_create_path("bk_switch"), {"details": switches(1, "w")}, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": "wrong-secret-789", "bk_username": "a"})})
    assert r.status == 400 and r.json()["message"].endswith('[bk_app_secret="wrong-secret-789"]')
    assert r.header("X-Bkapi-Error-Message") == r.json()["message"]
    r = emu.esb_create("bk_switch", [], auth={"bk_app_code": APP_CODE, "bk_app_secret": "wrong-secret-789",
                                              "bk_username": "a"})
    assert r.json()["code"] == 1306000 and 'bk_app_secret="wrong-secret-789"' in r.json()["message"]


def test_echo_secret_html_page(emu):
    emu.set_faults([{"name": "echo_secret", "arg": "html", "count": 1}])
    r = emu.gw_create("bk_switch", switches(2), headers={"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_token": "tok-html"})})
    assert r.status == 502 and r.header("Content-Type") == "text/html"
    text = r.body.decode("utf-8")
    assert '<title>502 Bad Gateway: bk_app_secret="%s" bk_token="tok-html"</title>' % APP_SECRET in text
    assert emu.stats()["instances"] == 0 and emu.stats()["faults_applied"] == {"echo_secret": 1}
    assert r.header("Connection") == "close"
    assert emu.post("/_emulator/faults", ["echo_secret:xml"]).status == 400


# ------------------------------------------------------------------------------------------------
# result:true answers that cannot be trusted
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["esb", "apigw"])
def test_dup_inst_id(emu, route):
    emu.set_faults([{"name": "dup_inst_id", "count": 1}])
    created, errors = items(create(emu, route, switches(3)))
    assert created == {"0": 1001, "1": 1001, "2": 1003} and errors == {}
    assert [i["bk_inst_id"] for i in emu.instances("bk_switch")] == [1001, 1002, 1003]


def test_result_true_nonzero_code(emu):
    emu.set_faults(["result_true_nonzero_code"])
    body = emu.esb_create("bk_switch", switches(2)).json()
    assert body["result"] is True and body["code"] == 1199002
    assert body["data"]["success_created"] == {"0": 1001, "1": 1002}
    assert len(emu.instances("bk_switch")) == 2
    # a failed request stays a failure
    assert emu.esb_create("host", switches(1)).json()["code"] == 1199084
    emu.config(envelope="native")
    body = emu.gw_create("bk_switch", switches(1, "n")).json()
    assert body["result"] is True and body["bk_error_code"] == 1199002


# ------------------------------------------------------------------------------------------------
# Duplicates, languages, success messages
# ------------------------------------------------------------------------------------------------

def test_duplicate_messages_embed_the_value_in_both_languages(emu):
    items(emu.esb_create("bk_switch", [{"bk_inst_name": "s1", "bk_asset_id": "test_001"}]))
    again = [{"bk_inst_name": "s1", "bk_asset_id": "test_001"}]
    en = 'duplicated instances exist, fields [ bk_asset_id: "test_001" ] duplicated'
    zh = '数据唯一性校验失败，  bk_asset_id: "test_001"  重复'
    assert items(emu.esb_create("bk_switch", again))[1] == {"0": en}                        # ESB default: en
    assert items(emu.esb_create("bk_switch", again, headers={"Blueking-Language": "en"}))[1] == {"0": en}
    assert items(emu.esb_create("bk_switch", again, headers={"Blueking-Language": "zh-cn"}))[1] == {"0": zh}
    assert items(emu.esb_create("bk_switch", again, headers={"Blueking-Language": "ja"}))[1] == {"0": zh}
    assert items(emu.gw_create("bk_switch", again))[1] == {"0": zh}                         # gateway default: zh
    assert items(emu.gw_create("bk_switch", again, headers={"X-Bkcmdb-Language": "zh-cn"}))[1] == {"0": zh}
    assert items(emu.gw_create("bk_switch", again, headers=EN))[1] == {"0": en}
    # quotes and non-ASCII in the value, a number in a composite key
    items(emu.esb_create("cabinet", [{"bk_inst_name": '机柜 "A"'}]))
    assert items(emu.esb_create("cabinet", [{"bk_inst_name": '机柜 "A"'}]))[1] == {
        "0": 'duplicated instances exist, fields [ bk_inst_name: "机柜 \\"A\\"" ] duplicated'}


def test_success_messages(emu):
    body = emu.esb_create("bk_switch", switches(1)).json()
    assert body["result"] is True and body["code"] == 0 and body["message"] == "success"
    assert emu.gw_create("bk_switch", switches(1, "g")).json()["message"] == "success"
    assert emu.esb_search("bk_switch", {}).json()["message"] == "success"
    assert emu.gw_search("bk_switch", {}).json()["message"] == "success"


def test_gateway_default_language_is_chinese_for_cmdb_texts_only(emu):
    r = emu.gw_create("bk_switch", [])
    assert r.json()["message"] == "数据 details 不能为空"
    r = emu.post(gw_create_path("bk_switch"), {"details": []})            # the gateway's own error: English
    assert r.status == 400 and r.json()["message"] == 'Parameters error [reason="app code cannot be empty"]'
    r = emu.post(ESB_CREATE, dict(BODY_AUTH, details=[]))                  # the ESB's own error: English
    assert r.json()["message"] == "Parameters error, param bk_obj_id is required"
