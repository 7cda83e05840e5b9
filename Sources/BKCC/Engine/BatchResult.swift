/// The merged result of a batch call over an array: every index of the caller's details in exactly one map, the
/// requests that were made, and the tally (counts and status).
public struct BatchResult: Sendable {
    public var created: [Int: Int64] = [:]
    public var failed: [Int: String] = [:]
    public var unknown: [Int: String] = [:]
    public var skipped: [Int: String] = [:]
    /// Filled by `reconcile`: items looked up and not found, safe to send again.
    public var notCreated: [Int: String] = [:]
    /// For `batch_update_inst` and `batch_delete_inst`: index → `bk_inst_id`, in place of `created`.
    public var updated: [Int: Int64] = [:]
    public var deleted: [Int: Int64] = [:]
    public var requests: [RequestRecord] = []
    public var tally = Tally()

    public init() {}

    /// `.ok` when every item was created; see `Tally.status`.
    public var status: BKCCStatus { tally.status }
    /// What `status` stands for; nil for `.ok`.
    public var error: BKCCError? { tally.error }
    /// The request-level failure behind `status` (the one that stopped the call, else the first), if any.
    public var cause: BKCCError? { tally.cause }
    /// True when every item succeeded.
    public var ok: Bool { status == .ok }

    /// Files a finished request's outcomes in the maps (the engine's tally has counted them).
    mutating func absorb(_ record: RequestRecord) {
        for item in record.items { file(item) }
        if record.wasSent { requests.append(record) }
    }

    /// Files one outcome in its map (and out of any other), and moves its count in the tally.
    public mutating func record(_ item: ItemOutcome) {
        for kind in ItemOutcome.Kind.allCases where contains(item.index, kind) {
            remove(item.index, from: kind)
            tally.uncount(kind)
        }
        file(item)
        tally.count(item.kind, message: item.message)
    }

    private mutating func file(_ item: ItemOutcome) {
        switch item.kind {
        case .created: created[item.index] = item.instanceID ?? 0
        case .failed: failed[item.index] = item.message
        case .unknown: unknown[item.index] = item.message
        case .skipped: skipped[item.index] = item.message
        case .notCreated: notCreated[item.index] = item.message
        case .updated: updated[item.index] = item.instanceID ?? 0
        case .deleted: deleted[item.index] = item.instanceID ?? 0
        }
    }

    private func contains(_ index: Int, _ kind: ItemOutcome.Kind) -> Bool {
        switch kind {
        case .created: created[index] != nil
        case .failed: failed[index] != nil
        case .unknown: unknown[index] != nil
        case .skipped: skipped[index] != nil
        case .notCreated: notCreated[index] != nil
        case .updated: updated[index] != nil
        case .deleted: deleted[index] != nil
        }
    }

    private mutating func remove(_ index: Int, from kind: ItemOutcome.Kind) {
        switch kind {
        case .created: created[index] = nil
        case .failed: failed[index] = nil
        case .unknown: unknown[index] = nil
        case .skipped: skipped[index] = nil
        case .notCreated: notCreated[index] = nil
        case .updated: updated[index] = nil
        case .deleted: deleted[index] = nil
        }
    }
}
