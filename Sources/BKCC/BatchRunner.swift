#if canImport(Glibc)
import Glibc
#endif

/// How a streaming batch call ended.
public struct BatchRunSummary: Sendable {
    public var summary: BatchSummary
    /// `.ok` when every item was created, `.partial` when some were, else the most telling failure.
    public var status: BKCCStatus
    /// What `status` stands for; nil for `.ok`.
    public var error: BKCCError?
    /// The failure that stopped the call or, failing that, the first request-level failure; nil when none.
    public var cause: BKCCError?
}

/// Codes that mean "rate limited, nothing was done": ESB 1306429, gateway 1642902 / 1642903.
let rateLimitCodes: Set<Int64> = [1_306_429, 1_642_902, 1_642_903]
/// The audit log failed after the inserts: the items exist although result is false.
let auditFailureCodes: Set<Int64> = [1_109_001, 1_109_005]
/// Failures that would repeat for every request: credentials, permission, built-in, mainline or unknown model.
let fatalCodes: Set<Int64> = [1_306_000, 1_306_406, 9_900_403, 1_199_084, 1_199_075, 1_199_045, 1_640_001, 1_640_301, 1_640_401]

/// Runs one batch call: splits items into requests of at most 200, keeps up to `maxInFlight` of them in flight,
/// retries only what the server provably did not act on, and reports every item exactly once.
/// Single-threaded: everything, callbacks included, happens on the calling thread.
final class BatchRun {
    /// One request: its items, and its retry state.
    struct Pending {
        var items: [SourceItem]
        var requestID = RequestID.make()
        var attempts = 0
        var notBefore: ContinuousClock.Instant?
        var firstStart: ContinuousClock.Instant?
    }

    let client: Client
    let objectID: String
    let transport: any Transport
    let next: () throws(BKCCError) -> SourceItem?
    let onRequest: (RequestReport) -> Bool
    let clock = ContinuousClock()

    private var summary = BatchSummary()
    private var inFlight: [Int: Pending] = [:]
    private var waiting: [Pending] = []  // retries, each with its notBefore
    private var nextTag = 0
    private var sourceDone = false
    private var lastStart: ContinuousClock.Instant?
    /// Set when no more requests may start: why the rest is skipped.
    private var stopReason: String?
    private var stopError: BKCCError?
    private var cancelled = false
    /// The first request-level failure, by the index of its first item: the most telling when nothing was created.
    private var firstFailure: (index: Int, error: BKCCError)?
    private var itemFailureSample: String?

    init(client: Client, objectID: String, transport: any Transport, next: @escaping () throws(BKCCError) -> SourceItem?,
         onRequest: @escaping (RequestReport) -> Bool) {
        self.client = client
        self.objectID = objectID
        self.transport = transport
        self.next = next
        self.onRequest = onRequest
    }

    func run() -> BatchRunSummary {
        let limit = max(1, min(transport.maxInFlight, client.configuration.concurrency))
        while true {
            startWhatCan(limit: limit)
            if inFlight.isEmpty {
                if stopReason != nil || (waiting.isEmpty && sourceDone) { break }
                sleep(until: nextWake())  // only retries or the rate limit are left: wait for the earliest
                continue
            }
            // A retry or a rate-limit slot only matters while another request may start; otherwise wait for answers.
            let mayStartMore = stopReason == nil && inFlight.count < limit
            let wait = mayStartMore ? nextWake().map { max(1, milliseconds(from: clock.now, to: $0)) } ?? 1000 : 1000
            for (tag, outcome) in transport.poll(timeoutMs: min(1000, wait)) {
                guard let pending = inFlight.removeValue(forKey: tag) else { continue }
                handle(outcome, for: pending)
            }
        }
        skipTheRest()
        let final = finalStatus()
        return BatchRunSummary(summary: summary, status: final.status, error: final.error, cause: stopError ?? firstFailure?.error)
    }

    // MARK: Starting

