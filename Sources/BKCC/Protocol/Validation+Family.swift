extension Validation {
    /// The problems of each update (`{"bk_inst_id": id, attribute: value, …}`), keyed by index: an object with a
    /// positive integer `bk_inst_id` (0 would name no instance; the CMDB once updated every instance for an empty
    /// id), at least one attribute to set, values that serialize safely, no id twice. Throws `.invalidArgument`
    /// when `updates` is not an array and `.validation` when it is empty.
    public static func updateProblems(in updates: JSON, objectID: String = "") throws(BKCCError) -> [Int: String] {
        let fixed = nonEditable[objectID] ?? []
        return try itemProblems(in: updates, name: "updates") { update in
            guard update.isObject else { return ("must be an object, got \(update.kind.name)", nil) }
            if let problem = JSONShape.problem(update) { return (problem, nil) }
            guard let id = update["bk_inst_id"]?.integer, id > 0 else {
                return ("bk_inst_id: required, must be a positive integer", nil)
            }
            guard update.count > 1 else { return ("must set at least one attribute besides bk_inst_id", id) }
            if let field = update.entries.first(where: { fixed.contains($0.key) })?.key {
                return ("\(field): not editable on \(objectID) (the server would drop it silently)", id)
            }
            return (nil, id)
        }
    }

    /// Attributes the default models do not let an update change (bk-cmdb
    /// `src/scene_server/admin_server/upgrader/history/v3.0.8/objAttDescData.go`: `bk_asset_id` is not editable on the
    /// four device models; Tests/Emulator/README.md cites the lines). Other models' rules come with their model.
    static let nonEditable: [String: Set<String>] = [
        "bk_switch": ["bk_asset_id"], "bk_router": ["bk_asset_id"], "bk_load_balance": ["bk_asset_id"],
        "bk_firewall": ["bk_asset_id"],
    ]

    /// The problems of each id to delete: a positive integer, not twice.
    public static func deleteProblems(in ids: JSON) throws(BKCCError) -> [Int: String] {
        try itemProblems(in: ids, name: "inst_ids") { value in
            guard let id = value.integer, id > 0 else { return ("must be a positive integer bk_inst_id, got \(value.kind.name)", nil) }
            return (nil, id)
        }
    }

    /// Each item's own problem (from `check`, which also gives its instance id), and ids that repeat an earlier one.
    private static func itemProblems(in items: JSON, name: String,
                                     check: (JSON) -> (problem: String?, id: Int64?)) throws(BKCCError) -> [Int: String] {
        guard items.isArray else { throw .invalid("\(name): must be a JSON array, got \(items.kind.name)") }
        guard items.count > 0 else { throw BKCCError(.validation, "\(name): must hold at least one item") }
        var problems: [Int: String] = [:]
        var firstIndex: [Int64: Int] = [:]
        for (index, item) in items.elements.enumerated() {
            let (problem, id) = check(item)
            let place = "\(name)[\(index)]"
            if let problem {
                problems[index] = place + (problem.hasPrefix("must ") ? ": " : ".") + problem
            } else if let id, let first = firstIndex[id] {
                problems[index] = "\(place): bk_inst_id \(id) repeats \(name)[\(first)]"
            } else if let id {
                firstIndex[id] = index
            }
        }
        return problems
    }
}
