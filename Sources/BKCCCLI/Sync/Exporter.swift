#if canImport(Glibc)
import Glibc
#endif
import BKCC

/// What `bkcc export` was asked to do.
public struct ExportOptions {
    public enum Format: String, CaseIterable, Sendable { case csv, jsonl, json, xlsx }

    public var objectID: String
    /// The attributes to write, in this order; nil: every attribute of the model, in its order.
    public var fields: [String]?
    public var filter: [(field: String, value: JSON)] = []
    public var format: Format = .csv
    /// A path; nil: standard output.
    public var output: String?
    /// CSV header cells as display names instead of ids.
    public var headerNames = false
    public var progress = false

    public init(objectID: String) { self.objectID = objectID }
}

/// `bkcc export`: every instance of a model, streamed through the paged search (each exactly once, a page in
/// memory at a time), written as CSV (the model's attribute order, `bk_inst_id` first), JSON Lines, a JSON array or
/// an .xlsx workbook (one sheet named for the model, the same columns as CSV; needs `-o FILE`).
/// What it writes reads back: `validate`, `batch-create-inst` and `sync` take it as it is (CSV cells converted by the
/// model: numbers, booleans, enum ids, lists as comma-separated ids).
public func runExport(_ options: ExportOptions, model: Model, client: Client, console: Console,
                      transport: (any Transport)? = nil) -> ExitStatus {
    var fields = options.fields ?? model.attributes.map(\.id)
    if let unknown = fields.first(where: { $0 != "bk_inst_id" && model.attribute($0) == nil }) {
        console.note("bkcc: error: --fields: \"\(printable(unknown, limit: 64))\" is not an attribute of \(model.objectID) (bkcc model --obj \(model.objectID) lists them)")
        return .invalid
    }
    fields.removeAll { $0 == "bk_inst_id" }
    fields.insert("bk_inst_id", at: 0)
    let header = fields.map { options.headerNames ? (model.attribute($0)?.name ?? $0) : $0 }
    if options.format == .xlsx { return exportWorkbook(options, fields: fields, header: header, model: model, client: client, console: console, transport: transport) }
    let writer: FileWriter
    if let path = options.output {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            console.note("bkcc: error: -o \(path): cannot open: \(systemError())")
            return .invalid
        }
        writer = FileWriter(fd: fd, owns: true)
    } else {
        console.flush()
        writer = FileWriter(fd: 1)
    }
    switch options.format {
    case .csv: writer.write(header.map(csvField).joined(separator: ",") + "\n")
    case .json: writer.write("[")
    case .jsonl, .xlsx: break
    }
    var count = 0
    let query = SearchQuery(fields: fields, filter: options.filter)
    let error = client.searchInstances(objectID: model.objectID, query: query, transport: transport) { page in
        for instance in page {
            switch options.format {
            case .csv:
                writer.write(fields.map { csvField(cellText(instance[$0])) }.joined(separator: ",") + "\n")
            case .jsonl, .json, .xlsx:
                guard let object = try? JSON.object() else { continue }
                for field in fields { if let value = instance[field] { try? object.set(field, value) } }
                let text = JSONText.serialize(object)
                writer.write(options.format == .json ? (count == 0 ? "\n" : ",\n") + text : text + "\n")
            }
            count += 1
        }
        if options.progress { console.rawError("\rexporting \(model.objectID): \(grouped(count)) instances\u{1B}[K") }
        return writer.failure == nil
    }
    if options.format == .json { writer.write(count == 0 ? "]\n" : "\n]\n") }
    writer.flush()
    if options.progress { console.rawError("\r\u{1B}[K") }
    if let failure = writer.failure {
        console.note("bkcc: error: writing \(options.output ?? "standard output"): \(failure)")
        return .failed
    }
    if let error {
        console.note("bkcc: error: export of \(model.objectID) stopped after \(grouped(count)) instances: \(error.advised)")
        return .failed
    }
    console.note("exported \(grouped(count)) instances of \(model.objectID)" + (options.output.map { " to \($0)" } ?? ""))
    return .ok
}

/// The .xlsx form of `runExport`: rows into an `XLSXWriter`, the workbook written once the search is complete.
private func exportWorkbook(_ options: ExportOptions, fields: [String], header: [String], model: Model, client: Client,
                            console: Console, transport: (any Transport)?) -> ExitStatus {
    guard let path = options.output else {
        console.note("bkcc: error: --format xlsx writes a file: give -o FILE")
        return .invalid
    }
    let writer: XLSXWriter
    do throws(InputError) { writer = try XLSXWriter(path: path, sheetName: model.objectID) } catch {
        console.note("bkcc: error: \(error)")
        return .invalid
    }
    writer.row(header.map { try? JSON.string($0) })
    var count = 0
    let error = client.searchInstances(objectID: model.objectID, query: SearchQuery(fields: fields, filter: options.filter),
                                       transport: transport) { page in
        for instance in page {
            writer.row(fields.map { field -> JSON? in
                guard let value = instance[field] else { return nil }
                return value.isArray || value.isObject ? try? JSON.string(cellText(value)) : value
            })
            count += 1
        }
        if options.progress { console.rawError("\rexporting \(model.objectID): \(grouped(count)) instances\u{1B}[K") }
        return true
    }
    if options.progress { console.rawError("\r\u{1B}[K") }
    if let error {
        console.note("bkcc: error: export of \(model.objectID) stopped after \(grouped(count)) instances: \(error.advised); \(path) was not written")
        return .failed
    }
    do throws(InputError) { try writer.finish() } catch {
        console.note("bkcc: error: \(error)")
        return .failed
    }
    console.note("exported \(grouped(count)) instances of \(model.objectID) to \(path)")
    return .ok
}

/// A stored value as a CSV cell that reads back to it: strings as they are, numbers and booleans as JSON writes
/// them, a list (enummulti, organization) as comma-separated values, nothing for null.
func cellText(_ value: JSON?) -> String {
    guard let value, !value.isNull else { return "" }
    if let text = value.string { return text }
    if value.isArray, value.elements.allSatisfy({ $0.string != nil || $0.integer != nil }) {
        return value.elements.map { $0.string ?? $0.integer.map(String.init) ?? "" }.joined(separator: ",")
    }
    return value.serialized() ?? ""
}
