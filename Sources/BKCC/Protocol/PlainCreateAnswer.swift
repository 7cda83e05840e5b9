/// The common batch_create_inst answer — HTTP 2xx, `result:true`, code 0, the two maps of indices with nothing
/// odd in them — read straight from its bytes, without building its values: nil for anything else, and then
/// `ResponseParser.envelope` and `batchCreate` read it, and decide and word whatever is wrong with it. When it
/// reads an answer, it reads what they read (`ResponseParserTests`, through every answer they parse, and
/// `fuzz_response` hold it to them).
///
/// Why: parsing an answer into jansson values (an object of 200 members for `success_created`) and reading them
/// into the maps was ~1,900 instructions a created item (callgrind, 5,000 items: the parse 5.6M, the maps 3.9M);
/// from the bytes, ~800.
public struct PlainCreateAnswer {
    /// Without `data` (its maps are below).
    public var envelope: Envelope
    /// Per detail of the request, its new `bk_inst_id`; 0 when the answer does not give one.
    public var created: [Int64]
    /// Per detail, the server's message when it was not created.
    public var failed: [String?]

    /// The same as `ResponseParser.batchCreate` gives it.
    public var batchAnswer: BatchAnswer {
        var answer = BatchAnswer(envelope: envelope, created: [:], failed: [:])
        for (index, id) in created.enumerated() where id > 0 { answer.created[index] = id }
        for (index, message) in failed.enumerated() { if let message { answer.failed[index] = message } }
        return answer
    }

    /// The answer, or nil when it is not surely a plain one.
    public static func read(httpStatus: Int, body: UnsafeRawBufferPointer, detailCount: Int) -> PlainCreateAnswer? {
        guard (200..<300).contains(httpStatus), let base = body.baseAddress, body.count > 0 else { return nil }
        var cursor = JSONReader.Cursor(base: base.assumingMemoryBound(to: UInt8.self), end: body.count)
        defer { cursor.scratch?.deallocate() }
        var result: Bool?, code: Int64?, message: String?, requestID: String?, permissionSeen = false
        var maps: Maps?
        let read = cursor.members { cursor, key in
            switch Key(key) {
            case .result where result == nil:
                guard cursor.literal("true") else { return false }
                result = true
            case .code where code == nil:
                guard let number = cursor.plainInteger(), number == 0 else { return false }
                code = number
            case .message where message == nil:
                guard let text = cursor.plainString() else { return false }
                message = text
            case .requestID where requestID == nil:
                if cursor.literal("null") {
                    requestID = ""
                } else {
                    guard let text = cursor.plainString() else { return false }
                    requestID = printable(text, limit: 63)
                }
            case .permission where !permissionSeen:
                guard cursor.literal("null") else { return false }
                permissionSeen = true
            case .data where maps == nil:
                guard let found = Maps.read(&cursor, detailCount: detailCount) else { return false }
                maps = found
            default:
                return false  // a key read elsewhere (bk_error_code…), another key, or a repeated one
            }
            return true
        }
        cursor.skipSpace()
        guard read, cursor.at == cursor.end, result == true, let maps else { return nil }
        let envelope = Envelope(result: true, code: 0, message: message ?? "", requestID: requestID ?? "",
                                permission: nil, data: nil, httpStatus: httpStatus)
        return PlainCreateAnswer(envelope: envelope, created: maps.created, failed: maps.failed)
    }

    /// The member names read, by their bytes.
    enum Key {
        case result, code, message, requestID, permission, data, successCreated, errorMessage, other

        init(_ bytes: UnsafeRawBufferPointer) {
            func named(_ name: StaticString) -> Bool {
                bytes.count == name.utf8CodeUnitCount
                    && bytes.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            }
            if named("result") { self = .result } else if named("code") { self = .code } else if named("message") { self = .message }
            else if named("request_id") { self = .requestID } else if named("permission") { self = .permission }
            else if named("data") { self = .data } else if named("success_created") { self = .successCreated }
            else if named("error_msg") { self = .errorMessage } else { self = .other }
        }
    }

    /// `data`'s two maps, checked as `ResponseParser.batchCreate` checks them: indices below the detail count,
    /// positive ids given once, no index in both. Nil for anything else (another member in `data` included).
    struct Maps {
        var created: [Int64]
        var failed: [String?]

        static func read(_ cursor: inout JSONReader.Cursor, detailCount: Int) -> Maps? {
            // Arrays by index, not tables: a hash or two a created item was ~300 instructions of it.
            var maps = Maps(created: Array(repeating: 0, count: detailCount), failed: Array(repeating: nil, count: detailCount))
            var seenCreated = false, seenFailed = false
            let read = cursor.members { cursor, key in
                switch Key(key) {
                case .successCreated where !seenCreated:
                    seenCreated = true
                    if cursor.literal("null") { return true }
                    if cursor.compactIndexMap(into: &maps.created) { return true }
                    return cursor.members { cursor, key in
                        guard let index = ResponseParser.parseIndex(key, below: detailCount), maps.created[index] == 0,
                              let id = cursor.plainInteger(), id > 0 else { return false }
                        maps.created[index] = id
                        return true
                    }
                case .errorMessage where !seenFailed:
                    seenFailed = true
                    if cursor.literal("null") { return true }
                    return cursor.members { cursor, key in
                        guard let index = ResponseParser.parseIndex(key, below: detailCount), maps.failed[index] == nil,
                              let text = cursor.plainString() else { return false }
                        maps.failed[index] = text
                        return true
                    }
                default:
                    return false
                }
            }
            guard read, !zip(maps.created, maps.failed).contains(where: { $0 > 0 && $1 != nil }) else { return nil }
            // Each new instance belongs to one item. The ids are sorted only when not already rising (a server
            // numbers a request's instances in order: sorting 200 was ~80 instructions a row).
            var ids = maps.created.filter { $0 > 0 }
            if !zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) { ids.sort() }
            guard zip(ids, ids.dropFirst()).allSatisfy({ $0 != $1 }) else { return nil }
            return maps
        }
    }
}

