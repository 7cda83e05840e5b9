import CJansson

/// A counted reference to a jansson value: the one JSON representation of bkcc, so that values cross the
/// C boundary without copies.
///
/// `JSON` behaves like `json_t *`: copies of a `JSON` share one value, and a mutation (`set`, `append`) is
/// seen through every copy. The reference is released when the last copy goes. All raw `json_t` work of the
/// core lives in this file.
public struct JSON: @unchecked Sendable {
    /// Owns one reference; `deinit` gives it back.
    final class Reference {
        let raw: UnsafeMutablePointer<json_t>
        init(raw: UnsafeMutablePointer<json_t>) { self.raw = raw }
        deinit { json_decref(raw) }
    }

    let reference: Reference

    /// The underlying value, borrowed: valid while this `JSON` (or a copy) lives.
    public var raw: UnsafeMutablePointer<json_t> { reference.raw }

    /// Takes over one reference the caller owns (a jansson *new reference*).
    public init(taking raw: UnsafeMutablePointer<json_t>) {
        reference = Reference(raw: raw)
    }

    /// Takes a reference of its own to a value someone else owns (a jansson *borrowed reference*).
    public init(borrowing raw: UnsafePointer<json_t>) {
        let mutable = UnsafeMutablePointer(mutating: raw)
        reference = Reference(raw: json_incref(mutable))
    }

    /// A new reference for a C caller: the caller must `json_decref` it.
    public func newReference() -> UnsafeMutablePointer<json_t> { json_incref(raw) }

    // MARK: Construction

    private static func make(_ raw: UnsafeMutablePointer<json_t>?) throws(BKCCError) -> JSON {
        guard let raw else { throw BKCCError(.noMemory, "out of memory building JSON") }
        return JSON(taking: raw)
    }

