/// Progress after each finished request.
public struct ProgressEvent: Sendable {
    /// The request that just finished.
    public var record: RequestRecord
    /// Outcomes so far, over the whole call.
    public var tally: Tally
    /// Items the call was given, when known (an array call); nil while streaming.
    public var total: Int?

    /// `{"type":"request", "first", "count", "done", "total", "created", "failed", "unknown", "skipped",
    /// "request_id", "status"}` (and "updated" / "deleted" for those calls): the event a progress callback receives.
    public func json() throws(BKCCError) -> JSON {
        let done = tally.done
        let event = try JSON.object([
            "type": .string("request"), "first": .integer(Int64(record.first)), "count": .integer(Int64(record.items.count)),
            "done": .integer(Int64(done)), "total": .integer(Int64(total ?? done)),
            "created": .integer(Int64(tally.created)), "failed": .integer(Int64(tally.failed)),
            "unknown": .integer(Int64(tally.unknown)), "skipped": .integer(Int64(tally.skipped)),
            "request_id": .string(record.requestID), "status": .string(record.status.name),
        ])
        if tally.success != .created { try event.set(tally.success.rawValue, Int64(tally.succeeded)) }
        return event
    }
}
