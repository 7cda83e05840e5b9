import BKCC

extension Importer {
    /// `--dry-run`: the requests that would be sent, one JSON per line on stdout (secrets as ***), and a summary.
    func dryRun(input: InputFile, check: CheckPass, client: Client) throws(Stop) -> ExitStatus {
        var requests = 0, rows = 0
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
}
