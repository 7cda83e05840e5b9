"""The model from the server (Client.get_model), the checks against it (bkcc.validate_model), the batch call's
model= option, and the offline rules for a custom model — against the emulator's real default models and its
custom model ``rack`` (Tests/Emulator/README.md)."""

import pytest

from .bkcc_test_support import bkcc


def racks(n, start=0):
    return [{"bk_inst_name": "R-%03d" % i, "rack_u": 42, "rack_room": "A%d" % (i % 3), "rack_status": "in_use",
             "rack_ip": "10.0.%d.%d" % (i // 250, i % 250 + 1)} for i in range(start, start + n)]


@pytest.mark.parametrize("api", ["esb", "apigw"])
def test_get_model_reads_attributes_and_unique_rules(cmdb, api):
    with cmdb.client(api=api) as client:
        rack = client.get_model("rack")
        switch = client.get_model("bk_switch")
        reads = cmdb.stats()["requests"]
        # Cached: a second call reads nothing.
        assert client.get_model("rack") == rack
        assert cmdb.stats()["requests"] == reads
    ids = [a["id"] for a in rack["attributes"]]
    assert {"bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip"} <= set(ids)
    assert rack["unique"] == [["bk_inst_name"]]
    by_id = {a["id"]: a for a in rack["attributes"]}
    assert by_id["bk_inst_name"]["required"] is True
    assert by_id["rack_u"]["type"] == "int"
    assert [o["id"] for o in by_id["rack_status"]["option"]] == ["in_use", "idle", "retired"]
    assert ["bk_asset_id"] in switch["unique"]
    switch_ids = {a["id"] for a in switch["attributes"]}
    assert "bk_port_count" not in switch_ids and {"bk_asset_id", "bk_admin_ip", "bk_biz_status"} <= switch_ids


def test_an_unknown_model_is_an_api_error(client):
    with pytest.raises(bkcc.APIError) as caught:
        client.get_model("no_such_model")
    assert "no_such_model" in str(caught.value)


def test_validate_model_names_each_rule_and_warns_about_unknown_columns(client):
    rack = client.get_model("rack")
    problems = bkcc.validate_model(rack, [
        {"bk_inst_name": "R-1", "rack_u": 42, "rack_status": "idle", "rack_ip": "10.0.0.1"},
        {"bk_inst_name": "R-2", "rack_u": 61},
        {"bk_inst_name": "R-3", "rack_status": "broken"},
        {"bk_inst_name": "R-4", "rack_ip": "10.0.0.256"},
        {"rack_u": 3},
        {"bk_inst_name": "机" * 86},
        {"bk_inst_name": "R-1"},
        {"bk_inst_name": "R-7", "bk_port_count": 48},
    ])
    assert 0 not in problems and 7 not in problems
    assert "rack_u" in problems[1] and "60" in problems[1]
    assert "rack_status" in problems[2] and "in_use (在用), idle (空闲), retired (已退役)" in problems[2]
    assert "rack_ip" in problems[3] and "pattern" in problems[3]
    assert problems[4].startswith("details[4].bk_inst_name") and "required" in problems[4]
    assert "258 bytes, more than the 256 bytes" in problems[5]
    assert "repeats details[0]" in problems[6]
    assert problems.warnings == {7: "details[7].bk_port_count: not an attribute of rack: the CMDB drops it"}


def test_validate_model_refuses_what_is_not_a_model():
    with pytest.raises(bkcc.InvalidArgumentError, match=r"model\.attributes: must be an array"):
        bkcc.validate_model({"bk_obj_id": "rack", "attributes": {}}, [{}])
    with pytest.raises(bkcc.ValidationError):
        bkcc.validate_model({"bk_obj_id": "rack", "attributes": []}, [])


def test_a_custom_model_imports_end_to_end(cmdb, client):
    # Offline rules: a custom model needs no bk_asset_id.
    assert bkcc.validate("rack", racks(3)) == {}
    assert bkcc.validate("rack", [{"bk_inst_name": "R"}, {"bk_inst_name": "R"}]) == {
        1: 'details[1].bk_inst_name: "R" repeats details[0]; the server would reject it as duplicated'}
    rack = client.get_model("rack")
    result = client.batch_create_inst("rack", racks(450), model=rack)
    assert result.ok and len(result.created) == 450
    stored = cmdb.instances("rack")
    assert len(stored) == 450
    assert {s["bk_inst_name"] for s in stored} == {"R-%03d" % i for i in range(450)}
    assert stored[0]["rack_u"] == 42


def test_the_model_option_checks_before_anything_is_sent(cmdb, client):
    rack = client.get_model("rack")
    before = cmdb.stats()["requests"]["batch_create_inst"]
    with pytest.raises(bkcc.ValidationError, match=r"rack_u \(.*\): 61 is above the maximum 60"):
        client.batch_create_inst("rack", [{"bk_inst_name": "R-1", "rack_u": 61}], model=rack)
    assert cmdb.stats()["requests"]["batch_create_inst"] == before
    skipped = client.batch_create_inst("rack", [{"bk_inst_name": "R-1", "rack_u": 61}, {"bk_inst_name": "R-2"}],
                                       model=rack, on_invalid="skip")
    assert sorted(skipped.failed) == [0] and sorted(skipped.created) == [1]
    with pytest.raises(bkcc.InvalidArgumentError, match="options.model"):
        client.batch_create_inst("bk_switch", [{"bk_inst_name": "s", "bk_asset_id": "a"}], model=rack)


def test_sync_plans_applies_and_converges(cmdb, client):
    rows = racks(250)
    plan = client.sync("rack", rows)
    assert plan.key == "bk_inst_name" and len(plan.create) == 250 and not plan.update and not plan.nothing_to_do
    assert cmdb.stats()["requests"]["batch_create_inst"] == 0  # a plan sends nothing
    outcomes = plan.apply()
    assert sorted(outcomes) == list(range(250)) and {o for o, _ in outcomes.values()} == {"created"}
    assert client.sync("rack", rows).nothing_to_do
    rows[3]["rack_u"] = 33
    rows = rows[:200] + racks(5, start=900)
    plan = client.sync("rack", rows, prune=True)
    assert (len(plan.create), len(plan.update), len(plan.unchanged), len(plan.extra)) == (5, 1, 199, 50)
    assert plan.update[0]["changes"] == [{"attribute": "rack_u", "before": 42, "after": 33, "editable": True}]
    outcomes = plan.apply()
    assert outcomes[3][0] == "updated" and sum(1 for k, (o, _) in outcomes.items() if k < 0 and o == "deleted") == 50
    stored = {s["bk_inst_name"]: s for s in cmdb.instances("rack")}
    assert len(stored) == 205 and stored["R-003"]["rack_u"] == 33
    assert client.sync("rack", rows, prune=True).nothing_to_do


def test_sync_refuses_rows_the_model_refuses(client):
    with pytest.raises(bkcc.ValidationError, match=r"rack_u"):
        client.sync("rack", [{"bk_inst_name": "R-1", "rack_u": 99}])
    with pytest.raises(bkcc.ValidationError, match="repeats"):
        client.sync("rack", [{"bk_inst_name": "R-1"}, {"bk_inst_name": "R-1"}])
    with pytest.raises(bkcc.InvalidArgumentError, match="is not an attribute"):
        client.sync("rack", [{"bk_inst_name": "R-1"}], key="nope")
