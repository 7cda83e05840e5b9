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
        let problems = try Validation.problems(in: details)
        if options.onInvalid == .abort, let first = Validation.firstProblem(problems) { throw first }
        var result = BatchResult()
        // Invalid details are failed before anything is sent: counted first, so that the status weighs them.
        var seed = Tally()
        for index in problems.keys.sorted() {
            let message = problems[index] ?? "invalid"
            result.failed[index] = message
            seed.count(.failed, message: message, invalid: true)
        }
        let elements = details.elements
        var cursor = 0
        var cancelled = false
        result.tally = try createInstances(objectID: objectID, tally: seed, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
            while cursor < elements.count {
                defer { cursor += 1 }
                if problems[cursor] == nil { return SourceItem(index: cursor, detail: elements[cursor]) }
            }
            return nil
        }, onRequest: { record, tally in
            result.absorb(record)
            // Once it asked to stop, the callback hears no more: the rest only finishes or is skipped.
            guard !cancelled, let progress else { return !cancelled }
            cancelled = !progress(ProgressEvent(record: record, tally: tally, total: elements.count))
            return !cancelled
        })
        return result
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
