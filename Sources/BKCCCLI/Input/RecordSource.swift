/// A stream of records (rows of cells) that the row reader turns into JSON objects: a CSV file (`CSVReader`) or a
/// worksheet (`XLSXReader`). The first non-blank record is the header.
public protocol RecordSource: AnyObject {
    /// A name for messages: the path, or "-" for standard input.
    var name: String { get }
    /// The next record, nil at the end of the input.
    func next() throws(InputError) -> CSVRecord?
}

/// What a cell holds as its file stored it. A CSV has text only; a workbook also numbers, booleans and errors (a
/// formula's `#N/A`). The record's text of the cell is what the sheet shows ("42", "TRUE", "2024-01-31").
public enum CellKind: Sendable, Equatable {
    case text
    case number(Double)
    case bool(Bool)
    /// A formula's error value (`#N/A`, `#DIV/0!`): never a value to send.
    case error
    /// A formula with no saved result (the workbook was written by a program and never calculated): its text.
    case formula
}
