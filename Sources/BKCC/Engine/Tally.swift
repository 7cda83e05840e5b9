/// The one tally of a batch call: how many items ended in each outcome, the first request-level failure, what
/// stopped the call, and — decided here and nowhere else — the call's status. The engine keeps it as requests
/// finish; `BatchResult`, the C ABI and the CLI read it.
public struct Tally: Sendable {
    public private(set) var total = 0
    public private(set) var created = 0
    public private(set) var failed = 0
    public private(set) var unknown = 0
    public private(set) var skipped = 0
    public private(set) var notCreated = 0
    public private(set) var updated = 0
    public private(set) var deleted = 0
    /// What success is for the operation counted: `.created`, `.updated` or `.deleted` (its name in messages).
    public var success: ItemOutcome.Kind = .created
    /// Of `failed`: refused by the client-side checks, never sent.
    public private(set) var invalid = 0
    /// Of `failed`: refused one by one inside an answer the server accepted (result:true).
    public private(set) var itemFailures = 0
    /// The failure that stopped the call (no more requests started), if any.
    public private(set) var stopCause: BKCCError?
    /// The first request-level failure, by the index of its first item.
    public private(set) var firstFailure: BKCCError?
    /// The caller cancelled (the progress callback, an interrupt).
    public private(set) var cancelled = false
    private var firstFailureIndex = Int.max
    /// The first message of a failed item, for a status message when nothing else explains it.
    private var failureSample: String?
    /// The first request (by index) that was answered with items not created: what the status's request id and
    /// HTTP status name when no request-level failure does (every item refused one by one, say).
    private var firstRefusingRequest: (index: Int, requestID: String, httpStatus: Int)?

    public init() {}

    /// Items done so far.
    public var done: Int { total }
    /// Items whose operation did what was asked.
    public var succeeded: Int { created + updated + deleted }

    /// Counts one item's outcome. `invalid`: refused by the client-side checks, not sent.
    public mutating func count(_ kind: ItemOutcome.Kind, message: String = "", invalid: Bool = false) {
        adjust(kind, by: 1)
        if kind == .failed {
            if invalid { self.invalid += 1 }
            if failureSample == nil { failureSample = message }
        }
    }

    /// Takes back a count (the item's outcome is about to change: a reconcile).
    public mutating func uncount(_ kind: ItemOutcome.Kind) { adjust(kind, by: -1) }

    /// Counts a finished request's items and notes its failure.
    mutating func record(_ record: RequestRecord) {
        for item in record.items {
            count(item.kind, message: item.message)
            if item.kind == .failed, record.status == .ok { itemFailures += 1 }
        }
        if record.wasSent, let first = record.items.first(where: { !$0.kind.succeeded }),
           first.index < firstRefusingRequest?.index ?? .max {
            firstRefusingRequest = (first.index, record.requestID, record.httpStatus)
        }
        if let error = record.error, let first = record.items.first, first.index < firstFailureIndex {
            firstFailureIndex = first.index
            firstFailure = error
        }
    }

    /// No more requests start, because of `error` (the first cause stays).
    mutating func stop(_ error: BKCCError) {
        if stopCause == nil { stopCause = error }
    }

    mutating func cancel() {
        cancelled = true
        stop(BKCCError(.cancelled, "cancelled by the progress callback"))
    }

    /// After a reconcile the call is over: what stopped it is only its first failure now.
    public mutating func settle() {
        firstFailure = stopCause ?? firstFailure
        stopCause = nil
        cancelled = false
    }

    /// The failure behind the status: what stopped the call, else the first request-level failure.
    public var cause: BKCCError? { stopCause ?? firstFailure }

    /// `.ok` when every item succeeded; `.partial` when some did; else the most telling failure.
    public var status: BKCCStatus { decided.status }
    /// What `status` stands for; nil for `.ok`.
    public var error: BKCCError? { decided.error }

    private var decided: (status: BKCCStatus, error: BKCCError?) {
        let verb = success.rawValue
        var counts = "\(succeeded) of \(total) \(verb), \(failed) failed, \(unknown) unknown, \(skipped) skipped"
        if notCreated > 0 { counts += ", \(notCreated) not created (safe to send again)" }
        if succeeded == total { return (.ok, nil) }
        if succeeded > 0 {
            var error = BKCCError(.partial, counts)
            if let cause {
                error.message += "; \(cause.message)"
                error.apiCode = cause.apiCode
                error.httpStatus = cause.httpStatus
                error.requestID = cause.requestID
                error.hint = cause.hint
            }
            naming(&error)
            return (.partial, error)
        }
        if invalid == total {
            return (.validation, BKCCError(.validation, "every detail is invalid; nothing was sent (first: \(failureSample ?? "")"
                                               + (invalid > 1 ? " (and \(invalid - 1) more invalid))" : ")")))
        }
        if cancelled { return (.cancelled, BKCCError(.cancelled, "cancelled: \(counts)")) }
        if var cause {
            cause.message = "\(cause.message) (\(counts))"
            return (cause.status == .ok ? .api : cause.status, cause)
        }
        var error = BKCCError(.api, "no instance \(verb) (\(counts))" + (failureSample.map { "; first failure: \($0)" } ?? ""))
        naming(&error)
        return (.api, error)
    }

    /// Names the first request that left items not created, when the error names none yet.
    private func naming(_ error: inout BKCCError) {
        guard let request = firstRefusingRequest else { return }
        if error.requestID.isEmpty { error.requestID = request.requestID }
        if error.httpStatus == 0 { error.httpStatus = request.httpStatus }
    }

    /// `{"total", "created" (or "updated", "deleted"), "failed", "unknown", "skipped", "not_created"?}`, the
    /// result's `summary`.
    public func json() throws(BKCCError) -> JSON {
        let counts = try JSON.object(["total": .integer(Int64(total))])
        try counts.set(success.rawValue, Int64(succeeded))
        try counts.set("failed", Int64(failed))
        try counts.set("unknown", Int64(unknown))
        try counts.set("skipped", Int64(skipped))
        if notCreated > 0 { try counts.set("not_created", Int64(notCreated)) }
        return counts
    }

    private mutating func adjust(_ kind: ItemOutcome.Kind, by step: Int) {
        total += step
        switch kind {
        case .created: created += step
        case .failed: failed += step
        case .unknown: unknown += step
        case .skipped: skipped += step
        case .notCreated: notCreated += step
        case .updated: updated += step
        case .deleted: deleted += step
        }
    }
}
