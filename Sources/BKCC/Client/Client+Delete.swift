extension Client {
    /// Deletes instances by id (`instanceIDs`: a JSON array of positive integers). Requests of up to 200, each one
    /// transaction; every item ends `deleted`, `failed`, `unknown` or `skipped`. Throws only when nothing was
    /// attempted.
    ///
    /// C twin: `bkcc_batch_delete_inst`.
    public func batchDeleteInstances(objectID: String, instanceIDs: JSON, options: BatchOptions = BatchOptions(),
                                     transport: (any Transport)? = nil,
                                     progress: ((ProgressEvent) -> Bool)? = nil) throws(BKCCError) -> BatchResult {
        try Validation.checkObjectID(objectID)
        return try runArray(DeleteOperation(), objectID: objectID, items: instanceIDs,
                            problems: Validation.deleteProblems(in: instanceIDs),
                            options: options, transport: transport, progress: progress)
    }
}
