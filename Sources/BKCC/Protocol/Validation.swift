/// Client-side checks of a batch_create_inst call by the offline rules: what holds for a model without reading it
/// (the published page and the default models). Checks against the model itself are `ModelCheck`'s.
public enum Validation {
    /// Models the common instance API refuses: built-in models and the mainline (topology) models.
    public static let builtInModels: Set<String> = ["biz", "set", "module", "host", "process", "plat",
                                                    "bk_biz_set_obj", "bk_project"]

    /// The four device models whose default model requires `bk_asset_id` (preset required, unique and not editable:
    /// bk-cmdb upgrader v3.0.8 objAttDescData.go). Every other model — custom models above all — requires only
    /// `bk_inst_name`, which a new model gets as its unique rule.
    public static let deviceModels: Set<String> = ["bk_switch", "bk_router", "bk_load_balance", "bk_firewall"]

    /// The attributes a model requires by these offline rules: `bk_inst_name`, and `bk_asset_id` on the device models.
    public static func requiredStrings(_ objectID: String) -> [String] {
        deviceModels.contains(objectID) ? ["bk_inst_name", "bk_asset_id"] : ["bk_inst_name"]
    }

    /// The attribute whose values must not repeat by these offline rules: `bk_asset_id` on the device models,
    /// `bk_inst_name` otherwise (a new model's default unique rule).
    public static func uniqueField(_ objectID: String) -> String {
        deviceModels.contains(objectID) ? "bk_asset_id" : "bk_inst_name"
    }

    /// Attributes of the device models that the published page documents as strings.
    static let optionalStrings = ["bk_sn", "bk_operator"]

    /// Checks a model id: a non-empty identifier (letter first, then letters, digits, '_'), and not a
    /// built-in or mainline model. Throws `.validation`.
    public static func checkObjectID(_ objectID: String) throws(BKCCError) {
        guard !objectID.isEmpty else { throw BKCCError(.validation, "bk_obj_id: required, must be a non-empty string") }
        let bytes = Array(objectID.utf8)
        guard bytes.count <= 128, let first = bytes.first, isLetter(first), bytes.allSatisfy(isIdentifierByte) else {
            throw BKCCError(.validation, "bk_obj_id: must be an identifier of letters, digits and '_' starting with a letter")
        }
        if builtInModels.contains(objectID) {
            throw BKCCError(.validation, "bk_obj_id: \"\(objectID)\" is a built-in or mainline model; the common instance API does not serve its instances")
        }
    }

    /// The problems of each detail of a call on `objectID`, keyed by index, with messages like
    /// `details[3].bk_asset_id: required, must be a non-empty string`. Empty when every detail is valid.
    /// Throws `.invalidArgument` when `details` is not an array and `.validation` when it is empty.
    public static func problems(in details: JSON, objectID: String) throws(BKCCError) -> [Int: String] {
        guard details.isArray else {
            throw .invalid("details: must be a JSON array of objects, got \(details.kind.name)")
        }
        guard details.count > 0 else { throw BKCCError(.validation, "details: must hold at least one instance") }
        var problems: [Int: [String]] = [:]
        let rules = Rules(objectID)
        let unique = uniqueField(objectID)
        // First index of each unique value (trimmed, as the server compares) by the value's hash; a hash seen
        // before is a repeat only when the two values are equal (so a collision is never a false repeat).
        var firstIndexOfHash: [UInt64: Int] = [:]
        for (index, detail) in details.elements.enumerated() {
            for problem in detailProblems(detail, rules) {
                problems[index, default: []].append(locate(problem, at: index))
            }
            guard let value = detail.trimmedText(unique), value.count > 0 else { continue }
            var hash = FNV1a()
            value.withUnsafeBytes { hash.add($0) }
            if let first = firstIndexOfHash[hash.value] {
                if details[first]?.trimmedText(unique)?.elementsEqual(value) == true {
                    let key = String(decoding: value, as: UTF8.self)
                    problems[index, default: []].append(
                        "details[\(index)].\(unique): \"\(printable(key, limit: 80))\" repeats details[\(first)]; the server would reject it as duplicated")
                }
            } else {
                firstIndexOfHash[hash.value] = index
            }
        }
        return problems.mapValues { $0.joined(separator: "; ") }
    }

