import BKCC
@testable import BKCCCLI
import Testing

@Suite struct RowSpoolTests {
    /// Every entry reads back as written, in order: keys of every length (none; one byte; past the 64 KiB buffer),
    /// entries across the buffer's edges, each flag alone.
    @Test func testEntries_ReadBackAsWritten() throws {
        let spool = try RowSpool(name: "rows.jsonl")
        func key(_ index: Int) -> [UInt8] {
            let length = index == 777 ? 200_000 : index % 53
            return (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        }
        let count = 20_000
        for index in 0..<count {
            let bytes = key(index)
            bytes.withUnsafeBytes {
                spool.append(hash: index % 7 == 0 ? nil : UInt64(index) << 40 | UInt64(index), digest: UInt64(index) &* 0x9E37_79B9_7F4A_7C15,
                             key: $0, integerKey: index % 3 == 0, sendsText: index % 5 != 0)
            }
        }
        #expect(spool.count == count)
        try spool.rewind()
        var wrong = 0
        for index in 0..<count {
            guard let entry = spool.next() else {
                Issue.record("entry \(index) missing")
                return
            }
            let hashed = index % 7 != 0
            if entry.hashed != hashed || (hashed && entry.hash != UInt32(index)) || entry.digest != UInt64(index) &* 0x9E37_79B9_7F4A_7C15
                || !entry.key.elementsEqual(key(index)) || entry.integerKey != (index % 3 == 0) || entry.sendsText != (index % 5 != 0) {
                wrong += 1
            }
        }
        #expect(wrong == 0)
        #expect(spool.next() == nil)
        #expect(spool.readFailure == nil)
    }

    @Test func testAnEmptySpool_HasNoEntries() throws {
        let spool = try RowSpool(name: "-")
        try spool.rewind()
        #expect(spool.count == 0)
        #expect(spool.next() == nil)
    }
}
