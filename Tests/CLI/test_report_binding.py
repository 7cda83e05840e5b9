"""Issue #13, findings 1 and 2: a report is bound to its input. `--resume` checks every created row's key against
the input's row at that index (another input or order: refused, nothing sent), lists rows whose content changed
since, sends fixed rows that were not created, and range-checks every value of every line."""

import json
import re

from .cli_support import final_outcomes, report_lines, switches, write_csv


def created_requests(emulator):
    return emulator.stats()["requests"].get("batch_create_inst", 0)


def test_a_report_of_switches_csv_given_with_big_csv_is_refused(bkcc, emulator, tmp_path):
    """Finding 1: a report of switches.csv given with big.csv (20,000 rows) claimed 20,000 created."""
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report,
                write_csv(tmp_path / "switches.csv", switches(996))).code == 0
    big = write_csv(tmp_path / "big.csv", switches(20000, prefix="BIG"))
    before = created_requests(emulator)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, big)
    assert r.code == 2, r
    assert "the report is of another input, or of these rows in another order; nothing was sent" in r.err, r
    # The message names the report's line and both keys.
    named = re.search(r'r\.jsonl:(\d+): row (\d+) was created with bk_asset_id "([^"]+)", but row \2 of \S+ \(line (\d+)\) has "([^"]+)"', r.err)
    assert named, r
    line = json.loads(open(report, encoding="utf-8").read().splitlines()[int(named.group(1)) - 1])
    index = int(named.group(2))
    assert line["index"] == index and line["key"] == named.group(3) == "SW-%06d" % index
    assert named.group(5) == "BIG-%06d" % index and int(named.group(4)) == index + 2
    assert created_requests(emulator) == before
    assert len(emulator.instances("bk_switch")) == 996


def test_x_and_y_of_the_same_shape_are_told_apart(bkcc, emulator, tmp_path):
    """Finding 1: with X.csv and Y.csv of the same shape, "300 of 300 rows created, 0 sent now" and none of Y stored."""
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report,
                write_csv(tmp_path / "X.csv", switches(300, prefix="X"))).code == 0
    y = write_csv(tmp_path / "Y.csv", switches(300, prefix="Y"))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, y, "--output", "json")
    assert r.code == 2, r
    assert r.json()["exit_code"] == 2 and "another input" in r.json()["error"], r
    line = [l for l in report_lines(report) if l["outcome"] == "created"][0]
    assert "r.jsonl:" in r.err and '"%s"' % line["key"] in r.err and '"Y-%06d"' % line["index"] in r.err, r
    assert not [i for i in emulator.instances("bk_switch") if i["bk_asset_id"].startswith("Y-")]
    # The refused run left the report as it was: X's resume still works.
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, tmp_path / "X.csv")
    assert r.code == 0 and "300 of 300 rows created" in r.out, r


def test_a_report_of_another_model_is_refused(bkcc, emulator, tmp_path):
    report = tmp_path / "r.jsonl"
    path = write_csv(tmp_path / "s.csv", switches(5))
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path).code == 0
    r = bkcc("batch-create-inst", "--obj", "bk_router", "--resume", report, path)
    assert r.code == 2 and "r.jsonl:1: the report is of --obj bk_switch, not bk_router" in r.err, r
    assert emulator.instances("bk_router") == []


def test_the_same_rows_in_another_order_are_refused(bkcc, emulator, tmp_path):
    report = tmp_path / "r.jsonl"
    rows = switches(10)
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, write_csv(tmp_path / "a.csv", rows)).code == 0
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, write_csv(tmp_path / "b.csv", rows[::-1]))
    assert r.code == 2 and "another order" in r.err, r
    assert len(emulator.instances("bk_switch")) == 10


def test_a_created_row_that_changed_is_listed_not_sent_and_a_fixed_row_is_sent(bkcc, emulator, tmp_path):
    rows = switches(6)
    rows[4] = ("", "SW-000004")  # invalid: no name
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, path)
    assert r.code == 1 and "5 of 6 rows created, 1 failed" in r.out, r
    rows[1] = ("renamed", "SW-000001")  # created, content changed since
    rows[4] = ("fixed", "SW-000004")  # not created, fixed in place
    write_csv(tmp_path / "s.csv", rows)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path, "--output", "json")
    assert r.code == 0, r
    summary = r.json()
    assert summary["created"] == 6 and summary["changed"] == 1 and summary["already_created"] == 5 and summary["sent"] == 1, summary
    assert "1 rows reported created changed since (not sent again): line 3" in r.err, r
    stored = {i["bk_asset_id"]: i["bk_inst_name"] for i in emulator.instances("bk_switch")}
    assert len(stored) == 6 and stored["SW-000004"] == "fixed" and stored["SW-000001"] != "renamed"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, path)
    assert r.code == 0 and "changed: 1 rows created before differ from the input now (not sent again): line 3" in r.out, r


