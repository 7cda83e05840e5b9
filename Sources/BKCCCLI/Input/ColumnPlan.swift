import BKCC

/// What each column of a spreadsheet (CSV, or a sheet) holds, from its header and — when the CMDB's model is
/// known — from the model: the attribute a header cell names (by id, or by display name as the CMDB's own
/// template and export write them), and how a cell's text becomes the attribute's JSON value. Without a model a
/// header cell is the attribute id, and cells are strings unless the header gives the column a type
/// (`rack_u:int`, `:float`, `:bool`, `:json`, `:string`); with one, the model's type converts the column, and a
/// suffix must agree with it (`:json` always goes: a value as written).
public struct ColumnPlan: Sendable {
    public enum ColumnType: String, Sendable, CaseIterable { case string, int, float, bool, json }

    public struct Column: Sendable {
        /// The attribute id ("" for a column the header leaves unnamed).
        public var name: String
        /// The header's suffix type (string when none).
        public var type: ColumnType
        /// The model's attribute, when a model is known and names this column.
        public var attribute: Model.Attribute?
        /// The suffix was given explicitly (else a workbook's cell keeps its own kind: number, boolean).
        public var typed = false
    }

    public var columns: [Column]
    /// For each column, whether its cells are taken as the text they hold (`takesTextAsIs`).
    public private(set) var textAsIs: [Bool] = []
    /// For each column, whether its cells are integers (an `int` attribute, or an `:int` column): a cell in
    /// canonical decimal then is its own JSON (`convert` reads it as that integer, and jansson writes it so).
    public private(set) var integerColumn: [Bool] = []
    /// Each column's attribute id as UTF-8 (the member name its cells are set under), and as the JSON text that
    /// opens its member (`"id":`): worked out once, not once a cell.
    public private(set) var memberNames: [MemberName] = []

    public struct MemberName: Sendable {
        public var utf8: [UInt8]
        public var prefix: [UInt8]
    }
    /// Once per column the model does not know: "column 4 (bk_port_count): not an attribute of bk_switch: the CMDB
    /// drops it". Said before anything is sent.
    public var warnings: [String] = []

    /// The label cells of the CMDB's import template and export (bk-cmdb resources/language/*/fieldtype.json
    /// field_name, field_type, field_id, table_field_*): column A of its six header rows.
    static let templateNameLabels: Set<String> = ["字段名(请勿编辑)", "Field name(Please do not edit)"]
    static let templateLabels: Set<String> = [
        "字段名(请勿编辑)", "字段类型(请勿编辑)", "字段标识(请勿编辑)", "表格字段名(请勿编辑)", "表格字段类型(请勿编辑)",
        "表格字段标识(请勿编辑)", "Field name(Please do not edit)", "Field type(Please do not edit)",
        "Field ID(Please do not edit)", "Table Field name(Please do not edit)", "Table Field type(Please do not edit)",
        "Table Field ID(Please do not edit)",
    ]
    /// What the template appends to a required attribute's name (web.json web_excel_header_required).
    static let requiredMarks = ["(必填)", "(Required)", "*"]

    /// Whether a header row is the first row of the CMDB's template layout (column A: "字段名(请勿编辑)").
    public static func isTemplateNameRow(_ cells: [String?]) -> Bool {
        guard let first = cells.first ?? nil else { return false }
        return templateNameLabels.contains(String(first.trimmingSpace()))
    }

    /// Whether a row of the template's header is one of its label rows (column A a label), or blank.
    public static func isTemplateLabelRow(_ cells: [String?]) -> Bool {
        guard let first = cells.first ?? nil else { return true }
        return templateLabels.contains(String(first.trimmingSpace()))
    }

