import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct RowValidatorTests {
    func row(_ index: Int, _ text: String) -> InputRow { InputRow(index: index, line: index + 2, detail: json(text)) }

    @Test func testTheCoreRules_WithoutTheDetailsPrefix() {
        var validator = RowValidator()
        #expect(validator.check(row(0, #"{"bk_inst_name":"a","bk_asset_id":"A"}"#)) == nil)
        #expect(validator.check(row(1, #"{"bk_inst_name":"  ","bk_asset_id":"B"}"#)) == "bk_inst_name: required, must be a non-empty string")
        #expect(validator.check(row(2, #"{"bk_inst_name":"c","bk_asset_id":3}"#)) == "bk_asset_id: must be a string, got integer")
        #expect(validator.check(row(3, #"[1]"#)) == "must be an object, got array")
        #expect(validator.check(InputRow(index: 4, line: 9, detail: nil, problem: "column 2: x")) == "column 2: x")
    }

    @Test func testARepeatedAssetID_NamesTheFirstLine() {
        var validator = RowValidator()
        #expect(validator.check(row(0, #"{"bk_inst_name":"a","bk_asset_id":"A-1"}"#)) == nil)
        #expect(validator.check(row(1, #"{"bk_inst_name":"b","bk_asset_id":" A-1 "}"#))
                == #"bk_asset_id "A-1" repeats line 2; the server would reject it as duplicated"#)
    }

    @Test func testAnotherUniqueField_IsCheckedToo() {
        var validator = RowValidator(uniqueField: "bk_inst_name")
        #expect(validator.check(row(0, #"{"bk_inst_name":"a","bk_asset_id":"A"}"#)) == nil)
        #expect(validator.check(row(1, #"{"bk_inst_name":"a","bk_asset_id":"B"}"#))?.hasPrefix(#"bk_inst_name "a" repeats line 2"#) == true)
    }
}

/// A report's header for `bk_switch` keyed by `bk_asset_id`, as a run writes it.
let reportHeader = ReportHeader(objectID: "bk_switch", uniqueField: "bk_asset_id", timeoutMs: 1000, pid: 1, atMs: 0).text + "\n"

