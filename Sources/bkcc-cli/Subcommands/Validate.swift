#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BKCC
import BKCCCLI

extension BKCCCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check every row of an input against the model; send nothing.",
            discussion: """
                With a CMDB configured, the model is read from it (one request): required attributes, each attribute's type (text limits in bytes, patterns, ranges, enum options, dates) and its unique rules; CSV headers may be attribute ids or display names. With --offline (or nothing configured), the offline rules: bk_inst_name, and bk_asset_id on bk_switch, bk_router, bk_load_balance and bk_firewall. The first line says which.

                Lists each invalid row with its line (and column, for a cell or a JSON error), then a count. Attributes the model does not have are named once, as warnings (the CMDB drops them). Exit 0 when every row is valid, 2 otherwise, 3 when the CMDB does not know the model; 1 when the result could not be written (stdout full or closed).

                Example:
                  bkcc validate --obj bk_switch switches.csv
                """
        )

        @OptionGroup(title: "Input") var input: InputOptions
        @OptionGroup(title: "Model") var model: ModelOptions
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Input") var reading: ReadingArguments

        @Option(name: .customLong("max-problems"), help: ArgumentHelp("How many invalid rows to list; 0 for all.", valueName: "n"))
        var maxProblems: Int = 20

        @Option(name: .long, help: ArgumentHelp("text, or json on stdout.", valueName: "format"))
        var output: OutputFormat = .text

        func run() throws {
            var options = ValidateOptions(objectID: input.objectID, input: input.path())
            options.format = input.format
            options.reading = reading.options
            options.uniqueField = input.uniqueField
            options.maxProblems = maxProblems
            options.outputJSON = output == .json
            let console = Console.standard()
            let input = self.input
            let uniqueField = input.uniqueField(by:)
            // Checked against last time's model while the CMDB is asked again, when what is printed before the
            // answer is bounded (--max-problems); the rules are said first all the same.
            let ahead = maxProblems > 0 ? model.readAhead(objectID: input.objectID, connection: connection, verbose: false) : nil
            if let ahead {
                options.model = ahead.guess
                options.uniqueField = uniqueField(ahead.guess)
                options.settleRules = {
                    var warned = false
                    let settled = ahead.settle(console: console, interrupted: { false }, say: { rules in
                        // A model that could not be read is a warning (stderr), as below.
                        if rules.isWarning { console.note(rules.note) }
                        warned = rules.isWarning
                    }, uniqueField: uniqueField)
                    return (settled, !warned)
                }
            } else {
                let rules = try model.resolve(objectID: input.objectID, connection: connection, console: console)
                options.model = rules.model
                // A model that could not be read is a warning (stderr); which rules were used goes first on stdout.
                if rules.isWarning { console.note(rules.note) } else { options.modelNote = rules.note }
                options.uniqueField = uniqueField(rules.model)
            }
            let status = console.finish(runValidate(options, console: console))
            // Stopped before it waited for the read (--obj refused): as `batch-create-inst` does, the process ends
            // without exit()'s clean-up handlers, which tear down what the read's thread uses inside libcurl.
            if ahead?.isReading == true { _exit(status.rawValue) }
            if status != .ok { try finish(status) }
        }
    }
}
