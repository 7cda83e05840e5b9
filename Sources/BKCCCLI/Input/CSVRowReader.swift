import BKCC

/// CSV rows as JSON objects: the first non-blank record is the header of attribute names (`ColumnPlan`: ids, or
/// display names when the model is known; types from the model or from a `:int`-style suffix), each later record
/// a row. The CMDB's own import template and export layout are read as they come: six header rows (names, types,
/// ids, three rows for table attributes) after a label column A, the data from row 7. Empty cells are omitted (the
/// attribute is not sent); blank lines are not rows. The records come from a CSV file or a worksheet
/// (`RecordSource`): in a column without a type (no model, no suffix) a workbook's numbers and booleans stay numbers
/// and booleans; a typed column converts the cell's shown text.
public final class CSVRowReader: TextRowReader {
    // The settings below are set once, before the first row, and read a row; they and the row count are not
    // checked for exclusivity at run time (@exclusivity(unchecked)): a check a read was ~12 a row, ~1,200
    // instructions.
    /// Rows as JSON text (CSV files, not workbooks): the send pass splices them as they are.
    @exclusivity(unchecked) public var givesText = false
    /// False makes every row go cell by cell (tests compare the two ways).
    @exclusivity(unchecked) var writesPlainRowsAtOnce = true
    /// False reads every record as a `CSVRecord` (tests compare with the plain lines read in place).
    @exclusivity(unchecked) var readsPlainLinesInPlace = true
    public typealias ColumnType = ColumnPlan.ColumnType
    public typealias Column = ColumnPlan.Column

    /// Plain rows' members go straight into this object when set (`TextRowReader.filling`).
    @exclusivity(unchecked) public var filling: FlatObject? {
        didSet { lentFilling = filling.map { Unmanaged.passUnretained($0) } }
    }
    /// `filling` lent to `plainRow` without a retain (as `lentSource` below).
    @exclusivity(unchecked) private var lentFilling: Unmanaged<FlatObject>?
    /// Which rows (by index) the check pass found valid, set by the import's send pass. Such a row's UTF-8 is not
    /// checked again: its digest, checked against the check pass's, stands for its bytes.
    public enum RowsFoundValid {
        /// Not known: every row's UTF-8 is checked (the check pass).
        case unknown
        /// Every row: nothing is asked a row (a closure called a row was a retain and a release of its context,
        /// atomic operations).
        case every
        /// The rows for which this is true.
        case those((Int) -> Bool)
    }
    @exclusivity(unchecked) public var foundValid = RowsFoundValid.unknown
    /// Set by the send pass (`TextRowReader.textSink`): a plain row's JSON text is written at its end.
    @exclusivity(unchecked) public var textSink: TextRun?
    @exclusivity(unchecked) public var hashesRows = false
    /// With `hashesRows`: `CSVRowReader.hash` of the last row's record; nil for a worksheet's typed cells.
    @exclusivity(unchecked) public private(set) var rowHash: UInt64?
    private let records: RecordSource
    /// `records` when it is a CSV file's (not a worksheet's).
    private let plainSource: CSVReader?
    /// `plainSource` and `plainColumns` lent to `next` without a retain (those properties keep them alive, and
    /// neither changes while a plain line is read): bound to locals, each was retained and released a row, in
    /// each pass (atomic operations).
    private let lentSource: Unmanaged<CSVReader>?
    @exclusivity(unchecked) private var lentColumns: Unmanaged<PlainColumns>?
    private let name: String
    private let model: Model?
    public private(set) var plan: ColumnPlan? {
        didSet {
            plainColumns = plan.map(PlainColumns.init)
            lentColumns = plainColumns.map { Unmanaged.passUnretained($0) }
        }
    }
    /// What a plain row needs of the plan (`plainRow`).
    @exclusivity(unchecked) private var plainColumns: PlainColumns?
    public var columns: [Column]? { plan?.columns }
    /// The header's warnings (columns the model does not know), once the header is read.
    public var warnings: [String] { plan?.warnings ?? [] }
    /// The input is in the CMDB template's layout (column A labels, six header rows).
    @exclusivity(unchecked) public private(set) var templateLayout = false
    @exclusivity(unchecked) private var templateRowsLeft = 0
    private let notUTF8: String
    @exclusivity(unchecked) private var index = 0
    /// Where `plainText` writes a row's JSON text before it is copied into an array of its size (one allocation).
    /// Through `Array.append(atMost:)`, the row went into a temporary buffer and was then appended to an empty
    /// array, which grew into a new buffer of its own (callgrind: ~190 instructions a row).
    @exclusivity(unchecked) private var textScratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    deinit { textScratch.deallocate() }