    private func startWhatCan(limit: Int) {
        while stopReason == nil, inFlight.count < limit {
            let now = clock.now
            if let interval = rateInterval, let last = lastStart, last + interval > now { return }
            var pending: Pending
            if let ready = waiting.firstIndex(where: { ($0.notBefore ?? now) <= now }) {
                pending = waiting.remove(at: ready)
            } else if waiting.isEmpty, !sourceDone, let fresh = pullRequest() {
                // (A request waiting to be retried means the server is unreachable or rate limiting: no new ones
                // until it went through, or the server gets more of what it cannot take.)
                pending = fresh
            } else {
                return
            }
            let request: HTTPRequest
            do {
                let details = try JSON.array()
                for item in pending.items { try details.append(item.detail) }
                request = try client.builder.batchCreate(objectID: objectID, details: details, requestID: pending.requestID)
            } catch {
                report(pending, .skipped, message: "not sent: \(error.message)", status: error.status, error: error)
                stop(because: error.message, error: error)
                return
            }
            pending.attempts += 1
            if pending.firstStart == nil { pending.firstStart = now }
            lastStart = now
            let tag = nextTag
            nextTag += 1
            inFlight[tag] = pending
            transport.start(request, tag: tag)
        }
    }

    /// The next up-to-200 items from the source; nil when it is exhausted (or failed: then the run stops).
    private func pullRequest() -> Pending? {
        var items: [SourceItem] = []
        items.reserveCapacity(BatchLimits.maxBatch)
        while items.count < BatchLimits.maxBatch {
            do {
                guard let item = try next() else {
                    sourceDone = true
                    break
                }
                items.append(item)
            } catch {
                sourceDone = true
                stop(because: "the input failed: \(error.message)", error: error)
                break
            }
        }
        return items.isEmpty ? nil : Pending(items: items)
    }

    private var rateInterval: Duration? {
        let rate = client.configuration.maxRequestsPerSecond
        return rate > 0 ? .nanoseconds(Int64(1e9 / rate)) : nil
    }

    private func nextWake() -> ContinuousClock.Instant? {
        var wake = waiting.compactMap(\.notBefore).min()
        if let interval = rateInterval, let last = lastStart, !waiting.isEmpty || !sourceDone {
            wake = min(wake ?? last + interval, last + interval)
        }
        return wake
    }

    private func sleep(until instant: ContinuousClock.Instant?) {
        guard let instant else { return }
        let milliseconds = max(1, min(60_000, self.milliseconds(from: clock.now, to: instant)))
        usleep(UInt32(milliseconds) * 1000)
    }

