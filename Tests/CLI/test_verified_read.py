"""Issue #13, finding 3: the input is read twice, and the second read is verified. The check pass keeps a print of
every row; the send pass stops before sending a row that differs ("FILE changed while it was imported: line N",
exit 1, every row accounted for). What cannot be read twice (a process substitution, a FIFO) is spooled; a
directory or a device is refused. Each test bounds its waits (the emulator's latency paces the send pass)."""

import os
import subprocess
import threading

from .cli_support import entries_so_far, switches, wait_until, write_csv

ROWS = 5000  # about 135 KB: the send pass reads past its first 64 KB chunk well after the first request


def start_paced_import(bkcc, emulator, path, report):
    """An import at concurrency 1, 100 ms a request (50 requests: 5 s), once its first request is out."""
    emulator.set_faults(["latency:100"])
    proc = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", "--report", report,
                      "--output", "json", path)
    assert wait_until(lambda: os.path.exists(report) and any("sending" in e for e in entries_so_far(report)), timeout=30)
    return proc


def finish(proc):
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    import json
    return proc.returncode, json.loads(out.decode().strip().splitlines()[-1]), err.decode()


def test_a_row_changed_in_place_stops_the_send_pass_before_it(bkcc, emulator, tmp_path):
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    changed = rows[:4000] + [(name.replace("SW", "XX"), asset) for name, asset in rows[4000:]]
    with open(path, "r+", encoding="utf-8", newline="") as f:  # same inode, same length: only row 4000 on differ
        f.write("bk_inst_name,bk_asset_id\n" + "".join("%s,%s\n" % r for r in changed))
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert summary["message"] == "%s: changed while it was imported: line 4002 differs from what the check read; it and the rows after it were not sent" % path, summary
    assert summary["total"] == ROWS and summary["created"] == 4000 and summary["skipped"] == 1000, summary
    stored = emulator.instances("bk_switch")
    assert len(stored) == 4000 and not [i for i in stored if "XX" in i["bk_inst_name"]]


def test_a_row_changed_to_bytes_that_are_not_utf8_is_not_sent(bkcc, emulator, tmp_path):
    """The send pass does not check again the UTF-8 of a row the check pass found valid (its digest stands for its
    bytes): a row made invalid meanwhile differs, and stops the pass like any change."""
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    with open(path, "rb") as f:
        data = f.read()
    start = data.index(("\n%s," % rows[4000][0]).encode()) + 1
    with open(path, "r+b") as f:  # same inode, same length: row 4000's first two bytes made 0xFF 0xFE
        f.seek(start)
        f.write(b"\xff\xfe")
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert summary["message"] == "%s: changed while it was imported: line 4002 differs from what the check read; it and the rows after it were not sent" % path, summary
    assert summary["total"] == ROWS and summary["created"] == 4000 and summary["skipped"] == 1000, summary
    assert len(emulator.instances("bk_switch")) == 4000


def test_a_file_that_grew_sends_no_row_the_check_never_saw(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(ROWS))
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    with open(path, "a", encoding="utf-8") as f:
        f.write("unchecked,UNCHECKED-1\n")
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert "changed while it was imported: line %d was not there when it was checked" % (ROWS + 2) in summary["message"], summary
    assert summary["total"] == ROWS and summary["created"] == ROWS, summary
    assert len(emulator.instances("bk_switch")) == ROWS
    assert not [i for i in emulator.instances("bk_switch") if i["bk_asset_id"] == "UNCHECKED-1"]


def test_a_file_cut_short_accounts_for_every_row(bkcc, emulator, tmp_path):
    """The finding's shape: a big file replaced by a 100-row one in place — the rows not read are skipped, with a
    message, never left without an outcome."""
    rows = switches(ROWS)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    write_csv(path, rows[:100])  # truncated and rewritten: the same inode
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert "changed while it was imported: it ends after" in summary["message"], summary
    assert summary["total"] == ROWS and summary["created"] + summary["skipped"] == ROWS and summary["skipped"] > 0, summary
    assert len(emulator.instances("bk_switch")) == summary["created"]


def test_a_file_renamed_over_the_input_is_not_read(bkcc, emulator, tmp_path):
    """The input is opened once: what was checked is what is sent."""
    path = write_csv(tmp_path / "s.csv", switches(ROWS))
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    os.replace(write_csv(tmp_path / "other.csv", switches(100, prefix="OT")), path)
    code, summary, err = finish(proc)
    assert code == 0 and summary["created"] == ROWS, (summary, err)
    assert not [i for i in emulator.instances("bk_switch") if i["bk_asset_id"].startswith("OT")]


def test_a_process_substitution_is_spooled(bkcc, emulator):
    """`--format csv <(printf …)` once gave total 2, every count 0, an empty message."""
    proc = subprocess.run(["bash", "-c", '"$BKCC_BIN" batch-create-inst --obj bk_switch --format csv --output json '
                           '<(printf "bk_inst_name,bk_asset_id\\na,PS-1\\nb,PS-2\\n")'],
                          env=dict(bkcc.env(), BKCC_BIN=bkcc.path), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc
    import json
    summary = json.loads(proc.stdout)
    assert summary["total"] == 2 and summary["created"] == 2 and summary["sent"] == 2, summary
    assert sorted(i["bk_asset_id"] for i in emulator.instances("bk_switch")) == ["PS-1", "PS-2"]


def test_a_named_fifo_is_read_once_and_spooled(bkcc, emulator, tmp_path):
    """A named FIFO hung for ever: the second open blocked."""
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w", encoding="utf-8") as f:
            f.write("bk_inst_name,bk_asset_id\na,FF-1\nb,FF-2\n")
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    r = bkcc("batch-create-inst", "--obj", "bk_switch", fifo, timeout=60)
    writer.join(10)
    assert r.code == 0 and "2 of 2 rows created" in r.out, r
    assert len(emulator.instances("bk_switch")) == 2


def test_a_directory_or_a_device_is_refused(bkcc, emulator, tmp_path):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--format", "csv", tmp_path)
    assert r.code == 2 and "%s: is a directory; nothing was sent" % tmp_path in r.err, r
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--format", "csv", "/dev/zero", timeout=30)
    assert r.code == 2 and "/dev/zero: is a device, not a file of rows; nothing was sent" in r.err, r
    r = bkcc("validate", "--obj", "bk_switch", "--format", "csv", "/dev/zero", timeout=30)
    assert r.code == 2 and "is a device" in r.err, r
    assert emulator.stats()["requests"].get("batch_create_inst", 0) == 0
