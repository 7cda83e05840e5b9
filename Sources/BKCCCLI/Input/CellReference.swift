/// A worksheet cell's A1 reference: `C12` is column 2 (0-based) of row 12 (1-based, as the sheet numbers rows).
enum CellReference {
    /// The most columns a worksheet has (XFD).
    static let maxColumns = 16_384

    /// "A" → 0, "Z" → 25, "AA" → 26.
    static func letters(_ column: Int) -> String {
        var column = column + 1
        var result: [UInt8] = []
        while column > 0 {
            column -= 1
            result.append(UInt8(ascii: "A") + UInt8(column % 26))
            column /= 26
        }
        return String(decoding: result.reversed(), as: UTF8.self)
    }

    /// `Sheet1!C12`; a sheet name that is not one word is quoted as Excel writes it: `'My sheet'!C12`.
    static func name(sheet: String, column: Int, row: Int) -> String {
        let plain = !sheet.isEmpty && sheet.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            && !(sheet.first?.isNumber ?? false)
        let shown = plain ? sheet : "'" + sheet.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        return "\(shown)!\(letters(column))\(row)"
    }

    /// The column and row of a reference as the XML spells it (`C12`, ASCII); nil parts when absent or malformed.
    static func parse(_ text: UnsafePointer<CChar>) -> (column: Int?, row: Int?) {
        var pointer = text
        var column = 0, letters = 0
        while true {
            let byte = UInt8(bitPattern: pointer.pointee)
            let upper = byte & ~0x20
            guard upper >= UInt8(ascii: "A"), upper <= UInt8(ascii: "Z"), letters < 4 else { break }
            column = column * 26 + Int(upper - UInt8(ascii: "A")) + 1
            letters += 1
            pointer += 1
        }
        var row = 0, digits = 0
        while true {
            let byte = UInt8(bitPattern: pointer.pointee)
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 8 else { break }
            row = row * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
            pointer += 1
        }
        let valid = pointer.pointee == 0
        return (valid && letters > 0 && column <= maxColumns ? column - 1 : nil, valid && digits > 0 && row > 0 ? row : nil)
    }
}
