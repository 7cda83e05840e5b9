#if canImport(Glibc)
import Glibc
#endif

/// Items' JSON texts written one after another into one buffer — a request's rows, or a whole array given as
/// text — shared by the items that point into it (`TextSpan`). One buffer a request, not an array a row: a row's
/// own array (its allocation, the copy into it, its free and its release when its request was done) cost ~500
/// instructions more a JSON Lines row, ~415 a CSV one (callgrind, 5,000 seven-attribute rows with --report).
///
/// The bytes are malloc'd, not an `[UInt8]`: a writer (a CSV row's JSON, written straight from its cells) writes
/// into room it reserved, which an array would have to fill with zeros first.
///
/// Written by one thread at a time, the one that makes the items (the engine's source, or the caller that hands
/// them over); a span's bytes are never written again once it is made, only bytes after it (`removeAll(from:)`
/// cuts back only what no span holds yet).
public final class TextRun: @unchecked Sendable {
    // Not checked for exclusivity at run time (@exclusivity(unchecked)): only this class's methods change them,
    // none calling out while it does but `write`'s body, which is given a pointer, not the run (the checks were
    // ~230 instructions a row). Private, read through `count`: another module reading a stored property checks
    // it whatever the attribute (~60 instructions a row).
    @exclusivity(unchecked) private var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var used = 0

    /// How many bytes the run holds.
    public var count: Int { used }

    /// An empty run with room for `capacity` bytes (at least 256).
    public convenience init(capacity: Int = 0) {
        let room = max(capacity, 256)
        guard let raw = malloc(room) else { fatalError("out of memory: \(room) bytes for items' text") }
        self.init(base: raw, capacity: room)
    }

    private init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base.assumingMemoryBound(to: UInt8.self)
        self.capacity = capacity
    }

    /// A run holding `text`, as it is; nil when there is no memory for it: a caller's text of any size
    /// (`bkcc_batch_create_inst_json`'s details), for which no memory is an error the caller reports, not a trap in
    /// its host.
    public static func copying(_ text: UnsafeRawBufferPointer) -> TextRun? {
        let room = max(text.count, 256)
        guard let raw = malloc(room) else { return nil }
        let run = TextRun(base: raw, capacity: room)
        run.append(text)
        return run
    }

    deinit { free(base) }

    /// Room for `extra` more bytes after `count`.
    @inline(__always)
    private func reserve(_ extra: Int) {
        guard used + extra > capacity else { return }
        var grown = capacity * 2
        while grown < used + extra { grown *= 2 }
        guard let raw = realloc(base, grown) else { fatalError("out of memory: \(grown) bytes for items' text") }
        base = raw.assumingMemoryBound(to: UInt8.self)
        capacity = grown
    }

    /// `text` appended; where it is.
    @discardableResult
    public func append(_ text: UnsafeRawBufferPointer) -> Range<Int> {
        let start = used
        guard let source = text.baseAddress, text.count > 0 else { return start..<start }
        reserve(text.count)
        (base + start).update(from: source.assumingMemoryBound(to: UInt8.self), count: text.count)
        used += text.count
        return start..<used
    }

    /// At most `bound` bytes written at the end by `body`, given where to write and returning how many it wrote;
    /// where they are.
    public func write(bound: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) -> Range<Int> {
        reserve(bound)
        let start = used
        let written = body(base + start)
        precondition(written >= 0 && written <= bound, "TextRun.write: wrote past its bound")
        used += written
        return start..<used
    }

    /// Everything from `start` on dropped (bytes appended for an item that was not made after all).
    public func removeAll(from start: Int) {
        if start >= 0, start < used { used = start }
    }

    /// `body` given the bytes in `range` (valid only during the call: a later append may move them).
    @inline(__always)
    public func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= used, "TextRun.withBytes: out of range")
        return try body(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}

/// One item's JSON text: bytes of a `TextRun`.
public struct TextSpan: Sendable {
    public let run: TextRun
    public let range: Range<Int>

    public init(run: TextRun, range: Range<Int>) {
        self.run = run
        self.range = range
    }

    /// A span of its own holding `text`.
    public init(_ text: [UInt8]) {
        let run = TextRun(capacity: text.count)
        range = text.withUnsafeBytes { run.append($0) }
        self.run = run
    }

    public var bytes: [UInt8] { run.withBytes(range) { Array($0) } }
}
