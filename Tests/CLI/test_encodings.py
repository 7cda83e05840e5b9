"""bkcc reads CSV in the encodings spreadsheets save: UTF-8 with or without a byte-order mark, GB18030/GBK (Excel
on a Chinese Windows), UTF-16 with a mark; --encoding auto finds which, and says so on stderr for GB18030."""

import pytest

from .cli_support import switches

# Text that needs more than GBK: GB18030's four-byte sequences (U+20000, and the euro sign's GB18030 code).
ROWS = [("交换机-甲", "E-1", "序列-1"), ("机柜 €", "E-2", "𠀀"), ("plain", "E-3", "S-3")]
NOTE = "input is not UTF-8: read as GB18030"


def csv_bytes(rows, encoding):
    text = "bk_inst_name,bk_asset_id,bk_sn\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


@pytest.mark.parametrize("encoding, option", [
    ("utf-8", None), ("utf-8-sig", None), ("gb18030", None), ("utf-16", None), ("utf-16-be-bom", None),
    ("utf-8", "utf-8"), ("gb18030", "gb18030"), ("utf-16", "utf-16"), ("utf-16-be-bom", "utf-16"),
])
def test_each_encoding_creates_the_same_text(bkcc, emulator, tmp_path, encoding, option):
    path = tmp_path / "in.csv"
    path.write_bytes(csv_bytes(ROWS, encoding))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", *(["--encoding", option] if option else []), path)
    assert r.code == 0, r
    stored = sorted((i["bk_inst_name"], i["bk_asset_id"], i["bk_sn"]) for i in emulator.instances("bk_switch"))
    assert stored == sorted(ROWS)
    # auto says so when it reads GB18030, once for the check pass and the send pass together; never otherwise
    assert r.err.count(NOTE) == (1 if encoding == "gb18030" and option is None else 0), r


def test_gbk_as_excel_saves_it_is_read_in_auto_and_by_name(bkcc, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_bytes(ROWS[:1], "gbk"))
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 0 and "gbk.csv: 1 rows (csv), all valid" in r.out, r
    assert "bkcc: note: %s: %s" % (path, NOTE) in r.err
    r = bkcc("validate", "--obj", "bk_switch", "--encoding", "gbk", path)
    assert r.code == 0 and NOTE not in r.err, r


def test_gbk_after_many_ascii_lines_is_still_detected(bkcc, tmp_path):
    rows = [(n.replace("交换机", "sw"), a, "S") for n, a in switches(3000)] + [("交换机-末", "LAST", "序列")]
    path = tmp_path / "late.csv"
    path.write_bytes(csv_bytes(rows, "gbk"))
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 0 and "late.csv: 3,001 rows (csv), all valid" in r.out and NOTE in r.err, r


def test_gbk_on_standard_input(bkcc, emulator, tmp_path):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "-", input=csv_bytes(ROWS, "gb18030"))
    assert r.code == 0 and "<stdin>: " + NOTE in r.err, r
    assert sorted(i["bk_sn"] for i in emulator.instances("bk_switch")) == sorted(r[2] for r in ROWS)


def test_utf8_by_name_refuses_gbk_naming_line_column_and_the_way_out(bkcc, emulator, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("bk_inst_name,bk_asset_id\nok,A\n".encode() + "交换机".encode("gbk") + b",B\n")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--encoding", "utf-8", path)
    assert r.code == 2, r
    assert "gbk.csv:3: column 1 (bk_inst_name): not valid UTF-8 (try --encoding auto)" in r.err
    assert "saved as GBK" not in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_a_byte_invalid_in_gb18030_is_an_error_naming_its_line(bkcc, emulator, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("bk_inst_name,bk_asset_id\n交换机,A\nb,B\n".encode("gbk") + b"x\xff,C\n")
    for option in ([], ["--encoding", "gb18030"]):
        r = bkcc("batch-create-inst", "--obj", "bk_switch", *option, path)
        assert r.code == 2, r
        assert "bad.csv:4: not valid GB18030: the bytes 0xFF" in r.err and "nothing was sent" in r.err, r
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_bytes_no_encoding_reads_are_named_by_cell(bkcc, tmp_path):
    """Neither UTF-8 nor GB18030 (0xFF starts nothing in either): each such cell is named, read as UTF-8."""
    path = tmp_path / "ff.csv"
    path.write_bytes(b"bk_inst_name,bk_asset_id\n\xff\xfe,A\nok,B\n")
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "ff.csv:2: column 1 (bk_inst_name): not valid UTF-8 (give the file's encoding: --encoding gb18030 or utf-16)" in r.out
    assert "ff.csv: 2 rows (csv), 1 invalid" in r.out and NOTE not in r.err


def test_utf16_cut_inside_a_character_is_an_error(bkcc, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(csv_bytes(ROWS, "utf-16")[:-1])
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and "the input ends inside a UTF-16 character" in r.err, r


def test_an_unknown_encoding_is_a_usage_error(bkcc, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("bk_inst_name,bk_asset_id\na,A\n")
    r = bkcc("validate", "--obj", "bk_switch", "--encoding", "latin-1", path)
    assert r.code == 2 and "--encoding" in r.err, r


def test_a_utf8_mark_means_utf8_whatever_follows(bkcc, tmp_path):
    path = tmp_path / "marked.csv"
    path.write_bytes(b"\xef\xbb\xbfbk_inst_name,bk_asset_id\n" + "交换机".encode("gbk") + b",A\n")
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and NOTE not in r.err, r
    assert "marked.csv:2: column 1 (bk_inst_name): not valid UTF-8" in r.out


def test_encoding_is_refused_for_json(bkcc, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"bk_inst_name": "a", "bk_asset_id": "A"}\n')
    r = bkcc("validate", "--obj", "bk_switch", "--encoding", "utf-16", path)
    assert r.code == 2 and "--encoding utf-16 is for CSV; this input is jsonl (UTF-8, as JSON is)" in r.err, r
    assert bkcc("validate", "--obj", "bk_switch", path).code == 0
