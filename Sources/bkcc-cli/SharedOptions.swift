import ArgumentParser
import BKCC
import BKCCCLI
#if canImport(Glibc)
import Glibc
#endif

/// How to reach the CMDB: flags that override the environment and the config file. Secrets have no flags (a
/// command line is visible to every user of the machine in `ps`): they come from the environment or the file.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A JSON config file of the library's configuration keys (default: ~/.config/bkcc/config.json when it exists).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("A profile of the config file (\"profiles\": {NAME: {…}}): its keys win over the file's top level (env BKCC_PROFILE; default: the file's \"default_profile\").", valueName: "name"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp(setting("url"), valueName: "url"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp(setting("api"), valueName: "api"))
    var api: String?

    @Option(name: .long, help: ArgumentHelp(setting("app_code", "The secret comes from BK_APP_SECRET or the config file."), valueName: "code"))
    var appCode: String?

    @Option(name: .long, help: ArgumentHelp(setting("username", "Or BK_TOKEN."), valueName: "name"))
    var username: String?

    @Option(name: .long, help: ArgumentHelp(setting("stage"), valueName: "stage"))
    var stage: String?

    @Option(name: .long, help: ArgumentHelp(setting("language"), valueName: "lang"))
    var language: String?

    @Option(name: .long, help: ArgumentHelp(setting("concurrency"), valueName: "n"))
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each answer (default 60).", valueName: "seconds"))
    var timeout: Double?

    @Option(name: .long, help: ArgumentHelp(setting("retries"), valueName: "n"))
    var retries: Int?

    @Option(name: .customLong("max-rps"), help: ArgumentHelp(setting("max_requests_per_second"), valueName: "n"))
    var maxRequestsPerSecond: Double?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(setting("ca_file"), valueName: "file"))
    var caFile: String?

    @Flag(name: .long, help: "Do not verify the server's TLS certificate.")
    var insecure = false

    /// Ranges and choices come from the library's table of configuration keys.
    func validate() throws {
        try ConnectionOptions.check("--api", api, key: "api")
        try ConnectionOptions.check("--language", language, key: "language")
        try ConnectionOptions.check("--concurrency", concurrency.map(Double.init), key: "concurrency")
        try ConnectionOptions.check("--retries", retries.map(Double.init), key: "retries")
        if let timeout, !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds") }
    }

    /// A flag's help: the key's help, its environment variables and its default, from the table.
    static func setting(_ name: String, _ extra: String = "") -> String {
        guard let key = ConfigurationKey.named(name) else { return extra }
        var text = key.help
        if !key.environment.isEmpty { text += " (env \(key.environment.joined(separator: ", ")))" }
        if let value = key.defaultValue { text += " Default: \(value)." }
        return extra.isEmpty ? text : text + " " + extra
    }

    private static func check(_ flag: String, _ value: String?, key name: String) throws {
        guard let value, let key = ConfigurationKey.named(name), !key.choices.isEmpty, !key.choices.contains(value) else { return }
        throw ValidationError("\(flag) must be " + key.choices.joined(separator: " or "))
    }

    private static func check(_ flag: String, _ value: Double?, key name: String) throws {
        guard let value, let range = ConfigurationKey.named(name)?.range, !range.contains(value) else { return }
        throw ValidationError("\(flag) must be \(Int(range.lowerBound)) to \(Int(range.upperBound))")
    }

    /// The flags that were given, as configuration keys.
    func flags() throws -> [(key: String, value: JSON, flag: String)] {
        var result: [(key: String, value: JSON, flag: String)] = []
        func add(_ key: String, _ value: JSON?, _ flag: String) { if let value { result.append((key, value, flag)) } }
        add("url", try url.map { try JSON.string($0) }, "--url")
        add("api", try api.map { try JSON.string($0) }, "--api")
        add("app_code", try appCode.map { try JSON.string($0) }, "--app-code")
        add("username", try username.map { try JSON.string($0) }, "--username")
        add("stage", try stage.map { try JSON.string($0) }, "--stage")
        add("language", try language.map { try JSON.string($0) }, "--language")
        add("concurrency", try concurrency.map { try JSON.integer(Int64($0)) }, "--concurrency")
        add("timeout_ms", try timeout.map { try JSON.integer(Int64(($0 * 1000).rounded())) }, "--timeout")
        add("retries", try retries.map { try JSON.integer(Int64($0)) }, "--retries")
        add("max_requests_per_second", try maxRequestsPerSecond.map { try JSON.real($0) }, "--max-rps")
        add("ca_file", try caFile.map { try JSON.string($0) }, "--ca-file")
        if insecure { add("verify_tls", JSON.bool(false), "--insecure") }
        return result
    }

    func settings() throws(BKCCError) -> Settings {
        let given: [(key: String, value: JSON, flag: String)]
        do { given = try flags() } catch { throw BKCCError(.invalidArgument, "\(error)") }
        return try Settings.resolve(flags: given, environment: ProcessEnvironment.current(), configPath: config, profile: profile)
    }
}

