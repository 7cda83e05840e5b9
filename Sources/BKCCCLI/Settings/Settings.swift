#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// The effective settings: each configuration key with its value and where it came from. Flags win over the
/// environment, which wins over the config file (`--config FILE`, else `~/.config/bkcc/config.json` when it
/// exists), which wins over the library's defaults. In the file, the chosen profile's keys win over the keys at
/// its top level:
///
///     {"app_code": "ops", "profiles": {"prod": {"url": "https://paas.example.com"},
///                                      "test": {"url": "http://127.0.0.1:8000", "concurrency": 1}},
///      "default_profile": "test"}
///
/// The profile is `--profile NAME`, else `BKCC_PROFILE`, else the file's `default_profile`, else none (the top
/// level alone), as aws takes `--profile` / `AWS_PROFILE`.
public struct Settings {
    public enum Source: Equatable, Sendable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case file(String)
        /// A key of the named profile of the config file.
        case profile(path: String, name: String)

        public var description: String {
            switch self {
            case .flag(let name): "flag \(name)"
            case .environment(let name): "env \(name)"
            case .file(let path): "config \(path)"
            case .profile(let path, let name): "config \(path) profile \(name)"
            }
        }
    }

    public struct Entry {
        public var key: String
        public var value: JSON
        public var source: Source
    }

    /// Set values, in the order of `ConfigurationKey.all`.
    public private(set) var entries: [Entry] = []
    /// The config file that was read, if any.
    public private(set) var configFile: String?
    /// The profile whose keys were read, and what chose it (`--profile`, `BKCC_PROFILE`, `default_profile`).
    public private(set) var profile: (name: String, chosenBy: String)?
    /// The profiles the config file defines, in its order.
    public private(set) var profileNames: [String] = []

    /// The environment variable that names the profile.
    public static let profileVariable = "BKCC_PROFILE"

    /// Keys whose values are secrets: shown as `***`.
    public static let secretKeys = ConfigurationKey.secretNames

    /// Resolves the settings.
    /// - Parameters:
    ///   - flags: values given on the command line, by configuration key, with the flag's name.
    ///   - environment: the process environment (`ProcessEnvironment.current()`).
    ///   - configPath: `--config FILE`: must exist. When nil, the default path is read if it exists.
    ///   - profile: `--profile NAME`: must be a profile of the config file.
    public static func resolve(flags: [(key: String, value: JSON, flag: String)], environment: [String: String],
                               configPath: String?, profile: String? = nil) throws(BKCCError) -> Settings {
        var settings = Settings()
        var values: [String: (JSON, Source)] = [:]
        let path: String?
        if let configPath {
            path = configPath
        } else if let defaultPath = defaultConfigPath(environment), access(defaultPath, F_OK) == 0 {
            path = defaultPath
        } else {
            path = nil
        }
        let chosen: (name: String, chosenBy: String)? = if let profile { (profile, "--profile") }
            else if let name = environment[profileVariable], !name.isEmpty { (name, profileVariable) } else { nil }
        if let path {
            let object = try readConfigFile(path)
            let profiles = try ConfigProfiles(object, path: path)
            for (key, value) in object.entries where !ConfigProfiles.fileKeys.contains(key) {
                try checkKey(key, in: path)
                values[key] = (value, .file(path))
            }
            settings.configFile = path
            settings.profileNames = profiles.names
            if let selected = chosen ?? profiles.defaultProfile.map({ ($0, "default_profile") }) {
                guard let keys = profiles[selected.name] else {
                    throw BKCCError(.invalidArgument, "\(path): no profile \"\(selected.name.prefix(64))\" (\(selected.chosenBy)); "
                                    + (profiles.names.isEmpty ? "the file defines none (\"profiles\": {\"NAME\": {…}})"
                                                              : "profiles: \(profiles.names.joined(separator: ", "))"))
                }
                for (key, value) in keys.entries {
                    try checkKey(key, in: "\(path): profile \(selected.name)")
                    values[key] = (value, .profile(path: path, name: selected.name))
                }
                settings.profile = selected
            }
        } else if let chosen {
            throw BKCCError(.invalidArgument, "profile \"\(chosen.name.prefix(64))\" (\(chosen.chosenBy)) needs a config file: "
                            + "--config FILE, or \(defaultConfigPath(environment) ?? "~/.config/bkcc/config.json")")
        }
        for key in ConfigurationKey.all {
            if let name = key.environment.first(where: { !(environment[$0] ?? "").isEmpty }), let text = environment[name] {
                values[key.name] = (try JSON.string(text), .environment(name))
            }
        }
        for (key, value, flag) in flags { values[key] = (value, .flag(flag)) }
        for key in ConfigurationKey.names {
            if let (value, source) = values[key] { settings.entries.append(Entry(key: key, value: value, source: source)) }
        }
        return settings
    }

    private static func checkKey(_ key: String, in place: String) throws(BKCCError) {
        guard ConfigurationKey.named(key) == nil else { return }
        let known = ConfigurationKey.names + ConfigProfiles.fileKeys.sorted()
        throw BKCCError(.invalidArgument, "\(place): unknown key \"\(key.prefix(64))\" (keys: \(known.joined(separator: ", ")))")
    }

    /// `$XDG_CONFIG_HOME/bkcc/config.json`, else `$HOME/.config/bkcc/config.json`.
    public static func defaultConfigPath(_ environment: [String: String]) -> String? {
        if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") { return base + "/bkcc/config.json" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/bkcc/config.json" }
        return nil
    }

    static func readConfigFile(_ path: String) throws(BKCCError) -> JSON {
        let bytes: [UInt8]
        do throws(InputError) {
            bytes = try readWholeFile(path, limit: 1 << 20)
        } catch {
            throw BKCCError(.invalidArgument, "config file \(error)")
        }
        switch JSONText.parse(bytes) {
        case .success(let value):
            guard value.isObject else { throw BKCCError(.invalidArgument, "\(path): must hold a JSON object of configuration keys") }
            return value
        case .failure(let error):
            throw BKCCError(.invalidArgument, "\(path):\(error.line):\(error.column): not valid JSON: \(error.text)")
        }
    }

    public subscript(key: String) -> Entry? { entries.first { $0.key == key } }

    /// The configuration object (`Configuration(json:)` checks it). Missing essentials are named with the ways to
    /// set them.
    public func configuration() throws(BKCCError) -> Configuration {
        let object = try JSON.object()
        for entry in entries { try object.set(entry.key, entry.value) }
        for key in ConfigurationKey.all where key.required && self[key.name] == nil {
            throw BKCCError(.invalidArgument, "no \(key.name) set: use \(Settings.waysToSet(key))")
        }
        let api = self["api"]?.value.string ?? "esb"
        if api == "esb", self["username"] == nil, self["token"] == nil {
            throw BKCCError(.invalidArgument, "no user set: use --username NAME, BK_USERNAME, BK_TOKEN, or \"username\" in the config file")
        }
        return try Configuration(json: object)
    }

    /// "--url URL, BK_COMPONENT_API_URL, or "url" in the config file": how a key can be set. Secrets have no flag.
    static func waysToSet(_ key: ConfigurationKey) -> String {
        var ways = key.secret ? [] : ["--\(key.name.replacing("_", with: "-")) \(key.name.split(separator: "_").last?.uppercased() ?? "VALUE")"]
        ways += key.environment.prefix(1)
        return ways.joined(separator: ", ") + ", or \"\(key.name)\" in the config file"
    }

    /// A value fit to show: secrets as `***`, header values masked, a proxy's password masked.
    public static func shown(key: String, value: JSON) -> JSON {
        if secretKeys.contains(key) { return (try? JSON.string("***")) ?? .null }
        if key == "headers", value.isObject, let masked = try? JSON.object() {
            for (name, _) in value.entries { try? masked.set(name, "***") }
            return masked
        }
        if key == "proxy", let text = value.string, let at = text.lastIndex(of: "@"), let scheme = text.firstRange(of: "://"),
           scheme.upperBound < at {
            return (try? JSON.string(String(text[..<scheme.upperBound]) + "***" + String(text[at...]))) ?? .null
        }
        return value
    }

    /// `bkcc config show`: one line per key, `key  value  (source)`, secrets masked; unset keys show their default.
    public func showText() -> String {
        var rows: [(String, String, String)] = []
        for key in ConfigurationKey.all {
            if let entry = self[key.name] {
                rows.append((key.name, JSONText.serialize(Settings.shown(key: key.name, value: entry.value)), "(\(entry.source))"))
            } else {
                rows.append((key.name, key.defaultValue ?? "-", "(default)"))
            }
        }
        let keyWidth = rows.map { $0.0.count }.max() ?? 0
        let valueWidth = min(48, rows.map { $0.1.count }.max() ?? 0)
        var text = ""
        for (key, value, source) in rows {
            text += key.padding(keyWidth) + "  " + value.padding(valueWidth) + "  " + source + "\n"
        }
        text += "config file: " + (configFile ?? "none") + "\n"
        if let profile {
            text += "profile: \(profile.name) (\(profile.chosenBy); profiles: \(profileNames.joined(separator: ", ")))\n"
        } else if !profileNames.isEmpty {
            text += "profile: none (profiles: \(profileNames.joined(separator: ", ")); --profile NAME or \(Settings.profileVariable))\n"
        }
        return text
    }

    /// `bkcc config show --output json`: `{"settings": {key: value}, "sources": {key: source}, "config_file": …}`.
    public func showJSON() throws(BKCCError) -> JSON {
        let values = try JSON.object(), sources = try JSON.object()
        for entry in entries {
            try values.set(entry.key, Settings.shown(key: entry.key, value: entry.value))
            try sources.set(entry.key, entry.source.description)
        }
        let names = try JSON.array()
        for name in profileNames { try names.append(.string(name)) }
        return try JSON.object(["settings": values, "sources": sources,
                                "config_file": configFile.map { (try? JSON.string($0)) ?? .null } ?? .null,
                                "profile": profile.map { (try? JSON.string($0.name)) ?? .null } ?? .null,
                                "profile_chosen_by": profile.map { (try? JSON.string($0.chosenBy)) ?? .null } ?? .null,
                                "profiles": names])
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// The process environment as a dictionary.
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

/// A whole (small) file; an error past `limit` bytes.
func readWholeFile(_ path: String, limit: Int) throws(InputError) -> [UInt8] {
    try readWhole(try ByteSource(path: path), limit: limit)
}

/// Everything `source` holds; an error past `limit` bytes.
func readWhole(_ source: ByteSource, limit: Int) throws(InputError) -> [UInt8] {
    var bytes: [UInt8] = []
    while let chunk = try source.read() {
        bytes.append(contentsOf: chunk)
        if bytes.count > limit { throw InputError(path: source.name, "is over \(limit / 1024) KiB") }
    }
    return bytes
}