    public init(source: ByteSource, model: Model? = nil) {
        let csv = CSVReader(source: source)
        records = csv
        plainSource = csv
        lentSource = Unmanaged.passUnretained(csv)
        name = source.name
        self.model = model
        notUTF8 = source.notUTF8Hint
    }

    /// Rows from any records (a worksheet's).
    public init(records: RecordSource, notUTF8Hint: String = "not valid UTF-8", model: Model? = nil) {
        self.records = records
        plainSource = records as? CSVReader
        lentSource = plainSource.map { Unmanaged.passUnretained($0) }
        name = records.name
        notUTF8 = notUTF8Hint
        self.model = model
    }

    public func next() throws(InputError) -> InputRow? {
        // Past the header, a plain CSV line is read as a view of the reader's memory (`CSVReader.nextPlain`).
        if readsPlainLinesInPlace, let lentSource, let lentColumns, templateRowsLeft == 0, !(templateLayout && index == 0),
           let row = lentSource._withUnsafeGuaranteedRef({ csv in
               lentColumns._withUnsafeGuaranteedRef { columns in nextPlainRow(csv, columns) }
           }) {
            return row
        }
        while let record = try records.next() {
            if templateRowsLeft > 0 {
                templateRowsLeft -= 1
                if templateRowsLeft == 0 { plan = try header(record, try texts(record)) }
                continue
            }
            if plan == nil {
                if record.isBlank { continue }
                let cells = try texts(record)
                if ColumnPlan.isTemplateNameRow(cells) {
                    // Names first; the ids row (two down) is the header that counts.
                    templateLayout = true
                    templateRowsLeft = 2
                    continue
                }
                plan = try header(record, cells)
                continue
            }
            if record.isBlank { continue }
            if templateLayout, index == 0, ColumnPlan.isTemplateLabelRow(try texts(record)) { continue }  // the table rows
            guard let columns = plainColumns else { continue }
            defer { index += 1 }
            if hashesRows {
                rowHash = record.kinds.isEmpty ? record.bytes.withUnsafeBytes { bytes in
                    record.ends.withUnsafeBufferPointer { CSVRowReader.hash(bytes, $0) }
                } : nil
            }
            let plain = record.kinds.isEmpty ? record.bytes.withUnsafeBytes { bytes in
                record.ends.withUnsafeBufferPointer { ends in
                    plainRow(CSVReader.PlainRecord(line: record.line, bytes: bytes, ends: ends), columns)
                }
            } : nil
            if let plain { return plain }
            return row(record, plan!)
        }
        return nil
    }

    /// A record's fields and where each ends, hashed (`rowHash`): the same record read in place or as a
    /// `CSVRecord` (its line across two chunks, quoted fields) hashes the same.
    static func hash(_ bytes: UnsafeRawBufferPointer, _ ends: UnsafeBufferPointer<Int>) -> UInt64 {
        ByteHash.of(bytes, seed: ByteHash.of(UnsafeRawBufferPointer(ends)))
    }

    /// A text row holds JSON this reader wrote from the cells, a filled row the cells: either becomes the object
    /// this reader would have built.
    public func parsed(_ row: InputRow) -> InputRow {
        if row.filled, row.text == nil, let filling { return InputRow(parsing: row, filledInto: filling) }
        guard let text = row.text else { return row }
        guard case .success(let value) = JSONText.parse(text) else {
            return InputRow(index: row.index, line: row.line, detail: nil, problem: "unreadable row")
        }
        return InputRow(index: row.index, line: row.line, detail: value)
    }

    private func texts(_ record: CSVRecord) throws(InputError) -> [String] {
        var cells: [String] = []
        for field in 0..<record.count {
            guard let text = record.string(at: field) else {
                throw InputError(path: name, line: record.line, column: field + 1, "the header is \(notUTF8)")
            }
            cells.append(text)
        }
        return cells
    }

