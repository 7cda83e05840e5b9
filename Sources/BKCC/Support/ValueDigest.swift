import CJansson
import CXXHash

/// A 64-bit hash of a JSON value (not of its text): the same for the same value whatever its spelling — white
/// space, escapes, member order (an object's members are combined by a commutative sum of their own hashes) — and
/// stable across processes and builds (xxHash's XXH3 over strings and keys, splitmix64's final mix over numbers
/// and sums; Swift's `Hasher` is seeded per process). It detects change, not tampering: it is not a cryptographic
/// hash. A report's `digest` (the CLI's `RowDigest`).
///
/// Two ways to the same number: over a jansson value (`of(_:)`), and over JSON text without building the value
/// (`scan(_:member:)`), which the import's second pass uses so that a row is parsed only once (callgrind, 5,000
/// seven-attribute rows: parsing again, digesting and serializing were ~19,000 instructions a row).
///
/// Why XXH3 and not FNV-1a (report format 2's): FNV-1a takes a byte a step, each step a multiply that waits for
/// the one before (~4 cycles a byte), and a row's keys and strings are hashed twice (check pass and send pass): its
/// loop was ~720 instructions a JSON Lines row. XXH3 takes 8 to 16 bytes a step (callgrind, 5,000 seven-attribute
/// rows with --report: 17,457 -> 16,909 instructions a JSON Lines row, 16,638 -> 16,162 a CSV one).
public enum ValueDigest {
    /// The seeds the kinds of value are hashed from, so that a string and a key of the same bytes, or an integer
    /// and a real of the same bits, differ.
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// XXH3 (64 bits) of `count` bytes from `seed`.
    @inline(__always)
    static func bytes(_ pointer: UnsafePointer<UInt8>, _ count: Int, _ seed: UInt64) -> UInt64 {
        bkcc_xxh3(pointer, count, seed)
    }

    /// A final mix (splitmix64's), so that sums and XORs of member hashes stay well spread.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // The pieces, one rule for both ways.
    @inline(__always) static func member(key: UInt64, value: UInt64) -> UInt64 { mix(key ^ (value &* prime)) }
    @inline(__always) static func object(_ sum: UInt64) -> UInt64 { mix(sum ^ 0x6F62_6A65_6374) }
    @inline(__always) static func key(_ pointer: UnsafePointer<UInt8>, _ count: Int) -> UInt64 { bytes(pointer, count, offset ^ 0x6F) }
    @inline(__always) static func string(_ pointer: UnsafePointer<UInt8>, _ count: Int) -> UInt64 { bytes(pointer, count, offset ^ 0x73) }
    @inline(__always) static func integer(_ value: Int64) -> UInt64 { mix(UInt64(bitPattern: value) ^ (offset ^ 0x69)) }
    @inline(__always) static func real(_ value: Double) -> UInt64 { mix(value.bitPattern ^ (offset ^ 0x72)) }
    /// An array's hash: each element's mixed into the hash so far (in order), from `arrayStart`.
    @inline(__always) static func element(_ element: UInt64, _ hash: UInt64) -> UInt64 { mix(hash ^ element) }
    static let arrayStart = offset ^ 0x61
    static let trueHash = mix(offset ^ 0x74), falseHash = mix(offset ^ 0x66), nullHash = mix(offset ^ 0x6E)

