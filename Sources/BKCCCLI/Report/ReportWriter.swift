#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// Writes a report. The file is written in place, never replaced: it is opened (created 0644 less the umask if
/// missing; an existing file keeps its mode and owner), refused unless it is a regular file (a device, a FIFO,
/// a symlink to `/dev/stdout` would not hold a report), and locked for the whole run, so that a second run on the
/// same report refuses at once. A fresh report is truncated; a resume into the report it reads appends, so that
/// no kill at any moment loses what the report knew (there is no temporary file to leave behind either).
///
/// Lines are buffered and flushed after every finished request and before every request is sent (its intent
/// line): a run that is killed leaves a report of everything it sent.
public final class ReportWriter {
    public let path: String
    private let fd: Int32
    private let writer: FileWriter

    /// Opens and locks the report.
    public init(path: String) throws(InputError) {
        self.path = path
        var existing = stat()
        let existed = stat(path, &existing) == 0
        if existed, (existing.st_mode & S_IFMT) != S_IFREG {
            throw InputError(path: path, ReportWriter.notRegular)
        }
        // O_NONBLOCK: should a FIFO appear meanwhile, opening it must not wait for a reader before it is refused.
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0o644)
        guard fd >= 0 else { throw InputError(path: path, "cannot write the report: \(systemError())") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw InputError(path: path, ReportWriter.notRegular)
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        // An open-file-description lock: closing another descriptor of the same file (reading the report to
        // resume it) does not drop it, unlike a classic POSIX lock.
        guard fcntl(fd, ReportWriter.setOFDLock, &lock) == 0 else {
            let busy = errno == EAGAIN || errno == EACCES
            let reason = systemError()
            close(fd)
            if busy {
                // An OFD lock does not say who holds it: the report's last header does, if its process is alive.
                let holder = ReportWriter.lastPid(path).flatMap { pid in
                    pid > 0 && pid <= Int64(Int32.max) && kill(Int32(pid), 0) == 0 ? " (process \(pid))" : nil
                } ?? ""
                throw InputError(path: path, "is in use by another bkcc run\(holder): one run at a time writes a report")
            }
            throw InputError(path: path, "cannot lock the report: \(reason)")
        }
        _ = fcntl(fd, F_SETFL, 0)  // blocking writes from here on
        self.fd = fd
        createdHere = !existed
        writer = FileWriter(fd: fd, owns: true)
        ReportWriter.removeLeftovers(of: path)
    }

    static let notRegular = "is not a regular file (a device, a FIFO, a terminal?): a report must be a file it can be resumed from"

    /// Whether this run created the file: if it stops before writing anything (invalid rows, a refused resume),
    /// the empty file goes again rather than be left looking like a report.
    private let createdHere: Bool
    private var begun = false

    deinit {
        if createdHere, !begun { unlink(path) }  // still locked by us: no other run can have started on it
    }

    /// F_OFD_SETLK (Linux 3.15+), not exported by Glibc's Swift overlay.
    static let setOFDLock: Int32 = 37

