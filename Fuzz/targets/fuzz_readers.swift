// libFuzzer target: the CLI's input readers (CSV, JSON Lines, JSON array, and .xlsx when sniffed) over arbitrary
// bytes, read in chunks.
// Input: byte 0 picks the format (low 2 bits: csv, jsonl, json, sniffed), the read size (bits 2-4: 1, 2, 3, 7, 64,
// 4096, 65536 bytes) and how the rows are asked for (bit 5: filled into a FlatObject, as the import's check pass
// asks; bit 6: as text, as its send pass does); the rest is the file. Invariants: never traps; rows come in
// index order from 0, each with a detail, a problem, text or filled members, and a filled or text row parses to
// a detail or a problem; reading ends (bounded).
#if canImport(Glibc)
import Glibc
#endif
import BKCC

private let scratch: Int32 = {
    var template = Array("/tmp/bkcc-fuzz-readers-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0)
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    return fd
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let sizes = [1, 2, 3, 7, 64, 4096, 65536, 16]
    let bufferSize = sizes[Int(data[0] >> 2) % sizes.count]
    precondition(ftruncate(scratch, 0) == 0)
    var offset = 1
    while offset < size {
        let written = pwrite(scratch, data + offset, size - offset, off_t(offset - 1))
        precondition(written > 0)
        offset += written
    }
    precondition(lseek(scratch, 0, SEEK_SET) == 0)
    let source = ByteSource(fd: scratch, name: "fuzz", bufferSize: bufferSize)
    let format: InputFormat
    switch data[0] & 3 {
    case 0: format = .csv
    case 1: format = .jsonl
    case 2: format = .json
    default:
        guard let head = try? source.peek() else { return 0 }
        format = InputFormat.sniff(head)
    }
    let reader = format.reader(source)
    let textReader = reader as? TextRowReader
    let flat = FlatObject()
    if data[0] & 0x20 != 0 { textReader?.filling = flat }
    if data[0] & 0x40 != 0 { textReader?.givesText = true }
    var expected = 0
    // A workbook is deflated: its rows are bounded by deflate's largest ratio (1032:1), not by the bytes.
    let bound = format == .xlsx ? size * 1100 + 2 : size + 2
    for _ in 0...bound {
        do {
            guard let row = try reader.next() else { return 0 }
            precondition(row.index == expected, "row index \(row.index), expected \(expected)")
            precondition(row.detail != nil || row.problem != nil || row.text != nil || row.filled)
            let parsed = (row.text != nil || row.filled) ? textReader!.parsed(row) : row
            precondition(parsed.detail != nil || parsed.problem != nil)
            if let detail = parsed.detail { _ = JSONText.serialize(detail) }
            expected += 1
        } catch {
            precondition(!error.description.isEmpty)
            return 0
        }
    }
    preconditionFailure("more rows than bytes: the reader does not end")
}
