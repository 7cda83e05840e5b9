#if canImport(Glibc)
import Glibc
#endif
import CJansson
import CXXHash

/// Checks instances against a model as the CMDB does when it creates them (bk-cmdb
/// `coreservice/core/instances/instance_validate.go` validCreateInstanceData, `common/metadata/attribute.go`
/// `Attribute.Validate`, `common/util/struti.go`): first every required attribute must be present, then each
/// present value — strings trimmed first, as the server trims them — is checked by its attribute's type.
/// Attributes the model does not know are not errors: the server drops them silently, so they are warnings.
///
/// Built once per model (regexes compiled, option lists read) and then used for any number of details, from any
/// thread: it holds no mutable state.
public final class ModelCheck: @unchecked Sendable {
    public let model: Model
    private let rules: [String: Rule]
    /// The same rules by the hash of their id's bytes (`FlatObject.keyHash`): a member's key is looked up without
    /// making a String.
    private let rulesByHash: RuleTable
    private let requiredAttributes: [Model.Attribute]
    /// Each unique rule's fields, resolved once: a flat row's member found by its key's hash.
    private let uniqueFields: [[UniqueField]]

    /// No reference in it (a String and an Array were retained and released a field a row): the id's bytes, and
    /// a NUL after them (a C string for jansson's lookups), are in `uniqueIDStorage`, freed with this check.
    struct UniqueField {
        let idBytes: UnsafeRawBufferPointer
        let hash: UInt64
        /// A text attribute: absent, it is stored (and compared) as "".
        let isText: Bool

        var cID: UnsafePointer<CChar> { idBytes.baseAddress!.assumingMemoryBound(to: CChar.self) }
    }
    private let uniqueIDStorage: UnsafeMutableRawBufferPointer
    /// `ignoredKeys` by `FlatObject.keyHash`.
    private static let ignoredKeyHashes: [(hash: UInt64, key: String)] = ignoredKeys.map { (FlatObject.keyHash($0), $0) }

    /// Keys the server takes without an attribute (instance_validate.go createIgnoreKeys, and bk_obj_id).
    public static let ignoredKeys: Set<String> = ["bk_obj_id", "bk_supplier_account", "default", "bk_parent_id", "bk_biz_id",
                                           "bk_inst_id", "bk_data_status", "create_time", "last_time"]
    /// common/definitions.go FieldTypeSingleLenChar, FieldTypeLongLenChar, FieldTypeUserLenChar: bytes.
    static let singleLineBytes = 256
    static let longTextBytes = 2000

