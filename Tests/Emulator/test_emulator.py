"""The CMDB emulator's own tests, by raw HTTP (http.client and socket) against a subprocess."""

import http.client
import json
import os
import re
import signal
import socket
import statistics
import threading
import time

import pytest

from conftest import (APP_CODE, APP_SECRET, BODY_AUTH, ESB_CREATE, ESB_SEARCH, HEADER_AUTH, Emulator, gw_create_path,
                      gw_search_path, switches)

HEX32 = re.compile(r"^[0-9a-f]{32}$")

# The published example request (reference/batch_create_inst.api.md), with the emulator's credentials.
PUBLISHED_EXAMPLE = {
    "bk_app_code": APP_CODE,
    "bk_app_secret": APP_SECRET,
    "bk_username": "xxx",
    "bk_token": "xxx",
    "bk_obj_id": "bk_switch",
    "details": [
        {"bk_inst_name": "s1", "bk_asset_id": "test_001", "bk_sn": "00000001", "bk_operator": "admin"},
        {"bk_inst_name": "s2", "bk_asset_id": "test_002", "bk_sn": "00000002", "bk_operator": "admin"},
        {"bk_inst_name": "s3", "bk_asset_id": "test_003", "bk_sn": "00000003", "bk_operator": "admin"},
    ],
}


def esb_error(r, code, message):
    assert r.status == 200, r.body
    body = r.json()
    assert body["result"] is False, body
    assert body["code"] == code, body
    assert body["message"] == message, body
    assert body["data"] is None
    assert HEX32.match(body["request_id"])
    return body


def items(r):
    body = r.json()
    assert r.status == 200 and body["result"] is True and body["code"] == 0, body
    data = body["data"]
    assert set(data) == {"success_created", "error_msg"}
    return data["success_created"], data["error_msg"]


def wrapped(inner):
    return "'%s' the parameter is invalid or does not exist" % inner


# ------------------------------------------------------------------------------------------------
# Start-up, the published example
# ------------------------------------------------------------------------------------------------

def test_prints_url_first_and_starts_fast(shared_emulator):
    assert re.match(r"^http://127\.0\.0\.1:\d+$", shared_emulator.url)
    assert shared_emulator.startup_seconds < 2.0
    assert shared_emulator.get("/_emulator/health").json() == {"ok": True}


def test_published_example_created_then_duplicated(emu):
    r = emu.post(ESB_CREATE, PUBLISHED_EXAMPLE)
    body = r.json()
    assert r.status == 200
    assert body["result"] is True and body["code"] == 0 and body["permission"] is None
    assert HEX32.match(body["request_id"])
    assert body["data"] == {"success_created": {"0": 1001, "1": 1002, "2": 1003}, "error_msg": {}}

    r = emu.post(ESB_CREATE, PUBLISHED_EXAMPLE)
    created, errors = items(r)
    assert created == {}
    assert errors == {str(i): 'duplicated instances exist, fields [ bk_asset_id: "test_00%d" ] duplicated' % (i + 1)
                      for i in range(3)}
    stored = emu.instances("bk_switch")
    assert [i["bk_inst_id"] for i in stored] == [1001, 1002, 1003]
    assert stored[0]["bk_sn"] == "00000001" and stored[0]["bk_operator"] == "admin"
    assert stored[0]["bk_obj_id"] == "bk_switch"


# ------------------------------------------------------------------------------------------------
# ESB credentials
# ------------------------------------------------------------------------------------------------

def test_esb_credentials_in_body(emu):
    d = switches(1)
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_secret": APP_SECRET, "bk_username": "a"}),
              1306000, "APP Code [bk_app_code] cannot be empty")
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_code": APP_CODE, "bk_username": "a"}),
              1306000, "APP Secret [bk_app_secret] cannot be empty")
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_code": APP_CODE, "bk_app_secret": "wrong",
                                                   "bk_username": "a"}),
              1306000, "APP authentication failed, please check that bk_app_code and bk_app_secret are correct")
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_code": "other", "bk_app_secret": APP_SECRET,
                                                   "bk_username": "a"}),
              1306000, "APP authentication failed, please check that bk_app_code and bk_app_secret are correct")
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET}),
              1306000, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username")
    esb_error(emu.esb_create("bk_switch", d, auth={"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET,
                                                   "bk_username": "  "}),
              1306000, "User authentication failed, please provide a valid user identity, such as bk_token, bk_username")
    assert emu.stats()["instances"] == 0
    created, _ = items(emu.esb_create("bk_switch", d, auth={"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET,
                                                            "bk_token": "tok"}))
    assert created == {"0": 1001}


def test_esb_credentials_in_header(emu):
    body = {"bk_obj_id": "bk_switch", "details": switches(2)}
    r = emu.post(ESB_CREATE, body, {"X-Bkapi-Authorization": HEADER_AUTH})
    assert items(r)[0] == {"0": 1001, "1": 1002}
    esb_error(emu.post(ESB_CREATE, body, {"X-Bkapi-Authorization": "{not json"}), 1306406,
              "Parameters error, request header [X-Bkapi-Authorization] is not a valid JSON object")
    esb_error(emu.post(ESB_CREATE, body, {"X-Bkapi-Authorization": "[1, 2]"}), 1306406,
              "Parameters error, request header [X-Bkapi-Authorization] is not a valid JSON object")
    esb_error(emu.post(ESB_CREATE, body, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": "nope", "bk_username": "a"})}), 1306000,
        "APP authentication failed, please check that bk_app_code and bk_app_secret are correct")
    # header and body combine: the app in the header, the user in the body
    body2 = {"bk_obj_id": "bk_switch", "details": switches(1, "h"), "bk_username": "admin"}
    r = emu.post(ESB_CREATE, body2, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET})})
    assert items(r)[0] == {"0": 1003}


def test_esb_bk_obj_id_required_and_chinese(emu):
    body = dict(BODY_AUTH, details=switches(1))
    esb_error(emu.post(ESB_CREATE, body), 1306406, "Parameters error, param bk_obj_id is required")
    r = emu.post(ESB_CREATE, dict(body, bk_obj_id=""), {"Blueking-Language": "zh-cn"})
    esb_error(r, 1306406, "参数错误，参数 bk_obj_id 为必填项")
    r = emu.esb_create("bk_switch", switches(1), auth={"bk_app_secret": APP_SECRET},
                       headers={"Blueking-Language": "zh-cn"})
    esb_error(r, 1306000, "应用编码 [bk_app_code] 不能为空")


