#if canImport(Glibc)
import Glibc
#endif

extension Client {
    /// Looks instances up by a unique field: each of `values` (trimmed, as the server stores them) that exists
    /// maps to its `bk_inst_id`; values that do not exist are absent. Any number of values, in pages of 200
    /// (ESB `search_inst`, or the gateway's `find/instassociation`). Reads are safe to repeat, so a failed page is
    /// retried up to `configuration.retries` times; then the error is thrown.
    public func findInstances(objectID: String, field: String, values: [String],
                              transport: (any Transport)? = nil) throws(BKCCError) -> [String: Int64] {
        try Validation.checkObjectID(objectID)
        guard !field.isEmpty else { throw .invalid("unique_field: must be a non-empty attribute name") }
        var unique: [String] = []
        var seen = Set<String>()
        for value in values {
            let key = String(Validation.trimmed(value))
            if !key.isEmpty, seen.insert(key).inserted { unique.append(key) }
        }
        var found: [String: Int64] = [:]
        var failure: BKCCError?
        _ = withTransport(transport) { transport in
            var start = 0
            while start < unique.count, failure == nil {
                let page = Array(unique[start..<min(start + BatchLimits.maxSearchPage, unique.count)])
                start += page.count
                do throws(BKCCError) {
                    let rows = try searchPage(objectID: objectID, field: field, values: page, transport: transport)
                    for row in rows {
                        guard let id = row["bk_inst_id"]?.integer, let value = row[field]?.string else { continue }
                        found[String(Validation.trimmed(value))] = id
                    }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return found
    }

    private func searchPage(objectID: String, field: String, values: [String], transport: any Transport) throws(BKCCError) -> [JSON] {
        var jsonValues: [JSON] = []
        for value in values { jsonValues.append(try .string(value)) }
        let request = try builder.search(objectID: objectID, field: field, values: jsonValues)
        var attempt = 0
        while true {
            attempt += 1
            let error: BKCCError
            switch sendOne(request, over: transport) {
            case .answered(let response):
                let rows = response.body.withUnsafeBytes { ResponseParser.searchRows(httpStatus: response.status, body: $0) }
                switch rows {
                case .success(let rows): return rows
                case .failure(let failure):
                    let transient = rateLimitCodes.contains(failure.apiCode) || response.status == 429 || response.status >= 500
                    guard transient else { throw failure }
                    error = failure
                }
            case .notSent(let failure, let retryable):
                guard retryable else { throw failure }
                error = failure
            case .noAnswer(let failure):
                error = failure
            }
            guard attempt <= configuration.retries else { throw error }
            usleep(UInt32(min(10_000, 200 << min(attempt - 1, 10))) * 1000)
        }
    }

    /// Sends one request over a transport and waits for its outcome.
    private func sendOne(_ request: HTTPRequest, over transport: any Transport) -> TransportOutcome {
        transport.start(request, tag: 0)
        // Bounded: the transport's own timeouts end every transfer; this loop only waits for that.
        for _ in 0..<(configuration.timeoutMs / 100 + configuration.connectTimeoutMs / 100 + 100) {
            if let (_, outcome) = transport.poll(timeoutMs: 100).first { return outcome }
        }
        return .noAnswer(BKCCError(.transport, "no answer within the timeout"))
    }

    /// Settles the unknown items of `result` by looking them up by `uniqueField` in `details` (the array the result
    /// was made from): found → created with its id; not found → `notCreated`, safe to send again. Items without a
    /// usable unique value stay unknown. On a failed lookup the items stay unknown and the error is returned.
    ///
    /// C twin: `bkcc_reconcile`.
    public func reconcile(objectID: String, details: JSON, result: BatchResult, uniqueField: String = "bk_asset_id",
                          transport: (any Transport)? = nil) -> (result: BatchResult, error: BKCCError?) {
        var reconciled = result
        var byValue: [String: [Int]] = [:]
        for index in result.unknown.keys.sorted() {
            guard let value = details[index]?[uniqueField]?.string else { continue }
            let key = String(Validation.trimmed(value))
            if !key.isEmpty { byValue[key, default: []].append(index) }
        }
        guard !byValue.isEmpty else { return (reconciled, nil) }
        let found: [String: Int64]
        do {
            found = try findInstances(objectID: objectID, field: uniqueField, values: Array(byValue.keys), transport: transport)
        } catch {
            return (reconciled, error)
        }
        for (value, indices) in byValue {
            for index in indices {
                if let id = found[value], indices.count == 1 {
                    reconciled.record(ItemOutcome(index: index, kind: .created, instanceID: id))
                } else if found[value] == nil {
                    reconciled.record(ItemOutcome(index: index, kind: .notCreated,
                                                  message: "not found on the server by \(uniqueField) = \"\(printable(value, limit: 80))\": safe to send again"))
                }
            }
        }
        reconciled.recomputeStatus()
        return (reconciled, nil)
    }
}
