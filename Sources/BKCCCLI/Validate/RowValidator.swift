import BKCC

/// Checks rows one at a time — against the CMDB's model when it is known (`ModelCheck`: required attributes, every
/// type, unknown attributes counted as warnings), else by the offline rules (`Validation`) — plus what only a whole
/// file shows: a unique value (trimmed, as the server compares; an absent text attribute as "") that repeats an
/// earlier row's, for each of the model's unique rules (offline: `Validation.uniqueField`) and `--unique-field`.
///
/// To keep memory small on a million rows, repeats are found through 64-bit hashes of the values (FNV-1a), each
/// with the line it was first seen on, in a `RepeatTable` (about 12 bytes a row), not the values themselves. Two
/// different values with the same hash (odds about 1 in 10^7 for a million rows) would be flagged as a repeat: the message names both lines,
/// so a person can see it.
public struct RowValidator {
    /// The unique rules checked across rows: the model's (or the offline rule's), then `--unique-field` when it is
    /// not one of them.
    public let uniqueRules: [[String]]
    private var seen: [RepeatTable]
    /// The slot of `--unique-field`'s rule after the model's (`uniqueRules.count` when there is none, or no model).
    private let extraRuleSlot: Int
    public let objectID: String
    public let model: ModelCheck?
    /// `model`, lent to `checkQuickly` without a retain (this value's `model` keeps it alive, in every copy):
    /// bound to a local, it was retained and released around each row's check, as the closure that counts unknown
    /// attributes may change `self` (atomic operations: perf put 1.6% of a CSV import's time in those releases).
    private let lentModel: Unmanaged<ModelCheck>?
    /// Attributes the model does not know, in the order first seen, each with the hash of its name
    /// (`FlatObject.keyHash`), the name, how many rows had it, and the first line. The CMDB drops them. (By hash: a
    /// flat row's member is counted without making a String; two names of one 64-bit hash would be counted as the
    /// first.)
    private var unknownAttributes: [(hash: UInt64, name: String, rows: Int, firstLine: Int)] = []
    /// Where each is in `unknownAttributes`, once there are more than a few (a row's few unknown attributes are
    /// found by a look along the array: a table lookup was ~370 instructions a row).
    private var unknownSlots: [UInt64: Int] = [:]

    public init(objectID: String = "bk_switch", uniqueField: String = "bk_asset_id", model: ModelCheck? = nil) {
        self.objectID = objectID
        self.model = model
        lentModel = model.map { Unmanaged.passUnretained($0) }
        var rules = model?.model.unique ?? [[Validation.uniqueField(objectID)]]
        if !rules.contains([uniqueField]) { rules.append([uniqueField]) }
        uniqueRules = rules
        extraRuleSlot = model?.model.unique.count ?? rules.count
        seen = Array(repeating: RepeatTable(), count: rules.count)
    }

    /// The warnings to show once before sending: one line per attribute the model does not know.
    public var warnings: [String] {
        guard let model else { return [] }
        return unknownAttributes.map { seen in
            "\(printable(seen.name, limit: 64)) (in \(grouped(seen.rows)) row\(seen.rows == 1 ? "" : "s"), first on line \(seen.firstLine)): not an attribute of \(model.model.objectID): the CMDB drops it"
        }
    }

