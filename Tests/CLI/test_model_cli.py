"""The CLI against the CMDB's model (issue: custom models, every attribute type, silently dropped columns):
validate and batch-create-inst read the model from the emulator and say so; a custom model (rack) imports end to end;
display-name headers, enum option names and the CMDB's own template layout; each type rule's message; the
empty-string collision; unknown columns warned once before anything is sent; --offline; bkcc model / template."""

import json

from .cli_support import Emulator, report_lines, write_csv

RACK_HEADER = ("bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip")


def racks(n, start=0):
    return [("R-%03d" % i, str(1 + i % 60), "机房-%d" % (i % 3), ("in_use", "idle", "retired")[i % 3],
             "10.0.%d.%d" % (i // 250, i % 250 + 1)) for i in range(start, start + n)]


def test_a_custom_model_imports_end_to_end(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "racks.csv", racks(450), header=RACK_HEADER)
    r = bkcc("batch-create-inst", "--obj", "rack", "--report", tmp_path / "report.jsonl", "--output", "json", path)
    assert r.code == 0, r
    assert r.json()["rules"] == "checked against model rack from the CMDB: 5 attributes, unique: bk_inst_name"
    stored = emulator.instances("rack")
    assert len(stored) == 450
    first = next(s for s in stored if s["bk_inst_name"] == "R-001")
    assert first["rack_u"] == 2 and first["rack_status"] == "idle" and first["rack_room"] == "机房-1"
    assert "bk_asset_id" not in first


def test_validate_names_each_rule_with_the_display_name(bkcc, tmp_path):
    rows = [("R-1", "61", "A", "idle", "10.0.0.1"),     # line 2: int range
            ("R-2", "x", "A", "idle", "10.0.0.2"),      # 3: not an integer
            ("R-3", "3", "A", "broken", "10.0.0.3"),    # 4: enum
            ("R-4", "3", "A", "idle", "10.0.0.300"),    # 5: regex
            ("", "3", "A", "idle", "10.0.0.5"),         # 6: required
            ("R-6", "3", "机" * 86, "idle", "10.0.0.6"),  # 7: 258 bytes
            ("R-1", "3", "A", "idle", "10.0.0.7"),      # 8: unique
            ("R-8", "3", "A", "闲置", "10.0.0.8")]      # enum name? not rack's: 空闲 is
    r = bkcc("validate", "--obj", "rack", "--max-problems", "0", write_csv(tmp_path / "r.csv", rows, header=RACK_HEADER))
    assert r.code == 2, r
    lines = r.out.splitlines()
    assert lines[0] == "checked against model rack from the CMDB: 5 attributes, unique: bk_inst_name"
    text = r.out
    assert "r.csv:2: rack_u (机柜U数): 61 is above the maximum 60" in text
    assert 'r.csv:3: column 2 (rack_u): not an integer: "x"' in text
    assert 'r.csv:4: rack_status (机柜状态): "broken" is not one of its options (in_use (在用), idle (空闲), retired (已退役))' in text
    assert "r.csv:5: rack_ip (管理地址):" in text and "pattern" in text
    assert "r.csv:6: bk_inst_name (实例名): required" in text
    assert "r.csv:7: rack_room (机房): 258 bytes, more than the 256 bytes of single-line text" in text
    assert 'r.csv:8: bk_inst_name "R-1" repeats line 2' in text
    assert 'r.csv:9: rack_status (机柜状态): "闲置" is not one of its options' in text
    assert lines[-1].endswith("r.csv: 8 rows (csv), 8 invalid")


def test_display_name_headers_and_option_names(bkcc, emulator, tmp_path):
    header = ("实例名(必填)", "机柜U数", "机柜状态", "管理地址")
    rows = [("R-1", "42", "空闲", "10.0.0.1"), ("R-2", "7", "已退役", "10.0.0.2")]
    r = bkcc("batch-create-inst", "--obj", "rack", write_csv(tmp_path / "names.csv", rows, header=header))
    assert r.code == 0, r
    stored = {s["bk_inst_name"]: s for s in emulator.instances("rack")}
    assert stored["R-1"]["rack_u"] == 42 and stored["R-1"]["rack_status"] == "idle"
    assert stored["R-2"]["rack_status"] == "retired"


def test_the_cmdb_template_layout_is_read_as_it_comes(bkcc, emulator, tmp_path):
    # bk-cmdb web_server excel exporter: label column A, names (required marked), types, ids, three table rows.
    text = ("字段名(请勿编辑),实例名(必填),机柜U数,机柜状态\n"
            "字段类型(请勿编辑),短字符,数字,枚举\n"
            "字段标识(请勿编辑),bk_inst_name,rack_u,rack_status\n"
            "表格字段名(请勿编辑),,,\n表格字段类型(请勿编辑),,,\n表格字段标识(请勿编辑),,,\n"
            "实例数据,R-1,3,空闲\n,R-2,4,在用\n")
    path = tmp_path / "template.csv"
    path.write_text(text, encoding="utf-8")
    r = bkcc("batch-create-inst", "--obj", "rack", "--report", tmp_path / "rep.jsonl", path)
    assert r.code == 0, r
    stored = {s["bk_inst_name"]: s for s in emulator.instances("rack")}
    assert stored == {"R-1": stored["R-1"], "R-2": stored["R-2"]}
    assert stored["R-1"]["rack_u"] == 3 and stored["R-2"]["rack_status"] == "in_use"
    assert sorted(l["line"] for l in report_lines(tmp_path / "rep.jsonl")) == [7, 8]


def test_unknown_columns_are_named_once_before_anything_is_sent(bkcc, emulator, tmp_path):
    rows = [("交换机-%d" % i, "SW-%d" % i, "48", "n") for i in range(300)]
    path = write_csv(tmp_path / "legacy.csv", rows, header=("bk_inst_name", "bk_asset_id", "bk_port_count:int", "bk_remark"))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 0, r
    warnings = [l for l in r.err.splitlines() if "warning" in l]
    assert warnings == [
        "bkcc: warning: bk_port_count (in 300 rows, first on line 2): not an attribute of bk_switch: the CMDB drops it",
        "bkcc: warning: bk_remark (in 300 rows, first on line 2): not an attribute of bk_switch: the CMDB drops it"]
    stored = emulator.instances("bk_switch")
    assert len(stored) == 300 and "bk_port_count" not in stored[0]


def test_a_suffix_that_disagrees_with_the_model_is_refused(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", [("R-1", "3")], header=("bk_inst_name", "rack_room:int"))
    r = bkcc("batch-create-inst", "--obj", "rack", path)
    assert r.code == 2, r
    assert "s.csv:1:2: the header types \"rack_room\" as int, but the model's rack_room is singlechar" in r.err
    assert emulator.creates() == 0


def test_the_empty_string_collision_is_found_before_sending(tmp_path, bkcc):
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"models": [{"bk_obj_id": "tagged", "name": "tagged", "attributes": [
        {"id": "bk_inst_name", "name": "名称", "type": "singlechar", "required": True},
        {"id": "tag", "name": "标签", "type": "singlechar"}], "unique": [["bk_inst_name"], ["tag"]]}]}))
    with Emulator("--models", str(models)) as emu:
        path = write_csv(tmp_path / "t.csv", [("a", "x"), ("b", ""), ("c", "")], header=("bk_inst_name", "tag"))
        r = bkcc("validate", "--obj", "tagged", path, url=emu.url)
        assert r.code == 2, r
        assert 't.csv:4: tag "" (absent: stored as "") repeats line 3; the server would reject it as duplicated' in r.out
        # What the emulator does with the same rows: the second empty tag is a duplicate.
        r = bkcc("batch-create-inst", "--obj", "tagged", "--offline", "--unique-field", "bk_inst_name", path, url=emu.url)
        assert r.code == 1, r
        assert sorted(s["bk_inst_name"] for s in emu.instances("tagged")) == ["a", "b"]


def test_offline_rules_fit_a_custom_model(bkcc, tmp_path):
    path = write_csv(tmp_path / "racks.csv", [("R-1", "3"), ("R-1", "4"), ("", "5")], header=("bk_inst_name", "rack_u"))
    r = bkcc("validate", "--obj", "rack", "--offline", path)
    assert r.code == 2, r
    assert r.out.splitlines()[0].startswith("checked by the offline rules (--offline): bk_inst_name required, unique: bk_inst_name")
    assert 'racks.csv:3: bk_inst_name "R-1" repeats line 2' in r.out
    assert "racks.csv:4: bk_inst_name: required" in r.out
    assert "bk_asset_id" not in r.out
    r = bkcc("validate", "--obj", "rack", path, replace_env={"HOME": str(tmp_path)})
    assert "checked by the offline rules (no CMDB configured" in r.out


def test_an_unreachable_cmdb_falls_back_to_the_offline_rules_and_says_so(bkcc, tmp_path):
    path = write_csv(tmp_path / "racks.csv", [("R-1", "3")], header=("bk_inst_name", "rack_u"))
    r = bkcc("validate", "--obj", "rack", "--timeout", "2", "--retries", "0", path, url="http://127.0.0.1:9")
    assert r.code == 0, r
    assert "bkcc: warning: cannot read model rack from the CMDB (" in r.err and "checked by the offline rules instead" in r.err


def test_a_model_the_cmdb_does_not_know_stops_the_command(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", [("a", "A")])
    for command in ("validate", "batch-create-inst"):
        r = bkcc(command, "--obj", "bk_nosuch", path)
        assert r.code == 3 and 'model "bk_nosuch" not found: the CMDB knows no attributes of it' in r.err, r
    assert emulator.creates() == 0


def test_model_and_template_commands(bkcc, emulator, tmp_path):
    r = bkcc("model", "--obj", "bk_switch")
    assert r.code == 0, r
    assert r.out.splitlines()[0] == "model bk_switch: 11 attributes, unique: bk_asset_id"
    assert any(l.split()[:2] == ["bk_asset_id", "singlechar"] and "[required, unique, not editable]" in l for l in r.out.splitlines())
    model = json.loads(bkcc("model", "--obj", "rack", "--output", "json").out)
    assert model["bk_obj_id"] == "rack" and model["unique"] == [["bk_inst_name"]]
    assert bkcc("model", "--obj", "nope").code == 2
    header = bkcc("template", "--obj", "rack").out.strip()
    assert header == "bk_inst_name,rack_u,rack_room,rack_status,rack_ip"
    path = tmp_path / "filled.csv"
    path.write_text(header + "\nR-9,9,机房,idle,10.9.9.9\n", encoding="utf-8")
    assert bkcc("batch-create-inst", "--obj", "rack", path).code == 0
    names = bkcc("template", "--obj", "rack", "--names").out.strip()
    path.write_text(names + "\nR-10,10,机房,在用,10.9.9.10\n", encoding="utf-8")
    r = bkcc("batch-create-inst", "--obj", "rack", path)
    assert r.code == 0, r
    assert {s["bk_inst_name"] for s in emulator.instances("rack")} == {"R-9", "R-10"}


def test_a_cmdb_export_workbook_imports_with_cells_typed_by_the_model(bkcc, emulator, tmp_path):
    openpyxl = __import__("pytest").importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "rack"
    for row in (["字段名(请勿编辑)", "实例名(必填)", "机柜U数", "机房", "机柜状态"],
                ["字段类型(请勿编辑)", "短字符", "数字", "短字符", "枚举"],
                ["字段标识(请勿编辑)", "bk_inst_name", "rack_u", "rack_room", "rack_status"],
                ["表格字段名(请勿编辑)"], ["表格字段类型(请勿编辑)"], ["表格字段标识(请勿编辑)"],
                ["实例数据", "R-1", 42, 301, "空闲"], [None, "R-2", 7.0, "B2", "retired"]):
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    book.save(path)
    r = bkcc("batch-create-inst", "--obj", "rack", path)
    assert r.code == 0, r
    stored = {s["bk_inst_name"]: s for s in emulator.instances("rack")}
    # A number cell in a text attribute's column is the text shown; in an int column an integer.
    assert stored["R-1"]["rack_room"] == "301" and stored["R-1"]["rack_u"] == 42 and stored["R-1"]["rack_status"] == "idle"
    assert stored["R-2"]["rack_u"] == 7 and stored["R-2"]["rack_status"] == "retired"
