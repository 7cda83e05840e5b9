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

/// What the check pass keeps of every row to know it again later, in one flat table sized by the row count. For
/// a resume (`keyed`): 32 bits of its key's hash and 32 of its digest, 8 bytes a row, whose halves a resumed
/// report's lines are checked by. Otherwise the two halves XORed, 4 bytes a row: what the send pass verifies a row
/// by (as strong: a row changed but for its key differs in the digest's 32 bits alone either way), and half of
/// what a million-row import kept (4 MiB of its 22 above a 10,000-row one's peak RSS).
public struct RowPrints: Sendable {
    public let keyed: Bool
    private var table: [UInt64] = []
    private var folded: [UInt32] = []

    public init(keyed: Bool = true) { self.keyed = keyed }

    public static func print(key: String, digest: UInt64) -> UInt64 { print(keyHash: FNV1a.of(key), digest: digest) }

    /// The same, given `FNV1a.of(key)`.
    public static func print(keyHash: UInt64, digest: UInt64) -> UInt64 {
        (keyHash & 0xFFFF_FFFF_0000_0000) | (digest & 0xFFFF_FFFF)
    }

    private static func fold(_ print: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: print ^ (print >> 32)) }

    mutating func append(_ print: UInt64) {
        if keyed { table.append(print) } else { folded.append(RowPrints.fold(print)) }
    }

    public var count: Int { keyed ? table.count : folded.count }

    /// Whether row `index` has the print `print` (`print(key:digest:)` of the row read again).
    public func matches(_ index: Int, _ print: UInt64) -> Bool {
        guard index >= 0, index < count else { return false }
        return keyed ? table[index] == print : folded[index] == RowPrints.fold(print)
    }

    /// Whether `key` hashes as row `index`'s key did (keyed prints only: a resume's).
    public func keyMatches(_ index: Int, _ key: String) -> Bool {
        precondition(keyed, "a resume's prints are keyed")
        return table[index] >> 32 == FNV1a.of(key) >> 32
    }

    public func digestMatches(_ index: Int, _ digest: UInt64) -> Bool {
        precondition(keyed, "a resume's prints are keyed")
        return table[index] & 0xFFFF_FFFF == digest & 0xFFFF_FFFF
    }
}
