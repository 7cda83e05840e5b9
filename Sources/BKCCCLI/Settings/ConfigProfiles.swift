import BKCC

/// The profiles of a config file: `"profiles": {"NAME": {configuration keys}, …}` and `"default_profile":
/// "NAME"`, checked for shape (the keys inside a profile are checked by `Settings`, as the top level's are).
struct ConfigProfiles {
    /// The members of a config file that are not configuration keys.
    static let fileKeys: Set<String> = ["profiles", "default_profile"]

    private let profiles: [(name: String, keys: JSON)]
    /// `default_profile`, when the file names one.
    let defaultProfile: String?

    init(_ file: JSON, path: String) throws(BKCCError) {
        var found: [(name: String, keys: JSON)] = []
        if let value = file["profiles"] {
            guard value.isObject else { throw BKCCError(.invalidArgument, "\(path): \"profiles\" must be an object of profiles ({\"NAME\": {…}})") }
            for (name, keys) in value.entries {
                guard keys.isObject else {
                    throw BKCCError(.invalidArgument, "\(path): profile \"\(name.prefix(64))\" must be an object of configuration keys")
                }
                found.append((name, keys))
            }
        }
        profiles = found
        if let value = file["default_profile"] {
            guard let name = value.string, !name.isEmpty else {
                throw BKCCError(.invalidArgument, "\(path): \"default_profile\" must be the name of a profile")
            }
            defaultProfile = name
        } else {
            defaultProfile = nil
        }
    }

    var names: [String] { profiles.map(\.name) }

    subscript(name: String) -> JSON? { profiles.first { $0.name == name }?.keys }
}
