import CJansson
/// Classifies answers. Pure: bytes in, values or errors out; never traps on anything a server sends.
public enum ResponseParser {
    /// Reads the envelope. Errors: `.http` for an HTTP error status without an envelope (a proxy's HTML page),
    /// `.protocolError` for anything else that is not an envelope.
    public static func envelope(httpStatus: Int, body: UnsafeRawBufferPointer) -> Result<Envelope, BKCCError> {
        let isErrorStatus = !(200..<300).contains(httpStatus)
        func notAnEnvelope(_ why: String) -> BKCCError {
            if isErrorStatus {
                return BKCCError(.http, "HTTP \(httpStatus) without a CMDB answer: \(snippet(body))", httpStatus: httpStatus)
            }
            return BKCCError(.protocolError, "\(why) (HTTP \(httpStatus)): \(snippet(body))", httpStatus: httpStatus)
        }
        guard body.count > 0 else { return .failure(notAnEnvelope("empty answer")) }
        let json: JSON
        switch JSON.parse(body) {
        case .success(let value): json = value
        case .failure(let error):
            let why = error.position >= body.count ? "answer ends early, not valid JSON (truncated?)" : "answer is not valid JSON: \(error.text)"
            return .failure(notAnEnvelope(why))
        }
        guard json.isObject else { return .failure(notAnEnvelope("answer is a JSON \(json.kind.name), not a CMDB envelope")) }
        guard let result = json["result"]?.bool else {
            return .failure(notAnEnvelope("answer has no boolean \"result\", not a CMDB envelope"))
        }
        let codeValue = json["code"] ?? json["bk_error_code"]
        var code: Int64 = 0
        if let codeValue, !codeValue.isNull {
            if let number = codeValue.integer {
                code = number
            } else if let text = codeValue.string, let number = Int64(text) {
                code = number  // some ESB versions send the code as a string
            } else {
                return .failure(notAnEnvelope("\"code\" is a \(codeValue.kind.name), not an integer"))
            }
        }
        let messageValue = json["message"] ?? json["bk_error_msg"]
        var message = ""
        if let messageValue, !messageValue.isNull {
            guard let text = messageValue.string else {
                return .failure(notAnEnvelope("\"message\" is a \(messageValue.kind.name), not a string"))
            }
            message = text
        }
        let requestID = printable(json["request_id"]?.string ?? "", limit: 63)
        let permission = json["permission"].flatMap { $0.isObject ? $0 : nil }
        let data = json["data"].flatMap { $0.isNull ? nil : $0 }
        return .success(Envelope(result: result, code: code, message: message, requestID: requestID,
                                 permission: permission, data: data, httpStatus: httpStatus))
    }

    /// Reads a batch_create_inst answer for a request of `detailCount` details. A `result:false` envelope is a
    /// success here (its `failure` tells the error); an answer that cannot be trusted is `.protocolError`:
    /// result:true with an HTTP error status, missing or mistyped data, an index outside `0..<detailCount` or in
    /// both maps, an id that is not a positive integer.
    public static func batchCreate(httpStatus: Int, body: UnsafeRawBufferPointer, detailCount: Int) -> Result<BatchAnswer, BKCCError> {
        let envelope: Envelope
        switch self.envelope(httpStatus: httpStatus, body: body) {
        case .success(let value): envelope = value
        case .failure(let error): return .failure(error)
        }
        return batchCreate(envelope, detailCount: detailCount)
    }

