import ArgumentParser
import BKCCCLI

/// How to read the input beyond its format: `--sheet` for a workbook, `--encoding` for a CSV.
struct ReadingArguments: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The worksheet of an .xlsx to read (default: the first).", valueName: "name"))
    var sheet: String?

    @Option(name: .long, help: ArgumentHelp("A CSV's encoding: auto (a byte-order mark, else UTF-8, else GB18030, said on stderr), utf-8, gb18030 (GBK) or utf-16.", valueName: "encoding"))
    var encoding: InputEncoding = .auto

    var options: ReadingOptions { ReadingOptions(encoding: encoding, sheet: sheet) }
}

extension InputEncoding: ExpressibleByArgument {
    /// Also the names people type: utf8, gbk, gb2312, utf16.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "utf8": self = .utf8
        case "gbk", "gb2312", "cp936": self = .gb18030
        case "utf16": self = .utf16
        default: self.init(rawValue: argument.lowercased())
        }
    }
}
