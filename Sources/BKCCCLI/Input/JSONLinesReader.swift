#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// One line of a JSON Lines file: its 1-based number and its bytes (without the line break).
struct Line {
    var number: Int
    var bytes: [UInt8]
    /// False for a last line without a line break (perhaps cut short by a crash).
    var terminated = true
}

/// Splits a byte stream into lines at LF (memchr over each chunk); a CR before the LF and a UTF-8 byte order mark
/// at the start are dropped. Holds only the current line.
final class LineSplitter {
    private let source: ByteSource
    private let maxLineBytes: Int
    // Not checked for exclusivity at run time (@exclusivity(unchecked)): only `next` and its helpers change this
    // state (`reusesLine` is set once, before the first line), calling nothing that comes back to it; the checks
    // were ~130 instructions a line.
    @exclusivity(unchecked) private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var offset = 0
    @exclusivity(unchecked) private var carry: [UInt8] = []
    @exclusivity(unchecked) private var lineNumber = 0
    @exclusivity(unchecked) private var finished = false
    /// With `reusesLine`, every line's bytes are put into this one buffer (`JSONLinesRowReader.reusesText`).
    @exclusivity(unchecked) private var line: [UInt8] = []
    @exclusivity(unchecked) var reusesLine = false

    init(source: ByteSource, maxLineBytes: Int) {
        self.source = source
        self.maxLineBytes = maxLineBytes
    }

    func next() throws(InputError) -> Line? {
        while !finished {
            if offset >= chunk.count {
                guard let next = try source.read() else {
                    finished = true
                    if carry.isEmpty { return nil }
                    var last = take()
                    last.terminated = false
                    return last
                }
                chunk = next
                offset = 0
            }
            let base = chunk.baseAddress! + offset
            let remaining = chunk.count - offset
            if let found = memchr(base, 0x0A, remaining) {
                let length = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                offset += length + 1
                if carry.isEmpty {
                    // The whole line is in this chunk: one array of its size (through `carry`, each line was an
                    // append, a copy and a new buffer for `carry`: ~900 instructions a line, callgrind).
                    guard length <= maxLineBytes else { throw tooLong() }
                    lineNumber += 1
                    let end = length > 0 && base.load(fromByteOffset: length - 1, as: UInt8.self) == 0x0D ? length - 1 : length
                    let bytes = UnsafeRawBufferPointer(start: base, count: end)
                    guard reusesLine else { return Line(number: lineNumber, bytes: Array(bytes)) }
                    // The caller let go of the last line: its buffer takes this one without an allocation (a new
                    // array and its free were ~600 instructions a line).
                    line.removeAll(keepingCapacity: true)
                    line.append(contentsOf: bytes)
                    return Line(number: lineNumber, bytes: line)
                }
                carry.append(contentsOf: UnsafeRawBufferPointer(start: base, count: length))
                try checkSize()
                return take()
            }
            carry.append(contentsOf: UnsafeRawBufferPointer(start: base, count: remaining))
            offset = chunk.count
            try checkSize()
        }
        return nil
    }

    /// The next line when it lies wholly in the chunk read (nothing carried over, a line break found), as a view
    /// of the chunk valid until the next call; nil leaves it to `next()`.
    func nextInChunk() throws(InputError) -> (number: Int, bytes: UnsafeRawBufferPointer)? {
        guard carry.isEmpty, offset < chunk.count, let start = chunk.baseAddress.map({ $0 + offset }),
              let found = memchr(start, 0x0A, chunk.count - offset) else { return nil }
        let length = UnsafeRawPointer(found) - start
        guard length <= maxLineBytes else { throw tooLong() }
        offset += length + 1
        lineNumber += 1
        let end = length > 0 && start.load(fromByteOffset: length - 1, as: UInt8.self) == 0x0D ? length - 1 : length
        return (lineNumber, UnsafeRawBufferPointer(start: start, count: end))
    }

    private func take() -> Line {
        lineNumber += 1
        var bytes = carry
        carry.removeAll(keepingCapacity: true)
        if bytes.last == 0x0D { bytes.removeLast() }
        return Line(number: lineNumber, bytes: bytes)
    }

    private func checkSize() throws(InputError) {
        if carry.count > maxLineBytes { throw tooLong() }
    }

