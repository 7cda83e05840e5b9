import BKCC

/// One input row: its position among the rows (0-based; the report's `index`), the line it starts on, and either
/// its parsed value or why it could not be read.
public struct InputRow {
    public var index: Int
    public var line: Int
    /// The row as JSON (for CSV: an object of its non-empty cells); nil when it could not be read.
    public var detail: JSON?
    /// Why the row could not be read ("column 3 (rack_u): not an integer: \"x\""), without the line.
    public var problem: String?

    public init(index: Int, line: Int, detail: JSON?, problem: String? = nil) {
        self.index = index
        self.line = line
        self.detail = detail
        self.problem = problem
    }
}

/// A stream of rows from one input. A broken row comes back with a `problem`; a broken input throws.
public protocol RowReader: AnyObject {
    func next() throws(InputError) -> InputRow?
}

/// The input formats.
public enum InputFormat: String, CaseIterable, Sendable {
    case csv
    case jsonl
    case json

    /// From a file name's extension: .csv, .jsonl / .ndjson, .json; nil when it says nothing.
    public static func fromExtension(_ path: String) -> InputFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        case "json": return .json
        default: return nil
        }
    }

    /// From the first bytes: `[` a JSON array, `{` JSON Lines, anything else CSV.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> InputFormat {
        for byte in bytes {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "["): return .json
            case UInt8(ascii: "{"): return .jsonl
            default: return .csv
            }
        }
        return .csv
    }

    /// A reader of this format over `source`; `model` (the CMDB's, when known) types and names CSV columns.
    public func reader(_ source: ByteSource, model: Model? = nil) -> RowReader {
        switch self {
        case .csv: CSVRowReader(source: source, model: model)
        case .jsonl: JSONLinesRowReader(source: source)
        case .json: JSONArrayRowReader(source: source)
        }
    }
}
