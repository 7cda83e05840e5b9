/// One finished request of a batch call (or one group of items that was never sent): the one record of a request,
/// from the engine to the caller's callback, the result's `requests` array, the progress event and the report.
public struct RequestRecord: Sendable {
    /// The client's `X-Request-Id` for this request ("" for items never sent).
    public var clientRequestID: String
    /// The server's own `request_id`, when it sent one.
    public var serverRequestID: String
    /// 0 when no HTTP answer came.
    public var httpStatus: Int
    /// The envelope's code, 0 if none.
    public var code: Int64
    /// The envelope's message, or what went wrong with the request.
    public var message: String
    public var elapsedMs: Int
    /// How many times the request was sent or tried (retries included); 0 for items never sent.
    public var attempts: Int
    /// The request's own status: `.ok` when the server answered result:true (even if some items failed).
    public var status: BKCCStatus
    /// The server's `permission` object, when it sent one.
    public var permission: JSON?
    /// The request-level failure, if any (with its hint): what a front end words its advice from.
    public var error: BKCCError?
    /// The outcome of each item of the request, in the order they were sent.
    public var items: [ItemOutcome]

    /// The id that traces this request: the server's when it sent one, else the client's X-Request-Id.
    public var requestID: String { serverRequestID.isEmpty ? clientRequestID : serverRequestID }
    /// Whether a request was made (items never sent make none).
    public var wasSent: Bool { attempts > 0 }
    /// The lowest and highest caller index among its items.
    public var first: Int { items.lazy.map(\.index).min() ?? 0 }
    public var last: Int { items.lazy.map(\.index).max() ?? 0 }

    /// `{"first", "count", "request_id", "client_request_id", "http_status", "code", "message", "elapsed_ms",
    /// "attempts", "status", "permission"?}`, as the result's `requests` array lists it.
    public func json() throws(BKCCError) -> JSON {
        let entry = try JSON.object([
            "first": .integer(Int64(first)), "count": .integer(Int64(items.count)),
            "request_id": .string(requestID), "client_request_id": .string(clientRequestID),
            "http_status": .integer(Int64(httpStatus)), "code": .integer(code),
            "message": .string(message), "elapsed_ms": .integer(Int64(elapsedMs)),
            "attempts": .integer(Int64(attempts)), "status": .string(status.name),
        ])
        if let permission { try entry.set("permission", permission) }
        return entry
    }
}
