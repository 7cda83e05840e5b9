/// The transport-callback contract of the C API (`bkcc_client_set_transport`), as a Transport: a host's own HTTP
/// stack answers one request at a time, on the calling thread.
///
/// The callback receives `{"method", "url", "headers": {…}, "body": "<JSON text>", "timeout_ms"}` and answers
/// `(code, response)`: 0 with `{"status": 100…599, "headers": {…}, "body": "<string>"}` when the server answered,
/// 1 when nothing reached the server (safe to retry), anything else when it was sent but no answer came.
public enum CallbackTransport {
    public typealias Callback = (_ request: JSON) -> (code: Int32, response: JSON?)

    public static func make(timeoutMs: Int, _ callback: @escaping Callback) -> BlockingTransport {
        BlockingTransport { request in
            guard let json = try? request.json(bodyAsText: true), (try? json.set("timeout_ms", timeoutMs)) != nil else {
                return .notSent(BKCCError(.noMemory, "cannot build the request for the transport callback"), retryable: false)
            }
            let (code, answer) = callback(json)
            switch code {
            case 0: return response(answer)
            case 1: return .notSent(BKCCError(.transport, "request not sent: the transport callback could not reach the server"), retryable: true)
            default: return .noAnswer(BKCCError(.transport, "sent, but no answer came (transport callback returned \(code))"))
            }
        }
    }

    /// The callback's response object as an HTTP answer; a malformed one leaves the request's fate unknown.
    private static func response(_ answer: JSON?) -> TransportOutcome {
        guard let answer, let status = answer["status"]?.integer, (100...599).contains(status) else {
            return .noAnswer(BKCCError(.protocolError, "the transport callback returned 0 without a valid response {\"status\": 100..599, \"body\": \"…\"}"))
        }
        let body = answer["body"]
        guard body == nil || body?.string != nil else {
            return .noAnswer(BKCCError(.protocolError, "the transport callback's response body is not a string"))
        }
        let headers = (answer["headers"]?.entries ?? []).compactMap { entry in entry.value.string.map { (entry.key, $0) } }
        return .answered(HTTPResponse(status: Int(status), headers: headers, body: Array((body?.string ?? "").utf8)))
    }
}
