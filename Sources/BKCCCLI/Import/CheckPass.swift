import BKCC

/// A row that failed the checks: where, and why.
public struct RowProblem: Equatable, Sendable {
    public var index: Int
    public var line: Int
    public var message: String

    public var text: String { "line \(line): \(message)" }
    /// `file:line: message`, as compilers write it.
    public func located(in file: String) -> String { "\(file):\(line): \(message)" }
}

/// The first pass over an input: reads and checks every row, counts them, keeps the first problems. Nothing is
/// sent. Also checks that a resume report belongs to this input (each row on the line the report says).
public struct CheckPass {
    public var format: InputFormat
    public var rows = 0
    public var invalid = 0
    /// The first `maxProblems` problems, in file order.
    public var problems: [RowProblem] = []
    /// Said once before anything is sent: attributes the model does not know (the CMDB drops them).
    public var warnings: [String] = []

    /// The format to read `input` with: `--format`, else the file's extension, else a look at its first bytes.
    public static func format(of input: InputFile, given: InputFormat?, source: ByteSource) throws(InputError) -> InputFormat {
        if let given { return given }
        if !input.isStandardInput, let byName = InputFormat.fromExtension(input.path) { return byName }
        return InputFormat.sniff(try source.peek())
    }

    /// Runs the pass.
    /// - Parameters:
    ///   - resume: an earlier report: its rows must be on the lines it says.
    ///   - onProblem: called with every problem as it is found.
    ///   - onRow: called with the number of rows read so far, after each row.
    public static func run(input: InputFile, format given: InputFormat?, objectID: String, uniqueField: String, model: Model? = nil, maxProblems: Int,
                           resume: ResumeState? = nil, reportName: String = "",
                           onProblem: ((RowProblem) -> Void)? = nil, onRow: ((Int) -> Void)? = nil) throws(InputError) -> CheckPass {
        let source = try input.open()
        let format = try CheckPass.format(of: input, given: given, source: source)
        var pass = CheckPass(format: format)
        let reader = format.reader(source, model: model)
        var validator = RowValidator(objectID: objectID, uniqueField: uniqueField, model: model.map(ModelCheck.init))
        while let row = try reader.next() {
            pass.rows += 1
            onRow?(pass.rows)
            if let problem = validator.check(row) {
                pass.invalid += 1
                let entry = RowProblem(index: row.index, line: row.line, message: problem)
                if pass.problems.count < maxProblems { pass.problems.append(entry) }
                onProblem?(entry)
            }
            if let resume, resume.fate(row.index) != .absent, resume.line(row.index) != row.line {
                throw InputError(path: input.path,
                                 "does not match the report \(reportName): row \(row.index) starts on line \(row.line) here, on line \(resume.line(row.index)) in the report")
            }
        }
        pass.warnings = validator.warnings
        if let resume, resume.count > pass.rows {
            throw InputError(path: input.path,
                             "does not match the report \(reportName): it has \(grouped(pass.rows)) rows, the report speaks of row \(resume.count - 1)")
        }
        return pass
    }
}
