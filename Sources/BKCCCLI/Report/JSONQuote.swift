/// JSON string literals written straight from a string's UTF-8 (report lines are written for every row: going
/// through jansson for each value cost two allocations and a serializer call a value). Escapes what JSON requires
/// (`"`, `\`, control characters); everything else, UTF-8 included, is copied as it is.
enum JSONQuote {
    static func quoted(_ text: String) -> String {
        var result = ""
        append(text, to: &result)
        return result
    }

    static func append(_ text: String, to result: inout String) {
        result += "\""
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            result += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar.value {
                case 0x22: result += "\\\""
                case 0x5C: result += "\\\\"
                case 0x0A: result += "\\n"
                case 0x0D: result += "\\r"
                case 0x09: result += "\\t"
                case 0x08: result += "\\b"
                case 0x0C: result += "\\f"
                case 0..<0x20:
                    let hex = String(scalar.value, radix: 16, uppercase: true)  // as jansson writes it
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
    }

    /// The same as bytes, for lines written as bytes (the report's).
    static func quotedBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return bytes
    }

    static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(0x22)
        var text = text
        let plain = text.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain {
            var escaped = ""
            append(text, to: &escaped)
            bytes.append(contentsOf: escaped.utf8.dropFirst().dropLast())
        }
        bytes.append(0x22)
    }
}

extension Array where Element == UInt8 {
    /// Appends an integer's decimal digits (no String made).
    mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 0 { append(UInt8(ascii: "-")) }
        let magnitude = UInt64(value.magnitude)
        var length = 1
        var rest = magnitude / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        let end = count + length
        append(contentsOf: repeatElement(UInt8(ascii: "0"), count: length))
        rest = magnitude
        for position in stride(from: end - 1, through: end - length, by: -1) {
            self[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
    }

    /// Appends a literal's bytes (one copy, not a walk of a String's UTF-8 view).
    mutating func append(literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends 16 lowercase hex digits.
    mutating func appendHex16(_ value: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) { append(digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]) }
    }
}
