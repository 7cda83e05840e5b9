import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// CSV read with the CMDB's model: columns named by id or display name, cells converted by the attribute's type,
/// the CMDB's own template layout, unknown columns warned about once; rows checked against the model.
@Suite struct ModelColumnsTests {
    static let rack = try! Model(json: json(#"""
        {"bk_obj_id": "rack", "attributes": [
          {"id": "bk_inst_name", "name": "实例名", "type": "singlechar", "required": true},
          {"id": "rack_u", "name": "U数", "type": "int", "option": {"min": 1, "max": 60}},
          {"id": "rack_room", "name": "机房", "type": "singlechar"},
          {"id": "rack_status", "name": "状态", "type": "enum",
           "option": [{"id": "in_use", "name": "在用"}, {"id": "idle", "name": "闲置"}, {"id": "retired", "name": "退役"}]},
          {"id": "rack_live", "name": "上电", "type": "bool"},
          {"id": "rack_tags", "name": "标签", "type": "enummulti", "multiple": true,
           "option": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}]}],
         "unique": [["bk_inst_name"]]}
        """#))

    private func read(_ text: String, model: Model? = rack) throws(InputError) -> (rows: [InputRow], reader: CSVRowReader) {
        let path = temporaryFile(text)
        defer { unlink(path) }
        let reader = CSVRowReader(source: try ByteSource(path: path), model: model)
        var result: [InputRow] = []
        while let row = try reader.next() { result.append(row) }
        return (result, reader)
    }

    /// A row's text written at once (plain rows) is the text written cell by cell, for every kind of cell; rows
    /// that are not plain are written cell by cell either way.
    @Test func plainRowsAreWrittenAsCellByCell() throws {
        let text = "bk_inst_name,rack_u,rack_room,extra,n:int,rack_status\n"
            + "R-1,42,A1,x,7,idle\nR-2,,\"q\"\"uote\\back\",,-3,\nR-3,0,交换机 机房,,0,在用\n"
            + "R-4,-0,a,,007,\nR-5, 5,a,,5.0,\nR-6,123456789012345678,\t,,1234567890123456789,\nR-7,-12,\u{1},b,+1,\n"
            + "R-8,1e3,a,\"\",x,\n\"R-9\",60,\"a,b\"\n"
        let path = temporaryFile(text)
        defer { unlink(path) }
        func rows(atOnce: Bool) throws(InputError) -> [String] {
            let reader = CSVRowReader(source: try ByteSource(path: path), model: Self.rack)
            reader.givesText = true
            reader.writesPlainRowsAtOnce = atOnce
            var result: [String] = []
            while let row = try reader.next() {
                result.append("\(row.line) \(row.text.map { String(decoding: $0, as: UTF8.self) } ?? "-") \(row.problem ?? "")")
            }
            return result
        }
        let cellByCell = try rows(atOnce: false)
        #expect(try rows(atOnce: true) == cellByCell)
        #expect(cellByCell.count == 9)
        #expect(cellByCell[0] == #"2 {"bk_inst_name":"R-1","rack_u":42,"rack_room":"A1","extra":"x","n":7,"rack_status":"idle"} "#)
    }

    /// A plain row filled straight from its cells (`filling`) has the members and digest its text reads to; with
    /// no text asked for (the check pass), a filled row parses to the object its text holds, and the other rows
    /// come as the cell-by-cell path gives them.
    @Test func filledRowsAreWhatTheirTextReads() throws {
        let text = "bk_inst_name,rack_u,rack_room,extra,n:int,rack_status\n"
            + "R-1,42,A1,x,7,idle\nR-2,,\"q\"\"uote\\back\",,-3,\nR-3,0,交换机 机房,,0,在用\n"
            + "R-4,-0,a,,007,\nR-5, 5,a,,5.0,\nR-6,123456789012345678,\t,,-123456789012345678,\nR-7,-12,\u{1},b,+1,\n"
            + "R-8,1e3,a,\"\",x,\n\"R-9\",60,\"a,b\"\nR-10,\u{7F},\"\u{2028}\",,,\n"
            + "R-11,1,\"交换机\u{2028}机房\",中,-1,\n"
        let path = temporaryFile(text)
        defer { unlink(path) }
        func describe(_ flat: FlatObject) -> String {
            flat.members.map { member in
                let value: String
                switch member.value {
                case .string(let bytes): value = "s:" + String(decoding: bytes, as: UTF8.self)
                case .integer(let number): value = "i:\(number)"
                case .bool(let flag): value = "b:\(flag)"
                case .null: value = "null"
                }
                return "\(String(decoding: member.key, as: UTF8.self))=\(value) \(member.keyHash == FlatObject.keyHash(member.key))"
            }.joined(separator: ",") + " \(flat.digest)"
        }
        let filled = FlatObject(), read = FlatObject()
        let sending = CSVRowReader(source: try ByteSource(path: path), model: Self.rack)
        sending.givesText = true
        sending.filling = filled
        var texts: [Int: [UInt8]] = [:]
        var filledLines: [Int] = []
        while let row = try sending.next() {
            guard row.filled else { continue }
            let rowText = try #require(row.text)
            filledLines.append(row.line)
            texts[row.index] = rowText
            #expect(rowText.withUnsafeBytes { read.read($0) })
            #expect(describe(filled) == describe(read), "line \(row.line)")
        }
        #expect(filledLines == [3, 7, 10, 12])  // R-2, R-6, R-9, R-11: no enum, no integer to convert

        let checking = CSVRowReader(source: try ByteSource(path: path), model: Self.rack)
        checking.filling = filled
        let cellByCell = CSVRowReader(source: try ByteSource(path: path), model: Self.rack)
        while let row = try checking.next() {
            let expected = try #require(try cellByCell.next())
            #expect(row.text == nil)
            if row.filled {
                let rowText = try #require(texts[row.index])
                #expect(checking.parsed(row).detail == (try? JSONText.parse(rowText).get()), "line \(row.line)")
                #expect(checking.parsed(row).detail == expected.detail, "line \(row.line)")
            } else {
                #expect(row.detail == expected.detail && row.problem == expected.problem, "line \(row.line)")
            }
        }
        #expect(try cellByCell.next() == nil)
    }

    /// A row of more members than `FlatObject.read` takes (its 64) is filled all the same, with the digest of
    /// the object its text parses to.
    @Test func wideRowsAreFilled() throws {
        let names = (0..<100).map { "c\($0)" }
        let path = temporaryFile(names.joined(separator: ",") + "\n" + names.map { "v-\($0)" }.joined(separator: ",") + "\n")
        defer { unlink(path) }
        let reader = CSVRowReader(source: try ByteSource(path: path), model: nil)
        let flat = FlatObject()
        reader.givesText = true
        reader.filling = flat
        let row = try #require(try reader.next())
        #expect(row.filled && flat.members.count == 100)
        let text = try #require(row.text)
        let parsed = try #require(try? JSONText.parse(text).get())
        #expect(flat.digest == ValueDigest.of(parsed.raw))
        #expect(reader.parsed(InputRow(index: 0, line: 2, text: nil, filled: true)).detail == parsed)
    }

    /// Random rows of the bytes that matter (commas, quotes, CR, LF, digits, a sign, UTF-8 and a byte that is not,
    /// and a backslash and a tab, which a plain line's JSON text escapes) read alike with plain lines read in place
    /// (`CSVReader.nextPlain`) and as records, whole and in 7-byte chunks: the same lines, texts, members, digests
    /// and problems.
    @Test func plainLinesReadInPlaceAreReadAsRecords() throws {
        let alphabet: [[UInt8]] = [[0x61], [0x31], [0x37], [0x2D], [0x2C], [0x2C], [0x2C], [0x22], [0x0D], [0x0A], [0x0A],
                                   [0x0D, 0x0A], Array("机".utf8), [0xFF], [0x20], [0x5C], [0x09]]
        var generator = SplitMix(seed: 0x706C_6169)
        func describe(_ row: InputRow, _ flat: FlatObject) -> String {
            var text = "\(row.index)@\(row.line) \(row.text.map { String(decoding: $0, as: UTF8.self) } ?? "-") \(row.problem ?? "") \(row.detail?.serialized() ?? "-")"
            if row.filled {
                text += " filled \(flat.digest) " + flat.members.map { String(decoding: $0.key, as: UTF8.self) }.joined(separator: ",")
            }
            return text
        }
        for _ in 0..<300 {
            var bytes = Array("bk_inst_name,rack_u,rack_room,n:int\n".utf8)
            for _ in 0..<Int(generator.next() % 60) { bytes += alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let path = temporaryFile(bytes)
            defer { unlink(path) }
            func read(inPlace: Bool, bufferSize: Int) -> [String] {
                do throws(InputError) {
                    let reader = CSVRowReader(source: try ByteSource(path: path, bufferSize: bufferSize), model: Self.rack)
                    let flat = FlatObject()
                    reader.givesText = true
                    reader.filling = flat
                    reader.readsPlainLinesInPlace = inPlace
                    var rows: [String] = []
                    while let row = try reader.next() { rows.append(describe(row, flat)) }
                    return rows
                } catch {
                    return ["error \(error.line ?? 0): \(error.reason)"]
                }
            }
            let reference = read(inPlace: false, bufferSize: 1)
            #expect(read(inPlace: true, bufferSize: 65536) == reference, "\(bytes)")
            #expect(read(inPlace: true, bufferSize: 7) == reference, "\(bytes)")
            #expect(read(inPlace: false, bufferSize: 65536) == reference, "\(bytes)")
        }
    }

    @Test func cellsAreConvertedByTheModelWithoutSuffixes() throws {
        let got = try read("bk_inst_name,rack_u,rack_room,rack_status,rack_live,rack_tags\nR-1,42,A1,idle,是,\"甲, b\"\nR-2,42.0,,在用,false,\n").rows
        #expect(got[0].detail == json(#"{"bk_inst_name":"R-1","rack_u":42,"rack_room":"A1","rack_status":"idle","rack_live":true,"rack_tags":["a","b"]}"#))
        #expect(got[1].detail == json(#"{"bk_inst_name":"R-2","rack_u":42,"rack_status":"in_use","rack_live":false}"#))
    }

    @Test func headersMayBeDisplayNamesAndUnknownColumnsAreWarnedOnce() throws {
        let (got, reader) = try read("实例名(必填),U数,bk_port_count\nR-1,7,48\nR-2,8,49\n")
        #expect(got[0].detail == json(#"{"bk_inst_name":"R-1","rack_u":7,"bk_port_count":"48"}"#))
        #expect(reader.warnings == ["column 3 (bk_port_count): not an attribute of rack: the CMDB drops it"])
    }

    @Test func aSuffixMustAgreeWithTheModel() throws {
        let error = thrown { () throws(InputError) in try read("bk_inst_name,rack_room:int\nR,1\n") }
        #expect(error?.column == 2)
        #expect(error?.reason == "the header types \"rack_room\" as int, but the model's rack_room is singlechar")
    }

    @Test func agreeingSuffixesAreAccepted() throws {
        let got = try read("bk_inst_name,rack_u:int,rack_tags:json\nR,1,\"[\"\"a\"\"]\"\n").rows
        #expect(got[0].detail == json(#"{"bk_inst_name":"R","rack_u":1,"rack_tags":["a"]}"#))
    }

    @Test func aCellTheModelCannotTakeNamesItsColumn() throws {
        let got = try read("bk_inst_name,rack_u\nR-1,x\n").rows
        #expect(got[0].problem == #"column 2 (rack_u): not an integer: "x""#)
    }

    /// The CMDB's own import template / export (bk-cmdb web_server excel exporter: a label column A, six header
    /// rows — names with "(必填)", types, ids, three table rows — then the data).
    @Test func theCMDBTemplateLayoutIsReadAsItComes() throws {
        let text = """
            字段名(请勿编辑),实例名(必填),U数,状态
            字段类型(请勿编辑),短字符,数字,枚举
            字段标识(请勿编辑),bk_inst_name,rack_u,rack_status
            表格字段名(请勿编辑),,,
            表格字段类型(请勿编辑),,,
            表格字段标识(请勿编辑),,,
            实例数据,R-1,3,闲置
            ,R-2,4,retired

