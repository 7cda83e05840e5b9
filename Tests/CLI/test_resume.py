"""--report and --resume end to end: an import cut short (the CMDB killed mid-import, bkcc killed mid-import, a
lost answer) is finished by resuming from its report, and every row ends up created exactly once."""

import collections
import signal

import pytest

from .cli_support import Emulators, Runner, final_outcomes, report_lines, signal_mid_import, switches, wait_until, write_csv

ROWS = 3000
HEADER = '{"bkcc_report":3,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1000,"pid":1,"at":0}\n'


def assert_created_exactly_once(emulator, rows, report):
    stored = emulator.instances("bk_switch")
    counts = collections.Counter(i["bk_asset_id"] for i in stored)
    assert len(stored) == len(rows), "stored %d of %d" % (len(stored), len(rows))
    assert [a for a, n in counts.items() if n > 1] == []
    ids = {i["bk_asset_id"]: i["bk_inst_id"] for i in stored}
    lines = list(final_outcomes(report).values())
    assert sorted(l["index"] for l in lines) == list(range(len(rows)))
    for line in lines:
        assert line["outcome"] == "created", line
        assert line["bk_inst_id"] == ids[rows[line["index"]][1]], line
        assert line["line"] == line["index"] + 2


@pytest.fixture
def state_emulator(tmp_path):
    """An emulator that keeps its instances in a state file, so it can be killed and started again."""
    with Emulators("--state", str(tmp_path / "cmdb-state.json"), stop_signal=signal.SIGKILL) as started:
        yield lambda *faults: started(*["--fault=%s" % f for f in faults])


def test_resume_after_the_cmdb_is_killed_mid_import(bkcc_path, state_emulator, tmp_path):
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emu = state_emulator("per_item:1")
    runner = Runner(bkcc_path, str(tmp_path), emu.url)
    proc = runner.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "2", "--retries", "1",
                        "--report", report, path)
    try:
        assert wait_until(lambda: emu.stats()["instances"] >= 800, timeout=60), "the import did not start"
        emu.stop(signal.SIGKILL)  # mid-import: requests in flight get no answer, later ones no connection
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 1, (out, err)
    lines = report_lines(report)
    outcomes = collections.Counter(l["outcome"] for l in lines)
    # The CMDB stored at least 800 before it died, but some of its answers may have died with it: those rows are
    # unknown, not created, as far as bkcc can tell.
    assert len(lines) == ROWS and 0 < outcomes["created"] < ROWS, outcomes
    assert outcomes["created"] + outcomes["unknown"] >= 800, outcomes
    assert outcomes["unknown"] + outcomes["skipped"] > 0, outcomes
    assert outcomes["failed"] == 0, outcomes

    emu = state_emulator()  # the same CMDB (state file) on a new port
    r = runner("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path, url=emu.url)
    assert r.code == 0, r
    assert "resumed: %d created before" % outcomes["created"] in r.out
    assert_created_exactly_once(emu, rows, report)


def test_resume_after_bkcc_is_killed_mid_import(bkcc, emulator, tmp_path):
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["per_item:1"])
    signal_mid_import(bkcc, path, report, 3, 600, signal.SIGKILL)  # no chance to write the rows in flight
    # Requests bkcc had in flight are still processed by the CMDB: wait until it is quiet.
    last = [-1]

    def settled():
        now = emulator.stats()["instances"]
        done, last[0] = now == last[0], now
        return done
    assert wait_until(settled, timeout=30, step=1.0)
    before = len(report_lines(report))
    assert before < ROWS
    emulator.set_faults([])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0, r
    assert "looking up %s rows of unknown fate" % format(ROWS - before, ",") in r.err
    assert_created_exactly_once(emulator, rows, report)
    assert emulator.stats()["items_received"] == ROWS  # not one row sent twice


