#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// `bkcc batch-create-inst`: check every row, then stream them to the CMDB through the engine, writing a report
/// line per row as requests finish. This file holds the order of the steps; each step lives in its own file
/// (CheckPass, ResumeLookup, DryRun, SendPass, ImportSummary, ExitPolicy).
public final class Importer {
    /// As given; the rules in it change once if they were a guess (`settleRules`).
    private(set) var options: ImportOptions
    let console: Console
    let clientFactory: () throws(BKCCError) -> Client
    let transport: (any Transport)?
    let clock: () -> UInt64

    /// - Parameters:
    ///   - client: makes the client (from the settings) when it is needed: not for a file that fails its checks.
    ///   - transport: nil for libcurl; tests pass a scripted one.
    public init(options: ImportOptions, console: Console, client: @escaping () throws(BKCCError) -> Client,
                transport: (any Transport)? = nil, clock: @escaping () -> UInt64 = monotonicNanoseconds) {
        self.options = options
        self.console = console
        self.clientFactory = client
        self.transport = transport
        self.clock = clock
    }

    /// An import that cannot go on: the message on stderr (and as JSON with `--output json`), and its exit code.
    struct Stop: Error {
        var status: ExitStatus
        /// nil: said already.
        var message: String?
        init(_ status: ExitStatus, _ message: String?) {
            self.status = status
            self.message = message
        }
    }

    func fail(_ stop: Stop) -> ExitStatus {
        guard let message = stop.message else { return stop.status }
        console.flush()
        console.note("bkcc: error: \(message)")
        if options.outputJSON {
            let object = try? JSON.object(["exit_code": .integer(Int64(stop.status.rawValue)), "error": .string(message)])
            if let object { console.print(JSONText.serialize(object)) }
        }
        return stop.status
    }

    public func run() -> ExitStatus {
        let started = clock()
        installInterruptHandlers()
        defer { removeInterruptHandlers() }
        do throws(Stop) {
            let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
            input.reading = options.reading
            if input.reading.notes == nil { input.reading.notes = InputNotes { [console] in console.note($0) } }
            try prepare()
            // Locked before anything else: a second run on the same report refuses at once.
            let writer = try lockReport()
            let check = try checkRows(input)
            var resume = try readResume(input: input, check: check)
            let client = try makeClient()
            if options.dryRun { return try dryRun(input: input, check: check, resume: resume, client: client) }
            var counts = ImportCounts()
            counts.rows = check.rows
            try beginReport(writer, resume: resume, client: client)
            if var state = resume {
                try waitOutInFlight(state)
                try lookUp(&state, input: input, check: check, client: client, writer: writer, counts: &counts)
                resume = state
            }
            seed(&counts, check: check, resume: resume)
            guard let spool = check.spool else { preconditionFailure("an import's check pass spools its rows (keyField)") }
            let send = SendPass(importer: self, input: input, format: check.format, resume: resume, writer: writer,
                                spool: spool, invalidRows: check.invalidRows, counts: counts, enabled: options.progress ?? console.stderrIsTerminal)
            send.run(client: client)
            return finish(send: send, resume: resume, elapsed: Double(clock() - started) / 1e9, input: input)
        } catch {
            return fail(error)
        }
    }

    // MARK: Steps

    /// The model id, and the report not the input.
    private func prepare() throws(Stop) {
        do throws(BKCCError) {
            try Validation.checkObjectID(options.objectID)
        } catch {
            throw Stop(.invalid, "--obj: " + error.message.replacingPrefix("bk_obj_id: ", with: ""))
        }
        if let reportPath = options.reportPath, options.input != "-", sameFile(reportPath, options.input) {
            throw Stop(.invalid, "--report \(reportPath) is the input file: it would be overwritten")
        }
        if let resumePath = options.resumePath, options.input != "-", sameFile(resumePath, options.input) {
            throw Stop(.invalid, "--resume \(resumePath) is the input file")
        }
    }

    private func lockReport() throws(Stop) -> ReportWriter? {
        guard let reportPath = options.reportPath else { return nil }
        do throws(InputError) {
            return try ReportWriter(path: reportPath)
        } catch {
            throw Stop(.invalid, "--report: \(error); nothing was sent")
        }
    }

