#if canImport(Glibc)
import Glibc
#endif
import CJansson

/// Checks a value a caller passed before anything serializes it: jansson's `json_dumps` recurses once per level
/// (about 20,000 levels of arrays overflow a thread's stack and take the host down), refuses invalid UTF-8 (which
/// `json_string_nocheck` and `json_object_set_nocheck` let a caller build) and loops on a cycle. CMDB attributes
/// are flat, so a detail deeper than `JSONShape.maxDepth` is refused long before that. The walk is iterative: no
/// recursion on caller data.
public enum JSONShape {
    /// Levels below a detail: an object (1) of attributes whose values may be a list or an object (2) of plain
    /// values (3); a few more for room.
    public static let maxDepth = 8
    /// Values in one detail at most (a cycle or a shared subtree repeated many times is refused by this too).
    public static let maxValues = 100_000

    /// What is wrong with `value`, as "bk_sn: …" (naming the top-level key) or "must …"; nil when it is fine.
    public static func problem(_ value: JSON) -> String? {
        var stack: [(value: UnsafeMutablePointer<json_t>, depth: Int, key: String?)] = [(value.raw, 1, nil)]
        var visited = 0
        while let (node, depth, key) = stack.popLast() {
            visited += 1
            if visited > maxValues { return say(key, "holds more than \(maxValues) values", else: "must not hold more than \(maxValues) values") }
            switch json_type(UInt32(bkcc_json_typeof(node))) {
            case JSON_STRING:
                if !isValidUTF8(json_string_value(node), json_string_length(node)) { return say(key, "not valid UTF-8", else: "must be valid UTF-8") }
            case JSON_ARRAY, JSON_OBJECT:
                guard depth < maxDepth else {
                    return say(key, "nested deeper than \(maxDepth) levels (or a cycle)", else: "must not be nested deeper than \(maxDepth) levels (or be a cycle)")
                }
                if let problem = push(children: node, depth: depth + 1, key: key, onto: &stack) { return problem }
            default:
                continue
            }
        }
        return nil
    }

    private static func push(children node: UnsafeMutablePointer<json_t>, depth: Int, key: String?,
                             onto stack: inout [(value: UnsafeMutablePointer<json_t>, depth: Int, key: String?)]) -> String? {
        if json_type(UInt32(bkcc_json_typeof(node))) == JSON_ARRAY {
            for index in 0..<json_array_size(node) {
                if let child = json_array_get(node, index) { stack.append((child, depth, key)) }
            }
            return nil
        }
        var iterator = json_object_iter(node)
        while let current = iterator {
            guard let rawKey = json_object_iter_key(current) else { break }
            guard isValidUTF8(rawKey, strlen(rawKey)) else { return say(key, "a key is not valid UTF-8", else: "must have keys of valid UTF-8") }
            if let child = json_object_iter_value(current) {
                stack.append((child, depth, key ?? printable(String(cString: rawKey), limit: 64)))
            }
            iterator = json_object_iter_next(node, current)
        }
        return nil
    }

    /// "key: problem" inside an attribute, else the detail's own "must …".
    private static func say(_ key: String?, _ problem: String, else whole: String) -> String {
        key.map { "\($0): \(problem)" } ?? whole
    }

    /// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. Hand-written over bytes because
    /// it runs on every string of every detail: ASCII (nearly every value) costs one comparison a byte.
    static func isValidUTF8(_ text: UnsafePointer<CChar>?, _ count: Int) -> Bool {
        guard let text else { return count == 0 }
        return text.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
            var index = 0
            while index < count {
                let lead = bytes[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int, low: UInt8, high: UInt8
                switch lead {
                case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
                case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
                case 0xED: (length, low, high) = (3, 0x80, 0x9F)
                case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
                case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
                case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
                default: return false
                }
                guard index + length <= count, (low...high).contains(bytes[index + 1]) else { return false }
                for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return false }
                index += length
            }
            return true
        }
    }
}
