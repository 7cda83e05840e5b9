#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// The second pass: rows streamed from the input to the batch runner, outcomes streamed to the report, the
/// progress bar and the counts. Every row read is checked against what the check pass spooled of it (`RowSpool`):
/// a row that differs (the file changed meanwhile) stops the pass before it is sent. Rows already created (resume) are
/// passed over; invalid rows (`--skip-invalid`) are reported failed without being sent. Before each attempt of a
/// request goes out (its first, and each retry), its rows are written to the report as an intent line.
final class SendPass {
    let importer: Importer
    let input: InputFile
    let format: InputFormat
    let resume: ResumeState?
    let writer: ReportWriter?
    /// The check pass's entry of each row, read in step with the rows.
    let spool: RowSpool
    /// Not checked for exclusivity at run time (@exclusivity(unchecked)), as the rows in flight below: changed by
    /// `nextItem` and `finished` only, one at a time (a check a row was ~100 instructions).
    @exclusivity(unchecked) var counts: ImportCounts
    let progress: ProgressBar

    /// The check pass's verdicts on the invalid rows (every row read here is verified to be the row it checked).
    private let invalidRows: [Int: String]
    private let digester = RowDigest()
    /// The field each row's lookup key is of (read once: `importer.options` is a struct with the model in it).
    private let uniqueField: String
    /// What the report line of a row in flight needs.
    private struct Pulled {
        var index: Int
        var line: Int
        /// Its lookup key's bytes in its request's `keys` (empty: none).
        var key: Range<Int>
        var digest: UInt64
        var integerKey: Bool
    }
    /// A request's rows, in the order pulled, their keys' bytes (one buffer a request, not a String a row) and
    /// their texts (one buffer a request, not an array a row: `TextRun`).
    private struct Request {
        var rows: [Pulled] = []
        var keys: [UInt8] = []
        var texts: TextRun

        init(textCapacity: Int) { texts = TextRun(capacity: textCapacity) }

        /// The key in `range` of `keys`, as a String (the rare lines that need one).
        func key(_ range: Range<Int>) -> String { String(decoding: keys[range], as: UTF8.self) }
    }
    // The rows being pulled and in flight are not checked for exclusivity at run time (@exclusivity(unchecked)):
    // only `nextItem`, `started` and `finished` touch them, which the engine calls one at a time, none from
    // inside another.
    /// The rows of the request being pulled.
    @exclusivity(unchecked) private var pulling = Request(textCapacity: 64 * 1024)
    /// The reader, when it writes rows' texts into `pulling.texts` (`TextRowReader.textSink`).
    @exclusivity(unchecked) private var textReader: TextRowReader?
    /// Each request in flight, by its first row's index: the engine pulls a request's rows one after another and
    /// reports them in that order (a table a row, by index, was ~600 instructions a row).
    @exclusivity(unchecked) private var inFlight: [Int: Request] = [:]
    @exclusivity(unchecked) private var rowsRead = 0
    private(set) var readError: InputError?
    /// The input changed between the passes (a row differs, or there are more or fewer rows).
    private(set) var inputChanged = false
    /// The signal that interrupted the pass, 0 if none.
    private(set) var interrupted: Int32 = 0
    /// The first rows not created, one per distinct message (at most 5), each with how many rows share it.
    private(set) var failureSamples: [RowProblem] = []
    private var sampleCounts: [String: Int] = [:]
    private(set) var writeError: String?
    /// Rows of unknown fate before this run that the server refused as duplicated: looked up once more after
    /// the pass (the earlier run created them after all), their failed lines held back until then.
    private var held: [(line: ReportLine, integerKey: Bool)] = []

    init(importer: Importer, input: InputFile, format: InputFormat, resume: ResumeState?, writer: ReportWriter?,
         spool: RowSpool, invalidRows: [Int: String], counts: ImportCounts, enabled: Bool) {
        self.importer = importer
        self.input = input
        self.format = format
        self.resume = resume
        self.writer = writer
        self.spool = spool
        self.counts = counts
        self.invalidRows = invalidRows
        uniqueField = importer.options.uniqueField
        progress = ProgressBar(console: importer.console, total: counts.rows, baseline: counts.tally.done, enabled: enabled,
                               clock: importer.clock)
    }

