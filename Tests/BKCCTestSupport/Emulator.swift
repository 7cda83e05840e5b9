import BKCC
#if canImport(Glibc)
import Glibc
#endif

/// The CMDB emulator (Tests/Emulator/emulator.py) as a child process on a free loopback port.
public final class Emulator {
    public let url: String
    public let port: UInt16
    private let pid: pid_t

    public init(_ arguments: [String] = []) throws {
        let script = String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/")  // Tests/
        let argv = ["/usr/bin/env", "python3", "/\(script)/Emulator/emulator.py", "--port", "0"] + arguments
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BKCCError(.transport, "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        // The test runner's threads block signals, and a child inherits the mask: unblock them in the child, or
        // SIGTERM never reaches the emulator.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, cArguments, environ) == 0 else {
            throw BKCCError(.transport, "cannot start the emulator")
        }
        self.pid = pid
        close(fds[1])
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 200, read(fds[0], &byte, 1) == 1, byte != 10 { line.append(byte) }
        close(fds[0])
        url = String(decoding: line, as: UTF8.self)
        guard url.hasPrefix("http://127.0.0.1:"), let port = UInt16(url.split(separator: ":").last ?? "") else {
            kill(pid, SIGTERM)
            throw BKCCError(.transport, "the emulator printed \(url)")
        }
        self.port = port
    }

    deinit {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        // Bounded: 5 s for a clean exit, then SIGKILL.
        for _ in 0..<500 where waitpid(pid, &status, WNOHANG) == 0 { usleep(10_000) }
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
    }

    public func client(concurrency: Int = 4) throws(BKCCError) -> Client {
        var config = Configuration(url: url, appCode: "bkcc-demo", appSecret: "bkcc-demo-secret", username: "admin")
        config.concurrency = concurrency
        return try Client(configuration: config)
    }

    /// What the emulator stores for a model: asset id → bk_inst_id, read over a raw socket (not through bkcc).
    public func stored(_ objectID: String) -> [String: Int64] {
        guard case .success(let list) = JSON.parse(get("/_emulator/instances?bk_obj_id=\(objectID)")) else { return [:] }
        var map: [String: Int64] = [:]
        for row in list.elements {
            if let asset = row["bk_asset_id"]?.string, let id = row["bk_inst_id"]?.integer { map[asset] = id }
        }
        return map
    }

    /// A minimal HTTP/1.1 GET with Connection: close; returns the body.
    public func get(_ path: String) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "" }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer.append(contentsOf: chunk[0..<count])
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let split = text.firstRange(of: "\r\n\r\n") else { return "" }
        return String(text[split.upperBound...])
    }
}
