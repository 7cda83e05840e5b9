#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// One line of a report: what became of one input row.
///
///     {"index":0,"line":2,"outcome":"created","bk_inst_id":1001,"request_id":"…"}
///     {"index":1,"line":3,"outcome":"failed","message":"…","request_id":"…"}
public struct ReportLine: Equatable, Sendable {
    /// The engine's outcome of the row; a report holds created, failed, unknown and skipped.
    public typealias Outcome = ItemOutcome.Kind
    static let reportedOutcomes: [Outcome] = [.created, .failed, .unknown, .skipped]

    public var index: Int
    public var line: Int
    public var outcome: Outcome
    public var instanceID: Int64?
    public var message: String
    public var requestID: String

    public init(index: Int, line: Int, outcome: Outcome, instanceID: Int64? = nil, message: String = "", requestID: String = "") {
        self.index = index
        self.line = line
        self.outcome = outcome
        self.instanceID = instanceID
        self.message = message
        self.requestID = requestID
    }

    /// The JSON line (without the newline).
    public var text: String {
        var text = "{\"index\":\(index),\"line\":\(line),\"outcome\":\"\(outcome.rawValue)\""
        if outcome == .created, let instanceID {
            text += ",\"bk_inst_id\":\(instanceID)"
        } else {
            text += ",\"message\":" + JSONText.quoted(message)
        }
        text += ",\"request_id\":" + JSONText.quoted(requestID) + "}"
        return text
    }

    /// Reads one line of a report; nil with a reason when it is not one.
    public static func parse(_ bytes: [UInt8]) -> Result<ReportLine, ReportError> {
        let value: JSON
        switch JSONText.parse(bytes) {
        case .success(let parsed): value = parsed
        case .failure(let error): return .failure(ReportError("column \(error.column): not valid JSON: \(error.text)"))
        }
        guard value.isObject else { return .failure(ReportError("not a JSON object")) }
        guard let index = value["index"]?.integer, index >= 0, let line = value["line"]?.integer, line >= 1,
              index <= Int64(Int32.max), line <= Int64(UInt32.max) else {
            return .failure(ReportError("no \"index\" and \"line\" numbers in range"))
        }
        guard let text = value["outcome"]?.string, let outcome = Outcome(rawValue: text), reportedOutcomes.contains(outcome) else {
            return .failure(ReportError("\"outcome\" must be one of created, failed, unknown, skipped"))
        }
        var result = ReportLine(index: Int(index), line: Int(line), outcome: outcome,
                                message: value["message"]?.string ?? "", requestID: value["request_id"]?.string ?? "")
        if outcome == .created {
            guard let id = value["bk_inst_id"]?.integer, id > 0 else {
                return .failure(ReportError("a created row without a positive \"bk_inst_id\""))
            }
            result.instanceID = id
        }
        return .success(result)
    }
}

public struct ReportError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Writes a report as rows finish. The file is first written under a temporary name beside the target and renamed
/// over it (so `--report` may name the very report `--resume` read), then appended to and flushed after each
/// request: a run that is killed leaves a report of everything that finished before.
public final class ReportWriter {
    public let path: String
    private let writer: FileWriter

    /// Creates the report with the lines `initial` appends (rows settled before anything is sent), durably.
    public init(path: String, initial: ((ReportLine) -> Void) -> Void = { _ in }) throws(InputError) {
        self.path = path
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw InputError(path: path, "cannot write the report: \(systemError())") }
        writer = FileWriter(fd: fd, owns: true)
        let writer = self.writer
        initial { line in writer.write(line.text + "\n") }
        writer.flush()
        if let failure = writer.failure {
            unlink(temporary)
            throw InputError(path: path, "cannot write the report: \(failure)")
        }
        fsync(fd)
        guard rename(temporary, path) == 0 else {
            let reason = systemError()
            unlink(temporary)
            throw InputError(path: path, "cannot write the report: \(reason)")
        }
    }

    public func append(_ line: ReportLine) { writer.write(line.text + "\n") }

    /// Pushes buffered lines to the file; the first write error, if any.
    @discardableResult
    public func flush() -> String? {
        writer.flush()
        return writer.failure
    }
}

