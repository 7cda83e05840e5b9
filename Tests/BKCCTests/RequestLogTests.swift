import BKCC
import Synchronization
import Testing

/// The request log (`RequestLog`, written by `LoggingTransport`): one line per HTTP attempt with what a person
/// debugging an import asks first, the bodies only when asked for, and no secret anywhere.
@Suite struct RequestLogTests {
    /// What a log received, in order.
    final class Captured: Sendable {
        let entries = Mutex<[(RequestLog.Level, String)]>([])
        func log(_ level: RequestLog.Level) -> RequestLog {
            RequestLog(level: level) { level, text in self.entries.withLock { $0.append((level, text)) } }
        }
        var lines: [String] { entries.withLock { $0.filter { $0.0 == .requests }.map(\.1) } }
        var bodies: [String] { entries.withLock { $0.filter { $0.0 == .bodies }.map(\.1) } }
    }

    @Test func testOneLinePerRequest_WithTheServersRequestIDAndItems() throws {
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let captured = Captured()
        let client = try client()
        client.setRequestLog(captured.log(.requests))
        _ = try client.batchCreateInstances(objectID: "bk_switch", details: switches(450), transport: server.transport)
        #expect(captured.lines.count == 3 && captured.bodies.isEmpty)
        for (line, items) in zip(captured.lines, [200, 200, 50]) {
            #expect(line.hasPrefix("POST /api/c/compapi/v2/cc/batch_create_inst/ 200 request_id=srv items=\(items) elapsed_ms="))
        }
    }

    @Test func testEachAttemptIsALine_WithItsErrorAndNumber() throws {
        let server = ScriptedServer { server, _, details in
            server.requests.count == 1 ? .notSent(BKCCError(.transport, "request not sent: Connection refused"), retryable: true)
                                       : server.createAll(details)
        }
        let captured = Captured()
        let client = try client()
        client.setRequestLog(captured.log(.requests))
        _ = try client.batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        let id = server.requests[0].requestID
        #expect(captured.lines.count == 2)
        #expect(captured.lines[0].hasPrefix("POST /api/c/compapi/v2/cc/batch_create_inst/ not-sent request_id=\(id) items=3 "))
        #expect(captured.lines[0].hasSuffix(#" error="request not sent: Connection refused""#))
        #expect(captured.lines[1].hasSuffix(" attempt=2"))
    }

    @Test func testBodies_AreShownWithEverySecretMasked() throws {
        // A server that echoes the secret in its answer, and a token in the request.
        var config = esbConfig
        config.token = "T0KEN-abcdef"
        let client = try Client(configuration: config)
        let server = ScriptedServer { _, _, _ in
            ScriptedServer.ok(#"{"result": true, "code": 0, "message": "bad secret S3CRET, token T0KEN-abcdef", "request_id": "srv", "data": {"success_created": {"0": 1}, "error_msg": {}}}"#)
        }
        let captured = Captured()
        client.setRequestLog(captured.log(.bodies))
        _ = try client.batchCreateInstances(objectID: "bk_switch", details: switches(1), transport: server.transport)
        #expect(captured.bodies.count == 2)
        let request = captured.bodies[0], answer = captured.bodies[1]
        #expect(request.hasPrefix("> POST http://127.0.0.1:9/api/c/compapi/v2/cc/batch_create_inst/\n"))
        #expect(request.contains("> X-Request-Id: \(server.requests[0].requestID)\n"))
        #expect(request.contains(#""bk_app_secret":"***""#) && request.contains(#""bk_token":"***""#))
        #expect(answer.hasPrefix("< 200\n") && answer.contains("bad secret ***, token ***"))
        for text in captured.bodies + captured.lines { #expect(!text.contains("S3CRET") && !text.contains("T0KEN-abcdef")) }
    }

    @Test func testRemovedLog_WritesNothing() throws {
        let server = ScriptedServer { server, _, details in server.createAll(details) }
        let captured = Captured()
        let client = try client()
        client.setRequestLog(captured.log(.bodies))
        client.setRequestLog(nil)
        _ = try client.batchCreateInstances(objectID: "bk_switch", details: switches(3), transport: server.transport)
        #expect(captured.entries.withLock { $0.isEmpty })
    }
}
