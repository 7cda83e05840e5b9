@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The reader against every case of shared/testdata/csv (what Python's csv module reads), at several buffer
/// sizes, down to one byte at a time.
@Suite struct CSVReaderTests {
    static let cases: [String] = {
        var names: [String] = []
        guard let directory = opendir(fixtures) else { return names }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name.hasSuffix(".expected") { names.append(String(name.dropLast(".expected".count))) }
        }
        return names.sorted()
    }()

    /// A record as the .expected files write it: `[field|field]`, newlines inside fields as \n and \r.
    static func render(_ record: CSVRecord) -> String {
        let fields = (0..<record.count).map { index in
            // By bytes: "\r\n" is one Character in Swift.
            var bytes: [UInt8] = []
            for byte in record.field(index) {
                switch byte {
                case 0x0A: bytes += Array("\\n".utf8)
                case 0x0D: bytes += Array("\\r".utf8)
                default: bytes.append(byte)
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return "[" + fields.joined(separator: "|") + "]"
    }

    static func records(_ path: String, bufferSize: Int) throws(InputError) -> [CSVRecord] {
        let reader = CSVReader(source: try ByteSource(path: path, bufferSize: bufferSize))
        var result: [CSVRecord] = []
        while let record = try reader.next() { result.append(record) }
        return result
    }

    @Test func testFixtures_AreThere() {
        #expect(CSVReaderTests.cases.count >= 16)
    }

    @Test(arguments: CSVReaderTests.cases, [1, 2, 3, 5, 65536])
    func testFixture_MatchesPythonCSV(name: String, bufferSize: Int) throws {
        let expected = readText("\(fixtures)/\(name).expected").split(separator: "\n").map(String.init)
        let got = try CSVReaderTests.records("\(fixtures)/\(name).csv", bufferSize: bufferSize).map(CSVReaderTests.render)
        #expect(got == expected, "\(name) with \(bufferSize)-byte reads")
    }

    @Test(arguments: [1, 4, 65536])
    func testUnterminatedQuote_IsAnErrorNamingTheRecord(bufferSize: Int) {
        let error = thrown { () throws(InputError) in try CSVReaderTests.records("\(fixtures)/90_unterminated_quote.csv", bufferSize: bufferSize) }
        #expect(error?.line == 2)
        #expect(error?.reason.contains("unterminated quoted field") == true)
    }

    @Test(arguments: [1, 65536])
    func testEmptyAndBOMOnly_HaveNoRecords(bufferSize: Int) throws {
        #expect(try CSVReaderTests.records("\(fixtures)/92_bom_only.csv", bufferSize: bufferSize).isEmpty)
        #expect(try CSVReaderTests.records("\(fixtures)/93_empty.csv", bufferSize: bufferSize).isEmpty)
    }

    @Test func testInvalidUTF8_IsKeptAsBytesAndReportedByTheRowReader() throws {
        let records = try CSVReaderTests.records("\(fixtures)/91_invalid_utf8.csv", bufferSize: 1)
        #expect(records.count == 2)
        #expect(Array(records[1].field(1)) == [0xFF, 0xFE, 0x20, 0x62, 0x61, 0x64])
        #expect(records[1].string(at: 1) == nil)
        let path = "\(fixtures)/91_invalid_utf8.csv"
        let reader = CSVRowReader(source: try ByteSource(path: path, bufferSize: 3))
        let row = try #require(try reader.next())
        #expect(row.line == 2)
        #expect(row.detail == nil)
        #expect(row.problem?.hasPrefix("column 2 (b): not valid UTF-8") == true)
    }

    /// Random texts of the bytes that matter (commas, quotes, CR, LF, UTF-8, space) read alike whole and a byte at
    /// a time: whole, plain lines take the memchr path; a byte at a time, (nearly) everything goes through the
    /// state machine, the reference.
    @Test func testRandomTexts_ReadAlikeWholeAndByteByByte() throws {
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x2C], [0x2C], [0x22], [0x0D], [0x0A], [0x0A], [0x0D, 0x0A], Array("é".utf8), [0x20]]
        var generator = SplitMix(seed: 0x6373_7672)
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(generator.next() % 40) { bytes += alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            Self.expectReadAlike(bytes, chunked: 7)
        }
    }

    /// `bytes` read as a file whole (65,536-byte reads) and in `chunked`-byte reads give the records (or the error)
    /// a byte at a time gives.
    static func expectReadAlike(_ bytes: [UInt8], chunked: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = temporaryFile(String(decoding: bytes, as: UTF8.self))
        defer { unlink(path) }
        func read(_ size: Int) -> [String] {
            do throws(InputError) {
                return try CSVReaderTests.records(path, bufferSize: size).map { "\($0.line):" + CSVReaderTests.render($0) }
            } catch {
                return ["error \(error.line ?? 0): \(error.reason)"]
            }
        }
        let reference = read(1)
        #expect(read(65536) == reference, "\(bytes)", sourceLocation: sourceLocation)
        #expect(read(chunked) == reference, "\(bytes)", sourceLocation: sourceLocation)
    }

    /// Long lines of many fields, a quote, a CR or an LF anywhere in them: the whole-buffer read (plain lines, read
    /// by `nextPlain`) against a byte at a time (the state machine alone).
    @Test func testLongRandomLines_ReadAlikeWholeAndByteByByte() throws {
        let alphabet: [[UInt8]] = [[0x61], [0x62], [0x63], [0x64], [0x2C], [0x2C], [0x2C], [0x22], [0x0D], [0x0A], [0x0A],
                                   [0x0D, 0x0A], Array("交换机".utf8), [0x20]]
        var generator = SplitMix(seed: 0x6c6f_6e67)
        for round in 0..<300 {
            var bytes: [UInt8] = []
            // Every fourth text without quotes or CRs: nearly all of its lines are plain.
            let letters = round % 4 == 0 ? alphabet.filter { $0 != [0x22] && $0 != [0x0D] && $0 != [0x0D, 0x0A] } : alphabet
            for _ in 0..<Int(generator.next() % 300) { bytes += letters[Int(generator.next() % UInt64(letters.count))] }
            Self.expectReadAlike(bytes, chunked: 61)
        }
    }

    /// A plain line at the record size limit is read; one byte over is the state machine's error, as for any line.
    @Test(arguments: [1, 65536])
    func testPlainLineAtTheLimit_IsReadAndOneOverIsAnError(bufferSize: Int) throws {
        let atLimit = String(repeating: "x,", count: 49) + "xx"  // 100 bytes, 50 fields
        let fits = temporaryFile("a\n" + atLimit + "\r\nb\n")
        defer { unlink(fits) }
        let reader = CSVReader(source: try ByteSource(path: fits, bufferSize: bufferSize), maxRecordBytes: 100)
        var ends: [Int] = []
        while let record = try reader.next() { ends.append(record.count) }
        #expect(ends == [1, 50, 1])
        let over = temporaryFile("a\n" + String(repeating: "x", count: 101) + "\nb\n")
        defer { unlink(over) }
        let overReader = CSVReader(source: try ByteSource(path: over, bufferSize: bufferSize), maxRecordBytes: 100)
        let error = thrown { () throws(InputError) in _ = try overReader.next(); return try overReader.next() }
        #expect(error?.reason.contains("over") == true)
    }

    @Test func testRecordLines_CountEveryKindOfLineBreak() throws {
        let path = temporaryFile("a,b\r\n1,\"x\ny\"\r2,3\n\n4,5")
        defer { unlink(path) }
        let lines = try CSVReaderTests.records(path, bufferSize: 1).map(\.line)
        #expect(lines == [1, 2, 4, 5, 6])
    }

    @Test func testOversizedRecord_IsAnError() throws {
        let path = temporaryFile("a\n\"" + String(repeating: "x", count: 300))
        defer { unlink(path) }
        let reader = CSVReader(source: try ByteSource(path: path, bufferSize: 64), maxRecordBytes: 100)
        let error = thrown { () throws(InputError) in _ = try reader.next(); return try reader.next() }
        #expect(error?.reason.contains("over") == true)
    }
}
