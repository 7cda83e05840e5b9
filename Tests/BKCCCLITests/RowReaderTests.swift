#if canImport(Glibc)
import Glibc
#endif
import BKCC
@testable import BKCCCLI
import Testing

@Suite struct CSVRowReaderTests {
    @Test(arguments: [1, 65536])
    func testRows_AreObjectsOfTheNonEmptyCells(bufferSize: Int) throws {
        let text = "\u{FEFF}bk_inst_name, bk_asset_id ,bk_sn,bk_port_count:int,bk_in_use:bool\n核心交换机-01,SW-1,,48,yes\n\n\"sw, 2\",SW-2,SN2,,0\n"
        let got = try rows(text, .csv, bufferSize: bufferSize)
        #expect(got.count == 2)
        #expect(got[0].index == 0 && got[0].line == 2)
        #expect(got[0].detail == json(#"{"bk_inst_name":"核心交换机-01","bk_asset_id":"SW-1","bk_port_count":48,"bk_in_use":true}"#))
        #expect(got[1].index == 1 && got[1].line == 4)
        #expect(got[1].detail == json(#"{"bk_inst_name":"sw, 2","bk_asset_id":"SW-2","bk_sn":"SN2","bk_in_use":false}"#))
    }

    @Test func testBadCells_NameTheirColumn() throws {
        let got = try rows("a,b:int,c:json\nx,4x,{\"k\":1}\ny,5,{bad\nz,6,[1],extra\n", .csv)
        #expect(got[0].problem == #"column 2 (b): not an integer: "4x""#)
        #expect(got[1].problem?.hasPrefix("column 3 (c): not valid JSON") == true)
        #expect(got[2].problem == "column 4: a value beyond the header's 3 columns")
        #expect(got.allSatisfy { $0.detail == nil })
    }

    @Test func testARepeatedHeaderName_IsAnInputError() {
        let error = thrown { () throws(InputError) in try rows("a,b,a\n1,2,3\n", .csv) }
        #expect(error?.line == 1)
        #expect(error?.column == 3)
        #expect(error?.reason.contains("names \"a\" twice") == true)
    }

    @Test func testAnUnnamedEmptyColumn_IsIgnored() throws {
        let got = try rows("a,b,\n1,2,\n", .csv)
        #expect(got[0].detail == json(#"{"a":"1","b":"2"}"#))
    }

    @Test func testSpaces_AreKeptInValues() throws {
        let got = try rows("a\n  x  \n", .csv)
        #expect(got[0].detail == json(#"{"a":"  x  "}"#))
    }
}