    /// Pass 1: every row checked. Nothing is sent if the input is broken, or a row is invalid without --skip-invalid.
    /// Rows checked against a guessed model are judged only once the CMDB's answer says the guess was right; else
    /// they are checked again, by the rules it gave.
    private func checkRows(_ input: InputFile) throws(Stop) -> CheckPass {
        var check = Result { () throws(Stop) in try passRows(input) }
        if let settle = options.settleRules {
            options.settleRules = nil
            if case .failure(let stop) = check, interruptedBy != 0 { throw stop }
            switch settle({ interruptedBy != 0 }) {
            case .same(let note): options.rulesNote = note
            case .changed(let model, let note, let uniqueField):
                options.model = model
                options.rulesNote = note
                options.uniqueField = uniqueField
                check = Result { () throws(Stop) in try passRows(input) }
            case .stop(let status):
                throw Stop(status, nil)
            case .interrupted:
                throw Stop(.stopped(by: interruptedBy), "interrupted (\(signalName(interruptedBy))) while reading the model; nothing was sent")
            }
        }
        return try judge(check.get(), input: input)
    }

    /// The check pass itself: an unreadable input or an interrupt stops it.
    private func passRows(_ input: InputFile) throws(Stop) -> CheckPass {
        let ticker = CheckTicker(console: console, clock: clock, enabled: options.progress ?? console.stderrIsTerminal,
                                 name: input.displayName)
        defer { ticker.clear() }
        do throws(InputError) {
            return try CheckPass.run(input: input, format: options.format, objectID: options.objectID,
                                      uniqueField: options.uniqueField, model: options.model,
                                      maxProblems: options.maxProblems, keyField: options.uniqueField,
                                      spooling: !options.dryRun, resuming: options.resumePath != nil,
                                      onRow: { rows in
                                          ticker.tick(rows)
                                          return interruptedBy == 0
                                      })
        } catch {
            if interruptedBy != 0 { throw Stop(.stopped(by: interruptedBy), "interrupted (\(signalName(interruptedBy))) while checking; nothing was sent") }
            throw Stop(.invalid, "\(error); nothing was sent")
        }
    }

    /// The pass's verdict: its warnings said, and a stop when there is nothing (valid) to send.
    private func judge(_ check: CheckPass, input: InputFile) throws(Stop) -> CheckPass {
        for warning in check.warnings { console.note("bkcc: warning: \(warning)") }
        if check.rows == 0 {
            throw Stop(.invalid, "\(input.displayName): no rows to import (an empty input, or a header without rows); nothing was sent")
        }
        if check.invalid > 0, !options.skipInvalid {
            reportProblems(check, input: input)
            throw Stop(.invalid, "\(grouped(check.invalid)) of \(grouped(check.rows)) rows are invalid; nothing was sent. Fix them, or pass --skip-invalid to send the valid rows and report the others as failed")
        }
        if check.invalid == check.rows {
            reportProblems(check, input: input)
            throw Stop(.invalid, "every row is invalid; nothing was sent")
        }
        return check
    }

    /// The earlier report, read into a table sized by the input and checked against the check pass's prints.
    private func readResume(input: InputFile, check: CheckPass) throws(Stop) -> ResumeState? {
        guard let resumePath = options.resumePath else { return nil }
        do throws(ResumeError) {
            let state = try ResumeState(path: resumePath, prints: check.prints, objectID: options.objectID, uniqueField: options.uniqueField)
            if !state.changed.isEmpty {
                console.note("resume: \(grouped(state.changed.count)) rows reported created changed since (not sent again): "
                             + state.changed.prefix(5).map { "line \($0.line)" }.joined(separator: ", ")
                             + (state.changed.count > 5 ? ", …" : ""))
            }
            return state
        } catch {
            switch error {
            case .unreadable(let reason):
                throw Stop(.invalid, "--resume: \(reason); nothing was sent")
            case .mismatch(let reportLine, let index, let reportKey):
                let here = inputKey(input: input, format: check.format, index: index)
                throw Stop(.invalid, "--resume \(resumePath):\(reportLine): row \(index) was created with \(options.uniqueField) \"\(clipped(reportKey))\", "
                           + "but row \(index) of \(input.displayName)\(here.map { " (line \($0.line))" } ?? "") has \"\(clipped(here?.key ?? ""))\": "
                           + "the report is of another input, or of these rows in another order; nothing was sent")
            }
        }
    }

