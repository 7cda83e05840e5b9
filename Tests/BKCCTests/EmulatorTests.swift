import BKCC
import BKCCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct EmulatorTests {
    @Test func readmeExample() async throws {
        let emulator = try Emulator()
        var config = Configuration(url: emulator.url, appCode: "bkcc-demo", appSecret: "bkcc-demo-secret", username: "admin")
        config.concurrency = 8
        let client = try Client(configuration: config)
        let details = try JSON.array()
        try details.append(JSON.object(["bk_inst_name": .string("sw-01"), "bk_asset_id": .string("SW-0001")]))

        let result = try await client.batchCreateInstances(objectID: "bk_switch", details: details)
        #expect(result.status == .ok)
        #expect(result.created == [0: 1001])
        let (settled, error) = client.reconcile(objectID: "bk_switch", details: details, result: result)
        #expect(error == nil && settled.created == [0: 1001])
        #expect(emulator.stored("bk_switch") == ["SW-0001": 1001])
    }

    @Test(arguments: [1, 8])
    func concurrencyDoesNotChangeWhatIsStored(concurrency: Int) throws {
        let emulator = try Emulator()
        let details = switches(2_000, prefix: "CC")
        try details[10]!.set("bk_asset_id", "CC-11")  // a duplicate inside
        let result = try emulator.client(concurrency: concurrency)
            .batchCreateInstances(objectID: "bk_switch", details: details, options: BatchOptions(onInvalid: .skip))
        let stored = emulator.stored("bk_switch")
        #expect(result.status == .partial)
        #expect(result.created.count == 1_999 && result.failed.keys.sorted() == [11])
        #expect(stored.count == 1_999)
        for (index, id) in result.created {
            #expect(stored[details[index]!["bk_asset_id"]!.string!] == id)
        }
    }

    @Test func streamingReportsEachRequestAsItFinishes() throws {
        let emulator = try Emulator()
        var produced = 0
        var reports: [RequestRecord] = []
        let run = try emulator.client(concurrency: 3).createInstances(objectID: "bk_router", next: { () throws(BKCCError) -> SourceItem? in
            guard produced < 1_050 else { return nil }
            defer { produced += 1 }
            return SourceItem(index: produced, detail: try JSON.object(["bk_inst_name": .string("r\(produced)"),
                                                                        "bk_asset_id": .string("R-\(produced)")]))
        }, onRequest: { report, _ in
            reports.append(report)
            return true
        })
        #expect(run.status == .ok && run.created == 1_050)
        #expect(reports.map(\.items.count).sorted() == [50, 200, 200, 200, 200, 200])
        #expect(Set(reports.flatMap { $0.items.map(\.index) }) == Set(0..<1_050))
        #expect(emulator.stored("bk_router").count == 1_050)
    }

    @Test func gatewayRouteWithHeaderCredentialsAndChineseMessages() throws {
        let emulator = try Emulator()
        var config = Configuration(url: emulator.url, appCode: "bkcc-demo", appSecret: "bkcc-demo-secret", username: "admin", api: .apigw)
        config.language = "zh-cn"
        let client = try Client(configuration: config)
        let details = switches(3, prefix: "GW")
        #expect(try client.batchCreateInstances(objectID: "bk_firewall", details: details).status == .ok)
        let again = try client.batchCreateInstances(objectID: "bk_firewall", details: details)
        #expect(again.failed.count == 3)
        #expect(again.failed[0]?.unicodeScalars.contains { $0.value > 0x4E00 } == true)  // answered in Chinese
    }

    @Test func wrongSecretStopsAfterTheFirstRequest() throws {
        let emulator = try Emulator()
        var config = Configuration(url: emulator.url, appCode: "bkcc-demo", appSecret: "wrong-secret", username: "admin")
        config.concurrency = 1
        let result = try Client(configuration: config).batchCreateInstances(objectID: "bk_switch", details: switches(1_000))
        #expect(result.status == .api && result.error?.apiCode == 1_306_000)
        #expect(result.failed.count == 200 && result.skipped.count == 800)
        #expect(result.error?.message.contains("wrong-secret") == false)
        guard case .success(let stats) = JSON.parse(emulator.get("/_emulator/stats")) else {
            Issue.record("no stats")
            return
        }
        #expect(stats["requests"]?["batch_create_inst"]?.integer == 1)
    }

    @Test func oversizedAnswerIsCutNotBuffered() throws {
        let emulator = try Emulator(["--fault", "big_body:40"])
        let result = try emulator.client().batchCreateInstances(objectID: "bk_switch", details: switches(2))
        #expect(result.unknown.count == 2)
        #expect(result.status == .protocolError)
        #expect(result.error?.message.contains("larger than 32 MiB") == true)
    }

    @Test func unreachableServerSkipsEverythingQuickly() throws {
        var config = Configuration(url: "http://127.0.0.1:9", appCode: "a", appSecret: "s", username: "u")
        config.retries = 1
        let result = try Client(configuration: config).batchCreateInstances(objectID: "bk_switch", details: switches(450))
        #expect(result.skipped.count == 450)
        #expect(result.status == .transport)
        #expect(result.skipped[0]?.contains("request not sent") == true)
    }
}
