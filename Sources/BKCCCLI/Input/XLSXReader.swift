#if canImport(Glibc)
import Glibc
#endif

/// The rows of one worksheet of an .xlsx workbook (the first, or the one named by `--sheet`) as records: each
/// `<row>` of the sheet's XML, streamed through expat from the zip entry as it inflates, one row at a time (the
/// parser is suspended after each), so memory holds one row and the shared strings, never the sheet.
///
/// A record's line is the sheet's row number; its fields are the cells' shown text, placed by column (cells the
/// sheet leaves out are empty), with each cell's kind: numbers (`42`, `3.5`; what Excel shows, to 15 significant
/// digits), booleans, errors (`#N/A`), and text (shared strings, inline strings, formula text). A number with a
/// date format is text: "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS".
public final class XLSXReader: RecordSource {
    /// The most text of one cell, and of one row (as a CSV record).
    public static let maxCellBytes = 8 * 1024 * 1024

    public let name: String
    private let source: ByteSource
    private let wantedSheet: String?
    private var opened = false

    private var archive: ZipArchive?
    private var stream: XMLStream?
    private var strings = SharedStrings()
    private var styles = CellStyles()
    private var date1904 = false
    /// The sheet's name, for cell references in messages.
    public private(set) var sheetName = ""

    // The row being read.
    private var rowNumber = 0
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var kinds: [CellKind] = []
    private var hasValue = false
    private var completed: CSVRecord?

    // The cell being read.
    private enum CellType { case number, shared, inline, formulaText, boolean, error, isoDate, uncomputed }
    private var column = -1
    private var cellType = CellType.number
    private var cellStyle = 0
    private var inValue = false, inInline = false, inText = false, inFormula = false
    /// A formula's text, kept in case the cell has no saved result (a workbook written by a program, never opened).
    private var formula: [UInt8] = []
    private var phonetic = 0
    private var value: [UInt8] = []

    /// Reads the sheet named `sheet` (nil: the first) of the workbook `source` holds.
    public init(source: ByteSource, sheet: String? = nil) {
        self.source = source
        name = source.name
        wantedSheet = sheet
    }

    public func next() throws(InputError) -> CSVRecord? {
        if !opened {
            opened = true
            try open()
        }
        guard let stream else { return nil }
        while completed == nil {
            guard try stream.step() else { break }
        }
        defer { completed = nil }
        return completed
    }

    // MARK: Opening

    private func open() throws(InputError) {
        let descriptor = try source.randomAccessDescriptor()
        try XLSXReader.checkMagic(descriptor, name: name)
        let archive = try ZipArchive(descriptor: descriptor, name: name)
        self.archive = archive
        let index = try WorkbookIndex.read(archive)
        date1904 = index.date1904
        let sheet: WorkbookIndex.Sheet
        let names = index.sheets.map { "\"\($0.name)\"" }.joined(separator: ", ")
        if let wantedSheet {
            guard let found = index.sheets.first(where: { $0.name == wantedSheet })
                    ?? index.sheets.first(where: { $0.name.lowercased() == wantedSheet.lowercased() }) else {
                throw InputError(path: name, "the workbook has no sheet named \"\(wantedSheet)\" (its sheets: \(names))")
            }
            sheet = found
        } else {
            // The first sheet of cells: a chart sheet before it has nothing to read.
            guard let first = index.sheets.first(where: \.isWorksheet) ?? index.sheets.first else {
                throw InputError(path: name, "the workbook has no sheets")
            }
            sheet = first
        }
        sheetName = sheet.name
        guard sheet.isWorksheet else { throw InputError(path: name, "the sheet \"\(sheet.name)\" is a chart, not a table of cells") }
        guard let path = sheet.path, archive.contains(path) else {
            throw InputError(path: name, "the workbook's sheet \"\(sheet.name)\" has no part in the archive (a damaged file?)")
        }
        if let stylesPath = index.stylesPath, archive.contains(stylesPath) {
            styles = try CellStyles(stream: XMLStream(entry: archive.open(stylesPath), name: name))
        }
        if let stringsPath = index.sharedStringsPath, archive.contains(stringsPath) {
            strings = try SharedStrings(stream: XMLStream(entry: archive.open(stringsPath), name: name), name: name)
        }
        let stream = try XMLStream(entry: archive.open(path), name: name)
        stream.onStart = { [unowned self] element, attributes in self.start(element, attributes) }
        stream.onEnd = { [unowned self] element in self.end(element) }
        stream.onText = { [unowned self] text in self.text(text) }
        self.stream = stream
    }

