/// One HTTP request, exactly as it goes on the wire (credentials included).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    /// The JSON body (but for `splice`, when there is one).
    public var body: JSON
    /// A member written after `body`'s own, whose value is an array of JSON texts sent as they are: rows an import
    /// checked and verified are spliced in with their own bytes, not parsed again and serialized (nil: none).
    public var splice: Splice?
    /// The client-generated id sent as `X-Request-Id`, to trace the pieces of one import together.
    public var requestID: String
    /// How many items (instances, ids) the request carries: what the request log shows. Not sent.
    public var itemCount = 0

    /// A body member made of JSON texts: `"name":[text,text,…]`.
    public struct Splice: Sendable {
        public var name: String
        /// The texts, each copied once, into the body (`bodyBytes`).
        public var elements: [TextSpan]

        public init(name: String, elements: [TextSpan]) {
            self.name = name
            self.elements = elements
        }
    }

    /// The body's bytes as they go on the wire: `body` serialized, and the splice, if any, as its last member.
    public func bodyBytes() -> [UInt8]? {
        guard var bytes = body.serializedBytes() else { return nil }
        guard let splice else { return bytes }
        guard bytes.last == UInt8(ascii: "}"), let name = (try? JSON.string(splice.name))?.serializedBytes() else { return nil }
        bytes.removeLast()
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.reserveCapacity(bytes.count + name.count + 3 + splice.elements.reduce(0) { $0 + $1.range.count + 1 })
        bytes += name
        bytes += Array(":[".utf8)
        for position in splice.elements.indices {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            let element = splice.elements[position]
            element.run.withBytes(element.range) { bytes.append(contentsOf: $0) }
        }
        bytes += Array("]}".utf8)
        return bytes
    }

    /// The whole body as a JSON value (a splice parsed back in): for showing it, not for sending.
    public func bodyValue() throws(BKCCError) -> JSON {
        guard splice != nil else { return body }
        guard let bytes = bodyBytes() else { throw BKCCError(.noMemory, "cannot serialize the request body") }
        switch bytes.withUnsafeBytes({ JSON.parse($0) }) {
        case .success(let value): return value
        case .failure(let error): throw .invalid("the request body is not valid JSON: \(error.text)")
        }
    }

    /// `{"method", "url", "headers": {…}, "body": {…}}`, as `bkcc_build_request` returns it; with `bodyAsText`
    /// the body is its JSON text (what a transport callback receives).
    public func json(bodyAsText: Bool = false) throws(BKCCError) -> JSON {
        let headerObject = try JSON.object()
        for (name, value) in headers { try headerObject.set(name, value) }
        let bodyValue: JSON
        if bodyAsText {
            guard let text = bodyBytes() else { throw BKCCError(.noMemory, "cannot serialize the request body") }
            bodyValue = try .string(String(decoding: text, as: UTF8.self))
        } else {
            bodyValue = try self.bodyValue()
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
