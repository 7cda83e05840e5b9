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

    public init(objectID: String, input: String = "-") {
        self.objectID = objectID
        self.input = input
    }
}

extension ImportOptions {
    /// The checks every pass runs on the rows, the same in each.
    func rowValidator() -> RowValidator {
        RowValidator(objectID: objectID, uniqueField: uniqueField, model: model.map(ModelCheck.init))
    }
}
