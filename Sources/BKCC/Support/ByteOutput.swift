import CByteScan
/// A write position in memory its owner sized for the worst case of what is written (`ReportLine.maxBytes`, a
/// quoted text's 6 bytes a byte): each `put` is a copy and a pointer bump, with no capacity or uniqueness check.
///
/// Why: lines written for every row were built by appending to an Array, whose checks cost ~90 instructions an
/// append (callgrind, 5,000 report lines of 12 appends: ~2,200 instructions a line, ~400 this way).
///
/// The small writes are `@inlinable`: the report's lines and the CSV rows' texts are written from another module
/// (BKCCCLI), where a call each was ~20 instructions (callgrind: seven names a report line, seven cells a CSV row).
public struct ByteOutput {
    @usableFromInline var position: UnsafeMutablePointer<UInt8>

    @inlinable
    public init(_ start: UnsafeMutablePointer<UInt8>) { position = start }

    /// The bytes written since `start`.
    @inlinable
    public func count(from start: UnsafeMutablePointer<UInt8>) -> Int { position - start }

    @inlinable @inline(__always)
    public mutating func put(_ byte: UInt8) {
        position.pointee = byte
        position += 1
    }

    /// Up to 16 bytes (a report line's names, a number's digits) are two overlapping loads and stores, not a call
    /// to memcpy (~12 instructions more a piece, callgrind; eight pieces a report line).
    @inlinable @inline(__always)
    public mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let from = bytes.baseAddress else { return }
        let count = bytes.count, to = UnsafeMutableRawPointer(position)
        if count >= 8, count <= 16 {
            to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4, count < 8 {
            to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self), toByteOffset: count - 4, as: UInt32.self)
        } else if count > 0 {
            to.copyMemory(from: from, byteCount: count)
        }
        position += count
    }

    @inlinable @inline(__always)
    public mutating func put(literal: StaticString) {
        put(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// `value`'s decimal digits (a minus first when negative), at most 20 bytes, written in place: through a buffer
    /// of their own and a call to memcpy for a few bytes, a number was ~17 instructions more (callgrind, four numbers
    /// a report row). `withDecimal` writes its buffer with this.
    public mutating func putDecimal(_ value: Int64) {
        if value < 0 { put(UInt8(ascii: "-")) }
        var rest = value.magnitude
        // How many digits: compared with powers of ten (a division a digit before).
        var digits = 1
        var power: UInt64 = 10
        while digits < 20, rest >= power {
            digits += 1
            power = power &* 10
        }
        var at = position + digits
        position = at
        // Two digits at a time from a table of the pairs "00"…"99": half the divisions (a digit at a time, a report
        // line's four numbers were ~90 instructions each, callgrind).
        let pairs = UnsafeRawPointer(ByteOutput.digitPairs.utf8Start)
        while rest >= 100 {
            let pair = Int(truncatingIfNeeded: rest % 100)
            rest /= 100
            at -= 2
            UnsafeMutableRawPointer(at).storeBytes(of: pairs.loadUnaligned(fromByteOffset: 2 * pair, as: UInt16.self), as: UInt16.self)
        }
        if rest >= 10 {
            at -= 2
            UnsafeMutableRawPointer(at).storeBytes(of: pairs.loadUnaligned(fromByteOffset: 2 * Int(rest), as: UInt16.self), as: UInt16.self)
        } else {
            at -= 1
            at.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
        }
    }

    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// 16 lowercase hex digits, eight at a time: each half's nibbles spread into the bytes of a word, then made
    /// digits by arithmetic on all eight at once (a table lookup a byte was ~195 instructions a digest; this ~45).
    public mutating func putHex16(_ value: UInt64) {
        let to = UnsafeMutableRawPointer(position)
        to.storeBytes(of: ByteOutput.hex8(UInt32(truncatingIfNeeded: value >> 32)).littleEndian, as: UInt64.self)
        to.storeBytes(of: ByteOutput.hex8(UInt32(truncatingIfNeeded: value)).littleEndian, toByteOffset: 8, as: UInt64.self)
        position += 16
    }

    /// The 8 hex digits of `half` as a word whose lowest byte is the first digit.
    @inline(__always)
    static func hex8(_ half: UInt32) -> UInt64 {
        var x = UInt64(half)
        // 0x12345678 -> 0x0000_5678_0000_1234 -> 0x0078_0056_0034_0012 -> 0x0807_0605_0403_0201
        x = ((x & 0x0000_FFFF) << 32) | ((x & 0xFFFF_0000) >> 16)
        x = ((x & 0x0000_FF00_0000_FF00) >> 8) | ((x & 0x0000_00FF_0000_00FF) << 16)
        x = ((x & 0x00F0_00F0_00F0_00F0) >> 4) | ((x & 0x000F_000F_000F_000F) << 8)
        // Each byte a nibble n: "0" + n, and 39 more ("a" - "0" - 10) where n > 9.
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return x &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }

    /// The JSON string literal of UTF-8 `text` (which the caller knows to be UTF-8): at most `6 × count + 2`
    /// bytes. Runs that need no escape are copied whole (found sixteen or eight bytes at a time); `"`, `\` and control
    /// characters escaped as jansson does.
    public mutating func putQuoted(utf8 text: UnsafeRawBufferPointer) {
        put(0x22)
        guard let base = text.baseAddress else { return put(0x22) }
        var runStart = 0, at = 0
        while at < text.count {
            if text.count - at >= 16 {
                let flags = bkcc_json_stops16(base.assumingMemoryBound(to: UInt8.self) + at, 0)
                if flags == 0 {
                    at += 16
                    continue
                }
                at += flags.trailingZeroBitCount
            } else if text.count - at >= 8 {
                let flags = JSONReader.quoteBackslashOrControl((base + at).loadUnaligned(as: UInt64.self))
                if flags == 0 {
                    at += 8
                    continue
                }
                at += flags.trailingZeroBitCount >> 3
            } else if !JSONQuote.needsEscape(text[at]) {
                at += 1
                continue
            }
            put(UnsafeRawBufferPointer(rebasing: text[runStart..<at]))
            let sequence = JSONQuote.escape(text[at])
            withUnsafeBytes(of: sequence.bytes) { put(UnsafeRawBufferPointer(rebasing: $0.prefix(sequence.count))) }
            at += 1
            runStart = at
        }
        put(UnsafeRawBufferPointer(rebasing: text[runStart...]))
        put(0x22)
    }

    /// The same of a String.
    public mutating func putQuoted(_ text: String) {
        var text = text
        text.withUTF8 { putQuoted(utf8: UnsafeRawBufferPointer($0)) }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, at most `maxCount` bytes, through a `ByteOutput` over a temporary buffer (on
    /// the stack when small): one append for all the pieces.
    public mutating func append(atMost maxCount: Int, _ body: (inout ByteOutput) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(maxCount, 1)) { buffer in
            let start = buffer.baseAddress!
            var output = ByteOutput(start)
            body(&output)
            append(contentsOf: UnsafeBufferPointer(start: start, count: output.count(from: start)))
        }
    }
}
