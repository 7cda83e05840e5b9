/// `batch_delete_inst`: each item is an instance id, sent as `{"delete": {"inst_ids": [id, …]}}`. One transaction
/// per request. The server skips ids that name no instance and answers success (bk-cmdb
/// `src/scene_server/topo_server/logics/inst/inst.go`: it looks the ids up with `$in` and deletes what it found;
/// Tests/Emulator/README.md "batch_delete_inst" cites the lines), so a delete sent twice ends the same as once:
/// a request that got no answer is sent again, and "deleted" means "no longer exists".
public struct DeleteOperation: BatchOperation {
    public init() {}

    public var route: Route { .batchDeleteInst }
    public var itemsPerRequest: Int { BatchLimits.maxDeleteBatch }
    public var isRepeatable: Bool { true }
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
