/// What a workbook's small parts say before any cell is read: its sheets in tab order (`xl/workbook.xml`), where
/// each sheet's XML is (the workbook's relationships), the shared strings and styles parts, and its date system.
struct WorkbookIndex {
    struct Sheet {
        var name: String
        /// The part's path in the archive; nil when the relationship is missing.
        var path: String?
        /// False for a chart sheet or a dialog sheet: no cells.
        var isWorksheet: Bool
    }

    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    var sheets: [Sheet] = []
    var date1904 = false
    var sharedStringsPath: String?
    var stylesPath: String?

    static func read(_ archive: ZipArchive) throws(InputError) -> WorkbookIndex {
        // The package's relationships name the workbook part (xl/workbook.xml in every writer seen).
        let package = try relationships(archive, of: "")
        let workbookPath = package.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
        guard archive.contains(workbookPath) else {
            throw InputError(path: archive.name, "not an .xlsx workbook: the archive has no \(workbookPath)")
        }
        var index = WorkbookIndex()
        var listed: [(name: String, id: String)] = []
        let stream = try XMLStream(entry: try archive.open(workbookPath), name: archive.name)
        stream.onStart = { element, attributes in
            if XMLStream.is(element, "sheet") {
                listed.append((XMLStream.attributeString(attributes, "name") ?? "", XMLStream.attributeString(attributes, "id") ?? ""))
            } else if XMLStream.is(element, "workbookPr") {
                let value = XMLStream.attributeString(attributes, "date1904")
                index.date1904 = value == "1" || value == "true"
            }
        }
        try stream.run()
        let links = try relationships(archive, of: workbookPath)
        for (name, id) in listed {
            let link = links.first { $0.id == id }
            index.sheets.append(Sheet(name: name, path: link?.target, isWorksheet: link?.type.hasSuffix("/worksheet") ?? true))
        }
        index.sharedStringsPath = links.first { $0.type.hasSuffix("/sharedStrings") }?.target
        index.stylesPath = links.first { $0.type.hasSuffix("/styles") }?.target
        return index
    }

    /// The relationships of a part (`xl/_rels/workbook.xml.rels` for `xl/workbook.xml`; `_rels/.rels` for the
    /// package), targets resolved to archive paths; none when the part has no relationships file.
    static func relationships(_ archive: ZipArchive, of part: String) throws(InputError) -> [Relationship] {
        let (folder, file) = split(part)
        let path = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        guard archive.contains(path) else { return [] }
        var found: [Relationship] = []
        let stream = try XMLStream(entry: try archive.open(path), name: archive.name)
        stream.onStart = { element, attributes in
            guard XMLStream.is(element, "Relationship"), XMLStream.attributeString(attributes, "TargetMode") != "External",
                  let id = XMLStream.attributeString(attributes, "Id"), let target = XMLStream.attributeString(attributes, "Target")
            else { return }
            found.append(Relationship(id: id, type: XMLStream.attributeString(attributes, "Type") ?? "", target: resolve(target, in: folder)))
        }
        try stream.run()
        return found
    }

    /// "xl/workbook.xml" → ("xl", "workbook.xml").
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// A target relative to `folder` (or absolute, from the package root: "/xl/worksheets/sheet1.xml") as an
    /// archive path, with "." and ".." taken out.
    static func resolve(_ target: String, in folder: String) -> String {
        var parts = target.hasPrefix("/") ? [] : folder.split(separator: "/").map(String.init)
        for part in target.split(separator: "/") {
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
            } else if part != "." {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }
}
