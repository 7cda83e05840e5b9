"""bkcc sync and bkcc export against the emulator: plan counts and exit codes, --apply, convergence (a second apply
finds nothing to do), the prune guard, kill -9 in the middle of an apply then a second apply with every row stored
once, two instances under one key, a change to an attribute that cannot be edited, bad keys, and the export round
trip (export → edit → sync changes exactly what was edited) with Chinese text in CSV and JSON Lines."""

import csv
import json
import signal
import time

from .cli_support import report_lines, wait_until, write_csv

HEADER = ("bk_inst_name", "rack_u", "rack_room", "rack_status")


def racks(n, start=0, room="机房-{i}"):
    return [("R-%04d" % i, str(1 + i % 60), room.format(i=i % 3), ("in_use", "idle", "retired")[i % 3])
            for i in range(start, start + n)]


def test_plan_apply_and_convergence(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "racks.csv", racks(300), header=HEADER)
    plan = bkcc("sync", "--obj", "rack", "--output", "json", path)
    assert plan.code == 1, plan
    assert plan.json()["plan"] == {"create": 300, "update": 0, "unchanged": 0, "ambiguous": 0, "blocked": 0, "extra": 0}
    assert emulator.creates() == 0  # a plan sends nothing
    applied = bkcc("sync", "--obj", "rack", "--apply", "--report", tmp_path / "sync.jsonl", path)
    assert applied.code == 0, applied
    assert "applied: 300 created, 0 updated, 0 unchanged" in applied.out
    assert len(emulator.instances("rack")) == 300
    lines = report_lines(tmp_path / "sync.jsonl")
    assert len(lines) == 300 and {l["outcome"] for l in lines} == {"created"}
    again = bkcc("sync", "--obj", "rack", "--apply", path)
    assert again.code == 0, again
    assert "nothing to do" in again.out and "0 to create, 0 to update, 300 unchanged" in again.out
    assert emulator.creates() == 2  # 300 rows: two create requests, none on the second apply


def test_updates_show_before_and_after_and_send_only_the_changes(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "racks.csv", racks(20), header=HEADER)
    assert bkcc("sync", "--obj", "rack", "--apply", path).code == 0
    rows = racks(20)
    rows[3] = (rows[3][0], "33", rows[3][2], rows[3][3])
    rows[7] = (rows[7][0], rows[7][1], "新机房", rows[7][3])
    edited = write_csv(tmp_path / "edited.csv", rows + racks(2, start=100), header=HEADER)
    plan = bkcc("sync", "--obj", "rack", "--plan-out", tmp_path / "plan.jsonl", edited)
    assert plan.code == 1, plan
    assert "2 to create, 2 to update, 18 unchanged, 0 on the server but not in the input" in plan.out
    assert 'update line 5 bk_inst_name=R-0003 (bk_inst_id 1004): rack_u 4 → 33' in plan.out
    assert 'rack_room "机房-1" → "新机房"' in plan.out
    actions = [json.loads(l) for l in open(tmp_path / "plan.jsonl", encoding="utf-8")]
    assert sorted(a["action"] for a in actions).count("unchanged") == 18
    update = next(a for a in actions if a["action"] == "update" and a["key"] == "R-0003")
    assert update["changes"] == [{"attribute": "rack_u", "before": 4, "after": 33, "editable": True}]
    updates_before = emulator.stats()["requests"]["batch_update_inst"]
    assert bkcc("sync", "--obj", "rack", "--apply", edited).code == 0
    assert emulator.stats()["requests"]["batch_update_inst"] == updates_before + 1
    stored = {s["bk_inst_name"]: s for s in emulator.instances("rack")}
    assert stored["R-0003"]["rack_u"] == 33 and stored["R-0007"]["rack_room"] == "新机房" and "R-0100" in stored
    assert "nothing to do" in bkcc("sync", "--obj", "rack", edited).out


def test_prune_is_guarded(bkcc, emulator, tmp_path):
    assert bkcc("sync", "--obj", "rack", "--apply", write_csv(tmp_path / "all.csv", racks(10), header=HEADER)).code == 0
    fewer = write_csv(tmp_path / "fewer.csv", racks(7), header=HEADER)
    plan = bkcc("sync", "--obj", "rack", fewer)
    assert plan.code == 0 and "3 on the server but not in the input (kept)" in plan.out, plan
    refused = bkcc("sync", "--obj", "rack", "--prune", "--apply", fewer)
    assert refused.code == 2 and "--max-delete" in refused.err, refused
    over = bkcc("sync", "--obj", "rack", "--prune", "--max-delete", "2", "--apply", fewer)
    assert over.code == 2 and "more than --max-delete 2" in over.err, over
    assert len(emulator.instances("rack")) == 10
    pruned = bkcc("sync", "--obj", "rack", "--prune", "--max-delete", "3", "--apply", "--report", tmp_path / "p.jsonl", fewer)
    assert pruned.code == 0, pruned
    assert sorted(s["bk_inst_name"] for s in emulator.instances("rack")) == ["R-%04d" % i for i in range(7)]
    deleted = [l for l in report_lines(tmp_path / "p.jsonl") if l["outcome"] == "deleted"]
    assert sorted(l["key"] for l in deleted) == ["R-0007", "R-0008", "R-0009"]


