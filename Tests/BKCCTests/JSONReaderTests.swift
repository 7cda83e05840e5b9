import BKCC
import BKCCTestSupport
import CJansson
import Testing

/// `JSONReader` and `JSONWriter` against jansson, which they stand in for: every text the reader accepts, jansson
/// accepts as the same value (same types, same member order); every text jansson refuses, the reader leaves to it;
/// the writer's bytes are jansson's. (Also `Fuzz/targets/fuzz_json.swift`, over arbitrary bytes.)
@Suite struct JSONReaderTests {
    /// jansson's parse with the flags bkcc uses, as compact bytes (nil: refused).
    static func jansson(_ bytes: [UInt8]) -> [UInt8]? {
        var error = json_error_t()
        let padded = bytes + [0]  // never an empty buffer's nil base
        let raw = padded.withUnsafeBytes { buffer in
            json_loadb(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count,
                       Int(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY), &error)
        }
        guard let raw else { return nil }
        return JSON(taking: raw).janssonBytes()
    }

    /// What the fast reader makes of `bytes`, as jansson writes it (nil: left to jansson).
    static func quick(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { JSON.parsedQuickly($0) }?.janssonBytes()
    }

    /// The reader either leaves `text` to jansson or agrees with it; `JSON.parse` agrees with jansson always.
    static func agree(_ bytes: [UInt8], expectQuick: Bool? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        let reference = jansson(bytes)
        let fast = quick(bytes)
        if let fast { #expect(fast == reference, "reader and jansson differ on \(bytes)", sourceLocation: sourceLocation) }
        // What jansson refuses, the reader leaves to it (a value it read of bad UTF-8 would not even serialize, so
        // the comparison above would not see it).
        if reference == nil {
            #expect(bytes.withUnsafeBytes { JSON.parsedQuickly($0) } == nil, "the reader took what jansson refuses: \(bytes)",
                    sourceLocation: sourceLocation)
        }
        if let expectQuick { #expect((fast != nil) == expectQuick, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation) }
        let parsed = bytes.withUnsafeBytes { JSON.parse($0) }
        switch parsed {
        case .success(let value):
            #expect(value.janssonBytes() == reference, sourceLocation: sourceLocation)
            // The writer's bytes are jansson's.
            #expect(value.serializedBytes() == value.janssonBytes(), sourceLocation: sourceLocation)
        case .failure:
            #expect(reference == nil, sourceLocation: sourceLocation)
        }
    }

    static func agree(_ text: String, expectQuick: Bool? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        Self.agree(Array(text.utf8), expectQuick: expectQuick, sourceLocation: sourceLocation)
    }

    @Test func commonTextIsReadQuicklyAndAlike() {
        for text in [
            #"{"bk_inst_name": "北京-亦庄-接入交换机-A00-000001", "bk_asset_id": "ZC-SW-2020-0000001", "bk_port_count": 52}"#,
            #"{"result":true,"code":0,"message":"success","data":{"success_created":{"0":1,"1":2},"error_msg":{}}}"#,
            #"  [1, -2, 0, -0, 123456789012345678, -123456789012345678, true, false, null, "", [], {}, [[]], {"a":{}}]  "#,
            "{\"esc\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"u\": \"\\u00e9\\u4E09\\uD83D\\uDE00 \\u0001\\u001f\\u007f\"}",
            "\"text\"", "17", "true", "null", "\t{\r\n}\n",
            "{\"\\u4e09\": 1, \"三三\": 2}",
            "{\"k\\n\": {\"k\\t\": \"v\\u0041\"}}",
            "\"\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\"",
        ] {
            Self.agree(text, expectQuick: true)
        }
    }

    /// The string scan reads sixteen bytes at a time, then eight, then one: every byte value at every position of
    /// a long string (the first block, the second, the eight-byte step, the tail), alone or after a UTF-8
    /// sequence (the scan resumes after it), is read as jansson reads it.
    @Test func everyByteAtEveryPositionOfALongStringAgrees() {
        for prefix in [[], [0xE4, 0xB8, 0x89] as [UInt8]] {
            for position in 0..<40 {
                for byte in 0...255 {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
                    text[position] = UInt8(byte)
                    Self.agree([UInt8(ascii: "\"")] + prefix + text + [UInt8(ascii: "\"")])
                }
            }
        }
    }

    @Test func whatJanssonRefusesOrMightReadOtherwiseIsLeftToIt() {
        for text in [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "-", "-01", "+1", "1.", ".5",
            "1.5", "1e3", "-0.0", "1E+2", "1234567890123456789", "-9223372036854775808", "99999999999999999999",
            "tru", "truex", "nul", "[true1]", "\"a", "\"\\x\"", "\"\\u12\"", "\"\\u0000\"", "\"\\uD800\"", "\"\\uDC00\"",
            "\"\\uD800\\u0041\"", "\"a\u{01}b\"", "{\"a\":1,\"a\":2}", "{\"\\u4e09\": 1, \"三\": 2}", "{\"a\":{\"b\":1,\"b\":1}}", "1 2", "[] x",
            "\u{FEFF}{}", "{\"a\":1}\u{0}",
        ] {
            Self.agree(text, expectQuick: false)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        Self.agree(deep, expectQuick: false)
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        Self.agree(fine, expectQuick: true)
    }

    @Test func malformedUTF8IsLeftToJansson() {
        let bad: [[UInt8]] = [
            [0x22, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xC1, 0xBF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xE4, 0xB8, 0x22], [0x22, 0xC3],
            [0x7B, 0x22, 0xE4, 0x22, 0x3A, 0x31, 0x7D],
        ]
        for bytes in bad { Self.agree(bytes, expectQuick: false) }
        Self.agree([0x22, 0xC3, 0xA9, 0xE4, 0xB8, 0x89, 0xF0, 0x9F, 0x98, 0x80, 0x22], expectQuick: true)
    }

    /// Strings of random pieces — ASCII, stray continuation bytes, leads cut short, overlong forms, surrogates,
    /// well-formed 2-, 3- and 4-byte sequences — between sixteen-byte stretches or not: the scan's run of UTF-8
    /// sequences (`bkcc_utf8_run`) ends, and refuses, where jansson does.
    @Test func randomUTF8RunsAgree() {
        let pieces: [[UInt8]] = [[0x61], [0x7F], [0x80], [0xBF], [0xC2], [0xDF], [0xE0], [0xED], [0xEF], [0xF0], [0xF4], [0xF5], [0xFF],
                                 Array("é".utf8), Array("三".utf8), Array("😀".utf8), [0xED, 0xA0, 0x80], [0xE0, 0x80, 0x80],
                                 [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xC1, 0xBF], Array("北京亦庄接入交换机".utf8),
                                 Array(repeating: UInt8(ascii: "x"), count: 17), [0x5C, 0x6E]]
        var generator = SplitMix(seed: 0x6A73_6F6E)
        for _ in 0..<3000 {
            var bytes: [UInt8] = [UInt8(ascii: "\"")]
            for _ in 0..<Int(generator.next() % 12) { bytes += pieces[Int(generator.next() % UInt64(pieces.count))] }
            Self.agree(bytes + [UInt8(ascii: "\"")])
        }
    }

    @Test func writerEscapesAsJanssonDoes() throws {
        var scalars = (0..<0x80).map { Character(Unicode.Scalar(UInt8($0))) }
        scalars += ["é", "三", "😀", "\u{2028}"]
        let object = try JSON.object()
        for (position, character) in scalars.enumerated() {
            try object.set("k\(character)", JSON.string("\(character)x\(character)"))
            try object.set("n\(position)", JSON.integer(Int64(position) * (position % 2 == 0 ? 1 : -1) * 7_919_000_000_000))
        }
        try object.set("min", JSON.integer(.min))
        try object.set("max", JSON.integer(.max))
        try object.set("zero", JSON.integer(0))
        for real in [0.0, -0.0, 1.5, 1e300, -2.5e-300, 3.0, 0.1, 123456789.125] { try object.set("r\(real)", JSON.real(real)) }
        try object.set("nested", JSON.object(["a": .array(), "b": JSON.object(["c": .null, "d": .bool(true)])]))
        #expect(object.serializedBytes() == object.janssonBytes())
        #expect(object.serialized()?.contains(#""k\u001F":"\u001Fx\u001F""#) == true)
        Self.agree(object.janssonBytes() ?? [], expectQuick: nil)
    }

    @Test func aCycleIsRefusedNotFollowed() throws {
        let array = try JSON.array(), inner = try JSON.array()
        try inner.append(array)
        try array.append(inner)
        #expect(array.serializedBytes() == nil)
        json_array_clear(inner.raw)  // break the cycle, or it never frees
    }

    /// Values of every kind with strings of every awkward byte, written by jansson and read back by the reader.
    @Test func randomValuesRoundTrip() throws {
        var generator = SplitMix(seed: 0x6A73_6F6E)
        for _ in 0..<300 {
            let value = try Self.randomValue(&generator, depth: 0)
            guard let text = value.janssonBytes() else { continue }
            Self.agree(text)
            #expect(value.serializedBytes() == text)
        }
    }

    static let pieces: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "三", "😀",
                                   "\u{FFFD}", "\u{2028}", "bk_inst_name", ""]

    static func randomValue(_ generator: inout SplitMix, depth: Int) throws -> JSON {
        switch generator.next() % (depth > 3 ? 5 : 7) {
        case 0: return try .integer(Int64(bitPattern: generator.next()) >> (generator.next() % 64))
        case 1: return .bool(generator.next() % 2 == 0)
        case 2: return .null
        case 3: return try .real(Double(Int64(bitPattern: generator.next()) >> 20) / 1024)
        case 4:
            var text = ""
            for _ in 0..<(generator.next() % 8) { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            return try .string(text)
        case 5:
            let array = try JSON.array()
            for _ in 0..<(generator.next() % 5) { try array.append(randomValue(&generator, depth: depth + 1)) }
            return array
        default:
            let object = try JSON.object()
            for index in 0..<(generator.next() % 5) {
                try object.set("\(pieces[Int(generator.next() % UInt64(pieces.count))])\(index)", randomValue(&generator, depth: depth + 1))
            }
            return object
        }
    }
}
