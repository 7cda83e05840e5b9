#if canImport(Glibc)
import Glibc
#endif
import CZip

/// A zip archive read with libzip: random access to its entries (an .xlsx is one), each read as a stream.
final class ZipArchive {
    private let archive: OpaquePointer
    let name: String

    /// Opens the archive on `descriptor`, which it then owns (closed with the archive, or here on failure).
    init(descriptor: Int32, name: String) throws(InputError) {
        self.name = name
        var code: Int32 = 0
        guard let archive = zip_fdopen(descriptor, ZIP_RDONLY, &code) else {
            close(descriptor)
            var error = zip_error_t()
            zip_error_init_with_code(&error, code)
            defer { zip_error_fini(&error) }
            let reason = zip_error_strerror(&error).map { String(cString: $0) } ?? "error \(code)"
            throw InputError(path: name, code == ZIP_ER_NOZIP ? "not an .xlsx workbook: not a zip archive" : "cannot open the workbook (a damaged file?): \(reason)")
        }
        self.archive = archive
    }

    deinit { zip_discard(archive) }

    /// Whether the archive holds `path` (OPC part names compare without case).
    func contains(_ path: String) -> Bool { zip_name_locate(archive, path, zip_flags_t(ZIP_FL_NOCASE)) >= 0 }

    /// A stream over one entry.
    func open(_ path: String) throws(InputError) -> ZipEntry {
        let index = zip_name_locate(archive, path, zip_flags_t(ZIP_FL_NOCASE))
        guard index >= 0, let file = zip_fopen_index(archive, zip_uint64_t(index), 0) else {
            let reason = zip_strerror(archive).map { String(cString: $0) } ?? "missing"
            throw InputError(path: name, "the workbook's \(path) cannot be read: \(index < 0 ? "it is missing" : reason)")
        }
        return ZipEntry(file: file, path: path, archiveName: name, owner: self)
    }
}

/// One entry of a `ZipArchive`, inflated as it is read.
final class ZipEntry {
    private let file: OpaquePointer
    let path: String
    private let archiveName: String
    /// Keeps the archive open while the entry is read.
    private let owner: ZipArchive

    fileprivate init(file: OpaquePointer, path: String, archiveName: String, owner: ZipArchive) {
        self.file = file
        self.path = path
        self.archiveName = archiveName
        self.owner = owner
    }

    deinit { zip_fclose(file) }

    /// Reads up to `count` inflated bytes into `buffer`; 0 at the end. A damaged entry (CRC, inflate) is an error.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(InputError) -> Int {
        let read = zip_fread(file, buffer, zip_uint64_t(count))
        guard read >= 0 else {
            let reason = zip_file_strerror(file).map { String(cString: $0) } ?? "read error"
            throw InputError(path: archiveName, "the workbook's \(path) is damaged: \(reason)")
        }
        return Int(read)
    }
}