    public init(_ model: Model) {
        self.model = model
        var rules: [String: Rule] = [:]
        for attribute in model.attributes { rules[attribute.id] = Rule(attribute) }
        self.rules = rules
        var byHash: [UInt64: Rule] = [:]
        for (id, rule) in rules {
            let hash = FlatObject.keyHash(id)
            byHash[hash] = byHash[hash] == nil ? rule : nil  // two ids of one hash: neither is found fast
        }
        rulesByHash = RuleTable(byHash)
        requiredAttributes = model.attributes.filter(\.required)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: model.unique.joined().reduce(1) { $0 + $1.utf8.count + 1 },
                                                             alignment: 1)
        uniqueIDStorage = storage
        var at = 0
        uniqueFields = model.unique.map { fields in
            fields.map { id in
                let bytes = UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + id.utf8.count])
                bytes.copyBytes(from: id.utf8)
                storage[at + id.utf8.count] = 0
                at += id.utf8.count + 1
                return UniqueField(idBytes: UnsafeRawBufferPointer(bytes), hash: FlatObject.keyHash(id),
                                   isText: rules[id]?.attribute.isText == true)
            }
        }
    }

    deinit { uniqueIDStorage.deallocate() }

    /// One detail's problems (errors the server would refuse it for) and warnings (what it would drop), each as
    /// `"rack_u (U数): 61 is outside 1..60"`. Repeats across details are `problems(in:)`'s.
    public func check(_ detail: JSON) -> (problems: [String], warnings: [String]) {
        let found = problems(of: detail)
        return (found.problems, found.unknown.map { "\(printable($0, limit: 64)): not an attribute of \(model.objectID): the CMDB drops it" })
    }

    /// The same with the attributes the model does not know as their names (no message built for each: what a
    /// million-row import counts once per attribute).
    public func problems(of detail: JSON) -> (problems: [String], unknown: [String]) {
        guard detail.isObject else { return (["must be an object, got \(detail.kind.name)"], []) }
        if let problem = JSONShape.problem(detail) { return ([problem], []) }
        var problems: [String] = []
        var unknown: [String] = []
        for attribute in requiredAttributes {
            let value = attribute.id.withCString { json_object_get(detail.raw, $0) }
            if value.map({ bkcc_json_typeof($0) == Int32(JSON_NULL.rawValue) }) ?? true { problems.append("\(label(attribute)): required") }
        }
        // The members walked in place: a value the quick check passes costs no String and no JSON reference.
        var iterator = json_object_iter(detail.raw)
        while let current = iterator {
            defer { iterator = json_object_iter_next(detail.raw, current) }
            guard let keyBytes = json_object_iter_key(current), let member = json_object_iter_value(current) else { continue }
            let keyBuffer = UnsafeRawBufferPointer(start: keyBytes, count: json_object_iter_key_len(current))
            guard let rule = rule(named: keyBuffer) else {
                let key = String(decoding: keyBuffer, as: UTF8.self)
                if !ModelCheck.ignoredKeys.contains(key) { unknown.append(key) }
                continue
            }
            if rule.passesQuickly(member) { continue }
            let value = JSON(borrowing: member)
            if value.isNull { continue }  // required: reported above
            if let problem = rule.problem(value) { problems.append("\(label(rule.attribute)): \(problem)") }
        }
        return (problems, unknown)
    }

    /// Whether the flat row passes every check `problems(of:)` makes — required attributes present, each value
    /// surely fine on its bytes (`Rule.passesQuickly`) — and then each member the model does not know, given to
    /// `unknown` (only when it passes). False means "ask `problems(of:)`", which decides (and words) everything.
    public func passesQuickly(_ row: FlatObject, unknown: (FlatObject.Member) -> Void) -> Bool {
        var required = 0
        var unknownMembers: UInt64 = 0  // a bit a member (FlatObject.maxMembers is 64)
        for (position, member) in row.members.enumerated() {
            switch quickVerdict(member) {
            case .unknown: unknownMembers |= 1 << UInt64(position)
            case .fails: return false
            case .passes: break
            case .required: required += 1
            }
        }
        // A row has each key once (FlatObject refuses repeats): as many required members as required attributes.
        guard required == requiredAttributes.count else { return false }
        while unknownMembers != 0 {
            let member = row.members[unknownMembers.trailingZeroBitCount]
            unknownMembers &= unknownMembers - 1
            let ignored = ModelCheck.ignoredKeyHashes.contains { $0.hash == member.keyHash && $0.key.utf8.elementsEqual(member.key) }
            if !ignored { unknown(member) }
        }
        return true
    }

    /// Every detail's problems and warnings by index (`details[3].rack_u (U数): …`), with the unique rules checked
    /// across the details: a value (or combination) that repeats an earlier detail's is a problem, the empty string
    /// included — the server stores an absent text attribute as "" and compares it like any value.
    public func problems(in details: JSON) throws(BKCCError) -> (problems: [Int: String], warnings: [Int: String]) {
        guard details.isArray else { throw .invalid("details: must be a JSON array of objects, got \(details.kind.name)") }
        guard details.count > 0 else { throw BKCCError(.validation, "details: must hold at least one instance") }
        var problems: [Int: [String]] = [:]
        var warnings: [Int: [String]] = [:]
        var firstIndex: [[String: Int]] = Array(repeating: [:], count: model.unique.count)
        for (index, detail) in details.elements.enumerated() {
            let found = check(detail)
            for problem in found.problems { problems[index, default: []].append(Validation.locate(problem, at: index)) }
            for warning in found.warnings { warnings[index, default: []].append(Validation.locate(warning, at: index)) }
            guard detail.isObject, JSONShape.problem(detail) == nil else { continue }
            for (slot, key) in uniqueKeys(detail) {
                if let first = firstIndex[slot][key] {
                    let fields = model.unique[slot].joined(separator: "+")
                    problems[index, default: []].append(
                        "details[\(index)].\(fields): \(uniqueShown(detail, slot)) repeats details[\(first)]; the server would reject it as duplicated")
                } else {
                    firstIndex[slot][key] = index
                }
            }
        }
        return (problems.mapValues { $0.joined(separator: "; ") }, warnings.mapValues { $0.joined(separator: "; ") })
    }

    /// For each unique rule the detail can be compared on: the rule's slot and the values as the server would
    /// store them (strings trimmed; an absent text attribute ""), joined unambiguously. A rule with an absent
    /// attribute of another type is skipped (stored as null, which bkcc does not compare).
    public func uniqueKeys(_ detail: JSON) -> [(slot: Int, key: String)] {
        guard detail.isObject else { return [] }
        var keys: [(slot: Int, key: String)] = []
        forEachUniqueKey(as: KeyText.self, { field in KeyPart(json_object_get(detail.raw, field.cID)) }) { slot, key in
            keys.append((slot, key.text))
        }
        return keys
    }

    /// `uniqueKeys` as 64-bit hashes of the same key pieces (`UniqueKeyHash`), given to `body` rule by rule,
    /// without building the text: what a million-row file's repeat check needs (a String a rule a row cost ~5,000
    /// instructions).
    public func forEachUniqueKeyHash(_ detail: JSON, _ body: (_ slot: Int, _ hash: UInt64) -> Void) {
        guard detail.isObject else { return }
        forEachUniqueKey(as: UniqueKeyHash.self, { field in KeyPart(json_object_get(detail.raw, field.cID)) }) { slot, hash in
            body(slot, hash.value)
        }
    }

    /// The same hashes of a flat row's unique keys.
    public func forEachUniqueKeyHash(_ row: FlatObject, _ body: (_ slot: Int, _ hash: UInt64) -> Void) {
        forEachUniqueKey(as: UniqueKeyHash.self, { field in
            KeyPart(row.value(of: field.idBytes, hash: field.hash))
        }) { slot, hash in body(slot, hash.value) }
    }

    /// A unique field's value as a key takes it.
    private enum KeyPart {
        case text(UnsafeRawBufferPointer), integer(Int64), real(Double), bool(Bool)
        /// Absent, null, or an array or object: "" for a text attribute, else the rule is not compared.
        case absent

        init(_ member: UnsafeMutablePointer<json_t>?) {
            guard let member else {
                self = .absent
                return
            }
            switch json_type(UInt32(bkcc_json_typeof(member))) {
            case JSON_STRING: self = .text(UnsafeRawBufferPointer(start: json_string_value(member), count: json_string_length(member)))
            case JSON_INTEGER: self = .integer(json_integer_value(member))
            case JSON_REAL: self = .real(json_real_value(member))
            case JSON_TRUE: self = .bool(true)
            case JSON_FALSE: self = .bool(false)
            default: self = .absent
            }
        }

        init(_ value: FlatObject.Value?) {
            switch value {
            case .string(let bytes): self = .text(bytes)
            case .integer(let number): self = .integer(number)
            case .bool(let flag): self = .bool(flag)
            case .null, nil: self = .absent
            }
        }
    }

    /// The one walk behind `uniqueKeys` and both `forEachUniqueKeyHash`: each rule's key text fed to a `Key` (a
    /// String, or its hash) piece by piece, the value's own bytes when nothing is trimmed.
    private func forEachUniqueKey<Key: UniqueKeyText>(as _: Key.Type, _ member: (UniqueField) -> KeyPart, _ body: (Int, Key) -> Void) {
        rules: for (slot, fields) in uniqueFields.enumerated() {
            var key = Key()
            for field in fields {
                switch member(field) {
                case .text(let bytes):
                    withSpaceTrimmed(bytes) { key.addText($0) }
                case .integer(let number): key.add(UInt8(ascii: "n"), number, UInt8(ascii: ";"))
                case .real(let number): key.add("n\(number);")
                case .bool(let flag): key.add(flag ? "t;" : "f;")
                case .absent:
                    guard field.isText else { continue rules }
                    key.addText(UnsafeRawBufferPointer(start: nil, count: 0))  // as the server stores it: ""
                }
            }
            body(slot, key)
        }
    }

    private enum QuickVerdict { case unknown, fails, passes, required }

    /// A flat member against its attribute's rule, by the table's `QuickRule` (nothing retained or released); a
    /// null is as absent (a required one is not counted).
    @inline(__always)
    private func quickVerdict(_ member: FlatObject.Member) -> QuickVerdict {
        if let quick = rulesByHash.quick(member.keyHash), quick.pointee.isNamed(member.key) {
            return ModelCheck.quickVerdict(quick.pointee, member.value)
        }
        // Ids whose hashes collide are only in `rules`.
        guard rulesByHash.count != rules.count, let rule = rules[String(decoding: member.key, as: UTF8.self)] else { return .unknown }
        return ModelCheck.quickVerdict(QuickRule(rule), member.value)
    }

    @inline(__always)
    private static func quickVerdict(_ quick: QuickRule, _ value: FlatObject.Value) -> QuickVerdict {
        if case .null = value { return .passes }
        guard quick.passes(value) else { return .fails }
        return quick.required ? .required : .passes
    }

    /// The rule of the attribute whose id is `key`'s bytes, if any.
    private func rule(named key: UnsafeRawBufferPointer) -> Rule? {
        rule(named: key, hash: FlatObject.keyHash(key))
    }

    /// The same, given `FlatObject.keyHash(key)`.
    private func rule(named key: UnsafeRawBufferPointer, hash: UInt64) -> Rule? {
        // Same hash: the same id only when the bytes are too.
        if let rule = rulesByHash.rule(hash), rule.isNamed(key) { return rule }
        // Ids whose hashes collide are only in `rules`.
        return rulesByHash.count == rules.count ? nil : rules[String(decoding: key, as: UTF8.self)]
    }

    private func uniqueShown(_ detail: JSON, _ slot: Int) -> String {
        model.unique[slot].map { field -> String in
            guard let value = detail[field], !value.isNull else { return "\"\" (absent: stored as \"\")" }
            if let text = value.string { return "\"\(printable(String(text.trimmingSpace()), limit: 60))\"" }
            return value.serialized() ?? "?"
        }.joined(separator: " + ")
    }

    private func label(_ attribute: Model.Attribute) -> String {
        attribute.name.isEmpty || attribute.name == attribute.id ? attribute.id : "\(attribute.id) (\(printable(attribute.name, limit: 40)))"
    }
}

