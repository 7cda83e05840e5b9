import BKCC
import Testing

/// Details given as JSON text (`batchCreateInstances(detailsText:)`, behind `bkcc_batch_create_inst_json` and the
/// Python package): flat details that pass the checks go out as they are written; anything else takes the parsed
/// path. Either way the result, the messages and what the server is sent mean the same as the parsed call's.
@Suite struct DetailsTextTests {
    static func ranges(_ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { buffer in
            JSONArraySplit.objectRanges(buffer).map { $0.map { String(decoding: bytes[$0], as: UTF8.self) } }
        }
    }

    @Test func theArrayIsSplitIntoItsObjectsBytes() {
        #expect(Self.ranges(#" [ {"a": 1} ,{"b": "x}]{\"y"} , {"c": {"d": [1, "]"]}}] "#)
                == [#"{"a": 1}"#, #"{"b": "x}]{\"y"}"#, #"{"c": {"d": [1, "]"]}}"#])
        // A run of backslashes before a quote: even, the quote ends the string; odd, it is escaped.
        #expect(Self.ranges(#"[{"a": "x\\"}, {"b": "y\\\"}"}]"#) == [#"{"a": "x\\"}"#, #"{"b": "y\\\"}"}"#])
        for text in ["[]", " [ ] ", "[1]", #"["a"]"#, "{}", "[{}", "[{} {}]", "[{},]", "[{}] x", #"[{"a": "open}]"#, "", "[", "[{},{}"] {
            #expect(Self.ranges(text) == nil, "\(text)")
        }
    }

    /// Both calls, each against its own scripted server that records what it is sent.
    static func both(_ text: String, options: BatchOptions = BatchOptions(onInvalid: .skip))
        throws -> (textual: BatchResult, parsed: BatchResult, textRequests: [HTTPRequest], parsedRequests: [HTTPRequest]) {
        let first = ScriptedServer { server, _, details in server.createAll(details) }
        let second = ScriptedServer { server, _, details in server.createAll(details) }
        let bytes = Array(text.utf8)
        let textClient = try client()
        let textual = try bytes.withUnsafeBytes { (buffer) throws(BKCCError) -> BatchResult in
            try textClient.batchCreateInstances(objectID: "bk_switch", detailsText: buffer, options: options, transport: first.transport) {
                BKCCError(.invalidArgument, "not JSON: \($0)")
            }
        }
        let details = try JSON.parse(text).get()
        let parsed = try client().batchCreateInstances(objectID: "bk_switch", details: details, options: options, transport: second.transport)
        return (textual, parsed, first.requests, second.requests)
    }

    static func same(_ one: BatchResult, _ other: BatchResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(one.created == other.created, sourceLocation: sourceLocation)
        #expect(one.failed == other.failed, sourceLocation: sourceLocation)
        #expect(one.unknown == other.unknown && one.skipped == other.skipped, sourceLocation: sourceLocation)
        #expect(one.status == other.status, sourceLocation: sourceLocation)
    }

    @Test func flatValidDetailsAreSentAsWritten() throws {
        let elements = [#"{"bk_inst_name": "交换机-1", "bk_asset_id": "A-1"}"#,
                        "{ \"bk_asset_id\" : \"A-2\" , \"bk_inst_name\" : \"sw-\\u4e09\", \"bk_sn\": \"x\\\"y\", \"rack\": 4 }",
                        #"{"bk_inst_name":"sw-3","bk_asset_id":" A-3 ","on":true,"off":null}"#]
        let run = try Self.both("[" + elements.joined(separator: ",\n  ") + "]")
        Self.same(run.textual, run.parsed)
        #expect(run.textual.created.count == 3)
        let body = try #require(run.textRequests.first?.bodyBytes())
        let sent = String(decoding: body, as: UTF8.self)
        for element in elements { #expect(sent.contains(element), "\(sent)") }
        // What the server reads is what the parsed call sent.
        #expect(try run.textRequests.map { try $0.bodyValue()["details"]?.serialized() }
                == run.parsedRequests.map { $0.body["details"]?.serialized() })
    }

    @Test func anyDetailTheBytesCannotPassTakesTheParsedPath() throws {
        for text in [
            #"[{"bk_inst_name": "a", "bk_asset_id": "A-1"}, {"bk_inst_name": "b"}]"#,                 // required missing
            #"[{"bk_inst_name": "a", "bk_asset_id": "A-1"}, {"bk_inst_name": "b", "bk_asset_id": " A-1"}]"#,  // a repeat
            #"[{"bk_inst_name": "a", "bk_asset_id": "A-1", "tags": ["x"]}]"#,                          // nested
            #"[{"bk_inst_name": "a", "bk_asset_id": "A-1", "bk_sn": 7}]"#,                             // a string attribute
            #"[{"bk_inst_name": "  ", "bk_asset_id": "A-1"}]"#,                                         // empty once trimmed
            #"[{"bk_inst_name": "a", "bk_asset_id": "A-1", "ratio": 1.5}]"#,                            // a real
        ] {
            let run = try Self.both(text)
            Self.same(run.textual, run.parsed)
            #expect(run.textRequests.map { $0.bodyBytes() } == run.parsedRequests.map { $0.bodyBytes() }, "\(text)")
        }
        let invalid = try Self.both(#"[{"bk_inst_name": "a", "bk_asset_id": "A-1"}, {"bk_inst_name": "b"}]"#)
        #expect(invalid.textual.failed[1] == "details[1].bk_asset_id: required, must be a non-empty string")
    }

    @Test func textThatIsNotJSONIsRefusedAsTheCallerWords() throws {
        let bytes = Array(#"[{"bk_inst_name": "a"}"#.utf8)
        let client = try client()
        let outcome = bytes.withUnsafeBytes { buffer in
            Result { () throws(BKCCError) -> BatchResult in
                try client.batchCreateInstances(objectID: "bk_switch", detailsText: buffer) { BKCCError(.invalidArgument, "refused: \($0.text)") }
            }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("accepted")
            return
        }
        #expect(error.status == .invalidArgument && error.message.hasPrefix("refused: "))
    }

    @Test func withAModelTheModelsChecksDecide() throws {
        var rack = ModelTests.rack
        rack.objectID = "bk_switch"  // the calls here are on bk_switch
        let options = BatchOptions(onInvalid: .skip, model: rack)
        let passing = try Self.both(#"[{"bk_inst_name": "r1", "rack_u": 42, "rack_status": "idle", "rack_live": true}]"#, options: options)
        Self.same(passing.textual, passing.parsed)
        #expect(String(decoding: try #require(passing.textRequests.first?.bodyBytes()), as: UTF8.self)
            .contains(#"{"bk_inst_name": "r1", "rack_u": 42, "rack_status": "idle", "rack_live": true}"#))
        // rack_tag absent twice: "" repeats (a model unique rule): refused by the parsed path, in its words.
        let repeating = try Self.both(#"[{"bk_inst_name": "r1"}, {"bk_inst_name": "r2"}, {"bk_inst_name": "r3", "rack_u": 99}]"#, options: options)
        Self.same(repeating.textual, repeating.parsed)
        #expect(repeating.textual.failed[1]?.contains("repeats details[0]") == true)
        #expect(repeating.textual.failed[2]?.contains("rack_u") == true)
    }
}
