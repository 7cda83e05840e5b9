extension Client {
    /// Creates instances from a stream of items (the engine running `CreateOperation`; see `run`).
    ///
    /// C twin: the engine of `bkcc_batch_create_inst`.
    public func createInstances(objectID: String, tally: Tally = Tally(), transport: (any Transport)? = nil,
                                next: @escaping () throws(BKCCError) -> SourceItem?,
                                onRequest: @escaping (RequestRecord, Tally) -> Bool) throws(BKCCError) -> Tally {
        try run(CreateOperation(), objectID: objectID, tally: tally, transport: transport, next: next, onRequest: onRequest)
    }

    /// Creates every instance of `details` (a JSON array of objects, any length) and merges the answers back to
    /// their indices. Throws only when nothing was attempted: `.invalidArgument`, `.validation` (with
    /// `on_invalid: abort`, the first problem), `.noMemory`. Otherwise `result.status` says how it went.
    ///
    /// - Parameters:
    ///   - objectID: the model, e.g. "bk_switch".
    ///   - details: the instances; borrowed, not changed.
    ///   - options: what to do with invalid details.
    ///   - transport: nil for libcurl.
    ///   - progress: called after every finished request; return false to cancel.
    ///
    /// C twin: `bkcc_batch_create_inst`.
    public func batchCreateInstances(objectID: String, details: JSON, options: BatchOptions = BatchOptions(),
                                     transport: (any Transport)? = nil,
                                     progress: ((ProgressEvent) -> Bool)? = nil) throws(BKCCError) -> BatchResult {
        try Validation.checkObjectID(objectID)
        return try runArray(CreateOperation(), objectID: objectID, items: details,
                            problems: Client.createProblems(objectID: objectID, details: details, model: options.model),
                            options: options, transport: transport, progress: progress)
    }

    /// The problems of details to create: by the model when the caller gave one (its model id must be the call's),
    /// else by the offline rules.
    static func createProblems(objectID: String, details: JSON, model: Model?) throws(BKCCError) -> [Int: String] {
        guard let model else { return try Validation.problems(in: details, objectID: objectID) }
        guard model.objectID == objectID else {
            throw .invalid("options.model: is the model \"\(printable(model.objectID, limit: 64))\", the call is on \"\(objectID)\"")
        }
        return try ModelCheck(model).problems(in: details).problems
    }

    /// The same, without blocking a task's thread: the transfers run on a thread of their own.
    public func batchCreateInstances(objectID: String, details: JSON, options: BatchOptions = BatchOptions(),
                                     progress: (@Sendable (ProgressEvent) -> Bool)? = nil) async throws(BKCCError) -> BatchResult {
        let outcome: Result<BatchResult, BKCCError> = await withCheckedContinuation { continuation in
            runOnOwnThread {
                continuation.resume(returning: Result { () throws(BKCCError) in
                    try self.batchCreateInstances(objectID: objectID, details: details, options: options, progress: progress)
                })
            }
        }
        return try outcome.get()
    }
}
