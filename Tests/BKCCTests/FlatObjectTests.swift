import BKCC
import CJansson
import Testing

/// `FlatObject` (a flat row read in place) and the checks on it, held to the parsed value's: the same digest as
/// `ValueDigest.of`, never a pass the full model check refuses, the same unknown attributes and unique-key hashes.
@Suite struct FlatObjectTests {
    static func read(_ text: String) -> FlatObject? {
        let flat = FlatObject()
        return Array(text.utf8).withUnsafeBytes { flat.read($0) } ? flat : nil
    }

    static func text(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func flatRowsAreReadWithTheParsedValuesDigest() throws {
        for text in [
            #"{"bk_inst_name": "北京-亦庄-接入交换机-A00-000001", "bk_asset_id": "ZC-SW-2020-0000001", "bk_port_count": 52}"#,
            "  {\"a\\\"b\": \"x\\ny\", \"c\": \"\\u4e09\\uD83D\\uDE00\", \"d\": -7, \"e\": true, \"f\": false, \"g\": null}\n",
            "{}", " { } ", #"{"only": ""}"#,
        ] {
            let bytes = Array(text.utf8)
            let flat = try #require(Self.read(text), "\(text)")
            let parsed = try JSON.parse(text).get()
            #expect(flat.digest == ValueDigest.of(parsed.raw), "\(text)")
            #expect(flat.members.count == parsed.count)
            let scanned = try #require(bytes.withUnsafeBytes { ValueDigest.scan($0, member: "x") })
            #expect(flat.digest == scanned.digest)
        }
    }

    /// One reader, row after row, keys at the same position differing in one byte only (first, middle, last) or
    /// in length, of every size around the remembered ones (4 to 16 bytes): each member's hash is its key's own,
    /// and the digest the parsed row's.
    @Test func keysReadAgainKeepTheirOwnHashes() throws {
        let flat = FlatObject()
        var keys: [String] = []
        for length in [1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24] {
            let base = String((0..<length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
            keys.append(base)
            for position in Set([0, length / 2, length - 1]) {
                var bytes = Array(base.utf8)
                bytes[position] = UInt8(ascii: "Z")
                keys.append(String(decoding: bytes, as: UTF8.self))
            }
            keys.append(base)
        }
        for (row, key) in keys.enumerated() {
            // The key at position 1, behind a key that never changes; the row read twice in a row once.
            let text = #"{"fixed_key": 1, ""# + key + #"": "v\#(row)"}"#
            for _ in 0..<(row % 3 == 0 ? 2 : 1) {
                let read = Array(text.utf8).withUnsafeBytes { flat.read($0) }
                #expect(read, "\(text)")
                #expect(flat.members.map(\.keyHash) == flat.members.map { FlatObject.keyHash($0.key) }, "\(text)")
                let parsed = try JSON.parse(text).get()  // kept: `raw` does not hold the value
                #expect(flat.digest == ValueDigest.of(parsed.raw), "\(text)")
            }
        }
    }

    /// A repeated key is refused whatever was read before: after rows with the same keys (the repeat check is then
    /// skipped), after a row cut short by a nested value, and with the repeat past the keys read before.
    @Test func aRepeatedKeyIsRefusedAfterRowsOfTheSameKeys() {
        let flat = FlatObject()
        func read(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { flat.read($0) } }
        let row = #"{"bk_inst_name": "a", "bk_asset_id": "b", "bk_sn": "c"}"#
        #expect(read(row) && read(row))
        #expect(!read(#"{"bk_inst_name": "a", "bk_inst_name": "b", "bk_sn": "c"}"#))
        #expect(read(row))
        #expect(!read(#"{"bk_inst_name": "a", "bk_asset_id": "b", "bk_sn": "c", "bk_sn": "d"}"#))
        #expect(read(row))
        #expect(!read(#"{"bk_inst_name": "a", "bk_sn": "b", "x": {"y": 1}}"#))  // bk_sn remembered second, then cut short
        #expect(!read(#"{"bk_inst_name": "a", "bk_sn": "b", "bk_sn": "c"}"#))
        #expect(read(row) && read(#"{"bk_inst_name": "a", "bk_asset_id": "b"}"#) && read(row))
        #expect(!read(#"{"bk_inst_name": "a", "bk_asset_id": "b", "bk_inst_name": "c"}"#))
    }

    @Test func whatIsNotSurelyAFlatObjectIsLeftToTheParser() {
        let many = "{" + (0...FlatObject.maxMembers).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}"
        for text in [
            #"{"a": {"b": 1}}"#, #"{"a": [1]}"#, #"{"a": 1.5}"#, #"{"a": 1e3}"#, #"{"a": 1234567890123456789}"#,
            "{\"a\": \"\\u0000\"}", #"{"a": 1, "a": 2}"#, "{\"a\": 1, \"\\u0061\": 2}", #"[{"a": 1}]"#, #""a""#, "7",
            #"{"a": 1,}"#, #"{"a" 1}"#, #"{"a": 1} x"#, #"{"a": tru}"#, #"{"a": truex}"#, "{\"a\": \"\u{01}\"}", "{", "",
            #"{"a": 01}"#, many,
        ] {
            #expect(Self.read(text) == nil, "\(text)")
        }
        // Invalid UTF-8 in a value or a key.
        for bytes: [UInt8] in [[0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], [0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D]] {
            #expect(bytes.withUnsafeBytes { FlatObject().read($0) } == false)
        }
        #expect(Self.read("{" + (1...FlatObject.maxMembers).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}") != nil)
    }

    @Test func escapedKeysAndValuesStayValidTogether() throws {
        let flat = try #require(Self.read("{\"k\\u0031\": \"v\\t1\", \"k2\": \"plain\", \"k\\\\3\": \"\\\"v3\\\"\"}"))
        let pairs = flat.members.map { member -> String in
            guard case .string(let value) = member.value else { return "?" }
            return Self.text(member.key) + "=" + Self.text(value)
        }
        #expect(pairs == ["k1=v\t1", "k2=plain", "k\\3=\"v3\""])
        guard case .string(let second)? = flat.value(of: "k2") else { Issue.record("k2"); return }
        #expect(Self.text(second) == "plain")
        // The reader is reused: a shorter row after a longer one, members replaced; after a refusal, none.
        let again = try #require(Self.read(#"{"x": 1}"#))
        #expect(again.members.count == 1)
        #expect(!Array(#"{"x": 1, "y": [2]}"#.utf8).withUnsafeBytes { again.read($0) } && again.members.isEmpty)
    }

    /// Random flat rows over the rack model: whenever the quick check passes a row, the full check finds no
    /// problem, and both see the same unknown attributes and the same unique keys.
    @Test func theQuickCheckNeverPassesWhatTheFullCheckRefuses() throws {
        let check = ModelCheck(ModelTests.rack)
        let keys = ["bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip", "rack_tag", "rack_owner",
                    "rack_live", "rack_notes", "bk_port_count", "bk_biz_id"]
        let strings = ["r1", " r1", "r1 ", "机柜\u{3000}", "三", "in_use", "10.0.0.1", "10.0.0.x", "zhangwei", "a,b", "",
                       "\u{00A0}x", "x\u{2009}", "x\u{85}", String(repeating: "a", count: 257), "新华三"]
        var generator = SplitMix(seed: 0x666C_6174)
        var passed = 0
        for _ in 0..<3_000 {
            var members: [String] = []
            for key in keys where key == "bk_inst_name" || generator.next() % 2 == 0 {
                func quoted(_ text: String) -> String { String(decoding: JSONQuote.quotedBytes(text), as: UTF8.self) }
                let fitting: [String]
                switch key {
                case "rack_u": fitting = ["1", "60", "61", "0"]
                case "rack_live": fitting = ["true", "false"]
                case "rack_status": fitting = [quoted("in_use"), quoted("idle "), quoted("gone")]
                case "rack_ip": fitting = [quoted("10.0.0.1"), quoted("10.0.0.x"), quoted(" 10.0.0.1")]
                case "rack_owner": fitting = [quoted("zhangwei"), quoted("a,b"), quoted("张伟")]
                default: fitting = strings.map(quoted)
                }
                let value: String
                switch generator.next() % 16 {
                case 0: value = String(Int64(generator.next() % 80) - 10)
                case 1: value = generator.next() % 2 == 0 ? "true" : "false"
                case 2: value = "null"
                case 3: value = quoted(strings[Int(generator.next() % UInt64(strings.count))])
                default: value = fitting[Int(generator.next() % UInt64(fitting.count))]
                }
                members.append("\"\(key)\": \(value)")
            }
            let text = "{" + members.joined(separator: ", ") + "}"
            let flat = try #require(Self.read(text), "\(text)")
            let detail = try JSON.parse(text).get()
            var unknown: [String] = []
            let quick = check.passesQuickly(flat) { unknown.append(Self.text($0.key)) }
            let full = check.problems(of: detail)
            if quick {
                passed += 1
                #expect(full.problems.isEmpty, "\(text): \(full.problems)")
                #expect(unknown == full.unknown, "\(text)")
            }
            var quickKeys: [UInt64] = [], fullKeys: [UInt64] = []
            check.forEachUniqueKeyHash(flat) { quickKeys.append($1) }
            check.forEachUniqueKeyHash(detail) { fullKeys.append($1) }
            #expect(quickKeys == fullKeys, "\(text)")
        }
        #expect(passed > 50)  // the generator makes rows of both kinds (96 of 3,000 pass)
    }

    /// `JSON.cannotTrim` is exact: for every character of the Basic Multilingual Plane (and a few beyond), at
    /// either end of a text, it says "nothing to trim" exactly when `trimmingSpace` keeps the text whole (control
    /// characters aside, which it leaves to the general path).
    /// `bytesEqual` (attribute ids and member names, two overlapping loads for 4 to 16 bytes) against the bytes
    /// compared one by one: every length to 24, each byte changed in turn, and a length off by one.
    @Test func bytesEqualComparesEveryByte() {
        for length in 0...24 {
            let a = (0..<length).map { UInt8(truncatingIfNeeded: 0x41 + $0 * 7) }
            a.withUnsafeBytes { x in
                #expect(Array(a).withUnsafeBytes { bytesEqual(x, $0) }, "length \(length)")
                for position in 0..<length {
                    var b = a
                    b[position] ^= 0x20
                    #expect(!b.withUnsafeBytes { bytesEqual(x, $0) }, "length \(length), byte \(position)")
                }
                #expect(!(a + [0x41]).withUnsafeBytes { bytesEqual(x, UnsafeRawBufferPointer(rebasing: $0[0..<length + 1])) })
            }
        }
    }

    @Test func cannotTrimIsExactAtBothEnds() {
        func says(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { JSON.cannotTrim(UnsafeRawBufferPointer($0)) }
        }
        var scalars = Array(0x20...0xD7FF) + Array(0xE000...0xFFFF)
        scalars += [0x1F600, 0x10FFFF, 0x20000]
        for value in scalars {
            let scalar = Unicode.Scalar(UInt32(value))!
            let character = String(Character(scalar))
            for text in [character, "x" + character, character + "x", "三" + character, character + "三"] {
                let whole = text.trimmingSpace() == Substring(text)
                #expect(says(text) == whole, "U+\(String(value, radix: 16)) in \(text.unicodeScalars.map { $0.value })")
            }
        }
        #expect(!says("") && !says("\u{01}x") && !says("x\u{1F}"))
    }
}
