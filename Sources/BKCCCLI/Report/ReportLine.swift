import BKCC

/// One line of a report. A report is a log, appended to as rows finish and never rewritten in place:
///
///     {"bkcc_report":3,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":60000,"pid":4242,"at":1764590000000}
///     {"sending":[0,1,2],"at":1764590000100}
///     {"index":0,"line":2,"key":"SW-0001","digest":"9f0c…","outcome":"created","bk_inst_id":1001,"request_id":"…"}
///     {"index":1,"line":3,"key":"SW-0002","digest":"…","outcome":"failed","message":"…","request_id":"…"}
///
/// A header opens each run that wrote to the report; an intent line (`sending`) is written and flushed before a
/// request goes out, so rows whose request was in flight when the run was killed are known to be of unknown fate,
/// and when; a row line gives a row's outcome, its unique value (`key`) and a digest of the row as read.
public enum ReportEntry: Equatable, Sendable {
    case header(ReportHeader)
    case sending(indices: [Int], atMs: Int64)
    case row(ReportLine)
}

/// What a run says of itself at the top of its part of a report.
public struct ReportHeader: Equatable, Sendable {
    /// The format this bkcc writes. 3: digests of XXH3 (`ValueDigest`); 2 is the same but for digests of FNV-1a.
    public static let version: Int64 = 3
    /// The oldest format `--resume` reads: a format-2 part's keys are checked, its digests are not comparable.
    public static let oldestReadable: Int64 = 2
    /// This header's format.
    public var version: Int64 = ReportHeader.version
    /// Whether its part's digests are of this bkcc's hash (format 3 on); format 2's are FNV-1a's, never equal.
    public var hasComparableDigests: Bool { version >= 3 }
    public var objectID: String
    public var uniqueField: String
    /// The run's request timeout: after an intent line's time plus this, its request is over, one way or the other.
    public var timeoutMs: Int64
    public var pid: Int64
    public var atMs: Int64

    public init(objectID: String, uniqueField: String, timeoutMs: Int64, pid: Int64, atMs: Int64) {
        self.objectID = objectID
        self.uniqueField = uniqueField
        self.timeoutMs = timeoutMs
        self.pid = pid
        self.atMs = atMs
    }

    public var text: String {
        "{\"bkcc_report\":\(version),\"obj\":" + JSONText.quoted(objectID) + ",\"unique\":" + JSONText.quoted(uniqueField)
            + ",\"timeout_ms\":\(timeoutMs),\"pid\":\(pid),\"at\":\(atMs)}"
    }
}

/// What became of one input row.
public struct ReportLine: Equatable, Sendable {
    /// The engine's outcome of the row; a report holds created, failed, unknown and skipped.
    public typealias Outcome = ItemOutcome.Kind
    static let reportedOutcomes: [Outcome] = [.created, .failed, .unknown, .skipped]

    public var index: Int
    public var line: Int
    /// The row's unique value as the server compares it ("" when the row has none).
    public var key: String
    /// The row's digest as read (`RowDigest`).
    public var digest: UInt64
    public var outcome: Outcome
    public var instanceID: Int64?
    public var message: String
    public var requestID: String

    public init(index: Int, line: Int, key: String = "", digest: UInt64 = 0, outcome: Outcome, instanceID: Int64? = nil,
                message: String = "", requestID: String = "") {
        self.index = index
        self.line = line
        self.key = key
        self.digest = digest
        self.outcome = outcome
        self.instanceID = instanceID
        self.message = message
        self.requestID = requestID
    }

