/// What `sync` would do to make a model's instances say what a list of rows says, matched by one key attribute:
/// create the rows the server lacks, update the attributes that differ, leave the rest; the server's instances no
/// row names are `extra` (deleted only when asked). Pure: the rows and the server's instances go in, the plan comes
/// out (`SyncPlanner`); `Client.syncPlan` reads the instances.
public struct SyncPlan: Sendable {
    public enum Action: String, Sendable, CaseIterable {
        case create, update, unchanged
        /// Two or more instances on the server have the row's key (a model without a unique rule on it): left alone.
        case ambiguous
        /// Only attributes the model does not let anyone edit differ: reported, never silently dropped.
        case blocked
    }

    /// One attribute that differs: what the server has (nil: nothing) and what the row says.
    public struct Change: Sendable {
        public var attribute: String
        public var before: JSON?
        public var after: JSON
        /// The model does not let it be edited: not sent.
        public var editable: Bool
    }

    public struct Row: Sendable {
        /// The row's index in the input (0-based).
        public var index: Int
        public var key: String
        public var action: Action
        /// The instance it matched (update, unchanged, blocked), or the instances (ambiguous).
        public var instanceIDs: [Int64]
        public var changes: [Change]
        /// The row as given: sent whole for a create.
        public var detail: JSON

        /// The update to send: `{"bk_inst_id": id, attribute: value}` of the editable changes only.
        public func update() throws(BKCCError) -> JSON? {
            guard action == .update, let id = instanceIDs.first else { return nil }
            let object = try JSON.object(["bk_inst_id": .integer(id)])
            for change in changes where change.editable { try object.set(change.attribute, change.after) }
            return object
        }
    }

    /// An instance of the server that no row names.
    public struct Extra: Sendable {
        public var instanceID: Int64
        public var key: String
    }

    public var objectID: String
    public var key: String
    public var rows: [Row]
    public var extra: [Extra]

    public func count(_ action: Action) -> Int { rows.reduce(0) { $0 + ($1.action == action ? 1 : 0) } }

    /// Nothing to create or update (extra instances are kept unless pruned, blocked and ambiguous rows left alone).
    public var nothingToDo: Bool { count(.create) == 0 && count(.update) == 0 }

    /// "3 to create, 2 to update, 995 unchanged, 4 on the server but not in the file" (+ ambiguous, blocked).
    public var summary: String {
        var parts = ["\(count(.create)) to create", "\(count(.update)) to update", "\(count(.unchanged)) unchanged"]
        if count(.blocked) > 0 { parts.append("\(count(.blocked)) with changes to attributes that cannot be edited") }
        if count(.ambiguous) > 0 { parts.append("\(count(.ambiguous)) matching several instances (left alone)") }
        parts.append("\(extra.count) on the server but not in the input")
        return parts.joined(separator: ", ")
    }
}

// MARK: - The planner

/// Builds a `SyncPlan`: the rows first (`add(row:)`: each must have a key of its own), then every instance of the
/// server (`add(instance:)`), then `plan()`. Keys compare as the server stores them: strings trimmed, integers as
/// their digits (`LookupOperation.key`).
public struct SyncPlanner {
    public let model: Model
    public let key: String
    private var rows: [(index: Int, key: String, detail: JSON)] = []
    private var rowByKey: [String: Int] = [:]
    private var instancesByKey: [String: [JSON]] = [:]
    private var extraOrder: [String] = []

    /// Throws `.invalidArgument` when `key` is not an attribute of the model.
    public init(model: Model, key: String) throws(BKCCError) {
        guard model.attribute(key) != nil else {
            throw .invalid("key: \"\(printable(key, limit: 64))\" is not an attribute of \(model.objectID)")
        }
        self.model = model
        self.key = key
    }

    /// Adds a row; returns why it cannot be planned (no key, or a key an earlier row has), or nil.
    public mutating func add(row index: Int, detail: JSON) -> String? {
        guard let value = detail[key], let text = LookupOperation.key(value) else {
            return "\(key): the sync key is empty"
        }
        if let first = rowByKey[text] {
            return "\(key) \"\(printable(text, limit: 60))\" repeats row \(rows[first].index): each row's key must be its own"
        }
        rowByKey[text] = rows.count
        rows.append((index, text, detail))
        return nil
    }

    /// The server's instance (with `bk_inst_id` and the key).
    public mutating func add(instance: JSON) {
        guard instance["bk_inst_id"]?.integer != nil, let value = instance[key], let text = LookupOperation.key(value) else { return }
        if instancesByKey[text] == nil { extraOrder.append(text) }
        instancesByKey[text, default: []].append(instance)
    }

    /// The attributes the rows name (and the key, and bk_inst_id): what the search needs to return.
    public var fieldsNeeded: [String] {
        var fields: [String] = ["bk_inst_id", key]
        var seen = Set(fields)
        for row in rows {
            for (name, _) in row.detail.entries where model.attribute(name) != nil && seen.insert(name).inserted { fields.append(name) }
        }
        return fields
    }

