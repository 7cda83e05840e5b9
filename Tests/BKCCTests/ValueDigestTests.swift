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
        let usable = wanted.flatMap { $0.kind == .string || $0.kind == .integer ? $0 : nil }
        #expect(scanned.member?.serialized() == usable?.serialized(), sourceLocation: sourceLocation)
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
        #expect(first.digest == second.digest && first.member?.integer == 1 && second.member?.integer == 1)
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
