extension Client {
    /// Creates instances from a stream of items (the engine running `CreateOperation`; see `run`).
    ///
    /// C twin: the engine of `bkcc_batch_create_inst`.
    public func createInstances(objectID: String, tally: Tally = Tally(), transport: (any Transport)? = nil,
                                next: @escaping () throws(BKCCError) -> SourceItem?, onStart: (([SourceItem]) -> Bool)? = nil,
                                onRequest: @escaping (RequestRecord, Tally) -> Bool) throws(BKCCError) -> Tally {
        try run(CreateOperation(), objectID: objectID, tally: tally, transport: transport, next: next, onStart: onStart,
                onRequest: onRequest)
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

    /// `batchCreateInstances` of details given as JSON text (a C caller's `details_json`, the Python package's).
    /// When the text is an array of flat objects (`FlatObject`) that all pass the checks on their bytes, with no
    /// unique value twice, each detail's own text is sent: nothing is parsed into values or serialized again.
    /// Anything else — a detail with a problem, a nested value, text that is not such an array — is parsed and
    /// goes the way of `batchCreateInstances(details:)`, which words every problem; `refused` words a parse error.
    ///
    /// Why: the parse, the check and the serialization of parsed details were ~27,000 instructions a detail of
    /// the library's ~38,000 (callgrind, the Python package importing 5,000 seven-attribute details).
    ///
    /// C twin: `bkcc_batch_create_inst_json`.
    public func batchCreateInstances(objectID: String, detailsText: UnsafeRawBufferPointer, options: BatchOptions = BatchOptions(),
                                     transport: (any Transport)? = nil, progress: ((ProgressEvent) -> Bool)? = nil,
                                     refused: (JSONParseError) -> BKCCError) throws(BKCCError) -> BatchResult {
        try Validation.checkObjectID(objectID)
        if let items = Client.flatDetails(detailsText, objectID: objectID, model: options.model) {
            return try runItems(CreateOperation(), objectID: objectID, count: items.count, problems: [:], options: options,
                                transport: transport, progress: progress) { items[$0] }
        }
        switch JSON.parse(detailsText) {
        case .success(let details):
            return try batchCreateInstances(objectID: objectID, details: details, options: options, transport: transport, progress: progress)
        case .failure(let error):
            throw refused(error)
        }
    }

    /// The details of `text` as items carrying their own text, when every one is flat and surely valid (by the
    /// model, or the offline rules) and no unique value repeats; nil otherwise (a repeat's hash alike: the general
    /// path decides, and words it).
    static func flatDetails(_ text: UnsafeRawBufferPointer, objectID: String, model: Model?) -> [SourceItem]? {
        if let model, model.objectID != objectID { return nil }  // refused by the general path, with its message
        guard let ranges = JSONArraySplit.objectRanges(text), let base = text.baseAddress else { return nil }
        let check = model.map(ModelCheck.init)
        let rules = Validation.Rules(objectID)
        let unique = Validation.uniqueField(objectID)
        var seen = Array(repeating: Set<UInt64>(), count: max(1, model?.unique.count ?? 1))
        let flat = FlatObject()
        for range in ranges {
            let bytes = UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
            guard flat.read(bytes) else { return nil }
            var repeated = false
            if let check {
                guard check.passesQuickly(flat, unknown: { _ in }) else { return nil }
                check.forEachUniqueKeyHash(flat) { slot, hash in repeated = repeated || !seen[slot].insert(hash).inserted }
            } else {
                guard Validation.passesQuickly(flat, rules) else { return nil }
                if case .string(let value)? = flat.value(of: unique),
                   let hash = withSpaceTrimmed(value, { $0.isEmpty ? nil : FNV1a.of($0) }) {
                    repeated = !seen[0].insert(hash).inserted
                }
            }
            guard !repeated else { return nil }
        }
        // Every detail passed: the items' texts share one copy of the array's text (an array an item was an
        // allocation each); without the memory for it, the general path decides (and reports no memory as an error).
        guard let run = TextRun.copying(text) else { return nil }
        return ranges.enumerated().map { index, range in SourceItem(index: index, checkedText: TextSpan(run: run, range: range)) }
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
