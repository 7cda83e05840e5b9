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
}
