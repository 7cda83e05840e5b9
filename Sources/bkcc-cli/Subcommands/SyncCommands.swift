import ArgumentParser
import BKCC
import BKCCCLI

extension BKCCCommand {
    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Make a model's instances say what a file says: plan, then --apply.",
            discussion: """
                Checks the file against the model like an import, reads the model's instances and matches them to the rows by --key (default: the model's single-field unique rule). Prints the plan — to create, to update (each changed attribute as before → after), unchanged, on the server but not in the file — and sends nothing. Exit 0: nothing to do; 1: changes planned; 2: bad input.

                --apply carries the plan out: creates, updates of the changed attributes only (a change to an attribute the model does not let you edit is reported, never dropped), and with --prune deletes the instances the file does not name — only within --max-delete N. Running it again after any interruption plans only what is left: a second --apply prints "nothing to do".

                Examples:
                  bkcc sync --obj bk_switch switches.csv
                  bkcc sync --obj bk_switch --apply \\
                      --report sync.jsonl switches.csv
                  bkcc sync --obj rack --prune --max-delete 10 \\
                      --apply racks.csv
                """
        )

        @OptionGroup(title: "Input") var input: InputOptions
        @OptionGroup(title: "Input") var reading: ReadingArguments
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Diagnostics") var verbosity: VerbosityOptions

        @Option(name: .long, help: ArgumentHelp("The attribute rows and instances are matched by (default: the model's unique field).", valueName: "field"))
        var key: String?

        @Flag(name: .long, help: "Carry the plan out (without it, nothing is sent).")
        var apply = false

        @Flag(name: .long, help: "Also delete the instances the file does not name (needs --max-delete).")
        var prune = false

        @Option(name: .customLong("max-delete"), help: ArgumentHelp("With --prune: the most instances that may be deleted.", valueName: "n"))
        var maxDelete: Int?

        @Option(name: .customLong("plan-out"), help: ArgumentHelp("Write every planned action as JSON Lines.", valueName: "file"))
        var planOut: String?

        @Option(name: .long, help: ArgumentHelp("With --apply: one JSON line per row and per deleted instance with its outcome.", valueName: "file"))
        var report: String?

        @Option(name: .long, help: ArgumentHelp("text, or json on stdout.", valueName: "format"))
        var output: OutputFormat = .text

        func validate() throws {
            if maxDelete != nil, !prune { throw ValidationError("--max-delete goes with --prune") }
            if let maxDelete, maxDelete < 0 { throw ValidationError("--max-delete must be 0 or more") }
            if report != nil, !apply { throw ValidationError("--report goes with --apply (the plan alone sends nothing; --plan-out writes it)") }
        }

        func run() throws {
            var options = SyncOptions(objectID: input.objectID, input: input.path())
            options.format = input.format
            options.reading = reading.options
            options.key = key ?? input.uniqueFieldGiven
            options.apply = apply
            options.prune = prune
            options.maxDelete = maxDelete
            options.planOut = planOut
            options.reportPath = report
            options.outputJSON = output == .json
            let console = Console.standard()
            let (client, model) = try connect(objectID: input.objectID, connection: connection, verbosity: verbosity, console: console)
            let status = Syncer(options: options, model: model, client: client, console: console).run()
            console.flush()
            if status != .ok { try finish(status) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a model's instances as CSV, JSON Lines, JSON or .xlsx.",
            discussion: """
                Streams every instance through the paged search (each exactly once), attributes in the model's order with bk_inst_id first. What it writes reads back: edit it and `bkcc sync --apply` changes exactly what was edited.

                Examples:
                  bkcc export --obj bk_switch -o switches.csv
                  bkcc export --obj bk_switch --format jsonl \\
                      --fields bk_inst_name,bk_sn --filter bk_vendor=华为
                """
        )

        @Option(name: .customLong("obj"), help: ArgumentHelp("The model, e.g. bk_switch.", valueName: "id"))
        var objectID: String

        @Option(name: .long, help: ArgumentHelp("Attributes to write, comma-separated (default: all, in the model's order).", valueName: "a,b"))
        var fields: String?

        @Option(name: .long, help: ArgumentHelp("Only instances whose attribute equals the value (repeatable).", valueName: "k=v"))
        var filter: [String] = []

        @Option(name: .long, help: ArgumentHelp("csv, jsonl, json, or xlsx (with -o FILE).", valueName: "format"))
        var format: ExportOptions.Format = .csv

        @Option(name: .shortAndLong, help: ArgumentHelp("The file to write (default: standard output).", valueName: "file"))
        var output: String?

        @Option(name: .long, help: ArgumentHelp("CSV header cells: ids, or names (display names).", valueName: "ids|names"))
        var header: String = "ids"

        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Diagnostics") var verbosity: VerbosityOptions

        func validate() throws {
            guard header == "ids" || header == "names" else { throw ValidationError("--header must be ids or names") }
            if format == .xlsx, output == nil { throw ValidationError("--format xlsx writes a file: give -o FILE") }
            for entry in filter where !entry.contains("=") { throw ValidationError("--filter takes k=v, got \(entry)") }
        }

        func run() throws {
            var options = ExportOptions(objectID: objectID)
            options.fields = fields.map { $0.split(separator: ",").map { String($0.trimmingSpace()) }.filter { !$0.isEmpty } }
            options.filter = try filter.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], try JSON.string(parts.count > 1 ? parts[1] : ""))
            }
            options.format = format
            options.output = output
            options.headerNames = header == "names"
            let console = Console.standard()
            options.progress = output != nil && console.stderrIsTerminal
            let (client, model) = try connect(objectID: objectID, connection: connection, verbosity: verbosity, console: console)
            let status = runExport(options, model: model, client: client, console: console)
            console.flush()
            if status != .ok { try finish(status) }
        }
    }
}

extension ExportOptions.Format: ExpressibleByArgument {}

/// A client and the model from the CMDB, or the command ends with a clear error (2: bad usage or no such model;
/// 3: the CMDB could not be read).
func connect(objectID: String, connection: ConnectionOptions, verbosity: VerbosityOptions, console: Console) throws -> (client: Client, model: Model) {
    do throws(BKCCError) {
        try Validation.checkObjectID(objectID)
        let client = try Client(configuration: connection.settings().configuration())
        verbosity.install(on: client, console: console)
        return (client, try client.getModel(objectID: objectID))
    } catch {
        console.note("bkcc: error: \(error.advised)")
        try finish(error.status == .invalidArgument || error.status == .validation || error.status == .api ? .invalid : .failed)
    }
}
