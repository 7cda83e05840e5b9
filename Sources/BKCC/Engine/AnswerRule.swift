/// What an answer means for the items of its request: the retry rule of DESIGN.md ("Retry rule"), in one place.
/// The engine asks `verdict(for:)` about every answer; no other code reads codes to decide an item's fate.
enum AnswerRule {
    /// Rate limited, nothing was done: ESB 1306429; gateway 1642901 / 1642902 (stage limits), 1642903 (per resource,
    /// without Retry-After), 1642904 (concurrency); CMDB's own limiter 1199997 (HTTP 200). HTTP 429 is the same.
    static let rateLimitCodes: Set<Int64> = [1_306_429, 1_642_901, 1_642_902, 1_642_903, 1_642_904, 1_199_997]
    /// `result:false` after which the backend may have acted: the audit log failed after the inserts (1109001,
    /// 1109005); the topo server's wrap of a core-service error, which comes after the items before the failing one
    /// were saved (1199002); the ESB gave up waiting for CMDB (1306201); the gateway's own answers after it
    /// forwarded the request: 1650000 / 1650001 (backend 5xx), 1650200 / 1650201 (bad gateway, error requesting the
    /// backend), 1650300 (unavailable), 1650401 (backend timeout).
    static let mayHaveActedCodes: Set<Int64> = [1_109_001, 1_109_005, 1_199_002, 1_306_201, 1_650_000, 1_650_001,
                                                1_650_200, 1_650_201, 1_650_300, 1_650_401]
    /// Failures that would repeat for every request: credentials, permission, built-in, mainline or unknown model.
    static let stopsAllCodes: Set<Int64> = [1_306_000, 1_306_406, 9_900_403, 1_199_084, 1_199_075, 1_199_045,
                                            1_640_001, 1_640_301, 1_640_401]
    /// HTTP statuses that mean the same for every request (authentication, permission, no such route).
    static let stopsAllStatuses: Set<Int> = [401, 403, 404]

    /// The ESB answers 1306000 both for bad credentials (nothing done) and when CMDB's answer was not a JSON
    /// string (CMDB ran the request): only the message tells them apart.
    static func esbSaysBackendAnswerWasNotJSON(_ envelope: Envelope) -> Bool {
        envelope.code == 1_306_000 && envelope.message.lowercased().contains("json")
    }

    enum Verdict {
        /// `result:true`: the operation reads the items' outcomes from it.
        case accepted(Envelope)
        /// Rate limited, nothing done: send again after `retryAfter` seconds (nil: back off).
        case rateLimited(BKCCError, retryAfter: Int?)
        /// `result:false`, nothing done: the items failed with the server's message.
        case refused(BKCCError, Envelope, stopsAll: Bool)
        /// `result:false`, but the backend may have acted: the items are unknown.
        case mayHaveActed(BKCCError, Envelope)
        /// Not a well-formed envelope: the items are unknown.
        case unreadable(BKCCError, stopsAll: Bool)
    }

    static func verdict(for response: HTTPResponse) -> Verdict {
        let headerRequestID = response.headerRequestID
        let stopsAll = stopsAllStatuses.contains(response.status)
        let parsed = response.body.withUnsafeBytes { ResponseParser.envelope(httpStatus: response.status, body: $0) }
        var envelope: Envelope
        switch parsed {
        case .failure(var error):
            if error.requestID.isEmpty { error.requestID = headerRequestID }
            if response.status == 429 { return .rateLimited(error, retryAfter: retryAfter(response)) }
            return .unreadable(error, stopsAll: stopsAll)
        case .success(let value):
            envelope = value
        }
        envelope = withRequestID(envelope, of: response)
        guard var failure = envelope.failure else {
            if response.status == 429 {
                return .rateLimited(BKCCError(.api, "HTTP 429", httpStatus: 429, requestID: envelope.requestID),
                                    retryAfter: retryAfter(response))
            }
            return .accepted(envelope)
        }
        failure.requestID = envelope.requestID
        if rateLimitCodes.contains(envelope.code) || response.status == 429 {
            return .rateLimited(failure, retryAfter: retryAfter(response))
        }
        // A result:false with a 5xx status comes from a layer that may have forwarded the request: unless its code
        // says nothing was done, the backend may have acted.
        if mayHaveActedCodes.contains(envelope.code) || esbSaysBackendAnswerWasNotJSON(envelope) || response.status >= 500 {
            return .mayHaveActed(failure, envelope)
        }
        return .refused(failure, envelope, stopsAll: stopsAll || stopsAllCodes.contains(envelope.code))
    }

    /// The envelope with the gateway's request id (a header) when its body names none.
    static func withRequestID(_ envelope: Envelope, of response: HTTPResponse) -> Envelope {
        guard envelope.requestID.isEmpty else { return envelope }
        var envelope = envelope
        envelope.requestID = response.headerRequestID
        return envelope
    }

    /// `Retry-After` in seconds, when the server sent a number.
    private static func retryAfter(_ response: HTTPResponse) -> Int? {
        response.header("Retry-After").flatMap { Int($0.trimmingSpace()) }
    }
}
