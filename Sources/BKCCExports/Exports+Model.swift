import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_get_model")
public func bkcc_get_model(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?,
                           _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        return try handle.client.getModel(objectID: requiredString(objectID, "bk_obj_id")).json().newReference()
    }
}

@_cdecl("bkcc_get_model_json")
public func bkcc_get_model_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?,
                                _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        return try mallocText(handle.client.getModel(objectID: requiredString(objectID, "bk_obj_id")).json())
    }
}

@_cdecl("bkcc_validate_model")
public func bkcc_validate_model(_ model: UnsafePointer<json_t>?, _ details: UnsafePointer<json_t>?,
                                _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) in
        try modelProblemsJSON(model: requiredJSON(model, "model"), details: requiredJSON(details, "details")).newReference()
    }
}

@_cdecl("bkcc_validate_model_json")
public func bkcc_validate_model_json(_ modelJSON: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                     _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) in
        let model = try parsedJSON(modelJSON, "model_json") ?? .null
        let details = try parsedJSON(detailsJSON, "details_json") ?? .null
        return try mallocText(modelProblemsJSON(model: model, details: details))
    }
}

/// {"<index>": "problem; …", …, "warnings": {"<index>": "…"}} — "warnings" only when there are any, so that a
/// batch the model takes as it is gives {} as bkcc_validate does.
private func modelProblemsJSON(model: JSON, details: JSON) throws(BKCCError) -> JSON {
    let found = try ModelCheck(Model(json: model)).problems(in: details)
    let object = try JSON.object()
    for index in found.problems.keys.sorted() { try object.set(String(index), found.problems[index] ?? "") }
    if !found.warnings.isEmpty {
        let warnings = try JSON.object()
        for index in found.warnings.keys.sorted() { try warnings.set(String(index), found.warnings[index] ?? "") }
        try object.set("warnings", warnings)
    }
    return object
}
