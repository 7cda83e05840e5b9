#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor read in chunks with read(2) into one reused buffer: the readers stream over it, so memory
/// does not grow with the size of the input. Optionally copies every chunk it reads to a second descriptor (the
/// spool file that lets standard input be read twice). A UTF-8 byte-order mark (EF BB BF) at the very start is
/// not text: it is dropped here, once for every reader (CSV, JSON Lines, JSON, reports, config files). A CSV in
/// another encoding is turned into UTF-8 here too (`decode`), so that readers only ever see UTF-8.
public final class ByteSource {
    public static let defaultBufferSize = 64 * 1024

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawBufferPointer
    private let tee: Int32?
    /// A name for messages: the path, or "-" for standard input.
    public let name: String
    public private(set) var bytesRead = 0
    /// How the input is to be read (encoding, sheet), as the command was told: set by `InputFile`.
    public var reading = ReadingOptions()
    private var transcoder: Transcoder?

    /// Reads `fd` (not closed at the end unless `owns`); `bufferSize` 1 reads one byte at a time (tests).
    public init(fd: Int32, name: String, owns: Bool = false, bufferSize: Int = ByteSource.defaultBufferSize, tee: Int32? = nil) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = owns
        self.tee = tee
        buffer = .allocate(byteCount: max(1, bufferSize), alignment: 16)
    }

    /// Opens a file for reading. Errors name the path and the system's reason.
    public convenience init(path: String, bufferSize: Int = ByteSource.defaultBufferSize) throws(InputError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, "cannot open: \(systemError())") }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputError(path: path, "is a directory")
        }
        self.init(fd: fd, name: path, owns: true, bufferSize: bufferSize)
    }

    deinit {
        buffer.deallocate()
        markBytes.deallocate()
        if ownsDescriptor { close(fd) }
    }

    private var peeked: UnsafeRawBufferPointer??

    /// The first chunk as it is (not decoded), without consuming it: the next `read()` returns it again (to sniff
    /// the format).
    public func peek() throws(InputError) -> UnsafeRawBufferPointer {
        if let peeked { return peeked ?? UnsafeRawBufferPointer(start: nil, count: 0) }
        let chunk = try readRaw()
        peeked = .some(chunk)
        return chunk ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// The next chunk, valid until the next call; nil at the end of the input. UTF-8 after `decode`.
    public func read() throws(InputError) -> UnsafeRawBufferPointer? {
        guard let transcoder else { return try readRaw() }
        return try transcoder.next { () throws(InputError) -> UnsafeRawBufferPointer? in try self.readRaw() }
    }

    /// From now on `read()` gives UTF-8 of text in `encoding` (chunks already peeked included). For CSV.
    public func decode(_ encoding: InputEncoding) {
        transcoder = Transcoder(encoding: encoding, name: name, notes: reading.notes) { [unowned self] in self.sawUTF8Mark }
        decodingAs = encoding
    }

    private var decodingAs: InputEncoding?

    /// What to tell someone whose CSV cell is not UTF-8, for the encoding it was read in.
    public var notUTF8Hint: String {
        decodingAs == .utf8 ? "not valid UTF-8 (try --encoding auto)"
            : "not valid UTF-8 (give the file's encoding: --encoding gb18030 or utf-16)"
    }

    // MARK: Random access (a zip archive)

    /// A descriptor of its own (own offset, to be closed by the caller) on the whole input, for a reader that needs
    /// random access (an .xlsx is a zip, read from its end). A pipe is first read through to its spool file (`tee`);
    /// a pipe without one cannot be read that way.
    public func randomAccessDescriptor() throws(InputError) -> Int32 {
        var target = fd
        if lseek(fd, 0, SEEK_CUR) < 0 {
            guard let tee else {
                throw InputError(path: name, "cannot be read from a pipe: a workbook is read by random access; give its path")
            }
            while try readChunk() != nil {}
            target = tee
        }
        // /proc/self/fd gives a new open file description (its own offset), also for the unlinked spool file.
        let reopened = open("/proc/self/fd/\(target)", O_RDONLY | O_CLOEXEC)
        let copy = reopened >= 0 ? reopened : dup(target)
        guard copy >= 0 else { throw InputError(path: name, "cannot open again: \(systemError())") }
        return copy
    }

    /// The next chunk as it is in the input (past a UTF-8 byte-order mark), before any decoding.
    private func readRaw() throws(InputError) -> UnsafeRawBufferPointer? {
        if let chunk = peeked {
            peeked = nil
            return chunk
        }
        if let rest = held {
            held = nil
            return rest
        }
        if atStart {
            atStart = false
            return try readPastByteOrderMark()
        }
        return try readChunk()
    }

    // MARK: The byte-order mark

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private var atStart = true
    /// Whether the input began with a UTF-8 mark: then it is UTF-8, whatever its bytes look like.
    private(set) var sawUTF8Mark = false
    /// The bytes of a mark begun but not finished (chunks may be a single byte), given back as text.
    private let markBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 3, alignment: 1)
    /// The rest of a chunk that followed such bytes, returned by the next read.
    private var held: UnsafeRawBufferPointer?

    /// The first chunk after a leading mark, whatever the chunk size; a partial mark is text.
    private func readPastByteOrderMark() throws(InputError) -> UnsafeRawBufferPointer? {
        var matched = 0
        while let chunk = try readChunk() {
            var offset = 0
            while offset < chunk.count, matched < 3, chunk[offset] == ByteSource.byteOrderMark[matched] {
                markBytes[matched] = chunk[offset]
                matched += 1
                offset += 1
            }
            let rest = UnsafeRawBufferPointer(rebasing: chunk[offset...])
            if matched == 3 {
                sawUTF8Mark = true
                if rest.isEmpty { return try readChunk() }
                return rest
            }
            if offset < chunk.count {  // a mismatch: not a mark
                guard matched > 0 else { return chunk }
                held = rest
                return UnsafeRawBufferPointer(rebasing: markBytes[0..<matched])
            }
        }
        return matched > 0 ? UnsafeRawBufferPointer(rebasing: markBytes[0..<matched]) : nil
    }

    private func readChunk() throws(InputError) -> UnsafeRawBufferPointer? {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count > 0 {
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                bytesRead += count
                if let tee { try writeAll(tee, chunk) }
                return chunk
            }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            throw InputError(path: name, "read error: \(systemError())")
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(InputError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, "cannot write the spool file: \(systemError())")
            }
            offset += written
        }
    }
}

/// The text of the current `errno`.
func systemError(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// A problem with the input as a whole (cannot be opened, cannot be parsed past this point). Import stops:
/// nothing is sent. The message names the file and, where known, the line and column.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var column: Int?
    public var reason: String

    public init(path: String, line: Int? = nil, column: Int? = nil, _ reason: String) {
        self.path = path
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var text = path == "-" ? "<stdin>" : path
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        return "\(text): \(reason)"
    }
}
