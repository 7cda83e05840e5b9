/// Every configuration key, defined once: its name, type, default, range, environment variables and help. The
/// library checks values by it (`Configuration`), the CLI derives its flags' help and ranges and `config show`
/// from it, and Python's `Client.from_env` reads it through `bkcc_config_schema()` (`schemaJSON`).
public struct ConfigurationKey: Sendable {
    public enum ValueType: String, Sendable {
        case string, integer, number, boolean, object
    }

    public let name: String
    public let type: ValueType
    /// The default as JSON text, as `config show` prints it; nil when there is none.
    public let defaultValue: String?
    /// Allowed numbers, inclusive.
    public let range: ClosedRange<Double>?
    /// Allowed strings.
    public let choices: [String]
    /// Environment variables that set it, first non-empty wins.
    public let environment: [String]
    public let required: Bool
    /// Shown as `***` wherever settings are shown; never accepted as a command-line flag.
    public let secret: Bool
    public let help: String

    init(_ name: String, _ type: ValueType, default defaultValue: String? = nil, range: ClosedRange<Double>? = nil,
         choices: [String] = [], environment: [String] = [], required: Bool = false, secret: Bool = false, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.range = range
        self.choices = choices
        self.environment = environment
        self.required = required
        self.secret = secret
        self.help = help
    }

    /// The keys, in the order the header documents them.
    public static let all: [ConfigurationKey] = [
        .init("url", .string, environment: ["BK_COMPONENT_API_URL"], required: true,
              help: "The ESB or API gateway base URL."),
        .init("api", .string, default: "\"esb\"", choices: ["esb", "apigw"], environment: ["BKCC_API"],
              help: "Which route: esb or apigw."),
        .init("stage", .string, default: "\"prod\"", help: "The API gateway stage."),
        .init("app_code", .string, environment: ["BK_APP_CODE", "BKPAAS_APP_ID", "APP_CODE"], required: true,
              help: "The app code."),
        .init("app_secret", .string, environment: ["BK_APP_SECRET", "BKPAAS_APP_SECRET"], required: true, secret: true,
              help: "The app secret."),
        .init("username", .string, environment: ["BK_USERNAME"], help: "The user to act as."),
        .init("token", .string, environment: ["BK_TOKEN"], secret: true, help: "A bk_token instead of a user name."),
        .init("access_token", .string, secret: true, help: "An OAuth access token (API gateway only)."),
        .init("auth", .string, default: "\"body\"", choices: ["body", "header"],
              help: "Where ESB credentials go: body or header (the API gateway always takes the header)."),
        .init("language", .string, choices: ["en", "zh-cn"], help: "Language of the server's messages: en or zh-cn."),
        .init("timeout_ms", .integer, default: "60000", range: 1...86_400_000, help: "Milliseconds to wait for each answer."),
        .init("connect_timeout_ms", .integer, default: "10000", range: 1...86_400_000,
              help: "Milliseconds to wait for a connection."),
        .init("verify_tls", .boolean, default: "true", help: "Verify the server's TLS certificate."),
        .init("ca_file", .string, help: "CA certificates to verify the server with (PEM)."),
        .init("proxy", .string, help: "An HTTP proxy URL."),
        .init("concurrency", .integer, default: "4", range: 1...64, help: "Requests in flight at once."),
        .init("max_requests_per_second", .number, default: "0", range: 0...Double.greatestFiniteMagnitude,
              help: "At most this many requests per second (0: no limit)."),
        .init("retries", .integer, default: "3", range: 0...10,
              help: "Retries of requests the server provably did not act on."),
        .init("user_agent", .string, default: "\"bkcc/\(BKCCVersion.string)\"", help: "The User-Agent header."),
        .init("headers", .object, help: "Extra headers sent with every request, an object of strings."),
    ]

    public static let names: [String] = all.map(\.name)

    /// The key of that name; every name used in the code is in the table.
    public static func named(_ name: String) -> ConfigurationKey? { all.first { $0.name == name } }

    /// The keys whose values are secrets.
    public static let secretNames: Set<String> = Set(all.filter(\.secret).map(\.name))

    /// `[{"key", "type", "default", "range", "choices", "environment", "required", "secret", "help"}, …]`, the
    /// table as JSON text (`bkcc_config_schema`), made once.
    public static let schemaJSON: String = {
        let array = (try? JSON.array()) ?? .null
        for key in all {
            guard let entry = try? key.json() else { continue }
            try? array.append(entry)
        }
        return array.serialized() ?? "[]"
    }()

    private func json() throws(BKCCError) -> JSON {
        let entry = try JSON.object(["key": .string(name), "type": .string(type.rawValue), "help": .string(help),
                                     "required": .bool(required), "secret": .bool(secret)])
        try entry.set("default", defaultValue.map { value throws(BKCCError) in try JSON.string(value) } ?? .null)
        if let range {
            let bounds = try JSON.array()
            try bounds.append(.real(range.lowerBound))
            try bounds.append(range.upperBound == .greatestFiniteMagnitude ? .null : .real(range.upperBound))
            try entry.set("range", bounds)
        }
        let names = try JSON.array()
        for name in environment { try names.append(.string(name)) }
        try entry.set("environment", names)
        let allowed = try JSON.array()
        for choice in choices { try allowed.append(.string(choice)) }
        try entry.set("choices", allowed)
        return entry
    }

    /// Checks a number against the range: `config.<name>: must be LOW..HIGH`.
    func check(_ value: Double) throws(BKCCError) {
        guard let range else { return }
        guard value.isFinite, range.contains(value) else {
            if range.upperBound == .greatestFiniteMagnitude {
                throw .invalid("config.\(name): must be \(Int(range.lowerBound)) (no limit) or more")
            }
            throw .invalid("config.\(name): must be \(Int(range.lowerBound))..\(Int(range.upperBound))")
        }
    }

    /// Checks a string against the choices: `config.<name>: must be "a" or "b"`.
    func check(_ value: String) throws(BKCCError) {
        guard !choices.isEmpty, !choices.contains(value) else { return }
        throw .invalid("config.\(name): must be " + choices.map { "\"\($0)\"" }.joined(separator: " or "))
    }
}
