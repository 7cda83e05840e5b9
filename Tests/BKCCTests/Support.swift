import BKCC
@_exported import BKCCTestSupport

func parseAnswer(_ status: Int, _ body: String, count: Int) -> Result<BatchAnswer, BKCCError> {
    var body = body
    return body.withUTF8 { ResponseParser.batchCreate(httpStatus: status, body: UnsafeRawBufferPointer($0), detailCount: count) }
}

let esbConfig = Configuration(url: "http://127.0.0.1:9/", appCode: "app", appSecret: "S3CRET", username: "admin")