// MARK: - One attribute's rule

extension ModelCheck {
    /// An attribute with what its checks need, read once: the compiled regex, the range, the option ids.
    /// A class: looked up for every member of every row, and a struct of this size is copied (every field
    /// retained and released) at each lookup.
    final class Rule: @unchecked Sendable {
        let attribute: Model.Attribute
        /// The id's UTF-8, in memory of this rule's own (a `QuickRule` points to it; freed with the rule).
        let idBytes: UnsafeMutableRawBufferPointer
        /// nil: no pattern, or one bkcc cannot match safely as Go does (then the server alone checks it).
        let regex: GoPattern?
        let range: (min: Double?, max: Double?)
        let optionIDs: [String]
        /// The option ids' UTF-8 bytes: an enum or list value compared without making a String.
        let optionIDBytes: [[UInt8]]
        /// "1 (待运营)" for an option whose name is not its id: what a message shows.
        let optionLabels: [String]
        /// What `passesQuickly` decides by, worked out once from the attribute (its type's String compared a
        /// member, and the attribute read out of this object, were ~40 instructions a member).
        let quick: Quick
        let required: Bool

        enum Quick {
            case text(limit: Int)
            case users(multiple: Bool)
            case option
            case number
            case bool
            case other
        }

        init(_ attribute: Model.Attribute) {
            self.attribute = attribute
            idBytes = .allocate(byteCount: attribute.id.utf8.count, alignment: 1)
            idBytes.copyBytes(from: attribute.id.utf8)
            required = attribute.required
            switch attribute.type {
            case "singlechar": quick = .text(limit: ModelCheck.singleLineBytes)
            case "longchar": quick = .text(limit: ModelCheck.longTextBytes)
            case "objuser": quick = .users(multiple: attribute.multiple != false)
            case "enum", "list": quick = .option
            case "int", "float": quick = .number
            case "bool": quick = .bool
            default: quick = .other
            }
            let option = attribute.option
            if attribute.isText, let pattern = option.string, !pattern.isEmpty {
                regex = GoPattern(pattern)
            } else {
                regex = nil
            }
            func bound(_ key: String) -> Double? {
                guard let value = option[key] else { return nil }
                if let number = value.number { return number }
                if let text = value.string?.trimmingSpace(), !text.isEmpty { return Double(String(text)) }
                return nil
            }
            range = option.isObject ? (bound("min"), bound("max")) : (nil, nil)
            // enum, enummulti: [{"id": …, "name": …}]; list: ["a", "b"]
            optionIDs = option.isArray ? option.elements.compactMap { $0.string ?? $0["id"]?.string } : []
            optionIDBytes = optionIDs.map { Array($0.utf8) }
            optionLabels = option.isArray ? option.elements.compactMap { item -> String? in
                if let text = item.string { return text }
                guard let id = item["id"]?.string else { return nil }
                guard let name = item["name"]?.string, name != id, !name.isEmpty else { return id }
                return "\(id) (\(printable(name, limit: 20)))"
            } : []
        }

