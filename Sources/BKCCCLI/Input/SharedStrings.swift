/// A workbook's shared-strings table (`xl/sharedStrings.xml`), which the cells of `t="s"` index. Held compactly:
/// the text of every string in one byte buffer and one 4-byte end offset per string, so it costs its UTF-8 text
/// plus 4 bytes a string (a table of 300,000 short strings: about 7 MB), not the size of its XML, nor a Swift
/// String each. Rich text is its runs joined; phonetic guides (`rPh`) are left out.
final class SharedStrings {
    /// More text than this is refused: a workbook that needs it is not a table of instances (or is a zip bomb).
    static let maxBytes = 512 * 1024 * 1024

    private var text: [UInt8] = []
    private var ends: [UInt32] = []

    var count: Int { ends.count }
    var byteCount: Int { text.count }

    init() {}

    /// Reads the table from its part.
    init(stream: XMLStream, name: String) throws(InputError) {
        var inItem = false, inText = false, phonetic = 0
        var textEscaped = false
        var itemStart = 0
        stream.onStart = { [unowned self] element, _ in
            if XMLStream.is(element, "si") {
                inItem = true
                itemStart = self.text.count
                textEscaped = false
            } else if XMLStream.is(element, "rPh") {
                phonetic += 1
            } else if XMLStream.is(element, "t"), inItem, phonetic == 0 {
                inText = true
            }
        }
        stream.onEnd = { [unowned self] element in
            if XMLStream.is(element, "si") {
                inItem = false
                if textEscaped { OOXMLText.unescape(&self.text, from: itemStart) }
                self.ends.append(UInt32(self.text.count))
            } else if XMLStream.is(element, "rPh") {
                phonetic -= 1
            } else if XMLStream.is(element, "t") {
                inText = false
            }
        }
        stream.onText = { [unowned self] bytes in
            guard inText else { return }
            if !textEscaped, OOXMLText.mayBeEscaped(bytes) { textEscaped = true }
            self.text.append(contentsOf: bytes)
            if self.text.count > SharedStrings.maxBytes {
                stream.fail("the shared strings are over \(SharedStrings.maxBytes / 1_048_576) MiB")
            }
        }
        try stream.run()
    }

    /// The string at `index`, valid while the table lives; nil out of range.
    func withString<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<Int(ends[index])])) }
    }
}

/// OOXML's escape of characters XML cannot hold: `_x000D_` is a carriage return (ECMA-376 Part 1, 22.9.2.19,
/// ST_Xstring), as Excel writes them; `_x005F_` escapes a literal underscore.
enum OOXMLText {
    /// Whether the text may hold an escape (cheap: is there `_x` in it?).
    static func mayBeEscaped(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2 else { return bytes.first == UInt8(ascii: "_") || bytes.first == UInt8(ascii: "x") }
        return bytes.indices.dropLast().contains { bytes[$0] == UInt8(ascii: "_") && bytes[$0 + 1] == UInt8(ascii: "x") }
            || bytes.first == UInt8(ascii: "x") || bytes.last == UInt8(ascii: "_")
    }

    /// Replaces each `_xHHHH_` in `text[from...]` by the UTF-8 of that character.
    static func unescape(_ text: inout [UInt8], from start: Int) {
        var out: [UInt8] = []
        var index = start
        var changed = false
        while index < text.count {
            if text[index] == UInt8(ascii: "_"), index + 6 < text.count, text[index + 1] == UInt8(ascii: "x"),
               text[index + 6] == UInt8(ascii: "_"), let code = hex(text[(index + 2)..<(index + 6)]),
               let scalar = Unicode.Scalar(code) {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                index += 7
                changed = true
                continue
            }
            out.append(text[index])
            index += 1
        }
        if changed { text.replaceSubrange(start..., with: out) }
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
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
}
