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
        validator = importer.options.rowValidator()
        progress = ProgressBar(console: importer.console, total: counts.rows, baseline: counts.tally.done, enabled: enabled,
                               clock: importer.clock)
    }

    /// Sends every row still to send; `counts.tally` ends with every row's outcome.
    func run(client: Client) {
        do throws(InputError) {
            reader = format.reader(try input.open(), model: importer.options.model)
        } catch {
            readError = error
            return
        }
        progress.update(done: counts.tally.done, failed: counts.tally.done - counts.tally.created, force: true)
        installInterruptHandler()
        defer { removeInterruptHandler() }
        do throws(BKCCError) {
            counts.tally = try client.createInstances(objectID: importer.options.objectID, tally: counts.tally,
                                                      transport: importer.transport,
                                                      next: { () throws(BKCCError) -> SourceItem? in try self.nextItem() },
                                                      onRequest: { record, tally in self.finished(record, tally) })
        } catch {
            readError = InputError(path: input.displayName, error.message)
        }
        progress.finish()
        if let failure = writer?.flush() { writeError = failure }
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
            if resume?.createdID(row.index) != nil { continue }  // created before: already in the report
            if let problem {
                // Counted in the tally from the start (Importer.seed): only reported here.
                write(ReportLine(index: row.index, line: row.line, outcome: .failed, message: "invalid: \(problem)"), error: nil)
                writer?.flush()
                continue
            }
            guard let detail = row.detail else { continue }
            inFlight[row.index] = row.line
            counts.pulled += 1
            return SourceItem(index: row.index, detail: detail, checked: true)  // RowValidator ran Validation on it
        }
    }

    private func finished(_ record: RequestRecord, _ tally: Tally) -> Bool {
        if record.wasSent {
            counts.requests += 1
            counts.sent += record.items.count
        }
        for item in record.items {
            let line = inFlight.removeValue(forKey: item.index) ?? 0
            write(ReportLine(index: item.index, line: line, outcome: item.kind, instanceID: item.instanceID,
                             message: item.message, requestID: record.requestID), error: record.error)
        }
        if !interrupted { progress.update(done: tally.done, failed: tally.done - tally.created) }
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

    /// Keeps a sample of the rows not created; a request's error with a hint is worded in the CLI's terms.
    private func sample(_ line: ReportLine, error: BKCCError?) {
        let text = error?.hint != nil ? error.map(Importer.inCommandLineTerms) ?? line.message : line.message
        let message = "\(line.outcome.rawValue): \(text)"
        // Rows alike but for a quoted value (CMDB's duplicate message names it) are one sample.
        let shape = SendPass.shape(of: message)
        if let count = sampleCounts[shape] {
            sampleCounts[shape] = count + 1
        } else if failureSamples.count < 5 {
            sampleCounts[shape] = 1
            failureSamples.append(RowProblem(index: line.index, line: line.line, message: message))
        }
    }

    /// The samples, "(and N more like it)" added where rows share a message.
    var failureSummary: [RowProblem] {
        failureSamples.map { sample in
            var sample = sample
            if let count = sampleCounts[SendPass.shape(of: sample.message)], count > 1 {
                sample.message += " (and \(grouped(count - 1)) more like it)"
            }
            return sample
        }
    }

    /// A message with every "quoted value" made one placeholder.
    static func shape(of message: String) -> String {
        var result = ""
        var quoted = false
        for character in message {
            if character == "\"" {
                quoted.toggle()
                result.append(quoted ? "\"…" : "\"")
            } else if !quoted {
                result.append(character)
            }
        }
        return result
    }

    private func write(_ line: ReportLine, error: BKCCError?) {
        if line.outcome != .created { sample(line, error: error) }
        writer?.append(line)
    }
}