    /// Reads the header: names trimmed, types split off, attributes resolved against the model, duplicates refused.
    private func header(_ record: CSVRecord, _ cells: [String]) throws(InputError) -> ColumnPlan {
        do throws(ColumnPlan.PlanError) {
            // The template's ids row has the label column too: its first cell is "字段标识(请勿编辑)".
            return try ColumnPlan(header: cells, model: model, skippingFirst: templateLayout, place: record.place)
        } catch {
            throw InputError(path: name, line: record.line, column: record.sheet == nil ? error.column : nil, error.message)
        }
    }

    /// Where a row's cells go: a JSON object (what the check pass checks), or JSON text written straight from the
    /// cells (what the send pass splices: the same members in the same order, the same bytes jansson would write).
    private struct RowBuilder {
        var object: JSON?
        var text: [UInt8] = []

        init(asText: Bool) throws(BKCCError) {
            if asText {
                text.reserveCapacity(256)  // a row's text grows in one buffer, not by doubling from one byte
                text.append(UInt8(ascii: "{"))
            } else {
                object = try JSON.object()
            }
        }

        private mutating func name(_ name: ColumnPlan.MemberName) {
            if text.count > 1 { text.append(UInt8(ascii: ",")) }
            name.prefix.withUnsafeBytes { text.append(contentsOf: $0) }
        }

        /// A text cell as a string; false when it is not UTF-8.
        mutating func setText(_ name: ColumnPlan.MemberName, _ cell: UnsafeRawBufferPointer) throws(BKCCError) -> Bool {
            if let object {
                let set = name.utf8.withUnsafeBytes { object.setText($0, cell) }
                guard let set else { throw BKCCError(.noMemory, "out of memory building JSON") }
                return set
            }
            guard isValidUTF8(cell) else { return false }
            self.name(name)
            JSONQuote.append(utf8: cell, to: &text)
            return true
        }

        mutating func set(_ name: ColumnPlan.MemberName, _ columnName: String, _ value: JSON) throws(BKCCError) {
            if let object { return try object.set(columnName, value) }
            guard let bytes = value.serializedBytes() else { throw BKCCError(.noMemory, "cannot serialize a cell") }
            self.name(name)
            bytes.withUnsafeBytes { text.append(contentsOf: $0) }
        }

        mutating func finish(_ row: inout InputRow) {
            if let object {
                row.detail = object
            } else {
                text.append(UInt8(ascii: "}"))
                row.text = text
            }
        }
    }

    /// The next row read in place (`CSVReader.nextPlain`); nil when no line is left there (the record loop
    /// reads on).
    private func nextPlainRow(_ csv: CSVReader, _ columns: PlainColumns) -> InputRow? {
        while let record = csv.nextPlain() {
            if record.isBlank { continue }
            defer { index += 1 }
            if hashesRows { rowHash = CSVRowReader.hash(record.bytes, record.ends) }
            if let row = plainRow(record, columns) { return row }
            return row(record.record, plan!)
        }
        return nil
    }