/// What an earlier report says about each row, held compactly (8 bytes a row for the fate, 4 for the line) so
/// that a report of a million rows fits in a few megabytes.
public struct ResumeState {
    /// What the report says of one row.
    public enum Fate: Equatable, Sendable {
        /// No line in the report.
        case absent
        /// Sent, fate unknown: look it up before sending it again.
        case unknown
        /// Not created (failed, skipped, or looked up and not found): send it.
        case notCreated
        /// Created, with its id.
        case created(Int64)
    }

    /// Row indices a report may name when the input's size is not known (12 bytes of tables a row).
    public static let defaultMaxIndex = 100_000_000

    /// Per row index, the fate packed in one Int64: > 0 the created id, else one of the codes below.
    private var states: [Int64]
    private var lines: [UInt32]
    private static let absentCode: Int64 = 0, notCreatedCode: Int64 = -1, unknownCode: Int64 = -2

    public init() {
        states = []
        lines = []
    }

    /// Reads a report file. A line that is not a report line is an error naming it; so is a row index above
    /// `maxIndex` (no input has that many rows: the tables would grow to it).
    public init(path: String, maxIndex: Int = ResumeState.defaultMaxIndex) throws(InputError) {
        self.init()
        let source = try ByteSource(path: path)
        let splitter = LineSplitter(source: source, maxLineBytes: 1 << 20)
        while let line = try splitter.next() {
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch ReportLine.parse(line.bytes) {
            case .success(let entry):
                guard entry.index <= maxIndex else {
                    throw InputError(path: path, line: line.number,
                                     "\"index\": \(entry.index) is beyond any row of the input (at most \(maxIndex))")
                }
                record(entry)
            case .failure(let error):
                // A last line cut short (the run was killed while writing it) says nothing: its row is looked up.
                if !line.terminated { break }
                throw InputError(path: path, line: line.number, "not a bkcc report line: \(error)")
            }
        }
    }

    /// Adds one report line. A created outcome wins over any other for the same row; unknown over failed.
    public mutating func record(_ entry: ReportLine) {
        let current = fate(entry.index)
        if case .created = current { return }
        switch entry.outcome {
        case .created: set(entry.index, entry.instanceID.map { .created($0) } ?? .unknown, line: entry.line)
        case .unknown: set(entry.index, .unknown, line: entry.line)
        default: set(entry.index, current == .unknown ? .unknown : .notCreated, line: entry.line)
        }
    }

    /// The number of rows the report speaks of (highest index + 1).
    public var count: Int { states.count }

    public func fate(_ index: Int) -> Fate {
        guard index >= 0, index < states.count else { return .absent }
        switch states[index] {
        case ResumeState.absentCode: return .absent
        case ResumeState.notCreatedCode: return .notCreated
        case let id where id > 0: return .created(id)
        default: return .unknown
        }
    }

    /// The id of a row the report says was created; nil otherwise.
    public func createdID(_ index: Int) -> Int64? {
        if case .created(let id) = fate(index) { return id }
        return nil
    }

    public func line(_ index: Int) -> Int { index < lines.count ? Int(lines[index]) : 0 }

    /// Sets a row's fate (after a lookup), growing the tables to `index`.
    public mutating func set(_ index: Int, _ fate: Fate, line: Int) {
        guard index >= 0 else { return }
        if index >= states.count {
            states.append(contentsOf: repeatElement(ResumeState.absentCode, count: index + 1 - states.count))
            lines.append(contentsOf: repeatElement(0, count: index + 1 - lines.count))
        }
        switch fate {
        case .absent: states[index] = ResumeState.absentCode
        case .unknown: states[index] = ResumeState.unknownCode
        case .notCreated: states[index] = ResumeState.notCreatedCode
        case .created(let id): states[index] = id > 0 ? id : ResumeState.unknownCode
        }
        lines[index] = UInt32(clamping: line)
    }
}
