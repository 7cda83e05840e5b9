import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// The libcurl transport: one multi handle running up to `concurrency` transfers at once on the calling thread,
/// over connections it keeps alive between requests (and between batch calls: `Client` pools these).
final class CurlTransport: Transport, @unchecked Sendable {
    /// A server that sends more than this is not a CMDB answering batch_create_inst: the transfer is cut and the
    /// request's items become unknown (`.protocolError`), instead of the host running out of memory.
    static let maxResponseBytes = 32 << 20

    let configuration: Configuration
    private let multi: UnsafeMutableRawPointer
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var finished: [(tag: Int, outcome: TransportOutcome)] = []

    /// One transfer's state, reached from libcurl's callbacks through an unretained pointer.
    final class Transfer {
        let tag: Int
        var body: [UInt8] = []
        /// The request body, handed to libcurl by `curlReadBody` from `uploadOffset` on.
        var upload: [UInt8] = []
        var uploadOffset = 0
        var headers: [(name: String, value: String)] = []
        var overCap = false
        var headerList: UnsafeMutablePointer<curl_slist>?
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

        init(tag: Int) {
            self.tag = tag
            errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        }

        deinit {
            curl_slist_free_all(headerList)
            errorBuffer.deallocate()
        }

        var errorText: String { String(cString: errorBuffer) }
    }

