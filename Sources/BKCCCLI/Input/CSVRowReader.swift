import BKCC

/// CSV rows as JSON objects: the first non-blank record is the header of attribute names, each later record a row.
/// Empty cells are omitted (the attribute is not sent); blank lines are not rows. Cells are strings unless the
/// header gives the column a type: `bk_port_count:int`, `:float`, `:bool` (true/false/1/0), `:json` (any JSON
/// value), or `:string`. The records come from a CSV file or a worksheet (`RecordSource`): a workbook's numbers and
/// booleans stay numbers and booleans in a column without a type; a typed column converts the cell's shown text.
public final class CSVRowReader: RowReader {
    public enum ColumnType: String, Sendable, CaseIterable { case string, int, float, bool, json }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        /// Whether the header gave the type: else a workbook's cell keeps its own kind (number, boolean).
        public var declared = false
    }

    private let records: RecordSource
    private let name: String
    private let notUTF8: String
    public private(set) var columns: [Column]?
    private var index = 0

    public init(source: ByteSource) {
        records = CSVReader(source: source)
        name = source.name
        notUTF8 = source.notUTF8Hint
    }

    /// Rows from any records (a worksheet's).
    public init(records: RecordSource, notUTF8Hint: String = "not valid UTF-8") {
        self.records = records
        name = records.name
        notUTF8 = notUTF8Hint
    }

    public func next() throws(InputError) -> InputRow? {
        while let record = try records.next() {
            if record.isBlank { continue }
            guard let columns else {
                columns = try header(record)
                continue
            }
            defer { index += 1 }
            return row(record, columns)
        }
        return nil
    }

    /// Reads the header: names trimmed, types split off, duplicates refused.
    private func header(_ record: CSVRecord) throws(InputError) -> [Column] {
        var columns: [Column] = []
        var seen: [String: Int] = [:]
        for field in 0..<record.count {
            guard let text = record.string(at: field) else {
                throw InputError(path: name, line: record.line, column: field + 1, "the header is \(notUTF8)")
            }
            var columnName = String(text.trimmingSpace())
            var type = ColumnType.string
            var typed = false
            if let colon = columnName.lastIndex(of: ":"),
               let declared = ColumnType(rawValue: columnName[columnName.index(after: colon)...].lowercased()) {
                type = declared
                typed = true
                columnName = String(columnName[..<colon].trimmingSpace())
            }
            if !columnName.isEmpty {
                if let first = seen[columnName] {
                    // A workbook's cells are named as the sheet names them: Sheet1!A1 and Sheet1!C1.
                    let places = record.sheet == nil ? "columns \(first + 1) and \(field + 1)" : "\(record.place(first)) and \(record.place(field))"
                    throw InputError(path: name, line: record.line, column: record.sheet == nil ? field + 1 : nil,
                                     "the header names \"\(columnName)\" twice (\(places))")
                }
                seen[columnName] = field
            }
            columns.append(Column(name: columnName, type: type, declared: typed))
        }
        return columns
    }

    private func row(_ record: CSVRecord, _ columns: [Column]) -> InputRow {
        var problems: [String] = []
        let object: JSON
        do throws(BKCCError) {
            object = try JSON.object()
            for field in 0..<record.count where !record.field(field).isEmpty {
                // Only a bad cell needs this text: built on demand, not for every cell of every row.
                var where_: String {
                    field < columns.count && !columns[field].name.isEmpty
                        ? "\(record.place(field)) (\(columns[field].name))" : record.place(field)
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
                if !column.declared, let native = try CSVRowReader.native(record.kind(field)) {
                    try object.set(column.name, native)
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
                switch convert(text, column.type) {
                case .success(let value): try object.set(column.name, value)
                case .failure(let why): problems.append("\(where_): \(why)")
                }
            }
        } catch {
            return InputRow(index: index, line: record.line, detail: nil, problem: error.message)
        }
        if !problems.isEmpty {
            return InputRow(index: index, line: record.line, detail: nil, problem: problems.joined(separator: "; "))
        }
        return InputRow(index: index, line: record.line, detail: object)
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

    struct ConversionError: Error { var text: String }

    private func convert(_ text: String, _ type: ColumnType) -> Result<JSON, ConversionError> {
        var shown: String { text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\"" }  // for errors only
        do throws(BKCCError) {
            switch type {
            case .string:
                return .success(try .string(text))
            case .int:
                guard let value = Int64(text.trimmingSpace()) else { return .failure(ConversionError(text: "not an integer: \(shown)")) }
                return .success(try .integer(value))
            case .float:
                guard let value = Double(text.trimmingSpace()), value.isFinite else {
                    return .failure(ConversionError(text: "not a number: \(shown)"))
                }
                return .success(try .real(value))
            case .bool:
                switch text.trimmingSpace().lowercased() {
                case "true", "1", "yes": return .success(.bool(true))
                case "false", "0", "no": return .success(.bool(false))
                default: return .failure(ConversionError(text: "not true or false: \(shown)"))
                }
            case .json:
                switch JSONText.parse(text) {
                case .success(let value): return .success(value)
                case .failure(let error): return .failure(ConversionError(text: "not valid JSON: \(error.text)"))
                }
            }
        } catch {
            return .failure(ConversionError(text: error.message))
        }
    }
}

extension CSVRowReader.ConversionError: CustomStringConvertible {
    var description: String { text }
}
