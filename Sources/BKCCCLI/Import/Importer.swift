#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// What `bkcc batch-create-inst` was asked to do.
public struct ImportOptions {
    public var objectID: String
    /// A path, or "-" for standard input.
    public var input: String = "-"
    public var format: InputFormat?
    public var dryRun = false
    public var pretty = false
    public var reportPath: String?
    public var resumePath: String?
    public var skipInvalid = false
    public var uniqueField = "bk_asset_id"
    /// nil: a progress bar when stderr is a terminal.
    public var progress: Bool?
    public var outputJSON = false
    public var maxProblems = 20
    public var bufferSize = ByteSource.defaultBufferSize
    public var stdinFD: Int32 = 0
    /// Values looked up per findInstances call when resuming.
    public var lookupChunk = 1000

    public init(objectID: String, input: String = "-") {
        self.objectID = objectID
        self.input = input
    }
}

/// The counts of an import, for the summary.
public struct ImportCounts: Equatable, Sendable {
    public var total = 0
    public var created = 0
    public var failed = 0
    public var unknown = 0
    public var skipped = 0
    /// Of `created`: already created according to the resumed report.
    public var alreadyCreated = 0
    /// Of `created`: found on the server by the unique field (unknown in the resumed report).
    public var found = 0
    /// Of `failed`: rows that failed the checks (`--skip-invalid`) and were not sent.
    public var invalid = 0
    /// Rows in requests that were sent (or tried: a connection refused counts), this run.
    public var sent = 0
    /// Rows handed to the batch runner (sent, or skipped after a failure that stopped the run).
    public var pulled = 0
    /// Of `failed`: failures the server reported for single items in a request it accepted.
    public var serverItemFailures = 0
    public var requests = 0

    public var done: Int { created + failed + unknown + skipped }
}

