#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// What `bkcc sync` was asked to do.
public struct SyncOptions {
    public var objectID: String
    public var input: String = "-"
    public var format: InputFormat?
    /// A workbook's sheet, a CSV's encoding.
    public var reading = ReadingOptions()
    /// The attribute rows and instances are matched by; nil: the model's single-field unique rule.
    public var key: String?
    public var apply = false
    public var prune = false
    public var maxDelete: Int?
    public var planOut: String?
    public var reportPath: String?
    public var outputJSON = false
    /// How many rows of each kind the text plan shows.
    public var shown = 10
    public var bufferSize = ByteSource.defaultBufferSize
    public var stdinFD: Int32 = 0

    public init(objectID: String, input: String = "-") {
        self.objectID = objectID
        self.input = input
    }
}

/// `bkcc sync`: check the input against the model like an import, read the model's instances, print the plan
/// (create / update / unchanged / extra), and with `--apply` carry it out through the create, update and delete
/// engines. A plan is made from what the server holds at that moment, so a second `--apply` after any
/// interruption plans only what is still to do: it converges.
public final class Syncer {
    let options: SyncOptions
    let model: Model
    let client: Client
    let console: Console
    let transport: (any Transport)?

    public init(options: SyncOptions, model: Model, client: Client, console: Console, transport: (any Transport)? = nil) {
        self.options = options
        self.model = model
        self.client = client
        self.console = console
        self.transport = transport
    }

    struct Stop: Error {
        var status: ExitStatus
        var message: String
    }

    public func run() -> ExitStatus {
        do throws(Stop) {
            guard let key = options.key ?? model.uniqueField else {
                throw Stop(status: .invalid, message: "\(model.objectID) has no single-field unique rule (unique: \(model.unique.map { $0.joined(separator: "+") }.joined(separator: ", "))): give --key FIELD")
            }
            let (planner, lines) = try readRows(key: key)
            let plan: SyncPlan
            do throws(BKCCError) {
                plan = try client.syncPlan(planner, transport: transport)
            } catch {
                throw Stop(status: .failed, message: "reading the instances of \(model.objectID) failed: \(error.advised); nothing was sent")
            }
            try writePlan(plan, lines: lines)
            if !options.apply { return showPlan(plan, lines: lines) }
            return try apply(plan, lines: lines)
        } catch {
            console.flush()
            console.note("bkcc: error: \(error.message)")
            if options.outputJSON, let object = try? JSON.object(["exit_code": .integer(Int64(error.status.rawValue)), "error": .string(error.message)]) {
                console.print(JSONText.serialize(object))
            }
            return error.status
        }
    }

    // MARK: Reading

    /// Every row checked against the model and given to the planner; the line of each row. Any problem stops the
    /// sync before anything is read from the server: the first ones are listed.
    private func readRows(key: String) throws(Stop) -> (SyncPlanner, [Int]) {
        var planner: SyncPlanner
        do throws(BKCCError) { planner = try SyncPlanner(model: model, key: key) } catch {
            throw Stop(status: .invalid, message: "--key: \(error.message)")
        }
        let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
        input.reading = options.reading
        if input.reading.notes == nil { input.reading.notes = InputNotes { [console] in console.note($0) } }
        var lines: [Int] = []
        var invalid = 0
        do throws(InputError) {
            let source = try input.open()
            let format = try CheckPass.format(of: input, given: options.format, source: source)
            let reader = format.reader(source, model: model)
            var validator = RowValidator(objectID: model.objectID, uniqueField: key, model: ModelCheck(model))
            while let row = try reader.next() {
                lines.append(row.line)
                var problem = validator.check(row)
                if problem == nil, let detail = row.detail { problem = planner.add(row: row.index, detail: detail) }
                if let problem {
                    invalid += 1
                    if invalid <= 20 { console.note("\(input.displayName):\(row.line): \(problem)") }
                }
            }
            for warning in validator.warnings { console.note("bkcc: warning: \(warning)") }
        } catch {
            throw Stop(status: .invalid, message: "\(error); nothing was sent")
        }
        if invalid > 0 {
            throw Stop(status: .invalid, message: "\(grouped(invalid)) of \(grouped(lines.count)) rows are invalid; nothing was planned or sent")
        }
        if lines.isEmpty { throw Stop(status: .invalid, message: "\(input.displayName): no rows; nothing to sync") }
        return (planner, lines)
    }

