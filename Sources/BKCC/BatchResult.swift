#if canImport(Glibc)
import Glibc
#endif

/// The merged result of a batch call over an array: every index of the caller's details in exactly one map.
public struct BatchResult: Sendable {
    /// One request of the call, as the result's `requests` array lists it.
    public struct Request: Sendable {
        public var first: Int
        public var last: Int
        public var count: Int
        /// The server's request id when it sent one, else the client's X-Request-Id.
        public var requestID: String
        public var clientRequestID: String
        public var httpStatus: Int
        public var code: Int64
        public var message: String
        public var elapsedMs: Int
        public var attempts: Int
        public var status: BKCCStatus
        public var permission: JSON?
    }

    public var created: [Int: Int64] = [:]
    public var failed: [Int: String] = [:]
    public var unknown: [Int: String] = [:]
    public var skipped: [Int: String] = [:]
    /// Filled by `reconcile`: items looked up and not found, safe to send again.
    public var notCreated: [Int: String] = [:]
    public var requests: [Request] = []
    public var summary = BatchSummary()
    public var status: BKCCStatus = .ok
    /// What `status` stands for; nil for `.ok`.
    public var error: BKCCError?
    /// The request-level failure behind `status` (the one that stopped the call, else the first), if any.
    public var cause: BKCCError?

    public init() {}

    /// True when every item was created.
    public var ok: Bool { status == .ok }

    /// Adds one finished request's outcomes.
    public mutating func absorb(_ report: RequestReport) {
        for item in report.items { record(item) }
        guard report.attempts > 0 else { return }  // items never sent made no request
        let indices = report.items.map(\.index)
        requests.append(Request(first: indices.min() ?? 0, last: indices.max() ?? 0, count: indices.count,
                                requestID: report.serverRequestID.isEmpty ? report.requestID : report.serverRequestID,
                                clientRequestID: report.requestID, httpStatus: report.httpStatus, code: report.code,
                                message: report.message, elapsedMs: report.elapsedMs, attempts: report.attempts,
                                status: report.status, permission: report.permission))
    }

    /// Files one outcome in its map (and out of any other).
    public mutating func record(_ item: ItemOutcome) {
        for kind in [ItemOutcome.Kind.created, .failed, .unknown, .skipped, .notCreated] where contains(item.index, kind) {
            remove(item.index, kind)
            summary.uncount(kind)
        }
        switch item.kind {
        case .created: created[item.index] = item.instanceID ?? 0
        case .failed: failed[item.index] = item.message
        case .unknown: unknown[item.index] = item.message
        case .skipped: skipped[item.index] = item.message
        case .notCreated: notCreated[item.index] = item.message
        }
        summary.count(item.kind)
    }

    private func contains(_ index: Int, _ kind: ItemOutcome.Kind) -> Bool {
        switch kind {
        case .created: created[index] != nil
        case .failed: failed[index] != nil
        case .unknown: unknown[index] != nil
        case .skipped: skipped[index] != nil
        case .notCreated: notCreated[index] != nil
        }
    }

    private mutating func remove(_ index: Int, _ kind: ItemOutcome.Kind) {
        switch kind {
        case .created: created[index] = nil
        case .failed: failed[index] = nil
        case .unknown: unknown[index] = nil
        case .skipped: skipped[index] = nil
        case .notCreated: notCreated[index] = nil
        }
    }

    // MARK: JSON

    /// The result object of the C API: the four maps (and `not_created` after a reconcile), `requests`, `summary`.
    public func json() throws(BKCCError) -> JSON {
        let result = try JSON.object()
        let successCreated = try JSON.object()
        for index in created.keys.sorted() { try successCreated.set(String(index), created[index] ?? 0) }
        try result.set("success_created", successCreated)
        try result.set("error_msg", messageMap(failed))
        try result.set("unknown", messageMap(unknown))
        try result.set("skipped", messageMap(skipped))
        if summary.notCreated > 0 || !notCreated.isEmpty { try result.set("not_created", messageMap(notCreated)) }
        let requestArray = try JSON.array()
        for request in requests.sorted(by: { $0.first < $1.first }) {
            let entry = try JSON.object([
                "first": .integer(Int64(request.first)), "count": .integer(Int64(request.count)),
                "request_id": .string(request.requestID), "client_request_id": .string(request.clientRequestID),
                "http_status": .integer(Int64(request.httpStatus)), "code": .integer(request.code),
                "message": .string(request.message), "elapsed_ms": .integer(Int64(request.elapsedMs)),
                "attempts": .integer(Int64(request.attempts)), "status": .string(request.status.name),
            ])
            if let permission = request.permission { try entry.set("permission", permission) }
            try requestArray.append(entry)
        }
        try result.set("requests", requestArray)
        let counts = try JSON.object([
            "total": .integer(Int64(summary.total)), "created": .integer(Int64(summary.created)),
            "failed": .integer(Int64(summary.failed)), "unknown": .integer(Int64(summary.unknown)),
            "skipped": .integer(Int64(summary.skipped)),
        ])
        if summary.notCreated > 0 || !notCreated.isEmpty { try counts.set("not_created", Int64(summary.notCreated)) }
        try result.set("summary", counts)
        return result
    }

