"""Issue #13, finding 5: kill and resume. kill -9, then `--resume` at once against a 250 ms-a-request emulator,
used to send rows again that the killed run had in flight (200–800 "failed: duplicated" on bk_switch; 800 rows
stored twice on a model without a unique rule). Now the report holds an intent line for every request before it
is sent, and the resume waits out the killed run's in-flight window (its request timeout, in the report) before
looking those rows up. SIGINT / SIGTERM: in-flight requests finish, the report is written, exit 130 / 143; a
second signal stops waiting. Every wait is bounded; the killed runs use --timeout 2 so the window is short."""

import collections
import contextlib
import json
import signal
import time

import pytest

from .cli_support import Emulators, Runner, final_outcomes, lines_so_far, report_entries, report_lines, switches, wait_until, write_csv

ROWS = 3000
NO_UNIQUE_MODEL = {"models": [{"bk_obj_id": "bk_nounique", "bk_obj_name": "No unique rule", "mainline": False,
                               "attributes": [{"bk_property_id": "bk_inst_name", "isrequired": True},
                                              {"bk_property_id": "bk_asset_id"}, {"bk_property_id": "bk_sn"},
                                              {"bk_property_id": "bk_vendor"}],
                               "unique": []}]}


@contextlib.contextmanager
def killed_when_done(proc):
    """kill -9 `proc` at the end of the block (it runs until then); it is never left running, whatever happens."""
    try:
        yield proc
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def kill_mid_import(runner, obj, path, report, created_at_least):
    """Starts an import at concurrency 4 with --timeout 2, waits (at most 60 s) until `created_at_least` rows are
    reported created, then kill -9 while requests are in flight."""
    proc = runner.start("batch-create-inst", "--obj", obj, "--concurrency", "4", "--timeout", "2", "--report", report, path)
    with killed_when_done(proc):
        assert wait_until(lambda: sum(1 for l in lines_so_far(report) if l["outcome"] == "created") >= created_at_least
                          if report.exists() else False, timeout=60)
    return proc


def assert_each_stored_once(emulator, obj, rows):
    stored = emulator.instances(obj)
    counts = collections.Counter(i["bk_asset_id"] for i in stored)
    assert [a for a, n in counts.items() if n > 1] == [], "stored twice"
    assert sorted(counts) == sorted(asset for _, asset in rows)


@pytest.mark.parametrize("trial", range(3))
def test_a_resume_right_after_kill_9_stores_nothing_twice_on_bk_switch(bkcc, emulator, tmp_path, trial):
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["latency:250"])
    kill_mid_import(bkcc, "bk_switch", path, report, 400 + 200 * trial)
    unanswered = {i for e in report_entries(report) if "sending" in e for i in e["sending"]} - set(final_outcomes(report))
    assert unanswered, "no request was in flight at the kill"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path, timeout=120)
    assert r.code == 0, r
    assert "was stopped with requests in flight; waiting" in r.err, r
    assert "failed" not in r.out and "3,000 of 3,000 rows created" in r.out, r
    assert_each_stored_once(emulator, "bk_switch", rows)
    assert all(l["outcome"] == "created" for l in final_outcomes(report).values())


@pytest.fixture
def no_unique_emulator(tmp_path):
    models = tmp_path / "models.json"
    models.write_text(json.dumps(NO_UNIQUE_MODEL))
    with Emulators("--models", str(models), "--fault", "latency:250") as spawn:
        yield spawn()


@pytest.mark.parametrize("trial", range(2))
def test_a_resume_right_after_kill_9_stores_nothing_twice_without_a_unique_rule(bkcc_path, no_unique_emulator, tmp_path, trial):
    emulator = no_unique_emulator
    runner = Runner(bkcc_path, str(tmp_path), emulator.url)
    rows = [("dev-%05d" % i, "NU-%06d" % i) for i in range(ROWS)]
    path = write_csv(tmp_path / "n.csv", rows)
    report = tmp_path / "r.jsonl"
    kill_mid_import(runner, "bk_nounique", path, report, 400 + 400 * trial)
    r = runner("batch-create-inst", "--obj", "bk_nounique", "--resume", report, "--report", report, path, timeout=120)
    assert r.code == 0, r
    assert "3,000 of 3,000 rows created" in r.out, r
    assert_each_stored_once(emulator, "bk_nounique", rows)


def test_a_row_refused_as_duplicated_after_an_unknown_fate_is_looked_up_again(bkcc, emulator, tmp_path):
    """The server was still storing the first run's request when the resume looked the rows up (a server slower
    than the request timeout): the resume's create is refused as duplicated, and that is looked up, not failed."""
    rows = switches(10)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    # Both creates sleep 3 s: the first (timed out after 1 s) stores at 3 s, the resume's arrives at about 1.2 s
    # and is answered at about 4.2 s: duplicated.
    emulator.set_faults([{"name": "latency", "arg": 3000, "count": 2, "only": "batch_create_inst"}])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--timeout", "1", "--retries", "0", "--report", report, path)
    assert r.code == 3 and "10 unknown" in r.out, r
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--timeout", "10", "--resume", report, "--report", report, path,
             "--output", "json", timeout=60)
    summary = r.json()
    assert r.code == 0, r
    assert summary["created"] == 10 and summary["found"] == 10 and summary["failed"] == 0, summary
    assert_each_stored_once(emulator, "bk_switch", rows)
    ids = {i["bk_asset_id"]: i["bk_inst_id"] for i in emulator.instances("bk_switch")}
    for line in final_outcomes(report).values():
        assert line["outcome"] == "created" and line["bk_inst_id"] == ids[line["key"]], line


