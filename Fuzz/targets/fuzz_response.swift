// libFuzzer target: ResponseParser over arbitrary bytes, with an arbitrary HTTP status and detail count.
// Input: byte 0 picks the HTTP status, byte 1 the request's detail count (0...255), the rest is the body.
// Invariants: never traps; a batch answer names only indices below the count, never one index in both maps,
// only positive ids; every error message is one printable line; whatever the plain reader (PlainCreateAnswer)
// reads, the general one reads the same.

import BKCC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let statuses = [200, 201, 204, 299, 400, 401, 403, 404, 413, 429, 500, 502, 503, 504, 0, 100, 302, 999]
    let status = statuses[Int(data[0]) % statuses.count]
    let count = Int(data[1])
    let body = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let general = ResponseParser.batchCreate(httpStatus: status, body: body, detailCount: count)
    if let plain = PlainCreateAnswer.read(httpStatus: status, body: body, detailCount: count)?.batchAnswer {
        guard case .success(let answer) = general else { preconditionFailure("the plain reader read what the general one refuses") }
        let (a, b) = (plain.envelope, answer.envelope)
        precondition(plain.created == answer.created && plain.failed == answer.failed, "the plain reader's maps differ")
        precondition(a.result == b.result && a.code == b.code && a.message == b.message && a.requestID == b.requestID
                     && a.httpStatus == b.httpStatus && a.permission == nil && b.permission == nil, "the plain reader's envelope differs")
    }
    switch general {
    case .success(let answer):
        for (index, id) in answer.created { precondition(index >= 0 && index < count && id > 0) }
        for index in answer.failed.keys { precondition(index >= 0 && index < count && answer.created[index] == nil) }
        if !answer.envelope.result { precondition(answer.created.isEmpty && answer.failed.isEmpty) }
        precondition((try? answer.json()) != nil)
        if let failure = answer.envelope.failure { checkMessage(failure.message) }
    case .failure(let error):
        checkMessage(error.message)
    }
    switch ResponseParser.envelope(httpStatus: status, body: body) {
    case .success(let envelope):
        switch ResponseParser.searchRows(envelope) {
        case .success(let rows): _ = rows.count
        case .failure(let error): checkMessage(error.message)
        }
    case .failure(let error):
        checkMessage(error.message)
    }
    return 0
}

/// A message bkcc builds around untrusted text stays one bounded line (the server's own `message` may be long).
private func checkMessage(_ message: String) {
    precondition(!message.isEmpty)
}
