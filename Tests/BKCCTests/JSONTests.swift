import BKCC
import Testing
import BKCCTestSupport

@Suite struct JSONTests {
    /// `trimmedText` decides on bytes where it can: it must always agree with `trimmingSpace`.
    @Test func trimmedTextIsWhatTheServerStores() throws {
        for text in ["", " \t\r\n", "\u{3000}", "\u{00A0}\u{2028}\u{85}", "x", "三", "\u{00A0}x", "\u{3000}三\u{3000}", "\u{1}",
                     "\u{E000}", "\u{2060}", " a b ", "a\u{202F}", "\u{1680}z", "z\u{205F}", "机柜-01"] {
            let object = try JSON.object(["k": .string(text)])
            #expect(object.trimmedText("k") == Array(text.trimmingSpace().utf8), "\(Array(text.unicodeScalars))")
        }
        let object = try JSON.object(["n": .integer(1)])
        #expect(object.trimmedText("n") == nil && object.trimmedText("missing") == nil)
        #expect(object.memberKind("n") == .integer && object.memberKind("missing") == nil)
    }

    /// `withSpaceTrimmed` (ASCII white space cut on the bytes, the rest by the Unicode rule) agrees with
    /// `trimmingSpace` on random texts of ASCII and Unicode white space, letters and control characters at both
    /// ends, and on bytes that are not UTF-8 (as a header value may be: read with replacement characters).
    @Test func bytesTrimmedAsTrimmingSpaceTrims() {
        let pieces: [[UInt8]] = [[0x20], [0x09], [0x0D, 0x0A], [0x0B], [0x1F], [0x01], Array("\u{00A0}".utf8), Array("\u{3000}".utf8),
                                 Array("\u{2009}".utf8), Array("\u{85}".utf8), Array("三".utf8), [0x61], [0xE4], [0xFF]]
        var generator = SplitMix(seed: 0x7472_696d)
        for _ in 0..<3_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 7) { bytes += pieces[Int(generator.next() % UInt64(pieces.count))] }
            let trimmed = bytes.withUnsafeBytes { withSpaceTrimmed($0) { String(decoding: $0, as: UTF8.self) } }
            #expect(trimmed == String(String(decoding: bytes, as: UTF8.self).trimmingSpace()), "\(bytes)")
        }
    }

    @Test func parseReadAndSerialize() throws {
        let value = json(#"{"a": [1, 2.5, "三", true, null], "b": {"c": -7}}"#)
        #expect(value.kind == .object)
        #expect(value["a"]?.count == 5)
        #expect(value["a"]?[0]?.integer == 1)
        #expect(value["a"]?[1]?.number == 2.5)
        #expect(value["a"]?[2]?.string == "三")
        #expect(value["a"]?[3]?.bool == true)
        #expect(value["a"]?[4]?.isNull == true)
        #expect(value["a"]?[5] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["b"]?["c"]?.integer == -7)
        #expect(value["missing"] == nil)
        #expect(value["a"]?["not an object"] == nil)
        #expect(value.entries.map(\.key) == ["a", "b"])
        #expect(value.serialized() == #"{"a":[1,2.5,"三",true,null],"b":{"c":-7}}"#)
    }

    @Test func duplicateKeysAndBadTextAreRejected() {
        guard case .failure(let error) = JSON.parse(#"{"0": 1, "0": 2}"#) else {
            Issue.record("duplicate keys accepted")
            return
        }
        #expect(error.text.contains("duplicate"))
        guard case .failure = JSON.parse("{\"a\": \"\u{FFFD}\"") else {
            Issue.record("truncated text accepted")
            return
        }
    }

    @Test func buildAndShare() throws {
        let object = try JSON.object(["name": .string("s1"), "n": .integer(3)])
        let alias = object
        try alias.set("added", true)
        #expect(object["added"]?.bool == true)  // copies share one value, like json_t *
        let copy = try object.deepCopy()
        try copy.set("name", "other")
        #expect(object["name"]?.string == "s1")
        #expect(try JSON.string("a\u{0}b").string == "a\u{0}b")
    }
}

/// `isValidUTF8` (the one validator: CSV cells, JSON shapes) agrees with Swift's own UTF-8 validation: every byte
/// at every position of ASCII and of Chinese text (the sixteen-byte ASCII skip and the tail), and random sequences.
@Suite struct UTF8ValidationTests {
    static func agree(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let swift = String(validating: bytes, as: UTF8.self) != nil
        #expect(bytes.withUnsafeBytes { isValidUTF8($0) } == swift, "\(bytes)", sourceLocation: sourceLocation)
    }

    @Test func everyByteAtEveryPosition() {
        // 40 bytes: past the sixteen-byte ASCII step twice, with a tail; runs of 2-, 3- and 4-byte sequences.
        for background in [Array(repeating: UInt8(ascii: "a"), count: 40), Array("交换机-北京亦庄".utf8),
                           Array("ab交换机é😀-0123456789abcdefghij北京".utf8)] {
            for position in 0..<background.count {
                for byte in 0...255 {
                    var bytes = background
                    bytes[position] = UInt8(byte)
                    Self.agree(bytes)
                }
            }
        }
    }

    @Test func randomSequences() {
        let pieces: [[UInt8]] = [[0x61], [0x7F], [0x80], [0xBF], [0xC2], [0xDF], [0xE0], [0xED], [0xEF], [0xF0], [0xF4], [0xF5], [0xFF],
                                 Array("é".utf8), Array("三".utf8), Array("😀".utf8), [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80]]
        var generator = SplitMix(seed: 0x7574_6638)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 24) { bytes += pieces[Int(generator.next() % UInt64(pieces.count))] }
            Self.agree(bytes)
        }
    }
}
