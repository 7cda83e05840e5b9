/// One HTTP request, exactly as it goes on the wire (credentials included).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    /// The JSON body.
    public var body: JSON
    /// The client-generated id sent as `X-Request-Id`, to trace the pieces of one import together.
    public var requestID: String

    /// `{"method", "url", "headers": {…}, "body": {…}}`, as `bkcc_build_request` returns it.
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

    /// Names of members and headers that hold secrets.
    static let secretBodyKeys: Set<String> = ["bk_app_secret", "bk_token", "access_token"]

    /// A copy fit to show a person (a dry run, a log): every secret replaced by "***". The details are shared,
    /// not copied.
    public func redacted() throws(BKCCError) -> HTTPRequest {
        var copy = self
        copy.body = try body.shallowCopy()
        for key in HTTPRequest.secretBodyKeys where copy.body[key] != nil { try copy.body.set(key, "***") }
        copy.headers = headers.map { header in
            header.name.lowercased() == "x-bkapi-authorization" ? (header.name, RequestBuilder.redactedAuthorization(header.value)) : header
        }
        return copy
    }
}

/// Builds the requests of the ESB and API-gateway routes from a configuration. Pure: no I/O.
public struct RequestBuilder: Sendable {
    public let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    /// The batch_create_inst request for at most `maxBatch` details (shared with `details`, not copied).
    /// Throws `.invalidArgument` for an empty or over-long batch; the details themselves are not checked here
    /// (see `Validation`).
    public func batchCreate(objectID: String, details: JSON, requestID: String = RequestID.make()) throws(BKCCError) -> HTTPRequest {
        guard details.isArray else { throw .invalid("details: must be a JSON array, got \(details.kind.name)") }
        guard (1...BatchLimits.maxBatch).contains(details.count) else {
            throw .invalid("details: a request takes 1 to \(BatchLimits.maxBatch) instances, got \(details.count)")
        }
        try checkPathSegment(objectID)
        let config = configuration
        switch config.api {
        case .esb:
            let body = try credentialBody()
            try body.set("bk_obj_id", objectID)
            try body.set("details", details)
            return HTTPRequest(method: "POST", url: "\(config.baseURL)/api/c/compapi/v2/cc/batch_create_inst/",
                               headers: try headers(requestID: requestID), body: body, requestID: requestID)
        case .apigw:
            let body = try JSON.object(["details": details])
            return HTTPRequest(method: "POST",
                               url: "\(config.baseURL)/api/bk-cmdb/\(config.stage)/api/v3/createmany/instance/object/\(objectID)",
                               headers: try headers(requestID: requestID), body: body, requestID: requestID)
        }
    }

    /// A search for instances whose `field` is one of `values` (at most `maxSearchPage`), for reconciling
    /// unknown items: ESB `search_inst`, or the gateway's `find/instassociation` route.
    public func search(objectID: String, field: String, values: [JSON], requestID: String = RequestID.make()) throws(BKCCError) -> HTTPRequest {
        guard (1...BatchLimits.maxSearchPage).contains(values.count) else {
            throw .invalid("a search takes 1 to \(BatchLimits.maxSearchPage) values, got \(values.count)")
        }
        try checkPathSegment(objectID)
        let valueArray = try JSON.array()
        for value in values { try valueArray.append(value) }
        let rule = try JSON.object(["field": .string(field), "operator": .string("$in"), "value": valueArray])
        let rules = try JSON.array()
        try rules.append(rule)
        let condition = try JSON.object([objectID: rules])
        let page = try JSON.object(["start": .integer(0), "limit": .integer(Int64(BatchLimits.maxSearchPage))])
        let config = configuration
        switch config.api {
        case .esb:
            let body = try credentialBody()
            try body.set("bk_obj_id", objectID)
            try body.set("condition", condition)
            try body.set("page", page)
            return HTTPRequest(method: "POST", url: "\(config.baseURL)/api/c/compapi/v2/cc/search_inst/",
                               headers: try headers(requestID: requestID), body: body, requestID: requestID)
        case .apigw:
            let body = try JSON.object(["condition": condition, "page": page])
            return HTTPRequest(method: "POST",
                               url: "\(config.baseURL)/api/bk-cmdb/\(config.stage)/api/v3/find/instassociation/object/\(objectID)",
                               headers: try headers(requestID: requestID), body: body, requestID: requestID)
        }
    }

    // MARK: Pieces

    /// The model id goes into the gateway's path: only identifier characters may, so nothing needs escaping.
    private func checkPathSegment(_ objectID: String) throws(BKCCError) {
        guard !objectID.isEmpty, objectID.utf8.count <= 128, objectID.utf8.allSatisfy(isIdentifierByte) else {
            throw .invalid("bk_obj_id: must be an identifier of letters, digits and '_'")
        }
    }

    /// The ESB body's credential fields when they go in the body; an empty object otherwise.
    private func credentialBody() throws(BKCCError) -> JSON {
        let body = try JSON.object()
        let config = configuration
        guard config.api == .esb, config.auth == .body else { return body }
        try body.set("bk_app_code", config.appCode)
        try body.set("bk_app_secret", config.appSecret)
        if let username = config.username, !username.isEmpty { try body.set("bk_username", username) }
        if let token = config.token, !token.isEmpty { try body.set("bk_token", token) }
        return body
    }

    /// The `X-Bkapi-Authorization` value: a JSON object string.
    func authorizationHeader() throws(BKCCError) -> String {
        let config = configuration
        let object = try JSON.object(["bk_app_code": .string(config.appCode), "bk_app_secret": .string(config.appSecret)])
        if let username = config.username, !username.isEmpty { try object.set("bk_username", username) }
        if let token = config.token, !token.isEmpty { try object.set("bk_token", token) }
        if let accessToken = config.accessToken, !accessToken.isEmpty { try object.set("access_token", accessToken) }
        guard let text = object.serialized() else { throw BKCCError(.noMemory, "cannot serialize the authorization header") }
        return text
    }

    private func headers(requestID: String) throws(BKCCError) -> [(name: String, value: String)] {
        let config = configuration
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("User-Agent", config.userAgent),
            ("X-Request-Id", requestID),
        ]
        if let language = config.language {
            headers.append((config.api == .esb ? "Blueking-Language" : "X-Bkcmdb-Language", language))
        }
        if config.api == .apigw || config.auth == .header {
            headers.append(("X-Bkapi-Authorization", try authorizationHeader()))
        }
        headers.append(contentsOf: config.headers)
        return headers
    }

    /// The authorization header with its secrets masked; a value that is not the JSON we write is masked whole.
    static func redactedAuthorization(_ value: String) -> String {
        guard case .success(let object) = JSON.parse(value), object.isObject else { return "***" }
        do {
            for key in HTTPRequest.secretBodyKeys where object[key] != nil { try object.set(key, "***") }
        } catch {
            return "***"
        }
        return object.serialized() ?? "***"
    }
}

/// Limits of the CMDB's API.
public enum BatchLimits {
    /// Instances per batch_create_inst call (`BKCC_MAX_BATCH`), hard-coded in the server.
    public static let maxBatch = 200
    /// Rows per search_inst page.
    public static let maxSearchPage = 200
}

/// Client-generated request ids: 32 lowercase hex characters, like the server's own.
public enum RequestID {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex(generator.next()) + hex(generator.next())
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
