"""The rest of the instance family (README "batch_update_inst", "batch_delete_inst", "search_object_instances"):
updates and deletes in one transaction, the filter-expression search paged by `bk_inst_id greater`, the count, and
the faults on each of these routes. Raw HTTP (http.client) against a subprocess on 127.0.0.1."""

import http.client
import json

import pytest

from conftest import BODY_AUTH, HEADER_AUTH, switches

OPS = {   # operation -> (gateway method, gateway path below the stage)
    "batch_update_inst": ("PUT", "/api/v3/updatemany/instance/object/%s"),
    "batch_delete_inst": ("DELETE", "/api/v3/deletemany/instance/object/%s"),
    "search_object_instances": ("POST", "/api/v3/search/instances/object/%s"),
    "count_object_instances": ("POST", "/api/v3/count/instances/object/%s"),
}
ROUTES = ("esb", "apigw")
EN = {"X-Bkcmdb-Language": "en"}
LOST = (ConnectionError, http.client.HTTPException, OSError)


def call(emu, route, op, obj_id, body, headers=None, **kw):
    """One request of `op` on the ESB (POST, credentials and bk_obj_id in the body) or the gateway (its method, the
    model in the path, the credentials in X-Bkapi-Authorization; English unless told otherwise)."""
    if route == "esb":
        return emu.post("/api/c/compapi/v2/cc/%s/" % op, dict(BODY_AUTH, bk_obj_id=obj_id, **body), headers, **kw)
    method, path = OPS[op]
    hdrs = dict(EN, **{"X-Bkapi-Authorization": HEADER_AUTH})
    hdrs.update(headers or {})
    return emu.request(method, "/api/bk-cmdb/prod" + path % obj_id, body, hdrs, **kw)


def update(emu, route, obj_id, items, **kw):
    return call(emu, route, "batch_update_inst", obj_id, {"update": items}, **kw)


def delete(emu, route, obj_id, ids, **kw):
    return call(emu, route, "batch_delete_inst", obj_id, {"delete": {"inst_ids": ids}}, **kw)


def search(emu, route, obj_id, query, **kw):
    return call(emu, route, "search_object_instances", obj_id, query, **kw)


def page_query(after, fields=("bk_inst_name",), limit=500, rules=()):
    """The request the client sends for the page after `after`."""
    return {"conditions": {"condition": "AND", "rules": [{"field": "bk_inst_id", "operator": "greater", "value": after}]
                           + list(rules)},
            "fields": list(fields) + ["bk_inst_id"], "page": {"start": 0, "limit": limit, "sort": "bk_inst_id"}}


def succeeded(r):
    assert r.status == 200, r.body
    body = r.json()
    assert body["result"] is True and body["code"] == 0 and body["message"] == "success", body
    return body["data"]


def failed(r, code, message=None):
    assert r.status == 200, r.body
    body = r.json()
    assert body["result"] is False and body["code"] == code and body["data"] is None, body
    if message is not None:
        assert body["message"] == message, body
    return body


def create(emu, obj_id, details):
    data = succeeded(emu.esb_create(obj_id, details))
    assert data["error_msg"] == {}, data
    return [data["success_created"][str(i)] for i in range(len(details))]


def stored(emu, obj_id="bk_switch"):
    return {i["bk_inst_id"]: i for i in emu.instances(obj_id)}


def wrapped(inner):
    return "'%s' the parameter is invalid or does not exist" % inner


# ------------------------------------------------------------------------------------------------
# batch_update_inst
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_update_sets_values_and_answers_data_null(emu, route):
    ids = create(emu, "bk_switch", switches(3))
    before = stored(emu)
    data = succeeded(update(emu, route, "bk_switch", [
        {"inst_id": ids[0], "datas": {"bk_inst_name": "  core-1  ", "bk_biz_status": "2", "bk_sn": None}},
        {"inst_id": ids[2], "datas": {"bk_operator": "ops", "bk_detail": "x" * 2000}}]))
    assert data is None
    after = stored(emu)
    assert after[ids[0]]["bk_inst_name"] == "core-1" and after[ids[0]]["bk_biz_status"] == "2"
    assert "bk_sn" in after[ids[0]] and after[ids[0]]["bk_sn"] is None         # null is stored as null
    assert after[ids[2]]["bk_operator"] == "ops" and after[ids[2]]["bk_detail"] == "x" * 2000
    assert after[ids[1]] == before[ids[1]]
    assert after[ids[0]]["create_time"] == before[ids[0]]["create_time"]
    assert after[ids[0]]["bk_asset_id"] == before[ids[0]]["bk_asset_id"]
    stats = emu.stats()
    assert stats["items_updated"] == 2 and stats["requests"]["batch_update_inst"] == 1
    # an empty list, or no "update" at all, changes nothing and succeeds
    assert succeeded(update(emu, route, "bk_switch", [])) is None
    assert succeeded(call(emu, route, "batch_update_inst", "bk_switch", {})) is None


