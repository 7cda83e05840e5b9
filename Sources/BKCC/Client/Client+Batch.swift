extension Client {
    /// Runs `operation` over every element of `items` (a JSON array; `problems`: the elements refused by the
    /// operation's checks, by index) and merges the answers back to their indices: the array form of every batch
    /// call. Throws only when nothing was attempted: `.validation` (with `on_invalid: abort`, the first problem),
    /// `.noMemory`. Otherwise `result.status` says how it went.
    func runArray(_ operation: any BatchOperation, objectID: String, items: JSON, problems: [Int: String],
                  options: BatchOptions, transport: (any Transport)?,
                  progress: ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult {
        let elements = items.elements
        return try runItems(operation, objectID: objectID, count: elements.count, problems: problems, options: options,
                            transport: transport, progress: progress) { index in
            // Checked just now (`problems`): not walked again before it is serialized.
            SourceItem(index: index, detail: elements[index], checked: true)
        }
    }

    /// The same over `count` items that `item` gives by index (valid ones only: `problems` names the others).
    func runItems(_ operation: any BatchOperation, objectID: String, count: Int, problems: [Int: String],
                  options: BatchOptions, transport: (any Transport)?, progress: ((ProgressEvent) -> Bool)?,
                  item: @escaping (Int) -> SourceItem) throws(BKCCError) -> BatchResult {
        if options.onInvalid == .abort, let first = Validation.firstProblem(problems) { throw first }
        var result = BatchResult()
        // Invalid items are failed before anything is sent: counted first, so that the status weighs them.
        var seed = Tally()
        for index in problems.keys.sorted() {
            let message = problems[index] ?? "invalid"
            result.failed[index] = message
            seed.count(.failed, message: message, invalid: true)
        }
        var cursor = 0
        var cancelled = false
        result.tally = try run(operation, objectID: objectID, tally: seed, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
            while cursor < count {
                defer { cursor += 1 }
                if problems[cursor] == nil { return item(cursor) }
            }
            return nil
        }, onRequest: { record, tally in
            result.absorb(record)
            // Once it asked to stop, the callback hears no more: the rest only finishes or is skipped.
            guard !cancelled, let progress else { return !cancelled }
            cancelled = !progress(ProgressEvent(record: record, tally: tally, total: count))
            return !cancelled
        })
        return result
    }
}
