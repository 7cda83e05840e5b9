import BKCC
import Testing

/// Update, delete and the paged search on the engine, against a scripted server that keeps instances by id.
@Suite struct FamilyTests {
    /// A tiny CMDB: instances by id, transactional update and delete, search_object_instances by "greater than".
    final class Store: @unchecked Sendable {
        var instances: [Int64: [String: String]] = [:]
        var requests: [HTTPRequest] = []
        var lostAnswers = 0

        init(count: Int) {
            for id in 1...Int64(count) { instances[id] = ["bk_inst_name": "sw-\(id)"] }
        }

        var transport: BlockingTransport {
            BlockingTransport { request in
                self.requests.append(request)
                if self.lostAnswers > 0 {
                    self.lostAnswers -= 1
                    return .noAnswer(BKCCError(.transport, "reset"))
                }
                return self.answer(request)
            }
        }

        func answer(_ request: HTTPRequest) -> TransportOutcome {
            let ok = #"{"result": true, "code": 0, "message": "success", "data": null}"#
            if let updates = request.body["update"]?.elements {
                let ids = updates.compactMap { $0["inst_id"]?.integer }
                guard ids.allSatisfy({ instances[$0] != nil }) else {
                    return ScriptedServer.ok(#"{"result": false, "code": 1199019, "message": "No relevant data found", "data": null}"#)
                }
                for update in updates {
                    guard let id = update["inst_id"]?.integer else { continue }
                    for (key, value) in update["datas"]?.entries ?? [] { instances[id]?[key] = value.string ?? "" }
                }
                return ScriptedServer.ok(ok)
            }
            if let ids = request.body["delete"]?["inst_ids"]?.elements.compactMap(\.integer) {
                for id in ids { instances[id] = nil }  // ids that name no instance are skipped, as bk-cmdb does
                return ScriptedServer.ok(ok)
            }
            let after = request.body["conditions"]?["rules"]?.elements.first?["value"]?.integer ?? 0
            let limit = Int(request.body["page"]?["limit"]?.integer ?? 500)
            let page = instances.keys.filter { $0 > after }.sorted().prefix(limit)
            if page.isEmpty { return ScriptedServer.ok(#"{"result": true, "code": 0, "message": "success", "data": {"info": null}}"#) }
            let rows = page.map { id in #"{"bk_inst_id": \#(id), "bk_inst_name": "\#(instances[id]?["bk_inst_name"] ?? "")"}"# }
            return ScriptedServer.ok(#"{"result": true, "code": 0, "message": "success", "data": {"info": [\#(rows.joined(separator: ","))]}}"#)
        }
    }

    @Test func updateInRequestsOf200AndEveryItemAccountedFor() throws {
        let store = Store(count: 450)
        let updates = try JSON.array()
        for id in 1...450 { try updates.append(JSON.object(["bk_inst_id": .integer(Int64(id)), "bk_inst_name": .string("new-\(id)")])) }
        let result = try client().batchUpdateInstances(objectID: "bk_switch", updates: updates, transport: store.transport)
        #expect(result.status == .ok && result.updated.count == 450 && result.updated[449] == 450)
        #expect(store.requests.count == 3 && store.requests.allSatisfy { $0.method == "POST" })
        #expect(store.instances[7]?["bk_inst_name"] == "new-7")
        #expect(try result.json()["summary"]?.serialized() == #"{"total":450,"updated":450,"failed":0,"unknown":0,"skipped":0}"#)
        #expect(try result.json()["updated"]?["0"]?.integer == 1)
    }

    @Test func anUpdateOrADeleteWithoutAnAnswerIsSentAgain() throws {
        let store = Store(count: 3)
        store.lostAnswers = 1
        let updates = try JSON.array()
        try updates.append(JSON.object(["bk_inst_id": .integer(1), "bk_sn": .string("x")]))
        let updated = try client().batchUpdateInstances(objectID: "bk_switch", updates: updates, transport: store.transport)
        #expect(updated.status == .ok && store.requests.count == 2)
        store.lostAnswers = 1
        let deleted = try client().batchDeleteInstances(objectID: "bk_switch", instanceIDs: json("[1, 2]"), transport: store.transport)
        #expect(deleted.deleted == [0: 1, 1: 2] && deleted.status == .ok && store.requests.count == 4)
        #expect(store.instances.keys.sorted() == [3])
    }

    @Test func aRefusedTransactionFailsEveryItemOfItsRequest() throws {
        let store = Store(count: 3)
        let updates = try json(#"[{"bk_inst_id": 1, "bk_sn": "a"}, {"bk_inst_id": 99, "bk_sn": "b"}, {"bk_inst_id": 2, "bk_sn": "c"}]"#)
        let result = try client().batchUpdateInstances(objectID: "bk_switch", updates: updates, transport: store.transport)
        #expect(result.failed.count == 3 && result.failed[0]?.contains("1199019") == true && result.status == .api)
        #expect(store.instances[1]?["bk_sn"] == nil)
    }

    @Test func badUpdatesAndIdsAreRefusedBeforeSending() throws {
        let problems = try Validation.updateProblems(in: json(#"[{"bk_inst_id": 0, "a": "x"}, {"bk_inst_id": 5}, {"bk_inst_id": 6, "a": 1}, {"bk_inst_id": 6, "a": 2}, 7]"#))
        #expect(problems[0] == "updates[0].bk_inst_id: required, must be a positive integer")
        #expect(problems[1] == "updates[1]: must set at least one attribute besides bk_inst_id")
        #expect(problems[2] == nil && problems[3] == "updates[3]: bk_inst_id 6 repeats updates[2]")
        #expect(problems[4] == "updates[4]: must be an object, got integer")
        let fixed = try Validation.updateProblems(in: json(#"[{"bk_inst_id": 1, "bk_asset_id": "X"}]"#), objectID: "bk_switch")
        #expect(fixed[0] == "updates[0].bk_asset_id: not editable on bk_switch (the server would drop it silently)")
        #expect(try Validation.updateProblems(in: json(#"[{"bk_inst_id": 1, "bk_asset_id": "X"}]"#), objectID: "rack").isEmpty)
        let ids = try Validation.deleteProblems(in: json(#"[1, "2", 1, -3]"#))
        #expect(ids.count == 3 && ids[2] == "inst_ids[2]: bk_inst_id 1 repeats inst_ids[0]")
        let store = Store(count: 2)
        #expect(thrown { () throws(BKCCError) in
            try client().batchDeleteInstances(objectID: "bk_switch", instanceIDs: json(#"[1, "x"]"#), transport: store.transport)
        }?.status == .validation)
        #expect(store.requests.isEmpty)
    }

    @Test func searchSeesEveryInstanceOnceInIdOrder_EvenWhileInstancesAreCreated() throws {
        let store = Store(count: 1_200)
        var seen: [Int64] = []
        var pages = 0
        let failure = try client().searchInstances(objectID: "bk_switch", transport: store.transport) { rows in
            pages += 1
            seen += rows.compactMap { $0["bk_inst_id"]?.integer }
            if pages == 1 { store.instances[5_000] = ["bk_inst_name": "new"] }  // created during the search
            return true
        }
        #expect(failure == nil)
        #expect(seen == Array(1...1_200) + [5_000] && pages == 3)
        #expect(store.requests.first?.body["page"]?.serialized() == #"{"start":0,"limit":500,"sort":"bk_inst_id"}"#)
    }

    @Test func searchRetriesALostPageAndStopsWhenAsked() throws {
        let store = Store(count: 600)
        store.lostAnswers = 1
        var count = 0
        let failure = try client().searchInstances(objectID: "bk_switch", transport: store.transport) { rows in
            count += rows.count
            return false
        }
        #expect(failure?.status == .cancelled && count == 500 && store.requests.count == 2)
    }
}