    private func messageMap(_ map: [Int: String]) throws(BKCCError) -> JSON {
        let object = try JSON.object()
        for index in map.keys.sorted() { try object.set(String(index), map[index] ?? "") }
        return object
    }

    /// Reads a result object back (for `reconcile`): the maps, keyed by indices below `detailCount`.
    /// `requests` are not read back: a reconciled result keeps the caller's.
    public init(json: JSON, detailCount: Int) throws(BKCCError) {
        guard json.isObject else { throw .invalid("result: must be a JSON object, got \(json.kind.name)") }
        func entries(_ key: String) throws(BKCCError) -> [(Int, JSON)] {
            guard let map = json[key], !map.isNull else { return [] }
            guard map.isObject else { throw .invalid("result.\(key): must be an object, got \(map.kind.name)") }
            return try map.entries.map { (key2, value) throws(BKCCError) in
                guard let index = ResponseParser.parseIndex(key2, below: detailCount) else {
                    throw .invalid("result.\(key): \"\(printable(key2, limit: 24))\" is not an index of details (0..<\(detailCount))")
                }
                return (index, value)
            }
        }
        for (index, value) in try entries("success_created") {
            guard let id = value.integer else { throw .invalid("result.success_created.\(index): must be an integer") }
            record(ItemOutcome(index: index, kind: .created, instanceID: id))
        }
        let messageMaps: [(String, ItemOutcome.Kind)] = [("error_msg", .failed), ("unknown", .unknown), ("skipped", .skipped),
                                                         ("not_created", .notCreated)]
        for (key, kind) in messageMaps {
            for (index, value) in try entries(key) {
                record(ItemOutcome(index: index, kind: kind, message: value.string ?? value.serialized() ?? ""))
            }
        }
        recomputeStatus()
    }

    /// Status from the counts (used after a reconcile changed them).
    mutating func recomputeStatus() {
        let decided = BatchRun.decide(summary: summary, cancelled: false, stopError: nil, firstFailure: cause,
                                      itemFailureSample: failed.values.first)
        status = decided.status
        error = decided.error
    }
}

extension Client {
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
        for index in problems.keys.sorted() {
            result.record(ItemOutcome(index: index, kind: .failed, message: problems[index] ?? "invalid"))
        }
        let elements = details.elements
        var cursor = 0
        var cancelled = false
        let total = elements.count
        let run = createInstances(objectID: objectID, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
            while cursor < elements.count {
                defer { cursor += 1 }
                if problems[cursor] == nil { return SourceItem(index: cursor, detail: elements[cursor]) }
            }
            return nil
        }, onRequest: { report in
            result.absorb(report)
            // Once it asked to stop, the callback hears no more: the rest only finishes or is skipped.
            guard !cancelled, let progress else { return !cancelled }
            cancelled = !progress(ProgressEvent(report: report, summary: result.summary, total: total))
            return !cancelled
        })
        if run.status == .noMemory, run.summary.total == 0, problems.count < total {
            throw run.error ?? BKCCError(.noMemory, "out of memory")  // nothing could start: nothing was attempted
        }
        result.cause = run.cause
        if problems.count == total {
            result.status = .validation
            result.error = BKCCError(.validation, "every detail is invalid; nothing was sent (first: \(Validation.firstProblem(problems)?.message ?? ""))")
        } else {
            // Decided over the whole call: invalid details count as failed beside the run's own outcomes.
            let decided = BatchRun.decide(summary: result.summary, cancelled: run.status == .cancelled, stopError: run.cause,
                                          firstFailure: nil, itemFailureSample: result.failed.values.first)
            result.status = decided.status
            result.error = decided.error
        }
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

/// Runs `body` on a new detached POSIX thread (no Foundation in the library).
func runOnOwnThread(_ body: @escaping @Sendable () -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
        box.body()
        return nil
    }, box)
    if started == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()  // no thread to be had: run here
    }
}
