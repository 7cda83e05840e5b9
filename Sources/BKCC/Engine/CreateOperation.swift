/// `batch_create_inst`: up to 200 details a request; never sent twice unless the server provably did nothing.
public struct CreateOperation: BatchOperation {
    public init() {}

    public var route: Route { .batchCreateInst }
    public var itemsPerRequest: Int { BatchLimits.maxBatch }
    public var isRepeatable: Bool { false }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        // Whatever the caller checked: nothing too deep, cyclic or not UTF-8 reaches the serializer.
        try Validation.checkShapes(items.lazy.filter { !$0.checked }.map { ($0.index, $0.detail) })
        if items.contains(where: { $0.text != nil }) { return [] }  // the details go in as a splice
        let details = try JSON.array()
        for item in items { try details.append(item.detail) }
        return [("details", details)]
    }

    /// Items given as text are sent as their own bytes, the others serialized beside them.
    public func splice(items: [SourceItem]) throws(BKCCError) -> HTTPRequest.Splice? {
        guard items.contains(where: { $0.text != nil }) else { return nil }
        var elements: [TextSpan] = []
        elements.reserveCapacity(items.count)
        // By position, not `for item in items`: each item copied out was a retain and a release of its text and
        // of its detail (atomic operations, two pairs a row).
        for position in items.indices {
            if let span = items[position].text {
                elements.append(span)
            } else if let bytes = items[position].detail.serializedBytes() {
                elements.append(TextSpan(bytes))
            } else {
                throw BKCCError(.noMemory, "cannot serialize details[\(items[position].index)]")
            }
        }
        return HTTPRequest.Splice(name: "details", elements: elements)
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        ResponseParser.batchCreate(envelope, detailCount: items.count).map { answer in
            CreateOperation.outcomes(items, created: { answer.created[$0] }, failed: { answer.failed[$0] })
        }
    }

    public func readPlainAnswer(_ response: HTTPResponse, items: [SourceItem]) -> (Envelope, [ItemOutcome])? {
        let plain = response.body.withUnsafeBytes {
            PlainCreateAnswer.read(httpStatus: response.status, body: $0, detailCount: items.count)
        }
        guard let answer = plain else { return nil }
        return (answer.envelope, CreateOperation.outcomes(items, created: { answer.created[$0] > 0 ? answer.created[$0] : nil },
                                                           failed: { answer.failed[$0] }))
    }

    /// One outcome per item, by its position in the request: created with its id, failed with the server's
    /// message, else unknown (the answer does not mention it).
    private static func outcomes(_ items: [SourceItem], created: (Int) -> Int64?, failed: (Int) -> String?) -> [ItemOutcome] {
        items.enumerated().map { position, item in
            if let id = created(position) { return ItemOutcome(index: item.index, kind: .created, instanceID: id) }
            if let message = failed(position) { return ItemOutcome(index: item.index, kind: .failed, message: message) }
            return ItemOutcome(index: item.index, kind: .unknown,
                               message: "the answer does not mention this item; look it up before sending it again")
        }
    }
}