    // MARK: The plan

    private func line(_ row: SyncPlan.Row, _ lines: [Int]) -> Int { row.index < lines.count ? lines[row.index] : 0 }

    private func writePlan(_ plan: SyncPlan, lines: [Int]) throws(Stop) {
        guard let path = options.planOut else { return }
        let writer = try openWriter(path, "--plan-out")
        for row in plan.rows {
            guard let object = try? plan.json(row) else { continue }
            try? object.set("line", .integer(Int64(line(row, lines))))
            writer.write(JSONText.serialize(object) + "\n")
        }
        for extra in plan.extra {
            let action = options.prune ? "delete" : "extra"
            if let object = try? JSON.object(["action": .string(action), "key": .string(extra.key), "bk_inst_id": .integer(extra.instanceID)]) {
                writer.write(JSONText.serialize(object) + "\n")
            }
        }
        writer.flush()
        if let failure = writer.failure { throw Stop(status: .invalid, message: "--plan-out \(path): \(failure)") }
    }

    private func openWriter(_ path: String, _ flag: String) throws(Stop) -> FileWriter {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Stop(status: .invalid, message: "\(flag) \(path): cannot open: \(systemError())") }
        return FileWriter(fd: fd, owns: true)
    }

    private func showPlan(_ plan: SyncPlan, lines: [Int]) -> ExitStatus {
        let changes = !plan.nothingToDo || (options.prune && !plan.extra.isEmpty)
        if options.outputJSON {
            if let object = try? JSON.object(["obj": .string(plan.objectID), "key": .string(plan.key),
                                              "plan": (try? plan.countsJSON()) ?? .null, "prune": .bool(options.prune),
                                              "exit_code": .integer(changes ? 1 : 0)]) {
                console.print(JSONText.serialize(object))
            }
            return changes ? .partial : .ok
        }
        console.print("sync \(plan.objectID) by \(plan.key): \(summary(plan))")
        show(plan, lines: lines)
        console.print(changes ? "nothing was sent: run again with --apply to carry out the plan" : "nothing to do")
        return changes ? .partial : .ok
    }

    private func summary(_ plan: SyncPlan) -> String {
        plan.summary + (plan.extra.isEmpty ? "" : options.prune ? " (to delete, --prune)" : " (kept)")
    }

    /// The first rows of each kind, with what changes.
    private func show(_ plan: SyncPlan, lines: [Int]) {
        let limit = options.shown
        for action in [SyncPlan.Action.create, .update, .blocked, .ambiguous] {
            let rows = plan.rows.filter { $0.action == action }
            for row in rows.prefix(limit) {
                var text = "  \(action == .blocked ? "cannot edit" : action.rawValue) line \(line(row, lines)) \(plan.key)=\(printable(row.key, limit: 60))"
                if row.instanceIDs.count == 1 { text += " (bk_inst_id \(row.instanceIDs[0]))" }
                if row.instanceIDs.count > 1 { text += ": instances " + row.instanceIDs.map(String.init).joined(separator: ", ") + " have it (left alone)" }
                if !row.changes.isEmpty {
                    text += ": " + row.changes.map { change in
                        "\(change.attribute) \(shown(change.before)) → \(shown(change.after))" + (change.editable ? "" : " (not editable)")
                    }.joined(separator: ", ")
                }
                console.print(text)
            }
            if rows.count > limit { console.print("  … and \(grouped(rows.count - limit)) more to \(action.rawValue) (--plan-out FILE lists all)") }
        }
        if options.prune {
            for extra in plan.extra.prefix(limit) { console.print("  delete \(plan.key)=\(printable(extra.key, limit: 60)) (bk_inst_id \(extra.instanceID))") }
            if plan.extra.count > limit { console.print("  … and \(grouped(plan.extra.count - limit)) more to delete") }
        }
    }

    private func shown(_ value: JSON?) -> String {
        guard let value, !value.isNull else { return "(none)" }
        let text = value.string.map { "\"\($0)\"" } ?? value.serialized() ?? "?"
        return printable(text, limit: 60)
    }

    // MARK: Applying

    private func apply(_ plan: SyncPlan, lines: [Int]) throws(Stop) -> ExitStatus {
        if options.prune, !plan.extra.isEmpty {
            guard let maxDelete = options.maxDelete else {
                throw Stop(status: .invalid, message: "--prune would delete \(grouped(plan.extra.count)) instances of \(plan.objectID): give --max-delete N (at least \(plan.extra.count)) to allow it; nothing was sent")
            }
            guard plan.extra.count <= maxDelete else {
                throw Stop(status: .invalid, message: "--prune would delete \(grouped(plan.extra.count)) instances, more than --max-delete \(maxDelete); nothing was sent")
            }
        }
        let nothing = plan.nothingToDo && !(options.prune && !plan.extra.isEmpty)
        if !options.outputJSON {
            console.print("sync \(plan.objectID) by \(plan.key): \(summary(plan))")
            show(plan, lines: lines)
            if nothing, plan.count(.blocked) == 0, plan.count(.ambiguous) == 0 { console.print("nothing to do") }
        }
        let report = try options.reportPath.map { (path) throws(Stop) in try openWriter(path, "--report") }
        var outcomes: [String: Int] = [:]
        func record(_ row: SyncPlan.Row?, key: String, outcome: String, id: Int64?, message: String = "") {
            outcomes[outcome, default: 0] += 1
            guard let report, let object = try? JSON.object(["key": .string(key), "outcome": .string(outcome)]) else { return }
            if let row {
                try? object.set("index", .integer(Int64(row.index)))
                try? object.set("line", .integer(Int64(line(row, lines))))
            }
            if let id { try? object.set("bk_inst_id", .integer(id)) }
            if !message.isEmpty { try? object.set("message", .string(message)) }
            report.write(JSONText.serialize(object) + "\n")
        }
        var firstError: BKCCError?
        // Creates: the rows the server lacks, through the create engine.
        let creates = plan.rows.filter { $0.action == .create }
        if !creates.isEmpty {
            let result = run { () throws(BKCCError) in
                let details = try JSON.array()
                for row in creates { try details.append(row.detail) }
                return try client.batchCreateInstances(objectID: plan.objectID, details: details, transport: transport)
            }
            file(result, creates, success: "created", record: record, error: &firstError)
        }
        // Updates: only the attributes that changed and may be edited.
        let updates = plan.rows.filter { $0.action == .update }
        if !updates.isEmpty {
            let result = run { () throws(BKCCError) in
                let list = try JSON.array()
                for row in updates { if let update = try row.update() { try list.append(update) } }
                return try client.batchUpdateInstances(objectID: plan.objectID, updates: list, transport: transport)
            }
            file(result, updates, success: "updated", record: record, error: &firstError)
        }
        for row in plan.rows where row.action == .unchanged { record(row, key: row.key, outcome: "unchanged", id: row.instanceIDs.first) }
        for row in plan.rows where row.action == .blocked {
            let names = row.changes.filter { !$0.editable }.map(\.attribute).joined(separator: ", ")
            record(row, key: row.key, outcome: "failed", id: row.instanceIDs.first, message: "\(names): the model does not let it be edited; not sent")
        }
        for row in plan.rows where row.action == .ambiguous {
            record(row, key: row.key, outcome: "skipped", id: nil,
                   message: "instances \(row.instanceIDs.map(String.init).joined(separator: ", ")) have this \(plan.key): left alone")
        }
        // Deletes: with --prune only, within --max-delete.
        if options.prune, !plan.extra.isEmpty {
            let result = run { () throws(BKCCError) in
                let ids = try JSON.array()
                for extra in plan.extra { try ids.append(.integer(extra.instanceID)) }
                return try client.batchDeleteInstances(objectID: plan.objectID, instanceIDs: ids, transport: transport)
            }
            switch result {
            case .success(let batch):
                for (index, extra) in plan.extra.enumerated() {
                    if batch.deleted[index] != nil { record(nil, key: extra.key, outcome: "deleted", id: extra.instanceID) }
                    else if let why = batch.failed[index] { record(nil, key: extra.key, outcome: "failed", id: extra.instanceID, message: why) }
                    else if let why = batch.unknown[index] { record(nil, key: extra.key, outcome: "unknown", id: extra.instanceID, message: why) }
                    else { record(nil, key: extra.key, outcome: "skipped", id: extra.instanceID, message: batch.skipped[index] ?? "not sent") }
                }
                if firstError == nil { firstError = batch.cause }
            case .failure(let error):
                for extra in plan.extra { record(nil, key: extra.key, outcome: "skipped", id: extra.instanceID, message: error.message) }
                if firstError == nil { firstError = error }
            }
        }
        report?.flush()
        if let failure = report?.failure { console.note("bkcc: error: --report: \(failure)") }
        let done = ["created", "updated", "unchanged", "deleted"].map { outcomes[$0, default: 0] }.reduce(0, +)
        let total = outcomes.values.reduce(0, +)
        let status: ExitStatus = report?.failure != nil ? .partial : done == total ? .ok : done == outcomes["unchanged", default: 0] && firstError != nil ? .failed : .partial
        if options.outputJSON {
            let object = try? JSON.object(["obj": .string(plan.objectID), "key": .string(plan.key), "applied": .bool(true),
                                           "plan": (try? plan.countsJSON()) ?? .null, "exit_code": .integer(Int64(status.rawValue))])
            if let object {
                for name in ["created", "updated", "unchanged", "deleted", "failed", "unknown", "skipped"] {
                    try? object.set(name, outcomes[name, default: 0])
                }
                console.print(JSONText.serialize(object))
            }
        } else {
            let counts = ["created", "updated", "unchanged", "deleted", "failed", "unknown", "skipped"]
                .filter { outcomes[$0, default: 0] > 0 || ["created", "updated", "unchanged"].contains($0) }
                .map { "\(grouped(outcomes[$0, default: 0])) \($0)" }.joined(separator: ", ")
            if !nothing { console.print("applied: \(counts)") }
            if let firstError { console.print("first error: \(firstError.advised)") }
            if outcomes["unknown", default: 0] > 0 { console.print("rows of unknown fate: run the same sync again; it plans from what the server holds") }
        }
        return status
    }

    private func run(_ body: () throws(BKCCError) -> BatchResult) -> Result<BatchResult, BKCCError> {
        do throws(BKCCError) { return .success(try body()) } catch { return .failure(error) }
    }

    /// Files the outcome of each planned row from a batch result (indices into `rows`).
    private func file(_ result: Result<BatchResult, BKCCError>, _ rows: [SyncPlan.Row], success: String,
                      record: (SyncPlan.Row?, String, String, Int64?, String) -> Void, error firstError: inout BKCCError?) {
        switch result {
        case .success(let batch):
            for (index, row) in rows.enumerated() {
                if let id = batch.created[index] ?? batch.updated[index] { record(row, row.key, success, id, "") }
                else if let why = batch.failed[index] { record(row, row.key, "failed", row.instanceIDs.first, why) }
                else if let why = batch.unknown[index] { record(row, row.key, "unknown", row.instanceIDs.first, why) }
                else { record(row, row.key, "skipped", row.instanceIDs.first, batch.skipped[index] ?? "not sent") }
            }
            if firstError == nil { firstError = batch.cause }
        case .failure(let error):
            for row in rows { record(row, row.key, "skipped", row.instanceIDs.first, error.message) }
            if firstError == nil { firstError = error }
        }
    }
}