/// The prints of rows `{"bk_inst_name":"n<i>","bk_asset_id":"A<i>"}`, as the check pass keeps them.
func prints(_ count: Int) -> RowPrints {
    var prints = RowPrints()
    let digester = RowDigest()
    for index in 0..<count {
        let row = InputRow(index: index, line: index + 2, detail: json(#"{"bk_inst_name":"n\#(index)","bk_asset_id":"A\#(index)"}"#))
        prints.append(RowPrints.print(key: RowDigest.key(row, field: "bk_asset_id"), digest: digester.digest(row)))
    }
    return prints
}

/// A row line of that row `index`, with its true key and digest.
func reportRow(_ index: Int, _ outcome: ReportLine.Outcome, id: Int64? = nil, key: String? = nil) -> String {
    let row = InputRow(index: index, line: index + 2, detail: json(#"{"bk_inst_name":"n\#(index)","bk_asset_id":"A\#(index)"}"#))
    return ReportLine(index: index, line: index + 2, key: key ?? "A\(index)", digest: RowDigest().digest(row), outcome: outcome,
                      instanceID: id, message: id == nil ? "m" : "").text + "\n"
}

@Suite struct ReportTests {
    @Test func testLines_RoundTrip() throws {
        let lines = [
            ReportLine(index: 0, line: 2, key: "SW-1", digest: 0xabc, outcome: .created, instanceID: 1001, requestID: "r1"),
            ReportLine(index: 1, line: 3, key: "SW-2", outcome: .failed, message: "duplicated \"x\" 重复", requestID: "r1"),
            ReportLine(index: 2, line: 4, outcome: .unknown, message: "timeout"),
            ReportLine(index: 3, line: 5, outcome: .skipped, message: "cancelled"),
        ]
        #expect(lines[0].text == #"{"index":0,"line":2,"key":"SW-1","digest":"0000000000000abc","outcome":"created","bk_inst_id":1001,"request_id":"r1"}"#)
        #expect(lines[1].text == #"{"index":1,"line":3,"key":"SW-2","digest":"0000000000000000","outcome":"failed","message":"duplicated \"x\" 重复","request_id":"r1"}"#)
        for line in lines {
            #expect(try ReportLine.parse(Array(line.text.utf8)).get() == line)
        }
    }

    /// A flat row's key (the check pass's, from bytes, which the send pass takes from the spool) is the key the
    /// parsed row gives (a resume's): else every row would read as changed.
    @Test func testTheFlatKey_IsTheParsedKey() throws {
        let flat = FlatObject()
        for text in [#"{"bk_asset_id":"SW-1"}"#, #"{"bk_asset_id":"  交换机 \t"}"#, #"{"bk_asset_id":-42,"x":1}"#,
                     #"{"bk_asset_id":"a\"b"}"#, #"{"bk_asset_id":""}"#, #"{"bk_asset_id":"   "}"#, #"{"bk_asset_id":true}"#,
                     #"{"other":"x"}"#, #"{"bk_asset_id":null}"#] {
            let bytes = Array(text.utf8)
            let read = bytes.withUnsafeBytes { flat.read($0) }
            #expect(read, "\(text)")
            let row = InputRow(index: 0, line: 1, detail: json(text))
            let key = ValueDigest.withLookupKey(flat.value(of: "bk_asset_id")) { $0.map { String(decoding: $0, as: UTF8.self) } ?? "" }
            #expect(key == RowDigest.key(row, field: "bk_asset_id"), "\(text)")
        }
    }

    /// The longest line of each shape stays within the bound the writer reserves space for, and reads back.
    @Test func testTheLongestLines_FitTheirBound() throws {
        let worst = String(repeating: "\u{1}", count: 300)
        for line in [
            ReportLine(index: .max, line: .max, key: worst, digest: .max, outcome: .created, instanceID: .min, requestID: worst),
            ReportLine(index: .max, line: .max, key: worst, digest: .max, outcome: .notCreated, message: worst, requestID: worst),
            ReportLine(index: 0, line: 1, outcome: .skipped),
        ] {
            let quotedID = JSONQuote.quotedBytes(line.requestID)
            #expect(line.text.utf8.count <= line.maxBytes(keyCount: line.key.utf8.count, quotedRequestID: quotedID))
            guard case .success = JSONText.parse(Array(line.text.utf8)) else { Issue.record("not JSON: \(line.text.prefix(80))"); continue }
        }
    }

    @Test(arguments: [
        #"{"index":100000000000,"line":2,"key":"","digest":"0000000000000000","outcome":"failed"}"#,
        #"{"index":9223372036854775807,"line":2,"key":"","digest":"0000000000000000","outcome":"failed"}"#,
        #"{"index":-1,"line":2,"key":"","digest":"0000000000000000","outcome":"failed"}"#,
        #"{"index":0,"line":0,"key":"","digest":"0000000000000000","outcome":"failed"}"#,
        #"{"index":0,"line":2,"key":1,"digest":"0000000000000000","outcome":"failed"}"#,
        #"{"index":0,"line":2,"key":"","digest":"xyz","outcome":"failed"}"#,
        #"{"index":0,"line":2,"key":"","digest":"0000000000000000","outcome":"created","bk_inst_id":0}"#,
        #"{"index":0,"line":2,"key":"","digest":"0000000000000000","outcome":"failed","message":3}"#,
        #"{"index":0,"line":2,"outcome":"failed"}"#,
        #"{"sending":[0,-4],"at":1}"#,
        #"{"sending":[0],"at":"now"}"#,
        #"{"bkcc_report":1,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1,"pid":1,"at":1}"#,
        #"{"bkcc_report":4,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1,"pid":1,"at":1}"#,
    ])
    func testEveryValue_IsTypeAndRangeChecked(line: String) {
        guard case .failure = ReportParser.parse(Array(line.utf8)) else {
            Issue.record("accepted: \(line)")
            return
        }
    }

    @Test func testQuoting_MatchesJansson() {
        for text in ["", "plain 交换机", "q\"b\\s", "line\nbreak\ttab\r\u{1}\u{1F}", "\u{7F}é\u{2028}"] {
            #expect(String(decoding: JSONQuote.quotedBytes(text), as: UTF8.self) == JSONText.quoted(text), "\(text)")
        }
    }

    @Test func testDigest_IgnoresMemberOrder_AndSeesEveryValue() {
        let digest = RowDigest()
        func of(_ text: String) -> UInt64 { digest.digest(InputRow(index: 0, line: 2, detail: json(text))) }
        #expect(of(#"{"a":"1","b":2}"#) == of(#"{"b":2,"a":"1"}"#))
        let variants = [#"{"a":"1","b":2}"#, #"{"a":"1","b":"2"}"#, #"{"a":"1","b":3}"#, #"{"a":"1"}"#, #"{"b":"1","a":2}"#,
                        #"{"a":["1",2]}"#, #"{"a":[2,"1"]}"#, #"{"a":"1","b":2.0}"#, #"{"a":"1","b":null}"#, #"{"a":"1 "}"#]
        #expect(Set(variants.map(of)).count == variants.count)
    }

    @Test func testResumeState_KeepsCreatedOverOthers_AndIntentsAreUnknown() throws {
        let path = temporaryFile(reportHeader + reportRow(2, .unknown) + reportRow(0, .failed) + "\n"
                                 + reportRow(3, .created, id: 9) + reportRow(3, .failed)
                                 + #"{"sending":[4,5],"at":5}"# + "\n" + reportRow(5, .failed))
        defer { unlink(path) }
        let state = try ResumeState(path: path, prints: prints(7), objectID: "bk_switch", uniqueField: "bk_asset_id")
        #expect(state.count == 7)
        #expect(state.fate(0) == .notCreated)
        #expect(state.fate(1) == .absent)
        #expect(state.fate(2) == .unknown)
        #expect(state.fate(3) == .created(9))
        #expect(state.fate(4) == .unknown)
        #expect(state.fate(5) == .notCreated)  // its intent was answered
        #expect(state.hasUnansweredIntents)
        #expect(state.inFlightUntilMs == 1005)
        #expect(state.unsettled == 4)  // 1, 2, 4, 6
    }

    @Test func testResumeState_RefusesACreatedRowOfAnotherKey() {
        let path = temporaryFile(reportHeader + reportRow(0, .created, id: 1) + reportRow(1, .created, id: 2, key: "B1"))
        defer { unlink(path) }
        do {
            _ = try ResumeState(path: path, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
            Issue.record("accepted")
        } catch {
            guard case .mismatch(let line, let index, let key) = error else { Issue.record("\(error)"); return }
            #expect(line == 3 && index == 1 && key == "B1")
        }
    }

    @Test func testResumeState_ListsACreatedRowThatChanged() throws {
        let changed = ReportLine(index: 1, line: 3, key: "A1", digest: 42, outcome: .created, instanceID: 2).text + "\n"
        let path = temporaryFile(reportHeader + reportRow(0, .created, id: 1) + changed)
        defer { unlink(path) }
        let state = try ResumeState(path: path, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
        #expect(state.changed.map(\.index) == [1])
        #expect(state.createdID(1) == 2)
    }

    /// A format-2 report (digests of FNV-1a) is resumed by its keys: its created rows are not compared for change
    /// (their digests could never match), a row of another key still refuses it.
    @Test func testResumeState_ReadsAFormat2PartByItsKeys() throws {
        var header = ReportHeader(objectID: "bk_switch", uniqueField: "bk_asset_id", timeoutMs: 1000, pid: 1, atMs: 0)
        header.version = 2
        #expect(header.text.hasPrefix(#"{"bkcc_report":2,"#))
        let old = ReportLine(index: 1, line: 3, key: "A1", digest: 42, outcome: .created, instanceID: 2).text + "\n"
        let path = temporaryFile(header.text + "\n" + old + reportHeader + reportRow(0, .created, id: 1))
        defer { unlink(path) }
        let state = try ResumeState(path: path, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
        #expect(state.changed.isEmpty)
        #expect(state.createdID(1) == 2 && state.createdID(0) == 1)

        let otherKey = ReportLine(index: 1, line: 3, key: "B1", digest: 42, outcome: .created, instanceID: 2).text + "\n"
        let mismatched = temporaryFile(header.text + "\n" + otherKey)
        defer { unlink(mismatched) }
        #expect(throws: ResumeError.self) {
            try ResumeState(path: mismatched, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
        }
        // keyed by another field, a format-2 part has nothing to be checked by: refused, saying what to do
        var byName = header
        byName.uniqueField = "bk_inst_name"
        let unchecked = temporaryFile(byName.text + "\n" + old)
        defer { unlink(unchecked) }
        do {
            _ = try ResumeState(path: unchecked, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
            Issue.record("accepted")
        } catch {
            guard case .unreadable(let problem) = error else { Issue.record("\(error)"); return }
            #expect(problem.line == 2 && problem.reason.contains("--unique-field bk_inst_name"), "\(problem)")
        }
    }

    @Test(arguments: [
        (#"{"index":0,"line":2,"outcome":"created","bk_inst_id":7,"request_id":""}"# + "\n", "older bkcc"),
        (ReportHeader(objectID: "bk_router", uniqueField: "bk_asset_id", timeoutMs: 1, pid: 1, atMs: 0).text + "\n", "--obj bk_router"),
        (reportHeader + reportRow(5, .failed), "beyond the input's rows"),
        (reportHeader + "{}\n", "neither a header"),
    ])
    func testResumeState_RefusesWithTheLine(text: String, reason: String) {
        let path = temporaryFile(text)
        defer { unlink(path) }
        do {
            _ = try ResumeState(path: path, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
            Issue.record("accepted")
        } catch {
            guard case .unreadable(let problem) = error else { Issue.record("\(error)"); return }
            #expect(problem.line != nil)
            #expect(problem.reason.contains(reason), "\(problem)")
        }
    }

    @Test func testWriter_AppendsToTheReportItResumes_AndLocksIt() throws {
        let path = temporaryFile(reportHeader + reportRow(0, .created, id: 7) + #"{"index":1,"li"#)
        defer { unlink(path) }
        let writer = try ReportWriter(path: path)
        do {
            _ = try ReportWriter(path: path)
            Issue.record("a second writer got the lock")
        } catch {
            #expect(error.reason.contains("in use by another bkcc run (process 1)"))
        }
        try writer.begin(fresh: false, header: ReportHeader(objectID: "bk_switch", uniqueField: "bk_asset_id", timeoutMs: 5, pid: 2, atMs: 3))
        #expect(writer.sending([1]) == nil)
        writer.append(ReportLine(index: 1, line: 3, outcome: .failed, message: "m"))
        #expect(writer.flush() == nil)
        let lines = readText(path).split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[1] + "\n" == reportRow(0, .created, id: 7))  // kept as it was, the cut line dropped
        #expect(lines[2].hasPrefix(#"{"bkcc_report":3,"#))
        #expect(lines[3].hasPrefix(#"{"sending":[1],"at":"#))
    }

    @Test func testWriter_RefusesWhatIsNotARegularFile() {
        let error = thrown { () throws(InputError) in _ = try ReportWriter(path: "/dev/null") }
        #expect(error?.reason.contains("is not a regular file") == true)
    }
}

@Suite struct SettingsTests {
    @Test func testFlags_BeatEnvironment_BeatsConfigFile() throws {
        let file = temporaryFile(#"{"url": "http://file", "app_code": "file-code", "app_secret": "file-secret", "username": "file-user", "concurrency": 2}"#)
        defer { unlink(file) }
        let settings = try Settings.resolve(
            flags: [("url", try .string("http://flag"), "--url")],
            environment: ["BK_COMPONENT_API_URL": "http://env", "BKPAAS_APP_ID": "env-code", "APP_CODE": "other"],
            configPath: file)
        #expect(settings["url"]?.value.string == "http://flag")
        #expect(settings["url"]?.source == .flag("--url"))
        #expect(settings["app_code"]?.value.string == "env-code")
        #expect(settings["app_code"]?.source == .environment("BKPAAS_APP_ID"))
        #expect(settings["app_secret"]?.source == .file(file))
        let configuration = try settings.configuration()
        #expect(configuration.concurrency == 2)
        #expect(configuration.username == "file-user")
    }

    @Test func testShow_MasksSecrets() throws {
        let settings = try Settings.resolve(flags: [], environment: [
            "BK_COMPONENT_API_URL": "http://x", "BK_APP_CODE": "c", "BK_APP_SECRET": "TOPSECRET-123", "BK_TOKEN": "TOKEN-456",
        ], configPath: nil)
        let text = settings.showText()
        #expect(!text.contains("TOPSECRET-123"))
        #expect(!text.contains("TOKEN-456"))
        #expect(text.contains(#"app_secret "#))
        #expect(text.contains(#""***""#))
        let shown = JSONText.serialize(try settings.showJSON())
        #expect(!shown.contains("TOPSECRET") && !shown.contains("TOKEN-456"))
        #expect(Settings.shown(key: "proxy", value: try .string("http://u:pw@proxy:3128")).string == "http://***@proxy:3128")
    }

    @Test func testMissingEssentials_SayHowToSetThem() throws {
        let settings = try Settings.resolve(flags: [], environment: ["HOME": "/nonexistent"], configPath: nil)
        let error = thrown { () throws(BKCCError) in try settings.configuration() }
        #expect(error?.message == "no url set: use --url URL, BK_COMPONENT_API_URL, or \"url\" in the config file")
    }

    @Test func testAnUnknownKeyInTheFile_IsNamed() throws {
        let file = temporaryFile(#"{"timout_ms": 5}"#)
        defer { unlink(file) }
        let error = thrown { () throws(BKCCError) in try Settings.resolve(flags: [], environment: [:], configPath: file) }
        #expect(error?.message.contains("unknown key \"timout_ms\"") == true)
    }

    @Test func testAMissingConfigFile_IsAnErrorOnlyWhenNamed() throws {
        #expect(thrown { () throws(BKCCError) in try Settings.resolve(flags: [], environment: [:], configPath: "/nonexistent/c.json") } != nil)
        _ = try Settings.resolve(flags: [], environment: ["HOME": "/nonexistent"], configPath: nil)
    }

    @Test func testDefaultPath_FollowsXDG() {
        #expect(Settings.defaultConfigPath(["HOME": "/h"]) == "/h/.config/bkcc/config.json")
        #expect(Settings.defaultConfigPath(["HOME": "/h", "XDG_CONFIG_HOME": "/x"]) == "/x/bkcc/config.json")
    }
}

@Suite struct FormattingTests {
    @Test func testServerTextReachesATerminalEscaped() {
        #expect(terminalSafe("dup\u{1B}[2J\u{7}\tok\n\u{9B}x") == "dup\\x1b[2J\\x07\tok\n\\x9bx")
        #expect(terminalSafe("数据唯一性校验失败") == "数据唯一性校验失败")
        var out = "", err = ""
        let terminal = Console(out: { out += $0 }, err: { err += $0 }, stderrIsTerminal: true, stdoutIsTerminal: true)
        terminal.print("a\u{1B}[2Jb")
        terminal.note("c\u{1B}]0;title\u{7}d")
        terminal.rawError("\r\u{1B}[K")  // the progress bar's own redraw goes through as it is
        #expect(out == "a\\x1b[2Jb\n" && err == "c\\x1b]0;title\\x07d\n\r\u{1B}[K")
        var piped = ""
        Console(out: { piped += $0 }, err: { _ in }).print("a\u{1B}b")
        #expect(piped == "a\u{1B}b\n")  // a pipe or a file gets the bytes as they are
    }

    @Test func testGroupedAndDurations() {
        #expect(grouped(0) == "0")
        #expect(grouped(999) == "999")
        #expect(grouped(1000) == "1,000")
        #expect(grouped(1234567) == "1,234,567")
        #expect(clockDuration(seconds: 5) == "0:05")
        #expect(clockDuration(seconds: 3723) == "1:02:03")
        #expect(humanDuration(seconds: 1.25) == "1.3 s" || humanDuration(seconds: 1.25) == "1.2 s")
        #expect(humanDuration(seconds: 125) == "2 min 5 s")
    }

    @Test func testProgressLine() {
        let captured = CapturedConsole()
        let bar = ProgressBar(console: captured.console, total: 10_000, enabled: true, clock: { 0 })
        #expect(bar.line(done: 4_500, failed: 3, elapsed: 3.0)
                == "[##########--------------]  45%  4,500/10,000 rows  1,500 rows/s  ETA 0:04  3 not created")
        #expect(bar.line(done: 0, failed: 0, elapsed: 0) == "[------------------------]   0%  0/10,000 rows")
    }

    @Test func testProgress_IsSilentWhenDisabled() {
        let captured = CapturedConsole()
        let bar = ProgressBar(console: captured.console, total: 10, enabled: false)
        bar.update(done: 5, failed: 0, force: true)
        bar.finish()
        #expect(captured.err.isEmpty)
    }

    @Test func testSummary() {
        var counts = ImportCounts()
        counts.rows = 1000
        for _ in 0..<995 { counts.tally.count(.created) }
        for _ in 0..<5 { counts.tally.count(.failed, invalid: true) }
        counts.sent = 995
        let lines = Importer.summaryLines(counts, objectID: "bk_switch", elapsed: 2.0, cause: nil,
                                          samples: [RowProblem(index: 16, line: 18, message: "failed: invalid: x")], report: "r.jsonl")
        #expect(lines == [
            "bk_switch: 995 of 1,000 rows created, 5 failed (2.0 s, 498 rows/s)",
            "  5 invalid rows were not sent (--skip-invalid)",
            "  first rows not created:",
            "    line 18: failed: invalid: x",
            "report: r.jsonl (finish with: --resume r.jsonl)",
        ])
    }
}

@Suite struct ResumeStateTruncationTests {
    @Test func testALastLineCutShort_IsIgnored() throws {
        let path = temporaryFile(reportHeader + reportRow(0, .created, id: 5) + #"{"index":1,"line":3,"outc"#)
        defer { unlink(path) }
        let state = try ResumeState(path: path, prints: prints(2), objectID: "bk_switch", uniqueField: "bk_asset_id")
        #expect(state.fate(0) == .created(5))
        #expect(state.fate(1) == .absent)
    }
}

@Suite struct RowPrintsTests {
    /// A row read again matches its print; a change of its digest or of its key does not, nor does an index it
    /// never had.
    @Test func testPrints_TellARowFromAChangedOne() {
        var prints = RowPrints()
        for index in 0..<1000 { prints.append(RowPrints.print(key: "A\(index)", digest: UInt64(index) &* 0x9E37_79B9_7F4A_7C15)) }
        #expect(prints.count == 1000)
        var wrong = 0
        for index in 0..<1000 {
            let digest = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
            if !prints.matches(index, RowPrints.print(key: "A\(index)", digest: digest)) { wrong += 1 }
            if prints.matches(index, RowPrints.print(key: "A\(index)", digest: digest ^ 1)) { wrong += 1 }
            if prints.matches(index, RowPrints.print(key: "B\(index)", digest: digest)) { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(!prints.matches(1000, RowPrints.print(key: "A1000", digest: 0)))
        #expect(!prints.matches(-1, 0))
    }
}

@Suite struct RepeatTableTests {
    @Test func testEveryValueIsFoundAgain_WithItsFirstLine_ThroughGrowth() {
        var table = RepeatTable()
        for value in 0..<50_000 {
            #expect(table.firstLine(of: FNV1a.of("A\(value)"), insertingAt: UInt32(value + 2)) == nil)
        }
        var wrong = 0
        for value in stride(from: 0, to: 50_000, by: 7) where table.firstLine(of: FNV1a.of("A\(value)"), insertingAt: 1) != UInt32(value + 2) {
            wrong += 1
        }
        #expect(wrong == 0)
        #expect(table.firstLine(of: 0, insertingAt: 9) == nil)  // the hash 0 is a value like any other
        #expect(table.firstLine(of: 0, insertingAt: 10) == 9)
    }
}