def test_update_drops_non_editable_and_unknown_attributes(emu):
    ids = create(emu, "bk_switch", switches(2))
    before = stored(emu)
    succeeded(update(emu, "apigw", "bk_switch", [{"inst_id": ids[0], "datas": {
        "bk_asset_id": "changed", "bk_inst_id": 5, "bk_biz_id": 2, "bk_obj_id": "bk_router", "nope": 1,
        "bk_supplier_account": "9", "create_time": "x", "bk_inst_name": "renamed"}}]))
    after = stored(emu)[ids[0]]
    assert after["bk_asset_id"] == before[ids[0]]["bk_asset_id"]                # not editable on the device models
    assert after["bk_inst_name"] == "renamed" and after["bk_obj_id"] == "bk_switch"
    assert after["bk_supplier_account"] == "0" and after["create_time"] == before[ids[0]]["create_time"]
    assert "nope" not in after and "bk_biz_id" not in after and after["bk_inst_id"] == ids[0]
    # only non-editable keys: nothing changes but last_time, and it succeeds
    succeeded(update(emu, "esb", "bk_switch", [{"inst_id": ids[1], "datas": {"bk_asset_id": "x"}}]))
    assert stored(emu)[ids[1]]["bk_asset_id"] == before[ids[1]]["bk_asset_id"]
    # on a custom model every attribute is editable
    cab = create(emu, "cabinet", [{"bk_inst_name": "r1", "bk_asset_id": "A"}])[0]
    succeeded(update(emu, "esb", "cabinet", [{"inst_id": cab, "datas": {"bk_asset_id": "B", "bk_u_count": 42}}]))
    assert emu.instances("cabinet")[0]["bk_asset_id"] == "B" and emu.instances("cabinet")[0]["bk_u_count"] == 42
    models = {m["bk_obj_id"]: m for m in emu.get("/_emulator/models").json()["models"]}
    editable = {a["id"]: a["editable"] for a in models["bk_switch"]["attributes"]}
    assert editable["bk_asset_id"] is False and editable["bk_inst_name"] is True


