"""Issue #13, Deliver 6: JSON rows are parsed once. The check pass parses and checks each JSON Lines or JSON row;
the send pass scans its text (its digest and key, as the parsed value gives them) and sends the row's own bytes.
What the scan is not sure of (a real number) is parsed again. The report's digests must agree with the check
pass's, or a resume would call every created row `changed`."""

import json
import os

from .cli_support import report_entries, switches
from .test_verified_read import finish, start_paced_import

# Spellings a person or another tool writes: spaces, escapes, member order, a real (which the scan leaves to the
# parser), nested values, an integer key (bk_asset_id is a string attribute: the model check refuses it, so not
# here).
ROWS = [
    '{"bk_inst_name": "sw-a", "bk_asset_id": "A-1"}',
    '  { "bk_asset_id" : "A-2" ,  "bk_inst_name" : "sw-\\u4e09" }  ',
    '{"bk_inst_name":"sw-\\"q\\"\\/c","bk_asset_id":"A-3","bk_detail":"line1\\nline2"}',
    '{"bk_inst_name": "交换机-4", "bk_asset_id": "A-4", "ratio": 1.5}',
    '{"bk_inst_name": "sw-5", "bk_asset_id": "A-5", "tags": ["x", {"y": [1, -2, true, null]}]}',
    '{"bk_inst_name": "sw-6", "bk_asset_id": " A-6 "}',
]


def stored_names(emulator):
    return sorted((i["bk_inst_name"], i["bk_asset_id"]) for i in emulator.instances("bk_switch"))


def import_showing_the_body(bkcc, path, report):
    """An import with -vv: its summary and the one batch_create_inst body it sent, as -vv shows it."""
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "-vv", "--report", report, "--output", "json", path)
    assert r.code == 0, r
    body = [line for line in r.err.splitlines() if line.startswith("> {") and '"details"' in line]
    assert len(body) == 1, r.err
    return json.loads(r.out.strip().splitlines()[-1]), body[0]


def assert_a_resume_finds_every_row_created(bkcc, path, report, rows):
    """The report's digests and keys (from the send pass's scan) agree with the check pass's: nothing is changed."""
    again = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--output", "json", path)
    summary = json.loads(again.out.strip().splitlines()[-1])
    assert again.code == 0 and summary["already_created"] == rows and summary["changed"] == 0 and summary["sent"] == 0, summary


def test_json_lines_rows_go_out_as_written_and_a_resume_agrees(bkcc, emulator, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    report = tmp_path / "r.jsonl"
    summary, body = import_showing_the_body(bkcc, path, report)
    assert summary["created"] == 6 and summary["sent"] == 6, summary
    # The bytes on the wire are the rows' own: spaces and escapes as written.
    assert '{ "bk_asset_id" : "A-2" ,  "bk_inst_name" : "sw-\\u4e09" }' in body, body
    assert '"ratio":1.5' in body or '"ratio": 1.5' in body, body
    # A row the check pass could not read flat (nested values) but the scan is sure of goes out as written too.
    assert '"tags": ["x", {"y": [1, -2, true, null]}]}' in body, body
    expected = sorted((json.loads(row)["bk_inst_name"], json.loads(row)["bk_asset_id"].strip()) for row in ROWS)
    assert stored_names(emulator) == expected
    # The row with a real was parsed, the others scanned: every digest and key is the check pass's.
    assert_a_resume_finds_every_row_created(bkcc, path, report, 6)
    assert [e["key"] for e in report_entries(report) if "outcome" in e][:6] == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]


def test_a_json_array_is_sent_as_written_and_a_resume_agrees(bkcc, emulator, tmp_path):
    path = tmp_path / "rows.json"
    path.write_text("[\n" + ",\n".join(ROWS) + "\n]\n", encoding="utf-8")
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, "--output", "json", path)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 6
    assert_a_resume_finds_every_row_created(bkcc, path, report, 6)


def test_a_json_lines_row_changed_in_place_stops_the_send_pass_before_it(bkcc, emulator, tmp_path):
    rows = switches(5000)
    path = tmp_path / "s.jsonl"

    def write(pairs):
        with open(path, "w" if not os.path.exists(path) else "r+", encoding="utf-8", newline="") as f:
            f.write("".join(json.dumps({"bk_inst_name": n, "bk_asset_id": a}) + "\n" for n, a in pairs))

    write(rows)
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    write(rows[:4000] + [(name.replace("SW", "XX"), asset) for name, asset in rows[4000:]])  # same length
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert summary["message"] == "%s: changed while it was imported: line 4001 differs from what the check read; it and the rows after it were not sent" % path, summary
    assert summary["total"] == 5000 and summary["created"] == 4000 and summary["skipped"] == 1000, summary
    stored = emulator.instances("bk_switch")
    assert len(stored) == 4000 and not [i for i in stored if "XX" in i["bk_inst_name"]]


