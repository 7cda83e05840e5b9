extension Client {
    /// Looks items up by one attribute, streaming: each item's detail is a value (string or integer, as
    /// `LookupOperation.key` reads it) and ends `created` with the id of the instance that has it, `notCreated` when
    /// none has, or — when its lookup failed after the retries — `unknown` / `failed` / `skipped` with why. Lookups
    /// run on the engine like any operation: up to `configuration.concurrency` at once, retried on timeouts.
    /// Values should be distinct; `reconcile` makes them so.
    public func lookUp(objectID: String, field: String, transport: (any Transport)? = nil,
                       next: @escaping () throws(BKCCError) -> SourceItem?,
                       onRequest: @escaping (RequestRecord, Tally) -> Bool) throws(BKCCError) -> Tally {
        try Validation.checkObjectID(objectID)
        guard !field.isEmpty else { throw .invalid("unique_field: must be a non-empty attribute name") }
        return try run(LookupOperation(field: field), objectID: objectID, transport: transport, next: next, onRequest: onRequest)
    }

    /// Settles the unknown items of `result` by looking them up by `options.uniqueField` in `details` (the array the
    /// result was made from): found → created with its id; not found → `notCreated`, safe to send again. Items
    /// without a usable unique value, or sharing one with another unknown item, stay unknown. Items whose lookup
    /// failed stay unknown, and the first such error is returned.
    ///
    /// C twin: `bkcc_reconcile`.
    public func reconcile(objectID: String, details: JSON, result: BatchResult, options: ReconcileOptions = ReconcileOptions(),
                          transport: (any Transport)? = nil) -> (result: BatchResult, error: BKCCError?) {
        var reconciled = result
        // One lookup per distinct value: the indices that hold it.
        var values: [String] = []
        var indicesByValue: [String: [Int]] = [:]
        for index in result.unknown.keys.sorted() {
            guard let key = details[index]?[options.uniqueField].flatMap(LookupOperation.key) else { continue }
            if indicesByValue[key] == nil { values.append(key) }
            indicesByValue[key, default: []].append(index)
        }
        var cursor = 0
        let lookups: Tally
        do {
            lookups = try lookUp(objectID: objectID, field: options.uniqueField, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
                guard cursor < values.count else { return nil }
                defer { cursor += 1 }
                let value = values[cursor]
                // An integer unique value is looked up as the number it was sent as.
                let original = details[indicesByValue[value]?.first ?? 0]?[options.uniqueField]
                return SourceItem(index: cursor, detail: original?.integer != nil ? (original ?? .null) : try .string(value))
            }, onRequest: { record, _ in
                for item in record.items {
                    let indices = indicesByValue[values[item.index]] ?? []
                    switch item.kind {
                    case .created where indices.count == 1:
                        reconciled.record(ItemOutcome(index: indices[0], kind: .created, instanceID: item.instanceID))
                    case .notCreated:
                        for index in indices { reconciled.record(ItemOutcome(index: index, kind: .notCreated, message: item.message)) }
                    default:
                        break  // the lookup failed, or two unknown items share the value: they stay unknown
                    }
                }
                return true
            })
        } catch {
            return (reconciled, error)
        }
        reconciled.tally.settle()
        return (reconciled, lookups.cause)
    }
}