@pytest.mark.parametrize("route", ROUTES)
def test_a_failing_item_fails_the_request_and_nothing_changes(emu, route):
    ids = create(emu, "bk_switch", switches(3))
    cabs = create(emu, "cabinet", [{"bk_inst_name": "c1"}, {"bk_inst_name": "c2"}])
    racks = create(emu, "rack", [{"bk_inst_name": "k1", "rack_u": 42}])
    before, cab_before, rack_before = stored(emu), stored(emu, "cabinet"), stored(emu, "rack")
    good = {"inst_id": ids[0], "datas": {"bk_inst_name": "changed"}}
    cases = [
        ("rack", [{"inst_id": racks[0], "datas": {"rack_u": "48"}}],
         1199011, wrapped("'机柜U数' parameters must be integral")),
        ("rack", [{"inst_id": racks[0], "datas": {"rack_u": 3.0}}],      # json.Number("3.0").Int64() is 0
         1199011, wrapped("'机柜U数' data parameter verification does not pass")),
        ("rack", [{"inst_id": racks[0], "datas": {"rack_status": "在用"}}],
         1199011, wrapped("'机柜状态' data parameter verification does not pass")),
        ("bk_switch", [good, {"inst_id": ids[1], "datas": {"bk_biz_status": 2}}],
         1199011, wrapped("'运营状态' data parameter verification does not pass")),
        ("bk_switch", [good, {"inst_id": ids[1], "datas": {"bk_inst_name": "   "}}],
         1199011, wrapped("'名称' unassigned")),
        ("bk_switch", [good, {"inst_id": ids[1], "datas": {"bk_inst_name": None}}],
         1199011, wrapped("'名称' unassigned")),
        ("bk_switch", [good, {"inst_id": ids[1], "datas": {"bk_sn": "x" * 257}}],
         1199011, wrapped("Data out of bounds%!(EXTRA string=SN)")),
        ("bk_switch", [good, {"inst_id": ids[1], "datas": {"bk_detail": "述" * 667}}],
         1199011, wrapped("Data out of bounds%!(EXTRA string=详细描述)")),
        ("bk_switch", [good, {"inst_id": 99999, "datas": {"bk_inst_name": "x"}}], 1199019, "No relevant data found"),
        ("bk_switch", [good, {"inst_id": cabs[0], "datas": {"bk_inst_name": "x"}}], 1199019,
         "No relevant data found"),                                            # another model's instance
        ("bk_switch", [good, {"inst_id": 0, "datas": {}}], 1199006,
         "'inst_id' data parameter verification does not pass"),
        ("bk_switch", [good, {"datas": {"bk_inst_name": "x"}}], 1199006,
         "'inst_id' data parameter verification does not pass"),
        ("bk_switch", [good, None], 1199006, "'inst_id' data parameter verification does not pass"),
        ("cabinet", [{"inst_id": cabs[1], "datas": {"bk_inst_name": "c1"}},
                     {"inst_id": cabs[0], "datas": {"bk_inst_name": "c9"}}],      # c1 is still c1's
         1199014, 'duplicated instances exist, fields [ bk_inst_name: "c1" ] duplicated'),
        ("cabinet", [{"inst_id": cabs[0], "datas": {"bk_inst_name": "c9"}},
                     {"inst_id": cabs[1], "datas": {"bk_inst_name": "c9"}}],      # taken by an earlier item
         1199014, 'duplicated instances exist, fields [ bk_inst_name: "c9" ] duplicated'),
        ("cabinet", [{"inst_id": cabs[0], "datas": {"bk_u_count": 101}}], 1199011,
         wrapped("'bk_u_count' data parameter verification does not pass")),
    ]
    for obj_id, items, code, message in cases:
        failed(update(emu, route, obj_id, items), code, message)
        assert stored(emu) == before and stored(emu, "cabinet") == cab_before, (items, code)
        assert stored(emu, "rack") == rack_before, (items, code)
    # the unique value an item gives up may be taken by a later one; its own value is not a duplicate
    succeeded(update(emu, route, "cabinet", [{"inst_id": cabs[0], "datas": {"bk_inst_name": "c9"}},
                                              {"inst_id": cabs[1], "datas": {"bk_inst_name": "c1"}},
                                              {"inst_id": cabs[0], "datas": {"bk_inst_name": "c9"}}]))
    assert [c["bk_inst_name"] for c in emu.instances("cabinet")] == ["c9", "c1"]
    assert emu.stats()["items_updated"] == 3


def test_update_whole_request_failures_in_order(emu):
    ids = create(emu, "bk_switch", switches(1))
    failed(update(emu, "apigw", "no_such", [{"inst_id": 0}]), 1199045, "model [map[bk_obj_id:no_such]] not found")
    for body in ({"update": {"inst_id": ids[0]}}, {"update": [1]}, {"update": [{"inst_id": "1001"}]},
                 {"update": [{"inst_id": 1001.0}]}, {"update": [{"inst_id": True}]},
                 {"update": [{"inst_id": ids[0], "datas": [1]}]}, {"update": [], "delete": {"inst_ids": ["x"]}},
                 {"update": [{"inst_id": 1 << 63}]}):
        failed(call(emu, "apigw", "batch_update_inst", "bk_switch", body), 1199000, "Deserializing JSON data failed")
    failed(call(emu, "apigw", "batch_update_inst", "biz", {"update": "nope"}), 1199000)    # the body before the model
    inner = "forbidden operate inner model instance with common instance API"
    for obj in ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "plat"):
        failed(update(emu, "apigw", obj, [{"inst_id": 0}]), 1199084, inner)
    # host is allowed by the common update API; there are no hosts here
    failed(update(emu, "apigw", "host", [{"inst_id": 1, "datas": {}}]), 1199019)
    failed(update(emu, "apigw", "host", [{"inst_id": 0}]), 1199006)
    # inst_id 0 anywhere is refused before any item is looked at, and so is a 0 among delete.inst_ids
    failed(update(emu, "apigw", "bk_switch", [{"inst_id": 99999}, {"inst_id": 0}]), 1199006)
    failed(call(emu, "apigw", "batch_update_inst", "bk_switch", {"update": [], "delete": {"inst_ids": [0]}}),
           1199006, "'inst_ids' data parameter verification does not pass")
    # the mainline model is not refused by the update
    failed(update(emu, "apigw", "bk_zone", [{"inst_id": 5}]), 1199019)
    # Chinese
    failed(update(emu, "apigw", "bk_switch", [{"inst_id": 99999}], headers={"X-Bkcmdb-Language": "zh-cn"}),
           1199019, "未找到相关数据")
    failed(update(emu, "esb", "bk_switch", [{"inst_id": ids[0], "datas": {"bk_inst_name": ""}}],
                  headers={"Blueking-Language": "zh-cn"}), 1199011, "''名称' 未赋值' 参数无效或不存在")
    failed(update(emu, "esb", "nope", [], headers={"Blueking-Language": "zh-cn"}), 1199045,
           "model [map[bk_obj_id:nope]] not found")                              # the parser's text, always English
    assert emu.stats()["items_updated"] == 0


