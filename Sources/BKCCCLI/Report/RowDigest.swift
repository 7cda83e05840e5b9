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
}

/// What the check pass keeps of every row for a resume, in one flat table sized by the row count: 32 bits of its
/// key's hash and 32 of its digest, 8 bytes a row, whose halves a resumed report's lines are checked by, and by
/// which the resume's lookups know each row they read again. (The send pass knows rows again by `RowSpool`.)
public struct RowPrints: Sendable {
    private var table: [UInt64] = []

    public init() {}

    public static func print(key: String, digest: UInt64) -> UInt64 { print(keyHash: FNV1a.of(key), digest: digest) }

    /// The same, given `FNV1a.of(key)`.
    public static func print(keyHash: UInt64, digest: UInt64) -> UInt64 {
        (keyHash & 0xFFFF_FFFF_0000_0000) | (digest & 0xFFFF_FFFF)
    }

    mutating func append(_ print: UInt64) { table.append(print) }

    public var count: Int { table.count }

    /// Whether row `index` has the print `print` (`print(key:digest:)` of the row read again).
    public func matches(_ index: Int, _ print: UInt64) -> Bool {
        guard index >= 0, index < count else { return false }
        return table[index] == print
    }

    /// Whether `key` hashes as row `index`'s key did.
    public func keyMatches(_ index: Int, _ key: String) -> Bool {
        table[index] >> 32 == FNV1a.of(key) >> 32
    }

    public func digestMatches(_ index: Int, _ digest: UInt64) -> Bool {
        table[index] & 0xFFFF_FFFF == digest & 0xFFFF_FFFF
    }
}
