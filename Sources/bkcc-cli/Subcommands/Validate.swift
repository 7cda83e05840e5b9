import ArgumentParser
import BKCCCLI

extension BKCCCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every row of an input by the API's rules, offline; send nothing.",
            discussion: """
                Lists each invalid row with its line (and column, for a cell or a JSON error), then a count. Exit 0 when every row is valid, 2 otherwise; 1 when the result could not be written (stdout full or closed).

                Example:
                  bkcc validate --obj bk_switch switches.csv
                """
        )

        @OptionGroup(title: "Input") var input: InputOptions

        @Option(name: .customLong("max-problems"), help: ArgumentHelp("How many invalid rows to list; 0 for all.", valueName: "n"))
        var maxProblems: Int = 20

        @Option(name: .long, help: ArgumentHelp("text, or json on stdout.", valueName: "format"))
        var output: OutputFormat = .text

        func run() throws {
            var options = ValidateOptions(objectID: input.objectID, input: input.path())
            options.format = input.format
            options.uniqueField = input.uniqueField
            options.maxProblems = maxProblems
            options.outputJSON = output == .json
            let console = Console.standard()
            let status = console.finish(runValidate(options, console: console))
            if status != .ok { try finish(status) }
        }
    }
}
