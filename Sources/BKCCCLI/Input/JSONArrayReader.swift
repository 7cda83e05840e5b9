import BKCC

/// A JSON array of instances, streamed: a small scanner finds where each element starts and ends (tracking
/// strings and nesting), and jansson parses one element at a time. So a large array file is not read whole, and
/// each element knows its line. An element that does not parse is a row with a problem; a broken array (no `[`,
/// not closed, text after `]`) is an `InputError`.
public final class JSONArrayRowReader: TextRowReader {
    public var givesText = false
    private enum State { case beforeArray, beforeElement, inElement, afterElement, afterArray }

    private let source: ByteSource
    private let maxElementBytes: Int
    private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private var offset = 0
    private var state = State.beforeArray
    private var line = 1
    private var column = 0
    private var sawComma = false

    private var element: [UInt8] = []
    private var elementLine = 0
    private var elementColumn = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var index = 0
    private var ready: InputRow?

    public init(source: ByteSource, maxElementBytes: Int = 8 * 1024 * 1024) {
        self.source = source
        self.maxElementBytes = maxElementBytes
    }

    public func next() throws(InputError) -> InputRow? {
        while true {
            if let row = ready {
                ready = nil
                return row
            }
            if offset >= chunk.count {
                guard let next = try source.read() else { return try finish() }
                chunk = next
                offset = 0
            }
            try scan()
        }
    }

    private func finish() throws(InputError) -> InputRow? {
        switch state {
        case .afterArray: return nil
        case .beforeArray: throw fail("the input is empty: expected a JSON array '[…]'")
        default: throw fail("the JSON array is not closed: the input ends before its ']'")
        }
    }

    private func fail(_ reason: String) -> InputError {
        InputError(path: source.name, line: line, column: max(column, 1), reason)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    // Over 60 lines on purpose: one byte-at-a-time state machine reads clearest as one switch, and a call per
    // byte into helpers would be measurable on a large array.
    private func scan() throws(InputError) {
        while offset < chunk.count, ready == nil {
            let byte = chunk[offset]
            offset += 1
            column += 1
            defer {
                if byte == 0x0A {
                    line += 1
                    column = 0
                }
            }
            switch state {
            case .beforeArray:
                if JSONArrayRowReader.isSpace(byte) { continue }
                guard byte == UInt8(ascii: "[") else {
                    throw fail(byte == UInt8(ascii: "{")
                               ? "expected a JSON array '[…]', found an object: use --format jsonl for one object per line"
                               : "expected a JSON array '[…]'")
                }
                state = .beforeElement
            case .beforeElement:
                if JSONArrayRowReader.isSpace(byte) { continue }
                if byte == UInt8(ascii: "]") {
                    if sawComma { throw fail("a ',' before ']': trailing commas are not JSON") }
                    state = .afterArray
                    continue
                }
                if byte == UInt8(ascii: ",") { throw fail("an empty element (two commas in a row)") }
                state = .inElement
                elementLine = line
                elementColumn = column
                depth = 0
                inString = false
                escaped = false
                try take(byte)
            case .inElement:
                try take(byte)
            case .afterElement:
                break  // unreachable: take() moves on
            case .afterArray:
                if !JSONArrayRowReader.isSpace(byte) { throw fail("text after the end of the JSON array") }
            }
        }
    }

    /// One byte of an element; at a top-level ',' or ']' the element is complete.
    private func take(_ byte: UInt8) throws(InputError) {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else {
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 {
                    guard byte == UInt8(ascii: "]") else { throw fail("a '}' that closes nothing") }
                    complete()
                    state = .afterArray
                    return
                }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 {
                    complete()
                    sawComma = true
                    state = .beforeElement
                    return
                }
            default: break
            }
        }
        element.append(byte)
        if element.count > maxElementBytes {
            throw InputError(path: source.name, line: elementLine,
                             "the array element starting on line \(elementLine) is over \(maxElementBytes / 1_048_576) MiB")
        }
    }

    private func complete() {
        defer {
            element.removeAll(keepingCapacity: true)
            index += 1
        }
        var row = InputRow(index: index, line: elementLine, detail: nil)
        row.text = element
        row.column = elementColumn
        ready = givesText ? row : parsed(row)
    }

    public func parsed(_ row: InputRow) -> InputRow {
        guard let text = row.text else { return row }
        switch JSONText.parse(text) {
        case .success(let value):
            return InputRow(index: row.index, line: row.line, detail: value)
        case .failure(let error):
            let errorLine = row.line + max(error.line, 1) - 1
            let errorColumn = error.line <= 1 ? row.column + max(error.column, 1) - 1 : error.column
            var parsed = InputRow(index: row.index, line: row.line, detail: nil,
                                  problem: "column \(errorColumn): not valid JSON: \(error.text)")
            if errorLine != row.line { parsed.problem = "line \(errorLine), column \(errorColumn): not valid JSON: \(error.text)" }
            return parsed
        }
    }
}
