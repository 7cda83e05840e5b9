"""Issue #13, finding 7: a resume keeps earlier request ids, runs its lookups concurrently with progress, can be
previewed with --dry-run; --dry-run --skip-invalid with invalid rows is not exit 0; `--output json` counts agree
with what happened (an unreachable server sent nothing)."""

import json
import socket

from .cli_support import final_outcomes, report_lines, switches, wait_until, write_csv

HEADER = '{"bkcc_report":3,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1000,"pid":1,"at":0}\n'


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_resume_into_the_same_report_keeps_earlier_request_ids(bkcc, emulator, tmp_path):
    """A resume naming the same --report rewrote earlier request_ids as ""."""
    rows = switches(10)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", write_csv(tmp_path / "pre.csv", rows[7:])).code == 0
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)  # rows 7-9: duplicated
    assert r.code == 1 and "7 of 10 rows created, 3 failed" in r.out, r
    first = {l["index"]: l["request_id"] for l in report_lines(report) if l["outcome"] == "created"}
    assert sorted(first) == list(range(7)) and all(len(rid) == 32 for rid in first.values()), first
    other = tmp_path / "other.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", other, path)
    assert r.code == 1 and "resumed: 7 created before" in r.out, r
    assert {l["index"]: l["request_id"] for l in report_lines(other) if l["outcome"] == "created"} == first
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 1 and "resumed: 7 created before" in r.out, r
    created = [l for l in report_lines(report) if l["outcome"] == "created"]
    assert {l["index"]: l["request_id"] for l in created} == first and len(created) == 7
    assert len(emulator.instances("bk_switch")) == 10


def test_resume_lookups_run_concurrently_with_progress(bkcc, emulator, tmp_path):
    """14,600 rows at 400 ms: 73 lookups one after another, 29 s, no progress shown."""
    rows = switches(1600)  # 8 lookups of 200
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    report.write_text(HEADER + '{"sending":[%s],"at":0}\n' % ",".join(map(str, range(1600))))
    emulator.set_faults([{"name": "latency", "arg": 2000, "only": "search_inst"}])
    proc = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "8", "--progress",
                      "--resume", report, "--report", report, path)
    try:
        # One after another, the second lookup would arrive 2 s after the first: all 8 come at once.
        assert wait_until(lambda: emulator.stats()["requests"].get("search_inst", 0) >= 8, timeout=1.8)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, (out, err)
    err = err.decode()
    assert "resume: looking up 1,600 rows of unknown fate by bk_asset_id" in err
    assert "/1,600 rows" in err  # the progress bar of the lookups
    assert len(emulator.instances("bk_switch")) == 1600


def test_dry_run_previews_what_a_resume_would_send(bkcc, emulator, tmp_path):
    """--dry-run could not preview a resume."""
    rows = switches(10)
    broken = list(rows[:6])
    broken[3] = ("", "SW-000003")
    path = write_csv(tmp_path / "s.csv", broken)
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, path).code == 1
    write_csv(tmp_path / "s.csv", rows)  # row 3 fixed, four rows more (not in the report)
    before = emulator.stats()["requests"].get("batch_create_inst", 0)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--resume", report, "--output", "json", path)
    assert r.code == 0, r
    lines = [json.loads(l) for l in r.out.strip().splitlines()]
    summary = dict(lines[-1])
    assert summary.pop("rules").startswith("checked against model bk_switch"), summary
    assert summary == {"dry_run": True, "rows": 1, "requests": 1, "invalid": 0, "already_created": 5, "to_look_up": 4,
                       "exit_code": 0}, summary
    assert [d["bk_asset_id"] for d in lines[0]["body"]["details"]] == ["SW-000003"], lines[0]
    assert "resume: 5 rows created before (left out), 4 of unknown fate" in r.err, r
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == before


def test_dry_run_with_skip_invalid_and_invalid_rows_is_exit_2(bkcc, emulator, tmp_path):
    """--dry-run --skip-invalid exited 0 with invalid rows (the README says 0 means every row valid)."""
    rows = switches(5)
    rows[2] = ("", "SW-000002")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--skip-invalid", "--output", "json",
             write_csv(tmp_path / "s.csv", rows))
    assert r.code == 2, r
    summary = json.loads(r.out.strip().splitlines()[-1])
    assert summary["rows"] == 4 and summary["invalid"] == 1 and summary["exit_code"] == 2, summary
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == 0


def test_output_json_of_an_unreachable_server_sent_nothing(bkcc, tmp_path):
    """`--output json` for an unreachable server said "sent":15 beside "skipped":15."""
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--retries", "0", "--output", "json",
             write_csv(tmp_path / "s.csv", switches(15)), url="http://127.0.0.1:%d" % closed_port())
    assert r.code == 3, r
    summary = r.json()
    assert summary["sent"] == 0 and summary["skipped"] == 15 and summary["created"] == 0 and summary["exit_code"] == 3, summary
    assert summary["status"] != "ok" and summary["message"], summary