    /// Starts this run's part of the report: a fresh report (truncated) or, resuming into the report that was
    /// read, after its last complete line (a line cut short by a kill is dropped: it said nothing). Written before
    /// anything is sent; synced to disk when it follows an earlier run's lines. A fresh report's header is not
    /// synced, as no line after it is (a report outlives a killed run, not a lost machine: a sync an intent line
    /// would put a disk flush before every request): alone it kept nothing, and its flush (~0.3–4 ms here) stood
    /// between the check pass and the first request.
    public func begin(fresh: Bool, header: ReportHeader) throws(InputError) {
        begun = true
        if fresh {
            guard ftruncate(fd, 0) == 0 else { throw InputError(path: path, "cannot write the report: \(systemError())") }
        } else {
            let end = lastCompleteLineEnd()
            if end < lseek(fd, 0, SEEK_END) { _ = ftruncate(fd, end) }
        }
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw InputError(path: path, "cannot write the report: \(systemError())") }
        writer.write(header.text + "\n")
        if fresh { try written() } else { try durable() }
    }

    /// Copies the created lines of an earlier report, as they are (request ids kept), for the rows `state` still
    /// holds created: the new report then stands alone.
    public func copyCreated(from report: String, state: ResumeState) throws(InputError) {
        let source = try ByteSource(path: report)
        let splitter = LineSplitter(source: source, maxLineBytes: 1 << 20)
        var copied = [Bool](repeating: false, count: state.count)
        while let line = try splitter.next() {
            guard line.terminated, case .success(.row(let row)) = ReportParser.parse(line.bytes), row.outcome == .created,
                  row.index < state.count, !copied[row.index], state.createdID(row.index) == row.instanceID else { continue }
            copied[row.index] = true
            writer.write(String(decoding: line.bytes, as: UTF8.self) + "\n")
        }
        try durable()
    }

    public func append(_ line: ReportLine) { append(line, quotedRequestID: JSONQuote.quotedBytes(line.requestID)) }

    /// Appends a row line whose request id the caller quoted once for all the rows of its request, with `key` as
    /// its key's bytes when given (else the line's own `key`).
    public func append(_ line: ReportLine, key: UnsafeRawBufferPointer? = nil, quotedRequestID: [UInt8]) {
        guard let key else {
            var own = line.key
            return own.withUTF8 { append(line, key: UnsafeRawBufferPointer($0), quotedRequestID: quotedRequestID) }
        }
        writer.write(atMost: line.maxBytes(keyCount: key.count, quotedRequestID: quotedRequestID) + 1) {
            line.write(to: &$0, key: key, quotedRequestID: quotedRequestID)
            $0.put(0x0A)
        }
    }

    /// The intent line of a request about to be sent, flushed before it is: a kill after this leaves its rows
    /// of unknown fate, and says until when the request may have been in flight.
    public func sending(_ indices: [Int]) -> String? {
        guard !indices.isEmpty else { return nil }
        // Bytes in place, not a String of interpolated numbers: 200 indices a request were ~1,000 instructions a
        // row, and ~400 appended to an Array.
        let now = unixMilliseconds()
        writer.write(atMost: 21 * indices.count + 40) { output in
            output.put(literal: #"{"sending":["#)
            for (position, index) in indices.enumerated() {
                if position > 0 { output.put(UInt8(ascii: ",")) }
                output.putDecimal(Int64(index))
            }
            output.put(literal: #"],"at":"#)
            output.putDecimal(now)
            output.put(literal: "}\n")
        }
        return flush()
    }

    /// Pushes buffered lines to the file; the first write error, if any.
    @discardableResult
    public func flush() -> String? {
        writer.flush()
        return writer.failure
    }

    /// The buffered lines pushed to the file; a write error thrown.
    private func written() throws(InputError) {
        writer.flush()
        if let failure = writer.failure { throw InputError(path: path, "cannot write the report: \(failure)") }
    }

    /// The same, then synced to disk.
    private func durable() throws(InputError) {
        try written()
        guard fsync(fd) == 0 else { throw InputError(path: path, "cannot write the report: \(systemError())") }
    }

    /// The offset just past the file's last newline (0 when it has none).
    private func lastCompleteLineEnd() -> off_t {
        var end = lseek(fd, 0, SEEK_END)
        guard end > 0 else { return 0 }
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return end }
        defer { close(reader) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - off_t(chunk.count))
            let count = Int(end - start)
            let got = chunk.withUnsafeMutableBytes { pread(reader, $0.baseAddress, count, start) }
            guard got == count else { return lseek(fd, 0, SEEK_END) }
            if let last = chunk[0..<count].lastIndex(of: 0x0A) { return start + off_t(last) + 1 }
            end = start
        }
        return 0
    }

    /// The pid in the report's last header, if it has one (to name the run that holds the lock).
    static func lastPid(_ path: String) -> Int64? {
        guard let source = try? ByteSource(path: path) else { return nil }
        let splitter = LineSplitter(source: source, maxLineBytes: 1 << 20)
        var pid: Int64?
        while let line = try? splitter.next() {
            if line.bytes.starts(with: Array("{\"bkcc_report\"".utf8)), case .success(.header(let header)) = ReportParser.parse(line.bytes) {
                pid = header.pid
            }
        }
        return pid
    }

    /// Removes `PATH.tmp-PID` files that bkcc 0.x left beside a report when it was killed while replacing it,
    /// for processes that no longer exist.
    static func removeLeftovers(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let prefix = (slash.map { String(path[path.index(after: $0)...]) } ?? path) + ".tmp-"
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else { return }
        defer { closedir(dir) }
        // d_name is read in place up to its NUL: a record is only as long as its name (d_reclen), so copying the
        // declared 256-byte field read past the end of readdir's buffer (AddressSanitizer; a rare crash).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        while let entry = readdir(dir) {
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink((directory.isEmpty ? "" : directory) + "/" + name) }
        }
    }
}
