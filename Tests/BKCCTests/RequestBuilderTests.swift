import BKCC
import Testing

@Suite struct RequestBuilderTests {
    let details = json(#"[{"bk_inst_name": "s1", "bk_asset_id": "test_001"}]"#)

    func header(_ request: HTTPRequest, _ name: String) -> String? {
        request.headers.first { $0.name == name }?.value
    }

    @Test func esbWithBodyCredentials() throws {
        let request = try RequestBuilder(configuration: esbConfig).batchCreate(objectID: "bk_switch", details: details, requestID: "0123456789abcdef0123456789abcdef")
        #expect(request.url == "http://127.0.0.1:9/api/c/compapi/v2/cc/batch_create_inst/")
        #expect(request.body.serialized() == #"{"bk_app_code":"app","bk_app_secret":"S3CRET","bk_username":"admin","bk_obj_id":"bk_switch","details":[{"bk_inst_name":"s1","bk_asset_id":"test_001"}]}"#)
        #expect(header(request, "X-Request-Id") == "0123456789abcdef0123456789abcdef")
        #expect(header(request, "X-Bkapi-Authorization") == nil)
        #expect(header(request, "User-Agent") == "bkcc/0.1.0")
    }

    /// Rows given as text are written into the body as their own bytes, after the other members; shown parsed.
    @Test func splicedDetailsGoOutAsTheirOwnBytes() throws {
        let rows = [Array(#"{ "bk_inst_name" : "s\u4e09" }"#.utf8), Array(#"{"bk_inst_name":"s2","n":1.50}"#.utf8)]
        let items = [SourceItem(index: 0, checkedText: rows[0]), SourceItem(index: 1, checkedText: rows[1]),
                     SourceItem(index: 2, detail: json(#"{"bk_inst_name":"s3"}"#), checked: true)]
        let operation = CreateOperation()
        #expect(try operation.members(objectID: "bk_switch", items: items).isEmpty)
        let splice = try operation.splice(items: items)
        let esb = try RequestBuilder(configuration: esbConfig).request(.batchCreateInst, objectID: "bk_switch", members: [], splice: splice)
        #expect(esb.bodyBytes().map { String(decoding: $0, as: UTF8.self) }
                == #"{"bk_app_code":"app","bk_app_secret":"S3CRET","bk_username":"admin","bk_obj_id":"bk_switch","details":[{ "bk_inst_name" : "s\u4e09" },{"bk_inst_name":"s2","n":1.50},{"bk_inst_name":"s3"}]}"#)
        #expect(try esb.redacted().json()["body"]?.serialized()
                == #"{"bk_app_code":"app","bk_app_secret":"***","bk_username":"admin","bk_obj_id":"bk_switch","details":[{"bk_inst_name":"s三"},{"bk_inst_name":"s2","n":1.5},{"bk_inst_name":"s3"}]}"#)
        let gateway = Configuration(url: "https://gw.example", appCode: "app", appSecret: "S3CRET", username: "admin", api: .apigw)
        let request = try RequestBuilder(configuration: gateway).request(.batchCreateInst, objectID: "bk_switch", members: [], splice: splice)
        #expect(request.bodyBytes().map { String(decoding: $0, as: UTF8.self) }?.hasPrefix(#"{"details":[{ "bk_inst_name""#) == true)
        #expect(try operation.splice(items: [items[2]]) == nil)
    }

    @Test func gatewayWithHeaderCredentialsAndLanguage() throws {
        var config = Configuration(url: "https://gw.example", appCode: "app", appSecret: "S3CRET", username: "admin", api: .apigw)
        config.stage = "stag"
        config.language = "zh-cn"
        config.headers = [("X-Team", "ops")]
        let request = try RequestBuilder(configuration: config).batchCreate(objectID: "bk_switch", details: details)
        #expect(request.url == "https://gw.example/api/bk-cmdb/stag/api/v3/createmany/instance/object/bk_switch")
        #expect(request.body.serialized() == #"{"details":[{"bk_inst_name":"s1","bk_asset_id":"test_001"}]}"#)
        #expect(header(request, "X-Bkapi-Authorization") == #"{"bk_app_code":"app","bk_app_secret":"S3CRET","bk_username":"admin"}"#)
        #expect(header(request, "X-Bkcmdb-Language") == "zh-cn")
        #expect(header(request, "X-Team") == "ops")
        #expect(header(request, "X-Request-Id")?.utf8.count == 32)
    }

    @Test func redactionHidesEverySecret() throws {
        var config = esbConfig
        config.token = "TOKEN-VALUE"
        for auth in [Configuration.CredentialPlacement.body, .header] {
            config.auth = auth
            let request = try RequestBuilder(configuration: config).batchCreate(objectID: "bk_switch", details: details)
            let shown = try request.redacted().json().serialized() ?? ""
            #expect(!shown.contains("S3CRET") && !shown.contains("TOKEN-VALUE"))
            #expect(shown.contains("***"))
            #expect(request.body.serialized()?.contains(auth == .body ? "S3CRET" : "bk_obj_id") == true)  // the original is untouched
        }
    }

    @Test func batchSizeLimits() throws {
        let builder = RequestBuilder(configuration: esbConfig)
        let many = try JSON.array()
        for _ in 0..<201 { try many.append(details[0]!) }
        #expect(thrown { () throws(BKCCError) in try builder.batchCreate(objectID: "bk_switch", details: many) }?.message.contains("1 to 200") == true)
        #expect(thrown { () throws(BKCCError) in try builder.batchCreate(objectID: "bk_switch", details: json("[]")) }?.status == .invalidArgument)
        #expect(thrown { () throws(BKCCError) in try builder.batchCreate(objectID: "../x", details: details) }?.status == .invalidArgument)
    }

    @Test func searchRequest() throws {
        // As the engine builds a lookup: the route and the members come from the operation.
        let lookup = LookupOperation(field: "bk_asset_id")
        let items = [SourceItem(index: 0, detail: try .string("A")), SourceItem(index: 1, detail: try .string("B"))]
        let request = try RequestBuilder(configuration: esbConfig).request(lookup.route, objectID: "bk_switch",
                                                                           members: lookup.members(objectID: "bk_switch", items: items))
        #expect(request.url.hasSuffix("/api/c/compapi/v2/cc/search_inst/"))
        #expect(request.body["condition"]?.serialized() == #"{"bk_switch":[{"field":"bk_asset_id","operator":"$in","value":["A","B"]}]}"#)
        #expect(request.body["page"]?["limit"]?.integer == 200)
    }
}
