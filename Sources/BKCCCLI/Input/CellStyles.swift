/// Which cells of a workbook hold dates: a date is a number with a date number format, so the cell's style
/// (`s="3"`, an index into `cellXfs` of `xl/styles.xml`) says whether 45292 means 2024-01-01.
struct CellStyles {
    enum DateKind: Sendable { case none, date, dateTime, time }

    /// The date kind of each cell format (`xf`), by index.
    private(set) var kinds: [DateKind] = []

    func kind(_ style: Int) -> DateKind { style >= 0 && style < kinds.count ? kinds[style] : .none }

    init() {}

    init(stream: XMLStream) throws(InputError) {
        var formats: [Int: String] = [:]
        var formatIDs: [Int] = []
        var inCellFormats = false
        stream.onStart = { element, attributes in
            if XMLStream.is(element, "numFmt") {
                if let id = XMLStream.attributeString(attributes, "numFmtId").flatMap({ Int($0) }),
                   let code = XMLStream.attributeString(attributes, "formatCode") {
                    formats[id] = code
                }
            } else if XMLStream.is(element, "cellXfs") {
                inCellFormats = true
            } else if XMLStream.is(element, "xf"), inCellFormats {
                formatIDs.append(XMLStream.attributeString(attributes, "numFmtId").flatMap { Int($0) } ?? 0)
            }
        }
        stream.onEnd = { element in
            if XMLStream.is(element, "cellXfs") { inCellFormats = false }
        }
        try stream.run()
        kinds = formatIDs.map { id in formats[id].map(CellStyles.classify) ?? CellStyles.builtIn(id) }
    }

    /// The built-in formats (ECMA-376 Part 1, 18.8.30, and the zh-CN ones Excel numbers 27–36 and 50–58).
    static func builtIn(_ id: Int) -> DateKind {
        switch id {
        case 14...17, 27...31, 36, 50...54, 57, 58: .date
        case 18...21, 32...35, 45...47, 55, 56: .time
        case 22: .dateTime
        default: .none
        }
    }

    /// A custom format code's kind: its first section, without quoted text, escapes, fills and [colours] / [$-804]
    /// locale tags (but `[h]`, elapsed hours, counts), has y/d/m (a date) and/or h/s (a time; `m` is then minutes).
    static func classify(_ code: String) -> DateKind {
        var date = false, time = false, month = false
        var iterator = code.lowercased().unicodeScalars.makeIterator()
        var bracket = ""
        var inBracket = false, inQuote = false
        while let c = iterator.next() {
            if inQuote {
                if c == "\"" { inQuote = false }
                continue
            }
            if inBracket {
                if c == "]" {
                    inBracket = false
                    if bracket.first == "h" || bracket.first == "m" || bracket.first == "s" { time = true }
                } else {
                    bracket.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ";": return verdict(date: date || (month && !time), time: time)
            case "\"": inQuote = true
            case "[": inBracket = true; bracket = ""
            case "\\", "_", "*": _ = iterator.next()  // the next character is literal, or a fill
            case "y", "d": date = true
            case "m": month = true
            case "h", "s": time = true
            case "a":
                // AM/PM or A/P: skip it, its "m" is not a month.
                var rest = iterator
                if rest.next() == "m", rest.next() == "/", rest.next() == "p", rest.next() == "m" { iterator = rest }
            case "g":
                // "General" is not a date for its "e".
                var rest = iterator
                if rest.next() == "e", rest.next() == "n", rest.next() == "e", rest.next() == "r", rest.next() == "a", rest.next() == "l" {
                    iterator = rest
                }
            default: break
            }
        }
        return verdict(date: date || (month && !time), time: time)
    }

    private static func verdict(date: Bool, time: Bool) -> DateKind {
        switch (date, time) {
        case (true, true): .dateTime
        case (true, false): .date
        case (false, true): .time
        case (false, false): .none
        }
    }
}
