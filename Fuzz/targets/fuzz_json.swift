// libFuzzer target: JSONReader and JSONWriter (the core's fast JSON paths) held to jansson over arbitrary bytes.
// Invariants: never traps or leaks; whatever the fast reader accepts, jansson accepts as the same value (the same
// compact bytes: types, member order, escapes); whatever jansson accepts, the fast writer writes as jansson does;
// ValueDigest.scan (over text) gives ValueDigest.of (over the value jansson reads) and the member jansson has.

import BKCC
import CJansson

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var error = json_error_t()
    let reference = UnsafeRawPointer(data).withMemoryRebound(to: CChar.self, capacity: max(size, 1)) {
        json_loadb($0, size, Int(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY), &error)
    }
    let janssons = reference.map { JSON(taking: $0) }
    if let quick = JSON.parsedQuickly(bytes) {
        guard let janssons else { preconditionFailure("the fast reader accepted what jansson refuses: \(error.position)") }
        precondition(quick.janssonBytes() == janssons.janssonBytes(), "the fast reader and jansson read different values")
        precondition(quick.serializedBytes() == quick.janssonBytes(), "the fast writer and jansson differ")
    }
    if let janssons {
        precondition(janssons.serializedBytes() == janssons.janssonBytes(), "the fast writer and jansson differ")
        if let scanned = ValueDigest.scan(bytes, member: "k") {
            precondition(scanned.digest == ValueDigest.of(janssons.raw), "the text digest and the value digest differ")
            let member = janssons.isObject ? janssons["k"] : nil
            let usable = member.flatMap { $0.kind == .string || $0.kind == .integer ? $0 : nil }
            precondition(scanned.member?.janssonBytes() == usable?.janssonBytes(), "the scanned member differs")
        }
    }
    return 0
}
