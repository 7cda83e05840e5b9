import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of `text` in Python-like encodings, made with iconv (the tests' own conversion, not the reader's path).
private func encoded(_ text: String, _ label: String, mark: [UInt8] = []) -> [UInt8] {
    var input = Array(text.utf8)
    var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
    let descriptor = iconv_open(label, "UTF-8")!
    defer { iconv_close(descriptor) }
    let produced = input.withUnsafeMutableBytes { inRaw in
        output.withUnsafeMutableBytes { outRaw -> Int in
            var inPointer: UnsafeMutablePointer<CChar>? = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
            var inLeft = inRaw.count
            var outPointer: UnsafeMutablePointer<CChar>? = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
            var outLeft = outRaw.count
            _ = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
            return outRaw.count - outLeft
        }
    }
    return mark + output[0..<produced]
}

private func csvRows(_ bytes: [UInt8], _ encoding: InputEncoding, bufferSize: Int, notes: InputNotes? = nil) throws(InputError) -> [InputRow] {
    let path = temporaryFile(bytes, suffix: ".csv")
    defer { unlink(path) }
    return try csvRows(path: path, encoding, bufferSize: bufferSize, notes: notes)
}

private func csvRows(path: String, _ encoding: InputEncoding, bufferSize: Int, notes: InputNotes?) throws(InputError) -> [InputRow] {
    let source = try ByteSource(path: path, bufferSize: bufferSize)
    source.reading = ReadingOptions(encoding: encoding, notes: notes)
    let reader = InputFormat.csv.reader(source)
    var result: [InputRow] = []
    while let row = try reader.next() { result.append(row) }
    return result
}

private let text = "bk_inst_name,bk_asset_id,bk_sn\r\n交换机-甲,A-1,序列\r\n\"机柜, €\",A-2,𠀀\r\nplain,A-3,x\r\n"
private let expected = [
    json(#"{"bk_inst_name":"交换机-甲","bk_asset_id":"A-1","bk_sn":"序列"}"#),
    json(#"{"bk_inst_name":"机柜, €","bk_asset_id":"A-2","bk_sn":"𠀀"}"#),
    json(#"{"bk_inst_name":"plain","bk_asset_id":"A-3","bk_sn":"x"}"#),
]

@Suite struct EncodingTests {
    // One byte at a time, three (characters cut at every place), and the usual chunk.
    static let sizes = [1, 3, 65536]

    @Test(arguments: sizes)
    func testEveryEncoding_ReadsTheSameRows_InAutoAndByName(bufferSize: Int) throws {
        let cases: [([UInt8], InputEncoding)] = [
            (Array(text.utf8), .utf8), ([0xEF, 0xBB, 0xBF] + Array(text.utf8), .utf8),
            (encoded(text, "GB18030"), .gb18030),
            (encoded(text, "UTF-16LE", mark: [0xFF, 0xFE]), .utf16), (encoded(text, "UTF-16BE", mark: [0xFE, 0xFF]), .utf16),
            (encoded(text, "UTF-16LE"), .utf16),  // no mark: little-endian, as Windows writes
        ]
        for (index, (bytes, named)) in cases.enumerated() {
            let byName = try csvRows(bytes, named, bufferSize: bufferSize)
            #expect(byName.map(\.detail) == expected, "case \(index) by name")
            #expect(byName.map(\.line) == [2, 3, 4], "case \(index) lines")
            if index < 5 {
                let auto = try csvRows(bytes, .auto, bufferSize: bufferSize)
                #expect(auto.map(\.detail) == expected, "case \(index) auto")
            }
        }
    }

    @Test(arguments: sizes)
    func testAuto_NotesGB18030Once_ForEveryPass(bufferSize: Int) throws {
        var said: [String] = []
        let notes = InputNotes { said.append($0) }
        let path = temporaryFile(encoded(text, "GB18030"), suffix: ".csv")
        defer { unlink(path) }
        _ = try csvRows(path: path, .auto, bufferSize: bufferSize, notes: notes)  // the check pass
        _ = try csvRows(path: path, .auto, bufferSize: bufferSize, notes: notes)  // the send pass
        #expect(said.count == 1)
        #expect(said.first?.hasSuffix(": input is not UTF-8: read as GB18030 (--encoding to choose)") == true)
        _ = try csvRows(Array(text.utf8), .auto, bufferSize: bufferSize, notes: InputNotes { said.append($0) })
        #expect(said.count == 1)
    }

    @Test(arguments: sizes)
    func testAuto_WaitsForTheFirstNonASCIIByte(bufferSize: Int) throws {
        var lines = "bk_inst_name,bk_asset_id\n"
        for i in 0..<2000 { lines += "n\(i),A\(i)\n" }
        lines += "交换机,Z\n"
        let rows = try csvRows(encoded(lines, "GB18030"), .auto, bufferSize: bufferSize)
        #expect(rows.count == 2001)
        #expect(rows.last?.detail == json(#"{"bk_inst_name":"交换机","bk_asset_id":"Z"}"#))
    }

    @Test(arguments: sizes)
    func testAnInvalidByte_IsAnErrorNamingItsLine(bufferSize: Int) {
        let bytes = encoded("a,b\n交换机,1\nx,2\n", "GB18030") + [0x79, 0xFF, 0x2C, 0x33, 0x0A]
        for encoding in [InputEncoding.auto, .gb18030] {
            let error = thrown { () throws(InputError) in try csvRows(bytes, encoding, bufferSize: bufferSize) }
            #expect(error?.line == 4)
            #expect(error?.reason.hasPrefix("not valid GB18030: the bytes 0xFF") == true)
        }
        let cut = encoded("a,b\n交,1\n", "UTF-16LE", mark: [0xFF, 0xFE]).dropLast()
        let error = thrown { () throws(InputError) in try csvRows(Array(cut), .auto, bufferSize: bufferSize) }
        #expect(error?.reason == "the input ends inside a UTF-16 character (a file cut short?)")
    }

    @Test func testUTF8ByName_NamesTheCellAndHintsAuto() throws {
        let rows = try csvRows(Array("a,b\n".utf8) + encoded("交,1\n", "GB18030"), .utf8, bufferSize: 65536)
        #expect(rows[0].problem == "column 1 (a): not valid UTF-8 (try --encoding auto)")
    }

    @Test func testBytesNoEncodingReads_AreLeftToTheCells() throws {
        let rows = try csvRows([0x61, 0x2C, 0x62, 0x0A, 0xFF, 0xFE, 0x2C, 0x31, 0x0A], .auto, bufferSize: 1)
        #expect(rows[0].problem == "column 1 (a): not valid UTF-8 (give the file's encoding: --encoding gb18030 or utf-16)")
    }

    @Test func testValidPrefix() {
        let gbk = encoded("交换机", "GB18030")
        #expect(Transcoder.validPrefix(gbk, as: "UTF-8", mayEndInside: false) == 0)
        #expect(Transcoder.validPrefix(gbk, as: "GB18030", mayEndInside: false) == gbk.count)
        #expect(Transcoder.validPrefix(Array("交".utf8).dropLast(), as: "UTF-8", mayEndInside: true) == 2)
    }
}
