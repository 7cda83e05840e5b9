import BKCC
import Testing

/// A scripted CMDB behind a BlockingTransport: each request is answered by `answer`, which sees the request's
/// details and its attempt number, and every request is logged.
final class ScriptedServer: @unchecked Sendable {
    var requests: [HTTPRequest] = []
    var nextID: Int64 = 1001
    let answer: (ScriptedServer, HTTPRequest, [JSON]) -> TransportOutcome

    init(_ answer: @escaping (ScriptedServer, HTTPRequest, [JSON]) -> TransportOutcome) { self.answer = answer }

    var transport: BlockingTransport {
        BlockingTransport { request in
            self.requests.append(request)
            // bodyValue: a create of checked text splices its details in (HTTPRequest.body holds the rest).
            return self.answer(self, request, (try? request.bodyValue())?["details"]?.elements ?? [])
        }
    }

    /// result:true creating every detail, except those whose asset id starts with "DUP" (failed) or "LOST"
    /// (in neither map).
    func createAll(_ details: [JSON]) -> TransportOutcome {
        var created: [String] = []
        var failed: [String] = []
        for (position, detail) in details.enumerated() {
            let asset = detail["bk_asset_id"]?.string ?? ""
            if asset.hasPrefix("DUP") {
                failed.append("\"\(position)\": \"duplicated instances exist, fields [bk_asset_id] duplicated\"")
            } else if !asset.hasPrefix("LOST") {
                created.append("\"\(position)\": \(nextID)")
                nextID += 1
            }
        }
        return Self.ok(#"{"result": true, "code": 0, "message": "success", "request_id": "srv", "data": {"success_created": {\#(created.joined(separator: ","))}, "error_msg": {\#(failed.joined(separator: ","))}}}"#)
    }

    static func ok(_ body: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> TransportOutcome {
        .answered(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
    }
}

func switches(_ count: Int, prefix: String = "SW") -> JSON {
    let array = try! JSON.array()
    for index in 0..<count {
        try! array.append(JSON.object(["bk_inst_name": .string("switch-\(index)"), "bk_asset_id": .string("\(prefix)-\(index)")]))
    }
    return array
}

func client(concurrency: Int = 1, retries: Int = 3) throws(BKCCError) -> Client {
    var config = esbConfig
    config.concurrency = concurrency
    config.retries = retries
    return try Client(configuration: config)
}

@Suite struct BatchRunnerTests {
    @Test func splitsIntoRequestsOf200AndMergesBackToIndices() throws {
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(450), transport: server.transport)
        #expect(server.requests.map { $0.body["details"]?.count } == [200, 200, 50])
        #expect(result.status == .ok && result.error == nil)
        #expect(result.created.count == 450)
        #expect(result.created[0] == 1001 && result.created[449] == 1450)
        #expect(result.tally.total == 450 && result.tally.created == 450)
        #expect(result.requests.map(\.first) == [0, 200, 400])
        #expect(Set(server.requests.map(\.requestID)).count == 3)
    }

    @Test func perItemFailuresAndItemsTheAnswerForgets() throws {
        let details = switches(3)
        try details[1]!.set("bk_asset_id", "DUP-1")
        try details[2]!.set("bk_asset_id", "LOST-2")
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: details, transport: server.transport)
        #expect(result.created == [0: 1001])
        #expect(result.failed[1]?.hasPrefix("duplicated instances exist") == true)
        #expect(result.unknown[2]?.contains("does not mention") == true)
        #expect(result.status == .partial)
        #expect(result.error?.message.hasPrefix("1 of 3 created, 1 failed, 1 unknown, 0 skipped") == true)
    }

    @Test func retriesOnlyWhatWasNeverSent() throws {
        let server = ScriptedServer { server, _, details in
            server.requests.count <= 2 ? .notSent(BKCCError(.transport, "request not sent: Connection refused"), retryable: true)
                                       : server.createAll(details)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(5), transport: server.transport)
        #expect(result.status == .ok)
        #expect(server.requests.count == 3)
        #expect(Set(server.requests.map(\.requestID)).count == 1)  // one request, sent on its third attempt
        #expect(result.requests.first?.attempts == 3)
    }

    @Test func neverRetriesAfterSending() throws {
        let server = ScriptedServer { server, _, details in
            server.requests.count == 1 ? .noAnswer(BKCCError(.transport, "sent, but no answer came: Operation timed out"))
                                       : server.createAll(details)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(250), transport: server.transport)
        #expect(server.requests.count == 2)
        #expect(result.unknown.count == 200 && result.created.count == 50)
        #expect(result.unknown[0]?.contains("look it up before sending it again") == true)
        #expect(result.status == .partial)
    }

    @Test func rateLimitIsRetriedAndHonoursRetryAfter() throws {
        let server = ScriptedServer { server, _, details in
            server.requests.count == 1
                ? ScriptedServer.ok(#"{"result": false, "code": 1642902, "message": "rate limited", "data": null}"#, status: 429, headers: [("Retry-After", "0")])
                : server.createAll(details)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(result.status == .ok && server.requests.count == 2)
    }

    /// The CLI writes each attempt's intent line in `onStart`: a retry's is written when the retry starts, and a
    /// request whose start could not be recorded is never sent.
    @Test func onStartComesBeforeEveryAttemptAndFalseSendsNothingOfTheRequest() throws {
        let server = ScriptedServer { server, _, details in
            server.requests.count == 1
                ? ScriptedServer.ok(#"{"result": false, "code": 1642902, "message": "rate limited", "data": null}"#, status: 429, headers: [("Retry-After", "0")])
                : server.createAll(details)
        }
        let details = switches(450)
        func items() -> () throws(BKCCError) -> SourceItem? {
            var produced = 0
            return { () throws(BKCCError) -> SourceItem? in
                guard produced < 450 else { return nil }
                defer { produced += 1 }
                return SourceItem(index: produced, detail: details[produced]!)
            }
        }
        var starts: [(first: Int, count: Int, requestsBefore: Int)] = []
        var records: [RequestRecord] = []
        let tally = try client().createInstances(objectID: "bk_switch", transport: server.transport, next: items(), onStart: { items in
            starts.append((items[0].index, items.count, server.requests.count))
            return true
        }, onRequest: { record, _ in
            records.append(record)
            return true
        })
        #expect(tally.status == .ok && tally.created == 450)
        // the first request twice (its retry after the 429), each attempt recorded before it reached the server
        #expect(starts.map(\.first) == [0, 0, 200, 400] && starts.map(\.count) == [200, 200, 200, 50])
        #expect(starts.map(\.requestsBefore) == [0, 1, 2, 3])
        #expect(records.first?.attempts == 2)

        let refused = ScriptedServer { server, _, details in server.createAll(details) }
        var calls = 0
        let stopped = try client().createInstances(objectID: "bk_switch", transport: refused.transport, next: items(), onStart: { _ in
            calls += 1
            return calls < 2  // the second request cannot be recorded
        }, onRequest: { _, _ in true })
        #expect(refused.requests.count == 1)
        #expect(stopped.created == 200 && stopped.skipped == 250 && stopped.cancelled)
        #expect(calls == 2)  // nothing more starts once a start could not be recorded
    }

    @Test func stillRateLimitedAfterRetriesIsSkipped() throws {
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": false, "code": 1306429, "message": "too many requests", "data": null}"#)
        }
        let result = try client(retries: 1).batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(server.requests.count == 2)
        #expect(result.skipped.count == 3)
        #expect(result.skipped[0]?.contains("still rate limited after 2 attempts") == true)
        #expect(result.status == .api)
    }

    @Test func auditFailureLeavesItemsUnknown() throws {
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": false, "code": 1109001, "message": "failed to save the operation audit log", "data": null}"#)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(result.unknown.count == 3 && result.failed.isEmpty)
        #expect(result.status == .api && result.error?.apiCode == 1109001)
    }

    @Test func authenticationFailureStopsTheRest() throws {
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": false, "code": 1306000, "message": "APP authentication failed", "request_id": "r9", "data": null}"#)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(1000), transport: server.transport)
        #expect(server.requests.count == 1)
        #expect(result.failed.count == 200)
        #expect(result.failed[0] == "[1306000] APP authentication failed")
        #expect(result.skipped.count == 800)
        #expect(result.skipped[999] == "not sent: [1306000] APP authentication failed")
        #expect(result.status == .api && result.error?.apiCode == 1306000 && result.error?.requestID == "r9")
    }

    @Test func permissionIsKeptOnTheRequest() throws {
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": false, "code": 9900403, "message": "no permission", "permission": {"system_id": "bk_cmdb"}, "data": null}"#)
        }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(result.requests.first?.permission?["system_id"]?.string == "bk_cmdb")
        #expect(result.error?.permission?["system_id"]?.string == "bk_cmdb")
        let json = try result.json()
        #expect(json["requests"]?[0]?["permission"]?["system_id"]?.string == "bk_cmdb")
    }

    @Test func proxyPageMakesItemsUnknown() throws {
        let server = ScriptedServer { _, _, _ in ScriptedServer.ok("<html><title>502 Bad Gateway</title></html>", status: 502) }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(result.unknown.count == 3)
        #expect(result.status == .http && result.error?.httpStatus == 502)
    }

    @Test func unreachableServerSkipsEverything() throws {
        let server = ScriptedServer { _, _, _ in .notSent(BKCCError(.transport, "request not sent: Connection refused"), retryable: true) }
        let result = try client(retries: 2).batchCreateInstances(objectID: "bk_switch", details: switches(500), transport: server.transport)
        #expect(server.requests.count == 3)  // the first request and its two retries; the others are never tried
        #expect(result.skipped.count == 500)
        #expect(result.status == .transport)
    }

    @Test func refusedCertificateIsNotRetried() throws {
        let server = ScriptedServer { _, _, _ in .notSent(BKCCError(.transport, "TLS: the server's certificate was refused"), retryable: false) }
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(server.requests.count == 1 && result.skipped.count == 3 && result.status == .transport)
    }

    @Test func maxRequestsPerSecondSpacesTheStarts() throws {
        var starts: [ContinuousClock.Instant] = []
        let server = ScriptedServer { server, _, details in
            starts.append(ContinuousClock.now)
            return server.createAll(details)
        }
        var config = esbConfig
        config.maxRequestsPerSecond = 50  // one start every 20 ms at most
        let result = try Client(configuration: config).batchCreateInstances(objectID: "bk_switch", details: switches(1000),
                                                                            transport: server.transport)
        #expect(result.status == .ok && starts.count == 5)
        for (earlier, later) in zip(starts, starts.dropFirst()) {
            #expect(earlier.duration(to: later) >= .milliseconds(19))
        }
    }

    @Test func progressCanCancel() throws {
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        var events: [ProgressEvent] = []
        let result = try client().batchCreateInstances(objectID: "bk_switch", details: switches(1000), transport: server.transport) { event in
            events.append(event)
            return events.count < 2
        }
        #expect(server.requests.count == 2)
        #expect(result.created.count == 400 && result.skipped.count == 600)
        #expect(result.skipped[400] == "not sent: cancelled")
        #expect(result.status == .partial)
        #expect(events.first?.tally.created == 200 && events.first?.total == 1000)
    }

    @Test func invalidDetailsAbortOrSkip() throws {
        let details = switches(3)
        try details[1]!.set("bk_asset_id", "")
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let aborted = thrown { () throws(BKCCError) in
            try client().batchCreateInstances(objectID: "bk_switch", details: details, transport: server.transport)
        }
        #expect(aborted?.status == .validation)
        #expect(aborted?.message == "details[1].bk_asset_id: required, must be a non-empty string")
        #expect(server.requests.isEmpty)
        let skipped = try client().batchCreateInstances(objectID: "bk_switch", details: details, options: BatchOptions(onInvalid: .skip),
                                                        transport: server.transport)
        #expect(server.requests.first?.body["details"]?.count == 2)
        #expect(skipped.created.keys.sorted() == [0, 2])
        #expect(skipped.failed[1] == "details[1].bk_asset_id: required, must be a non-empty string")
        #expect(skipped.status == .partial)
    }

    @Test func resultJSONHasEveryIndexOnce() throws {
        let details = switches(5)
        try details[3]!.set("bk_asset_id", "DUP")
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let json = try client().batchCreateInstances(objectID: "bk_switch", details: details, transport: server.transport).json()
        #expect(json["success_created"]?.serialized() == #"{"0":1001,"1":1002,"2":1003,"4":1004}"#)
        #expect(json["error_msg"]?["3"]?.string?.contains("duplicated") == true)
        #expect(json["unknown"]?.count == 0 && json["skipped"]?.count == 0)
        #expect(json["summary"]?.serialized() == #"{"total":5,"created":4,"failed":1,"unknown":0,"skipped":0}"#)
        #expect(json["requests"]?[0]?["request_id"]?.string == "srv")
    }

    @Test func reconcileSettlesUnknownItems() throws {
        let details = switches(3)
        let server = ScriptedServer { server, request, details in
            if request.url.hasSuffix("/search_inst/") {
                return ScriptedServer.ok(#"{"result": true, "code": 0, "data": {"count": 1, "info": [{"bk_inst_id": 77, "bk_asset_id": "SW-1"}]}}"#)
            }
            return .noAnswer(BKCCError(.transport, "sent, but no answer came"))
        }
        let client = try client()
        let first = try client.batchCreateInstances(objectID: "bk_switch", details: details, transport: server.transport)
        #expect(first.unknown.count == 3)
        let (settled, lookupError) = client.reconcile(objectID: "bk_switch", details: details, result: first, transport: server.transport)
        #expect(lookupError == nil)
        #expect(settled.created == [1: 77])
        #expect(settled.notCreated.keys.sorted() == [0, 2])
        #expect(settled.unknown.isEmpty)
        #expect(settled.tally.created == 1 && settled.tally.notCreated == 2 && settled.tally.total == 3)
        #expect(settled.status == .partial)
        #expect(settled.error?.message == "1 of 3 created, 0 failed, 0 unknown, 0 skipped, 2 not created (safe to send again); sent, but no answer came")
        let search = server.requests.last!
        #expect(search.body["condition"]?["bk_switch"]?[0]?["value"]?.count == 3)
    }
}
