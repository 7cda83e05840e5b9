import BKCC
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Helpers shared by every Swift test suite (BKCCTests, BKCCCLITests).

/// Parses test JSON; a typo in a fixture fails the test that uses it, with jansson's message.
public func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
    switch JSON.parse(text) {
    case .success(let value): return value
    case .failure(let error):
        Issue.record("bad fixture JSON: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Runs `body` and returns the error it throws (nil, and a recorded issue, when it does not throw).
public func thrown<T, E: Error>(_ body: () throws(E) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> E? {
    do {
        _ = try body()
        Issue.record("expected an error", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A temporary file holding `bytes` (in /tmp, small; left for the system to clean).
public func temporaryFile(_ bytes: [UInt8], suffix: String = "") -> String {
    var template = Array("/tmp/bkcc-test-XXXXXX\(suffix)".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
    precondition(fd >= 0)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

public func temporaryFile(_ text: String, suffix: String = "") -> String { temporaryFile(Array(text.utf8), suffix: suffix) }

/// A small seeded generator (splitmix64), so that randomized tests are the same on every run.
public struct SplitMix {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
