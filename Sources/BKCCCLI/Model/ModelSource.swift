import BKCC

/// Where `validate` and `batch-create-inst` get the rules they check rows by: the CMDB's model, read once, whenever
/// a URL and credentials are configured and `--offline` is not given; else — or when the model cannot be read —
/// the offline rules. Either way they say which, before any row. A model the CMDB does not know stops the command.
public enum ModelSource {
    public enum Choice: Sendable {
        /// The model read from the CMDB.
        case model(Model, note: String)
        /// The offline rules, and why; `warning`: the model could not be read (said on stderr, always).
        case offline(note: String, warning: Bool)
        /// No such model: the message and the exit status.
        case failed(String, ExitStatus)
    }

    /// - Parameters:
    ///   - configuration: the configured connection; throws when no URL or credentials are set.
    ///   - client: makes the client from it (tests pass one over a scripted transport).
    ///   - cache: where a model read is kept for the next run (`ModelCache`); nil keeps none.
    public static func choose(objectID: String, offline: Bool, configuration: () throws(BKCCError) -> Configuration,
                              client: (Configuration) throws(BKCCError) -> Client = { (c) throws(BKCCError) in try Client(configuration: c) },
                              cache: ((Configuration) -> ModelCache)? = nil)
        -> Choice {
        let rules = "bk_inst_name required\(Validation.deviceModels.contains(objectID) ? ", bk_asset_id required" : ""), unique: \(Validation.uniqueField(objectID))"
        if offline { return .offline(note: "checked by the offline rules (--offline): \(rules)", warning: false) }
        let config: Configuration
        do throws(BKCCError) {
            config = try configuration()
        } catch {
            return .offline(note: "checked by the offline rules (no CMDB configured: \(error.message)): \(rules)", warning: false)
        }
        do throws(BKCCError) {
            let model = try client(config).getModel(objectID: objectID)
            cache?(config).store(model)
            return .model(model, note: "checked against model \(objectID) from the CMDB: \(model.summary)")
        } catch {
            if error.hint == .unknownModel { return .failed(error.message, .failed) }
            if error.status == .invalidArgument { return .failed(error.advised, .invalid) }
            // The CMDB could not be read (unreachable, credentials, permission): an import would meet the same
            // failure and report it its own way; the checks fall back to the offline rules, and say so.
            return .offline(note: "bkcc: warning: cannot read model \(objectID) from the CMDB (\(error.advised)): checked by the offline rules instead: \(rules)",
                            warning: true)
        }
    }
}

/// `bkcc model --obj ID`: the model's attributes as the CMDB defines them.
public func modelText(_ model: Model) -> [String] {
    let unique = Set(model.unique.filter { $0.count == 1 }.map { $0[0] })
    var lines = ["model \(model.objectID): \(model.summary)"]
    let idWidth = min(32, model.attributes.map { $0.id.count }.max() ?? 2)
    let typeWidth = min(14, model.attributes.map { $0.type.count }.max() ?? 4)
    for attribute in model.attributes {
        var flags: [String] = []
        if attribute.required { flags.append("required") }
        if unique.contains(attribute.id) { flags.append("unique") }
        if !attribute.editable { flags.append("not editable") }
        let options = optionText(attribute)
        let pad = { (text: String, width: Int) in text + String(repeating: " ", count: max(1, width - text.count + 1)) }
        lines.append("  " + pad(attribute.id, idWidth) + pad(attribute.type, typeWidth) + attribute.name
                     + (flags.isEmpty ? "" : "  [" + flags.joined(separator: ", ") + "]") + (options.isEmpty ? "" : "  " + options))
    }
    for rule in model.unique where rule.count > 1 { lines.append("  unique together: " + rule.joined(separator: " + ")) }
    return lines
}

/// The options of an attribute in a few words: enum ids (names), a range, a pattern.
func optionText(_ attribute: Model.Attribute) -> String {
    let option = attribute.option
    if option.isArray {
        let items = option.elements.prefix(12).map { item -> String in
            if let text = item.string { return text }
            let id = item["id"]?.string ?? "?"
            if let name = item["name"]?.string, name != id { return "\(id) (\(name))" }
            return id
        }
        return "options: " + items.joined(separator: ", ") + (option.count > 12 ? ", …" : "")
    }
    if option.isObject {
        func bound(_ key: String) -> String? {
            guard let value = option[key], !value.isNull else { return nil }
            if let text = value.string { return text.isEmpty ? nil : text }
            return value.serialized()
        }
        switch (bound("min"), bound("max")) {
        case let (min?, max?): return "range: \(min)..\(max)"
        case let (min?, nil): return "min: \(min)"
        case let (nil, max?): return "max: \(max)"
        default: return ""
        }
    }
    if let pattern = option.string, !pattern.isEmpty { return "pattern: \(printable(pattern, limit: 80))" }
    return ""
}

/// `bkcc template --obj ID`: a CSV header a user can fill in — attribute ids (or display names), required ones
/// first — and nothing else.
public func templateHeader(_ model: Model, names: Bool) -> String {
    let ordered = model.attributes.filter(\.required) + model.attributes.filter { !$0.required }
    return ordered.map { csvField(names ? $0.name : $0.id) }.joined(separator: ",")
}

/// A CSV field, quoted when it must be (RFC 4180).
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacing("\"", with: "\"\"") + "\""
}
