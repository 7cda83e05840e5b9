/// Options of a batch call (the C API's options object).
public struct BatchOptions: Sendable {
    public enum OnInvalid: String, Sendable, CaseIterable {
        /// Send nothing when any detail is invalid.
        case abort
        /// Send the valid details; report the invalid ones as failed.
        case skip
    }

    public var onInvalid: OnInvalid = .abort
    /// Check the details against this model (`ModelCheck`) instead of the offline rules (`Validation`).
    public var model: Model?

    public init(onInvalid: OnInvalid = .abort, model: Model? = nil) {
        self.onInvalid = onInvalid
        self.model = model
    }

    /// Reads `{"on_invalid": "abort" | "skip", "model": <bkcc_get_model's JSON>}`; nil or null means the defaults.
    /// Unknown keys are errors.
    public init(json: JSON?) throws(BKCCError) {
        for (key, value) in try optionEntries(json) {
            switch key {
            case "on_invalid":
                guard let text = value.string, let choice = OnInvalid(rawValue: text) else {
                    throw .invalid("options.on_invalid: must be \"abort\" or \"skip\"")
                }
                onInvalid = choice
            case "model":
                model = value.isNull ? nil : try Model(json: value)
            default:
                throw .invalid("options: unknown key \"\(key.prefix(64))\"")
            }
        }
    }
}

/// Options of a reconcile (the C API's options object).
public struct ReconcileOptions: Sendable {
    /// The attribute whose value identifies an instance; the model's unique field.
    public var uniqueField = "bk_asset_id"

    public init(uniqueField: String = "bk_asset_id") { self.uniqueField = uniqueField }

    /// Reads `{"unique_field": "…"}`; nil or null means the defaults. Unknown keys are errors.
    public init(json: JSON?) throws(BKCCError) {
        for (key, value) in try optionEntries(json) {
            guard key == "unique_field" else { throw .invalid("options: unknown key \"\(key.prefix(64))\"") }
            guard let text = value.string, !text.isEmpty else {
                throw .invalid("options.unique_field: must be a non-empty string")
            }
            uniqueField = text
        }
    }
}

/// The members of an options object; none for nil or null.
private func optionEntries(_ json: JSON?) throws(BKCCError) -> [(key: String, value: JSON)] {
    guard let json, !json.isNull else { return [] }
    guard json.isObject else { throw .invalid("options: must be a JSON object, got \(json.kind.name)") }
    return json.entries
}
