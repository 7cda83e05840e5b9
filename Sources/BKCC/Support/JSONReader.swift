import CByteScan
import CJansson

/// A JSON parser that builds jansson values straight from the bytes, for the common text; whatever it is not sure
/// of it leaves to jansson (`parse` returns nil), so that what is accepted, what is refused (and its message) and
/// what is built stay exactly jansson's.
///
/// Why hand-written: jansson's `json_loadb` reads through a callback per character and checks UTF-8 per character:
/// ~170 instructions a byte. Callgrind, `bkcc batch-create-inst --report` of 5,000 seven-attribute JSON Lines rows:
/// `json_loadb` was 416M of 919M instructions (45%; each row is read by the check pass and the send pass, and every
/// answer is parsed too): ~41,000 instructions for one ~230-byte row. This reader: ~8,900 for the same row, two
/// thirds of them jansson's own cost of building the values (its hashtable and allocations). No other C JSON
/// library builds `json_t`; parsing with one and converting would pay for the building twice.
///
/// Left to jansson (nil): any error (then jansson's message is the one shown), reals (jansson's strtod and its
/// rounding), integers of 19 digits or more (jansson's overflow rule), `\u0000` (refused without JSON_ALLOW_NUL),
/// a key repeated in one object (refused with JSON_REJECT_DUPLICATES, which every caller uses), nesting deeper
/// than `maxDepth`. `Tests/BKCCTests/JSONReaderTests.swift` and `Fuzz/targets/fuzz_json.swift` hold it to jansson.
enum JSONReader {
    /// Deeper than this goes to jansson (which allows 2,048): rows and answers are a few levels deep.
    static let maxDepth = 64

