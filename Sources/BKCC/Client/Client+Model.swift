extension Client {
    /// The model `objectID` as the server defines it: its attributes (`search_object_attribute`) and, on the API
    /// gateway, its unique rules (`search_object_unique`; the ESB has no such component, so there the rules are the
    /// attributes marked `isonly`). Read once per client and model, then served from the cache.
    ///
    /// C twin: `bkcc_get_model`.
    public func getModel(objectID: String, transport: (any Transport)? = nil) throws(BKCCError) -> Model {
        try Validation.checkObjectID(objectID)
        if let cached = modelCache.withLock({ $0[objectID] }) { return cached }
        // On the API gateway the unique rules are a read of their own: both go out at once.
        let routes: [Route] = configuration.api == .apigw ? [.searchObjectAttribute, .searchObjectUnique] : [.searchObjectAttribute]
        let data = try readModel(routes, objectID: objectID, transport: transport)
        let attributes = data[0], uniques = data.count > 1 ? data[1] : nil
        let model = try Model.fromServer(objectID: objectID, attributes: attributes, uniques: uniques)
        modelCache.withLock { $0[objectID] = model }
        return model
    }

    /// The reads of the model's metadata on the engine, all in flight at once: each answer's data in `routes`'
    /// order, or the first read's error.
    private func readModel(_ routes: [Route], objectID: String, transport: (any Transport)?) throws(BKCCError) -> [JSON] {
        let answer = ModelReadOperation.Answer()
        var sent = 0
        let tally = try run(ModelReadOperation(routes: routes, answer: answer), objectID: objectID, transport: transport,
                            next: { () throws(BKCCError) -> SourceItem? in
                                defer { sent += 1 }
                                return sent < routes.count ? SourceItem(index: sent, detail: .null, checked: true) : nil
                            },
                            onRequest: { _, _ in true })
        var data: [JSON] = []
        for (index, route) in routes.enumerated() {
            guard let value = answer.value(index) else {
                throw tally.cause ?? tally.error ?? BKCCError(.protocolError, "\(route.name): no answer was read")
            }
            data.append(value)
        }
        return data
    }
}
