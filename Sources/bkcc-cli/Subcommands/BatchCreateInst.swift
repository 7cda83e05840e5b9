#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BKCC
import BKCCCLI

extension BKCCCommand {
    struct BatchCreateInst: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch-create-inst",
            abstract: "Create instances of a model from a CSV, JSON Lines or JSON array file.",
            discussion: """
                Every row is checked first, against the model read from the CMDB (required attributes, types, unique rules; --offline: bk_inst_name, and bk_asset_id on the device models): if any row is invalid nothing is sent, unless --skip-invalid. Attributes the model does not have are named once, as warnings. Then rows are streamed to the CMDB, at most 200 per request, with --concurrency requests in flight; memory stays flat whatever the size of the input. Standard input is copied to a temporary file to be read twice. Each model read is kept in ~/.cache/bkcc/models ($XDG_CACHE_HOME): the next import against the same CMDB checks the rows against it while reading the model again, and checks them again if the CMDB's model differs (BKCC_MODEL_CACHE=off: nothing kept).

                CSV: the header row names the attributes, by id or by display name; the CMDB's own import template and export are read as they are. Empty cells are left out. Cells are converted by the model's types (enum cells may hold option names); offline they are strings unless a header such as "rack_u:int" (or :float, :bool, :json) types the column.

                The report (--report) has a header line per run, an intent line before each request is sent, and one JSON line per row outcome, in completion order:
                  {"index":0,"line":2,"key":"SW-0001","digest":"…",
                   "outcome":"created","bk_inst_id":1001,"request_id":"…"}
                key is the row's --unique-field value, digest a hash of the row as read. outcome is created, failed (with "message"), unknown (sent, no answer) or skipped (never sent). The report is locked while a run writes it. --resume REPORT checks every created row's key against the input (another input or order: refused, nothing sent), waits out the requests a killed run may still have had in flight, looks up the rows of unknown fate by --unique-field, and sends only the rest; --report may name the same file (it is appended to). --dry-run --resume previews what a resume would send.

                Examples:
                  bkcc batch-create-inst --obj bk_switch --report report.jsonl switches.csv
                  bkcc batch-create-inst --obj bk_switch --resume report.jsonl \\
                      --report report.jsonl switches.csv
                  bkcc batch-create-inst --obj bk_switch --dry-run --pretty switches.csv
                  bkcc batch-create-inst --obj bk_switch --output json - < switches.jsonl
                  bkcc batch-create-inst --obj bk_switch -vv switches.csv 2> requests.log

                Exit codes: 0 every row created; 1 some rows not created (or the input changed while imported, or the report or stdout could not be written); 2 bad usage or invalid input (nothing sent; with --dry-run: some row invalid); 3 nothing could be created (unreachable, authentication, permission); 130 / 143 interrupted by SIGINT / SIGTERM (requests in flight finished, report written).
                """
        )

        @OptionGroup(title: "Input") var input: InputOptions
        @OptionGroup(title: "Model") var model: ModelOptions
        @OptionGroup(title: "Input") var reading: ReadingArguments
        @OptionGroup(title: "Connection") var connection: ConnectionOptions
        @OptionGroup(title: "Diagnostics") var verbosity: VerbosityOptions

        @Flag(name: .customLong("dry-run"), help: "Check every row and print the requests that would be sent (one JSON per line, secrets as ***); send nothing.")
        var dryRun = false

        @Flag(name: .long, help: "With --dry-run: indent the requests.")
        var pretty = false

        @Option(name: .long, help: ArgumentHelp("Write one JSON line per input row with its outcome.", valueName: "file"))
        var report: String?

        @Option(name: .long, help: ArgumentHelp("Send only the rows an earlier report does not list as created (rows of unknown fate are looked up first).", valueName: "report"))
        var resume: String?

        @Flag(name: .customLong("skip-invalid"), help: "Send the valid rows and report the invalid ones as failed, instead of sending nothing.")
        var skipInvalid = false

        @Flag(inversion: .prefixedNo, help: "A progress bar on stderr (default: when stderr is a terminal).")
        var progress: Bool?

        @Option(name: .long, help: ArgumentHelp("The summary as text, or json on stdout.", valueName: "format"))
        var output: OutputFormat = .text

        @Option(name: .customLong("max-problems"), help: ArgumentHelp("How many invalid rows to list when refusing an input.", valueName: "n"))
        var maxProblems: Int = 20

        func validate() throws {
            if pretty, !dryRun { throw ValidationError("--pretty goes with --dry-run") }
            if dryRun, report != nil { throw ValidationError("--dry-run sends nothing: it takes no --report (with --resume it previews what a resume would send)") }
            if maxProblems < 0 { throw ValidationError("--max-problems must be 0 or more") }
        }

        func run() throws {
            var options = ImportOptions(objectID: input.objectID, input: input.path())
            options.format = input.format
            options.reading = reading.options
            options.uniqueField = input.uniqueField
            options.dryRun = dryRun
            options.pretty = pretty
            options.reportPath = report
            options.resumePath = resume
            options.skipInvalid = skipInvalid
            // A progress bar redrawn between log lines would garble both.
            options.progress = progress ?? (verbosity.level == nil ? nil : false)
            options.outputJSON = output == .json
            options.maxProblems = maxProblems
            let connection = self.connection, verbosity = self.verbosity
            let console = Console.standard()
            let input = self.input
            let uniqueField = input.uniqueField(by:)
            // Which rules: said on a terminal (like the progress bar), in --output json, and first by `validate`.
            func say(_ rules: ModelOptions.Rules) { if console.stderrIsTerminal || rules.isWarning { console.note(rules.note) } }
            let ahead = model.readAhead(objectID: input.objectID, connection: connection, verbose: verbosity.level != nil)
            if let ahead {
                // Checked against last time's model while the CMDB is asked again; the rules are said once settled.
                options.model = ahead.guess
                options.uniqueField = uniqueField(ahead.guess)
                options.settleRules = { interrupted in
                    ahead.settle(console: console, interrupted: interrupted, say: say, uniqueField: uniqueField)
                }
            } else {
                let rules = try model.resolve(objectID: input.objectID, connection: connection, verbosity: verbosity, console: console)
                say(rules)
                options.model = rules.model
                options.rulesNote = rules.note
                options.uniqueField = uniqueField(rules.model)
            }
            let importer = Importer(options: options, console: console) { () throws(BKCCError) -> Client in
                let configuration = try connection.settings().configuration()
                if !configuration.verifyTLS, configuration.url.lowercased().hasPrefix("https://") {
                    console.note("bkcc: warning: the server's TLS certificate is not verified (--insecure / verify_tls: false): "
                                 + "anyone between here and the CMDB can read the app secret; use --ca-file instead")
                }
                let client = try Client(configuration: configuration)
                verbosity.install(on: client, console: console)
                return client
            }
            let status = console.finish(importer.run())
            // An import that stopped before it waited for the read (the report locked, an interrupt) leaves its
            // thread inside libcurl, and exit()'s clean-up handlers tore down what that thread was using: a SIGSEGV
            // after the last line (CI; 2 of 30 runs by hand). Everything is written by now (the console flushed; no
            // report line comes before the read is waited for), so the process ends without running them.
            if ahead?.isReading == true { _exit(status.rawValue) }
            if status != .ok { try finish(status) }
        }
    }
}
