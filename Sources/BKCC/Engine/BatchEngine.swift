#if canImport(Glibc)
import Glibc
#endif

/// The one engine every batch operation runs on: pulls items from a source into requests of at most
/// `operation.itemsPerRequest`, keeps up to `concurrency` of them in flight over the transport's kept-alive
/// connections, honours the rate limit, retries only what `AnswerRule` and the operation allow, and hands each
/// finished request to `onRequest` with every item in exactly one outcome. Single-threaded: everything, callbacks
/// included, happens on the calling thread.
final class BatchEngine {
    /// One request: its items, and its retry state.
    struct Pending {
        var items: [SourceItem]
        var requestID = RequestID.make()
        var attempts = 0
        var notBefore: ContinuousClock.Instant?
        var firstStart: ContinuousClock.Instant?
    }

    let client: Client
    let operation: any BatchOperation
    let objectID: String
    let transport: any Transport
    let next: () throws(BKCCError) -> SourceItem?
    let onStart: (([SourceItem]) -> Bool)?
    let onRequest: (RequestRecord, Tally) -> Bool
    let clock = ContinuousClock()

    private var tally: Tally
    private var inFlight: [Int: Pending] = [:]
    private var waiting: [Pending] = []  // retries, each with its notBefore
    private var nextTag = 0
    private var sourceDone = false
    private var lastStart: ContinuousClock.Instant?
    /// Why the rest is skipped, once no more requests may start (the tally keeps the error behind it).
    private var stopReason: String?

    init(client: Client, operation: any BatchOperation, objectID: String, transport: any Transport, tally: Tally,
         next: @escaping () throws(BKCCError) -> SourceItem?, onStart: (([SourceItem]) -> Bool)? = nil,
         onRequest: @escaping (RequestRecord, Tally) -> Bool) {
        self.client = client
        self.operation = operation
        self.objectID = objectID
        self.transport = transport
        self.tally = tally
        self.tally.success = operation.successKind
        self.next = next
        self.onStart = onStart
        self.onRequest = onRequest
    }

    /// Runs until the source is exhausted and every request finished, or the call stopped; returns the tally.
    func run() -> Tally {
        let limit = max(1, min(transport.maxInFlight, client.configuration.concurrency, operation.maxInFlight ?? .max))
        while true {
            startWhatCan(limit: limit)
            if inFlight.isEmpty {
                if stopped || (waiting.isEmpty && sourceDone) { break }
                sleep(until: nextWake())  // only retries or the rate limit are left: wait for the earliest
                continue
            }
            // A retry or a rate-limit slot only matters while another request may start; otherwise wait for answers.
            let mayStartMore = !stopped && inFlight.count < limit
            let wait = mayStartMore ? nextWake().map { max(1, clock.now.duration(to: $0).wholeMilliseconds) } ?? 1000 : 1000
            for (tag, outcome) in transport.poll(timeoutMs: min(1000, wait)) {
                guard let pending = inFlight.removeValue(forKey: tag) else { continue }
                handle(outcome, for: pending)
            }
        }
        skipTheRest()
        return tally
    }

    private var stopped: Bool { stopReason != nil }

    private func stop(because reason: String, _ error: BKCCError) {
        guard stopReason == nil else { return }
        stopReason = reason
        tally.stop(error)
    }

    // MARK: Starting

    private func startWhatCan(limit: Int) {
        while !stopped, inFlight.count < limit {
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
            var request: HTTPRequest
            do {
                request = try client.builder.request(operation.route(for: pending.items), objectID: objectID,
                                                     members: operation.members(objectID: objectID, items: pending.items),
                                                     splice: operation.splice(items: pending.items),
                                                     requestID: pending.requestID)
            } catch {
                report(pending, .skipped, message: "not sent: \(error.message)", status: error.status, error: error)
                stop(because: error.message, error)
                return
            }
            request.itemCount = pending.items.count
            // Each attempt, the first and every retry, is the caller's to record before it starts (the CLI's
            // report writes and flushes an intent line: a resume after a kill waits out the window from the
            // attempt's own start). One it could not record is not sent.
            if let onStart, !onStart(pending.items) {
                report(pending, .skipped, message: "not sent: cancelled", status: .cancelled, error: nil)
                cancel()
                return
            }
            pending.attempts += 1
            if pending.firstStart == nil { pending.firstStart = now }
            // The rate limit spaces the transfers' starts: taken now, after the request was pulled and built (the
            // time at the top of the loop made two starts closer than the interval when one request took longer
            // to build than the next).
            lastStart = clock.now
            let tag = nextTag
            nextTag += 1
            inFlight[tag] = pending
            transport.start(request, tag: tag)
        }
    }

