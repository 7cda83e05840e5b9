import BKCC
import Testing

@Suite struct ResponseParserTests {
    @Test func publishedExample() throws {
        let answer = try parseAnswer(200, #"""
        {"result": true, "code": 0, "message": "", "permission": null, "request_id": "e43da4ef221746868dc4c837d36f3807",
         "data": {"success_created": {"1": 1001, "2": 1002}, "error_msg": {"0": "Data uniqueness check failed, [bk_asset_id: test_001] duplicated"}}}
        """#, count: 3).get()
        #expect(answer.created == [1: 1001, 2: 1002])
        #expect(answer.failed[0]?.hasPrefix("Data uniqueness check failed") == true)
        #expect(answer.envelope.requestID == "e43da4ef221746868dc4c837d36f3807")
        #expect(answer.envelope.failure == nil)
    }

    @Test func resultFalseKeepsCodeAndPermission() throws {
        let answer = try parseAnswer(200, #"{"result": false, "bk_error_code": 9900403, "bk_error_msg": "no permission", "permission": {"system_id": "bk_cmdb"}}"#, count: 3).get()
        let failure = try #require(answer.envelope.failure)
        #expect(failure.status == .api)
        #expect(failure.apiCode == 9900403)
        #expect(failure.message == "[9900403] no permission")
        #expect(failure.permission?["system_id"]?.string == "bk_cmdb")
    }

    @Test func htmlErrorPageIsHTTP() {
        guard case .failure(let failure) = parseAnswer(502, "<html><head><title>502 Bad Gateway</title></head></html>", count: 1) else {
            Issue.record("accepted an HTML page")
            return
        }
        #expect(failure.status == .http)
        #expect(failure.httpStatus == 502)
        #expect(failure.message == "HTTP 502 without a CMDB answer: \"502 Bad Gateway\" (HTML page)")
    }

    @Test(arguments: [
        (#"{"result": true, "code": 0, "data": {"success_created": {"0": 1"#, "truncated"),
        ("<html>", "not valid JSON"),
        (#"{"result": true, "data": {"success_created": {"5": 1}, "error_msg": {}}}"#, "not an index in 0..<3"),
        (#"{"result": true, "data": {"success_created": {"0": 1}, "error_msg": {"0": "x"}}}"#, "both created and failed"),
        (#"{"result": true, "data": {"success_created": {"0": "1"}, "error_msg": {}}}"#, "success_created[0] is a string"),
        (#"{"result": true, "data": {"success_created": {"0": 0}, "error_msg": {}}}"#, "not positive"),
        (#"{"result": true, "data": []}"#, "without a \"data\" object"),
    ])
    func untrustedAnswers(body: String, message: String) {
        guard case .failure(let failure) = parseAnswer(200, body, count: 3) else {
            Issue.record("accepted \(body)")
            return
        }
        #expect(failure.status == .protocolError)
        #expect(failure.message.contains(message), "\(failure.message)")
    }

    /// The answers a CMDB sends are read by the plain reader (else it would be dead weight); what is odd about an
    /// answer sends it to the general one (`parseAnswer` holds the two together on every answer of this suite).
    @Test func plainAnswersAreReadPlainly() {
        let plain = [
            #"{"result":true,"code":0,"message":"success","permission":null,"request_id":"r1","data":{"success_created":{"0":1001,"1":1002},"error_msg":{}}}"#,
            #" { "result" : true , "data" : { "error_msg" : { "2" : "重复 \"x\" \u4e09" } , "success_created" : { "1" : 7 } } } "#,
            #"{"result":true,"code":0,"message":"","request_id":null,"data":{"success_created":null,"error_msg":null}}"#,
            #"{"data":{"success_created":{"\u0030":5}},"result":true}"#,
        ]
        for body in plain {
            let read = Array(body.utf8).withUnsafeBytes { PlainCreateAnswer.read(httpStatus: 200, body: $0, detailCount: 3) }
            #expect(read != nil, "\(body)")
            _ = parseAnswer(200, body, count: 3)
        }
        let odd = [
            #"{"result":true,"code":"0","data":{}}"#, #"{"result":true,"code":1,"data":{}}"#, #"{"result":false,"data":{}}"#,
            #"{"result":true,"bk_error_code":0,"data":{}}"#, #"{"result":true,"data":{"success_created":{"0":1.0}}}"#,
            #"{"result":true,"data":{"success_created":{"0":1,"0":2}}}"#, #"{"result":true,"result":true,"data":{}}"#,
            #"{"result":true,"data":{"success_created":{"0":1,"1":1}}}"#, #"{"result":true,"data":{"success_created":{"00":1}}}"#,
            #"{"result":true,"data":{"success_created":{"0":1},"error_msg":{"0":"x"}}}"#, #"{"result":true,"data":{},"x":1}"#,
            #"{"result":true,"data":{"other":1}}"#, #"{"result":true,"message":null,"data":{}}"#, #"{"result":true,"data":{}} x"#,
            #"{"result":true,"permission":{"a":1},"data":{}}"#, #"{"result":true,"data":{"error_msg":{"0":"\u0000"}}}"#,
            #"{"result":true}"#, #"{"result":true,"data":{"success_created":{"3":1}}}"#, "\u{FEFF}{\"result\":true,\"data\":{}}",
        ]
        for body in odd {
            let read = Array(body.utf8).withUnsafeBytes { PlainCreateAnswer.read(httpStatus: 200, body: $0, detailCount: 3) }
            #expect(read == nil, "\(body)")
            _ = parseAnswer(200, body, count: 3)
        }
        let plainBody = Array(plain[0].utf8)
        for status in [201, 299] { #expect(plainBody.withUnsafeBytes { PlainCreateAnswer.read(httpStatus: status, body: $0, detailCount: 3) } != nil) }
        for status in [199, 300, 429, 500] { #expect(plainBody.withUnsafeBytes { PlainCreateAnswer.read(httpStatus: status, body: $0, detailCount: 3) } == nil) }
    }

    /// `success_created` written compactly, as CMDB writes it, is read by a loop over its bytes; whatever that
    /// loop is not sure of (white space, a leading zero, a real, an index or id given twice) is left to the general
    /// walk, which reads the same ids or refuses the same answers.
    @Test func compactCreatedMapsReadAsTheGeneralWalkReadsThem() {
        func created(_ map: String, count: Int = 3) -> [Int64]? {
            let body = #"{"result":true,"code":0,"data":{"success_created":"# + map + #","error_msg":{}}}"#
            _ = parseAnswer(200, body, count: count)  // the general reader agrees (Support.swift)
            return Array(body.utf8).withUnsafeBytes { PlainCreateAnswer.read(httpStatus: 200, body: $0, detailCount: count) }?.created
        }
        #expect(created(#"{"0":1001,"1":1002,"2":1003}"#) == [1001, 1002, 1003])
        #expect(created(#"{"2":7,"0":9}"#) == [9, 0, 7])                      // ids not rising: sorted to be checked
        #expect(created(#"{"0":1001, "1":1002}"#) == [1001, 1002, 0])         // a space: the general walk, from the start
        #expect(created(#"{"1":5,"0":6 }"#) == [6, 5, 0])
        #expect(created(#"{"0":999999999999999999}"#) == [999_999_999_999_999_999, 0, 0])
        #expect(created(#"{"0":1000000000000000000}"#) == nil)  // 19 digits: neither is sure; ResponseParser reads it
        #expect(created(#"{"10":1}"#, count: 11) == Array(repeating: 0, count: 10) + [1])
        for odd in [#"{"0":1,"0":2}"#, #"{"00":1}"#, #"{"0":01}"#, #"{"0":1.5}"#, #"{"0":-1}"#, #"{"0":0}"#,
                    #"{"0":1,"1":1}"#, #"{"3":1}"#, #"{"0":1,}"#, #"{"0":1"#, #"{"0":"1"}"#, #"{"0":1e3}"#] {
            #expect(created(odd) == nil, "\(odd)")
        }
    }

    @Test func codeAsStringAndMissingMaps() throws {
        let answer = try parseAnswer(200, #"{"result": true, "code": "0", "data": {}}"#, count: 2).get()
        #expect(answer.created.isEmpty && answer.failed.isEmpty)
    }
}
