"""The emulator's models: the real default attributes (default_models.json), the model routes on the ESB and the
gateway, every case of Tests/Fixtures/model_rules.json through batch_create_inst, the unique index's empty-string
collision, a rack import, and --models in the model JSON shape."""

import json
import os

import pytest

from conftest import BODY_AUTH, HEADER_AUTH, HERE

REPO = os.path.dirname(os.path.dirname(HERE))
RULES_PATH = os.path.join(REPO, "Tests", "Fixtures", "model_rules.json")
DEFAULTS_PATH = os.path.join(HERE, "cmdb_emulator", "default_models.json")
ESB_ATTRS = "/api/c/compapi/v2/cc/search_object_attribute/"
GW_ATTRS = "/api/bk-cmdb/prod/api/v3/find/objectattr"
GW_UNIQUE = "/api/bk-cmdb/prod/api/v3/find/objectunique/object/%s"

with open(RULES_PATH, encoding="utf-8") as _f:
    RULES = json.load(_f)
with open(DEFAULTS_PATH, encoding="utf-8") as _f:
    DEFAULTS = {m["bk_obj_id"]: m for m in json.load(_f)["models"]}

# the real bk_switch (bk-cmdb upgrader history/v3.0.8/objAttDescData.go SwitchRow; bk_admin_ip's option from
# x19.08.19.01/update_ip_regex.go), written out here so that a change of default_models.json is seen
SWITCH = [("bk_asset_id", "固资编号", "singlechar", True, False), ("bk_inst_name", "名称", "singlechar", True, True),
          ("bk_sn", "SN", "singlechar", False, True), ("bk_func", "用途", "singlechar", False, True),
          ("bk_vendor", "厂商", "singlechar", False, True), ("bk_model", "设备型号", "singlechar", False, True),
          ("bk_admin_ip", "管理IP", "singlechar", False, True), ("bk_operator", "维护人", "singlechar", False, True),
          ("bk_os_detail", "操作系统详情", "singlechar", False, True),
          ("bk_detail", "详细描述", "longchar", False, True), ("bk_biz_status", "运营状态", "enum", False, True)]
IP_REGEX = (r"^((1?\d{1,2}|2[0-4]\d|25[0-5])[.]){3}(1?\d{1,2}|2[0-4]\d|25[0-5])"
            r"(,((1?\d{1,2}|2[0-4]\d|25[0-5])[.]){3}(1?\d{1,2}|2[0-4]\d|25[0-5]))*$")


def ok_data(r):
    body = r.json()
    assert r.status == 200 and body["result"] is True and body["code"] == 0 and body["message"] == "success", body
    return body["data"]


def items(r):
    data = ok_data(r)
    return data["success_created"], data["error_msg"]


def esb_attrs(emu, **query):
    body = dict(BODY_AUTH)
    body.update(query)
    return emu.post(ESB_ATTRS, body)


def gw(emu, path, body, lang=None):
    headers = {"X-Bkapi-Authorization": HEADER_AUTH}
    if lang:
        headers["X-Bkcmdb-Language"] = lang
    return emu.post(path, body, headers)


@pytest.fixture(scope="module")
def rules_emu():
    """One emulator with the fixture's models (the model JSON shape) for the whole module."""
    from conftest import Emulator
    with Emulator("--models", RULES_PATH) as e:
        yield e


# ------------------------------------------------------------------------------------------------
# The default models
# ------------------------------------------------------------------------------------------------

def test_default_switch_is_the_real_one():
    sw = DEFAULTS["bk_switch"]
    assert sw["name"] == "交换机" and sw["unique"] == [["bk_asset_id"]]
    assert [(a["id"], a["name"], a["type"], a["required"], a["editable"]) for a in sw["attributes"]] == SWITCH
    attrs = {a["id"]: a for a in sw["attributes"]}
    assert attrs["bk_admin_ip"]["option"] == IP_REGEX
    assert [(o["id"], o["name"]) for o in attrs["bk_biz_status"]["option"]] == [("1", "待运营"), ("2", "运营中"),
                                                                               ("3", "已下架")]
    for obj_id, name in (("bk_router", "路由器"), ("bk_load_balance", "负载均衡"), ("bk_firewall", "防火墙")):
        m = DEFAULTS[obj_id]
        assert m["name"] == name and m["unique"] == [["bk_asset_id"]]
        assert [(a["id"], a["name"], a["type"], a["required"], a["editable"]) for a in m["attributes"]] == SWITCH
    for m in DEFAULTS.values():
        assert all("bk_port_count" != a["id"] for a in m["attributes"])


