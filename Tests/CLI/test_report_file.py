"""Issue #13, finding 4: a safe report file. The report is written in place, never renamed over its path: a device,
a FIFO or a symlink to one is refused and left as it was, a symlink to a file is followed, mode and owner are kept,
a second run on the same report refuses at once naming the process that holds it, and no temporary file is left."""

import os
import stat

from .cli_support import entries_so_far, lines_so_far, report_lines, switches, wait_until, write_csv


def test_a_device_a_fifo_or_a_symlink_to_stdout_is_refused_and_left_alone(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(3))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "out.jsonl"
    os.symlink("/dev/stdout", link)
    for target in ("/dev/full", "/dev/null", str(fifo), str(link)):
        before = os.stat(target)
        r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", target, path, timeout=30)
        assert r.code == 2, (target, r)
        assert "is not a regular file" in r.err and "nothing was sent" in r.err, (target, r)
        after = os.stat(target)
        assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino, target
    assert os.path.islink(link)
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == 0


def test_a_symlink_to_a_file_is_written_through_and_mode_is_kept(bkcc, emulator, tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("")
    os.chmod(real, 0o600)
    link = tmp_path / "link.jsonl"
    os.symlink(real, link)
    inode = os.stat(real).st_ino
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", link, write_csv(tmp_path / "s.csv", switches(3)))
    assert r.code == 0, r
    assert os.path.islink(link) and os.stat(real).st_ino == inode
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert len(report_lines(real)) == 3


def test_a_second_run_on_the_same_report_refuses_at_once(bkcc, emulator, tmp_path):
    """Two concurrent runs on one report both exited 0, and the file kept one run's lines."""
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["latency:200"])
    first = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", "--report", report,
                       write_csv(tmp_path / "a.csv", switches(1000)))
    try:
        assert wait_until(lambda: os.path.exists(report) and len(entries_so_far(report)) >= 2, timeout=30)
        r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report,
                 write_csv(tmp_path / "b.csv", switches(5, prefix="B")), timeout=30)
        assert r.code == 2, r
        assert "r.jsonl: is in use by another bkcc run (process %d)" % first.pid in r.err and "nothing was sent" in r.err, r
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(10)
    assert first.returncode == 0, (out, err)
    lines = report_lines(report)
    assert len(lines) == 1000 and {l["outcome"] for l in lines} == {"created"}
    assert not [i for i in emulator.instances("bk_switch") if i["bk_asset_id"].startswith("B-")]


def test_no_temporary_file_is_left_and_old_leftovers_are_removed(bkcc, emulator, tmp_path):
    """kill -9 during a resume's rewrite of the report left a 55 MB report.tmp-PID behind."""
    report = tmp_path / "r.jsonl"
    dead = tmp_path / "r.jsonl.tmp-999999999"  # a pid beyond pid_max: no such process
    dead.write_text("left by an older bkcc")
    path = write_csv(tmp_path / "s.csv", switches(400))
    emulator.set_faults(["latency:200"])
    # --timeout 2: the resume waits out the killed run's in-flight window, its request timeout.
    proc = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", "--timeout", "2", "--report", report, path)
    try:
        assert wait_until(lambda: os.path.exists(report) and len(lines_so_far(report)) >= 200, timeout=30)
    finally:
        proc.kill()
        proc.wait(10)
    emulator.set_faults([])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0 and "400 of 400 rows created" in r.out, r
    assert sorted(os.listdir(tmp_path)) == ["home", "r.jsonl", "s.csv"]


def test_a_refused_run_leaves_no_empty_report_behind(bkcc, emulator, tmp_path):
    rows = switches(3)
    rows[1] = ("", "SW-000001")
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, write_csv(tmp_path / "s.csv", rows))
    assert r.code == 2, r
    assert not report.exists()
