import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The folder of the CSV edge cases (a copy of shared/testdata/csv).
let fixtures: String = {
    let file = #filePath
    return String(file[..<file.lastIndex(of: "/")!]) + "/Fixtures/csv"
}()

/// A temporary file holding `bytes`; removed at process exit is not needed (in /tmp, small).
func temporaryFile(_ bytes: [UInt8], suffix: String = "") -> String {
    var template = Array("/tmp/bkcc-cli-test-XXXXXX\(suffix)".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

func temporaryFile(_ text: String, suffix: String = "") -> String { temporaryFile(Array(text.utf8), suffix: suffix) }

func readFile(_ path: String) -> [UInt8] {
    (try? readWholeFile(path, limit: 1 << 30)) ?? []
}

func readText(_ path: String) -> String { String(decoding: readFile(path), as: UTF8.self) }

/// Runs `body` and returns the error it throws (a recorded issue when it does not).
func thrown<T, E: Error>(_ body: () throws(E) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> E? {
    do {
        _ = try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Every row of `text` read in `format` with a buffer of `bufferSize` bytes.
func rows(_ text: String, _ format: InputFormat, bufferSize: Int = 65536) throws(InputError) -> [InputRow] {
    let path = temporaryFile(text)
    defer { unlink(path) }
    let reader = format.reader(try ByteSource(path: path, bufferSize: bufferSize))
    var result: [InputRow] = []
    while let row = try reader.next() { result.append(row) }
    return result
}

/// A console that keeps what is written.
final class CapturedConsole {
    var out = ""
    var err = ""
    lazy var console = Console(out: { [unowned self] in self.out += $0 }, err: { [unowned self] in self.err += $0 },
                               columns: 200)
}

func json(_ text: String) -> JSON {
    switch JSONText.parse(text) {
    case .success(let value): return value
    case .failure(let error):
        Issue.record("bad fixture JSON: \(error.text)")
        return .null
    }
}
