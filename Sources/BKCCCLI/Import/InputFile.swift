#if canImport(Glibc)
import Glibc
#endif

/// The input of a command, read several times (a checking pass, then a sending pass) and the same each time:
/// a regular file is opened once and every pass reads that descriptor from the start (a file renamed over the
/// path meanwhile is not read; one changed in place is caught by the rows' digests). Whatever cannot be read
/// twice — standard input, a pipe, a FIFO, a process substitution (`<(…)`), a socket — is copied to an unlinked
/// temporary spool file during the first pass and read back from it after. A directory or a device is refused.
public final class InputFile {
    /// The path, or "-" for standard input.
    public let path: String
    public let bufferSize: Int
    /// How every pass reads the input (encoding, sheet): handed to each `ByteSource` opened.
    public var reading = ReadingOptions()
    private let stdinFD: Int32
    /// The regular file, open for the whole command.
    private var file: Int32?
    private var spool: Int32?
    /// Whether the spool holds the whole input (the first pass read it to its end).
    private var spooled = false
    private var passes = 0

    public init(path: String, bufferSize: Int = ByteSource.defaultBufferSize, stdinFD: Int32 = 0) {
        self.path = path
        self.bufferSize = bufferSize
        self.stdinFD = stdinFD
    }

    deinit {
        if let spool { close(spool) }
        if let file { close(file) }
    }

    public var isStandardInput: Bool { path == "-" }
    /// A name for messages.
    public var displayName: String { isStandardInput ? "<stdin>" : path }

    /// A fresh reader from the start of the input.
    public func open() throws(InputError) -> ByteSource {
        let source = try openSource()
        source.reading = reading
        return source
    }

    private func openSource() throws(InputError) -> ByteSource {
        defer { passes += 1 }
        if passes == 0 {
            let source = try firstSource()
            if let file { return try InputFile.reading(file, from: 0, name: path, bufferSize: bufferSize) }
            return source!
        }
        if let file { return try InputFile.reading(file, from: 0, name: path, bufferSize: bufferSize) }
        guard let spool else { throw InputError(path: displayName, "cannot read the input again") }
        return try InputFile.reading(spool, from: 0, name: displayName, bufferSize: bufferSize)
    }

    /// A seekable descriptor of the whole input (for readers that need random access, such as a zip's): the
    /// file itself, or the spool after the whole input was copied to it. Owned by the InputFile: do not close it;
    /// read it with pread(2) or from an offset of your own (passes share its file offset).
    public func seekableDescriptor() throws(InputError) -> Int32 {
        if passes == 0 {
            if let source = try firstSource() {
                // Not a regular file: copy all of it to the spool now.
                while try source.read() != nil {}
                spooled = true
            }
            passes += 1
        }
        if let file { return file }
        guard let spool, spooled else { throw InputError(path: displayName, "cannot read the input again") }
        return spool
    }

    /// Opens the input for its first pass: sets `file` for a regular file (and returns nil), else returns a
    /// reader that copies what it reads to a new spool.
    private func firstSource() throws(InputError) -> ByteSource? {
        var fd = stdinFD
        if !isStandardInput {
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else { throw InputError(path: path, "cannot open: \(systemError())") }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = systemError()
            if !isStandardInput { close(fd) }
            throw InputError(path: displayName, "cannot read: \(reason)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if !isStandardInput { close(fd) }
            throw InputError(path: displayName, "is a directory")
        case S_IFCHR, S_IFBLK:
            // A terminal on standard input is how a person types rows (or pipes nothing): read it, spooled.
            if !isStandardInput {
                close(fd)
                throw InputError(path: displayName, "is a device, not a file of rows")
            }
        case S_IFREG where !isStandardInput:
            file = fd
            return nil
        default:
            break
        }
        let spoolFD = try InputFile.makeSpool(name: displayName)
        spool = spoolFD
        return ByteSource(fd: fd, name: isStandardInput ? "-" : path, owns: !isStandardInput, bufferSize: bufferSize, tee: spoolFD)
    }

    /// A reader of `fd` from `offset`, on a descriptor of its own (so closing it leaves `fd` open).
    private static func reading(_ fd: Int32, from offset: off_t, name: String, bufferSize: Int) throws(InputError) -> ByteSource {
        guard lseek(fd, offset, SEEK_SET) == offset else { throw InputError(path: name, "cannot read the input again: \(systemError())") }
        let copy = dup(fd)
        guard copy >= 0 else { throw InputError(path: name, "cannot read the input again: \(systemError())") }
        return ByteSource(fd: copy, name: name, owns: true, bufferSize: bufferSize)
    }

    /// An unlinked temporary file in $TMPDIR (else /tmp): gone when closed, whatever happens.
    static func makeSpool(name: String = "-", prefix: String = "bkcc-input") throws(InputError) -> Int32 {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/\(prefix)-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError(path: name, "cannot create a temporary file in \(directory) (TMPDIR): \(systemError())") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}
