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
            throw BKCCError(.validation, "bk_obj_id: \"\(objectID)\" is a built-in or mainline model; the common instance API cannot create its instances")
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
                problems[index, default: []].append("details[\(index)]" + (problem.hasPrefix("must be") ? ": " : ".") + problem)
            }
            if let assetID = detail["bk_asset_id"]?.string {
                let key = String(trimmed(assetID))
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
            if trimmed(text).isEmpty { problems.append("\(key): required, must be a non-empty string") }
        }
        for key in optionalStrings {
            if let value = detail[key], value.kind != .string { problems.append("\(key): must be a string, got \(value.kind.name)") }
        }
        return problems
    }

    /// The first problem in index order, as one error (for on_invalid "abort").
    static func firstProblem(_ problems: [Int: String]) -> BKCCError? {
        guard let index = problems.keys.min(), let message = problems[index] else { return nil }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more invalid)" : ""
        return BKCCError(.validation, message + more)
    }

    /// Leading and trailing white space removed, as the server's strings.TrimSpace does before it stores or
    /// compares a string.
    public static func trimmed(_ text: String) -> Substring {
        // Fast path (nearly every value), exact: Character.isWhitespace is its first scalar's White_Space property.
        // When the first scalar is not white space and the last byte is printable ASCII (which ends a Character
        // whose first scalar is that byte or a Prepend mark, neither white space), there is nothing to trim; the
        // loops below would find that out only by breaking graphemes at both ends, the costly part.
        if let last = text.utf8.last, last > 0x20, last < 0x7F, let first = text.unicodeScalars.first,
           (first.value > 0x20 && first.value < 0x7F) || !first.properties.isWhitespace {
            return Substring(text)
        }
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