    private func milliseconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Int {
        let duration = start.duration(to: end)
        return Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    // MARK: Outcomes

    private func handle(_ outcome: TransportOutcome, for pending: Pending) {
        switch outcome {
        case .notSent(let error, let retryable):
            if retryable, pending.attempts <= client.configuration.retries {
                retry(pending, after: nil)
                return
            }
            let attempts = pending.attempts == 1 ? "" : " (\(pending.attempts) attempts)"
            report(pending, .skipped, message: "\(error.message)\(attempts)", status: error.status, error: error)
            // The server cannot be reached: every other request would fail the same way.
            stop(because: "the server could not be reached: \(error.message)", error: error)
        case .noAnswer(let error):
            report(pending, .unknown, message: "\(error.message); look it up before sending it again",
                   status: error.status, error: error)
        case .answered(let response):
            handle(response, for: pending)
        }
    }

    private func handle(_ response: HTTPResponse, for pending: Pending) {
        let parsed = response.body.withUnsafeBytes {
            ResponseParser.batchCreate(httpStatus: response.status, body: $0, detailCount: pending.items.count)
        }
        let headerRequestID = response.header("X-Bkapi-Request-Id") ?? response.header("X-Request-Id") ?? ""
        switch parsed {
        case .failure(var error):
            if error.requestID.isEmpty { error.requestID = printable(headerRequestID, limit: 63) }
            if response.status == 429 {
                rateLimited(pending, response: response, error: error)
                return
            }
            report(pending, .unknown, message: "\(error.message); look it up before sending it again",
                   status: error.status, error: error, httpStatus: response.status)
            if [401, 403, 404].contains(response.status) { stop(because: error.message, error: error) }
        case .success(let answer):
            var envelope = answer.envelope
            if envelope.requestID.isEmpty { envelope.requestID = printable(headerRequestID, limit: 63) }
            if var failure = envelope.failure {
                failure.requestID = envelope.requestID
                if rateLimitCodes.contains(envelope.code) || response.status == 429 {
                    rateLimited(pending, response: response, error: failure)
                } else if auditFailureCodes.contains(envelope.code) {
                    report(pending, .unknown, message: "\(failure.message): the instances may have been created; look them up before sending them again",
                           status: .api, error: failure, envelope: envelope)
                } else {
                    report(pending, .failed, message: failure.message, status: .api, error: failure, envelope: envelope)
                    if fatalCodes.contains(envelope.code) || [401, 403, 404].contains(response.status) {
                        stop(because: failure.message, error: failure)
                    }
                }
                return
            }
            var outcomes: [ItemOutcome] = []
            outcomes.reserveCapacity(pending.items.count)
            for (position, item) in pending.items.enumerated() {
                if let id = answer.created[position] {
                    outcomes.append(ItemOutcome(index: item.index, kind: .created, instanceID: id))
                } else if let message = answer.failed[position] {
                    outcomes.append(ItemOutcome(index: item.index, kind: .failed, message: message))
                    if itemFailureSample == nil { itemFailureSample = message }
                } else {
                    outcomes.append(ItemOutcome(index: item.index, kind: .unknown,
                                                message: "the answer does not mention this item; look it up before sending it again"))
                }
            }
            deliver(RequestReport(requestID: pending.requestID, serverRequestID: envelope.requestID, httpStatus: response.status,
                                  code: envelope.code, message: envelope.message, elapsedMs: elapsed(pending),
                                  attempts: pending.attempts, status: .ok, permission: envelope.permission, items: outcomes))
        }
    }

    /// Rate limited: nothing was done. Wait as the server asks (Retry-After), else back off; give up after the retries.
    private func rateLimited(_ pending: Pending, response: HTTPResponse, error: BKCCError) {
        if pending.attempts <= client.configuration.retries {
            let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters()) }
            retry(pending, after: retryAfter.map { Duration.seconds(min(max($0, 0), 60)) })
            return
        }
        var failure = error
        failure.status = .api
        failure.httpStatus = response.status
        report(pending, .skipped, message: "not created: still rate limited after \(pending.attempts) attempts: \(error.message)",
               status: .api, error: failure, httpStatus: response.status)
        // The server keeps refusing: more requests would only be refused too.
        stop(because: "still rate limited after \(pending.attempts) attempts: \(error.message)", error: failure)
    }

    private func retry(_ pending: Pending, after delay: Duration?) {
        var again = pending
        // Exponential backoff with full jitter: 200 ms, 400 ms, 800 ms … (capped at 10 s), a random part of it.
        let ceiling = min(10_000, 200 << min(pending.attempts - 1, 10))
        let backoff = Duration.milliseconds(Int.random(in: ceiling / 2...ceiling))
        again.notBefore = clock.now + (delay ?? backoff)
        waiting.append(again)
    }

    /// Reports every item of `pending` with one outcome.
    private func report(_ pending: Pending, _ kind: ItemOutcome.Kind, message: String, status: BKCCStatus, error: BKCCError?,
                        httpStatus: Int? = nil, envelope: Envelope? = nil) {
        let items = pending.items.map { ItemOutcome(index: $0.index, kind: kind, message: message) }
        var error = error
        // Without the server's own id, the id bkcc sent (X-Request-Id) is what traces the request in its logs.
        if error?.requestID.isEmpty == true, pending.attempts > 0 { error?.requestID = pending.requestID }
        if let error, let first = pending.items.first, firstFailure.map({ first.index < $0.index }) ?? true {
            firstFailure = (first.index, error)
        }
        deliver(RequestReport(requestID: pending.attempts > 0 ? pending.requestID : "",
                              serverRequestID: envelope?.requestID ?? error?.requestID ?? "",
                              httpStatus: httpStatus ?? envelope?.httpStatus ?? error?.httpStatus ?? 0,
                              code: envelope?.code ?? error?.apiCode ?? 0,
                              message: envelope?.message ?? error?.message ?? message,
                              elapsedMs: elapsed(pending), attempts: pending.attempts, status: status,
                              permission: envelope?.permission ?? error?.permission, items: items))
    }

    private func deliver(_ report: RequestReport) {
        for item in report.items { summary.count(item.kind) }
        if !onRequest(report), !cancelled {
            cancelled = true
            stop(because: "cancelled", error: BKCCError(.cancelled, "cancelled by the progress callback"))
        }
    }

    private func elapsed(_ pending: Pending) -> Int {
        guard let start = pending.firstStart else { return 0 }
        return max(0, milliseconds(from: start, to: clock.now))
    }

    private func stop(because reason: String, error: BKCCError) {
        guard stopReason == nil else { return }
        stopReason = reason
        stopError = error
    }

    /// Waiting retries and everything still in the source end as skipped, in requests of up to 200.
    private func skipTheRest() {
        let reason = stopReason ?? "not sent"
        let message = reason == "cancelled" ? "not sent: cancelled" : "not sent: \(reason)"
        for pending in waiting {
            report(pending, .skipped, message: message, status: stopError?.status ?? .cancelled, error: nil)
        }
        waiting.removeAll()
        while !sourceDone, let pending = pullRequest() {
            report(pending, .skipped, message: message, status: stopError?.status ?? .cancelled, error: nil)
        }
    }

    private func finalStatus() -> (status: BKCCStatus, error: BKCCError?) {
        BatchRun.decide(summary: summary, cancelled: cancelled, stopError: stopError, firstFailure: firstFailure?.error,
                        itemFailureSample: itemFailureSample)
    }

    /// The status of a whole call from its counts: ok, partial, or the most telling failure.
    static func decide(summary: BatchSummary, cancelled: Bool, stopError: BKCCError?, firstFailure: BKCCError?,
                       itemFailureSample: String?) -> (status: BKCCStatus, error: BKCCError?) {
        var counts = "\(summary.created) of \(summary.total) created, \(summary.failed) failed, \(summary.unknown) unknown, \(summary.skipped) skipped"
        if summary.notCreated > 0 { counts += ", \(summary.notCreated) not created (safe to send again)" }
        if summary.created == summary.total { return (.ok, nil) }
        if summary.created > 0 {
            var error = BKCCError(.partial, counts)
            if let cause = stopError ?? firstFailure {
                error.message += "; \(cause.message)"
                error.apiCode = cause.apiCode
                error.httpStatus = cause.httpStatus
                error.requestID = cause.requestID
            }
            return (.partial, error)
        }
        if cancelled { return (.cancelled, BKCCError(.cancelled, "cancelled: \(counts)")) }
        if var cause = stopError ?? firstFailure {
            cause.message = "\(cause.message) (\(counts))"
            return (cause.status == .ok ? .api : cause.status, cause)
        }
        return (.api, BKCCError(.api, "no instance created (\(counts))" + (itemFailureSample.map { "; first failure: \($0)" } ?? "")))
    }
}