    /// A zip starts with PK\3\4; an old .xls or a password-protected workbook is an OLE2 file, said so.
    static func checkMagic(_ descriptor: Int32, name: String) throws(InputError) {
        var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 4, 0) }
        if count == 4, magic == (0xD0, 0xCF, 0x11, 0xE0) {
            close(descriptor)
            throw InputError(path: name, "not an .xlsx workbook: an Excel 97-2003 .xls, or a workbook with a password: save it as \"Excel Workbook (.xlsx)\" without a password")
        }
    }

    // MARK: The sheet's XML

    private func fail(_ reason: String) { stream?.fail(InputError(path: name, line: rowNumber, reason)) }

    private var place: String { CellReference.name(sheet: sheetName, column: max(column, 0), row: rowNumber) }

    private func start(_ element: UnsafePointer<CChar>, _ attributes: XMLStream.Attributes) {
        if XMLStream.is(element, "c") {
            let reference = XMLStream.attribute(attributes, "r").map(CellReference.parse)
            column = reference?.column ?? (ends.count > column + 1 ? ends.count : column + 1)
            if let row = reference?.row, row != rowNumber {
                fail("\(CellReference.name(sheet: sheetName, column: column, row: row)) is in row \(rowNumber) of the sheet's XML (a damaged file?)")
            }
            cellType = XLSXReader.cellType(XMLStream.attribute(attributes, "t"))
            cellStyle = XMLStream.attribute(attributes, "s").map { Int(atoi($0)) } ?? 0
            value.removeAll(keepingCapacity: true)
            formula.removeAll(keepingCapacity: true)
        } else if XMLStream.is(element, "f") {
            inFormula = true
            formula.append(UInt8(ascii: "="))
        } else if XMLStream.is(element, "v") {
            inValue = true
        } else if XMLStream.is(element, "is") {
            inInline = true
        } else if XMLStream.is(element, "t") {
            inText = inInline
        } else if XMLStream.is(element, "rPh") {
            phonetic += 1
        } else if XMLStream.is(element, "row") {
            let given = XMLStream.attribute(attributes, "r").map { Int(atoi($0)) } ?? 0
            rowNumber = given > rowNumber ? given : rowNumber + 1
            column = -1
            hasValue = false
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            kinds.removeAll(keepingCapacity: true)
        }
    }

    private func end(_ element: UnsafePointer<CChar>) {
        if XMLStream.is(element, "c") {
            finishCell()
        } else if XMLStream.is(element, "v") {
            inValue = false
        } else if XMLStream.is(element, "f") {
            inFormula = false
        } else if XMLStream.is(element, "is") {
            inInline = false
        } else if XMLStream.is(element, "t") {
            inText = false
        } else if XMLStream.is(element, "rPh") {
            phonetic -= 1
        } else if XMLStream.is(element, "row") {
            guard hasValue else { return }  // a row of formatting only is blank
            completed = CSVRecord(line: rowNumber, bytes: bytes, ends: ends, kinds: kinds, sheet: sheetName)
            stream?.suspend()
        }
    }

    private func text(_ text: UnsafeRawBufferPointer) {
        if inFormula {
            if formula.count < 200 { formula.append(contentsOf: text.prefix(200 - formula.count)) }
            return
        }
        guard inValue || (inText && phonetic == 0) else { return }
        value.append(contentsOf: text)
        if value.count > XLSXReader.maxCellBytes { fail("\(place): the cell is over \(XLSXReader.maxCellBytes / 1_048_576) MiB") }
    }

    private static func cellType(_ attribute: UnsafePointer<CChar>?) -> CellType {
        guard let attribute else { return .number }
        switch UInt8(bitPattern: attribute.pointee) {
        case UInt8(ascii: "s"): return XMLStream.is(attribute, "s") ? .shared : .formulaText  // "s" or "str"
        case UInt8(ascii: "i"): return .inline
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "e"): return .error
        case UInt8(ascii: "d"): return .isoDate
        default: return .number
        }
    }

    // MARK: One cell

    private func finishCell() {
        if value.isEmpty, !formula.isEmpty, cellType != .inline {
            // No saved result: what would it be? Refused by name rather than read as an empty cell.
            value = formula
            cellType = .uncomputed
        }
        guard !value.isEmpty else { return }  // an empty cell: nothing in the record
        guard column >= ends.count else {
            fail("\(place) comes after a cell to its right (a damaged file?)")
            return
        }
        guard column < CellReference.maxColumns else { return fail("\(place): beyond the last column of a sheet") }
        while ends.count < column {  // the cells the sheet leaves out are empty
            ends.append(bytes.count)
            kinds.append(.text)
        }
        let kind: CellKind
        switch cellType {
        case .shared:
            guard let index = XLSXReader.integer(value), strings.withString(index, { bytes.append(contentsOf: $0) }) != nil else {
                return fail("\(place): shared string \(String(decoding: value, as: UTF8.self)) is not in the table of \(strings.count) (a damaged file?)")
            }
            kind = .text
        case .inline, .formulaText:
            if value.withUnsafeBytes(OOXMLText.mayBeEscaped) {
                var copy = value
                OOXMLText.unescape(&copy, from: 0)
                bytes.append(contentsOf: copy)
            } else {
                bytes.append(contentsOf: value)
            }
            kind = .text
        case .boolean:
            let isTrue = value == [UInt8(ascii: "1")] || value.elementsEqual("true".utf8)
            bytes.append(contentsOf: (isTrue ? "TRUE" : "FALSE").utf8)
            kind = .bool(isTrue)
        case .error:
            bytes.append(contentsOf: value)
            kind = .error
        case .uncomputed:
            bytes.append(contentsOf: value)
            kind = .formula
        case .isoDate:
            let text = String(decoding: value, as: UTF8.self)
            guard let shown = ExcelDate.reformat(iso: text, styles.kind(cellStyle)) else { return fail("\(place): not a date: \"\(text)\"") }
            bytes.append(contentsOf: shown.utf8)
            kind = .text
        case .number:
            guard let number = XLSXReader.number(value) else {
                return fail("\(place): not a number: \"\(String(decoding: value.prefix(40), as: UTF8.self))\"")
            }
            let dateKind = styles.kind(cellStyle)
            if dateKind != .none, let date = ExcelDate.text(number.value, dateKind, date1904: date1904) {
                bytes.append(contentsOf: date.utf8)
                kind = .text
            } else {
                bytes.append(contentsOf: number.shown.utf8)
                kind = .number(number.value)
            }
        }
        ends.append(bytes.count)
        kinds.append(kind)
        hasValue = true
        if bytes.count > XLSXReader.maxCellBytes {
            fail("row \(rowNumber) of the sheet is over \(XLSXReader.maxCellBytes / 1_048_576) MiB")
        }
    }

    static func integer(_ digits: [UInt8]) -> Int? {
        guard !digits.isEmpty, digits.count < 12, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// A stored number as Excel shows it in General: at most 15 significant digits (the stored 4.2000000000000002
    /// is 4.2), an integer without a decimal point; the value is that shown number.
    static func number(_ text: [UInt8]) -> (value: Double, shown: String)? {
        guard let stored = Double(String(decoding: text, as: UTF8.self)), stored.isFinite else { return nil }
        if stored == stored.rounded(), abs(stored) < 1e15 { return (stored, String(Int64(stored))) }
        var buffer = [CChar](repeating: 0, count: 40)
        _ = withVaList([stored]) { vsnprintf(&buffer, buffer.count, "%.15g", $0) }
        let shown = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let value = Double(shown) else { return (stored, shown) }
        if value == value.rounded(), abs(value) < 1e15 { return (value, String(Int64(value))) }
        return (value, shown)
    }
}
