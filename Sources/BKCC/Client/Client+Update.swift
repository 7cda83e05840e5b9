extension Client {
    /// Updates instances: each element of `updates` is `{"bk_inst_id": id, attribute: value, …}`. Requests of up to
    /// 200, each one transaction; every item ends `updated`, `failed`, `unknown` or `skipped`. Throws only when
    /// nothing was attempted.
    ///
    /// C twin: `bkcc_batch_update_inst`.
    public func batchUpdateInstances(objectID: String, updates: JSON, options: BatchOptions = BatchOptions(),
                                     transport: (any Transport)? = nil,
                                     progress: ((ProgressEvent) -> Bool)? = nil) throws(BKCCError) -> BatchResult {
        try Validation.checkObjectID(objectID)
        return try runArray(UpdateOperation(), objectID: objectID, items: updates, problems: Validation.updateProblems(in: updates, objectID: objectID),
                            options: options, transport: transport, progress: progress)
    }
}