# ------------------------------------------------------------------------------------------------
# Gateway credentials and gateway errors
# ------------------------------------------------------------------------------------------------

def gw_error(r, status, code, message=None):
    assert r.status == status, r.body
    body = r.json()
    assert body["result"] is False and body["code"] == code and body["data"] is None, body
    assert body["code_name"]
    assert r.header("X-Bkapi-Error-Code") == str(code)
    assert r.header("X-Bkapi-Error-Message") == body["message"]
    assert r.header("X-Bkapi-Request-Id")
    if message is not None:
        assert body["message"] == message, body
    return body


def test_gateway_credentials_header_only(emu):
    path = gw_create_path("bk_switch")
    details = {"details": switches(1)}
    gw_error(emu.post(path, details), 400, 1640001, 'Parameters error [reason="app code cannot be empty"]')
    # credentials in the body do not count on the gateway
    gw_error(emu.post(path, dict(BODY_AUTH, **details)), 400, 1640001)
    gw_error(emu.post(path, details, {"X-Bkapi-Authorization": "nope"}), 400, 1640001,
             'Parameters error [reason="request header X-Bkapi-Authorization is not a valid JSON object"]')
    gw_error(emu.post(path, details, {"X-Bkapi-Authorization": json.dumps({"bk_app_code": APP_CODE})}),
             400, 1640001, 'Parameters error [reason="app secret cannot be empty"]')
    gw_error(emu.post(path, details, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": "x", "bk_username": "a"})}),
        400, 1640001, 'Parameters error [reason="bk_app_code or bk_app_secret is incorrect"]')
    body = gw_error(emu.post(path, details, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET})}), 400, 1640001)
    assert "user authentication failed" in body["message"]
    assert emu.stats()["instances"] == 0
    assert items(emu.gw_create("bk_switch", switches(1)))[0] == {"0": 1001}
    r = emu.post(path, {"details": switches(1, "tok")}, {"X-Bkapi-Authorization": json.dumps(
        {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_token": "t"})})
    assert items(r)[0] == {"0": 1002}
    r = emu.post(path, {"details": switches(1, "at")}, {"X-Bkapi-Authorization": json.dumps({"access_token": "a"})})
    assert items(r)[0] == {"0": 1003}


def test_gateway_unknown_path_is_404(emu):
    r = emu.post("/api/bk-cmdb/prod/api/v3/nothing/here", {}, {"X-Bkapi-Authorization": HEADER_AUTH})
    gw_error(r, 404, 1640401)
    r = emu.get(gw_create_path("bk_switch"))
    gw_error(r, 404, 1640401)
    r = emu.post("/api/c/compapi/v2/cc/no_such_component/", BODY_AUTH)
    assert r.status == 404 and r.json()["result"] is False


def test_gateway_success_envelope_and_request_ids(emu):
    r = emu.gw_create("bk_router", switches(2), headers={"X-Request-Id": "import-42.part-1"})
    body = r.json()
    assert body["result"] is True and body["code"] == 0 and body["message"] == "success"
    assert body["request_id"] == "import-42.part-1"
    assert r.header("X-Bkapi-Request-Id") == "import-42.part-1"
    assert r.header("X-Request-Id") == "import-42.part-1"
    r = emu.gw_create("bk_router", switches(1, "b"))
    assert HEX32.match(r.json()["request_id"]) and r.header("X-Bkapi-Request-Id") == r.json()["request_id"]
    assert r.header("X-Request-Id") is None
    # on the ESB the body request_id stays a fresh 32-hex id; the header is echoed
    r = emu.esb_create("bk_router", switches(1, "c"), headers={"X-Request-Id": "import-42.part-2"})
    assert HEX32.match(r.json()["request_id"])
    assert r.header("X-Request-Id") == "import-42.part-2"
    ids = {emu.esb_create("bk_router", switches(1, "d%d" % i)).json()["request_id"] for i in range(5)}
    assert len(ids) == 5


# ------------------------------------------------------------------------------------------------
# Whole-request failures, in order
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ["esb", "apigw"])
def test_whole_request_failures_in_order(emu, route):
    def send(obj_id, body_or_raw):
        if route == "esb":
            if isinstance(body_or_raw, dict):
                body = dict(BODY_AUTH, bk_obj_id=obj_id, **body_or_raw)
                return emu.post(ESB_CREATE, body)
            return emu.post(ESB_CREATE, body_or_raw, {"X-Bkapi-Authorization": HEADER_AUTH})
        return emu.post(gw_create_path(obj_id), body_or_raw,
                        {"X-Bkapi-Authorization": HEADER_AUTH, "X-Bkcmdb-Language": "en"})

    def fails(r, code, message):
        assert r.status == 200, r.body
        body = r.json()
        assert body["result"] is False and body["code"] == code and body["message"] == message, body
        assert body["data"] is None and body["permission"] is None

    bad_json = "Deserializing JSON data failed"
    fails(send("bk_switch", "{not json"), 1199000, bad_json)
    fails(send("bk_switch", b"\xff\xfe{}"), 1199000, bad_json)
    fails(send("host", {"details": "nope"}), 1199000, bad_json)          # JSON shape before the model
    fails(send("host", {"details": [1, 2]}), 1199000, bad_json)
    fails(send("bk_switch", {"details": {"a": 1}}), 1199000, bad_json)
    inner = "forbidden operate inner model instance with common instance API"
    for obj in ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "host", "plat"):
        fails(send(obj, {"details": []}), 1199084, inner)                  # before empty details
    fails(send("host", {"details": switches(201)}), 1199084, inner)
    mainline = "forbidden operate mainline model instance with common instance API"
    fails(send("bk_zone", {"details": []}), 1199075, mainline)
    fails(send("bk_zone", {"details": [{"bk_inst_name": "z1"}]}), 1199075, mainline)
    fails(send("no_such_model", {"details": []}), 1199045, "model [map[bk_obj_id:no_such_model]] not found")
    fails(send("bk_switch", {"details": []}), 1199038, "need data details is null")
    fails(send("bk_switch", {}), 1199038, "need data details is null")
    fails(send("bk_switch", {"details": None}), 1199038, "need data details is null")
    fails(send("bk_switch", {"details": switches(200, "x") + [None]}), 1199035, " details exceed the limit 200")
    fails(send("bk_switch", {"details": switches(3, "n") + [None]}), 1199002, "HTTP request failed")
    fails(send("bk_switch", {"details": [None] + switches(3, "n")}), 1199002, "HTTP request failed")
    fails(send("bk_switch", {"details": [dict(switches(1, "b")[0], bk_biz_id="2")]}), 1199011,
          "'bk_biz_id' the parameter is invalid or does not exist")
    fails(send("bk_switch", {"details": [dict(switches(1, "b")[0], bk_biz_id=999)]}), 1199011,
          "'bk_biz_id' the parameter is invalid or does not exist")
    assert emu.stats()["instances"] == 0
    # exactly 200 is fine, and a known business is kept
    created, errors = items(send("bk_switch", {"details": switches(199, "ok") + [
        dict(switches(1, "biz")[0], bk_biz_id=2)]}))
    assert len(created) == 200 and errors == {}
    assert emu.instances("bk_switch")[-1]["bk_biz_id"] == 2


def test_whole_request_failures_in_chinese(emu):
    r = emu.esb_create("host", [], headers={"Blueking-Language": "zh-cn"})
    assert r.json()["message"] == "禁止使用通用实例接口操作内置模型实例"
    r = emu.post(gw_create_path("bk_switch"), {"details": []},
                 {"X-Bkapi-Authorization": HEADER_AUTH, "X-Bkcmdb-Language": "zh-cn"})
    assert r.json()["code"] == 1199038 and r.json()["message"] == "数据 details 不能为空"
    r = emu.post(gw_create_path("bk_switch"), {"details": switches(201)},
                 {"X-Bkapi-Authorization": HEADER_AUTH, "X-Bkcmdb-Language": "zh-cn"})
    assert r.json()["message"] == " details 超过限制 200"
    # the ESB language header does not switch the gateway, and vice versa
    r = emu.post(gw_create_path("bk_switch"), {"details": []},
                 {"X-Bkapi-Authorization": HEADER_AUTH, "Blueking-Language": "zh-cn", "X-Bkcmdb-Language": "en"})
    assert r.json()["message"] == "need data details is null"
    r = emu.esb_create("bk_switch", [], headers={"X-Bkcmdb-Language": "zh-cn"})
    assert r.json()["message"] == "need data details is null"


# ------------------------------------------------------------------------------------------------
# Per-item failures
# ------------------------------------------------------------------------------------------------

def test_per_item_failures_messages_and_partial_success(emu):
    details = [
        {"bk_inst_name": "ok-0", "bk_asset_id": "A0"},                                   # 0 created
        {"bk_inst_name": "no-asset"},                                                      # 1 required absent
        {"bk_inst_name": "empty-asset", "bk_asset_id": "   "},                            # 2 required empty
        {"bk_inst_name": "", "bk_asset_id": "A3"},                                         # 3 required empty
        {"bk_inst_name": "sn-int", "bk_asset_id": "A4", "bk_sn": 12345},                  # 4 wrong type
        {"bk_inst_name": "ip", "bk_asset_id": "A5", "bk_admin_ip": "1.2.3"},              # 5 regex
        {"bk_inst_name": "status", "bk_asset_id": "A6", "bk_biz_status": "9"},            # 6 no such enum id
        {"bk_inst_name": "long", "bk_asset_id": "A7", "bk_sn": "x" * 257},                # 7 too long
        {"bk_inst_name": "max", "bk_asset_id": "A8", "bk_sn": "y" * 256, "bk_detail": "d" * 2000},  # 8 created
        {"bk_inst_name": "dup", "bk_asset_id": "A0"},                                      # 9 duplicate (item 0)
        {"bk_inst_name": "dup-trim", "bk_asset_id": "  A8 "},                             # 10 duplicate, trimmed
        {"bk_inst_name": "first", "bk_asset_id": "A11"},                                   # 11 created
        {"bk_inst_name": "second", "bk_asset_id": "A11"},                                  # 12 duplicate (first wins)
        {"bk_inst_name": "null-sn", "bk_asset_id": "A13", "bk_sn": None},                 # 13 created
        {"bk_inst_name": "ünïcödé", "bk_asset_id": "A14", "bk_sn": "é" * 128},           # 14 created (256 bytes)
        {"bk_inst_name": ["x"], "bk_asset_id": "A15"},                                     # 15 wrong type
        {"bk_inst_name": "bytes", "bk_asset_id": "A16", "bk_sn": "é" * 129},             # 16 258 bytes: too long
    ]
    created, errors = items(emu.esb_create("bk_switch", details))
    assert created == {"0": 1001, "8": 1002, "11": 1003, "13": 1004, "14": 1005}
    assert errors == {
        "1": "'bk_asset_id' unassigned",                 # absent: the id, not wrapped
        "2": wrapped("'固资编号' unassigned"),            # present but blank: the display name, wrapped
        "3": wrapped("'名称' unassigned"),
        "4": wrapped("'SN' must be a string type"),
        "5": wrapped("'管理IP' Field regular check failed"),
        "6": wrapped("'运营状态' data parameter verification does not pass"),
        "7": wrapped("Data out of bounds%!(EXTRA string=SN)"),
        "9": 'duplicated instances exist, fields [ bk_asset_id: "A0" ] duplicated',
        "10": 'duplicated instances exist, fields [ bk_asset_id: "A8" ] duplicated',
        "12": 'duplicated instances exist, fields [ bk_asset_id: "A11" ] duplicated',
        "15": wrapped("'名称' must be a string type"),
        "16": wrapped("Data out of bounds%!(EXTRA string=SN)"),
    }
    assert set(created) | set(errors) == {str(i) for i in range(len(details))}
    # a failed first item does not block a later equal one
    created, errors = items(emu.esb_create("bk_switch", [
        {"bk_inst_name": "bad", "bk_asset_id": "B0", "bk_biz_status": 3},
        {"bk_inst_name": "good", "bk_asset_id": "B0"}]))
    assert created == {"1": 1006} and list(errors) == ["0"]


def test_per_item_failures_in_chinese(emu):
    emu.esb_create("bk_switch", [{"bk_inst_name": "a", "bk_asset_id": "Z"}])
    r = emu.esb_create("bk_switch", [{"bk_inst_name": "x"}, {"bk_inst_name": "y", "bk_asset_id": "Z"},
                                     {"bk_inst_name": "z", "bk_asset_id": "Q", "bk_sn": 1},
                                     {"bk_inst_name": "w", "bk_asset_id": "W", "bk_sn": "号" * 86}],
                       headers={"Blueking-Language": "zh-cn"})
    created, errors = items(r)
    assert errors == {"0": "'bk_asset_id' 未赋值",
                      "1": '数据唯一性校验失败，  bk_asset_id: "Z"  重复',
                      "2": "''SN' 必须为字符串类型' 参数无效或不存在",
                      "3": "''SN' 数据越界' 参数无效或不存在"}


def test_unknown_attributes_dropped_strings_trimmed(emu):
    created, _ = items(emu.esb_create("bk_firewall", [{
        "bk_inst_name": "  fw-1  ", "bk_asset_id": "\tFW1\n", "bk_sn": " sn ", "bk_obj_id": "bk_switch",
        "bk_inst_id": 5, "no_such_attr": "x", "bk_supplier_account": "9", "bk_port_count": 8.0}]))
    inst = emu.instances("bk_firewall")[0]
    assert inst["bk_inst_id"] == created["0"] == 1001
    assert inst["bk_obj_id"] == "bk_firewall"
    assert inst["bk_inst_name"] == "fw-1" and inst["bk_asset_id"] == "FW1" and inst["bk_sn"] == "sn"
    assert "no_such_attr" not in inst and "bk_port_count" not in inst and inst["bk_supplier_account"] == "0"
    # every attribute of the model is stored: absent text as "", the absent enum as null
    assert inst["bk_vendor"] == "" and inst["bk_detail"] == "" and inst["bk_biz_status"] is None
    assert emu.instances("bk_switch") == []


def test_uniqueness_is_per_model_and_custom_model_unique_name(emu):
    created, _ = items(emu.esb_create("bk_switch", [{"bk_inst_name": "n", "bk_asset_id": "SAME"}]))
    created2, errors = items(emu.esb_create("bk_router", [{"bk_inst_name": "n", "bk_asset_id": "SAME"}]))
    assert created == {"0": 1001} and created2 == {"0": 1002} and errors == {}
    created, errors = items(emu.esb_create("cabinet", [
        {"bk_inst_name": "rack-1"}, {"bk_inst_name": "rack-1", "bk_asset_id": "other"},
        {"bk_inst_name": "rack-2", "bk_u_count": 0}, {"bk_inst_name": "rack-3", "bk_u_count": 42,
                                                      "bk_in_use": "yes"},
        {"bk_inst_name": "rack-4", "bk_power_kw": "three"}, {"bk_inst_name": "rack-5", "bk_power_kw": 3.5,
                                                             "bk_in_use": True},
        {"bk_inst_name": "rack-6", "bk_power_kw": "3"}]))           # a numeric string is a float to CMDB
    assert created == {"0": 1003, "5": 1004, "6": 1005}
    assert errors == {"1": 'duplicated instances exist, fields [ bk_inst_name: "rack-1" ] duplicated',
                      "2": wrapped("'bk_u_count' data parameter verification does not pass"),
                      "3": wrapped("'bk_in_use' must be boolean"),
                      "4": wrapped(wrapped("bk_power_kw"))}


def test_ids_from_one_sequence_across_models_and_routes(emu):
    a, _ = items(emu.esb_create("bk_switch", switches(2)))
    b, _ = items(emu.gw_create("bk_load_balance", switches(2)))
    c, _ = items(emu.esb_create("cabinet", [{"bk_inst_name": "r"}]))
    assert list(a.values()) + list(b.values()) + list(c.values()) == [1001, 1002, 1003, 1004, 1005]


# ------------------------------------------------------------------------------------------------
# search_inst
# ------------------------------------------------------------------------------------------------

def test_search_inst_esb_and_gateway(emu):
    details = switches(250)
    items(emu.esb_create("bk_switch", details[:200]))
    items(emu.esb_create("bk_switch", details[200:]))
    wanted = ["sw-asset-0", "sw-asset-199", "sw-asset-249", "missing"]
    query = {"condition": {"bk_switch": [{"field": "bk_asset_id", "operator": "$in", "value": wanted}]},
             "page": {"start": 0, "limit": 200}, "fields": ["bk_asset_id", "bk_inst_name"]}
    r = emu.esb_search("bk_switch", query)
    body = r.json()
    assert body["result"] is True and body["code"] == 0
    assert body["data"]["count"] == 3
    assert body["data"]["info"] == [
        {"bk_inst_id": 1001, "bk_asset_id": "sw-asset-0", "bk_inst_name": "sw-0"},
        {"bk_inst_id": 1200, "bk_asset_id": "sw-asset-199", "bk_inst_name": "sw-199"},
        {"bk_inst_id": 1250, "bk_asset_id": "sw-asset-249", "bk_inst_name": "sw-249"}]
    r2 = emu.gw_search("bk_switch", query)
    assert r2.json()["data"] == body["data"] and r2.json()["message"] == "success"
    # $eq, no fields: whole instances
    r = emu.gw_search("bk_switch", {"condition": {"bk_switch": [
        {"field": "bk_asset_id", "operator": "$eq", "value": "sw-asset-7"}]}})
    info = r.json()["data"]["info"]
    assert len(info) == 1 and info[0]["bk_inst_id"] == 1008 and info[0]["bk_obj_id"] == "bk_switch"
    assert info[0]["bk_inst_name"] == "sw-7" and "create_time" in info[0]
    # $in with 200 values, unindexed field, paging
    values = ["sw-%d" % i for i in range(200)]
    r = emu.esb_search("bk_switch", {"condition": {"bk_switch": [
        {"field": "bk_inst_name", "operator": "$in", "value": values}]}, "page": {"start": 190, "limit": 50}})
    assert r.json()["data"]["count"] == 200 and len(r.json()["data"]["info"]) == 10
    # no condition: everything, paged
    r = emu.esb_search("bk_switch", {"page": {"start": 0, "limit": 200}})
    assert r.json()["data"]["count"] == 250 and len(r.json()["data"]["info"]) == 200
    # other models are separate; bk_inst_id is searchable
    r = emu.esb_search("bk_router", {"condition": {"bk_router": [
        {"field": "bk_asset_id", "operator": "$in", "value": ["sw-asset-0"]}]}})
    assert r.json()["data"] == {"count": 0, "info": []}
    r = emu.gw_search("bk_switch", {"condition": {"bk_switch": [
        {"field": "bk_inst_id", "operator": "$in", "value": [1001, 1002, 99]}]}, "fields": ["bk_inst_id"]})
    assert r.json()["data"] == {"count": 2, "info": [{"bk_inst_id": 1001}, {"bk_inst_id": 1002}]}


def test_search_inst_errors(emu):
    r = emu.esb_search("bk_switch", {"page": {"start": 0, "limit": 201}})
    assert r.json()["result"] is False and r.json()["code"] == 1199059
    assert r.json()["message"] == "page limit is exceeded"
    r = emu.gw_search("bk_switch", {"page": {"start": 0, "limit": 500}})
    assert r.status == 200 and r.json()["code"] == 1199059
    r = emu.esb_search("nope", {})
    assert r.json()["code"] == 1199045 and r.json()["message"] == "model [map[bk_obj_id:nope]] not found"
    r = emu.esb_search("bk_switch", {"condition": {"bk_switch": [{"field": "bk_asset_id", "operator": "$in",
                                                                    "value": "not-a-list"}]}})
    assert r.json()["code"] == 1199006
    r = emu.esb_search("bk_switch", {"condition": {"bk_switch": [{"field": "x", "operator": "$bogus", "value": 1}]}})
    assert r.json()["code"] == 1199006
    r = emu.post(ESB_SEARCH, {"bk_obj_id": "bk_switch"})
    assert r.json()["code"] == 1306000
    r = emu.post(gw_search_path("bk_switch"), {})
    assert r.status == 400 and r.json()["code"] == 1640001
    r = emu.post(ESB_SEARCH, dict(BODY_AUTH))
    assert r.json()["code"] == 1306406
    assert emu.esb_search("host", {}).json()["data"] == {"count": 0, "info": []}


# ------------------------------------------------------------------------------------------------
# Envelope spelling, rate limiting
# ------------------------------------------------------------------------------------------------

def test_native_envelope(spawn):
    e = spawn("--envelope", "native")
    r = e.esb_create("bk_switch", switches(1))
    body = r.json()
    assert body["result"] is True and body["bk_error_code"] == 0 and "code" not in body and "message" not in body
    assert body["data"]["success_created"] == {"0": 1001} and body["data"]["error_msg"] == {}
    r = e.gw_create("bk_switch", [], headers={"X-Bkcmdb-Language": "en"})
    body = r.json()
    assert body["bk_error_code"] == 1199038 and body["bk_error_msg"] == "need data details is null"
    assert e.esb_create("bk_switch", switches(1, "n")).json()["bk_error_msg"] == "success"
    body = e.esb_create("bk_switch", [], auth={}).json()
    assert body["bk_error_code"] == 1306000 and "code" not in body
    # gateway errors of its own keep the gateway's shape
    r = e.post(gw_create_path("bk_switch"), {"details": []})
    assert r.status == 400 and r.json()["code"] == 1640001


def test_runtime_config_envelope(emu):
    r = emu.post("/_emulator/config", {"envelope": "native"})
    assert r.status == 200 and r.json()["envelope"] == "native"
    assert "bk_error_code" in emu.esb_create("bk_switch", switches(1)).json()
    assert emu.post("/_emulator/config", {"envelope": "weird"}).status == 400
    emu.reset()
    assert emu.get("/_emulator/config").json()["envelope"] == "esb"
    assert "code" in emu.esb_create("bk_switch", switches(1)).json()


def test_rate_limit(spawn):
    e = spawn("--rate", "2")
    statuses, created_ids = [], []
    for i in range(6):
        r = e.gw_create("bk_switch", switches(1, "g%d" % i))
        statuses.append(r.status)
        if r.status == 429:
            body = r.json()
            assert body["code"] == 1642902 and body["result"] is False and body["data"] is None
            assert r.header("Retry-After") == "1"
            assert r.header("X-Bkapi-Error-Code") == "1642902"
        else:
            created_ids += list(items(r)[0].values())
    assert 429 in statuses and statuses[0] == 200
    esb_limited = 0
    for i in range(6):
        r = e.esb_create("bk_switch", switches(1, "e%d" % i))
        assert r.status == 200
        body = r.json()
        if body["result"] is False:
            assert body["code"] == 1306429 and body["data"] is None
            esb_limited += 1
        else:
            created_ids += list(body["data"]["success_created"].values())
    assert esb_limited > 0
    stats = e.stats()
    assert stats["instances"] == len(created_ids) == 12 - stats["rate_limited"]
    assert stats["requests"]["batch_create_inst"] == 12
    # control endpoints are never limited
    for _ in range(10):
        assert e.get("/_emulator/stats").status == 200
    time.sleep(1.1)
    assert e.gw_create("bk_switch", switches(1, "later")).status == 200


# ------------------------------------------------------------------------------------------------
# Faults
# ------------------------------------------------------------------------------------------------

def test_fault_latency_and_per_item(emu):
    emu.set_faults(["latency:300"])
    r = emu.esb_create("bk_switch", switches(1))
    assert r.elapsed >= 0.28 and items(r)[0] == {"0": 1001}
    emu.set_faults([{"name": "per_item", "arg": 2}])
    r = emu.esb_create("bk_switch", switches(100, "p"))
    assert r.elapsed >= 0.19 and len(items(r)[0]) == 100
    emu.set_faults(["per_item:0.1"])
    r = emu.esb_create("bk_switch", switches(200, "q"))
    assert len(items(r)[0]) == 200
    assert emu.get("/_emulator/faults").json()["faults"] == [
        {"name": "per_item", "arg": 0.1, "count": None, "only": None}]


def test_fault_http_502_html(emu):
    emu.set_faults(["http_502_html"])
    r = emu.esb_create("bk_switch", switches(3))
    assert r.status == 502 and r.header("Content-Type").startswith("text/html")
    assert b"502 Bad Gateway" in r.body and b"nginx" in r.body
    assert emu.stats()["instances"] == 0
    assert emu.stats()["requests"]["batch_create_inst"] == 1


def test_fault_reset_processes_then_resets(emu):
    emu.set_faults(["reset"])
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        emu.esb_create("bk_switch", switches(3))
    assert emu.stats()["instances"] == 3


def test_fault_drop_does_not_process(emu):
    emu.set_faults(["drop"])
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        emu.gw_create("bk_switch", switches(3))
    assert emu.stats()["instances"] == 0
    assert emu.stats()["requests"]["batch_create_inst"] == 1


def test_a_request_waiting_when_the_emulator_is_reset_is_never_processed(emu):
    """A killed client's last request, still in its latency when the next test resets, stores nothing after it."""
    emu.set_faults(["latency:600"])
    outcome = {}

    def send():
        try:
            outcome["answer"] = emu.esb_create("bk_switch", switches(3, "old"))
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            outcome["error"] = e

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 5
    while emu.stats()["requests"].get("batch_create_inst", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    emu.reset()
    sender.join(10)
    assert not sender.is_alive()
    assert "error" in outcome, outcome          # dropped without an answer: its fate is not claimed either way
    assert emu.instances("bk_switch") == []
    # the next generation's requests are processed as ever
    assert items(emu.esb_create("bk_switch", switches(2, "new")))[0] == {"0": 1001, "1": 1002}
    assert len(emu.instances("bk_switch")) == 2


def raw_exchange(emu, path, body, headers, timeout=5.0):
    """Send one request on a raw socket and read until EOF (bounded): (status line, headers, body)."""
    data = json.dumps(body).encode()
    head = ["POST %s HTTP/1.1" % path, "Host: %s:%d" % (emu.host, emu.port), "Content-Type: application/json",
            "Content-Length: %d" % len(data)] + ["%s: %s" % kv for kv in headers.items()]
    with socket.create_connection((emu.host, emu.port), timeout=timeout) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        chunks, deadline = [], time.monotonic() + timeout
        for _ in range(10000):
            chunk = s.recv(65536)
            if not chunk or time.monotonic() > deadline:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return lines[0], hdrs, rest


def test_fault_truncate(emu):
    emu.set_faults(["truncate"])
    status, headers, body = raw_exchange(emu, ESB_CREATE, dict(BODY_AUTH, bk_obj_id="bk_switch",
                                                               details=switches(3)), {})
    assert status.startswith("HTTP/1.1 200")
    length = int(headers["content-length"])
    assert 0 < len(body) < length and len(body) == length // 2
    with pytest.raises(ValueError):
        json.loads(body)
    assert emu.stats()["instances"] == 3
    with pytest.raises(http.client.IncompleteRead):
        emu.esb_create("bk_switch", switches(3, "t2"))
    assert emu.stats()["instances"] == 6


def test_fault_not_json(emu):
    emu.set_faults(["not_json"])
    r = emu.esb_create("bk_switch", switches(3))
    assert r.status == 200
    with pytest.raises(ValueError):
        json.loads(r.body)
    assert emu.stats()["instances"] == 0


def test_fault_stall(emu):
    emu.set_faults(["stall:1500"])
    with pytest.raises((socket.timeout, TimeoutError)):
        emu.esb_create("bk_switch", switches(3), timeout=0.3)
    assert emu.wait_instances(3, timeout=2) == 3  # processed before the stall
    emu.set_faults(["stall:200"])
    r = emu.esb_create("bk_switch", switches(2, "s2"))
    assert r.elapsed >= 0.19 and items(r)[0] == {"0": 1004, "1": 1005}


def test_fault_audit_fail(emu):
    emu.set_faults(["audit_fail"])
    r = emu.esb_create("bk_switch", switches(3))
    body = r.json()
    assert r.status == 200 and body["result"] is False and body["code"] == 1109001 and body["data"] is None
    assert "audit" in body["message"]
    assert emu.stats()["instances"] == 3
    # a whole-request failure is answered as it is (nothing was inserted)
    body = emu.esb_create("host", switches(1)).json()
    assert body["code"] == 1199084
    body = emu.gw_create("bk_switch", switches(1, "a2"), headers={"X-Bkcmdb-Language": "zh-cn"}).json()
    assert body["code"] == 1109001 and body["message"] == "保存操作审计日志失败"


def test_fault_rate_limit(emu):
    emu.set_faults(["rate_limit:7"])
    r = emu.gw_create("bk_switch", switches(3))
    assert r.status == 429 and r.header("Retry-After") == "7" and r.json()["code"] == 1642902
    r = emu.esb_create("bk_switch", switches(3))
    assert r.status == 200 and r.json()["code"] == 1306429 and r.json()["result"] is False
    assert r.header("Retry-After") is None
    emu.set_faults(["rate_limit"])
    assert emu.gw_create("bk_switch", switches(3)).header("Retry-After") == "1"
    assert emu.stats()["instances"] == 0
    assert emu.stats()["rate_limited"] == 3


def test_fault_big_body(emu):
    emu.set_faults(["big_body:2"])
    r = emu.esb_create("bk_switch", switches(3))
    assert r.status == 200 and int(r.header("Content-Length")) == 2 * 1024 * 1024 == len(r.body)
    assert r.json()["result"] is True  # huge, yet well-formed
    assert emu.stats()["instances"] == 0
    # a client that gives up early does not hurt the emulator
    conn = emu.connection(timeout=5)
    conn.request("POST", ESB_CREATE, body=json.dumps(dict(BODY_AUTH, bk_obj_id="bk_switch", details=[])))
    resp = conn.getresponse()
    assert len(resp.read(1000)) == 1000
    conn.close()
    emu.set_faults([])
    assert emu.esb_create("bk_switch", switches(1)).status == 200


def test_fault_no_permission(emu):
    emu.set_faults(["no_permission"])
    body = emu.esb_create("bk_switch", switches(1)).json()
    assert body["result"] is False and body["code"] == 9900403 and body["message"] == "no permission"
    perm = body["permission"]
    assert perm["system_id"] == "bk_cmdb" and perm["actions"][0]["id"] == "create_sys_instance"
    assert emu.stats()["instances"] == 0


def test_fault_count_only_and_clearing(emu):
    emu.set_faults([{"name": "not_json", "count": 2}])
    assert emu.esb_create("bk_switch", switches(1, "a")).body.startswith(b"<!DOCTYPE")
    assert emu.esb_search("bk_switch", {}).body.startswith(b"<!DOCTYPE")
    assert emu.get("/_emulator/faults").json() == {"faults": []}
    assert items(emu.esb_create("bk_switch", switches(1, "b")))[0] == {"0": 1001}

    emu.set_faults([{"name": "drop", "only": "search_inst"}, {"name": "reset", "arg": 20, "count": 1}])
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        emu.esb_create("bk_switch", switches(1, "c"))   # reset (processed)
    assert items(emu.esb_create("bk_switch", switches(1, "d")))[0] == {"0": 1003}
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        emu.esb_search("bk_switch", {})
    assert emu.get("/_emulator/faults").json()["faults"] == [
        {"name": "drop", "arg": None, "count": None, "only": "search_inst"}]

    r = emu.request("DELETE", "/_emulator/faults")
    assert r.status == 200 and r.json() == {"faults": []}
    assert emu.esb_search("bk_switch", {}).json()["data"]["count"] == 3
    emu.set_faults(["http_502_html"])
    emu.set_faults([])
    assert emu.esb_search("bk_switch", {}).status == 200

    for bad in (["nope"], ["latency"], ["latency:abc"], [{"name": "reset", "count": 0}], [{"name": "reset",
                "only": "x"}], {"name": "reset"}, [{"name": "reset", "extra": 1}], ["big_body:0"]):
        r = emu.post("/_emulator/faults", bad)
        assert r.status == 400 and "error" in r.json(), bad
    assert emu.get("/_emulator/faults").json() == {"faults": []}
    assert emu.stats()["faults_applied"] == {"not_json": 2, "reset": 1, "drop": 1}


def test_faults_never_apply_to_control_endpoints(emu):
    emu.set_faults(["drop", "latency:2000", "http_502_html"])
    started = time.monotonic()
    assert emu.get("/_emulator/stats").status == 200
    assert emu.get("/_emulator/instances").status == 200
    assert emu.get("/_emulator/faults").status == 200
    assert time.monotonic() - started < 1.5
    emu.reset()
    assert emu.get("/_emulator/faults").json() == {"faults": []}


def test_faults_at_start(spawn):
    e = spawn("--fault", "not_json", "--fault", "latency:50")
    r = e.esb_create("bk_switch", switches(1))
    assert r.status == 200 and r.body.startswith(b"<!DOCTYPE") and r.elapsed >= 0.045
    assert [f["name"] for f in e.get("/_emulator/faults").json()["faults"]] == ["not_json", "latency"]
    assert e.stats()["instances"] == 0
    bad = start_emulator_fails("--fault", "nope")
    assert "unknown fault" in bad


def start_emulator_fails(*args):
    import subprocess
    import sys
    from conftest import EMULATOR
    p = subprocess.run([sys.executable, EMULATOR, "--port", "0", *args], capture_output=True, timeout=10)
    assert p.returncode == 2 and p.stdout == b""
    return p.stderr.decode()


# ------------------------------------------------------------------------------------------------
# Control endpoints, state, models
# ------------------------------------------------------------------------------------------------

def test_control_endpoints(emu):
    items(emu.esb_create("bk_switch", switches(3)))
    items(emu.gw_create("cabinet", [{"bk_inst_name": "r1"}, {"bk_inst_name": "r1"}]))
    emu.esb_search("bk_switch", {})
    emu.post("/api/c/compapi/v2/cc/unknown/", {})
    stats = emu.stats()
    assert stats["requests"] == {"batch_create_inst": 2, "search_inst": 1, "batch_update_inst": 0,
                                 "batch_delete_inst": 0, "search_object_instances": 0, "count_object_instances": 0,
                                 "search_object_attribute": 0, "search_object_unique": 0}
    assert stats["requests_by_api"] == {"esb": 2, "apigw": 1}
    assert stats["items_received"] == 5 and stats["items_created"] == 4 and stats["instances"] == 4
    assert stats["not_found"] == 1
    all_instances = emu.instances()
    assert [i["bk_inst_id"] for i in all_instances] == [1001, 1002, 1003, 1004]
    assert [i["bk_inst_name"] for i in emu.instances("cabinet")] == ["r1"]
    assert emu.instances("nothing") == []
    models = emu.get("/_emulator/models").json()
    assert {"bk_switch", "bk_router", "bk_firewall", "bk_load_balance", "rack", "cabinet", "bk_zone"} <= \
        {m["bk_obj_id"] for m in models["models"]}
    emu.set_faults(["latency:1"])
    emu.reset()
    assert emu.stats() == {"requests": {"batch_create_inst": 0, "search_inst": 0, "batch_update_inst": 0,
                                        "batch_delete_inst": 0, "search_object_instances": 0,
                                        "count_object_instances": 0, "search_object_attribute": 0,
                                        "search_object_unique": 0},
                           "requests_by_api": {"esb": 0, "apigw": 0}, "not_found": 0, "items_received": 0,
                           "items_created": 0, "items_updated": 0, "items_deleted": 0, "rate_limited": 0,
                           "faults_applied": {}, "instances": 0}
    assert emu.get("/_emulator/faults").json() == {"faults": []}
    assert items(emu.esb_create("bk_switch", switches(1)))[0] == {"0": 1001}
    assert emu.get("/_emulator/nothing").status == 404


def test_state_survives_restart(spawn, tmp_path):
    state = str(tmp_path / "state.json")
    e = spawn("--state", state)
    assert items(e.esb_create("bk_switch", switches(3)))[0] == {"0": 1001, "1": 1002, "2": 1003}
    assert e.stop() == 0
    with open(state) as f:
        assert len(json.load(f)["instances"]) == 3
    e2 = spawn("--state", state)
    assert [i["bk_inst_id"] for i in e2.instances("bk_switch")] == [1001, 1002, 1003]
    created, errors = items(e2.esb_create("bk_switch", switches(4)))
    assert created == {"3": 1004} and len(errors) == 3
    e2.reset()
    assert e2.stop() == 0
    e3 = spawn("--state", state)
    assert e3.instances() == []
    assert [n for n in os.listdir(str(tmp_path)) if n != "state.json"] == []


def test_models_file(spawn, tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({
        "models": [
            {"bk_obj_id": "bk_storage", "bk_obj_name": "Storage", "attributes": [
                {"bk_property_id": "bk_inst_name", "bk_property_type": "singlechar", "isrequired": True},
                {"bk_property_id": "bk_asset_id", "bk_property_type": "singlechar", "isrequired": True,
                 "option": "^ST-[0-9]+$"},
                {"bk_property_id": "bk_site", "bk_property_type": "singlechar"},
                {"bk_property_id": "bk_rack", "bk_property_type": "singlechar"},
                {"bk_property_id": "bk_capacity_tb", "bk_property_type": "int", "option": {"min": 1, "max": 1000}}],
             "unique": [["bk_asset_id"], ["bk_site", "bk_rack"]]},
            {"bk_obj_id": "bk_region", "mainline": True,
             "attributes": [{"bk_property_id": "bk_inst_name", "isrequired": True}]}],
        "businesses": [7]}))
    e = spawn("--models", str(path))
    created, errors = items(e.esb_create("bk_storage", [
        {"bk_inst_name": "a", "bk_asset_id": "ST-1", "bk_site": "sz", "bk_rack": "r1"},
        {"bk_inst_name": "b", "bk_asset_id": "bad"},
        {"bk_inst_name": "c", "bk_asset_id": "ST-3", "bk_site": "sz", "bk_rack": "r1"},
        {"bk_inst_name": "d", "bk_asset_id": "ST-4", "bk_site": "sz"},
        {"bk_inst_name": "e", "bk_asset_id": "ST-5", "bk_site": "sz", "bk_capacity_tb": 5000},
        {"bk_inst_name": "f", "bk_asset_id": "ST-6", "bk_biz_id": 7}]))
    assert created == {"0": 1001, "3": 1002, "5": 1003}
    # the old shape (CMDB's attribute keys) still loads; without bk_property_name the id is the display name
    assert errors == {"1": wrapped("'bk_asset_id' Field regular check failed"),
                      "2": 'duplicated instances exist, fields [ bk_site: "sz", bk_rack: "r1" ] duplicated',
                      "4": wrapped("'bk_capacity_tb' data parameter verification does not pass")}
    assert e.esb_create("bk_region", [{"bk_inst_name": "x"}]).json()["code"] == 1199075
    assert len(items(e.esb_create("bk_switch", switches(1)))[0]) == 1  # the built-in set is still there
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"models": [{"bk_obj_id": "host"}]}))
    assert "built-in" in start_emulator_fails("--models", str(bad))


