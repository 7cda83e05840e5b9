/// A CMDB model as bkcc checks instances against it: its attributes (as `search_object_attribute` answers them)
/// and its unique rules (`search_object_unique` on the gateway; over the ESB, which has no such component, the
/// attributes marked `isonly`). `bkcc_get_model` returns it as JSON (`json()`); `init(json:)` reads that JSON back,
/// from a caller, so it checks every member.
public struct Model: Sendable {
    public struct Attribute: Sendable {
        /// `bk_property_id`.
        public var id: String
        /// `bk_property_name`: the display name (固资编号, …), which the server's messages name.
        public var name: String
        /// `bk_property_type`: singlechar, longchar, int, float, enum, enummulti, enumquote, date, time, timezone,
        /// bool, objuser, list, organization, … (other types are passed on unchecked).
        public var type: String
        public var required: Bool
        public var editable: Bool
        /// As the server gives it: a regex (text), `{"min", "max"}` (numbers), the options (enum, list); null if none.
        public var option: JSON
        /// `ismultiple` (objuser, enummulti, organization); nil when the server does not say.
        public var multiple: Bool?
        public var defaultValue: JSON
        public var unit: String
        public var placeholder: String
        public var group: String

        public init(id: String, name: String, type: String, required: Bool = false, editable: Bool = true,
                    option: JSON = .null, multiple: Bool? = nil, defaultValue: JSON = .null, unit: String = "",
                    placeholder: String = "", group: String = "") {
            self.id = id
            self.name = name
            self.type = type
            self.required = required
            self.editable = editable
            self.option = option
            self.multiple = multiple
            self.defaultValue = defaultValue
            self.unit = unit
            self.placeholder = placeholder
            self.group = group
        }

        /// The attribute's text types: the server stores an absent one as "" (bk-cmdb validator_util.go
        /// FillLostFieldValue), which its unique rules then compare like any value.
        public var isText: Bool { type == "singlechar" || type == "longchar" }
    }

    public var objectID: String
    public var name: String
    /// In the server's display order.
    public var attributes: [Attribute]
    /// Each rule: attribute ids whose values together must not repeat.
    public var unique: [[String]]

    public init(objectID: String, name: String, attributes: [Attribute], unique: [[String]]) {
        self.objectID = objectID
        self.name = name
        self.attributes = attributes
        self.unique = unique
    }

    public func attribute(_ id: String) -> Attribute? { attributes.first { $0.id == id } }

    /// The attribute that identifies an instance on its own: the model's single-field unique rule (`bk_asset_id`
    /// first on the device models, which may have others); nil when there is none, or several.
    public var uniqueField: String? {
        let single = unique.filter { $0.count == 1 }.map { $0[0] }
        if single.contains("bk_asset_id") { return "bk_asset_id" }
        return single.count == 1 ? single[0] : nil
    }

    /// "11 attributes, unique: bk_asset_id" — what the CLI says it checked against.
    public var summary: String {
        let rules = unique.map { $0.joined(separator: "+") }.joined(separator: ", ")
        return "\(attributes.count) attribute\(attributes.count == 1 ? "" : "s"), unique: \(rules.isEmpty ? "none" : rules)"
    }
}

// MARK: - From the server's answers

extension Model {
    /// The model from the data of `search_object_attribute` (an array of attributes) and, when read, of
    /// `search_object_unique` (rules whose keys name attributes by their numeric `id`). Without unique rules
    /// (the ESB), each attribute marked `isonly` is a rule of its own. Throws `.protocolError` for data that is not
    /// shaped so, and `.api` when the model has no attributes (the server answers an unknown model so).
    public static func fromServer(objectID: String, attributes data: JSON, uniques: JSON?) throws(BKCCError) -> Model {
        guard data.isArray else { throw BKCCError(.protocolError, "search_object_attribute answer: data is not an array") }
        guard data.count > 0 else {
            var error = BKCCError(.api, "model \"\(printable(objectID, limit: 128))\" not found: the CMDB knows no attributes of it")
            error.hint = .unknownModel
            throw error
        }
        var attributes: [(index: Int64, attribute: Attribute)] = []
        var idsByNumber: [Int64: String] = [:]
        var isOnly: [String] = []
        for (position, entry) in data.elements.enumerated() {
            guard entry.isObject, let id = entry["bk_property_id"]?.string, !id.isEmpty else {
                throw BKCCError(.protocolError, "search_object_attribute answer: attribute \(position) has no bk_property_id")
            }
            let attribute = Attribute(
                id: id, name: entry["bk_property_name"]?.string ?? id,
                type: entry["bk_property_type"]?.string ?? "singlechar",
                required: entry["isrequired"]?.bool ?? false, editable: entry["editable"]?.bool ?? true,
                option: entry["option"] ?? .null, multiple: entry["ismultiple"]?.bool,
                defaultValue: entry["default"] ?? .null, unit: entry["unit"]?.string ?? "",
                placeholder: entry["placeholder"]?.string ?? "", group: entry["bk_property_group_name"]?.string ?? entry["bk_property_group"]?.string ?? "")
            if let number = entry["id"]?.integer { idsByNumber[number] = id }
            if entry["isonly"]?.bool == true { isOnly.append(id) }
            attributes.append((entry["bk_property_index"]?.integer ?? Int64(position), attribute))
        }
        // The server's display order; the answer's own order where it does not say.
        let ordered = attributes.enumerated().sorted { ($0.element.index, $0.offset) < ($1.element.index, $1.offset) }
            .map(\.element.attribute)
        var rules: [[String]] = []
        if let uniques {
            guard uniques.isArray else { throw BKCCError(.protocolError, "search_object_unique answer: data is not an array") }
            for rule in uniques.elements {
                guard let keys = rule["keys"], keys.isArray else {
                    throw BKCCError(.protocolError, "search_object_unique answer: a rule without keys")
                }
                var fields: [String] = []
                for key in keys.elements where (key["key_kind"]?.string ?? "property") == "property" {
                    guard let number = key["key_id"]?.integer, let id = idsByNumber[number] else {
                        throw BKCCError(.protocolError, "search_object_unique answer: a key names no attribute of the model")
                    }
                    fields.append(id)
                }
                if !fields.isEmpty { rules.append(fields) }
            }
        } else {
            rules = isOnly.map { [$0] }
        }
        return Model(objectID: objectID, name: objectID, attributes: ordered, unique: rules)
    }
}