    init?(configuration: Configuration) {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { return nil }
        self.configuration = configuration
        self.multi = multi
        _ = bkcc_curlm_set_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.concurrency)
    }

    deinit {
        for (handle, _) in active {
            curl_multi_remove_handle(multi, handle)
            curl_easy_cleanup(handle)
        }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
    }

    var maxInFlight: Int { configuration.concurrency }

    func start(_ request: HTTPRequest, tag: Int) {
        guard let body = request.bodyBytes() else {
            finished.append((tag, .notSent(BKCCError(.noMemory, "cannot serialize the request body"), retryable: false)))
            return
        }
        guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
            finished.append((tag, .notSent(BKCCError(.noMemory, "curl_easy_init failed"), retryable: false)))
            return
        }
        curl_easy_reset(handle)
        let transfer = Transfer(tag: tag)
        for (name, value) in request.headers {
            transfer.headerList = curl_slist_append(transfer.headerList, "\(name): \(value)")
        }
        // A POST body over 1 KiB would otherwise wait for "100 Continue", a round trip per request.
        transfer.headerList = curl_slist_append(transfer.headerList, "Expect:")
        let status = configure(handle, for: request, body: body, transfer: transfer)
        guard status == CURLE_OK else {
            idleHandles.append(handle)
            let message = String(cString: curl_easy_strerror(status))
            finished.append((tag, .notSent(BKCCError(.invalidArgument, "cannot set up the request: \(message)"), retryable: false)))
            return
        }
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else {
            idleHandles.append(handle)
            finished.append((tag, .notSent(BKCCError(.noMemory, "curl_multi_add_handle failed"), retryable: false)))
            return
        }
        active[handle] = transfer
        // Started now, not at the next poll: the first round's requests leave one by one as they are built, not
        // all together after the last of them (at concurrency 8, seven builds later). By hand, 20,000 rows at
        // 20 ms a request: within the run-to-run spread (medians of 10: −8 ms in one set, +4 ms in another).
        var running: Int32 = 0
        curl_multi_perform(multi, &running)
    }

    /// Sets every option of one transfer; the first failure, if any.
    private func configure(_ handle: UnsafeMutableRawPointer, for request: HTTPRequest, body: [UInt8], transfer: Transfer) -> CURLcode {
        let config = configuration
        let user = Unmanaged.passUnretained(transfer).toOpaque()
        var status = CURLE_OK
        func check(_ result: CURLcode) { if result != CURLE_OK, status == CURLE_OK { status = result } }
        check(bkcc_curl_set_ptr(handle, CURLOPT_URL, request.url))
        check(bkcc_curl_set_ptr(handle, CURLOPT_CUSTOMREQUEST, request.method))
        check(bkcc_curl_set_long(handle, CURLOPT_POST, 1))
        check(bkcc_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        // The body goes through a read callback with no seek callback, so that libcurl cannot rewind it: when a
        // kept-alive connection dies before any answer byte, libcurl would otherwise send the POST again on a
        // fresh connection ("Connection died, retrying a fresh connect") — a second create, behind the retry
        // rule's back. Unable to rewind, it ends the transfer (CURLE_SEND_FAIL_REWIND): the items are unknown.
        transfer.upload = body
        check(bkcc_curl_set_data_fn(handle, CURLOPT_READFUNCTION, curlReadBody))
        check(bkcc_curl_set_ptr(handle, CURLOPT_READDATA, user))
        check(bkcc_curl_set_ptr(handle, CURLOPT_HTTPHEADER, transfer.headerList))
        check(bkcc_curl_set_data_fn(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
        check(bkcc_curl_set_ptr(handle, CURLOPT_WRITEDATA, user))
        check(bkcc_curl_set_data_fn(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        check(bkcc_curl_set_ptr(handle, CURLOPT_HEADERDATA, user))
        check(bkcc_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, transfer.errorBuffer))
        check(bkcc_curl_set_long(handle, CURLOPT_TIMEOUT_MS, config.timeoutMs))
        check(bkcc_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, config.connectTimeoutMs))
        // Threads: no SIGALRM for DNS timeouts; the host's signal handlers stay untouched.
        check(bkcc_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
        check(bkcc_curl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        check(bkcc_curl_set_long(handle, CURLOPT_TCP_NODELAY, 1))
        check(bkcc_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        check(bkcc_curl_set_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(bkcc_curl_set_ptr(handle, CURLOPT_ACCEPT_ENCODING, ""))
        check(bkcc_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, config.verifyTLS ? 1 : 0))
        check(bkcc_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, config.verifyTLS ? 2 : 0))
        if let caFile = config.caFile { check(bkcc_curl_set_ptr(handle, CURLOPT_CAINFO, caFile)) }
        if let proxy = config.proxy { check(bkcc_curl_set_ptr(handle, CURLOPT_PROXY, proxy)) }
        return status
    }

    func poll(timeoutMs: Int) -> [(tag: Int, outcome: TransportOutcome)] {
        var running: Int32 = 0
        if finished.isEmpty, !active.isEmpty {
            curl_multi_perform(multi, &running)
            collect()
            if finished.isEmpty {
                curl_multi_poll(multi, nil, 0, Int32(clamping: max(0, timeoutMs)), nil)
                curl_multi_perform(multi, &running)
                collect()
            }
        }
        defer { finished.removeAll() }
        return finished
    }

    /// Moves every transfer libcurl reports done into `finished`.
    private func collect() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            curl_multi_remove_handle(multi, handle)
            guard let transfer = active.removeValue(forKey: handle) else { continue }
            finished.append((transfer.tag, outcome(of: transfer, handle: handle, result: result)))
            idleHandles.append(handle)
        }
    }

    private func outcome(of transfer: Transfer, handle: UnsafeMutableRawPointer, result: CURLcode) -> TransportOutcome {
        if transfer.overCap {
            return .noAnswer(BKCCError(.protocolError, "the answer is larger than \(CurlTransport.maxResponseBytes >> 20) MiB; not a CMDB answer"))
        }
        if result == CURLE_OK {
            var status = 0
            _ = bkcc_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .answered(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
        }
        var detail = transfer.errorText
        if detail.isEmpty { detail = String(cString: curl_easy_strerror(result)) }
        var requestBytes = 0
        _ = bkcc_curl_get_long(handle, CURLINFO_REQUEST_SIZE, &requestBytes)
        // Nothing was written to a connection: the server cannot have acted on it.
        if requestBytes == 0, CurlTransport.beforeSending.contains(result) {
            if CurlTransport.tlsRefusals.contains(result) {
                return .notSent(BKCCError(.transport, "TLS: the server's certificate was refused (\(detail))",
                                          hint: .tlsCertificate), retryable: false)
            }
            return .notSent(BKCCError(.transport, "request not sent: \(detail)"), retryable: true)
        }
        return .noAnswer(BKCCError(.transport, "sent, but no answer came: \(detail)"))
    }

    /// Errors that happen before a request is written (when no request byte went out).
    static let beforeSending: [CURLcode] = [
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
        CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
        CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CIPHER, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,
        CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
    ]
    static let tlsRefusals: [CURLcode] = [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR]
}

/// curl_global_init, once per process (thread-safe in libcurl ≥ 7.84; Swift runs a global's initializer once).
enum CurlGlobal {
    private static let status: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    static func initialize() { _ = status }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let data, let user else { return 0 }
    let transfer = Unmanaged<CurlTransport.Transfer>.fromOpaque(user).takeUnretainedValue()
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, transfer.body.count + length <= CurlTransport.maxResponseBytes else {
        transfer.overCap = true
        return 0  // libcurl ends the transfer with CURLE_WRITE_ERROR
    }
    transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func curlReadBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let data, let user else { return Int(CURL_READFUNC_ABORT) }
    let transfer = Unmanaged<CurlTransport.Transfer>.fromOpaque(user).takeUnretainedValue()
    let (room, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return Int(CURL_READFUNC_ABORT) }
    let length = min(room, transfer.upload.count - transfer.uploadOffset)
    guard length > 0 else { return 0 }
    transfer.upload.withUnsafeBytes { bytes in
        guard let base = bytes.baseAddress else { return }
        UnsafeMutableRawPointer(data).copyMemory(from: base + transfer.uploadOffset, byteCount: length)
    }
    transfer.uploadOffset += length
    return length
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ user: UnsafeMutableRawPointer?) -> Int {
    guard let data, let user else { return 0 }
    let transfer = Unmanaged<CurlTransport.Transfer>.fromOpaque(user).takeUnretainedValue()
    let (length, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow else { return 0 }
    // On the line's bytes: as a String (Character by Character, its "\r\n" trimmed by the Unicode rule) a header
    // line was ~8,000 instructions, ~48,000 an answer (callgrind).
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        transfer.headers.removeAll()  // a new response (after 100 Continue, or a proxy's CONNECT answer)
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), transfer.headers.count < 200 {
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = withSpaceTrimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])) { String(decoding: $0, as: UTF8.self) }
        transfer.headers.append((name, value))
    }
    return length
}
