#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// One CSV record: its fields as raw bytes (one flat buffer and the end offset of each field) and the line it
/// starts on. Fields are not yet checked as UTF-8: `string(at:)` does that. A worksheet's row is a record too: its
/// sheet row number as the line, each cell's shown text as a field, with the cells' kinds and the sheet's name.
public struct CSVRecord: Sendable {
    /// The 1-based line where the record starts (a worksheet: the row number).
    public var line: Int
    public var bytes: [UInt8]
    /// The end offset of each field in `bytes`.
    public var ends: [Int]
    /// Each cell's kind, for a worksheet; empty for CSV (every field is text).
    public var kinds: [CellKind] = []
    /// The worksheet's name: cells are then named as `Sheet1!C12`, else as `column 3`.
    public var sheet: String?

    public func kind(_ index: Int) -> CellKind { index < kinds.count ? kinds[index] : .text }

    /// Where a field is, for messages: `column 3`, or `Sheet1!C12` (`'My sheet'!C12`) in a workbook.
    public func place(_ index: Int) -> String {
        guard let sheet else { return "column \(index + 1)" }
        return CellReference.name(sheet: sheet, column: index, row: line)
    }

    public var count: Int { ends.count }

    public func field(_ index: Int) -> ArraySlice<UInt8> {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes[start..<ends[index]]
    }

    /// The field as a String; nil when it is not valid UTF-8. (Not `String(validating:as:)` over the slice: that
    /// generic call was unspecialized here, ~7,600 instructions a row in metadata lookups.)
    public func string(at index: Int) -> String? {
        withField(index) { isValidUTF8($0) ? String(decoding: $0, as: UTF8.self) : nil }
    }

    /// The field's bytes, borrowed for `body`.
    public func withField<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<ends[index]])) }
    }

    /// Whether every field is empty (a blank line, or a line of commas only).
    public var isBlank: Bool { bytes.isEmpty }
}

/// A streaming CSV reader: RFC 4180 with the leniency of Python's `csv` module (the excel dialect, which is what
/// spreadsheets write): fields separated by commas; `"` quotes a field, `""` inside quotes is one `"`; records
/// end with LF, CRLF or a lone CR; newlines inside quotes are kept as written; a quote inside an unquoted field
/// is literal (`ab"c`); text after a closing quote is kept (`"ab"c` is `abc`); spaces are kept; a UTF-8 byte
/// order mark at the start is dropped by the ByteSource, also before a quoted first field. A blank line is a record with no fields.
///
/// Reads its source in chunks and keeps only the current record, so memory does not grow with the file. An
/// unterminated quote is an error naming the line its record starts on (not a silent swallow of the rest of
/// the file), and so is a record over `maxRecordBytes`.
public final class CSVReader: RecordSource {
    public static let defaultMaxRecordBytes = 8 * 1024 * 1024

    private enum State { case startRecord, startField, inField, inQuotedField, quoteInQuotedField, eatCRNL }

    private let source: ByteSource
    private let maxRecordBytes: Int
    // The scanning state is not checked for exclusivity at run time (@exclusivity(unchecked)): only this reader's
    // methods touch it, calling out to nothing but `source.read()`; the state machine's checks were ~2,500
    // instructions a record.
    @exclusivity(unchecked) private var chunk: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var offset = 0
    @exclusivity(unchecked) private var finished = false