        /// True when `value` is certainly fine, decided on its bytes: a string of a text or user attribute with
        /// nothing to trim at either end, within its length, matching its pattern; an option id as written; an
        /// integer of an int or float attribute in range; a boolean of a bool one. False means "ask `problem`",
        /// which decides everything (and words it).
        func passesQuickly(_ value: UnsafeMutablePointer<json_t>) -> Bool {
            switch json_type(UInt32(bkcc_json_typeof(value))) {
            case JSON_STRING: return passesQuickly(.string(UnsafeRawBufferPointer(start: json_string_value(value), count: json_string_length(value))))
            case JSON_INTEGER: return passesQuickly(.integer(json_integer_value(value)))
            case JSON_TRUE: return passesQuickly(.bool(true))
            case JSON_FALSE: return passesQuickly(.bool(false))
            default: return false
            }
        }

        deinit { idBytes.deallocate() }

        /// The same decision on a value's bytes (a flat row's, or a jansson value's above): one rule for both
        /// (`QuickRule.passes`).
        func passesQuickly(_ value: FlatObject.Value) -> Bool { QuickRule(self).passes(value) }

        /// Whether `key` is the attribute's id, byte for byte.
        func isNamed(_ key: UnsafeRawBufferPointer) -> Bool { QuickRule(self).isNamed(key) }

