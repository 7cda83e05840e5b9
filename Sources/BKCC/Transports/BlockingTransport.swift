/// A transport over a blocking function: one request at a time, sent in `start`. This is how a host's own HTTP
/// stack plugs in (`bkcc_client_set_transport`), and how tests script a server.
public final class BlockingTransport: Transport {
    public typealias Send = (HTTPRequest) -> TransportOutcome
    private let send: Send
    private var finished: [(tag: Int, outcome: TransportOutcome)] = []

    public init(_ send: @escaping Send) { self.send = send }

    public var maxInFlight: Int { 1 }

    public func start(_ request: HTTPRequest, tag: Int) {
        finished.append((tag, send(request)))
    }

    public func poll(timeoutMs: Int) -> [(tag: Int, outcome: TransportOutcome)] {
        defer { finished.removeAll() }
        return finished
    }
}
