import BKCC
import Testing

@Suite struct JSONTests {
    @Test func blankTextIsWhatTheServerTrimsToNothing() throws {
        for (text, blank) in [("", true), (" \t\r\n", true), ("\u{3000}", true), ("\u{00A0}\u{2028}\u{85}", true),
                              ("x", false), ("三", false), ("\u{00A0}x", false), ("\u{3000}三", false), ("\u{1}", false),
                              ("\u{E000}", false), ("\u{2060}", false)] {
            #expect(try JSON.string(text).isBlankText == blank, "\(Array(text.unicodeScalars))")
            #expect(blank == text.trimmingSpace().isEmpty)
        }
        #expect(try JSON.integer(1).isBlankText == nil)
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
