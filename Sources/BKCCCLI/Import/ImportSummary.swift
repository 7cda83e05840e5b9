import BKCC

extension Importer {
    /// The end of an import: the summary (text, or JSON with `--output json`) and the exit code.
    func finish(send: SendPass, resume: ResumeState?, elapsed: Double, input: InputFile) -> ExitStatus {
        let counts = send.counts
        var status = ExitPolicy.exitStatus(counts, interrupted: send.interrupted != 0, inputFailed: send.readError != nil)
        let cause: String?
        if let writeError = send.writeError {
            cause = "cannot write the report \(options.reportPath ?? ""): \(writeError)"
            if status == .ok { status = .partial }
        } else if send.interrupted != 0 {
            cause = "interrupted (\(signalName(send.interrupted))): requests in flight finished, the rest was skipped"
        } else if let readError = send.readError {
            cause = "\(readError)"
            if send.inputChanged { status = .partial }
        } else {
            cause = status == .ok ? nil : (counts.tally.cause ?? counts.tally.error).map(Importer.inCommandLineTerms)
        }
        if send.interrupted != 0 { status = .stopped(by: send.interrupted) }
        console.flush()
        if options.outputJSON {
            console.print(JSONText.serialize(summaryJSON(counts, status: status, cause: cause, elapsed: elapsed, input: input,
                                                         format: send.format)))
        } else {
            for line in Importer.summaryLines(counts, objectID: options.objectID, elapsed: elapsed, cause: cause,
                                              samples: send.failureSummary, report: options.reportPath,
                                              interrupted: send.interrupted != 0, changed: resume?.changed ?? []) {
                console.print(line)
            }
        }
        return status
    }

    /// An error as the command line says it: the library's message, with the advice its hint calls for in the
    /// CLI's own terms (its flags, not the library's configuration keys).
    static func inCommandLineTerms(_ error: BKCCError) -> String {
        switch error.hint {
        case .tlsCertificate: "\(error.message); pass --ca-file FILE (the CA that signed it), or --insecure to skip the check"
        case .lookUp, .unknownModel, nil: error.advised
        }
    }

    /// The human summary: a headline, then what to know about the rows not created.
    public static func summaryLines(_ counts: ImportCounts, objectID: String, elapsed: Double, cause: String?,
                                    samples: [RowProblem], report: String?, interrupted: Bool = false,
                                    changed: [(index: Int, line: Int)] = []) -> [String] {
        let tally = counts.tally
        var lines = [headline(counts, objectID: objectID, elapsed: elapsed)]
        if counts.alreadyCreated > 0 || counts.found > 0 {
            var parts = ["\(grouped(counts.alreadyCreated)) created before"]
            if counts.found > 0 { parts.append("\(grouped(counts.found)) found on the server by lookup (not sent again)") }
            parts.append("\(grouped(counts.sent)) sent now")
            lines.append("  resumed: " + parts.joined(separator: ", "))
        }
        if !changed.isEmpty {
            lines.append("  changed: \(grouped(changed.count)) rows created before differ from the input now (not sent again): "
                         + changed.prefix(5).map { "line \($0.line)" }.joined(separator: ", ") + (changed.count > 5 ? ", …" : ""))
        }
        if tally.invalid > 0 { lines.append("  \(grouped(tally.invalid)) invalid rows were not sent (--skip-invalid)") }
        if interrupted { lines.append("  interrupted: requests in flight finished, the rest was skipped") }
        if tally.unknown > 0 {
            lines.append("  unknown: sent but unanswered; --resume looks them up by their unique field before sending anything again")
        }
        if let cause, tally.created < counts.rows { lines.append("  cause: \(cause)") }
        if !samples.isEmpty {
            lines.append("  first rows not created:")
            for sample in samples { lines.append("    \(sample.text)") }
        }
        if let report {
            lines.append(tally.created < counts.rows ? "report: \(report) (finish with: --resume \(report))" : "report: \(report)")
        } else if tally.created < counts.rows {
            lines.append("(no report: pass --report FILE to keep each row's outcome and resume later)")
        }
        return lines
    }

    /// "bk_switch: 990 of 1,000 rows created, 10 failed (1.2 s, 830 rows/s)".
    private static func headline(_ counts: ImportCounts, objectID: String, elapsed: Double) -> String {
        let tally = counts.tally
        var headline = "\(objectID): \(grouped(tally.created)) of \(grouped(counts.rows)) rows created"
        var others: [String] = []
        if tally.failed > 0 { others.append("\(grouped(tally.failed)) failed") }
        if tally.unknown > 0 { others.append("\(grouped(tally.unknown)) unknown") }
        if tally.skipped > 0 { others.append("\(grouped(tally.skipped)) skipped") }
        if !others.isEmpty { headline += ", " + others.joined(separator: ", ") }
        let rate = elapsed >= 0.5 && counts.sent >= 100 ? ", \(grouped(Int((Double(counts.sent) / elapsed).rounded()))) rows/s" : ""
        return headline + " (\(humanDuration(seconds: elapsed))\(rate))"
    }

    private func summaryJSON(_ counts: ImportCounts, status: ExitStatus, cause: String?, elapsed: Double, input: InputFile,
                             format: InputFormat) -> JSON {
        let object = (try? JSON.object()) ?? .null
        let tally = counts.tally
        let integers: [(String, Int)] = [
            ("total", counts.rows), ("created", tally.created), ("failed", tally.failed), ("unknown", tally.unknown),
            ("skipped", tally.skipped), ("already_created", counts.alreadyCreated), ("found", counts.found),
            ("invalid", tally.invalid), ("changed", counts.changed), ("sent", counts.sent), ("requests", counts.requests),
            ("elapsed_ms", Int((elapsed * 1000).rounded())), ("exit_code", Int(status.rawValue)),
        ]
        try? object.set("object", options.objectID)
        try? object.set("input", input.displayName)
        try? object.set("format", format.rawValue)
        for (key, value) in integers { try? object.set(key, value) }
        try? object.set("status", ExitPolicy.status(counts, exit: status).name)
        try? object.set("message", cause ?? "")
        try? object.set("report", options.reportPath.map { (try? JSON.string($0)) ?? .null } ?? .null)
        if let rules = options.rulesNote { try? object.set("rules", rules) }
        return object
    }
}
