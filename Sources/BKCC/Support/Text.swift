import CByteScan

/// Text helpers shared by every layer: the one white-space trimmer, one-line printable text, identifier bytes.

extension StringProtocol {
    /// Without leading and trailing white space — Unicode White_Space scalars, as Go's `strings.TrimSpace`, which
    /// the CMDB applies to every string before it stores or compares it. ASCII space, tab, CR and LF are among them,
    /// so this serves HTTP header values and CSV header cells as well.
    public func trimmingSpace() -> Substring {
        let text = Substring(self)
        // Fast path (nearly every value): first and last bytes printable ASCII other than space: nothing to trim.
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return text
        }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return text[text.endIndex...] }
        guard let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return text[text.endIndex...] }
        return Substring(scalars[start...end])
    }
}

/// `body` given valid UTF-8 `text` as `trimmingSpace` leaves it: the bytes themselves when there is nothing to
/// trim (`JSON.cannotTrim`, nearly always: no String made), else the trimmed copy's. The one "trimmed bytes" for
/// keys, lookups, checks and header values that work on bytes.
public func withSpaceTrimmed<R>(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if JSON.cannotTrim(text) { return body(text) }
    // ASCII white space (tab to CR, space) cut from the ends on the bytes; a String and the Unicode rule only for
    // what may still start or end with white space (a header line's CRLF took that path: ~8,000 instructions).
    var start = 0, end = text.count
    while start < end, isASCIISpace(text[start]) { start += 1 }
    while end > start, isASCIISpace(text[end - 1]) { end -= 1 }
    let rest = UnsafeRawBufferPointer(rebasing: text[start..<end])
    if rest.isEmpty || JSON.cannotTrim(rest) { return body(rest) }
    var trimmed = String(String(decoding: rest, as: UTF8.self).trimmingSpace())
    return trimmed.withUTF8 { body(UnsafeRawBufferPointer($0)) }
}

/// U+0009…U+000D and U+0020: the ASCII part of White_Space.
@inline(__always)
private func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

/// The value of hexadecimal digits (either case); nil when one is not a digit. (JSON's `\uXXXX`, a workbook's
/// `_xHHHH_`.)
public func hexValue(_ digits: UnsafeRawBufferPointer) -> UInt32? {
    var value: UInt32 = 0
    for digit in digits {
        let nibble: UInt8
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
        default: return nil
        }
        value = value << 4 | UInt32(nibble)
    }
    return value
}

/// `text` cut to `limit` characters with control characters made spaces: safe inside a one-line message.
public func printable(_ text: String, limit: Int) -> String {
    String(text.unicodeScalars.prefix(limit).map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
}

/// Whether `bytes` are well-formed UTF-8 (as jansson and Swift's String define it: no overlong form, no
/// surrogate, nothing past U+10FFFF): `bkcc_utf8_valid` (byte_scan.h), ASCII sixteen bytes at a time.
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return true }
    return bkcc_utf8_valid(base, bytes.count) != 0
}

/// Letters, digits and '_' (ASCII).
func isIdentifierByte(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
}

/// RFC 9110 token characters (header names).
func isTokenByte(_ byte: UInt8) -> Bool {
    isIdentifierByte(byte) || "!#$%&'*+-.^`|~".utf8.contains(byte)
}

/// Levenshtein distance, for "did you mean" on short keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8.prefix(64)), b = Array(b.utf8.prefix(64))
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The known name closest to `key` when it is a likely typo (at most 2 edits, or a prefix), for "did you mean".
func nearestName(to key: String, in names: [String]) -> String? {
    guard let near = names.min(by: { editDistance($0, key) < editDistance($1, key) }) else { return nil }
    return editDistance(near, key) <= 2 || near.hasPrefix(key) ? near : nil
}