def test_the_fixture_models_are_the_defaults():
    fixture = {m["bk_obj_id"]: m for m in RULES["models"]}
    assert fixture["rack"] == DEFAULTS["rack"] and fixture["bk_switch"] == DEFAULTS["bk_switch"]
    rack = {a["id"]: a for a in DEFAULTS["rack"]["attributes"]}
    assert rack["rack_u"]["type"] == "int" and rack["rack_u"]["option"] == {"min": 1, "max": 60}
    assert [o["id"] for o in rack["rack_status"]["option"]] == ["in_use", "idle", "retired"]
    assert DEFAULTS["rack"]["unique"] == [["bk_inst_name"]] and rack["bk_inst_name"]["required"] is True
    assert len(RULES["cases"]) >= 40


# ------------------------------------------------------------------------------------------------
# Model routes
# ------------------------------------------------------------------------------------------------

FIELDS = {"id", "bk_obj_id", "bk_property_id", "bk_property_name", "bk_property_type", "isrequired", "editable",
          "isonly", "ispre", "isreadonly", "option", "unit", "placeholder", "bk_property_index", "bk_property_group",
          "bk_property_group_name", "bk_supplier_account", "bk_biz_id", "creator", "create_time", "last_time",
          "bk_issystem", "bk_isapi", "description", "bk_template_id"}


def test_search_object_attribute_on_both_apis(emu):
    esb = ok_data(esb_attrs(emu, bk_obj_id="bk_switch"))
    gateway = ok_data(gw(emu, GW_ATTRS, {"bk_obj_id": "bk_switch"}))
    assert esb == gateway
    assert [(a["bk_property_id"], a["bk_property_name"], a["bk_property_type"], a["isrequired"], a["editable"])
            for a in esb] == SWITCH
    for a in esb:
        assert set(a) == FIELDS, a   # no default / ismultiple: omitempty when null
        assert a["bk_obj_id"] == "bk_switch" and a["bk_property_group"] == "default"
        assert a["bk_property_group_name"] == "基础信息" and a["bk_supplier_account"] == "0"
    by_id = {a["bk_property_id"]: a for a in esb}
    assert by_id["bk_asset_id"]["isonly"] is True and by_id["bk_inst_name"]["isonly"] is False
    assert by_id["bk_admin_ip"]["option"] == IP_REGEX
    assert [a["bk_property_index"] for a in esb] == list(range(len(SWITCH)))
    ids = [a["id"] for a in esb]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) and i > 0 for i in ids)
    assert [a["id"] for a in ok_data(esb_attrs(emu, bk_obj_id="bk_switch"))] == ids     # stable
    rack = ok_data(gw(emu, GW_ATTRS, {"bk_obj_id": "rack"}, lang="en"))
    assert [(a["bk_property_id"], a["bk_property_name"]) for a in rack] == [
        ("bk_inst_name", "实例名"), ("rack_u", "机柜U数"), ("rack_room", "机房"), ("rack_status", "机柜状态"),
        ("rack_ip", "管理地址")]
    assert rack[1]["option"] == {"min": 1, "max": 60} and rack[0]["isonly"] is True
    assert not set(ids) & {a["id"] for a in rack}


