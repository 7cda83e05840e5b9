import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_batch_create_inst")
public func bkcc_batch_create_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                                   _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let result = try batchCreate(handle, objectID: requiredString(objectID, "bk_obj_id"),
                                     details: requiredJSON(details, "details"),
                                     options: BatchOptions(json: options.map { JSON(borrowing: $0) }))
        return (try result.json().newReference(), result.error)
    }
}

@_cdecl("bkcc_batch_create_inst_json")
public func bkcc_batch_create_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                        _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let details = try parsedJSON(detailsJSON, "details_json") ?? .null
        let options = try BatchOptions(json: parsedJSON(optionsJSON, "options_json", optional: true))
        let result = try batchCreate(handle, objectID: objectID, details: details, options: options)
        return (try mallocText(result.json()), result.error)
    }
}

@_cdecl("bkcc_reconcile")
public func bkcc_reconcile(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                           _ result: UnsafePointer<json_t>?, _ options: UnsafePointer<json_t>?,
                           _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let details = try requiredJSON(details, "details")
        guard details.isArray else { throw BKCCError(.invalidArgument, "details: must be a JSON array, got \(details.kind.name)") }
        let previousJSON = try requiredJSON(result, "result")
        let previous = try BatchResult(json: previousJSON, detailCount: details.count)
        var uniqueField = "bk_asset_id"
        if let options, case let options = JSON(borrowing: options), !options.isNull {
            guard options.isObject else { throw BKCCError(.invalidArgument, "options: must be a JSON object, got \(options.kind.name)") }
            for (key, value) in options.entries {
                guard key == "unique_field" else { throw BKCCError(.invalidArgument, "options: unknown key \"\(key.prefix(64))\"") }
                guard let text = value.string, !text.isEmpty else {
                    throw BKCCError(.invalidArgument, "options.unique_field: must be a non-empty string")
                }
                uniqueField = text
            }
        }
        let transport = handle.currentCallbacks.transport.map { cTransport($0, handle.currentCallbacks.transportUser, handle) }
        let (reconciled, lookupError) = handle.client.reconcile(objectID: objectID, details: details, result: previous,
                                                                uniqueField: uniqueField, transport: transport)
        let json = try reconciled.json()
        // The caller's requests stay as they were: a reconcile sends no create.
        if let requests = previousJSON["requests"] { try json.set("requests", requests) }
        return (json.newReference(), lookupError ?? reconciled.error)
    }
}

/// Runs `body`, which returns a value and the status of the work it did (nil: BKCC_OK); fills `err` with that
/// status, or with the thrown error (then the value is NULL).
private func withResultStatus<T>(_ err: UnsafeMutablePointer<bkcc_error>?,
                                 _ body: () throws(BKCCError) -> (T, BKCCError?)) -> T? {
    guard let (value, status) = withStatus(err, body) else { return nil }
    fill(err, with: status)
    return value
}

/// The batch call with the client's C callbacks, if any, plugged in.
private func batchCreate(_ handle: ClientHandle, objectID: String, details: JSON, options: BatchOptions) throws(BKCCError) -> BatchResult {
    let callbacks = handle.currentCallbacks
    let transport = callbacks.transport.map { cTransport($0, callbacks.transportUser, handle) }
    var progress: ((ProgressEvent) -> Bool)?
    if let progressFunction = callbacks.progress {
        let user = callbacks.progressUser
        progress = { event in
            // An event that cannot be built is not worth cancelling an import over: go on.
            guard let json = try? progressEvent(event) else { return true }
            return progressFunction(json.raw, user) == 0
        }
    }
    return try handle.client.batchCreateInstances(objectID: objectID, details: details, options: options,
                                                  transport: transport, progress: progress)
}

private func progressEvent(_ event: ProgressEvent) throws(BKCCError) -> JSON {
    let report = event.report
    let indices = report.items.map(\.index)
    let done = event.summary.total
    return try JSON.object([
        "type": .string("request"), "first": .integer(Int64(indices.min() ?? 0)), "count": .integer(Int64(indices.count)),
        "done": .integer(Int64(done)), "total": .integer(Int64(event.total ?? done)),
        "created": .integer(Int64(event.summary.created)), "failed": .integer(Int64(event.summary.failed)),
        "unknown": .integer(Int64(event.summary.unknown)), "skipped": .integer(Int64(event.summary.skipped)),
        "request_id": .string(report.serverRequestID.isEmpty ? report.requestID : report.serverRequestID),
        "status": .string(report.status.name),
    ])
}

/// A host's transport callback as a Transport: one request at a time, on the calling thread.
private func cTransport(_ function: bkcc_transport_fn, _ user: UnsafeMutableRawPointer?, _ handle: ClientHandle) -> BlockingTransport {
    let timeoutMs = handle.client.configuration.timeoutMs
    return BlockingTransport { request in
        guard let json = try? request.json(bodyAsText: true), (try? json.set("timeout_ms", timeoutMs)) != nil else {
            return .notSent(BKCCError(.noMemory, "cannot build the request for the transport callback"), retryable: false)
        }
        var response: UnsafeMutablePointer<json_t>?
        let code = function(json.raw, &response, user)
        let answer = response.map { JSON(taking: $0) }  // the callback handed us a new reference
        switch code {
        case 0:
            guard let answer, let status = answer["status"]?.integer, (100...599).contains(status) else {
                return .noAnswer(BKCCError(.protocolError, "the transport callback returned 0 without a valid response {\"status\": 100..599, \"body\": \"…\"}"))
            }
            let body = answer["body"]
            guard body == nil || body?.string != nil else {
                return .noAnswer(BKCCError(.protocolError, "the transport callback's response body is not a string"))
            }
            let headers = (answer["headers"]?.entries ?? []).compactMap { entry in entry.value.string.map { (entry.key, $0) } }
            return .answered(HTTPResponse(status: Int(status), headers: headers, body: Array((body?.string ?? "").utf8)))
        case 1:
            return .notSent(BKCCError(.transport, "request not sent: the transport callback could not reach the server"), retryable: true)
        default:
            return .noAnswer(BKCCError(.transport, "sent, but no answer came (transport callback returned \(code))"))
        }
    }
}