    public func plan() -> SyncPlan {
        var planned: [SyncPlan.Row] = []
        planned.reserveCapacity(rows.count)
        for row in rows {
            let found = instancesByKey[row.key] ?? []
            let ids = found.compactMap { $0["bk_inst_id"]?.integer }
            guard let instance = found.first else {
                planned.append(SyncPlan.Row(index: row.index, key: row.key, action: .create, instanceIDs: [], changes: [], detail: row.detail))
                continue
            }
            if found.count > 1 {
                planned.append(SyncPlan.Row(index: row.index, key: row.key, action: .ambiguous, instanceIDs: ids, changes: [], detail: row.detail))
                continue
            }
            var changes: [SyncPlan.Change] = []
            for (name, desired) in row.detail.entries where name != key {
                guard let attribute = model.attribute(name) else { continue }  // the server drops it: nothing to compare
                let stored = instance[name]
                if !SyncPlanner.same(desired, stored) {
                    changes.append(SyncPlan.Change(attribute: name, before: stored, after: desired, editable: attribute.editable))
                }
            }
            let action: SyncPlan.Action = changes.isEmpty ? .unchanged : changes.contains(where: \.editable) ? .update : .blocked
            planned.append(SyncPlan.Row(index: row.index, key: row.key, action: action, instanceIDs: ids, changes: changes, detail: row.detail))
        }
        var extra: [SyncPlan.Extra] = []
        for text in extraOrder where rowByKey[text] == nil {
            for instance in instancesByKey[text] ?? [] {
                if let id = instance["bk_inst_id"]?.integer { extra.append(SyncPlan.Extra(instanceID: id, key: text)) }
            }
        }
        return SyncPlan(objectID: model.objectID, key: key, rows: planned, extra: extra)
    }

    /// Whether a row's value is what the server has, as the server would store it: strings trimmed (an empty one
    /// is what an absent text attribute holds), numbers by value, arrays element by element.
    public static func same(_ desired: JSON, _ stored: JSON?) -> Bool {
        guard let stored, !stored.isNull else {
            if desired.isNull { return true }
            return desired.string.map { $0.trimmingSpace().isEmpty } ?? false
        }
        if let text = desired.string {
            return stored.string.map { $0.trimmingSpace() == text.trimmingSpace() } ?? false
        }
        if let number = desired.number { return stored.number == number }
        if let bool = desired.bool { return stored.bool == bool }
        if desired.isArray, stored.isArray {
            guard desired.count == stored.count else { return false }
            return zip(desired.elements, stored.elements).allSatisfy { same($0, $1) }
        }
        return desired == stored
    }
}

// MARK: - As JSON

extension SyncPlan {
    /// One row's line of the plan: `{"index", "key", "action", "bk_inst_id", "changes": [{"attribute", "before",
    /// "after", "editable"}]}`.
    public func json(_ row: Row) throws(BKCCError) -> JSON {
        let object = try JSON.object(["index": .integer(Int64(row.index)), "key": .string(row.key), "action": .string(row.action.rawValue)])
        if row.instanceIDs.count == 1 { try object.set("bk_inst_id", .integer(row.instanceIDs[0])) }
        if row.instanceIDs.count > 1 {
            let ids = try JSON.array()
            for id in row.instanceIDs { try ids.append(.integer(id)) }
            try object.set("bk_inst_ids", ids)
        }
        if !row.changes.isEmpty {
            let changes = try JSON.array()
            for change in row.changes {
                try changes.append(JSON.object(["attribute": .string(change.attribute), "before": change.before ?? .null,
                                                "after": change.after, "editable": .bool(change.editable)]))
            }
            try object.set("changes", changes)
        }
        return object
    }

    /// The counts: `{"create", "update", "unchanged", "ambiguous", "blocked", "extra"}`.
    public func countsJSON() throws(BKCCError) -> JSON {
        let object = try JSON.object()
        for action in Action.allCases { try object.set(action.rawValue, count(action)) }
        try object.set("extra", extra.count)
        return object
    }

    /// The whole plan as JSON: `{"bk_obj_id", "key", "counts": {…}, "rows": [row lines, updates with "update": the
    /// request item to send], "extra": [{"key", "bk_inst_id"}]}`.
    public func json() throws(BKCCError) -> JSON {
        let list = try JSON.array()
        for row in rows {
            let entry = try json(row)
            if let update = try row.update() { try entry.set("update", update) }
            try list.append(entry)
        }
        let extras = try JSON.array()
        for item in extra { try extras.append(JSON.object(["key": .string(item.key), "bk_inst_id": .integer(item.instanceID)])) }
        return try JSON.object(["bk_obj_id": .string(objectID), "key": .string(key), "counts": countsJSON(), "rows": list, "extra": extras])
    }
}
