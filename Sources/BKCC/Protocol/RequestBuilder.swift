/// Builds the requests of the ESB and API-gateway routes from a configuration. Pure: no I/O.
public struct RequestBuilder: Sendable {
    public let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    /// The request for `route` on model `objectID` with these body members: on the ESB, the credentials (when
    /// they go in the body) and `bk_obj_id` come first; on the gateway the model goes in the path.
    public func request(_ route: Route, objectID: String, members: [(String, JSON)], splice: HTTPRequest.Splice? = nil,
                        requestID: String = RequestID.make()) throws(BKCCError) -> HTTPRequest {
        try checkPathSegment(objectID)
        let config = configuration
        let body: JSON
        let method: String, url: String
        switch config.api {
        case .esb:
            guard route.onESB else { throw .invalid("\(route.name): the ESB has no component for it (the API gateway has)") }
            body = try credentialBody()
            try body.set("bk_obj_id", objectID)
            method = "POST"
            url = "\(config.baseURL)\(route.esbPath)"
        case .apigw:
            body = try JSON.object()
            method = route.gatewayMethod
            url = "\(config.baseURL)/api/bk-cmdb/\(config.stage)" + route.gatewayPath.replacing("{bk_obj_id}", with: objectID)
        }
        for (key, value) in members { try body.set(key, value) }
        return HTTPRequest(method: method, url: url, headers: try headers(requestID: requestID), body: body, splice: splice,
                           requestID: requestID)
    }

    /// The batch_create_inst request for at most `maxBatch` details (shared with `details`, not copied).
    /// Throws `.invalidArgument` for an empty or over-long batch; the details themselves are not checked here
    /// (see `Validation`).
    public func batchCreate(objectID: String, details: JSON, requestID: String = RequestID.make()) throws(BKCCError) -> HTTPRequest {
        guard details.isArray else { throw .invalid("details: must be a JSON array, got \(details.kind.name)") }
        guard (1...BatchLimits.maxBatch).contains(details.count) else {
            throw .invalid("details: a request takes 1 to \(BatchLimits.maxBatch) instances, got \(details.count)")
        }
        try Validation.checkShapes(details.elements.enumerated().map { ($0.offset, $0.element) })
        return try request(.batchCreateInst, objectID: objectID, members: [("details", details)], requestID: requestID)
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
}