    private func tooLong() -> InputError {
        InputError(path: source.name, line: lineNumber + 1, "line is over \(maxLineBytes / 1_048_576) MiB")
    }
}

/// JSON Lines: one JSON value per line, parsed with jansson as it streams by. Blank lines are not rows. A line
/// that does not parse is a row with a problem naming its line and column (the rest of the file still reads).
public final class JSONLinesRowReader: TextRowReader {
    @exclusivity(unchecked) public var givesText = false  // set once, before the first row; read a row
    public var reusesText: Bool {
        get { lines.reusesLine }
        set { lines.reusesLine = newValue }
    }
    private let lines: LineSplitter
    private let name: String
    @exclusivity(unchecked) private var index = 0

    public init(source: ByteSource, maxLineBytes: Int = 8 * 1024 * 1024) {
        lines = LineSplitter(source: source, maxLineBytes: maxLineBytes)
        name = source.name
    }

    /// Set by a caller that checks rows as flat objects and asks for no text (the check pass): each flat row is
    /// read straight into it (`InputRow.filled`) — a line inside the chunk read in place, with no array of its
    /// own (the copy, and the array's retains and releases, were ~400 instructions a row). Asked for text, this
    /// reader fills nothing: the send pass scans a row's text for its digest, which is cheaper than reading it.
    @exclusivity(unchecked) public var filling: FlatObject?

    /// Set by the send pass (`TextRowReader.textSink`): each row's text is appended to it, a line inside the chunk
    /// read straight from there.
    @exclusivity(unchecked) public var textSink: TextRun?

    @exclusivity(unchecked) public var hashesRows = false
    /// `ByteHash` of the last row's line (without its line break), with `hashesRows`.
    @exclusivity(unchecked) public private(set) var rowHash: UInt64?

    public func next() throws(InputError) -> InputRow? {
        if givesText, let textSink {
            while let line = try lines.nextInChunk() {
                if JSONLinesRowReader.isBlank(line.bytes) { continue }
                defer { index += 1 }
                if hashesRows { rowHash = ByteHash.of(line.bytes) }
                return InputRow(index: index, line: line.number, textInSink: textSink.append(line.bytes), filled: false)
            }
        }
        if !givesText, let filling {
            while let line = try lines.nextInChunk() {
                if JSONLinesRowReader.isBlank(line.bytes) { continue }
                defer { index += 1 }
                if hashesRows { rowHash = ByteHash.of(line.bytes) }
                if filling.read(line.bytes) { return InputRow(index: index, line: line.number, text: nil, filled: true) }
                return JSONLinesRowReader.parse(line.bytes, index: index, line: line.number)
            }
        }
        while let line = try lines.next() {
            if line.bytes.withUnsafeBytes({ JSONLinesRowReader.isBlank($0) }) { continue }
            defer { index += 1 }
            if hashesRows { rowHash = line.bytes.withUnsafeBytes { ByteHash.of($0) } }
            if givesText {
                if let textSink {
                    return InputRow(index: index, line: line.number, textInSink: line.bytes.withUnsafeBytes { textSink.append($0) },
                                    filled: false)
                }
                return InputRow(index: index, line: line.number, text: line.bytes, filled: false)
            }
            if let filling, line.bytes.withUnsafeBytes({ filling.read($0) }) {
                return InputRow(index: index, line: line.number, text: nil, filled: true)
            }
            return line.bytes.withUnsafeBytes { JSONLinesRowReader.parse($0, index: index, line: line.number) }
        }
        return nil
    }

    /// A text row parsed; a filled row as the object its members make.
    public func parsed(_ row: InputRow) -> InputRow {
        if row.filled, row.text == nil, let filling { return InputRow(parsing: row, filledInto: filling) }
        guard let text = row.text else { return row }
        return text.withUnsafeBytes { JSONLinesRowReader.parse($0, index: row.index, line: row.line) }
    }

    /// Spaces, tabs and CRs only: not a row.
    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer, index: Int, line: Int) -> InputRow {
        switch JSONText.parse(bytes) {
        case .success(let value):
            return InputRow(index: index, line: line, detail: value)
        case .failure(let error):
            return InputRow(index: index, line: line, detail: nil, problem: "column \(error.column): not valid JSON: \(error.text)")
        }
    }
}
