#if canImport(Glibc)
import Glibc
#endif
import BKCC
import CZip

/// An .xlsx workbook of one sheet, written a row at a time: the sheet's XML goes to an unlinked temporary file as
/// rows come (memory stays flat however many instances an export streams), and at `finish` libzip packs it with
/// the four fixed parts of a minimal SpreadsheetML package. Text cells are inline strings (no shared-strings table
/// to hold in memory), numbers and booleans are typed cells; what `bkcc`'s own reader, Excel and openpyxl read.
final class XLSXWriter {
    private let path: String
    private let sheetName: String
    private let sheet: UnsafeMutablePointer<FILE>
    private var rowNumber = 0
    private var failed = false

    /// `sheetName`: at most 31 characters, none of `[]:*?/\` (Excel's rule; the caller passes a model id).
    init(path: String, sheetName: String) throws(InputError) {
        self.path = path
        self.sheetName = sheetName
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/bkcc-sheet-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0, let file = fdopen(fd, "w+") else {
            throw InputError(path: path, "cannot create a temporary file in \(directory): \(systemError())")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        sheet = file
        put(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
    }

    deinit { if !finished { fclose(sheet) } }
    private var finished = false

    /// One row; nil cells are left empty.
    func row(_ cells: [JSON?]) {
        rowNumber += 1
        var xml = "<row r=\"\(rowNumber)\">"
        for (column, cell) in cells.enumerated() {
            guard let cell, !cell.isNull else { continue }
            let reference = XLSXWriter.columnName(column) + String(rowNumber)
            if let integer = cell.integer {
                xml += "<c r=\"\(reference)\"><v>\(integer)</v></c>"
            } else if let number = cell.number, number.isFinite {
                xml += "<c r=\"\(reference)\"><v>\(number)</v></c>"
            } else if let bool = cell.bool {
                xml += "<c r=\"\(reference)\" t=\"b\"><v>\(bool ? 1 : 0)</v></c>"
            } else {
                let text = cell.string ?? cellText(cell)
                xml += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(XLSXWriter.escaped(text))</t></is></c>"
            }
        }
        put(xml + "</row>")
    }

    /// Writes the workbook to `path` (replacing it only once it is complete: libzip writes a temporary file and
    /// renames it at the end).
    func finish() throws(InputError) {
        put("</sheetData></worksheet>")
        finished = true
        guard !failed, fflush(sheet) == 0 else {
            fclose(sheet)
            throw InputError(path: path, "cannot write the sheet's temporary file: \(systemError())")
        }
        rewind(sheet)
        var code: Int32 = 0
        guard let archive = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code) else {
            fclose(sheet)
            throw InputError(path: path, "cannot create the workbook (libzip error \(code))")
        }
        let parts: [(String, String)] = [
            ("[Content_Types].xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name=""# + XLSXWriter.escaped(sheetName) + #"" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ]
        var ok = true
        for (name, text) in parts {
            let bytes = Array(text.utf8)
            guard let memory = malloc(bytes.count) else { ok = false; break }
            memcpy(memory, bytes, bytes.count)
            // freep 1: libzip frees the buffer, also when the add fails.
            guard let source = zip_source_buffer(archive, memory, zip_uint64_t(bytes.count), 1) else { free(memory); ok = false; break }
            if zip_file_add(archive, name, source, zip_flags_t(ZIP_FL_ENC_UTF_8)) < 0 { zip_source_free(source); ok = false; break }
        }
        if ok, let source = zip_source_filep(archive, sheet, 0, -1) {  // takes the FILE: closed by libzip
            if zip_file_add(archive, "xl/worksheets/sheet1.xml", source, zip_flags_t(ZIP_FL_ENC_UTF_8)) < 0 {
                zip_source_free(source)
                ok = false
            }
        } else {
            if ok { fclose(sheet) }
            ok = false
        }
        let reason = zip_strerror(archive).map { String(cString: $0) } ?? "?"
        guard ok else {
            zip_discard(archive)
            throw InputError(path: path, "cannot build the workbook: \(reason)")
        }
        guard zip_close(archive) == 0 else {
            let closing = zip_strerror(archive).map { String(cString: $0) } ?? "?"
            zip_discard(archive)
            throw InputError(path: path, "cannot write the workbook: \(closing)")
        }
    }

    private func put(_ text: String) {
        guard !failed else { return }
        if fputs(text, sheet) < 0 { failed = true }
    }

    /// A, B, …, Z, AA, …: a column's letters.
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var letters: [Character] = []
        while n > 0 {
            let digit = (n - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + digit))), at: 0)
            n = (n - 1) / 26
        }
        return String(letters)
    }

    /// XML text: the five entities escaped; control characters XML 1.0 cannot hold written as Excel does (_x0001_).
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "_x" + String(repeating: "0", count: 4 - hex.count) + hex + "_"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
