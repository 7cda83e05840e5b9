/// How to reach a CMDB and who to be there. Built in Swift with `init(url:appCode:…)`, or from the JSON
/// configuration object of the C API with `init(json:)`; both are checked by `validate()`.
public struct Configuration: Sendable {
    /// Which route to speak.
    public enum API: String, Sendable, CaseIterable {
        /// The ESB component route, `/api/c/compapi/v2/cc/batch_create_inst/` (the most deployed).
        case esb
        /// The API gateway route, `/api/bk-cmdb/{stage}/api/v3/createmany/instance/object/{bk_obj_id}`.
        case apigw
    }

    /// Where ESB credentials go. The gateway always takes them in the header.
    public enum CredentialPlacement: String, Sendable, CaseIterable {
        /// `bk_app_code`, `bk_app_secret`, `bk_username` / `bk_token` in the JSON body (the published page's way).
        case body
        /// The `X-Bkapi-Authorization` header, a JSON object string.
        case header
    }

    public var url: String
    public var api: API = .esb
    public var stage: String = "prod"
    public var appCode: String
    public var appSecret: String
    public var username: String?
    public var token: String?
    public var accessToken: String?
    public var auth: CredentialPlacement = .body
    /// "en" or "zh-cn"; nil leaves the server's default.
    public var language: String?
    public var timeoutMs: Int = 60_000
    public var connectTimeoutMs: Int = 10_000
    public var verifyTLS: Bool = true
    public var caFile: String?
    public var proxy: String?
    public var concurrency: Int = 4
    /// 0 means no limit.
    public var maxRequestsPerSecond: Double = 0
    public var retries: Int = 3
    public var userAgent: String = "bkcc/\(BKCCVersion.string)"
    /// Extra headers, sent with every request, in order.
    public var headers: [(name: String, value: String)] = []

    public init(url: String, appCode: String, appSecret: String, username: String? = nil, token: String? = nil,
                accessToken: String? = nil, api: API = .esb) {
        self.url = url
        self.appCode = appCode
        self.appSecret = appSecret
        self.username = username
        self.token = token
        self.accessToken = accessToken
        self.api = api
        self.auth = api == .apigw ? .header : .body
    }

    /// Headers bkcc sets itself; `headers` may not replace them.
    static let reservedHeaders: Set<String> = ["content-type", "content-length", "host", "x-bkapi-authorization",
                                               "transfer-encoding", "expect"]

    /// Reads the JSON configuration object of the C API. Unknown keys, wrong types and missing required keys
    /// are `.invalidArgument` errors naming the key. Values are never echoed (they may be secrets).
    public init(json: JSON) throws(BKCCError) {
        guard json.isObject else { throw .invalid("config: must be a JSON object, got \(json.kind.name)") }
        for (key, _) in json.entries where ConfigurationKey.named(key) == nil {
            var message = "config: unknown key \"\(key.prefix(64))\""
            if let near = nearestName(to: key, in: ConfigurationKey.names) { message += " (did you mean \"\(near)\"?)" }
            throw .invalid(message)
        }
        let reader = ConfigReader(json: json)
        self.init(url: try reader.requiredString("url"), appCode: try reader.requiredString("app_code"),
                  appSecret: try reader.requiredString("app_secret"))
        username = try reader.string("username")
        token = try reader.string("token")
        accessToken = try reader.string("access_token")
        if let value = try reader.choice("api", API.self) { api = value }
        auth = api == .apigw ? .header : .body
        if let value = try reader.choice("auth", CredentialPlacement.self) { auth = value }
        if let value = try reader.string("stage") { stage = value }
        language = try reader.string("language")
        if let value = try reader.integer("timeout_ms") { timeoutMs = value }
        if let value = try reader.integer("connect_timeout_ms") { connectTimeoutMs = value }
        if let value = try reader.bool("verify_tls") { verifyTLS = value }
        caFile = try reader.string("ca_file")
        proxy = try reader.string("proxy")
        if let value = try reader.integer("concurrency") { concurrency = value }
        if let value = try reader.number("max_requests_per_second") { maxRequestsPerSecond = value }
        if let value = try reader.integer("retries") { retries = value }
        if let value = try reader.string("user_agent") { userAgent = value }
        if let value = json["headers"], !value.isNull {
            guard value.isObject else { throw .invalid("config.headers: must be an object of strings, got \(value.kind.name)") }
            headers = try value.entries.map { (name, value) throws(BKCCError) in
                guard let text = value.string else {
                    throw .invalid("config.headers.\(name.prefix(64)): must be a string, got \(value.kind.name)")
                }
                return (name, text)
            }
        }
        try validate()
    }

