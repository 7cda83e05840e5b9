import Synchronization

/// The reads of a model's metadata — its attributes (`search_object_attribute`) and, on the API gateway, its unique
/// rules (`search_object_unique`): one request of one item per read, all in flight at once (each is a round trip
/// through the gateway), each answer's `data` kept for the caller. Reads: retried after a lost answer like any
/// other, on the one engine.
public struct ModelReadOperation: BatchOperation {
    /// Where the answers' `data` go, by read (shared with the caller, who reads them after the run).
    public final class Answer: Sendable {
        let data = Mutex<[Int: JSON]>([:])
        public init() {}
        /// The `data` of read `index` (its place in `routes`); nil when it was not read.
        public func value(_ index: Int) -> JSON? { data.withLock { $0[index] } }
    }

    /// The reads, item `i` being read `routes[i]`.
    public let routes: [Route]
    public let answer: Answer

    public init(routes: [Route], answer: Answer) {
        precondition(!routes.isEmpty, "a model read reads something")
        self.routes = routes
        self.answer = answer
    }

    public var route: Route { routes[0] }
    public func route(for items: [SourceItem]) -> Route { routes[items.first.map { min($0.index, routes.count - 1) } ?? 0] }
    public var itemsPerRequest: Int { 1 }
    public var isRepeatable: Bool { true }

    public func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)] {
        // find/objectattr takes the model in its body on both APIs (its path has no {bk_obj_id}).
        route(for: items) == .searchObjectAttribute ? [("bk_obj_id", try .string(objectID))] : []
    }

    public func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError> {
        let route = route(for: items)
        guard let data = envelope.data, data.isArray || data.isNull else {
            return .failure(BKCCError(.protocolError, "\(route.name) answer: data is not an array",
                                      httpStatus: envelope.httpStatus, requestID: envelope.requestID))
        }
        let index = items.first?.index ?? 0
        answer.data.withLock { $0[index] = data.isNull ? (try? JSON.array()) : data }
        return .success(items.map { ItemOutcome(index: $0.index, kind: .created) })
    }
}
