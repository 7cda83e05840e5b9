extension BatchResult {
    /// The result object of the C API: the four maps (and `not_created` after a reconcile), `requests`, `summary`.
    /// The map of successes is `success_created` for a create, `updated` / `deleted` for the other operations.
    public func json() throws(BKCCError) -> JSON {
        let result = try JSON.object()
        let (key, successes): (String, [Int: Int64]) = switch tally.success {
        case .updated: ("updated", updated)
        case .deleted: ("deleted", deleted)
        default: ("success_created", created)
        }
        let successMap = try JSON.object()
        for index in successes.keys.sorted() { try successMap.set(String(index), successes[index] ?? 0) }
        try result.set(key, successMap)
        try result.set("error_msg", messageMap(failed))
        try result.set("unknown", messageMap(unknown))
        try result.set("skipped", messageMap(skipped))
        if tally.notCreated > 0 || !notCreated.isEmpty { try result.set("not_created", messageMap(notCreated)) }
        let requestArray = try JSON.array()
        // Each record's first index once (a min over its items), not once per comparison of the sort.
        for (_, request) in requests.map({ ($0.first, $0) }).sorted(by: { $0.0 < $1.0 }) { try requestArray.append(request.json()) }
        try result.set("requests", requestArray)
        try result.set("summary", tally.json())
        return result
    }

    private func messageMap(_ map: [Int: String]) throws(BKCCError) -> JSON {
        let object = try JSON.object()
        for index in map.keys.sorted() { try object.set(String(index), map[index] ?? "") }
        return object
    }

    /// Reads a result object back (for `reconcile`): the maps, keyed by indices below `detailCount`.
    /// `requests` are not read back: a reconciled result keeps the caller's.
    public init(json: JSON, detailCount: Int) throws(BKCCError) {
        self.init()
        guard json.isObject else { throw .invalid("result: must be a JSON object, got \(json.kind.name)") }
        for (index, value) in try BatchResult.entries(json, "success_created", below: detailCount) {
            guard let id = value.integer else { throw .invalid("result.success_created.\(index): must be an integer") }
            record(ItemOutcome(index: index, kind: .created, instanceID: id))
        }
        let messageMaps: [(String, ItemOutcome.Kind)] = [("error_msg", .failed), ("unknown", .unknown), ("skipped", .skipped),
                                                         ("not_created", .notCreated)]
        for (key, kind) in messageMaps {
            for (index, value) in try BatchResult.entries(json, key, below: detailCount) {
                // Not serialized: a caller's value may be nested deep enough to overflow jansson's recursion.
                record(ItemOutcome(index: index, kind: kind, message: value.string ?? "(a \(value.kind.name), not a message)"))
            }
        }
    }

    private static func entries(_ json: JSON, _ key: String, below detailCount: Int) throws(BKCCError) -> [(Int, JSON)] {
        guard let map = json[key], !map.isNull else { return [] }
        guard map.isObject else { throw .invalid("result.\(key): must be an object, got \(map.kind.name)") }
        return try map.entries.map { (name, value) throws(BKCCError) in
            guard let index = ResponseParser.parseIndex(name, below: detailCount) else {
                throw .invalid("result.\(key): \"\(printable(name, limit: 24))\" is not an index of details (0..<\(detailCount))")
            }
            return (index, value)
        }
    }
}
