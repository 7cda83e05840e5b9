// libFuzzer target: JSONReader and JSONWriter (the core's fast JSON paths) held to jansson over arbitrary bytes.
// Invariants: never traps or leaks; whatever the fast reader accepts, jansson accepts as the same value (the same
// compact bytes: types, member order, escapes); whatever jansson accepts, the fast writer writes as jansson does;
// ValueDigest.scan (over text, UTF-8 checked or not) gives ValueDigest.of (over the value jansson reads) and the
// lookup key of the member jansson has;
// FlatObject reads only what jansson accepts, as a flat object of its members, with the same digest;
// JSONArraySplit's ranges are objects' braces inside the text, one per element of the array jansson reads.

import BKCC
import CJansson

/// One reader for every input, as the check pass uses it (the storage it keeps must not leak into the next read).
nonisolated(unsafe) let flat = FlatObject()

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
            let key = member.flatMap(LookupOperation.key).map { ValueDigest.KeyText(text: $0, isInteger: member?.integer != nil) }
            precondition(scanned.key == key, "the scanned key differs")
            let unchecked = ValueDigest.scan(bytes, member: "k", checkingUTF8: false)
            precondition(unchecked?.digest == scanned.digest && unchecked?.key == key, "the unchecked scan differs")
        }
    }
    // Any text, valid UTF-8 or JSON or not: the unchecked scan may read it, and must not trap; a scan that gives up
    // leaves the caller's key buffer as it was.
    var keys: [UInt8] = [1, 2, 3]
    if ValueDigest.scan(bytes, member: "k", checkingUTF8: false, keys: &keys) == nil {
        precondition(keys == [1, 2, 3], "a failed scan left key bytes")
    }
    if flat.read(bytes) {
        guard let janssons, janssons.isObject else { preconditionFailure("FlatObject read what jansson refuses") }
        precondition(flat.digest == ValueDigest.of(janssons.raw), "the flat digest and the value digest differ")
        precondition(flat.members.count == janssons.count, "FlatObject and jansson count different members")
        for member in flat.members {
            let key = String(decoding: member.key, as: UTF8.self)
            guard let value = janssons[key] else { preconditionFailure("a flat member jansson does not have") }
            let same: Bool
            switch member.value {
            case .string(let text): same = value.string.map { Array($0.utf8) == Array(text) } ?? false
            case .integer(let number): same = value.integer == number
            case .bool(let flag): same = value.bool == flag
            case .null: same = value.isNull
            }
            precondition(same, "a flat member's value differs from jansson's")
        }
    }
    if let ranges = JSONArraySplit.objectRanges(bytes) {
        for range in ranges {
            precondition(range.lowerBound >= 0 && range.upperBound <= size && range.count >= 2, "a range outside the text")
            precondition(bytes[range.lowerBound] == UInt8(ascii: "{") && bytes[range.upperBound - 1] == UInt8(ascii: "}"), "a range that is not braces")
        }
        if let janssons, janssons.isArray, janssons.elements.allSatisfy(\.isObject) {
            precondition(ranges.count == janssons.count, "the split and jansson count different elements")
            for (range, element) in zip(ranges, janssons.elements) {
                let part = UnsafeRawBufferPointer(rebasing: bytes[range])
                precondition((try? JSON.parse(part).get())?.janssonBytes() == element.janssonBytes(), "a range is not its element")
            }
        }
    }
    return 0
}