def test_resume_after_a_lost_answer_sends_nothing_twice(bkcc, emulator, tmp_path):
    rows = switches(700)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults([{"name": "reset", "count": 1, "only": "batch_create_inst"}])  # stored, then the connection drops
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 1, r
    assert "200 unknown" in r.out and "--resume looks them up" in r.out
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", tmp_path / "r2.jsonl", path)
    assert r.code == 0, r
    assert "500 created before, 200 found on the server by lookup (not sent again), 0 sent now" in r.out
    assert emulator.stats()["items_received"] == 700
    assert_created_exactly_once(emulator, rows, tmp_path / "r2.jsonl")


def test_resume_sends_failed_and_skipped_rows_again(bkcc, emulator, tmp_path):
    rows = switches(10)
    rows[4] = ("", "SW-000004")
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, path).code == 1
    rows[4] = ("fixed", "SW-000004")  # the same line, now valid
    write_csv(tmp_path / "s.csv", rows)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0, r
    assert "9 created before" in r.out and "1 sent now" in r.out
    assert_created_exactly_once(emulator, rows, report)


def test_resume_with_another_unique_field(bkcc, emulator, tmp_path):
    # cabinet's unique field is bk_inst_name
    rows = [("机柜-%03d" % i, "CAB-%03d" % i) for i in range(20)]
    path = write_csv(tmp_path / "c.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults([{"name": "stall", "arg": 2000, "count": 1, "only": "batch_create_inst"}])
    r = bkcc("batch-create-inst", "--obj", "cabinet", "--timeout", "0.5", "--report", report, path)
    assert r.code == 3 and "20 unknown" in r.out, r
    r = bkcc("batch-create-inst", "--obj", "cabinet", "--unique-field", "bk_inst_name", "--resume", report, path)
    assert r.code == 0 and "20 found on the server" in r.out, r
    assert len(emulator.instances("cabinet")) == 20


def test_resume_refuses_the_report_of_another_file(bkcc, emulator, tmp_path):
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report,
                write_csv(tmp_path / "a.csv", switches(5))).code == 0
    other = tmp_path / "b.csv"
    other.write_text("bk_inst_name,bk_asset_id\n\nx,X\ny,Y\n")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, other)
    assert r.code == 2, r
    assert "nothing was sent" in r.err and ("beyond the input's rows" in r.err or "another input" in r.err), r
    shorter = write_csv(tmp_path / "c.csv", switches(3))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, shorter)
    assert r.code == 2 and "is beyond the input's rows (it has 3" in r.err, r


def test_resume_refuses_what_is_not_a_report(bkcc, tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"index": 0}\n{}\n')
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", bad, write_csv(tmp_path / "a.csv", switches(2)))
    assert r.code == 2 and "r.jsonl:1: not a bkcc report line" in r.err, r


@pytest.mark.parametrize("index", ["100000000000", "9223372036854775807", "2147483647"])
def test_resume_refuses_an_index_beyond_any_row_without_crashing(bkcc, emulator, tmp_path, index):
    """A crafted report line once made the CLI allocate 800 GB (exit 134) or trap (exit 132)."""
    bad = tmp_path / "r.jsonl"
    bad.write_text(HEADER + '{"index":%s,"line":2,"key":"SW-000000","digest":"0000000000000000","outcome":"failed",'
                   '"message":"x","request_id":""}\n' % index)
    before = emulator.stats()["requests"].get("batch_create_inst", 0)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", bad, write_csv(tmp_path / "a.csv", switches(2)))
    assert r.code == 2, r
    assert "r.jsonl:2:" in r.err and ("beyond the input's rows" in r.err or "0 to 2147483647" in r.err), r
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == before


def test_everything_created_already_is_exit_0_without_sending(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "a.csv", switches(50))
    report = tmp_path / "r.jsonl"
    assert bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path).code == 0
    before = emulator.stats()["requests"]["batch_create_inst"]
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0 and "50 of 50 rows created" in r.out, r
    assert emulator.stats()["requests"]["batch_create_inst"] == before
    assert len(report_lines(report)) == 50
