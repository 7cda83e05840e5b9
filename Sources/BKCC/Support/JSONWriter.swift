import CJansson

/// Compact JSON text of a jansson value, byte for byte what `json_dump_callback(…, JSON_COMPACT | JSON_ENCODE_ANY)`
/// writes: members in insertion order, `,` and `:` without spaces, UTF-8 as is, `"` `\` and control characters
/// escaped as jansson escapes them (`\b \f \n \r \t`, else `\u00XX` in capitals). Reals are written by jansson
/// itself (its `%.17g` and the `.0` it adds).
///
/// Why hand-written: jansson's writer calls back once per token and walks strings by code point, and keeps a
/// table of the containers it is inside (to refuse a cycle): callgrind, `bkcc batch-create-inst --report` of 5,000
/// seven-attribute rows, `json_dump_callback` was 94M of 919M instructions (~19,000 a row); this one, which
/// copies runs of plain bytes at once, ~5,000. It gives up (nil) where jansson would fail — text that is not UTF-8,
/// and, past `maxDepth`, nesting that may be a cycle: `JSON.serializedBytes` then asks jansson, which decides.
/// `Tests/BKCCTests/JSONReaderTests.swift` and `Fuzz/targets/fuzz_json.swift` hold it to jansson's bytes.
struct JSONWriter {
    static let maxDepth = 256

    private var storage: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    /// The text of `value`, or nil when jansson must decide.
    static func bytes(of value: UnsafeMutablePointer<json_t>) -> [UInt8]? {
        var writer = JSONWriter()
        defer { writer.storage.deallocate() }
        guard writer.write(value, depth: 0) else { return nil }
        return Array(UnsafeBufferPointer(start: writer.storage, count: writer.count))
    }

    @inline(__always)
    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let grown = max(capacity * 2, count + more)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        new.update(from: storage, count: count)
        storage.deallocate()
        storage = new
        capacity = grown
    }

    @inline(__always)
    private mutating func byte(_ value: UInt8) {
        reserve(1)
        storage[count] = value
        count &+= 1
    }

    @inline(__always)
    private mutating func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) {
        guard length > 0 else { return }
        reserve(length)
        (storage + count).update(from: bytes, count: length)
        count &+= length
    }

    private mutating func literal(_ word: StaticString) {
        append(word.utf8Start, word.utf8CodeUnitCount)
    }

    private mutating func write(_ value: UnsafeMutablePointer<json_t>, depth: Int) -> Bool {
        switch json_type(UInt32(bkcc_json_typeof(value))) {
        case JSON_OBJECT:
            guard depth < JSONWriter.maxDepth else { return false }
            byte(UInt8(ascii: "{"))
            var first = true
            var iterator = json_object_iter(value)
            while let current = iterator {
                guard let key = json_object_iter_key(current), let member = json_object_iter_value(current) else { return false }
                if !first { byte(UInt8(ascii: ",")) }
                first = false
                let keyBytes = UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self)
                guard string(keyBytes, json_object_iter_key_len(current)) else { return false }
                byte(UInt8(ascii: ":"))
                guard write(member, depth: depth + 1) else { return false }
                iterator = json_object_iter_next(value, current)
            }
            byte(UInt8(ascii: "}"))
        case JSON_ARRAY:
            guard depth < JSONWriter.maxDepth else { return false }
            byte(UInt8(ascii: "["))
            for index in 0..<json_array_size(value) {
                if index > 0 { byte(UInt8(ascii: ",")) }
                guard let element = json_array_get(value, index), write(element, depth: depth + 1) else { return false }
            }
            byte(UInt8(ascii: "]"))
        case JSON_STRING:
            guard let text = json_string_value(value) else { return false }
            return string(UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self), json_string_length(value))
        case JSON_INTEGER:
            integer(json_integer_value(value))
        case JSON_REAL:
            return real(value)
        case JSON_TRUE: literal("true")
        case JSON_FALSE: literal("false")
        default: literal("null")
        }
        return true
    }

    private mutating func integer(_ value: Int64) {
        reserve(20)  // "-9223372036854775808"
        if value < 0 {
            storage[count] = UInt8(ascii: "-")
            count &+= 1
        }
        var rest = value.magnitude
        var length = 0
        repeat {
            length += 1
            rest /= 10
        } while rest > 0
        rest = value.magnitude
        for position in stride(from: count + length - 1, through: count, by: -1) {
            storage[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        count &+= length
    }

    /// jansson writes the real (its precision and the `.0` it adds are the rule, not ours to copy).
    private mutating func real(_ value: UnsafeMutablePointer<json_t>) -> Bool {
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let length = withUnsafeMutableBytes(of: &buffer) { raw in
            json_dumpb(value, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count, Int(JSON_COMPACT | JSON_ENCODE_ANY))
        }
        guard length > 0, length <= MemoryLayout.size(ofValue: buffer) else { return false }
        withUnsafeBytes(of: &buffer) { raw in append(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), length) }
        return true
    }

    /// A string literal: runs of bytes that need no escape copied whole.
    private mutating func string(_ text: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        byte(UInt8(ascii: "\""))
        var runStart = 0
        var at = 0
        while at < length {
            let current = text[at]
            if !JSONQuote.needsEscape(current) {
                if current < 0x80 {
                    at &+= 1
                } else {
                    guard let sequence = JSONReader.utf8Length(text + at, length - at) else { return false }
                    at &+= sequence
                }
                continue
            }
            append(text + runStart, at - runStart)
            escape(current)
            at += 1
            runStart = at
        }
        append(text + runStart, at - runStart)
        byte(UInt8(ascii: "\""))
        return true
    }

    private mutating func escape(_ character: UInt8) {
        let sequence = JSONQuote.escape(character)
        reserve(sequence.count)
        withUnsafeBytes(of: sequence.bytes) { raw in
            (storage + count).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: sequence.count)
        }
        count &+= sequence.count
    }
}
