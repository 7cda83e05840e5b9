import ArgumentParser
import BKCC
import BKCCCLI

extension BKCCCommand {
    struct ModelCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "model",
            abstract: "Show a model's attributes as the CMDB defines them.",
            discussion: """
                One line per attribute: id, type, display name, [required, unique, not editable], options (enum ids, a range, a pattern). --output json prints what bkcc_get_model returns.

                Example:
                  bkcc model --obj bk_switch
                """
        )

        @Option(name: .customLong("obj"), help: ArgumentHelp("The model, e.g. bk_switch.", valueName: "id"))
        var objectID: String

        @Option(name: .long, help: ArgumentHelp("text, or json on stdout.", valueName: "format"))
        var output: OutputFormat = .text

        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Diagnostics") var verbosity: VerbosityOptions

        func run() throws {
            let console = Console.standard()
            let model = try connect(objectID: objectID, connection: connection, verbosity: verbosity, console: console).model
            if output == .json {
                guard let json = try? model.json() else { try finish(.failed) }
                console.print(JSONText.serialize(json, pretty: true))
            } else {
                for line in modelText(model) { console.print(line) }
            }
            console.flush()
        }
    }

    struct Template: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "template",
            abstract: "Write a CSV header row for a model, ready to fill in.",
            discussion: """
                The model's attribute ids (--names: display names), required ones first, as one CSV line on stdout.

                Example:
                  bkcc template --obj rack > racks.csv
                """
        )

        @Option(name: .customLong("obj"), help: ArgumentHelp("The model, e.g. rack.", valueName: "id"))
        var objectID: String

        @Flag(name: .long, help: "Display names (as the CMDB's own template shows them) instead of attribute ids.")
        var names = false

        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Diagnostics") var verbosity: VerbosityOptions

        func run() throws {
            let console = Console.standard()
            let model = try connect(objectID: objectID, connection: connection, verbosity: verbosity, console: console).model
            console.print(templateHeader(model, names: names))
            console.flush()
        }
    }
}
