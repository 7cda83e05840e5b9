import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The tiny workbooks of Fixtures/xlsx (written by its make_fixtures.py).
private let workbooks: String = {
    let file = #filePath
    return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures/xlsx"
}()

private func source(_ name: String, sheet: String? = nil) throws(InputError) -> ByteSource {
    let source = try ByteSource(path: "\(workbooks)/\(name)")
    source.reading.sheet = sheet
    return source
}

private func allRows(_ source: ByteSource) throws(InputError) -> [InputRow] {
    let reader = InputFormat.xlsx.reader(source)
    var result: [InputRow] = []
    while let row = try reader.next() { result.append(row) }
    return result
}

@Suite struct XLSXReaderTests {
    // MARK: Records

    @Test func testRecords_HoldShownTextKindsAndSheetRowNumbers() throws {
        let reader = XLSXReader(source: try source("kinds.xlsx"))
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(records.map(\.line) == [2, 3, 4, 6])  // row 1 is blank; row 5 is missing
        let values = records[1]
        #expect((0..<values.count).map { values.string(at: $0) } == ["机柜-甲", "A-1", "48", "4.2", "TRUE", "2024-01-31", "2024-01-31 12:00:00", "42"])
        #expect(values.kinds == [.text, .text, .number(48), .number(4.2), .bool(true), .text, .text, .number(42)])
        #expect(values.place(3) == "Sheet1!D3")
        // Cells the sheet leaves out are empty fields, so that each cell stays under its header.
        #expect(records[2].count == 8 && records[2].field(2).isEmpty && records[2].string(at: 7) == "#N/A")
        #expect(records[2].kind(7) == .error)
        #expect(records[2].string(at: 0) == "乙 & 丙")
    }

    @Test func testRows_KeepNumbersAndBooleansInUntypedColumns_AndShownTextInTypedOnes() throws {
        let rows = try allRows(try source("kinds.xlsx"))
        #expect(rows.count == 3)
        #expect(rows[0].line == 3)
        #expect(rows[0].detail == json(#"{"bk_inst_name":"机柜-甲","bk_asset_id":"A-1","count":48,"ratio":4.2,"flag":true,"day":"2024-01-31","at":"2024-01-31 12:00:00","bk_sn":"42"}"#))
        #expect(rows[1].problem == "Sheet1!H4 (bk_sn): the cell holds an error, not a value: #N/A")
        #expect(rows[2].detail == json(#"{"bk_inst_name":"丁","bk_asset_id":"A-4","count":0.001}"#))
        #expect(rows[0].detail?["count"]?.integer == 48)  // an integer, not 48.0
    }

    @Test func testSheet_IsChosenByName() throws {
        let rows = try allRows(try source("kinds.xlsx", sheet: "数据"))
        #expect(rows.count == 1 && rows[0].detail == json(#"{"bk_inst_name":"x"}"#))
        let error = thrown { () throws(InputError) in try allRows(try source("kinds.xlsx", sheet: "Nope")) }
        #expect(error?.reason == #"the workbook has no sheet named "Nope" (its sheets: "Sheet1", "数据")"#)
    }

    @Test func testManyRows_StreamAcrossTheParsersChunks() throws {
        let rows = try allRows(try source("rows.xlsx"))
        #expect(rows.count == 3000)
        #expect(rows.map(\.line) == Array(2...3001))
        #expect(rows.last?.detail == json(#"{"bk_inst_name":"行-3001","n":3001}"#))
    }

    @Test func testASharedStringOutsideTheTable_IsAnInputErrorNamingTheCell() {
        let error = thrown { () throws(InputError) in try allRows(try source("bad_shared.xlsx")) }
        #expect(error?.line == 2)
        #expect(error?.reason == "Sheet1!A2: shared string 7 is not in the table of 1 (a damaged file?)")
    }

    @Test func testAPipe_NeedsItsSpool() throws {
        let bytes = readFile("\(workbooks)/kinds.xlsx")
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        _ = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        defer { close(ends[0]) }
        let error = thrown { () throws(InputError) in try allRows(ByteSource(fd: ends[0], name: "-")) }
        #expect(error?.reason.contains("cannot be read from a pipe") == true)
    }

    @Test func testStandardInput_IsReadTwiceThroughTheSpool() throws {
        let bytes = readFile("\(workbooks)/kinds.xlsx")
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        _ = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        close(ends[1])
        defer { close(ends[0]) }
        let input = InputFile(path: "-", stdinFD: ends[0])
        let first = try allRows(try input.open())
        let second = try allRows(try input.open())
        #expect(first.count == 3 && second.count == 3)
        #expect(first[0].detail == second[0].detail)
    }

    // MARK: The pieces

