#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// A workbook's shared-strings table (`xl/sharedStrings.xml`), which the cells of `t="s"` index. Held compactly:
/// the text of every string in one byte buffer and one 4-byte end offset per string, so it costs its UTF-8 text
/// plus 4 bytes a string (a table of 300,000 short strings: about 7.5 MB), not the size of its XML, nor a Swift
/// String each. Past `memoryLimit` bytes of text (1 MiB) the later strings go to an unlinked temporary file, read
/// back with pread(2) in 64 KiB windows when cells need them: however many strings, memory holds at most that much
/// of their text (measured on 100,000 rows with 300,000 strings, Benchmarks/xlsx_bench.py: 3.0 MiB less peak RSS
/// than holding all 6.3 MB of text, and no slower: 0.61 s against 0.63 s).
/// Rich text is its runs joined; phonetic guides (`rPh`) are left out.
final class SharedStrings {
    /// More text than this is refused: a workbook that needs it is not a table of instances (or is a zip bomb).
    static let maxBytes = 512 * 1024 * 1024
    /// More strings than this are refused too (their offsets stay in memory: 4 bytes each, 48 MiB at most): four
    /// times what a full sheet (1,048,576 rows) of three columns of distinct text holds.
    static let maxCount = 4 * 3 * 1_048_576
    static let defaultMemoryLimit = 1024 * 1024

    private var text: [UInt8] = []
    private var ends: [UInt32] = []
    private let memoryLimit: Int
    /// The strings from `firstSpilled` on are in `spill`, from offset 0 (their ends minus `text.count`).
    private var firstSpilled = Int.max
    private var spill: Int32 = -1
    private var spillBuffer: [UInt8] = []
    private var spilledBytes = 0
    private static let windowSize = 64 * 1024
    private var window: [UInt8] = []
    private var windowStart = 0, windowCount = 0
    private let name: String

    var count: Int { ends.count }
    /// The text held in memory, and in the temporary file.
    var memoryBytes: Int { text.count }
    var fileBytes: Int { spilledBytes }

    init() {
        memoryLimit = SharedStrings.defaultMemoryLimit
        name = ""
    }

    deinit {
        if spill >= 0 { close(spill) }
    }

    /// Reads the table from its part.
    init(stream: XMLStream, name: String, memoryLimit: Int = SharedStrings.defaultMemoryLimit) throws(InputError) {
        self.memoryLimit = memoryLimit
        self.name = name
        var inItem = false, inText = false, phonetic = 0
        var item: [UInt8] = []
        var total = 0
        var failure: InputError?
        stream.onStart = { element, _ in
            if XMLStream.is(element, "si") {
                inItem = true
                item.removeAll(keepingCapacity: true)
            } else if XMLStream.is(element, "rPh") {
                phonetic += 1
            } else if XMLStream.is(element, "t"), inItem, phonetic == 0 {
                inText = true
            }
        }
        stream.onEnd = { [unowned self] element in
            if XMLStream.is(element, "si") {
                inItem = false
                if item.withUnsafeBytes(OOXMLText.mayBeEscaped) { OOXMLText.unescape(&item, from: 0) }
                do throws(InputError) { try self.add(item) } catch {
                    failure = error
                    stream.fail(error)
                }
            } else if XMLStream.is(element, "rPh") {
                phonetic -= 1
            } else if XMLStream.is(element, "t") {
                inText = false
            }
        }
        stream.onText = { bytes in
            guard inText else { return }
            item.append(contentsOf: bytes)
            total += bytes.count
            if total > SharedStrings.maxBytes {
                stream.fail("the shared strings are over \(SharedStrings.maxBytes / 1_048_576) MiB")
            }
        }
        // The handlers hold the stream (to stop it): dropped when the table is read, or the two never go
        // (LeakSanitizer: every workbook read leaked its stream and parser).
        defer {
            stream.onStart = { _, _ in }
            stream.onEnd = { _ in }
            stream.onText = { _ in }
        }
        try stream.run()
        if let failure { throw failure }
        try flushSpill()
    }

    private func add(_ item: [UInt8]) throws(InputError) {
        if ends.count >= SharedStrings.maxCount {
            throw InputError(path: name, "the workbook has more than \(SharedStrings.maxCount) shared strings")
        }
        if firstSpilled == Int.max, text.count + item.count <= memoryLimit {
            text.append(contentsOf: item)
        } else {
            if firstSpilled == Int.max {
                firstSpilled = ends.count
                spill = try SharedStrings.temporaryFile(name)
            }
            spillBuffer.append(contentsOf: item)
            spilledBytes += item.count
            if spillBuffer.count >= 64 * 1024 { try flushSpill() }
        }
        ends.append(UInt32(text.count + spilledBytes))
    }

    private func flushSpill() throws(InputError) {
        var offset = 0
        while offset < spillBuffer.count {
            let written = spillBuffer.withUnsafeBytes { write(spill, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, "cannot write the shared strings to a temporary file: \(systemError())")
            }
            offset += written
        }
        spillBuffer.removeAll(keepingCapacity: true)
    }

    /// An unlinked file in $TMPDIR (else /tmp): gone when closed, whatever happens.
    private static func temporaryFile(_ name: String) throws(InputError) -> Int32 {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/bkcc-strings-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError(path: name, "cannot create a temporary file in \(directory): \(systemError())") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    /// The string at `index`, valid during `body`; nil out of range (or when the temporary file cannot be read).
    func withString<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : Int(ends[index - 1])
        let end = Int(ends[index])
        if index < firstSpilled {
            return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        }
        // Cells mostly refer to strings in the order they were added: one pread fills a window that serves the next.
        let fileStart = start - text.count, count = end - start
        if fileStart < windowStart || fileStart + count > windowStart + windowCount {
            let want = max(count, SharedStrings.windowSize)
            if window.count < want { window = [UInt8](repeating: 0, count: want) }
            let read = window.withUnsafeMutableBytes { pread(spill, $0.baseAddress, want, off_t(fileStart)) }
            guard read >= count else { return nil }
            windowStart = fileStart
            windowCount = read
        }
        let offset = fileStart - windowStart
        return window.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
    }
}

/// OOXML's escape of characters XML cannot hold: `_x000D_` is a carriage return (ECMA-376 Part 1, 22.9.2.19,
/// ST_Xstring), as Excel writes them; `_x005F_` escapes a literal underscore.
enum OOXMLText {
    /// Whether the text may hold an escape (cheap: is there `_x` in it?).
    static func mayBeEscaped(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2 else { return bytes.first == UInt8(ascii: "_") || bytes.first == UInt8(ascii: "x") }
        return bytes.indices.dropLast().contains { bytes[$0] == UInt8(ascii: "_") && bytes[$0 + 1] == UInt8(ascii: "x") }
            || bytes.first == UInt8(ascii: "x") || bytes.last == UInt8(ascii: "_")
    }

    /// Replaces each `_xHHHH_` in `text[from...]` by the UTF-8 of that character.
    static func unescape(_ text: inout [UInt8], from start: Int) {
        var out: [UInt8] = []
        var index = start
        var changed = false
        while index < text.count {
            if text[index] == UInt8(ascii: "_"), index + 6 < text.count, text[index + 1] == UInt8(ascii: "x"),
               text[index + 6] == UInt8(ascii: "_"), let code = hex(text[(index + 2)..<(index + 6)]),
               let scalar = Unicode.Scalar(code) {
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
                index += 7
                changed = true
                continue
            }
            out.append(text[index])
            index += 1
        }
        if changed { text.replaceSubrange(start..., with: out) }
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? { digits.withUnsafeBytes { hexValue($0) } }
}
