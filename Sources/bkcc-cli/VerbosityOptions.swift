import ArgumentParser
import BKCC
import BKCCCLI

/// `-v` / `-vv` of the commands that talk to a server: the library's request log (`RequestLog`) on stderr, as
/// `curl -v` and `kubectl -v` do. Secrets come out of the library as `***`.
struct VerbosityOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: ArgumentHelp("One line per HTTP request on stderr (method, path, status, request id, items, elapsed ms); -vv adds each request's and answer's headers and body, secrets as ***. Turns the progress bar off unless --progress."))
    var verbose: Int

    var level: RequestLog.Level? { verbose <= 0 ? nil : verbose == 1 ? .requests : .bodies }

    /// Sends `client`'s request log to the console's stderr (control characters escaped on a terminal).
    func install(on client: Client, console: Console) {
        guard let level else { return }
        let target = ConsoleBox(console: console)
        client.setRequestLog(RequestLog(level: level) { _, text in target.console.note(text) })
    }
}

/// The console is used only on the thread that runs the import, which is where the log is written.
private struct ConsoleBox: @unchecked Sendable {
    let console: Console
}
