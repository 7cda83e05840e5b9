#if canImport(Glibc)
import Glibc
#endif
import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_batch_create_inst")
public func bkcc_batch_create_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                                   _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    batchExport(create, client, objectID, details, "details", options, err)
}

@_cdecl("bkcc_batch_create_inst_json")
public func bkcc_batch_create_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                        _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    // The details' text goes to the core as it is: flat details are checked and sent without being parsed into
    // values (Client.batchCreateInstances(detailsText:)); anything else is parsed there, as batchExportJSON would.
    batchExportJSON(client, objectID, optionsJSON, err) { handle, objectID, options, transport, progress throws(BKCCError) in
        guard let detailsJSON else { throw BKCCError(.invalidArgument, "details_json: must not be NULL") }
        return try handle.client.batchCreateInstances(
            objectID: objectID, detailsText: UnsafeRawBufferPointer(start: detailsJSON, count: strlen(detailsJSON)),
            options: options, transport: transport, progress: progress) { error in
            BKCCError(.invalidArgument, "details_json: not valid JSON: \(error)")
        }
    }
}

private func create(_ client: Client, _ objectID: String, _ details: JSON, _ options: BatchOptions, _ transport: (any Transport)?,
                    _ progress: ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult {
    try client.batchCreateInstances(objectID: objectID, details: details, options: options, transport: transport, progress: progress)
}

@_cdecl("bkcc_reconcile")
public func bkcc_reconcile(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                           _ result: UnsafePointer<json_t>?, _ options: UnsafePointer<json_t>?,
                           _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withResultStatus(err) { () throws(BKCCError) in
        let (json, error) = try reconcile(ClientHandle.borrow(client), objectID: requiredString(objectID, "bk_obj_id"),
                                          details: requiredJSON(details, "details"), result: requiredJSON(result, "result"),
                                          options: borrowedJSON(options))
        return (json.newReference(), error)
    }
}

@_cdecl("bkcc_reconcile_json")
public func bkcc_reconcile_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                _ resultJSON: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?,
                                _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let (json, error) = try reconcile(handle, objectID: objectID, details: parsedJSON(detailsJSON, "details_json") ?? .null,
                                          result: parsedJSON(resultJSON, "result_json") ?? .null,
                                          options: parsedJSON(optionsJSON, "options_json", optional: true))
        return (try mallocText(json), error)
    }
}

/// Runs `body`, which returns a value and the status of the work it did (nil: BKCC_OK); fills `err` with that
/// status, or with the thrown error (then the value is NULL).
func withResultStatus<T>(_ err: UnsafeMutablePointer<bkcc_error>?,
                                 _ body: () throws(BKCCError) -> (T, BKCCError?)) -> T? {
    guard let (value, status) = withStatus(err, body) else { return nil }
    fill(err, with: status)
    return value
}

/// A batch call of the core, as each batch export names it: (client, model, items, options, transport, progress).
typealias BatchCall = (Client, String, JSON, BatchOptions, (any Transport)?, ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult

/// A batch call with the client's C callbacks, if any, plugged in.
func batch(_ call: BatchCall, _ handle: ClientHandle, objectID: String, items: JSON, options: JSON?) throws(BKCCError) -> BatchResult {
    try withCallbacks(handle, options: options) { options, transport, progress throws(BKCCError) in
        try call(handle.client, objectID, items, options, transport, progress)
    }
}

/// `body` given the call's options and the client's C callbacks (transport, progress), if any.
func withCallbacks(_ handle: ClientHandle, options: JSON?,
                   _ body: (BatchOptions, (any Transport)?, ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult) throws(BKCCError) -> BatchResult {
    let callbacks = handle.currentCallbacks
    var progress: ((ProgressEvent) -> Bool)?
    if let progressFunction = callbacks.progress {
        let user = callbacks.progressUser
        progress = { event in
            // An event that cannot be built is not worth cancelling an import over: go on.
            guard let json = try? event.json() else { return true }
            return progressFunction(json.raw, user) == 0
        }
    }
    return try body(BatchOptions(json: options), callbacks.transport(timeoutMs: handle.client.configuration.timeoutMs), progress)
}

/// The `json_t` form of a batch export.
func batchExport(_ call: BatchCall, _ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ items: UnsafePointer<json_t>?,
                 _ itemsName: String, _ options: UnsafePointer<json_t>?,
                 _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withResultStatus(err) { () throws(BKCCError) in
        let result = try batch(call, ClientHandle.borrow(client), objectID: requiredString(objectID, "bk_obj_id"),
                               items: requiredJSON(items, itemsName), options: borrowedJSON(options))
        return (try result.json().newReference(), result.error)
    }
}

/// The JSON-text form of a batch export.
func batchExportJSON(_ call: BatchCall, _ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ itemsJSON: UnsafePointer<CChar>?,
                     _ itemsName: String, _ optionsJSON: UnsafePointer<CChar>?,
                     _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let items = try parsedJSON(itemsJSON, itemsName) ?? .null
        let result = try batch(call, handle, objectID: objectID, items: items, options: parsedJSON(optionsJSON, "options_json", optional: true))
        return (try mallocText(result.json()), result.error)
    }
}

/// The JSON-text form of a batch export whose items the call reads itself (`body`: given the client, the model
/// id, the options and the callbacks).
func batchExportJSON(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ optionsJSON: UnsafePointer<CChar>?,
                     _ err: UnsafeMutablePointer<bkcc_error>?,
                     _ body: (ClientHandle, String, BatchOptions, (any Transport)?, ((ProgressEvent) -> Bool)?) throws(BKCCError) -> BatchResult) -> UnsafeMutablePointer<CChar>? {
    withResultStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let options = try parsedJSON(optionsJSON, "options_json", optional: true)
        let result = try withCallbacks(handle, options: options) { options, transport, progress throws(BKCCError) in
            try body(handle, objectID, options, transport, progress)
        }
        return (try mallocText(result.json()), result.error)
    }
}

/// The reconcile calls: the reconciled result, with the caller's `requests` (a reconcile sends no create).
private func reconcile(_ handle: ClientHandle, objectID: String, details: JSON, result: JSON,
                       options: JSON?) throws(BKCCError) -> (JSON, BKCCError?) {
    guard details.isArray else { throw BKCCError(.invalidArgument, "details: must be a JSON array, got \(details.kind.name)") }
    let previous = try BatchResult(json: result, detailCount: details.count)
    let options = try ReconcileOptions(json: options)
    let transport = handle.currentCallbacks.transport(timeoutMs: handle.client.configuration.timeoutMs)
    let (reconciled, lookupError) = handle.client.reconcile(objectID: objectID, details: details, result: previous,
                                                            options: options, transport: transport)
    let json = try reconciled.json()
    if let requests = result["requests"] { try json.set("requests", requests) }
    return (json, lookupError ?? reconciled.error)
}

extension ClientHandle.Callbacks {
    /// The host's transport callback as a Transport (nil: libcurl). Reads function and user pointer from this one
    /// snapshot, so that a concurrent `bkcc_client_set_transport` cannot pair one's function with another's pointer.
    func transport(timeoutMs: Int) -> BlockingTransport? {
        guard let function = transport else { return nil }
        let user = transportUser
        return CallbackTransport.make(timeoutMs: timeoutMs) { request in
            var response: UnsafeMutablePointer<json_t>?
            let code = function(request.raw, &response, user)
            return (code, response.map { JSON(taking: $0) })  // the callback handed us a new reference
        }
    }
}
