import BKCC
import CCurl
import CJansson

/// `bkcc validate`: the checking pass alone. Problems stream to stdout as they are found.
public struct ValidateOptions {
    public var objectID: String
    public var input: String = "-"
    public var format: InputFormat?
    /// A CSV's encoding, a workbook's sheet.
    public var reading = ReadingOptions()
    public var uniqueField = "bk_asset_id"
    /// How many problems to list; 0 for all.
    public var maxProblems = 20
    public var outputJSON = false
    public var bufferSize = ByteSource.defaultBufferSize
    public var stdinFD: Int32 = 0
    /// The CMDB's model, when it was read: rows are checked against it and CSV columns typed by it.
    public var model: Model?
    /// Said before the rows: where the checks come from ("checked against model … from the CMDB: …").
    public var modelNote: String?

    public init(objectID: String, input: String = "-") {
        self.objectID = objectID
        self.input = input
    }
}

public func runValidate(_ options: ValidateOptions, console: Console) -> ExitStatus {
    do throws(BKCCError) {
        try Validation.checkObjectID(options.objectID)
    } catch {
        console.note("bkcc: error: --obj: " + error.message.replacingPrefix("bk_obj_id: ", with: ""))
        return .invalid
    }
    let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
    input.reading = options.reading
    if input.reading.notes == nil { input.reading.notes = InputNotes { console.note($0) } }
    let limit = options.maxProblems <= 0 ? Int.max : options.maxProblems
    var listed = 0
    let problems = options.outputJSON ? (try? JSON.array()) : nil
    if let note = options.modelNote, !options.outputJSON { console.print(note) }
    let check: CheckPass
    do throws(InputError) {
        check = try CheckPass.run(input: input, format: options.format, objectID: options.objectID, uniqueField: options.uniqueField, model: options.model, maxProblems: 0) { problem in
            guard listed < limit else { return }
            listed += 1
            if let problems {
                if let entry = try? JSON.object(["index": .integer(Int64(problem.index)), "line": .integer(Int64(problem.line)),
                                                 "message": .string(problem.message)]) {
                    try? problems.append(entry)
                }
            } else {
                console.print(problem.located(in: input.displayName))
            }
        }
    } catch {
        console.flush()
        console.note("bkcc: error: \(error)")
        if options.outputJSON, let object = try? JSON.object(["input": .string(input.displayName), "error": .string("\(error)"),
                                                                "exit_code": .integer(Int64(ExitStatus.invalid.rawValue))]) {
            console.print(JSONText.serialize(object))
        }
        return .invalid
    }
    let status: ExitStatus = check.invalid > 0 || check.rows == 0 ? .invalid : .ok
    if let problems {
        let object = try? JSON.object([
            "input": .string(input.displayName), "format": .string(check.format.rawValue), "rows": .integer(Int64(check.rows)),
            "invalid": .integer(Int64(check.invalid)), "problems": problems, "exit_code": .integer(Int64(status.rawValue)),
        ])
        if let object {
            let warnings = try? JSON.array()
            for warning in check.warnings { try? warnings?.append(.string(warning)) }
            if let warnings { try? object.set("warnings", warnings) }
            try? object.set("checked_against", .string(options.model == nil ? "offline rules" : "model"))
            if let note = options.modelNote { try? object.set("rules", .string(note)) }
            console.print(JSONText.serialize(object))
        }
    } else {
        for warning in check.warnings { console.print("warning: \(warning)") }
        if check.invalid > listed { console.print("… and \(grouped(check.invalid - listed)) more (--max-problems 0 lists all)") }
        if check.rows == 0 {
            console.print("\(input.displayName): no rows (\(check.format.rawValue)): nothing to import")
        } else {
            let verdict = check.invalid == 0 ? "all valid" : "\(grouped(check.invalid)) invalid"
            console.print("\(input.displayName): \(grouped(check.rows)) rows (\(check.format.rawValue)), \(verdict)")
        }
    }
    return status
}

/// `bkcc version`: bkcc's version and the C libraries it runs on.
public func versionText() -> String {
    let jansson = jansson_version_str().map { String(cString: $0) } ?? "?"
    // "libcurl/7.88.1 OpenSSL/3.0.19 …" → "libcurl 7.88.1 (OpenSSL/3.0.19 …)"
    let curl = curl_version().map { String(cString: $0) } ?? "libcurl/?"
    let (name, rest) = curl.firstIndex(of: " ").map { (String(curl[..<$0]), String(curl[curl.index(after: $0)...])) } ?? (curl, "")
    return "bkcc \(BKCCVersion.string)\njansson \(jansson)\n" + name.replacingOccurrences("/", " ") + (rest.isEmpty ? "" : " (\(rest))")
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