def test_search_object_attribute_conditions(emu):
    assert ok_data(esb_attrs(emu, bk_obj_id="no_such_model")) == []             # unknown model: nothing matches
    assert ok_data(gw(emu, GW_ATTRS, {"bk_obj_id": "no_such_model"})) == []
    one = ok_data(esb_attrs(emu, bk_obj_id="rack", bk_property_id="rack_u"))
    assert [a["bk_property_id"] for a in one] == ["rack_u"]
    some = ok_data(gw(emu, GW_ATTRS, {"bk_obj_id": "bk_switch", "bk_property_id": {"$in": ["bk_sn", "bk_func"]},
                                      "bk_biz_id": 2}))
    assert [a["bk_property_id"] for a in some] == ["bk_sn", "bk_func"]
    # no bk_obj_id: the ESB has no path variable to fill, so it does not refuse; CMDB answers every model's attributes
    everything = ok_data(esb_attrs(emu))
    assert {"bk_switch", "rack", "bk_firewall"} <= {a["bk_obj_id"] for a in everything}
    # the ESB sends bk_supplier_account (extra_param_fields): another account matches nothing
    assert ok_data(esb_attrs(emu, bk_obj_id="rack", bk_supplier_account="7")) == []
    r = gw(emu, GW_ATTRS, {"bk_obj_id": "rack", "bk_property_id": {"$where": "1"}}).json()
    assert r["result"] is False and r["code"] == 1199006


def test_search_object_unique(emu):
    attrs = {a["bk_property_id"]: a["id"] for a in ok_data(gw(emu, GW_ATTRS, {"bk_obj_id": "bk_switch"}))}
    rules = ok_data(gw(emu, GW_UNIQUE % "bk_switch", {}))
    assert len(rules) == 1
    assert rules[0]["keys"] == [{"key_kind": "property", "key_id": attrs["bk_asset_id"]}]
    assert rules[0]["bk_obj_id"] == "bk_switch" and isinstance(rules[0]["id"], int) and rules[0]["ispre"] is True
    assert ok_data(gw(emu, GW_UNIQUE % "no_such_model", {})) == []
    # the handler reads only the path: an empty or non-JSON body is no error
    for body in (b"", b"not json"):
        assert ok_data(emu.post(GW_UNIQUE % "bk_switch", body, {"X-Bkapi-Authorization": HEADER_AUTH})) == rules
    # no ESB component: the ESB answers its 404
    r = emu.post("/api/c/compapi/v2/cc/search_object_unique/", dict(BODY_AUTH, bk_obj_id="rack"))
    assert r.status == 404 and r.json()["code"] == 1306404


def test_composite_unique_rules(spawn, tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps([{"bk_obj_id": "port", "name": "端口", "attributes": [
        {"id": "bk_inst_name", "name": "名称", "type": "singlechar", "required": True},
        {"id": "site", "name": "站点", "type": "singlechar"}, {"id": "slot", "name": "槽位", "type": "int"}],
        "unique": [["bk_inst_name"], ["site", "slot"]]}]))
    e = spawn("--models", str(path))
    attrs = {a["bk_property_id"]: a for a in ok_data(gw(e, GW_ATTRS, {"bk_obj_id": "port"}))}
    rules = ok_data(gw(e, GW_UNIQUE % "port", {}))
    assert [[k["key_id"] for k in r["keys"]] for r in rules] == [[attrs["bk_inst_name"]["id"]],
                                                                 [attrs["site"]["id"], attrs["slot"]["id"]]]
    assert attrs["bk_inst_name"]["isonly"] is True and attrs["site"]["isonly"] is False    # ESB: isonly rules only


# ------------------------------------------------------------------------------------------------
# model_rules.json through batch_create_inst
# ------------------------------------------------------------------------------------------------

def _cases_of(model):
    return [c for c in RULES["cases"] if c["model"] == model]