    public static func object() throws(BKCCError) -> JSON { try make(json_object()) }
    public static func array() throws(BKCCError) -> JSON { try make(json_array()) }
    public static func string(_ value: String) throws(BKCCError) -> JSON {
        var value = value
        let raw = value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { json_stringn($0.baseAddress ?? emptyCString, $0.count) }
        }
        return try make(raw)
    }
    public static func integer(_ value: Int64) throws(BKCCError) -> JSON { try make(json_integer(value)) }
    public static func real(_ value: Double) throws(BKCCError) -> JSON { try make(json_real(value)) }
    public static func bool(_ value: Bool) -> JSON { JSON(taking: value ? json_true() : json_false()) }
    /// One value for every use: jansson's null is a constant, and a JSON a row (a text row's unused detail) was
    /// an allocation made and freed a row.
    public static let null = JSON(taking: json_null())

    /// An object built from pairs, in order.
    public static func object(_ pairs: KeyValuePairs<String, JSON>) throws(BKCCError) -> JSON {
        let object = try JSON.object()
        for (key, value) in pairs { try object.set(key, value) }
        return object
    }

    // MARK: Parsing and serializing

    /// Parses JSON text. Duplicate object keys are an error: an answer that names one index twice cannot be
    /// trusted. (`JSONReader` reads the common text; jansson the rest, and words every error.)
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSON, JSONParseError> {
        if let raw = JSONReader.parse(bytes) { return .success(JSON(taking: raw)) }
        var error = json_error_t()
        let flags = Int(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
        let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
        guard let raw = json_loadb(base ?? emptyCString, bytes.count, flags, &error) else {
            let text = withUnsafeBytes(of: &error.text) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return .failure(JSONParseError(text: text, position: Int(error.position)))
        }
        return .success(JSON(taking: raw))
    }

    /// The value of `bytes` when the fast reader is sure of it (nil: jansson must decide): for a caller that
    /// words jansson's errors itself.
    public static func parsedQuickly(_ bytes: UnsafeRawBufferPointer) -> JSON? {
        JSONReader.parse(bytes).map { JSON(taking: $0) }
    }

    public static func parse(_ text: String) -> Result<JSON, JSONParseError> {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Compact JSON text, UTF-8 kept as is (Chinese text stays readable).
    public func serialized() -> String? {
        serializedBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Compact JSON bytes, for a request body: `JSONWriter`'s, which are jansson's bytes, faster; jansson's own
    /// writer for what that one leaves to it. (json_dumpb, not json_dumps: the memory is ours, so a host that gave
    /// jansson its own allocator via json_set_alloc_funcs is never handed a mismatched free.)
    public func serializedBytes() -> [UInt8]? {
        if let bytes = JSONWriter.bytes(of: raw) { return bytes }
        let flags = Int(JSON_COMPACT | JSON_ENCODE_ANY)
        var sink = DumpSink()
        defer { sink.storage?.deallocate() }
        let status = withUnsafeMutablePointer(to: &sink) { out in
            json_dump_callback(raw, { buffer, size, data in
                guard let buffer, let data else { return -1 }
                data.assumingMemoryBound(to: DumpSink.self).pointee.append(buffer, size)
                return 0
            }, out, flags)
        }
        guard status == 0, sink.count > 0, let storage = sink.storage else { return nil }
        return Array(UnsafeBufferPointer(start: storage, count: sink.count))
    }

    /// jansson's own compact bytes (the reference `JSONWriter` is tested against).
    public func janssonBytes() -> [UInt8]? {
        let flags = Int(JSON_COMPACT | JSON_ENCODE_ANY)
        let size = json_dumpb(raw, nil, 0, flags)
        guard size > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { json_dumpb(raw, $0.baseAddress?.assumingMemoryBound(to: CChar.self), size, flags) }
        return written == size ? bytes : nil
    }

    /// Where json_dump_callback writes: a plain growable buffer (jansson calls it once for every token).
    private struct DumpSink {
        var storage: UnsafeMutablePointer<UInt8>?
        var count = 0
        var capacity = 0

        mutating func append(_ bytes: UnsafePointer<CChar>, _ size: Int) {
            guard size > 0 else { return }
            if count + size > capacity {
                let grown = Swift.max(4096, (count + size) * 2)
                let new = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
                if let storage {
                    UnsafeMutableRawPointer(new).copyMemory(from: storage, byteCount: count)
                    storage.deallocate()
                }
                storage = new
                capacity = grown
            }
            guard let storage else { return }
            UnsafeMutableRawPointer(storage + count).copyMemory(from: bytes, byteCount: size)
            count += size
        }
    }

    // MARK: Reading

    public enum Kind: Sendable, Equatable {
        case object, array, string, integer, real, bool, null

        /// The name a user reads in a message: "object", "array", "string", "integer", "number", "boolean", "null".
        public var name: String {
            switch self {
            case .object: "object"
            case .array: "array"
            case .string: "string"
            case .integer: "integer"
            case .real: "number"
            case .bool: "boolean"
            case .null: "null"
            }
        }
    }

    public var kind: Kind { JSON.kind(of: raw) }

    static func kind(of raw: UnsafeMutablePointer<json_t>) -> Kind {
        switch json_type(UInt32(bkcc_json_typeof(raw))) {
        case JSON_OBJECT: .object
        case JSON_ARRAY: .array
        case JSON_STRING: .string
        case JSON_INTEGER: .integer
        case JSON_REAL: .real
        case JSON_TRUE, JSON_FALSE: .bool
        default: .null
        }
    }

    public var isObject: Bool { kind == .object }
    public var isArray: Bool { kind == .array }
    public var isNull: Bool { kind == .null }

    /// The string value; nil when this is not a string.
    public var string: String? { stringBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The string value's UTF-8 bytes in place (valid while this value lives); nil when this is not a string.
    public var stringBytes: UnsafeRawBufferPointer? {
        guard kind == .string, let chars = json_string_value(raw) else { return nil }
        return UnsafeRawBufferPointer(start: chars, count: json_string_length(raw))
    }

    /// The kind of member `key` of an object, without a reference to it; nil when absent (or not an object).
    public func memberKind(_ key: String) -> Kind? {
        guard kind == .object, let member = key.withCString({ json_object_get(raw, $0) }) else { return nil }
        return JSON.kind(of: member)
    }

    /// Member `key`'s text as the server stores and compares it (trimmed by `trimmingSpace`), as UTF-8; nil when
    /// it is absent or not a string. The bytes themselves when nothing can be trimmed (nearly always): no String.
    public func trimmedText(_ key: String) -> [UInt8]? {
        guard kind == .object, let member = key.withCString({ json_object_get(raw, $0) }),
              JSON.kind(of: member) == .string, let chars = json_string_value(member) else { return nil }
        return withSpaceTrimmed(UnsafeRawBufferPointer(start: chars, count: json_string_length(member))) { Array($0) }
    }

    /// Whether valid UTF-8 `text` neither starts nor ends with white space (Unicode White_Space: what
    /// `trimmingSpace` trims), decided exactly on its bytes: U+0009…U+000D, U+0020, U+0085, U+00A0, U+1680,
    /// U+2000…U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. False for "" and for a control character at either
    /// end (the caller's general path decides those). A rule on the first and last byte alone sent a fifth of
    /// Chinese values to the general path (三 ends in 0x89, as U+2009 does).
    public static func cannotTrim(_ text: UnsafeRawBufferPointer) -> Bool {
        let count = text.count
        guard count > 0 else { return false }
        let first = text[0]
        guard first > 0x20 else { return false }
        if first == 0xC2, count >= 2, text[1] == 0x85 || text[1] == 0xA0 { return false }
        if first >= 0xE1, first <= 0xE3, count >= 3, isSpace3(first, text[1], text[2]) { return false }
        let last = text[count - 1]
        if last < 0x80 { return last > 0x20 }
        if count >= 2, text[count - 2] == 0xC2, last == 0x85 || last == 0xA0 { return false }
        if count >= 3, isSpace3(text[count - 3], text[count - 2], last) { return false }
        return true
    }

    /// The three-byte white space characters: U+1680, U+2000…U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    @inline(__always)
    private static func isSpace3(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        switch (a, b) {
        case (0xE1, 0x9A): return c == 0x80
        case (0xE2, 0x80): return c <= 0x8A || c == 0xA8 || c == 0xA9 || c == 0xAF
        case (0xE2, 0x81): return c == 0x9F
        case (0xE3, 0x80): return c == 0x80
        default: return false
        }
    }

    /// Sets member `key` (UTF-8 bytes, which the caller knows to be UTF-8) of this object to a string of the UTF-8
    /// bytes `value`, with no Swift value in between: what a reader of a million CSV cells needs (a `JSON` and a
    /// C string a cell were ~1,300 instructions). False when `value` is not UTF-8; nil when memory ran out (or
    /// this is not an object).
    public func setText(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool? {
        guard kind == .object, let keyBase = key.baseAddress else { return nil }
        guard isValidUTF8(value) else { return false }
        let text = value.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyCString
        guard let string = json_stringn_nocheck(text, value.count),
              json_object_setn_new_nocheck(raw, keyBase.assumingMemoryBound(to: CChar.self), key.count, string) == 0 else {
            return nil
        }
        return true
    }

    /// The integer value; nil when this is not an integer.
    public var integer: Int64? { kind == .integer ? json_integer_value(raw) : nil }

    /// The value of an integer or a real; nil otherwise.
    public var number: Double? {
        switch kind {
        case .integer: Double(json_integer_value(raw))
        case .real: json_real_value(raw)
        default: nil
        }
    }

    public var bool: Bool? {
        switch json_type(UInt32(bkcc_json_typeof(raw))) {
        case JSON_TRUE: true
        case JSON_FALSE: false
        default: nil
        }
    }

    /// Elements of an array, or of an object: their number; 0 for anything else.
    public var count: Int {
        switch kind {
        case .array: json_array_size(raw)
        case .object: json_object_size(raw)
        default: 0
        }
    }

    /// The member `key` of an object; nil when absent or when this is not an object.
    public subscript(key: String) -> JSON? {
        guard kind == .object, let member = json_object_get(raw, key) else { return nil }
        return JSON(borrowing: member)
    }

    /// The element at `index` of an array; nil when out of range or when this is not an array.
    public subscript(index: Int) -> JSON? {
        guard kind == .array, index >= 0, index < json_array_size(raw), let element = json_array_get(raw, index) else {
            return nil
        }
        return JSON(borrowing: element)
    }

    /// The elements of an array, in order; empty for anything else.
    public var elements: [JSON] {
        guard kind == .array else { return [] }
        return (0..<json_array_size(raw)).compactMap { index in json_array_get(raw, index).map { JSON(borrowing: $0) } }
    }

    /// The members of an object, in insertion order; empty for anything else.
    /// Each member of an object in order, its key as bytes and its value in place (no String, no reference: what
    /// an answer of 200 members is read with); `body` returns false to stop. Nothing for what is not an object.
    public func forEachMember(_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeMutablePointer<json_t>) -> Bool) {
        guard kind == .object else { return }
        var iterator = json_object_iter(raw)
        while let current = iterator {
            if let key = json_object_iter_key(current), let value = json_object_iter_value(current),
               !body(UnsafeRawBufferPointer(start: key, count: json_object_iter_key_len(current)), value) {
                return
            }
            iterator = json_object_iter_next(raw, current)
        }
    }

    public var entries: [(key: String, value: JSON)] {
        guard kind == .object else { return [] }
        var result: [(key: String, value: JSON)] = []
        result.reserveCapacity(json_object_size(raw))
        forEachMember { key, value in
            result.append((String(decoding: key, as: UTF8.self), JSON(borrowing: value)))
            return true
        }
        return result
    }

    // MARK: Writing

    /// Sets `key` of an object to `value` (which gains a reference).
    public func set(_ key: String, _ value: JSON) throws(BKCCError) {
        var key = key
        let status = key.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { json_object_setn(raw, $0.baseAddress ?? emptyCString, $0.count, value.raw) }
        }
        guard status == 0 else { throw BKCCError(.noMemory, "cannot set JSON member \(key)") }
    }

    public func set(_ key: String, _ value: String) throws(BKCCError) { try set(key, .string(value)) }
    public func set(_ key: String, _ value: Int64) throws(BKCCError) { try set(key, .integer(value)) }
    public func set(_ key: String, _ value: Int) throws(BKCCError) { try set(key, .integer(Int64(value))) }
    public func set(_ key: String, _ value: Bool) throws(BKCCError) { try set(key, JSON.bool(value)) }

    /// Appends `value` (which gains a reference) to an array.
    public func append(_ value: JSON) throws(BKCCError) {
        guard json_array_append(raw, value.raw) == 0 else { throw BKCCError(.noMemory, "cannot append to a JSON array") }
    }

    /// Removes `key` from an object; false when it was absent.
    @discardableResult
    public func remove(_ key: String) -> Bool { json_object_del(raw, key) == 0 }

    /// A shallow copy: a new container holding the same members (each gains a reference).
    public func shallowCopy() throws(BKCCError) -> JSON { try JSON.make(json_copy(raw)) }

    /// A deep copy: nothing is shared with this value.
    public func deepCopy() throws(BKCCError) -> JSON { try JSON.make(json_deep_copy(raw)) }
}

extension JSON: Equatable {
    /// Equal JSON values (jansson's `json_equal`: same types and contents, object order ignored).
    public static func == (lhs: JSON, rhs: JSON) -> Bool { json_equal(lhs.raw, rhs.raw) == 1 }
}

extension JSON: CustomStringConvertible {
    public var description: String { serialized() ?? "<unserializable JSON>" }
}

/// Why JSON text could not be parsed: jansson's message and the byte position.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public let position: Int
    public var description: String { "\(text) (at byte \(position))" }
}

/// A valid pointer for a zero-length C buffer (jansson wants non-NULL even then).
nonisolated(unsafe) private let emptyCString: UnsafePointer<CChar> = {
    let literal: StaticString = ""
    return UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}()
