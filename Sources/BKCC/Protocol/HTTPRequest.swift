/// One HTTP request, exactly as it goes on the wire (credentials included).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    /// The JSON body.
    public var body: JSON
    /// The client-generated id sent as `X-Request-Id`, to trace the pieces of one import together.
    public var requestID: String
    /// How many items (instances, ids) the request carries: what the request log shows. Not sent.
    public var itemCount = 0

    /// `{"method", "url", "headers": {…}, "body": {…}}`, as `bkcc_build_request` returns it; with `bodyAsText`
    /// the body is its JSON text (what a transport callback receives).
    public func json(bodyAsText: Bool = false) throws(BKCCError) -> JSON {
        let headerObject = try JSON.object()
        for (name, value) in headers { try headerObject.set(name, value) }
        let bodyValue: JSON
        if bodyAsText {
            guard let text = body.serialized() else { throw BKCCError(.noMemory, "cannot serialize the request body") }
            bodyValue = try .string(text)
        } else {
            bodyValue = body
        }
        return try JSON.object(["method": .string(method), "url": .string(url), "headers": headerObject,
                                "body": bodyValue])
    }

    /// Names of body members that hold secrets.
    static let secretBodyKeys: Set<String> = ["bk_app_secret", "bk_token", "access_token"]

    /// A copy fit to show a person (a dry run, a log): every secret replaced by "***". The details are shared,
    /// not copied.
    public func redacted() throws(BKCCError) -> HTTPRequest {
        var copy = self
        copy.body = try body.shallowCopy()
        for key in HTTPRequest.secretBodyKeys where copy.body[key] != nil { try copy.body.set(key, "***") }
        copy.headers = headers.map { header in
            header.name.lowercased() == "x-bkapi-authorization" ? (header.name, HTTPRequest.redactedAuthorization(header.value)) : header
        }
        return copy
    }

    /// The authorization header with its secrets masked; a value that is not the JSON we write is masked whole.
    static func redactedAuthorization(_ value: String) -> String {
        guard case .success(let object) = JSON.parse(value), object.isObject else { return "***" }
        do {
            for key in secretBodyKeys where object[key] != nil { try object.set(key, "***") }
        } catch {
            return "***"
        }
        return object.serialized() ?? "***"
    }
}
