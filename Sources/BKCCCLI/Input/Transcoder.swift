#if canImport(Glibc)
import Glibc
#endif

/// Turns the bytes of a text input in another encoding into UTF-8 as they stream by, through glibc's iconv (no
/// table of our own). Sits between a `ByteSource`'s descriptor and its readers: they see UTF-8 and nothing else.
///
/// `auto` looks once: a UTF-8 byte-order mark (dropped by the source) means UTF-8, a UTF-16 one UTF-16; else ASCII is passed as it is (it reads the same in
/// UTF-8 and GB18030) up to the first byte over 0x7F, and a window of text from there decides: UTF-8 when it is
/// UTF-8, GB18030 (with a note) when it is GB18030 and not UTF-8, and UTF-8 again when it is neither (the CSV
/// reader then names the cell that is not UTF-8). A byte that is invalid in the encoding chosen or detected is an
/// `InputError` naming its line.
final class Transcoder {
    /// How much text after the first non-ASCII byte decides `auto` (or the whole input, when shorter).
    static let detectionWindow = 4096

    private enum Mode {
        case undecided
        case passThrough
        case convert(iconv_t, label: String)
    }

    private let requested: InputEncoding
    private let name: String
    private let notes: InputNotes?
    private var mode = Mode.undecided
    /// Raw bytes taken from the source and not yet given out, from `start`.
    private var pending: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var sawStart = false
    private let output: UnsafeMutableRawBufferPointer
    /// Line feeds in the UTF-8 given out so far: the line of an invalid byte.
    private var lineFeeds = 0
    /// The pending bytes end inside a character: pull before converting again.
    private var needMore = false

    /// What the encoding came to (for messages): "UTF-8", "GB18030", "UTF-16LE", "UTF-16BE"; nil before the first read.
    private(set) var chosen: String?

    /// Whether the source dropped a UTF-8 byte-order mark (it says the text is UTF-8).
    private let markedUTF8: () -> Bool

    init(encoding: InputEncoding, name: String, notes: InputNotes?, outputSize: Int = 256 * 1024,
         markedUTF8: @escaping () -> Bool = { false }) {
        self.markedUTF8 = markedUTF8
        requested = encoding
        self.name = name
        self.notes = notes
        output = .allocate(byteCount: max(64, outputSize), alignment: 16)
    }

    deinit {
        if case .convert(let descriptor, _) = mode { iconv_close(descriptor) }
        output.deallocate()
    }

    private var available: Int { pending.count - start }

    /// Takes the next raw chunk into `pending`; false at the end of the input.
    private func pull(_ source: () throws(InputError) -> UnsafeRawBufferPointer?) throws(InputError) -> Bool {
        guard !atEnd, let chunk = try source() else {
            atEnd = true
            return false
        }
        if start > 0 {
            pending.removeFirst(start)
            start = 0
        }
        pending.append(contentsOf: chunk)
        return true
    }

    /// The next chunk of UTF-8, valid until the next call; nil at the end of the input.
    func next(_ source: () throws(InputError) -> UnsafeRawBufferPointer?) throws(InputError) -> UnsafeRawBufferPointer? {
        while true {
            switch mode {
            case .undecided:
                if let ascii = try decide(source) { return ascii }
            case .passThrough:
                if available > 0 { return give(count: available) }
                // Zero copies once decided: the source's own chunk.
                return atEnd ? nil : try source()
            case .convert(let descriptor, let label):
                if available == 0 || needMore {
                    needMore = false
                    if !(try pull(source)), available == 0 { return nil }
                }
                if let converted = try convert(descriptor, label) { return converted }
            }
        }
    }