    /// The JSON line (without the newline).
    public var text: String {
        let quotedID = JSONQuote.quotedBytes(requestID)
        var key = key
        var bytes: [UInt8] = []
        key.withUTF8 { key in
            bytes.append(atMost: maxBytes(keyCount: key.count, quotedRequestID: quotedID)) {
                write(to: &$0, key: UnsafeRawBufferPointer(key), quotedRequestID: quotedID)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// At least the most bytes `write` writes: the names and punctuation with three numbers of 20 bytes, the
    /// digest and the longest outcome name come to 167; the quoted texts take 6 bytes a byte at most.
    func maxBytes(keyCount: Int, quotedRequestID: [UInt8]) -> Int {
        200 + 6 * (keyCount + message.utf8.count) + quotedRequestID.count
    }

    /// Writes the line (at most `maxBytes` bytes) with `key` as its key (its own `key`'s bytes, or the same text
    /// kept elsewhere: the send pass keeps a request's keys in one buffer); the request id comes quoted (once per
    /// request, not per row). Bytes, not a String: a report line a row, and building them by string
    /// interpolation was ~9,000 instructions a line.
    func write(to output: inout ByteOutput, key: UnsafeRawBufferPointer, quotedRequestID: [UInt8]) {
        output.put(literal: #"{"index":"#)
        output.putDecimal(Int64(index))
        output.put(literal: #","line":"#)
        output.putDecimal(Int64(line))
        output.put(literal: #","key":"#)
        output.putQuoted(utf8: key)
        output.put(literal: #","digest":""#)
        output.putHex16(digest)
        output.put(literal: #"","outcome":""#)
        var outcomeName = outcome.rawValue
        outcomeName.withUTF8 { output.put(UnsafeRawBufferPointer($0)) }
        if outcome == .created, let instanceID {
            output.put(literal: #"","bk_inst_id":"#)
            output.putDecimal(instanceID)
        } else {
            output.put(literal: #"","message":"#)
            output.putQuoted(message)
        }
        output.put(literal: #","request_id":"#)
        quotedRequestID.withUnsafeBytes { output.put($0) }
        output.put(UInt8(ascii: "}"))
    }
}

extension ReportLine {
    /// Reads one row line; a header or an intent line is an error here.
    public static func parse(_ bytes: [UInt8]) -> Result<ReportLine, ReportError> {
        switch ReportParser.parse(bytes) {
        case .success(.row(let line)): .success(line)
        case .success: .failure(ReportError("not a row line"))
        case .failure(let error): .failure(error)
        }
    }
}

/// Reads report lines: every value is checked for its type and range, so that no line can make the reader
/// allocate, trap or trust what it should not.
enum ReportParser {
    /// The highest row index or line a report may name (the tables are sized by the input, not by the report).
    static let maxNumber = Int64(Int32.max)

    static func parse(_ bytes: [UInt8]) -> Result<ReportEntry, ReportError> {
        let value: JSON
        switch JSONText.parse(bytes) {
        case .success(let parsed): value = parsed
        case .failure(let error): return .failure(ReportError("column \(error.column): not valid JSON: \(error.text)"))
        }
        guard value.isObject else { return .failure(ReportError("not a JSON object")) }
        if value["bkcc_report"] != nil { return header(value) }
        if value["sending"] != nil { return sending(value) }
        if value["outcome"] != nil { return row(value) }
        return .failure(ReportError("neither a header, an intent (\"sending\") nor a row line (\"outcome\")"))
    }

    private static func header(_ value: JSON) -> Result<ReportEntry, ReportError> {
        guard let version = value["bkcc_report"]?.integer,
              (ReportHeader.oldestReadable...ReportHeader.version).contains(version) else {
            return .failure(ReportError("\"bkcc_report\": version \(ReportHeader.oldestReadable) to \(ReportHeader.version) expected (a report of another bkcc version)"))
        }
        guard let object = value["obj"]?.string, !object.isEmpty, let unique = value["unique"]?.string, !unique.isEmpty else {
            return .failure(ReportError("a header without \"obj\" and \"unique\" strings"))
        }
        guard let timeout = number(value, "timeout_ms", 0...(86_400_000 * 7)), let pid = number(value, "pid", 0...maxNumber),
              let at = number(value, "at", 0...(Int64(1) << 50)) else {
            return .failure(ReportError("a header without \"timeout_ms\", \"pid\" and \"at\" numbers in range"))
        }
        var header = ReportHeader(objectID: object, uniqueField: unique, timeoutMs: timeout, pid: pid, atMs: at)
        header.version = version
        return .success(.header(header))
    }

    private static func sending(_ value: JSON) -> Result<ReportEntry, ReportError> {
        guard let array = value["sending"], array.isArray, array.count <= 10_000,
              let at = number(value, "at", 0...(Int64(1) << 50)) else {
            return .failure(ReportError("an intent line needs \"sending\" (an array of at most 10,000 row indices) and \"at\""))
        }
        var indices: [Int] = []
        indices.reserveCapacity(array.count)
        for element in array.elements {
            guard let index = element.integer, (0...maxNumber).contains(index) else {
                return .failure(ReportError("\"sending\": row indices are integers from 0 to \(maxNumber)"))
            }
            indices.append(Int(index))
        }
        return .success(.sending(indices: indices, atMs: at))
    }

    private static func row(_ value: JSON) -> Result<ReportEntry, ReportError> {
        guard let index = number(value, "index", 0...maxNumber), let line = number(value, "line", 1...maxNumber) else {
            return .failure(ReportError("no \"index\" (0 to \(maxNumber)) and \"line\" (1 to \(maxNumber)) integers"))
        }
        guard let text = value["outcome"]?.string, let outcome = ReportLine.Outcome(rawValue: text),
              ReportLine.reportedOutcomes.contains(outcome) else {
            return .failure(ReportError("\"outcome\" must be one of created, failed, unknown, skipped"))
        }
        guard let key = value["key"]?.string, let digestText = value["digest"]?.string else {
            return .failure(ReportError("no \"key\" and \"digest\" (a report of an older bkcc, which cannot be checked against the input)"))
        }
        guard let digest = parseHex16(digestText) else { return .failure(ReportError("\"digest\": 16 hex digits expected")) }
        for field in ["message", "request_id"] where value[field] != nil && value[field]?.string == nil {
            return .failure(ReportError("\"\(field)\" must be a string"))
        }
        var result = ReportLine(index: Int(index), line: Int(line), key: key, digest: digest, outcome: outcome,
                                message: value["message"]?.string ?? "", requestID: value["request_id"]?.string ?? "")
        if outcome == .created {
            guard let id = number(value, "bk_inst_id", 1...Int64.max) else {
                return .failure(ReportError("a created row without a positive \"bk_inst_id\""))
            }
            result.instanceID = id
        }
        return .success(.row(result))
    }

    /// An integer member within `range`; nil when absent, not an integer, or out of range.
    private static func number(_ value: JSON, _ key: String, _ range: ClosedRange<Int64>) -> Int64? {
        guard let number = value[key]?.integer, range.contains(number) else { return nil }
        return number
    }
}

public struct ReportError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// 16 lowercase hex digits.
func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

func parseHex16(_ text: String) -> UInt64? {
    guard text.utf8.count == 16 else { return nil }
    return UInt64(text, radix: 16)
}
