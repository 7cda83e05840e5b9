// libFuzzer target: Configuration(json:) over arbitrary JSON.
// Input: JSON text. When it is an object, a known secret is planted in app_secret, token and access_token.
// Invariants: never traps; an error message never contains the secrets; a configuration it accepts passes
// validate() again and builds a request.

import BKCC

private let planted = "FUZZ-PLANTED-SECRET-9f3a"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard case .success(let json) = JSON.parse(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    if json.isObject, size > 0 {
        let which = Int(data[size - 1]) % 4
        let keys = ["app_secret", "token", "access_token", "app_secret"]
        if json["app_secret"] != nil || which == 0 { try? json.set(keys[which], planted) }
    }
    do {
        let config = try Configuration(json: json)
        try config.validate()
        let details = try JSON.array()
        try details.append(try JSON.object(["bk_inst_name": .string("a"), "bk_asset_id": .string("b")]))
        _ = try? RequestBuilder(configuration: config).batchCreate(objectID: "bk_switch", details: details)
    } catch {
        precondition(!error.message.contains(planted), "a secret in a configuration error: \(error.message)")
    }
    return 0
}