    /// Sends every row still to send; `counts.tally` ends with every row's outcome.
    func run(client: Client) {
        let reader: RowReader
        do throws(InputError) {
            reader = format.reader(try input.open(), model: importer.options.model)
            // Rows are not parsed again: each row's bytes are hashed as they are read, and a row the check pass
            // read from the same bytes takes its digest and key from the spool; its text (a JSON row's own, a CSV
            // row's written from its cells) is sent as it is.
            (reader as? TextRowReader)?.givesText = true
            (reader as? TextRowReader)?.hashesRows = true
            textReader = reader as? TextRowReader
            textReader?.textSink = pulling.texts
            let invalidRows = invalidRows
            (reader as? CSVRowReader)?.foundValid = invalidRows.isEmpty ? .every : .those { invalidRows[$0] == nil }
        } catch {
            readError = error
            accountForUnread()
            return
        }
        progress.update(done: counts.tally.done, failed: counts.tally.done - counts.tally.created, force: true)
        do throws(BKCCError) {
            counts.tally = try client.createInstances(objectID: importer.options.objectID, tally: counts.tally,
                                                      transport: importer.transport,
                                                      // the reader held by the closure and lent to each call
                                                      // (a property read into a local was a retain a row)
                                                      next: { () throws(BKCCError) -> SourceItem? in try self.nextItem(reader) },
                                                      onStart: { items in self.started(items) },
                                                      onRequest: { record, tally in self.finished(record, tally) })
        } catch {
            readError = readError ?? InputError(path: input.displayName, error.message)
        }
        progress.finish()
        if !held.isEmpty { lookUpDuplicates(client: client) }
        accountForUnread()
        if let failure = writer?.flush(), writeError == nil { writeError = failure }
    }

    /// Rows never read (the input failed or changed): skipped, so that every row of the check pass has an outcome.
    private func accountForUnread() {
        let unread = counts.rows - counts.tally.total
        for _ in 0..<max(0, unread) { counts.tally.count(.skipped) }
    }

    private func nextItem(_ reader: RowReader) throws(BKCCError) -> SourceItem? {
        while true {
            var read: InputRow?
            do throws(InputError) {
                read = try reader.next()
            } catch {
                throw stop(error)
            }
            guard var row = read.take() else {  // taken, not copied (a copy was a retain and a release of its text)
                if rowsRead < spool.count {
                    changed(InputError(path: input.displayName, "changed while it was imported: it ends after \(grouped(rowsRead)) rows, the check read \(grouped(spool.count)); the rows not read were not sent"))
                }
                closeRequest()
                return nil
            }
            rowsRead += 1
            guard let entry = spool.next() else {
                if let failure = spool.readFailure {
                    throw stop(InputError(path: input.displayName, "cannot read a temporary file back (TMPDIR): \(failure); the rows after line \(row.line - 1) were not sent"))
                }
                throw stop(changed: InputError(path: input.displayName, "changed while it was imported: line \(row.line) was not there when it was checked; it and the rows after it were not sent"))
            }
            let keyStart = pulling.keys.count
            // The row's text in the request's buffer: put there by the reader, or copied there now.
            let texts = pulling.texts
            let textStart = texts.count
            var text = row.textInSink ?? row.text.map { bytes in bytes.withUnsafeBytes { texts.append($0) } }
            let digest: UInt64, key: Range<Int>, integerKey: Bool, same: Bool
            if entry.hashed, let hash = textReader?.rowHash {
                // Read from the bytes the check pass read (or not, and it stops below): its digest and key are the
                // spool's. A JSON row the check pass parsed rather than read flat goes out as it is when the scan
                // is sure of it as jansson reads it (nested values), else parsed again, its value sent.
                same = UInt32(truncatingIfNeeded: hash) == entry.hash
                if same, !entry.sendsText, let range = text, invalidRows.isEmpty || invalidRows[row.index] == nil {
                    let sure = texts.withBytes(range) {
                        ValueDigest.scan($0, member: uniqueField, checkingUTF8: false, keys: &pulling.keys)
                    } != nil
                    pulling.keys.removeSubrange(keyStart...)
                    if !sure {
                        parseInstead(&row, texts, range, from: textStart)
                        text = nil
                    }
                }
                digest = entry.digest
                pulling.keys.append(contentsOf: entry.key)
                key = keyStart..<pulling.keys.count
                integerKey = entry.integerKey
            } else {
                // No hash of its bytes (a JSON array's row, a worksheet's typed cells): the row is known again by
                // its digest and key, worked out again. A row the check pass found invalid is parsed as it parsed
                // it (the scan would read a repeated key, which jansson refuses); a valid one is scanned.
                var scanned: (digest: UInt64, key: ValueDigest.Key?)?
                if let range = text {
                    if invalidRows.isEmpty || invalidRows[row.index] == nil {
                        scanned = texts.withBytes(range) {
                            ValueDigest.scan($0, member: uniqueField, checkingUTF8: false, keys: &pulling.keys)
                        }
                    }
                    if scanned == nil {
                        // What the scan is not sure of (a real, a row that is not JSON…) is parsed as the check pass
                        // parsed it; a row it could not read has the problem it found (its digest is of that text).
                        parseInstead(&row, texts, range, from: textStart)
                        text = nil
                    }
                }
                if let scanned {
                    key = scanned.key?.range ?? keyStart..<keyStart
                    integerKey = scanned.key?.isInteger ?? false
                } else {
                    let keyValue = row.detail?[uniqueField]
                    pulling.keys.append(contentsOf: (keyValue.flatMap(LookupOperation.key) ?? "").utf8)
                    key = keyStart..<pulling.keys.count
                    integerKey = keyValue?.integer != nil
                }
                digest = scanned?.digest ?? digester.digest(row)
                same = digest == entry.digest && pulling.keys[key].elementsEqual(entry.key)
            }
            guard same else {
                throw stop(changed: InputError(path: input.displayName, "changed while it was imported: line \(row.line) differs from what the check read; it and the rows after it were not sent"))
            }
            let problem = invalidRows.isEmpty ? nil : invalidRows[row.index]
            if resume?.createdID(row.index) != nil {  // created before: already in the report
                pulling.keys.removeSubrange(keyStart...)
                texts.removeAll(from: textStart)
                continue
            }
            if let problem {
                // Counted in the tally from the start (Importer.seed): only reported here.
                let keyText = pulling.key(key)
                pulling.keys.removeSubrange(keyStart...)
                texts.removeAll(from: textStart)
                write(ReportLine(index: row.index, line: row.line, key: keyText, digest: digest, outcome: .failed,
                                 message: "invalid: \(problem)"), error: nil)
                writer?.flush()
                continue
            }
            let item: SourceItem
            if let text {
                // verified: the row the check pass checked
                item = SourceItem(index: row.index, checkedText: TextSpan(run: texts, range: text))
            } else if let detail = row.detail {
                item = SourceItem(index: row.index, detail: detail, checked: true)  // the check pass ran Validation on it
            } else {
                pulling.keys.removeSubrange(keyStart...)
                texts.removeAll(from: textStart)
                continue
            }
            pulling.rows.append(Pulled(index: row.index, line: row.line, key: key, digest: digest, integerKey: integerKey))
            counts.pulled += 1
            // The engine pulls a request's rows one after another: its last row closes it.
            if pulling.rows.count >= CreateOperation().itemsPerRequest { closeRequest() }
            return item
        }
    }

