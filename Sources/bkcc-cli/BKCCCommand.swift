import ArgumentParser
import BKCC
import BKCCCLI
#if canImport(Glibc)
import Glibc
#endif

/// `bkcc`: the root command only configures; the subcommands do the work through BKCCCLI.
struct BKCCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bkcc",
        abstract: "Create BlueKing CMDB model instances in batches, from a spreadsheet or JSON, resumably.",
        discussion: """
            Examples:
              bkcc validate --obj bk_switch switches.csv
              bkcc batch-create-inst --obj bk_switch --report report.jsonl switches.csv
              bkcc batch-create-inst --obj bk_switch --resume report.jsonl \\
                  --report report.jsonl switches.csv
              bkcc batch-create-inst --obj bk_switch --dry-run switches.csv | head -1
              cat s.jsonl | bkcc batch-create-inst --obj bk_switch --format jsonl -
              bkcc batch-create-inst --obj bk_switch -v switches.csv
              bkcc config show --profile prod

            Settings come from flags, then the environment (BK_COMPONENT_API_URL, BK_APP_CODE, BK_APP_SECRET, BK_USERNAME, BK_TOKEN, BKCC_API), then a config file (--config FILE, or ~/.config/bkcc/config.json), in which a profile (--profile NAME, BKCC_PROFILE, or the file's "default_profile") wins over the top level.

            Exit codes: 0 every row created (or valid); 1 some rows not created; 2 bad usage or invalid input, nothing sent; 3 nothing could be created (unreachable, authentication, permission).

            Shell completion: bkcc --generate-completion-script bash|zsh|fish
            """,
        version: BKCCVersion.string,
        subcommands: [BatchCreateInst.self, Validate.self, Sync.self, Export.self, ModelCommand.self, Template.self, Config.self, Version.self]
    )
}

@main
enum Main {
    static func main() {
        do {
            var command = try BKCCCommand.parseAsRoot()
            try command.run()
        } catch {
            // swift-argument-parser exits 64 (EX_USAGE) on bad usage; bkcc's contract is 2.
            let code = BKCCCommand.exitCode(for: error)
            if code.rawValue == 64 {
                let message = BKCCCommand.fullMessage(for: error)
                FileHandleOutput.stderr(message + "\n")
                exit(ExitStatus.invalid.rawValue)
            }
            BKCCCommand.exit(withError: error)
        }
    }
}

/// Writes to a file descriptor without Foundation.
enum FileHandleOutput {
    static func stderr(_ text: String) {
        FileWriter(fd: 2, capacity: 0).write(text)
    }
}

/// Ends a command with bkcc's exit status.
func finish(_ status: ExitStatus) throws -> Never {
    throw ExitCode(status.rawValue)
}