    /// Row `index`'s key and line, read again (to name it in a message).
    private func inputKey(input: InputFile, format: InputFormat, index: Int) -> (key: String, line: Int)? {
        guard let source = try? input.open() else { return nil }
        let reader = format.reader(source, model: options.model)
        while let row = try? reader.next() {
            if row.index == index { return (RowDigest.key(row, field: options.uniqueField), row.line) }
        }
        return nil
    }

    private func makeClient() throws(Stop) -> Client {
        do throws(BKCCError) {
            return try clientFactory()
        } catch {
            throw Stop(.invalid, error.message)
        }
    }

    /// This run's part of the report, durable before anything is sent: a header (with the request timeout, which
    /// bounds how long a request may stay in flight), then, in a new report, the rows an earlier one says were
    /// created. Resuming into the very report that was read appends to it.
    private func beginReport(_ writer: ReportWriter?, resume: ResumeState?, client: Client) throws(Stop) {
        guard let writer else { return }
        let header = ReportHeader(objectID: options.objectID, uniqueField: options.uniqueField,
                                  timeoutMs: Int64(client.configuration.timeoutMs), pid: Int64(getpid()), atMs: unixMilliseconds())
        let appending = options.resumePath.map { sameFile($0, writer.path) } ?? false
        do throws(InputError) {
            try writer.begin(fresh: !appending, header: header)
            if let resume, let resumePath = options.resumePath, !appending { try writer.copyCreated(from: resumePath, state: resume) }
        } catch {
            throw Stop(.invalid, "--report: \(error); nothing was sent")
        }
    }

    /// Rows settled before the send pass count in the tally from the start: created earlier, and (with
    /// --skip-invalid) the invalid ones, which the send pass reports without sending.
    private func seed(_ counts: inout ImportCounts, check: CheckPass, resume: ResumeState?) {
        if let resume {
            let created = resume.createdCount
            for _ in 0..<created { counts.tally.count(.created) }
            counts.alreadyCreated = created - counts.found
            counts.changed = resume.changed.count
        }
        for _ in 0..<check.invalid { counts.tally.count(.failed, invalid: true) }
    }

    private func reportProblems(_ check: CheckPass, input: InputFile) {
        console.flush()
        for problem in check.problems { console.note(problem.located(in: input.displayName)) }
        if check.invalid > check.problems.count {
            console.note("… and \(grouped(check.invalid - check.problems.count)) more invalid rows (bkcc validate lists them all with --max-problems 0)")
        }
    }
}

/// "checking FILE: N rows" on a terminal while the check pass reads a large input (at most 10 times a second).
final class CheckTicker {
    let console: Console
    let clock: () -> UInt64
    let enabled: Bool
    let name: String
    private var last: UInt64
    private var shown = false

    init(console: Console, clock: @escaping () -> UInt64, enabled: Bool, name: String) {
        self.console = console
        self.clock = clock
        self.enabled = enabled
        self.name = name
        last = clock()
    }

    func tick(_ rows: Int) {
        guard enabled, rows % 1024 == 0 else { return }
        let now = clock()
        guard now - last >= 100_000_000 else { return }
        last = now
        shown = true
        console.rawError("\rchecking \(name): \(grouped(rows)) rows\u{1B}[K")
    }

    func clear() {
        guard shown else { return }
        shown = false
        console.rawError("\r\u{1B}[K")
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}

/// Whether two paths name the same existing file.
func sameFile(_ a: String, _ b: String) -> Bool {
    var first = stat(), second = stat()
    guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino
}

/// A value for a message: at most 80 characters.
func clipped(_ text: String, _ limit: Int = 80) -> String {
    text.count > limit ? String(text.prefix(limit)) + "…" : text
}