/// `bkcc batch-create-inst`: check every row, then stream them to the CMDB through the batch runner, writing a
/// report line per row as requests finish.
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

    private func fail(_ status: ExitStatus, _ message: String) -> ExitStatus {
        console.flush()
        console.note("bkcc: error: \(message)")
        if options.outputJSON {
            let object = try? JSON.object(["exit_code": .integer(Int64(status.rawValue)), "error": .string(message)])
            if let object { console.print(JSONText.serialize(object)) }
        }
        return status
    }

    public func run() -> ExitStatus {
        let started = clock()
        do throws(BKCCError) {
            try Validation.checkObjectID(options.objectID)
        } catch {
            return fail(.invalid, "--obj: " + error.message.replacingPrefix("bk_obj_id: ", with: ""))
        }

        if let reportPath = options.reportPath, options.input != "-", sameFile(reportPath, options.input) {
            return fail(.invalid, "--report \(reportPath) is the input file: it would be overwritten")
        }

        // The earlier report, read whole into compact tables before anything else (it may be the report we write).
        var resume: ResumeState?
        if let resumePath = options.resumePath {
            do throws(InputError) {
                resume = try ResumeState(path: resumePath)
            } catch {
                return fail(.invalid, "--resume: \(error)")
            }
        }

        // Pass 1: check every row. Nothing is sent if the input is broken, or a row is invalid without --skip-invalid.
        let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
        let check: CheckPass
        let showProgress = options.progress ?? console.stderrIsTerminal
        var lastTick = clock(), ticked = false
        defer { if ticked { console.rawError("\r\u{1B}[K") } }
        do throws(InputError) {
            check = try CheckPass.run(input: input, format: options.format, uniqueField: options.uniqueField,
                                      maxProblems: options.maxProblems, resume: resume, reportName: options.resumePath ?? "",
                                      onRow: { rows in
                                          // A large input takes seconds to check: say so (on a terminal, ≤ 10 times a second).
                                          guard showProgress, rows % 1024 == 0 else { return }
                                          let now = self.clock()
                                          guard now - lastTick >= 100_000_000 else { return }
                                          lastTick = now
                                          ticked = true
                                          self.console.rawError("\rchecking \(input.displayName): \(grouped(rows)) rows\u{1B}[K")
                                      })
        } catch {
            if ticked { console.rawError("\r\u{1B}[K") }
            ticked = false
            return fail(.invalid, "\(error); nothing was sent")
        }
        if ticked {
            console.rawError("\r\u{1B}[K")
            ticked = false
        }
        if check.rows == 0 {
            return fail(.invalid, "\(input.displayName): no rows to import (an empty input, or a header without rows); nothing was sent")
        }
        if check.invalid > 0, !options.skipInvalid {
            reportProblems(check, input: input)
            return fail(.invalid, "\(grouped(check.invalid)) of \(grouped(check.rows)) rows are invalid; nothing was sent. Fix them, or pass --skip-invalid to send the valid rows and report the others as failed")
        }
        if check.invalid == check.rows {
            reportProblems(check, input: input)
            return fail(.invalid, "every row is invalid; nothing was sent")
        }

        let client: Client
        do throws(BKCCError) {
            client = try clientFactory()
        } catch {
            return fail(.invalid, error.message)
        }

        if options.dryRun { return dryRun(input: input, check: check, client: client) }

        // Resuming: rows the report calls unknown (or does not mention) are looked up by their unique field first.
        var counts = ImportCounts()
        counts.total = check.rows
        if var state = resume {
            do throws(BKCCError) {
                try lookUp(&state, input: input, format: check.format, rows: check.rows, client: client, counts: &counts)
            } catch {
                let status: ExitStatus = error.status == .invalidArgument || error.status == .validation ? .invalid : .failed
                return fail(status, "--resume: looking up rows of unknown fate by \(options.uniqueField) failed: \(error.message); nothing was sent")
            }
            resume = state
        }

        // The report: first the rows already settled, then a line per row as requests finish.
        var writer: ReportWriter?
        if let reportPath = options.reportPath {
            do throws(InputError) {
                let created = try ReportWriter(path: reportPath) { append in
                    guard let resume else { return }
                    for index in 0..<min(resume.count, check.rows) where resume.state(index) > 0 {
                        append(ReportLine(index: index, line: resume.line(index), outcome: .created, instanceID: resume.state(index)))
                    }
                }
                writer = created
            } catch {
                return fail(.invalid, "--report: \(error); nothing was sent")
            }
        }
        if let resume {
            for index in 0..<min(resume.count, check.rows) where resume.state(index) > 0 { counts.created += 1 }
            counts.alreadyCreated = counts.created - counts.found
        }

        let send = SendPass(importer: self, input: input, format: check.format, resume: resume, writer: writer,
                            counts: counts, enabled: options.progress ?? console.stderrIsTerminal)
        let outcome = send.run(client: client)
        let elapsed = Double(clock() - started) / 1e9
        return finish(send: send, outcome: outcome, elapsed: elapsed, input: input)
    }

    // MARK: Problems

    private func reportProblems(_ check: CheckPass, input: InputFile) {
        console.flush()
        for problem in check.problems { console.note(problem.located(in: input.displayName)) }
        if check.invalid > check.problems.count {
            console.note("… and \(grouped(check.invalid - check.problems.count)) more invalid rows (bkcc validate lists them all with --max-problems 0)")
        }
    }

    // MARK: Dry run

    private func dryRun(input: InputFile, check: CheckPass, client: Client) -> ExitStatus {
        var requests = 0, rows = 0
        do throws(InputError) {
            let reader = check.format.reader(try input.open())
            var validator = RowValidator(uniqueField: options.uniqueField)
            var batch: JSON? = nil
            func flush() -> String? {
                guard let details = batch else { return nil }
                batch = nil
                do throws(BKCCError) {
                    let request = try client.builder.batchCreate(objectID: options.objectID, details: details)
                    console.print(JSONText.serialize(try request.redacted().json(), pretty: options.pretty))
                    requests += 1
                    return nil
                } catch {
                    return error.message
                }
            }
            while let row = try reader.next() {
                if validator.check(row) != nil { continue }
                guard let detail = row.detail else { continue }
                if batch == nil { batch = try? JSON.array() }
                try? batch?.append(detail)
                rows += 1
                if (batch?.count ?? 0) >= BatchLimits.maxBatch, let problem = flush() { return fail(.invalid, problem) }
            }
            if let problem = flush() { return fail(.invalid, problem) }
        } catch {
            return fail(.invalid, "\(error)")
        }
        console.flush()
        let skipped = check.invalid > 0 ? "; \(grouped(check.invalid)) invalid rows left out (--skip-invalid)" : ""
        console.note("dry run: \(grouped(rows)) rows in \(grouped(requests)) requests to \(client.configuration.url) (secrets shown as ***)\(skipped); nothing was sent")
        if options.outputJSON {
            // stdout holds the requests; the summary goes with them as a last line.
            if let object = try? JSON.object(["dry_run": .bool(true), "rows": .integer(Int64(rows)), "requests": .integer(Int64(requests)),
                                              "invalid": .integer(Int64(check.invalid)), "exit_code": .integer(0)]) {
                console.print(JSONText.serialize(object))
            }
        }
        return .ok
    }

    // MARK: Resume lookups

    /// Settles the rows whose fate the report does not know: each found on the server by its unique field becomes
    /// created (with its id) and is not sent; the others are sent.
    private func lookUp(_ state: inout ResumeState, input: InputFile, format: InputFormat, rows: Int, client: Client,
                        counts: inout ImportCounts) throws(BKCCError) {
        var needed = 0
        for index in 0..<rows {
            let value = state.state(index)
            if value == ResumeState.unknown || value == ResumeState.absent { needed += 1 }
        }
        guard needed > 0 else { return }
        console.note("resume: looking up \(grouped(needed)) rows of unknown fate by \(options.uniqueField)")
        let reader: RowReader
        do throws(InputError) {
            reader = format.reader(try input.open())
        } catch {
            throw BKCCError(.invalidArgument, "\(error)")
        }
        var validator = RowValidator(uniqueField: options.uniqueField)
        var pending: [(value: String, index: Int, line: Int)] = []
        func settle() throws(BKCCError) {
            guard !pending.isEmpty else { return }
            let found = try client.findInstances(objectID: options.objectID, field: options.uniqueField,
                                                 values: pending.map(\.value), transport: transport)
            for item in pending {
                if let id = found[item.value] {
                    state.set(item.index, state: id, line: item.line)
                    counts.found += 1
                } else {
                    state.set(item.index, state: ResumeState.notCreated, line: item.line)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        while true {
            let row: InputRow?
            do throws(InputError) { row = try reader.next() } catch { throw BKCCError(.invalidArgument, "\(error)") }
            guard let row else { break }
            let problem = validator.check(row)
            let current = state.state(row.index)
            guard current == ResumeState.unknown || current == ResumeState.absent else { continue }
            guard problem == nil, let detail = row.detail, let value = uniqueValue(detail) else {
                state.set(row.index, state: ResumeState.notCreated, line: row.line)
                continue
            }
            pending.append((value, row.index, row.line))
            if pending.count >= options.lookupChunk { try settle() }
        }
        try settle()
    }

    /// The row's unique value as the server stores it (trimmed); integers as their digits.
    func uniqueValue(_ detail: JSON) -> String? {
        guard let value = detail[options.uniqueField] else { return nil }
        if let text = value.string {
            let trimmed = String(Validation.trimmed(text))
            return trimmed.isEmpty ? nil : trimmed
        }
        if let number = value.integer { return String(number) }
        return nil
    }

    // MARK: Summary

    private func finish(send: SendPass, outcome: BatchRunSummary?, elapsed: Double, input: InputFile) -> ExitStatus {
        let counts = send.counts
        var status: ExitStatus
        if counts.created == counts.total {
            status = .ok
        } else if counts.created == 0, counts.serverItemFailures == 0, counts.sent > 0, !send.interrupted,
                  let outcome, outcome.status != .partial, outcome.status != .cancelled, outcome.status != .ok {
            status = .failed
        } else {
            status = .partial
        }
        if send.readError != nil { status = counts.created == 0 ? .invalid : .partial }
        let cause = send.readError.map { "\($0)" } ?? (status == .ok ? nil : (outcome?.cause ?? outcome?.error)?.message).map(Importer.inCommandLineTerms)
        console.flush()
        if options.outputJSON {
            console.print(JSONText.serialize(summaryJSON(counts, status: status, outcome: outcome, cause: cause, elapsed: elapsed, input: input, send: send)))
        } else {
            for line in Importer.summaryLines(counts, objectID: options.objectID, elapsed: elapsed, cause: cause,
                                              samples: send.failureSummary, report: options.reportPath,
                                              interrupted: send.interrupted) {
                console.print(line)
            }
        }
        return status
    }

    /// The library's advice names its configuration keys; on the command line the flags are what to type.
    static func inCommandLineTerms(_ message: String) -> String {
        message.replacing("set ca_file to the CA that signed it, or verify_tls: false to skip the check (insecure)",
                          with: "pass --ca-file FILE (the CA that signed it), or --insecure to skip the check")
    }

    /// The human summary: a headline, then what to know about the rows not created.
    public static func summaryLines(_ counts: ImportCounts, objectID: String, elapsed: Double, cause: String?,
                                    samples: [RowProblem], report: String?, interrupted: Bool = false) -> [String] {
        var headline = "\(objectID): \(grouped(counts.created)) of \(grouped(counts.total)) rows created"
        var others: [String] = []
        if counts.failed > 0 { others.append("\(grouped(counts.failed)) failed") }
        if counts.unknown > 0 { others.append("\(grouped(counts.unknown)) unknown") }
        if counts.skipped > 0 { others.append("\(grouped(counts.skipped)) skipped") }
        if !others.isEmpty { headline += ", " + others.joined(separator: ", ") }
        let rate = elapsed >= 0.5 && counts.sent >= 100 ? ", \(grouped(Int((Double(counts.sent) / elapsed).rounded()))) rows/s" : ""
        headline += " (\(humanDuration(seconds: elapsed))\(rate))"
        var lines = [headline]
        if counts.alreadyCreated > 0 || counts.found > 0 {
            var parts = ["\(grouped(counts.alreadyCreated)) created before"]
            if counts.found > 0 { parts.append("\(grouped(counts.found)) found on the server by lookup (not sent again)") }
            parts.append("\(grouped(counts.sent)) sent now")
            lines.append("  resumed: " + parts.joined(separator: ", "))
        }
        if counts.invalid > 0 { lines.append("  \(grouped(counts.invalid)) invalid rows were not sent (--skip-invalid)") }
        if interrupted { lines.append("  interrupted: requests in flight finished, the rest was skipped") }
        if counts.unknown > 0 {
            lines.append("  unknown: sent but unanswered; --resume looks them up by their unique field before sending anything again")
        }
        if let cause, counts.created < counts.total { lines.append("  cause: \(cause)") }
        if !samples.isEmpty {
            lines.append("  first rows not created:")
            for sample in samples { lines.append("    \(inCommandLineTerms(sample.text))") }
        }
        if let report {
            if counts.created < counts.total {
                lines.append("report: \(report) (finish with: --resume \(report))")
            } else {
                lines.append("report: \(report)")
            }
        } else if counts.created < counts.total {
            lines.append("(no report: pass --report FILE to keep each row's outcome and resume later)")
        }
        return lines
    }

    private func summaryJSON(_ counts: ImportCounts, status: ExitStatus, outcome: BatchRunSummary?, cause: String?,
                             elapsed: Double, input: InputFile, send: SendPass) -> JSON {
        let object = (try? JSON.object()) ?? .null
        let integers: [(String, Int)] = [
            ("total", counts.total), ("created", counts.created), ("failed", counts.failed), ("unknown", counts.unknown),
            ("skipped", counts.skipped), ("already_created", counts.alreadyCreated), ("found", counts.found),
            ("invalid", counts.invalid), ("sent", counts.sent), ("requests", counts.requests),
            ("elapsed_ms", Int((elapsed * 1000).rounded())), ("exit_code", Int(status.rawValue)),
        ]
        try? object.set("object", options.objectID)
        try? object.set("input", input.displayName)
        try? object.set("format", send.format.rawValue)
        for (key, value) in integers { try? object.set(key, value) }
        let overall: BKCCStatus
        switch status {
        case .ok: overall = .ok
        case .failed: overall = outcome?.status ?? .transport
        default: overall = counts.created > 0 ? .partial : (outcome?.status ?? .validation)
        }
        try? object.set("status", overall.name)
        try? object.set("message", cause ?? "")
        if let report = options.reportPath { try? object.set("report", report) } else { try? object.set("report", JSON.null) }
        return object
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