extension JSONReader.Cursor {
    /// Walks an object here: for each member, its key (unescaped bytes, valid only during the call) and the
    /// cursor at its value, which `body` must consume; false as soon as `body` is, or when the text is not an
    /// object as jansson reads one (then nothing is sure, and the caller falls back).
    mutating func members(_ body: (inout JSONReader.Cursor, UnsafeRawBufferPointer) -> Bool) -> Bool {
        skipSpace()
        guard at < end, base[at] == UInt8(ascii: "{") else { return false }
        if opensEmpty(closing: UInt8(ascii: "}")) { return true }
        while true {
            guard at < end, base[at] == UInt8(ascii: "\""), let (start, count) = string() else { return false }
            skipSpace()
            guard at < end, base[at] == UInt8(ascii: ":") else { return false }
            at += 1
            skipSpace()
            let key = UnsafeRawBufferPointer(start: start, count: count)
            // An escaped key is in the scratch buffer, which the value's string may reuse: copied then.
            let consumed = start >= base && start < base + end ? body(&self, key)
                : Array(key).withUnsafeBytes { body(&self, $0) }
            guard consumed, let more = afterMember(closing: UInt8(ascii: "}")) else { return false }
            if !more { return true }
        }
    }

    /// A string value, as a String (jansson's bytes: unescaped, checked UTF-8); nil for anything else.
    mutating func plainString() -> String? {
        guard at < end, base[at] == UInt8(ascii: "\""), let (start, count) = string() else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    }

    /// An integer value as jansson reads one surely (`integerValue`'s rule); nil for anything else.
    mutating func plainInteger() -> Int64? {
        guard at < end, base[at] == UInt8(ascii: "-") || base[at] &- UInt8(ascii: "0") < 10 else { return nil }
        return integerValue()
    }
}

extension JSONReader.Cursor {
    /// `success_created` written compactly — `{"0":1001,"1":1002,…}`: no white space, canonical indices below
    /// `created.count` each given once, ids of 1 to 18 digits — read into `created` by a loop over its bytes.
    /// Anything else leaves the cursor and `created` as they were and returns false, for the general walk
    /// (`members`) to decide: what this accepts, that walk accepts and reads alike. (That walk — a key scanned as
    /// a string, its index parsed, the id read — was ~330 instructions a created item; this loop ~145.)
    mutating func compactIndexMap(into created: inout [Int64]) -> Bool {
        // The cursor's fields in locals, the loop calling nothing but an inlined helper: through `self` (inout),
        // each byte read went to memory (~190 instructions an item).
        let base = self.base, end = self.end, quote = UInt8(ascii: "\"")
        var at = self.at, filled = 0
        let accepted = created.withUnsafeMutableBufferPointer { slots -> Bool in
            guard at + 1 < end, base[at] == UInt8(ascii: "{"), base[at + 1] == quote else { return false }
            at += 1
            while true {
                guard at < end, base[at] == quote else { return false }
                at += 1
                guard let index = JSONReader.Cursor.canonicalDigits(base, end, &at, below: 10), index < slots.count,
                      slots[index] == 0, at + 1 < end, base[at] == quote, base[at + 1] == UInt8(ascii: ":") else { return false }
                at += 2
                guard let id = JSONReader.Cursor.canonicalDigits(base, end, &at, below: 19), id > 0, at < end else { return false }
                slots[index] = Int64(id)
                filled += 1
                if base[at] == UInt8(ascii: ",") {
                    at += 1
                    continue
                }
                guard base[at] == UInt8(ascii: "}") else { return false }
                at += 1
                return true
            }
        }
        if accepted {
            self.at = at
        } else if filled > 0 {
            for index in created.indices { created[index] = 0 }
        }
        return accepted
    }

    /// Decimal digits at `at` (consumed), fewer than `limit` of them, without a leading zero (but "0"); nil for
    /// anything else.
    @inline(__always)
    static func canonicalDigits(_ base: UnsafePointer<UInt8>, _ end: Int, _ at: inout Int, below limit: Int) -> Int? {
        let first = at
        var value = 0
        while at < end, base[at] &- 0x30 < 10 {
            guard at - first < limit - 1 else { return nil }
            value = value &* 10 &+ Int(base[at] &- 0x30)
            at += 1
        }
        let count = at - first
        return count == 0 || (count > 1 && base[first] == 0x30) ? nil : value
    }
}
