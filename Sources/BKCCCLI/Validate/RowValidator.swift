import BKCC

/// Checks rows one at a time with the core's rules (`Validation`: an object, non-empty string `bk_inst_name` and
/// `bk_asset_id`, string `bk_sn` / `bk_operator`), plus what only a whole file shows: a unique value (trimmed, as
/// the server compares) that repeats an earlier row's.
///
/// To keep memory small on a million rows, repeats are found through 64-bit hashes of the values (FNV-1a), each
/// with the line it was first seen on, in a `RepeatTable` (about 16 bytes a row), not the values themselves. Two
/// different values with the same hash (odds about 1 in 10^7 for a million rows) would be flagged as a repeat: the message names both lines,
/// so a person can see it.
public struct RowValidator {
    /// The fields whose values must not repeat: `bk_asset_id` (the core's rule) and the import's unique field.
    public let uniqueFields: [String]
    private var seen: [RepeatTable]

    public init(uniqueField: String = "bk_asset_id") {
        uniqueFields = uniqueField == "bk_asset_id" ? ["bk_asset_id"] : ["bk_asset_id", uniqueField]
        seen = Array(repeating: RepeatTable(), count: uniqueFields.count)
    }

    /// The row's problems in one message (without its line), or nil when it is valid. Call once per row, in order.
    public mutating func check(_ row: InputRow) -> String? {
        if let problem = row.problem { return problem }
        guard let detail = row.detail else { return "unreadable row" }
        var problems = Validation.detailProblems(detail)
        if detail.isObject {
            for (slot, field) in uniqueFields.enumerated() {
                guard let value = detail[field]?.string else { continue }
                let key = String(value.trimmingSpace())
                guard !key.isEmpty else { continue }
                let hash = fnv1a(key)
                if let first = seen[slot].firstLine(of: hash, insertingAt: UInt32(clamping: row.line)) {
                    let shown = key.count > 60 ? String(key.prefix(60)) + "…" : key
                    problems.append("\(field) \"\(shown)\" repeats line \(first); the server would reject it as duplicated")
                }
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }
}

/// 64-bit FNV-1a of the UTF-8 bytes: stable across runs (Swift's `Hasher` is seeded per process).
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
}