# ------------------------------------------------------------------------------------------------
# batch_delete_inst
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_delete_removes_and_skips_missing_ids(emu, route):
    ids = create(emu, "bk_switch", switches(5))
    router = create(emu, "bk_router", switches(1, "r"))[0]
    assert succeeded(delete(emu, route, "bk_switch", [ids[1], ids[3], ids[1]])) is None
    assert sorted(stored(emu)) == [ids[0], ids[2], ids[4]]
    # missing ids, and ids of another model, are skipped silently: success, nothing else changes
    assert succeeded(delete(emu, route, "bk_switch", [ids[1], 99999, router, ids[4]])) is None
    assert sorted(stored(emu)) == [ids[0], ids[2]] and list(stored(emu, "bk_router")) == [router]
    assert succeeded(delete(emu, route, "bk_switch", [424242, -1, 0])) is None
    assert succeeded(delete(emu, route, "bk_switch", [])) is None
    assert succeeded(call(emu, route, "batch_delete_inst", "bk_switch", {})) is None
    assert succeeded(delete(emu, route, "bk_zone", [ids[0]])) is None           # mainline: allowed, nothing there
    assert sorted(stored(emu)) == [ids[0], ids[2]]
    assert emu.stats()["items_deleted"] == 3
    # ids are never reused, and a deleted unique value is free again
    again = create(emu, "bk_switch", [switches(5)[1]])
    assert again[0] > router


def test_delete_failures(emu):
    ids = create(emu, "bk_switch", switches(2))
    failed(delete(emu, "apigw", "no_such", ids), 1199045, "model [map[bk_obj_id:no_such]] not found")
    inner = "forbidden operate inner model instance with common instance API"
    for obj in ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "host", "plat"):
        failed(delete(emu, "apigw", obj, [1]), 1199084, inner)
    for body in ({"delete": [1001]}, {"delete": {"inst_ids": 1001}}, {"delete": {"inst_ids": ["1001"]}},
                 {"delete": {"inst_ids": [1001.5]}}, {"delete": {"inst_ids": [True]}},
                 {"delete": {"inst_ids": [1001]}, "update": [7]}):
        failed(call(emu, "apigw", "batch_delete_inst", "bk_switch", body), 1199000, "Deserializing JSON data failed")
    assert sorted(stored(emu)) == ids


# ------------------------------------------------------------------------------------------------
# search_object_instances, count_object_instances
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_paging_by_bk_inst_id_sees_each_instance_once(emu, route):
    ids = []
    for n in range(6):
        ids += create(emu, "bk_switch", switches(200, "p%d-" % n))
    create(emu, "bk_router", switches(3, "other"))
    assert len(ids) == 1200
    seen, after, pages = [], 0, []
    for _ in range(10):
        info = succeeded(search(emu, route, "bk_switch", page_query(after)))["info"]
        pages.append(0 if info is None else len(info))
        if not info:
            break
        assert all(set(row) == {"bk_inst_id", "bk_inst_name"} for row in info)
        seen += [row["bk_inst_id"] for row in info]
        after = info[-1]["bk_inst_id"]
        if len(info) < 500:
            break
    assert pages == [500, 500, 200]
    assert seen == ids                         # every instance once, in bk_inst_id order
    # a page after the last instance is empty: CMDB answers "info": null
    data = succeeded(search(emu, route, "bk_switch", page_query(ids[-1])))
    assert data == {"info": None}


def test_paging_while_instances_come_and_go(emu):
    ids = create(emu, "bk_switch", switches(200, "a")) + create(emu, "bk_switch", switches(200, "b"))
    first = succeeded(search(emu, "apigw", "bk_switch", page_query(0, limit=150)))["info"]
    # delete some seen and some unseen ones, create new ones: the next pages see the unseen survivors and the new
    # ones, each once
    succeeded(delete(emu, "apigw", "bk_switch", [ids[0], ids[10], ids[200], ids[399]]))
    new = create(emu, "bk_switch", switches(10, "c"))
    seen, after = [r["bk_inst_id"] for r in first], first[-1]["bk_inst_id"]
    for _ in range(10):
        info = succeeded(search(emu, "esb", "bk_switch", page_query(after, limit=150)))["info"] or []
        seen += [r["bk_inst_id"] for r in info]
        if len(info) < 150:
            break
        after = info[-1]["bk_inst_id"]
    survivors = [i for i in ids if i not in (ids[200], ids[399])]
    assert seen == survivors + new


