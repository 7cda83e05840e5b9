// libFuzzer target: client-side validation (the offline rules, and the checks against a model) and request
// building over arbitrary JSON.
// Input: byte 0 picks the mode, the rest is JSON text (details, or a model) or a model id.
// Invariants: never traps or hangs; problems name only indices of the array; a request is built for ≤ 200 valid
// details, and its redacted form holds no credential; a model read from arbitrary JSON is refused or checks.

import BKCC

private let secret = "FUZZ-APP-SECRET-0x5eC2e7"
private let builder: RequestBuilder = {
    var config = Configuration(url: "https://cmdb.example.com/", appCode: "fuzz", appSecret: secret, username: "fuzzer")
    config.language = "zh-cn"
    return RequestBuilder(configuration: config)
}()
private let gatewayBuilder: RequestBuilder = {
    let config = Configuration(url: "http://127.0.0.1:1", appCode: "fuzz", appSecret: secret, accessToken: "FUZZ-ACCESS-TOKEN-77",
                               api: .apigw)
    return RequestBuilder(configuration: config)
}()

/// The emulator's custom model, with a pattern, an enum, a range and a unique rule.
private let rack: ModelCheck = {
    let text = #"{"bk_obj_id": "rack", "attributes": [{"id": "bk_inst_name", "type": "singlechar", "required": true},"#
        + #" {"id": "rack_u", "type": "int", "option": {"min": 1, "max": 60}}, {"id": "rack_status", "type": "enum","#
        + #" "option": [{"id": "in_use"}, {"id": "idle"}]}, {"id": "rack_ip", "type": "singlechar", "option": "^\\d+(\\.\\d+){3}$"},"#
        + #" {"id": "rack_tags", "type": "enummulti", "option": [{"id": "a"}]}, {"id": "rack_since", "type": "date"}],"#
        + #" "unique": [["bk_inst_name"]]}"#
    guard case .success(let json) = JSON.parse(text), let model = try? Model(json: json) else { fatalError("the rack model") }
    return ModelCheck(model)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzValidation(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let mode = data[0]
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let text = String(decoding: rest, as: UTF8.self)
    var objectID = "bk_switch"
    if mode & 1 == 1 {
        objectID = String(text.prefix(200))
        do { try Validation.checkObjectID(objectID) } catch { precondition(!error.message.isEmpty); return 0 }
        return 0
    }
    guard case .success(let details) = JSON.parse(rest) else { return 0 }
    let problems: [Int: String]
    if mode & 4 == 4 {
        // The JSON as a model (bkcc_validate_model's input, maybe hostile: patterns, options), checking itself
        // wrapped as a detail, and the fixed rack model checking the JSON as details.
        if let model = try? Model(json: details) {
            let check = ModelCheck(model)
            if let wrapped = try? JSON.array() { try? wrapped.append(details); _ = try? check.problems(in: wrapped) }
        }
        if let found = try? rack.problems(in: details) {
            for (index, message) in found.problems { precondition(index >= 0 && index < details.count && !message.isEmpty) }
        }
        return 0
    }
    do { problems = try Validation.problems(in: details, objectID: objectID) } catch { precondition(!error.message.isEmpty); return 0 }
    for (index, message) in problems { precondition(index >= 0 && index < details.count && !message.isEmpty) }
    if mode & 2 == 2, let object = details[0], object.isObject {
        // a detail alone, wrapped: the same checks must hold
        if let wrapped = try? JSON.array() { try? wrapped.append(object); _ = try? Validation.problems(in: wrapped, objectID: "rack") }
    }
    guard problems.isEmpty, details.count <= BatchLimits.maxBatch else { return 0 }
    for current in [builder, gatewayBuilder] {
        guard let request = try? current.batchCreate(objectID: objectID, details: details) else { continue }
        if let redacted = try? request.redacted(), let shown = try? redacted.json(bodyAsText: true).serialized() {
            precondition(!shown.contains(secret) && !shown.contains("FUZZ-ACCESS-TOKEN-77"), "a secret in a redacted request")
        }
    }
    return 0
}