            """
        let (got, reader) = try read(text)
        #expect(reader.templateLayout)
        #expect(got.count == 2)
        #expect(got[0].line == 7 && got[0].index == 0)
        #expect(got[0].detail == json(#"{"bk_inst_name":"R-1","rack_u":3,"rack_status":"idle"}"#))
        #expect(got[1].detail == json(#"{"bk_inst_name":"R-2","rack_u":4,"rack_status":"retired"}"#))
        // Without a model the ids row still names the columns.
        let offline = try read(text, model: nil).rows
        #expect(offline[0].detail == json(#"{"bk_inst_name":"R-1","rack_u":"3","rack_status":"闲置"}"#))
    }

    @Test func rowsAreCheckedAgainstTheModelWithItsUniqueRules() throws {
        let rows = try read("bk_inst_name,rack_u,rack_status,extra\nR-1,61,idle,x\nR-1,3,gone,\n,3,,y\n").rows
        var validator = RowValidator(objectID: "rack", uniqueField: "bk_inst_name", model: ModelCheck(ModelColumnsTests.rack))
        let problems = rows.map { validator.check($0) }
        #expect(problems[0] == "rack_u (U数): 61 is above the maximum 60")
        #expect(problems[1] == "rack_status (状态): \"gone\" is not one of its options (in_use (在用), idle (闲置), retired (退役)); bk_inst_name \"R-1\" repeats line 2; the server would reject it as duplicated")
        #expect(problems[2] == "bk_inst_name (实例名): required")
        #expect(validator.warnings == ["extra (in 2 rows, first on line 2): not an attribute of rack: the CMDB drops it"])
    }

    /// Unknown attributes are counted on both paths (parsed rows and flat rows on their bytes), many of them too,
    /// and named in the order first seen.
    @Test func manyUnknownAttributesAreCountedInOrder() throws {
        var validator = RowValidator(objectID: "rack", uniqueField: "bk_inst_name", model: ModelCheck(ModelColumnsTests.rack))
        let flat = FlatObject()
        for row in 0..<30 {
            // Row r has the unknown attributes u0…u(r mod 12), in an order that turns with r.
            let names = (0...(row % 12)).map { "u\(($0 + row) % ((row % 12) + 1))" }
            let text = "{\"bk_inst_name\":\"R-\(row)\"," + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            if row % 2 == 0 {
                #expect(Array(text.utf8).withUnsafeBytes { flat.read($0) })
                #expect(validator.checkQuickly(flat, line: row + 2, parsed: { json(text) }) == .some(nil))
            } else {
                #expect(validator.check(InputRow(index: row, line: row + 2, detail: json(text))) == nil)
            }
        }
        let counts = (0..<12).map { n in (0..<30).filter { $0 % 12 >= n }.count }
        let firstLines = (0..<12).map { n in 2 + (0..<30).first { $0 % 12 >= n }! }
        #expect(validator.warnings == (0..<12).map { "u\($0) (in \(counts[$0]) row\(counts[$0] == 1 ? "" : "s"), first on line \(firstLines[$0])): not an attribute of rack: the CMDB drops it" })
    }

    @Test func offlineACustomModelNeedsNoAssetID() throws {
        let rows = try read("bk_inst_name,rack_u\nR-1,3\nR-1,4\n", model: nil).rows
        var validator = RowValidator(objectID: "rack", uniqueField: Validation.uniqueField("rack"))
        #expect(validator.check(rows[0]) == nil)
        #expect(validator.check(rows[1]) == "bk_inst_name \"R-1\" repeats line 2; the server would reject it as duplicated")
    }

    @Test func theModelCommandAndTheTemplateSayWhatTheModelIs() {
        let text = modelText(ModelColumnsTests.rack)
        #expect(text[0] == "model rack: 6 attributes, unique: bk_inst_name")
        #expect(text[1].contains("bk_inst_name") && text[1].contains("[required, unique]"))
        #expect(text.contains { $0.contains("rack_status") && $0.contains("options: in_use (在用), idle (闲置), retired (退役)") })
        #expect(text.contains { $0.contains("rack_u") && $0.contains("range: 1..60") })
        #expect(templateHeader(ModelColumnsTests.rack, names: false) == "bk_inst_name,rack_u,rack_room,rack_status,rack_live,rack_tags")
        #expect(templateHeader(ModelColumnsTests.rack, names: true) == "实例名,U数,机房,状态,上电,标签")
    }
}
