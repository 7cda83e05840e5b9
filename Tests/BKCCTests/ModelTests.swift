import BKCC
import BKCCTestSupport
import CJansson
import Testing

/// The model: read from the server's answers, as JSON both ways, and the checks by attribute type.
@Suite struct ModelTests {
    /// The custom model of the emulator (Tests/Emulator README): as bkcc_get_model returns it.
    static let rackJSON = #"""
        {"bk_obj_id": "rack", "name": "机柜", "attributes": [
          {"id": "bk_inst_name", "name": "实例名", "type": "singlechar", "required": true},
          {"id": "rack_u", "name": "U数", "type": "int", "option": {"min": "1", "max": "60"}},
          {"id": "rack_room", "name": "机房", "type": "singlechar"},
          {"id": "rack_status", "name": "状态", "type": "enum",
           "option": [{"id": "in_use", "name": "在用"}, {"id": "idle", "name": "闲置"}, {"id": "retired", "name": "退役"}]},
          {"id": "rack_ip", "name": "管理IP", "type": "singlechar",
           "option": "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$"},
          {"id": "rack_tag", "name": "标签", "type": "singlechar"},
          {"id": "rack_power", "name": "功率", "type": "float", "option": {"min": 0, "max": 30.5}},
          {"id": "rack_since", "name": "启用日期", "type": "date"},
          {"id": "rack_seen", "name": "盘点时间", "type": "time"},
          {"id": "rack_owner", "name": "负责人", "type": "objuser", "multiple": false},
          {"id": "rack_live", "name": "上电", "type": "bool"},
          {"id": "rack_notes", "name": "备注", "type": "longchar"}],
         "unique": [["bk_inst_name"], ["rack_tag"]]}
        """#

    static var rack: Model { try! Model(json: json(rackJSON)) }

    private func problems(_ details: String) throws -> [Int: String] {
        try ModelCheck(ModelTests.rack).problems(in: json(details)).problems
    }

    @Test func aValidRackHasNoProblemsAndNoWarnings() throws {
        let found = try ModelCheck(ModelTests.rack).problems(in: json(#"""
            [{"bk_inst_name": "R-1", "rack_u": 42, "rack_room": "A1", "rack_status": "in_use", "rack_ip": "10.0.0.1",
              "rack_tag": "t1", "rack_power": "12.5", "rack_since": "2024-02-29", "rack_seen": "2024-03-01 12:00:00",
              "rack_owner": "admin", "rack_live": true, "rack_notes": "ok"}]
            """#))
        #expect(found.problems.isEmpty)
        #expect(found.warnings.isEmpty)
    }

    @Test func eachTypeRuleNamesTheAttributeAndItsDisplayName() throws {
        let cases: [(String, String)] = [
            (#"{"rack_tag": "a"}"#, "details[0].bk_inst_name (实例名): required"),
            (#"{"bk_inst_name": "   "}"#, "details[0].bk_inst_name (实例名): required, must not be empty"),
            (#"{"bk_inst_name": null}"#, "details[0].bk_inst_name (实例名): required"),
            (#"{"bk_inst_name": "r", "rack_u": 61}"#, "details[0].rack_u (U数): 61 is above the maximum 60"),
            (#"{"bk_inst_name": "r", "rack_u": 0}"#, "details[0].rack_u (U数): 0 is below the minimum 1"),
            (#"{"bk_inst_name": "r", "rack_u": "3"}"#, "details[0].rack_u (U数): must be a number, got string"),
            (#"{"bk_inst_name": "r", "rack_status": "broken"}"#,
             "details[0].rack_status (状态): \"broken\" is not one of its options (in_use (在用), idle (闲置), retired (退役))"),
            (#"{"bk_inst_name": "r", "rack_ip": "10.0.0.300"}"#, "does not match the model's pattern"),
            (#"{"bk_inst_name": "r", "rack_power": 31}"#, "details[0].rack_power (功率): 31 is above the maximum 30.5"),
            (#"{"bk_inst_name": "r", "rack_power": "x"}"#, "details[0].rack_power (功率): must be a number, got string"),
            (#"{"bk_inst_name": "r", "rack_since": "2023-02-29"}"#, "details[0].rack_since (启用日期): must be a date YYYY-MM-DD"),
            (#"{"bk_inst_name": "r", "rack_seen": "2024-03-01T12:00:00"}"#, "details[0].rack_seen (盘点时间): must be a time"),
            (#"{"bk_inst_name": "r", "rack_owner": "a,b"}"#, "details[0].rack_owner (负责人): takes one user, got a list"),
            (#"{"bk_inst_name": "r", "rack_live": "true"}"#, "details[0].rack_live (上电): must be true or false, got string"),
            (#"{"bk_inst_name": 7}"#, "details[0].bk_inst_name (实例名): must be a string, got integer"),
        ]
        for (detail, expected) in cases {
            let message = try problems("[\(detail)]")[0] ?? "(valid)"
            #expect(message.contains(expected), "\(detail): \(message)")
        }
    }

    @Test func numbersAreTakenAsTheServerTakesThem() throws {
        // util.IsNumeric: an int attribute takes any JSON number, but the range check reads a fractional one
        // (json.Number "3.0" or "3.5": Int64 fails) as 0.
        let found = try problems(#"[{"bk_inst_name": "a", "rack_tag": "a", "rack_u": 3.0}, {"bk_inst_name": "b", "rack_tag": "b", "rack_u": 60}]"#)
        #expect(found == [0: "details[0].rack_u (U数): 3.0 is not a whole number: the CMDB reads it as 0, below the minimum 1"])
        #expect(try problems(#"[{"bk_inst_name": "a", "rack_since": "2024-02-29", "rack_seen": "2024-03-01T12:00:00.5+08:00"}]"#).isEmpty)
    }

    @Test func textLimitsAreBytesAfterTrimming() throws {
        let chinese85 = String(repeating: "机", count: 85)  // 255 bytes
        let chinese86 = String(repeating: "机", count: 86)  // 258 bytes
        #expect(try problems(#"[{"bk_inst_name": "  \#(chinese85)  "}]"#).isEmpty)
        let message = try problems(#"[{"bk_inst_name": "\#(chinese86)"}]"#)[0] ?? ""
        #expect(message == "details[0].bk_inst_name (实例名): 258 bytes, more than the 256 bytes of single-line text (a Chinese character takes 3)")
        let long = String(repeating: "x", count: 2001)
        #expect(try problems(#"[{"bk_inst_name": "a", "rack_notes": "\#(long)"}]"#)[0]?.contains("2001 bytes, more than the 2000 bytes of long text") == true)
        // Enum ids are trimmed like every string before the server checks them.
        #expect(try problems(#"[{"bk_inst_name": "a", "rack_status": " idle "}]"#).isEmpty)
    }

    /// The quick check on bytes (`Rule.passesQuickly`) must never pass what the full check refuses: white space of
    /// every kind at either end, patterns, NUL inside, lengths at the limit, users.
    @Test func theQuickByteCheckAgreesWithTheFullOne() throws {
        let check = ModelCheck(ModelTests.rack)
        let ip = "10.0.0.1"
        let a256 = String(repeating: "a", count: 256)
        let cases: [(String, JSON, Bool)] = [
            ("rack_ip", try .string(ip), true), ("rack_ip", try .string("\u{3000}\(ip)\u{3000}"), true),
            ("rack_ip", try .string("\u{00A0}\(ip)"), true), ("rack_ip", try .string("\(ip)\u{2028}"), true),
            ("rack_ip", try .string("\(ip)\u{85}"), true), ("rack_ip", try .string("\(ip)\u{202F}"), true),
            ("rack_ip", try .string("\(ip)x"), false), ("rack_ip", try .string("\(ip)\u{0}x"), true),  // the server judges it
            ("rack_ip", try .string("10.0.0.1\u{1680}"), true), ("rack_ip", try .string("\u{205F}10.0.0.1"), true),
            ("rack_tag", try .string(a256), true), ("rack_tag", try .string(a256 + "a"), false),
            ("rack_tag", try .string(a256 + "\u{3000}"), true), ("rack_tag", try .string("\u{3000}"), true),
            ("rack_tag", try .string("机柜-01"), true), ("rack_tag", try .integer(5), false),
            ("rack_owner", try .string("zhangwei"), true), ("rack_owner", try .string("a,b"), false),
            ("rack_owner", try .string("_a"), false), ("rack_owner", try .string("a b"), false),
            ("rack_owner", try .string("张伟"), false), ("rack_owner", try .string("user@example.com"), true),
            ("rack_u", try .integer(60), true), ("rack_u", try .integer(61), false), ("rack_u", try .integer(0), false),
            ("rack_u", try .real(3.0), false),
        ]
        for (key, value, fine) in cases {
            let detail = try JSON.object(["bk_inst_name": .string("r"), key: value])
            let found = check.check(detail)
            #expect(found.problems.isEmpty == fine, "\(key) = \(value.serialized() ?? ""): \(found.problems)")
        }
    }

    @Test func unknownAttributesAreWarningsNotProblems() throws {
        let found = try ModelCheck(ModelTests.rack).problems(in: json(#"[{"bk_inst_name": "a", "bk_port_count": 48, "bk_biz_id": 2}]"#))
        #expect(found.problems.isEmpty)
        #expect(found.warnings == [0: "details[0].bk_port_count: not an attribute of rack: the CMDB drops it"])
    }

    @Test func uniqueRulesAcrossTheBatchIncludeTheEmptyString() throws {
        let found = try problems(#"""
            [{"bk_inst_name": "a"}, {"bk_inst_name": " a "}, {"bk_inst_name": "b"}, {"bk_inst_name": "c", "rack_tag": ""}]
            """#)
        #expect(found[1]?.hasPrefix("details[1].bk_inst_name: \"a\" repeats details[0]; the server would reject it as duplicated; ") == true)
        // rack_tag absent in 0 and 2 is stored as "" and collides: 2 repeats 0, so does 3's explicit "".
        #expect(found[2] == "details[2].rack_tag: \"\" (absent: stored as \"\") repeats details[0]; the server would reject it as duplicated")
        #expect(found[3]?.hasPrefix("details[3].rack_tag: \"\" repeats details[0]") == true)
        #expect(found[0] == nil)
    }

    /// The repeat check's hashes (the CLI's `RowValidator`) collide where the server's unique index does: an absent
    /// text attribute, an empty one and one of spaces are all "", whether the row was read flat or parsed.
    @Test func uniqueKeyHashesCollideWhereTheServerWould() throws {
        let check = ModelCheck(ModelTests.rack)
        func hashes(_ text: String) throws -> (flat: [UInt64], parsed: [UInt64]) {
            let flat = FlatObject()
            #expect(Array(text.utf8).withUnsafeBytes { flat.read($0) }, "\(text)")
            var quick: [UInt64] = [], full: [UInt64] = []
            check.forEachUniqueKeyHash(flat) { quick.append($1) }
            check.forEachUniqueKeyHash(try json(text)) { full.append($1) }
            #expect(quick == full, "\(text)")
            return (quick, full)
        }
        let absent = try hashes(#"{"bk_inst_name":"a"}"#).flat
        #expect(absent.count == 2)
        #expect(try hashes(#"{"bk_inst_name":"a","rack_tag":""}"#).flat == absent)
        #expect(try hashes(#"{"bk_inst_name":" a ","rack_tag":"  "}"#).flat == absent)
        #expect(try hashes(#"{"bk_inst_name":"a","rack_tag":"t"}"#).flat[1] != absent[1])
        #expect(try hashes(#"{"bk_inst_name":"b"}"#).flat[0] != absent[0])
    }

    @Test func theModelJSONRoundTripsAndRefusesWhatIsNotAModel() throws {
        let again = try Model(json: ModelTests.rack.json())
        #expect(again.attributes.map(\.id) == ModelTests.rack.attributes.map(\.id))
        #expect(again.unique == [["bk_inst_name"], ["rack_tag"]])
        #expect(again.attribute("rack_u")?.name == "U数")
        // Byte for byte: a kept model (ModelCache) is taken as the CMDB's when its JSON text is the same.
        #expect(try again.json().serializedBytes() == ModelTests.rack.json().serializedBytes())
        let bad: [(String, String)] = [
            ("[]", "model: must be a JSON object, got array"),
            (#"{"attributes": []}"#, "model.bk_obj_id: required, must be a non-empty string"),
            (#"{"bk_obj_id": "m", "attributes": {}}"#, "model.attributes: must be an array"),
            (#"{"bk_obj_id": "m", "attributes": [{"id": "a", "type": "int"}, {"id": "a", "type": "int"}]}"#,
             "model.attributes[1].id: \"a\" twice"),
            (#"{"bk_obj_id": "m", "attributes": [{"id": "a"}]}"#, "model.attributes[0].type: required, must be a non-empty string"),
            (#"{"bk_obj_id": "m", "attributes": [{"id": "a", "type": "int", "required": "yes"}]}"#,
             "model.attributes[0].required: must be true or false"),
            (#"{"bk_obj_id": "m", "attributes": [{"id": "a", "type": "int"}], "unique": [["b"]]}"#,
             "model.unique[0]: must be a non-empty array of the model's attribute ids"),
        ]
        for (text, message) in bad {
            let error = thrown { () throws(BKCCError) in try Model(json: json(text)) }
            #expect(error?.status == .invalidArgument)
            #expect(error?.message == message)
        }
    }

    @Test func theServerAnswersMakeAModel() throws {
        let attributes = json(#"""
            [{"id": 7, "bk_property_id": "rack_u", "bk_property_name": "U数", "bk_property_type": "int", "isrequired": false,
              "editable": true, "isonly": false, "option": {"min": "1", "max": "60"}, "bk_property_index": 2},
             {"id": 5, "bk_property_id": "bk_inst_name", "bk_property_name": "实例名", "bk_property_type": "singlechar",
              "isrequired": true, "editable": true, "isonly": true, "option": "", "bk_property_index": 1}]
            """#)
        let uniques = json(#"[{"id": 1, "bk_obj_id": "rack", "must_check": true, "keys": [{"key_kind": "property", "key_id": 5}]}]"#)
        let gateway = try Model.fromServer(objectID: "rack", attributes: attributes, uniques: uniques)
        #expect(gateway.attributes.map(\.id) == ["bk_inst_name", "rack_u"])  // bk_property_index order
        #expect(gateway.unique == [["bk_inst_name"]])
        #expect(gateway.attribute("bk_inst_name")?.required == true)
        let esb = try Model.fromServer(objectID: "rack", attributes: attributes, uniques: nil)
        #expect(esb.unique == [["bk_inst_name"]])  // from isonly
        #expect(thrown { () throws(BKCCError) in try Model.fromServer(objectID: "nope", attributes: json("[]"), uniques: nil) }?.status == .api)
        let dangling = json(#"[{"keys": [{"key_kind": "property", "key_id": 99}]}]"#)
        #expect(thrown { () throws(BKCCError) in try Model.fromServer(objectID: "rack", attributes: attributes, uniques: dangling) }?.status == .protocolError)
    }

    @Test func offlineRulesFitCustomModels() throws {
        // A custom model needs bk_inst_name only; its repeats are on bk_inst_name.
        let rack = try Validation.problems(in: json(#"[{"bk_inst_name": "r1"}, {"bk_inst_name": "r1"}, {"rack_u": 3}]"#), objectID: "rack")
        #expect(rack[0] == nil)
        #expect(rack[1] == "details[1].bk_inst_name: \"r1\" repeats details[0]; the server would reject it as duplicated")
        #expect(rack[2] == "details[2].bk_inst_name: required, must be a non-empty string")
        // The four device models also need bk_asset_id, and repeat on it.
        for model in ["bk_switch", "bk_router", "bk_load_balance", "bk_firewall"] {
            let found = try Validation.problems(in: json(#"[{"bk_inst_name": "a"}]"#), objectID: model)
            #expect(found[0] == "details[0].bk_asset_id: required, must be a non-empty string")
        }
    }

    /// The shared cases of Tests/Fixtures/model_rules.json: the emulator's tests assert the same cases against
    /// the emulator, so the client's checks and the server's agree.
    @Test func theSharedRuleCasesAgreeWithTheEmulator() throws {
        let path = String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/") + "/Fixtures/model_rules.json"
        // One case holds 9223372036854775808 (beyond int64), which jansson refuses as an integer (as bkcc refuses it
        // in any input): read here as the real number 9223372036854775808.0, which the CMDB's int rule also reads
        // as 0 (json.Number.Int64 fails), so the case means the same.
        guard let file = fopen("/" + path, "r") else {
            Issue.record("cannot open /\(path)")
            return
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        fclose(file)
        let text = String(decoding: bytes, as: UTF8.self).replacing("9223372036854775808", with: "9223372036854775808.0")
        let fixture = json(text)
        var models: [String: ModelCheck] = [:]
        for model in fixture["models"]?.elements ?? [] {
            let parsed = try Model(json: model)
            models[parsed.objectID] = ModelCheck(parsed)
        }
        let cases = fixture["cases"]?.elements ?? []
        #expect(cases.count >= 40)
        for entry in cases {
            guard let name = entry["model"]?.string, let check = models[name], let item = entry["item"] else {
                Issue.record("a case without a known model: \(entry)")
                continue
            }
            let valid = entry["valid"]?.bool ?? false
            let found = check.check(item)
            #expect(found.problems.isEmpty == valid, "\(entry): \(found.problems)")
        }
    }

    /// Answers each model read by its path, and keeps the most requests it ever had in flight at once.
    final class ModelReadTransport: Transport {
        var maxInFlight: Int { 8 }
        private var active: [(tag: Int, request: HTTPRequest)] = []
        private(set) var mostAtOnce = 0
        private(set) var paths: [String] = []

        func start(_ request: HTTPRequest, tag: Int) {
            active.append((tag, request))
            mostAtOnce = max(mostAtOnce, active.count)
            paths.append(request.url)
        }

        func poll(timeoutMs: Int) -> [(tag: Int, outcome: TransportOutcome)] {
            defer { active.removeAll() }
            return active.map { entry in
                let data = entry.request.url.contains("objectunique")
                    ? #"[{"id":1,"keys":[{"key_kind":"property","key_id":2}]}]"#
                    : #"[{"id":1,"bk_property_id":"bk_inst_name","bk_property_name":"名称","bk_property_type":"singlechar","isrequired":true},"#
                      + #"{"id":2,"bk_property_id":"rack_tag","bk_property_name":"标签","bk_property_type":"singlechar"}]"#
                let body = #"{"result":true,"code":0,"message":"success","request_id":"r","data":\#(data)}"#
                return (entry.tag, .answered(HTTPResponse(status: 200, body: Array(body.utf8))))
            }
        }
    }

    @Test func theGatewaysTwoModelReadsAreInFlightAtOnce() throws {
        let transport = ModelReadTransport()
        let client = try Client(configuration: Configuration(url: "http://127.0.0.1:9", appCode: "app", appSecret: "s",
                                                             username: "u", api: .apigw))
        let model = try client.getModel(objectID: "rack", transport: transport)
        #expect(transport.mostAtOnce == 2)
        #expect(transport.paths.count == 2 && transport.paths.contains { $0.hasSuffix("/api/v3/find/objectunique/object/rack") })
        #expect(model.unique == [["rack_tag"]])
        #expect(model.attribute("bk_inst_name")?.required == true)
        // On the ESB the rules come with the attributes: one read.
        let esb = ModelReadTransport()
        _ = try Client(configuration: Configuration(url: "http://127.0.0.1:9", appCode: "app", appSecret: "s", username: "u"))
            .getModel(objectID: "rack", transport: esb)
        #expect(esb.paths.count == 1 && esb.mostAtOnce == 1)
    }
}