@pytest.mark.parametrize("model", sorted({c["model"] for c in RULES["cases"]}))
@pytest.mark.parametrize("api,lang", [("esb", "en"), ("apigw", "zh")])
def test_model_rules_cases(rules_emu, model, api, lang):
    rules_emu.reset()
    cases = _cases_of(model)
    details = [c["item"] for c in cases]
    if api == "esb":
        r = rules_emu.esb_create(model, details)                    # no Blueking-Language: English
    else:
        r = rules_emu.gw_create(model, details)                     # no X-Bkcmdb-Language: Chinese
    created, errors = items(r)
    for i, c in enumerate(cases):
        if c["valid"]:
            assert str(i) in created, (c, errors.get(str(i)))
        else:
            assert errors.get(str(i)) == c["error"][lang], c
    assert len(created) + len(errors) == len(cases)
    attrs = [a["id"] for a in next(m for m in RULES["models"] if m["bk_obj_id"] == model)["attributes"]]
    stored = {i["bk_inst_id"]: i for i in rules_emu.instances(model)}
    for idx, inst_id in created.items():
        inst = stored[inst_id]
        # every attribute of the model is stored (absent ones filled), nothing else but CMDB's own fields
        assert set(attrs) <= set(inst), inst
        assert set(inst) - set(attrs) <= {"bk_inst_id", "bk_obj_id", "bk_supplier_account", "create_time",
                                          "last_time"}, inst
        item = cases[int(idx)]["item"]
        for key, value in item.items():
            if key in attrs:
                assert inst[key] == (value.strip() if isinstance(value, str) else value)


def test_stored_values_filled_and_trimmed(rules_emu):
    rules_emu.reset()
    created, errors = items(rules_emu.esb_create("typed_sample", [{"bk_inst_name": "  t  ", "ts_float": "2.5"}]))
    assert errors == {}
    inst = rules_emu.instances("typed_sample")[0]
    assert inst["bk_inst_name"] == "t" and inst["ts_float"] == "2.5"
    assert inst["ts_bool"] is False and inst["ts_note"] == "" and inst["ts_int"] is None and inst["ts_multi"] is None
    created, errors = items(rules_emu.esb_create("rack", [{"bk_inst_name": "r", "colour": "red", "rack_u": None}]))
    inst = rules_emu.instances("rack")[0]
    assert "colour" not in inst and inst["rack_u"] is None and inst["rack_room"] == "" and inst["rack_status"] is None


# ------------------------------------------------------------------------------------------------
# Unique rules: the empty-string collision
# ------------------------------------------------------------------------------------------------

def test_empty_string_collides_in_a_unique_index(spawn, tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": [{"bk_obj_id": "nic", "name": "网卡", "attributes": [
        {"id": "bk_inst_name", "name": "名称", "type": "singlechar", "required": True},
        {"id": "mac", "name": "MAC", "type": "singlechar"},
        {"id": "port_no", "name": "端口号", "type": "int"},
        {"id": "site", "name": "站点", "type": "singlechar"}, {"id": "slot", "name": "槽位", "type": "singlechar"}],
        "unique": [["bk_inst_name"], ["mac"], ["port_no"], ["site", "slot"]]}]}))
    e = spawn("--models", str(path))
    created, errors = items(e.esb_create("nic", [
        {"bk_inst_name": "n1"},                                      # mac stored as "", port_no null
        {"bk_inst_name": "n2"},                                      # mac "" again: duplicate
        {"bk_inst_name": "n3", "mac": "   "},                        # blank is "" after trimming: duplicate
        {"bk_inst_name": "n4", "mac": None, "site": "sz"},           # null is not in the index; (sz, "") is new
        {"bk_inst_name": "n5", "mac": "aa", "site": "sz", "slot": ""},   # (sz, "") taken by n4
        {"bk_inst_name": "n6", "mac": "bb", "port_no": 1, "site": "y"},  # n1 holds (site "", slot "")
        {"bk_inst_name": "n7", "mac": "cc", "port_no": 1.0, "site": "x"}]))   # 1 == 1.0 in MongoDB
    assert created == {"0": 1001, "3": 1002, "5": 1003}
    assert errors == {"1": 'duplicated instances exist, fields [ mac: "" ] duplicated',
                      "2": 'duplicated instances exist, fields [ mac: "" ] duplicated',
                      "4": 'duplicated instances exist, fields [ site: "sz", slot: "" ] duplicated',
                      "6": "duplicated instances exist, fields [ port_no: 1.0 ] duplicated"}
    zh = e.gw_create("nic", [{"bk_inst_name": "n8"}]).json()["data"]["error_msg"]
    assert zh == {"0": '数据唯一性校验失败，  mac: ""  重复'}
    # a search by "" finds the instance that holds it (an index lookup), by null the one with null
    found = ok_data(e.esb_search("nic", {"condition": {"nic": [{"field": "mac", "operator": "$eq", "value": ""}]}}))
    assert [i["bk_inst_name"] for i in found["info"]] == ["n1"]
    found = ok_data(e.esb_search("nic", {"condition": {"nic": [{"field": "mac", "operator": "$eq", "value": None}]}}))
    assert [i["bk_inst_name"] for i in found["info"]] == ["n4"]


