/// One CMDB batch operation, as the engine runs it: the seam where an operation plugs in. An operation states its
/// route (an entry of the route table), the most items a request takes, whether a request that got no answer may
/// be sent again, how to build a request's body from its items, and how to read an accepted answer into one
/// outcome per item. Everything else — splitting, concurrency, keep-alive, the retry rule (`AnswerRule`), rate
/// limit, progress, cancel, streaming sources — is the engine's (`BatchEngine`), the same for every operation.
public protocol BatchOperation: Sendable {
    /// Its entry in the route table.
    var route: Route { get }
    /// The route of one request for `items` (default: `route`): a model read sends its two reads at once.
    func route(for items: [SourceItem]) -> Route
    /// The most items one request takes.
    var itemsPerRequest: Int { get }
    /// True for a read or an idempotent write: a request that was sent and got no answer (or an HTTP 5xx) may be
    /// sent again. False for a create: its items become `unknown`.
    var isRepeatable: Bool { get }
    /// The body members of one request for `items` (the builder adds credentials and, on the ESB, `bk_obj_id`).
    func members(objectID: String, items: [SourceItem]) throws(BKCCError) -> [(String, JSON)]
    /// Items' texts to splice into the body after `members` (nil: none): a create of checked JSON text.
    func splice(items: [SourceItem]) throws(BKCCError) -> HTTPRequest.Splice?
    /// Reads a `result:true` answer into one outcome per item, in `items`' order; `.protocolError` when the
    /// answer cannot be trusted (then every item of the request is `unknown`).
    func read(_ envelope: Envelope, items: [SourceItem]) -> Result<[ItemOutcome], BKCCError>
    /// A plain accepted answer (HTTP 2xx, `result:true`, code 0, nothing odd) read straight from its bytes into
    /// its envelope (without `data`) and one outcome per item; nil for any other answer, which `AnswerRule` and
    /// `read` then decide. What it reads, they would read the same.
    func readPlainAnswer(_ response: HTTPResponse, items: [SourceItem]) -> (Envelope, [ItemOutcome])?
    /// What success is called for its items: `.created`, `.updated`, `.deleted`.
    var successKind: ItemOutcome.Kind { get }
    /// At most this many requests in flight (nil: the client's concurrency). 1 for a paged read, whose next
    /// request depends on the answer to the previous one.
    var maxInFlight: Int? { get }
}

extension BatchOperation {
    public func route(for items: [SourceItem]) -> Route { route }
    public func splice(items: [SourceItem]) throws(BKCCError) -> HTTPRequest.Splice? { nil }
    public var successKind: ItemOutcome.Kind { .created }
    public var maxInFlight: Int? { nil }
    public func readPlainAnswer(_ response: HTTPResponse, items: [SourceItem]) -> (Envelope, [ItemOutcome])? { nil }
}
