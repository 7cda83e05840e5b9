import BKCC

/// The counts of an import, for the summary and the exit code: the engine's tally of every row's outcome (rows
/// settled before anything is sent — created in an earlier run, invalid — included), and what only an import knows.
public struct ImportCounts: Sendable {
    /// Rows in the input.
    public var rows = 0
    public var tally = Tally()
    /// Of `tally.created`: already created according to the resumed report.
    public var alreadyCreated = 0
    /// Of `tally.created`: found on the server by the unique field (unknown in the resumed report).
    public var found = 0
    /// Of `alreadyCreated`: rows whose content changed since they were created (not sent again).
    public var changed = 0
    /// Rows in requests that were sent (or tried: a connection refused counts), this run.
    public var sent = 0
    /// Rows handed to the engine (sent, or skipped after a failure that stopped the run).
    public var pulled = 0
    public var requests = 0

    public init() {}
}
