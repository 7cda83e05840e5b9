import BKCC
import CBKCCHeader
import CJansson

@_cdecl("bkcc_validate")
public func bkcc_validate(_ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                          _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) in
        try problemsJSON(objectID: requiredString(objectID, "bk_obj_id"), details: requiredJSON(details, "details")).newReference()
    }
}

@_cdecl("bkcc_validate_json")
public func bkcc_validate_json(_ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                               _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) in
        let objectID = try requiredString(objectID, "bk_obj_id")
        let details = try parsedJSON(detailsJSON, "details_json") ?? .null
        return try mallocText(problemsJSON(objectID: objectID, details: details))
    }
}

/// {"<index>": "problem", …} for the validate calls.
private func problemsJSON(objectID: String, details: JSON) throws(BKCCError) -> JSON {
    try Validation.checkObjectID(objectID)
    let problems = try Validation.problems(in: details, objectID: objectID)
    let object = try JSON.object()
    for index in problems.keys.sorted() { try object.set(String(index), problems[index] ?? "") }
    return object
}

@_cdecl("bkcc_build_request")
public func bkcc_build_request(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ details: UnsafePointer<json_t>?,
                               _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let request = try handle.client.builder.batchCreate(objectID: requiredString(objectID, "bk_obj_id"),
                                                            details: requiredJSON(details, "details"))
        return try request.json().newReference()
    }
}

@_cdecl("bkcc_build_request_json")
public func bkcc_build_request_json(_ client: OpaquePointer?, _ objectID: UnsafePointer<CChar>?, _ detailsJSON: UnsafePointer<CChar>?,
                                    _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    withStatus(err) { () throws(BKCCError) in
        let handle = try ClientHandle.borrow(client)
        let objectID = try requiredString(objectID, "bk_obj_id")
        let details = try parsedJSON(detailsJSON, "details_json") ?? .null
        return try mallocText(handle.client.builder.batchCreate(objectID: objectID, details: details).json())
    }
}

@_cdecl("bkcc_parse_response")
public func bkcc_parse_response(_ httpStatus: Int32, _ body: UnsafePointer<CChar>?, _ length: Int, _ detailCount: Int,
                                _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<json_t>? {
    parseResponse(httpStatus, body, length, detailCount, err)?.newReference()
}

@_cdecl("bkcc_parse_response_json")
public func bkcc_parse_response_json(_ httpStatus: Int32, _ body: UnsafePointer<CChar>?, _ length: Int, _ detailCount: Int,
                                     _ err: UnsafeMutablePointer<bkcc_error>?) -> UnsafeMutablePointer<CChar>? {
    guard let answer = parseResponse(httpStatus, body, length, detailCount, err) else { return nil }
    // Keep the parse's status (BKCC_EAPI for result:false) unless the text cannot be made.
    var status = bkcc_error()
    if let err { status = err.pointee }
    guard let text = withStatus(err, { () throws(BKCCError) in try mallocText(answer) }) else { return nil }
    err?.pointee = status
    return text
}

/// The parsed answer as JSON; a result:false envelope is returned too, with BKCC_EAPI in `err`.
private func parseResponse(_ httpStatus: Int32, _ body: UnsafePointer<CChar>?, _ length: Int, _ detailCount: Int,
                           _ err: UnsafeMutablePointer<bkcc_error>?) -> JSON? {
    var failure: BKCCError?
    let json = withStatus(err) { () throws(BKCCError) -> JSON in
        let length = try checkedSize(length, "length")
        let detailCount = try checkedSize(detailCount, "detail_count")
        guard body != nil || length == 0 else { throw BKCCError(.invalidArgument, "body: must not be NULL when length > 0") }
        let bytes = UnsafeRawBufferPointer(start: body, count: length)
        switch ResponseParser.batchCreate(httpStatus: Int(httpStatus), body: bytes, detailCount: detailCount) {
        case .success(let answer):
            failure = answer.envelope.failure
            return try answer.json()
        case .failure(let error):
            throw error
        }
    }
    if let failure, json != nil { fill(err, with: failure) }
    return json
}
