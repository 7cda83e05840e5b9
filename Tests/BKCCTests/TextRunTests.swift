import BKCC
import Testing

/// A request's rows' texts in one buffer (`TextRun`): every span keeps its bytes whatever is written after it.
@Suite struct TextRunTests {
    func text(_ span: TextSpan) -> String { String(decoding: span.bytes, as: UTF8.self) }

    @Test func spansKeepTheirBytesAsTheRunGrowsAndIsCutBack() {
        let run = TextRun(capacity: 8)  // grows many times below
        var spans: [TextSpan] = []
        for row in 0..<300 {
            let start = run.count
            let range = Array(#"{"bk_inst_name":"sw-\#(row)"}"#.utf8).withUnsafeBytes { run.append($0) }
            #expect(range.lowerBound == start)
            spans.append(TextSpan(run: run, range: range))
            // a row read and then not sent: its bytes cut back, and the next row takes their place
            _ = Array("{\"dropped\":true}".utf8).withUnsafeBytes { run.append($0) }
            run.removeAll(from: range.upperBound)
            #expect(run.count == range.upperBound)
        }
        #expect(spans.indices.allSatisfy { text(spans[$0]) == #"{"bk_inst_name":"sw-\#($0)"}"# })
    }

    @Test func aWriterWritesIntoRoomItReservedAndTakesOnlyWhatItWrote() {
        let run = TextRun()
        let first = run.write(bound: 64) { base in
            for (offset, byte) in "{}".utf8.enumerated() { base[offset] = byte }
            return 2
        }
        let second = Array(#"{"a":1}"#.utf8).withUnsafeBytes { run.append($0) }
        #expect(first == 0..<2 && second == 2..<9 && run.count == 9)
        #expect(text(TextSpan(run: run, range: first)) == "{}" && text(TextSpan(run: run, range: second)) == #"{"a":1}"#)
        #expect(run.write(bound: 0) { _ in 0 } == 9..<9)
    }

    @Test func aCopyOfACallersTextHoldsItAndGrowsLikeAnyRun() throws {
        let text = Array(#"[{"bk_inst_name":"a"},{"bk_inst_name":"b"}]"#.utf8)
        let run = try #require(text.withUnsafeBytes { TextRun.copying($0) })
        #expect(run.count == text.count && TextSpan(run: run, range: 1..<21).bytes == Array(text[1..<21]))
        let more = Array(repeating: UInt8(ascii: "x"), count: 1000).withUnsafeBytes { run.append($0) }
        #expect(more == text.count..<(text.count + 1000) && TextSpan(run: run, range: 0..<text.count).bytes == text)
        #expect(try #require(TextRun.copying(UnsafeRawBufferPointer(start: nil, count: 0))).count == 0)
    }

    /// Items that share a run and items with texts of their own go out alike, each its own bytes once.
    @Test func aRequestOfSharedAndOwnTextsHasEachRowOnce() throws {
        let run = TextRun()
        let shared = ["{\"bk_inst_name\":\"a\"}", "{ \"bk_inst_name\" : \"b\" }"].map { row in
            TextSpan(run: run, range: Array(row.utf8).withUnsafeBytes { run.append($0) })
        }
        let items = [SourceItem(index: 0, checkedText: shared[0]), SourceItem(index: 1, checkedText: Array(#"{"bk_inst_name":"own"}"#.utf8)),
                     SourceItem(index: 2, checkedText: shared[1])]
        let splice = try #require(try CreateOperation().splice(items: items))
        let request = try RequestBuilder(configuration: esbConfig).request(.batchCreateInst, objectID: "bk_switch", members: [], splice: splice)
        #expect(request.bodyBytes().map { String(decoding: $0, as: UTF8.self) }?.hasSuffix(
            #""details":[{"bk_inst_name":"a"},{"bk_inst_name":"own"},{ "bk_inst_name" : "b" }]}"#) == true)
    }
}
