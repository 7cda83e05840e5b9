#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// The exit codes of bkcc, as documented in `bkcc --help`.
public enum ExitStatus: Int32, Sendable {
    /// Every row was created (or, for `validate` and `--dry-run`, every row is valid).
    case ok = 0
    /// Some rows were not created: see the summary and the report.
    case partial = 1
    /// Bad usage or invalid input: nothing was sent.
    case invalid = 2
    /// Nothing could be created: the CMDB was unreachable, or refused the credentials or the permission.
    case failed = 3
    /// Interrupted by SIGINT (128 + 2): requests in flight finished, the report was written.
    case interrupted = 130
    /// Interrupted by SIGTERM (128 + 15).
    case terminated = 143

    /// The status of an import stopped by `signo`.
    static func stopped(by signo: Int32) -> ExitStatus { signo == SIGTERM ? .terminated : .interrupted }
}

/// A buffered writer over a file descriptor (write(2), retried on EINTR and short writes).
public final class FileWriter {
    public let fd: Int32
    private let ownsDescriptor: Bool
    /// `capacity` bytes, the first `buffered` of them waiting to be written.
    private let buffer: UnsafeMutablePointer<UInt8>
    private var buffered = 0
    private let capacity: Int
    /// The first write error, if any (later writes are dropped).
    public private(set) var failure: String?

    public init(fd: Int32, owns: Bool = false, capacity: Int = 64 * 1024) {
        self.fd = fd
        self.ownsDescriptor = owns
        self.capacity = capacity
        buffer = .allocate(capacity: max(capacity, 1))
    }

    deinit {
        flush()
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: UnsafeRawBufferPointer($0)) }
    }

    public func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(bytes: $0) }
    }

    public func write(bytes: UnsafeRawBufferPointer) {
        if buffered + bytes.count > capacity { flush() }
        if bytes.count >= capacity {
            writeAll(bytes)
        } else if let base = bytes.baseAddress {
            (buffer + buffered).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
            buffered += bytes.count
        }
    }

    /// Writes what `body` writes, at most `maxCount` bytes, straight into the buffer (a report line a row: no
    /// line built first and copied).
    public func write(atMost maxCount: Int, _ body: (inout ByteOutput) -> Void) {
        if buffered + maxCount > capacity { flush() }
        guard maxCount <= capacity else {
            var bytes: [UInt8] = []
            bytes.append(atMost: maxCount, body)
            return write(bytes: bytes)
        }
        var output = ByteOutput(buffer + buffered)
        body(&output)
        buffered += output.count(from: buffer + buffered)
    }

    public func flush() {
        guard buffered > 0 else { return }
        writeAll(UnsafeRawBufferPointer(start: buffer, count: buffered))
        buffered = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = systemError()
                return
            }
            offset += written
        }
    }
}

/// Where a command's text goes: results on stdout, progress and diagnostics on stderr. Tests capture both.
public final class Console {
    private let outWriter: (String) -> Void
    private let errWriter: (String) -> Void
    private let flushOut: () -> Void
    /// Whether stderr is a terminal (the progress bar's default).
    public let stderrIsTerminal: Bool
    /// Terminal width for the progress bar.
    public let columns: Int
    /// Whether lines to stdout / stderr go to a terminal: then control characters in them (which may come from a
    /// server: ESC[2J …) are shown escaped, never sent raw.
    private let escapeOut: Bool
    private let escapeErr: Bool

    /// The first failed write to stdout or stderr ("standard output: No space left on device"), if any.
    private let failureCheck: () -> String?

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, flush: @escaping () -> Void = {},
                stderrIsTerminal: Bool = false, columns: Int = 80, stdoutIsTerminal: Bool = false,
                failure: @escaping () -> String? = { nil }) {
        outWriter = out
        errWriter = err
        flushOut = flush
        self.stderrIsTerminal = stderrIsTerminal
        self.columns = columns
        escapeOut = stdoutIsTerminal
        escapeErr = stderrIsTerminal
        failureCheck = failure
    }

    /// The process's own stdout (buffered) and stderr (unbuffered). Every write is checked: `finish` turns a
    /// failure into a message and a non-zero exit.
    public static func standard() -> Console {
        let stdoutWriter = FileWriter(fd: 1)
        let stderrWriter = FileWriter(fd: 2, capacity: 0)
        var size = winsize()
        let columns = ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        return Console(out: { stdoutWriter.write($0) },
                       err: { text in
                           stdoutWriter.flush()
                           stderrWriter.write(text)
                       },
                       flush: { stdoutWriter.flush() },
                       stderrIsTerminal: isatty(2) == 1, columns: columns, stdoutIsTerminal: isatty(1) == 1,
                       failure: {
                           stdoutWriter.flush()
                           if let failure = stdoutWriter.failure { return "standard output: \(failure)" }
                           return stderrWriter.failure.map { "standard error: \($0)" }
                       })
    }

    /// The command's exit status once its output is flushed: `status`, or 1 (with a message on stderr, if it
    /// can still be written) when stdout or stderr could not be written — a result nobody received is no success.
    public func finish(_ status: ExitStatus) -> ExitStatus {
        flush()
        guard let failure = failureCheck() else { return status }
        errWriter("bkcc: error: cannot write \(failure)\n")
        return status == .ok ? .partial : status
    }

    /// A line on stdout.
    public func print(_ line: String, terminator: String = "\n") { outWriter((escapeOut ? terminalSafe(line) : line) + terminator) }
    /// A line on stderr.
    public func note(_ line: String) { errWriter((escapeErr ? terminalSafe(line) : line) + "\n") }
    /// Raw text on stderr (the progress bar's redraws).
    public func rawError(_ text: String) { errWriter(text) }
    public func flush() { flushOut() }
}

/// `text` with every control character but tab and newline (C0, DEL, C1) written as `\xHH` / `\u{HHHH}`: what a
/// terminal shows, not what it obeys.
public func terminalSafe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isUnsafeOnTerminal) else { return text }
    var result = ""
    for scalar in text.unicodeScalars {
        guard isUnsafeOnTerminal(scalar) else {
            result.unicodeScalars.append(scalar)
            continue
        }
        let hex = String(scalar.value, radix: 16)
        result += scalar.value < 0x100 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
    }
    return result
}

private func isUnsafeOnTerminal(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    return (value < 0x20 && value != 0x09 && value != 0x0A) || (0x7F...0x9F).contains(value)
}

/// 1234567 → "1,234,567".
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}

/// Monotonic time in nanoseconds.
public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// "0:05", "12:34", "1:02:03".
public func clockDuration(seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--:--" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
    let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
}

/// "0.8 s", "12.3 s", "2 min 5 s".
public func humanDuration(seconds: Double) -> String {
    if seconds < 60 {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
    let total = Int(seconds.rounded())
    return total < 3600 ? "\(total / 60) min \(total % 60) s" : "\(total / 3600) h \((total / 60) % 60) min"
}
