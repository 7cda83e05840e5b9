#if canImport(Glibc)
import Glibc
#endif

/// The byte ranges of the elements of a JSON array of objects, found by a scan of its structure — brackets and
/// strings — without reading any value: what lets each element be read on its own (`FlatObject`) and sent as it
/// is written. Nil for anything else or anything unsure (the array empty, an element that is not an object, a
/// text that ends early, bytes between elements other than white space and commas); the caller then parses the
/// text, and the parser words what is wrong. Elements themselves are not checked here: `FlatObject.read` does that,
/// and refuses a range that is not one well-formed object.
///
/// Why hand-written: a parse of the whole array builds every element's jansson object (callgrind, 5,000 seven-
/// attribute details through `bkcc_batch_create_inst_json`: the parse ~10,700 instructions a detail, freeing it
/// ~4,800); this scan is a few instructions a byte.
public enum JSONArraySplit {
    public static func objectRanges(_ text: UnsafeRawBufferPointer) -> [Range<Int>]? {
        guard let base = text.baseAddress else { return nil }
        let count = text.count
        // The cursor only skips JSON's white space here (its rule, not a copy of it); objectEnd scans the rest.
        var cursor = JSONReader.Cursor(base: base.assumingMemoryBound(to: UInt8.self), end: count)
        cursor.skipSpace()
        guard cursor.at < count, text[cursor.at] == UInt8(ascii: "[") else { return nil }
        cursor.at += 1
        var ranges: [Range<Int>] = []
        while true {
            cursor.skipSpace()
            guard cursor.at < count, text[cursor.at] == UInt8(ascii: "{"), let end = objectEnd(text, from: cursor.at),
                  text[end - 1] == UInt8(ascii: "}") else { return nil }
            ranges.append(cursor.at..<end)
            cursor.at = end
            cursor.skipSpace()
            guard cursor.at < count else { return nil }
            if text[cursor.at] == UInt8(ascii: "]") { break }
            guard text[cursor.at] == UInt8(ascii: ",") else { return nil }
            cursor.at += 1
        }
        cursor.at += 1
        cursor.skipSpace()
        return cursor.at == count ? ranges : nil
    }

    /// Where the object that starts at `start` ends (one past its closing brace): brackets counted outside
    /// strings, a string's escapes skipped. Nil when the text ends first.
    static func objectEnd(_ text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = text.baseAddress else { return nil }
        var depth = 0
        var at = start
        let count = text.count
        while at < count {
            switch text[at] {
            case UInt8(ascii: "\""):
                // The closing quote: the next quote (memchr) not escaped, i.e. after an even run of backslashes.
                var search = at + 1
                while true {
                    guard search < count, let found = memchr(base + search, 0x22, count - search) else { return nil }
                    let quote = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                    var backslashes = 0
                    while quote - backslashes - 1 > at, text[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
                    if backslashes % 2 == 0 {
                        at = quote
                        break
                    }
                    search = quote + 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return at + 1 }
            default:
                break
            }
            at += 1
        }
        return nil
    }
}
