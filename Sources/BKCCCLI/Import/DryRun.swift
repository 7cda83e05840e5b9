import BKCC

extension Importer {
    /// `--dry-run`: the requests that would be sent, one JSON per line on stdout (secrets as ***), and a summary.
    /// With `--resume`, the rows the report holds created are left out, and the rows of unknown fate — which a
    /// real resume looks up first and sends only if not found — are counted, not shown. Exit 0 only when every
    /// row is valid (with `--skip-invalid`, invalid rows make it 2, as `validate` says).
    func dryRun(input: InputFile, check: CheckPass, resume: ResumeState?, client: Client) throws(Stop) -> ExitStatus {
        var requests = 0, rows = 0, unknown = 0, created = 0
        do {
            let reader = check.format.reader(try input.open(), model: options.model)
            var validator = options.rowValidator()
            var batch: [JSON] = []
            func flush() throws(Stop) {
                guard !batch.isEmpty else { return }
                defer { batch.removeAll(keepingCapacity: true) }
                do throws(BKCCError) {
                    let details = try JSON.array()
                    for detail in batch { try details.append(detail) }
                    let request = try client.builder.batchCreate(objectID: options.objectID, details: details)
                    console.print(JSONText.serialize(try request.redacted().json(), pretty: options.pretty))
                    requests += 1
                } catch {
                    throw Stop(.invalid, error.message)
                }
            }
            while let row = try reader.next() {
                guard validator.check(row) == nil, let detail = row.detail else { continue }
                if let resume {
                    switch resume.fate(row.index) {
                    case .created:
                        created += 1
                        continue
                    case .unknown, .absent:
                        unknown += 1
                        continue
                    case .notCreated:
                        break
                    }
                }
                batch.append(detail)
                rows += 1
                if batch.count >= BatchLimits.maxBatch { try flush() }
            }
            try flush()
        } catch let stop as Stop {
            throw stop
        } catch {
            throw Stop(.invalid, "\(error)")
        }
        let status: ExitStatus = check.invalid > 0 ? .invalid : .ok
        let skipped = check.invalid > 0 ? "; \(grouped(check.invalid)) invalid rows left out (--skip-invalid)" : ""
        var resumed = ""
        if resume != nil {
            resumed = "; resume: \(grouped(created)) rows created before (left out), \(grouped(unknown)) of unknown fate"
                + " (a resume looks them up first and sends those not found)"
        }
        console.note("dry run: \(grouped(rows)) rows in \(grouped(requests)) requests to \(client.configuration.url) (secrets shown as ***)\(skipped)\(resumed); nothing was sent")
        if options.outputJSON {
            // stdout holds the requests; the summary goes with them as a last line.
            var members: [(String, Int)] = [("rows", rows), ("requests", requests), ("invalid", check.invalid)]
            if resume != nil { members += [("already_created", created), ("to_look_up", unknown)] }
            members.append(("exit_code", Int(status.rawValue)))
            if let object = try? JSON.object(["dry_run": .bool(true)]) {
                for (key, value) in members { try? object.set(key, Int64(value)) }
                if let rules = options.rulesNote { try? object.set("rules", rules) }  // as an import's summary says
                console.print(JSONText.serialize(object))
            }
        }
        return status
    }
}
