#if canImport(Glibc)
import Glibc
#endif

/// A flat JSON object — strings, integers, booleans and nulls, no nesting — read in place from its text: each
/// member's key and value as bytes (strings unescaped), and the object's `ValueDigest`, without building a jansson
/// value. What the import's check pass needs of a row: the model check (`ModelCheck.passesQuickly(_:unknown:)`),
/// the repeat check and the row's print all work on the members.
///
/// Why: building the row's jansson object (a hashtable and an allocation a member) and walking it again for the
/// model check, the digest and the key was ~20,000 of a JSON Lines row's ~54,000 instructions (callgrind, 5,000
/// seven-attribute rows with `--report`).
///
/// `read` is false for whatever it is not sure of — anything but an object, a nested value, a real, an integer of
/// 19 digits or more, `\u0000`, a repeated key, more than `maxMembers` members or `maxBytes` bytes, any error —
/// and the caller parses the text as before (`JSONText.parse`), so what is accepted and refused, and how it is
/// worded, does not change. After a false there are no members.
/// Its digest is `ValueDigest.scan`'s and `ValueDigest.of`'s number (held to both by `FlatObjectTests`).
///
/// One reader serves any number of rows, one at a time: it copies the text it reads (a memcpy, against the many
/// allocations of a parsed value), and the members point into that copy, valid until the next `read`.
public final class FlatObject {
    public enum Value: BitwiseCopyable {
        case string(UnsafeRawBufferPointer)
        case integer(Int64)
        case bool(Bool)
        case null
    }

    public struct Member: BitwiseCopyable {
        public let key: UnsafeRawBufferPointer
        /// `FlatObject.keyHash` of the key: for lookups by name, and to find a repeated key.
        public let keyHash: UInt64
        public let value: Value
    }

    /// A row with more members goes to the general path (finding a repeated key compares every pair).
    public static let maxMembers = 64
    /// A longer text too (64 members of 2,000-byte long text fit): the copy this reader keeps stays small.
    public static let maxBytes = 256 * 1024