/// The input of an import or a check.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("obj"), help: ArgumentHelp("The model whose instances to create, e.g. bk_switch.", valueName: "id"))
    var objectID: String

    @Argument(help: ArgumentHelp("The input: a CSV file or an .xlsx workbook (a header row of attribute ids or display names), JSON Lines (one object per line), or a JSON array; - (or nothing, when piped) for standard input. All are streamed.", valueName: "file"))
    var file: String?

    /// The input path, "-" for standard input. Without a FILE, standard input, unless it is a terminal (someone
    /// forgot the file: waiting for them to type CSV would look like a hang).
    func validate() throws {
        if file == nil, isatty(0) == 1 { throw ValidationError("no input: give a FILE (or - to type rows on standard input)") }
    }

    func path() -> String { file ?? "-" }

    @Option(name: .long, help: ArgumentHelp("The input format: csv, xlsx, jsonl or json (default: from the extension, else from the first bytes).", valueName: "format"))
    var format: InputFormat?

    @Option(name: .customLong("unique-field"), help: ArgumentHelp("The model's unique field: repeats are refused, and --resume looks rows up by it (default: bk_asset_id on bk_switch, bk_router, bk_load_balance, bk_firewall; bk_inst_name on other models).", valueName: "field"))
    var uniqueFieldGiven: String?

    /// --unique-field, else the offline rules' unique field of the model.
    var uniqueField: String { uniqueFieldGiven ?? Validation.uniqueField(objectID) }

    /// --unique-field, else `model`'s single-field unique rule, else the offline rules' field.
    func uniqueField(by model: Model?) -> String { uniqueFieldGiven ?? model?.uniqueField ?? uniqueField }
}

extension InputFormat: ExpressibleByArgument {}

/// The rules rows are checked by: the CMDB's model, unless --offline.
struct ModelOptions: ParsableArguments {
    @Flag(name: .long, help: "Check by the offline rules (bk_inst_name, bk_asset_id on the device models) instead of reading the model from the CMDB.")
    var offline = false

    /// The rules rows are checked by: the model (nil: the offline rules), what to say about them, and whether that
    /// is a warning (the model could not be read: said on stderr whatever the output).
    struct Rules {
        var model: Model?
        var note: String
        var isWarning: Bool
    }

    /// The rules for `objectID`, its reads logged as `verbosity` says; a model the CMDB does not know ends the
    /// command with its message.
    func resolve(objectID: String, connection: ConnectionOptions, verbosity: VerbosityOptions? = nil,
                 console: Console) throws -> Rules {
        let choice = ModelSource.choose(
            objectID: objectID, offline: offline,
            configuration: { () throws(BKCCError) -> Configuration in try connection.settings().configuration() },
            client: { (configuration) throws(BKCCError) -> Client in
                let client = try Client(configuration: configuration)
                verbosity?.install(on: client, console: console)
                return client
            },
            cache: { ModelCache(configuration: $0, environment: ProcessEnvironment.current()) })
        guard let rules = ModelOptions.rules(choice, console: console) else { try finish(Self.status(of: choice)) }
        return rules
    }

    /// The rules a choice makes; nil when it ends the command (said on stderr).
    static func rules(_ choice: ModelSource.Choice, console: Console) -> Rules? {
        switch choice {
        case .model(let model, let note): return Rules(model: model, note: note, isWarning: false)
        case .offline(let note, let warning): return Rules(model: nil, note: note, isWarning: warning)
        case .failed(let message, _):
            console.note("bkcc: error: \(message)")
            return nil
        }
    }

    static func status(of choice: ModelSource.Choice) -> ExitStatus {
        if case .failed(_, let status) = choice { return status }
        return .ok
    }

    /// The model read while the rows are checked: the one this CMDB gave last time (`ModelCache`) to check them
    /// against at once, and the read that settles the rules, on its own thread. nil when there is nothing to
    /// guess from or the read must stay in line: --offline, no CMDB configured, no cached model, or -v (the read's
    /// log lines would come in the middle of the check pass).
    func readAhead(objectID: String, connection: ConnectionOptions, verbose: Bool) -> RulesAhead? {
        guard !offline, !verbose, let configuration = try? connection.settings().configuration() else { return nil }
        let cache = ModelCache(configuration: configuration, environment: ProcessEnvironment.current())
        guard let guess = cache.load(objectID: objectID) else { return nil }
        let read = ThreadResult<ModelSource.Choice>.start {
            ModelSource.choose(objectID: objectID, offline: false,
                               configuration: { () throws(BKCCError) -> Configuration in configuration })
        }
        return RulesAhead(guess: guess, read: read, cache: cache)
    }
}

/// A model read on its own thread while the rows are checked against a guess (`ModelOptions.readAhead`).
final class RulesAhead {
    let guess: Model
    private let read: ThreadResult<ModelSource.Choice>
    private let cache: ModelCache

    init(guess: Model, read: ThreadResult<ModelSource.Choice>, cache: ModelCache) {
        self.guess = guess
        self.read = read
        self.cache = cache
    }

    /// Whether the read is still going on (an import that stopped before it waited for it).
    var isReading: Bool { read.isRunning }

    /// Waits for the read, and says what it makes of the pass run against the guess: it stands when the CMDB's
    /// model is the guess byte for byte; else the rules it gives (a model is kept for the next run), or the end of
    /// the command (said on stderr). `say` is given the rules, `uniqueField` makes the field rows are keyed by.
    func settle(console: Console, interrupted: () -> Bool, say: (ModelOptions.Rules) -> Void,
                uniqueField: (Model?) -> String) -> RulesSettled {
        guard let choice = read.value(unless: interrupted) else { return .interrupted }
        guard let rules = ModelOptions.rules(choice, console: console) else { return .stop(ModelOptions.status(of: choice)) }
        say(rules)
        if case .model(let model, _) = choice {
            if (try? model.json().serializedBytes()) == (try? guess.json().serializedBytes()) { return .same(note: rules.note) }
            cache.store(model)
        }
        return .changed(model: rules.model, note: rules.note, uniqueField: uniqueField(rules.model))
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
