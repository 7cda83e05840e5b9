#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// Set by SIGINT while sending: the next finished request cancels the run (requests in flight finish; the rest is
/// reported skipped). A second SIGINT kills the process as usual.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

func installInterruptHandler() {
    interruptRequested = 0
    signal(SIGINT) { _ in
        interruptRequested = 1
        signal(SIGINT, SIG_DFL)
    }
}

func removeInterruptHandler() { signal(SIGINT, SIG_DFL) }

/// The second pass: rows streamed from the input to the batch runner, outcomes streamed to the report, the
/// progress bar and the counts. Rows already created (resume) are passed over; invalid rows (`--skip-invalid`)
/// are reported failed without being sent.
final class SendPass {
    let importer: Importer
    let input: InputFile
    let format: InputFormat
    let resume: ResumeState?
    let writer: ReportWriter?
    var counts: ImportCounts
    let progress: ProgressBar

    private var validator: RowValidator
    private var reader: RowReader?
    /// Rows handed to the runner and not yet reported: index → line (bounded by the requests in flight).
    private var inFlight: [Int: Int] = [:]
    private(set) var readError: InputError?
    private(set) var interrupted = false
    /// The first rows not created, one per distinct message (at most 5), each with how many rows share it.
    private(set) var failureSamples: [RowProblem] = []
    private var sampleCounts: [String: Int] = [:]
    private(set) var writeError: String?

    init(importer: Importer, input: InputFile, format: InputFormat, resume: ResumeState?, writer: ReportWriter?,
         counts: ImportCounts, enabled: Bool) {
        self.importer = importer
        self.input = input
        self.format = format
        self.resume = resume
        self.writer = writer
        self.counts = counts
        validator = RowValidator(uniqueField: importer.options.uniqueField)
        progress = ProgressBar(console: importer.console, total: counts.total, baseline: counts.done, enabled: enabled,
                               clock: importer.clock)
    }

    /// Sends every row still to send; nil when there was nothing to send.
    func run(client: Client) -> BatchRunSummary? {
        do throws(InputError) {
            reader = format.reader(try input.open())
        } catch {
            readError = error
            return nil
        }
        progress.update(done: counts.done, failed: counts.failed, force: true)
        installInterruptHandler()
        defer { removeInterruptHandler() }
        let outcome = client.createInstances(objectID: importer.options.objectID, transport: importer.transport,
                                             next: { () throws(BKCCError) -> SourceItem? in try self.nextItem() },
                                             onRequest: { report in self.finished(report) })
        progress.finish()
        if let failure = writer?.flush() { writeError = failure }
        return counts.pulled > 0 ? outcome : nil
    }

    private func nextItem() throws(BKCCError) -> SourceItem? {
        guard let reader else { return nil }
        while true {
            let row: InputRow?
            do throws(InputError) {
                row = try reader.next()
            } catch {
                readError = error
                throw BKCCError(.invalidArgument, "\(error)")
            }
            guard let row else { return nil }
            let problem = validator.check(row)
            if let resume, resume.state(row.index) > 0 { continue }  // created before: already in the report
            if let problem {
                counts.invalid += 1
                record(ReportLine(index: row.index, line: row.line, outcome: .failed, message: "invalid: \(problem)"))
                writer?.flush()
                if !interrupted { progress.update(done: counts.done, failed: counts.done - counts.created) }
                continue
            }
            guard let detail = row.detail else { continue }
            inFlight[row.index] = row.line
            counts.pulled += 1
            return SourceItem(index: row.index, detail: detail)
        }
    }

    private func finished(_ report: RequestReport) -> Bool {
        if report.attempts > 0 {
            counts.requests += 1
            counts.sent += report.items.count
        }
        let requestID = report.serverRequestID.isEmpty ? report.requestID : report.serverRequestID
        for item in report.items {
            let line = inFlight.removeValue(forKey: item.index) ?? 0
            let outcome: ReportLine.Outcome
            switch item.kind {
            case .created: outcome = .created
            case .failed, .notCreated: outcome = .failed
            case .unknown: outcome = .unknown
            case .skipped: outcome = .skipped
            }
            if outcome == .failed, report.status == .ok { counts.serverItemFailures += 1 }
            record(ReportLine(index: item.index, line: line, outcome: outcome, instanceID: item.instanceID,
                              message: item.message, requestID: requestID))
        }
        if !interrupted { progress.update(done: counts.done, failed: counts.done - counts.created) }
        if let failure = writer?.flush(), writeError == nil {
            writeError = failure
            importer.console.note("bkcc: error: cannot write the report \(writer?.path ?? ""): \(failure); stopping")
            return false
        }
        if interruptRequested != 0, !interrupted {
            interrupted = true
            progress.finish()
            importer.console.note("bkcc: interrupted: letting requests in flight finish, skipping the rest (Ctrl-C again to kill)")
        }
        return !interrupted
    }

    private func sample(_ line: ReportLine) {
        let message = "\(line.outcome.rawValue): \(line.message)"
        if let count = sampleCounts[message] {
            sampleCounts[message] = count + 1
        } else if failureSamples.count < 5 {
            sampleCounts[message] = 1
            failureSamples.append(RowProblem(index: line.index, line: line.line, message: message))
        }
    }

    /// The samples, "(and N more like it)" added where rows share a message.
    var failureSummary: [RowProblem] {
        failureSamples.map { sample in
            var sample = sample
            if let count = sampleCounts[sample.message], count > 1 { sample.message += " (and \(grouped(count - 1)) more like it)" }
            return sample
        }
    }

    private func record(_ line: ReportLine) {
        switch line.outcome {
        case .created: counts.created += 1
        case .failed: counts.failed += 1
        case .unknown: counts.unknown += 1
        case .skipped: counts.skipped += 1
        }
        if line.outcome != .created { sample(line) }
        writer?.append(line)
    }
}