    /// The members, in the order read; valid until the next `read` or `startFilling`.
    public var members: UnsafeBufferPointer<Member> { memberStorage.elements }
    // This reader's state is not checked for exclusivity at run time (@exclusivity(unchecked)): only `read` and
    // the filling change it, calling out to nothing while they do; a check is ~60 instructions, and a row's checks
    // read the members several times (callgrind: ~300 instructions a row).
    /// The members in memory of this reader's own (a member holds no reference), not an Array.
    @exclusivity(unchecked) private var memberStorage = TrivialBuffer<Member>(capacity: FlatObject.maxMembers)
    /// The object's `ValueDigest`.
    @exclusivity(unchecked) public private(set) var digest: UInt64 = 0
    /// The text read, then room for its unescaped strings (a cursor's scratch buffer is reused by its next
    /// string; unescaping never makes a string longer, so the text's size is room enough).
    @exclusivity(unchecked) private var storage: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) private var storageCapacity = 0
    /// The digest's sum while filling.
    @exclusivity(unchecked) private var filledSum: UInt64 = 0
    /// The key read last at each position, by its bytes (keys of 4 to 16 bytes), with its hash: the rows of a
    /// file have the same keys in the same order, and two compares are cheaper than hashing a key again
    /// (callgrind: ~45 instructions a key, seven a JSON Lines row).
    private struct KeyMemo {
        var count = 0, head: UInt64 = 0, tail: UInt64 = 0, hash: UInt64 = 0

        /// A key found in the memo, put there now, or not kept there (its length).
        enum Use { case found, kept, notKept }
    }
    /// How many of `keyMemo`'s first keys are the keys of a row read whole, none repeated (0: none known): a
    /// row whose keys are all found there needs no repeat check (21 compares for seven keys, ~200 instructions).
    @exclusivity(unchecked) private var memoDistinctCount = 0
    private let keyMemo: UnsafeMutablePointer<KeyMemo> = {
        let memo = UnsafeMutablePointer<KeyMemo>.allocate(capacity: FlatObject.maxMembers)
        memo.initialize(repeating: KeyMemo(), count: FlatObject.maxMembers)
        return memo
    }()

    public init() {}

    deinit {
        storage?.deallocate()
        memberStorage.deallocate()
        keyMemo.deallocate()
    }

    /// Appends a member (`read` stays within `maxMembers`, the capacity it starts with; filling may grow it).
    @inline(__always)
    private func append(_ member: Member) { memberStorage.append(member) }

    /// Reads `text` as a flat object; false when it is not one, or not surely one (the type's comment).
    public func read(_ text: UnsafeRawBufferPointer) -> Bool {
        memberStorage.removeAll()
        var complete = false
        defer { if !complete { memberStorage.removeAll() } }
        guard let source = text.baseAddress, text.count > 0, text.count <= FlatObject.maxBytes else { return false }
        if storageCapacity < 2 * text.count + 1 {
            storage?.deallocate()
            storageCapacity = max(2 * text.count + 1, 1024)
            storage = .allocate(capacity: storageCapacity)
            // A NUL at the end: a C function that reads a member's bytes as a C string stops inside the buffer
            // (regexec with REG_STARTEND reads only the range, but sanitizers' interceptors take its strlen; JSON
            // text holds no raw NUL, so the first one is this).
            storage![storageCapacity - 1] = 0
        }
        let base = storage!
        base.update(from: source.assumingMemoryBound(to: UInt8.self), count: text.count)
        var cursor = JSONReader.Cursor(base: UnsafePointer(base), end: text.count)
        defer { cursor.scratch?.deallocate() }
        var unescaped = base + text.count
        cursor.skipSpace()
        guard cursor.at < cursor.end, cursor.base[cursor.at] == UInt8(ascii: "{") else { return false }
        var sum: UInt64 = 0
        // Every key so far found in `keyMemo` (`memoized`), and every one put there or found (`remembered`).
        var memoized = true, remembered = true
        let distinctBefore = memoDistinctCount
        memoDistinctCount = 0  // the memo changes below: known again only once this row is read whole
        if !cursor.opensEmpty(closing: UInt8(ascii: "}")) {
            while true {
                guard memberStorage.count < FlatObject.maxMembers, cursor.at < cursor.end,
                      cursor.base[cursor.at] == UInt8(ascii: "\""), let (keyStart, keyCount) = cursor.string() else { return false }
                let key = keep(keyStart, keyCount, cursor.scratch, &unescaped)
                cursor.skipSpace()
                guard cursor.at < cursor.end, cursor.base[cursor.at] == UInt8(ascii: ":") else { return false }
                cursor.at += 1
                cursor.skipSpace()
                guard cursor.at < cursor.end else { return false }
                let value: Value
                let valueHash: UInt64
                switch cursor.base[cursor.at] {
                case UInt8(ascii: "\""):
                    guard let (start, count) = cursor.string() else { return false }
                    value = .string(keep(start, count, cursor.scratch, &unescaped))
                    valueHash = ValueDigest.string(start, count)
                case UInt8(ascii: "t"):
                    guard cursor.literal("true") else { return false }
                    (value, valueHash) = (.bool(true), ValueDigest.trueHash)
                case UInt8(ascii: "f"):
                    guard cursor.literal("false") else { return false }
                    (value, valueHash) = (.bool(false), ValueDigest.falseHash)
                case UInt8(ascii: "n"):
                    guard cursor.literal("null") else { return false }
                    (value, valueHash) = (.null, ValueDigest.nullHash)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let number = cursor.integerValue() else { return false }
                    (value, valueHash) = (.integer(number), ValueDigest.integer(number))
                default:
                    return false  // nested, or not JSON
                }
                let (keyHash, found) = memoizedKeyHash(key, at: memberStorage.count)
                memoized = memoized && found == .found
                remembered = remembered && found != .notKept
                append(Member(key: key, keyHash: keyHash, value: value))
                sum = sum &+ ValueDigest.member(key: keyHash, value: valueHash)
                guard let more = cursor.afterMember(closing: UInt8(ascii: "}")) else { return false }
                if !more { break }
            }
        }
        cursor.skipSpace()
        guard cursor.at == cursor.end else { return false }
        // Keys all as in a row read whole without a repeat: none repeated here either.
        guard memoized && members.count <= distinctBefore || !FlatObject.hasRepeatedKey(members) else { return false }
        digest = ValueDigest.object(sum)
        if remembered { memoDistinctCount = members.count }
        complete = true
        return true
    }

    // MARK: Filled member by member

    /// Starts filling the object member by member (`add`, then `finishFilling`) — a CSV row's cells, which are
    /// the members and need no JSON text written and read again (writing and reading it was ~5,000 instructions
    /// of a 7-cell row's ~30,000). `values` is copied: the strings `add` is given are ranges of it. Keys are kept
    /// as given: they must stay valid while the members are used.
    public func startFilling(copying values: UnsafeRawBufferPointer) {
        memberStorage.removeAll()
        filledSum = 0
        if storageCapacity < values.count + 1 {
            storage?.deallocate()
            storageCapacity = max(values.count + 1, 1024)
            storage = .allocate(capacity: storageCapacity)
            storage![storageCapacity - 1] = 0  // as in `read`
        }
        if let source = values.baseAddress, values.count > 0 {
            storage!.update(from: source.assumingMemoryBound(to: UInt8.self), count: values.count)
        }
    }

    /// A string member: `range` of the values copied by `startFilling`, as the string's bytes (not JSON-escaped).
    public func add(key: UnsafeRawBufferPointer, keyHash: UInt64, string range: Range<Int>) {
        let start = UnsafePointer(storage!) + range.lowerBound
        append(Member(key: key, keyHash: keyHash, value: .string(UnsafeRawBufferPointer(start: start, count: range.count))))
        filledSum = filledSum &+ ValueDigest.member(key: keyHash, value: ValueDigest.string(start, range.count))
    }

    /// An integer member.
    public func add(key: UnsafeRawBufferPointer, keyHash: UInt64, integer: Int64) {
        append(Member(key: key, keyHash: keyHash, value: .integer(integer)))
        filledSum = filledSum &+ ValueDigest.member(key: keyHash, value: ValueDigest.integer(integer))
    }

    /// Ends the filling: the members and digest are what `read` gives of the members' JSON text. The caller
    /// gives keys of distinct key hashes (a CSV header's, checked once), and any number of them: a filled object
    /// is not one `read` would leave to jansson.
    public func finishFilling() {
        digest = ValueDigest.object(filledSum)
    }

    /// The members as a jansson object (a filled row's, for the checks that need one).
    public func object() throws(BKCCError) -> JSON {
        let object = try JSON.object()
        for member in members {
            let value: JSON
            switch member.value {
            case .string(let bytes):
                guard let set = object.setText(member.key, bytes) else { throw BKCCError(.noMemory, "out of memory building JSON") }
                guard set else { throw BKCCError(.invalidArgument, "a member is not valid UTF-8") }
                continue
            case .integer(let number): value = try .integer(number)
            case .bool(let flag): value = .bool(flag)
            case .null: value = .null
            }
            try object.set(String(decoding: member.key, as: UTF8.self), value)
        }
        return object
    }

    /// The hash a key is known by (`Member.keyHash`): the one `ValueDigest` takes of keys (FNV-1a from its own
    /// seed), so that one pass over a key's bytes serves the digest and every lookup.
    @inline(__always)
    public static func keyHash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = key.baseAddress else { return ValueDigest.key(UnsafePointer(bitPattern: 1)!, 0) }
        return ValueDigest.key(base.assumingMemoryBound(to: UInt8.self), key.count)
    }

    /// `keyHash(key)`, from `keyMemo` when the key at `position` (below `maxMembers`) of the last row read had the
    /// same bytes: a key of 4 to 16 bytes is two loads that cover all of them (they overlap when it is shorter).
    @inline(__always)
    private func memoizedKeyHash(_ key: UnsafeRawBufferPointer, at position: Int) -> (UInt64, KeyMemo.Use) {
        let count = key.count
        guard count >= 4, count <= 16, let base = key.baseAddress else { return (FlatObject.keyHash(key), .notKept) }
        let head: UInt64, tail: UInt64
        if count >= 8 {
            head = base.loadUnaligned(as: UInt64.self)
            tail = base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            head = UInt64(base.loadUnaligned(as: UInt32.self))
            tail = UInt64(base.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        }
        let memo = keyMemo + position
        if memo.pointee.count == count, memo.pointee.head == head, memo.pointee.tail == tail { return (memo.pointee.hash, .found) }
        let hash = FlatObject.keyHash(key)
        memo.pointee = KeyMemo(count: count, head: head, tail: tail, hash: hash)
        return (hash, .kept)
    }

    public static func keyHash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { keyHash(UnsafeRawBufferPointer($0)) }
    }

    /// The value of the member named `name`, if there is one.
    public func value(of name: UnsafeRawBufferPointer) -> Value? { value(of: name, hash: FlatObject.keyHash(name)) }

    /// The same, knowing `keyHash(name)`: a comparison of hashes a member, the bytes only on a match.
    public func value(of name: UnsafeRawBufferPointer, hash: UInt64) -> Value? {
        for member in members where member.keyHash == hash && bytesEqual(member.key, name) {
            return member.value
        }
        return nil
    }

    public func value(of name: String) -> Value? { value(of: name, hash: FlatObject.keyHash(name)) }

    /// The same, knowing `keyHash(name)`.
    public func value(of name: String, hash: UInt64) -> Value? {
        var name = name
        return name.withUTF8 { value(of: UnsafeRawBufferPointer($0), hash: hash) }
    }

    /// Two members with one key hash: a repeated key (which jansson refuses), or — unlikely — two keys of one
    /// hash; either way the general path decides.
    private static func hasRepeatedKey(_ members: UnsafeBufferPointer<Member>) -> Bool {
        guard members.count > 1 else { return false }
        for later in 1..<members.count {
            for earlier in 0..<later where members[earlier].keyHash == members[later].keyHash { return true }
        }
        return false
    }

    /// A string's bytes that stay valid until the next `read`: in the copied text, or — when the cursor unescaped
    /// it into its scratch buffer — copied on after the text (`next`, moved past it).
    private func keep(_ start: UnsafePointer<UInt8>, _ count: Int, _ scratch: UnsafeMutablePointer<UInt8>?,
                      _ next: inout UnsafeMutablePointer<UInt8>) -> UnsafeRawBufferPointer {
        guard let scratch, start == UnsafePointer(scratch) else { return UnsafeRawBufferPointer(start: start, count: count) }
        let out = next
        out.update(from: start, count: count)
        next += count
        return UnsafeRawBufferPointer(start: out, count: count)
    }
}
