#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// Why a report cannot be resumed against an input.
public enum ResumeError: Error, Sendable {
    /// A line that is not a report line, a value out of range, a report of another model or unique field.
    case unreadable(InputError)
    /// A row reported created whose key is not the input's at that index: the report is for another input or
    /// order. `reportLine` is the report's line number.
    case mismatch(reportLine: Int, index: Int, reportKey: String)
}

/// What an earlier report says about each row of this input, held in one flat table sized by the input's row
/// count (8 bytes a row) — a report cannot make it grow.
public struct ResumeState {
    /// What the report says of one row.
    public enum Fate: Equatable, Sendable {
        /// No line in the report.
        case absent
        /// Sent, fate unknown (an unknown outcome, or an intent line without an outcome after it): look it up
        /// before sending it again.
        case unknown
        /// Not created (failed, skipped, or looked up and not found): send it.
        case notCreated
        /// Created, with its id.
        case created(Int64)
    }

    /// Per row index, the fate packed in one Int64: > 0 the created id, else one of the codes below.
    private var states: [Int64]
    /// Rows whose fate was unknown (or absent) before the lookups: a "duplicated" answer for one of them means the
    /// earlier run created it after all. One bit a row.
    private var wasUnknown: [UInt64]
    private static let absentCode: Int64 = 0, notCreatedCode: Int64 = -1, unknownCode: Int64 = -2
    /// Unknown because an intent line named the row and no outcome followed: its request was in flight when the
    /// run stopped.
    private static let unansweredCode: Int64 = -3

    /// Rows reported created whose content changed since (index, line in the input as the report says).
    public private(set) var changed: [(index: Int, line: Int)] = []
    /// Wall-clock time (Unix ms) until which a request of the runs that wrote the report may still be in flight:
    /// the latest intent line's time plus that run's request timeout.
    public private(set) var inFlightUntilMs: Int64 = 0
    /// Whether a row's last word is an intent line: the run was stopped with its request in flight.
    public private(set) var hasUnansweredIntents = false
    /// The pid of the last run that wrote the report (its last header).
    public private(set) var lastPid: Int64 = 0

    public init(rows: Int) {
        states = Array(repeating: ResumeState.absentCode, count: rows)
        wasUnknown = Array(repeating: 0, count: (rows + 63) / 64)
    }

    /// Reads a report of `prints.count` rows and checks it against them. A line that is not a report line is an
    /// error naming it, and so is a row index beyond the input's rows; a row reported created whose key differs
    /// from the input's refuses the whole report. A part of format 2 (another digest hash) is checked by its keys
    /// alone: its created rows are not compared for change.
    public init(path: String, prints: RowPrints, objectID: String, uniqueField: String) throws(ResumeError) {
        self.init(rows: prints.count)
        let source: ByteSource
        do throws(InputError) { source = try ByteSource(path: path) } catch { throw .unreadable(error) }
        let splitter = LineSplitter(source: source, maxLineBytes: 1 << 20)
        // The header of the part being read: its lines are checked by its unique field, format and timeout.
        var part: ReportHeader?
        while true {
            let next: Line?
            do throws(InputError) { next = try splitter.next() } catch { throw .unreadable(error) }
            guard let line = next else { break }
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func refuse(_ message: String) -> ResumeError { .unreadable(InputError(path: path, line: line.number, message)) }
            let entry: ReportEntry
            switch ReportParser.parse(line.bytes) {
            case .success(let parsed): entry = parsed
            case .failure(let error):
                // A last line cut short (the run was killed while writing it) says nothing: its rows stay as the
                // intent line before it left them.
                if !line.terminated { continue }
                throw refuse("not a bkcc report line: \(error)")
            }
            switch entry {
            case .header(let header):
                guard header.objectID == objectID else {
                    throw refuse("the report is of --obj \(header.objectID), not \(objectID)")
                }
                part = header
                lastPid = header.pid
            case .sending(let indices, let atMs):
                guard let part else { throw refuse("an intent line before any header") }
                for index in indices {
                    guard index < states.count else { throw refuse(ResumeState.beyond(index, rows: states.count)) }
                    if states[index] <= 0 { states[index] = ResumeState.unansweredCode }
                }
                inFlightUntilMs = max(inFlightUntilMs, atMs + part.timeoutMs)
            case .row(let row):
                guard let part else {
                    throw refuse("a row line before any header (a report of an older bkcc, which cannot be checked against the input)")
                }
                guard row.index < states.count else { throw refuse(ResumeState.beyond(row.index, rows: states.count)) }
                if row.outcome == .created {
                    // Lines keyed by another unique field than this run's are checked by their digest alone.
                    let keyedAlike = part.uniqueField == uniqueField, digestsComparable = part.hasComparableDigests
                    guard keyedAlike || digestsComparable else {
                        throw refuse("a format-2 report's rows keyed by \(part.uniqueField) cannot be checked against this input (their digests are of an older hash): resume with --unique-field \(part.uniqueField)")
                    }
                    guard keyedAlike ? prints.keyMatches(row.index, row.key) : prints.digestMatches(row.index, row.digest) else {
                        throw .mismatch(reportLine: line.number, index: row.index, reportKey: row.key)
                    }
                    if keyedAlike, digestsComparable, states[row.index] <= 0, !prints.digestMatches(row.index, row.digest) {
                        changed.append((row.index, row.line))
                    }
                }
                record(row)
            }
        }
        for index in states.indices where states[index] <= 0 && states[index] != ResumeState.notCreatedCode {
            wasUnknown[index >> 6] |= 1 << UInt64(index & 63)
            if states[index] == ResumeState.unansweredCode { hasUnansweredIntents = true }
        }
    }

    private static func beyond(_ index: Int, rows: Int) -> String {
        "\"index\": \(index) is beyond the input's rows (it has \(grouped(rows)): indices 0 to \(rows - 1))"
    }

    /// Adds one row line. A created outcome wins over any other for the same row; an unknown outcome over a later
    /// failed one (the row may exist: it is looked up).
    public mutating func record(_ entry: ReportLine) {
        guard entry.index >= 0, entry.index < states.count else { return }
        var current = fate(entry.index)
        if case .created = current { return }
        // An intent line's row has its answer now.
        if states[entry.index] == ResumeState.unansweredCode { current = .absent }
        switch entry.outcome {
        case .created: set(entry.index, entry.instanceID.map { .created($0) } ?? .unknown)
        case .unknown: set(entry.index, .unknown)
        default: set(entry.index, current == .unknown ? .unknown : .notCreated)
        }
    }

    /// The number of rows (the input's).
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
        guard index >= 0, index < states.count, states[index] > 0 else { return nil }
        return states[index]
    }

    /// Whether the row's fate was unknown (or it was not in the report) before any lookup of this run.
    public func wasUnknown(_ index: Int) -> Bool {
        index >= 0 && index < states.count && wasUnknown[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Rows whose fate is unknown or absent: to look up.
    public var unsettled: Int { states.count { $0 <= 0 && $0 != ResumeState.notCreatedCode } }
    public var createdCount: Int { states.count { $0 > 0 } }

    /// Sets a row's fate (after a lookup).
    public mutating func set(_ index: Int, _ fate: Fate) {
        guard index >= 0, index < states.count else { return }
        switch fate {
        case .absent: states[index] = ResumeState.absentCode
        case .unknown: states[index] = ResumeState.unknownCode
        case .notCreated: states[index] = ResumeState.notCreatedCode
        case .created(let id): states[index] = id > 0 ? id : ResumeState.unknownCode
        }
    }
}

/// Unix time in milliseconds (wall clock: it is compared with what another process wrote).
public func unixMilliseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}
