/// Where a client writes a line for each HTTP request it makes: `-v` / `-vv` of the CLI, Python's
/// `logging.getLogger("bkcc")`, `bkcc_client_set_log` in C. Every text it receives has the client's secrets
/// replaced by `***`. Called on the thread that runs the call, between requests.
public struct RequestLog: Sendable {
    /// How much is written: one line per request, or that and each request's and answer's headers and body.
    public enum Level: Int, Sendable, Comparable {
        /// `POST /api/c/compapi/v2/cc/batch_create_inst/ 200 request_id=… items=200 elapsed_ms=412`
        case requests = 1
        /// Also `> ` request and `< ` answer lines: the headers and the body.
        case bodies = 2

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public let level: Level
    /// Receives each text with its level (`.requests` for the one line, `.bodies` for a request or an answer).
    public let write: @Sendable (Level, String) -> Void

    public init(level: Level, write: @escaping @Sendable (Level, String) -> Void) {
        self.level = level
        self.write = write
    }
}

extension Client {
    /// Installs (or, with nil, removes) the request log. Safe while other threads run calls: a call reads the
    /// log once, when it starts.
    public func setRequestLog(_ log: RequestLog?) {
        requestLog.withLock { $0 = log }
    }

    /// The log a call starting now uses.
    public var currentRequestLog: RequestLog? { requestLog.withLock { $0 } }
}
