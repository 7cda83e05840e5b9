import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_sync_plan")
public func bkcc_sync_plan(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ rows: UnsafePointer<json_t>?,
                           _ options: UnsafePointer<json_t>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        return try syncPlan(handle.client, requiredString(objectID, "bk_obj_id"), requiredJSON(rows, "rows"),
                            options.map { JSON(borrowing: $0) }).newReference()
    }
}

@_cdecl("bkcc_sync_plan_json")
public func bkcc_sync_plan_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ rowsJSON: UnsafePointer<CChar>?,
                                _ optionsJSON: UnsafePointer<CChar>?, _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let rows = try parsedJSON(rowsJSON, "rows_json") ?? .null
        return try mallocText(syncPlan(handle.client, objectID, rows, parsedJSON(optionsJSON, "options_json", optional: true)))
    }
}

/// Options `{"key": "…", "model": <bkcc_get_model's JSON>}`, both optional.
private func syncPlan(_ client: Client, _ objectID: String, _ rows: JSON, _ options: JSON?) throws(BKCCError) -> JSON {
    var key: String?
    var model: Model?
    if let options, !options.isNull {
        guard options.isObject else { throw .invalidArgumentError("options: must be a JSON object, got \(options.kind.name)") }
        for (name, value) in options.entries {
            switch name {
            case "key":
                guard let text = value.string, !text.isEmpty else { throw .invalidArgumentError("options.key: must be a non-empty string") }
                key = text
            case "model":
                model = value.isNull ? nil : try Model(json: value)
            default:
                throw .invalidArgumentError("options: unknown key \"\(printable(name, limit: 64))\"")
            }
        }
    }
    guard rows.isArray else { throw .invalidArgumentError("rows: must be a JSON array of objects, got \(rows.kind.name)") }
    return try client.syncPlan(objectID: objectID, rows: rows, key: key, model: model).json()
}

private extension BKCCError {
    static func invalidArgumentError(_ message: String) -> BKCCError { BKCCError(.invalidArgument, message) }
}
