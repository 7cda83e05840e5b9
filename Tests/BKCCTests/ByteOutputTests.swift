import BKCC
import Testing

/// `ByteOutput` writes what the general writers write: decimal as `String(_:)`, hex as `String(_:radix:)`, quoted
/// text as jansson quotes it.
@Suite struct ByteOutputTests {
    static func written(_ maxCount: Int, _ body: (inout ByteOutput) -> Void) -> String {
        var bytes: [UInt8] = []
        bytes.append(atMost: maxCount, body)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// jansson's literal of a string.
    static func janssons(_ text: String) -> String {
        String(decoding: (try? JSON.string(text).janssonBytes()) ?? [], as: UTF8.self)
    }

    @Test func decimalsAreTheirDigits() {
        var values: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, .max, .min, .max - 1, .min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power]
        }
        // every pair of the two-digit table, in each place of a number
        values += (0..<1_000).map { Int64($0) } + (0..<100).map { 1_000_000 + 1_001 * Int64($0) }
        var random = SystemRandomNumberGenerator()
        values += (0..<200).map { _ in Int64.random(in: .min ... .max, using: &random) }
        for value in values { #expect(Self.written(20) { $0.putDecimal(value) } == String(value)) }
        // `withDecimal` writes its buffer through `putDecimal`, between a prefix and a suffix.
        for value in values {
            #expect(withDecimal(value, prefix: UInt8(ascii: "n"), suffix: UInt8(ascii: ";")) { String(decoding: $0, as: UTF8.self) } == "n\(value);")
            #expect(withDecimal(value) { String(decoding: $0, as: UTF8.self) } == String(value))
        }
    }

    /// Bytes of every length up to 40 (the word-sized copies below 17, memcpy above) go out as they are, and
    /// nothing after them is written.
    @Test func bytesAreCopiedWhole() {
        for length in 0...40 {
            let piece = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            var buffer = [UInt8](repeating: UInt8(ascii: "#"), count: 48)
            let count = buffer.withUnsafeMutableBufferPointer { out in
                var output = ByteOutput(out.baseAddress!)
                piece.withUnsafeBytes { output.put($0) }
                return output.count(from: out.baseAddress!)
            }
            #expect(count == length && Array(buffer[..<length]) == piece, "\(length)")
            #expect(buffer[length...].allSatisfy { $0 == UInt8(ascii: "#") }, "\(length)")
        }
    }

    @Test func hexIsSixteenLowercaseDigits() {
        var values: [UInt64] = [0, 1, 0xabc, 0xfb04_70c8_bdd1_21fc, .max, 0x0123_4567_89ab_cdef]
        for shift in stride(from: 0, to: 64, by: 4) { values += [0x9 << UInt64(shift), 0xa << UInt64(shift), 0xf << UInt64(shift)] }
        for value in values {
            let expected = String(repeating: "0", count: 16 - String(value, radix: 16).count) + String(value, radix: 16)
            #expect(Self.written(16) { $0.putHex16(value) } == expected)
        }
    }

    /// Every byte that needs an escape, at every position of texts of one word, two, and sixteen-byte blocks with a
    /// tail (the scan reads 16 bytes, then 8, then one at a time), and plain text around it.
    @Test func quotingIsJanssons() {
        let specials: [UInt8] = Array(0..<0x20) + [0x22, 0x5C]
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40] {
            for position in 0..<max(length, 1) {
                for special in specials where length > 0 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = special
                    let text = String(decoding: bytes, as: UTF8.self)
                    let quoted = bytes.withUnsafeBytes { text in Self.written(6 * text.count + 2) { $0.putQuoted(utf8: text) } }
                    #expect(quoted == Self.janssons(text), "\(bytes)")
                }
            }
        }
        // Long text too (sized exactly, not for the worst case), through JSONQuote's Array path.
        for text in [String(repeating: "a\u{1}\"交", count: 400), String(repeating: "\n", count: 2000), String(repeating: "x", count: 5000)] {
            #expect(String(decoding: JSONQuote.quotedBytes(text), as: UTF8.self) == Self.janssons(text))
        }
        for text in ["", "plain", "交换机-北京", "a\"b\\c\nd\te\u{1}", String(repeating: "\"", count: 20), "tail\u{7F}é"] {
            #expect(Self.written(6 * text.utf8.count + 2) { $0.putQuoted(text) } == Self.janssons(text))
        }
    }
}
