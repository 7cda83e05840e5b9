/// What to search for: the attributes to return, attributes that must equal a value, and the page size.
public struct SearchQuery: Sendable {
    /// Attributes to return (nil: all); `bk_inst_id` is always returned, it orders the pages.
    public var fields: [String]?
    /// Attribute → value that the instances must have (each an equality, all of them).
    public var filter: [(field: String, value: JSON)] = []
    /// Instances per page, 1…500.
    public var pageSize = BatchLimits.maxInstancePage

    public init(fields: [String]? = nil, filter: [(field: String, value: JSON)] = [], pageSize: Int = BatchLimits.maxInstancePage) {
        self.fields = fields
        self.filter = filter
        self.pageSize = pageSize
    }

    /// Reads `{"fields": [...], "filter": {"attr": value, …}, "page_size": n}`; nil or null is everything.
    public init(json: JSON?) throws(BKCCError) {
        guard let json, !json.isNull else { return }
        guard json.isObject else { throw .invalid("query: must be a JSON object, got \(json.kind.name)") }
        for (key, value) in json.entries {
            switch key {
            case "fields":
                guard value.isArray, value.elements.allSatisfy({ $0.string?.isEmpty == false }) else {
                    throw .invalid("query.fields: must be an array of attribute names")
                }
                fields = value.elements.compactMap(\.string)
            case "filter":
                guard value.isObject else { throw .invalid("query.filter: must be an object of attribute: value") }
                for (field, wanted) in value.entries {
                    guard wanted.kind != .object, wanted.kind != .array, !wanted.isNull else {
                        throw .invalid("query.filter.\(printable(field, limit: 64)): must be a string, a number or a boolean")
                    }
                    filter.append((field, wanted))
                }
            case "page_size":
                guard let size = value.integer, (1...Int64(BatchLimits.maxInstancePage)).contains(size) else {
                    throw .invalid("query.page_size: must be 1..\(BatchLimits.maxInstancePage)")
                }
                pageSize = Int(size)
            default:
                throw .invalid("query: unknown key \"\(printable(key, limit: 64))\"")
            }
        }
    }
}

/// `search_object_instances`, a page at a time, ordered by `bk_inst_id` and paged by "`bk_inst_id` greater than
/// the last one seen" rather than by offset: an instance that exists for the whole search is seen exactly once
/// whatever is created or deleted meanwhile, and one created during it at most once (ids only grow). Each page is
/// one item (its detail: the last id seen), one request at a time; a read, so retried after a lost answer. The
/// rows of each accepted page go to `cursor`, which decides whether there is a next page.
public struct SearchOperation: BatchOperation {
    /// The paging state, shared by the operation and the source that asks for the next page.
    public final class Cursor: @unchecked Sendable {
        public let query: SearchQuery
        /// The last `bk_inst_id` seen (0 before the first page).
        public private(set) var after: Int64 = 0
        /// No more pages: the last one was short, or the receiver said stop.
        public private(set) var finished = false
        /// Set when the receiver returned false.
        public private(set) var stoppedByReceiver = false
        let receive: ([JSON]) -> Bool

        public init(query: SearchQuery, receive: @escaping ([JSON]) -> Bool) {
            self.query = query
            self.receive = receive
        }

        /// The next page's item, nil when there is none.
        func nextPage() throws(BKCCError) -> SourceItem? {
            finished ? nil : SourceItem(index: 0, detail: try .integer(after))
        }

        func end() { finished = true }

        fileprivate func take(_ rows: [JSON], last: Int64?) {
            if let last { after = last }
            if rows.count < query.pageSize { finished = true }
            if !receive(rows) {
                stoppedByReceiver = true
                finished = true
            }
        }
    }

    public let cursor: Cursor

    public init(cursor: Cursor) { self.cursor = cursor }

    public var route: Route { .searchObjectInstances }
    public var itemsPerRequest: Int { 1 }
    public var isRepeatable: Bool { true }
    public var maxInFlight: Int? { 1 }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        let query = cursor.query
        let rules = try JSON.array()
        try rules.append(JSON.object(["field": .string("bk_inst_id"), "operator": .string("greater"),
                                      "value": .integer(items.first?.detail.integer ?? 0)]))
        for (field, value) in query.filter {
            try rules.append(JSON.object(["field": .string(field), "operator": .string("equal"), "value": value]))
        }
        var members: [(String, JSON)] = [("conditions", try JSON.object(["condition": .string("AND"), "rules": rules]))]
        if let fields = query.fields {
            let list = try JSON.array()
            for field in fields + (fields.contains("bk_inst_id") ? [] : ["bk_inst_id"]) { try list.append(.string(field)) }
            members.append(("fields", list))
        }
        members.append(("page", try JSON.object(["start": .integer(0), "limit": .integer(Int64(query.pageSize)),
                                                  "sort": .string("bk_inst_id")])))
        return members
    }

    /// The page's rows must be in the order asked for (each `bk_inst_id` above the previous one): an answer that
    /// is not cannot be paged on without missing or repeating instances.
    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        let rows: [JSON]
        switch ResponseParser.searchRows(envelope) {
        case .success(let value): rows = value
        case .failure(let error): return .failure(error)
        }
        var last = items.first?.detail.integer ?? 0
        for row in rows {
            guard let id = row["bk_inst_id"]?.integer, id > last else {
                return .failure(BKCCError(.protocolError, "search answer cannot be trusted: instances not in bk_inst_id order above \(last)",
                                          httpStatus: envelope.httpStatus, requestID: envelope.requestID))
            }
            last = id
        }
        guard rows.count <= cursor.query.pageSize else {
            return .failure(BKCCError(.protocolError, "search answer cannot be trusted: \(rows.count) instances on a page of \(cursor.query.pageSize)",
                                      httpStatus: envelope.httpStatus, requestID: envelope.requestID))
        }
        cursor.take(rows, last: rows.isEmpty ? nil : last)
        return .success(items.map { ItemOutcome(index: $0.index, kind: .created, instanceID: last) })
    }
}
