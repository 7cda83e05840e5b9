/// The text encoding of a CSV input (`--encoding`).
public enum InputEncoding: String, CaseIterable, Sendable {
    /// A byte-order mark (UTF-8, UTF-16 LE or BE), else UTF-8 when the text is UTF-8, else GB18030 (with a note).
    case auto
    case utf8 = "utf-8"
    /// GB18030, a superset of GBK and GB2312: what Excel on a Chinese Windows saves as "CSV (逗号分隔)".
    case gb18030
    /// UTF-16 ("Unicode"): the byte-order mark says which end first; without one, little-endian (as Windows writes).
    case utf16 = "utf-16"
}

/// How to read an input beyond its format: the encoding of a CSV, the sheet of a workbook, where notes go.
/// `InputFile` hands these to every `ByteSource` it opens, so that each pass over the input reads it alike.
public struct ReadingOptions {
    public var encoding: InputEncoding = .auto
    /// The worksheet of an .xlsx to read, by name; nil for the first.
    public var sheet: String?
    /// Where a note about the reading goes ("input is not UTF-8: read as GB18030"); nil: nowhere.
    public var notes: InputNotes?

    public init(encoding: InputEncoding = .auto, sheet: String? = nil, notes: InputNotes? = nil) {
        self.encoding = encoding
        self.sheet = sheet
        self.notes = notes
    }
}

/// Notes about how an input was read, each said once however many passes read the input (check, send).
public final class InputNotes {
    private let emit: (String) -> Void
    private var said: Set<String> = []

    public init(_ emit: @escaping (String) -> Void) { self.emit = emit }

    public func note(_ text: String) {
        if said.insert(text).inserted { emit(text) }
    }
}
