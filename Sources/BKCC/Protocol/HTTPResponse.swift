/// An HTTP answer: status, headers, body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The server's request id from the gateway's headers, "" when none.
    var headerRequestID: String {
        printable(header("X-Bkapi-Request-Id") ?? header("X-Request-Id") ?? "", limit: 63)
    }
}