# ------------------------------------------------------------------------------------------------
# Concurrency, keep-alive, speed, signals
# ------------------------------------------------------------------------------------------------

def test_concurrent_creates_are_exact(emu):
    results, errors = [], []

    def worker(w):
        try:
            for k in range(5):
                r = emu.gw_create("bk_switch", switches(200, "w%d-%d" % (w, k)), timeout=30)
                results.append(items(r))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    ids = [i for created, _ in results for i in created.values()]
    assert len(ids) == 4000 and sorted(ids) == list(range(1001, 5001))

    # the same 200 items from 4 clients at once: each created exactly once
    same = switches(200, "race")
    outcome = []

    def racer():
        outcome.append(items(emu.esb_create("bk_switch", same, timeout=30)))

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcome) == 4
    created = [k for c, _ in outcome for k in c]
    dups = [k for _, e in outcome for k in e]
    assert sorted(created, key=int) == [str(i) for i in range(200)] and len(dups) == 600
    assert emu.stats()["instances"] == 4200


def test_keep_alive_and_speed(emu):
    conn = emu.connection(timeout=10)
    try:
        timings = []
        sock = None
        for k in range(10):
            body = json.dumps(dict(BODY_AUTH, bk_obj_id="bk_switch", details=switches(200, "k%d" % k)))
            started = time.monotonic()
            conn.request("POST", ESB_CREATE, body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = json.loads(resp.read())
            timings.append(time.monotonic() - started)
            assert len(data["data"]["success_created"]) == 200
            if sock is None:
                sock = conn.sock
            assert conn.sock is sock  # the same connection every time
        assert statistics.median(timings) < 0.03, timings  # a few ms; 40+ ms would mean Nagle delays
    finally:
        conn.close()


def test_chunked_request_body(emu):
    body = json.dumps(dict(BODY_AUTH, bk_obj_id="bk_switch", details=switches(2))).encode()
    conn = emu.connection(timeout=10)
    try:
        conn.request("POST", ESB_CREATE, body=iter([body[:10], body[10:]]),
                     headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                     encode_chunked=True)
        resp = conn.getresponse()
        assert json.loads(resp.read())["data"]["success_created"] == {"0": 1001, "1": 1002}
    finally:
        conn.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(spawn, sig):
    e = spawn("--fault", "stall:30000")

    def stalled():
        try:
            e.esb_create("bk_switch", switches(1), timeout=10)
        except (OSError, http.client.HTTPException):
            pass

    t = threading.Thread(target=stalled, daemon=True)
    t.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert e.stop(sig) == 0
    assert time.monotonic() - started < 3
    t.join(10)


# ------------------------------------------------------------------------------------------------
# An unmodified BlueKing Python client
# ------------------------------------------------------------------------------------------------

def test_bkapi_component_open_client(emu):
    client_mod = pytest.importorskip(
        "bkapi_component.open.client",
        reason="bkapi-component-open is not installed (pip install bkapi-component-open)")
    client = client_mod.Client(endpoint=emu.url, bk_api_ver="v2")
    client.update_bkapi_authorization(bk_app_code=APP_CODE, bk_app_secret=APP_SECRET, bk_username="admin")
    details = [d for d in PUBLISHED_EXAMPLE["details"]]
    result = client.cc.batch_create_inst({"bk_obj_id": "bk_switch", "details": details})
    assert result["result"] is True and result["code"] == 0
    assert result["data"] == {"success_created": {"0": 1001, "1": 1002, "2": 1003}, "error_msg": {}}
    result = client.cc.batch_create_inst({"bk_obj_id": "bk_switch", "details": details})
    assert result["data"]["success_created"] == {}
    assert all(m.startswith("duplicated instances exist") for m in result["data"]["error_msg"].values())
    found = client.cc.search_inst({"bk_obj_id": "bk_switch", "condition": {"bk_switch": [
        {"field": "bk_asset_id", "operator": "$in", "value": ["test_001", "test_003"]}]},
        "page": {"start": 0, "limit": 200}, "fields": ["bk_asset_id"]})
    assert found["data"]["count"] == 2
    assert [i["bk_inst_id"] for i in found["data"]["info"]] == [1001, 1003]

    zh = client_mod.Client(endpoint=emu.url, bk_api_ver="v2", language="zh-cn")
    zh.update_bkapi_authorization(bk_app_code=APP_CODE, bk_app_secret=APP_SECRET, bk_username="admin")
    result = zh.cc.batch_create_inst({"bk_obj_id": "bk_switch", "details": details[:1]})
    assert result["data"]["error_msg"]["0"].startswith("数据唯一性校验失败")

    bad = client_mod.Client(endpoint=emu.url, bk_api_ver="v2")
    bad.update_bkapi_authorization(bk_app_code=APP_CODE, bk_app_secret="wrong", bk_username="admin")
    result = bad.cc.batch_create_inst({"bk_obj_id": "bk_switch", "details": details})
    assert result["result"] is False and result["code"] == 1306000


def test_runtime_config_rate(emu):
    assert emu.post("/_emulator/config", {"rate": 1}).json()["rate"] == 1
    codes = [emu.esb_create("bk_switch", switches(1, "r%d" % i)).json()["code"] for i in range(3)]
    assert codes[0] == 0 and 1306429 in codes
    assert emu.post("/_emulator/config", {"rate": -1}).status == 400
    emu.reset()
    codes = [emu.esb_create("bk_switch", switches(1, "u%d" % i)).json()["code"] for i in range(3)]
    assert codes == [0, 0, 0]


def test_signal_right_after_the_url_line_exits_0():
    for _ in range(3):
        with Emulator() as e:
            assert e.stop() == 0


def test_access_log_only_when_verbose(spawn):
    quiet = spawn()
    loud = spawn("--verbose")
    for e in (quiet, loud):
        e.esb_create("bk_switch", switches(1))
        e.stop()
    assert quiet.stderr_text() == ""
    assert "POST /api/c/compapi/v2/cc/batch_create_inst/" in loud.stderr_text()