@pytest.mark.parametrize("route", ROUTES)
def test_page_limit_1_to_500(emu, route):
    create(emu, "bk_switch", switches(3))
    message = "'page.limit' data parameter verification does not pass"
    for page in ({"start": 0, "limit": 501}, {"start": 0, "limit": 0}, {"start": 0}, None):
        query = {"fields": ["bk_inst_id"]}
        if page is not None:
            query["page"] = page
        failed(search(emu, route, "bk_switch", query), 1199006, message)
    assert len(succeeded(search(emu, route, "bk_switch", {"page": {"start": 0, "limit": 500}}))["info"]) == 3
    assert len(succeeded(search(emu, route, "bk_switch", {"page": {"start": 2, "limit": 1}}))["info"]) == 1
    zh = {"X-Bkcmdb-Language": "zh-cn"} if route == "apigw" else {"Blueking-Language": "zh-cn"}
    failed(search(emu, route, "bk_switch", {"page": {"limit": 501}}, headers=zh), 1199006,
           "'page.limit' 数据参数校验不通过")


def test_fields_projection(emu):
    ids = create(emu, "bk_switch", switches(2))
    info = succeeded(search(emu, "apigw", "bk_switch", {"fields": ["bk_asset_id", "nope", ""],
                                                         "page": {"start": 0, "limit": 10}}))["info"]
    assert info == [{"bk_asset_id": "sw-asset-0"}, {"bk_asset_id": "sw-asset-1"}]    # no bk_inst_id unless asked
    info = succeeded(search(emu, "apigw", "bk_switch", page_query(0, fields=["bk_sn", "bk_updated_at", "x"])))["info"]
    assert [set(r) for r in info] == [{"bk_sn", "bk_updated_at", "bk_inst_id"}] * 2      # x: not set
    assert info[0]["bk_sn"] == ""                                       # an absent text attribute is stored as ""
    assert info[0]["bk_updated_at"] == emu.instances("bk_switch")[0]["last_time"]
    whole = succeeded(search(emu, "esb", "bk_switch", {"page": {"start": 0, "limit": 1}, "fields": []}))["info"]
    inst = emu.instances("bk_switch")[0]
    assert whole == [dict(inst, bk_created_at=inst["create_time"], bk_updated_at=inst["last_time"])]
    assert whole[0]["bk_inst_id"] == ids[0] and whole[0]["bk_obj_id"] == "bk_switch"


def test_filters_sorting_and_count(emu):
    details = [{"bk_inst_name": "core-%d" % i, "rack_u": i * 5 + 5,
                "rack_room": "acme" if i % 2 else "Initech"} for i in range(10)]
    ids = create(emu, "rack", details)

    def names(query, route="apigw"):
        query = dict({"fields": ["bk_inst_name"], "page": {"start": 0, "limit": 500}}, **query)
        return [r["bk_inst_name"] for r in succeeded(search(emu, route, "rack", query))["info"] or []]

    def rule(field, op, value=None):
        return {"field": field, "operator": op, "value": value}

    def cond(*rules, how="AND"):
        return {"conditions": {"condition": how, "rules": list(rules)}}

    assert names(cond(rule("rack_room", "equal", "acme"))) == ["core-%d" % i for i in (1, 3, 5, 7, 9)]
    assert names({"conditions": rule("rack_u", "greater_or_equal", 45)}) == ["core-8", "core-9"]   # one atom
    assert names(cond(rule("rack_u", "less", 15), rule("bk_inst_name", "ends_with", "9"), how="OR")) == \
        ["core-0", "core-1", "core-9"]
    assert names(cond(rule("bk_inst_id", "in", [ids[2], ids[4], 1]), rule("bk_inst_name", "not_equal", "core-4"))) \
        == ["core-2"]
    assert names(cond(rule("bk_inst_name", "not_in", ["core-%d" % i for i in range(8)]))) == ["core-8", "core-9"]
    assert names(cond(rule("rack_room", "contains", "INI"))) == names(cond(rule("rack_room", "begins_with", "Ini")))
    assert names(cond(rule("rack_room", "contains_s", "INI"))) == []
    assert names(cond(rule("rack_room", "equal", "acme"), cond(rule("rack_u", "less", 20),
                                                               rule("rack_u", "greater", 45),
                                                               how="OR")["conditions"])) == ["core-1", "core-9"]
    assert names(cond(rule("bk_sn", "not_exist"), rule("rack_u", "less_or_equal", 10))) == ["core-0", "core-1"]
    assert names(cond(rule("rack_u", "equal", 10.0))) == ["core-1"]                  # numbers by value
    assert names(cond(rule("rack_u", "equal", "10"))) == []                          # not across types
    # sorting: "-key", "key:-1", several keys; the default is bk_inst_id order
    assert names({"page": {"start": 0, "limit": 3, "sort": "-rack_u"}}) == ["core-9", "core-8", "core-7"]
    assert names({"page": {"start": 0, "limit": 3, "sort": "bk_inst_id:-1"}}, "esb") == ["core-9", "core-8", "core-7"]
    assert names({"page": {"start": 0, "limit": 4, "sort": "rack_room,-rack_u"}}) == \
        ["core-8", "core-6", "core-4", "core-2"]
    assert names({"page": {"start": 7, "limit": 500}}) == ["core-7", "core-8", "core-9"]
    # count_object_instances: the same conditions, {"count": N}
    count = "count_object_instances"
    assert succeeded(call(emu, "esb", count, "rack", {})) == {"count": 10}
    assert succeeded(call(emu, "apigw", count, "rack", cond(rule("rack_room", "equal", "acme")))) == {"count": 5}
    assert succeeded(call(emu, "apigw", count, "bk_router", {})) == {"count": 0}
    failed(call(emu, "apigw", count, "nope", {}), 1199045, "model [map[bk_obj_id:nope]] not found")
    failed(call(emu, "apigw", count, "host", {}), 1199084)


