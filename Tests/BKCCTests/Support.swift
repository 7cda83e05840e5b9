import BKCC
import Testing
@_exported import BKCCTestSupport

/// The general reading of a batch_create_inst answer; every answer a test reads is also held to the plain
/// reader, which must read what the general one reads whenever it reads anything.
func parseAnswer(_ status: Int, _ body: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation) -> Result<BatchAnswer, BKCCError> {
    let bytes = Array(body.utf8)
    let general = bytes.withUnsafeBytes { ResponseParser.batchCreate(httpStatus: status, body: $0, detailCount: count) }
    if let plain = bytes.withUnsafeBytes({ PlainCreateAnswer.read(httpStatus: status, body: $0, detailCount: count) }) {
        #expect(sameAnswer(plain.batchAnswer, general), "the plain reader differs on \(body)", sourceLocation: sourceLocation)
    }
    return general
}

/// Whether the plain reader's answer is the general one's (a success with the same maps and envelope fields).
func sameAnswer(_ plain: BatchAnswer, _ general: Result<BatchAnswer, BKCCError>) -> Bool {
    guard case .success(let answer) = general else { return false }
    let (a, b) = (plain.envelope, answer.envelope)
    return plain.created == answer.created && plain.failed == answer.failed && a.result == b.result && a.code == b.code
        && a.message == b.message && a.requestID == b.requestID && a.httpStatus == b.httpStatus
        && a.permission == nil && b.permission == nil
}

let esbConfig = Configuration(url: "http://127.0.0.1:9/", appCode: "app", appSecret: "S3CRET", username: "admin")
