import ArgumentParser
import BKCC
import BKCCCLI

extension BKCCCommand {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show the effective settings.",
            subcommands: [Show.self]
        )

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show",
                abstract: "Print each setting, its value (secrets as ***) and where it came from.",
                discussion: """
                    Flags win over the environment, which wins over the config file. Exit 2 when the settings are not usable (the reason is printed after them).

                    Example:
                      BK_COMPONENT_API_URL=http://127.0.0.1:8000 bkcc config show
                    """
            )

            @OptionGroup(title: "Connection") var connection: ConnectionOptions

            @Option(name: .long, help: ArgumentHelp("text, or json.", valueName: "format"))
            var output: OutputFormat = .text

            func run() throws {
                let console = Console.standard()
                let settings: Settings
                do throws(BKCCError) {
                    settings = try connection.settings()
                } catch {
                    console.note("bkcc: error: \(error.message)")
                    try finish(.invalid)
                }
                var problem: String?
                do throws(BKCCError) { _ = try settings.configuration() } catch { problem = error.message }
                if output == .json {
                    if let object = try? settings.showJSON() {
                        try? object.set("usable", problem == nil)
                        try? object.set("problem", problem.map { (try? JSON.string($0)) ?? .null } ?? .null)
                        console.print(JSONText.serialize(object, pretty: true))
                    }
                } else {
                    console.print(settings.showText(), terminator: "")
                }
                let written = console.finish(.ok)
                if let problem {
                    console.note("bkcc: these settings are not usable: \(problem)")
                    try finish(.invalid)
                }
                if written != .ok { try finish(written) }
            }
        }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the versions of bkcc and of the libraries it uses.")

        func run() throws {
            let console = Console.standard()
            console.print(versionText())
            let written = console.finish(.ok)
            if written != .ok { try finish(written) }
        }
    }
}
