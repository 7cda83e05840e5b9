/// The envelope every ESB, gateway and CMDB answer shares, in either spelling (`code`/`message` or
/// `bk_error_code`/`bk_error_msg`).
public struct Envelope: Sendable {
    public var result: Bool
    public var code: Int64
    public var message: String
    public var requestID: String
    /// The server's `permission` object (which permission to apply for), untouched; nil when absent or null.
    public var permission: JSON?
    /// `data`, when present and not null.
    public var data: JSON?
    public var httpStatus: Int

    /// For `result:false`: the error it stands for, `.api` with "[code] message".
    public var failure: BKCCError? {
        guard !result else { return nil }
        return BKCCError(.api, "[\(code)] \(message.isEmpty ? "result:false without a message" : message)",
                         apiCode: code, httpStatus: httpStatus, requestID: requestID, permission: permission)
    }
}

/// One answer to a batch_create_inst request, checked against the request's size.
public struct BatchAnswer: Sendable {
    public var envelope: Envelope
    /// Index within the request → new `bk_inst_id`. Empty for `result:false`.
    public var created: [Int: Int64]
    /// Index within the request → the server's message. Empty for `result:false`.
    public var failed: [Int: String]

    /// `{"result", "code", "message", "request_id", "permission", "success_created", "error_msg"}`, as
    /// `bkcc_parse_response` returns it.
    public func json() throws(BKCCError) -> JSON {
        let successCreated = try JSON.object()
        for index in created.keys.sorted() { try successCreated.set(String(index), created[index] ?? 0) }
        let errorMessages = try JSON.object()
        for index in failed.keys.sorted() { try errorMessages.set(String(index), failed[index] ?? "") }
        return try JSON.object([
            "result": .bool(envelope.result), "code": .integer(envelope.code), "message": .string(envelope.message),
            "request_id": .string(envelope.requestID), "permission": envelope.permission ?? .null,
            "success_created": successCreated, "error_msg": errorMessages,
        ])
    }
}