    /// Reads a header row (its cells as text). Throws for a cell that cannot be used (the caller adds file, line
    /// and column). `skippingFirst`: column A is the template's label column, not an attribute.
    /// `place` names a column in messages: "column 3", or a workbook's "Sheet1!C2".
    public init(header cells: [String], model: Model?, skippingFirst: Bool = false,
                place: (Int) -> String = { "column \($0 + 1)" }) throws(PlanError) {
        var columns: [Column] = []
        var seen: [String: Int] = [:]
        var warnings: [String] = []
        for (field, text) in cells.enumerated() {
            if skippingFirst, field == 0 {
                columns.append(Column(name: "", type: .string))
                continue
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
            var attribute: Model.Attribute?
            if let model, !columnName.isEmpty {
                if let byID = model.attribute(columnName) {
                    attribute = byID
                } else if let byName = ColumnPlan.attribute(named: columnName, in: model) {
                    attribute = byName
                    columnName = byName.id
                } else if !ModelCheck.ignoredKeys.contains(columnName) {
                    warnings.append("\(place(field)) (\(printable(columnName, limit: 64))): not an attribute of \(model.objectID): the CMDB drops it")
                }
                if let attribute, typed, !ColumnPlan.agrees(type, attribute.type) {
                    throw PlanError(column: field + 1, "the header types \"\(printable(columnName, limit: 64))\" as \(type.rawValue), but the model's \(attribute.id) is \(attribute.type)")
                }
            }
            if !columnName.isEmpty {
                if let first = seen[columnName] {
                    let places = place(first).hasPrefix("column ") ? "columns \(first + 1) and \(field + 1)" : "\(place(first)) and \(place(field))"
                    throw PlanError(column: field + 1, "the header names \"\(printable(columnName, limit: 64))\" twice (\(places))")
                }
                seen[columnName] = field
            }
            columns.append(Column(name: columnName, type: type, attribute: attribute, typed: typed))
        }
        self.columns = columns
        self.warnings = warnings
        textAsIs = columns.map { !$0.name.isEmpty && ColumnPlan.takesTextAsIs($0) }
        integerColumn = columns.map { column in
            guard !column.name.isEmpty else { return false }
            if let attribute = column.attribute, column.type != .json { return attribute.type == "int" }
            return column.type == .int
        }
        memberNames = columns.map { MemberName(utf8: Array($0.name.utf8), prefix: JSONQuote.quotedBytes($0.name) + [UInt8(ascii: ":")]) }
    }

    public struct PlanError: Error, Sendable {
        public var column: Int
        public var message: String
        init(column: Int, _ message: String) {
            self.column = column
            self.message = message
        }
    }

    /// The attribute whose display name is `text`, with the template's required mark taken off.
    static func attribute(named text: String, in model: Model) -> Model.Attribute? {
        var name = Substring(text)
        for mark in requiredMarks where name.hasSuffix(mark) { name = name.dropLast(mark.count).trimmingSpace() }
        return model.attributes.first { $0.name == name }
    }

    /// Whether a header's suffix type fits the model's attribute type.
    static func agrees(_ type: ColumnType, _ attributeType: String) -> Bool {
        switch type {
        case .json: true
        case .int: attributeType == "int"
        case .float: attributeType == "float" || attributeType == "int"
        case .bool: attributeType == "bool"
        case .string: !["int", "float", "bool", "enummulti", "enumquote", "organization"].contains(attributeType)
        }
    }

    // MARK: - Cells

    public struct ConversionError: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var description: String { text }
    }

    /// A non-empty cell's JSON value for `column`.
    public func convert(_ text: String, _ column: Column) -> Result<JSON, ConversionError> {
        do throws(BKCCError) {
            if let attribute = column.attribute, column.type != .json { return try convert(text, attribute) }
            return try convert(text, column.type)
        } catch {
            return .failure(ConversionError(text: error.message))
        }
    }

    /// Whether `convert` gives a column's cells as the text itself (a string column, or an attribute of a text type):
    /// the reader can then make the JSON string from the cell's bytes, with no conversion. (The types are those
    /// `convert(_:_:)` by attribute has a case for.)
    static func takesTextAsIs(_ column: Column) -> Bool {
        if let attribute = column.attribute, column.type != .json {
            return !["int", "float", "bool", "enum", "enummulti", "organization", "enumquote"].contains(attribute.type)
        }
        return column.type == .string
    }

    private func shown(_ text: String) -> String { text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\"" }