    /// The digest of a jansson value (depth is bounded by whoever built it: the readers refuse what is too deep).
    public static func of(_ raw: UnsafeMutablePointer<json_t>) -> UInt64 {
        switch json_type(UInt32(bkcc_json_typeof(raw))) {
        case JSON_OBJECT:
            var sum: UInt64 = 0
            var iterator = json_object_iter(raw)
            while let current = iterator {
                if let name = json_object_iter_key(current), let value = json_object_iter_value(current) {
                    let keyBytes = UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self)
                    sum = sum &+ member(key: key(keyBytes, json_object_iter_key_len(current)), value: of(value))
                }
                iterator = json_object_iter_next(raw, current)
            }
            return object(sum)
        case JSON_ARRAY:
            var hash = arrayStart
            for index in 0..<json_array_size(raw) {
                if let item = json_array_get(raw, index) { hash = element(of(item), hash) }
            }
            return mix(hash)
        case JSON_STRING:
            guard let text = json_string_value(raw) else { return string(UnsafePointer(bitPattern: 1)!, 0) }
            return string(UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), json_string_length(raw))
        case JSON_INTEGER:
            return integer(json_integer_value(raw))
        case JSON_REAL:
            return real(json_real_value(raw))
        case JSON_TRUE: return trueHash
        case JSON_FALSE: return falseHash
        default: return nullHash
        }
    }

    /// `body` given a value's lookup key — a unique value as the server stores and compares it: a string trimmed,
    /// an integer as its digits — or nil for anything else, or an empty string (no value to look up). The one
    /// rule behind `LookupOperation.key`, the scan's key and a flat row's key hash.
    public static func withLookupKey<R>(_ value: FlatObject.Value?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch value {
        case .string(let bytes): return withSpaceTrimmed(bytes) { body($0.isEmpty ? nil : $0) }
        case .integer(let number): return withDecimal(number) { body($0) }
        default: return body(nil)
        }
    }

    /// A value's lookup key (`withLookupKey`) appended to `keys`, and where it is; nil, with nothing appended, when
    /// the value has none. The one way the scan and the send pass keep a request's keys in one buffer.
    public static func appendLookupKey(_ value: FlatObject.Value?, to keys: inout [UInt8]) -> Key? {
        var isInteger = false
        if case .integer? = value { isInteger = true }
        return withLookupKey(value) { bytes -> Key? in
            guard let bytes else { return nil }
            let start = keys.count
            keys.append(contentsOf: bytes)
            return Key(range: start..<keys.count, isInteger: isInteger)
        }
    }

    /// Where a row's lookup key is, as `LookupOperation.key` makes it (a string value trimmed, never empty; an
    /// integer in decimal): its bytes in the caller's buffer (`scan`'s `keys`).
    public struct Key: Equatable, Sendable {
        public var range: Range<Int>
        public var isInteger: Bool

        public init(range: Range<Int>, isInteger: Bool) {
            self.range = range
            self.isInteger = isInteger
        }
    }

    /// The digest of the value `text` holds, and the lookup key of its top-level member `member` (nil when absent,
    /// of another kind or empty), appended to `keys`, without parsing the rest into values. Nil when the scan is
    /// not sure of the value as jansson would read it — reals, long integers, `\u0000`, an error, deep nesting:
    /// parse it then (`JSON.parse` and `of(_:)`); `keys` is then as it was. A key repeated in one object (which
    /// jansson refuses) is not looked for: a text that reaches here was read and refused or accepted by the first
    /// pass, and a digest that matches says the text is the same. With `checkingUTF8` false, strings are not
    /// checked for well-formed UTF-8 either: for a text whose digest is compared with that of a text checked
    /// before (the import's second read), which a text with other bytes does not match.
    ///
    /// The key goes into the caller's bytes, not a String: the import's second read keeps a request's keys in one
    /// buffer (a String a row, and its hash, were ~500 instructions a row).
    public static func scan(_ text: UnsafeRawBufferPointer, member name: String, checkingUTF8: Bool = true,
                            keys: inout [UInt8]) -> (digest: UInt64, key: Key?)? {
        guard let base = text.baseAddress, text.count > 0 else { return nil }
        var cursor = JSONReader.Cursor(base: base.assumingMemoryBound(to: UInt8.self), end: text.count)
        cursor.checksUTF8 = checkingUTF8
        defer { cursor.scratch?.deallocate() }
        let mark = keys.count
        var wanted = name
        let scanned = wanted.withUTF8 { field -> (digest: UInt64, key: Key?)? in
            var found: Key?
            cursor.skipSpace()
            guard let digest = cursor.digest(depth: 0, member: field, found: &found, keys: &keys) else { return nil }
            cursor.skipSpace()
            return cursor.at == cursor.end ? (digest, found) : nil
        }
        if scanned == nil { keys.removeSubrange(mark...) }
        return scanned
    }

    /// A lookup key as text.
    public struct KeyText: Equatable, Sendable {
        public var text: String
        public var isInteger: Bool

        public init(text: String, isInteger: Bool) {
            self.text = text
            self.isInteger = isInteger
        }
    }

    /// The same, the key as a String (tests and tools; the import keeps the bytes).
    public static func scan(_ text: UnsafeRawBufferPointer, member name: String,
                            checkingUTF8: Bool = true) -> (digest: UInt64, key: KeyText?)? {
        var keys: [UInt8] = []
        guard let scanned = scan(text, member: name, checkingUTF8: checkingUTF8, keys: &keys) else { return nil }
        return (scanned.digest, scanned.key.map { KeyText(text: String(decoding: keys[$0.range], as: UTF8.self), isInteger: $0.isInteger) })
    }
}