def test_search_failures(emu):
    create(emu, "bk_switch", switches(1))
    page = {"page": {"start": 0, "limit": 10}}

    def expression(conditions):
        return dict(page, conditions=conditions)

    bad = {"condition": "AND", "rules": [{"field": "bk_inst_id", "operator": "bogus", "value": 1}]}
    failed(search(emu, "apigw", "bk_switch", expression(bad)), 1199006,
           "'conditions: {\"condition\":\"AND\",\"rules\":[{\"field\":\"bk_inst_id\",\"operator\":\"bogus\","
           "\"value\":1}]}' data parameter verification does not pass")
    for conditions in ({"condition": "and", "rules": [{"field": "a", "operator": "equal", "value": 1}]},
                       {"condition": "AND", "rules": []},
                       {"condition": "AND", "rules": [{"field": "", "operator": "equal", "value": 1}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "equal", "value": None}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "in", "value": []}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "in", "value": list(range(501))}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "in", "value": [1, "1"]}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "greater", "value": "1"}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "contains", "value": ""}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "equal", "value": 1}] * 51},
                       {"condition": "AND", "rules": [{"condition": "OR", "rules": [
                           {"condition": "AND", "rules": [{"field": "a", "operator": "equal", "value": 1}]}]}]}):
        failed(search(emu, "apigw", "bk_switch", expression(conditions)), 1199006)
        failed(call(emu, "apigw", "count_object_instances", "bk_switch", {"conditions": conditions}), 1199006)
    assert len(succeeded(search(emu, "apigw", "bk_switch", expression(
        {"condition": "AND", "rules": [{"condition": "OR", "rules": [
            {"field": "bk_inst_id", "operator": "in", "value": list(range(1000, 1500))}]}]})))["info"]) == 1
    for conditions in ({}, [], "x", {"condition": "AND", "rules": {}}, {"condition": 1, "rules": []},
                       {"condition": "AND", "rules": [{"field": "a"}]},
                       {"condition": "AND", "rules": [{"field": "a", "operator": "in", "value": "x"}]},
                       {"condition": "AND", "rules": [{"field": 1, "operator": "equal", "value": 1}]}):
        failed(search(emu, "apigw", "bk_switch", expression(conditions)), 1199000, "Deserializing JSON data failed")
    for body in ({"fields": "bk_sn", "page": page["page"]}, {"fields": [1], "page": page["page"]},
                 {"page": {"start": "0", "limit": 10}}, {"page": {"start": 0, "limit": 10.0}},
                 {"page": {"start": 0, "limit": 10, "sort": 1}}, {"page": []}):
        failed(search(emu, "apigw", "bk_switch", body), 1199000, "Deserializing JSON data failed")
    failed(search(emu, "apigw", "host", {"page": "not even decoded"}), 1199084,
           "forbidden operate inner model instance with common instance API")
    failed(search(emu, "apigw", "nope", page), 1199998, "get model by objID failed, val: [nope]")
    failed(search(emu, "esb", "nope", page, headers={"Blueking-Language": "zh-cn"}), 1199998,
           "get model by objID failed, val: [nope]")
    # conditions: null matches everything
    assert len(succeeded(search(emu, "apigw", "bk_switch", dict(page, conditions=None)))["info"]) == 1


