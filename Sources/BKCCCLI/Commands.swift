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
    /// Set when `model` is a guess (the model kept from an earlier run) while the CMDB is asked for its own: waits
    /// for that answer; `noteOnStdout` false when its note was a warning, said on stderr. The rows are checked
    /// against the guess meanwhile, and what that check would print is held back until the answer says it stands
    /// (the same model, byte for byte), else they are checked again by what the CMDB said.
    public var settleRules: (() -> (settled: RulesSettled, noteOnStdout: Bool))?

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
    // One input for every pass: standard input (or a pipe) is spooled once, and read again from there.
    let input = InputFile(path: options.input, bufferSize: options.bufferSize, stdinFD: options.stdinFD)
    input.reading = options.reading
    if input.reading.notes == nil { input.reading.notes = InputNotes { console.note($0) } }
    guard let settle = options.settleRules else { return ValidateRun(options, input, console, holding: false).finish(options) }
    // Against the guess, its output held (at most --max-problems lines: a guess is only taken with a limit).
    let guessed = ValidateRun(options, input, console, holding: true)
    let (settled, noteOnStdout) = settle()
    var settledOptions = options
    settledOptions.settleRules = nil
    switch settled {
    case .same(let note):
        settledOptions.modelNote = noteOnStdout ? note : nil
        return guessed.finish(settledOptions)
    case .changed(let model, let note, let uniqueField):
        settledOptions.model = model
        settledOptions.modelNote = noteOnStdout ? note : nil
        settledOptions.uniqueField = uniqueField
        return ValidateRun(settledOptions, input, console, holding: false).finish(settledOptions)
    case .stop(let status):
        return status
    case .interrupted:
        return .interrupted
    }
}

/// One check pass of `validate`: its problems printed as they are found, or held for `finish` to print (when the
/// rules it ran by may not stand).
private struct ValidateRun {
    let console: Console
    let input: InputFile
    let holding: Bool
    let pass: Result<CheckPass, InputError>
    /// The problems listed (at most --max-problems): held as printed lines (text), or entries (--output json).
    let listed: Int
    let heldLines: [String]
    let problems: JSON?

    init(_ options: ValidateOptions, _ input: InputFile, _ console: Console, holding: Bool) {
        self.console = console
        self.input = input
        self.holding = holding
        let problems = options.outputJSON ? (try? JSON.array()) : nil
        self.problems = problems
        if !holding, let note = options.modelNote, !options.outputJSON { console.print(note) }
        let limit = options.maxProblems <= 0 ? Int.max : options.maxProblems
        var listed = 0, held: [String] = []
        pass = Result { () throws(InputError) -> CheckPass in
            try CheckPass.run(input: input, format: options.format, objectID: options.objectID, uniqueField: options.uniqueField,
                              model: options.model, maxProblems: 0) { problem in
                guard listed < limit else { return }
                listed += 1
                if let problems {
                    if let entry = try? JSON.object(["index": .integer(Int64(problem.index)), "line": .integer(Int64(problem.line)),
                                                     "message": .string(problem.message)]) {
                        try? problems.append(entry)
                    }
                } else if holding {
                    held.append(problem.located(in: input.displayName))
                } else {
                    console.print(problem.located(in: input.displayName))
                }
            }
        }
        self.listed = listed
        heldLines = held
    }

    /// Prints what is left — the held lines, the count — by the rules `options` settled on; the exit status.
    func finish(_ options: ValidateOptions) -> ExitStatus {
        if holding {
            if let note = options.modelNote, !options.outputJSON { console.print(note) }
            for line in heldLines { console.print(line) }
        }
        let check: CheckPass
        switch pass {
        case .success(let done):
            check = done
        case .failure(let error):
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