// MARK: - As JSON (bkcc_get_model's answer, bkcc_validate_model's input)

extension Model {
    /// `{"bk_obj_id", "name", "attributes": [{"id", "name", "type", "required", "editable", "option", "multiple",
    /// "default", "unit", "placeholder", "group"}], "unique": [[…]]}`.
    public func json() throws(BKCCError) -> JSON {
        let list = try JSON.array()
        for attribute in attributes {
            let entry = try JSON.object([
                "id": .string(attribute.id), "name": .string(attribute.name), "type": .string(attribute.type),
                "required": .bool(attribute.required), "editable": .bool(attribute.editable),
                "option": try attribute.option.deepCopy(), "multiple": attribute.multiple.map(JSON.bool) ?? .null,
                "default": try attribute.defaultValue.deepCopy(), "unit": .string(attribute.unit),
                "placeholder": .string(attribute.placeholder), "group": .string(attribute.group),
            ])
            try list.append(entry)
        }
        let rules = try JSON.array()
        for rule in unique {
            let fields = try JSON.array()
            for field in rule { try fields.append(.string(field)) }
            try rules.append(fields)
        }
        return try JSON.object(["bk_obj_id": .string(objectID), "name": .string(name), "attributes": list, "unique": rules])
    }

    /// Reads the JSON of `json()` (as a caller may have stored or written it). Every member is checked: a clear
    /// `.invalidArgument` naming the member, never a trap. Only `id` and `type` are required of an attribute.
    public init(json: JSON) throws(BKCCError) {
        guard json.isObject else { throw .invalid("model: must be a JSON object, got \(json.kind.name)") }
        if let problem = JSONShape.problem(json) { throw .invalid("model: \(problem)") }
        guard let objectID = json["bk_obj_id"]?.string, !objectID.isEmpty else {
            throw .invalid("model.bk_obj_id: required, must be a non-empty string")
        }
        guard let list = json["attributes"], list.isArray else { throw .invalid("model.attributes: must be an array") }
        var attributes: [Attribute] = []
        var seen: Set<String> = []
        for (index, entry) in list.elements.enumerated() {
            func member(_ key: String) -> String { "model.attributes[\(index)].\(key)" }
            guard entry.isObject else { throw .invalid("model.attributes[\(index)]: must be an object") }
            guard let id = entry["id"]?.string, !id.isEmpty else { throw .invalid("\(member("id")): required, must be a non-empty string") }
            guard seen.insert(id).inserted else { throw .invalid("\(member("id")): \"\(printable(id, limit: 64))\" twice") }
            guard let type = entry["type"]?.string, !type.isEmpty else { throw .invalid("\(member("type")): required, must be a non-empty string") }
            func flag(_ key: String, _ fallback: Bool?) throws(BKCCError) -> Bool? {
                guard let value = entry[key], !value.isNull else { return fallback }
                guard let bool = value.bool else { throw .invalid("\(member(key)): must be true or false") }
                return bool
            }
            func text(_ key: String, _ fallback: String) throws(BKCCError) -> String {
                guard let value = entry[key], !value.isNull else { return fallback }
                guard let string = value.string else { throw .invalid("\(member(key)): must be a string") }
                return string
            }
            attributes.append(Attribute(
                id: id, name: try text("name", id), type: type, required: try flag("required", false) ?? false,
                editable: try flag("editable", true) ?? true, option: entry["option"] ?? .null,
                multiple: try flag("multiple", nil), defaultValue: entry["default"] ?? .null,
                unit: try text("unit", ""), placeholder: try text("placeholder", ""), group: try text("group", "")))
        }
        var rules: [[String]] = []
        if let unique = json["unique"], !unique.isNull {
            guard unique.isArray else { throw .invalid("model.unique: must be an array of arrays of attribute ids") }
            for (index, rule) in unique.elements.enumerated() {
                guard rule.isArray, rule.count > 0, rule.elements.allSatisfy({ $0.string.map(seen.contains) == true }) else {
                    throw .invalid("model.unique[\(index)]: must be a non-empty array of the model's attribute ids")
                }
                rules.append(rule.elements.compactMap(\.string))
            }
        }
        let name = json["name"]?.string ?? objectID
        self.init(objectID: objectID, name: name, attributes: attributes, unique: rules)
    }
}