extension String {
    func trimmingCharacters() -> String { Substring(self).trimmingASCIIWhitespace() }
}

extension Client {
    /// Creates instances from a stream of items: pulls items from `next` as requests fill (at most 200 a request,
    /// up to `configuration.concurrency` in flight), and calls `onRequest` once for each finished request or group
    /// of never-sent items, on the calling thread, in completion order. Returning false from `onRequest` cancels:
    /// requests in flight finish, and everything else (including what `next` still holds) comes back skipped.
    /// Every item pulled ends in exactly one outcome. Items are not validated here (see `Validation`).
    ///
    /// - Parameters:
    ///   - objectID: the model, e.g. "bk_switch".
    ///   - transport: how to send; nil for the built-in libcurl transport (connections reused across calls).
    ///   - next: the next item, nil at the end; a thrown error stops the call (the rest is skipped).
    ///   - onRequest: receives each request's outcomes; return false to cancel.
    /// - Returns: the counts and the call's status.
    ///
    /// C twin: the engine of `bkcc_batch_create_inst`.
    public func createInstances(objectID: String, transport: (any Transport)? = nil,
                                next: @escaping () throws(BKCCError) -> SourceItem?,
                                onRequest: @escaping (RequestReport) -> Bool) -> BatchRunSummary {
        withTransport(transport) { (transport) -> BatchRunSummary in
            BatchRun(client: self, objectID: objectID, transport: transport, next: next, onRequest: onRequest).run()
        } ?? BatchRunSummary(summary: BatchSummary(), status: .noMemory, error: BKCCError(.noMemory, "cannot start libcurl"), cause: nil)
    }

    /// Runs `body` with `transport`, or with a libcurl transport from this client's pool (returned afterwards, so
    /// that its kept-alive connections serve the next call).
    func withTransport<T>(_ transport: (any Transport)?, _ body: (any Transport) -> T) -> T? {
        if let transport { return body(transport) }
        let pooled = curlPool.withLock { $0.popLast() } ?? CurlTransport(configuration: configuration)
        guard let pooled else { return nil }
        defer { curlPool.withLock { if $0.count < 8 { $0.append(pooled) } } }
        return body(pooled)
    }
}