    /// The next items of one request from the source; nil when it is exhausted (or failed: then the run stops).
    private func pullRequest() -> Pending? {
        var items: [SourceItem] = []
        items.reserveCapacity(operation.itemsPerRequest)
        while items.count < operation.itemsPerRequest {
            do {
                guard let item = try next() else {
                    sourceDone = true
                    break
                }
                items.append(item)
            } catch {
                sourceDone = true
                stop(because: "the input failed: \(error.message)", error)
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
        usleep(UInt32(max(1, min(60_000, clock.now.duration(to: instant).wholeMilliseconds))) * 1000)
    }

    // MARK: Outcomes

    private func handle(_ outcome: TransportOutcome, for pending: Pending) {
        let redact = client.redactor
        switch outcome {
        case .notSent(let unredacted, let retryable):
            let error = redact(unredacted)
            if retryable, pending.attempts <= client.configuration.retries {
                retry(pending, after: nil)
                return
            }
            let attempts = pending.attempts == 1 ? "" : " (\(pending.attempts) attempts)"
            report(pending, .skipped, message: "\(error.advised)\(attempts)", status: error.status, error: error)
            // The server cannot be reached: every other request would fail the same way.
            stop(because: "the server could not be reached: \(error.advised)", error)
        case .noAnswer(let unredacted):
            let error = redact(unredacted)
            if operation.isRepeatable, pending.attempts <= client.configuration.retries {
                retry(pending, after: nil)
                return
            }
            report(pending, .unknown, message: "\(error.message); look it up before sending it again", status: error.status, error: error)
        case .answered(let response):
            if operation.isRepeatable, response.status >= 500, pending.attempts <= client.configuration.retries {
                retry(pending, after: nil)
                return
            }
            if let (envelope, outcomes) = operation.readPlainAnswer(response, items: pending.items) {
                accepted(redact(AnswerRule.withRequestID(envelope, of: response)), outcomes, response: response, for: pending)
                return
            }
            handle(redacted(AnswerRule.verdict(for: response)), response: response, for: pending)
        }
    }

    private func handle(_ verdict: AnswerRule.Verdict, response: HTTPResponse, for pending: Pending) {
        switch verdict {
        case .rateLimited(let error, let retryAfter):
            rateLimited(pending, error: error, retryAfter: retryAfter, httpStatus: response.status)
        case .unreadable(let error, let stopsAll):
            unreadable(pending, error: error, httpStatus: response.status, stopsAll: stopsAll)
        case .mayHaveActed(let error, let envelope):
            report(pending, .unknown, message: "\(error.message): the instances may have been \(operation.successKind.rawValue); look them up before sending them again",
                   status: .api, error: error, envelope: envelope)
        case .refused(let error, let envelope, let stopsAll):
            report(pending, .failed, message: error.message, status: .api, error: error, envelope: envelope)
            if stopsAll { stop(because: error.message, error) }
        case .accepted(let envelope):
            switch operation.read(envelope, items: pending.items) {
            case .failure(let error):
                unreadable(pending, error: client.redactor(error), httpStatus: response.status,
                           stopsAll: AnswerRule.stopsAllStatuses.contains(response.status))
            case .success(let outcomes):
                accepted(envelope, outcomes, response: response, for: pending)
            }
        }
    }

    /// An accepted answer's outcomes (the envelope redacted already), delivered.
    private func accepted(_ envelope: Envelope, _ read: [ItemOutcome], response: HTTPResponse, for pending: Pending) {
        let outcomes = read.map(client.redactor.callAsFunction)
        deliver(RequestRecord(clientRequestID: pending.requestID, serverRequestID: envelope.requestID,
                              httpStatus: response.status, code: envelope.code, message: envelope.message,
                              elapsedMs: elapsed(pending), attempts: pending.attempts, status: .ok,
                              permission: envelope.permission, error: nil, items: outcomes))
    }

    /// The verdict with every text the server sent cleared of this client's secrets.
    private func redacted(_ verdict: AnswerRule.Verdict) -> AnswerRule.Verdict {
        let redact = client.redactor
        switch verdict {
        case .accepted(let envelope): return .accepted(redact(envelope))
        case .rateLimited(let error, let retryAfter): return .rateLimited(redact(error), retryAfter: retryAfter)
        case .refused(let error, let envelope, let stopsAll): return .refused(redact(error), redact(envelope), stopsAll: stopsAll)
        case .mayHaveActed(let error, let envelope): return .mayHaveActed(redact(error), redact(envelope))
        case .unreadable(let error, let stopsAll): return .unreadable(redact(error), stopsAll: stopsAll)
        }
    }

    /// An answer that is not a well-formed envelope, or one that cannot be trusted: the items' fate is unknown.
    private func unreadable(_ pending: Pending, error: BKCCError, httpStatus: Int, stopsAll: Bool) {
        report(pending, .unknown, message: "\(error.message); look it up before sending it again",
               status: error.status, error: error, httpStatus: httpStatus)
        if stopsAll { stop(because: error.message, error) }
    }

    /// Rate limited: nothing was done. Wait as the server asks (Retry-After), else back off; give up after the retries.
    private func rateLimited(_ pending: Pending, error: BKCCError, retryAfter: Int?, httpStatus: Int) {
        if pending.attempts <= client.configuration.retries {
            retry(pending, after: Backoff.delay(afterAttempt: pending.attempts, retryAfter: retryAfter))
            return
        }
        var failure = error
        failure.status = .api
        failure.httpStatus = httpStatus
        report(pending, .skipped, message: "not created: still rate limited after \(pending.attempts) attempts: \(error.message)",
               status: .api, error: failure, httpStatus: httpStatus)
        // The server keeps refusing: more requests would only be refused too.
        stop(because: "still rate limited after \(pending.attempts) attempts: \(error.message)", failure)
    }

    private func retry(_ pending: Pending, after delay: Duration?) {
        var again = pending
        again.notBefore = clock.now + (delay ?? Backoff.delay(afterAttempt: pending.attempts))
        waiting.append(again)
    }

    /// Reports every item of `pending` with one outcome.
    private func report(_ pending: Pending, _ kind: ItemOutcome.Kind, message: String, status: BKCCStatus, error: BKCCError?,
                        httpStatus: Int? = nil, envelope: Envelope? = nil) {
        let items = pending.items.map { ItemOutcome(index: $0.index, kind: kind, message: message) }
        var error = error
        // Without the server's own id, the id bkcc sent (X-Request-Id) is what traces the request in its logs.
        if error?.requestID.isEmpty == true, pending.attempts > 0 { error?.requestID = pending.requestID }
        deliver(RequestRecord(clientRequestID: pending.attempts > 0 ? pending.requestID : "",
                              serverRequestID: envelope?.requestID ?? error?.requestID ?? "",
                              httpStatus: httpStatus ?? envelope?.httpStatus ?? error?.httpStatus ?? 0,
                              code: envelope?.code ?? error?.apiCode ?? 0,
                              message: envelope?.message ?? error?.advised ?? message,
                              elapsedMs: elapsed(pending), attempts: pending.attempts, status: status,
                              permission: envelope?.permission ?? error?.permission, error: error, items: items))
    }

    private func deliver(_ record: RequestRecord) {
        tally.record(record)
        if !onRequest(record, tally) { cancel() }
    }

    /// The caller stopped the run: requests in flight finish, nothing more starts.
    private func cancel() {
        guard !tally.cancelled else { return }
        tally.cancel()
        stopReason = stopReason ?? "cancelled"
    }

    private func elapsed(_ pending: Pending) -> Int {
        guard let start = pending.firstStart else { return 0 }
        return start.duration(to: clock.now).wholeMilliseconds
    }

    /// Waiting retries and everything still in the source end as skipped, in requests of up to the operation's size.
    private func skipTheRest() {
        let reason = stopReason ?? "not sent"
        let message = reason == "cancelled" ? "not sent: cancelled" : "not sent: \(reason)"
        let status = tally.stopCause?.status ?? .cancelled
        for pending in waiting { report(pending, .skipped, message: message, status: status, error: nil) }
        waiting.removeAll()
        while !sourceDone, let pending = pullRequest() {
            report(pending, .skipped, message: message, status: status, error: nil)
        }
    }
}

extension Client {
    /// Runs `operation` over a stream of items: pulls items from `next` as requests fill (up to
    /// `configuration.concurrency` in flight), and calls `onRequest` once for each finished request or group of
    /// never-sent items, on the calling thread, in completion order, with the tally so far. Returning false from
    /// `onRequest` cancels: requests in flight finish, and everything else (including what `next` still holds)
    /// comes back skipped. Every item pulled ends in exactly one outcome. Items are not validated here.
    ///
    /// - Parameters:
    ///   - tally: outcomes settled before the run (invalid rows, rows created earlier), counted in its status.
    ///   - transport: nil for the client's pooled libcurl transport (connections reused across calls).
    ///   - onStart: called with a request's items just before each of its attempts starts (retries included);
    ///     returning false cancels, and that request is not sent: its items come back skipped.
    /// - Returns: the tally of the whole run.
    /// - Throws: `.noMemory` when no transport could be started: then nothing was attempted.
    public func run(_ operation: any BatchOperation, objectID: String, tally: Tally = Tally(), transport: (any Transport)? = nil,
                    next: @escaping () throws(BKCCError) -> SourceItem?, onStart: (([SourceItem]) -> Bool)? = nil,
                    onRequest: @escaping (RequestRecord, Tally) -> Bool) throws(BKCCError) -> Tally {
        let tally = withTransport(transport) { (transport) -> Tally in
            BatchEngine(client: self, operation: operation, objectID: objectID,
                        transport: LoggingTransport.wrap(transport, log: currentRequestLog, redactor: redactor), tally: tally,
                        next: next, onStart: onStart, onRequest: onRequest).run()
        }
        guard let tally else { throw BKCCError(.noMemory, "cannot start libcurl") }
        return tally
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
