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
    /// The row's JSON text, not parsed, from a reader asked for text (`TextRowReader`); then `detail` is nil.
    public var text: [UInt8]?
    /// The row's JSON text is these bytes of the reader's `textSink` (then `text` is nil).
    public var textInSink: Range<Int>?
    /// The column on `line` where the text starts (a JSON array's element): where a parse error's column counts from.
    public var column = 1
    /// The row's members are in the reader's `filling` object (`TextRowReader.filling`), as `FlatObject.read`
    /// would read them from its text; `detail` is nil, and so is `text` unless the reader was asked for text.
    public var filled = false

    public init(index: Int, line: Int, detail: JSON?, problem: String? = nil) {
        self.index = index
        self.line = line
        self.detail = detail
        self.problem = problem
    }

    /// A row given as text, filled, or both (made in one go: setting a member of a returned row copied it, ~250
    /// instructions a row).
    public init(index: Int, line: Int, text: [UInt8]?, filled: Bool) {
        self.index = index
        self.line = line
        self.text = text
        self.filled = filled
    }

    /// A row whose text the reader put into its `textSink`, filled or not.
    public init(index: Int, line: Int, textInSink: Range<Int>, filled: Bool) {
        self.index = index
        self.line = line
        self.textInSink = textInSink
        self.filled = filled
    }
}

extension InputRow {
    /// A filled row (`filled`) as the object its members make — what its text parses to: a filled object holds only
    /// members `FlatObject.read` is sure of — or with the problem that stopped it.
    init(parsing row: InputRow, filledInto flat: FlatObject) {
        self.init(index: row.index, line: row.line, detail: nil)
        do throws(BKCCError) {
            detail = try flat.object()
        } catch {
            problem = error.message
        }
    }
}

/// A stream of rows from one input. A broken row comes back with a `problem`; a broken input throws.
public protocol RowReader: AnyObject {
    func next() throws(InputError) -> InputRow?
}

/// A reader of JSON rows (JSON Lines, a JSON array) that can give each row's text instead of its parsed value:
/// the import's second pass, which scans and splices rows the first pass parsed and checked.
public protocol TextRowReader: RowReader {
    var givesText: Bool { get set }
    /// Set by a caller that lets go of each row before it asks for the next (the check pass): the reader may then
    /// give every row's text in one buffer used again and again, not a new one a row. (A row kept anyway stays
    /// intact: copy-on-write gives the next row a buffer of its own.)
    var reusesText: Bool { get set }
    /// Set by a caller that reads rows as flat objects: the reader may put a row's members straight into this
    /// object (`InputRow.filled`), with no text written to be read back, and gives that row's text too only when
    /// `givesText`. A reader that cannot fill keeps it nil.
    var filling: FlatObject? { get set }
    /// Set by a caller that asks for text and gathers rows' texts in one buffer (the send pass: a request's rows):
    /// the reader may write a row's text at its end (`InputRow.textInSink`) instead of into an array of its own. A
    /// reader that cannot keeps it nil, and gives `text`.
    var textSink: TextRun? { get set }
    /// Set by a caller that knows rows again by their bytes (the import: `RowSpool`): the reader then keeps
    /// `rowHash` of every row it gives.
    var hashesRows: Bool { get set }
    /// With `hashesRows`: `ByteHash` of the bytes the row last given was read from (a JSON line; a CSV record's
    /// fields and where each ends), the same for the same bytes whichever way the reader took them; nil when it
    /// cannot say (a reader that does not hash, a worksheet's typed cells).
    var rowHash: UInt64? { get }
    /// A row read as text (or filled), as this reader gives it when not asked for text: parsed, or with its problem.
    func parsed(_ row: InputRow) -> InputRow
}

extension TextRowReader {
    /// A reader that makes every row's text anew ignores it.
    public var reusesText: Bool {
        get { false }
        set {}
    }

    /// A reader that cannot fill (a JSON array's) keeps nothing: its rows' text is what a `FlatObject` reads.
    public var filling: FlatObject? {
        get { nil }
        set {}
    }

    /// A reader that cannot write into a sink (a JSON array's) keeps none: it gives each row's text.
    public var textSink: TextRun? {
        get { nil }
        set {}
    }

    /// A reader that does not hash its rows (a JSON array's) says so: its rows are known again by their digests.
    public var hashesRows: Bool {
        get { false }
        set {}
    }

    public var rowHash: UInt64? { nil }
}

/// The input formats.
public enum InputFormat: String, CaseIterable, Sendable {
    case csv
    case jsonl
    case json
    /// An Excel workbook (Office Open XML): one worksheet's rows, the first row of cells the header.
    case xlsx

    /// From a file name's extension: .csv, .jsonl / .ndjson, .json, .xlsx / .xlsm; nil when it says nothing.
    public static func fromExtension(_ path: String) -> InputFormat? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        case "json": return .json
        case "xlsx", "xlsm": return .xlsx
        default: return nil
        }
    }

    /// From the first bytes: a zip's `PK\u{3}\u{4}` an .xlsx, `[` a JSON array, `{` JSON Lines, anything else CSV.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> InputFormat {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 0x03, bytes[3] == 0x04 { return .xlsx }
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

    /// A reader of this format over `source`, read as `source.reading` says (a CSV's encoding, a workbook's sheet);
    /// `model` (the CMDB's, when known) names and types the columns of a CSV or a sheet.
    public func reader(_ source: ByteSource, model: Model? = nil) -> RowReader {
        if self != .xlsx, let sheet = source.reading.sheet {
            return RefusingReader(InputError(path: source.name, "--sheet \(sheet): only an .xlsx workbook has sheets; this input is \(rawValue)"))
        }
        if self != .csv, source.reading.encoding != .auto, source.reading.encoding != .utf8 {
            return RefusingReader(InputError(path: source.name, "--encoding \(source.reading.encoding.rawValue) is for CSV; this input is \(rawValue)\(self == .xlsx ? " (a workbook's text is Unicode)" : " (UTF-8, as JSON is)")"))
        }
        switch self {
        case .csv:
            source.decode(source.reading.encoding)
            return CSVRowReader(source: source, model: model)
        case .jsonl: return JSONLinesRowReader(source: source)
        case .json: return JSONArrayRowReader(source: source)
        case .xlsx: return CSVRowReader(records: XLSXReader(source: source, sheet: source.reading.sheet), model: model)
        }
    }
}

/// A reader whose input cannot be read as asked: its first `next()` says why.
final class RefusingReader: RowReader {
    private let error: InputError

    init(_ error: InputError) { self.error = error }

    func next() throws(InputError) -> InputRow? { throw error }
}
