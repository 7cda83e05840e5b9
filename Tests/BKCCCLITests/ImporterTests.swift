import BKCC
@testable import BKCCCLI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The import end to end over a scripted transport (no network): what is sent, the report, the exit status.
@Suite struct ImporterTests {
    let configuration = Configuration(url: "http://127.0.0.1:9", appCode: "app", appSecret: "SECRET-x9", username: "u")

    /// A server that creates every detail (ids from 1001) unless `answer` says otherwise.
    final class Server: @unchecked Sendable {
        var nextID: Int64 = 1001
        var received = 0
        var requests = 0
        var answer: ((JSON) -> TransportOutcome)?

        func send(_ request: HTTPRequest) -> TransportOutcome {
            requests += 1
            let details = (try? request.bodyValue())?["details"] ?? .null  // spliced rows included
            received += details.count
            if let answer { return answer(details) }
            var created: [String] = []
            for index in 0..<details.count {
                created.append("\"\(index)\":\(nextID)")
                nextID += 1
            }
            let body = #"{"result":true,"code":0,"message":"","request_id":"r\#(requests)","data":{"success_created":{\#(created.joined(separator: ","))},"error_msg":{}}}"#
            return .answered(HTTPResponse(status: 200, body: Array(body.utf8)))
        }
    }

    func run(_ options: ImportOptions, _ server: Server) -> (BKCCCLI.ExitStatus, CapturedConsole) {
        let captured = CapturedConsole()
        let configuration = self.configuration
        let importer = Importer(options: options, console: captured.console,
                                client: { () throws(BKCCError) -> Client in try Client(configuration: configuration) },
                                transport: BlockingTransport { server.send($0) })
        return (importer.run(), captured)
    }

    func csv(_ count: Int, broken: Set<Int> = []) -> String {
        var text = "bk_inst_name,bk_asset_id\n"
        for index in 0..<count { text += broken.contains(index) ? ",A\(index)\n" : "n\(index),A\(index)\n" }
        return temporaryFile(text, suffix: ".csv")
    }

    @Test func testEveryRowCreated_IsExitZeroWithAReportLinePerRow() throws {
        let input = csv(450)
        let report = input + ".report"
        defer { unlink(input); unlink(report) }
        var options = ImportOptions(objectID: "bk_switch", input: input)
        options.reportPath = report
        let server = Server()
        let (status, console) = run(options, server)
        #expect(status == .ok)
        #expect(server.requests == 3 && server.received == 450)
        #expect(console.out.hasPrefix("bk_switch: 450 of 450 rows created"))
        let lines = readText(report).split(separator: "\n")
        // A header, an intent line per request (3), a row line per row.
        #expect(lines.count == 1 + 3 + 450)
        #expect(lines.filter { $0.contains("\"outcome\":\"created\"") }.count == 450)
        #expect(!console.out.contains("SECRET-x9") && !console.err.contains("SECRET-x9"))
    }

    @Test func testAnInvalidRow_SendsNothing() {
        let input = csv(10, broken: [3])
        defer { unlink(input) }
        let server = Server()
        let (status, console) = run(ImportOptions(objectID: "bk_switch", input: input), server)
        #expect(status == .invalid)
        #expect(server.requests == 0)
        #expect(console.err.contains("\(input):5: bk_inst_name: required, must be a non-empty string"))
    }

    /// A guess (a kept model, `ModelCache`) that requires bk_sn, which no row has.
    static let strictGuess = Model(objectID: "bk_switch", name: "交换机", attributes: [
        .init(id: "bk_inst_name", name: "名称", type: "singlechar", required: true),
        .init(id: "bk_asset_id", name: "固资编号", type: "singlechar", required: true),
        .init(id: "bk_sn", name: "序列号", type: "singlechar", required: true),
    ], unique: [["bk_asset_id"]])

