/// What an answer means for the items of its request: the retry rule of DESIGN.md ("Retry rule"), in one place.
/// The engine asks `verdict(for:)` about every answer; no other code reads codes to decide an item's fate.
enum AnswerRule {
    /// Rate limited, nothing was done: ESB 1306429, gateway 1642902 / 1642903.
    static let rateLimitCodes: Set<Int64> = [1_306_429, 1_642_902, 1_642_903]
    /// `result:false` after which the backend may have acted: the audit log failed after the inserts.
    static let mayHaveActedCodes: Set<Int64> = [1_109_001, 1_109_005]
    /// Failures that would repeat for every request: credentials, permission, built-in, mainline or unknown model.
    static let stopsAllCodes: Set<Int64> = [1_306_000, 1_306_406, 9_900_403, 1_199_084, 1_199_075, 1_199_045,
                                            1_640_001, 1_640_301, 1_640_401]
    /// HTTP statuses that mean the same for every request (authentication, permission, no such route).
    static let stopsAllStatuses: Set<Int> = [401, 403, 404]

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
        if envelope.requestID.isEmpty { envelope.requestID = headerRequestID }
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
        if mayHaveActedCodes.contains(envelope.code) { return .mayHaveActed(failure, envelope) }
        return .refused(failure, envelope, stopsAll: stopsAll || stopsAllCodes.contains(envelope.code))
    }

    /// `Retry-After` in seconds, when the server sent a number.
    private static func retryAfter(_ response: HTTPResponse) -> Int? {
        response.header("Retry-After").flatMap { Int($0.trimmingSpace()) }
    }
}