        /// `text` matches the pattern (nil from the matcher: not sure, the full check decides).
        func matchesPattern(_ text: UnsafeRawBufferPointer) -> Bool { regex?.matches(utf8: text) == true }

        /// `text` is one of the option ids, as written.
        func isOptionID(_ text: UnsafeRawBufferPointer) -> Bool { optionIDBytes.contains { $0.elementsEqual(text) } }

        /// Letters, digits and `@ . , _ -`, not starting with `_` or a punctuation mark, no comma unless several
        /// users are allowed: what `user` passes, on bytes.
        static func isPlainUserList(_ text: UnsafeRawBufferPointer, multiple: Bool) -> Bool {
            let count = text.count
            guard count > 0, count <= ModelCheck.longTextBytes else { return false }
            guard isIdentifierByte(text[0]), text[0] != 0x5F else { return false }
            for offset in 1..<count {
                let byte = text[offset]
                if isIdentifierByte(byte) || byte == UInt8(ascii: "@") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") { continue }
                if byte == UInt8(ascii: ","), multiple { continue }
                return false
            }
            return true
        }

        /// Why the server would refuse `value` (present, not null), or nil.
        func problem(_ value: JSON) -> String? {
            switch attribute.type {
            case "singlechar": return text(value, limit: ModelCheck.singleLineBytes, kind: "single-line text")
            case "longchar": return text(value, limit: ModelCheck.longTextBytes, kind: "long text")
            case "objuser": return user(value)
            case "int":
                // util.IsNumeric: any JSON number is taken; but the range check reads it through json.Number.Int64,
                // which fails for a number written with a fraction ("3.0", "3.5"): the CMDB checks 0 instead.
                guard value.number != nil else { return "must be a number, got \(value.kind.name)" }
                if let integer = value.integer { return outside(Double(integer)) }
                guard let why = outside(0) else { return nil }
                let shownValue = value.serialized() ?? "?"
                return "\(shownValue) is not a whole number: the CMDB reads it as 0, " + why.replacing("0 is ", with: "")
            case "float":
                // util.GetFloat64ByInterface also takes a numeric string.
                if let number = value.number { return outside(number) }
                if let text = value.string, let number = Double(String(text.trimmingSpace())), number.isFinite { return outside(number) }
                return "must be a number, got \(value.kind.name)"
            case "bool":
                return value.bool == nil ? "must be true or false, got \(value.kind.name)" : nil
            case "enum":
                guard let id = value.string?.trimmingSpace() else { return "must be an option id (a string), got \(value.kind.name)" }
                return optionIDs.contains(String(id)) ? nil : notAnOption(String(id))
            case "enummulti":
                guard value.isArray else { return "must be an array of option ids, got \(value.kind.name)" }
                if value.count == 0 { return attribute.required ? "required: at least one option" : nil }
                if attribute.multiple == false, value.count != 1 { return "takes exactly one option, got \(value.count)" }
                for element in value.elements {
                    guard let id = element.string else { return "must be an array of option ids (strings)" }
                    if !optionIDs.contains(id) { return notAnOption(id) }
                }
                return nil
            case "enumquote":
                return value.isArray ? nil : "must be an array of instance ids, got \(value.kind.name)"
            case "list":
                guard let item = value.string?.trimmingSpace() else { return "must be one of the list's values (a string), got \(value.kind.name)" }
                return optionIDs.contains(String(item)) ? nil : notAnOption(String(item))
            case "date":
                guard let text = value.string?.trimmingSpace() else { return "must be a date YYYY-MM-DD, got \(value.kind.name)" }
                if text.isEmpty { return attribute.required ? "required" : nil }
                return Rule.isDate(text) ? nil : "must be a date YYYY-MM-DD, got \"\(printable(String(text), limit: 40))\""
            case "time":
                guard let text = value.string?.trimmingSpace() else { return "must be a time YYYY-MM-DD hh:mm:ss, got \(value.kind.name)" }
                if text.isEmpty { return attribute.required ? "required" : nil }
                return Rule.isTime(text) ? nil : "must be a time YYYY-MM-DD hh:mm:ss (or RFC 3339 with a zone), got \"\(printable(String(text), limit: 40))\""
            case "timezone":
                guard let text = value.string?.trimmingSpace(), !text.isEmpty else { return "must be a time zone such as Asia/Shanghai" }
                return text.unicodeScalars.allSatisfy(Rule.isTimeZoneScalar) ? nil : "must be a time zone such as Asia/Shanghai, got \"\(printable(String(text), limit: 40))\""
            case "organization":
                guard value.isArray else { return "must be an array of organization ids, got \(value.kind.name)" }
                if value.count == 0 { return attribute.required ? "required: at least one organization" : nil }
                if attribute.multiple == false, value.count != 1 { return "takes exactly one organization, got \(value.count)" }
                return value.elements.allSatisfy { $0.integer != nil } ? nil : "must be an array of organization ids (integers)"
            default:
                return nil  // table, innertable, idrule, …: the server alone knows
            }
        }

