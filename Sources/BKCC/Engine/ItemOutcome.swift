/// One item for the engine, with the caller's own index for it (its row, its position in the caller's array).
/// For a create or an update it is an instance's detail; for a lookup, the value looked up.
public struct SourceItem: Sendable {
    public var index: Int
    public var detail: JSON
    /// The caller ran the operation's checks on it (`Validation`, `JSONShape` included): the request builder need
    /// not walk it again. False makes the operation check it before it is serialized.
    public var checked: Bool
    /// The detail as JSON text, checked and verified by the caller: sent as these bytes (`HTTPRequest.Splice`),
    /// `detail` unused. For a create only.
    public var text: TextSpan?

    public init(index: Int, detail: JSON, checked: Bool = false) {
        self.index = index
        self.detail = detail
        self.checked = checked
    }

    /// An item whose detail is the JSON text of an object the caller checked (a JSON Lines row's bytes).
    public init(index: Int, checkedText: TextSpan) {
        self.init(index: index, detail: .null, checked: true)
        text = checkedText
    }

    /// The same, the text in an array of its own.
    public init(index: Int, checkedText: [UInt8]) {
        self.init(index: index, checkedText: TextSpan(checkedText))
    }
}

/// What became of one item: the one outcome vocabulary, from the engine to the result, the report and the CLI.
/// Every item of a batch call ends in exactly one outcome.
public struct ItemOutcome: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Created (or, for a lookup, found), with its `bk_inst_id`.
        case created
        /// Not created: the server's or the validator's message says why. Safe to fix and send again.
        case failed
        /// Sent, but no answer tells its fate: look it up (reconcile) before sending it again.
        case unknown
        /// Never sent (cancelled, or stopped after a failure that would repeat for every request).
        case skipped
        /// Looked up after being unknown, and not found on the server: safe to send again.
        case notCreated = "not_created"
        /// Updated (`batch_update_inst`), with its `bk_inst_id`.
        case updated
        /// Deleted (`batch_delete_inst`), with its `bk_inst_id`.
        case deleted

        /// Whether the item's operation did what was asked.
        public var succeeded: Bool { self == .created || self == .updated || self == .deleted }
    }

    public var index: Int
    public var kind: Kind
    /// The instance's id, for `.created`, `.updated` and `.deleted`.
    public var instanceID: Int64?
    /// Why, for every kind but those that succeeded.
    public var message: String

    public init(index: Int, kind: Kind, instanceID: Int64? = nil, message: String = "") {
        self.index = index
        self.kind = kind
        self.instanceID = instanceID
        self.message = message
    }
}
