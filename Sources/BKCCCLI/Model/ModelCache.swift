#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// The last model each CMDB gave for each object, kept so that `batch-create-inst` can check the rows against it
/// while the CMDB is asked again (`ModelOptions.readAhead`). It is only a guess: the rows are checked against the
/// model read in this run, every time; when the guess differs from it (or the read fails), they are checked again.
/// So a stale, broken or planted file costs a second check pass, never a verdict.
///
/// `$XDG_CACHE_HOME/bkcc/models/<16 hex digits of the CMDB's URL, API and stage>/<bk_obj_id>.json`, else under
/// `$HOME/.cache`; directories 0700, files 0600 (Model.json(): attribute definitions, no credentials).
/// `BKCC_MODEL_CACHE=off` turns it off.
public struct ModelCache: Sendable {
    /// The cache's directory for this CMDB; nil: no cache.
    public let directory: String?

    /// Files past this are not a model this cache wrote.
    static let limit = 4 << 20

    public init(configuration: Configuration, environment: [String: String]) {
        guard (environment["BKCC_MODEL_CACHE"] ?? "").lowercased() != "off" else {
            directory = nil
            return
        }
        let base: String
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            base = cache
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            base = home + "/.cache"
        } else {
            directory = nil
            return
        }
        // The stage and API are part of the name: a gateway's stages may front different CMDBs.
        let server = FNV1a.of("\(configuration.url)\u{0}\(configuration.api.rawValue)\u{0}\(configuration.stage)")
        directory = base + "/bkcc/models/" + hex16(server)
    }

    /// The file of a model; `objectID` has passed `Validation.checkObjectID` (letters, digits, `_`).
    func path(_ objectID: String) -> String? {
        directory.map { $0 + "/" + objectID + ".json" }
    }

    /// The model last stored for `objectID`; nil when there is none, or the file is not one this cache wrote.
    public func load(objectID: String) -> Model? {
        guard (try? Validation.checkObjectID(objectID)) != nil, let path = path(objectID) else { return nil }
        // O_NONBLOCK: a FIFO planted here must not hang the command; only a regular file is read.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= ModelCache.limit else {
            close(fd)
            return nil
        }
        guard let bytes = try? readWhole(ByteSource(fd: fd, name: path, owns: true), limit: ModelCache.limit),
              case .success(let json) = JSONText.parse(bytes), let model = try? Model(json: json),
              model.objectID == objectID else { return nil }
        return model
    }

    /// Keeps `model` for the next run: written whole to a temporary file, then renamed over the old one, so that a
    /// reader sees the old model or the new one. Best effort: a cache that cannot be written costs the next run its
    /// head start, nothing else, so failures are not reported.
    public func store(_ model: Model) {
        guard (try? Validation.checkObjectID(model.objectID)) != nil, let directory, let path = path(model.objectID),
              let text = try? model.json().serializedBytes() else { return }
        guard makeDirectories(directory) else { return }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        let writer = FileWriter(fd: fd, capacity: 0)
        writer.write(bytes: text)
        let complete = writer.failure == nil
        if close(fd) != 0 || !complete || rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// `directory` and its parents, each made 0700 if missing; false when it cannot be had.
    private func makeDirectories(_ directory: String) -> Bool {
        var info = stat()
        if stat(directory, &info) == 0 { return (info.st_mode & S_IFMT) == S_IFDIR }
        var prefix = ""
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0, errno != EEXIST { return false }
        }
        return stat(directory, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
