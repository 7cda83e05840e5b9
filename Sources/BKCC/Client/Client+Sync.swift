extension Client {
    /// Reads every instance of the planner's model (only the attributes its rows name, through the paged search:
    /// each instance exactly once) and returns the plan that would make them say what the rows say.
    public func syncPlan(_ planner: SyncPlanner, transport: (any Transport)? = nil) throws(BKCCError) -> SyncPlan {
        var planner = planner
        let query = SearchQuery(fields: planner.fieldsNeeded)
        if let error = searchInstances(objectID: planner.model.objectID, query: query, transport: transport, receive: { page in
            for instance in page { planner.add(instance: instance) }
            return true
        }) {
            throw error
        }
        return planner.plan()
    }

    /// The plan for an array of rows (the C and Python form of `syncPlan`): the model read from the server unless
    /// given, every row checked against it (the first problem throws `.validation`, naming the row), the key the
    /// given one or the model's single-field unique rule.
    public func syncPlan(objectID: String, rows: JSON, key: String?, model given: Model?,
                         transport: (any Transport)? = nil) throws(BKCCError) -> SyncPlan {
        try Validation.checkObjectID(objectID)
        let model: Model
        if let given { model = given } else { model = try getModel(objectID: objectID, transport: transport) }
        guard model.objectID == objectID else {
            throw .invalid("options.model: is the model \"\(printable(model.objectID, limit: 64))\", the call is on \"\(objectID)\"")
        }
        guard let key = key ?? model.uniqueField else {
            throw .invalid("options.key: \(objectID) has no single-field unique rule: give the key attribute")
        }
        var planner = try SyncPlanner(model: model, key: key)
        let problems = try ModelCheck(model).problems(in: rows).problems
        if let first = Validation.firstProblem(problems) { throw first }
        for (index, row) in rows.elements.enumerated() {
            if let problem = planner.add(row: index, detail: row) {
                throw BKCCError(.validation, Validation.locate(problem, at: index))
            }
        }
        return try syncPlan(planner, transport: transport)
    }
}
