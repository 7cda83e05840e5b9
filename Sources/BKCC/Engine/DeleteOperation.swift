/// `batch_delete_inst`: each item is an instance id, sent as `{"delete": {"inst_ids": [id, …]}}`. One transaction
/// per request. Not repeated after a lost answer: the instances may be gone, and a second delete of a missing id
/// is refused — the items are `unknown` and a search tells.
public struct DeleteOperation: BatchOperation {
    public init() {}

    public var route: Route { .batchDeleteInst }
    public var itemsPerRequest: Int { BatchLimits.maxDeleteBatch }
    public var isRepeatable: Bool { false }
    public var successKind: ItemOutcome.Kind { .deleted }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        let ids = try JSON.array()
        for item in items {
            guard let id = item.detail.integer, id > 0 else {
                throw .invalid("inst_ids[\(item.index)]: must be a positive integer")
            }
            try ids.append(.integer(id))
        }
        return [("delete", try JSON.object(["inst_ids": ids]))]
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        .success(items.map { ItemOutcome(index: $0.index, kind: .deleted, instanceID: $0.detail.integer) })
    }
}