    /// The row when every cell is plain — UTF-8 text in a text column, a canonical integer in an integer column —
    /// put into `filling` (when set) and written as JSON text (when `givesText`): the same members, and the same
    /// bytes, as the cell-by-cell path; nil for anything else, which that path decides and words. (Cell by cell,
    /// a seven-cell record was ~8,100 instructions, read twice.)
    private func plainRow(_ record: CSVReader.PlainRecord, _ columns: PlainColumns) -> InputRow? {
        // This reader's properties read once, not a cell (each read was an exclusivity check, ~20 a row, before
        // they were marked unchecked).
        let filling = lentFilling, givesText = self.givesText, skipsFirst = templateLayout
        let checksUTF8: Bool
        switch foundValid {
        case .unknown: checksUTF8 = true
        case .every: checksUTF8 = false
        case .those(let valid): checksUTF8 = !valid(index)
        }
        guard givesText || filling != nil, writesPlainRowsAtOnce, record.count <= columns.list.count else {
            return nil
        }
        /// Whether every cell is plain, its members then put into `filling` when there is one.
        func fill(_ all: UnsafeRawBufferPointer) -> Bool {
            // The record's bytes validated at once, and no text cell starting with a continuation byte: each cell is
            // then whole UTF-8 sequences (a sequence split between two cells would start the second with one; the
            // integer cells are ASCII). A call a cell was ~120 instructions.
            guard !checksUTF8 || isValidUTF8(all) else { return false }
            var start = 0
            for field in 0..<record.count {
                let end = record.ends[field]
                defer { start = end }
                guard end > start, !(skipsFirst && field == 0) else { continue }
                switch columns.list[field].kind {
                case .text: if all[start] & 0xC0 == 0x80 { return false }
                case .integer: if !ColumnPlan.isCanonicalInteger(UnsafeRawBufferPointer(rebasing: all[start..<end])) { return false }
                case .other: return false
                }
            }
            guard let filling else { return true }
            guard columns.distinctKeys else { return false }
            filling._withUnsafeGuaranteedRef { filling in
                filling.startFilling(copying: all)
                var start = 0
                for field in 0..<record.count {
                    let end = record.ends[field]
                    defer { start = end }
                    guard end > start, !(skipsFirst && field == 0) else { continue }
                    let column = columns.list[field]
                    if column.kind == .text {
                        filling.add(key: column.key, keyHash: column.keyHash, string: start..<end)
                    } else {
                        filling.add(key: column.key, keyHash: column.keyHash,
                                    integer: ColumnPlan.canonicalInteger(UnsafeRawBufferPointer(rebasing: all[start..<end])))
                    }
                }
                filling.finishFilling()
            }
            return true
        }
        guard fill(record.bytes) else { return nil }
        guard givesText else { return InputRow(index: index, line: record.line, text: nil, filled: filling != nil) }
        if let textSink {
            let range = textSink.write(bound: CSVRowReader.plainTextBound(record, columns)) {
                CSVRowReader.writePlainText(record, columns, skipsFirst, at: $0)
            }
            return InputRow(index: index, line: record.line, textInSink: range, filled: filling != nil)
        }
        return InputRow(index: index, line: record.line, text: plainText(record, columns, skipsFirst), filled: filling != nil)
    }

