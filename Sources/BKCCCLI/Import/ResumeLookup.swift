#if canImport(Glibc)
import Glibc
#endif
import BKCC

extension Importer {
    /// `--resume`, right after a kill: the run that wrote the report may have had requests in flight that the
    /// server is still working on. Until the last of them is over (its intent line's time plus that run's request
    /// timeout, both in the report) a lookup could miss a row it is about to store: wait that out first.
    func waitOutInFlight(_ state: ResumeState) throws(Stop) {
        guard state.hasUnansweredIntents else { return }
        let now = unixMilliseconds()
        guard state.inFlightUntilMs > now else { return }
        let seconds = Double(state.inFlightUntilMs - now) / 1000
        console.note("resume: the run that wrote \(options.resumePath ?? "the report") (process \(state.lastPid)) was stopped with requests in flight; "
                     + "waiting \(humanDuration(seconds: seconds)) (its request timeout) for them to end before looking their rows up")
        while unixMilliseconds() < state.inFlightUntilMs {
            if interruptedBy != 0 { throw Stop(.stopped(by: interruptedBy), "interrupted (\(signalName(interruptedBy))) while waiting; nothing was sent") }
            usleep(50_000)
        }
    }

    /// `--resume`: settles the rows whose fate the report does not know (unknown, or not in it) before anything is
    /// sent: each found on the server by its unique field (a string or an integer) becomes created, with its id,
    /// is written to the report, and is not sent; the others are sent. The lookups run on the engine, up to the
    /// client's concurrency at once, with a progress bar on a terminal.
    func lookUp(_ state: inout ResumeState, input: InputFile, check: CheckPass, client: Client, writer: ReportWriter?,
                counts: inout ImportCounts) throws(Stop) {
        let needed = state.unsettled
        guard needed > 0 else { return }
        console.note("resume: looking up \(grouped(needed)) rows of unknown fate by \(options.uniqueField)")
        let progress = ProgressBar(console: console, total: needed, enabled: options.progress ?? console.stderrIsTerminal, clock: clock)
        let failure: BKCCError?
        do throws(BKCCError) {
            failure = try lookUpRows(&state, input: input, check: check, client: client, writer: writer, progress: progress,
                                     counts: &counts)
        } catch {
            failure = error
        }
        progress.finish()
        if let failure = writer?.flush() { throw Stop(.partial, "cannot write the report \(writer?.path ?? ""): \(failure); nothing was sent") }
        if interruptedBy != 0 {
            throw Stop(.stopped(by: interruptedBy), "interrupted (\(signalName(interruptedBy))) while looking rows up; nothing was sent")
        }
        if let failure {
            let status: ExitStatus = failure.status == .invalidArgument || failure.status == .validation ? .invalid : .failed
            throw Stop(status, "--resume: looking up rows of unknown fate by \(options.uniqueField) failed: \(failure.message); nothing was sent")
        }
    }

    /// Streams the unsettled rows' unique values into `Client.lookUp`; the first failed lookup, if any.
    private func lookUpRows(_ state: inout ResumeState, input: InputFile, check: CheckPass, client: Client, writer: ReportWriter?,
                            progress: ProgressBar, counts: inout ImportCounts) throws(BKCCError) -> BKCCError? {
        let reader: RowReader
        do throws(InputError) { reader = check.format.reader(try input.open(), model: options.model) } catch { throw BKCCError(.invalidArgument, "\(error)") }
        let digester = RowDigest()
        var pending: [Int: (line: Int, key: String, digest: UInt64)] = [:]  // bounded by the lookups in flight
        var settled = state
        var found = 0, done = 0
        let field = options.uniqueField
        let displayName = input.displayName
        let tally = try client.lookUp(objectID: options.objectID, field: field, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
            while true {
                let row: InputRow?
                do throws(InputError) { row = try reader.next() } catch { throw BKCCError(.invalidArgument, "\(error)") }
                guard let row else { return nil }
                let problem = check.invalidRows[row.index]
                guard [.unknown, .absent].contains(settled.fate(row.index)) else { continue }
                let key = RowDigest.key(row, field: field)
                let digest = digester.digest(row)
                guard check.prints.matches(row.index, RowPrints.print(key: key, digest: digest)) else {
                    throw BKCCError(.invalidArgument, "\(displayName) changed while it was imported: line \(row.line) differs from what the check read")
                }
                guard problem == nil, let value = row.detail?[field], !key.isEmpty else {
                    settled.set(row.index, .notCreated)
                    continue
                }
                pending[row.index] = (row.line, key, digest)
                return SourceItem(index: row.index, detail: value.integer != nil ? value : try .string(key))
            }
        }, onRequest: { record, _ in
            for item in record.items {
                let row = pending.removeValue(forKey: item.index)
                done += 1
                switch item.kind {
                case .created:
                    settled.set(item.index, item.instanceID.map { .created($0) } ?? .unknown)
                    found += 1
                    if let row, let id = item.instanceID {
                        writer?.append(ReportLine(index: item.index, line: row.line, key: row.key, digest: row.digest, outcome: .created,
                                                  instanceID: id, message: "", requestID: record.requestID))
                    }
                case .notCreated:
                    settled.set(item.index, .notCreated)
                default:
                    break  // the lookup failed: the row stays unknown, and the resume stops
                }
            }
            progress.update(done: done, failed: 0)
            if writer?.flush() != nil { return false }
            return interruptedBy == 0
        })
        state = settled
        counts.found += found
        return tally.created + tally.notCreated == tally.total ? nil : (tally.cause ?? tally.error)
    }
}