    /// What the offline rules ask of `objectID`'s details, worked out once a call (not once a detail).
    struct Rules {
        let required: [String]
        let device: Bool
        /// `required` and `optionalStrings` as bytes with their `FlatObject.keyHash`: looked up in a flat detail.
        let requiredKeys: [(bytes: [UInt8], hash: UInt64)]
        let optionalKeys: [(bytes: [UInt8], hash: UInt64)]

        init(_ objectID: String) {
            required = requiredStrings(objectID)
            device = deviceModels.contains(objectID)
            requiredKeys = required.map { (Array($0.utf8), FlatObject.keyHash($0)) }
            optionalKeys = optionalStrings.map { (Array($0.utf8), FlatObject.keyHash($0)) }
        }
    }

    /// The problems of one detail of `objectID` on its own (repeats across details are `problems(in:)`'s), each as
    /// `"bk_asset_id: required, must be a non-empty string"`, or `"must be an object, got string"`.
    public static func detailProblems(_ detail: JSON, objectID: String) -> [String] {
        detailProblems(detail, Rules(objectID))
    }

    static func detailProblems(_ detail: JSON, _ rules: Rules) -> [String] {
        guard detail.isObject else { return ["must be an object, got \(detail.kind.name)"] }
        // First: nothing else may look inside a value that is too deep, cyclic or not UTF-8.
        if let problem = JSONShape.problem(detail) { return [problem] }
        var problems: [String] = []
        for key in rules.required {
            switch detail.memberKind(key) {
            case nil: problems.append("\(key): required, must be a non-empty string")
            case .string?:
                // The server trims strings before checking them: "  " is as empty as "".
                if detail.trimmedText(key)?.count == 0 { problems.append("\(key): required, must be a non-empty string") }
            case let kind?: problems.append("\(key): must be a string, got \(kind.name)")
            }
        }
        guard rules.device else { return problems }
        for key in optionalStrings {
            if let kind = detail.memberKind(key), kind != .string { problems.append("\(key): must be a string, got \(kind.name)") }
        }
        return problems
    }

    /// Whether a flat detail (`FlatObject`) has none of `detailProblems`'s problems, decided on its bytes: each
    /// required attribute a string with something left after trimming, the documented strings strings. False
    /// means "ask `detailProblems`", which words every problem (a flat detail is of the right shape: an object of
    /// valid UTF-8, one level deep).
    static func passesQuickly(_ detail: FlatObject, _ rules: Rules) -> Bool {
        for key in rules.requiredKeys {
            guard case .string(let text)? = key.bytes.withUnsafeBytes({ detail.value(of: $0, hash: key.hash) }),
                  trimmedCount(text) > 0 else { return false }
        }
        guard rules.device else { return true }
        for key in rules.optionalKeys {
            switch key.bytes.withUnsafeBytes({ detail.value(of: $0, hash: key.hash) }) {
            case nil, .string?: continue
            default: return false
            }
        }
        return true
    }

    /// The number of bytes `text` keeps when trimmed as the server trims it.
    static func trimmedCount(_ text: UnsafeRawBufferPointer) -> Int { withSpaceTrimmed(text) { $0.count } }

    /// Refuses details that cannot be serialized safely (`JSONShape`), naming the first by its index: checked again
    /// before any request is built, whatever validation the caller did.
    static func checkShapes(_ details: some Sequence<(index: Int, detail: JSON)>) throws(BKCCError) {
        for (index, detail) in details {
            if let problem = JSONShape.problem(detail) { throw .invalid(locate(problem, at: index)) }
        }
    }

    /// "details[3].bk_sn: …", or "details[3]: must …" for the detail as a whole.
    static func locate(_ problem: String, at index: Int) -> String {
        "details[\(index)]" + (problem.hasPrefix("must ") ? ": " : ".") + problem
    }

    /// The first problem in index order, as one error (for on_invalid "abort").
    static func firstProblem(_ problems: [Int: String]) -> BKCCError? {
        guard let index = problems.keys.min(), let message = problems[index] else { return nil }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more invalid)" : ""
        return BKCCError(.validation, message + more)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
