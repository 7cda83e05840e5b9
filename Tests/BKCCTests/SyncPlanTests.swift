import BKCC
import BKCCTestSupport
import Testing

/// The sync planner, pure: rows and the server's instances in, the plan out.
@Suite struct SyncPlanTests {
    static let model = try! Model(json: json(#"""
        {"bk_obj_id": "bk_switch", "attributes": [
          {"id": "bk_asset_id", "name": "固资编号", "type": "singlechar", "required": true, "editable": false},
          {"id": "bk_inst_name", "name": "名称", "type": "singlechar", "required": true},
          {"id": "bk_sn", "type": "singlechar"}, {"id": "ports", "type": "int"}, {"id": "tags", "type": "enummulti"}],
         "unique": [["bk_asset_id"], ["bk_inst_name"]]}
        """#))

    @Test func eachRowGetsOneActionAndOnlyTheChangesAreSent() throws {
        #expect(SyncPlanTests.model.uniqueField == "bk_asset_id")
        var planner = try SyncPlanner(model: SyncPlanTests.model, key: "bk_inst_name")
        #expect(planner.add(row: 0, detail: json(#"{"bk_inst_name": "a", "bk_sn": "S1 ", "ports": 48}"#)) == nil)
        #expect(planner.add(row: 1, detail: json(#"{"bk_inst_name": "b", "bk_sn": "new", "tags": ["x"]}"#)) == nil)
        #expect(planner.add(row: 2, detail: json(#"{"bk_inst_name": "c"}"#)) == nil)
        #expect(planner.add(row: 3, detail: json(#"{"bk_inst_name": "d", "bk_asset_id": "CHANGED"}"#)) == nil)
        #expect(planner.add(row: 4, detail: json(#"{"bk_inst_name": "e"}"#)) == nil)
        #expect(planner.add(row: 5, detail: json(#"{"bk_inst_name": " a "}"#)) == "bk_inst_name \"a\" repeats row 0: each row's key must be its own")
        #expect(planner.add(row: 6, detail: json(#"{"bk_sn": "x"}"#)) == "bk_inst_name: the sync key is empty")
        #expect(planner.fieldsNeeded == ["bk_inst_id", "bk_inst_name", "bk_sn", "ports", "tags", "bk_asset_id"])
        for instance in [#"{"bk_inst_id": 1, "bk_inst_name": "a", "bk_sn": "S1", "ports": 48.0}"#,
                         #"{"bk_inst_id": 2, "bk_inst_name": "b", "bk_sn": "old", "tags": ["x"]}"#,
                         #"{"bk_inst_id": 4, "bk_inst_name": "d", "bk_asset_id": "A-4"}"#,
                         #"{"bk_inst_id": 5, "bk_inst_name": "e"}"#, #"{"bk_inst_id": 6, "bk_inst_name": "e"}"#,
                         #"{"bk_inst_id": 9, "bk_inst_name": "z"}"#] {
            planner.add(instance: json(instance))
        }
        let plan = planner.plan()
        #expect(plan.rows.map(\.action) == [.unchanged, .update, .create, .blocked, .ambiguous])
        #expect(try plan.rows[1].update() == json(#"{"bk_inst_id": 2, "bk_sn": "new"}"#))
        #expect(plan.rows[3].changes.map(\.attribute) == ["bk_asset_id"] && plan.rows[3].changes[0].editable == false)
        #expect(try plan.rows[3].update() == nil)
        #expect(plan.rows[4].instanceIDs == [5, 6])
        #expect(plan.extra.map(\.instanceID) == [9])
        #expect(plan.summary == "1 to create, 1 to update, 1 unchanged, 1 with changes to attributes that cannot be edited, 1 matching several instances (left alone), 1 on the server but not in the input")
        #expect(try plan.json()["counts"] == json(#"{"create":1,"update":1,"unchanged":1,"ambiguous":1,"blocked":1,"extra":1}"#))
    }

    @Test func valuesCompareAsTheServerStoresThem() {
        #expect(SyncPlanner.same(json(#"" x ""#), json(#""x""#)))
        #expect(SyncPlanner.same(json(#""""#), nil))
        #expect(SyncPlanner.same(json("3"), json("3.0")))
        #expect(!SyncPlanner.same(json(#""3""#), json("3")))
        #expect(SyncPlanner.same(json(#"["a"]"#), json(#"["a"]"#)))
        #expect(!SyncPlanner.same(json(#"["a"]"#), json(#"["a", "b"]"#)))
        #expect(!SyncPlanner.same(json("true"), json("false")))
    }

    @Test func theKeyMustBeAnAttribute() {
        #expect(thrown { () throws(BKCCError) in try SyncPlanner(model: SyncPlanTests.model, key: "nope") }?.message
                == "key: \"nope\" is not an attribute of bk_switch")
    }
}