def test_kill_mid_apply_then_apply_again_converges(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "racks.csv", racks(2000), header=HEADER)
    emulator.set_faults(["per_item:1"])  # 200 ms a request: the apply takes seconds
    proc = bkcc.start("sync", "--obj", "rack", "--apply", "--concurrency", "2", path)
    try:
        assert wait_until(lambda: len(emulator.instances("rack")) >= 400, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    emulator.set_faults([])
    # The killed run's requests in flight finish on the server; the next plan is made from what it then holds.
    time.sleep(0.5)
    again = bkcc("sync", "--obj", "rack", "--apply", path)
    assert again.code == 0, again
    names = [s["bk_inst_name"] for s in emulator.instances("rack")]
    assert len(names) == 2000 and len(set(names)) == 2000
    assert "nothing to do" in bkcc("sync", "--obj", "rack", "--apply", path).out


def test_two_instances_under_one_key_are_left_alone(bkcc, emulator, tmp_path):
    assert bkcc("sync", "--obj", "rack", "--apply", write_csv(tmp_path / "all.csv", racks(6, room="房{i}"), header=HEADER)).code == 0
    ids = sorted(s["bk_inst_id"] for s in emulator.instances("rack") if s["rack_room"] == "房0")
    assert len(ids) == 2
    by_room = write_csv(tmp_path / "rooms.csv", [("X-1", "房0", "9"), ("X-2", "新房", "5")],
                        header=("bk_inst_name", "rack_room", "rack_u"))
    plan = bkcc("sync", "--obj", "rack", "--key", "rack_room", by_room)
    assert "1 to create, 0 to update, 0 unchanged, 1 matching several instances (left alone)" in plan.out, plan
    assert "ambiguous line 2 rack_room=房0: instances %d, %d have it (left alone)" % tuple(ids) in plan.out
    applied = bkcc("sync", "--obj", "rack", "--key", "rack_room", "--apply", "--report", tmp_path / "r.jsonl", by_room)
    assert applied.code == 1, applied
    skipped = [l for l in report_lines(tmp_path / "r.jsonl") if l["outcome"] == "skipped"]
    assert [l["key"] for l in skipped] == ["房0"]
    assert {s["bk_inst_name"]: s["rack_u"] for s in emulator.instances("rack") if s["rack_room"] == "房0"} == {"R-0000": 1, "R-0003": 4}


def test_a_change_to_an_attribute_that_cannot_be_edited_is_reported(bkcc, emulator, tmp_path):
    switches = [("交换机-%d" % i, "SW-%d" % i, "SN-%d" % i) for i in range(3)]
    header = ("bk_inst_name", "bk_asset_id", "bk_sn")
    assert bkcc("sync", "--obj", "bk_switch", "--apply", write_csv(tmp_path / "s.csv", switches, header=header)).code == 0
    switches[1] = ("交换机-1", "SW-CHANGED", "SN-1")
    path = write_csv(tmp_path / "s2.csv", switches, header=header)
    plan = bkcc("sync", "--obj", "bk_switch", "--key", "bk_inst_name", path)
    assert "1 with changes to attributes that cannot be edited" in plan.out, plan
    assert 'bk_asset_id "SW-1" → "SW-CHANGED" (not editable)' in plan.out
    applied = bkcc("sync", "--obj", "bk_switch", "--key", "bk_inst_name", "--apply", "--report", tmp_path / "r.jsonl", path)
    assert applied.code == 1, applied
    failed = [l for l in report_lines(tmp_path / "r.jsonl") if l["outcome"] == "failed"]
    assert failed[0]["key"] == "交换机-1" and "bk_asset_id" in failed[0]["message"]
    assert {s["bk_asset_id"] for s in emulator.instances("bk_switch")} == {"SW-0", "SW-1", "SW-2"}


def test_bad_keys_stop_before_anything_is_read(bkcc, emulator, tmp_path):
    repeated = write_csv(tmp_path / "rep.csv", [("R-1", "3"), ("R-1", "4")], header=("bk_inst_name", "rack_u"))
    r = bkcc("sync", "--obj", "rack", repeated)
    assert r.code == 2 and 'rep.csv:3: bk_inst_name "R-1" repeats line 2' in r.err, r
    empty = write_csv(tmp_path / "empty.csv", [("a", "3"), ("", "4")], header=("rack_room", "rack_u"))
    r = bkcc("sync", "--obj", "rack", "--key", "rack_room", empty)
    assert r.code == 2 and "empty.csv:3:" in r.err, r
    r = bkcc("sync", "--obj", "rack", "--key", "nope", empty)
    assert r.code == 2 and '"nope" is not an attribute of rack' in r.err, r
    assert emulator.stats()["requests"]["search_object_instances"] == 0


def test_export_round_trip_in_csv_and_jsonl(bkcc, emulator, tmp_path):
    assert bkcc("sync", "--obj", "rack", "--apply", write_csv(tmp_path / "all.csv", racks(700), header=HEADER)).code == 0
    out = tmp_path / "export.csv"
    r = bkcc("export", "--obj", "rack", "-o", out)
    assert r.code == 0 and "exported 700 instances of rack" in r.err, r
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["bk_inst_id", "bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip"]
    assert len(rows) == 701
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["R-0000"][3] == "机房-0" and [int(row[0]) for row in rows[1:]] == sorted(int(row[0]) for row in rows[1:])
    by_name["R-0004"][3] = "东区机房"
    by_name["R-0008"][2] = "59"
    with open(out, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    plan = bkcc("sync", "--obj", "rack", out)
    assert "0 to create, 2 to update, 698 unchanged" in plan.out, plan
    assert bkcc("sync", "--obj", "rack", "--apply", out).code == 0
    jsonl = tmp_path / "export.jsonl"
    assert bkcc("export", "--obj", "rack", "--format", "jsonl", "-o", jsonl).code == 0
    exported = [json.loads(l) for l in open(jsonl, encoding="utf-8")]
    assert len(exported) == 700
    named = {row["bk_inst_name"]: row for row in exported}
    assert named["R-0004"]["rack_room"] == "东区机房" and named["R-0008"]["rack_u"] == 59
    named["R-0001"]["rack_room"] = "北区"
    with open(jsonl, "w", encoding="utf-8") as f:
        for row in exported:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    plan = bkcc("sync", "--obj", "rack", jsonl)
    assert "0 to create, 1 to update, 699 unchanged" in plan.out, plan
    array = json.loads(bkcc("export", "--obj", "rack", "--format", "json", "--fields", "bk_inst_name",
                            "--filter", "rack_room=东区机房").out)
    assert array == [{"bk_inst_id": named["R-0004"]["bk_inst_id"], "bk_inst_name": "R-0004"}]


def test_sync_reads_every_input_format_the_import_reads(bkcc, emulator, tmp_path):
    openpyxl = __import__("pytest").importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "机柜"
    book.active.append(["bk_inst_name", "rack_u", "rack_room"])
    for i in range(5):
        book.active.append(["R-%d" % i, i + 1, "机房-%d" % i])
    workbook = tmp_path / "racks.xlsx"
    book.save(workbook)
    assert bkcc("sync", "--obj", "rack", "--apply", "--sheet", "机柜", workbook).code == 0
    gbk = tmp_path / "racks-gbk.csv"
    gbk.write_bytes("bk_inst_name,rack_room\nR-0,东区\nR-1,机房-1\n".encode("gb18030"))
    r = bkcc("sync", "--obj", "rack", gbk)
    assert r.code == 1 and "0 to create, 1 to update, 1 unchanged, 3 on the server" in r.out, r
    assert "read as GB18030" in r.err
    jsonl = tmp_path / "racks.jsonl"
    jsonl.write_text("".join(json.dumps({"bk_inst_name": "R-%d" % i, "rack_u": i + 1}) + "\n" for i in range(5)))
    assert "nothing to do" in bkcc("sync", "--obj", "rack", jsonl).out


def test_export_to_a_workbook_and_sync_it_back(bkcc, emulator, tmp_path):
    openpyxl = __import__("pytest").importorskip("openpyxl")
    assert bkcc("sync", "--obj", "rack", "--apply", write_csv(tmp_path / "all.csv", racks(300), header=HEADER)).code == 0
    book = tmp_path / "racks.xlsx"
    r = bkcc("export", "--obj", "rack", "--format", "xlsx", "-o", book)
    assert r.code == 0 and "exported 300 instances of rack" in r.err, r
    sheet = openpyxl.load_workbook(book).active
    assert sheet.title == "rack"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("bk_inst_id", "bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip")
    assert len(rows) == 301 and isinstance(rows[1][2], int) and rows[1][3].startswith("机房-")
    edited = openpyxl.load_workbook(book)
    edited.active.cell(row=2, column=4).value = "新机房"
    edited.save(book)
    plan = bkcc("sync", "--obj", "rack", book)
    assert "0 to create, 1 to update, 299 unchanged" in plan.out, plan
    assert bkcc("export", "--obj", "rack", "--format", "xlsx").code == 2  # a workbook needs -o FILE
