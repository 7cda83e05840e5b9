import BKCC
import CJansson

/// jansson calls the core's `JSON` does not offer: parsing with the error's line and column, and pretty output.
public enum JSONText {
    /// Why JSON text did not parse: jansson's message, and the 1-based line and column (characters) in the text.
    public struct ParseError: Error, Sendable {
        public var text: String
        public var line: Int
        public var column: Int
        public var position: Int
    }

    /// Parses one JSON value (any type); a key repeated inside one object is an error (which value would count?).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSON, ParseError> {
        if let value = JSON.parsedQuickly(bytes) { return .success(value) }  // jansson words the errors
        var error = json_error_t()
        let flags = Int(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        let empty: StaticString = ""
        let pointer = base ?? UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
        guard let raw = json_loadb(pointer, bytes.count, flags, &error) else {
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return .failure(ParseError(text: text, line: Int(error.line), column: Int(error.column), position: Int(error.position)))
        }
        return .success(JSON(taking: raw))
    }

    public static func parse(_ bytes: [UInt8]) -> Result<JSON, ParseError> {
        bytes.withUnsafeBytes { parse($0) }
    }

    public static func parse(_ text: String) -> Result<JSON, ParseError> {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// JSON text: compact on one line, or indented by two spaces; keys in insertion order, UTF-8 kept readable.
    public static func serialize(_ value: JSON, pretty: Bool = false) -> String {
        if !pretty { return value.serialized() ?? "null" }
        let flags = pretty ? Int(JSON_ENCODE_ANY) | 2 /* JSON_INDENT(2) */ : Int(JSON_COMPACT | JSON_ENCODE_ANY)
        let size = json_dumpb(value.raw, nil, 0, flags)
        guard size > 0 else { return "null" }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { json_dumpb(value.raw, $0.baseAddress?.assumingMemoryBound(to: CChar.self), size, flags) }
        return written == size ? String(decoding: bytes, as: UTF8.self) : "null"
    }

    /// A string as a JSON string literal (quotes and escapes), for hand-written JSON lines.
    public static func quoted(_ text: String) -> String {
        guard let value = try? JSON.string(text) else { return "\"\"" }
        return serialize(value)
    }
}
