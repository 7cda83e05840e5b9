import BKCC
import CJansson
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Conversions of C arguments into core values, each with the error message a C caller reads.

/// A required C string argument, checked for NULL and valid UTF-8.
func requiredString(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(BKCCError) -> String {
    guard let pointer else { throw BKCCError(.invalidArgument, "\(name): must not be NULL") }
    guard let text = String(validatingCString: pointer) else {
        throw BKCCError(.invalidArgument, "\(name): not valid UTF-8")
    }
    return text
}

/// A required borrowed json_t argument.
func requiredJSON(_ pointer: UnsafePointer<json_t>?, _ name: String) throws(BKCCError) -> JSON {
    guard let pointer else { throw BKCCError(.invalidArgument, "\(name): must not be NULL") }
    return JSON(borrowing: pointer)
}

/// An optional borrowed json_t argument: nil for NULL.
func borrowedJSON(_ pointer: UnsafePointer<json_t>?) -> JSON? {
    pointer.map { JSON(borrowing: $0) }
}

/// JSON text argument, parsed; nil (for optional arguments) when the pointer is NULL and `optional`.
func parsedJSON(_ pointer: UnsafePointer<CChar>?, _ name: String, optional: Bool = false) throws(BKCCError) -> JSON? {
    guard let pointer else {
        if optional { return nil }
        throw BKCCError(.invalidArgument, "\(name): must not be NULL")
    }
    let length = strlen(pointer)
    switch JSON.parse(UnsafeRawBufferPointer(start: pointer, count: length)) {
    case .success(let json): return json
    case .failure(let error): throw BKCCError(.invalidArgument, "\(name): not valid JSON: \(error)")
    }
}

/// A malloc'ed copy of the JSON text of `json`, for the caller to free with bkcc_free.
func mallocText(_ json: JSON) throws(BKCCError) -> UnsafeMutablePointer<CChar> {
    guard let bytes = json.serializedBytes() else { throw BKCCError(.noMemory, "cannot serialize the result") }
    guard let memory = malloc(bytes.count + 1) else { throw BKCCError(.noMemory, "out of memory") }
    let text = memory.bindMemory(to: CChar.self, capacity: bytes.count + 1)
    bytes.withUnsafeBytes { source in
        if let base = source.baseAddress { memcpy(text, base, bytes.count) }
    }
    text[bytes.count] = 0
    return text
}

/// A size_t length as Int; sizes beyond Int.max are refused rather than wrapped.
func checkedSize(_ value: Int, _ name: String) throws(BKCCError) -> Int {
    guard value >= 0 else { throw BKCCError(.invalidArgument, "\(name): too large") }
    return value
}
