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

/// The first pass over an input: reads and checks every row, counts them, keeps the first problems and, for an
/// import, what the send pass knows each row again by (`RowSpool`: its bytes' hash, digest and key, in a
/// temporary file) and, for a resume, each row's print (`RowPrints`: 8 bytes a row) that a resumed report is
/// checked against. Nothing is sent.
public struct CheckPass {
    public var format: InputFormat
    public var rows = 0
    public var invalid = 0
    /// The first `maxProblems` problems, in file order.
    public var problems: [RowProblem] = []
    /// Said once before anything is sent: attributes the model does not know (the CMDB drops them).
    public var warnings: [String] = []
    /// Per row, `RowPrints.print(key:digest:)` (a resume's; empty otherwise).
    public var prints = RowPrints()
    /// Per row, what the send pass needs of it again (an import's; nil otherwise), rewound for reading.
    var spool: RowSpool?
    /// With `keyField`: every invalid row's problem, by index. Later passes verify each row against the spool (or
    /// a resume's print), so they take the verdict from here instead of checking the row (and rebuilding the
    /// repeat table) again.
    public var invalidRows: [Int: String] = [:]

    /// The format to read `input` with: `--format`, else the file's extension, else a look at its first bytes.
    public static func format(of input: InputFile, given: InputFormat?, source: ByteSource) throws(InputError) -> InputFormat {
        if let given { return given }
        if !input.isStandardInput, let byName = InputFormat.fromExtension(input.path) { return byName }
        return InputFormat.sniff(try source.peek())
    }

    /// Runs the pass.
    /// - Parameters:
    ///   - keyField: spool each row for the send pass (`spool`), its key this field's value; nil spools none.
    ///   - spooling: false keeps no spool even with `keyField` (a dry run sends nothing).
    ///   - resuming: with `keyField`, also keep each row's print (`prints`), which a resumed report is checked by.
    ///   - onProblem: called with every problem as it is found.
    ///   - onRow: called with the number of rows read so far, after each row; returning false stops the pass
    ///     (an interrupt), which then throws.
    public static func run(input: InputFile, format given: InputFormat?, objectID: String, uniqueField: String,
                           model: Model? = nil, maxProblems: Int,
                           keyField: String? = nil, spooling: Bool = true, resuming: Bool = true,
                           onProblem: ((RowProblem) -> Void)? = nil, onRow: ((Int) -> Bool)? = nil) throws(InputError) -> CheckPass {
        let source = try input.open()
        let format = try CheckPass.format(of: input, given: given, source: source)
        var pass = CheckPass(format: format)
        let spool = spooling ? try keyField.map { _ throws(InputError) in try RowSpool(name: input.displayName) } : nil
        let keepsPrints = keyField != nil && resuming
        let reader = format.reader(source, model: model)
        // A row's bytes are hashed as it is read, for the spool (the send pass knows the row again by them).
        let hashing = spool == nil ? nil : reader as? TextRowReader
        hashing?.hashesRows = true
        // A JSON row's text is sent as it is when it was read flat here (on its bytes, sure of every value as
        // jansson reads it); else the send pass scans it to know (`SendPass`). A CSV row's text is the reader's
        // own writing.
        let textIsOwn = format == .csv || format == .xlsx
        var validator = RowValidator(objectID: objectID, uniqueField: uniqueField, model: model.map(ModelCheck.init))
        let digester = RowDigest()
        // With the model known, rows are checked as flat objects (`FlatObject`) where they are: JSON rows read from
        // their text, CSV rows filled from their cells (which then need no text). The rest are parsed as before.
        let textReader = model == nil ? nil : reader as? TextRowReader
        let flat = FlatObject()
        textReader?.filling = flat
        textReader?.givesText = textReader?.filling == nil  // a reader that fills gives its other rows parsed
        textReader?.reusesText = true  // each row is let go before the next is read
        let keyFieldHash = keyField.map { FlatObject.keyHash($0) } ?? 0
        while var row = try reader.next() {
            pass.rows += 1
            // `textReader` tested, not bound, and captured unowned(unsafe): the local above holds it for the whole
            // loop and the closure runs only inside the call; binding it, or a strong capture, was a retain and a
            // release a row (atomic operations).
            let readFlat = textReader != nil && (row.filled || row.text?.withUnsafeBytes({ flat.read($0) }) == true)
            if readFlat {
                if let verdict = validator.checkQuickly(flat, line: row.line, parsed: { [unowned(unsafe) textReader = textReader.unsafelyUnwrapped] in
                    textReader.parsed(row).detail
                }) {
                    if let keyField {
                        let value = flat.value(of: keyField, hash: keyFieldHash)
                        var integerKey = false
                        if case .integer? = value { integerKey = true }
                        // `LookupOperation.key`'s rule on the bytes (`RowDigest.key`'s for a parsed row): one key
                        // for the spool and the print.
                        ValueDigest.withLookupKey(value) { key in
                            let key = key ?? UnsafeRawBufferPointer(start: nil, count: 0)
                            spool?.append(hash: hashing?.rowHash, digest: flat.digest, key: key, integerKey: integerKey, sendsText: true)
                            if keepsPrints { pass.prints.append(RowPrints.print(keyHash: FNV1a.of(key), digest: flat.digest)) }
                        }
                    }
                    if let problem = verdict { pass.found(problem, in: row, keeping: keyField != nil, maxProblems, onProblem) }
                    // called through the optional, not bound to a local (which was a retain of its context a row)
                    if onRow?(pass.rows) == false { throw InputError(path: input.displayName, "interrupted") }
                    continue
                }
            }
            if let textReader, row.text != nil || row.filled { row = textReader.parsed(row) }
            if let keyField {
                var key = RowDigest.key(row, field: keyField)
                let digest = digester.digest(row)
                let integerKey = row.detail?[keyField]?.integer != nil
                key.withUTF8 { spool?.append(hash: hashing?.rowHash, digest: digest, key: UnsafeRawBufferPointer($0), integerKey: integerKey, sendsText: textIsOwn || readFlat) }
                if keepsPrints { pass.prints.append(RowPrints.print(key: key, digest: digest)) }
            }
            if let problem = validator.check(row) { pass.found(problem, in: row, keeping: keyField != nil, maxProblems, onProblem) }
            if onRow?(pass.rows) == false { throw InputError(path: input.displayName, "interrupted") }
        }
        pass.warnings = validator.warnings
        try spool?.rewind()
        pass.spool = spool
        return pass
    }

    private mutating func found(_ problem: String, in row: InputRow, keeping: Bool, _ maxProblems: Int,
                                _ onProblem: ((RowProblem) -> Void)?) {
        invalid += 1
        let entry = RowProblem(index: row.index, line: row.line, message: problem)
        if problems.count < maxProblems { problems.append(entry) }
        if keeping { invalidRows[row.index] = problem }
        onProblem?(entry)
    }
}