def signal_mid_import(runner, path, report, signals, rows_reported):
    proc = runner.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "2", "--timeout", "5",
                        "--report", report, path)
    try:
        assert wait_until(lambda: report.exists() and len(lines_so_far(report)) >= rows_reported, timeout=60)
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.3)  # two signals at once would be delivered as one
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc.returncode, out.decode(), err.decode()


def test_sigterm_lets_requests_in_flight_finish_writes_the_report_and_exits_143(bkcc, emulator, tmp_path):
    """SIGTERM killed at once: no wait for in-flight requests, no report flush."""
    rows = switches(2000)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["latency:200"])
    code, out, err = signal_mid_import(bkcc, path, report, [signal.SIGTERM], 200)
    assert code == 143, (out, err)
    assert "interrupted (SIGTERM): letting requests in flight finish" in err
    assert "cause: interrupted (SIGTERM): requests in flight finished, the rest was skipped" in out
    assert "cancelled by the progress callback" not in out + err
    lines = report_lines(report)
    assert sorted(l["index"] for l in lines) == list(range(2000))
    created = [l for l in lines if l["outcome"] == "created"]
    assert {l["outcome"] for l in lines} == {"created", "skipped"}
    assert len(emulator.instances("bk_switch")) == len(created)


def test_sigint_exits_130_with_its_cause_in_json(bkcc, emulator, tmp_path):
    """SIGINT exited 1 with "cancelled by the progress callback"."""
    path = write_csv(tmp_path / "s.csv", switches(2000))
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["latency:200"])
    proc = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "2", "--report", report,
                      "--output", "json", path)
    try:
        assert wait_until(lambda: report.exists() and len(lines_so_far(report)) >= 200, timeout=60)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 130, (out, err)
    summary = json.loads(out)
    assert summary["exit_code"] == 130 and summary["message"].startswith("interrupted (SIGINT)"), summary
    assert summary["created"] + summary["skipped"] == 2000 and summary["created"] == len(emulator.instances("bk_switch"))


def test_a_second_signal_stops_waiting_and_the_resume_finds_the_rows_in_flight(bkcc, emulator, tmp_path):
    rows = switches(2000)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["latency:1500"])  # long enough for the second signal to land while requests are in flight
    code, out, err = signal_mid_import(bkcc, path, report, [signal.SIGINT, signal.SIGINT], 200)
    assert code == 130, (out, err)
    assert "stopped waiting for the requests in flight: their rows are of unknown fate in the report" in err
    unanswered = {i for e in report_entries(report) if "sending" in e for i in e["sending"]} - set(final_outcomes(report))
    assert unanswered
    emulator.set_faults([])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path, timeout=120)
    assert r.code == 0 and "2,000 of 2,000 rows created" in r.out, r
    assert_each_stored_once(emulator, "bk_switch", rows)


def test_a_retry_killed_in_flight_is_waited_out_from_its_own_start(bkcc_path, tmp_path):
    """Each attempt writes its intent line as it starts. A request rate limited by the gateway (Retry-After: 1) is
    retried a second after its first intent; the retry is then in flight for up to --timeout from its own start.
    Its rows' window was taken from the first intent's time: the resume looked them up a second too early, missed
    them (the server stores them after its 2.5 s), and sent them again — on a model without a unique rule, stored
    twice."""
    models = tmp_path / "models.json"
    models.write_text(json.dumps(NO_UNIQUE_MODEL))
    with Emulators("--models", str(models)) as spawn:
        emulator = spawn()
        runner = Runner(bkcc_path, str(tmp_path), emulator.url)
        gateway = {"BKCC_API": "apigw"}
        rows = [("dev-%02d" % i, "NU-%02d" % i) for i in range(10)]
        path = write_csv(tmp_path / "n.csv", rows)
        report = tmp_path / "r.jsonl"
        emulator.set_faults([{"name": "rate_limit", "arg": 1, "count": 1, "only": "batch_create_inst"}])
        proc = runner.start("batch-create-inst", "--obj", "bk_nounique", "--timeout", "3", "--report", report, path,
                            env=gateway)
        with killed_when_done(proc):
            assert wait_until(lambda: emulator.creates() >= 1, timeout=30)
            # the retry, a second later, is stored 2.5 s after it arrives
            emulator.set_faults([{"name": "latency", "arg": 2500, "count": 1, "only": "batch_create_inst"}])
            assert wait_until(lambda: emulator.creates() >= 2, timeout=30)
            retry_stored_by = time.monotonic() + 2.5 + 0.5
            time.sleep(0.3)
        intents = [e for e in report_entries(report) if "sending" in e]
        assert [e["sending"] for e in intents] == [list(range(10))] * 2, intents
        assert intents[1]["at"] - intents[0]["at"] >= 1000, intents  # the retry's own start, after Retry-After
        assert emulator.instances("bk_nounique") == []  # killed while the retry was in flight
        r = runner("batch-create-inst", "--obj", "bk_nounique", "--resume", report, "--report", report, path,
                   "--output", "json", env=gateway, timeout=60)
        summary = r.json()
        assert r.code == 0 and summary["created"] == 10 and summary["found"] == 10 and summary["sent"] == 0, r
        time.sleep(max(0.0, retry_stored_by - time.monotonic()))  # whatever the killed run's retry did is done
        assert_each_stored_once(emulator, "bk_nounique", rows)
