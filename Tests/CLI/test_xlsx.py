"""bkcc reads .xlsx workbooks: validate offline, batch-create-inst (and --resume) against the emulator. Every
workbook is made in the test: with openpyxl (inline strings, as it writes them), XlsxWriter (a shared-strings
table, as Excel writes it), or by hand with zipfile for the parts neither writes (rich text, phonetic guides,
escapes, ISO dates, the 1904 date system, prefixed namespaces)."""

import datetime
import json
import zipfile

import openpyxl
import pytest
import xlsxwriter

from .cli_support import report_lines, switches

HEADER = ["bk_inst_name", "bk_asset_id", "bk_sn"]


def openpyxl_book(path, rows, title="Sheet1", before=()):
    """rows on a sheet `title` (after sheets named in `before`), with openpyxl."""
    book = openpyxl.Workbook()
    first = book.active
    sheets = [*before, title]
    first.title = sheets[0]
    for name in sheets[1:]:
        book.create_sheet(name)
    sheet = book[title]
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return str(path)


def xlsxwriter_book(path, rows):
    """rows with XlsxWriter: strings go to the shared-strings table."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, list(row))
    book.close()
    return str(path)


def dry_run_details(bkcc, path, *extra):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", *extra, path)
    assert r.code == 0, r
    details = []
    for line in r.out.splitlines():
        request = json.loads(line)
        details += request["body"]["details"]
    return details


# --- the kinds of cells ------------------------------------------------------------------------------------------

def test_each_cell_keeps_its_kind_and_a_string_column_its_shown_text(bkcc, tmp_path):
    day = datetime.date(2024, 1, 31)
    moment = datetime.datetime(2024, 1, 31, 10, 20, 30)
    path = openpyxl_book(tmp_path / "kinds.xlsx", [
        ["bk_inst_name", "bk_asset_id", "bk_sn:string", "count", "ratio", "flag", "day", "at", "note"],
        ["机柜-甲", "A-1", 42, 48, 0.5, True, day, moment, "备注"],
        ["机柜-乙", "A-2", 4.25, 7.0, 1e-3, False, None, None, None],  # empty cells: not sent
        ["机柜-丙", "A-3", "SN-3", None, None, None, None, None, "x"],
    ])
    details = dry_run_details(bkcc, path)
    assert details == [
        {"bk_inst_name": "机柜-甲", "bk_asset_id": "A-1", "bk_sn": "42", "count": 48, "ratio": 0.5, "flag": True,
         "day": "2024-01-31", "at": "2024-01-31 10:20:30", "note": "备注"},
        {"bk_inst_name": "机柜-乙", "bk_asset_id": "A-2", "bk_sn": "4.25", "count": 7, "ratio": 0.001, "flag": False},
        {"bk_inst_name": "机柜-丙", "bk_asset_id": "A-3", "bk_sn": "SN-3", "note": "x"},
    ]
    assert isinstance(details[1]["count"], int)  # 7.0 in the sheet is the integer 7, never 7.0


def test_typed_columns_convert_the_cells_shown_text(bkcc, tmp_path):
    path = openpyxl_book(tmp_path / "typed.xlsx", [
        ["bk_inst_name", "bk_asset_id", "size:int", "up:bool", "weight:float"],
        ["a", "A", "12", "true", 3],
        ["b", "B", 13, True, "2.5"],
    ])
    assert dry_run_details(bkcc, path) == [
        {"bk_inst_name": "a", "bk_asset_id": "A", "size": 12, "up": True, "weight": 3.0},
        {"bk_inst_name": "b", "bk_asset_id": "B", "size": 13, "up": True, "weight": 2.5},
    ]


def test_a_bad_cell_is_named_by_its_sheet_column_and_row(bkcc, tmp_path):
    rows = [HEADER + ["count:int"]] + [["n%d" % i, "A%d" % i, "S%d" % i, i] for i in range(2, 13)]
    rows[10][2] = "#N/A"  # an error value in C11
    rows[11][3] = "many"  # D12 is not an integer
    path = openpyxl_book(tmp_path / "bad.xlsx", rows)
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "bad.xlsx:11: Sheet1!C11 (bk_sn): the cell holds an error, not a value: #N/A" in r.out
    assert "bad.xlsx:12: Sheet1!D12 (count): not an integer: \"many\"" in r.out
    assert "bad.xlsx: 11 rows (xlsx), 2 invalid" in r.out


def test_a_sheet_name_with_a_space_is_quoted_in_cell_names(bkcc, tmp_path):
    path = openpyxl_book(tmp_path / "q.xlsx", [HEADER + ["n:int"], ["a", "A", "S", "x"]], title="My sheet")
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert "q.xlsx:2: 'My sheet'!D2 (n): not an integer" in r.out, r


def test_the_header_is_the_first_row_with_a_value_and_lines_are_sheet_rows(bkcc, emulator, tmp_path):
    rows = [[], [], HEADER, ["机柜-1", "C-1", "S1"], [], ["机柜-2", "C-2", "S2"]]
    path = openpyxl_book(tmp_path / "late.xlsx", rows)
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 0, r
    assert sorted(l["line"] for l in report_lines(report)) == [4, 6]
    assert sorted(i["bk_inst_name"] for i in emulator.instances("bk_switch")) == ["机柜-1", "机柜-2"]


# --- shared strings, sheets, standard input, resume ----------------------------------------------------------------

def test_a_shared_strings_workbook_creates_every_row_with_chinese_text(bkcc, emulator, tmp_path):
    rows = switches(450)
    path = xlsxwriter_book(tmp_path / "s.xlsx", [HEADER] + [[n, a, "序列号-" + a] for n, a in rows])
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 0, r
    assert "bk_switch: 450 of 450 rows created" in r.out
    stored = emulator.instances("bk_switch")
    assert sorted((i["bk_inst_name"], i["bk_asset_id"], i["bk_sn"]) for i in stored) == \
        sorted((n, a, "序列号-" + a) for n, a in rows)
    assert sorted(l["line"] for l in report_lines(report)) == list(range(2, 452))


def test_sheet_picks_a_sheet_by_name(bkcc, emulator, tmp_path):
    path = openpyxl_book(tmp_path / "two.xlsx", [HEADER, ["机柜-数据", "D-1", "S"]], title="数据", before=["说明"])
    r = bkcc("validate", "--obj", "bk_switch", path)  # the first sheet is empty
    assert r.code == 2 and "two.xlsx: no rows (xlsx): nothing to import" in r.out, r
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--sheet", "数据", path)
    assert r.code == 0, r
    assert [i["bk_inst_name"] for i in emulator.instances("bk_switch")] == ["机柜-数据"]
    r = bkcc("validate", "--obj", "bk_switch", "--sheet", "Data", path)
    assert r.code == 2 and 'the workbook has no sheet named "Data" (its sheets: "说明", "数据")' in r.err, r


def test_sheet_is_refused_for_a_csv(bkcc, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("bk_inst_name,bk_asset_id\na,A\n")
    r = bkcc("validate", "--obj", "bk_switch", "--sheet", "Sheet1", path)
    assert r.code == 2 and "--sheet Sheet1: only an .xlsx workbook has sheets; this input is csv" in r.err, r


def test_a_workbook_on_standard_input_is_sniffed_and_read_twice(bkcc, emulator, tmp_path):
    rows = switches(250)
    path = xlsxwriter_book(tmp_path / "in.xlsx", [HEADER] + [[n, a, "S"] for n, a in rows])
    with open(path, "rb") as f:
        data = f.read()
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "-", input=data)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 250


def test_resume_after_a_lost_answer_sends_nothing_twice(bkcc, emulator, tmp_path):
    rows = switches(700)
    path = xlsxwriter_book(tmp_path / "s.xlsx", [HEADER] + [[n, a, "S"] for n, a in rows])
    report = tmp_path / "r.jsonl"
    emulator.set_faults([{"name": "reset", "count": 1, "only": "batch_create_inst"}])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 1 and "200 unknown" in r.out, r
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", tmp_path / "r2.jsonl", path)
    assert r.code == 0, r
    assert "500 created before, 200 found on the server by lookup (not sent again), 0 sent now" in r.out
    assert emulator.stats()["items_received"] == 700
    assert sorted(i["bk_asset_id"] for i in emulator.instances("bk_switch")) == sorted(a for _, a in rows)


# --- parts written by hand: what other writers put in a workbook --------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_book(path, sheet_data, shared=(), date1904=False, styles=None):
    """A workbook of hand-written parts, with x:-prefixed names and an absolute sheet target."""
    wb = ('<x:workbook xmlns:x="%s" xmlns:r="%s"><x:workbookPr%s/><x:sheets>'
          '<x:sheet name="表1" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
          % (MAIN, RELS, ' date1904="1"' if date1904 else ""))
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/worksheet" Target="/xl/worksheets/s1.xml"/>'
            '<Relationship Id="rId2" Type="%s/sharedStrings" Target="strings.xml"/>'
            '<Relationship Id="rId3" Type="%s/styles" Target="styles.xml"/></Relationships>' % (RELS, RELS, RELS))
    root = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % RELS)
    sst = '<sst xmlns="%s">%s</sst>' % (MAIN, "".join(shared))
    styles = styles or ('<styleSheet xmlns="%s"><numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
                        '<numFmt numFmtId="165" formatCode="[$-804]hh:mm:ss"/></numFmts>'
                        '<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="22"/></cellXfs></styleSheet>' % MAIN)
    sheet = '<x:worksheet xmlns:x="%s"><x:sheetData>%s</x:sheetData></x:worksheet>' % (MAIN, sheet_data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", root)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/strings.xml", sst)
        z.writestr("xl/styles.xml", styles)
        z.writestr("xl/worksheets/s1.xml", sheet)
    return str(path)


def test_rich_text_phonetics_escapes_formulas_and_dates_as_other_writers_write_them(bkcc, tmp_path):
    shared = ['<si><t>bk_inst_name</t></si>', '<si><t>bk_asset_id</t></si>', '<si><t>note</t></si>',
              '<si><r><t>机</t></r><r><rPr><b/></rPr><t>柜</t></r><rPh sb="0" eb="1"><t>ジ</t></rPh></si>',
              '<si><t>line one_x000D_</t></si>']
    rows = ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
            '<x:c r="C1" t="s"><x:v>2</x:v></x:c><x:c r="D1" t="inlineStr"><x:is><x:t>day</x:t></x:is></x:c>'
            '<x:c r="E1" t="inlineStr"><x:is><x:t>at</x:t></x:is></x:c><x:c r="F1" t="inlineStr"><x:is><x:t>iso</x:t></x:is></x:c>'
            '<x:c r="G1" t="inlineStr"><x:is><x:t>when</x:t></x:is></x:c></x:row>'
            '<x:row r="2"><x:c r="A2" t="s"><x:v>3</x:v></x:c><x:c r="B2" t="str"><x:f>"K"&amp;1</x:f><x:v>K1</x:v></x:c>'
            '<x:c r="C2" t="s"><x:v>4</x:v></x:c><x:c r="D2" s="1"><x:v>1</x:v></x:c><x:c r="E2" s="2"><x:v>0.5</x:v></x:c>'
            '<x:c r="F2" t="d"><x:v>2024-02-29T08:09:10Z</x:v></x:c><x:c r="G2" s="3"><x:v>0.25</x:v></x:c></x:row>')
    path = handmade_book(tmp_path / "hand.xlsx", rows, shared, date1904=True)
    assert dry_run_details(bkcc, path) == [
        {"bk_inst_name": "机柜", "bk_asset_id": "K1", "note": "line one\r", "day": "1904-01-02", "at": "12:00:00",
         "iso": "2024-02-29 08:09:10", "when": "1904-01-01 06:00:00"}]


def test_the_1900_date_system_with_its_leap_day(bkcc, tmp_path):
    rows = ('<x:row r="1"><x:c t="inlineStr"><x:is><x:t>bk_inst_name</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>bk_asset_id</x:t></x:is></x:c>'
            '<x:c t="inlineStr"><x:is><x:t>d</x:t></x:is></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>A</x:t></x:is></x:c><x:c s="1"><x:v>59</x:v></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>B</x:t></x:is></x:c><x:c s="1"><x:v>61</x:v></x:c></x:row>'
            '<x:row><x:c t="inlineStr"><x:is><x:t>c</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>C</x:t></x:is></x:c><x:c s="1"><x:v>45322</x:v></x:c></x:row>')
    details = dry_run_details(bkcc, handmade_book(tmp_path / "d.xlsx", rows))
    assert [d["d"] for d in details] == ["1900-02-28", "1900-03-01", "2024-01-31"]


@pytest.mark.parametrize("content, message", [
    (b"bk_inst_name,bk_asset_id\na,A\n", "not an .xlsx workbook: not a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "an Excel 97-2003 .xls, or a workbook with a password"),
    (b"PK\x03\x04" + b"\0" * 40, "not an .xlsx workbook"),
])
def test_a_file_that_is_no_workbook_says_what_it_is(bkcc, tmp_path, content, message):
    path = tmp_path / "not.xlsx"
    path.write_bytes(content)
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and message in r.err, r


def test_a_damaged_sheet_names_its_part(bkcc, tmp_path):
    path = handmade_book(tmp_path / "broken.xlsx", '<x:row r="1"><x:c><x:v>1</x:v></x:row>')
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and "the workbook's xl/worksheets/s1.xml is not well-formed XML" in r.err, r


def test_a_formula_never_calculated_is_refused_by_name(bkcc, tmp_path):
    """openpyxl writes formulas without their result (only a spreadsheet program calculates them)."""
    path = openpyxl_book(tmp_path / "f.xlsx", [HEADER + ["n"], ["a", "A", "S", "=1+2"]])
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "f.xlsx:2: Sheet1!D2 (n): a formula with no saved result (=1+2): open and save the workbook in Excel" in r.out


def test_encoding_is_refused_for_a_workbook(bkcc, tmp_path):
    path = openpyxl_book(tmp_path / "e.xlsx", [HEADER, ["a", "A", "S"]])
    r = bkcc("validate", "--obj", "bk_switch", "--encoding", "gbk", path)
    assert r.code == 2 and "--encoding gb18030 is for CSV; this input is xlsx (a workbook's text is Unicode)" in r.err, r


def test_a_repeated_header_name_is_named_by_its_cells(bkcc, tmp_path):
    path = openpyxl_book(tmp_path / "h.xlsx", [[], ["bk_inst_name", "bk_asset_id", "bk_inst_name"], ["a", "A", "b"]])
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and 'h.xlsx:2: the header names "bk_inst_name" twice (Sheet1!A2 and Sheet1!C2)' in r.err, r