    /// Copies `count` pending bytes out as they are.
    private func give(count: Int) -> UnsafeRawBufferPointer {
        let count = min(count, output.count)
        pending.withUnsafeBytes { raw in
            output.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: count)
        }
        start += count
        let chunk = UnsafeRawBufferPointer(rebasing: output[0..<count])
        lineFeeds += Transcoder.lineFeeds(in: chunk)
        return chunk
    }

    // MARK: Choosing the encoding

    /// Decides the mode when it can; until then gives out the ASCII seen so far (auto), or nil when decided.
    private func decide(_ source: () throws(InputError) -> UnsafeRawBufferPointer?) throws(InputError) -> UnsafeRawBufferPointer? {
        while available < 2, try pull(source) {}
        if !sawStart {
            sawStart = true
            let first = pending.count >= 2 ? (pending[0], pending[1]) : (0, 0)
            let bom: String? = first == (0xFF, 0xFE) ? "UTF-16LE" : first == (0xFE, 0xFF) ? "UTF-16BE" : nil
            switch requested {
            case .utf8:
                return choose(passThrough: true)
            case .gb18030:
                return try choose(iconv: "GB18030")
            case .utf16:
                if bom != nil { start = 2 }
                return try choose(iconv: bom ?? "UTF-16LE")
            case .auto:
                if markedUTF8() { return choose(passThrough: true) }
                if let bom {
                    start = 2
                    return try choose(iconv: bom)
                }
            }
        }
        // auto, no mark: ASCII goes out as it is until a byte says more.
        guard let firstHigh = pending[start...].firstIndex(where: { $0 >= 0x80 }) else {
            if available > 0 { return give(count: available) }
            if atEnd { return choose(passThrough: true) }
            _ = try pull(source)
            return nil
        }
        if firstHigh > start { return give(count: firstHigh - start) }
        while available < Transcoder.detectionWindow, try pull(source) {}
        let window = Array(pending[start..<min(pending.count, start + Transcoder.detectionWindow)])
        let truncated = !atEnd || window.count < available
        // The encoding that reads further wins: UTF-8 when the window is UTF-8, else GB18030 when it reads more
        // of it than UTF-8 does (its first bad byte is then an error on its line), else UTF-8 (each cell that is
        // not UTF-8 is named).
        let utf8 = Transcoder.validPrefix(window, as: "UTF-8", mayEndInside: truncated)
        if utf8 < window.count {
            let gb18030 = Transcoder.validPrefix(window, as: "GB18030", mayEndInside: truncated)
            if gb18030 > utf8 {
                notes?.note("bkcc: note: \(name == "-" ? "<stdin>" : name): input is not UTF-8: read as GB18030 (--encoding to choose)")
                return try choose(iconv: "GB18030")
            }
        }
        return choose(passThrough: true)
    }

    private func choose(passThrough: Bool) -> UnsafeRawBufferPointer? {
        mode = .passThrough
        chosen = "UTF-8"
        return nil
    }

    private func choose(iconv label: String) throws(InputError) -> UnsafeRawBufferPointer? {
        let descriptor = iconv_open("UTF-8", label)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else {
            throw InputError(path: name, "cannot read \(label): iconv_open: \(systemError())")
        }
        mode = .convert(descriptor, label: label)
        chosen = label
        return nil
    }

    /// How many bytes from the start of `bytes` iconv reads as `label` (all of them: `bytes.count`; a sequence cut
    /// by the end of the window counts as read when `mayEndInside`).
    static func validPrefix(_ bytes: [UInt8], as label: String, mayEndInside: Bool) -> Int {
        let descriptor = iconv_open("UTF-8", label)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return 0 }
        defer { iconv_close(descriptor) }
        var input = bytes
        var out = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        return input.withUnsafeMutableBytes { inRaw in
            out.withUnsafeMutableBytes { outRaw in
                var inPointer: UnsafeMutablePointer<CChar>? = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inRaw.count
                var outPointer: UnsafeMutablePointer<CChar>? = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outLeft = outRaw.count
                if iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) != -1 { return inRaw.count }
                return errno == EINVAL && mayEndInside ? inRaw.count : inRaw.count - inLeft
            }
        }
    }

    // MARK: Converting

    /// Converts pending bytes; nil when nothing came out yet (a character cut by the chunk: more is pulled).
    private func convert(_ descriptor: iconv_t, _ label: String) throws(InputError) -> UnsafeRawBufferPointer? {
        var failure: Int32 = 0
        let (consumed, produced) = pending.withUnsafeMutableBytes { raw -> (Int, Int) in
            var inPointer: UnsafeMutablePointer<CChar>? = (raw.baseAddress! + start).assumingMemoryBound(to: CChar.self)
            var inLeft = raw.count - start
            var outPointer: UnsafeMutablePointer<CChar>? = output.baseAddress!.assumingMemoryBound(to: CChar.self)
            var outLeft = output.count
            if iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) == -1 { failure = errno }
            return (raw.count - start - inLeft, output.count - outLeft)
        }
        start += consumed
        let chunk = UnsafeRawBufferPointer(rebasing: output[0..<produced])
        lineFeeds += Transcoder.lineFeeds(in: chunk)
        switch failure {
        case EILSEQ:
            let bad = pending[start..<min(pending.count, start + 4)].map { ($0 < 16 ? "0x0" : "0x") + String($0, radix: 16, uppercase: true) }
            throw InputError(path: name, line: lineFeeds + 1,
                             "not valid \(Transcoder.shown(label)): the bytes \(bad.joined(separator: " ")) (give the file's encoding with --encoding)")
        case EINVAL:
            // A character cut by the end of what is pending: it finishes in the next chunk, unless there is none.
            if atEnd, produced == 0 {
                throw InputError(path: name, line: lineFeeds + 1,
                                 "the input ends inside a \(Transcoder.shown(label)) character (a file cut short?)")
            }
            needMore = true
        default:
            break  // E2BIG: the rest next time
        }
        return produced > 0 ? chunk : nil
    }

    /// The LF bytes in `bytes` (memchr: this runs over every byte of a text read before its encoding is known).
    static func lineFeeds(in bytes: UnsafeRawBufferPointer) -> Int {
        guard var at = bytes.baseAddress else { return 0 }
        let end = at + bytes.count
        var count = 0
        while at < end, let found = memchr(at, 0x0A, end - at) {
            count += 1
            at = UnsafeRawPointer(found) + 1
        }
        return count
    }

    private static func shown(_ label: String) -> String { label.hasPrefix("UTF-16") ? "UTF-16" : label }
}