HEADER = '{"bkcc_report":3,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1000,"pid":1,"at":0}\n'


def test_every_value_of_a_report_line_is_checked(bkcc, emulator, tmp_path):
    """Finding 2: "index":100000000000 aborted (exit 134), 9223372036854775807 trapped (exit 132)."""
    path = write_csv(tmp_path / "s.csv", switches(2))
    cases = [
        ('{"sending":[100000000000],"at":1}', '"sending": row indices are integers from 0 to 2147483647'),
        ('{"sending":[5],"at":1}', "is beyond the input's rows (it has 2"),
        ('{"index":1,"line":3,"key":"SW-000001","digest":"0000000000000000","outcome":"created","bk_inst_id":-3}',
         'a created row without a positive "bk_inst_id"'),
        ('{"index":1,"line":3,"key":"SW-000001","digest":"00","outcome":"failed"}', '"digest": 16 hex digits expected'),
        ('{"index":1,"line":3,"key":"SW-000001","digest":"0000000000000000","outcome":"gone"}', '"outcome" must be one of'),
        ('{"index":1,"line":3,"key":"SW-000001","digest":"0000000000000000","outcome":"failed","request_id":7}',
         '"request_id" must be a string'),
        ('[1,2]', "not a JSON object"),
    ]
    for text, message in cases:
        bad = tmp_path / "r.jsonl"
        bad.write_text(HEADER + text + "\n")
        r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", bad, path)
        assert r.code == 2, (text, r)
        assert "r.jsonl:2:" in r.err and message in r.err and "nothing was sent" in r.err, (text, r)
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == 0


def test_a_report_of_the_older_format_is_refused_with_advice(bkcc, emulator, tmp_path):
    """The decision for reports written before #13 (no header, no key): refused, not trusted."""
    old = tmp_path / "r.jsonl"
    old.write_text('{"index":0,"line":2,"outcome":"created","bk_inst_id":7,"request_id":""}\n')
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", old, write_csv(tmp_path / "s.csv", switches(2)))
    assert r.code == 2 and "r.jsonl:1:" in r.err and "older bkcc" in r.err, r
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == 0


def test_a_format_2_report_is_resumed_by_its_keys(bkcc, emulator, tmp_path):
    """Format 2's digests (FNV-1a) never equal format 3's: its created rows are trusted by their keys — not sent
    again, not listed as changed — a row of another key still refuses the resume, and the part the resume appends
    is format 3."""
    rows = switches(300)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 0, r
    lines = report.read_text().splitlines()
    old = [lines[0].replace('"bkcc_report":3', '"bkcc_report":2')]
    for line in lines[1:]:  # every digest another number, as FNV-1a's would be
        entry = json.loads(line)
        if "digest" in entry:
            entry["digest"] = "%016x" % (int(entry["digest"], 16) ^ 0x5A5A5A5A5A5A5A5A)
        old.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    report.write_text("\n".join(old) + "\n")
    assert old[0].startswith('{"bkcc_report":2,')

    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path, "--output", "json")
    assert r.code == 0, r
    summary = r.json()
    assert summary["created"] == 300 and summary["already_created"] == 300 and summary["sent"] == 0, summary
    assert summary["changed"] == 0 and "changed since" not in r.err, r
    assert len(emulator.instances("bk_switch")) == 300
    headers = [json.loads(l) for l in report.read_text().splitlines() if '"bkcc_report"' in l]
    assert [h["bkcc_report"] for h in headers] == [2, 3]

    mixed = tmp_path / "other.jsonl"
    first_row = next(i for i, l in enumerate(old) if '"outcome":"created"' in l)
    old[first_row] = old[first_row].replace('"key":"SW-', '"key":"XX-', 1)
    mixed.write_text("\n".join(old) + "\n")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", mixed, path)
    assert r.code == 2 and "XX-" in r.err, r
    assert len(emulator.instances("bk_switch")) == 300