    /// `row`'s text (`range` of `texts`) parsed as the check pass parsed it: its value is sent, not its text, which
    /// is cut from `texts` (back to `textStart`). A row that does not parse has the problem the check pass found.
    private func parseInstead(_ row: inout InputRow, _ texts: TextRun, _ range: Range<Int>, from textStart: Int) {
        switch texts.withBytes(range, { JSONText.parse($0) }) {
        case .success(let value): row.detail = value
        case .failure: row.problem = invalidRows[row.index] ?? "not valid JSON"
        }
        row.text = nil
        texts.removeAll(from: textStart)
    }

    private func changed(_ error: InputError) {
        inputChanged = true
        readError = error
    }

    /// The pass stops at a row before sending it: `error` kept for the summary, the rows pulled so far closed as
    /// a request, and the error to throw to the engine, which sends nothing more (its text is `error`'s).
    private func stop(_ error: InputError) -> BKCCError {
        readError = error
        closeRequest()
        return BKCCError(.invalidArgument, "\(error)")
    }

    /// The same, the input having changed since the check pass.
    private func stop(changed error: InputError) -> BKCCError {
        inputChanged = true
        return stop(error)
    }

    /// The rows pulled so far are a request: kept until it finished (`finished`), by its first row's index.
    private func closeRequest() {
        guard let first = pulling.rows.first else { return }
        inFlight[first.index] = pulling
        // Room for a request like this one, so that the next one's texts are not copied as their buffer grows.
        pulling = Request(textCapacity: pulling.texts.count + pulling.texts.count / 4)
        textReader?.textSink = pulling.texts
    }

    /// An attempt of a request is about to start: its intent line, written and flushed; false (not sent) when the
    /// report cannot be written. Written at each attempt, not when the rows were pulled: a resume after a kill
    /// waits out `at` + the timeout, and a retry starts later than its request was pulled (a Retry-After, a
    /// backoff), so its window runs from its own start.
    private func started(_ items: [SourceItem]) -> Bool {
        guard writeError == nil else { return false }
        if let failure = writer?.sending(items.map(\.index)) {
            writeError = failure
            importer.console.note("bkcc: error: cannot write the report \(writer?.path ?? ""): \(failure); stopping")
            return false
        }
        return true
    }