    /// A new reference to the value of `bytes`, or nil when jansson must decide.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<json_t>? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        var reader = Cursor(base: base.assumingMemoryBound(to: UInt8.self), end: bytes.count)
        defer { reader.scratch?.deallocate() }
        reader.skipSpace()
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        guard reader.at == reader.end else {
            json_decref(value)
            return nil
        }
        return value
    }

    /// The position in the text, and a buffer for strings with escapes (allocated on the first one).
    struct Cursor {
        let base: UnsafePointer<UInt8>
        let end: Int
        var at = 0
        var scratch: UnsafeMutablePointer<UInt8>?
        var scratchCapacity = 0
        /// False for text read and checked once already, whose digest tells whether it is that text: strings are
        /// then not checked for well-formed UTF-8 (`ValueDigest.scan`'s `checkingUTF8`).
        var checksUTF8 = true

        init(base: UnsafePointer<UInt8>, end: Int) {
            self.base = base
            self.end = end
        }

        @inline(__always)
        mutating func skipSpace() {
            while at < end {
                let byte = base[at]
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
                at &+= 1
            }
        }

        mutating func value(depth: Int) -> UnsafeMutablePointer<json_t>? {
            guard at < end else { return nil }
            switch base[at] {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""):
                guard let (start, count) = string() else { return nil }
                return json_stringn_nocheck(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), count)
            case UInt8(ascii: "t"): return literal("true") ? json_true() : nil
            case UInt8(ascii: "f"): return literal("false") ? json_false() : nil
            case UInt8(ascii: "n"): return literal("null") ? json_null() : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
            default: return nil
            }
        }

        /// `word` here, followed by what may follow a value (jansson reads a run of letters as one token).
        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard end - at >= count else { return false }
            for offset in 0..<count where base[at + offset] != word.utf8Start[offset] { return false }
            at += count
            return at == end || !isLetter(base[at])
        }

        @inline(__always)
        private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

        private mutating func integer() -> UnsafeMutablePointer<json_t>? {
            integerValue().flatMap { json_integer($0) }
        }

        /// `-?(0|[1-9][0-9]*)` of at most 18 digits, not followed by a fraction, an exponent or a digit.
        mutating func integerValue() -> Int64? {
            var negative = false
            if base[at] == UInt8(ascii: "-") {
                negative = true
                at += 1
            }
            let first = at
            var magnitude: Int64 = 0
            while at < end, base[at] &- UInt8(ascii: "0") < 10 {
                magnitude = magnitude &* 10 &+ Int64(base[at] &- UInt8(ascii: "0"))
                at &+= 1
            }
            let digits = at - first
            guard digits > 0, digits <= 18, !(digits > 1 && base[first] == UInt8(ascii: "0")) else { return nil }
            if at < end {
                let next = base[at]
                guard next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E") else { return nil }
            }
            return negative ? -magnitude : magnitude
        }

        /// A string's bytes, the quotes consumed: the text itself when it has no escape, else the scratch buffer
        /// (valid until the next string). Nil for what jansson refuses (control characters, bad UTF-8, bad escapes)
        /// and for `\u0000`.
        @inline(__always)
        mutating func string() -> (UnsafePointer<UInt8>, Int)? {
            at += 1
            let start = at
            // Eight bytes at a time to the next byte that needs a look (a quote, a backslash, a control character
            // and, when UTF-8 is checked, a UTF-8 lead): the lowest flagged byte of the word is that byte.
            // Callgrind, 5,000 seven-attribute rows with Chinese values: a byte at a time past the first such
            // byte, strings were ~165 instructions each, ~4,300 a row.
            let stops: UInt64 = checksUTF8 ? 0x8080_8080_8080_8080 : 0
            let high: Int32 = checksUTF8 ? 1 : 0
            while true {
                // Sixteen at a time first (SSE2: callgrind, the eight-byte loop was ~1,800 instructions a JSON
                // Lines row over both passes), then eight, then one.
                var flagged = false
                while end - at >= 16 {
                    let flags = bkcc_json_stops16(base + at, high)
                    if flags != 0 {
                        at &+= flags.trailingZeroBitCount
                        flagged = true
                        break
                    }
                    at &+= 16
                }
                while !flagged, end - at >= 8 {
                    let word = UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)
                    let flags = JSONReader.quoteBackslashOrControl(word) | (word & stops)
                    if flags != 0 {
                        at &+= flags.trailingZeroBitCount >> 3  // the bytes are in memory order (little-endian)
                        break
                    }
                    at &+= 8
                }
                guard at < end else { return nil }
                let byte = base[at]
                if byte == UInt8(ascii: "\"") {
                    defer { at += 1 }
                    return (base + start, at - start)
                }
                if byte == UInt8(ascii: "\\") { return escaped(from: start) }
                if byte < 0x20 { return nil }
                if byte < 0x80 || !checksUTF8 {
                    at &+= 1  // within the last seven bytes of the text
                    continue
                }
                // A run of UTF-8 sequences (Chinese text is one), checked in one call (byte_scan.h).
                let run = bkcc_utf8_run(base + at, end - at)
                guard run > 0 else { return nil }
                at &+= run
            }
        }

        /// The rest of a string that has an escape: copied into the scratch buffer, unescaped.
        private mutating func escaped(from start: Int) -> (UnsafePointer<UInt8>, Int)? {
            // Unescaping never makes text longer: the string's bytes up to the end of the input are enough.
            let needed = end - start
            if scratchCapacity < needed {
                scratch?.deallocate()
                scratchCapacity = max(needed, 256)
                scratch = .allocate(capacity: scratchCapacity)
            }
            guard let out = scratch else { return nil }
            var count = at - start
            out.update(from: base + start, count: count)
            while at < end {
                let byte = base[at]
                if byte == UInt8(ascii: "\"") {
                    at += 1
                    return (UnsafePointer(out), count)
                }
                if byte == UInt8(ascii: "\\") {
                    guard at + 1 < end else { return nil }
                    let code = base[at + 1]
                    at += 2
                    switch code {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out[count] = code
                    case UInt8(ascii: "b"): out[count] = 0x08
                    case UInt8(ascii: "f"): out[count] = 0x0C
                    case UInt8(ascii: "n"): out[count] = 0x0A
                    case UInt8(ascii: "r"): out[count] = 0x0D
                    case UInt8(ascii: "t"): out[count] = 0x09
                    case UInt8(ascii: "u"):
                        guard let written = unicodeEscape(into: out + count) else { return nil }
                        count += written
                        continue
                    default: return nil
                    }
                    count += 1
                    continue
                }
                if byte < 0x20 { return nil }
                let length = byte < 0x80 ? 1 : utf8Length(at)
                guard let length else { return nil }
                (out + count).update(from: base + at, count: length)
                count += length
                at += length
            }
            return nil
        }

        /// `XXXX` after `\u` (a surrogate pair as `\uD8xx\uDCxx`), written as UTF-8: at most as many bytes as
        /// the escape took. Nil for U+0000, a lone surrogate or a bad hex digit.
        private mutating func unicodeEscape(into out: UnsafeMutablePointer<UInt8>) -> Int? {
            guard var scalar = hex4() else { return nil }
            if scalar >= 0xD800, scalar <= 0xDBFF {
                guard end - at >= 2, base[at] == UInt8(ascii: "\\"), base[at + 1] == UInt8(ascii: "u") else { return nil }
                at += 2
                guard let low = hex4(), low >= 0xDC00, low <= 0xDFFF else { return nil }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) || scalar == 0 {
                return nil
            }
            switch scalar {
            case 0..<0x80:
                out[0] = UInt8(scalar)
                return 1
            case 0x80..<0x800:
                out[0] = UInt8(0xC0 | (scalar >> 6))
                out[1] = UInt8(0x80 | (scalar & 0x3F))
                return 2
            case 0x800..<0x10000:
                out[0] = UInt8(0xE0 | (scalar >> 12))
                out[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                out[2] = UInt8(0x80 | (scalar & 0x3F))
                return 3
            default:
                out[0] = UInt8(0xF0 | (scalar >> 18))
                out[1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
                out[2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                out[3] = UInt8(0x80 | (scalar & 0x3F))
                return 4
            }
        }

        private mutating func hex4() -> UInt32? {
            guard end - at >= 4, let value = hexValue(UnsafeRawBufferPointer(start: base + at, count: 4)) else { return nil }
            at += 4
            return value
        }

        @inline(__always)
        private func utf8Length(_ position: Int) -> Int? { JSONReader.utf8Length(base + position, end - position) }

        private mutating func object(depth: Int) -> UnsafeMutablePointer<json_t>? {
            guard depth <= JSONReader.maxDepth, let object = json_object() else { return nil }
            if opensEmpty(closing: UInt8(ascii: "}")) { return object }
            while true {
                guard at < end, base[at] == UInt8(ascii: "\""), let (keyStart, keyCount) = string() else { break }
                // An unescaped key points into the text; an escaped one into the scratch buffer, which the value may
                // need: copied first.
                var ownedKey: UnsafeMutablePointer<UInt8>?
                var key = keyStart
                if let scratch, keyStart == UnsafePointer(scratch) {
                    ownedKey = .allocate(capacity: max(1, keyCount))
                    ownedKey!.update(from: keyStart, count: keyCount)
                    key = UnsafePointer(ownedKey!)
                }
                defer { ownedKey?.deallocate() }
                skipSpace()
                guard at < end, base[at] == UInt8(ascii: ":") else { break }
                at += 1
                skipSpace()
                guard let member = value(depth: depth) else { break }
                let size = json_object_size(object)
                // (_new: the object takes the member's reference, also when it fails.)
                guard json_object_setn_new_nocheck(object, UnsafeRawPointer(key).assumingMemoryBound(to: CChar.self),
                                                   keyCount, member) == 0,
                      json_object_size(object) == size + 1 else { break }  // a repeated key: jansson refuses it
                guard let more = afterMember(closing: UInt8(ascii: "}")) else { break }
                if !more { return object }
            }
            json_decref(object)
            return nil
        }

        /// At an object's or an array's opening bracket: consumes it and the space after; true when the container
        /// is empty (its `closing` bracket consumed too), false when a member or an element follows.
        mutating func opensEmpty(closing: UInt8) -> Bool {
            at += 1
            skipSpace()
            guard at < end, base[at] == closing else { return false }
            at += 1
            return true
        }

        /// After a member or an element: true at a comma (another follows), false at `closing` (the container
        /// ends), nil for anything else. Both are consumed, with the space after a comma.
        @inline(__always)
        mutating func afterMember(closing: UInt8) -> Bool? {
            skipSpace()
            guard at < end else { return nil }
            let byte = base[at]
            guard byte == UInt8(ascii: ",") || byte == closing else { return nil }
            at += 1
            if byte == closing { return false }
            skipSpace()
            return true
        }

        private mutating func array(depth: Int) -> UnsafeMutablePointer<json_t>? {
            guard depth <= JSONReader.maxDepth, let array = json_array() else { return nil }
            if opensEmpty(closing: UInt8(ascii: "]")) { return array }
            while true {
                guard let element = value(depth: depth), json_array_append_new(array, element) == 0 else { break }
                guard let more = afterMember(closing: UInt8(ascii: "]")) else { break }
                if !more { return array }
            }
            json_decref(array)
            return nil
        }
    }

    /// A flag (the byte's high bit) on the first byte of the eight that is a quote, a backslash or below 0x20,
    /// and maybe on later bytes (a borrow from a flagged byte can flag the next): exact up to the first flag,
    /// which is all the scans read. A byte with the high bit is never flagged. (The classic "has a zero byte" bit
    /// tricks.)
    @inline(__always)
    static func quoteBackslashOrControl(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        return control | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    /// The length of the well-formed UTF-8 sequence at `bytes` (`left` bytes there at most): no overlong form, no
    /// surrogate, nothing past U+10FFFF, which is what jansson accepts, reading and writing. Nil otherwise.
    @inline(__always)
    static func utf8Length(_ bytes: UnsafePointer<UInt8>, _ left: Int) -> Int? {
        let first = bytes[0]
        @inline(__always) func continuation(_ offset: Int) -> Bool { bytes[offset] & 0xC0 == 0x80 }
        switch first {
        case 0xC2...0xDF:
            return left >= 2 && continuation(1) ? 2 : nil
        case 0xE0...0xEF:
            guard left >= 3, continuation(1), continuation(2) else { return nil }
            if first == 0xE0, bytes[1] < 0xA0 { return nil }  // overlong
            if first == 0xED, bytes[1] > 0x9F { return nil }  // a surrogate
            return 3
        case 0xF0...0xF4:
            guard left >= 4, continuation(1), continuation(2), continuation(3) else { return nil }
            if first == 0xF0, bytes[1] < 0x90 { return nil }  // overlong
            if first == 0xF4, bytes[1] > 0x8F { return nil }  // past U+10FFFF
            return 4
        default:
            return nil
        }
    }
}