    @Test(arguments: [0, 20, 1 << 20])
    func testSharedStrings_PastTheMemoryLimit_AreReadBackFromTheirFile(limit: Int) throws {
        func table() throws(InputError) -> SharedStrings {
            let archive = try ZipArchive(descriptor: open("\(workbooks)/kinds.xlsx", O_RDONLY), name: "kinds.xlsx")
            return try SharedStrings(stream: XMLStream(entry: archive.open("xl/sharedStrings.xml"), name: "kinds.xlsx"),
                                     name: "kinds.xlsx", memoryLimit: limit)
        }
        let strings = try table()
        #expect(strings.count == 10)
        #expect(strings.memoryBytes <= limit)
        #expect(strings.memoryBytes + strings.fileBytes == 67)
        #expect((strings.fileBytes > 0) == (limit < 67))
        let all = (0..<strings.count).map { strings.withString($0) { String(decoding: $0, as: UTF8.self) } }
        #expect(all == ["bk_inst_name", "bk_asset_id", "count", "ratio", "flag", "day", "at", "bk_sn:string", "机柜-甲", "A-1"])
        // Backwards, so that each spilled string needs another window.
        let backwards = (0..<strings.count).reversed().map { strings.withString($0) { String(decoding: $0, as: UTF8.self) } }
        #expect(backwards == all.reversed())
        #expect(strings.withString(10) { _ in 0 } == nil)
    }

    @Test(arguments: [
        ("yyyy-mm-dd", CellStyles.DateKind.date), ("m/d/yy h:mm", .dateTime), ("[$-804]yyyy\"年\"m\"月\"d\"日\"", .date),
        ("hh:mm:ss", .time), ("mm:ss", .time), ("[h]:mm", .time), ("General", .none), ("0.00E+00", .none),
        ("#,##0.00_);[Red](#,##0.00)", .none), ("\"day\" 0", .none), ("h:mm AM/PM", .time), ("mmm", .date), ("@", .none),
    ])
    func testNumberFormats_AreDatesByTheirLetters(code: String, kind: CellStyles.DateKind) {
        #expect(CellStyles.classify(code) == kind)
    }

    @Test func testBuiltInFormats() {
        #expect(CellStyles.builtIn(14) == .date && CellStyles.builtIn(22) == .dateTime && CellStyles.builtIn(20) == .time)
        #expect(CellStyles.builtIn(0) == .none && CellStyles.builtIn(2) == .none && CellStyles.builtIn(49) == .none)
    }

    @Test func testSerials_AreCMDBDates() {
        #expect(ExcelDate.text(45322, .date, date1904: false) == "2024-01-31")
        #expect(ExcelDate.text(45322.999999, .dateTime, date1904: false) == "2024-02-01 00:00:00")  // rounded to the second
        #expect(ExcelDate.text(0.75, .time, date1904: false) == "18:00:00")
        #expect(ExcelDate.text(1, .date, date1904: false) == "1900-01-01")
        #expect(ExcelDate.text(61, .date, date1904: false) == "1900-03-01")
        #expect(ExcelDate.text(0, .date, date1904: true) == "1904-01-01")
        #expect(ExcelDate.text(-1, .date, date1904: false) == nil)
        #expect(ExcelDate.reformat(iso: "2024-02-29T08:09:10Z", .none) == "2024-02-29 08:09:10")
        #expect(ExcelDate.reformat(iso: "2024-02-29T00:00:00", .none) == "2024-02-29")
    }

    @Test func testNumbers_AreShownAsExcelShowsThem() {
        func shown(_ text: String) -> String? { XLSXReader.number(Array(text.utf8))?.shown }
        #expect(shown("42") == "42" && shown("42.0") == "42" && shown("4.2000000000000002") == "4.2")
        #expect(shown("0.30000000000000004") == "0.3" && shown("-7") == "-7" && shown("1E-3") == "0.001")
        #expect(shown("1e20") == "1e+20" && shown("x") == nil && shown("inf") == nil)
    }

    @Test func testCellReferences() {
        #expect(CellReference.letters(0) == "A" && CellReference.letters(25) == "Z" && CellReference.letters(26) == "AA")
        #expect(CellReference.letters(16_383) == "XFD")
        #expect(CellReference.name(sheet: "Sheet1", column: 2, row: 12) == "Sheet1!C12")
        #expect(CellReference.name(sheet: "数据", column: 0, row: 1) == "数据!A1")
        #expect(CellReference.name(sheet: "Bob's list", column: 0, row: 1) == "'Bob''s list'!A1")
        let parsed = "AB12".withCString { CellReference.parse($0) }
        #expect(parsed.column == 27 && parsed.row == 12)
        let bad = "A1x".withCString { CellReference.parse($0) }
        #expect(bad.column == nil && bad.row == nil)
    }

    @Test func testOOXMLEscapes_AreCharacters() {
        var text = Array("a_x000D_b_x005F_x0041_".utf8)
        OOXMLText.unescape(&text, from: 0)
        #expect(String(decoding: text, as: UTF8.self) == "a\rb_x0041_")
    }

    @Test func testFormats_FromExtensionAndMagic() {
        #expect(InputFormat.fromExtension("/a/b.XLSX") == .xlsx)
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14]
        #expect(zip.withUnsafeBytes { InputFormat.sniff($0) } == .xlsx)
    }
}