        private func text(_ value: JSON, limit: Int, kind: String) -> String? {
            guard let raw = value.string else { return "must be a string, got \(value.kind.name)" }
            let text = raw.trimmingSpace()
            if text.utf8.count > limit {
                return "\(text.utf8.count) bytes, more than the \(limit) bytes of \(kind) (a Chinese character takes 3)"
            }
            if text.isEmpty { return attribute.required ? "required, must not be empty" : nil }
            if let regex, regex.matches(String(text)) == false {
                return "\"\(printable(String(text), limit: 40))\" does not match the model's pattern \(Rule.shortened(attribute.option.string ?? ""))"
            }
            return nil
        }

        /// A pattern short enough for a one-line message.
        static func shortened(_ pattern: String) -> String {
            pattern.count > 60 ? printable(pattern, limit: 60) + "…" : printable(pattern, limit: 60)
        }

        private func user(_ value: JSON) -> String? {
            guard let raw = value.string else { return "must be a string of user names, got \(value.kind.name)" }
            let text = raw.trimmingSpace()
            if text.utf8.count > ModelCheck.longTextBytes { return "\(text.utf8.count) bytes, more than \(ModelCheck.longTextBytes)" }
            if text.isEmpty { return attribute.required ? "required, must not be empty" : nil }
            if attribute.multiple == false, text.contains(",") { return "takes one user, got a list" }
            // struti.go userPattern ^(\d|[a-zA-Z])([a-zA-Z0-9\@.,_-])*$
            let bytes = Array(text.utf8)
            let first = bytes[0]
            let ok = isIdentifierByte(first) && first != 0x5F
                && bytes.dropFirst().allSatisfy { isIdentifierByte($0) || "@.,-".utf8.contains($0) }
            return ok ? nil : "\"\(printable(String(text), limit: 40))\" is not a user name (letters, digits and @ . , _ -)"
        }

        private func outside(_ number: Double) -> String? {
            if let min = range.min, number < min { return "\(shown(number)) is below the minimum \(shown(min))" }
            if let max = range.max, number > max { return "\(shown(number)) is above the maximum \(shown(max))" }
            return nil
        }

        private func shown(_ number: Double) -> String {
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        }

        private func notAnOption(_ id: String) -> String {
            let shownIDs = optionLabels.prefix(12).joined(separator: ", ") + (optionLabels.count > 12 ? ", …" : "")
            return "\"\(printable(id, limit: 40))\" is not one of its options (\(shownIDs.isEmpty ? "none" : shownIDs))"
        }