# ------------------------------------------------------------------------------------------------
# Routes, faults
# ------------------------------------------------------------------------------------------------

def test_routes_methods(emu):
    ids = create(emu, "bk_switch", switches(1))
    # the gateway's resources take one method each; another one is the gateway's 404
    r = emu.post("/api/bk-cmdb/prod/api/v3/updatemany/instance/object/bk_switch", {"update": []},
                 {"X-Bkapi-Authorization": HEADER_AUTH})
    assert r.status == 404 and r.json()["code"] == 1640401
    r = emu.request("PUT", "/api/bk-cmdb/prod/api/v3/deletemany/instance/object/bk_switch/", {"delete": {}},
                    {"X-Bkapi-Authorization": HEADER_AUTH})
    assert r.status == 404 and r.json()["code"] == 1640401
    # the ESB components are POST; GET is the ESB's 405
    r = emu.get("/api/c/compapi/v2/cc/batch_delete_inst/")
    assert r.status == 405 and r.json()["code"] == 1306405
    # credentials and bk_obj_id as on the other routes
    r = emu.post("/api/c/compapi/v2/cc/batch_delete_inst/", {"bk_obj_id": "bk_switch", "delete": {"inst_ids": ids}})
    failed(r, 1306000)
    failed(emu.post("/api/c/compapi/v2/cc/search_object_instances/", dict(BODY_AUTH)), 1306406,
           "Parameters error, param bk_obj_id is required")
    r = emu.request("DELETE", "/api/bk-cmdb/prod/api/v3/deletemany/instance/object/bk_switch",
                    {"delete": {"inst_ids": ids}})
    assert r.status == 400 and r.json()["code"] == 1640001
    # the trailing slash is optional, the stage any
    assert succeeded(emu.request("DELETE", "/api/bk-cmdb/stag/api/v3/deletemany/instance/object/bk_switch/",
                                 {"delete": {"inst_ids": ids}}, {"X-Bkapi-Authorization": HEADER_AUTH})) is None
    assert stored(emu) == {}


def request_of(emu, op, route, ids):
    if op == "batch_update_inst":
        return lambda **kw: update(emu, route, "bk_switch", [{"inst_id": ids[0], "datas": {"bk_sn": "faulted"}}], **kw)
    if op == "batch_delete_inst":
        return lambda **kw: delete(emu, route, "bk_switch", [ids[0]], **kw)
    if op == "search_object_instances":
        return lambda **kw: search(emu, route, "bk_switch", page_query(0), **kw)
    return lambda **kw: call(emu, route, op, "bk_switch", {}, **kw)


def changed(emu, op, ids):
    """Whether the request of request_of took effect."""
    now = stored(emu)
    if op == "batch_update_inst":
        return now[ids[0]].get("bk_sn") == "faulted"
    if op == "batch_delete_inst":
        return ids[0] not in now
    return False


@pytest.mark.parametrize("op", sorted(OPS))
def test_faults_apply_to_each_route(emu, op):
    ids = create(emu, "bk_switch", switches(3))
    send = request_of(emu, op, "apigw", ids)
    writes = op in ("batch_update_inst", "batch_delete_inst")
    # not processed: an HTML 502, a dropped connection, a rate limit, a login page
    for fault in ("http_502_html", "drop", "rate_limit", "not_json", "gw_429_1642903", "cmdb_1199997"):
        emu.set_faults([{"name": fault, "only": op}])
        try:
            r = send()
            assert r.status in (200, 429, 502) and r.body, fault
            if r.status == 200 and r.body.startswith(b"{"):
                assert r.json()["result"] is False, fault
        except LOST:
            assert fault == "drop"
        assert not changed(emu, op, ids), fault
    # processed, then the answer is lost or replaced: reset, truncate, gateway 504 after acting
    emu.set_faults([{"name": "gw_504", "only": op, "count": 1}])
    r = send()
    assert r.status == 504 and r.json()["code"] == 1650401
    assert changed(emu, op, ids) == writes
    ids = create(emu, "bk_switch", switches(1, "again"))
    send = request_of(emu, op, "apigw", ids)
    emu.set_faults([{"name": "reset", "only": op, "count": 1}])
    with pytest.raises(LOST):
        send()
    assert changed(emu, op, ids) == writes
    ids = create(emu, "bk_switch", switches(1, "third"))
    send = request_of(emu, op, "apigw", ids)
    emu.set_faults([{"name": "truncate", "only": op, "count": 1}])
    with pytest.raises((http.client.IncompleteRead, ValueError)):
        json.loads(send().body)
    assert changed(emu, op, ids) == writes
    # latency, and a fault limited to another operation does not touch this one
    emu.set_faults(["latency:150", {"name": "drop", "only": "batch_create_inst"}])
    r = send()
    assert r.elapsed >= 0.14 and r.json()["result"] is True
    assert emu.stats()["faults_applied"]["gw_504"] == 1 and emu.stats()["requests"][op] == 10


