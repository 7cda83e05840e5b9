import BKCC
@_exported import BKCCTestSupport
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

func readFile(_ path: String) -> [UInt8] {
    (try? readWholeFile(path, limit: 1 << 30)) ?? []
}

func readText(_ path: String) -> String { String(decoding: readFile(path), as: UTF8.self) }

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
