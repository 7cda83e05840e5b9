extension Client {
    /// The model `objectID` as the server defines it: its attributes (`search_object_attribute`) and, on the API
    /// gateway, its unique rules (`search_object_unique`; the ESB has no such component, so there the rules are the
    /// attributes marked `isonly`). Read once per client and model, then served from the cache.
    ///
    /// C twin: `bkcc_get_model`.
    public func getModel(objectID: String, transport: (any Transport)? = nil) throws(BKCCError) -> Model {
        try Validation.checkObjectID(objectID)
        if let cached = modelCache.withLock({ $0[objectID] }) { return cached }
        let attributes = try readModel(.searchObjectAttribute, objectID: objectID, transport: transport)
        let uniques = configuration.api == .apigw ? try readModel(.searchObjectUnique, objectID: objectID, transport: transport) : nil
        let model = try Model.fromServer(objectID: objectID, attributes: attributes, uniques: uniques)
        modelCache.withLock { $0[objectID] = model }
        return model
    }

    /// One read of the model's metadata on the engine: its answer's data, or the read's error.
    private func readModel(_ route: Route, objectID: String, transport: (any Transport)?) throws(BKCCError) -> JSON {
        let answer = ModelReadOperation.Answer()
        var sent = false
        let tally = try run(ModelReadOperation(route: route, answer: answer), objectID: objectID, transport: transport,
                            next: { () throws(BKCCError) -> SourceItem? in
                                defer { sent = true }
                                return sent ? nil : SourceItem(index: 0, detail: .null, checked: true)
                            },
                            onRequest: { _, _ in true })
        if let data = answer.value { return data }
        throw tally.cause ?? tally.error ?? BKCCError(.protocolError, "\(route.name): no answer was read")
    }
}