@pytest.mark.parametrize("op", ["batch_update_inst", "batch_delete_inst"])
def test_audit_failure_rolls_the_transaction_back(emu, op):
    ids = create(emu, "bk_switch", switches(2))
    before = stored(emu)
    emu.set_faults(["audit_fail"])
    for route in ROUTES:
        failed(request_of(emu, op, route, ids)(), 1109001, "save audit log failed")
    assert stored(emu) == before
    # a request that fails on its own, or finds nothing to delete, is answered as it is
    failed(update(emu, "apigw", "bk_switch", [{"inst_id": 99999}]), 1199019)
    assert succeeded(delete(emu, "apigw", "bk_switch", [99999])) is None


@pytest.mark.parametrize("op", sorted(OPS))
def test_esb_faults_name_the_component(emu, op):
    ids = create(emu, "bk_switch", switches(1))
    emu.set_faults([{"name": "esb_1306201", "only": op}])
    body = failed(request_of(emu, op, "esb", ids)(), 1306201)
    assert "interface [%s] error" % op in body["message"]
    assert changed(emu, op, ids) == (op in ("batch_update_inst", "batch_delete_inst"))


def test_per_item_counts_update_and_delete_items(emu):
    ids = create(emu, "bk_switch", switches(20))
    emu.set_faults(["per_item:10"])
    r = update(emu, "apigw", "bk_switch", [{"inst_id": i, "datas": {"bk_sn": "s"}} for i in ids])
    assert r.elapsed >= 0.19 and r.json()["result"] is True
    r = delete(emu, "apigw", "bk_switch", ids)
    assert r.elapsed >= 0.19 and r.json()["result"] is True
    r = search(emu, "apigw", "bk_switch", page_query(0))
    assert r.elapsed < 0.19 and r.json()["data"] == {"info": None}


def test_no_permission_names_the_action(emu):
    ids = create(emu, "bk_switch", switches(1))
    emu.set_faults(["no_permission"])
    for op, action in (("batch_update_inst", "edit_sys_instance"), ("batch_delete_inst", "delete_sys_instance"),
                       ("search_object_instances", "find_sys_instance")):
        body = failed(request_of(emu, op, "esb", ids)(), 9900403)
        assert body["permission"]["actions"][0]["id"] == action
    assert list(stored(emu)) == ids and stored(emu)[ids[0]]["bk_sn"] == ""


def test_state_keeps_updates_and_deletes(spawn, tmp_path):
    state = str(tmp_path / "state.json")
    e = spawn("--state", state)
    ids = create(e, "bk_switch", switches(3))
    succeeded(update(e, "apigw", "bk_switch", [{"inst_id": ids[0], "datas": {"bk_inst_name": "kept"}}]))
    succeeded(delete(e, "esb", "bk_switch", [ids[1]]))
    assert e.stop() == 0
    e2 = spawn("--state", state)
    assert [(i["bk_inst_id"], i["bk_inst_name"]) for i in e2.instances()] == [(ids[0], "kept"), (ids[2], "sw-2")]
    assert create(e2, "bk_switch", switches(1, "new"))[0] == ids[2] + 1


def test_search_inst_takes_cmdb_fields_shape(emu):
    ids = create(emu, "bk_switch", switches(2))
    query = {"condition": {"bk_switch": [{"field": "bk_inst_id", "operator": "$in", "value": ids}]},
             "fields": {"bk_switch": ["bk_asset_id"], "other": ["x"]}, "page": {"start": 0, "limit": 10}}
    data = succeeded(emu.gw_search("bk_switch", query))
    assert data == {"count": 2, "info": [{"bk_asset_id": "sw-asset-0"}, {"bk_asset_id": "sw-asset-1"}]}
    failed(emu.esb_search("bk_switch", dict(query, fields={"bk_switch": "bk_asset_id"})), 1199000)
