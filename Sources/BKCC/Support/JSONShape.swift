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
    /// A detail is nearly always a flat object of strings and numbers: its members are checked in one loop, and
    /// only a nested value takes the general walk. Key names become Strings only for a message (measured: naming
    /// every key cost about 3 µs a row of 7 attributes, a third of an import's CPU).
    public static func problem(_ value: JSON) -> String? {
        let root = value.raw
        var visited = 1
        guard json_type(UInt32(bkcc_json_typeof(root))) == JSON_OBJECT else {
            return walk(root, depth: 1, key: nil, visited: &visited)
        }
        var iterator = json_object_iter(root)
        while let current = iterator {
            guard let key = json_object_iter_key(current) else { break }
            guard isValidUTF8(key, strlen(key)) else { return "must have keys of valid UTF-8" }
            if let child = json_object_iter_value(current) {
                visited += 1
                switch json_type(UInt32(bkcc_json_typeof(child))) {
                case JSON_STRING:
                    if !isValidUTF8(json_string_value(child), json_string_length(child)) { return say(key, "not valid UTF-8") }
                case JSON_ARRAY, JSON_OBJECT:
                    if let problem = walk(child, depth: 2, key: key, visited: &visited) { return problem }
                default:
                    break
                }
            }
            iterator = json_object_iter_next(root, current)
        }
        return visited > maxValues ? "must not hold more than \(maxValues) values" : nil
    }

    /// The general walk below one member (`key`, nil for the detail itself), with an explicit stack.
    private static func walk(_ start: UnsafeMutablePointer<json_t>, depth: Int, key: UnsafePointer<CChar>?,
                             visited: inout Int) -> String? {
        var stack: [(value: UnsafeMutablePointer<json_t>, depth: Int)] = [(start, depth)]
        while let (node, depth) = stack.popLast() {
            visited += 1
            if visited > maxValues { return say(key, "holds more than \(maxValues) values", else: "must not hold more than \(maxValues) values") }
            switch json_type(UInt32(bkcc_json_typeof(node))) {
            case JSON_STRING:
                if !isValidUTF8(json_string_value(node), json_string_length(node)) { return say(key, "not valid UTF-8", else: "must be valid UTF-8") }
            case JSON_ARRAY:
                guard depth < maxDepth else { return tooDeep(key) }
                for index in 0..<json_array_size(node) {
                    if let child = json_array_get(node, index) { stack.append((child, depth + 1)) }
                }
            case JSON_OBJECT:
                guard depth < maxDepth else { return tooDeep(key) }
                var iterator = json_object_iter(node)
                while let current = iterator {
                    guard let childKey = json_object_iter_key(current) else { break }
                    guard isValidUTF8(childKey, strlen(childKey)) else {
                        return say(key, "a key is not valid UTF-8", else: "must have keys of valid UTF-8")
                    }
                    if let child = json_object_iter_value(current) { stack.append((child, depth + 1)) }
                    iterator = json_object_iter_next(node, current)
                }
            default:
                continue
            }
        }
        return nil
    }

    private static func tooDeep(_ key: UnsafePointer<CChar>?) -> String {
        say(key, "nested deeper than \(maxDepth) levels (or a cycle)", else: "must not be nested deeper than \(maxDepth) levels (or be a cycle)")
    }

    private static func say(_ key: UnsafePointer<CChar>, _ problem: String) -> String {
        "\(printable(String(cString: key), limit: 64)): \(problem)"
    }

    /// "key: problem" inside an attribute, else the detail's own "must …".
    private static func say(_ key: UnsafePointer<CChar>?, _ problem: String, else whole: String) -> String {
        key.map { say($0, problem) } ?? whole
    }

    /// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF (the shared `isValidUTF8`).
    static func isValidUTF8(_ text: UnsafePointer<CChar>?, _ count: Int) -> Bool {
        guard let text else { return count == 0 }
        return BKCC.isValidUTF8(UnsafeRawBufferPointer(start: text, count: count))  // the one validator (Text.swift)
    }
}