@Suite struct JSONLinesRowReaderTests {
    /// Rows read straight into a `FlatObject` (`filling`, the check pass's way: lines inside a chunk read in place)
    /// parse to what the same lines parse to without it, with the same lines, indexes and problems, whole and in
    /// chunks of 1 and 7 bytes; flat rows are filled, the others (nested, not JSON, repeated keys) parsed.
    @Test func filledRowsParseAsTheirLines() throws {
        let pieces = [#"{"a":"x","b":2}"#, #"{"a":"\u4e2d\t","n":-12,"t":true,"z":null}"#, #"{"a":[1]}"#, #"{"a":"#, "[1]",
                      #"{"a":1,"a":2}"#, "   ", "", #"{"k":"交换机"}"#, #"{"r":1.5}"#, #"{"e":"\ud800"}"#, "{}", "\r"]
        var generator = SplitMix(seed: 0x6A73_6F6E)
        for _ in 0..<120 {
            var text = ""
            for _ in 0..<Int(generator.next() % 12) {
                text += pieces[Int(generator.next() % UInt64(pieces.count))] + (generator.next() % 4 == 0 ? "\r\n" : "\n")
            }
            let path = temporaryFile(text)
            defer { unlink(path) }
            func read(filling: Bool, bufferSize: Int) throws(InputError) -> [String] {
                let reader = JSONLinesRowReader(source: try ByteSource(path: path, bufferSize: bufferSize))
                let flat = FlatObject()
                if filling { reader.filling = flat }
                var rows: [String] = []
                while let row = try reader.next() {
                    if filling && row.filled { #expect(row.text == nil && row.detail == nil) }
                    let parsed = reader.parsed(row)
                    rows.append("\(row.index)@\(row.line) \(parsed.detail?.serialized() ?? "-") \(parsed.problem ?? "")")
                }
                return rows
            }
            let reference = try read(filling: false, bufferSize: 65536)
            for size in [1, 7, 65536] { #expect(try read(filling: true, bufferSize: size) == reference, "\(text)") }
        }
    }

    @Test(arguments: [1, 7, 65536])
    func testLines_AreRowsWithTheirLineNumbers(bufferSize: Int) throws {
        let text = "\u{FEFF}{\"bk_inst_name\":\"交换机\"}\r\n\n   \n{\"a\":1}\n{\"a\": tru}\n[1]"
        let got = try rows(text, .jsonl, bufferSize: bufferSize)
        #expect(got.map(\.line) == [1, 4, 5, 6])
        #expect(got.map(\.index) == [0, 1, 2, 3])
        #expect(got[0].detail == json(#"{"bk_inst_name":"交换机"}"#))
        #expect(got[2].detail == nil)
        #expect(got[2].problem?.hasPrefix("column ") == true)
        #expect(got[2].problem?.contains("not valid JSON") == true)
        #expect(got[3].detail == json("[1]"))
    }

    /// The text of each line as given to the send pass: the bytes between line breaks, a CR before the LF
    /// dropped, whether the line lies within one read or spans several.
    @Test(arguments: [1, 3, 16, 65536])
    func testLineText_IsTheLinesBytes(bufferSize: Int) throws {
        let path = temporaryFile("{\"a\":\"交换机\"}\r\n\r\n{}\n{\"b\":2}\r")
        defer { unlink(path) }
        let reader = JSONLinesRowReader(source: try ByteSource(path: path, bufferSize: bufferSize))
        reader.givesText = true
        var texts: [String] = []
        while let row = try reader.next() { texts.append(String(decoding: row.text ?? [], as: UTF8.self)) }
        #expect(texts == [#"{"a":"交换机"}"#, "{}", #"{"b":2}"#])
    }

    /// With one buffer used again for every line (the check pass), a row that is kept anyway still holds its own
    /// text: copy-on-write gives the next line a buffer of its own.
    @Test(arguments: [3, 65536])
    func testReusedText_LeavesAKeptRowIntact(bufferSize: Int) throws {
        let path = temporaryFile("{\"a\":1}\n{\"b\":22}\r\n{\"c\":333}\n")
        defer { unlink(path) }
        let reader = JSONLinesRowReader(source: try ByteSource(path: path, bufferSize: bufferSize))
        reader.givesText = true
        reader.reusesText = true
        var kept: [[UInt8]] = []
        while let row = try reader.next() { kept.append(row.text ?? []) }
        #expect(kept.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":1}"#, #"{"b":22}"#, #"{"c":333}"#])
    }

    /// A line over the limit is an input error naming its line, found within one read or across reads.
    @Test(arguments: [4, 65536])
    func testALineOverTheLimit_IsAnInputError(bufferSize: Int) throws {
        let path = temporaryFile("{}\n{\"a\":\"" + String(repeating: "x", count: 40) + "\"}\n{}\n")
        defer { unlink(path) }
        let reader = JSONLinesRowReader(source: try ByteSource(path: path, bufferSize: bufferSize), maxLineBytes: 32)
        #expect(try reader.next() != nil)
        #expect { _ = try reader.next() } throws: { ($0 as? InputError)?.line == 2 && "\($0)".contains("line is over") }
    }

    @Test func testARepeatedKey_IsAProblem() throws {
        let got = try rows("{\"a\":1,\"a\":2}\n", .jsonl)
        #expect(got[0].problem?.contains("duplicate") == true)
    }
}

@Suite struct JSONArrayRowReaderTests {
    @Test(arguments: [1, 3, 65536])
    func testElements_StreamWithTheirLines(bufferSize: Int) throws {
        let text = "\u{FEFF}[\n  {\"bk_inst_name\": \"a ] , [ {\", \"x\": [1, {\"y\": \"\\\"]\"}]},\n  {\"bk_inst_name\": \"交换机\"}\n  , 3\n]\n"
        let got = try rows(text, .json, bufferSize: bufferSize)
        #expect(got.count == 3)
        #expect(got.map(\.line) == [2, 3, 4])
        #expect(got[0].detail == json(#"{"bk_inst_name": "a ] , [ {", "x": [1, {"y": "\"]"}]}"#))
        #expect(got[1].detail == json(#"{"bk_inst_name": "交换机"}"#))
        #expect(got[2].detail == json("3"))
    }

    @Test func testABadElement_IsARowProblemAndTheRestStillReads() throws {
        let got = try rows("[{\"a\": 1},\n {\"a\": nope}, {\"a\": 3}]", .json)
        #expect(got.count == 3)
        #expect(got[1].problem?.hasPrefix("column ") == true)
        #expect(got[2].detail == json(#"{"a": 3}"#))
    }

    @Test func testEmptyArray_HasNoRows() throws {
        #expect(try rows(" [ ] ", .json).isEmpty)
    }

    @Test(arguments: [
        ("{\"a\": 1}", "found an object"),
        ("[{\"a\": 1},]", "trailing commas"),
        ("[{\"a\": 1}", "not closed"),
        ("[1,,2]", "two commas"),
        ("[1] x", "text after"),
        ("", "empty"),
    ])
    func testBrokenArrays_AreInputErrors(text: String, reason: String) {
        let error = thrown { () throws(InputError) in try rows(text, .json) }
        #expect(error?.reason.contains(reason) == true, "\(text): \(error?.reason ?? "no error")")
    }
}

@Suite struct InputFormatTests {
    @Test func testFromExtension() {
        #expect(InputFormat.fromExtension("a/b.CSV") == .csv)
        #expect(InputFormat.fromExtension("x.ndjson") == .jsonl)
        #expect(InputFormat.fromExtension("x.jsonl") == .jsonl)
        #expect(InputFormat.fromExtension("x.json") == .json)
        #expect(InputFormat.fromExtension("x.txt") == nil)
        #expect(InputFormat.fromExtension("dir.csv/x") == nil)
    }

    @Test func testSniff() throws {
        // As the check pass sniffs: the source's first chunk, after the byte-order mark (dropped by ByteSource).
        func sniff(_ text: String) throws -> InputFormat {
            let source = try ByteSource(path: temporaryFile(text))
            return withExtendedLifetime(source) { InputFormat.sniff((try? source.peek()) ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
        }
        #expect(try sniff("\u{FEFF}\n [") == .json)
        #expect(try sniff("  {\"a\":1}") == .jsonl)
        #expect(try sniff("a,b") == .csv)
        #expect(try sniff("") == .csv)
    }
}
