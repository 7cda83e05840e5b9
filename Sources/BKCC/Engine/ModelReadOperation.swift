import Synchronization

/// One read of a model's metadata — its attributes (`search_object_attribute`) or its unique rules
/// (`search_object_unique`): a single request of a single item whose answer's `data` is kept for the caller. A
/// read: retried after a lost answer like any other, on the one engine.
public struct ModelReadOperation: BatchOperation {
    /// Where the answer's `data` goes (shared with the caller, who reads it after the run).
    public final class Answer: Sendable {
        let data = Mutex<JSON?>(nil)
        public init() {}
        public var value: JSON? { data.withLock { $0 } }
    }

    public let route: Route
    public let answer: Answer

    public init(route: Route, answer: Answer) {
        self.route = route
        self.answer = answer
    }

    public var itemsPerRequest: Int { 1 }
    public var isRepeatable: Bool { true }
    public var maxInFlight: Int? { 1 }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        // find/objectattr takes the model in its body on both APIs (its path has no {bk_obj_id}).
        route == .searchObjectAttribute ? [("bk_obj_id", try .string(objectID))] : []
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        guard let data = envelope.data, data.isArray || data.isNull else {
            return .failure(BKCCError(.protocolError, "\(route.name) answer: data is not an array",
                                      httpStatus: envelope.httpStatus, requestID: envelope.requestID))
        }
        answer.data.withLock { $0 = data.isNull ? (try? JSON.array()) : data }
        return .success(items.map { ItemOutcome(index: $0.index, kind: .created) })
    }
}