    /// Checks the values: ranges, the URL's form, credentials that fit the route, header syntax.
    public func validate() throws(BKCCError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8 else {
            throw .invalid("config.url: must start with http:// or https://")
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw .invalid("config.url: must not contain spaces or control characters")
        }
        guard !appCode.isEmpty else { throw .invalid("config.app_code: must be a non-empty string") }
        guard !appSecret.isEmpty else { throw .invalid("config.app_secret: must be a non-empty string") }
        let hasUser = !(username ?? "").isEmpty || !(token ?? "").isEmpty
        switch api {
        case .esb:
            guard hasUser else { throw .invalid("config: the ESB needs a user: set username or token") }
            guard (accessToken ?? "").isEmpty else { throw .invalid("config.access_token: only for api \"apigw\"") }
        case .apigw:
            guard hasUser || !(accessToken ?? "").isEmpty else {
                throw .invalid("config: the API gateway needs a user: set username, token or access_token")
            }
            guard auth == .header else { throw .invalid("config.auth: the API gateway takes credentials in the header only") }
        }
        guard !stage.isEmpty, stage.utf8.allSatisfy({ isIdentifierByte($0) || $0 == UInt8(ascii: "-") }) else {
            throw .invalid("config.stage: must be a non-empty name of letters, digits, '_' or '-'")
        }
        if let language { try Configuration.key("language").check(language) }
        for (name, value) in [("timeout_ms", Double(timeoutMs)), ("connect_timeout_ms", Double(connectTimeoutMs)),
                              ("concurrency", Double(concurrency)), ("retries", Double(retries)),
                              ("max_requests_per_second", maxRequestsPerSecond)] {
            try Configuration.key(name).check(value)
        }
        for (name, text) in [("user_agent", userAgent), ("ca_file", caFile ?? ""), ("proxy", proxy ?? "")]
            where text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw .invalid("config.\(name): must not contain control characters")
        }
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw .invalid("config.headers: \"\(name.prefix(64))\" is not a valid header name")
            }
            guard !Configuration.reservedHeaders.contains(name.lowercased()) else {
                throw .invalid("config.headers.\(name): is set by bkcc and cannot be replaced")
            }
            guard !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                throw .invalid("config.headers.\(name): must not contain control characters")
            }
        }
    }

    /// A key of the table (`ConfigurationKey.all`); a name missing from it is a programming error caught by the
    /// tests, and checks nothing rather than trap.
    static func key(_ name: String) -> ConfigurationKey {
        ConfigurationKey.named(name) ?? ConfigurationKey(name, .string, help: "")
    }

    /// The base URL without a trailing slash.
    var baseURL: Substring {
        var base = Substring(url)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base
    }
}

/// Reads typed members of the configuration object, naming the key in every error.
private struct ConfigReader {
    let json: JSON

    /// The member, or nil when absent or null (null means "use the default").
    func member(_ key: String) -> JSON? {
        guard let value = json[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(BKCCError) -> String? {
        guard let value = member(key) else { return nil }
        guard let text = value.string else { throw .invalid("config.\(key): must be a string, got \(value.kind.name)") }
        guard !text.utf8.contains(0) else { throw .invalid("config.\(key): must not contain NUL") }
        return text
    }

    func requiredString(_ key: String) throws(BKCCError) -> String {
        guard let text = try string(key), !text.isEmpty else {
            throw .invalid("config.\(key): required, must be a non-empty string")
        }
        return text
    }

    func integer(_ key: String) throws(BKCCError) -> Int? {
        guard let value = member(key) else { return nil }
        guard let number = value.integer, let result = Int(exactly: number) else {
            throw .invalid("config.\(key): must be an integer, got \(value.kind.name)")
        }
        return result
    }

    func number(_ key: String) throws(BKCCError) -> Double? {
        guard let value = member(key) else { return nil }
        guard let number = value.number else { throw .invalid("config.\(key): must be a number, got \(value.kind.name)") }
        return number
    }

    func bool(_ key: String) throws(BKCCError) -> Bool? {
        guard let value = member(key) else { return nil }
        guard let flag = value.bool else { throw .invalid("config.\(key): must be true or false, got \(value.kind.name)") }
        return flag
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws(BKCCError) -> T?
    where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        try Configuration.key(key).check(text)
        return T(rawValue: text)
    }
}
