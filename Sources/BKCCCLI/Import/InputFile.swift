#if canImport(Glibc)
import Glibc
#endif

/// The input of a command, readable several times (a checking pass, then a sending pass): a file is opened
/// again for each pass; standard input is copied to an unlinked temporary spool file during the first pass and
/// read back from it after.
public final class InputFile {
    /// The path, or "-" for standard input.
    public let path: String
    public let bufferSize: Int
    /// How every pass reads the input (encoding, sheet): handed to each `ByteSource` opened.
    public var reading = ReadingOptions()
    private let stdinFD: Int32
    private var spool: Int32?
    private var passes = 0

    public init(path: String, bufferSize: Int = ByteSource.defaultBufferSize, stdinFD: Int32 = 0) {
        self.path = path
        self.bufferSize = bufferSize
        self.stdinFD = stdinFD
    }

    deinit {
        if let spool { close(spool) }
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
        guard isStandardInput else { return try ByteSource(path: path, bufferSize: bufferSize) }
        if passes == 0 {
            let spoolFD = try InputFile.makeSpool()
            spool = spoolFD
            return ByteSource(fd: stdinFD, name: "-", bufferSize: bufferSize, tee: spoolFD)
        }
        guard let spool, lseek(spool, 0, SEEK_SET) == 0 else {
            throw InputError(path: "-", "cannot read standard input again: \(systemError())")
        }
        let copy = dup(spool)
        guard copy >= 0 else { throw InputError(path: "-", "cannot read standard input again: \(systemError())") }
        return ByteSource(fd: copy, name: "-", owns: true, bufferSize: bufferSize)
    }

    /// An unlinked temporary file in $TMPDIR (else /tmp): gone when closed, whatever happens.
    static func makeSpool() throws(InputError) -> Int32 {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/bkcc-stdin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError(path: "-", "cannot create a spool file in \(directory): \(systemError())") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}