    /// Reads the maps of a batch_create_inst envelope (the part of `batchCreate(httpStatus:body:detailCount:)`
    /// after the envelope).
    public static func batchCreate(_ envelope: Envelope, detailCount: Int) -> Result<BatchAnswer, BKCCError> {
        let httpStatus = envelope.httpStatus
        guard envelope.result else { return .success(BatchAnswer(envelope: envelope, created: [:], failed: [:])) }
        func untrusted(_ why: String) -> Result<BatchAnswer, BKCCError> {
            .failure(BKCCError(.protocolError, "answer cannot be trusted: \(why)", apiCode: envelope.code,
                               httpStatus: httpStatus, requestID: envelope.requestID))
        }
        guard (200..<300).contains(httpStatus) else { return untrusted("result:true with HTTP \(httpStatus)") }
        guard envelope.code == 0 else { return untrusted("result:true with code \(envelope.code)") }
        guard let data = envelope.data, data.isObject else {
            return untrusted("result:true without a \"data\" object")
        }
        var created: [Int: Int64] = [:]
        var owners: [Int64: Int] = [:]  // each new instance belongs to one item
        var failed: [Int: String] = [:]
        if let map = data["success_created"], !map.isNull {
            guard map.isObject else { return untrusted("\"success_created\" is a \(map.kind.name), not an object") }
            created.reserveCapacity(map.count)
            owners.reserveCapacity(map.count)
            // Members read in place: a String and a reference a member were ~1,500 instructions a created item.
            var why: String?
            map.forEachMember { key, value in
                guard let index = parseIndex(key, below: detailCount) else {
                    why = "success_created key \"\(printable(String(decoding: key, as: UTF8.self), limit: 24))\" is not an index in 0..<\(detailCount)"
                    return false
                }
                let kind = JSON.kind(of: value)
                guard kind == .integer, case let id = json_integer_value(value), id > 0 else {
                    why = "success_created[\(index)] is \(kind == .integer ? "not positive" : "a \(kind.name)"), not an instance id"
                    return false
                }
                created[index] = id
                guard owners.updateValue(index, forKey: id) == nil else {
                    why = "bk_inst_id \(id) is given for two items"
                    return false
                }
                return true
            }
            if let why { return untrusted(why) }
        }
        if let map = data["error_msg"], !map.isNull {
            guard map.isObject else { return untrusted("\"error_msg\" is a \(map.kind.name), not an object") }
            for (key, value) in map.entries {
                guard let index = parseIndex(key, below: detailCount) else {
                    return untrusted("error_msg key \"\(printable(key, limit: 24))\" is not an index in 0..<\(detailCount)")
                }
                guard let text = value.string else { return untrusted("error_msg[\(index)] is a \(value.kind.name), not a string") }
                guard created[index] == nil else { return untrusted("index \(index) is both created and failed") }
                failed[index] = text
            }
        }
        return .success(BatchAnswer(envelope: envelope, created: created, failed: failed))
    }

    /// The `info` rows of a search answer with `result:true`. An empty page is `"info": null` (bk-cmdb returns a nil
    /// slice), read as no rows.
    public static func searchRows(_ envelope: Envelope) -> Result<[JSON], BKCCError> {
        if let info = envelope.data?["info"], info.isNull { return .success([]) }
        guard let info = envelope.data?["info"], info.isArray else {
            return .failure(BKCCError(.protocolError, "search answer without a \"data.info\" array",
                                      httpStatus: envelope.httpStatus, requestID: envelope.requestID))
        }
        return .success(info.elements)
    }

    /// A decimal index without sign or leading zeros, below `limit`.
    static func parseIndex(_ key: String, below limit: Int) -> Int? {
        var key = key
        return key.withUTF8 { parseIndex(UnsafeRawBufferPointer($0), below: limit) }
    }

    /// Decimal digits without a leading zero (but "0"), at most 10 of them, naming an index below `limit`.
    static func parseIndex(_ bytes: UnsafeRawBufferPointer, below limit: Int) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 10, bytes.count == 1 || bytes[0] != 0x30 else { return nil }
        var index = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            index = index * 10 + Int(byte - 0x30)
        }
        return index < limit ? index : nil
    }

    /// The start of a body, fit for a one-line message: an HTML page's <title>, else its first characters with
    /// control characters and invalid UTF-8 replaced.
    static func snippet(_ body: UnsafeRawBufferPointer) -> String {
        if body.isEmpty { return "(empty body)" }
        let head = Array(body.prefix(4096))
        let text = String(decoding: head, as: UTF8.self)
        if let open = text.firstRange(of: "<title>"), let close = text.firstRange(of: "</title>"), open.upperBound <= close.lowerBound {
            return "\"\(printable(String(text[open.upperBound..<close.lowerBound]), limit: 120))\" (HTML page)"
        }
        return "\"\(printable(text, limit: 120))\"" + (body.count > 120 ? "…" : "")
    }
}
