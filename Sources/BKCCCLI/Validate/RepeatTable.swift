/// The set of unique values seen so far, as 64-bit hashes, each with the line it was first seen on: open
/// addressing with linear probing in 256 shards, each of two flat arrays (8 + 4 bytes a slot). A shard grows by
/// half when it is 90% full, so the table holds 12 bytes a slot at a load of 60–90% — about 16 bytes a row — and
/// growing never holds more than one shard twice (a single table, or a Dictionary, briefly holds all of it
/// twice: 38 MB at a million rows).
struct RepeatTable {
    fileprivate struct Shard {
        var hashes: [UInt64] = []  // 0: empty
        var lines: [UInt32] = []
        var count = 0
    }

    private var shards = [Shard](repeating: Shard(), count: 256)

    /// Inserts `hash` with `line`, or returns the line it was first seen on.
    mutating func firstLine(of hash: UInt64, insertingAt line: UInt32) -> UInt32? {
        let mixed = RepeatTable.mix(hash)
        let stored = mixed == 0 ? 1 : mixed
        let shard = Int(truncatingIfNeeded: mixed >> 56)
        return shards[shard].withSlot(stored, line)
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
    mutating func withSlot(_ hash: UInt64, _ line: UInt32) -> UInt32? {
        if (count + 1) * 10 > hashes.count * 9 { grow() }
        var slot = position(hash, in: hashes.count)
        while true {
            let current = hashes[slot]
            if current == 0 {
                hashes[slot] = hash
                lines[slot] = line
                count += 1
                return nil
            }
            if current == hash { return lines[slot] }
            slot += 1
            if slot == hashes.count { slot = 0 }
        }
    }

    /// The slot for `hash` among `capacity` (any size, not only powers of two): the high half of a 64×64 product.
    private func position(_ hash: UInt64, in capacity: Int) -> Int {
        Int(truncatingIfNeeded: (hash << 8).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    private mutating func grow() {
        let capacity = max(16, hashes.count + hashes.count / 2)
        var newHashes = [UInt64](repeating: 0, count: capacity)
        var newLines = [UInt32](repeating: 0, count: capacity)
        for (slot, hash) in hashes.enumerated() where hash != 0 {
            var target = position(hash, in: capacity)
            while newHashes[target] != 0 {
                target += 1
                if target == capacity { target = 0 }
            }
            newHashes[target] = hash
            newLines[target] = lines[slot]
        }
        hashes = newHashes
        lines = newLines
    }
}
