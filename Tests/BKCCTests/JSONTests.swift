import BKCC
import Testing

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