# ------------------------------------------------------------------------------------------------
# A rack import, --models in both shapes
# ------------------------------------------------------------------------------------------------

def test_rack_import(emu):
    racks = [{"bk_inst_name": "R-%02d" % i, "rack_u": 42, "rack_room": "机房 %d" % (i % 3),
              "rack_status": ("in_use", "idle", "retired")[i % 3], "rack_ip": "10.1.0.%d" % (i + 1)}
             for i in range(30)]
    racks[7]["rack_u"] = 61
    racks[9]["rack_ip"] = "10.1.0.300"
    racks.append(dict(racks[0]))
    created, errors = items(emu.gw_create("rack", racks, headers={"X-Bkcmdb-Language": "en"}))
    assert len(created) == 28
    assert errors == {"7": "''机柜U数' data parameter verification does not pass' the parameter is invalid or does "
                           "not exist",
                      "9": "''管理地址' Field regular check failed' the parameter is invalid or does not exist",
                      "30": 'duplicated instances exist, fields [ bk_inst_name: "R-00" ] duplicated'}
    stored = emu.instances("rack")
    assert [i["bk_inst_name"] for i in stored] == ["R-%02d" % i for i in range(30) if i not in (7, 9)]
    got = ok_data(emu.esb_search("rack", {"condition": {"rack": [
        {"field": "rack_status", "operator": "$eq", "value": "idle"}]}}))
    assert got["count"] == 9


def test_models_file_in_the_model_shape_and_the_old_one(spawn, tmp_path):
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"models": [{"bk_obj_id": "ups", "name": "UPS", "attributes": [
        {"id": "bk_inst_name", "name": "名称", "type": "singlechar", "required": True, "editable": True,
         "option": "", "multiple": None, "default": None, "unit": "", "placeholder": "", "group": "default"},
        {"id": "kva", "name": "容量", "type": "float", "option": {"min": "1", "max": "500"}, "unit": "kVA"},
        {"id": "tier", "name": "等级", "type": "enum", "option": [
            {"id": "t1", "name": "一级", "type": "text", "is_default": True}]}],
        "unique": [["bk_inst_name"]]}]}))
    e = spawn("--models", str(new))
    created, errors = items(e.esb_create("ups", [{"bk_inst_name": "u1", "kva": 20}, {"bk_inst_name": "u2",
                                                                                     "kva": 501}]))
    assert created == {"0": 1001}
    assert errors == {"1": "''容量' data parameter verification does not pass' the parameter is invalid or does not "
                           "exist"}
    assert e.instances("ups")[0]["tier"] == "t1"            # the is_default option fills an absent enum
    attrs = ok_data(gw(e, GW_ATTRS, {"bk_obj_id": "ups"}))
    assert attrs[1]["unit"] == "kVA" and attrs[1]["option"] == {"min": "1", "max": "500"}
    model = next(m for m in e.get("/_emulator/models").json()["models"] if m["bk_obj_id"] == "ups")
    assert [a["id"] for a in model["attributes"]] == ["bk_inst_name", "kva", "tier"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps([{"bk_obj_id": "pdu", "bk_obj_name": "PDU", "attributes": [
        {"bk_property_id": "bk_inst_name", "bk_property_name": "名称", "bk_property_type": "singlechar",
         "isrequired": True}]}]))
    e2 = spawn("--models", str(old))
    r = e2.esb_create("pdu", [{}]).json()["data"]["error_msg"]
    assert r == {"0": "'bk_inst_name' unassigned"}
    assert ok_data(esb_attrs(e2, bk_obj_id="pdu"))[0]["bk_property_name"] == "名称"
