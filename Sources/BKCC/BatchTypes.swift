/// One detail to create, with the caller's own index for it (its row, its position in the caller's array).
public struct SourceItem: Sendable {
    public var index: Int
    public var detail: JSON
    public init(index: Int, detail: JSON) {
        self.index = index
        self.detail = detail
    }
}

/// What became of one item. Every item of a batch call ends in exactly one outcome.
public struct ItemOutcome: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// Created, with its `bk_inst_id`.
        case created
        /// Not created: the server's or the validator's message says why. Safe to fix and send again.
        case failed
        /// Sent, but no answer tells its fate: look it up (reconcile) before sending it again.
        case unknown
        /// Never sent (cancelled, or stopped after a failure that would repeat for every request).
        case skipped
        /// Looked up after being unknown, and not found on the server: safe to send again.
        case notCreated = "not_created"
    }

    public var index: Int
    public var kind: Kind
    /// The new instance's id, for `.created`.
    public var instanceID: Int64?
    /// Why, for every kind but `.created`.
    public var message: String

    public init(index: Int, kind: Kind, instanceID: Int64? = nil, message: String = "") {
        self.index = index
        self.kind = kind
        self.instanceID = instanceID
        self.message = message
    }
}

/// One finished request of a batch call (or one group of items that was never sent), as the runner hands it to
/// its caller.
public struct RequestReport: Sendable {
    /// The client's `X-Request-Id` for this request ("" for items never sent).
    public var requestID: String
    /// The server's own `request_id`, when it sent one.
    public var serverRequestID: String
    /// 0 when no HTTP answer came.
    public var httpStatus: Int
    /// The envelope's code, 0 if none.
    public var code: Int64
    /// The envelope's message, or what went wrong with the request.
    public var message: String
    public var elapsedMs: Int
    /// How many times the request was sent or tried (retries included); 0 for items never sent.
    public var attempts: Int
    /// The request's own status: `.ok` when the server answered result:true (even if some items failed).
    public var status: BKCCStatus
    /// The server's `permission` object, when it sent one.
    public var permission: JSON?
    /// The outcome of each item of the request, in the order they were sent.
    public var items: [ItemOutcome]
}

/// Counts of outcomes, and the status of the whole call.
public struct BatchSummary: Sendable, Equatable {
    public var total = 0
    public var created = 0
    public var failed = 0
    public var unknown = 0
    public var skipped = 0
    public var notCreated = 0

    public init() {}

    mutating func count(_ kind: ItemOutcome.Kind) { adjust(kind, by: 1) }
    mutating func uncount(_ kind: ItemOutcome.Kind) { adjust(kind, by: -1) }

    private mutating func adjust(_ kind: ItemOutcome.Kind, by step: Int) {
        total += step
        switch kind {
        case .created: created += step
        case .failed: failed += step
        case .unknown: unknown += step
        case .skipped: skipped += step
        case .notCreated: notCreated += step
        }
    }
}

/// Options of a batch call (the C API's options object).
public struct BatchOptions: Sendable {
    public enum OnInvalid: String, Sendable, CaseIterable {
        /// Send nothing when any detail is invalid.
        case abort
        /// Send the valid details; report the invalid ones as failed.
        case skip
    }

    public var onInvalid: OnInvalid = .abort

    public init(onInvalid: OnInvalid = .abort) { self.onInvalid = onInvalid }

    /// Reads `{"on_invalid": "abort" | "skip"}`; nil or null means the defaults. Unknown keys are errors.
    public init(json: JSON?) throws(BKCCError) {
        guard let json, !json.isNull else { return }
        guard json.isObject else { throw .invalid("options: must be a JSON object, got \(json.kind.name)") }
        for (key, value) in json.entries {
            switch key {
            case "on_invalid":
                guard let text = value.string, let choice = OnInvalid(rawValue: text) else {
                    throw .invalid("options.on_invalid: must be \"abort\" or \"skip\"")
                }
                onInvalid = choice
            default:
                throw .invalid("options: unknown key \"\(key.prefix(64))\"")
            }
        }
    }
}

/// Progress after each finished request.
public struct ProgressEvent: Sendable {
    /// The request that just finished.
    public var report: RequestReport
    /// Outcomes so far, over the whole call.
    public var summary: BatchSummary
    /// Items the call was given, when known (an array call); nil while streaming.
    public var total: Int?
}
