import CXXHash

/// XXH3 (64 bits) of bytes as they are: how the import's send pass knows a row it reads again by its bytes
/// (`RowSpool`), where `ValueDigest` hashes the value they spell. Not a cryptographic hash: it detects change,
/// not tampering.
public enum ByteHash {
    @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        bkcc_xxh3(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes.count, seed)
    }
}
