"""Issue #13, finding 6: every write is checked. `validate … > /dev/full`, `--dry-run > /dev/full` and
`config show > /dev/full` exited 0; a full disk during the report was blamed on "the progress callback"."""

import json
import resource
import signal
import subprocess

from .cli_support import switches, write_csv


def run_to(bkcc, args, stdout_path, preexec=None, timeout=60):
    with open(stdout_path, "wb") as out:
        proc = subprocess.run([bkcc.path, *map(str, args)], stdout=out, stderr=subprocess.PIPE, env=bkcc.env(),
                              timeout=timeout, preexec_fn=preexec)
    return proc.returncode, proc.stderr.decode()


def test_validate_dry_run_config_show_and_the_summary_to_a_full_stdout_fail(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(3))
    for args in (["validate", "--obj", "bk_switch", path],
                 ["batch-create-inst", "--obj", "bk_switch", "--dry-run", path],
                 ["config", "show"],
                 ["version"],
                 ["batch-create-inst", "--obj", "bk_switch", "--output", "json", path]):
        code, err = run_to(bkcc, args, "/dev/full")
        assert code == 1, (args, code, err)
        assert "bkcc: error: cannot write standard output: No space left on device" in err, (args, err)
    # The import itself went through; only its summary could not be written.
    assert len(emulator.instances("bk_switch")) == 3


def test_a_report_that_cannot_grow_stops_the_import_with_its_reason(bkcc, emulator, tmp_path):
    """A full disk, as RLIMIT_FSIZE makes it (write(2) fails with EFBIG once SIGXFSZ is ignored)."""
    path = write_csv(tmp_path / "s.csv", switches(2000))
    report = tmp_path / "r.jsonl"

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))

    # --timeout 2: the resume below waits out the window of the request whose outcome could not be written.
    code, err = run_to(bkcc, ["batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", "--timeout", "2", "--report", report, path],
                       tmp_path / "out.txt", preexec=small_files)
    out = (tmp_path / "out.txt").read_text()
    assert code == 1, (out, err)
    assert "bkcc: error: cannot write the report %s: File too large; stopping" % report in err, err
    assert "cause: cannot write the report %s: File too large" % report in out, out
    assert "progress callback" not in out + err
    stored = len(emulator.instances("bk_switch"))
    assert 0 < stored < 2000
    # What the report holds is true: every row it says created is stored.
    complete = report.read_text(encoding="utf-8").split("\n")[:-1]  # the last line may be cut short at the limit
    created = {l["key"] for l in map(json.loads, complete) if l.get("outcome") == "created"}
    assert created
    assert created <= {i["bk_asset_id"] for i in emulator.instances("bk_switch")}
    # Resuming into it drops the line cut short, and finishes the import: each row stored once.
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0 and "2,000 of 2,000 rows created" in r.out, r
    assert sorted(i["bk_asset_id"] for i in emulator.instances("bk_switch")) == sorted(a for _, a in switches(2000))
