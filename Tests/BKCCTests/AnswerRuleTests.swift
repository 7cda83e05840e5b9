import BKCC
import CJansson
import Testing

/// The retry rule of DESIGN.md, row by row, through the engine with a scripted server: each answer's items, the
/// status, and how many times the server was asked.
@Suite struct AnswerRuleTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var status: Int
        var body: String
        var headers: [(name: String, value: String)] = []
        /// The outcome every item of the first request must end in.
        var outcome: ItemOutcome.Kind
        var resultStatus: BKCCStatus
        /// Requests the server sees for 3 items with retries 2.
        var requests: Int
        var description: String { name }
    }

    static func envelope(_ code: Int, _ message: String) -> String {
        #"{"result": false, "code": \#(code), "message": "\#(message)", "data": null, "request_id": "r1"}"#
    }

    static func gateway(_ code: Int, _ name: String) -> String {
        #"{"code": \#(code), "code_name": "\#(name)", "message": "\#(name)", "result": false, "data": null}"#
    }

    static let rows: [Row] = [
        // result:false after which the backend may have acted: unknown, never sent again.
        Row(name: "audit 1109001", status: 200, body: envelope(1_109_001, "audit failed"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "topo 1199002", status: 200, body: envelope(1_199_002, "HTTP request failed"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "ESB 1306201", status: 200, body: envelope(1_306_201, "request timeout"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "ESB 1306000 not JSON", status: 200,
            body: envelope(1_306_000, "Request CMDB failed, the response content is not a json string"),
            outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 504 1650401", status: 504, body: gateway(1_650_401, "REQUEST_BACKEND_TIMEOUT"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 502 1650201", status: 502, body: gateway(1_650_201, "ERROR_REQUESTING_RESOURCE"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 502 1650200", status: 502, body: gateway(1_650_200, "BAD_GATEWAY"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 500 1650000", status: 500, body: gateway(1_650_000, "REQUEST_RESOURCE_5xx"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 500 1650001", status: 500, body: gateway(1_650_001, "ERROR"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "gateway 503 1650300", status: 503, body: gateway(1_650_300, "UNAVAILABLE"), outcome: .unknown, resultStatus: .api, requests: 1),
        Row(name: "any result:false with a 5xx status", status: 500, body: envelope(1_199_999, "internal"), outcome: .unknown, resultStatus: .api, requests: 1),
        // nothing done: failed with the server's message, safe to send again.
        Row(name: "CMDB check 1199038", status: 200, body: envelope(1_199_038, "need data details is null"), outcome: .failed, resultStatus: .api, requests: 1),
        Row(name: "ESB credentials 1306000", status: 200, body: envelope(1_306_000, "APP Code [bk_app_code] cannot be empty"), outcome: .failed, resultStatus: .api, requests: 1),
        Row(name: "gateway 400 1640001", status: 400, body: gateway(1_640_001, "INVALID_ARGS"), outcome: .failed, resultStatus: .api, requests: 1),
        // rate limited, nothing done: retried (here 2 retries), then skipped.
        Row(name: "HTTP 429", status: 429, body: "too many", headers: [("Retry-After", "0")], outcome: .skipped, resultStatus: .api, requests: 3),
        Row(name: "ESB 1306429", status: 200, body: envelope(1_306_429, "rate limited"), outcome: .skipped, resultStatus: .api, requests: 3),
        Row(name: "gateway 1642901", status: 429, body: gateway(1_642_901, "RATE_LIMIT_RESTRICTION"), headers: [("Retry-After", "0")], outcome: .skipped, resultStatus: .api, requests: 3),
        Row(name: "gateway 1642903 without Retry-After", status: 429, body: gateway(1_642_903, "RATE_LIMIT_RESTRICTION"), outcome: .skipped, resultStatus: .api, requests: 3),
        Row(name: "gateway 1642904", status: 429, body: gateway(1_642_904, "CONCURRENCY_LIMIT"), headers: [("Retry-After", "0")], outcome: .skipped, resultStatus: .api, requests: 3),
        Row(name: "CMDB limiter 1199997", status: 200, body: envelope(1_199_997, "too many requests"), outcome: .skipped, resultStatus: .api, requests: 3),
        // answers that cannot be trusted, or are no envelope: unknown.
        Row(name: "result:true with a non-zero code", status: 200,
            body: #"{"result": true, "code": 1199002, "message": "", "data": {"success_created": {"0": 7}, "error_msg": {}}}"#,
            outcome: .unknown, resultStatus: .protocolError, requests: 1),
        Row(name: "one id for two items", status: 200,
            body: #"{"result": true, "code": 0, "message": "success", "data": {"success_created": {"0": 7, "1": 7, "2": 8}, "error_msg": {}}}"#,
            outcome: .unknown, resultStatus: .protocolError, requests: 1),
        Row(name: "a proxy's 502 page", status: 502, body: "<html><title>502 Bad Gateway</title></html>", outcome: .unknown, resultStatus: .http, requests: 1),
        Row(name: "truncated", status: 200, body: #"{"result": true, "code": 0, "da"#, outcome: .unknown, resultStatus: .protocolError, requests: 1),
    ]

    @Test(arguments: rows) func eachAnswerGivesItsOutcome(_ row: Row) throws {
        let server = ScriptedServer { _, _, _ in ScriptedServer.ok(row.body, status: row.status, headers: row.headers) }
        let result = try client(retries: 2).batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        let kinds = (0..<3).map { index -> ItemOutcome.Kind? in
            if result.created[index] != nil { return .created }
            if result.failed[index] != nil { return .failed }
            if result.unknown[index] != nil { return .unknown }
            if result.skipped[index] != nil { return .skipped }
            return nil
        }
        #expect(kinds == [row.outcome, row.outcome, row.outcome], "\(row.name)")
        #expect(result.status == row.resultStatus, "\(row.name): \(result.error?.message ?? "")")
        #expect(server.requests.count == row.requests, "\(row.name)")
        #expect(result.error?.httpStatus == row.status, "\(row.name): the error names the answer's HTTP status")
    }

    @Test func everyItemRefusedOneByOneStillNamesTheRequest() throws {
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(2, prefix: "DUP"), transport: server.transport)
        #expect(result.status == .api)
        #expect(result.error?.requestID == "srv" && result.error?.httpStatus == 200)
    }

    @Test func aSecretQuotedByTheServerNeverComesBack() throws {
        let secret = esbConfig.appSecret
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": true, "code": 0, "message": "success", "request_id": "\#(secret)", "data": {"success_created": {"0": 5}, "error_msg": {"1": "bad secret \#(secret)", "2": "x"}}}"#)
        }
        var events: [String] = []
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport) { event in
            events.append((try? event.json())?.serialized() ?? "")
            return true
        }
        let text = (try result.json().serialized() ?? "") + events.joined() + (result.error?.message ?? "") + (result.error?.requestID ?? "")
        #expect(!text.contains(secret))
        #expect(result.failed[1] == "bad secret ***")
        let refusing = ScriptedServer { _, _, _ in ScriptedServer.ok(Self.envelope(1_306_000, "wrong secret \(secret)"), status: 200) }
        let refused = try client().batchCreateInstances(objectID: "bk_switch", details: switches(1), transport: refusing.transport)
        #expect(refused.error?.message.contains(secret) == false && refused.error?.message.contains("wrong secret ***") == true)
        let page = ScriptedServer { _, _, _ in ScriptedServer.ok("<html><title>\(secret)</title></html>", status: 502) }
        let paged = try client().batchCreateInstances(objectID: "bk_switch", details: switches(1), transport: page.transport)
        #expect(paged.unknown[0]?.contains(secret) == false && paged.error?.message.contains(secret) == false)
    }

    @Test func deepNestingInvalidUTF8AndCyclesAreRefusedBeforeAnythingIsSent() throws {
        // 50,000 nested arrays: jansson's recursive serializer would overflow the stack.
        var deep = try JSON.array()
        for _ in 0..<50_000 {
            let outer = try JSON.array()
            try outer.append(deep)
            deep = outer
        }
        let details = switches(2)
        try details.elements[1].set("bk_sn", deep)
        let problems = try Validation.problems(in: details, objectID: "bk_switch")
        #expect(problems[1] == "details[1].bk_sn: nested deeper than \(JSONShape.maxDepth) levels (or a cycle)")
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        #expect(thrown { () throws(BKCCError) in
            try client().batchCreateInstances(objectID: "bk_switch", details: details, transport: server.transport)
        }?.status == .validation)
        #expect(thrown { () throws(BKCCError) in try client().builder.batchCreate(objectID: "bk_switch", details: details) }?.message
            == "details[1].bk_sn: nested deeper than \(JSONShape.maxDepth) levels (or a cycle)")
        #expect(server.requests.isEmpty)

        let bad = switches(1)
        let invalid: [CChar] = [CChar(bitPattern: 0xFF), 0x78, 0]
        guard let value = json_stringn_nocheck(invalid, 2) else { return }
        _ = json_object_set_new_nocheck(bad.elements[0].raw, "bk_sn", value)
        #expect(try Validation.problems(in: bad, objectID: "bk_switch")[0] == "details[0].bk_sn: not valid UTF-8")

        let cyclic = switches(1)
        let first = try JSON.array(), second = try JSON.array()
        try cyclic.elements[0].set("extra", first)
        _ = json_array_append(first.raw, second.raw)
        _ = json_array_append(second.raw, first.raw)  // a cycle of two (jansson refuses only a direct self-append)
        #expect(try Validation.problems(in: cyclic, objectID: "bk_switch")[0] == "details[0].extra: nested deeper than \(JSONShape.maxDepth) levels (or a cycle)")
        _ = json_array_clear(second.raw)  // break it, so that it can be freed
    }
}