    /// An import of `count` rows checked against `strictGuess`, settled by `settle`; the input is removed after.
    func runWithGuess(_ count: Int, _ settle: @escaping (() -> Bool) -> RulesSettled)
        -> (status: BKCCCLI.ExitStatus, console: CapturedConsole, server: Server, input: String) {
        let input = csv(count)
        defer { unlink(input) }
        var options = ImportOptions(objectID: "bk_switch", input: input)
        options.model = ImporterTests.strictGuess
        options.outputJSON = true
        options.settleRules = settle
        let server = Server()
        let (status, console) = run(options, server)
        return (status, console, server, input)
    }

    @Test func testRowsCheckedAgainstAGuess_AreCheckedAgainWhenTheCMDBSaysOtherwise() {
        var settled = 0
        let run = runWithGuess(300) { _ in
            settled += 1
            return .changed(model: nil, note: "checked by the offline rules", uniqueField: "bk_asset_id")
        }
        #expect(run.status == .ok && settled == 1)
        #expect(run.server.received == 300)
        #expect(run.console.out.contains(#""rules":"checked by the offline rules""#))
        #expect(!run.console.err.contains("bk_sn"))
    }

    @Test func testRowsCheckedAgainstAGuess_StandWhenTheCMDBAgrees() {
        let run = runWithGuess(3) { _ in .same(note: "checked against model bk_switch from the CMDB") }
        #expect(run.status == .invalid && run.server.requests == 0)
        #expect(run.console.err.contains("\(run.input):2: bk_sn (序列号): required"))
    }

    @Test func testAGuessTheCMDBDoesNotKnow_EndsWithItsStatusAndNothingMore() {
        let run = runWithGuess(3) { _ in .stop(.failed) }
        #expect(run.status == .failed && run.server.requests == 0)
        #expect(run.console.out.isEmpty && run.console.err.isEmpty)  // the reason was said where the read was settled
    }

    @Test func testAuthenticationFailure_IsExitThree() {
        let input = csv(5)
        defer { unlink(input) }
        let server = Server()
        server.answer = { _ in
            .answered(HTTPResponse(status: 200, body: Array(#"{"result":false,"code":1306000,"message":"APP authentication failed","data":null}"#.utf8)))
        }
        let (status, console) = run(ImportOptions(objectID: "bk_switch", input: input), server)
        #expect(status == .failed)
        #expect(console.out.contains("0 of 5 rows created"))
    }

    @Test func testItemsTheServerRefuses_AreExitOne() {
        let input = csv(4)
        defer { unlink(input) }
        let server = Server()
        server.answer = { _ in
            .answered(HTTPResponse(status: 200, body: Array(#"{"result":true,"code":0,"message":"","data":{"success_created":{"0":7,"2":8},"error_msg":{"1":"duplicated","3":"duplicated"}}}"#.utf8)))
        }
        let (status, console) = run(ImportOptions(objectID: "bk_switch", input: input), server)
        #expect(status == .partial)
        #expect(console.out.contains("2 of 4 rows created, 2 failed"))
        #expect(console.out.contains("line 3: failed: duplicated (and 1 more like it)"))
    }

    @Test func testResume_SendsOnlyWhatWasNotCreated() throws {
        let input = csv(5)
        let report = temporaryFile(reportHeader + reportRow(0, .created, id: 11) + reportRow(1, .failed) + reportRow(4, .skipped)
                                   + reportRow(2, .created, id: 12) + reportRow(3, .created, id: 13))
        defer { unlink(input); unlink(report) }
        var options = ImportOptions(objectID: "bk_switch", input: input)
        options.resumePath = report
        options.reportPath = report
        let server = Server()
        let (status, console) = run(options, server)
        #expect(status == .ok)
        #expect(server.received == 2)
        #expect(console.out.contains("resumed: 3 created before, 2 sent now"))
        // Appended to: the earlier lines stay, the rows sent now end created.
        let lines = try readText(report).split(separator: "\n").filter { $0.contains("\"outcome\"") }
            .map { try ReportLine.parse(Array($0.utf8)).get() }
        #expect(Set(lines.filter { $0.outcome == .created }.map(\.index)) == [0, 1, 2, 3, 4])
        #expect(lines.filter { $0.outcome == .created }.count == 5)
    }
}