    private func finished(_ record: RequestRecord, _ tally: Tally) -> Bool {
        if record.wasSent {
            counts.requests += 1
            // Rows of a request that never reached the server (a connection refused) were not sent.
            counts.sent += record.items.count { $0.kind != .skipped }
        }
        let quotedID = JSONQuote.quotedBytes(record.requestID)
        let request = record.items.first.flatMap { inFlight.removeValue(forKey: $0.index) } ?? Request(textCapacity: 0)
        let rows = request.rows
        let writer = self.writer  // read once a request (`write`)
        // The keys' buffer opened once for the request, not once a row.
        request.keys.withUnsafeBytes { keys in
            for (position, item) in record.items.enumerated() {
                // The request's rows in the order pulled; searched for if ever not (no row is given another's line).
                let pulled = position < rows.count && rows[position].index == item.index ? rows[position]
                    : rows.first { $0.index == item.index }
                // The request id goes in as `quotedID`, not as the line's own String (a retain and a release of its
                // storage a row); only a held line, written later, keeps it.
                var line = ReportLine(index: item.index, line: pulled?.line ?? 0, digest: pulled?.digest ?? 0, outcome: item.kind,
                                      instanceID: item.instanceID, message: item.message)
                if item.kind == .failed, let pulled, !pulled.key.isEmpty, resume?.wasUnknown(item.index) == true,
                   SendPass.isDuplicate(item.message) {
                    line.key = request.key(pulled.key)
                    line.requestID = record.requestID
                    held.append((line, pulled.integerKey))
                    continue
                }
                let key = pulled.map { UnsafeRawBufferPointer(rebasing: keys[$0.key]) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
                write(line, key: key, error: record.error, quotedRequestID: quotedID, to: writer)
            }
        }
        if interrupted == 0 { progress.update(done: tally.done, failed: tally.done - tally.created) }
        if let failure = writer?.flush(), writeError == nil {
            writeError = failure
            importer.console.note("bkcc: error: cannot write the report \(writer?.path ?? ""): \(failure); stopping")
        }
        if writeError != nil { return false }
        if interruptedBy != 0, interrupted == 0 {
            interrupted = interruptedBy
            progress.finish()
            importer.console.note("bkcc: interrupted (\(signalName(interrupted))): letting requests in flight finish, skipping the rest (again to stop waiting)")
        }
        return interrupted == 0
    }

    /// CMDB's answer for a value its unique rule already holds (English or Chinese, code 1199014).
    static func isDuplicate(_ message: String) -> Bool {
        message.contains("duplicated") || message.contains("重复") || message.contains("1199014")
    }

    /// The held duplicated rows, looked up by their key: found ones are created (found), the others failed.
    private func lookUpDuplicates(client: Client) {
        var queue = held[...]
        var byIndex: [Int: ReportLine] = [:]
        for entry in held { byIndex[entry.line.index] = entry.line }
        held.removeAll()
        _ = try? client.lookUp(objectID: importer.options.objectID, field: uniqueField, transport: importer.transport, next: { () throws(BKCCError) -> SourceItem? in
            guard let entry = queue.popFirst() else { return nil }
            let value: JSON = entry.integerKey ? try .integer(Int64(entry.line.key) ?? 0) : try .string(entry.line.key)
            return SourceItem(index: entry.line.index, detail: value)
        }, onRequest: { record, _ in
            for item in record.items {
                guard var line = byIndex.removeValue(forKey: item.index) else { continue }
                if item.kind == .created, let id = item.instanceID {
                    self.counts.tally.uncount(.failed)
                    self.counts.tally.count(.created)
                    self.counts.found += 1
                    line.outcome = .created
                    line.instanceID = id
                    line.message = ""
                    line.requestID = record.requestID
                }
                self.write(line, error: nil)
            }
            return true
        })
        for line in byIndex.values.sorted(by: { $0.index < $1.index }) { write(line, error: nil) }  // the lookup failed
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

    /// `key`: the line's key bytes when not its own `key` (a row in flight's, in its request's buffer).
    private func write(_ line: ReportLine, error: BKCCError?) {
        write(line, key: nil, error: error, quotedRequestID: JSONQuote.quotedBytes(line.requestID), to: writer)
    }

    /// A row's line: sampled when the row was not created, appended to the report. A request's rows come with
    /// its id quoted once and the writer read once (an Optional id, or the property read a row, was a retain and
    /// a release a row: atomic operations).
    private func write(_ line: ReportLine, key: UnsafeRawBufferPointer?, error: BKCCError?, quotedRequestID: [UInt8],
                       to writer: ReportWriter?) {
        if line.outcome != .created { sample(line, error: error) }
        writer?.append(line, key: key, quotedRequestID: quotedRequestID)
    }
}