    /// A plain record's JSON text (`plainRow`: every cell checked), in an array of its own.
    private func plainText(_ record: CSVReader.PlainRecord, _ columns: PlainColumns, _ skipsFirst: Bool) -> [UInt8] {
        let bound = CSVRowReader.plainTextBound(record, columns)
        if textScratch.count < bound {
            textScratch.deallocate()
            textScratch = .allocate(byteCount: max(bound, 4096), alignment: 1)
        }
        let base = textScratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let count = CSVRowReader.writePlainText(record, columns, skipsFirst, at: base)
        return Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// The most bytes a plain record's JSON text can take: every byte escaped as `\u00XX`, and each member's name.
    private static func plainTextBound(_ record: CSVReader.PlainRecord, _ columns: PlainColumns) -> Int {
        var bound = 2 + 6 * record.bytes.count
        for field in 0..<record.count { bound += columns.list[field].prefix.count + 3 }
        return bound
    }

    /// A plain record's JSON text written at `base` (room for `plainTextBound` bytes); how many bytes it took.
    private static func writePlainText(_ record: CSVReader.PlainRecord, _ columns: PlainColumns, _ skipsFirst: Bool,
                                       at base: UnsafeMutablePointer<UInt8>) -> Int {
        let all = record.bytes
        let plain = JSONQuote.needsNoEscape(all)  // nearly every record: its cells are copied as they are
        var output = ByteOutput(base)
        output.put(UInt8(ascii: "{"))
        var start = 0, first = true
        for field in 0..<record.count {
            let end = record.ends[field]
            defer { start = end }
            guard end > start, !(skipsFirst && field == 0) else { continue }
            let cell = UnsafeRawBufferPointer(rebasing: all[start..<end])
            let column = columns.list[field]
            if !first { output.put(UInt8(ascii: ",")) }
            first = false
            output.put(column.prefix)
            if column.kind != .text {
                output.put(cell)
            } else if plain {
                output.put(UInt8(ascii: "\""))
                output.put(cell)
                output.put(UInt8(ascii: "\""))
            } else {
                output.putQuoted(utf8: cell)
            }
        }
        output.put(UInt8(ascii: "}"))
        return output.count(from: base)
    }

    private func row(_ record: CSVRecord, _ plan: ColumnPlan) -> InputRow {
        let columns = plan.columns
        var problems: [String] = []
        var builder: RowBuilder
        do throws(BKCCError) {
            builder = try RowBuilder(asText: givesText && record.kinds.isEmpty)
            for field in 0..<record.count where !record.field(field).isEmpty && !(templateLayout && field == 0) {
                // Only a bad cell needs this text: built on demand, not for every cell of every row.
                var where_: String {
                    field < columns.count && !columns[field].name.isEmpty
                        ? "\(record.place(field)) (\(columns[field].name))" : record.place(field)
                }
                // The common cell, text into a text column: its bytes become the JSON string (no String between).
                if field < columns.count, record.kinds.isEmpty, plan.textAsIs[field] {
                    let set = try record.withField(field) { (cell) -> Result<Bool, BKCCError> in
                        Result { () throws(BKCCError) -> Bool in try builder.setText(plan.memberNames[field], cell) }
                    }.get()
                    if !set { problems.append("\(where_): \(notUTF8)") }
                    continue
                }
                guard let text = record.string(at: field) else {
                    problems.append("\(where_): \(notUTF8)")
                    continue
                }
                guard field < columns.count else {
                    problems.append("\(where_): a value beyond the header's \(columns.count) columns")
                    continue
                }
                let column = columns[field]
                guard !column.name.isEmpty else {
                    problems.append("\(where_): a value in a column the header does not name")
                    continue
                }
                if !column.typed, column.attribute == nil, let native = try CSVRowReader.native(record.kind(field)) {
                    try builder.set(plan.memberNames[field], column.name, native)
                    continue
                }
                if record.kind(field) == .error {
                    problems.append("\(where_): the cell holds an error, not a value: \(text)")
                    continue
                }
                if record.kind(field) == .formula {
                    problems.append("\(where_): a formula with no saved result (\(text)): open and save the workbook in Excel to calculate it")
                    continue
                }
                switch plan.convert(text, column) {
                case .success(let value): try builder.set(plan.memberNames[field], column.name, value)
                case .failure(let why): problems.append("\(where_): \(why)")
                }
            }
        } catch {
            return InputRow(index: index, line: record.line, detail: nil, problem: error.message)
        }
        if !problems.isEmpty {
            return InputRow(index: index, line: record.line, detail: nil, problem: problems.joined(separator: "; "))
        }
        var row = InputRow(index: index, line: record.line, detail: nil)
        builder.finish(&row)
        return row
    }

    /// A workbook cell's own value in a column without a type: a number (an integer when it is one: 42, not 42.0)
    /// or a boolean; nil for text.
    static func native(_ kind: CellKind) throws(BKCCError) -> JSON? {
        switch kind {
        case .text, .error, .formula: return nil
        case .bool(let value): return .bool(value)
        case .number(let value):
            if value == value.rounded(), abs(value) <= 9_007_199_254_740_992 { return try .integer(Int64(value)) }
            return try .real(value)
        }
    }
}

/// What a plain row needs of the column plan, in one object of this reader's own: each column's kind, its member
/// name (the key a filled object points to: a pointer into a Swift array is valid only inside its
/// `withUnsafeBytes`) with its key hash, and the JSON text that opens its member. (Reading these from the plan,
/// a struct of five arrays, retained and released each array a row: ~650 instructions.)
private final class PlainColumns {
    enum Kind { case text, integer, other }
    struct Column {
        var kind: Kind
        var key: UnsafeRawBufferPointer
        var keyHash: UInt64
        var prefix: UnsafeRawBufferPointer
    }

    let list: [Column]
    /// No two named columns share a key hash (so a filled object needs no check for a repeated key; the header
    /// refuses a repeated name, and two names of one hash are left to the cell-by-cell path).
    let distinctKeys: Bool
    private let storage: UnsafeMutableRawBufferPointer

    init(_ plan: ColumnPlan) {
        let names = plan.memberNames
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, names.reduce(0) { $0 + $1.utf8.count + $1.prefix.count }),
                                                             alignment: 1)
        self.storage = storage
        var at = 0
        func keep(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
            let kept = UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + bytes.count])
            kept.copyBytes(from: bytes)
            at += bytes.count
            return UnsafeRawBufferPointer(kept)
        }
        var list: [Column] = []
        for (field, name) in names.enumerated() {
            let key = keep(name.utf8)
            let kind: Kind = plan.textAsIs[field] ? .text : plan.integerColumn[field] ? .integer : .other
            list.append(Column(kind: kind, key: key, keyHash: FlatObject.keyHash(key), prefix: keep(name.prefix)))
        }
        self.list = list
        let hashes = list.filter { $0.kind != .other }.map(\.keyHash)
        distinctKeys = Set(hashes).count == hashes.count
    }

    deinit { storage.deallocate() }
}
