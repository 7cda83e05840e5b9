import BKCC
import Testing

@Suite struct ValidationTests {
    @Test(arguments: ["bk_switch", "bk_router", "cabinet", "a1_b"])
    func usableModels(id: String) throws {
        try Validation.checkObjectID(id)
    }

    @Test(arguments: ["biz", "set", "module", "host", "process", "plat", "bk_biz_set_obj", "bk_project", "", "1abc", "a-b", "a/b", "交换机"])
    func refusedModels(id: String) {
        #expect(thrown { () throws(BKCCError) in try Validation.checkObjectID(id) }?.status == .validation)
    }

    @Test func everyProblemIsReportedPerIndex() throws {
        let details = json(#"""
        [{"bk_inst_name": "ok", "bk_asset_id": "A"},
         "not an object",
         {"bk_asset_id": ""},
         {"bk_inst_name": "x", "bk_asset_id": " A ", "bk_operator": 3},
         {"bk_inst_name": "y", "bk_asset_id": "B", "bk_sn": "SN", "custom_field": {"kept": true}}]
        """#)
        let problems = try Validation.problems(in: details, objectID: "bk_switch")
        #expect(problems.keys.sorted() == [1, 2, 3])
        #expect(problems[1] == "details[1]: must be an object, got string")
        #expect(problems[2] == "details[2].bk_inst_name: required, must be a non-empty string; details[2].bk_asset_id: required, must be a non-empty string")
        #expect(problems[3]?.contains("details[3].bk_operator: must be a string, got integer") == true)
        #expect(problems[3]?.contains("details[3].bk_asset_id: \"A\" repeats details[0]") == true)
    }

    @Test func wrongShapes() {
        #expect(thrown { () throws(BKCCError) in try Validation.problems(in: json("{}"), objectID: "bk_switch") }?.status == .invalidArgument)
        #expect(thrown { () throws(BKCCError) in try Validation.problems(in: json("[]"), objectID: "bk_switch") }?.status == .validation)
    }
}
