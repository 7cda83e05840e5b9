import BKCC

/// How an import's outcome becomes the exit code and the status in `--output json` (the README's table):
/// 0 every row created; 1 some rows not created; 2 invalid input; 3 nothing could be created because the CMDB
/// was unreachable or refused every request (not because it refused rows one by one).
enum ExitPolicy {
    static func exitStatus(_ counts: ImportCounts, interrupted: Bool, inputFailed: Bool) -> ExitStatus {
        let tally = counts.tally
        if inputFailed { return tally.created == 0 ? .invalid : .partial }
        if tally.created == counts.rows { return .ok }
        let refusedWhole = ![.partial, .cancelled, .ok].contains(tally.status)
        if tally.created == 0, tally.itemFailures == 0, counts.requests > 0, !interrupted, counts.pulled > 0, refusedWhole {
            return .failed
        }
        return .partial
    }

    /// The status `--output json` reports beside the exit code.
    static func status(_ counts: ImportCounts, exit: ExitStatus) -> BKCCStatus {
        switch exit {
        case .ok: return .ok
        case .failed: return counts.tally.status
        default:
            if counts.tally.created > 0 { return .partial }
            return counts.pulled > 0 ? counts.tally.status : .validation
        }
    }
}
