@testable import BKCC
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The headers libcurl hands bkcc, as `HTTPResponse` keeps them: read through the real `CurlTransport` from a
/// one-answer server on loopback that writes them byte for byte.
@Suite struct CurlHeaderTests {
    /// A server on 127.0.0.1 that reads one request (its headers and `Content-Length` body) and answers `answer`.
    static func serveOnce(_ answer: String) -> (port: UInt16, done: ThreadResult<Bool>) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let done = ThreadResult<Bool>.start {
            defer { close(listener) }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return false }
            defer { close(connection) }
            var request: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            // Bounded: the request is small; a stuck client ends the loop within 200 reads.
            for _ in 0..<200 {
                let text = String(decoding: request, as: UTF8.self)
                if let end = text.firstRange(of: "\r\n\r\n"),
                   let line = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                   let count = Int(line.split(separator: ":")[1].trimmingSpace()),
                   request.count >= text.utf8.distance(from: text.startIndex, to: end.upperBound) + count {
                    break
                }
                let got = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                if got <= 0 { return false }
                request += chunk[0..<got]
            }
            let bytes = Array(answer.utf8)
            return bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }
        return (port, done)
    }

    static func response(from answer: String) throws -> HTTPResponse {
        let server = serveOnce(answer)
        var configuration = esbConfig
        configuration.url = "http://127.0.0.1:\(server.port)/"
        let transport = try #require(CurlTransport(configuration: configuration))
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/x", headers: [("Content-Type", "application/json")],
                                  body: try JSON.object(["a": .integer(1)]), requestID: "test")
        transport.start(request, tag: 7)
        for _ in 0..<100 {  // at most 100 polls of 100 ms
            if let (tag, outcome) = transport.poll(timeoutMs: 100).first {
                #expect(tag == 7)
                #expect(server.done.value(unless: { false }) == true)
                guard case .answered(let response) = outcome else { throw BKCCError(.transport, "not answered: \(outcome)") }
                return response
            }
        }
        throw BKCCError(.transport, "no answer in 10 s")
    }

    /// Names as sent, values without the white space around them (spaces, tabs; a non-ASCII white space too, as
    /// `trimmingSpace` trims), an empty value, a value with a colon in it, non-ASCII inside a value kept; the
    /// request id read from its header; a 100 Continue's headers dropped with it.
    @Test func headersAreTrimmedAsTheyWereAndKeptByName() throws {
        let body = #"{"result":true,"code":0,"message":"","data":null}"#
        let answer = "HTTP/1.1 100 Continue\r\nX-Interim: gone\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Type:  application/json \r\nX-Bkapi-Request-Id:\trid-42\t \r\nX-Empty:\r\n"
            + "X-Colon: a:b: c\r\nX-Wide: \u{00A0}值 \u{3000}\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        let response = try Self.response(from: answer)
        #expect(response.status == 200)
        #expect(response.header("x-interim") == nil)
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.headerRequestID == "rid-42")
        #expect(response.header("X-Empty") == "")
        #expect(response.header("X-Colon") == "a:b: c")
        #expect(response.header("X-Wide") == "值")
        #expect(response.headers.map(\.name).contains("X-Bkapi-Request-Id"))
        #expect(String(decoding: response.body, as: UTF8.self) == body)
    }
}
