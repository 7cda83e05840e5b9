import BKCC
import CJansson
import Testing

/// `ValueDigest.scan` (over text) must give `ValueDigest.of` (over the parsed value) whenever it gives anything, and
/// the member it was asked for as the parsed value has it.
@Suite struct ValueDigestTests {
    static func check(_ bytes: [UInt8], member: String = "bk_asset_id", expectScan: Bool? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let parsed = bytes.withUnsafeBytes { JSON.parse($0) }
        let scanned = bytes.withUnsafeBytes { ValueDigest.scan($0, member: member) }
        if let expectScan { #expect((scanned != nil) == expectScan, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation) }
        guard let scanned else { return }
        guard case .success(let value) = parsed else {
            // Only a repeated key is read by the scan and refused by jansson.
            #expect(String(decoding: bytes, as: UTF8.self).contains("\""), sourceLocation: sourceLocation)
            return
        }
        #expect(scanned.digest == ValueDigest.of(value.raw), "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        let wanted = value.isObject ? value[member] : nil
        let key = wanted.flatMap(LookupOperation.key).map { ValueDigest.KeyText(text: $0, isInteger: wanted?.integer != nil) }
        #expect(scanned.key == key, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        // The second read's scan, which leaves UTF-8 unchecked, gives the same for the same (valid) text.
        let trusting = bytes.withUnsafeBytes { ValueDigest.scan($0, member: member, checkingUTF8: false) }
        #expect(trusting?.digest == scanned.digest && trusting?.key == scanned.key, sourceLocation: sourceLocation)
    }

    @Test func rowsAreDigestedAlikeFromTextAndFromValues() {
        for text in [
            #"{"bk_inst_name": "北京-亦庄-接入交换机-A00-000001", "bk_asset_id": "ZC-SW-2020-0000001", "bk_port_count": 52}"#,
            #"  {"bk_asset_id":17,"nested":{"bk_asset_id":"inner"},"list":[1,"a",true,false,null,[],{}]}  "#,
            "{\"bk_asset_id\": \"a\\\"b\\u4e09\\uD83D\\uDE00\", \"k\\n\": \"v\\t\"}",
            "{\"bk_asset\\u005fid\": \" padded \"}", "{}", "[]", "\"text\"", "-42", "true", "null",
            #"{"bk_asset_id": ["not", "a", "key"]}"#, #"{"bk_asset_id": {"a": 1}}"#, #"{"bk_asset_id": false}"#,
        ] {
            Self.check(Array(text.utf8), expectScan: true)
        }
        for text in [#"{"a": 1.5}"#, #"{"a": 12345678901234567890}"#, "{\"a\": \"\\u0000\"}", "{", #"{"a":1,}"#, "", "[1] x"] {
            Self.check(Array(text.utf8), expectScan: false)
        }
    }

    @Test func memberOrderAndSpellingDoNotChangeTheDigest() throws {
        let one = Array(#"{"a":1,"b":"三"}"#.utf8), two = Array("{ \"b\" : \"\\u4e09\" , \"a\" : 1 }".utf8)
        let first = try #require(one.withUnsafeBytes { ValueDigest.scan($0, member: "a") })
        let second = try #require(two.withUnsafeBytes { ValueDigest.scan($0, member: "a") })
        #expect(first.digest == second.digest && first.key == second.key)
        #expect(first.key == ValueDigest.KeyText(text: "1", isInteger: true))
    }

    /// The key is the value as the server compares it: trimmed, never empty; an integer in decimal; nothing for
    /// other kinds, or when the member is absent.
    @Test func theKeyIsTheLookupKey() throws {
        let cases: [(String, ValueDigest.KeyText?)] = [
            (#"{"bk_asset_id": "  SW-1 ", "x": 1}"#, ValueDigest.KeyText(text: "SW-1", isInteger: false)),
            (#"{"bk_asset_id": "\u4e09\t"}"#, ValueDigest.KeyText(text: "三", isInteger: false)),
            (#"{"bk_asset_id": -7}"#, ValueDigest.KeyText(text: "-7", isInteger: true)),
            (#"{"bk_asset_id": "   "}"#, nil), (#"{"bk_asset_id": true}"#, nil), (#"{"bk_asset_id": [1]}"#, nil),
            (#"{"other": "x", "nested": {"bk_asset_id": "inner"}}"#, nil),
        ]
        for (text, key) in cases {
            let scanned = try #require(Array(text.utf8).withUnsafeBytes { ValueDigest.scan($0, member: "bk_asset_id") })
            #expect(scanned.key == key, "\(text)")
            Self.check(Array(text.utf8), expectScan: true)
        }
    }

    /// Every byte at every position of a long value among Chinese text: the checked scan reads it as jansson does;
    /// the unchecked one stops where the checked one does (quote, backslash, control character), and agrees with
    /// it on every text the checked one reads.
    @Test func theUncheckedScanAgreesOnEveryByteAtEveryPosition() {
        let background = Array("交换机-A00-北京亦庄".utf8)
        for position in 0..<background.count {
            for byte in 0...255 {
                var value = background
                value[position] = UInt8(byte)
                let text = Array(#"{"bk_asset_id":""#.utf8) + value + Array(#"","n":1}"#.utf8)
                Self.check(text)  // the checked scan against jansson
                let checked = text.withUnsafeBytes { ValueDigest.scan($0, member: "bk_asset_id") }
                let unchecked = text.withUnsafeBytes { ValueDigest.scan($0, member: "bk_asset_id", checkingUTF8: false) }
                if let checked {
                    #expect(unchecked?.digest == checked.digest && unchecked?.key == checked.key, "byte \(byte) at \(position)")
                } else if byte == 0x22 || byte == 0x5C || byte < 0x20 {
                    #expect(unchecked == nil, "byte \(byte) at \(position)")
                }
            }
        }
    }

    @Test func randomValuesDigestAlike() throws {
        var generator = SplitMix(seed: 0x6469_6765_7374)
        for _ in 0..<400 {
            let value = try JSONReaderTests.randomValue(&generator, depth: 0)
            if value.isObject, generator.next() % 2 == 0 { try value.set("bk_asset_id", JSON.string("k\(generator.next() % 100)")) }
            guard let text = value.janssonBytes() else { continue }
            Self.check(text)
        }
    }
}
