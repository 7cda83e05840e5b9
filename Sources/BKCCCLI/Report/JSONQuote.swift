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
}
