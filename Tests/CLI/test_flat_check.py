"""Issue #13, Deliver 6: the check pass reads a flat JSON row (strings, integers, booleans, nulls) on its bytes —
model check, repeats, print — and parses the others (nested values, white space to trim, repeated keys, a row
that is no JSON) as before. Rows of both kinds in one file must be checked, counted and worded as one path would:
these expectations are what the check pass printed before it had a path on bytes."""

import json

ROWS = [
    '{"bk_inst_name": "a", "bk_asset_id": "A-1", "bk_port_count": 48}',
    '{"bk_inst_name": "b", "bk_asset_id": "A-2", "bk_port_count": 48, "tags": ["x"]}',   # nested: parsed
    '{"bk_inst_name": "c", "bk_asset_id": "A-2"}',                                      # flat, repeats a parsed row
    '{"bk_inst_name": "d", "bk_asset_id": " A-1 "}',                                    # to trim: parsed
    '{"bk_inst_name": "新华三", "bk_asset_id": "A-5", "bk_port_count": 1}',              # ends in 0x89, as U+2009
    '{"bk_inst_name": "", "bk_asset_id": "A-6"}',                                       # flat, refused
    '{"bk_inst_name": "g", "bk_asset_id": "A-\\u0035"}',                                # escaped: repeats A-5
    '{"bk_inst_name": "h", "bk_asset_id": "A-8", "bk_asset_id": "A-9"}',                # a repeated key
]


def expected(name, first):
    """The messages with line numbers from `first` (the line of ROWS[0])."""
    line = lambda n: n + first - 1  # noqa: E731
    return [
        "%s:%d: bk_asset_id \"A-2\" repeats line %d; the server would reject it as duplicated" % (name, line(3), line(2)),
        "%s:%d: bk_asset_id \"A-1\" repeats line %d; the server would reject it as duplicated" % (name, line(4), line(1)),
        "%s:%d: bk_inst_name (名称): required, must not be empty" % (name, line(6)),
        "%s:%d: bk_asset_id \"A-5\" repeats line %d; the server would reject it as duplicated" % (name, line(7), line(5)),
    ]


def test_flat_and_parsed_rows_are_checked_alike(bkcc, emulator, tmp_path):
    for name, text, first, column in (
            ("rows.jsonl", "\n".join(ROWS) + "\n", 1, 57),
            ("rows.json", "[\n" + ",\n".join("  " + row for row in ROWS) + "\n]\n", 2, 59)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        r = bkcc("validate", "--obj", "bk_switch", path)
        assert r.code == 2, r
        lines = r.out.splitlines() + r.err.splitlines()
        found = [l for l in lines if l.startswith(str(path) + ":") and "rows (" not in l]
        shown = [l.replace(str(path), name) for l in found]
        assert shown[:4] == expected(name, first), shown
        assert shown[4] == "%s:%d: column %d: not valid JSON: duplicate object key near '\"bk_asset_id\"'" % (name, first + 7, column), shown
        assert len(shown) == 5, shown
        # One count per attribute over both kinds of rows, from the first line either saw it on.
        warnings = [l[l.index("warning: "):] for l in lines if "warning: " in l]
        assert warnings == [
            "warning: bk_port_count (in 3 rows, first on line %d): not an attribute of bk_switch: the CMDB drops it" % first,
            "warning: tags (in 1 row, first on line %d): not an attribute of bk_switch: the CMDB drops it" % (first + 1)], lines
        assert "8 rows (%s), 5 invalid" % name.split(".")[1] in r.out, r


def test_an_import_of_both_kinds_stores_each_valid_row_once_and_resumes_clean(bkcc, emulator, tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, "--output", "json", path)
    summary = json.loads(r.out.strip().splitlines()[-1])
    assert summary["created"] == 3 and summary["invalid"] == 5 and summary["total"] == 8, summary
    stored = sorted((i["bk_inst_name"], i["bk_asset_id"]) for i in emulator.instances("bk_switch"))
    assert stored == [("a", "A-1"), ("b", "A-2"), ("新华三", "A-5")]
    # The prints the check pass kept (from bytes or from the parsed value) match the send pass's reading.
    again = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--resume", report, "--output", "json", path)
    summary = json.loads(again.out.strip().splitlines()[-1])
    assert summary["already_created"] == 3 and summary["changed"] == 0 and summary["sent"] == 0, summary
