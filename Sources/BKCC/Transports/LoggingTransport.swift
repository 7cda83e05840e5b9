/// A transport that writes each request it passes on to a `RequestLog`, then hands it to the transport below:
/// the engine wraps its transport in one when the client has a log, so that every call (create, update,
/// delete, search, the resume lookups) and every transport (libcurl, a host's callback) is logged the same way,
/// one line per HTTP attempt, retries included. Secrets never reach the log: the request is shown through
/// `HTTPRequest.redacted()` and every text also goes through the client's `Redactor`.
final class LoggingTransport: Transport {
    private let inner: any Transport
    private let log: RequestLog
    private let redactor: Redactor
    private let clock = ContinuousClock()
    /// What the answer's line needs of each request in flight, by tag.
    private var started: [Int: (method: String, path: String, requestID: String, items: Int, attempt: Int,
                                at: ContinuousClock.Instant)] = [:]
    /// Attempts so far by X-Request-Id (a retry reuses the id).
    private var attempts: [String: Int] = [:]
    /// Bodies longer than this are cut in the log (a 200-instance request is ~40 KB; an answer is smaller).
    static let bodyLimit = 256 * 1024

    /// `transport` itself when there is no log.
    static func wrap(_ transport: any Transport, log: RequestLog?, redactor: Redactor) -> any Transport {
        guard let log else { return transport }
        return LoggingTransport(transport, log: log, redactor: redactor)
    }

    init(_ inner: any Transport, log: RequestLog, redactor: Redactor) {
        self.inner = inner
        self.log = log
        self.redactor = redactor
    }

    var maxInFlight: Int { inner.maxInFlight }

    func start(_ request: HTTPRequest, tag: Int) {
        let attempt = (attempts[request.requestID] ?? 0) + 1
        attempts[request.requestID] = attempt
        started[tag] = (request.method, LoggingTransport.path(of: request.url), request.requestID, request.itemCount,
                        attempt, clock.now)
        if log.level >= .bodies { log.write(.bodies, requestText(request)) }
        inner.start(request, tag: tag)
    }

    func poll(timeoutMs: Int) -> [(tag: Int, outcome: TransportOutcome)] {
        let finished = inner.poll(timeoutMs: timeoutMs)
        for (tag, outcome) in finished {
            guard let request = started.removeValue(forKey: tag) else { continue }
            var line = "\(request.method) \(request.path) "
            var requestID = request.requestID
            var failure = ""
            switch outcome {
            case .answered(let response):
                if log.level >= .bodies { log.write(.bodies, answerText(response)) }
                line += "\(response.status)"
                requestID = LoggingTransport.serverRequestID(response) ?? requestID
            case .notSent(let error, _):
                line += "not-sent"
                failure = error.message
            case .noAnswer(let error):
                line += "no-answer"
                failure = error.message
            }
            let milliseconds = request.at.duration(to: clock.now).wholeMilliseconds
            line += " request_id=\(requestID) items=\(request.items) elapsed_ms=\(milliseconds)"
            if request.attempt > 1 { line += " attempt=\(request.attempt)" }
            if !failure.isEmpty { line += " error=\"\(printable(failure, limit: 500))\"" }
            log.write(.requests, redactor(line))
        }
        return finished
    }

    /// `/api/c/compapi/v2/cc/batch_create_inst/` of `https://host:8000/api/c/compapi/v2/cc/batch_create_inst/`.
    static func path(of url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...])
    }

    /// The server's own id: the envelope's `request_id` (what the CMDB's logs know), else the gateway's header;
    /// nil when it sent none.
    static func serverRequestID(_ response: HTTPResponse) -> String? {
        let fromBody = response.body.withUnsafeBytes { ResponseParser.envelope(httpStatus: response.status, body: $0) }
        if case .success(let envelope) = fromBody, !envelope.requestID.isEmpty { return envelope.requestID }
        let header = printable(response.header("X-Bkapi-Request-Id") ?? "", limit: 63)
        return header.isEmpty ? nil : header
    }

    /// `> POST https://…`, `> Name: value` per header, `>`, `> {body}`: the request as sent, secrets as `***`.
    private func requestText(_ request: HTTPRequest) -> String {
        guard let shown = try? request.redacted() else { return "> \(request.method) \(request.url) (cannot be shown)" }
        var text = "> \(shown.method) \(shown.url)\n"
        for (name, value) in shown.headers { text += "> \(name): \(value)\n" }
        text += ">\n> " + LoggingTransport.cut(shown.bodyBytes().map { String(decoding: $0, as: UTF8.self) } ?? "")
        return redactor(text)
    }

    /// `< 200`, `< Name: value` per header, `<`, `< {body}`: the answer, secrets as `***`.
    private func answerText(_ response: HTTPResponse) -> String {
        var text = "< \(response.status)\n"
        for (name, value) in response.headers { text += "< \(name): \(value)\n" }
        text += "<\n< " + LoggingTransport.cut(String(decoding: response.body, as: UTF8.self))
        return redactor(text)
    }

    static func cut(_ body: String) -> String {
        let count = body.utf8.count
        guard count > bodyLimit else { return body }
        return String(decoding: body.utf8.prefix(bodyLimit), as: UTF8.self) + "… (\(count - bodyLimit) more bytes)"
    }
}
