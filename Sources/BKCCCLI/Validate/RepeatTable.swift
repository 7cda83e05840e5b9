/// The set of unique values seen so far, as hashes, each with the line it was first seen on: open addressing with
/// linear probing in 256 shards, each one flat buffer of 10-byte slots (48 bits of the hash, then the line). A
/// shard grows by half when it is 90% full, so the table holds 10 bytes a slot at a load of 60–90% — 11 to 17
/// bytes a row, 11.8 at a million rows — and growing never holds more than one shard twice (a single table, or a
/// Dictionary, briefly holds all of it twice: 38 MB at a million rows).
///
/// Why 48 bits and not the whole 64-bit hash: the shard is the mixed hash's top 8 bits, so a slot's 48 make the 56
/// bits that tell values apart (two distinct values of a million are taken for one about once in 140,000 such
/// files), and 8 + 4 bytes a slot were 13.5 MiB of the 22 MiB that a million-row import's peak RSS had above a
/// 10,000-row one's. One buffer, not an array of hashes beside one of lines: a probe reads one cache line, not two.
struct RepeatTable {
    fileprivate struct Shard {
        /// `capacity` slots: 6 bytes of stored hash (little-endian; 0: empty), 4 of line (`stored`, `line`, `put`).
        var slots: [UInt8] = []
        var capacity = 0
        var count = 0
    }

    private var shards = [Shard](repeating: Shard(), count: 256)

    /// Inserts `hash` with `line`, or returns the line it was first seen on.
    mutating func firstLine(of hash: UInt64, insertingAt line: UInt32) -> UInt32? {
        let mixed = RepeatTable.mix(hash)
        let bits = (mixed >> 8) & Shard.storedMask
        let shard = Int(truncatingIfNeeded: mixed >> 56)
        return shards[shard].withSlot(bits == 0 ? 1 : bits, line)
    }

    /// splitmix64's finalizer: FNV-1a's bits are poorly spread for slot positions.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RepeatTable.Shard {
    static let slotBytes = 10
    static let storedMask: UInt64 = 0xFFFF_FFFF_FFFF

    /// `stored`: 48 bits, not 0.
    mutating func withSlot(_ stored: UInt64, _ line: UInt32) -> UInt32? {
        if (count + 1) * 10 > capacity * 9 { grow() }
        let capacity = capacity
        var slot = RepeatTable.Shard.position(stored, in: capacity)
        let found: UInt32? = slots.withUnsafeMutableBytes { raw in
            while true {
                let offset = slot * RepeatTable.Shard.slotBytes
                let current = RepeatTable.Shard.stored(raw, offset)
                if current == 0 {
                    RepeatTable.Shard.put(raw, offset, stored, line)
                    return nil
                }
                if current == stored { return RepeatTable.Shard.line(raw, offset) }
                slot += 1
                if slot == capacity { slot = 0 }
            }
        }
        if found == nil { count += 1 }
        return found
    }

    /// The slot for `stored` among `capacity` (any size, not only powers of two): the high half of a 64×64 product.
    private static func position(_ stored: UInt64, in capacity: Int) -> Int {
        Int(truncatingIfNeeded: (stored << 16).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private static func stored(_ raw: UnsafeMutableRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            | UInt64(raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)) << 32
    }

    private static func line(_ raw: UnsafeMutableRawBufferPointer, _ offset: Int) -> UInt32 {
        raw.loadUnaligned(fromByteOffset: offset + 6, as: UInt32.self)
    }

    private static func put(_ raw: UnsafeMutableRawBufferPointer, _ offset: Int, _ stored: UInt64, _ line: UInt32) {
        raw.storeBytes(of: UInt32(truncatingIfNeeded: stored), toByteOffset: offset, as: UInt32.self)
        raw.storeBytes(of: UInt16(truncatingIfNeeded: stored >> 32), toByteOffset: offset + 4, as: UInt16.self)
        raw.storeBytes(of: line, toByteOffset: offset + 6, as: UInt32.self)
    }

    private mutating func grow() {
        let newCapacity = max(16, capacity + capacity / 2)
        let slotBytes = RepeatTable.Shard.slotBytes
        var newSlots = [UInt8](repeating: 0, count: newCapacity * slotBytes)
        slots.withUnsafeMutableBytes { old in
            newSlots.withUnsafeMutableBytes { new in
                for slot in 0..<capacity {
                    let stored = RepeatTable.Shard.stored(old, slot * slotBytes)
                    guard stored != 0 else { continue }
                    var target = RepeatTable.Shard.position(stored, in: newCapacity)
                    while RepeatTable.Shard.stored(new, target * slotBytes) != 0 {
                        target += 1
                        if target == newCapacity { target = 0 }
                    }
                    RepeatTable.Shard.put(new, target * slotBytes, stored, RepeatTable.Shard.line(old, slot * slotBytes))
                }
            }
        }
        slots = newSlots
        capacity = newCapacity
    }
}
