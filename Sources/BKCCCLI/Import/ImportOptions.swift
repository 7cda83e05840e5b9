import BKCC

/// What `bkcc batch-create-inst` was asked to do.
public struct ImportOptions {
    public var objectID: String
    /// A path, or "-" for standard input.
    public var input: String = "-"
    public var format: InputFormat?
    /// A CSV's encoding, a workbook's sheet.
    public var reading = ReadingOptions()
    public var dryRun = false
    public var pretty = false
    public var reportPath: String?
    public var resumePath: String?
    public var skipInvalid = false
    public var uniqueField = "bk_asset_id"
    /// nil: a progress bar when stderr is a terminal.
    public var progress: Bool?
    public var outputJSON = false
    public var maxProblems = 20
    public var bufferSize = ByteSource.defaultBufferSize
    public var stdinFD: Int32 = 0
    /// The CMDB's model, when it was read: rows are checked against it and CSV columns typed by it.
    public var model: Model?
    /// Which rules the rows were checked by ("checked against model … from the CMDB: …"): in `--output json`.
    public var rulesNote: String?
    /// Set when `model` is a guess (the model this CMDB gave last time, `ModelCache`) while the CMDB is asked for
    /// its model on another thread: called once, after the check pass, it waits for the answer (unless its argument
    /// says the import was interrupted) and says whether the pass stands.
    public var settleRules: ((_ interrupted: () -> Bool) -> RulesSettled)?

    public init(objectID: String, input: String = "-") {
        self.objectID = objectID
        self.input = input
    }
}

/// What the CMDB's answer makes of a check pass run against a guessed model (`ImportOptions.settleRules`).
public enum RulesSettled {
    /// Its model is the guess: the pass stands; which rules, in words (`rulesNote`).
    case same(note: String)
    /// Other rules (another model, or the offline rules when it could not be read): the rows are checked again.
    case changed(model: Model?, note: String, uniqueField: String)
    /// The command ends with this status (the reason is said already: a model the CMDB does not know).
    case stop(ExitStatus)
    /// A signal came while waiting for the answer.
    case interrupted
}

extension ImportOptions {
    /// The checks every pass runs on the rows, the same in each.
    func rowValidator() -> RowValidator {
        RowValidator(objectID: objectID, uniqueField: uniqueField, model: model.map(ModelCheck.init))
    }
}