    /// The row's problems in one message (without its line), or nil when it is valid. Call once per row, in order.
    public mutating func check(_ row: InputRow) -> String? {
        if let problem = row.problem { return problem }
        guard let detail = row.detail else { return "unreadable row" }
        var problems: [String]
        if let model {
            let found = model.problems(of: detail)
            problems = found.problems
            for key in found.unknown { countUnknown(hash: FlatObject.keyHash(key), line: row.line) { key } }
        } else {
            problems = Validation.detailProblems(detail, objectID: objectID)
        }
        guard detail.isObject, problems.isEmpty || !problems.contains(where: { $0.hasPrefix("must be an object") }) else {
            return problems.joined(separator: "; ")
        }
        let line = UInt32(clamping: row.line)
        let modelRules = model?.model.unique.count ?? 0
        model?.forEachUniqueKeyHash(detail) { slot, hash in
            if let first = seen[slot].firstLine(of: hash, insertingAt: line) { repeated(slot, first, detail, &problems) }
        }
        for (slot, fields) in uniqueRules.enumerated() where slot >= modelRules {
            guard fields.count == 1, let value = detail[fields[0]]?.string else { continue }
            let key = String(value.trimmingSpace())
            guard !key.isEmpty else { continue }
            if let first = seen[slot].firstLine(of: FNV1a.of(key), insertingAt: line) { repeated(slot, first, detail, &problems) }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// `check` of a flat row (`FlatObject`), decided on its bytes: nil when the model check is not sure of it (then
    /// nothing was counted: `check` the parsed row instead); else the row's problems, nil inside when it is valid.
    /// `parsed` gives the row as a value, for a repeat's message (which shows the repeated values).
    public mutating func checkQuickly(_ flat: FlatObject, line: Int, parsed: () -> JSON?) -> String?? {
        guard let lentModel else { return nil }
        // The repeats found, as (slot, first line): nearly always none, and then no message is built.
        var repeats: [(slot: Int, first: UInt32)] = []
        let line32 = UInt32(clamping: line)
        let passed = lentModel._withUnsafeGuaranteedRef { model in
            guard model.passesQuickly(flat, unknown: { member in
                countUnknown(hash: member.keyHash, line: line) { String(decoding: member.key, as: UTF8.self) }
            }) else { return false }
            model.forEachUniqueKeyHash(flat) { slot, hash in
                if let first = seen[slot].firstLine(of: hash, insertingAt: line32) { repeats.append((slot, first)) }
            }
            return true
        }
        guard passed else { return nil }
        // `--unique-field`, when the model has no rule of it alone (usually it has: then nothing is touched here).
        if extraRuleSlot < uniqueRules.count, uniqueRules[extraRuleSlot].count == 1,
           case .string(let bytes)? = flat.value(of: uniqueRules[extraRuleSlot][0]),
           let hash = withSpaceTrimmed(bytes, { $0.isEmpty ? nil : FNV1a.of($0) }),
           let first = seen[extraRuleSlot].firstLine(of: hash, insertingAt: line32) {
            repeats.append((extraRuleSlot, first))
        }
        guard !repeats.isEmpty else { return .some(nil) }
        let detail = parsed()
        var problems: [String] = []
        for (slot, first) in repeats { repeated(slot, first, detail, &problems) }
        return .some(problems.joined(separator: "; "))
    }

    private mutating func countUnknown(hash: UInt64, line: Int, name: () -> String) {
        let slot = unknownAttributes.count <= 8 ? unknownAttributes.firstIndex { $0.hash == hash } : unknownSlots[hash]
        if let slot {
            unknownAttributes[slot].rows += 1
            return
        }
        unknownAttributes.append((hash, name(), 1, line))
        if unknownAttributes.count > 8 {
            if unknownSlots.isEmpty { for (slot, seen) in unknownAttributes.enumerated() { unknownSlots[seen.hash] = slot } }
            unknownSlots[hash] = unknownAttributes.count - 1
        }
    }

    private func repeated(_ slot: Int, _ first: UInt32, _ detail: JSON?, _ problems: inout [String]) {
        let fields = uniqueRules[slot]
        problems.append("\(fields.joined(separator: "+")) \(shownValue(detail, fields)) repeats line \(first); the server would reject it as duplicated")
    }

    private func shownValue(_ detail: JSON?, _ fields: [String]) -> String {
        fields.map { field -> String in
            guard let value = detail?[field], !value.isNull else { return "\"\" (absent: stored as \"\")" }
            if let text = value.string {
                let key = String(text.trimmingSpace())
                return "\"" + (key.count > 60 ? String(key.prefix(60)) + "…" : key) + "\""
            }
            return value.serialized() ?? "?"
        }.joined(separator: " + ")
    }
}
