#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// `bkcc batch-create-inst`: check every row, then stream them to the CMDB through the engine, writing a report
/// line per row as requests finish. This file holds the order of the steps; each step lives in its own file
/// (CheckPass, ResumeLookup, DryRun, SendPass, ImportSummary, ExitPolicy).
public final class Importer {
    let options: ImportOptions
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
        var message: String
        init(_ status: ExitStatus, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    func fail(_ stop: Stop) -> ExitStatus {
        console.flush()
        console.note("bkcc: error: \(stop.message)")
        if options.outputJSON {
            let object = try? JSON.object(["exit_code": .integer(Int64(stop.status.rawValue)), "error": .string(stop.message)])
            if let object { console.print(JSONText.serialize(object)) }
        }
        return stop.status
    }

    public func run() -> ExitStatus {
        let started = clock()
        do throws(Stop) {
            let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
            input.reading = options.reading
            if input.reading.notes == nil { input.reading.notes = InputNotes { [console] in console.note($0) } }
            var resume = try prepare(input: input)
            let check = try checkRows(input, resume: resume)
            let client = try makeClient()
            if options.dryRun { return try dryRun(input: input, check: check, client: client) }
            var counts = ImportCounts()
            counts.rows = check.rows
            if var state = resume {
                try lookUp(&state, input: input, format: check.format, rows: check.rows, client: client, counts: &counts)
                resume = state
            }
            let writer = try openReport(resume: resume, rows: check.rows)
            seed(&counts, check: check, resume: resume)
            let send = SendPass(importer: self, input: input, format: check.format, resume: resume, writer: writer,
                                counts: counts, enabled: options.progress ?? console.stderrIsTerminal)
            send.run(client: client)
            return finish(send: send, elapsed: Double(clock() - started) / 1e9, input: input)
        } catch {
            return fail(error)
        }
    }

    // MARK: Steps

    /// The model id, the report path, and the earlier report, read whole into compact tables before anything else
    /// (it may be the report we write).
    private func prepare(input: InputFile) throws(Stop) -> ResumeState? {
        do throws(BKCCError) {
            try Validation.checkObjectID(options.objectID)
        } catch {
            throw Stop(.invalid, "--obj: " + error.message.replacingPrefix("bk_obj_id: ", with: ""))
        }
        if let reportPath = options.reportPath, options.input != "-", sameFile(reportPath, options.input) {
            throw Stop(.invalid, "--report \(reportPath) is the input file: it would be overwritten")
        }
        guard let resumePath = options.resumePath else { return nil }
        do throws(InputError) {
            // A row takes at least one byte: a regular file's size bounds the indices its report may name.
            var info = stat()
            let bounded = options.input != "-" && stat(options.input, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            return try ResumeState(path: resumePath, maxIndex: bounded ? Int(info.st_size) : ResumeState.defaultMaxIndex)
        } catch {
            throw Stop(.invalid, "--resume: \(error)")
        }
    }

    /// Pass 1: every row checked. Nothing is sent if the input is broken, or a row is invalid without --skip-invalid.
    private func checkRows(_ input: InputFile, resume: ResumeState?) throws(Stop) -> CheckPass {
        let ticker = CheckTicker(console: console, clock: clock, enabled: options.progress ?? console.stderrIsTerminal,
                                 name: input.displayName)
        defer { ticker.clear() }
        let check: CheckPass
        do throws(InputError) {
            check = try CheckPass.run(input: input, format: options.format, objectID: options.objectID, uniqueField: options.uniqueField, model: options.model,
                                      maxProblems: options.maxProblems, resume: resume, reportName: options.resumePath ?? "",
                                      onRow: ticker.tick)
        } catch {
            throw Stop(.invalid, "\(error); nothing was sent")
        }
        ticker.clear()
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

    private func makeClient() throws(Stop) -> Client {
        do throws(BKCCError) {
            return try clientFactory()
        } catch {
            throw Stop(.invalid, error.message)
        }
    }

    /// The report: first the rows already settled (durably, before anything is sent), then a line per row as
    /// requests finish.
    private func openReport(resume: ResumeState?, rows: Int) throws(Stop) -> ReportWriter? {
        guard let reportPath = options.reportPath else { return nil }
        do throws(InputError) {
            return try ReportWriter(path: reportPath) { append in
                guard let resume else { return }
                for index in 0..<min(resume.count, rows) {
                    guard let id = resume.createdID(index) else { continue }
                    append(ReportLine(index: index, line: resume.line(index), outcome: .created, instanceID: id))
                }
            }
        } catch {
            throw Stop(.invalid, "--report: \(error); nothing was sent")
        }
    }

    /// Rows settled before the send pass count in the tally from the start: created earlier, and (with
    /// --skip-invalid) the invalid ones, which the send pass reports without sending.
    private func seed(_ counts: inout ImportCounts, check: CheckPass, resume: ResumeState?) {
        if let resume {
            var created = 0
            for index in 0..<min(resume.count, check.rows) where resume.createdID(index) != nil {
                counts.tally.count(.created)
                created += 1
            }
            counts.alreadyCreated = created - counts.found
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
