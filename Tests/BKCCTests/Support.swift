import BKCC
import Testing

/// Parses test JSON; a typo in a fixture fails the test that uses it, with jansson's message.
func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
    switch JSON.parse(text) {
    case .success(let value): return value
    case .failure(let error):
        Issue.record("bad fixture JSON: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Runs `body` and returns the BKCCError it throws (nil, and a recorded issue, when it does not throw).
func error<T>(_ body: () throws(BKCCError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> BKCCError? {
    do {
        _ = try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

func parseAnswer(_ status: Int, _ body: String, count: Int) -> Result<BatchAnswer, BKCCError> {
    var body = body
    return body.withUTF8 { ResponseParser.batchCreate(httpStatus: status, body: UnsafeRawBufferPointer($0), detailCount: count) }
}

let esbConfig = Configuration(url: "http://127.0.0.1:9/", appCode: "app", appSecret: "S3CRET", username: "admin")
