import BKCC
import CJansson

/// A row's digest: a 64-bit hash of its parsed value, computed by walking it (no serializing, no allocation), so
/// that the same row digests the same in every pass and every run, whatever the format it came in and whatever
/// the order of its members (an object's members are combined by a commutative sum of their own hashes). A row
/// that could not be read digests its problem. Stable across processes (Swift's `Hasher` is seeded per
/// process). It detects change, not tampering: it is not a cryptographic hash.
public final class RowDigest {
    public init() {}

    public func digest(_ row: InputRow) -> UInt64 {
        guard let detail = row.detail else { return fnv1a("problem: " + (row.problem ?? "")) }
        return RowDigest.value(detail.raw)
    }

    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a of `count` bytes, continuing from `hash`.
    @inline(__always)
    static func bytes(_ pointer: UnsafePointer<CChar>, _ count: Int, _ hash: UInt64) -> UInt64 {
        var hash = hash
        let base = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        for offset in 0..<count { hash = (hash ^ UInt64(base[offset])) &* prime }
        return hash
    }

    @inline(__always)
    static func word(_ word: UInt64, _ hash: UInt64) -> UInt64 {
        var hash = hash
        var rest = word
        for _ in 0..<8 {
            hash = (hash ^ (rest & 0xFF)) &* prime
            rest >>= 8
        }
        return hash
    }

    /// A final mix (splitmix64's), so that sums and XORs of member hashes stay well spread.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The hash of one jansson value (depth is bounded by the readers, which refuse what is too deep).
    static func value(_ raw: UnsafeMutablePointer<json_t>) -> UInt64 {
        switch json_type(UInt32(bkcc_json_typeof(raw))) {
        case JSON_OBJECT:
            var sum: UInt64 = 0
            var iterator = json_object_iter(raw)
            while let current = iterator {
                if let key = json_object_iter_key(current), let member = json_object_iter_value(current) {
                    let keyHash = bytes(key, json_object_iter_key_len(current), offset ^ 0x6F)
                    sum = sum &+ mix(keyHash ^ (value(member) &* prime))
                }
                iterator = json_object_iter_next(raw, current)
            }
            return mix(sum ^ 0x6F62_6A65_6374)
        case JSON_ARRAY:
            var hash = offset ^ 0x61
            for index in 0..<json_array_size(raw) {
                if let element = json_array_get(raw, index) { hash = word(value(element), hash) }
            }
            return mix(hash)
        case JSON_STRING:
            guard let text = json_string_value(raw) else { return mix(offset ^ 0x73) }
            return mix(bytes(text, json_string_length(raw), offset ^ 0x73))
        case JSON_INTEGER:
            return mix(word(UInt64(bitPattern: json_integer_value(raw)), offset ^ 0x69))
        case JSON_REAL:
            return mix(word(json_real_value(raw).bitPattern, offset ^ 0x72))
        case JSON_TRUE: return mix(offset ^ 0x74)
        case JSON_FALSE: return mix(offset ^ 0x66)
        default: return mix(offset ^ 0x6E)
        }
    }

    /// The row's lookup key: its unique field's value as the server compares it ("" when it has none).
    public static func key(_ row: InputRow, field: String) -> String {
        row.detail?[field].flatMap(LookupOperation.key) ?? ""
    }
}

/// What the check pass keeps of every row to know it again later (the send pass, a resume's report): 32 bits of
/// its key's hash and 32 of its digest, 8 bytes a row in one flat table sized by the row count.
public struct RowPrints: Sendable {
    private(set) var table: [UInt64] = []

    public init() {}

    public static func print(key: String, digest: UInt64) -> UInt64 {
        (fnv1a(key) & 0xFFFF_FFFF_0000_0000) | (digest & 0xFFFF_FFFF)
    }

    mutating func append(_ print: UInt64) { table.append(print) }

    public var count: Int { table.count }
    public subscript(index: Int) -> UInt64 { table[index] }

    /// Whether `key` hashes as row `index`'s key did.
    public func keyMatches(_ index: Int, _ key: String) -> Bool {
        table[index] >> 32 == fnv1a(key) >> 32
    }

    public func digestMatches(_ index: Int, _ digest: UInt64) -> Bool {
        table[index] & 0xFFFF_FFFF == digest & 0xFFFF_FFFF
    }
}
