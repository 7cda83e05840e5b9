import BKCC

extension Importer {
    /// `--resume`: settles the rows whose fate the report does not know (unknown, or not in it) before anything is
    /// sent: each found on the server by its unique field (a string or an integer) becomes created, with its id,
    /// and is not sent; the others are sent. The lookups run on the engine, up to the client's concurrency at once.
    func lookUp(_ state: inout ResumeState, input: InputFile, format: InputFormat, rows: Int, client: Client,
                counts: inout ImportCounts) throws(Stop) {
        let needed = (0..<rows).count { [.unknown, .absent].contains(state.fate($0)) }
        guard needed > 0 else { return }
        console.note("resume: looking up \(grouped(needed)) rows of unknown fate by \(options.uniqueField)")
        let failure: BKCCError?
        do throws(BKCCError) {
            failure = try lookUpRows(&state, input: input, format: format, client: client, counts: &counts)
        } catch {
            failure = error
        }
        if let failure {
            let status: ExitStatus = failure.status == .invalidArgument || failure.status == .validation ? .invalid : .failed
            throw Stop(status, "--resume: looking up rows of unknown fate by \(options.uniqueField) failed: \(failure.message); nothing was sent")
        }
    }

    /// Streams the unsettled rows' unique values into `Client.lookUp`; the first failed lookup, if any.
    private func lookUpRows(_ state: inout ResumeState, input: InputFile, format: InputFormat, client: Client,
                            counts: inout ImportCounts) throws(BKCCError) -> BKCCError? {
        let reader: RowReader
        do throws(InputError) { reader = format.reader(try input.open(), model: options.model) } catch { throw BKCCError(.invalidArgument, "\(error)") }
        var validator = options.rowValidator()
        var lines: [Int: Int] = [:]  // rows being looked up: index → line (bounded by the lookups in flight)
        var settled = state
        var found = 0
        let field = options.uniqueField
        let tally = try client.lookUp(objectID: options.objectID, field: field, transport: transport, next: { () throws(BKCCError) -> SourceItem? in
            while true {
                let row: InputRow?
                do throws(InputError) { row = try reader.next() } catch { throw BKCCError(.invalidArgument, "\(error)") }
                guard let row else { return nil }
                let problem = validator.check(row)
                guard [.unknown, .absent].contains(settled.fate(row.index)) else { continue }
                guard problem == nil, let value = row.detail?[field], let key = LookupOperation.key(value) else {
                    settled.set(row.index, .notCreated, line: row.line)
                    continue
                }
                lines[row.index] = row.line
                return SourceItem(index: row.index, detail: value.integer != nil ? value : try .string(key))
            }
        }, onRequest: { record, _ in
            for item in record.items {
                let line = lines.removeValue(forKey: item.index) ?? 0
                switch item.kind {
                case .created:
                    settled.set(item.index, item.instanceID.map { .created($0) } ?? .unknown, line: line)
                    found += 1
                case .notCreated:
                    settled.set(item.index, .notCreated, line: line)
                default:
                    break  // the lookup failed: the row stays unknown, and the resume stops
                }
            }
            return true
        })
        state = settled
        counts.found += found
        return tally.created + tally.notCreated == tally.total ? nil : (tally.cause ?? tally.error)
    }
}