    @exclusivity(unchecked) private var state = State.startRecord
    @exclusivity(unchecked) private var bytes: [UInt8] = []
    @exclusivity(unchecked) private var ends: [Int] = []
    /// The current line (1-based) and the line the current record started on.
    @exclusivity(unchecked) private var line = 1
    @exclusivity(unchecked) private var recordLine = 1
    /// A CR was the last byte: if LF follows, the two end one line.
    @exclusivity(unchecked) private var pendingCR = false
    @exclusivity(unchecked) private var lineHasBytes = false
    @exclusivity(unchecked) private var completed: CSVRecord?
    /// `nextPlain`'s record: its bytes and ends, in memory of this reader's own.
    @exclusivity(unchecked) private var plainBytes = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 1)
    @exclusivity(unchecked) private var plainBytesCapacity = 1024
    @exclusivity(unchecked) private var plainEnds = TrivialBuffer<Int>(capacity: 32)

    public init(source: ByteSource, maxRecordBytes: Int = CSVReader.defaultMaxRecordBytes) {
        self.source = source
        self.maxRecordBytes = maxRecordBytes
    }

    /// The line the reader has reached (for messages after the last record).
    public var currentLine: Int { line }

    public var name: String { source.name }

    /// A plain line's record in this reader's own memory, valid until the reader's next call: no `CSVRecord`,
    /// whose arrays were retained and released a dozen times a row on their way to the caller (atomic operations:
    /// perf put retains and releases at 18% of an import's time).
    public struct PlainRecord {
        public var line: Int
        public var bytes: UnsafeRawBufferPointer
        public var ends: UnsafeBufferPointer<Int>

        public var count: Int { ends.count }
        public var isBlank: Bool { bytes.isEmpty }

        /// As a record of its own (for what only the general path decides).
        public var record: CSVRecord { CSVRecord(line: line, bytes: Array(bytes), ends: Array(ends)) }
    }

    /// The next record when it is a plain line wholly inside the chunk — no quote, no CR but one before its LF,
    /// within the size limit — as a view (memchr from comma to comma, each field copied once, without the commas);
    /// nil when the next record is anything else (or there is none): `next()` then reads it.
    public func nextPlain() -> PlainRecord? {
        // A new chunk, the end, a pending record: `next()` deals with them.
        guard completed == nil, offset < chunk.count, let line = plainLineStart() else { return nil }
        if plainBytesCapacity < line.content {
            plainBytes.deallocate()
            plainBytesCapacity = max(line.content, 2 * plainBytesCapacity)
            plainBytes = .allocate(byteCount: plainBytesCapacity, alignment: 1)
        }
        var commas = 0, fieldStart = 0
        plainEnds.removeAll()
        if line.content > 0 {
            while true {
                let comma = memchr(line.start + fieldStart, Int32(CSVReader.comma), line.content - fieldStart)
                    .map { UnsafeRawPointer($0) - line.start } ?? line.content
                let fieldCount = comma - fieldStart
                if fieldCount > 0 { (plainBytes + (fieldStart - commas)).copyMemory(from: line.start + fieldStart, byteCount: fieldCount) }
                plainEnds.append(comma - commas)
                guard comma < line.content else { break }
                commas += 1
                fieldStart = comma + 1
            }
        }
        offset += line.length + 1
        defer { self.line += 1 }
        return PlainRecord(line: self.line, bytes: UnsafeRawBufferPointer(start: plainBytes, count: line.content - commas),
                           ends: plainEnds.elements)
    }

    deinit {
        plainBytes.deallocate()
        plainEnds.deallocate()
    }

    /// The next record, nil at the end of the input.
    public func next() throws(InputError) -> CSVRecord? {
        while true {
            if let record = completed {
                completed = nil
                return record
            }
            if finished { return nil }
            if offset >= chunk.count {
                guard let next = try source.read() else {
                    try finish()
                    continue
                }
                chunk = next
                offset = 0
            }
            if let record = plainLine() { return record }
            try consume()
        }
    }

    /// `nextPlain`'s record as one of its own; nil leaves it to the state machine (which reads such a line the
    /// same, a byte at a time: callgrind, ~6,300 instructions a 7-field record, ~40 a byte, most of them
    /// exclusivity checks on this class's state).
    private func plainLine() -> CSVRecord? { nextPlain()?.record }

    /// Where the next line starts, its length to the LF and its content's (without a CR before the LF), when it
    /// is plain: wholly inside the chunk, no quote, no other CR, within the size limit, and the scanner between
    /// records.
    private func plainLineStart() -> (start: UnsafeRawPointer, length: Int, content: Int)? {
        guard state == .startRecord, !pendingCR, !lineHasBytes, let base = chunk.baseAddress else { return nil }
        let start = base + offset
        let remaining = chunk.count - offset
        guard let newline = memchr(start, Int32(CSVReader.lf), remaining) else { return nil }
        let length = UnsafeRawPointer(newline) - start
        let content = length > 0 && start.load(fromByteOffset: length - 1, as: UInt8.self) == CSVReader.cr ? length - 1 : length
        guard content <= maxRecordBytes, memchr(start, Int32(CSVReader.quote), content) == nil,
              memchr(start, Int32(CSVReader.cr), content) == nil else { return nil }
        return (start, length, content)
    }

    // MARK: Scanning

    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    /// Consumes bytes of the current chunk until a record completes or the chunk ends.
    private func consume() throws(InputError) {
        let chunk = self.chunk  // a local: a property read in the loop pays an exclusivity check a byte
        while offset < chunk.count, completed == nil {
            let byte = chunk[offset]
            if pendingCR {
                pendingCR = false
                if byte == CSVReader.lf {
                    offset += 1
                    try byteEvent(byte)
                    endOfLine()
                    continue
                }
                endOfLine()
                if completed != nil { continue }
            }
            // Fast paths, the common bytes of a record without quotes: a comma ends an unquoted field, an
            // ordinary byte starts one (what `byteEvent` would do, without its call and checks per byte).
            if state == .inField, byte == CSVReader.comma {
                offset += 1
                lineHasBytes = true
                saveField()
                state = .startField
                continue
            }
            if state == .startField, byte != CSVReader.quote, byte != CSVReader.comma, byte != CSVReader.cr, byte != CSVReader.lf {
                state = .inField
            }
            // Fast path: a run of ordinary bytes inside a field.
            if state == .inField || state == .inQuotedField {
                let stop = state == .inQuotedField ? CSVReader.quote : CSVReader.comma
                var end = offset
                while end < chunk.count {
                    let b = chunk[end]
                    if b == stop || b == CSVReader.cr || b == CSVReader.lf { break }
                    end &+= 1
                }
                if end > offset {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[offset..<end]))
                    lineHasBytes = true
                    offset = end
                    try checkSize()
                    continue
                }
            }
            offset += 1
            try byteEvent(byte)
            if byte == CSVReader.lf {
                endOfLine()
            } else if byte == CSVReader.cr {
                pendingCR = true
            }
        }
    }

    /// The end of the input: ends the last line and checks that no quote is left open.
    private func finish() throws(InputError) {
        if pendingCR || lineHasBytes {
            pendingCR = false
            endOfLine()
        }
        finished = true
        if state != .startRecord {
            throw InputError(path: source.name, line: recordLine,
                             "unterminated quoted field: the record starting on line \(recordLine) has a quote that is never closed")
        }
    }

    // MARK: The state machine (Python's csv module, excel dialect, non-strict)

    private func byteEvent(_ c: UInt8) throws(InputError) {
        lineHasBytes = true
        let isNewline = c == CSVReader.cr || c == CSVReader.lf
        switch state {
        case .startRecord:
            recordLine = line
            if isNewline {
                state = .eatCRNL
                return
            }
            state = .startField
            startField(c, isNewline: isNewline)
        case .startField:
            startField(c, isNewline: isNewline)
        case .inField:
            if isNewline {
                saveField()
                state = .eatCRNL
            } else if c == CSVReader.comma {
                saveField()
                state = .startField
            } else {
                bytes.append(c)
            }
        case .inQuotedField:
            if c == CSVReader.quote {
                state = .quoteInQuotedField
            } else {
                bytes.append(c)
            }
        case .quoteInQuotedField:
            if c == CSVReader.quote {
                bytes.append(c)
                state = .inQuotedField
            } else if c == CSVReader.comma {
                saveField()
                state = .startField
            } else if isNewline {
                saveField()
                state = .eatCRNL
            } else {
                bytes.append(c)
                state = .inField
            }
        case .eatCRNL:
            break  // only CR, LF or the end of a line reach here
        }
        try checkSize()
    }

    private func startField(_ c: UInt8, isNewline: Bool) {
        if isNewline {
            saveField()
            state = .eatCRNL
        } else if c == CSVReader.quote {
            state = .inQuotedField
        } else if c == CSVReader.comma {
            saveField()
        } else {
            bytes.append(c)
            state = .inField
        }
    }

    private func saveField() { ends.append(bytes.count) }

    /// The end of a physical line (LF, CRLF or CR): the record ends here unless a quoted field is open.
    private func endOfLine() {
        switch state {
        case .startRecord:
            recordLine = line
        case .startField, .inField, .quoteInQuotedField:
            saveField()
        case .inQuotedField:
            line += 1
            lineHasBytes = false
            return
        case .eatCRNL:
            break
        }
        state = .startRecord
        completed = CSVRecord(line: recordLine, bytes: bytes, ends: ends)
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        line += 1
        lineHasBytes = false
    }

    private func checkSize() throws(InputError) {
        if bytes.count > maxRecordBytes {
            throw InputError(path: source.name, line: recordLine,
                             "the record starting on line \(recordLine) is over \(maxRecordBytes / 1_048_576) MiB (an unterminated quote?)")
        }
    }
}
