import BKCC
import CJansson

/// A row's digest: 64-bit FNV-1a of its value as canonical JSON (compact, keys sorted), so that the same row
/// reads to the same digest in every pass and every run, whatever the format it came in; a row that could not be
/// read digests its problem. Stable across processes (Swift's `Hasher` is seeded per process).
public final class RowDigest {
    private var buffer: UnsafeMutablePointer<CChar>
    private var capacity: Int

    public init() {
        capacity = 4096
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    public func digest(_ row: InputRow) -> UInt64 {
        guard let detail = row.detail else { return fnv1a("problem: " + (row.problem ?? "")) }
        let flags = Int(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
        var size = json_dumpb(detail.raw, buffer, capacity, flags)
        if size > capacity {
            buffer.deallocate()
            capacity = size
            buffer = .allocate(capacity: capacity)
            size = json_dumpb(detail.raw, buffer, capacity, flags)
        }
        return UnsafeRawBufferPointer(start: buffer, count: min(size, capacity)).reduce(RowDigest.offset) { hash, byte in
            (hash ^ UInt64(byte)) &* RowDigest.prime
        }
    }

    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

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
