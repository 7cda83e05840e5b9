import CByteScan

/// JSON string literals written straight from UTF-8 (report lines and CSV rows are written for every row: going
/// through jansson for each value cost two allocations and a serializer call a value). Escapes what JSON requires
/// (`"`, `\`, control characters) as jansson does; everything else, UTF-8 included, is copied as it is.
public enum JSONQuote {
    /// The literal as bytes, for lines written as bytes (the report's).
    public static func quotedBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return bytes
    }

    public static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { append(utf8: UnsafeRawBufferPointer($0), to: &bytes) }
    }

    /// The literal of UTF-8 bytes (which the caller knows to be UTF-8), as `ByteOutput.putQuoted` writes it.
    public static func append(utf8 text: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        // Short text (a cell, a key) gets room for the worst case; long text its exact size, counted first, so
        // that a megabyte cell does not take six.
        let size = text.count <= 1024 ? 6 * text.count + 2 : text.reduce(2) { $0 + (needsEscape($1) ? escape($1).count : 1) }
        bytes.append(atMost: size) { $0.putQuoted(utf8: text) }
    }
}

extension JSONQuote {
    /// Whether a byte of UTF-8 text must be escaped in a JSON string.
    @inline(__always)
    public static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// Whether no byte of `text` must be escaped: sixteen bytes at a time (SSE2), then eight, then one, as
    /// `ByteOutput.putQuoted` scans. A CSV record is asked once, and its cells are then copied between quotes (each
    /// cell scanned on its own was ~170 instructions, its few last bytes one at a time: ~1,000 a seven-cell row).
    public static func needsNoEscape(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let base = text.baseAddress else { return true }
        var at = 0
        while text.count - at >= 16 {
            if bkcc_json_stops16(base.assumingMemoryBound(to: UInt8.self) + at, 0) != 0 { return false }
            at += 16
        }
        if text.count - at >= 8 {
            if JSONReader.quoteBackslashOrControl((base + at).loadUnaligned(as: UInt64.self)) != 0 { return false }
            at += 8
        }
        while at < text.count {
            if needsEscape(text[at]) { return false }
            at += 1
        }
        return true
    }

    /// The escape jansson writes for such a byte: `\"`, `\\`, `\b \f \n \r \t`, else `\u00XX` in capitals. (The
    /// one table: `JSONWriter` and `append(utf8:to:)` both write it.)
    @inline(__always)
    static func escape(_ byte: UInt8) -> (bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8), count: Int) {
        let backslash = UInt8(ascii: "\\")
        let short: UInt8
        switch byte {
        case 0x22: short = UInt8(ascii: "\"")
        case 0x5C: short = backslash
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        default:
            let hex: StaticString = "0123456789ABCDEF"
            return ((backslash, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                     hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)]), 6)
        }
        return ((backslash, short, 0, 0, 0, 0), 2)
    }
}

/// `body` given `value`'s decimal digits (a minus first when negative), between `prefix` and `suffix` bytes when
/// given, in a buffer on the stack: numbers hashed or compared for every row (unique keys, lookup keys) make no String.
public func withDecimal<R>(_ value: Int64, prefix: UInt8? = nil, suffix: UInt8? = nil, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a prefix, a sign, 19 digits and a suffix fit
    return withUnsafeMutableBytes(of: &buffer) { out in
        let start = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var output = ByteOutput(start)
        if let prefix { output.put(prefix) }
        output.putDecimal(value)  // the one digit loop
        if let suffix { output.put(suffix) }
        return body(UnsafeRawBufferPointer(start: start, count: output.count(from: start)))
    }
}
