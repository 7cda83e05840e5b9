#if canImport(Glibc)
import Glibc
#endif

/// Whether two byte runs are the same bytes. An attribute id or a CSV header name is a few to twenty bytes, and
/// each member of each row is compared with one: 4 to 16 bytes are two loads from each side, which cover every
/// byte (they overlap when the run is shorter than 16, or than 8); other lengths go to memcmp. (memcmp's call and
/// its length dispatch were ~25 instructions a compare, six to seven a row: callgrind, 5,000 JSON Lines rows.)
@inline(__always)
public func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let count = a.count
    guard count == b.count else { return false }
    guard count > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
    if count >= 8, count <= 16 {
        return x.loadUnaligned(as: UInt64.self) == y.loadUnaligned(as: UInt64.self)
            && x.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4, count < 8 {
        return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
            && x.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    return memcmp(x, y, count) == 0
}
