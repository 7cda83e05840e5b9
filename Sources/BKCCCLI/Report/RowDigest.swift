import BKCC
import CJansson

/// A row's digest: `ValueDigest` of its parsed value (the same for the same row in every format and every run,
/// whatever the order of its members), or of its JSON text when the send pass scans it instead of parsing it
/// (the same number). A row that could not be read digests its problem.
public final class RowDigest {
    public init() {}

    public func digest(_ row: InputRow) -> UInt64 {
        guard let detail = row.detail else { return FNV1a.of("problem: " + (row.problem ?? "")) }
        return ValueDigest.of(detail.raw)
    }

    /// The row's lookup key: its unique field's value as the server compares it ("" when it has none).
    public static func key(_ row: InputRow, field: String) -> String {
        row.detail?[field].flatMap(LookupOperation.key) ?? ""
    }

    /// `FNV1a.of(key)` of a flat row's key (`LookupOperation.key`'s rule: a string trimmed, an integer in
    /// decimal), from its bytes: a print a row, and making the key a String first was ~600 instructions a row.
    /// `fieldHash` is `FlatObject.keyHash(field)`.
    public static func keyHash(_ row: FlatObject, field: String, fieldHash: UInt64) -> UInt64 {
        ValueDigest.withLookupKey(row.value(of: field, hash: fieldHash)) { FNV1a.of($0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
    }
}

/// What the check pass keeps of every row to know it again later (the send pass, a resume's report): 32 bits of
/// its key's hash and 32 of its digest, 8 bytes a row in one flat table sized by the row count.
public struct RowPrints: Sendable {
    private(set) var table: [UInt64] = []

    public init() {}

    public static func print(key: String, digest: UInt64) -> UInt64 { print(keyHash: FNV1a.of(key), digest: digest) }

    /// The same, given `FNV1a.of(key)`.
    public static func print(keyHash: UInt64, digest: UInt64) -> UInt64 {
        (keyHash & 0xFFFF_FFFF_0000_0000) | (digest & 0xFFFF_FFFF)
    }

    mutating func append(_ print: UInt64) { table.append(print) }

    public var count: Int { table.count }
    public subscript(index: Int) -> UInt64 { table[index] }

    /// Whether `key` hashes as row `index`'s key did.
    public func keyMatches(_ index: Int, _ key: String) -> Bool {
        table[index] >> 32 == FNV1a.of(key) >> 32
    }

    public func digestMatches(_ index: Int, _ digest: UInt64) -> Bool {
        table[index] & 0xFFFF_FFFF == digest & 0xFFFF_FFFF
    }
}
