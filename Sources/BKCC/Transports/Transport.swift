/// What sending one request came to. The difference between `notSent` and `noAnswer` is the retry rule: a create
/// may be sent again only when the server provably did nothing.
public enum TransportOutcome: Sendable {
    /// The server answered (any status).
    case answered(HTTPResponse)
    /// Nothing reached the server (connection refused, DNS, TLS handshake): safe to retry when `retryable`.
    /// A TLS certificate the client refuses is not retryable: trying again cannot change it.
    case notSent(BKCCError, retryable: Bool)
    /// The request was sent (or may have been), and no answer came: its fate is unknown.
    case noAnswer(BKCCError)
}

/// Sends requests. The batch runner starts up to `maxInFlight` requests and polls for the ones that finished;
/// a transport is used by one runner on one thread at a time.
public protocol Transport: AnyObject {
    /// How many requests it can have in flight at once.
    var maxInFlight: Int { get }
    /// Starts sending `request`; `tag` names it in `poll`'s answer.
    func start(_ request: HTTPRequest, tag: Int)
    /// Waits until at least one started request has finished, or `timeoutMs` has passed; returns the finished
    /// ones (possibly none).
    func poll(timeoutMs: Int) -> [(tag: Int, outcome: TransportOutcome)]
}