def test_csv_rows_go_out_as_json_written_from_the_cells_and_a_resume_agrees(bkcc, emulator, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('bk_inst_name,bk_asset_id,bk_detail,ports:int\n'
                    'sw-1,C-1,"a ""quoted"" word, and a comma",48\n'
                    'sw-2,C-2,"two\nlines\tand a tab",\n'
                    '交换机-3,C-3,back\\slash,52\n', encoding="utf-8")
    report = tmp_path / "r.jsonl"
    summary, body = import_showing_the_body(bkcc, path, report)
    assert summary["created"] == 3, summary
    assert '{"bk_inst_name":"sw-1","bk_asset_id":"C-1","bk_detail":"a \\"quoted\\" word, and a comma","ports":48}' in body, body
    assert '"bk_detail":"two\\nlines\\tand a tab"}' in body and '"bk_detail":"back\\\\slash","ports":52}' in body, body
    stored = {i["bk_asset_id"]: i for i in emulator.instances("bk_switch")}
    assert stored["C-1"]["bk_detail"] == 'a "quoted" word, and a comma' and stored["C-2"]["bk_detail"] == "two\nlines\tand a tab"
    assert_a_resume_finds_every_row_created(bkcc, path, report, 3)


def test_an_invalid_json_row_is_reported_as_the_check_pass_found_it(bkcc, emulator, tmp_path):
    """A repeated key (jansson refuses it; a scan alone would read it) or a row that is no JSON: reported invalid,
    never taken for a change of the file."""
    path = tmp_path / "rows.jsonl"
    path.write_text('{"bk_inst_name": "sw-1", "bk_asset_id": "D-1"}\n'
                    '{"bk_inst_name": "sw-2", "bk_asset_id": "D-2", "bk_asset_id": "D-2b"}\n'
                    '{"bk_inst_name": "sw-3", "bk_asset_id": \n'
                    '{"bk_inst_name": "sw-4", "bk_asset_id": "D-4"}\n', encoding="utf-8")
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, "--output", "json", path)
    summary = json.loads(r.out.strip().splitlines()[-1])
    assert r.code == 1 and summary["created"] == 2 and summary["invalid"] == 2, summary
    assert "changed while it was imported" not in r.out + r.err
    failed = {e["line"]: e["message"] for e in report_entries(report) if e.get("outcome") == "failed"}
    assert "duplicate object key" in failed[2] and "not valid JSON" in failed[3], failed
    assert sorted(i["bk_asset_id"] for i in emulator.instances("bk_switch")) == ["D-1", "D-4"]


def test_a_json_lines_row_spelled_anew_in_place_is_a_change_and_stops_the_pass(bkcc, emulator, tmp_path):
    """The send pass knows a row again by its bytes (RowSpool): a row rewritten with the same value but other
    spacing is not the text that was checked, so it is not sent as it is, and the pass stops before it."""
    rows = switches(5000)
    path = tmp_path / "s.jsonl"
    lines = [json.dumps({"bk_inst_name": n, "bk_asset_id": a}) for n, a in rows]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    report = tmp_path / "r.jsonl"
    proc = start_paced_import(bkcc, emulator, path, report)
    # Same length, same value: ", " between members becomes "," and a space before the closing brace.
    respelled = lines[:4000] + [line.replace(", ", ",")[:-1] + " }" for line in lines[4000:]]
    assert all(len(a) == len(b) and json.loads(a) == json.loads(b) for a, b in zip(lines, respelled))
    with open(path, "r+", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\n" for line in respelled))
    code, summary, err = finish(proc)
    assert code == 1, (summary, err)
    assert summary["message"] == "%s: changed while it was imported: line 4001 differs from what the check read; it and the rows after it were not sent" % path, summary
    assert summary["total"] == 5000 and summary["created"] == 4000 and summary["skipped"] == 1000, summary
    assert len(emulator.instances("bk_switch")) == 4000


def test_an_import_without_a_writable_temporary_folder_is_refused_before_anything_is_sent(bkcc, emulator, tmp_path):
    """The check pass spools what the send pass needs of each row to $TMPDIR: without one, a clear refusal."""
    path = tmp_path / "rows.jsonl"
    path.write_text('{"bk_inst_name": "sw-1", "bk_asset_id": "T-1"}\n', encoding="utf-8")
    missing = tmp_path / "no-such-folder"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--output", "json", path, env={"TMPDIR": str(missing)})
    refusal = json.loads(r.out.strip().splitlines()[-1])
    assert r.code == 2, r
    assert refusal["error"] == "%s: cannot create a temporary file in %s (TMPDIR): No such file or directory; nothing was sent" % (path, missing), refusal
    assert emulator.instances("bk_switch") == [] and emulator.creates() == 0
    # A dry run sends nothing, so it needs no such file.
    dry = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", path, env={"TMPDIR": str(missing)})
    assert dry.code == 0 and '"T-1"' in dry.out, dry


def test_a_row_spool_that_cannot_be_written_stops_the_import_before_anything_is_sent(bkcc, emulator, tmp_path):
    """A full disk while the check pass spools its rows (here: a file size limit, RLIMIT_FSIZE, with SIGXFSZ
    ignored, so that the write fails with EFBIG): a clear refusal, exit 2, nothing sent."""
    import resource
    import signal
    import subprocess

    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"bk_inst_name": n, "bk_asset_id": a}) + "\n" for n, a in switches(5000)),
                    encoding="utf-8")

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # kept across exec: the write fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))

    proc = subprocess.run([bkcc.path, "batch-create-inst", "--obj", "bk_switch", "--output", "json", str(path)],
                          env=bkcc.env({"TMPDIR": str(tmp_path)}), capture_output=True, timeout=60, preexec_fn=limited)
    refusal = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert refusal["error"] == "%s: cannot write a temporary file (TMPDIR): File too large; nothing was sent" % path, refusal
    assert emulator.creates() == 0 and emulator.instances("bk_switch") == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("bkcc-")] == []  # unlinked at once
