#!/usr/bin/env python3
"""Writes the tiny workbooks the Swift tests of the .xlsx reader read (XLSXReaderTests.swift), by hand with
zipfile: each part as Excel or another writer puts it, so that the tests need no spreadsheet library. Run it from
this folder after changing it; the .xlsx files are committed.

    python3 make_fixtures.py
"""
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell(ref, value, t=None, s=None):
    attrs = ' r="%s"' % ref + (' t="%s"' % t if t else "") + (' s="%d"' % s if s is not None else "")
    if t == "inlineStr":
        return "<c%s><is><t>%s</t></is></c>" % (attrs, value)
    return "<c%s><v>%s</v></c>" % (attrs, value)


def book(path, sheets, shared=(), styles=None, date1904=False):
    """sheets: [(name, sheet_data_xml)]."""
    listed = "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (n, i + 1, i + 1) for i, (n, _) in enumerate(sheets))
    links = "".join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, REL, i + 1)
                    for i in range(len(sheets)))
    links += '<Relationship Id="rIdS" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % REL
    links += '<Relationship Id="rIdY" Type="%s/styles" Target="styles.xml"/>' % REL
    styles = styles or ('<styleSheet xmlns="%s"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
                        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="22"/><xf numFmtId="2"/></cellXfs></styleSheet>' % MAIN)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % (PKG, REL))
        z.writestr("xl/workbook.xml", '<workbook xmlns="%s" xmlns:r="%s"><workbookPr%s/><sheets>%s</sheets></workbook>'
                   % (MAIN, REL, ' date1904="1"' if date1904 else "", listed))
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="%s">%s</Relationships>' % (PKG, links))
        z.writestr("xl/sharedStrings.xml", '<sst xmlns="%s" count="%d">%s</sst>' % (MAIN, len(shared), "".join("<si><t>%s</t></si>" % s for s in shared)))
        z.writestr("xl/styles.xml", styles)
        for i, (_, data) in enumerate(sheets):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), '<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (MAIN, data))


def row(number, cells):
    return '<row r="%d">%s</row>' % (number, "".join(cells))


# kinds.xlsx: a blank row, the header on row 2, then every kind of cell; a second sheet "数据".
shared = ["bk_inst_name", "bk_asset_id", "count", "ratio", "flag", "day", "at", "bk_sn:string", "机柜-甲", "A-1"]
kinds = (row(1, [])
         + row(2, [cell("A2", 0, "s"), cell("B2", 1, "s"), cell("C2", 2, "s"), cell("D2", 3, "s"), cell("E2", 4, "s"),
                   cell("F2", 5, "s"), cell("G2", 6, "s"), cell("H2", 7, "s")])
         + row(3, [cell("A3", 8, "s"), cell("B3", 9, "s"), cell("C3", 48), cell("D3", "4.2000000000000002", s=3),
                   cell("E3", 1, "b"), cell("F3", 45322, s=1), cell("G3", "45322.5", s=2), cell("H3", "42")])
         # a gap (no C4..G4), an error value, an inline string
         + row(4, [cell("A4", "乙 &amp; 丙", "inlineStr"), cell("B4", "A-2", "inlineStr"), cell("H4", "#N/A", "e")])
         + row(6, [cell("A6", "丁", "inlineStr"), cell("B6", "A-4", "inlineStr"), cell("C6", "1E-3")]))
book("kinds.xlsx", [("Sheet1", kinds), ("数据", row(1, [cell("A1", "bk_inst_name", "inlineStr")]) + row(2, [cell("A2", "x", "inlineStr")]))], shared)

# rows.xlsx: 3,000 rows, so that the sheet spans many chunks of the parser.
data = row(1, [cell("A1", "bk_inst_name", "inlineStr"), cell("B1", "n", "inlineStr")])
data += "".join(row(r, [cell("A%d" % r, "行-%d" % r, "inlineStr"), cell("B%d" % r, r)]) for r in range(2, 3002))
book("rows.xlsx", [("Sheet1", data)])

# bad_shared.xlsx: a shared-string index past the table.
book("bad_shared.xlsx", [("Sheet1", row(1, [cell("A1", 0, "s")]) + row(2, [cell("A2", 7, "s")]))], ["a"])
