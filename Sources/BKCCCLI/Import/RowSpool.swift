#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// What the check pass learnt of each row that the send pass needs again, kept in an unlinked temporary file
/// (gone when closed, whatever happens) and read back in order: the row's digest and lookup key, and a hash of
/// the bytes it was read from. The send pass hashes each row's bytes as it reads it again; a row whose hash
/// matches is the row that was checked, so its digest and key are taken from here instead of being worked out
/// again (scanning a JSON Lines row for them was ~3,600 of its ~15,100 instructions, filling a CSV row's members
/// for them ~1,600 of ~14,900: callgrind, 5,000 rows with --report). A file and not memory: a key is ~20 bytes a
/// row, which a million-row import would add to its peak RSS (#13: ≤ 2× a 10,000-row one's).
///
/// An entry is a 16-byte head — the bytes' hash (32 bits; 0 with `hashed` unset: the reader gives none, and the
/// send pass checks the row by its digest and key instead), the flags and key length (32), the digest (64) —
/// then the key's bytes.
final class RowSpool {
    struct Entry {
        var hashed: Bool
        /// The low 32 bits of `ByteHash` of the row's bytes (`TextRowReader.rowHash`), when `hashed`.
        var hash: UInt32
        var digest: UInt64
        /// The lookup key's bytes (`LookupOperation.key`'s rule; empty when the row has none), valid until the
        /// next `next()`.
        var key: UnsafeRawBufferPointer
        var integerKey: Bool
        /// The row's text may be sent as it is: the check pass read it as a flat object, on its bytes, or it is
        /// a CSV row's (written by the reader). Else the send pass scans it to know (`SendPass`).
        var sendsText: Bool
    }

    private static let hashedFlag: UInt32 = 1 << 31, integerFlag: UInt32 = 1 << 30, textFlag: UInt32 = 1 << 29
    private static let lengthMask: UInt32 = (1 << 29) - 1
    private static let headSize = 16

    private let fd: Int32
    private let name: String
    /// Writing: the entries, buffered (a `let`, not an Optional emptied by `rewind`: binding one was a retain and
    /// a release a row).
    private let writer: FileWriter
    private var reading = false
    private let capacity = 64 * 1024
    /// Reading: what was read of the file, `filled` bytes, the next to take at `taken`.
    private let buffer: UnsafeMutableRawPointer
    private var filled = 0
    private var taken = 0
    /// Why reading ended early, if it did.
    private var failure: String?
    /// What `take` gathers when it does not lie whole in `buffer` (an entry across two reads).
    private var scratch = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
    private var scratchCapacity = 256
    /// Entries written.
    private(set) var count = 0

    /// A new, empty spool in $TMPDIR (else /tmp); `name` is the input's, for messages.
    init(name: String) throws(InputError) {
        fd = try InputFile.makeSpool(name: name, prefix: "bkcc-rows")
        self.name = name
        writer = FileWriter(fd: fd, owns: true)  // it closes the file, after its last flush
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// Adds the next row's entry (`hash` nil: the reader gave none). A write that fails is kept, and thrown by
    /// `rewind`: the check pass runs to its end, and nothing is sent.
    func append(hash: UInt64?, digest: UInt64, key: UnsafeRawBufferPointer, integerKey: Bool, sendsText: Bool) {
        precondition(!reading, "a spool is written, then read")
        count += 1
        var flags = UInt32(min(key.count, Int(RowSpool.lengthMask)))
        if hash != nil { flags |= RowSpool.hashedFlag }
        if integerKey { flags |= RowSpool.integerFlag }
        if sendsText { flags |= RowSpool.textFlag }
        let kept = UnsafeRawBufferPointer(rebasing: key.prefix(Int(flags & RowSpool.lengthMask)))
        writer.write(atMost: RowSpool.headSize + kept.count) { output in
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: hash ?? 0)) { output.put($0) }
            withUnsafeBytes(of: flags) { output.put($0) }
            withUnsafeBytes(of: digest) { output.put($0) }
            output.put(kept)
        }
    }

    /// Ends the writing (flushed) and starts the reading, from the first entry.
    func rewind() throws(InputError) {
        precondition(!reading, "a spool is rewound once")
        writer.flush()
        reading = true
        if let failure = writer.failure { throw InputError(path: name, "cannot write a temporary file (TMPDIR): \(failure)") }
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw InputError(path: name, "cannot read a temporary file back: \(systemError())") }
    }

    /// The next entry; nil after the last (or when the file cannot be read: `readFailure`).
    func next() -> Entry? {
        precondition(reading, "rewind() before reading")
        // The head's fields loaded before the key is taken (which may gather into the scratch the head is in);
        // unaligned: entries are of any length.
        guard let head = take(RowSpool.headSize) else { return nil }
        let hash = head.loadUnaligned(as: UInt32.self)
        let flags = head.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let digest = head.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard let key = take(Int(flags & RowSpool.lengthMask)) else { return nil }
        return Entry(hashed: flags & RowSpool.hashedFlag != 0, hash: hash, digest: digest, key: key,
                     integerKey: flags & RowSpool.integerFlag != 0, sendsText: flags & RowSpool.textFlag != 0)
    }

    /// Why `next()` ended early, if it did.
    var readFailure: String? { failure }

    /// `count` bytes of the file: in the buffer when they lie whole in it, else gathered into `scratch`; valid
    /// until the next `take`. Nil at the end of the file.
    private func take(_ count: Int) -> UnsafeRawBufferPointer? {
        if count == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
        if filled - taken >= count {
            defer { taken += count }
            return UnsafeRawBufferPointer(start: buffer + taken, count: count)
        }
        if scratchCapacity < count {
            scratch.deallocate()
            scratchCapacity = max(count, 2 * scratchCapacity)
            scratch = .allocate(byteCount: scratchCapacity, alignment: 16)
        }
        var gathered = 0
        while gathered < count {
            if taken == filled {
                guard refill() else { return nil }
            }
            let part = min(count - gathered, filled - taken)
            (scratch + gathered).copyMemory(from: buffer + taken, byteCount: part)
            gathered += part
            taken += part
        }
        return UnsafeRawBufferPointer(start: scratch, count: count)
    }

    private func refill() -> Bool {
        while true {
            let got = read(fd, buffer, capacity)
            if got < 0, errno == EINTR { continue }
            if got < 0 { failure = systemError() }
            guard got > 0 else { return false }
            filled = got
            taken = 0
            return true
        }
    }
}
