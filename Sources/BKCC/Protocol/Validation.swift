/// Client-side checks of a batch_create_inst call, by the API's documented rules only: the server knows each
/// model's own attributes and rules.
public enum Validation {
    /// Models the common instance API refuses: built-in models and the mainline (topology) models.
    public static let builtInModels: Set<String> = ["biz", "set", "module", "host", "process", "plat",
                                                    "bk_biz_set_obj", "bk_project"]

    /// Attributes the published page documents as strings.
    static let requiredStrings = ["bk_inst_name", "bk_asset_id"]
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

    /// The problems of each detail, keyed by index, with messages like
    /// `details[3].bk_asset_id: required, must be a non-empty string`. Empty when every detail is valid.
    /// Throws `.invalidArgument` when `details` is not an array and `.validation` when it is empty.
    public static func problems(in details: JSON) throws(BKCCError) -> [Int: String] {
        guard details.isArray else {
            throw .invalid("details: must be a JSON array of objects, got \(details.kind.name)")
        }
        guard details.count > 0 else { throw BKCCError(.validation, "details: must hold at least one instance") }
        var problems: [Int: [String]] = [:]
        var firstIndexOfAssetID: [String: Int] = [:]  // trimmed, as the server compares
        for (index, detail) in details.elements.enumerated() {
            for problem in detailProblems(detail) {
                problems[index, default: []].append(locate(problem, at: index))
            }
            if let assetID = detail["bk_asset_id"]?.string {
                let key = String(assetID.trimmingSpace())
                if !key.isEmpty {
                    if let first = firstIndexOfAssetID[key] {
                        problems[index, default: []].append(
                            "details[\(index)].bk_asset_id: \"\(key.prefix(80))\" repeats details[\(first)]; the server would reject it as duplicated")
                    } else {
                        firstIndexOfAssetID[key] = index
                    }
                }
            }
        }
        return problems.mapValues { $0.joined(separator: "; ") }
    }

    /// The problems of one detail on its own (repeats across details are `problems(in:)`'s), each as
    /// `"bk_asset_id: required, must be a non-empty string"`, or `"must be an object, got string"`.
    public static func detailProblems(_ detail: JSON) -> [String] {
        guard detail.isObject else { return ["must be an object, got \(detail.kind.name)"] }
        // First: nothing else may look inside a value that is too deep, cyclic or not UTF-8.
        if let problem = JSONShape.problem(detail) { return [problem] }
        var problems: [String] = []
        for key in requiredStrings {
            guard let value = detail[key] else {
                problems.append("\(key): required, must be a non-empty string")
                continue
            }
            guard let text = value.string else {
                problems.append("\(key): must be a string, got \(value.kind.name)")
                continue
            }
            // The server trims strings before checking them: "  " is as empty as "".
            if text.trimmingSpace().isEmpty { problems.append("\(key): required, must be a non-empty string") }
        }
        for key in optionalStrings {
            if let value = detail[key], value.kind != .string { problems.append("\(key): must be a string, got \(value.kind.name)") }
        }
        return problems
    }

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