        /// Go's time.Parse(time.DateOnly): four-digit year, two-digit month and day, a day that exists.
        static func isDate(_ text: Substring) -> Bool {
            let b = Array(text.utf8)
            guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return false }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range { guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }; value = value * 10 + Int(b[i] - 0x30) }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month) else { return false }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            return (1...days).contains(day)
        }

        /// struti.go dateTimePattern `YYYY-MM-DD hh:mm:ss` or timeWithLocationPattern `YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm)`:
        /// digits in place, values not checked (as the patterns do not).
        static func isTime(_ text: Substring) -> Bool {
            let b = Array(text.utf8)
            func digits(_ positions: [Int]) -> Bool { positions.allSatisfy { $0 < b.count && b[$0] >= 0x30 && b[$0] <= 0x39 } }
            guard b.count >= 19, digits([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]),
                  b[4] == 0x2D, b[7] == 0x2D, b[13] == 0x3A, b[16] == 0x3A else { return false }
            if b.count == 19, b[10] == 0x20 { return true }
            guard b[10] == 0x54 else { return false }
            var i = 19
            if i < b.count, b[i] == 0x2E {
                i += 1
                let start = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > start else { return false }
            }
            if i == b.count - 1, b[i] == 0x5A { return true }
            return i == b.count - 6 && (b[i] == 0x2B || b[i] == 0x2D) && digits([i + 1, i + 2, i + 4, i + 5]) && b[i + 3] == 0x3A
        }

        /// struti.go timeZonePattern `^[a-zA-Z0-9\-−_\/\+]+$`.
        static func isTimeZoneScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII ? (isIdentifierByte(UInt8(scalar.value)) || "-/+".unicodeScalars.contains(scalar)) : scalar == "\u{2212}"
        }
    }
}

/// What a unique key's text is fed to: the text itself (`uniqueKeys`) or its hash (`UniqueKeyHash`).
protocol UniqueKeyText {
    init()
    mutating func add(_ text: String)
    mutating func add(_ bytes: UnsafeRawBufferPointer)
    /// A text value, trimmed: `s<its byte count>:` and its bytes.
    mutating func addText(_ trimmed: UnsafeRawBufferPointer)
}

extension UniqueKeyText {
    /// `"\(tag)\(number)\(end)"` ("s12:", "n42;"), without making the String (a row's key is hashed, not kept).
    mutating func add(_ tag: UInt8, _ number: Int64, _ end: UInt8) {
        withDecimal(number, prefix: tag, suffix: end) { add($0) }
    }

    mutating func addText(_ trimmed: UnsafeRawBufferPointer) {
        add(UInt8(ascii: "s"), Int64(trimmed.count), UInt8(ascii: ":"))
        add(trimmed)
    }
}

/// A unique key's pieces hashed one after another, each by XXH3 seeded with the hash so far; a text value in one
/// piece, its length folded into the seed. Not a hash of the key's text (as FNV-1a's stream was): both ways of
/// reading a row (`forEachUniqueKeyHash` of a flat row and of a parsed one) feed it the same pieces, and nothing
/// else compares with it. (FNV-1a takes a byte a step and a text's `s<count>:` was a piece of its own: ~100 more
/// instructions a JSON Lines row, callgrind.)
struct UniqueKeyHash: UniqueKeyText {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        value = bkcc_xxh3(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count, value)
    }

    @inline(__always)
    mutating func addText(_ trimmed: UnsafeRawBufferPointer) {
        value = bkcc_xxh3(trimmed.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, trimmed.count,
                          ValueDigest.mix(value ^ (UInt64(trimmed.count) &* 0x7300_0000_0000_0001)))
    }
}

/// What a flat member's quick check needs of its attribute's rule, holding no reference: the rule table's entry.
/// (A rule, a class, lent for the check was still retained and released around each member's check — an atomic
/// pair, ~40 cycles a member: perf, 1,000,000 CSV rows, retains and releases were 18% of the CLI's time.) The
/// rule itself is reached, unretained, only for a pattern or options; the table's owner (`ModelCheck.rules`)
/// keeps it, and the id's bytes, alive as long as the table.
struct QuickRule {
    let id: UnsafeRawBufferPointer
    /// `Rule.Quick` without its payloads, which are fields here: a flat, trivially copied entry (the enum with
    /// payloads and two `Double?` made a 64-byte `QuickRule?` that the table copied out for every member,
    /// ~300 of passesQuickly's ~1,700 instructions a seven-member row, callgrind).
    let kind: Kind
    let multiple: Bool
    let required: Bool
    let hasPattern: Bool
    /// The text limit in bytes (`.text`).
    let limit: Int
    /// The range (`.number`); −∞ and +∞ when the model gives none.
    let min: Double
    let max: Double
    let rule: Unmanaged<ModelCheck.Rule>