    private func convert(_ text: String, _ type: ColumnType) throws(BKCCError) -> Result<JSON, ConversionError> {
        switch type {
        case .string:
            return .success(try .string(text))
        case .int:
            guard let value = ColumnPlan.integer(text) else { return .failure(ConversionError(text: "not an integer: \(shown(text))")) }
            return .success(try .integer(value))
        case .float:
            guard let value = Double(String(text.trimmingSpace())), value.isFinite else {
                return .failure(ConversionError(text: "not a number: \(shown(text))"))
            }
            return .success(try .real(value))
        case .bool:
            guard let value = ColumnPlan.bool(text) else { return .failure(ConversionError(text: "not true or false: \(shown(text))")) }
            return .success(.bool(value))
        case .json:
            switch JSONText.parse(text) {
            case .success(let value): return .success(value)
            case .failure(let error): return .failure(ConversionError(text: "not valid JSON: \(error.text)"))
            }
        }
    }

    /// By the model's type: what the CMDB's own import would make of the cell (enum cells may hold the option's
    /// name, as the CMDB's export writes them; lists are comma-separated).
    private func convert(_ text: String, _ attribute: Model.Attribute) throws(BKCCError) -> Result<JSON, ConversionError> {
        switch attribute.type {
        case "int":
            guard let value = ColumnPlan.integer(text) else { return .failure(ConversionError(text: "not an integer: \(shown(text))")) }
            return .success(try .integer(value))
        case "float":
            return try convert(text, .float)
        case "bool":
            return try convert(text, .bool)
        case "enum":
            return .success(try .string(ColumnPlan.optionID(String(text.trimmingSpace()), attribute)))
        case "enummulti":
            let list = try JSON.array()
            for part in ColumnPlan.parts(text) { try list.append(.string(ColumnPlan.optionID(part, attribute))) }
            return .success(list)
        case "organization", "enumquote":
            let list = try JSON.array()
            for part in ColumnPlan.parts(text) {
                guard let id = Int64(part) else { return .failure(ConversionError(text: "not a comma-separated list of ids: \(shown(text))")) }
                try list.append(.integer(id))
            }
            return .success(list)
        default:
            return .success(try .string(text))
        }
    }

    /// `-?[1-9][0-9]*` of at most 18 digits, or `0`: what `integer` reads as the number jansson writes back the
    /// same (no sign or leading zero, no space, nothing `-0`- or `1e3`-like).
    static func isCanonicalInteger(_ cell: UnsafeRawBufferPointer) -> Bool {
        let digits = cell.first == UInt8(ascii: "-") ? UnsafeRawBufferPointer(rebasing: cell.dropFirst()) : cell
        guard let first = digits.first, digits.count <= 18, digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return false }
        return first != UInt8(ascii: "0") || (digits.count == 1 && digits.count == cell.count)
    }

    /// The number a canonical integer (`isCanonicalInteger`) is: at most 18 digits, which no Int64 overflows.
    static func canonicalInteger(_ cell: UnsafeRawBufferPointer) -> Int64 {
        let negative = cell.first == UInt8(ascii: "-")
        var value: Int64 = 0
        for digit in negative ? UnsafeRawBufferPointer(rebasing: cell.dropFirst()) : cell {
            value = value &* 10 &+ Int64(digit &- UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    /// An integer, also as a spreadsheet writes a whole number ("42", "42.0", " 42 ").
    static func integer(_ text: String) -> Int64? {
        let trimmed = String(text.trimmingSpace())
        if let value = Int64(trimmed) { return value }
        if let real = Double(trimmed), real.isFinite, real == real.rounded(), abs(real) < 9.0e15 { return Int64(real) }
        return nil
    }

    /// true/false, 1/0, yes/no, and the CMDB template's 是/否.
    static func bool(_ text: String) -> Bool? {
        switch text.trimmingSpace().lowercased() {
        case "true", "1", "yes", "是": true
        case "false", "0", "no", "否": false
        default: nil
        }
    }

    /// An enum cell's option id: the id itself, or the option whose name it is; else the text (the check names it).
    static func optionID(_ text: String, _ attribute: Model.Attribute) -> String {
        let options = attribute.option.isArray ? attribute.option.elements : []
        if options.contains(where: { $0["id"]?.string == text }) { return text }
        return options.first(where: { $0["name"]?.string == text })?["id"]?.string ?? text
    }

    /// The trimmed, non-empty parts of a comma-separated cell (also the full-width comma of Chinese input).
    static func parts(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "，" }).map { String($0.trimmingSpace()) }.filter { !$0.isEmpty }
    }
}
