import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_search_inst")
public func bkcc_search_inst(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ query: UnsafePointer<json_t>?,
                             _ fn: bkcc_page_fn?, _ user: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<bkcc_error>?) -> Int32 {
    search(client, objectID, err, hasCallback: fn != nil, query: { () throws(BKCCError) in borrowedJSON(query) }) { page in
        // The page is borrowed by the callback: it lives until the callback returns.
        fn.map { $0(page.raw, user) == 0 } ?? false
    }
}

@_cdecl("bkcc_search_inst_json")
public func bkcc_search_inst_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ queryJSON: UnsafePointer<CChar>?,
                                  _ fn: bkcc_page_json_fn?, _ user: UnsafeMutableRawPointer?,
                                  _ err: UnsafeMutablePointer<bkcc_error>?) -> Int32 {
    search(client, objectID, err, hasCallback: fn != nil,
           query: { () throws(BKCCError) in try parsedJSON(queryJSON, "query_json", optional: true) }) { page in
        guard let fn, let text = page.serialized() else { return false }
        return text.withCString { fn($0, user) == 0 }
    }
}

/// The search calls: arguments checked, pages handed to `deliver` (false stops), the status returned and filled.
private func search(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?,
                    hasCallback: Bool, query: () throws(BKCCError) -> JSON?, deliver: @escaping (JSON) -> Bool) -> Int32 {
    let failure: BKCCError?
    do throws(BKCCError) {
        let handle = try ClientHandle.borrow(client)
        guard hasCallback else { throw BKCCError(.invalidArgument, "fn: must not be NULL") }
        let objectID = try requiredString(objectID, "bk_obj_id")
        let query = try SearchQuery(json: query())
        let transport = handle.currentCallbacks.transport(timeoutMs: handle.client.configuration.timeoutMs)
        failure = handle.client.searchInstances(objectID: objectID, query: query, transport: transport) { rows in
            guard let page = try? JSON.array() else { return false }
            for row in rows { try? page.append(row) }
            return deliver(page)
        }
    } catch {
        failure = error
    }
    fill(err, with: failure)
    return failure?.status.rawValue ?? BKCCStatus.ok.rawValue
}