    enum Kind: UInt8 { case text, users, option, number, bool, other }

    init(_ rule: ModelCheck.Rule) {
        id = UnsafeRawBufferPointer(rule.idBytes)
        var limit = 0
        var multiple = false
        switch rule.quick {
        case .text(let bytes): (kind, limit) = (.text, bytes)
        case .users(let several): (kind, multiple) = (.users, several)
        case .option: kind = .option
        case .number: kind = .number
        case .bool: kind = .bool
        case .other: kind = .other
        }
        (self.limit, self.multiple) = (limit, multiple)
        required = rule.required
        min = rule.range.min ?? -.infinity
        max = rule.range.max ?? .infinity
        hasPattern = rule.regex != nil
        self.rule = Unmanaged.passUnretained(rule)
    }

    /// Whether `key` is the attribute's id, byte for byte.
    @inline(__always)
    func isNamed(_ key: UnsafeRawBufferPointer) -> Bool { bytesEqual(id, key) }

    /// True when `value` is certainly fine (`Rule.passesQuickly`'s rule).
    @inline(__always)
    func passes(_ value: FlatObject.Value) -> Bool {
        switch value {
        case .string(let text):
            switch kind {
            case .text:
                let count = text.count
                guard count > 0, count <= limit, JSON.cannotTrim(text) else { return false }
                return !hasPattern || rule._withUnsafeGuaranteedRef { $0.matchesPattern(text) }
            case .users:
                return !hasPattern && ModelCheck.Rule.isPlainUserList(text, multiple: multiple)
            case .option:
                return JSON.cannotTrim(text) && rule._withUnsafeGuaranteedRef { $0.isOptionID(text) }
            default:
                return false
            }
        case .integer(let integer):
            guard kind == .number else { return false }
            // A NaN bound (a model's "min": "nan") fails both comparisons: the full check decides, as before.
            let number = Double(integer)
            return number >= min && number <= max
        case .bool:
            return kind == .bool
        case .null:
            return false
        }
    }
}

/// The rules by the FNV-1a hash of their id, open-addressed in memory of its own: a member's rule found in a few
/// instructions (a `Dictionary<UInt64, Rule>` lookup was ~140 instructions, and a row looks up each member), as a
/// pointer to the entry (nothing copied, retained or released). Owned by a `ModelCheck`, which keeps the rules alive.
final class RuleTable {
    private let hashes: UnsafeMutableBufferPointer<UInt64>
    private let used: UnsafeMutableBufferPointer<Bool>
    private let rules: UnsafeMutablePointer<QuickRule>
    private let mask: Int
    /// How many rules it holds.
    let count: Int

    init(_ byHash: [UInt64: ModelCheck.Rule]) {
        var size = 16
        while size < byHash.count * 2 { size *= 2 }
        hashes = .allocate(capacity: size)
        hashes.initialize(repeating: 0)
        used = .allocate(capacity: size)
        used.initialize(repeating: false)
        rules = .allocate(capacity: size)
        for (hash, rule) in byHash {
            var slot = RuleTable.slot(hash, size - 1)
            while used[slot] { slot = (slot + 1) & (size - 1) }
            hashes[slot] = hash
            used[slot] = true
            (rules + slot).initialize(to: QuickRule(rule))
        }
        (mask, count) = (size - 1, byHash.count)
    }

    deinit {
        // QuickRule holds no reference (BitwiseCopyable fields and an unretained rule): nothing to deinitialize.
        hashes.deallocate()
        used.deallocate()
        rules.deallocate()
    }

    @inline(__always)
    private static func slot(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    func rule(_ hash: UInt64) -> ModelCheck.Rule? {
        quick(hash)?.pointee.rule.takeUnretainedValue()
    }

    /// The quick check of the rule of `hash`, if any, in place.
    @inline(__always)
    func quick(_ hash: UInt64) -> UnsafePointer<QuickRule>? {
        var slot = RuleTable.slot(hash, mask)
        while used[slot] {
            if hashes[slot] == hash { return UnsafePointer(rules + slot) }
            slot = (slot + 1) & mask
        }
        return nil
    }
}

struct KeyText: UniqueKeyText {
    var text = ""
    mutating func add(_ piece: String) { text += piece }
    mutating func add(_ bytes: UnsafeRawBufferPointer) { text += String(decoding: bytes, as: UTF8.self) }
}
