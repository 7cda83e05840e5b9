/// One CMDB batch operation, as the engine runs it: the seam where an operation plugs in. An operation states its
/// route (an entry of the route table), the most items a request takes, whether a request that got no answer may
/// be sent again, how to build a request's body from its items, and how to read an accepted answer into one
/// outcome per item. Everything else — splitting, concurrency, keep-alive, the retry rule (`AnswerRule`), rate
/// limit, progress, cancel, streaming sources — is the engine's (`BatchEngine`), the same for every operation.
public protocol BatchOperation: Sendable {
    /// Its entry in the route table.
    var route: Route { get }
    /// The most items one request takes.
    var itemsPerRequest: Int { get }
    /// True for a read or an idempotent write: a request that was sent and got no answer (or an HTTP 5xx) may be
    /// sent again. False for a create: its items become `unknown`.
    var isRepeatable: Bool { get }
    /// The body members of one request for `items` (the builder adds credentials and, on the ESB, `bk_obj_id`).
    func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)]
    /// Reads a `result:true` answer into one outcome per item, in `items`' order; `.protocolError` when the
    /// answer cannot be trusted (then every item of the request is `unknown`).
    func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError>
}

/// `batch_create_inst`: up to 200 details a request; never sent twice unless the server provably did nothing.
public struct CreateOperation: BatchOperation {
    public init() {}

    public var route: Route { .batchCreateInst }
    public var itemsPerRequest: Int { BatchLimits.maxBatch }
    public var isRepeatable: Bool { false }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        // Whatever the caller checked: nothing too deep, cyclic or not UTF-8 reaches the serializer.
        try Validation.checkShapes(items.map { ($0.index, $0.detail) })
        let details = try JSON.array()
        for item in items { try details.append(item.detail) }
        return [("details", details)]
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        let answer: BatchAnswer
        switch ResponseParser.batchCreate(envelope, detailCount: items.count) {
        case .success(let value): answer = value
        case .failure(let error): return .failure(error)
        }
        return .success(items.enumerated().map { position, item in
            if let id = answer.created[position] { return ItemOutcome(index: item.index, kind: .created, instanceID: id) }
            if let message = answer.failed[position] { return ItemOutcome(index: item.index, kind: .failed, message: message) }
            return ItemOutcome(index: item.index, kind: .unknown,
                               message: "the answer does not mention this item; look it up before sending it again")
        })
    }
}

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

    /// A unique value as the server stores and compares it: a string trimmed, an integer as its digits; nil for
    /// anything else, or an empty string (no value to look up).
    public static func key(_ value: JSON) -> String? {
        if let text = value.string {
            let trimmed = text.trimmingSpace()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
        return value.integer.map { String($0) }
    }
}
