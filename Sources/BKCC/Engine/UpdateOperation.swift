/// `batch_update_inst`: each item is `{"bk_inst_id": id, attribute: value, …}`, sent as
/// `{"update": [{"inst_id": id, "datas": {attribute: value, …}}]}`. One transaction per request: an accepted
/// answer updated every item of it, a refusal none. Setting the same values again changes nothing, so a request
/// that got no answer may be sent again.
public struct UpdateOperation: BatchOperation {
    public init() {}

    public var route: Route { .batchUpdateInst }
    public var itemsPerRequest: Int { BatchLimits.maxUpdateBatch }
    public var isRepeatable: Bool { true }
    public var successKind: ItemOutcome.Kind { .updated }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        try Validation.checkShapes(items.lazy.filter { !$0.checked }.map { ($0.index, $0.detail) })
        let updates = try JSON.array()
        for item in items {
            guard let id = item.detail["bk_inst_id"]?.integer, id > 0 else {
                throw .invalid("updates[\(item.index)].bk_inst_id: required, must be a positive integer")
            }
            let datas = try item.detail.shallowCopy()
            _ = datas.remove("bk_inst_id")
            try updates.append(JSON.object(["inst_id": .integer(id), "datas": datas]))
        }
        return [("update", updates)]
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        .success(items.map { ItemOutcome(index: $0.index, kind: .updated, instanceID: $0.detail["bk_inst_id"]?.integer) })
    }
}