extension JSONReader.Cursor {
    /// The digest of the value here (`ValueDigest`'s rule), consumed; at depth 0 the lookup key of an object's
    /// member named `member` is kept in `found`. Nil when not sure (as `ValueDigest.scan` says).
    mutating func digest(depth: Int, member field: UnsafeBufferPointer<UInt8>, found: inout ValueDigest.Key?,
                         keys: inout [UInt8]) -> UInt64? {
        guard at < end, depth <= JSONReader.maxDepth else { return nil }
        switch base[at] {
        case UInt8(ascii: "{"):
            var sum: UInt64 = 0
            if opensEmpty(closing: UInt8(ascii: "}")) { return ValueDigest.object(sum) }
            while true {
                guard at < end, base[at] == UInt8(ascii: "\""), let (keyStart, keyCount) = string() else { return nil }
                // The key is hashed now: the value may need the scratch buffer an escaped key is in.
                let keyHash = ValueDigest.key(keyStart, keyCount)
                let isWanted = depth == 0 && keyCount == field.count
                    && (0..<keyCount).allSatisfy { keyStart[$0] == field[$0] }
                skipSpace()
                guard at < end, base[at] == UInt8(ascii: ":") else { return nil }
                at += 1
                skipSpace()
                guard let valueHash = isWanted ? wantedDigest(found: &found, keys: &keys)
                        : digest(depth: depth + 1, member: field, found: &found, keys: &keys) else { return nil }
                sum = sum &+ ValueDigest.member(key: keyHash, value: valueHash)
                guard let more = afterMember(closing: UInt8(ascii: "}")) else { return nil }
                if !more { return ValueDigest.object(sum) }
            }
        case UInt8(ascii: "["):
            var hash = ValueDigest.arrayStart
            if opensEmpty(closing: UInt8(ascii: "]")) { return ValueDigest.mix(hash) }
            while true {
                guard let element = digest(depth: depth + 1, member: field, found: &found, keys: &keys) else { return nil }
                hash = ValueDigest.element(element, hash)
                guard let more = afterMember(closing: UInt8(ascii: "]")) else { return nil }
                if !more { return ValueDigest.mix(hash) }
            }
        case UInt8(ascii: "\""):
            guard let (start, count) = string() else { return nil }
            return ValueDigest.string(start, count)
        case UInt8(ascii: "t"): return literal("true") ? ValueDigest.trueHash : nil
        case UInt8(ascii: "f"): return literal("false") ? ValueDigest.falseHash : nil
        case UInt8(ascii: "n"): return literal("null") ? ValueDigest.nullHash : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return integerValue().map(ValueDigest.integer)
        default:
            return nil
        }
    }

    /// The digest of the wanted member's value, its lookup key kept when it is a string or an integer (read from
    /// the bytes, as `LookupOperation.key` reads the parsed value; the last one when the key is repeated).
    private mutating func wantedDigest(found: inout ValueDigest.Key?, keys: inout [UInt8]) -> UInt64? {
        guard at < end else { return nil }
        let first = base[at]
        found = nil
        if first == UInt8(ascii: "\"") {
            guard let (start, count) = string() else { return nil }
            found = ValueDigest.appendLookupKey(.string(UnsafeRawBufferPointer(start: start, count: count)), to: &keys)
            return ValueDigest.string(start, count)
        }
        if first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10 {
            guard let number = integerValue() else { return nil }
            found = ValueDigest.appendLookupKey(.integer(number), to: &keys)
            return ValueDigest.integer(number)
        }
        return digest(depth: 1, member: UnsafeBufferPointer(start: nil, count: 0), found: &found, keys: &keys)
    }

}
