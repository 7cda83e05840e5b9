/// A lookup by one attribute (`search_inst` with `$in`): each item's detail is a value (string or integer); it
/// ends `created` with the `bk_inst_id` of the instance that has it, or `notCreated` when none has. A read: safe
/// to repeat. Values within one request should be distinct (the same value twice finds one instance for both).
public struct LookupOperation: BatchOperation {
    public let field: String

    public init(field: String) { self.field = field }

    public var route: Route { .searchInst }
    public var itemsPerRequest: Int { BatchLimits.maxSearchPage }
    public var isRepeatable: Bool { true }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        let values = try JSON.array()
        for item in items { try values.append(item.detail) }
        let rules = try JSON.array()
        try rules.append(try JSON.object(["field": .string(field), "operator": .string("$in"), "value": values]))
        let page = try JSON.object(["start": .integer(0), "limit": .integer(Int64(BatchLimits.maxSearchPage))])
        return [("condition", try JSON.object([objectID: rules])), ("page", page)]
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        let rows: [JSON]
        switch ResponseParser.searchRows(envelope) {
        case .success(let value): rows = value
        case .failure(let error): return .failure(error)
        }
        var found: [String: Int64] = [:]
        for row in rows {
            guard let id = row["bk_inst_id"]?.integer, let value = row[field].flatMap(LookupOperation.key) else { continue }
            found[value] = id
        }
        return .success(items.map { item in
            let key = LookupOperation.key(item.detail) ?? ""
            if let id = found[key] { return ItemOutcome(index: item.index, kind: .created, instanceID: id) }
            return ItemOutcome(index: item.index, kind: .notCreated,
                               message: "not found on the server by \(field) = \"\(printable(key, limit: 80))\": safe to send again")
        })
    }

    /// A unique value as the server stores and compares it (`ValueDigest.withLookupKey`'s rule): a string trimmed,
    /// an integer as its digits; nil for anything else, or an empty string (no value to look up).
    public static func key(_ value: JSON) -> String? {
        let flat: FlatObject.Value? = value.stringBytes.map { .string($0) } ?? value.integer.map { .integer($0) }
        return ValueDigest.withLookupKey(flat) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }
}
